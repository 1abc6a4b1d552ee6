// How Home Assistant shows each quantity: one row per kind of key, so a new quantity (period
// totals, cost) is one more row. Each entity reads its own retained topic `<base>/value/<key>`
// carrying the bare value in the entity's unit: no value template, so a message can never feed
// the entity's own (display-converted) state back, and a late subscriber still gets the last value.
import type { Quantity } from "./quantities.js";
import { roundFloat } from "../reading/normalise.js";

export interface Presentation {
  /** Name on its device (has_entity_name); null: the main feature of a sub-device. */
  name: string | null;
  unit?: string;
  /** Factor from the quantity's unit to `unit` (Wh → kWh: 0.001). */
  scale?: number;
  deviceClass?: string;
  stateClass?: string;
  precision?: number;
  /** false: created disabled, the user enables it (per-phase and rarely used values). */
  enabled: boolean;
  /** Enum sensors: the states the value can take. */
  options?: string[];
}

/** What the meter has shown so far, for defaults that depend on the installation. */
export interface Installation {
  /** Some export register is above zero: the home feeds in (solar), export entities matter. */
  exports: boolean;
}

/**
 * A key's form: literal text, one of some words, or a digit or digits. Words and digits are
 * captured, as a RegExp's groups would be (`m[1]`…); a RegExp here would be compiled on the build
 * machine at preload (which crashed the chip: docs/DESIGN.md, "Memory on the ESP32") or kept
 * compiled in RAM, some 7 KB for these rows.
 */
export type Part = string | readonly string[] | Digits;
const enum Digits {
  One,
  Some,
}

/** `key` split by `parts` (`m[0]` the key, then the captures), or null when it is not of that form. */
export function matchKey(key: string, parts: readonly Part[]): string[] | null {
  const m = [key];
  let at = 0;
  for (const part of parts) {
    if (typeof part === "string") {
      if (!key.startsWith(part, at)) return null;
      at += part.length;
    } else if (typeof part === "number") {
      let end = at;
      while (end < key.length && (part === Digits.Some || end === at) && isDigit(key.charCodeAt(end))) end++;
      if (end === at) return null;
      m.push(key.slice(at, end));
      at = end;
    } else {
      const word = part.find((w) => key.startsWith(w, at));
      if (word === undefined) return null;
      m.push(word);
      at += word.length;
    }
  }
  return at === key.length ? m : null;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

interface Row {
  match: readonly Part[];
  show(q: Quantity, m: string[], home: Installation): Presentation;
}

const TARIFF_OPTIONS = ["T1", "T2", "T3", "T4"];
const up = (s: string): string => s.toUpperCase();
const side = (dir: string): string => (dir === "import" ? "import" : "export");
const DIRECTIONS = ["import", "export"];
const PERIODS = ["today", "yesterday", "week", "month", "year"];
/** The sub-meter kinds: a key `<kind>_<channel>` is a sub-meter's reading. */
export const SUB_METER_KEY: readonly Part[] = [["gas", "water", "heat", "cold"], "_", Digits.Some];

// Energies in kWh with 3 decimals as Home Assistant's DSMR integration shows them: a user has no
// reason to change the display unit. Reactive energy has no device class: `reactive_energy` exists
// only from Home Assistant 2025.6 and older versions reject the whole config.
const ROWS: readonly Row[] = [
  {
    match: ["energy_", DIRECTIONS],
    show: (_q, m, home) => energy(`Energy ${side(m[1])}`, m[1] === "import" || home.exports),
  },
  {
    match: ["energy_", DIRECTIONS, "_t", Digits.One],
    show: (_q, m, home) => energy(`Energy ${side(m[1])} T${m[2]}`, m[1] === "import" || home.exports),
  },
  {
    match: ["reactive_energy_", [...DIRECTIONS, "r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"]],
    show: (_q, m) => ({ name: `Reactive energy ${m[1].length === 2 ? up(m[1]) : m[1]}`, unit: "kvarh", scale: 0.001, stateClass: "total_increasing", precision: 3, enabled: false }),
  },
  {
    match: ["power_", DIRECTIONS],
    show: (_q, m, home) => power(`Power ${m[1]}`, m[1] === "import" || home.exports),
  },
  {
    match: ["power_", DIRECTIONS, "_l", Digits.One],
    show: (_q, m) => power(`Power ${m[1]} L${m[2]}`, false),
  },
  {
    match: ["reactive_power_", DIRECTIONS],
    show: (_q, m) => ({ name: `Reactive power ${m[1]}`, unit: "var", deviceClass: "reactive_power", stateClass: "measurement", precision: 0, enabled: false }),
  },
  {
    match: ["voltage_l", Digits.One],
    show: (_q, m) => ({ name: `Voltage L${m[1]}`, unit: "V", deviceClass: "voltage", stateClass: "measurement", precision: 1, enabled: false }),
  },
  {
    match: ["current_l", Digits.One],
    show: (_q, m) => ({ name: `Current L${m[1]}`, unit: "A", deviceClass: "current", stateClass: "measurement", precision: 2, enabled: false }),
  },
  { match: ["demand_average"], show: () => power("Quarter-hour average demand", true) },
  { match: ["demand_month_peak"], show: () => power("Month peak demand", true) },
  {
    match: ["tariff"],
    // A copy: JSON.stringify marks each object it visits, which a preloaded (flash) array refuses.
    show: () => ({ name: "Tariff", deviceClass: "enum", options: [...TARIFF_OPTIONS], enabled: true }),
  },
  {
    // Period totals from the history (modules/web/totals.ts): today and this month shown by default.
    match: [[...DIRECTIONS, "gas"], "_", PERIODS],
    show: (q, m, home) => ({
      name: q.name, unit: q.unit, deviceClass: q.deviceClass, stateClass: q.stateClass, precision: 3,
      enabled: (m[2] === "today" || m[2] === "month") && (m[1] !== "export" || home.exports),
    }),
  },
  {
    match: ["cost_", PERIODS],
    show: (q, m) => ({ name: q.name, unit: q.unit, deviceClass: "monetary", stateClass: "total", precision: 2, enabled: m[1] === "today" || m[1] === "month" }),
  },
  {
    // The sub-meter is its own device: its reading is that device's main feature.
    match: SUB_METER_KEY,
    show: (q) => ({ name: null, unit: q.unit || undefined, deviceClass: q.deviceClass, stateClass: q.stateClass, precision: 3, enabled: true }),
  },
];

function energy(name: string, enabled: boolean): Presentation {
  return { name, unit: "kWh", scale: 0.001, deviceClass: "energy", stateClass: "total_increasing", precision: 3, enabled };
}

function power(name: string, enabled: boolean): Presentation {
  return { name, unit: "W", deviceClass: "power", stateClass: "measurement", precision: 0, enabled };
}

/** How Home Assistant shows `q`; a key without a row is shown as the quantity describes itself. */
export function presentation(q: Quantity, home: Installation): Presentation {
  for (const row of ROWS) {
    const m = matchKey(q.key, row.match);
    if (m) return row.show(q, m, home);
  }
  return { name: q.name, unit: q.unit || undefined, deviceClass: q.deviceClass, stateClass: q.stateClass, enabled: true };
}

// A key's scale and options, which depend on the key alone: worked out once per key, since
// matching the rows for every value of every telegram cost the dongle 2 million instructions a telegram.
type ValueForm = Pick<Presentation, "scale" | "options">;
const VALUE_FORMS_LIMIT = 256;
let valueForms: Map<string, ValueForm> | undefined;

function valueForm(q: Quantity): ValueForm {
  valueForms ??= new Map();
  let form = valueForms.get(q.key);
  if (!form) {
    const p = presentation(q, { exports: false });
    form = { scale: p.scale, options: p.options };
    if (valueForms.size < VALUE_FORMS_LIMIT) valueForms.set(q.key, form);
  }
  return form;
}

/** The payload of `<base>/value/<key>`: the value in the entity's unit, or the enum option. */
export function entityValue(q: Quantity): string {
  const p = valueForm(q);
  if (p.options) return p.options[q.value - 1] ?? String(q.value);
  // Six decimals drop the binary noise of the scaling (3808351 Wh → "3808.351", not 3808.3509999),
  // by arithmetic rather than through toFixed's text and back for every changed value.
  return String(p.scale ? roundFloat(q.value * p.scale) : q.value);
}

export function installation(qs: readonly Quantity[]): Installation {
  return { exports: qs.some((q) => q.key.startsWith("energy_export") && q.value > 0) };
}
