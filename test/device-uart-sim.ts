// A bit-level serial line for the auto-detect tests: a meter transmits bytes with its line
// settings (start bit, 7 or 8 data bits LSB first, even parity or none, one stop bit; P1 drives
// the wire inverted), and a receiver samples the wire at bit centres with its own settings, as
// a UART does, counting framing and parity errors and still delivering those bytes.
import type { LineSettings } from "../hosts/esp32/line-detect.js";

interface Run {
  level: 0 | 1;
  end: number; // seconds
}

export class Wire {
  readonly runs: Run[] = [];
  private t = 0;

  private push(level: 0 | 1, seconds: number): void {
    const last = this.runs[this.runs.length - 1];
    this.t += seconds;
    if (last && last.level === level) last.end = this.t;
    else this.runs.push({ level, end: this.t });
  }

  idle(seconds: number, tx: LineSettings): void {
    this.push(tx.invert ? 0 : 1, seconds);
  }

  send(bytes: Uint8Array, tx: LineSettings): void {
    const bit = 1 / tx.baud;
    const data = tx.format === "7E1" ? 7 : 8;
    const put = (logical: number) => this.push((tx.invert ? 1 - logical : logical) as 0 | 1, bit);
    for (const b of bytes) {
      put(0);
      let ones = 0;
      for (let i = 0; i < data; i++) {
        const v = (b >> i) & 1;
        ones += v;
        put(v);
      }
      if (tx.format !== "8N1") put(ones & 1);
      put(1);
    }
  }

  get duration(): number {
    return this.t;
  }
}

export interface Received {
  bytes: Uint8Array;
  errors: number;
}

export function receive(wire: Wire, rx: LineSettings): Received {
  const runs = wire.runs;
  let k = 0;
  const level = (t: number): number => {
    while (k < runs.length - 1 && runs[k].end <= t) k++;
    const physical = runs[k].level;
    return rx.invert ? 1 - physical : physical;
  };
  const bit = 1 / rx.baud;
  const data = rx.format === "7E1" ? 7 : 8;
  const out: number[] = [];
  let errors = 0;
  let t = 0;
  const end = wire.duration;
  while (t < end) {
    // Next low level at or after t is a start bit candidate; sample in steps of 1/16 bit as a UART does.
    while (t < end && level(t) === 1) t += bit / 16;
    if (t + (2 + data) * bit > end) break;
    if (level(t + bit / 2) !== 0) {
      t += bit / 2;
      continue;
    }
    let value = 0;
    let ones = 0;
    for (let i = 0; i < data; i++) {
      const v = level(t + (1.5 + i) * bit);
      value |= v << i;
      ones += v;
    }
    let at = t + (1.5 + data) * bit;
    if (rx.format !== "8N1") {
      if ((ones + level(at)) & 1) errors++;
      at += bit;
    }
    if (level(at) !== 1) errors++;
    out.push(value);
    t = at + bit / 2;
  }
  return { bytes: Uint8Array.from(out), errors };
}
