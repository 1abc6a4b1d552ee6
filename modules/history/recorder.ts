// Turns validated readings into closed records: the 15-minute profile, the voltage profile,
// daily and monthly snapshots, monthly maximum demand and events. Pure logic: the caller
// (History) commits what it returns and restores it from the stores after a reboot.
import type { MeterEvent, Reading, SecurityInfo } from "../reading/model.js";
import { SLOT_MS } from "./codec.js";
import { carryOver, closePeriod, openPeriod, periodAt, sortFlags, type OpenPeriod } from "./periods.js";
import type { BillingRecord, Channels, EventRecord, HistoryRecord, IntervalFlag, IntervalRecord, MaxDemandRecord, StreamName } from "./records.js";
import { DEFAULT_LIMITS, VoltageWatch, type VoltageLimits } from "./voltage-watch.js";
import { monthString, localDate, zone, type Zone } from "./zones.js";
import { parseTime } from "../util/time.js";

export type { VoltageLimits } from "./voltage-watch.js";

export interface RecorderOptions {
  /** IANA name from the zone table (modules/history/zones.ts). Default Europe/Amsterdam. */
  timeZone?: string;
  /** A reading this soon after a boundary gives the registers at that boundary (default 120 s). */
  boundaryToleranceMs?: number;
  /** Readings further apart than this mark the interval missing-readings (default 60 s). */
  readingGapMs?: number;
  /** Meter time moving this much more or less than host time is a clock jump (default 60 s). */
  clockJumpMs?: number;
  voltage?: Partial<VoltageLimits>;
}

/** What the recorder reads back from the stores when it starts. */
export interface RecorderContext {
  /** The newest stored record of `stream` that `match` accepts (all when no match is given). */
  last(stream: StreamName, match?: (r: HistoryRecord) => boolean): HistoryRecord | null;
  /** Records of a stream from its newest blocks back to the first block that starts before `fromMs`. */
  recent(stream: StreamName, fromMs: number): Iterable<HistoryRecord>;
}

interface OpenInterval {
  start: number;
  end: number;
  /** Registers at the start of the covered part. */
  base: Channels;
  flags: Set<IntervalFlag>;
}

interface Last {
  t: number;
  /** Host time of the reading that never jumps (an SNTP step is no meter clock change). */
  steady: number;
  registers: Channels;
  meterId: string | null;
}

export class Recorder {
  private readonly zone: Zone;
  private readonly tolerance: number;
  private readonly readingGap: number;
  private readonly clockJump: number;
  private readonly volts: VoltageWatch;
  private started = false;
  private interval: OpenInterval | null = null;
  private day: OpenPeriod | null = null;
  private month: OpenPeriod | null = null;
  private peak: MaxDemandRecord | null = null;
  private last: Last | null = null;
  /** End of the newest power failure recorded from the meter's log. */
  private lastFailureEnd = -Infinity;
  /** The meter's log as last read: it comes again in every telegram, mostly unchanged. */
  private lastLog: readonly MeterEvent[] = [];
  private readonly counters = new Map<string, number>();

  constructor(options: RecorderOptions, private readonly ctx: RecorderContext) {
    this.zone = zone(options.timeZone ?? "Europe/Amsterdam");
    this.tolerance = options.boundaryToleranceMs ?? 120_000;
    this.readingGap = options.readingGapMs ?? 60_000;
    this.clockJump = options.clockJumpMs ?? 60_000;
    this.volts = new VoltageWatch({ ...DEFAULT_LIMITS, ...options.voltage });
  }

  currentMaxDemand(): MaxDemandRecord | null {
    return this.peak ? { ...this.peak } : null;
  }

  /** `steadyMs`: host time that never jumps (default `nowMs`), for the meter clock's drift. */
  onReading(reading: Reading, nowMs: number, steadyMs = nowMs): HistoryRecord[] {
    const parsed = reading.time === null ? NaN : parseTime(reading.time);
    const t = Number.isFinite(parsed) ? parsed : nowMs;
    const regs = registersOf(reading);
    const out: HistoryRecord[] = [];
    if (!this.started) this.start(t, regs, out);
    const last = this.last;
    if (last) {
      const meterChanged = (reading.meterId !== null && last.meterId !== null && reading.meterId !== last.meterId) ||
        Object.keys(regs).some((k) => last.registers[k] !== undefined && regs[k] < last.registers[k]);
      const shift = reading.time !== null ? (t - last.t) - (steadyMs - last.steady) : 0;
      if (meterChanged) {
        out.push({ stream: "events", time: t, type: "meter-change" });
        this.restartInterval(t, regs, ["partial"], out);
        for (const p of [this.day, this.month]) if (p) carryOver(p, last.registers, regs);
      } else if (Math.abs(shift) > this.clockJump || t < this.interval!.start - this.tolerance) {
        if (Math.abs(shift) > this.clockJump) out.push({ stream: "events", time: t, type: "clock-jump", shiftS: Math.round(shift / 1000) });
        this.restartInterval(t, regs, ["clock-adjusted", "partial"], out);
      } else {
        if (t - last.t > this.readingGap) this.interval!.flags.add("missing-readings");
        this.advance(t, regs, out);
      }
    }
    this.periods(t, regs, out);
    this.meterLog(reading, t, out);
    out.push(...this.volts.sample(t, [reading.voltage.l1, reading.voltage.l2, reading.voltage.l3]));
    this.last = { t, steady: steadyMs, registers: regs, meterId: reading.meterId };
    return out;
  }

  onSecurity(sec: SecurityInfo, time: string | null, nowMs: number): HistoryRecord[] {
    const prev = this.counters.get(sec.systemTitle);
    this.counters.set(sec.systemTitle, sec.frameCounter);
    if (prev === undefined || sec.frameCounter >= prev) return [];
    const t = time !== null && Number.isFinite(Date.parse(time)) ? Date.parse(time) : nowMs;
    return [{ stream: "events", time: t, type: "frame-counter-reset" }];
  }

  /** First reading since boot: a reboot event, and the open periods picked up from flash. */
  private start(t: number, regs: Channels, out: HistoryRecord[]): void {
    this.started = true;
    out.push({ stream: "events", time: t, type: "reboot" });
    const prev = this.ctx.last("quarter-hour") as IntervalRecord | null;
    const slot = Math.floor(t / SLOT_MS) * SLOT_MS;
    const exact = t - slot <= this.tolerance;
    if (prev && (slot === prev.end || Math.abs(t - prev.end) <= this.tolerance)) {
      // Back within the interval after the last record: its start registers are that record's.
      const same = continues(prev, regs);
      const flags: IntervalFlag[] = !same ? ["partial"] : t - prev.end > this.readingGap ? ["power-down"] : [];
      this.interval = { start: prev.end, end: prev.end + SLOT_MS, base: same ? { ...prev.registers } : { ...regs }, flags: new Set(flags) };
    } else if (prev && prev.end < slot) {
      out.push({ stream: "events", time: prev.end, type: "power-down", durationS: Math.round((t - prev.end) / 1000) });
      out.push(bridge(prev, slot, exact ? regs : null));
      this.interval = { start: slot, end: slot + SLOT_MS, base: { ...regs }, flags: new Set(exact ? [] : ["power-down", "partial"]) };
    } else {
      const flags: IntervalFlag[] = exact ? [] : ["partial"];
      if (prev) {
        // The meter's time is inside stored history: the clock went back. Nothing stored is
        // touched; the overlapping interval is marked. A partial record may have closed early,
        // so only its start is known to have passed.
        const passed = prev.flags.includes("partial") ? prev.start : prev.end;
        if (t < passed - this.tolerance) out.push({ stream: "events", time: t, type: "clock-jump", shiftS: Math.round((t - passed) / 1000) });
        flags.unshift("clock-adjusted");
      }
      this.interval = { start: slot, end: slot + SLOT_MS, base: { ...regs }, flags: new Set(flags) };
    }
    for (const kind of ["daily", "monthly"] as const) {
      const p = periodAt(this.zone, kind, t);
      const stored = this.recoverClosed(kind, p.start, out) ?? this.ctx.last(kind);
      // The last snapshot is this period's base; one taken late (partial) is not exact.
      const snapshot = stored && stored.stream === kind && stored.end === p.start ? stored : null;
      const exact = snapshot ? !snapshot.flags.includes("partial") : t - p.start <= this.tolerance;
      const open = openPeriod(this.zone, kind, t, snapshot ? snapshot.registers : regs, exact);
      if (kind === "daily") this.day = open; else this.month = open;
    }
    const month = this.month!;
    for (const r of this.ctx.recent("quarter-hour", month.start)) {
      if (r.stream === "quarter-hour" && r.start >= month.start && r.start < month.end) this.consider(r);
    }
    const failure = this.ctx.last("events", (e) => e.stream === "events" && e.type === "power-failure");
    if (failure && failure.stream === "events") this.lastFailureEnd = failure.time + (failure.durationS ?? 0) * 1000;
  }

  /**
   * A power cut during a period's closing commit can leave the period closed without its record.
   * At the first reading after boot, the last closed period's record (and a month's maximum
   * demand) is recomputed from the quarter-hour profile: registers at its start and at its end.
   * Returns the recomputed record, or null when none was missing or the profile cannot give it.
   */
  private recoverClosed(kind: "daily" | "monthly", openStart: number, out: HistoryRecord[]): BillingRecord | null {
    const stored = this.ctx.last(kind);
    const q = periodAt(this.zone, kind, openStart - 1);
    if (stored && stored.stream === kind && stored.end >= openStart) {
      if (kind === "monthly" && stored.end === openStart) this.recoverPeak(stored.period, q.start, q.end, out);
      return null;
    }
    const ending = (at: number) => {
      for (const r of out) if (r.stream === "quarter-hour" && r.end === at && Object.keys(r.registers).length) return r;
      for (const r of this.ctx.recent("quarter-hour", at - SLOT_MS)) if (r.stream === "quarter-hour" && r.end === at && Object.keys(r.registers).length) return r;
      return null;
    };
    const end = ending(q.end);
    if (!end) return null;
    let base = stored && stored.stream === kind && stored.end === q.start ? stored.registers : ending(q.start)?.registers;
    let partial = false;
    if (!base) {
      // Recording began inside the period: its first interval's start registers, marked partial.
      let first: IntervalRecord | null = null;
      for (const r of this.ctx.recent("quarter-hour", q.start)) if (r.stream === "quarter-hour" && r.start >= q.start && Object.keys(r.registers).length && (!first || r.start < first.start)) first = r;
      if (!first) return null;
      const b: Channels = {};
      for (const k of Object.keys(first.registers)) b[k] = first.registers[k] - (first.delta[k] ?? 0);
      base = b;
      partial = true;
    }
    const rec = closePeriod({ kind, date: q.date, start: q.start, end: q.end, base: { ...base }, carry: {}, flags: new Set(partial ? ["partial"] : []) }, end.registers, true);
    out.push(rec);
    if (kind === "monthly") this.recoverPeak(rec.period, q.start, q.end, out);
    return rec;
  }

  /** A closed month without its max-demand record: recomputed from its stored intervals. */
  private recoverPeak(month: string, start: number, end: number, out: HistoryRecord[]): void {
    const md = this.ctx.last("max-demand");
    if (md && md.stream === "max-demand" && md.month === month) return;
    const saved = this.peak;
    this.peak = null;
    for (const r of this.ctx.recent("quarter-hour", start)) if (r.stream === "quarter-hour" && r.start >= start && r.start < end) this.consider(r);
    // The interval bridged across the cut holds energy from after the boundary: not a peak.
    for (const r of out) if (r.stream === "quarter-hour" && r.start >= start && r.start < end && !r.flags.includes("power-down")) this.consider(r);
    const peak = this.peak as MaxDemandRecord | null;
    if (peak && peak.month === month) out.push({ ...peak });
    this.peak = saved;
  }

  /** Normal progress: close every interval whose end the reading passed. */
  private advance(t: number, regs: Channels, out: HistoryRecord[]): void {
    const iv = this.interval!;
    if (t < iv.end) return;
    if (t - iv.end <= this.tolerance) {
      this.close(iv, regs, out);
      this.interval = { start: iv.end, end: iv.end + SLOT_MS, base: { ...regs }, flags: new Set() };
      return;
    }
    // No reading near the boundary: the interval ends early and the silence is one gap record.
    iv.flags.add("partial").add("missing-readings");
    out.push(...this.volts.interrupt());
    this.close(iv, this.last!.registers, out);
    const slot = Math.floor(t / SLOT_MS) * SLOT_MS;
    if (slot > iv.end) out.push(gap(iv.end, slot, ["missing-readings"]));
    const exact = t - slot <= this.tolerance;
    this.interval = { start: slot, end: slot + SLOT_MS, base: { ...regs }, flags: new Set(exact ? [] : ["partial"]) };
  }

  /** Clock jump or meter change: close what we have and start over in the reading's interval. */
  private restartInterval(t: number, regs: Channels, flags: IntervalFlag[], out: HistoryRecord[]): void {
    const iv = this.interval!;
    for (const f of flags) iv.flags.add(f);
    out.push(...this.volts.interrupt());
    this.close(iv, this.last!.registers, out);
    const slot = Math.floor(t / SLOT_MS) * SLOT_MS;
    // Slots skipped by a forward jump or a silence have no readings: marked, not filled.
    if (slot > iv.end) out.push(gap(iv.end, slot, [...flags.filter((f) => f !== "partial"), "missing-readings"]));
    this.interval = { start: slot, end: slot + SLOT_MS, base: { ...regs }, flags: new Set(flags) };
  }

  private close(iv: OpenInterval, regs: Channels, out: HistoryRecord[]): void {
    const delta: Channels = {};
    const registers: Channels = {};
    for (const [name, v] of Object.entries(regs)) {
      if (iv.base[name] === undefined) continue;
      registers[name] = v;
      delta[name] = Math.max(0, v - iv.base[name]);
    }
    const flags = sortFlags(iv.flags);
    const rec: IntervalRecord = { stream: "quarter-hour", start: iv.start, end: iv.end, flags, delta, registers };
    out.push(rec);
    this.consider(rec);
    const phases = this.volts.takeProfile();
    if (phases) out.push({ stream: "voltage", start: iv.start, end: iv.end, flags, phases });
  }

  /** Maximum demand counts whole intervals only: a partial one has no true 15-minute average. */
  private consider(rec: IntervalRecord): void {
    const wh = rec.delta["+A"];
    if (wh === undefined || rec.flags.includes("partial") || rec.flags.includes("missing-readings")) return;
    const month = monthString(localDate(this.zone, rec.start));
    const powerW = wh * (3_600_000 / (rec.end - rec.start));
    if (this.peak && this.peak.month !== month) {
      if (month < this.peak.month) return; // an interval from before a clock jump back
      this.peak = null;
    }
    if (!this.peak || powerW > this.peak.powerW) this.peak = { stream: "max-demand", month, start: rec.start, powerW };
  }

  private periods(t: number, regs: Channels, out: HistoryRecord[]): void {
    this.period("daily", t, regs, out);
    this.period("monthly", t, regs, out);
  }

  private period(kind: "daily" | "monthly", t: number, regs: Channels, out: HistoryRecord[]): void {
    const p = kind === "daily" ? this.day! : this.month!;
    if (t >= p.start && t < p.end) return;
    const onTime = t >= p.end && t - p.end <= this.tolerance;
    if (t >= p.end) {
      const closed = closePeriod(p, onTime ? regs : this.last!.registers, onTime);
      out.push(closed);
      if (kind === "monthly" && this.peak && this.peak.month === closed.period) out.push({ ...this.peak });
    }
    // A clock going back reopens a period: its values restart from this reading.
    const next = openPeriod(this.zone, kind, t, regs, onTime);
    if (t < p.start) next.flags.add("clock-adjusted");
    if (kind === "daily") this.day = next; else this.month = next;
  }

  /**
   * Power failures from the meter's own log (DSMR 1-0:99.97.0), which the meter repeats in every
   * telegram: an entry is new when it ended after the newest one recorded.
   */
  private meterLog(reading: Reading, t: number, out: HistoryRecord[]): void {
    // The log read again adds nothing: its entries are at most lastFailureEnd now.
    if (!reading.events.length || sameLog(reading.events, this.lastLog)) return;
    this.lastLog = reading.events;
    const entries = reading.events
      .map((ev) => ({ end: ev.end === null ? NaN : Date.parse(ev.end), durationS: ev.durationS }))
      .filter((ev): ev is { end: number; durationS: number } => Number.isFinite(ev.end) && ev.durationS !== null && ev.end > this.lastFailureEnd)
      .sort((a, b) => a.end - b.end);
    for (const ev of entries) {
      this.lastFailureEnd = ev.end;
      out.push({ stream: "events", time: ev.end - ev.durationS * 1000, type: "power-failure", durationS: ev.durationS });
      if (ev.end >= this.interval!.start && ev.end <= t) this.interval!.flags.add("power-down");
    }
  }
}

function sameLog(a: readonly MeterEvent[], b: readonly MeterEvent[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i].end !== b[i].end || a[i].durationS !== b[i].durationS) return false;
  return true;
}

function bridge(prev: IntervalRecord, end: number, regs: Channels | null): IntervalRecord {
  const names = Object.keys(prev.registers);
  const multi = end - prev.end > SLOT_MS;
  if (!regs || !continues(prev, regs)) return gap(prev.end, end, ["power-down", "missing-readings"]);
  const delta: Channels = {};
  const registers: Channels = {};
  for (const k of names) {
    delta[k] = regs[k] - prev.registers[k];
    registers[k] = regs[k];
  }
  return { stream: "quarter-hour", start: prev.end, end, flags: multi ? ["power-down", "missing-readings"] : ["power-down"], delta, registers };
}

/** Registers that carry on from a stored record: the same channels, none gone down. */
function continues(prev: IntervalRecord, regs: Channels): boolean {
  const names = Object.keys(prev.registers);
  return names.length > 0 && names.every((k) => regs[k] !== undefined && regs[k] >= prev.registers[k]);
}

function gap(start: number, end: number, flags: IntervalFlag[]): IntervalRecord {
  return { stream: "quarter-hour", start, end, flags, delta: {}, registers: {} };
}

const IMPORT_TARIFFS = ["+A.T1", "+A.T2", "+A.T3", "+A.T4"];
const EXPORT_TARIFFS = ["-A.T1", "-A.T2", "-A.T3", "-A.T4"];

/**
 * The register channels of a reading, in whole Wh (varh); gas (G) in litres. With loops and names
 * made once: it runs for every telegram, and on the dongle each closure, slice or name made is
 * garbage to collect.
 */
export function registersOf(reading: Reading): Channels {
  const e = reading.energy;
  const out: Channels = {};
  // normalise() already sums the tariff registers into the totals when the meter sends none.
  put(out, "+A", e.import);
  put(out, "-A", e.export);
  put(out, "R1", e.r1); put(out, "R2", e.r2); put(out, "R3", e.r3); put(out, "R4", e.r4);
  put(out, "+R", e.reactiveImport); put(out, "-R", e.reactiveExport);
  for (let i = 0; i < 4 && e.importTariffs && i < e.importTariffs.length; i++) put(out, IMPORT_TARIFFS[i], e.importTariffs[i]);
  for (let i = 0; i < 4 && e.exportTariffs && i < e.exportTariffs.length; i++) put(out, EXPORT_TARIFFS[i], e.exportTariffs[i]);
  // Gas in whole litres: period totals of gas come from the same records as energy.
  for (const m of reading.subMeters) {
    if (m.type === "gas" && m.unit === "m3" && m.value !== null) {
      put(out, "G", m.value * 1000);
      break;
    }
  }
  return out;
}

function put(out: Channels, name: string, v: number | undefined): void {
  if (v !== undefined && Number.isFinite(v) && v >= 0) out[name] = Math.round(v);
}
