// The state log (publish cursors, DLMS frame counters) under power cuts: a cut at every erase and
// every programmed byte of every change, and runs of cuts in a row. After each cut the recovered
// state is the state before the change or after it: a cursor is never ahead of what was written
// (the acknowledged position) nor behind the last completed write, a counter never goes back, a
// forgotten counter stays forgotten.
import test from "ava";
import { StateLog } from "../modules/history/state-log.js";
import { PowerLoss, SimFlash } from "./sim-flash.js";

const REGION = { firstBlock: 0, blocks: 8 };
const TITLES = ["4b464d6750000009", "0011223344556677", "a1b2c3d4e5f60718"];

type Op = { kind: "cursor"; stream: number; seq: number; offset: number } | { kind: "counter"; title: string } | { kind: "forget"; title?: string };

/** A deterministic mix: cursors of six streams moving on, counters rising, now and then a forget. */
function op(i: number): Op {
  if (i % 97 === 50) return { kind: "forget" };
  if (i % 31 === 7) return { kind: "forget", title: TITLES[i % 3] };
  if (i % 2) return { kind: "counter", title: TITLES[(i >> 5) % 3] }; // one meter at a time, mostly
  return { kind: "cursor", stream: (i >> 1) % 6, seq: (0xfffffff0 + (i >> 6)) >>> 0, offset: 16 + ((i * 13) % 4000) };
}

interface Model {
  cursors: Map<number, { seq: number; offset: number }>;
  counters: Map<string, number>;
}

function apply(m: Model, o: Op, i: number): void {
  if (o.kind === "cursor") m.cursors.set(o.stream, { seq: o.seq, offset: o.offset });
  else if (o.kind === "counter") m.counters.set(o.title, (m.counters.get(o.title) ?? 1000 * i) + 1 + (i % 3));
  else if (o.title) m.counters.delete(o.title);
  else m.counters.clear();
}

function run(log: StateLog, o: Op, m: Model): void {
  if (o.kind === "cursor") log.setCursor(o.stream, o);
  else if (o.kind === "counter") log.setCounter(o.title, m.counters.get(o.title)!);
  else log.forget(o.title);
}

/** The state as comparable text: cursors by stream, counters by title. */
function text(s: Model | StateLog): string {
  const c = [...s.cursors].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}=${v.seq.toString(16)}:${v.offset}`);
  const n = [...s.counters].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, v]) => `${k}=${v}`);
  return `${c.join(",")} | ${n.join(",")}`;
}

function clone(m: Model): Model {
  return { cursors: new Map(m.cursors), counters: new Map(m.counters) };
}

function mustCut(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof PowerLoss) return;
    throw e;
  }
  throw new Error("the cut did not interrupt the change");
}

test("a cut at every erase and every programmed byte of 2,000 changes recovers the state before or after the change", (t) => {
  // Small blocks: the 8-block ring goes round many times, so checkpoints and reclamation are cut too.
  const flash = new SimFlash({ blocks: 8, blockLength: 512, seed: 11 });
  const model: Model = { cursors: new Map(), counters: new Map() };
  let cuts = 0;
  let torn = 0;
  const failures: string[] = [];
  for (let i = 0; i < 2000 && failures.length < 3; i++) {
    const o = op(i);
    const before = clone(model);
    apply(model, o, i);
    const probe = flash.clone();
    const probeLog = new StateLog(probe, REGION);
    const base = probe.unitsUsed;
    run(probeLog, o, model);
    const units = probe.unitsUsed - base;
    for (let k = 0; k < units; k++) {
      const f = flash.clone();
      f.tornErase = k % 2 ? "prefix" : "stray-bits";
      const log = new StateLog(f, REGION);
      f.cutAfter(k);
      mustCut(() => run(log, o, model));
      cuts++;
      torn += f.tornErases;
      f.powerOn();
      const recovered = new StateLog(f, REGION);
      const got = text(recovered);
      if (got !== text(before) && got !== text(model)) {
        failures.push(`change ${i} (${o.kind}), cut after ${k} of ${units} units: ${got}; before ${text(before)}; after ${text(model)}`);
        break;
      }
      // The device carries on: the change is made again and survives the next mount.
      run(recovered, o, model);
      const again = text(new StateLog(f, REGION));
      if (again !== text(model)) failures.push(`change ${i}, cut after ${k}, then again: ${again}; want ${text(model)}`);
    }
    run(new StateLog(flash, REGION), o, model);
    if (text(new StateLog(flash, REGION)) !== text(model)) failures.push(`change ${i} without a cut`);
  }
  t.deepEqual(failures, []);
  t.true(cuts > 20_000, `${cuts} cuts`);
  t.true(torn > 40, `${torn} torn erases`);
  t.true(Math.min(...flash.eraseCounts) >= 3, `every block erased at least 3 times (${[...flash.eraseCounts]})`);
  const msg = `state log: ${cuts} cuts over 2000 changes (${torn} torn erases), every one recovered to the state before or after its change`;
  t.log(msg);
  console.log(msg);
});

/** The state log's head block: the live header with the greatest sequence (index, seq). */
function head(f: SimFlash): { index: number; seq: number } {
  let best = { index: -1, seq: -1 };
  for (let b = 0; b < REGION.blocks; b++) {
    const h = f.bytes.subarray(b * f.blockLength, b * f.blockLength + 8);
    const seq = (h[4] | (h[5] << 8) | (h[6] << 16) | (h[7] << 24)) >>> 0;
    if (h[0] === 0x4d && h[1] === 0x54 && h[3] === 5 && seq > best.seq) best = { index: b, seq };
  }
  return best;
}

test("checkpoints cut up to 12 times in a row, and random cuts, never lose a completed change", (t) => {
  let rng = 12345;
  const random = (n: number) => {
    rng ^= rng << 13;
    rng ^= rng >>> 17;
    rng ^= rng << 5;
    return (rng >>> 0) % n;
  };
  const flash = new SimFlash({ blocks: 8, blockLength: 512, seed: 3 });
  const model: Model = { cursors: new Map(), counters: new Map() };
  let cuts = 0;
  let inCheckpoint = 0;
  let reused = 0;
  let log = new StateLog(flash, REGION);
  for (let i = 0; i < 3000; i++) {
    const o = op(i);
    const before = clone(model);
    apply(model, o, i);
    // Until the change completes, the power fails again and again: inside the checkpoint of a
    // new block when the change opens one (after its erase), else a few bytes into it.
    for (let attempt = 0; ; attempt++) {
      const probe = flash.clone();
      const probeLog = new StateLog(probe, REGION);
      const base = probe.unitsUsed;
      probe.trace = [];
      run(probeLog, o, model);
      const erase = probe.trace.find((x) => x.op === "erase");
      const units = probe.unitsUsed - base;
      if (erase && attempt < 12) {
        flash.cutAfter(erase.at - base + 1 + random(units - (erase.at - base) - 1));
        inCheckpoint++;
      } else if (attempt < 3 && random(2) === 0) flash.cutAfter(random(units));
      const was = head(flash);
      const wasErased = flash.eraseCounts[was.index];
      try {
        run(log, o, model);
        flash.cutAfter(Infinity);
        break;
      } catch (e) {
        if (!(e instanceof PowerLoss)) throw e;
        cuts++;
        flash.powerOn();
        const now = head(flash);
        if (was.index >= 0 && now.index === was.index && flash.eraseCounts[was.index] > wasErased) reused++;
        log = new StateLog(flash, REGION);
        const got = text(log);
        if (got !== text(before) && got !== text(model)) return t.fail(`change ${i}, cut ${cuts}: ${got}; before ${text(before)}`);
      }
    }
    if (i % 100 === 0) t.is(text(new StateLog(flash, REGION)), text(model), `change ${i}`);
  }
  t.is(text(new StateLog(flash, REGION)), text(model));
  t.true(inCheckpoint > 500, `${inCheckpoint} cuts inside checkpoints`);
  t.true(reused > 20, `${reused} times the head was reopened because the oldest block held the only checkpoint`);
  const msg = `state log: ${cuts} cuts in runs over 3000 changes, ${inCheckpoint} inside new blocks' checkpoints (up to 12 in a row), head reopened ${reused} times`;
  t.log(msg);
  console.log(msg);
});

test("a damaged counter record: the short counter records after it are not given to another title", (t) => {
  const flash = new SimFlash({ blocks: 8, blockLength: 512 });
  const log = new StateLog(flash, REGION);
  log.setCounter(TITLES[0], 100); // the first change: a checkpoint holding this counter
  log.setCounter(TITLES[1], 500); // a full record (another title)
  for (let c = 501; c <= 503; c++) log.setCounter(TITLES[1], c); // short records, title left out
  t.is(new StateLog(flash, REGION).counters.get(TITLES[1]), 503);
  const title = Buffer.from(TITLES[1], "hex");
  const at = Buffer.from(flash.bytes).indexOf(title);
  flash.bytes[at + 3] &= 0xfe; // one bit of the full record's title
  const after = new StateLog(flash, REGION);
  t.is(after.counters.get(TITLES[0]), 100, "the short records did not move another title's counter");
  t.false(after.counters.has(TITLES[1]));
});

test("what a change costs in flash: 8 bytes for the last title's counter, 16 for another title, 11 for a cursor", (t) => {
  const flash = new SimFlash({ blocks: 8, blockLength: 4096 });
  const log = new StateLog(flash, REGION);
  log.setCounter(TITLES[0], 1); // the first change: header and checkpoint
  const cost = (change: () => void) => {
    const before = flash.bytesWritten;
    change();
    return flash.bytesWritten - before;
  };
  t.is(cost(() => log.setCounter(TITLES[0], 2)), 8);
  t.is(cost(() => log.setCounter(TITLES[1], 7)), 16);
  t.is(cost(() => log.setCounter(TITLES[1], 8)), 8);
  t.is(cost(() => log.setCursor(0, { seq: 3, offset: 40 })), 11);
  t.is(cost(() => log.setCounter(TITLES[1], 9)), 8, "a cursor between keeps the title");
  t.is(cost(() => log.forget(TITLES[1])), 12);
  t.is(cost(() => log.setCounter(TITLES[1], 10)), 16, "after a forget the title is written again");
  t.is(new StateLog(flash, REGION).counters.get(TITLES[1]), 10);
});
