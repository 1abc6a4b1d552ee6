// The records history keeps, and their JSON line (the `metertap history` contract, reused by the
// MQTT profile topics). Times are UTC epoch milliseconds; energies Wh (varh), powers W, voltages V.
import { isoUtc } from "../util/time.js";

export type StreamName = "quarter-hour" | "voltage" | "daily" | "monthly" | "max-demand" | "events";

export const STREAMS: readonly StreamName[] = ["quarter-hour", "voltage", "daily", "monthly", "max-demand", "events"];

/**
 * Per-interval status, as a meter's load profile marks it:
 * power-down: the dongle or the meter was without power during the interval;
 * clock-adjusted: the meter clock jumped during the interval;
 * missing-readings: readings are absent (for a gap record, all of them; values are not given);
 * partial: the values cover only part of the interval (late start, early end, meter change).
 */
export type IntervalFlag = "power-down" | "clock-adjusted" | "missing-readings" | "partial";

export const INTERVAL_FLAGS: readonly IntervalFlag[] = ["power-down", "clock-adjusted", "missing-readings", "partial"];

/** Register channels: +A/-A active energy, R1..R4 reactive quadrants, +R/-R, tariff registers. */
export type Channels = Record<string, number>;

export interface IntervalRecord {
  stream: "quarter-hour";
  start: number;
  end: number;
  flags: IntervalFlag[];
  /** Energy in the interval per channel; empty for a gap. */
  delta: Channels;
  /** Cumulative registers at the end of the covered part; empty for a gap. */
  registers: Channels;
}

export interface PhaseVoltage {
  avg: number;
  min: number;
  max: number;
}

export interface VoltageRecord {
  stream: "voltage";
  start: number;
  end: number;
  flags: IntervalFlag[];
  /** L1, L2, L3 (only L1 on a single-phase meter). */
  phases: PhaseVoltage[];
}

export interface BillingRecord {
  stream: "daily" | "monthly";
  /** Local calendar period: "2026-03-28" (daily) or "2026-03" (monthly). */
  period: string;
  /** UTC instants of the local midnights that bound the period. */
  start: number;
  end: number;
  flags: IntervalFlag[];
  delta: Channels;
  registers: Channels;
}

export interface MaxDemandRecord {
  stream: "max-demand";
  month: string;
  /** Start of the 15-minute interval with the highest average import power. */
  start: number;
  powerW: number;
}

export type EventType =
  | "power-failure" // from the meter's power-failure log
  | "power-down" // detected: no readings across a dongle restart
  | "voltage-sag" | "voltage-swell" | "under-voltage" | "over-voltage"
  | "clock-jump" | "frame-counter-reset" | "reboot" | "meter-change"
  | "link-lost" | "link-restored"; // the meter link's no-data timeout (modules/app/meter-link.ts)

export const EVENT_TYPES: readonly EventType[] = [
  "power-failure", "power-down", "voltage-sag", "voltage-swell", "under-voltage", "over-voltage",
  "clock-jump", "frame-counter-reset", "reboot", "meter-change", "link-lost", "link-restored",
];

export interface EventRecord {
  stream: "events";
  time: number;
  type: EventType;
  durationS?: number;
  /** Phase 1..3 for voltage events. */
  phase?: number;
  /** Lowest (sag, under) or highest (swell, over) voltage seen, V. */
  voltage?: number;
  /** Clock jumps: how far the meter clock moved beyond elapsed host time, s (negative: backwards). */
  shiftS?: number;
}

export type HistoryRecord = IntervalRecord | VoltageRecord | BillingRecord | MaxDemandRecord | EventRecord;

/** Where a stored record lives: its block's sequence number and its offset in the block. */
export interface Cursor {
  seq: number;
  offset: number;
}

export type StoredRecord = HistoryRecord & { cursor: Cursor };

/** Who signed a record (OCMF gateway GS and GV, meter MS): printable ASCII, at most 64 characters each. */
export interface SealContext {
  deviceId: string;
  meterId: string;
  firmware: string;
}

/** A record's signature as the history keeps it, right after the record (docs/SIGNED-RECORDS.md). */
export interface Seal {
  /** The device's record counter: one per signature, never reused. */
  counter: number;
  /** ECDSA P-256 r || s, 64 bytes. */
  signature: Uint8Array;
  context: SealContext;
}

/** Signs records as they are committed: the history stores the seal with the record. */
export interface RecordSealer {
  /** The seal of `rec` (as flash gives it back), or null for a stream that is not signed. */
  seal(rec: HistoryRecord): Seal | null;
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

/** The `metertap history` JSON line of a record, in contract key order. */
export function recordToJson(r: HistoryRecord): string {
  switch (r.stream) {
    case "quarter-hour":
      return JSON.stringify({ stream: r.stream, start: isoUtc(r.start), end: isoUtc(r.end), flags: r.flags, delta: r.delta, registers: r.registers });
    case "voltage":
      return JSON.stringify({
        stream: r.stream, start: isoUtc(r.start), end: isoUtc(r.end), flags: r.flags,
        phases: r.phases.map((p) => ({ avg: round1(p.avg), min: round1(p.min), max: round1(p.max) })),
      });
    case "daily":
    case "monthly": {
      const out: Record<string, unknown> = { stream: r.stream };
      out[r.stream === "daily" ? "day" : "month"] = r.period;
      Object.assign(out, { start: isoUtc(r.start), end: isoUtc(r.end), flags: r.flags, delta: r.delta, registers: r.registers });
      return JSON.stringify(out);
    }
    case "max-demand":
      return JSON.stringify({ stream: r.stream, month: r.month, start: isoUtc(r.start), end: isoUtc(r.start + 900_000), power_w: r.powerW });
    case "events": {
      const out: Record<string, unknown> = { stream: r.stream, time: isoUtc(r.time), type: r.type };
      if (r.durationS !== undefined) out.duration_s = r.durationS;
      if (r.phase !== undefined) out.phase = r.phase;
      if (r.voltage !== undefined) out.voltage = round1(r.voltage);
      if (r.shiftS !== undefined) out.shift_s = r.shiftS;
      return JSON.stringify(out);
    }
  }
}
