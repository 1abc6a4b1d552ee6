// A DSMR group `value*unit` is read by one RegExp on the dongle; the reading it replaced (kept
// here as the oracle) must agree on every group, as meters send them and damaged.
import test from "ava";
import fc from "fast-check";
import { quantity } from "../modules/dsmr/telegram.js";
import { canonicalUnit } from "../modules/reading/units.js";
import type { ObisEntry } from "../modules/reading/model.js";

function byCalls(group: string): ObisEntry {
  if (group === "") return { value: null };
  const star = group.indexOf("*");
  const sent = star >= 0 ? group.slice(0, star) : group;
  const value = /^[+-]?\d+(?:\.\d+)?(?=\*|$)/.test(group) ? Number(sent) : sent;
  if (star < 0) return { value };
  const unitSent = group.slice(star + 1);
  const unit = canonicalUnit(unitSent);
  return unit === unitSent ? { value, unit } : { value, unit, raw: `(${group})` };
}

test("a group reads as it did call by call: value, unit and raw", (t) => {
  t.deepEqual(quantity("000123.456*kWh"), { value: 123.456, unit: "kWh" });
  t.deepEqual(quantity("0230.0*v"), { value: 230, unit: "V", raw: "(0230.0*v)" });
  t.deepEqual(quantity("12a*kWh"), { value: "12a", unit: "kWh" });
  t.deepEqual(quantity("1*b*c"), { value: 1, unit: "b*c" });
  t.deepEqual(quantity("00013"), { value: 13 });
  const unit = fc.constantFrom("kWh", "kwh", "KWH", "V", "A", "kW", "m3", "s", "x", "", "b*c");
  const number = fc.tuple(fc.constantFrom("", "+", "-"), fc.stringMatching(/^\d{1,6}$/), fc.constantFrom("", ".", ".5", ".123", ".1.2"))
    .map(([sign, digits, fraction]) => sign + digits + fraction);
  const sent = fc.tuple(number, fc.option(unit, { nil: undefined })).map(([v, u]) => (u === undefined ? v : `${v}*${u}`));
  const damaged = fc.string({ unit: fc.constantFrom(..."0123456789.*+-kWhVe \r\n("), maxLength: 16 });
  fc.assert(fc.property(fc.oneof(sent, damaged), (group) => {
    t.deepEqual(quantity(group), byCalls(group), JSON.stringify(group));
  }), { numRuns: 30000, seed: 5 });
});
