// The Cipher port on node:crypto (OpenSSL's AES-GCM).
import { createCipheriv, createDecipheriv } from "node:crypto";
import type { Cipher } from "../../modules/ports/ports.js";

/** Counter block 2 (J0+1 for a 96-bit IV): where GCM starts encrypting. */
function firstCounterBlock(iv: Uint8Array): Uint8Array {
  const block = new Uint8Array(16);
  block.set(iv, 0);
  block[15] = 2;
  return block;
}

export const nodeCipher: Cipher = {
  gcmDecrypt(key, iv, aad, ciphertext, tag) {
    try {
      const d = createDecipheriv("aes-128-gcm", key, iv, { authTagLength: tag.length });
      d.setAAD(aad);
      d.setAuthTag(tag);
      const head = d.update(ciphertext);
      const tail = d.final();
      return new Uint8Array(tail.length ? Buffer.concat([head, tail]) : head);
    } catch {
      // A tag mismatch (or a tag length GCM does not allow) is a failed verification.
      return null;
    }
  },
  gcmDecryptUntagged(key, iv, ciphertext) {
    const c = createCipheriv("aes-128-ctr", key, firstCounterBlock(iv));
    return new Uint8Array(Buffer.concat([c.update(ciphertext), c.final()]));
  },
};
