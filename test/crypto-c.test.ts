// The native AES-GCM / ECDSA module's C side, built here against libmbedtls-dev: NIST vectors,
// every encrypted corpus frame with a bit flipped in IV, AAD, ciphertext and tag, SHA-256, and a
// P-256 signature made by node:crypto. The XS binding is compiled against the XS headers.
import test from "ava";
import { execFileSync } from "node:child_process";
import { createHash, generateKeyPairSync, sign } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isGloError, parseGlo, gcmIv } from "../modules/security/glo.js";
import { toHex } from "../modules/util/hex.js";
import { buildGcmTest, checkXsBinding } from "./c/build.js";
import { ENCRYPTED_CASES, encryptedCase } from "./security-frames.js";

const dir = mkdtempSync(join(tmpdir(), "metertap-c-"));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));
let binary: string;
test.before(() => {
  binary = buildGcmTest(dir);
});

function run(...args: string[]): string {
  return execFileSync(binary, args, { encoding: "utf8" });
}

test("NIST SP 800-38D AES-128 GCM vectors, truncated tags and failing tags", (t) => {
  const out = run("vectors");
  const passed = out.split("\n").filter((l) => l.startsWith("PASS "));
  t.is(passed.length, 12, out);
  t.regex(out, /^vectors: 12 passed, 0 failed$/m);
  t.regex(out, /^PASS cavs-tag96 ok$/m);
  t.regex(out, /^PASS cavs-tag96-tampered-tag auth-failed$/m);
  t.regex(out, /^PASS tc3-tampered-ct auth-failed$/m);
});

for (const id of ENCRYPTED_CASES) {
  test(`corpus frame ${id}: decrypts to the corpus plaintext; any flipped bit fails`, (t) => {
    const c = encryptedCase(id);
    const glo = parseGlo(c.apdu);
    if (isGloError(glo)) return t.fail(glo.message);
    const iv = toHex(gcmIv(glo));
    const tagged = c.aad !== undefined;
    const out = run("frame", c.key, iv, c.aad || "-", toHex(glo.body), tagged ? toHex(glo.tag) : "-").split("\n");
    t.is(out[0], "decrypt ok");
    t.is(out[1], toHex(c.plaintext));
    if (tagged) {
      t.deepEqual(out.slice(2, 6), ["iv-flip auth-failed", "aad-flip auth-failed", "ct-flip auth-failed", "tag-flip auth-failed"]);
      // Without the AAD the same frame still decrypts (untagged CTR from J0+1); validation is then the plaintext's.
      t.is(run("frame", c.key, iv, "-", toHex(glo.body), "-").split("\n")[1], toHex(c.plaintext));
    } else {
      t.is(out.length, 3);
    }
  });
}

test("SHA-256 through psa_hash_compute", (t) => {
  t.is(run("sha256", "616263").trim(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const msg = Buffer.alloc(1000, 0x61);
  t.is(run("sha256", msg.toString("hex")).trim(), createHash("sha256").update(msg).digest("hex"));
});

test("ECDSA P-256/SHA-256 verify of a node:crypto signature", (t) => {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = publicKey.export({ format: "jwk" });
  const pub = "04" + Buffer.from(jwk.x!, "base64url").toString("hex") + Buffer.from(jwk.y!, "base64url").toString("hex");
  const message = Buffer.from("metertap firmware image 1.2.3\n".repeat(50));
  const sig = sign("sha256", message, { key: privateKey, dsaEncoding: "ieee-p1363" }).toString("hex");
  t.is(run("verify", pub, sig, message.toString("hex")).trim(), "verify valid");
  const flipped = Buffer.from(message);
  flipped[100] ^= 1;
  t.is(run("verify", pub, sig, flipped.toString("hex")).trim(), "verify invalid");
  const badSig = (parseInt(sig[0], 16) ^ 1).toString(16) + sig.slice(1);
  t.is(run("verify", pub, badSig, message.toString("hex")).trim(), "verify invalid");
  const other = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ format: "jwk" });
  const otherPub = "04" + Buffer.from(other.x!, "base64url").toString("hex") + Buffer.from(other.y!, "base64url").toString("hex");
  t.is(run("verify", otherPub, sig, message.toString("hex")).trim(), "verify invalid");
  // A point off the curve is refused by the key import, not verified.
  t.is(run("verify", pub.slice(0, -2) + "00", sig, message.toString("hex")).trim(), "verify error");
});

test("the XS binding compiles against xsmc.h", (t) => {
  t.notThrows(() => checkXsBinding());
});
