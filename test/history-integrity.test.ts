// What the history keeps when the input or the flash is hostile: forged frames feed nothing,
// events cannot push billing records out, a damaged record costs that record alone (and is
// counted), and a region with another layout is refused instead of reinterpreted.
import test from "ava";
import { History, recordToJson, type StreamName } from "../modules/history/history.js";
import { LayoutError } from "../modules/history/log-store.js";
import type { DecodeResult } from "../modules/reading/model.js";
import { SimFlash } from "./sim-flash.js";
import { drive } from "./history-fixtures.js";

const T0 = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;
const lines = (h: History, s: StreamName) => [...h.query(s)].map(recordToJson);

/** 40 days at a reading a minute on a 1 MiB region: 40 daily, 1 monthly and 1 max-demand record. */
function recorded(): { flash: SimFlash; history: History } {
  const flash = new SimFlash({ blocks: 256 });
  const history = new History(flash, { now: () => 0 }, { timeZone: "Europe/Amsterdam" });
  drive(history, T0, T0 + 40 * DAY, 60, 1_000_000);
  return { flash, history };
}

test("8,000 forged frames (refused: replay, auth) and 8,000 events leave every billing record in place", (t) => {
  const { flash, history } = recorded();
  const billing = (h: History) => [...lines(h, "daily"), ...lines(h, "monthly"), ...lines(h, "max-demand")];
  const before = billing(history);
  t.is(lines(history, "daily").length, 40);
  t.is(lines(history, "monthly").length, 1);
  const eventsBefore = lines(history, "events").length;
  for (let i = 0; i < 8000; i++) {
    // A forged frame: a counter going down each time, refused by the replay guard or the tag check.
    const forged: DecodeResult = {
      ok: false, protocol: "dlms", encrypted: true, values: {}, error: i % 2 ? "replay" : "auth",
      security: { systemTitle: "4B464D101010", frameCounter: 8000 - i, securityControl: 0x30 },
    } as DecodeResult;
    t.deepEqual(history.onResult(forged, T0 + 40 * DAY + i), []);
  }
  t.is(lines(history, "events").length, eventsBefore, "a refused frame writes no event");
  for (let i = 0; i < 8000; i++) history.onEvent({ stream: "events", time: T0 + 40 * DAY + i * 1000, type: i % 2 ? "link-restored" : "link-lost" });
  const after = new History(flash, { now: () => 0 }, { timeZone: "Europe/Amsterdam" });
  t.deepEqual(billing(after), before, "events have their own store");
  t.true(lines(after, "events").length > 1000, "the newest events are kept");
});

/** Offsets of every record of blocks [first, first + count) of an image (walking the framing). */
function recordOffsets(bytes: Uint8Array, first: number, count: number): number[] {
  const out: number[] = [];
  for (let b = first; b < first + count; b++) {
    let off = b * 4096 + 16;
    if (bytes[b * 4096] !== 0x4d) continue;
    while (off + 2 <= (b + 1) * 4096 && !(bytes[off] === 0xff && bytes[off + 1] === 0xff)) {
      out.push(off);
      off += bytes[off] + 4;
    }
  }
  return out;
}

test("a bit flip at every record of the billing and event stores loses only that record, and is counted", (t) => {
  const { flash, history } = recorded();
  for (let i = 0; i < 300; i++) history.onEvent({ stream: "events", time: T0 + 40 * DAY + i * 60_000, type: i % 2 ? "link-restored" : "link-lost" });
  const streams: StreamName[] = ["daily", "monthly", "max-demand", "events"];
  const all = (h: History) => streams.flatMap((s) => lines(h, s));
  const intact = all(history);
  // Billing: blocks 224..239, events 240..247 in the default 1 MiB layout.
  const offsets = recordOffsets(flash.bytes, 224, 24);
  t.true(offsets.length > 300, `${offsets.length} records`);
  let failures = 0;
  for (const [n, off] of offsets.entries()) {
    const damaged = flash.clone();
    // A flip in the payload (or the length byte for every seventh): the CRC fails.
    const at = n % 7 === 0 ? off : off + 2 + (n % Math.max(1, flash.bytes[off]));
    damaged.bytes[at] ^= 1 << (n % 8);
    const h = new History(damaged, { now: () => 0 }, { timeZone: "Europe/Amsterdam" });
    const seen = all(h);
    const missing = intact.filter((l) => !seen.includes(l));
    // The last record of a head block, damaged, reads like an append cut by a power loss: lost
    // alone but not counted. Every other damaged record is counted.
    const last = !offsets.includes(off + flash.bytes[off] + 4) && flash.bytes[off + flash.bytes[off] + 4] === 0xff;
    if (seen.length !== intact.length - 1 || missing.length !== 1 || seen.some((l) => !intact.includes(l)) || h.damagedRecords !== (last ? 0 : 1)) {
      if (failures++ < 3) t.log(`record at ${off}: ${seen.length} of ${intact.length} kept, ${h.damagedRecords} damaged`);
    }
  }
  t.is(failures, 0, `${failures} of ${offsets.length} flips lost more than their record`);
});

test("an image resized, or split with another layout, is refused with a clear error", (t) => {
  const { flash } = recorded();
  const bigger = new SimFlash({ blocks: 512 }, flash.bytes);
  t.throws(() => new History(bigger, { now: () => 0 }), { instanceOf: LayoutError, message: /belongs to store 1 at blocks 0\.\.191; this layout has store 1 at blocks 0\.\.383/ });
  const smaller = new SimFlash({ blocks: 128 }, flash.bytes);
  t.throws(() => new History(smaller, { now: () => 0 }), { instanceOf: LayoutError });
  t.notThrows(() => new History(new SimFlash({ blocks: 256 }, flash.bytes), { now: () => 0 }));
});
