// The DLMS/COSEM protocol family: HDLC, wired M-Bus, LLC and bare APDU link layers, segment and
// block-transfer reassembly, and data-notification decoding. Ciphered APDUs (0xDB) go back to the
// decoder, which hands them to the security layer; their plaintext returns here.
import type { DecodeResult, SecurityInfo } from "../reading/model.js";
import type { DecodeContext, DecoderOptions, ProtocolHandler } from "../decode/protocol.js";
import { failure } from "../decode/protocol.js";
import type { RawFrame } from "../stream/framer.js";
import { DATA_NOTIFICATION, GENERAL_BLOCK_TRANSFER, axdrFailure, decodeNotification, parseGbt } from "./apdu.js";
import { MAX_APDU, SequencedAssembler } from "./segments.js";
import { concatBytes } from "../util/bytes.js";
import { LLC, apduFramer, gbtFramer, llcFramer } from "./bare.js";
import { hdlcFramer, scanHdlc } from "./hdlc.js";
import { MbusAssembler, mbusFramer } from "./mbus.js";

class DlmsHandler implements ProtocolHandler {
  readonly framers = [hdlcFramer, mbusFramer, apduFramer, gbtFramer, llcFramer];
  readonly payloadLeads = [DATA_NOTIFICATION, GENERAL_BLOCK_TRANSFER];
  private readonly standardOffset: number;
  private readonly gbt = new SequencedAssembler(1, 0x10000, { piece: "block", whole: "block transfer" });
  private readonly mbus = new MbusAssembler();
  private hdlcParts: Uint8Array[] = [];
  private hdlcSize = 0;
  private hdlcSkipping = false;

  constructor(options: DecoderOptions) {
    this.standardOffset = options.standardOffsetMinutes ?? 60;
  }

  onFrame(frame: RawFrame, ctx: DecodeContext): void {
    const b = frame.bytes;
    switch (frame.kind) {
      case "hdlc":
        this.onHdlc(frame, ctx);
        break;
      case "mbus": {
        const out = this.mbus.add(b, (lost) => ctx.emit(lost, frame));
        if (out) this.deliver(out, frame, ctx);
        break;
      }
      case "llc":
        this.deliver(b.subarray(LLC.length), frame, ctx);
        break;
      default:
        // A bare APDU parsed exactly by its framer: no leniency without a link-layer check.
        if (b[0] === DATA_NOTIFICATION) ctx.emit(this.notification(b, false, false), frame);
        else this.deliver(b, frame, ctx);
    }
  }

  decodePayload(bytes: Uint8Array, _ctx: DecodeContext, encrypted: boolean, security?: SecurityInfo): DecodeResult {
    if (bytes[0] === DATA_NOTIFICATION) return this.notification(bytes, encrypted, true, security);
    // A block outside our own link layers: only a whole single-block APDU can be answered at once.
    const out = this.block(bytes, () => undefined);
    if (out instanceof Uint8Array) {
      return out[0] === DATA_NOTIFICATION
        ? this.notification(out, encrypted, true, security)
        : failure("dlms", "unsupported", `block transfer carries APDU 0x${hex(out[0])}`, encrypted);
    }
    return out ?? failure("dlms", "truncated", "block transfer incomplete", encrypted);
  }

  private notification(apdu: Uint8Array, encrypted: boolean, lenient: boolean, security?: SecurityInfo): DecodeResult {
    return decodeNotification(apdu, { standardOffset: this.standardOffset, encrypted, lenient, security });
  }

  private onHdlc(frame: RawFrame, ctx: DecodeContext): void {
    const scan = scanHdlc(frame.bytes, 0, frame.bytes.length, true);
    if (!scan.frame) {
      ctx.emit(failure("dlms", scan.error ?? "malformed", scan.message ?? "HDLC frame no longer parses"), frame);
      return;
    }
    const { info, segmented } = scan.frame;
    const startsApdu = info[0] === LLC[0] && info[1] === LLC[1];
    // After an overflow, the rest of that APDU's segments are dropped quietly: it was reported once.
    if (this.hdlcSkipping && !startsApdu) {
      this.hdlcSkipping = segmented;
      return;
    }
    this.hdlcSkipping = false;
    if (startsApdu && this.hdlcParts.length) {
      ctx.emit(failure("dlms", "truncated", `segmented APDU abandoned after ${this.hdlcParts.length} frames`), frame);
      this.resetHdlc();
    }
    if (this.hdlcSize + info.length > MAX_APDU) {
      this.resetHdlc();
      this.hdlcSkipping = segmented;
      ctx.emit(failure("dlms", "overflow", `segmented APDU larger than ${MAX_APDU} bytes`), frame);
      return;
    }
    this.hdlcParts.push(info);
    this.hdlcSize += info.length;
    if (segmented) return;
    let apdu = concatBytes(this.hdlcParts);
    this.resetHdlc();
    if (apdu[0] === LLC[0] && apdu[1] === LLC[1]) apdu = apdu.subarray(LLC.length);
    if (apdu.length) this.deliver(apdu, frame, ctx);
  }

  end(ctx: DecodeContext): void {
    const frame: RawFrame = { kind: "hdlc", bytes: new Uint8Array(0) };
    if (this.hdlcParts.length) ctx.emit(failure("dlms", "truncated", `segmented APDU cut off after ${this.hdlcParts.length} frames`), frame);
    this.resetHdlc();
    for (const lost of [this.mbus.abandon(), this.gbt.abandon()]) if (lost) ctx.emit(lost, frame);
  }

  private resetHdlc(): void {
    this.hdlcParts = [];
    this.hdlcSize = 0;
  }

  /** Hands a link layer's APDU (or its error) on; block transfers are gathered first. */
  private deliver(out: Uint8Array | DecodeResult, frame: RawFrame, ctx: DecodeContext): void {
    if (!(out instanceof Uint8Array)) {
      ctx.emit(out, frame);
      return;
    }
    if (out[0] === GENERAL_BLOCK_TRANSFER) {
      const whole = this.block(out, (lost) => ctx.emit(lost, frame));
      if (whole === undefined) return;
      if (!(whole instanceof Uint8Array)) {
        ctx.emit(whole, frame);
        return;
      }
      if (whole[0] === GENERAL_BLOCK_TRANSFER) {
        ctx.emit(failure("dlms", "malformed", "block transfer inside a block transfer"), frame);
        return;
      }
      out = whole;
    }
    ctx.emit(ctx.decodePayload(out, false), frame);
  }

  private block(bytes: Uint8Array, onLost: (r: DecodeResult) => void): Uint8Array | DecodeResult | undefined {
    try {
      const block = parseGbt(bytes, 0, bytes.length);
      if (block.end !== bytes.length) return failure("dlms", "malformed", "bytes after a block transfer block");
      return this.gbt.add(block.number, block.last, block.data, onLost);
    } catch (e) {
      return axdrFailure(e, false);
    }
  }
}

function hex(n: number): string {
  return n.toString(16).padStart(2, "0");
}

export function dlmsProtocol(options: DecoderOptions): ProtocolHandler {
  return new DlmsHandler(options);
}
