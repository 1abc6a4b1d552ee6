// Every DSMR case of the shared corpus, against the values its source project asserts.
import test from "ava";
import { decodeAll } from "../modules/decode/decoder.js";
import { corpusCases, readCase } from "./helpers/corpus.js";
import { compareAthombv, compareNdokter, ndokterObisNames } from "./helpers/dsmr-expected.js";
import { compareInterpreted } from "./helpers/athombv-interpreted.js";
import { readableId } from "../modules/reading/normalise.js";

const cases = corpusCases("dsmr-");
const obisByName = ndokterObisNames(corpusCases("dsmr-ndokter-").map((id) => readCase(id).expected.expected));

test("the corpus has the DSMR cases", (t) => {
  t.is(cases.length, 34);
});

for (const id of cases) {
  test(`corpus ${id}`, (t) => {
    const c = readCase(id);
    const results = decodeAll(c.bytes);
    t.is(results.length, 1, "one telegram per file");
    const r = results[0];
    t.is(r.protocol, "dsmr");
    // Spec examples whose printed CRC is wrong must be CRC errors, as their sources assert.
    if (c.expected.integrity?.verifies === false) {
      t.is(r.error, "crc");
      t.false(r.ok);
      t.is(r.reading, undefined, "a CRC-failed telegram yields no reading");
    } else {
      t.true(r.ok, r.message);
      t.truthy(r.reading);
    }
    const cmp = id.startsWith("dsmr-ndokter-") ? compareNdokter(r, c.expected.expected, obisByName) : compareAthombv(r, c.expected.expected);
    t.deepEqual(cmp.mismatches, []);
    t.true(cmp.compared >= 1, "the case asserts something we compare");
    t.log(`${cmp.compared} asserted values compared`);
    const so = c.expected.expected.source_output;
    if (id.startsWith("dsmr-athombv-") && so) {
      // Their interpreted fields: which object means what.
      const meaning = compareInterpreted(r, so, (v) => readableId(v ?? null));
      t.deepEqual(meaning.mismatches, []);
      t.log(`${meaning.compared} interpreted fields compared${meaning.divergences.length ? `; not compared: ${meaning.divergences.join(", ")}` : ""}`);
      interpreted += meaning.compared;
    }
  });
}

let interpreted = 0;
test.after("athombv interpreted fields compared in all", (t) => {
  t.log(`${interpreted} interpreted fields`);
});

test("times are UTC instants with the S/W flag honoured", (t) => {
  const [r] = decodeAll(readCase("dsmr-ndokter-v4_2-kaifa").bytes);
  t.is(r.time, "2016-11-13T19:57:57Z");
  const [summer] = decodeAll(readCase("dsmr-ndokter-fluvius-v171").bytes);
  t.is(summer.time, "2020-05-12T11:54:09Z");
});

test("M-Bus channels are typed by device type, not by channel number", (t) => {
  const [fluvius] = decodeAll(readCase("dsmr-ndokter-fluvius-v171").bytes);
  t.deepEqual(
    fluvius.reading!.subMeters.map((m) => [m.channel, m.type, m.value, m.unit]),
    [[1, "gas", 112.384, "m3"], [2, "water", 872.234, "m3"]],
  );
  const [heat] = decodeAll(readCase("dsmr-ndokter-v5-warmtelink-unpadded-crc").bytes);
  t.is(heat.reading!.subMeters[0].type, "heat");
  t.is(heat.reading!.subMeters[0].unit, "GJ");
});

test("the Reading is in Wh and W whatever the meter's unit", (t) => {
  const [kaifa] = decodeAll(readCase("dsmr-ndokter-v4_2-kaifa").bytes);
  t.deepEqual(kaifa.reading!.energy.importTariffs, [1581123, 1435706]);
  t.is(kaifa.reading!.energy.import, 3016829);
  t.is(kaifa.reading!.power.import, 2027);
  t.is(kaifa.reading!.tariff, 2);
  const [lux] = decodeAll(readCase("dsmr-ndokter-luxembourg-sagemcom-t210dr-plain").bytes);
  t.is(lux.reading!.energy.import, 6545766);
  t.deepEqual(kaifa.reading!.events.length, 3);
  t.is(kaifa.reading!.events[0].durationS, 237126);
});

test("Belgian capacity tariff objects", (t) => {
  const [r] = decodeAll(readCase("dsmr-ndokter-fluvius-v171").bytes);
  t.deepEqual(r.reading!.demand, { average: 2351, monthPeak: 2589, monthPeakTime: "2020-05-09T11:45:58Z" });
  t.is(r.values["0-0:98.1.0"].entries!.length, 3);
});

test("the DSMR 2.2 multi-line gas object", (t) => {
  const [r] = decodeAll(readCase("dsmr-ndokter-v2_2-iskra-mt382").bytes);
  t.deepEqual(r.values["0-1:24.3.0"], { value: 1.001, unit: "m3", time: "2016-11-07T18:00:00Z" });
  t.is(r.reading!.subMeters[0].type, "gas");
});
