// A-XDR (IEC 62056-6-2 "Data") decoding: the typed values of a DLMS push list. Strict: every
// length is checked against the bytes that remain before anything is read or allocated, nesting
// is bounded, and an error says whether the input was short (truncated) or wrong (malformed).

export const NULL_DATA = 0;
export const ARRAY = 1;
export const STRUCTURE = 2;
export const BOOLEAN = 3;
export const BIT_STRING = 4;
export const DOUBLE_LONG = 5;
export const DOUBLE_LONG_UNSIGNED = 6;
export const OCTET_STRING = 9;
export const VISIBLE_STRING = 10;
export const UTF8_STRING = 12;
export const BCD = 13;
export const INTEGER = 15;
export const LONG = 16;
export const UNSIGNED = 17;
export const LONG_UNSIGNED = 18;
export const COMPACT_ARRAY = 19;
export const LONG64 = 20;
export const LONG64_UNSIGNED = 21;
export const ENUM = 22;
export const FLOAT32 = 23;
export const FLOAT64 = 24;
export const DATE_TIME = 25;
export const DATE = 26;
export const TIME = 27;

/** Push lists nest three or four levels; anything deeper is not a meter's list. */
export const MAX_DEPTH = 8;

/**
 * One decoded value. `value` is a number for integers, enums and floats, a boolean, a byte range
 * (octet, bit and visible strings, date-time) or the child list of an array or structure.
 * `text` is set for visible and UTF-8 strings.
 */
export interface AxdrNode {
  tag: number;
  value: number | boolean | Uint8Array | AxdrNode[] | null;
  text?: string;
}

export class AxdrError extends Error {
  constructor(readonly category: "truncated" | "malformed" | "unsupported", message: string) {
    super(message);
  }
}

/** Fixed sizes of the scalar types, by tag; 0 for types with a length prefix or children. */
const FIXED: Record<number, number> = {
  [BOOLEAN]: 1, [DOUBLE_LONG]: 4, [DOUBLE_LONG_UNSIGNED]: 4, [BCD]: 1, [INTEGER]: 1, [LONG]: 2,
  [UNSIGNED]: 1, [LONG_UNSIGNED]: 2, [LONG64]: 8, [LONG64_UNSIGNED]: 8, [ENUM]: 1, [FLOAT32]: 4,
  [FLOAT64]: 8, [DATE_TIME]: 12, [DATE]: 5, [TIME]: 4,
};

export class AxdrReader {
  pos: number;
  private readonly view: DataView;

  constructor(readonly buf: Uint8Array, start: number, readonly end: number) {
    this.pos = start;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  byte(): number {
    this.need(1);
    return this.buf[this.pos++];
  }

  bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A-XDR length: one byte below 0x80, else 0x81..0x84 followed by that many length bytes. */
  length(): number {
    const first = this.byte();
    if (first < 0x80) return first;
    const n = first & 0x7f;
    if (n === 0 || n > 4) throw new AxdrError("malformed", `length prefix 0x${first.toString(16)}`);
    let len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + this.byte();
    return len;
  }

  /** Reads one tagged value. */
  data(depth = 0): AxdrNode {
    if (depth > MAX_DEPTH) throw new AxdrError("malformed", `nesting deeper than ${MAX_DEPTH}`);
    const tag = this.byte();
    const fixed = FIXED[tag];
    if (fixed) return { tag, value: this.scalar(tag, fixed) };
    switch (tag) {
      case NULL_DATA:
        return { tag, value: null };
      case ARRAY:
      case STRUCTURE:
        return { tag, value: this.children(this.length(), depth) };
      case OCTET_STRING:
        return { tag, value: this.bytes(this.declared(this.length())) };
      case VISIBLE_STRING:
      case UTF8_STRING: {
        const raw = this.bytes(this.declared(this.length()));
        return { tag, value: raw, text: tag === UTF8_STRING ? utf8(raw) : ascii(raw) };
      }
      case BIT_STRING:
        return { tag, value: this.bytes(this.declared(Math.ceil(this.length() / 8))) };
      case COMPACT_ARRAY:
        throw new AxdrError("unsupported", "compact-array");
      default:
        throw new AxdrError("malformed", `unknown data tag ${tag}`);
    }
  }

  /**
   * The elements of a list declared to hold `count`. With `lenient`, a list cut short by the end
   * of the input keeps its whole elements: some Iskra meters declare more than they send.
   */
  children(count: number, depth: number, lenient = false): AxdrNode[] {
    // Items are added as they are read, so a lying count cannot make us allocate ahead of the input.
    const items: AxdrNode[] = [];
    for (let i = 0; i < count; i++) {
      if (lenient) {
        if (this.remaining === 0) break;
        const at = this.pos;
        try {
          items.push(this.data(depth + 1));
        } catch (e) {
          if (!(e instanceof AxdrError) || e.category !== "truncated") throw e;
          this.pos = at;
          break;
        }
      } else {
        items.push(this.data(depth + 1));
      }
    }
    return items;
  }

  private declared(n: number): number {
    if (n > this.remaining) throw new AxdrError("truncated", `string of ${n} bytes, ${this.remaining} left`);
    return n;
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw new AxdrError("truncated", `${n} more bytes needed at offset ${this.pos}`);
  }

  private scalar(tag: number, size: number): number | boolean | Uint8Array {
    this.need(size);
    const v = this.view;
    const p = this.pos;
    this.pos += size;
    switch (tag) {
      case BOOLEAN: return v.getUint8(p) !== 0;
      case INTEGER: return v.getInt8(p);
      case UNSIGNED: case ENUM: case BCD: return v.getUint8(p);
      case LONG: return v.getInt16(p);
      case LONG_UNSIGNED: return v.getUint16(p);
      case DOUBLE_LONG: return v.getInt32(p);
      case DOUBLE_LONG_UNSIGNED: return v.getUint32(p);
      // 64-bit counters: exact up to 2^53, which no meter register reaches.
      case LONG64: return v.getInt32(p) * 4294967296 + v.getUint32(p + 4);
      case LONG64_UNSIGNED: return v.getUint32(p) * 4294967296 + v.getUint32(p + 4);
      case FLOAT32: return shortestFloat32(v.getFloat32(p));
      case FLOAT64: return v.getFloat64(p);
      default: return this.buf.subarray(p, p + size); // date-time, date, time
    }
  }
}

/** The shortest decimal that is the same float32: 231.3, not 231.3000030517578. */
function shortestFloat32(x: number): number {
  if (!Number.isFinite(x)) return x;
  for (let digits = 1; digits < 9; digits++) {
    const d = Number(x.toPrecision(digits));
    if (Math.fround(d) === x) return d;
  }
  return x;
}

function ascii(raw: Uint8Array): string {
  let s = "";
  for (let i = 0; i < raw.length; i++) s += String.fromCharCode(raw[i]);
  return s;
}

/**
 * UTF-8 decode without TextDecoder (absent on XS devices); invalid sequences become U+FFFD.
 * A meter's bytes are never trusted: a code point past U+10FFFF would make fromCodePoint throw.
 */
function utf8(raw: Uint8Array): string {
  let s = "";
  for (let i = 0; i < raw.length; ) {
    const c = raw[i++];
    const extra = c < 0x80 ? 0 : c >= 0xf8 ? -1 : c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : -1;
    if (extra < 0 || i + extra > raw.length) {
      s += "\ufffd";
      continue;
    }
    let cp = extra ? c & (0x3f >> extra) : c;
    let k = 0;
    for (; k < extra && (raw[i] & 0xc0) === 0x80; k++) cp = (cp << 6) | (raw[i++] & 0x3f);
    const valid = k === extra && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff);
    s += valid ? String.fromCodePoint(cp) : "\ufffd";
  }
  return s;
}
