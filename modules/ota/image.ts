// The signed update image: HEADER (64 bytes) || PAYLOAD (the ESP-IDF app image) || SIGNATURE (64 bytes).
// The signature is ECDSA P-256 with SHA-256 over the 32-byte SHA-256 of HEADER || PAYLOAD, so
// the device hashes the image as it streams and verifies once at the end, with PSA.
//
// Header, big-endian:
//   0  magic "MTOA"            4  format (1)       5  reserved (0)      6  header length (64)
//   8  payload length (u32)   12  version major, minor, patch (u16 each)  18 reserved (0)
//  20  target board, ASCII, NUL padded (32 bytes)                         52 reserved (12 zero bytes)

export const HEADER_LENGTH = 64;
export const SIGNATURE_LENGTH = 64;
export const FORMAT = 1;
export const TARGET_LENGTH = 32;
const MAGIC = [0x4d, 0x54, 0x4f, 0x41]; // "MTOA"

export interface Version {
  major: number;
  minor: number;
  patch: number;
}

export interface ImageHeader {
  payloadLength: number;
  version: Version;
  target: string;
}

export type HeaderProblem = { error: "unsigned" | "malformed"; message: string };

/** Parses "1.2.3" (each part 0..65535); undefined otherwise. */
export function parseVersion(text: string): Version | undefined {
  const m = /^(\d{1,5})\.(\d{1,5})\.(\d{1,5})$/.exec(text);
  if (!m) return undefined;
  const v = { major: +m[1], minor: +m[2], patch: +m[3] };
  return v.major > 0xffff || v.minor > 0xffff || v.patch > 0xffff ? undefined : v;
}

export function formatVersion(v: Version): string {
  return `${v.major}.${v.minor}.${v.patch}`;
}

/** Negative, zero or positive as `a` is older than, equal to or newer than `b`. */
export function compareVersions(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

function isTargetChar(c: number): boolean {
  return c > 0x20 && c < 0x7f;
}

export function encodeHeader(h: ImageHeader): Uint8Array {
  if (h.target.length === 0 || h.target.length > TARGET_LENGTH) throw new RangeError("target must be 1..32 characters");
  const out = new Uint8Array(HEADER_LENGTH);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[4] = FORMAT;
  view.setUint16(6, HEADER_LENGTH);
  view.setUint32(8, h.payloadLength);
  view.setUint16(12, h.version.major);
  view.setUint16(14, h.version.minor);
  view.setUint16(16, h.version.patch);
  for (let i = 0; i < h.target.length; i++) {
    const c = h.target.charCodeAt(i);
    if (!isTargetChar(c)) throw new RangeError("target must be printable ASCII without spaces");
    out[20 + i] = c;
  }
  return out;
}

/** Parses the first HEADER_LENGTH bytes of an image. */
export function decodeHeader(bytes: Uint8Array): ImageHeader | HeaderProblem {
  if (bytes.length < HEADER_LENGTH) return { error: "malformed", message: "header shorter than 64 bytes" };
  for (let i = 0; i < 4; i++) {
    if (bytes[i] !== MAGIC[i]) return { error: "unsigned", message: "no metertap image header: not a signed image" };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_LENGTH);
  if (bytes[4] !== FORMAT) return { error: "malformed", message: `image format ${bytes[4]} is not supported` };
  if (view.getUint16(6) !== HEADER_LENGTH) return { error: "malformed", message: "bad header length" };
  let target = "";
  let end = false;
  for (let i = 20; i < 20 + TARGET_LENGTH; i++) {
    const c = bytes[i];
    if (c === 0) end = true;
    else if (end || !isTargetChar(c)) return { error: "malformed", message: "bad target field" };
    else target += String.fromCharCode(c);
  }
  let reservedZero = bytes[5] === 0 && view.getUint16(18) === 0;
  for (let i = 52; i < HEADER_LENGTH; i++) reservedZero = reservedZero && bytes[i] === 0;
  if (!reservedZero || target.length === 0) return { error: "malformed", message: "bad reserved or empty target field" };
  const version = { major: view.getUint16(12), minor: view.getUint16(14), patch: view.getUint16(16) };
  return { payloadLength: view.getUint32(8), version, target };
}
