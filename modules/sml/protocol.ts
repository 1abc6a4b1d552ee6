// The SML protocol family: transport v1 frames in, one result per transmission out.
import type { DecodeResult } from "../reading/model.js";
import type { DecodeContext, ProtocolHandler } from "../decode/protocol.js";
import { failure } from "../decode/protocol.js";
import type { RawFrame } from "../stream/framer.js";
import { smlFramer, smlPayload } from "./framer.js";
import { decodeSml } from "./messages.js";

class SmlHandler implements ProtocolHandler {
  readonly framers = [smlFramer];
  // SML is never wrapped in another link layer or ciphered APDU.
  readonly payloadLeads: number[] = [];

  onFrame(frame: RawFrame, ctx: DecodeContext): void {
    ctx.emit(decodeSml(smlPayload(frame.bytes)), frame);
  }

  decodePayload(_bytes: Uint8Array, _ctx: DecodeContext, encrypted: boolean): DecodeResult {
    return failure("sml", "unsupported", "SML arrives only in transport frames", encrypted);
  }
}

export function smlProtocol(): ProtocolHandler {
  return new SmlHandler();
}
