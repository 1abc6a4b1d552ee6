// SML transport v1: 1B1B1B1B 01010101, the escaped message bytes, 1B1B1B1B 1A pp c1 c2. Inside the
// data 1B1B1B1B is sent twice; pp fill bytes pad the data to a multiple of 4; the CRC covers
// everything before it: CRC-16/X.25 little-endian, or CRC-16/KERMIT big-endian (some Holley firmware).
// The framer only delimits: the handler (sml/protocol.ts) knows which CRC its stream uses and
// checks that one alone, then the end sequence.
import type { Framer, ScanResult } from "../stream/framer.js";
import { SCAN_FRAME, SCAN_INVALID, SCAN_MORE } from "../stream/framer.js";

const ESC = 0x1b;

function isEscape(buf: Uint8Array, i: number): boolean {
  return buf[i] === ESC && buf[i + 1] === ESC && buf[i + 2] === ESC && buf[i + 3] === ESC;
}

function isRun(buf: Uint8Array, i: number, b: number): boolean {
  return buf[i] === b && buf[i + 1] === b && buf[i + 2] === b && buf[i + 3] === b;
}

export const smlFramer: Framer = {
  kind: "sml",
  lead: ESC,
  scan(buf: Uint8Array, start: number, end: number, final: boolean, resume: number, out: ScanResult): void {
    out.resume = 0;
    if (start + 8 > end) {
      // The start sequence is not complete yet: wait unless nothing more will come.
      out.status = final ? SCAN_INVALID : SCAN_MORE;
      for (let i = start; i < end; i++) if (buf[i] !== (i - start < 4 ? ESC : 1)) out.status = SCAN_INVALID;
      return;
    }
    if (!isEscape(buf, start) || !isRun(buf, start + 4, 1)) {
      out.status = SCAN_INVALID;
      return;
    }
    let i = resume > start ? resume : start + 8;
    while (i + 8 <= end) {
      // Jump to the next 0x1B natively: escapes are rare inside the data.
      const next = buf.indexOf(ESC, i);
      if (next < 0 || next >= end) {
        i = end; // (the buffer holds stale bytes past `end`)
        break;
      }
      if (next + 8 > end) {
        i = next;
        break;
      }
      i = next;
      if (!isEscape(buf, i)) {
        i++;
        continue;
      }
      if (isEscape(buf, i + 4)) {
        i += 8; // escaped 1B1B1B1B in the data
      } else if (isRun(buf, i + 4, 1)) {
        // A new transmission starts before this one ended.
        out.status = SCAN_FRAME;
        out.end = i;
        out.error = "truncated";
        out.message = "SML transmission restarted before its end sequence";
        return;
      } else if (buf[i + 4] === 0x1a) {
        out.status = SCAN_FRAME;
        out.end = i + 8;
        return;
      } else {
        i += 8; // another escape command (timeouts, block size): not data
      }
    }
    if (final) {
      out.status = SCAN_FRAME;
      out.end = end;
      out.error = "truncated";
      out.message = `SML transmission cut short after ${end - start} bytes`;
      return;
    }
    out.status = SCAN_MORE;
    out.resume = i;
  },
};

/** What is wrong with a whole frame's end sequence (its CRC checked), or undefined. */
export function endProblem(frame: Uint8Array): string | undefined {
  const esc = frame.length - 8;
  // Any fill count the CRC covers is the meter's word (DZG sends 4); it only may not exceed the data.
  if (frame[esc + 5] > esc - 8) return `fill count ${frame[esc + 5]} exceeds the ${esc - 8} message bytes`;
  if (esc % 4 !== 0) return `end sequence at byte ${esc}, not on a 4-byte boundary`;
  return undefined;
}

/** The message bytes of a checked frame: escapes undone, padding dropped. */
export function smlPayload(frame: Uint8Array): Uint8Array {
  const endEsc = frame.length - 8;
  const padding = frame[endEsc + 5];
  const firstEsc = frame.indexOf(ESC, 8);
  if (firstEsc < 0 || firstEsc >= endEsc) return frame.subarray(8, Math.max(8, endEsc - padding));
  const out = new Uint8Array(endEsc - 8);
  let n = 0;
  for (let i = 8; i < endEsc; ) {
    if (isEscape(frame, i) && isEscape(frame, i + 4)) {
      out.set(frame.subarray(i, i + 4), n);
      n += 4;
      i += 8;
    } else if (isEscape(frame, i)) {
      i += 8; // an escape command inside the transmission
    } else {
      out[n++] = frame[i++];
    }
  }
  return out.subarray(0, Math.max(0, n - padding));
}
