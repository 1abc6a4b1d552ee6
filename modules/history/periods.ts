// Daily and monthly billing periods: register snapshots at local midnight and at month end.
import { INTERVAL_FLAGS, type BillingRecord, type Channels, type IntervalFlag } from "./records.js";
import { dayString, localDate, localMidnight, monthString, nextDay, nextMonth, type LocalDate, type Zone } from "./zones.js";

export interface OpenPeriod {
  kind: "daily" | "monthly";
  date: LocalDate;
  start: number;
  end: number;
  /** Registers at the start of the covered part. */
  base: Channels;
  /** Energy counted before a meter change within the period. */
  carry: Channels;
  flags: Set<IntervalFlag>;
}

export function periodAt(z: Zone, kind: "daily" | "monthly", t: number): { date: LocalDate; start: number; end: number } {
  const d = localDate(z, t);
  const date = kind === "daily" ? d : { year: d.year, month: d.month, day: 1 };
  const after = kind === "daily" ? nextDay(date) : nextMonth(date);
  return { date, start: localMidnight(z, date.year, date.month, date.day), end: localMidnight(z, after.year, after.month, after.day) };
}

export function openPeriod(z: Zone, kind: "daily" | "monthly", t: number, base: Channels, exact: boolean): OpenPeriod {
  const p = periodAt(z, kind, t);
  return { kind, ...p, base: { ...base }, carry: {}, flags: new Set(exact ? [] : ["partial"]) };
}

/** The record of a period that ends with `registers` (the reading at, or the last before, its end). */
export function closePeriod(p: OpenPeriod, registers: Channels, complete: boolean): BillingRecord {
  const delta: Channels = {};
  for (const [name, v] of Object.entries(registers)) {
    const base = p.base[name];
    delta[name] = (p.carry[name] ?? 0) + (base === undefined ? 0 : Math.max(0, v - base));
    if (base === undefined) p.flags.add("partial");
  }
  if (!complete) p.flags.add("partial");
  return {
    stream: p.kind, period: p.kind === "daily" ? dayString(p.date) : monthString(p.date),
    start: p.start, end: p.end, flags: sortFlags(p.flags), delta, registers: { ...registers },
  };
}

/** A meter change inside the period: keep what the old meter counted, restart from the new one. */
export function carryOver(p: OpenPeriod, lastOld: Channels, firstNew: Channels): void {
  for (const [name, v] of Object.entries(lastOld)) {
    const base = p.base[name];
    if (base !== undefined) p.carry[name] = (p.carry[name] ?? 0) + Math.max(0, v - base);
  }
  p.base = { ...firstNew };
  p.flags.add("partial");
}

/** Flags in their contract order. */
export function sortFlags(flags: Set<IntervalFlag>): IntervalFlag[] {
  return INTERVAL_FLAGS.filter((f) => flags.has(f));
}
