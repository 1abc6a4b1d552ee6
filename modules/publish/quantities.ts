// A reading as a flat list of named quantities, each with what Home Assistant needs to show it.
// The state JSON, per-value topics, discovery and the monotonic guard all work from this list, so
// an entity exists exactly for what the meter sends.
import type { PhaseValues, Reading, SubMeter } from "../reading/model.js";

export type StateClass = "total_increasing" | "measurement";

export interface Quantity {
  /** Key in the state JSON and HA object id: `energy_import`, `voltage_l1`, `gas_1`. */
  key: string;
  name: string;
  value: number;
  unit: string;
  deviceClass?: string;
  stateClass?: StateClass;
  /** The meter time of the value when it differs from the reading's (M-Bus sub-meters). */
  time?: string | null;
  /** A sub-meter's own equipment id, when the meter sends it. */
  serial?: string;
}

const PHASES = ["l1", "l2", "l3"] as const;
const REACTIVE = ["r1", "r2", "r3", "r4"] as const;

type Label = readonly [key: string, name: string];

/** `key_l1` "Name L1", …: made once, not for every telegram (on the dongle at preload, in flash). */
function numbered(key: string, name: string, letter: string, count: number): readonly Label[] {
  const out: Label[] = [];
  for (let i = 1; i <= count; i++) out.push([`${key}_${letter}${i}`, `${name} ${letter.toUpperCase()}${i}`]);
  return out;
}

const LABELS = {
  // Nine tariffs, as normalising reads them (1.8.1 to 1.8.9).
  importTariffs: numbered("energy_import", "Energy import", "t", 9),
  exportTariffs: numbered("energy_export", "Energy export", "t", 9),
  reactive: numbered("reactive_energy", "Reactive energy", "r", REACTIVE.length),
  powerImport: numbered("power_import", "Power import", "l", 3),
  powerExport: numbered("power_export", "Power export", "l", 3),
  voltage: numbered("voltage", "Voltage", "l", 3),
  current: numbered("current", "Current", "l", 3),
};

function push(out: Quantity[], key: string, name: string, value: number | undefined, unit: string,
  deviceClass: string | undefined, stateClass: StateClass | undefined): void {
  if (typeof value !== "number" || !isFinite(value)) return;
  const q: Quantity = { key, name, value, unit };
  if (deviceClass) q.deviceClass = deviceClass;
  if (stateClass) q.stateClass = stateClass;
  out.push(q);
}

function tariffs(out: Quantity[], labels: readonly Label[], values: number[] | undefined): void {
  if (!values) return;
  for (let i = 0; i < values.length && i < labels.length; i++) push(out, labels[i][0], labels[i][1], values[i], "Wh", "energy", "total_increasing");
}

function phases(out: Quantity[], labels: readonly Label[], p: PhaseValues | undefined, unit: string, deviceClass: string): void {
  if (!p) return;
  for (let i = 0; i < 3; i++) push(out, labels[i][0], labels[i][1], p[PHASES[i]], unit, deviceClass, "measurement");
}

// HA's unit spellings and the device class each sub-meter unit belongs to.
const SUB_UNITS: Record<string, { unit: string; gas: string; water: string; heat: string }> = {
  m3: { unit: "m³", gas: "gas", water: "water", heat: "volume" },
  GJ: { unit: "GJ", gas: "energy", water: "energy", heat: "energy" },
  kWh: { unit: "kWh", gas: "energy", water: "energy", heat: "energy" },
  MWh: { unit: "MWh", gas: "energy", water: "energy", heat: "energy" },
};

function subMeter(out: Quantity[], m: SubMeter): void {
  if (m.value === null || !isFinite(m.value) || m.type === "unknown" || m.type === "electricity") return;
  const units = SUB_UNITS[m.unit ?? ""];
  const kind = m.type === "cold" ? "heat" : m.type;
  const deviceClass = units ? units[kind] : undefined;
  const q: Quantity = {
    key: `${m.type}_${m.channel}`,
    name: `${m.type[0].toUpperCase()}${m.type.slice(1)} ${m.channel}`,
    value: m.value,
    unit: units ? units.unit : m.unit ?? "",
    stateClass: "total_increasing",
    time: m.time,
  };
  if (deviceClass) q.deviceClass = deviceClass;
  if (m.id) q.serial = m.id;
  out.push(q);
}

export function quantities(r: Reading): Quantity[] {
  const out: Quantity[] = [];
  const e = r.energy;
  push(out, "energy_import", "Energy import", e.import, "Wh", "energy", "total_increasing");
  push(out, "energy_export", "Energy export", e.export, "Wh", "energy", "total_increasing");
  tariffs(out, LABELS.importTariffs, e.importTariffs);
  tariffs(out, LABELS.exportTariffs, e.exportTariffs);
  push(out, "reactive_energy_import", "Reactive energy import", e.reactiveImport, "varh", "reactive_energy", "total_increasing");
  push(out, "reactive_energy_export", "Reactive energy export", e.reactiveExport, "varh", "reactive_energy", "total_increasing");
  for (let i = 0; i < REACTIVE.length; i++) {
    push(out, LABELS.reactive[i][0], LABELS.reactive[i][1], e[REACTIVE[i]], "varh", "reactive_energy", "total_increasing");
  }
  const p = r.power;
  push(out, "power_import", "Power import", p.import, "W", "power", "measurement");
  push(out, "power_export", "Power export", p.export, "W", "power", "measurement");
  phases(out, LABELS.powerImport, p.importPhases, "W", "power");
  phases(out, LABELS.powerExport, p.exportPhases, "W", "power");
  push(out, "reactive_power_import", "Reactive power import", p.reactiveImport, "var", "reactive_power", "measurement");
  push(out, "reactive_power_export", "Reactive power export", p.reactiveExport, "var", "reactive_power", "measurement");
  phases(out, LABELS.voltage, r.voltage, "V", "voltage");
  phases(out, LABELS.current, r.current, "A", "current");
  if (r.demand) {
    push(out, "demand_average", "Quarter-hour average demand", r.demand.average, "W", "power", "measurement");
    push(out, "demand_month_peak", "Month peak demand", r.demand.monthPeak, "W", "power", "measurement");
  }
  if (r.tariff !== null) push(out, "tariff", "Tariff", r.tariff, "", undefined, undefined);
  for (const m of r.subMeters) subMeter(out, m);
  return out;
}
