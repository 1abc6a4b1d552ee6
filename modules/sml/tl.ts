// SML type-length encoding (SML 1.04 §6): a TL byte holds the type in bits 6..4 and the length in
// bits 3..0; bit 7 says another TL byte follows with four more length bits. Octet string and
// integer lengths count the TL bytes; a list's length is its element count. 0x00 ends a message,
// and 0x01 (an empty octet string) marks an optional field as absent.

export const OCTETS = 0;
export const BOOL = 4;
export const INT = 5;
export const UINT = 6;
export const LIST = 7;
/** The 0x00 end-of-message marker. */
export const END = -1;

export interface SmlNode {
  type: number;
  value: Uint8Array | number | boolean | SmlNode[] | null;
}

/** A structural error in SML data; the frame is then `malformed`. */
export class SmlError extends Error {}

/** Lists nest five levels in a GetList response; deeper input is not a meter's. */
const MAX_DEPTH = 8;

export class SmlReader {
  pos = 0;

  constructor(private readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  node(depth = 0): SmlNode {
    if (depth > MAX_DEPTH) throw new SmlError(`lists nested deeper than ${MAX_DEPTH}`);
    let b = this.byte();
    if (b === 0x00) return { type: END, value: null };
    const type = (b >> 4) & 0x07;
    let len = b & 0x0f;
    let tlBytes = 1;
    while (b & 0x80) {
      b = this.byte();
      if ((b & 0x70) !== 0 || ++tlBytes > 4) throw new SmlError("bad TL continuation byte");
      len = (len << 4) | (b & 0x0f);
    }
    if (type === LIST) {
      const items: SmlNode[] = [];
      // Each element takes a byte at least, so a count beyond the input fails while reading.
      for (let i = 0; i < len; i++) items.push(this.node(depth + 1));
      return { type, value: items };
    }
    const size = len - tlBytes;
    if (size < 0) throw new SmlError(`TL length ${len} shorter than the TL field`);
    const data = this.bytes(size);
    switch (type) {
      case OCTETS:
        return { type, value: data };
      case BOOL:
        if (size !== 1) throw new SmlError(`boolean of ${size} bytes`);
        return { type, value: data[0] !== 0 };
      case INT:
      case UINT:
        if (size < 1 || size > 8) throw new SmlError(`integer of ${size} bytes`);
        return { type, value: integer(data, type === INT) };
      default:
        throw new SmlError(`unknown SML type ${type}`);
    }
  }

  private byte(): number {
    if (this.pos >= this.buf.length) throw new SmlError("SML data ends inside a value");
    return this.buf[this.pos++];
  }

  private bytes(n: number): Uint8Array {
    if (this.pos + n > this.buf.length) throw new SmlError(`SML value of ${n} bytes, ${this.buf.length - this.pos} left`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

/** Big-endian integer of 1..8 bytes; exact to 2^53, beyond any meter register. */
function integer(b: Uint8Array, signed: boolean): number {
  let v = 0;
  for (let i = 0; i < b.length; i++) v = v * 256 + b[i];
  if (signed && b[0] & 0x80) v -= Math.pow(2, 8 * b.length);
  return v;
}
