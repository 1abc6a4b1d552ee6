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

// Eight seeded slices, so a failure names a reproducible variant (and each stays short on a busy machine).
const SLICES = 8;
for (let seed = 1; seed <= SLICES; seed++) {
  test(`damage sample ${seed}: ${SAMPLE / SLICES} variants, none ok with other values, none throws`, (t) => {
    const rnd = seeded(seed);
    const tally = newTally();
    for (let i = 0; i < SAMPLE / SLICES; i++) {
      const c = cases[Math.floor(rnd() * cases.length)];
      judge(c, Math.floor(rnd() * variantCount(c)), tally);
    }
    t.log(`${tally.variants} variants: ${tally.same} ok as sent, ${tally.repaired} repaired CRC failures, ${tally.wrong} wrong, ${tally.exceptions} exceptions`);
    t.deepEqual(tally.examples.filter((e) => !/ok with other values$/.test(e) || tally.wrong), []);
    t.is(tally.wrong, 0);
    t.is(tally.exceptions, 0);
    t.is(tally.variants, SAMPLE / SLICES);
  });
}

// The case: an inserted byte broke the HDLC framing and the detector re-read the
// E6 E7 00 0F… inside it as an unchecked APDU (37,000 variants across 11 frames).
for (const c of cases.filter((c) => c.id.startsWith("hdlc-") && c.genuine.size > 0)) {
  test(`every single-byte insertion into ${c.id}: never ok with other values`, (t) => {
    const tally = newTally();
    for (let pos = 0; pos <= c.bytes.length; pos++) {
      for (let b = 0; b < 256; b++) judge(c, pos === c.bytes.length ? pos * 512 + b : pos * 512 + 256 + b, tally);
    }
    t.is(tally.variants, (c.bytes.length + 1) * 256);
    t.is(tally.wrong, 0);
    t.is(tally.exceptions, 0);
  });
}
