// OBIS objects → the normalised Reading, the same for DSMR, DLMS and SML: the OBIS codes are shared.
import type { MeterEvent, ObisEntry, ObisMap, PhaseValues, Protocol, Reading, SubMeter, SubMeterType } from "./model.js";
import { fromHex, latin1 } from "../util/hex.js";

// Units scaled to the base unit the Reading uses; entries carry canonical units (units.ts).
const SCALE: Record<string, [number, string]> = {
  kWh: [1e3, "Wh"], MWh: [1e6, "Wh"], kW: [1e3, "W"], MW: [1e6, "W"],
  kvarh: [1e3, "varh"], kvar: [1e3, "var"], kVA: [1e3, "VA"], kVAh: [1e3, "VAh"],
};

// Strings compared with in every telegram are module constants: XS copies a string literal into
// a new chunk each time a preloaded function evaluates it (on the dongle, garbage to collect).
const NUMBER = "number";

/** A value in the Reading's base unit (Wh, W, varh, var, V, A), or undefined if not numeric. */
export function baseValue(entry: ObisEntry | undefined): number | undefined {
  if (!entry || typeof entry.value !== NUMBER) return undefined;
  const value = entry.value as number;
  const s = entry.unit ? SCALE[entry.unit] : undefined;
  return s ? roundFloat(value * s[0]) : value;
}

/** Removes binary floating-point noise (1581.123 * 1000 = 1581123.0000000002). */
export function roundFloat(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

const DEVICE_TYPES: Record<number, SubMeterType> = {
  2: "electricity", 3: "gas", 4: "heat", 6: "water", 7: "water", 10: "cold", 11: "cold", 12: "heat", 13: "heat",
};

// Electricity objects come on channel 0 (1-0:) or, from some meters, channel 1 (1-1:). The key pairs
// are built once: normalising runs for every telegram.
type Keys = readonly [string, string];
function keys(code: string): Keys {
  return ["1-0:" + code, "1-1:" + code];
}
const K = {
  import: keys("1.8.0"), export: keys("2.8.0"),
  reactiveImport: keys("3.8.0"), reactiveExport: keys("4.8.0"),
  r1: keys("5.8.0"), r2: keys("6.8.0"), r3: keys("7.8.0"), r4: keys("8.8.0"),
  powerImport: keys("1.7.0"), powerExport: keys("2.7.0"), net: keys("16.7.0"),
  powerReactiveImport: keys("3.7.0"), powerReactiveExport: keys("4.7.0"),
  voltage: [keys("32.7.0"), keys("52.7.0"), keys("72.7.0")],
  current: [keys("31.7.0"), keys("51.7.0"), keys("71.7.0")],
  importPhases: [keys("21.7.0"), keys("41.7.0"), keys("61.7.0")],
  exportPhases: [keys("22.7.0"), keys("42.7.0"), keys("62.7.0")],
  average: keys("1.4.0"),
  importTariffs: [1, 2, 3, 4, 5, 6, 7, 8, 9].map((t) => keys(`1.8.${t}`)),
  exportTariffs: [1, 2, 3, 4, 5, 6, 7, 8, 9].map((t) => keys(`2.8.${t}`)),
};

function electricity(values: ObisMap, k: Keys): number | undefined {
  return baseValue(values[k[0]] ?? values[k[1]]);
}

export function normalise(values: ObisMap, protocol: Protocol, meterId?: string | null, time?: string | null): Reading {
  const reading: Reading = {
    protocol,
    meterId: meterId === undefined ? meterIdOf(values, readableId) : meterId,
    time: time ?? (typeof values["0-0:1.0.0"]?.value === "string" ? (values["0-0:1.0.0"].value as string) : null),
    energy: {},
    power: {},
    voltage: phases(values, K.voltage),
    current: phases(values, K.current),
    tariff: tariffIndex(values["0-0:96.14.0"]),
    subMeters: subMeters(values),
    events: events(values["1-0:99.97.0"]),
    values,
  };
  const e = reading.energy;
  const importTariffs = tariffs(values, K.importTariffs);
  const exportTariffs = tariffs(values, K.exportTariffs);
  assign(e, "import", electricity(values, K.import) ?? sum(importTariffs));
  assign(e, "export", electricity(values, K.export) ?? sum(exportTariffs));
  if (importTariffs.length) e.importTariffs = importTariffs;
  if (exportTariffs.length) e.exportTariffs = exportTariffs;
  assign(e, "reactiveImport", electricity(values, K.reactiveImport));
  assign(e, "reactiveExport", electricity(values, K.reactiveExport));
  assign(e, "r1", electricity(values, K.r1));
  assign(e, "r2", electricity(values, K.r2));
  assign(e, "r3", electricity(values, K.r3));
  assign(e, "r4", electricity(values, K.r4));
  const p = reading.power;
  assign(p, "import", electricity(values, K.powerImport));
  assign(p, "export", electricity(values, K.powerExport));
  // German SML meters send only the signed net power 16.7.0 (import minus export).
  const net = p.import === undefined && p.export === undefined ? electricity(values, K.net) : undefined;
  if (net !== undefined) {
    p.import = net > 0 ? net : 0;
    p.export = net < 0 ? -net : 0;
  }
  assign(p, "reactiveImport", electricity(values, K.powerReactiveImport));
  assign(p, "reactiveExport", electricity(values, K.powerReactiveExport));
  const importPhases = phases(values, K.importPhases);
  const exportPhases = phases(values, K.exportPhases);
  if (importPhases.l1 !== undefined || importPhases.l2 !== undefined || importPhases.l3 !== undefined) p.importPhases = importPhases;
  if (exportPhases.l1 !== undefined || exportPhases.l2 !== undefined || exportPhases.l3 !== undefined) p.exportPhases = exportPhases;
  const average = electricity(values, K.average);
  const peak = values["1-0:1.6.0"];
  if (average !== undefined || peak) {
    reading.demand = {};
    assign(reading.demand, "average", average);
    assign(reading.demand, "monthPeak", baseValue(peak));
    if (peak?.time !== undefined) reading.demand.monthPeakTime = peak.time;
  }
  return reading;
}

function assign<T extends object>(target: T, key: keyof T, value: number | undefined): void {
  if (value !== undefined) (target as Record<keyof T, number>)[key] = value;
}

function phases(values: ObisMap, k: readonly Keys[]): PhaseValues {
  const out: PhaseValues = {};
  // Set by name rather than by assign(out, "l1", …): see NUMBER.
  const l1 = electricity(values, k[0]);
  const l2 = electricity(values, k[1]);
  const l3 = electricity(values, k[2]);
  if (l1 !== undefined) out.l1 = l1;
  if (l2 !== undefined) out.l2 = l2;
  if (l3 !== undefined) out.l3 = l3;
  return out;
}

function tariffs(values: ObisMap, k: readonly Keys[]): number[] {
  const out: number[] = [];
  for (let t = 0; t < k.length; t++) {
    const v = electricity(values, k[t]);
    if (v === undefined) break;
    out.push(v);
  }
  return out;
}

function sum(xs: number[]): number | undefined {
  return xs.length ? roundFloat(xs.reduce((a, b) => a + b, 0)) : undefined;
}

function tariffIndex(entry: ObisEntry | undefined): number | null {
  if (!entry || entry.value === null) return null;
  const n = parseInt(String(entry.value), 10);
  return Number.isNaN(n) ? null : n;
}

/** Equipment identifiers are often hex-encoded ASCII; show them as text when they are. */
export function readableId(value: ObisEntry["value"]): string | null {
  if (value === null || value === undefined || value === "") return null;
  const text = String(value);
  // The same identifiers come in every telegram.
  readable ??= new Map();
  let id = readable.get(text);
  if (id === undefined) {
    id = decodeId(text);
    if (readable.size >= 16) readable.clear();
    readable.set(text, id);
  }
  return id;
}

// Made on first use (see dsmr/telegram.ts, `codes`).
let readable: Map<string, string> | undefined;

function decodeId(text: string): string {
  const bytes = /^([0-9A-Fa-f]{2})+$/.test(text) && text.length >= 8 ? fromHex(text) : undefined;
  if (bytes && bytes.every((b) => b >= 32 && b < 127)) return latin1(bytes);
  return text;
}

// The meter id policy, one for every protocol (README, "Which number is the meter id"): serial
// numbers first; the logical device name 0-0:42.0.0 before 96.1.2/96.1.3 because Slovenian meters
// send it in every list and those in one list each, and the id must not change from list to list;
// then the protocol's own identification (the SML server id); last 1-0:0.0.0, a number the utility
// sets.
const METER_IDS = ["0-0:96.1.0", "0-0:96.1.1", "1-1:0.0.5", "1-0:0.0.5", "0-0:42.0.0", "0-0:96.1.2", "0-0:96.1.3"];

/** A binary protocol's identifier as decoded: printable octets are already text there. */
export function plainId(v: ObisEntry["value"]): string | null {
  return typeof v === "string" && v.length > 0 ? v : null;
}

/** The meter id of a list; `text` turns an identifier's value into text (DSMR: hex-encoded ASCII). */
export function meterIdOf(values: ObisMap, text: (v: ObisEntry["value"]) => string | null, ownId?: string | null): string | null {
  for (const key of METER_IDS) {
    const id = text(values[key]?.value ?? null);
    if (id) return id;
  }
  return ownId || text(values["1-0:0.0.0"]?.value ?? null);
}

// Per-channel keys for M-Bus channels 1..4, built once.
const CHANNELS = [1, 2, 3, 4].map((channel) => {
  const p = `0-${channel}:`;
  return { channel, type: p + "24.1.0", readings: [p + "24.2.1", p + "24.2.3", p + "24.3.0", p + "24.2.2"], ids: [p + "96.1.0", p + "96.1.1"] };
});

function subMeters(values: ObisMap): SubMeter[] {
  const out: SubMeter[] = [];
  for (const c of CHANNELS) {
    const typeEntry = values[c.type];
    const reading = values[c.readings[0]] ?? values[c.readings[1]] ?? values[c.readings[2]] ?? values[c.readings[3]];
    if (!typeEntry && !reading) continue;
    const id = readableId((values[c.ids[0]] ?? values[c.ids[1]])?.value ?? null);
    // An empty channel: no equipment id and no real reading (DSMR meters fill unused channels
    // with `()` and `(700101010000W)(00000000)`). It is no sub-meter, and its 0 no reading.
    if (id === null && !isReal(reading)) continue;
    const deviceType = typeEntry && typeof typeEntry.value === "number" ? typeEntry.value : null;
    out.push({
      channel: c.channel,
      // The device type decides the kind: channel 1 is not always gas.
      type: deviceType === null ? "unknown" : DEVICE_TYPES[deviceType] ?? "unknown",
      deviceType,
      id,
      value: reading && typeof reading.value === "number" ? reading.value : null,
      unit: reading?.unit ?? null,
      time: reading?.time ?? null,
    });
  }
  return out;
}

/** A reading with a unit and a capture time after the 1970 placeholder. */
function isReal(reading: ObisEntry | undefined): boolean {
  return reading !== undefined && typeof reading.value === "number" && !!reading.unit &&
    (reading.time === undefined || (reading.time !== null && reading.time >= "1971"));
}

function events(log: ObisEntry | undefined): MeterEvent[] {
  if (!log?.entries) return [];
  return log.entries.map((e) => ({ type: "power-failure", end: e.time, durationS: e.value, long: true }));
}
