// Decryption cost per frame: node:crypto (OpenSSL) and the native PSA module's C (Mbed TLS, built
// here with gcc), on the Luxembourg frame (1.5 KB, 12-byte tag) and the Austrian EVN APDU
// (243 B, encryption only); plus the whole security layer + decoder per frame on Node.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Decoder } from "../modules/decode/decoder.js";
import { gcmIv, isGloError, parseGlo } from "../modules/security/glo.js";
import type { GloFrame } from "../modules/security/glo.js";
import { toHex } from "../modules/util/hex.js";
import { nodeCipher } from "../hosts/node/cipher.js";
import { buildGcmTest } from "../test/c/build.js";
import { encryptedCase } from "../test/security-frames.js";

const CASES = ["enc-dsmr-athombv-luxembourg-spec-example-with-aad", "enc-mbus-athombv-austria-evn-kaifa-ma309"];

function perFrame(label: string, n: number, run: () => void): void {
  for (let i = 0; i < n / 10; i++) run();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) run();
  const ns = Number(process.hrtime.bigint() - t0) / n;
  console.log(`${label.padEnd(58)} ${(ns / 1000).toFixed(1).padStart(7)} µs/frame`);
}

export async function bench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "metertap-bench-"));
  try {
    const binary = buildGcmTest(dir);
    for (const id of CASES) {
      const c = encryptedCase(id);
      const glo = parseGlo(c.apdu) as GloFrame;
      if (isGloError(glo)) throw new Error(id);
      const key = Buffer.from(c.key, "hex");
      const aad = Buffer.from(c.aad ?? "", "hex");
      const iv = gcmIv(glo);
      const what = `${id.replace(/^enc-\w+-athombv-/, "")} (${glo.body.length} B${glo.tag.length ? ", tagged" : ""})`;
      console.log(what);
      perFrame("  node:crypto decrypt", 20000, () =>
        glo.tag.length ? nodeCipher.gcmDecrypt(key, iv, aad, glo.body, glo.tag) : nodeCipher.gcmDecryptUntagged(key, iv, glo.body));
      const args = ["--bench", "20000", c.key, toHex(iv), c.aad || "-", toHex(glo.body), glo.tag.length ? toHex(glo.tag) : "-"];
      const ns = Number(/ns\/frame (\d+)/.exec(execFileSync(binary, args, { encoding: "utf8" }))![1]);
      console.log(`${"  native C, PSA Crypto on Mbed TLS (key import per frame)".padEnd(58)} ${(ns / 1000).toFixed(1).padStart(7)} µs/frame`);
      const options = { cipher: nodeCipher, encryptionKey: key, authenticationKey: c.authKey ? Buffer.from(c.authKey, "hex") : undefined };
      // A store that forgets, so the same frame can be decoded again without being a replay.
      const forgetful = { read: () => undefined, write: () => undefined, delete: () => undefined };
      const decoder = new Decoder({ ...options, store: forgetful }, () => undefined);
      perFrame("  Node: security layer + decoder, per frame", 5000, () => decoder.decodePayload(c.apdu, false));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
