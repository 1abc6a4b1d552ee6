// XS side of test/security-xs.test.ts: the security layer and the decoders under real XS, with a
// Cipher from @noble/ciphers (pure JS) standing in for the native module.
// Command: JSON {input, key?, authKey?, aad?, payload?} with hex fields; reply: contract JSON lines.
import { ctr, gcm } from "@noble/ciphers/aes.js";
import { Decoder } from "../../modules/decode/decoder.js";
import type { DecoderOptions } from "../../modules/decode/protocol.js";
import type { Cipher } from "../../modules/ports/ports.js";
import { toContractJson } from "../../modules/reading/model.js";
import { fromHex } from "../../modules/util/hex.js";
import { serve } from "./serve.js";

function counterMode(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const block = new Uint8Array(16);
  block.set(iv, 0);
  block[15] = 2;
  return ctr(key, block).decrypt(data);
}

// noble's GCM takes only 16-byte tags: decrypt by counter mode, recompute the full tag over the
// plaintext, and compare its prefix without an early exit.
const nobleCipher: Cipher = {
  gcmDecrypt(key, iv, aad, ciphertext, tag) {
    if (tag.length < 4 || tag.length > 16) return null;
    const plain = counterMode(key, iv, ciphertext);
    const sealed = gcm(key, iv, aad).encrypt(plain);
    const full = sealed.subarray(sealed.length - 16);
    let diff = 0;
    for (let i = 0; i < tag.length; i++) diff |= full[i] ^ tag[i];
    return diff === 0 ? plain : null;
  },
  gcmDecryptUntagged: counterMode,
};

serve((command) => {
  const c = JSON.parse(command);
  const options: DecoderOptions = { cipher: nobleCipher };
  if (c.key) options.encryptionKey = fromHex(c.key);
  if (c.authKey) options.authenticationKey = fromHex(c.authKey);
  if (c.aad !== undefined) options.aad = fromHex(c.aad);
  const lines: string[] = [];
  const decoder = new Decoder(options, (r) => lines.push(toContractJson(r)));
  const input = fromHex(c.input)!;
  if (c.payload) {
    lines.push(toContractJson(decoder.decodePayload(input, false)));
  } else {
    decoder.push(input);
    decoder.flush();
  }
  lines.push(JSON.stringify(decoder.stats));
  return lines.join("\n");
});
