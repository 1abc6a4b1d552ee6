// How Home Assistant shows a quantity is picked by the form of its key. The rows matched keys with
// RegExps (kept here as the oracle); on the dongle they held some 7 KB of compiled code in RAM, so
// keys are now matched by parts (`matchKey`). Both must agree on every key, as sent and mistyped.
import test from "ava";
import fc from "fast-check";
import { entityValue, matchKey, presentation, SUB_METER_KEY, type Installation, type Presentation } from "../modules/publish/entities.js";
import type { Quantity } from "../modules/publish/quantities.js";

const up = (s: string): string => s.toUpperCase();
const side = (dir: string): string => (dir === "import" ? "import" : "export");
const energy = (name: string, enabled: boolean): Presentation => ({ name, unit: "kWh", scale: 0.001, deviceClass: "energy", stateClass: "total_increasing", precision: 3, enabled });
const power = (name: string, enabled: boolean): Presentation => ({ name, unit: "W", deviceClass: "power", stateClass: "measurement", precision: 0, enabled });
const BY_REGEXP: [RegExp, (q: Quantity, m: RegExpExecArray, home: Installation) => Presentation][] = [
  [/^energy_(import|export)$/, (_q, m, home) => energy(`Energy ${side(m[1])}`, m[1] === "import" || home.exports)],
  [/^energy_(import|export)_t(\d)$/, (_q, m, home) => energy(`Energy ${side(m[1])} T${m[2]}`, m[1] === "import" || home.exports)],
  [/^reactive_energy_(import|export|r\d)$/, (_q, m) => ({ name: `Reactive energy ${m[1].length === 2 ? up(m[1]) : m[1]}`, unit: "kvarh", scale: 0.001, stateClass: "total_increasing", precision: 3, enabled: false })],
  [/^power_(import|export)$/, (_q, m, home) => power(`Power ${m[1]}`, m[1] === "import" || home.exports)],
  [/^power_(import|export)_(l\d)$/, (_q, m) => power(`Power ${m[1]} ${up(m[2])}`, false)],
  [/^reactive_power_(import|export)$/, (_q, m) => ({ name: `Reactive power ${m[1]}`, unit: "var", deviceClass: "reactive_power", stateClass: "measurement", precision: 0, enabled: false })],
  [/^voltage_(l\d)$/, (_q, m) => ({ name: `Voltage ${up(m[1])}`, unit: "V", deviceClass: "voltage", stateClass: "measurement", precision: 1, enabled: false })],
  [/^current_(l\d)$/, (_q, m) => ({ name: `Current ${up(m[1])}`, unit: "A", deviceClass: "current", stateClass: "measurement", precision: 2, enabled: false })],
  [/^demand_average$/, () => power("Quarter-hour average demand", true)],
  [/^demand_month_peak$/, () => power("Month peak demand", true)],
  [/^tariff$/, () => ({ name: "Tariff", deviceClass: "enum", options: ["T1", "T2", "T3", "T4"], enabled: true })],
  [/^(import|export|gas)_(today|yesterday|week|month|year)$/, (q, m, home) => ({
    name: q.name, unit: q.unit, deviceClass: q.deviceClass, stateClass: q.stateClass, precision: 3,
    enabled: (m[2] === "today" || m[2] === "month") && (m[1] !== "export" || home.exports),
  })],
  [/^cost_(today|yesterday|week|month|year)$/, (q, m) => ({ name: q.name, unit: q.unit, deviceClass: "monetary", stateClass: "total", precision: 2, enabled: m[1] === "today" || m[1] === "month" })],
  [/^(gas|water|heat|cold)_\d+$/, (q) => ({ name: null, unit: q.unit || undefined, deviceClass: q.deviceClass, stateClass: q.stateClass, precision: 3, enabled: true })],
];

function byRegExp(q: Quantity, home: Installation): Presentation {
  for (const [match, show] of BY_REGEXP) {
    const m = match.exec(q.key);
    if (m) return show(q, m, home);
  }
  return { name: q.name, unit: q.unit || undefined, deviceClass: q.deviceClass, stateClass: q.stateClass, enabled: true };
}

const PIECES = ["energy_", "reactive_", "power_", "voltage_", "current_", "demand_", "cost_", "import", "export", "gas", "water", "heat",
  "cold", "today", "month", "year", "average", "month_peak", "tariff", "_", "_t", "_l", "l", "r", "t", "1", "3", "12", "x", "L1", ""];

test("keys are shown as the RegExp rows showed them, for every key made of their words", (t) => {
  const q = (key: string): Quantity => ({ key, name: "Named", value: 1, unit: "Wh", deviceClass: "energy", stateClass: "total_increasing" });
  for (const key of ["energy_import", "energy_export_t2", "reactive_energy_r3", "power_export_l2", "voltage_l3", "gas_today", "cost_week", "water_12", "tariff"]) {
    // A row's presentation, not the default one (which has neither).
    const p = presentation(q(key), { exports: false });
    t.true(p.precision !== undefined || p.options !== undefined, key);
  }
  fc.assert(fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 5 }), fc.boolean(), (pieces, exports) => {
    const key = pieces.join("");
    t.deepEqual(presentation(q(key), { exports }), byRegExp(q(key), { exports }), key);
  }), { numRuns: 20_000 });
});

test("a sub-meter key splits into its kind and channel", (t) => {
  t.deepEqual(matchKey("gas_1", SUB_METER_KEY), ["gas_1", "gas", "1"]);
  t.deepEqual(matchKey("water_12", SUB_METER_KEY), ["water_12", "water", "12"]);
  for (const key of ["gas_", "gas1", "gasx_1", "gas_1x", "oil_1", ""]) t.is(matchKey(key, SUB_METER_KEY), null, key);
});

test("a value in kWh reads as six decimals of toFixed made it, for registers in Wh as meters send them", (t) => {
  const wh = fc.oneof(fc.integer({ min: 0, max: 99_999_999_999 }), fc.integer({ min: 0, max: 999_999_999 }).map((n) => n / 10), fc.integer({ min: 0, max: 999_999_999 }).map((n) => n / 1000));
  fc.assert(fc.property(wh, (value) => {
    const q: Quantity = { key: "energy_import", name: "Energy import", value, unit: "Wh", deviceClass: "energy", stateClass: "total_increasing" };
    t.is(entityValue(q), String(Number((value * 0.001).toFixed(6))), String(value));
  }), { numRuns: 100_000 });
  t.is(entityValue({ key: "energy_import", name: "", value: 3808351, unit: "Wh" }), "3808.351");
});
