// DSMR P1 telegram framing: from `/` to `!`, up to four CRC hex digits, and a line end.
// Telegrams without a terminator (DSMR 2.2/3 meters, some Iskra MT382) end at the next `/` that
// starts a line, or when the line goes idle.
import type { Framer, ScanResult } from "../stream/framer.js";
import { SCAN_FRAME, SCAN_INVALID, SCAN_MORE } from "../stream/framer.js";
import { latin1, nibble } from "../util/hex.js";

const SLASH = 0x2f;
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
    let from = resume > start ? resume : start + 4;
    for (;;) {
      // The window as text, searched in C: on XS a typed array's indexOf fetches each element as
      // a property (hundreds of instructions a byte), as does a JS loop.
      const window = latin1(buf, from, end);
      const bang = window.indexOf("!");
      let slash = window.indexOf("/");
      // Only a `/` that starts a line and a header (three letters) starts the next telegram, one
      // without terminator before it: a damaged line end alone must not split a telegram.
      let next = NO;
      while (slash >= 0 && (bang < 0 || slash < bang) && (next = nextHeader(buf, from + slash, end, final)) === NO) {
        slash = window.indexOf("/", slash + 1);
      }
      if (next === MORE) {
        out.resume = from + slash;
        return;
      }
      if (slash >= 0 && (bang < 0 || slash < bang)) {
        out.status = SCAN_FRAME;
        out.end = from + slash;
        return;
      }
      if (bang < 0) break;
      const stop = endAfterBang(buf, from + bang, end, final);
      if (stop === NOT_AN_END) {
        // A damaged byte, not the terminator: the real `!` (and its CRC) is still to come.
        from += bang + 1;
        continue;
      }
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

const MORE = -1;
const NOT_AN_END = -2;
const NO = 0;
const YES = 1;

/** Whether the `/` at `at` starts a line and a telegram header: YES, NO, or MORE (bytes missing). */
function nextHeader(buf: Uint8Array, at: number, end: number, final: boolean): number {
  if (buf[at - 1] !== LF && buf[at - 1] !== CR) return NO;
  for (let i = at + 1; i < at + 4; i++) {
    if (i >= end) return final ? YES : MORE;
    if (!isLetter(buf[i])) return NO;
  }
  return YES;
}

/**
 * The frame end after the `!` at `bang`, MORE when more bytes are needed to know it, or
 * NOT_AN_END. A terminator is `!`, no CRC (DSMR 2.2/3) or 3–4 hex digits, and a line end; a
 * CRC-less one must also be followed by the next telegram's `/` or by silence, since one changed
 * byte can make `!` + line end out of any line's last byte.
 */
function endAfterBang(buf: Uint8Array, bang: number, end: number, final: boolean): number {
  let i = bang + 1;
  while (i < end && i < bang + 5 && nibble(buf[i]) >= 0) i++;
  if (i >= end) return final ? end : MORE;
  const digits = i - bang - 1;
  if (digits === 1 || digits === 2) return NOT_AN_END;
  // Four digits are a whole CRC even where the line end is missing (captures cut after it):
  // the CRC check judges the telegram.
  if (digits === 4 && buf[i] !== CR && buf[i] !== LF) return i;
  if (buf[i] === CR) {
    if (++i >= end) return final ? end : MORE;
    if (buf[i] !== LF) return NOT_AN_END;
  } else if (buf[i] !== LF) {
    return NOT_AN_END;
  }
  i++;
  if (digits > 0) return i;
  if (i >= end) return final ? end : MORE;
  return buf[i] === SLASH ? i : NOT_AN_END;
}
