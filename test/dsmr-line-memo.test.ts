// The DSMR line memo: a line equal to the previous telegram's is taken as read then. Whatever came
// before (another meter's telegram, a damaged one), a telegram reads exactly as it does alone.
import test from "ava";
import fc from "fast-check";
import { isDeepStrictEqual } from "node:util";
import { LineMemo, parseTelegram } from "../modules/dsmr/telegram.js";
import { corpusCases, readCase } from "./helpers/corpus.js";
import { variant, variantCount, type DamageCase } from "./helpers/damage.js";
import { Dsmr5Generator } from "../hosts/node/dsmr-generator.js";

const telegrams = corpusCases("dsmr-").map((id) => readCase(id).bytes);

/** `b` parsed after `a` on one stream, and `b` parsed alone. */
function afterAndAlone(a: Uint8Array, b: Uint8Array) {
  const memo = new LineMemo();
  parseTelegram(a, 60, memo);
  return { after: parseTelegram(b, 60, memo), alone: parseTelegram(b, 60) };
}

test("every corpus telegram reads the same after any other, and after itself", (t) => {
  let pairs = 0;
  for (const a of telegrams) {
    for (const b of telegrams) {
      const { after, alone } = afterAndAlone(a, b);
      t.deepEqual(after, alone);
      pairs++;
    }
  }
  t.is(pairs, 34 * 34);
});

test("a repeated telegram shares every object it read cleanly; a changed line is read anew", (t) => {
  const g = new Dsmr5Generator({ startMs: Date.UTC(2026, 0, 5, 12), intervalS: 1 });
  const memo = new LineMemo();
  let first = parseTelegram(g.next().bytes, 60, memo);
  // Each telegram of a run shares with the one before, not only the second with the first.
  for (let i = 0; i < 5; i++) {
    const bytes = g.next().bytes;
    const second = parseTelegram(bytes, 60, memo);
    const keys = Object.keys(second.values);
    const shared = keys.filter((k) => second.values[k] === first.values[k]);
    // The clock and the live powers change each second; identifiers, tariff and most registers not.
    t.false(shared.includes("0-0:1.0.0"));
    t.not(second.values["0-0:1.0.0"].value, first.values["0-0:1.0.0"].value);
    t.true(shared.includes("0-0:96.1.1") && shared.includes("1-0:2.8.1"), `telegram ${i + 2}: ${shared.join(" ")}`);
    t.true(shared.length >= keys.length / 2, `telegram ${i + 2}: ${shared.length} of ${keys.length} shared`);
    t.deepEqual(second, parseTelegram(bytes, 60));
    first = second;
  }
});

test("a damaged telegram reads the same after its undamaged original and after itself, and the original after it", (t) => {
  // DSMR 5, DSMR 2.2 (its gas object continues on a second line), Belgian (demand history).
  for (const id of ["dsmr-ndokter-v5-iskra-mt382", "dsmr-athombv-dsmr-2.2-kfm-1", "dsmr-athombv-emucs-p1-v2.1.1-spec-example-1"]) {
    const bytes = readCase(id).bytes;
    const sameAsAlone = (damaged: Uint8Array) => {
      const memo = new LineMemo();
      return [bytes, damaged, damaged, bytes].every((b) => isDeepStrictEqual(parseTelegram(b, 60, memo), parseTelegram(b, 60)));
    };
    fc.assert(fc.property(fc.nat(variantCount({ bytes } as DamageCase) - 1), (k) => sameAsAlone(variant(bytes, k))), { numRuns: 3000, seed: 419 });
    // Every damage to the first byte of a line: where an object and its continuation begin.
    let checked = 0;
    for (let pos = 1; pos < bytes.length; pos++) {
      if (bytes[pos - 1] !== 0x0a) continue;
      for (let op = 0; op < 512; op++) {
        if (!sameAsAlone(variant(bytes, pos * 512 + op))) t.fail(`${id} variant ${pos * 512 + op}`);
        checked++;
      }
    }
    t.true(checked >= 512 * 10, `${checked} line starts`);
  }
});
