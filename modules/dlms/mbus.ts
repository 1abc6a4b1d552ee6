// Wired M-Bus long frames (EN 13757-2) carrying DLMS: 68 L L 68 C A CI, a 2-byte transport header
// (STSAP, DTSAP), an APDU segment, the 8-bit sum over C..data, and 16. CI 0x00..0x1F marks a
// segment: the low nibble counts segments, 0x10 marks the last one (Austrian and Polish Kaifa MA309).
import type { DecodeResult } from "../reading/model.js";
import type { Framer, ScanResult } from "../stream/framer.js";
import { SCAN_FRAME, SCAN_INVALID, SCAN_MORE } from "../stream/framer.js";
import { failure } from "../decode/protocol.js";
import { SequencedAssembler } from "./segments.js";

const START = 0x68;
const STOP = 0x16;
/** C, A, CI, STSAP, DTSAP. */
const HEADER = 5;

export const mbusFramer: Framer = {
  kind: "mbus",
  lead: START,
  scan(buf: Uint8Array, start: number, end: number, final: boolean, _resume: number, out: ScanResult): void {
    out.resume = 0;
    if (start + 4 > end) {
      out.status = final ? SCAN_INVALID : SCAN_MORE;
      return;
    }
    const l = buf[start + 1];
    if (buf[start + 2] !== l || buf[start + 3] !== START || l < 3) {
      out.status = SCAN_INVALID;
      return;
    }
    const frameEnd = start + l + 6;
    if (frameEnd > end) {
      if (!final) {
        out.status = SCAN_MORE;
      } else {
        // The doubled length and second start byte make the header plausible.
        out.status = SCAN_FRAME;
        out.end = end;
        out.error = "truncated";
        out.message = `M-Bus frame of ${l + 6} bytes cut short after ${end - start}`;
      }
      return;
    }
    if (buf[frameEnd - 1] !== STOP) {
      out.status = SCAN_INVALID;
      return;
    }
    out.status = SCAN_FRAME;
    out.end = frameEnd;
    let sum = 0;
    for (let i = start + 4; i < frameEnd - 2; i++) sum += buf[i];
    if ((sum & 0xff) !== buf[frameEnd - 2]) {
      out.error = "crc";
      out.message = "M-Bus checksum mismatch";
    }
  },
};

/** Reassembles DLMS APDUs from checked M-Bus frames: segments 0..15 by the CI field's low nibble. */
export class MbusAssembler {
  private readonly segments = new SequencedAssembler(0, 16, { piece: "M-Bus segment", whole: "segmented APDU" });

  /**
   * The APDU when `frame` completes one, an error result, or undefined while more segments are
   * due. `onLost` hears of an earlier APDU that a new first segment cut off.
   */
  add(frame: Uint8Array, onLost: (r: DecodeResult) => void): Uint8Array | DecodeResult | undefined {
    const ci = frame[6];
    if (ci > 0x1f) return failure("dlms", "unsupported", `M-Bus CI 0x${ci.toString(16)} carries no DLMS segment`);
    if (frame.length < 4 + HEADER + 2 + 2) return failure("dlms", "malformed", "M-Bus frame without a transport header");
    return this.segments.add(ci & 0x0f, (ci & 0x10) !== 0, frame.subarray(4 + HEADER, frame.length - 2), onLost);
  }

  abandon(): DecodeResult | undefined {
    return this.segments.abandon();
  }
}
