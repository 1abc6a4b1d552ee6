// DSMR P1 telegram framing: from `/` to `!`, up to four CRC hex digits, and a line end.
// Telegrams without a terminator (DSMR 2.2/3 meters, some Iskra MT382) end at the next `/` that
// starts a line, or when the line goes idle.
import type { Framer, ScanResult } from "../stream/framer.js";
import { SCAN_FRAME, SCAN_INVALID, SCAN_MORE } from "../stream/framer.js";
import { nibble } from "../util/hex.js";

const SLASH = 0x2f;
const BANG = 0x21;
const CR = 0x0d;
const LF = 0x0a;

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

export const dsmrFramer: Framer = {
  kind: "dsmr",
  lead: SLASH,
  scan(buf: Uint8Array, start: number, end: number, final: boolean, resume: number, out: ScanResult): void {
    out.status = SCAN_MORE;
    out.resume = 0;
    // The identification line starts with a three-letter manufacturer code: "/ISk5", "/KFM5", "/Ene5".
    for (let i = start + 1; i < start + 4; i++) {
      if (i >= end) {
        out.status = final ? SCAN_INVALID : SCAN_MORE;
        return;
      }
      if (!isLetter(buf[i])) {
        out.status = SCAN_INVALID;
        return;
      }
    }
    const from = resume > start ? resume : start + 4;
    // Native indexOf over the window: a JS loop per byte costs a device's interpreter dearly.
    const window = buf.subarray(from, end);
    const bang = window.indexOf(BANG);
    let slash = window.indexOf(SLASH);
    // Only a `/` that starts a line starts the next telegram (one without terminator before it).
    while (slash >= 0 && (bang < 0 || slash < bang) && buf[from + slash - 1] !== LF && buf[from + slash - 1] !== CR) {
      slash = window.indexOf(SLASH, slash + 1);
    }
    if (slash >= 0 && (bang < 0 || slash < bang)) {
      out.status = SCAN_FRAME;
      out.end = from + slash;
      return;
    }
    if (bang >= 0) {
      const stop = endAfterBang(buf, from + bang, end, final);
      if (stop < 0) {
        out.resume = from + bang;
        return;
      }
      out.status = SCAN_FRAME;
      out.end = stop;
      return;
    }
    if (final) {
      out.status = SCAN_FRAME;
      out.end = end;
      return;
    }
    out.resume = end;
  },
};

/** The frame end after the `!` at `bang`, or -1 when more bytes are needed to know it. */
function endAfterBang(buf: Uint8Array, bang: number, end: number, final: boolean): number {
  let i = bang + 1;
  while (i < end && i < bang + 5 && nibble(buf[i]) >= 0) i++;
  if (i >= end) return final ? end : -1;
  if (buf[i] === CR) {
    if (i + 1 >= end) return final ? end : -1;
    return buf[i + 1] === LF ? i + 2 : i + 1;
  }
  if (buf[i] === LF) return i + 1;
  // Anything else (the next telegram's `/`, noise) ends the CRC field; the CRC check judges it.
  return i;
}
