// DSMR timestamps are read by one RegExp on the dongle; the digit-by-digit reading it replaced
// (kept here as the oracle) must agree on every input, valid or damaged.
import test from "ava";
import fc from "fast-check";
import { dsmrTimestamp, dsmrTimestampMs } from "../modules/dsmr/timestamp.js";
import { isEuSummerTime, utcMs } from "../modules/util/time.js";

function byDigits(text: string, standardOffsetMinutes: number): number | null {
  if (text.length < 12) return null;
  const f: number[] = [];
  for (let i = 0; i < 12; i += 2) {
    const hi = text.charCodeAt(i) - 48;
    const lo = text.charCodeAt(i + 1) - 48;
    if (hi < 0 || hi > 9 || lo < 0 || lo > 9) return null;
    f.push(hi * 10 + lo);
  }
  const year = f[0] < 70 ? 2000 + f[0] : 1900 + f[0];
  const local = utcMs(year, f[1], f[2], f[3], f[4], f[5]);
  if (Number.isNaN(local)) return null;
  const flag = text.charAt(12);
  let offset = standardOffsetMinutes;
  if (flag === "S") offset += 60;
  else if (flag !== "W" && isEuSummerTime(local - standardOffsetMinutes * 60000)) offset += 60;
  const ms = local - offset * 60000;
  return ms > 0 ? ms : null;
}

test("a DSMR timestamp reads as it did digit by digit, valid or damaged", (t) => {
  t.is(dsmrTimestamp("170102192002W", 60), "2017-01-02T18:20:02Z");
  t.is(dsmrTimestamp("260329030000S", 60), "2026-03-29T01:00:00Z");
  t.is(dsmrTimestamp("700101010000W", 60), null);
  t.is(dsmrTimestamp("632525252525S", 60), null);
  // DSMR 2.2/3: no flag, the EU rule (summer from the last Sunday of March, 01:00 UTC).
  t.is(dsmrTimestamp("260329030000", 60), "2026-03-29T01:00:00Z");
  t.is(dsmrTimestamp("2603290300", 60), null);
  const digit = fc.constantFrom(..."0123456789");
  const stamp = fc.tuple(fc.array(digit, { minLength: 10, maxLength: 12 }), fc.constantFrom("", "S", "W", "X", " ", "é", "1S"))
    .map(([ds, flag]) => ds.join("") + flag);
  const two = (min: number, max: number) => fc.integer({ min, max }).map((n) => String(n).padStart(2, "0"));
  const valid = fc.tuple(two(0, 99), two(1, 12), two(1, 31), two(0, 23), two(0, 59), two(0, 59), fc.constantFrom("", "S", "W"))
    .map((parts) => parts.join(""));
  const damaged = fc.string({ unit: fc.constantFrom(..."0123456789SW:a\r"), maxLength: 14 });
  fc.assert(fc.property(fc.oneof(valid, stamp, damaged), fc.constantFrom(0, 60, 120, -300), (text, offset) => dsmrTimestampMs(text, offset) === byDigits(text, offset)), { numRuns: 30000, seed: 12 });
});
