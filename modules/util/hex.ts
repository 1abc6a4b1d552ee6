// Hex text <-> bytes without Node's Buffer, so the core runs on XS.

const DIGITS = "0123456789abcdef";

export function toHex(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let s = "";
  for (let i = start; i < end; i++) s += DIGITS[bytes[i] >> 4] + DIGITS[bytes[i] & 15];
  return s;
}

/** Parses hex text (either case); returns undefined for odd length or a non-hex character. */
export function fromHex(text: string): Uint8Array | undefined {
  if (text.length & 1) return undefined;
  const out = new Uint8Array(text.length >> 1);
  for (let i = 0; i < out.length; i++) {
    const hi = nibble(text.charCodeAt(2 * i));
    const lo = nibble(text.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) return undefined;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

export function nibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

// Arguments per String.fromCharCode call: XS spreads them on its stack, which overflows past ~3,800.
const CHUNK = 256;

// Moddable's XS makes a string of UTF-8 bytes in C, which for ASCII (all of a meter's text) is the
// Latin-1 string. String.fromCharCode fetches each byte on its own there: hundreds of instructions
// a byte. Node and xsnap (whose lockdown removes it) lack it.
const NativeString = String as unknown as { fromArrayBuffer?(buffer: ArrayBufferLike, offset: number, length: number): string };

/** Latin-1 decode of a byte range (meter text is ASCII; XS has no global TextDecoder on devices). */
export function latin1(bytes: Uint8Array, start = 0, end = bytes.length): string {
  if (NativeString.fromArrayBuffer && end > start) {
    const ascii = asciiText(bytes, start, end);
    if (ascii !== undefined) return ascii;
  }
  let s = "";
  for (let i = start; i < end; i += CHUNK) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, Math.min(end, i + CHUNK)) as unknown as number[]);
  }
  return s;
}

/** The range as XS reads it as UTF-8, when that is one character a byte (ASCII), else undefined. */
function asciiText(bytes: Uint8Array, start: number, end: number): string | undefined {
  try {
    const text = NativeString.fromArrayBuffer!(bytes.buffer, bytes.byteOffset + start, end - start);
    // Fewer characters than bytes: multi-byte UTF-8, which Latin-1 reads byte by byte.
    return text.length === end - start ? text : undefined;
  } catch {
    // Not UTF-8 (a byte of 0x80 or more out of sequence): read byte by byte below.
    return undefined;
  }
}
