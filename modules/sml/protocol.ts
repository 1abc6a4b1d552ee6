// The SML protocol family: transport v1 frames in, one result per transmission out.
import type { DecodeResult } from "../reading/model.js";
import type { DecodeContext, ProtocolHandler } from "../decode/protocol.js";
import { failure } from "../decode/protocol.js";
import type { RawFrame } from "../stream/framer.js";
import { smlFramer, smlPayload } from "./framer.js";
import { decodeSml } from "./messages.js";
import { crc16Kermit, crc16X25 } from "../util/crc16.js";

const X25 = 1;
const KERMIT = 2;

/** Which of the two CRCs the frame's last two bytes hold (either, both or neither). */
function crcKinds(frame: Uint8Array): number {
  const n = frame.length - 2;
  const le = frame[n] | (frame[n + 1] << 8);
  const be = (frame[n] << 8) | frame[n + 1];
  return (crc16X25(frame, 0, n) === le ? X25 : 0) | (crc16Kermit(frame, 0, n) === be ? KERMIT : 0);
}

class SmlHandler implements ProtocolHandler {
  readonly framers = [smlFramer];
  // SML is never wrapped in another link layer or ciphered APDU.
  readonly payloadLeads: number[] = [];

  /**
   * The CRC this meter uses. The framer lets either through; accepting either on every frame
   * would double the chance that damage passes, so a stream's CRC is learned: X.25 (the standard)
   * from its first frame, KERMIT (some Holley firmware) only once two frames in a row show it.
   */
  private crc = 0;
  private kermitSeen = false;

  onFrame(frame: RawFrame, ctx: DecodeContext): void {
    const kinds = crcKinds(frame.bytes);
    if (!this.crc) {
      if (kinds & X25) this.crc = X25;
      else if (this.kermitSeen) this.crc = KERMIT;
      else {
        this.kermitSeen = true;
        ctx.emit(failure("sml", "crc", "SML CRC matches only CRC-16/KERMIT: taken from the next frame that shows it too"), frame);
        return;
      }
    }
    if (!(kinds & this.crc)) {
      ctx.emit(failure("sml", "crc", `SML CRC mismatch (this meter uses CRC-16/${this.crc === X25 ? "X.25" : "KERMIT"})`), frame);
      return;
    }
    ctx.emit(decodeSml(smlPayload(frame.bytes)), frame);
  }

  decodePayload(_bytes: Uint8Array, _ctx: DecodeContext, encrypted: boolean): DecodeResult {
    return failure("sml", "unsupported", "SML arrives only in transport frames", encrypted);
  }
}

export function smlProtocol(): ProtocolHandler {
  return new SmlHandler();
}
