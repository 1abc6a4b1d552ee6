// HDLC frames (IEC 62056-46) as HAN ports send them: 7E, frame format 0xA with the segmentation
// bit and an 11-bit length, addresses, control, HCS, information, FCS, 7E. The length field decides
// where a frame ends, because meters put 7E and 7D bytes inside the information field unescaped;
// a meter that does use octet stuffing is recognised when the unstuffed length lands on a flag.
import type { Framer, ScanResult } from "../stream/framer.js";
import { SCAN_FRAME, SCAN_INVALID, SCAN_MORE } from "../stream/framer.js";
import { crc16X25 } from "../util/crc16.js";

const FLAG = 0x7e;
const ESCAPE = 0x7d;
/** format (2) + destination (1) + source (1) + control (1) + FCS (2). */
const MIN_LENGTH = 7;

export interface HdlcFrame {
  segmented: boolean;
  /** The information field (LLC header included), empty for frames without one. */
  info: Uint8Array;
}

type Check = { ok: true; frame: HdlcFrame } | { ok: false; crc: boolean; message: string };

/** Checks an unstuffed frame body (format byte to FCS, no flags). */
export function checkBody(body: Uint8Array): Check {
  let i = 2;
  for (let part = 0; part < 2; part++) {
    // An address runs until a byte with its low bit set, at most 4 bytes.
    const first = i;
    while (i < body.length && (body[i] & 1) === 0 && i - first < 3) i++;
    if (i >= body.length || (body[i] & 1) === 0) return { ok: false, crc: false, message: "bad address field" };
    i++;
  }
  const headerEnd = i + 1; // the control byte
  if (headerEnd + 2 > body.length) return { ok: false, crc: false, message: "frame shorter than its header" };
  const fcsAt = body.length - 2;
  const fcs = body[fcsAt] | (body[fcsAt + 1] << 8);
  if (fcsAt === headerEnd) {
    return fcs === crc16X25(body, 0, fcsAt)
      ? { ok: true, frame: { segmented: (body[0] & 0x08) !== 0, info: new Uint8Array(0) } }
      : { ok: false, crc: true, message: "FCS mismatch" };
  }
  if (headerEnd + 2 > fcsAt) return { ok: false, crc: false, message: "frame shorter than its header" };
  const hcs = body[headerEnd] | (body[headerEnd + 1] << 8);
  if (hcs !== crc16X25(body, 0, headerEnd)) return { ok: false, crc: true, message: "HCS mismatch" };
  if (fcs !== crc16X25(body, 0, fcsAt)) return { ok: false, crc: true, message: "FCS mismatch" };
  return { ok: true, frame: { segmented: (body[0] & 0x08) !== 0, info: body.slice(headerEnd + 2, fcsAt) } };
}

export interface HdlcScan {
  status: number;
  end: number;
  frame?: HdlcFrame;
  error?: "crc" | "truncated";
  message?: string;
}

/** Finds an HDLC frame at buf[start] (a 7E). */
export function scanHdlc(buf: Uint8Array, start: number, end: number, final: boolean): HdlcScan {
  if (start + 3 > end) return { status: final ? SCAN_INVALID : SCAN_MORE, end };
  const format = buf[start + 1];
  const length = ((format & 0x07) << 8) | buf[start + 2];
  if ((format & 0xf0) !== 0xa0 || length < MIN_LENGTH) return { status: SCAN_INVALID, end };
  const rawEnd = start + length + 2;
  if (rawEnd > end) {
    // A stray 7E must not hold the line for up to 2 KB: a whole header with a wrong HCS is no frame.
    if (headerCheck(buf, start, end) < 0) return { status: SCAN_INVALID, end };
    return incomplete(buf, start, end, final);
  }
  let crcFailure: HdlcScan | undefined;
  if (buf[rawEnd - 1] === FLAG) {
    const check = checkBody(buf.subarray(start + 1, rawEnd - 1));
    if (check.ok) return { status: SCAN_FRAME, end: rawEnd, frame: check.frame };
    if (check.crc) crcFailure = { status: SCAN_FRAME, end: rawEnd, error: "crc", message: check.message };
  }
  const stuffed = unstuff(buf, start + 1, end, length);
  if (stuffed === "more") return crcFailure ?? incomplete(buf, start, end, final);
  if (stuffed) {
    const check = checkBody(stuffed.body);
    if (check.ok) return { status: SCAN_FRAME, end: stuffed.end, frame: check.frame };
    if (check.crc && !crcFailure) crcFailure = { status: SCAN_FRAME, end: stuffed.end, error: "crc", message: check.message };
  }
  return crcFailure ?? { status: SCAN_INVALID, end };
}

/**
 * Undoes octet stuffing (7D xx → xx ^ 0x20) until `length` bytes are gathered; the next byte
 * must be the closing flag. Undefined when the frame holds no escape or no flag follows.
 */
function unstuff(buf: Uint8Array, from: number, end: number, length: number): { body: Uint8Array; end: number } | "more" | undefined {
  const body = new Uint8Array(length);
  let n = 0;
  let escaped = false;
  let i = from;
  for (; n < length; i++) {
    if (i >= end) return "more";
    const c = buf[i];
    if (c === FLAG) return undefined;
    if (c === ESCAPE) {
      if (i + 1 >= end) return "more";
      body[n++] = buf[++i] ^ 0x20;
      escaped = true;
    } else {
      body[n++] = c;
    }
  }
  if (!escaped) return undefined;
  if (i >= end) return "more";
  return buf[i] === FLAG ? { body, end: i + 1 } : undefined;
}

/** Not all bytes are here: wait, or at the end of input report a frame whose header checked out. */
function incomplete(buf: Uint8Array, start: number, end: number, final: boolean): HdlcScan {
  if (!final) return { status: SCAN_MORE, end };
  return headerCheck(buf, start, end) > 0
    ? { status: SCAN_FRAME, end, error: "truncated", message: `HDLC frame cut short after ${end - start} bytes` }
    : { status: SCAN_INVALID, end };
}

/**
 * 1 when the bytes after the flag hold a whole header with a matching HCS, -1 when they hold one
 * that cannot be a header, 0 when that cannot be told yet (too few bytes, or escapes of a stuffed
 * frame in the header).
 */
function headerCheck(buf: Uint8Array, start: number, end: number): number {
  let i = start + 3;
  for (let part = 0; part < 2; part++) {
    const first = i;
    while (i < end && (buf[i] & 1) === 0 && i - first < 3) i++;
    if (i >= end) return 0;
    if ((buf[i] & 1) === 0) return -1;
    i++;
  }
  const hcsAt = i + 1;
  if (hcsAt + 2 > end) return 0;
  for (let k = start + 1; k < hcsAt + 2; k++) if (buf[k] === ESCAPE) return 0;
  return (buf[hcsAt] | (buf[hcsAt + 1] << 8)) === crc16X25(buf, start + 1, hcsAt) ? 1 : -1;
}

export const hdlcFramer: Framer = {
  kind: "hdlc",
  lead: FLAG,
  scan(buf: Uint8Array, start: number, end: number, final: boolean, _resume: number, out: ScanResult): void {
    const s = scanHdlc(buf, start, end, final);
    out.status = s.status;
    out.end = s.end;
    out.resume = 0;
    if (s.error) {
      out.error = s.error;
      out.message = s.message;
    }
  },
};
