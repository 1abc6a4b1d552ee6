// Power cuts at every erase and program (and at every byte of every fifth append) of a 1,200-append workload on 8 blocks of
// 4 KiB (several rotations, across the 32-bit sequence wrap), with torn erases and partly
// programmed bytes; after each cut the store is remounted and must show every acknowledged
// record intact, at most the in-flight one missing, nothing reappearing, in order.
import test, { type ExecutionContext } from "ava";
import { LogStore, type LogStoreOptions } from "../modules/history/log-store.js";
import { PowerLoss, SimFlash, type TornErase } from "./sim-flash.js";
import { History, recordToJson } from "../modules/history/history.js";
import { reading } from "./history-fixtures.js";

const BLOCKS = 8;

function payload(i: number): Uint8Array {
  const p = new Uint8Array(20 + ((i * 7) % 61));
  p[0] = i & 0xff;
  p[1] = (i >>> 8) & 0xff;
  p[2] = (i >>> 16) & 0xff;
  for (let k = 3; k < p.length; k++) p[k] = (i * 31 + k * 17) & 0xff;
  return p;
}

function idOf(p: Uint8Array): number {
  return p[0] | (p[1] << 8) | (p[2] << 16);
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Fewest records the store must keep: all but two blocks full of the largest record. */
const MIN_KEPT = (BLOCKS - 2) * Math.floor((4096 - 12) / LogStore.recordBytes(80));

interface Visible {
  first: number;
  last: number;
}

/** Checks the invariants; returns the visible id range (first > last when empty). */
function check(store: LogStore, acked: number, inflight: number, firstBefore: number): Visible | string {
  const ids: number[] = [];
  for (const r of store.records()) {
    const id = idOf(r.payload);
    if (!same(r.payload, payload(id))) return `record ${id} corrupted`;
    if (r.type !== id % 200) return `record ${id} has type ${r.type}`;
    ids.push(id);
  }
  for (let k = 1; k < ids.length; k++) if (ids[k] !== ids[k - 1] + 1) return `order broken: ${ids[k - 1]} then ${ids[k]}`;
  const last = ids.length ? ids[ids.length - 1] : -1;
  const first = ids.length ? ids[0] : last + 1;
  if (last !== acked && last !== inflight) return `last visible ${last}, acknowledged ${acked}`;
  if (acked >= 0 && first < firstBefore) return `record ${first} reappeared (oldest was ${firstBefore})`;
  if (acked - first + 1 < Math.min(acked + 1, MIN_KEPT)) return `only ${acked - first + 1} records kept`;
  return { first, last };
}

/**
 * Unit counts (programmed bytes and erases from the start of the append) to cut at: every unit
 * when `everyByte`, otherwise the first, second, middle and last unit of each program and erase.
 */
function cutPoints(starts: number[], units: number, everyByte: boolean): number[] {
  if (everyByte) return Array.from({ length: units }, (_, k) => k);
  const set = new Set<number>();
  starts.forEach((s, n) => {
    const e = n + 1 < starts.length ? starts[n + 1] : units;
    for (const k of [s, s + 1, (s + e) >> 1, e - 1]) if (k >= s && k < e) set.add(k);
  });
  return [...set].sort((a, b) => a - b);
}

function sweep(initialSeq: number, appends: number, everyByte: (i: number) => boolean, tornFor: (i: number) => TornErase) {
  const opts: LogStoreOptions = { firstBlock: 0, blocks: BLOCKS, storeId: 1, initialSeq };
  const main = new SimFlash({ blocks: BLOCKS, seed: 7 });
  const store = new LogStore(main, opts);
  const failures: string[] = [];
  const record = (i: number) => () => ({ type: i % 200, payload: payload(i) });
  let cuts = 0;
  let erasesCut = 0;
  let firstBefore = 0;
  for (let i = 0; i < appends && failures.length < 5; i++) {
    // A dry run on a copy gives the units of this append and where each operation starts.
    const probe = main.clone();
    const probeStore = new LogStore(probe, opts);
    const base = probe.unitsUsed;
    probe.trace = [];
    probeStore.append(record(i));
    const starts = probe.trace.map((o) => o.at - base);
    for (const k of cutPoints(starts, probe.unitsUsed - base, everyByte(i))) {
      const f = main.clone();
      f.tornErase = tornFor(i);
      const s = new LogStore(f, opts);
      f.cutAfter(k);
      t_assertThrows(() => s.append(record(i)));
      cuts++;
      erasesCut += f.tornErases;
      f.powerOn();
      const recovered = new LogStore(f, opts);
      const seen = check(recovered, i - 1, i, firstBefore);
      if (typeof seen === "string") {
        failures.push(`append ${i}, cut after ${k} units: ${seen}`);
        break;
      }
      // The recovered store takes the record again (unless the cut came after it was complete).
      if (seen.last !== i) recovered.append(record(i));
      const after = check(new LogStore(f, opts), i, i, firstBefore);
      if (typeof after === "string" || after.last !== i) failures.push(`append ${i}, cut after ${k} units, then append: ${JSON.stringify(after)}`);
    }
    store.append(record(i));
    const seen = check(store, i, i, firstBefore);
    if (typeof seen === "string") failures.push(`append ${i} without a cut: ${seen}`);
    else firstBefore = seen.first;
    // A fresh mount finds the head exactly where the running store has it.
    const remounted = new LogStore(main, opts);
    if (JSON.stringify(remounted.head) !== JSON.stringify(store.head)) failures.push(`append ${i}: mount found ${JSON.stringify(remounted.head)}, store has ${JSON.stringify(store.head)}`);
  }
  return { cuts, erasesCut, failures, erases: Math.max(...main.eraseCounts) };
}

function t_assertThrows(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof PowerLoss) return;
    throw e;
  }
  throw new Error("the cut did not interrupt the append");
}

test("a cut at every erase and every programmed byte loses nothing acknowledged (wrap at 0xFFFFFFFF)", (t) => {
  const r = sweep(0xfffffffc, 1200, (i) => i % 5 === 0, (i) => (i % 2 ? "prefix" : "stray-bits"));
  t.deepEqual(r.failures, []);
  t.true(r.cuts >= 10_000, `${r.cuts} cuts`);
  t.true(r.erasesCut >= 10, `${r.erasesCut} torn erases`);
  t.true(r.erases >= 2, `busiest block erased ${r.erases} times: the ring must go round more than once`);
  const msg = `power-cut sweep: ${r.cuts} cuts exercised (${r.erasesCut} torn erases, ${r.erases} rotations) over 1200 appends, 8 x 4 KiB blocks, seq from 0xFFFFFFFC`;
  t.log(msg);
  console.log(msg);
});

test("the same sweep across the 0x7FFFFFFF -> 0x80000000 sequence wrap", (t) => {
  const r = sweep(0x7ffffffc, 400, (i) => i % 10 === 0, () => "stray-bits");
  t.deepEqual(r.failures, []);
  t.true(r.cuts >= 1_000, `${r.cuts} cuts`);
  const msg = `power-cut sweep: ${r.cuts} cuts exercised over 400 appends, seq from 0x7FFFFFFC`;
  t.log(msg);
  console.log(msg);
});

test("torn erases in both shapes and stray 0 bits in erased space never cost an acknowledged record", (t) => {
  const opts: LogStoreOptions = { firstBlock: 0, blocks: BLOCKS, storeId: 1 };
  const main = new SimFlash({ blocks: BLOCKS, seed: 3 });
  let store = new LogStore(main, opts);
  const failures: string[] = [];
  let torn = 0;
  let flips = 0;
  let firstBefore = 0;
  const record = (i: number) => () => ({ type: i % 200, payload: payload(i) });
  for (let i = 0; i < 900 && failures.length < 5; i++) {
    const probe = main.clone();
    const probeStore = new LogStore(probe, opts);
    probe.trace = [];
    const base = probe.unitsUsed;
    probeStore.append(record(i));
    for (const op of probe.trace.filter((o) => o.op === "erase")) {
      for (let seed = 1; seed <= 24; seed++) {
        const f = new SimFlash({ blocks: BLOCKS, seed: seed * 7919 + i }, main.bytes);
        f.tornErase = seed % 2 ? "prefix" : "stray-bits";
        const s = new LogStore(f, opts);
        f.cutAfter(op.at - base);
        t_assertThrows(() => s.append(record(i)));
        torn += f.tornErases;
        f.powerOn();
        const r = new LogStore(f, opts);
        const seen = check(r, i - 1, i, firstBefore);
        if (typeof seen === "string") failures.push(`append ${i}, torn erase seed ${seed}: ${seen}`);
        else if (seen.last !== i) r.append(record(i));
        const after = check(new LogStore(f, opts), i, i, firstBefore);
        if (typeof after === "string" || after.last !== i) failures.push(`append ${i}, torn erase seed ${seed}, then append: ${JSON.stringify(after)}`);
      }
    }
    if (i % 50 === 25) {
      // Cells of the erased space lose bits. Half the time the device reboots (the mount must see
      // it), half the time it runs on (the append must notice and move to a fresh block).
      const head = store.head!;
      const block = blockOf(main, head.seq);
      main.flipBits(3, block * 4096 + head.offset, (block + 1) * 4096);
      flips += 3;
      if (i % 100 === 25) store = new LogStore(main, opts);
    }
    store.append(record(i));
    const seen = check(new LogStore(main, opts), i, i, firstBefore);
    if (typeof seen === "string") failures.push(`append ${i}: ${seen}`);
    else firstBefore = seen.first;
  }
  t.deepEqual(failures, []);
  t.true(torn >= 200, `${torn} torn erases`);
  const msg = `torn-erase cases: ${torn} torn erases (prefix and stray-bit shapes), ${flips} stray bits in erased space`;
  t.log(msg);
  console.log(msg);
});

/** The block whose header carries `seq`. */
function blockOf(f: SimFlash, seq: number): number {
  for (let b = 0; b < BLOCKS; b++) {
    const h = f.bytes.subarray(b * 4096, b * 4096 + 8);
    if (h[0] === 0x4d && h[1] === 0x54 && ((h[4] | (h[5] << 8) | (h[6] << 16) | (h[7] << 24)) >>> 0) === seq) return b;
  }
  throw new Error("no block with seq " + seq);
}

/**
 * A recomputed billing record covers the uncut one's period; its end registers come from the
 * profile, whose interval closed with the first reading after the cut (a minute later here: 5 Wh).
 */
function sameTotals(a: string, b: string): boolean {
  const x = JSON.parse(a), y = JSON.parse(b);
  return x.day === y.day && x.month === y.month && x.start === y.start && Math.abs(x.delta["+A"] - y.delta["+A"]) <= 10 && Math.abs(x.registers["+A"] - y.registers["+A"]) <= 10;
}

/**
 * A cut at every unit of the commit at local midnight `midnight` (UTC ms), which closes the day
 * and the month `month` ("2026-03"); after remount every closed period has its records.
 */
function midnightSweep(t: ExecutionContext, midnight: number, month: string): number {
  const streams = ["quarter-hour", "voltage", "daily", "monthly", "max-demand", "events"] as const;
  const options = { timeZone: "Europe/Amsterdam", layout: { profile: 6, voltage: 3, billing: 3, events: 2, state: 0 } };
  const at = (ms: number) => reading({ time: ms, importWh: 1_000_000 + (ms - midnight) / 12_000, volts: [231, 229, 230] });
  /** A running History six hours before midnight (the in-RAM state is part of what is cut). */
  const prepare = () => {
    const flash = new SimFlash({ blocks: 14, seed: 5 });
    const history = new History(flash, { now: () => 0 }, options);
    for (let ms = midnight - 6 * 3_600_000; ms < midnight; ms += 60_000) history.onReading(at(ms), ms);
    return { flash, history };
  };
  const lines = (hist: History) => streams.map((s) => [...hist.query(s)].map(recordToJson));
  const probe = prepare();
  const baseline = lines(probe.history);
  const base = probe.flash.unitsUsed;
  const committed = probe.history.onReading(at(midnight), midnight);
  const units = probe.flash.unitsUsed - base;
  t.deepEqual(committed.map((r) => r.stream), ["quarter-hour", "voltage", "daily", "monthly", "max-demand"]);
  t.true(recordToJson(committed[3]).includes(`"month":"${month}"`), recordToJson(committed[3]));
  let cuts = 0;
  for (let k = 0; k < units; k++) {
    const { flash, history } = prepare();
    flash.cutAfter(k);
    t.throws(() => history.onReading(at(midnight), midnight), { instanceOf: PowerLoss });
    cuts++;
    flash.powerOn();
    const after = lines(new History(flash, { now: () => 0 }, options));
    const prefix = Array.from({ length: committed.length + 1 }, (_, m) => m).some((m) =>
      streams.every((s, i) => JSON.stringify(after[i]) === JSON.stringify([...baseline[i], ...committed.slice(0, m).filter((r) => r.stream === s).map(recordToJson)])));
    if (!prefix) {
      t.fail(`cut after ${k} units: not a prefix of the commit`);
      break;
    }
    // Recording resumes: a quarter-hour later the profile has moved on without overlaps.
    const again = new History(flash, { now: () => 0 }, options);
    for (let ms = midnight + 60_000; ms <= midnight + 16 * 60_000; ms += 60_000) again.onReading(at(ms), ms);
    const q = [...again.query("quarter-hour")] as any[];
    for (let i = 1; i < q.length; i++) if (q[i].start < q[i - 1].end) t.fail(`cut after ${k}: intervals overlap`);
    t.is(q[q.length - 1].end, midnight + 15 * 60_000);
    // Each closed period has its records, once, and as the uncut commit wrote them.
    for (const [stream, i] of [["daily", 2], ["monthly", 3], ["max-demand", 4]] as const) {
      const want = recordToJson(committed[i]);
      const got = [...again.query(stream)].map(recordToJson).filter((l) => l.includes(`"${month}`));
      const close = stream === "max-demand" ? got.length === 1 && got[0] === want : got.length === 1 && sameTotals(got[0], want);
      if (!close) t.fail(`cut after ${k}: ${stream} after remount: ${JSON.stringify(got)}, want ${want}`);
    }
  }
  t.true(cuts >= 50, `${cuts} cuts`);
  const msg = `History commit at midnight ${new Date(midnight).toISOString()}: ${cuts} cuts, each leaving a prefix of its ${committed.length} records`;
  t.log(msg);
  console.log(msg);
  return cuts;
}

test("History: a cut at every unit of the midnight commit keeps a prefix of it; after remount every closed period has its records", (t) => {
  midnightSweep(t, Date.UTC(2026, 2, 31, 22, 0), "2026-03"); // local midnight, 1 April: day and month close
});

test("the same at the year end: the commit that closes 31 December, December and the year", (t) => {
  midnightSweep(t, Date.UTC(2026, 11, 31, 23, 0), "2026-12"); // local midnight, 1 January 2027 (CET)
});
