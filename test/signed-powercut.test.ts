// Signed records under power cuts: a cut at every erased block and programmed byte of the midnight
// commit (a quarter-hour, a day and a month signed, voltage and max-demand not). After each cut
// the remounted history pairs every signature with its own record (each verifies), a record whose
// signature was cut stays unsigned, and recording on never reuses a counter.
import test from "ava";
import { createPublicKey, generateKeyPairSync, sign, verify } from "node:crypto";
import { History, recordToJson, type HistoryOptions } from "../modules/history/history.js";
import { RecordSigner, ocmfOf } from "../modules/signing/record-signer.js";
import { utf8Encode } from "../modules/util/bytes.js";
import { parseOcmf } from "../modules/signing/ocmf.js";
import { MemoryStore } from "../modules/security/replay.js";
import type { Signer } from "../modules/ports/ports.js";
import { PowerLoss, SimFlash } from "./sim-flash.js";
import { reading } from "./history-fixtures.js";

const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
const signer: Signer = {
  publicKey: () => new Uint8Array(createPublicKey(privateKey).export({ format: "der", type: "spki" })),
  sign: (m) => new Uint8Array(sign("sha256", m, { key: privateKey, dsaEncoding: "der" })),
};
const options: HistoryOptions = { timeZone: "Europe/Amsterdam", layout: { profile: 6, voltage: 3, billing: 3, events: 2, state: 0 } };
const midnight = Date.UTC(2026, 2, 31, 22); // local midnight, 1 April: the day and the month close
// Fractional registers: what is signed must be the rounded form flash keeps.
const at = (ms: number) => reading({ time: ms, importWh: 1_000_000 + (ms - midnight) / 12_000, volts: [231, 229, 230] });

function mount(flash: SimFlash, nvs: MemoryStore): History {
  const h = new History(flash, { now: () => 0 }, options);
  h.sealer = new RecordSigner(signer, nvs, { deviceId: () => "dongle", meterId: () => "E0001", firmware: "1.0.0" }, h.mountedCounter);
  return h;
}

/** Every sealed record: its line verifies, it is a stored record, counters rise. */
function sealedOk(h: History): { counters: number[]; problems: string[] } {
  const stored = new Set(["quarter-hour", "daily", "monthly"].flatMap((s) => [...h.query(s as "daily")].map(recordToJson)));
  const counters: number[] = [];
  const problems: string[] = [];
  for (const { record, seal } of h.sealed()) {
    const line = parseOcmf(ocmfOf(record, seal))!;
    if (!verify("sha256", utf8Encode(line.payload), { key: publicKey, dsaEncoding: "der" }, line.signature)) problems.push(`record ${seal.counter} does not verify`);
    if (!stored.has(recordToJson(record))) problems.push(`record ${seal.counter} is not a stored record`);
    if (counters.length && seal.counter <= counters[counters.length - 1]) problems.push(`record ${seal.counter} after ${counters[counters.length - 1]}`);
    counters.push(seal.counter);
  }
  return { counters, problems };
}

test("a cut at every unit of a signed midnight commit: signatures stay with their records, counters are never reused", (t) => {
  const prepare = () => {
    const flash = new SimFlash({ blocks: 14, seed: 7 });
    const nvs = new MemoryStore();
    const h = mount(flash, nvs);
    for (let ms = midnight - 6 * 3_600_000; ms < midnight; ms += 60_000) h.onReading(at(ms), ms);
    return { flash, nvs, h };
  };
  const probe = prepare();
  const before = sealedOk(probe.h).counters.length;
  t.is(before, 23, "the quarter-hours of six hours but the last, which midnight closes");
  const base = probe.flash.unitsUsed;
  t.deepEqual(probe.h.onReading(at(midnight), midnight).map((r) => r.stream), ["quarter-hour", "voltage", "daily", "monthly", "max-demand"]);
  const units = probe.flash.unitsUsed - base;
  const full = sealedOk(probe.h);
  t.deepEqual(full.problems, []);
  t.deepEqual(full.counters, Array.from({ length: 26 }, (_, i) => i + 1));

  const outcomes = new Map<number, number>();
  for (let k = 0; k < units; k++) {
    const { flash, nvs, h } = prepare();
    flash.cutAfter(k);
    t.throws(() => h.onReading(at(midnight), midnight), { instanceOf: PowerLoss });
    flash.powerOn();
    // Every counter handed out so far, its signature stored or not.
    const issued = Number(nvs.read("sig-counter"));
    const again = mount(flash, nvs);
    const cut = sealedOk(again);
    if (cut.problems.length) t.fail(`cut after ${k}: ${cut.problems.join("; ")}`);
    outcomes.set(cut.counters.length, (outcomes.get(cut.counters.length) ?? 0) + 1);
    // Recording on (the periods the cut lost close again, then 00:00): counters never handed out before.
    for (let ms = midnight + 60_000; ms <= midnight + 16 * 60_000; ms += 60_000) again.onReading(at(ms), ms);
    const on = sealedOk(again);
    if (on.problems.length) t.fail(`cut after ${k}, recording on: ${on.problems.join("; ")}`);
    const fresh = on.counters.slice(cut.counters.length);
    t.deepEqual(on.counters.slice(0, cut.counters.length), cut.counters);
    if (!fresh.length || fresh[0] <= issued) t.fail(`cut after ${k}: new counters ${fresh} after ${issued} issued`);
  }
  // Between 23 (all three signatures cut off) and 26 (the cut came after them) survive, in order.
  t.deepEqual([...outcomes.keys()].sort(), [23, 24, 25, 26]);
  t.log(`${units} cuts; signed records kept after a cut: ${[...outcomes].sort().map(([n, c]) => `${n} (${c} cuts)`).join(", ")}`);
});

test("a signature that fails (PSA refusing) costs the signature, not the record: stored unsigned, its counter skipped", (t) => {
  const flash = new SimFlash({ blocks: 14 });
  const nvs = new MemoryStore();
  const h = new History(flash, { now: () => 0 }, options);
  let calls = 0;
  const flaky: Signer = {
    publicKey: signer.publicKey,
    sign(m) {
      if (++calls === 2) throw new Error("PSA error -134");
      return signer.sign(m);
    },
  };
  h.sealer = new RecordSigner(flaky, nvs, { deviceId: () => "dongle", meterId: () => "E0001", firmware: "1.0.0" });
  for (let ms = midnight - 3_600_000; ms <= midnight - 15 * 60_000; ms += 60_000) h.onReading(at(ms), ms);
  t.is([...h.query("quarter-hour")].length, 3);
  const { counters, problems } = sealedOk(h);
  t.deepEqual(problems, []);
  t.deepEqual(counters, [1, 3]);
  t.is(h.stats.sealErrors, 1);
  t.is(h.stats.lastSealError, "PSA error -134");
});

test("paging by counter: the same records as a full read, reading from the newest blocks only", (t) => {
  const flash = new SimFlash({ blocks: 14 });
  const h = mount(flash, new MemoryStore());
  // Five days: the profile store (6 blocks of about 48 signed quarter-hours) has wrapped.
  for (let ms = midnight - 5 * 86_400_000; ms < midnight; ms += 60_000) h.onReading(at(ms), ms);
  const all = [...h.sealed()].map((s) => s.seal.counter);
  t.true(all.length > 200, `${all.length} kept`);
  t.true(all[0] > 1, "the oldest were reclaimed");
  flash.bytesRead = 0;
  [...h.sealed()];
  const full = flash.bytesRead;
  t.is(full, 7 * 4096);
  for (const after of [0, all[0] - 1, all[40], all[all.length - 9], all[all.length - 1]]) {
    flash.bytesRead = 0;
    const page = [...h.sealed(undefined, undefined, undefined, after)].map((s) => s.seal.counter);
    t.deepEqual(page, all.filter((c) => c > after), `after ${after}`);
    // The last page: each store's head block, found and then read (4 blocks; all of them: 7, and 208 in 1 MiB).
    if (after === all[all.length - 9]) t.is(flash.bytesRead, 4 * 4096, `${flash.bytesRead} bytes read for the last page, ${full} for all`);
  }
});
