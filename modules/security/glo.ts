// general-glo-ciphering (DLMS tag 0xDB): the header parser shared by the stream framer and the
// payload decoder. Every read is bounds-checked: a length past the buffer is `truncated`, a header
// that cannot be one is `malformed`, so fuzzed input never reads an undefined byte.
import type { ErrorCategory } from "../reading/model.js";

export const GLO_TAG = 0xdb;
export const SYSTEM_TITLE_LENGTH = 8;
/** GCM tag length DLMS suite 0 uses on authenticated frames. */
export const TAG_LENGTH = 12;

/** Security control bits (DLMS Green Book): suite id in bits 0-3. */
export const SC_AUTHENTICATED = 0x10;
export const SC_ENCRYPTED = 0x20;
export const SC_BROADCAST_KEY = 0x40;
export const SC_COMPRESSED = 0x80;

/** Security control byte + 4-byte invocation counter. */
const SECURITY_HEADER = 5;

export interface GloFrame {
  /** Offset of the A-XDR content (the security control byte) and of the frame's end, in the input. */
  contentStart: number;
  end: number;
  systemTitle: Uint8Array;
  securityControl: number;
  frameCounter: number;
  /** Encrypted (or, for authentication-only frames, plain) data between the counter and the tag. */
  body: Uint8Array;
  /** Empty when the frame is not authenticated. */
  tag: Uint8Array;
}

export interface GloError {
  error: ErrorCategory;
  message: string;
}

export interface AxdrLength {
  /** The length, or -1 when the encoding is not one DLMS uses. */
  length: number;
  /** Offset just after the length octets. */
  next: number;
}

/**
 * Reads an A-XDR (BER definite) length at `at`: one octet below 0x80, or 0x81/0x82/0x84 followed
 * by that many big-endian octets. Returns undefined when the octets run past `end`.
 */
export function readAxdrLength(buf: Uint8Array, at: number, end: number): AxdrLength | undefined {
  if (at >= end) return undefined;
  const first = buf[at];
  if (first < 0x80) return { length: first, next: at + 1 };
  const octets = first & 0x7f;
  if (octets !== 1 && octets !== 2 && octets !== 4) return { length: -1, next: at + 1 };
  if (at + 1 + octets > end) return undefined;
  let length = 0;
  for (let i = 1; i <= octets; i++) length = length * 256 + buf[at + i];
  return { length, next: at + 1 + octets };
}

/** What the framer needs: the frame's total length, or why the bytes at `start` are not a glo frame. */
export type GloHeaderCheck =
  | { status: "frame"; end: number }
  | { status: "more" }
  | { status: "invalid" };

/**
 * Checks a glo header at buf[start] (a 0xDB) without needing the whole frame: system title length 8,
 * a known length form, a length that holds at least the security header and fits `maxLength`, and
 * a security control byte that encrypts or authenticates without compression.
 */
export function checkGloHeader(buf: Uint8Array, start: number, end: number, maxLength: number): GloHeaderCheck {
  if (start + 1 >= end) return { status: "more" };
  if (buf[start + 1] !== SYSTEM_TITLE_LENGTH) return { status: "invalid" };
  const len = readAxdrLength(buf, start + 2 + SYSTEM_TITLE_LENGTH, end);
  if (!len) return { status: "more" };
  if (len.length < SECURITY_HEADER || len.next - start + len.length > maxLength) return { status: "invalid" };
  if (len.next >= end) return { status: "more" };
  if (!plausibleSecurityControl(buf[len.next])) return { status: "invalid" };
  return { status: "frame", end: len.next + len.length };
}

export function plausibleSecurityControl(sc: number): boolean {
  return (sc & SC_COMPRESSED) === 0 && (sc & (SC_AUTHENTICATED | SC_ENCRYPTED)) !== 0;
}

/** Parses a whole glo APDU from bytes[0]. Bytes after the declared length are ignored. */
export function parseGlo(bytes: Uint8Array): GloFrame | GloError {
  if (bytes.length < 2 + SYSTEM_TITLE_LENGTH) return { error: "truncated", message: `ciphered APDU of ${bytes.length} bytes ends inside its header` };
  if (bytes[0] !== GLO_TAG) return { error: "malformed", message: "not a general-glo-ciphering APDU" };
  if (bytes[1] !== SYSTEM_TITLE_LENGTH) return { error: "malformed", message: `system title length ${bytes[1]}, expected 8` };
  const systemTitle = bytes.slice(2, 2 + SYSTEM_TITLE_LENGTH);
  const len = readAxdrLength(bytes, 2 + SYSTEM_TITLE_LENGTH, bytes.length);
  if (!len) return { error: "truncated", message: "ciphered APDU ends inside its length" };
  if (len.length < 0) return { error: "malformed", message: `length form 0x${bytes[2 + SYSTEM_TITLE_LENGTH].toString(16)} is not A-XDR` };
  if (len.length < SECURITY_HEADER) return { error: "malformed", message: `ciphered content of ${len.length} bytes cannot hold a security header` };
  const end = len.next + len.length;
  if (end > bytes.length) return { error: "truncated", message: `ciphered APDU declares ${len.length} bytes, ${bytes.length - len.next} present` };
  const sc = bytes[len.next];
  if (!plausibleSecurityControl(sc)) return { error: "malformed", message: `security control 0x${sc.toString(16).padStart(2, "0")} neither encrypts nor authenticates, or compresses` };
  const c = len.next + 1;
  const frameCounter = ((bytes[c] << 24) >>> 0) + (bytes[c + 1] << 16) + (bytes[c + 2] << 8) + bytes[c + 3];
  const tagLength = sc & SC_AUTHENTICATED ? TAG_LENGTH : 0;
  const bodyStart = c + 4;
  if (end - bodyStart < tagLength) return { error: "truncated", message: `ciphered content of ${len.length} bytes cannot hold a ${tagLength}-byte tag` };
  return {
    contentStart: len.next,
    end,
    systemTitle,
    securityControl: sc,
    frameCounter,
    body: bytes.subarray(bodyStart, end - tagLength),
    tag: bytes.subarray(end - tagLength, end),
  };
}

export function isGloError(r: GloFrame | GloError): r is GloError {
  return (r as GloError).error !== undefined;
}

/** IV = system title || frame counter (big-endian). */
export function gcmIv(frame: GloFrame): Uint8Array {
  const iv = new Uint8Array(12);
  iv.set(frame.systemTitle, 0);
  const n = frame.frameCounter;
  iv[8] = n >>> 24;
  iv[9] = (n >>> 16) & 0xff;
  iv[10] = (n >>> 8) & 0xff;
  iv[11] = n & 0xff;
  return iv;
}
