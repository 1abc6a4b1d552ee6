// OBIS objects → the normalised Reading, the same for DSMR, DLMS and SML: the OBIS codes are shared.
import type { MeterEvent, ObisEntry, ObisMap, PhaseValues, Protocol, Reading, SubMeter, SubMeterType } from "./model.js";
import { fromHex, latin1 } from "../util/hex.js";

// Units scaled to the base unit the Reading uses.
const SCALE: Record<string, [number, string]> = {
  kWh: [1e3, "Wh"], MWh: [1e6, "Wh"], kW: [1e3, "W"], MW: [1e6, "W"],
  kvarh: [1e3, "varh"], kvar: [1e3, "var"], kVArh: [1e3, "varh"], kVAr: [1e3, "var"], kVA: [1e3, "VA"], kVAh: [1e3, "VAh"],
};

/** A value in the Reading's base unit (Wh, W, varh, var, V, A), or undefined if not numeric. */
export function baseValue(entry: ObisEntry | undefined): number | undefined {
  if (!entry || typeof entry.value !== "number") return undefined;
  const s = entry.unit ? SCALE[entry.unit] : undefined;
  return s ? roundFloat(entry.value * s[0]) : entry.value;
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
const keyPairs = new Map<string, [string, string]>();
function electricityKeys(code: string): [string, string] {
  let pair = keyPairs.get(code);
  if (!pair) keyPairs.set(code, (pair = ["1-0:" + code, "1-1:" + code]));
  return pair;
}

export function normalise(values: ObisMap, protocol: Protocol, meterId?: string | null, time?: string | null): Reading {
  const electricity = (code: string): number | undefined => {
    const [k0, k1] = electricityKeys(code);
    return baseValue(values[k0] ?? values[k1]);
  };
  const reading: Reading = {
    protocol,
    meterId: meterId ?? identifier(values),
    time: time ?? (typeof values["0-0:1.0.0"]?.value === "string" ? (values["0-0:1.0.0"].value as string) : null),
    energy: {},
    power: {},
    voltage: phases(electricity, "32.7.0", "52.7.0", "72.7.0"),
    current: phases(electricity, "31.7.0", "51.7.0", "71.7.0"),
    tariff: tariffIndex(values["0-0:96.14.0"]),
    subMeters: subMeters(values),
    events: events(values["1-0:99.97.0"]),
    values,
  };
  const e = reading.energy;
  const importTariffs = tariffs(electricity, 1);
  const exportTariffs = tariffs(electricity, 2);
  assign(e, "import", electricity("1.8.0") ?? sum(importTariffs));
  assign(e, "export", electricity("2.8.0") ?? sum(exportTariffs));
  if (importTariffs.length) e.importTariffs = importTariffs;
  if (exportTariffs.length) e.exportTariffs = exportTariffs;
  assign(e, "reactiveImport", electricity("3.8.0"));
  assign(e, "reactiveExport", electricity("4.8.0"));
  assign(e, "r1", electricity("5.8.0"));
  assign(e, "r2", electricity("6.8.0"));
  assign(e, "r3", electricity("7.8.0"));
  assign(e, "r4", electricity("8.8.0"));
  const p = reading.power;
  assign(p, "import", electricity("1.7.0"));
  assign(p, "export", electricity("2.7.0"));
  // German SML meters send only the signed net power 16.7.0 (import minus export).
  const net = p.import === undefined && p.export === undefined ? electricity("16.7.0") : undefined;
  if (net !== undefined) {
    p.import = net > 0 ? net : 0;
    p.export = net < 0 ? -net : 0;
  }
  assign(p, "reactiveImport", electricity("3.7.0"));
  assign(p, "reactiveExport", electricity("4.7.0"));
  const importPhases = phases(electricity, "21.7.0", "41.7.0", "61.7.0");
  const exportPhases = phases(electricity, "22.7.0", "42.7.0", "62.7.0");
  if (Object.keys(importPhases).length) p.importPhases = importPhases;
  if (Object.keys(exportPhases).length) p.exportPhases = exportPhases;
  const average = electricity("1.4.0");
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

function phases(get: (code: string) => number | undefined, l1: string, l2: string, l3: string): PhaseValues {
  const out: PhaseValues = {};
  assign(out, "l1", get(l1));
  assign(out, "l2", get(l2));
  assign(out, "l3", get(l3));
  return out;
}

function tariffs(get: (code: string) => number | undefined, c: number): number[] {
  const out: number[] = [];
  for (let t = 1; t <= 9; t++) {
    const v = get(`${c}.8.${t}`);
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
  let id = readable.get(text);
  if (id === undefined) {
    id = decodeId(text);
    if (readable.size >= 16) readable.clear();
    readable.set(text, id);
  }
  return id;
}

const readable = new Map<string, string>();

function decodeId(text: string): string {
  const bytes = /^([0-9A-Fa-f]{2})+$/.test(text) && text.length >= 8 ? fromHex(text) : undefined;
  if (bytes && bytes.every((b) => b >= 32 && b < 127)) return latin1(bytes);
  return text;
}

function identifier(values: ObisMap): string | null {
  for (const key of ["0-0:96.1.1", "0-0:96.1.0", "0-0:42.0.0", "1-0:0.0.0"]) {
    const id = readableId(values[key]?.value);
    if (id) return id;
  }
  return null;
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
    const deviceType = typeEntry && typeof typeEntry.value === "number" ? typeEntry.value : null;
    out.push({
      channel: c.channel,
      // The device type decides the kind: channel 1 is not always gas.
      type: deviceType === null ? "unknown" : DEVICE_TYPES[deviceType] ?? "unknown",
      deviceType,
      id: readableId((values[c.ids[0]] ?? values[c.ids[1]])?.value ?? null),
      value: reading && typeof reading.value === "number" ? reading.value : null,
      unit: reading?.unit ?? null,
      time: reading?.time ?? null,
    });
  }
  return out;
}

function events(log: ObisEntry | undefined): MeterEvent[] {
  if (!log?.entries) return [];
  return log.entries.map((e) => ({ type: "power-failure", end: e.time, durationS: e.value, long: true }));
}
