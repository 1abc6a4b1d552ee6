// A seeded sample of the exhaustive single-byte damage proof (bench/damage.ts runs every variant):
// no damaged protected frame decodes to a value the meter did not send, and none throws.
import test from "ava";
import { judge, newTally, protectedCases, seeded, variantCount } from "./helpers/damage.js";

const cases = protectedCases();
const SAMPLE = 200_000;

test("the protected corpus frames are all there", (t) => {
  t.true(cases.length >= 50, `${cases.length} cases`);
  t.true(cases.filter((c) => c.genuine.size > 0).length >= 35);
});

// Four seeded slices, so a failure names a reproducible variant.
for (const seed of [1, 2, 3, 4]) {
  test(`damage sample ${seed}: ${SAMPLE / 4} variants, none ok with other values, none throws`, (t) => {
    const rnd = seeded(seed);
    const tally = newTally();
    for (let i = 0; i < SAMPLE / 4; i++) {
      const c = cases[Math.floor(rnd() * cases.length)];
      judge(c, Math.floor(rnd() * variantCount(c)), tally);
    }
    t.log(`${tally.variants} variants: ${tally.same} ok as sent, ${tally.repaired} repaired CRC failures, ${tally.wrong} wrong, ${tally.exceptions} exceptions`);
    t.deepEqual(tally.examples.filter((e) => !/ok with other values$/.test(e) || tally.wrong), []);
    t.is(tally.wrong, 0);
    t.is(tally.exceptions, 0);
    t.is(tally.variants, SAMPLE / 4);
  });
}

test("every single-byte insertion into every HDLC corpus frame: never ok with other values", (t) => {
  // The case: an inserted byte broke the HDLC framing and the detector re-read the
  // E6 E7 00 0F… inside it as an unchecked APDU (37,000 variants across 11 frames).
  const tally = newTally();
  for (const c of cases.filter((c) => c.id.startsWith("hdlc-") && c.genuine.size > 0)) {
    for (let pos = 0; pos <= c.bytes.length; pos++) {
      for (let b = 0; b < 256; b++) judge(c, pos === c.bytes.length ? pos * 512 + b : pos * 512 + 256 + b, tally);
    }
  }
  t.true(tally.variants > 250_000);
  t.is(tally.wrong, 0);
  t.is(tally.exceptions, 0);
});
