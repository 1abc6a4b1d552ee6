// The dongle's signing key as the ESP32 host gets it (hosts/moddable/signing-key.ts over
// modules/crypto/psa-signer.ts), with the three PSA bindings of aesgcm.c played by node:crypto
// (test/ecdsa-c.test.ts checks the C itself): made once, kept in the store across reboots, its
// signatures checked with the public key alone; a PSA failure costs the key, not the meter.
import test from "ava";
import { createECDH, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from "node:crypto";
import { MemoryStore } from "../modules/security/replay.js";
import { deviceSigner } from "../hosts/moddable/signing-key.js";

let generated = 0;
let failing = false;
const point = (priv: Uint8Array): Uint8Array => {
  const ecdh = createECDH("prime256v1");
  ecdh.setPrivateKey(priv);
  return new Uint8Array(ecdh.getPublicKey());
};
const jwk = (pub: Uint8Array) => ({ kty: "EC", crv: "P-256", x: Buffer.from(pub.subarray(1, 33)).toString("base64url"), y: Buffer.from(pub.subarray(33)).toString("base64url") });
const natives: Record<string, (...a: any[]) => ArrayBuffer> = {
  xs_crypto_p256_generate: () => {
    if (failing) throw new Error("PSA error -134");
    generated++;
    const d = Buffer.from(generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" }).d!, "base64url");
    return Uint8Array.from([...d, ...point(d)]).buffer;
  },
  xs_crypto_p256_public: (priv: Uint8Array) => point(priv).slice().buffer,
  xs_crypto_p256_sign: (priv: Uint8Array, message: Uint8Array) => {
    const key = createPrivateKey({ key: { ...jwk(point(priv)), d: Buffer.from(priv).toString("base64url") }, format: "jwk" });
    return new Uint8Array(sign("sha256", message, { key, dsaEncoding: "ieee-p1363" })).buffer;
  },
};
(globalThis as { native?: unknown }).native = (name: string) => natives[name];

test("made on the first boot, kept in NVS across reboots, signatures check with the public key", (t) => {
  const nvs = new MemoryStore();
  const first = deviceSigner(nvs, (l) => t.fail(l))!;
  t.is(generated, 1);
  t.regex(nvs.read("sig-key")!, /^[0-9a-f]{64}$/);
  const pub = first.publicKey();
  t.is(pub.length, 65);
  t.is(pub[0], 4);
  // A reboot (or an OTA update, which leaves NVS alone): the same key, none made.
  const again = deviceSigner(nvs, (l) => t.fail(l))!;
  t.is(generated, 1);
  t.deepEqual(again.publicKey(), pub);
  const key = createPublicKey({ key: jwk(pub), format: "jwk" });
  const message = new TextEncoder().encode('{"FV":"1.0","PG":"T1"}');
  const der = again.sign(message);
  t.is(der[0], 0x30, "DER, as OCMF lines carry it");
  t.true(verify("sha256", message, { key, dsaEncoding: "der" }, der));
  t.false(verify("sha256", new TextEncoder().encode('{"FV":"1.0","PG":"T2"}'), { key, dsaEncoding: "der" }, der));
});

test("PSA failing at boot: no signer, a log line, nothing stored", (t) => {
  failing = true;
  t.teardown(() => (failing = false));
  const nvs = new MemoryStore();
  const lines: string[] = [];
  t.is(deviceSigner(nvs, (l) => lines.push(l)), undefined);
  t.deepEqual(lines, ["signing: no key (PSA error -134); records are not signed"]);
  t.is(nvs.read("sig-key"), undefined);
});
