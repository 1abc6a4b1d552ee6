// The dongle's record signing in C (modules/crypto/ecdsa_psa.c on libmbedtls's PSA Crypto): a key
// generated in PSA signs an OCMF payload; the core's DER form of the signature verifies with openssl
// and node:crypto, and the line passes `metertap verify`'s check.
import test from "ava";
import { execFileSync, spawnSync } from "node:child_process";
import { createPublicKey, generateKeyPairSync, sign, verify } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildEcdsaTest } from "./c/build.js";
import { ecdsaDer, ecdsaRaw } from "../modules/signing/der.js";
import { ocmfLine, parseOcmf, signedPayload } from "../modules/signing/ocmf.js";
import { utf8Encode } from "../modules/util/bytes.js";
import { publicKeyPem } from "../hosts/node/signer.js";
import { fromHex, toHex } from "../modules/util/hex.js";

const dir = mkdtempSync(join(tmpdir(), "metertap-ecdsa-"));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

test("a PSA-generated key signs an OCMF payload that openssl and node:crypto verify", (t) => {
  const bin = buildEcdsaTest(dir);
  const [priv, pub] = execFileSync(bin, ["generate"], { encoding: "utf8" }).trim().split("\n");
  t.is(priv.length, 64);
  t.regex(pub, /^04[0-9a-f]{128}$/);
  t.is(execFileSync(bin, ["public", priv], { encoding: "utf8" }).trim(), pub, "the stored private key gives the same public key");

  const rec = { stream: "quarter-hour" as const, start: Date.UTC(2026, 2, 28, 10), end: Date.UTC(2026, 2, 28, 10, 15), flags: [], delta: { "+A": 212 }, registers: { "+A": 6757390 } };
  const payload = signedPayload(rec, { deviceId: "dongle", meterId: "E0034006810516416", firmware: "0.1.0", counter: 1 });
  const raw = execFileSync(bin, ["sign", priv, toHex(utf8Encode(payload))], { encoding: "utf8" }).trim();
  t.is(raw.length, 128);
  const der = ecdsaDer(fromHex(raw)!);
  const line = ocmfLine(payload, der);
  const parsed = parseOcmf(line)!;
  t.is(parsed.counter, 1);

  const pem = publicKeyPem(fromHex(pub)!);
  const key = createPublicKey(pem);
  t.true(verify("sha256", Buffer.from(payload), { key, dsaEncoding: "der" }, Buffer.from(parsed.signature)));
  t.true(verify("sha256", Buffer.from(payload), { key, dsaEncoding: "ieee-p1363" }, Buffer.from(raw, "hex")), "the DER form carries the same r, s");
  t.false(verify("sha256", Buffer.from(payload.replace("6757390", "6757391")), { key, dsaEncoding: "der" }, Buffer.from(der)));
  writeFileSync(join(dir, "pub.pem"), pem);
  writeFileSync(join(dir, "data"), payload);
  writeFileSync(join(dir, "sig.der"), der);
  const r = spawnSync("openssl", ["dgst", "-sha256", "-verify", join(dir, "pub.pem"), "-signature", join(dir, "sig.der"), join(dir, "data")], { encoding: "utf8" });
  t.is(r.stdout.trim(), "Verified OK");
});

test("DER encoding: leading zeros dropped, a high bit gets a zero byte", (t) => {
  const raw = new Uint8Array(64);
  raw[31] = 1; // r = 1
  raw[32] = 0x80; // s = 0x80 00 .. 00 (32 bytes)
  t.deepEqual(Array.from(ecdsaDer(raw).subarray(0, 7)), [0x30, 3 + 35, 0x02, 1, 1, 0x02, 33]);
  t.is(ecdsaDer(raw)[7], 0);
});

test("the history stores r || s: DER back to 64 bytes, zeros and sign bytes restored as they were", (t) => {
  const raw = new Uint8Array(64);
  raw[31] = 1;
  raw[32] = 0x80;
  t.deepEqual(ecdsaRaw(ecdsaDer(raw)), raw);
  // node:crypto's DER signatures, whatever their r and s lengths, round-trip to its r || s form.
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  for (let i = 0; i < 200; i++) {
    const der = sign("sha256", Buffer.of(i), { key: privateKey, dsaEncoding: "der" });
    const rs = ecdsaRaw(der);
    t.is(rs.length, 64);
    t.true(verify("sha256", Buffer.of(i), { key: privateKey, dsaEncoding: "ieee-p1363" }, rs));
    t.deepEqual(Array.from(ecdsaDer(rs)), Array.from(der));
  }
  t.throws(() => ecdsaRaw(Uint8Array.of(0x30, 6, 0x04, 1, 1, 0x02, 1, 1)), { message: "not a DER ECDSA signature" });
});
