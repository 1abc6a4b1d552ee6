// The stream detector: takes bytes in any chunking, finds frames of every known kind by their
// leading byte, and resyncs after garbage. Its buffer is fixed: a frame that cannot fit is an
// `overflow` error, never a growing allocation.
//
// Unchecked framings (bare APDUs, which no checksum protects) are a property of the line: they are
// taken only when the stream starts with one (or when configured), and otherwise never, so the
// APDU inside a damaged HDLC frame is never re-read as one without its CRC.
import type { Framer, RawFrame, ScanResult } from "./framer.js";
import { SCAN_FRAME, SCAN_MORE } from "./framer.js";

export interface DetectorStats {
  bytes: number;
  frames: number;
  /** Bytes skipped while looking for a frame start. */
  garbage: number;
  overflows: number;
}

export const DEFAULT_BUFFER_SIZE = 4096;

/** Whether a line carries unchecked frames: learned from its first byte, or configured. */
export type UncheckedLine = boolean | undefined;

export class FrameDetector {
  readonly stats: DetectorStats = { bytes: 0, frames: 0, garbage: 0, overflows: 0 };
  private readonly buf: Uint8Array;
  private byLead: (Framer | undefined)[] = new Array(256);
  private readonly checkedLead: (Framer | undefined)[] = new Array(256);
  /** Still deciding whether this line carries unchecked frames (until its first frame start). */
  private learning: boolean;
  private head = 0;
  private tail = 0;
  private resume = 0;
  private readonly result: ScanResult = { status: 0, end: 0, resume: 0 };

  constructor(
    framers: readonly Framer[],
    private readonly onFrame: (frame: RawFrame) => void,
    bufferSize = DEFAULT_BUFFER_SIZE,
    unchecked: UncheckedLine = undefined,
  ) {
    this.buf = new Uint8Array(bufferSize);
    for (const f of framers) {
      this.byLead[f.lead] = f;
      if (!f.unchecked) this.checkedLead[f.lead] = f;
    }
    this.learning = unchecked === undefined;
    if (unchecked === false) this.byLead = this.checkedLead;
  }

  /** Whether unchecked frames are taken on this line (true while still learning). */
  get uncheckedLine(): boolean {
    return this.byLead !== this.checkedLead;
  }

  /** The line's first frame start decides: an unchecked frame that parses, or never again. */
  private learned(uncheckedFrame: boolean): void {
    this.learning = false;
    if (!uncheckedFrame) this.byLead = this.checkedLead;
  }

  push(chunk: Uint8Array): void {
    this.stats.bytes += chunk.length;
    let offset = 0;
    while (offset < chunk.length) {
      if (this.tail === this.buf.length) this.compact();
      const n = Math.min(chunk.length - offset, this.buf.length - this.tail);
      this.buf.set(chunk.subarray(offset, offset + n), this.tail);
      this.tail += n;
      offset += n;
      this.scanFrames(false);
    }
  }

  /** No more bytes for now (end of input, or the line went idle): ends frames that lack a terminator. */
  flush(): void {
    this.scanFrames(true);
    // Whatever is left cannot start a frame any more.
    this.stats.garbage += this.tail - this.head;
    this.head = this.tail = this.resume = 0;
  }

  /** Bytes held but not yet framed. */
  get pending(): number {
    return this.tail - this.head;
  }

  /** The first byte held (the lead of the frame still arriving), or -1 when none is held. */
  get pendingLead(): number {
    return this.tail > this.head ? this.buf[this.head] : -1;
  }

  private scanFrames(final: boolean): void {
    const buf = this.buf;
    const r = this.result;
    while (this.head < this.tail) {
      const framer = this.byLead[buf[this.head]];
      if (!framer) {
        if (this.learning) this.learned(false);
        this.skipToLead(this.head + 1);
        continue;
      }
      r.error = undefined;
      r.message = undefined;
      framer.scan(buf, this.head, this.tail, final, this.resume, r);
      if (r.status === SCAN_MORE) {
        this.resume = r.resume;
        if (this.head === 0 && this.tail === buf.length) this.overflow();
        else return;
      } else if (r.status === SCAN_FRAME) {
        if (this.learning) this.learned(!!framer.unchecked && !r.error);
        this.emit(framer, r);
      } else {
        if (this.learning) this.learned(false);
        this.skipToLead(this.head + 1);
      }
    }
    this.head = this.tail = this.resume = 0;
  }

  private emit(framer: Framer, r: ScanResult): void {
    // A copy: the buffer is reused, and consumers keep frames (raw dumps, reassembly).
    const frame: RawFrame = { kind: framer.kind, bytes: this.buf.slice(this.head, r.end) };
    if (r.error) {
      frame.error = r.error;
      frame.message = r.message;
    }
    this.head = r.end;
    this.resume = 0;
    this.stats.frames++;
    this.onFrame(frame);
  }

  private overflow(): void {
    this.stats.overflows++;
    this.onFrame({
      kind: this.byLead[this.buf[this.head]]!.kind,
      bytes: new Uint8Array(0),
      error: "overflow",
      message: `frame longer than the ${this.buf.length}-byte buffer; dropped`,
    });
    this.skipToLead(this.head + 1);
  }

  private skipToLead(from: number): void {
    let i = from;
    while (i < this.tail && !this.byLead[this.buf[i]]) i++;
    this.stats.garbage += i - this.head;
    this.head = i;
    this.resume = 0;
  }

  private compact(): void {
    if (this.head === 0) return;
    this.buf.copyWithin(0, this.head, this.tail);
    this.tail -= this.head;
    // Resume hints are absolute offsets: shift them with the data.
    if (this.resume) this.resume -= this.head;
    this.head = 0;
  }
}
