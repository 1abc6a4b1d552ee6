// The DLMS security layer as a protocol: unwraps general-glo-ciphering APDUs (top-level on the
// line, or handed up by the HDLC/M-Bus link layers), checks the replay counter, decrypts through
// the host's Cipher and passes the plaintext on to the DSMR or APDU decoder.
import type { DecodeResult, SecurityInfo } from "../reading/model.js";
import type { DecodeContext, ProtocolFactory } from "../decode/protocol.js";
import { failure } from "../decode/protocol.js";
import type { RawFrame } from "../stream/framer.js";
import { DEFAULT_BUFFER_SIZE } from "../stream/detector.js";
import { concatBytes } from "../util/bytes.js";
import { toHex } from "../util/hex.js";
import { gloFramer } from "./framer.js";
import { gcmIv, GLO_TAG, isGloError, parseGlo, SC_ENCRYPTED } from "./glo.js";
import type { GloFrame } from "./glo.js";
import { ReplayGuard } from "./replay.js";

const EMPTY = new Uint8Array(0);
const SLASH = 0x2f;

export const securityProtocol: ProtocolFactory = (options) => {
  const guard = new ReplayGuard(options.store);
  const handler = {
    framers: [gloFramer(options.bufferSize ?? DEFAULT_BUFFER_SIZE)],
    payloadLeads: [GLO_TAG],
    onFrame(frame: RawFrame, ctx: DecodeContext): void {
      ctx.emit(handler.decodePayload(frame.bytes, ctx, false), frame);
    },
    decodePayload(bytes: Uint8Array, ctx: DecodeContext, encrypted: boolean): DecodeResult {
      if (encrypted) return failure("dlms", "malformed", "ciphered APDU inside a ciphered APDU", true);
      const glo = parseGlo(bytes);
      if (isGloError(glo)) return failure("dlms", glo.error, glo.message, true);
      return unwrap(glo, ctx, guard);
    },
  };
  return handler;
};

function unwrap(glo: GloFrame, ctx: DecodeContext, guard: ReplayGuard): DecodeResult {
  const security: SecurityInfo = {
    systemTitle: toHex(glo.systemTitle),
    frameCounter: glo.frameCounter,
    securityControl: glo.securityControl,
  };
  // Diagnostics name the frame, never a key.
  const where = `system title ${security.systemTitle}, frame counter ${security.frameCounter}`;
  const fail = (error: "unsupported" | "replay" | "auth" | "key", message: string, protocol: DecodeResult["protocol"] = "dlms"): DecodeResult => {
    const r = failure(protocol, error, `${message} (${where})`, true);
    r.security = security;
    return r;
  };

  const { cipher, encryptionKey, authenticationKey, aad } = ctx.options;
  if (!cipher || !encryptionKey) return fail("unsupported", "encrypted frame, no key configured");
  const last = guard.last(glo.systemTitle);
  if (last !== undefined && glo.frameCounter <= last) {
    return fail("replay", `frame counter not above the last accepted one, ${last}`);
  }

  const iv = gcmIv(glo);
  // The tag covers AAD = SC || AK, or the raw override; without either it cannot be checked.
  const aadPrefix = aad ?? (authenticationKey ? concatBytes([Uint8Array.of(glo.securityControl), authenticationKey]) : undefined);
  const verify = glo.tag.length > 0 && aadPrefix !== undefined;
  let plaintext: Uint8Array;
  if (!(glo.securityControl & SC_ENCRYPTED)) {
    // Authentication only: the body is plain and the tag is a GMAC over AAD || body.
    if (verify && !cipher.gcmDecrypt(encryptionKey, iv, concatBytes([aadPrefix, glo.body]), EMPTY, glo.tag)) {
      return fail("auth", "authentication tag mismatch");
    }
    plaintext = glo.body;
  } else if (verify) {
    const p = cipher.gcmDecrypt(encryptionKey, iv, aadPrefix, glo.body, glo.tag);
    if (!p) return fail("auth", "authentication tag mismatch: wrong key, authentication key or AAD");
    plaintext = p;
  } else {
    // GCM without checking the tag is its counter mode from J0+1.
    plaintext = cipher.gcmDecryptUntagged(encryptionKey, iv, glo.body);
  }

  const inner = ctx.decodePayload(plaintext, true, security);
  const encryptedButUnverified = !verify && (glo.securityControl & SC_ENCRYPTED) !== 0;
  if (encryptedButUnverified && !validDecryption(inner, plaintext)) {
    return fail("key", "decrypted payload fails validation: wrong encryption key?", inner.protocol);
  }
  if (verify || inner.ok) guard.accept(glo.systemTitle, glo.frameCounter);
  inner.encrypted = true;
  inner.security = security;
  return inner;
}

/**
 * Whether an unauthenticated decryption is right. The next decoder's structure checks decide,
 * except for a CRC failure of a telegram that decrypted to clean ASCII: that is the meter's CRC
 * being wrong (the Luxembourg spec examples), since a wrong key yields random bytes.
 */
function validDecryption(inner: DecodeResult, plaintext: Uint8Array): boolean {
  if (plaintext.length && plaintext[0] === SLASH && !printable(plaintext)) return false;
  return inner.ok || (inner.error === "crc" && plaintext[0] === SLASH);
}

function printable(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if ((c < 0x20 || c > 0x7e) && c !== 0x0d && c !== 0x0a && c !== 0x09) return false;
  }
  return true;
}
