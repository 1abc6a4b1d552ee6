// LEB128 varints (unsigned and zigzag) on plain numbers, exact up to 2^53: registers in Wh
// outgrow 32 bits, so this uses arithmetic rather than bit operators.

export class ByteWriter {
  private buf = new Uint8Array(64);
  length = 0;

  byte(b: number): this {
    if (this.length === this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.length++] = b & 0xff;
    return this;
  }

  uint(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError("varint out of range: " + v);
    while (v >= 0x80) {
      this.byte((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    return this.byte(v);
  }

  /** Zigzag: 0, -1, 1, -2 ... -> 0, 1, 2, 3 ... */
  sint(v: number): this {
    return this.uint(v < 0 ? -2 * v - 1 : 2 * v);
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

export class ByteReader {
  pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  byte(): number {
    if (this.pos >= this.buf.length) throw new RangeError("record truncated");
    return this.buf[this.pos++];
  }

  uint(): number {
    let v = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
      scale *= 0x80;
      if (scale > 2 ** 49) throw new RangeError("varint too long");
    }
  }

  sint(): number {
    const z = this.uint();
    return z % 2 ? -(z + 1) / 2 : z / 2;
  }
}
