// Bytes in, decoded frames out: the stream detector plus every protocol handler.
import { FrameDetector } from "../stream/detector.js";
import type { Framer, RawFrame } from "../stream/framer.js";
import type { DecodeResult, ErrorCategory, SecurityInfo } from "../reading/model.js";
import { failure } from "./protocol.js";
import type { DecodeContext, DecoderOptions, ProtocolFactory, ProtocolHandler } from "./protocol.js";
import { PROTOCOLS } from "./protocols.js";

export interface DecoderStats {
  bytes: number;
  frames: number;
  ok: number;
  garbage: number;
  errors: Record<ErrorCategory, number>;
}

export type ResultListener = (result: DecodeResult, frame: RawFrame) => void;

export class Decoder implements DecodeContext {
  readonly options: DecoderOptions;
  private readonly detector: FrameDetector;
  private readonly byKind = new Map<string, ProtocolHandler>();
  private readonly byPayloadLead: (ProtocolHandler | undefined)[] = new Array(256);
  private readonly handlers: ProtocolHandler[] = [];
  private readonly counts = { ok: 0, errors: { crc: 0, auth: 0, key: 0, replay: 0, truncated: 0, malformed: 0, unsupported: 0, overflow: 0 } };

  constructor(options: DecoderOptions, private readonly listener: ResultListener, protocols: readonly ProtocolFactory[] = PROTOCOLS) {
    this.options = options;
    const framers: Framer[] = [];
    for (const make of protocols) {
      const handler = make(options);
      this.handlers.push(handler);
      for (const f of handler.framers) {
        framers.push(f);
        this.byKind.set(f.kind, handler);
      }
      for (const lead of handler.payloadLeads) this.byPayloadLead[lead] = handler;
    }
    this.detector = new FrameDetector(framers, (frame) => this.onFrame(frame), options.bufferSize);
  }

  push(bytes: Uint8Array): void {
    this.detector.push(bytes);
  }

  /** The first byte of the frame still arriving, or -1 (the idle-flush decision needs it). */
  get pendingLead(): number {
    return this.detector.pendingLead;
  }

  /** An idle line: completes telegrams that have no terminator. */
  flush(): void {
    this.detector.flush();
  }

  /**
   * End of input (a capture consumed, the source closed): like flush, and an APDU still waiting
   * for segments or blocks is reported `truncated` rather than dropped without a word.
   */
  end(): void {
    this.detector.flush();
    for (const h of this.handlers) h.end?.(this);
  }

  get stats(): DecoderStats {
    const d = this.detector.stats;
    return { bytes: d.bytes, frames: d.frames, ok: this.counts.ok, garbage: d.garbage, errors: { ...this.counts.errors } };
  }

  emit(result: DecodeResult, frame: RawFrame): void {
    if (result.ok) this.counts.ok++;
    else if (result.error) this.counts.errors[result.error]++;
    this.listener(result, frame);
  }

  decodePayload(bytes: Uint8Array, encrypted: boolean, security?: SecurityInfo): DecodeResult {
    const handler = bytes.length ? this.byPayloadLead[bytes[0]] : undefined;
    if (!handler) {
      const lead = bytes.length ? "0x" + bytes[0].toString(16).padStart(2, "0") : "nothing";
      const r = failure("unknown", encrypted ? "key" : "unsupported",
        encrypted ? `decrypted payload starts with ${lead}: wrong key?` : `payload starts with ${lead}`, encrypted);
      if (security) r.security = security;
      return r;
    }
    return handler.decodePayload(bytes, this, encrypted, security);
  }

  private onFrame(frame: RawFrame): void {
    const handler = this.byKind.get(frame.kind)!;
    if (frame.error) {
      const protocol = frame.kind === "dsmr" ? "dsmr" : frame.kind === "sml" ? "sml" : "dlms";
      this.emit(failure(protocol, frame.error, frame.message ?? frame.error), frame);
      return;
    }
    handler.onFrame(frame, this);
  }
}

/** Decodes a whole byte string (a capture file): every frame, in order. */
export function decodeAll(bytes: Uint8Array, options: DecoderOptions = {}): DecodeResult[] {
  const out: DecodeResult[] = [];
  const d = new Decoder(options, (r) => out.push(r));
  d.push(bytes);
  d.end();
  return out;
}
