// The meter link (P1 cable, HAN port, serial-to-TCP bridge) as the firmware sees it: bytes either
// arrive or they do not. No bytes for `timeoutMs` makes the link `down` (a `link-lost` event); the
// next byte makes it `up` again (`link-restored`). A link that never delivered a byte since boot is
// reported lost once the timeout has passed, so a TCP bridge that accepts and stays silent is noticed.
//
// It also decides the idle flush. A quiet line ends a DSMR telegram only on a stream that has never
// shown a `!` terminator (DSMR 2.2/3), only after a complete line, and only after a pause clearly
// longer than any pause inside the telegram so far: a telegram still arriving, however slowly, is
// never ended and thrown away.
import type { RawFrame } from "../stream/framer.js";

export type LinkState = "up" | "down";

export interface LinkStatus {
  state: LinkState;
  /** When the link entered this state (ms: the firmware's steady time here, wall time in diagnostics). */
  since: number;
  /** Times the link was lost since boot. */
  lost: number;
}

export type LinkChange = "link-lost" | "link-restored" | null;

const SLASH = 0x2f;
const BANG = 0x21;
const LF = 0x0a;
/** An idle flush needs a pause this many times the longest pause inside the telegram. */
const PAUSE_FACTOR = 3;

export class MeterLink {
  private status: LinkStatus;
  private lastByteAt: number;
  /** A `link-lost` was raised and not yet followed by `link-restored`. */
  private reported = false;
  private terminated = false;
  private lastByte = -1;
  /** Longest pause between bytes while a frame was held. */
  private slowest = 0;

  constructor(startedAt: number, private readonly timeoutMs: number, private readonly idleFlushMs: number) {
    // Down until the first byte; `since` is the boot.
    this.status = { state: "down", since: startedAt, lost: 0 };
    this.lastByteAt = startedAt;
  }

  get current(): LinkStatus {
    return { ...this.status };
  }

  /** The state alone, without a copy of the status (the firmware's tick asks 4 times a second). */
  get state(): LinkState {
    return this.status.state;
  }

  /** Bytes arrived; `held`: the decoder held part of a frame before them. */
  bytes(nowMs: number, chunk: Uint8Array, held: boolean): LinkChange {
    this.slowest = held ? Math.max(this.slowest, nowMs - this.lastByteAt) : 0;
    this.lastByteAt = nowMs;
    this.lastByte = chunk[chunk.length - 1];
    if (this.status.state === "up") return null;
    this.status = { state: "up", since: nowMs, lost: this.status.lost };
    if (!this.reported) return null;
    this.reported = false;
    return "link-restored";
  }

  /** A frame came out of the detector: a DSMR telegram with `!` shows the stream has terminators. */
  frame(frame: RawFrame): void {
    // From the end, once: the `!` is a telegram's last line, and on XS a typed array's search
    // costs hundreds of instructions a byte.
    if (!this.terminated && frame.kind === "dsmr" && frame.bytes.lastIndexOf(BANG) >= 0) this.terminated = true;
  }

  /** The no-data timeout: returns `link-lost` once when it passes. */
  tick(nowMs: number): LinkChange {
    if (this.reported || nowMs - this.lastByteAt < this.timeoutMs) return null;
    this.reported = true;
    this.status = { state: "down", since: this.status.state === "up" ? this.lastByteAt + this.timeoutMs : this.status.since, lost: this.status.lost + 1 };
    return "link-lost";
  }

  /**
   * True when the decoder should end what it holds (`pendingLead`: its first byte, -1 for none):
   * a quiet line and a DSMR telegram on a stream without terminators. Binary frames carry their
   * length or an end flag: they are never ended by a pause, only by their own bytes or end of input.
   */
  idleFlush(nowMs: number, pendingLead: number): boolean {
    if (pendingLead !== SLASH || this.terminated || this.lastByte !== LF) return false;
    return nowMs - this.lastByteAt >= Math.max(this.idleFlushMs, PAUSE_FACTOR * this.slowest);
  }
}
