// Property tests of the profiles (fast-check): DST days, month ends, meter clock jumps, gaps of
// hours and days, reboots and meter replacements, checked against an independent model.
import test from "ava";
import fc from "fast-check";
import { History, type BillingRecord, type HistoryRecord, type IntervalRecord } from "../modules/history/history.js";
import { SimFlash } from "./sim-flash.js";
import { localDate, localMidnight, offsetMinutes, zone, ZONE_NAMES } from "../modules/history/zones.js";
import { reading } from "./history-fixtures.js";

const H = 3_600_000;
const Q = 900_000;
const EU = ZONE_NAMES.filter((n) => n.startsWith("Europe/"));

/** The zone offset Node's ICU gives, minutes. */
function icuOffset(name: string, ms: number): number {
  const parts = new Intl.DateTimeFormat("en-GB", { timeZone: name, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" }).formatToParts(new Date(ms));
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return (Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute")) - Math.floor(ms / 60_000) * 60_000) / 60_000;
}

// From 2003: Tallinn kept no summer time in 2000-2001, and the table holds today's rules.
test("zone table and EU rule agree with the tz database for 2003-2099", (t) => {
  fc.assert(fc.property(fc.constantFrom(...ZONE_NAMES), fc.integer({ min: Date.UTC(2003, 0, 1), max: Date.UTC(2099, 11, 31) }), (name, ms) => {
    return offsetMinutes(zone(name), ms) === icuOffset(name, ms);
  }), { numRuns: 3000 });
  // Around the changes themselves, to the minute.
  for (const name of EU) for (const year of [2026, 2027, 2031]) for (const month of [3, 10]) {
    const last = new Date(Date.UTC(year, month, 0));
    const change = Date.UTC(year, month - 1, last.getUTCDate() - last.getUTCDay(), 1);
    for (const d of [-60_000, 0, 60_000]) t.is(offsetMinutes(zone(name), change + d), icuOffset(name, change + d), `${name} ${year}-${month} ${d}`);
  }
  t.throws(() => zone("Mars/Olympus"), { message: /unknown time zone/ });
});

interface Fed {
  t: number;
  wh: number;
}

/** Drives a meter at a load that varies per step; one reading a minute; returns what was fed. */
function run(h: History, from: number, to: number, wh: number, watts: (t: number) => number, fed: Fed[], now = (t: number) => t, meterId = "M1"): number {
  for (let t = from; t < to; t += 60_000) {
    h.onReading(reading({ time: t, importWh: Math.round(wh), meterId }), now(t));
    fed.push({ t, wh: Math.round(wh) });
    wh += watts(t) / 60;
  }
  return wh;
}

const intervals = (h: History) => [...h.query("quarter-hour")] as IntervalRecord[];
const daily = (h: History) => [...h.query("daily")] as BillingRecord[];

test("days around DST are 23 and 25 hours; daily deltas equal the sum of their quarter-hours", (t) => {
  fc.assert(fc.property(fc.constantFrom(...EU), fc.integer({ min: 2020, max: 2040 }), fc.constantFrom(3, 10), fc.integer({ min: 100, max: 4000 }), (name, year, month, watts) => {
    const z = zone(name);
    const last = new Date(Date.UTC(year, month, 0));
    const sunday = last.getUTCDate() - last.getUTCDay();
    const from = localMidnight(z, year, month, sunday - 1);
    const to = localMidnight(z, year, month, sunday + 2) + 60_000;
    const h = new History(new SimFlash({ blocks: 32 }), { now: () => 0 }, { timeZone: name });
    const fed: Fed[] = [];
    run(h, from, to, 1_000_000, (tt) => watts + (Math.floor(tt / Q) % 5) * 100, fed);
    const days = daily(h);
    const lengths = days.map((d) => (d.end - d.start) / H);
    if (JSON.stringify(lengths) !== JSON.stringify(month === 3 ? [24, 23, 24] : [24, 25, 24])) return false;
    const q = intervals(h);
    return days.every((d) => {
      const inDay = q.filter((r) => r.start >= d.start && r.end <= d.end);
      const sum = inDay.reduce((a, r) => a + r.delta["+A"], 0);
      const at = (ms: number) => fed.find((f) => f.t >= ms)!.wh;
      return d.flags.length === 0 && inDay.length === (d.end - d.start) / Q && sum === d.delta["+A"] && d.delta["+A"] === at(d.end) - at(d.start)
        && localDate(z, d.start).day === Number(d.period.slice(8)) && offsetMinutes(z, d.start) === icuOffset(name, d.start);
    });
  }), { numRuns: 40 });
  t.pass();
});

test("month ends: one monthly snapshot per month, at local midnight of the 1st, with the max demand", (t) => {
  fc.assert(fc.property(fc.constantFrom(...EU), fc.integer({ min: 2024, max: 2040 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 95 }), (name, year, month, peakSlot) => {
    const z = zone(name);
    const end = localMidnight(z, month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1);
    const from = end - 26 * H;
    const peakStart = from + 2 * H + peakSlot * Q;
    const h = new History(new SimFlash({ blocks: 32 }), { now: () => 0 }, { timeZone: name });
    run(h, from, end + 2 * H, 5_000_000, (tt) => (tt >= peakStart && tt < peakStart + Q ? 6000 : 500), []);
    const months = [...h.query("monthly")] as BillingRecord[];
    const md = [...h.query("max-demand")];
    const inOldMonth = peakStart < end;
    const expectMonth = `${year}-${String(month).padStart(2, "0")}`;
    return months.length === 1 && months[0].period === expectMonth && months[0].end === end && months[0].flags.includes("partial")
      && md.length === 1 && md[0].stream === "max-demand" && md[0].month === expectMonth
      && (inOldMonth ? md[0].start === peakStart && md[0].powerW === 6000 : md[0].powerW === 500)
      && (inOldMonth || (h.currentMaxDemand()!.start === peakStart && h.currentMaxDemand()!.powerW === 6000));
  }), { numRuns: 40 });
  t.pass();
});

type Step =
  | { kind: "run"; minutes: number; watts: number }
  | { kind: "gap"; minutes: number }
  | { kind: "jump"; seconds: number }
  | { kind: "reboot"; minutes: number }
  | { kind: "replace" };

const step = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("run" as const), minutes: fc.integer({ min: 1, max: 600 }), watts: fc.integer({ min: 0, max: 9000 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("gap" as const), minutes: fc.integer({ min: 3, max: 3 * 24 * 60 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("jump" as const), seconds: fc.integer({ min: -7200, max: 7200 }).filter((s) => Math.abs(s) > 90) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("reboot" as const), minutes: fc.integer({ min: 0, max: 600 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: "replace" as const }) },
);

interface Outcome {
  records: HistoryRecord[];
  fed: Fed[];
  consumed: number;
  jumps: number;
  reboots: number;
}

/** Plays a script: host time always runs forward; the meter clock may jump; the meter may change. */
function play(steps: Step[]): Outcome {
  const flash = new SimFlash({ blocks: 48 });
  let h = new History(flash, { now: () => 0 }, { timeZone: "Europe/Brussels" });
  let host = Date.UTC(2026, 9, 24, 20, 0);
  let clockShift = 0;
  let wh = 2_000_000;
  let meter = 1;
  const fed: Fed[] = [];
  const o = { consumed: 0, jumps: 0, reboots: 0 };
  for (const s of steps) {
    if (s.kind === "run") {
      const before = wh;
      const start = host;
      wh = run(h, host + clockShift, host + clockShift + s.minutes * 60_000, wh, () => s.watts, fed, (tt) => tt - clockShift, "M" + meter);
      host = start + s.minutes * 60_000;
      o.consumed += Math.round(wh) - Math.round(before);
    } else if (s.kind === "gap") host += s.minutes * 60_000;
    else if (s.kind === "jump") {
      clockShift += s.seconds * 1000;
      if (fed.length) o.jumps++;
    } else if (s.kind === "reboot") {
      h = new History(flash, { now: () => 0 }, { timeZone: "Europe/Brussels" });
      host += s.minutes * 60_000;
      o.reboots++;
    } else {
      meter++;
      wh = 1000;
    }
  }
  return { records: [...(["quarter-hour", "daily", "events"] as const)].flatMap((n) => [...h.query(n)]), fed, ...o };
}

test("jumps, gaps, reboots and meter changes: no negative or invented energy, every change marked", (t) => {
  let checked = 0;
  let readings = 0;
  fc.assert(fc.property(fc.array(step, { minLength: 1, maxLength: 12 }), (steps) => {
    const o = play(steps);
    const q = o.records.filter((r): r is IntervalRecord => r.stream === "quarter-hour");
    const ev = o.records.filter((r) => r.stream === "events").map((r) => (r as any).type as string);
    for (const r of q) {
      if (r.start % Q || r.end % Q || r.end <= r.start) return false;
      if (Object.values(r.delta).some((d) => d < 0 || !Number.isInteger(d))) return false;
      if (!Object.keys(r.delta).length && !r.flags.includes("missing-readings")) return false; // a gap is marked
    }
    const sum = q.reduce((a, r) => a + (r.delta["+A"] ?? 0), 0);
    if (sum > o.consumed) return false; // never more energy than the meters counted
    const days = o.records.filter((r): r is BillingRecord => r.stream === "daily");
    if (days.some((d) => d.delta["+A"] < 0)) return false;
    if (ev.filter((e) => e === "meter-change").length !== visibleReplacements(steps)) return false;
    if (ev.filter((e) => e === "reboot").length > o.reboots + 1) return false;
    const jumps = ev.filter((e) => e === "clock-jump").length;
    const expected = expectedJumps(steps);
    if (jumps < expected.min || jumps > expected.max) return false;
    // Without any disturbance the profile accounts for every Wh up to the open interval.
    if (steps.every((s) => s.kind === "run")) {
      const lastEnd = q.length ? q[q.length - 1].end : 0;
      const at = o.fed.find((f) => f.t >= lastEnd);
      if (q.length && at && sum !== at.wh - o.fed[0].wh) return false;
      if (q.some((r) => r.flags.length && r !== q[0])) return false;
    }
    checked++;
    readings += o.fed.length;
    return true;
  }), { numRuns: Number(process.env.PROFILE_RUNS ?? 300) });
  t.log(`${checked} scripts checked, ${readings} readings`);
  t.pass();
});

/**
 * Clock-jump events to expect: a net shift over 60 s between readings of one session and one
 * meter is always seen. After a reboot the meter's time may fall inside stored history if the
 * clock ever went back, which may be seen again: that widens the range.
 */
function expectedJumps(steps: Step[]): { min: number; max: number } {
  let min = 0, max = 0;
  let readThisSession = false, readBefore = false, replaced = false, shift = 0, wentBack = false;
  for (const s of steps) {
    if (s.kind === "reboot") readThisSession = false;
    else if (s.kind === "replace") replaced = true;
    else if (s.kind === "jump") {
      shift += s.seconds;
      wentBack ||= s.seconds < 0;
    } else if (s.kind === "run") {
      if (readThisSession && !replaced && Math.abs(shift) > 60) min++;
      else if (!readThisSession && readBefore && wentBack) max++;
      replaced = false;
      readThisSession = readBefore = true;
      shift = 0;
    }
  }
  return { min, max: min + max };
}

/** Meter changes the recorder can see: a new meter read after the old one in the same session. */
function visibleReplacements(steps: Step[]): number {
  let seen = 0;
  let readThisSession = false;
  let replaced = false;
  for (const s of steps) {
    if (s.kind === "reboot") readThisSession = false;
    else if (s.kind === "replace") replaced = true;
    else if (s.kind === "run") {
      if (replaced && readThisSession) seen++;
      replaced = false;
      readThisSession = true;
    }
  }
  return seen;
}

test("clean intervals are exact: without flags, a delta is the register difference at its boundaries", (t) => {
  fc.assert(fc.property(fc.array(fc.oneof(
    fc.record({ kind: fc.constant("run" as const), minutes: fc.integer({ min: 1, max: 400 }), watts: fc.integer({ min: 0, max: 9000 }) }),
    fc.record({ kind: fc.constant("gap" as const), minutes: fc.integer({ min: 3, max: 2 * 24 * 60 }) }),
    fc.record({ kind: fc.constant("reboot" as const), minutes: fc.integer({ min: 0, max: 300 }) }),
  ), { minLength: 1, maxLength: 10 }), (steps) => {
    const o = play(steps);
    const q = o.records.filter((r): r is IntervalRecord => r.stream === "quarter-hour");
    const at = (ms: number) => o.fed.find((f) => f.t >= ms && f.t - ms <= 120_000);
    for (let i = 0; i < q.length; i++) {
      if (i && q[i].start < q[i - 1].end) return false; // no overlap without clock jumps
      if (q[i].flags.length) continue;
      const a = at(q[i].start), b = at(q[i].end);
      if (!a || !b || q[i].delta["+A"] !== b.wh - a.wh || q[i].registers["+A"] !== b.wh) return false;
    }
    return true;
  }), { numRuns: Number(process.env.PROFILE_RUNS ?? 300) });
  t.pass();
});
