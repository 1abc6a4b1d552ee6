// Period totals (today, yesterday, this week, month, year) of import, export and gas, from the
// history's records, and their cost from the user's rates. Closed days come from the daily
// records, today from its quarter-hours plus the open part since the last one (live registers).
import type { History } from "../history/history.js";
import type { Channels } from "../history/records.js";
import { localDate, localMidnight, nextDay, type LocalDate, type Zone } from "../history/zones.js";
import type { KeyValueStore } from "../ports/ports.js";
import type { Quantity } from "../publish/quantities.js";

export interface Rates {
  t1?: number;
  t2?: number;
  export?: number;
  gas?: number;
  day?: number;
  currency: string;
}

export interface PeriodTotal {
  name: "today" | "yesterday" | "week" | "month" | "year";
  label: string;
  /** UTC instants bounding the period: local midnights. */
  from: number;
  to: number;
  /** kWh and m³; absent when the meter sends no such register. */
  import?: number;
  export?: number;
  gas?: number;
  cost?: number;
}

const RATE_KEYS: [keyof Omit<Rates, "currency">, string][] = [["t1", "rate_t1"], ["t2", "rate_t2"], ["export", "rate_exp"], ["gas", "rate_gas"], ["day", "rate_day"]];

/** The rates stored by the settings page, or null when none is set. */
export function readRates(store: KeyValueStore | undefined): Rates | null {
  if (!store) return null;
  const rates: Rates = { currency: store.read("currency") || "EUR" };
  let any = false;
  for (const [name, key] of RATE_KEYS) {
    const v = Number(store.read(key) ?? NaN);
    if (isFinite(v) && store.read(key) !== "") {
      rates[name] = v;
      any = true;
    }
  }
  return any ? rates : null;
}

function add(to: Channels, from: Channels): void {
  for (const [k, v] of Object.entries(from)) to[k] = (to[k] ?? 0) + v;
}

const DAY_MS = 86_400_000;

function startOf(z: Zone, d: LocalDate): number {
  return localMidnight(z, d.year, d.month, d.day);
}

/** The local midnights that start yesterday, this week (Monday), month and year. */
function bounds(z: Zone, todayStart: number): { yesterday: number; monday: number; month: number; year: number } {
  const d = localDate(z, todayStart);
  const weekday = (new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay() + 6) % 7; // Monday 0
  return {
    yesterday: startOf(z, localDate(z, todayStart - DAY_MS / 2)),
    monday: startOf(z, localDate(z, todayStart - weekday * DAY_MS + DAY_MS / 2)),
    month: startOf(z, { ...d, day: 1 }),
    year: startOf(z, { year: d.year, month: 1, day: 1 }),
  };
}

/** Energy per channel of the closed days in [from, todayStart), plus `today`. */
function sums(daily: readonly { start: number; delta: Channels }[], from: number, today: Channels): Channels {
  const out: Channels = {};
  for (const r of daily) if (r.start >= from) add(out, r.delta);
  add(out, today);
  return out;
}

/** What the history holds for the periods of one local day: read anew when a record is committed. */
export interface HistorySums {
  todayStart: number;
  /** The history's committed-record count these were read at. */
  records: number;
  /** Today's closed quarter-hours, and the registers of the newest. */
  today: Channels;
  newest: Channels | null;
  /** The closed days of this year, week and yesterday (daily records), oldest first. */
  daily: { start: number; delta: Channels }[];
}

/**
 * The history's part of the totals for the local day of `now`: `known` again while it is the
 * same day and no record was committed since (the totals go out once a minute). The queries read
 * only the blocks whose range holds the day or the year's days: reading a year's profile store
 * whole, at every quarter-hour, cost the dongle seconds each time.
 */
export function historySums(h: History, z: Zone, now: number, known?: HistorySums): HistorySums {
  const d = localDate(z, now);
  const todayStart = startOf(z, d);
  if (known && known.todayStart === todayStart && known.records === h.stats.records) return known;
  const today: Channels = {};
  let newest: Channels | null = null;
  for (const r of h.query("quarter-hour", todayStart, startOf(z, nextDay(d)))) {
    if (r.stream !== "quarter-hour") continue;
    add(today, r.delta);
    if (Object.keys(r.registers).length) newest = r.registers;
  }
  const b = bounds(z, todayStart);
  const daily: HistorySums["daily"] = [];
  for (const r of h.query("daily", Math.min(b.yesterday, b.monday, b.year), todayStart)) if (r.stream === "daily") daily.push({ start: r.start, delta: r.delta });
  return { todayStart, records: h.stats.records, today, newest, daily };
}

export function periodTotals(h: HistorySums, z: Zone, live: Channels | null, rates: Rates | null): PeriodTotal[] {
  const todayStart = h.todayStart;
  const d = localDate(z, todayStart);
  const tomorrow = startOf(z, nextDay(d));
  // Today: closed quarter-hours, then what the registers counted since the newest one.
  const today: Channels = { ...h.today };
  const newest = h.newest;
  if (live && newest) for (const [k, v] of Object.entries(live)) if (newest[k] !== undefined) today[k] = (today[k] ?? 0) + Math.max(0, v - newest[k]);
  const { yesterday, monday, month, year } = bounds(z, todayStart);
  const periods: [PeriodTotal["name"], string, number, number, Channels][] = [
    ["today", "Today", todayStart, tomorrow, today],
    ["yesterday", "Yesterday", yesterday, todayStart, sums(h.daily, yesterday, {})],
    ["week", "This week", monday, tomorrow, sums(h.daily, monday, today)],
    ["month", "This month", month, tomorrow, sums(h.daily, month, today)],
    ["year", "This year", year, tomorrow, sums(h.daily, year, today)],
  ];
  return periods.map(([name, label, from, to, ch]) => total(name, label, from, to, ch, rates));
}

const round = (v: number, digits: number) => Math.round(v * Math.pow(10, digits)) / Math.pow(10, digits);

function total(name: PeriodTotal["name"], label: string, from: number, to: number, ch: Channels, rates: Rates | null): PeriodTotal {
  const out: PeriodTotal = { name, label, from, to };
  if (ch["+A"] !== undefined) out.import = round(ch["+A"] / 1000, 3);
  if (ch["-A"] !== undefined) out.export = round(ch["-A"] / 1000, 3);
  if (ch["G"] !== undefined) out.gas = round(ch["G"] / 1000, 3);
  // No records in the period: nothing to price (not even the fixed charge).
  if (!rates || out.import === undefined) return out;
  // Tariff registers, when the meter has them; otherwise all import at the first rate.
  const t1 = ch["+A.T1"] ?? ch["+A"] ?? 0;
  const t2 = ch["+A.T1"] !== undefined ? ch["+A.T2"] ?? 0 : 0;
  const days = Math.round((to - from) / DAY_MS);
  const cost = (t1 / 1000) * (rates.t1 ?? 0) + (t2 / 1000) * (rates.t2 ?? rates.t1 ?? 0)
    - ((ch["-A"] ?? 0) / 1000) * (rates.export ?? 0) + ((ch["G"] ?? 0) / 1000) * (rates.gas ?? 0) + days * (rates.day ?? 0);
  out.cost = round(cost, 2);
  return out;
}

/**
 * The totals as quantities for MQTT and Home Assistant: `import_today`, `export_month`,
 * `gas_year`, `cost_week` … (kWh, m³, the currency); absent what the meter or the rates lack.
 */
export function totalsQuantities(periods: readonly PeriodTotal[], currency: string | undefined): Quantity[] {
  const out: Quantity[] = [];
  for (const p of periods) {
    const stateClass = p.name === "yesterday" ? undefined : "total_increasing";
    const add = (what: string, value: number | undefined, unit: string, deviceClass: string, sc: Quantity["stateClass"]) => {
      if (value === undefined) return;
      const q: Quantity = { key: `${what}_${p.name}`, name: `${what[0].toUpperCase()}${what.slice(1)} ${p.label.toLowerCase()}`, value, unit, deviceClass };
      if (sc) q.stateClass = sc;
      out.push(q);
    };
    add("import", p.import, "kWh", "energy", stateClass);
    add("export", p.export, "kWh", "energy", stateClass);
    add("gas", p.gas, "m³", "gas", stateClass);
    if (currency) add("cost", p.cost, currency, "monetary", undefined);
  }
  return out;
}
