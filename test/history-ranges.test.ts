// Block ranges: a bounded history query passes by the blocks whose range lies outside and still
// returns exactly what reading every block would, whatever the meter's clock did, across
// remounts and power cuts at every unit of the append that opens a block.
import test from "ava";
import fc from "fast-check";
import { History, recordToJson, type StreamName } from "../modules/history/history.js";
import type { FlashRegion } from "../modules/ports/ports.js";
import { LogStore } from "../modules/history/log-store.js";
import { PowerLoss, SimFlash } from "./sim-flash.js";
import { reading } from "./history-fixtures.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 0, 10);
const STREAMS: StreamName[] = ["quarter-hour", "voltage", "daily", "monthly", "max-demand", "events"];
const timeOf = (r: any): number => (r.stream === "events" ? r.time : r.start);

/** What a query must return: every record of the stream, selected by time. */
function expected(h: History, stream: StreamName, from: number, to: number): string[] {
  return [...h.query(stream)].filter((r) => timeOf(r) >= from && timeOf(r) < to).map(recordToJson);
}

/** A flash whose reads are recorded by size (a block's start read, a whole block). */
function readsOf(flash: SimFlash): { region: FlashRegion; reads: number[] } {
  const reads: number[] = [];
  const region: FlashRegion = {
    read: (n, at) => {
      reads.push(n);
      return flash.read(n, at);
    },
    write: (buf, at) => flash.write(buf, at),
    eraseBlock: (b) => flash.eraseBlock(b),
    status: () => flash.status(),
  };
  return { region, reads };
}

/** A meter on `h` from meter time `from` for `ms`, a reading every `stepS`; returns its register. */
function run(h: History, from: number, ms: number, stepS: number, wh: number): number {
  for (let t = from; t < from + ms; t += stepS * 1000) {
    wh += 40 + ((t / 60_000) % 13);
    h.onReading(reading({ time: t, importWh: wh, volts: [230 + ((t / 900_000) % 5), 231, 229] }), t);
  }
  return wh;
}

test("a bounded query returns what reading every block selects, whatever the meter's clock did (jumps both ways, remounts)", (t) => {
  let unordered = 0;
  fc.assert(
    fc.property(
      fc.array(fc.record({ hours: fc.integer({ min: 2, max: 60 }), jumpH: fc.integer({ min: -120, max: 48 }), remount: fc.boolean() }), { minLength: 3, maxLength: 10 }),
      fc.array(fc.tuple(fc.double({ min: -0.1, max: 1.1, noNaN: true }), fc.double({ min: 0, max: 0.5, noNaN: true })), { minLength: 4, maxLength: 8 }),
      (segments, ranges) => {
        const flash = new SimFlash({ blocks: 40, blockLength: 512 });
        let h = new History(flash, { now: () => 0 }, { timeZone: "Europe/Brussels" });
        let at = T0;
        let wh = 1_000_000;
        let lo = Infinity, hi = -Infinity;
        for (const s of segments) {
          wh = run(h, at, s.hours * HOUR, 900, wh);
          lo = Math.min(lo, at);
          hi = Math.max(hi, at + s.hours * HOUR);
          at += s.hours * HOUR + s.jumpH * HOUR;
          if (s.remount) h = new History(flash, { now: () => 0 }, { timeZone: "Europe/Brussels" });
        }
        const starts = [...h.query("quarter-hour")].map(timeOf);
        if (starts.some((v, i) => i > 0 && v < starts[i - 1])) unordered++;
        for (const [a, w] of ranges) {
          const from = lo + a * (hi - lo);
          const to = from + w * (hi - lo);
          for (const stream of STREAMS) {
            const got = [...h.query(stream, from, to)].map(recordToJson);
            if (JSON.stringify(got) !== JSON.stringify(expected(h, stream, from, to))) return false;
          }
        }
        return true;
      },
    ),
    { numRuns: 60, seed: 20261202 },
  );
  // The clock went back in enough runs that records are out of time order across blocks.
  t.true(unordered >= 10, `${unordered} of 60 runs with quarter-hours out of order`);
});

test("the last day of 60 days of quarter-hours reads whole only the blocks that hold it, and the start of the others, also after a remount", (t) => {
  const flash = new SimFlash({ blocks: 256 });
  let { region, reads } = readsOf(flash);
  let h = new History(region, { now: () => 0 });
  let wh = run(h, T0, 41.3 * DAY, 300, 1_000_000);
  // Remounted in the middle of a block: the range of that block comes from what the mount read.
  ({ region, reads } = readsOf(flash));
  h = new History(region, { now: () => 0 });
  wh = run(h, T0 + 41.3 * DAY, 18.7 * DAY, 300, wh);
  const end = T0 + 60 * DAY;
  const want = expected(h, "quarter-hour", end - DAY, end);
  t.is(want.length, 95, "the last quarter-hour is still open");
  reads.length = 0;
  const records = [...h.query("quarter-hour", end - DAY, end)];
  t.deepEqual(records.map(recordToJson), want);
  const holding = new Set(records.map((r) => r.cursor.seq)).size;
  const whole = reads.filter((n) => n === flash.blockLength).length;
  const starts = reads.filter((n) => n < flash.blockLength).length;
  // Unbounded, every block is read whole and no start is read.
  const bounded = reads.splice(0);
  t.is([...h.query("quarter-hour")].length, 60 * 96 - 1);
  const blocks = reads.length;
  t.true(reads.every((n) => n === flash.blockLength) && blocks >= 8, `${blocks} blocks`);
  t.is(starts, blocks - 1, `the start of every block after the first: ${bounded.join(" ")}`);
  t.is(whole, holding, `whole blocks read: ${bounded.join(" ")}`);
});

test("a power cut at every unit of the append that opens a block: after remount, bounded queries stay exact", (t) => {
  const options = { timeZone: "Europe/Brussels", layout: { profile: 8, voltage: 4, billing: 3, events: 2, state: 0 } };
  const prepare = (n: number) => {
    const flash = new SimFlash({ blocks: 17, blockLength: 512, seed: 7 });
    const h = new History(flash, { now: () => 0 }, options);
    return { flash, h, wh: run(h, T0, n * 900_000, 900, 1_000_000) };
  };
  // The reading whose quarter-hour opens the third profile block.
  const probe = prepare(0).h;
  const opened: number[] = [];
  probe.subscribe((r) => {
    if (r.stream === "quarter-hour" && r.cursor.offset === 16) opened.push(r.cursor.seq);
  });
  let n = 0;
  let wh = 1_000_000;
  while (opened.length < 3) wh = run(probe, T0 + n++ * 900_000, 900_000, 900, wh);
  const at = T0 + (n - 1) * 900_000;
  let cuts = 0;
  for (let k = 0; ; k++) {
    const { flash, h, wh: before } = prepare(n - 1);
    flash.cutAfter(k);
    try {
      run(h, at, 900_000, 900, before);
      break; // the reading's appends ended before the cut
    } catch (e) {
      if (!(e instanceof PowerLoss)) throw e;
    }
    cuts++;
    flash.powerOn();
    const again = new History(flash, { now: () => 0 }, options);
    run(again, at + 900_000, 2 * DAY, 900, before + 100);
    for (let from = T0; from < at + 2 * DAY; from += 6 * HOUR) {
      for (const stream of ["quarter-hour", "voltage"] as const) {
        const got = [...again.query(stream, from, from + 6 * HOUR)].map(recordToJson);
        if (JSON.stringify(got) !== JSON.stringify(expected(again, stream, from, from + 6 * HOUR))) {
          t.fail(`cut after ${k} units: ${stream} from ${new Date(from).toISOString()} differs`);
          return;
        }
      }
    }
  }
  t.true(cuts >= 20, `${cuts} cuts`);
  t.log(`${cuts} cuts in the append that opened block ${opened[2]}`);
});

test("a head block holding a record this version cannot decode (a later format's) gets no range: it is read whole", (t) => {
  const layout = { profile: 12, voltage: 4, billing: 3, events: 2, state: 0 };
  // Blocks longer than the read of a block's start, so the two reads tell apart.
  const flash = new SimFlash({ blocks: 21, blockLength: 2048 });
  const { region, reads } = readsOf(flash);
  let h = new History(region, { now: () => 0 }, { layout });
  let wh = run(h, T0, 20 * HOUR, 900, 1_000_000);
  // As a later version would: a kind-13 record in the profile head block (store 1, blocks 0-11).
  new LogStore(flash, { firstBlock: 0, blocks: layout.profile, storeId: 1 }).append(() => ({ type: 13, payload: new Uint8Array([1, 2, 3]) }));
  h = new History(region, { now: () => 0 }, { layout });
  wh = run(h, T0 + 20 * HOUR, 12 * DAY, 900, wh);
  const end = T0 + 20 * HOUR + 12 * DAY;
  const records = [...h.query("quarter-hour", end - 6 * HOUR, end)];
  t.deepEqual(records.map(recordToJson), expected(h, "quarter-hour", end - 6 * HOUR, end));
  reads.length = 0;
  [...h.query("quarter-hour", end - 6 * HOUR, end)];
  const whole = reads.filter((n) => n === flash.blockLength).length;
  // The blocks that hold the last 6 hours, and the one the later record is in.
  t.is(whole, new Set(records.map((r) => r.cursor.seq)).size + 1, reads.join(" "));
  t.true(reads.length >= 6, `${reads.length} reads`);
});
