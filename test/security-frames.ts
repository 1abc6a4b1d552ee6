// Encrypted corpus cases as the security layer sees them, plus a builder for new glo frames
// (node:crypto) so replay tests can choose their frame counters.
import { createCipheriv } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { corpusDir, readCase } from "./helpers/corpus.js";

export interface EncryptedCase {
  id: string;
  /** The corpus file as sent on the line. */
  bytes: Uint8Array;
  /** The 0xDB APDU after the link layer (HDLC, M-Bus) is taken off. */
  apdu: Uint8Array;
  key: string;
  /** The authentication key when the frame's AAD is SC || AK. */
  authKey?: string;
  /** The AAD the tag was made over, hex ("" for the frames encrypted with no AAD); undefined when untagged. */
  aad?: string;
  /** What the corpus says the APDU decrypts to. */
  plaintext: Uint8Array;
  securityControl: number;
  systemTitle: string;
  frameCounter: number;
}

export const ENCRYPTED_CASES = [
  "enc-dsmr-athombv-luxembourg-spec-example-with-aad",
  "enc-dsmr-athombv-luxembourg-spec-example-without-aad",
  "enc-hdlc-athombv-aidon-example-2-with-aad",
  "enc-hdlc-athombv-aidon-example-2-without-aad",
  "enc-mbus-athombv-austria-evn-kaifa-ma309",
];

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "hex"));

/** The information field of an HDLC frame after the LLC header E6 E7 00, without FCS and flag. */
function hdlcApdu(frame: Uint8Array): Uint8Array {
  const llc = Buffer.from(frame).indexOf(Buffer.from([0xe6, 0xe7, 0x00]));
  return frame.slice(llc + 3, frame.length - 3);
}

/** The corpus's M-Bus reassembly: segment[9 .. 4+L) of each long frame, concatenated. */
function mbusApdu(bytes: Uint8Array): Uint8Array {
  const parts: number[] = [];
  let at = 0;
  while (at < bytes.length) {
    const l = bytes[at + 1];
    parts.push(...bytes.subarray(at + 9, at + 4 + l));
    at += l + 6;
  }
  return new Uint8Array(parts);
}

export function encryptedCase(id: string): EncryptedCase {
  const c = readCase(id);
  const e = c.expected.encryption;
  const family: string = c.expected.family;
  let apdu: Uint8Array;
  let plaintext: Uint8Array;
  if (id.startsWith("enc-dsmr")) {
    apdu = c.bytes;
    plaintext = new Uint8Array(readFileSync(join(corpusDir, c.expected.expected.decrypted_plaintext_file)));
  } else if (id.startsWith("enc-hdlc")) {
    apdu = hdlcApdu(c.bytes);
    plaintext = hdlcApdu(readCase(c.expected.expected.values_from_plaintext_case).bytes);
  } else {
    apdu = mbusApdu(c.bytes);
    plaintext = hex(c.expected.expected.decrypted_apdu_hex);
  }
  if (!family.endsWith("encrypted")) throw new Error(`${id} is not an encrypted case`);
  const sc = parseInt(e.security_control, 16);
  const tagged = (sc & 0x10) !== 0;
  const aad: string | undefined = tagged ? (e.aad ?? "") : undefined;
  return {
    id,
    bytes: c.bytes,
    apdu,
    key: e.key.toLowerCase(),
    authKey: aad ? aad.slice(2) : undefined,
    aad,
    plaintext,
    securityControl: sc,
    systemTitle: e.system_title,
    frameCounter: parseInt(e.invocation_counter, 16),
  };
}

/** A general-glo-ciphering APDU of `plaintext`, tagged over SC || AK (SC 0x30) or untagged (SC 0x20). */
export function buildGlo(plaintext: Uint8Array, key: string, counter: number, opts: { authKey?: string; systemTitle?: string } = {}): Uint8Array {
  const title = hex(opts.systemTitle ?? "4b464d6750000009");
  const sc = opts.authKey ? 0x30 : 0x20;
  const iv = Buffer.concat([title, Buffer.from([counter >>> 24, (counter >>> 16) & 255, (counter >>> 8) & 255, counter & 255])]);
  let body: Buffer;
  if (opts.authKey) {
    const c = createCipheriv("aes-128-gcm", hex(key), iv, { authTagLength: 12 });
    c.setAAD(Buffer.concat([Buffer.from([sc]), hex(opts.authKey)]));
    body = Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
  } else {
    const c = createCipheriv("aes-128-ctr", hex(key), Buffer.concat([iv, Buffer.from([0, 0, 0, 2])]));
    body = Buffer.concat([c.update(plaintext), c.final()]);
  }
  const content = Buffer.concat([Buffer.from([sc]), iv.subarray(8), body]);
  const n = content.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 255];
  return new Uint8Array(Buffer.concat([Buffer.from([0xdb, 8]), title, Buffer.from(length), content]));
}
