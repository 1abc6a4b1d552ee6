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

/** A unit with its Home Assistant classes. */
interface Kind {
  unit: string;
  deviceClass?: string;
  stateClass?: StateClass;
}

// Every key, name, unit and class is a module constant, made once (on the dongle at preload, in
// flash): XS copies a string literal into a new chunk each time a preloaded function evaluates
// it, and this list is made for every telegram.
/** A register that only goes up (the guard checks these). */
export const TOTAL: StateClass = "total_increasing";
const ENERGY: Kind = { unit: "Wh", deviceClass: "energy", stateClass: TOTAL };
const REACTIVE_ENERGY: Kind = { unit: "varh", deviceClass: "reactive_energy", stateClass: TOTAL };
const POWER: Kind = { unit: "W", deviceClass: "power", stateClass: "measurement" };
const REACTIVE_POWER: Kind = { unit: "var", deviceClass: "reactive_power", stateClass: "measurement" };
const VOLTAGE: Kind = { unit: "V", deviceClass: "voltage", stateClass: "measurement" };
const CURRENT: Kind = { unit: "A", deviceClass: "current", stateClass: "measurement" };
const PLAIN: Kind = { unit: "" };

/** `key_l1` "Name L1", …: made once, not for every telegram. */
function numbered(key: string, name: string, letter: string, count: number): readonly Label[] {
  const out: Label[] = [];
  for (let i = 1; i <= count; i++) out.push([`${key}_${letter}${i}`, `${name} ${letter.toUpperCase()}${i}`]);
  return out;
}

const LABELS = {
  energyImport: ["energy_import", "Energy import"] as Label,
  energyExport: ["energy_export", "Energy export"] as Label,
  // Nine tariffs, as normalising reads them (1.8.1 to 1.8.9).
  importTariffs: numbered("energy_import", "Energy import", "t", 9),
  exportTariffs: numbered("energy_export", "Energy export", "t", 9),
  reactiveImport: ["reactive_energy_import", "Reactive energy import"] as Label,
  reactiveExport: ["reactive_energy_export", "Reactive energy export"] as Label,
  reactive: numbered("reactive_energy", "Reactive energy", "r", REACTIVE.length),
  powerImport: ["power_import", "Power import"] as Label,
  powerExport: ["power_export", "Power export"] as Label,
  powerImportPhases: numbered("power_import", "Power import", "l", 3),
  powerExportPhases: numbered("power_export", "Power export", "l", 3),
  reactivePowerImport: ["reactive_power_import", "Reactive power import"] as Label,
  reactivePowerExport: ["reactive_power_export", "Reactive power export"] as Label,
  voltage: numbered("voltage", "Voltage", "l", 3),
  current: numbered("current", "Current", "l", 3),
  demandAverage: ["demand_average", "Quarter-hour average demand"] as Label,
  demandMonthPeak: ["demand_month_peak", "Month peak demand"] as Label,
  tariff: ["tariff", "Tariff"] as Label,
};

function push(out: Quantity[], label: Label, value: number | undefined, kind: Kind): void {
  // (Not `typeof value === "number"`: that literal too is a new chunk each time on the dongle.)
  if (!Number.isFinite(value)) return;
  const q: Quantity = { key: label[0], name: label[1], value: value!, unit: kind.unit };
  if (kind.deviceClass) q.deviceClass = kind.deviceClass;
  if (kind.stateClass) q.stateClass = kind.stateClass;
  out.push(q);
}

function tariffs(out: Quantity[], labels: readonly Label[], values: number[] | undefined): void {
  if (!values) return;
  for (let i = 0; i < values.length && i < labels.length; i++) push(out, labels[i], values[i], ENERGY);
}

function phases(out: Quantity[], labels: readonly Label[], p: PhaseValues | undefined, kind: Kind): void {
  if (!p) return;
  for (let i = 0; i < 3; i++) push(out, labels[i], p[PHASES[i]], kind);
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
    stateClass: TOTAL,
    time: m.time,
  };
  if (deviceClass) q.deviceClass = deviceClass;
  if (m.id) q.serial = m.id;
  out.push(q);
}

export function quantities(r: Reading): Quantity[] {
  const out: Quantity[] = [];
  const e = r.energy;
  push(out, LABELS.energyImport, e.import, ENERGY);
  push(out, LABELS.energyExport, e.export, ENERGY);
  tariffs(out, LABELS.importTariffs, e.importTariffs);
  tariffs(out, LABELS.exportTariffs, e.exportTariffs);
  push(out, LABELS.reactiveImport, e.reactiveImport, REACTIVE_ENERGY);
  push(out, LABELS.reactiveExport, e.reactiveExport, REACTIVE_ENERGY);
  for (let i = 0; i < REACTIVE.length; i++) push(out, LABELS.reactive[i], e[REACTIVE[i]], REACTIVE_ENERGY);
  const p = r.power;
  push(out, LABELS.powerImport, p.import, POWER);
  push(out, LABELS.powerExport, p.export, POWER);
  phases(out, LABELS.powerImportPhases, p.importPhases, POWER);
  phases(out, LABELS.powerExportPhases, p.exportPhases, POWER);
  push(out, LABELS.reactivePowerImport, p.reactiveImport, REACTIVE_POWER);
  push(out, LABELS.reactivePowerExport, p.reactiveExport, REACTIVE_POWER);
  phases(out, LABELS.voltage, r.voltage, VOLTAGE);
  phases(out, LABELS.current, r.current, CURRENT);
  if (r.demand) {
    push(out, LABELS.demandAverage, r.demand.average, POWER);
    push(out, LABELS.demandMonthPeak, r.demand.monthPeak, POWER);
  }
  if (r.tariff !== null) push(out, LABELS.tariff, r.tariff, PLAIN);
  for (const m of r.subMeters) subMeter(out, m);
  return out;
}
