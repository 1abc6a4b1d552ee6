// The Node Cipher port (node:crypto) on NIST GCM vectors and on the corpus frames.
import test from "ava";
import { nodeCipher } from "../hosts/node/cipher.js";
import { gcmIv, isGloError, parseGlo } from "../modules/security/glo.js";
import { ENCRYPTED_CASES, encryptedCase } from "./security-frames.js";

const h = (s: string) => new Uint8Array(Buffer.from(s, "hex"));
const hex = (b: Uint8Array | null) => (b ? Buffer.from(b).toString("hex") : null);

// GCM spec test case 4 (AES-128, 60-byte plaintext, 20-byte AAD) and a CAVS 96-bit-tag record.
const TC4 = {
  key: "feffe9928665731c6d6a8f9467308308",
  iv: "cafebabefacedbaddecaf888",
  aad: "feedfacedeadbeeffeedfacedeadbeefabaddad2",
  pt: "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
  ct: "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
  tag: "5bc94fbc3221a5db94fae95ae7121a47",
};
const TAG96 = {
  key: "70fb02388301f16c4193b0fc70683f3f",
  iv: "aec612be7c1ddb659a4b315c",
  aad: "3859b3c9d0b42d45c43e8ebd4c8cbde1b6eb2106",
  pt: "68e6bc0b08b8adbdc00005ae44723c8e",
  ct: "a7c52a23b09062a1fb77d47ff83a114f",
  tag: "79f91fa572220432ee3a6495",
};

test("NIST vectors: full and 96-bit tags verify; a flipped bit anywhere is null", (t) => {
  for (const v of [TC4, TAG96]) {
    t.is(hex(nodeCipher.gcmDecrypt(h(v.key), h(v.iv), h(v.aad), h(v.ct), h(v.tag))), v.pt);
    t.is(hex(nodeCipher.gcmDecryptUntagged(h(v.key), h(v.iv), h(v.ct))), v.pt);
    for (const field of ["iv", "aad", "ct", "tag"] as const) {
      const bad = { ...v, [field]: (parseInt(v[field][0], 16) ^ 8).toString(16) + v[field].slice(1) };
      t.is(nodeCipher.gcmDecrypt(h(bad.key), h(bad.iv), h(bad.aad), h(bad.ct), h(bad.tag)), null, field);
    }
  }
  // The 12-byte prefix of a 16-byte tag is the 96-bit tag.
  t.is(hex(nodeCipher.gcmDecrypt(h(TC4.key), h(TC4.iv), h(TC4.aad), h(TC4.ct), h(TC4.tag.slice(0, 24)))), TC4.pt);
  t.is(nodeCipher.gcmDecrypt(h(TC4.key), h(TC4.iv), h(TC4.aad), h(TC4.ct), h(TC4.tag.slice(0, 6))), null, "3-byte tags are refused");
});

for (const id of ENCRYPTED_CASES) {
  test(`${id}: node:crypto decrypts to the corpus plaintext`, (t) => {
    const c = encryptedCase(id);
    const glo = parseGlo(c.apdu);
    if (isGloError(glo)) return t.fail(glo.message);
    const key = h(c.key);
    t.deepEqual(nodeCipher.gcmDecryptUntagged(key, gcmIv(glo), glo.body), c.plaintext);
    if (c.aad !== undefined) t.deepEqual(nodeCipher.gcmDecrypt(key, gcmIv(glo), h(c.aad), glo.body, glo.tag), c.plaintext);
  });
}
