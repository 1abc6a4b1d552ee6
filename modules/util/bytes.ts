// Byte-array helpers the core shares (XS has no Buffer).

/** The parts one after another in a new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// Moddable's XS keeps strings as UTF-8 and copies them out in C. Without it (Node, xsnap) the
// bytes are made here; on XS this loop costs O(n²), since each `codePointAt(i)` walks the string
// from its start: 24 million instructions (150 ms at 160 MHz) per 1.2 KB state message.
const NativeBuffer = ArrayBuffer as unknown as { fromString?(s: string): ArrayBuffer };

/**
 * UTF-8 without TextEncoder (not a global on every XS host). Sizes the result first and writes
 * into it: on XS each element of a number[] takes a 16-byte slot, so pushing the bytes of a 1 KB
 * signed record needed a 17 KB chunk, more than the dongle's chunk heap could spare.
 */
export function utf8Encode(s: string): Uint8Array {
  // Called as a method: XS makes the result with `this` as the constructor.
  if (NativeBuffer.fromString) return new Uint8Array(NativeBuffer.fromString(s));
  let size = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.codePointAt(i)!;
    size += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    if (c >= 0x10000) i++;
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.codePointAt(i)!;
    if (c < 0x80) out[at++] = c;
    else if (c < 0x800) {
      out[at++] = 0xc0 | (c >> 6);
      out[at++] = 0x80 | (c & 63);
    } else if (c < 0x10000) {
      out[at++] = 0xe0 | (c >> 12);
      out[at++] = 0x80 | ((c >> 6) & 63);
      out[at++] = 0x80 | (c & 63);
    } else {
      out[at++] = 0xf0 | (c >> 18);
      out[at++] = 0x80 | ((c >> 12) & 63);
      out[at++] = 0x80 | ((c >> 6) & 63);
      out[at++] = 0x80 | (c & 63);
      i++;
    }
  }
  return out;
}
