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
  /** Frames whose decoding threw (a decoder bug that input reached): each is also a `malformed`. */
  faults: number;
}

export type ResultListener = (result: DecodeResult, frame: RawFrame) => void;

export class Decoder implements DecodeContext {
  readonly options: DecoderOptions;
  private readonly detector: FrameDetector;
  private readonly byKind = new Map<string, ProtocolHandler>();
  private readonly byPayloadLead: (ProtocolHandler | undefined)[] = new Array(256);
  private readonly handlers: ProtocolHandler[] = [];
  /** The consumer's last exception: not a frame fault, so the frame boundary lets it through. */
  private consumerError: unknown;
  private readonly counts = { ok: 0, faults: 0, errors: { crc: 0, auth: 0, key: 0, replay: 0, truncated: 0, malformed: 0, unsupported: 0, overflow: 0 } };

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
    this.detector = new FrameDetector(framers, (frame) => this.onFrame(frame), options.bufferSize, options.uncheckedLine);
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
    const frame: RawFrame = { kind: "hdlc", bytes: new Uint8Array(0) };
    for (const h of this.handlers) this.guard(frame, () => h.end?.(this));
  }

  get stats(): DecoderStats {
    const d = this.detector.stats;
    return { bytes: d.bytes, frames: d.frames, ok: this.counts.ok, garbage: d.garbage, errors: { ...this.counts.errors }, faults: this.counts.faults };
  }

  emit(result: DecodeResult, frame: RawFrame): void {
    if (result.ok) this.counts.ok++;
    else if (result.error) this.counts.errors[result.error]++;
    try {
      this.listener(result, frame);
    } catch (e) {
      this.consumerError = e;
      throw e;
    }
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
      this.emit(failure(protocolOf(frame), frame.error, frame.message ?? frame.error), frame);
      return;
    }
    this.guard(frame, () => handler.onFrame(frame, this));
  }

  /**
   * The per-frame boundary: whatever a frame's bytes make a decoder throw ends that frame as
   * `malformed`, never the stream. A consumer's own exception is not ours to hide: it goes on up.
   */
  private guard(frame: RawFrame, decode: () => void): void {
    try {
      decode();
    } catch (e) {
      if (e === this.consumerError) throw e;
      this.counts.faults++;
      this.emit(failure(protocolOf(frame), "malformed", `frame could not be decoded: ${e instanceof Error ? e.message : String(e)}`), frame);
    }
  }
}

function protocolOf(frame: RawFrame): DecodeResult["protocol"] {
  return frame.kind === "dsmr" ? "dsmr" : frame.kind === "sml" ? "sml" : "dlms";
}

/** Decodes a whole byte string (a capture file): every frame, in order. */
export function decodeAll(bytes: Uint8Array, options: DecoderOptions = {}): DecodeResult[] {
  const out: DecodeResult[] = [];
  const d = new Decoder(options, (r) => out.push(r));
  d.push(bytes);
  d.end();
  return out;
}
