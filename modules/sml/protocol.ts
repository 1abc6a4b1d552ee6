// The SML protocol family: transport v1 frames in, one result per transmission out.
import type { DecodeResult } from "../reading/model.js";
import type { DecodeContext, ProtocolHandler } from "../decode/protocol.js";
import { failure } from "../decode/protocol.js";
import type { RawFrame } from "../stream/framer.js";
import { endProblem, smlFramer, smlPayload } from "./framer.js";
import { decodeSml } from "./messages.js";
import { crc16Kermit, crc16X25 } from "../util/crc16.js";

const X25 = 1;
const KERMIT = 2;

function x25Matches(frame: Uint8Array): boolean {
  const n = frame.length - 2;
  return crc16X25(frame, 0, n) === (frame[n] | (frame[n + 1] << 8));
}

function kermitMatches(frame: Uint8Array): boolean {
  const n = frame.length - 2;
  return crc16Kermit(frame, 0, n) === ((frame[n] << 8) | frame[n + 1]);
}

class SmlHandler implements ProtocolHandler {
  readonly framers = [smlFramer];
  // SML is never wrapped in another link layer or ciphered APDU.
  readonly payloadLeads: number[] = [];

  /**
   * The CRC this meter uses. Accepting either on every frame would double the chance that damage
   * passes, so a stream's CRC is learned: X.25 (the standard) from its first frame, KERMIT (some
   * Holley firmware) only once two frames in a row show it. Then only that one is computed.
   */
  private crc = 0;
  private kermitSeen = false;

  onFrame(frame: RawFrame, ctx: DecodeContext): void {
    const crc = this.crcProblem(frame.bytes);
    if (crc) return ctx.emit(failure("sml", "crc", crc), frame);
    // The CRC covers the end sequence: what it says is the meter's word, checked only now.
    const end = endProblem(frame.bytes);
    if (end) return ctx.emit(failure("sml", "malformed", `SML ${end}`), frame);
    ctx.emit(decodeSml(smlPayload(frame.bytes)), frame);
  }

  /** What is wrong with the frame's CRC on this stream, or undefined. */
  private crcProblem(frame: Uint8Array): string | undefined {
    if (this.crc === X25) return x25Matches(frame) ? undefined : "SML CRC mismatch (this meter uses CRC-16/X.25)";
    if (this.crc === KERMIT) return kermitMatches(frame) ? undefined : "SML CRC mismatch (this meter uses CRC-16/KERMIT)";
    if (x25Matches(frame)) {
      this.crc = X25;
      return undefined;
    }
    const kermit = kermitMatches(frame);
    if (kermit && this.kermitSeen) {
      this.crc = KERMIT;
      return undefined;
    }
    this.kermitSeen = kermit;
    return kermit ? "SML CRC matches only CRC-16/KERMIT: taken from the next frame that shows it too" : "SML CRC mismatch";
  }

  decodePayload(_bytes: Uint8Array, _ctx: DecodeContext, encrypted: boolean): DecodeResult {
    return failure("sml", "unsupported", "SML arrives only in transport frames", encrypted);
  }
}

export function smlProtocol(): ProtocolHandler {
  return new SmlHandler();
}
