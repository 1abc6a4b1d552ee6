// What the stream detector asks of each link-layer framer. One framer per leading byte pattern.
import type { ErrorCategory } from "../reading/model.js";

export type FrameKind = "dsmr" | "hdlc" | "mbus" | "glo" | "apdu" | "gbt" | "llc" | "sml";

export const SCAN_MORE = 0;
export const SCAN_FRAME = 1;
export const SCAN_INVALID = 2;

/**
 * The answer of `Framer.scan`:
 * - SCAN_MORE: could be a frame, need more bytes. `resume` is an opaque hint the framer gets back
 *   next time, so it need not rescan what it has seen.
 * - SCAN_FRAME: buf[start..end) is a whole frame. With `error` set the frame is delimited but bad
 *   (a CRC mismatch, say): it is reported and skipped whole, so its contents are never re-read.
 * - SCAN_INVALID: not a frame at `start`; the detector drops one byte and resyncs.
 */
export interface ScanResult {
  status: number;
  end: number;
  resume: number;
  error?: ErrorCategory;
  message?: string;
}

export interface Framer {
  readonly kind: FrameKind;
  /** The byte that may start one of this framer's frames. */
  readonly lead: number;
  /**
   * Frames with no checksum of their own (bare APDUs): the detector takes them only on a line
   * that carries them and nothing else, never from inside a damaged checked frame.
   */
  readonly unchecked?: boolean;
  /**
   * Looks for a frame starting at buf[start] within buf[start..end). `final` is true when no more
   * bytes will come soon (end of input, or an idle gap on the line): a framer whose frames may lack a
   * terminator ends them there, others report truncation.
   */
  scan(buf: Uint8Array, start: number, end: number, final: boolean, resume: number, out: ScanResult): void;
}

/** A delimited frame, or a delimited frame that failed its link-layer check. */
export interface RawFrame {
  kind: FrameKind;
  bytes: Uint8Array;
  error?: ErrorCategory;
  message?: string;
}
