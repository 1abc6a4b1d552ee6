// The history API on simulated flash: the JSON contract, remount and restore, gaps, cursors,
// billing periods, maximum demand, events, and the mount budget of a full 1 MiB region.
import test from "ava";
import { History, cursorFromString, cursorToString, defaultLayout, recordToJson, type HistoryRecord, type StoredRecord } from "../modules/history/history.js";
import { LogStore } from "../modules/history/log-store.js";
import { SimFlash } from "./sim-flash.js";
import { drive, newHistory, reading } from "./history-fixtures.js";

const T0 = Date.UTC(2026, 2, 28, 0, 0, 0);
const MIN = 60_000;
const json = (h: History, stream: Parameters<History["query"]>[0], from?: number, to?: number) => [...h.query(stream, from, to)].map(recordToJson);

/** A constant load: `watts` from `from` for `minutes`, one reading every 10 s. */
function steady(h: History, from: number, minutes: number, watts: number, startWh: number, exportWh = 700_000, volts?: number[]): number {
  let wh = startWh;
  for (let t = from; t < from + minutes * MIN; t += 10_000) {
    h.onReading(reading({ time: t, importWh: wh, exportWh, volts }), t);
    wh += (watts * 10) / 3600;
  }
  return wh;
}

test("a quarter-hour record is the contract line, with deltas and registers in Wh", (t) => {
  const { history } = newHistory();
  steady(history, T0, 31, 300, 3_000_000);
  const lines = json(history, "quarter-hour");
  t.deepEqual(lines, [
    '{"stream":"quarter-hour","start":"2026-03-28T00:00:00Z","end":"2026-03-28T00:15:00Z","flags":[],"delta":{"+A":75,"-A":0},"registers":{"+A":3000075,"-A":700000}}',
    '{"stream":"quarter-hour","start":"2026-03-28T00:15:00Z","end":"2026-03-28T00:30:00Z","flags":[],"delta":{"+A":75,"-A":0},"registers":{"+A":3000150,"-A":700000}}',
  ]);
  t.deepEqual(json(history, "quarter-hour", Date.parse("2026-03-28T00:15:00Z"), Date.parse("2026-03-28T00:30:00Z")), [lines[1]]);
  t.deepEqual(json(history, "events"), ['{"stream":"events","time":"2026-03-28T00:00:00Z","type":"reboot"}']);
});

test("voltage profile: average, minimum and maximum per phase", (t) => {
  const { history } = newHistory();
  let wh = 1000;
  for (let k = 0; k < 91; k++) {
    const v = k < 90 ? [229 + (k % 3), 231, 232.5] : [230, 230, 230];
    history.onReading(reading({ time: T0 + k * 10_000, importWh: wh, volts: v }), 0);
    wh += 1;
  }
  t.deepEqual(json(history, "voltage"), [
    '{"stream":"voltage","start":"2026-03-28T00:00:00Z","end":"2026-03-28T00:15:00Z","flags":[],"phases":[{"avg":230,"min":229,"max":231},{"avg":231,"min":231,"max":231},{"avg":232.5,"min":232.5,"max":232.5}]}',
  ]);
});

test("after a remount the history continues where it stopped, with no duplicate and no gap", (t) => {
  const { flash, history } = newHistory();
  let wh = steady(history, T0, 60, 1200, 5_000_000);
  const before = json(history, "quarter-hour");
  const again = new History(flash, { now: () => 0 });
  t.deepEqual(json(again, "quarter-hour"), before);
  wh = steady(again, T0 + 60 * MIN, 31, 1200, wh);
  const all = [...again.query("quarter-hour")] as any[];
  t.deepEqual(all.map((r) => r.start), [0, 15, 30, 45, 60, 75].map((m) => T0 + m * MIN));
  // The interval open at the reboot is lost from RAM, but its registers at both ends are known.
  t.deepEqual(all.map((r) => r.flags.join(",")), ["", "", "", "power-down", "", ""]);
  t.true(all.every((r) => r.delta["+A"] === 300));
  // Read back in time order: the power-down began before the second boot that detected it.
  t.deepEqual(json(again, "events").map((l) => JSON.parse(l).type), ["reboot", "power-down", "reboot"]);
});

test("a power cut of three hours is one gap record, a power-down event and a partial interval", (t) => {
  const { flash, history } = newHistory();
  const wh = steady(history, T0, 20, 600, 1_000_000);
  const rebooted = new History(flash, { now: () => 0 });
  steady(rebooted, T0 + 3 * 60 * MIN + 5 * MIN, 11, 600, wh + 1800);
  const q = [...rebooted.query("quarter-hour")].map(recordToJson).map((l) => JSON.parse(l));
  t.deepEqual(q.map((r) => [r.start.slice(11, 16), r.end.slice(11, 16), r.flags.join(",")]), [
    ["00:00", "00:15", ""],
    ["00:15", "03:00", "power-down,missing-readings"],
    ["03:00", "03:15", "power-down,partial"],
  ]);
  t.deepEqual(q[1].delta, {}, "no invented values across the gap");
  t.is(q[2].delta["+A"], 100); // 10 minutes at 600 W, the part the interval covers
  const events = json(rebooted, "events").map((l) => JSON.parse(l));
  t.deepEqual(events.map((e) => e.type), ["reboot", "power-down", "reboot"], "in time order");
  t.is(events[1].time, "2026-03-28T00:15:00Z");
  t.is(events[1].duration_s, 10_200);
});

test("readings that stop for two hours mark the interval partial and the silence as a gap", (t) => {
  const { history } = newHistory();
  const wh = steady(history, T0, 20, 600, 1_000_000);
  steady(history, T0 + 140 * MIN, 26, 600, wh + 1200);
  const q = [...history.query("quarter-hour")];
  t.deepEqual(q.map((r: any) => [(r.start - T0) / MIN, (r.end - T0) / MIN, r.flags.join(",")]), [
    [0, 15, ""],
    [15, 30, "missing-readings,partial"],
    [30, 135, "missing-readings"],
    [135, 150, "partial"],
    [150, 165, ""],
  ]);
});

test("readAfter gives what was committed after a cursor; the cursor survives as a string", (t) => {
  const { history } = newHistory();
  const published: StoredRecord[] = [];
  const unsubscribe = history.subscribe((r) => published.push(r));
  steady(history, T0, 61, 300, 10_000);
  unsubscribe();
  const all = history.readAfter("quarter-hour", null);
  t.is(all.length, 4);
  t.deepEqual(published.filter((r) => r.stream === "quarter-hour").map((r) => r.cursor), all.map((r) => r.cursor));
  const c = cursorFromString(cursorToString(all[1].cursor))!;
  t.deepEqual(c, all[1].cursor);
  t.deepEqual(history.readAfter("quarter-hour", c).map((r: any) => r.start), [(all[2] as any).start, (all[3] as any).start]);
  t.deepEqual(history.readAfter("quarter-hour", c, 1).map((r: any) => r.start), [(all[2] as any).start]);
  t.deepEqual(history.readAfter("quarter-hour", all[3].cursor), []);
  t.is(cursorFromString("zz"), null);
});

test("a cursor into a reclaimed block reads from the oldest record kept", (t) => {
  const flash = new SimFlash({ blocks: 8 });
  const history = new History(flash, { now: () => 0 }, { layout: { profile: 2, voltage: 2, billing: 2, events: 2, state: 0 } });
  drive(history, T0, T0 + 40 * 86_400_000, 60, 1_000_000);
  const kept = history.readAfter("quarter-hour", null);
  t.true(kept.length > 100 && kept.length < 40 * 96, `${kept.length} intervals kept in two blocks`);
  t.true(kept[0].cursor.seq > 0, "the first block was reclaimed");
  const starts = (rs: StoredRecord[]) => rs.map((r) => (r as any).start);
  t.deepEqual(starts(history.readAfter("quarter-hour", { seq: 0, offset: 12 })), starts(kept));
  kept.slice(1).forEach((r, i) => t.is((r as any).start, (kept[i] as any).end));
});

test("daily and monthly snapshots at local midnight; a 23-hour day; monthly maximum demand", (t) => {
  const { history } = newHistory(64, { timeZone: "Europe/Amsterdam" });
  let wh = 2_000_000;
  const start = Date.UTC(2026, 2, 27, 23, 0); // local midnight, 28 March
  const peakAt = Date.UTC(2026, 2, 30, 18, 15);
  for (let t = start; t < Date.UTC(2026, 3, 1, 0, 0); t += 30_000) {
    history.onReading(reading({ time: t, importWh: Math.round(wh) }), t);
    wh += ((t >= peakAt && t < peakAt + 15 * MIN ? 3420 : 400) * 30) / 3600;
  }
  const daily = json(history, "daily").map((l) => JSON.parse(l));
  t.deepEqual(daily.map((d) => [d.day, d.start, d.end, d.flags.length]), [
    ["2026-03-28", "2026-03-27T23:00:00Z", "2026-03-28T23:00:00Z", 0],
    ["2026-03-29", "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z", 0],
    ["2026-03-30", "2026-03-29T22:00:00Z", "2026-03-30T22:00:00Z", 0],
    ["2026-03-31", "2026-03-30T22:00:00Z", "2026-03-31T22:00:00Z", 0],
  ]);
  t.is(daily[1].delta["+A"], 23 * 400, "the 23-hour day");
  t.is(daily[0].delta["+A"], 24 * 400);
  t.is(daily[2].delta["+A"], 24 * 400 + (3420 - 400) / 4);
  const monthly = json(history, "monthly").map((l) => JSON.parse(l));
  t.deepEqual(monthly.map((m) => [m.month, m.start, m.end, m.flags]), [["2026-03", "2026-02-28T23:00:00Z", "2026-03-31T22:00:00Z", ["partial"]]]);
  t.deepEqual(json(history, "max-demand"), ['{"stream":"max-demand","month":"2026-03","start":"2026-03-30T18:15:00Z","end":"2026-03-30T18:30:00Z","power_w":3420}']);
  t.deepEqual(history.currentMaxDemand()?.month, "2026-04");
});

test("the month's peak so far survives a reboot", (t) => {
  const { flash, history } = newHistory();
  let wh = 1_000_000;
  for (let t = T0; t < T0 + 3 * 3600_000; t += 10_000) {
    history.onReading(reading({ time: t, importWh: Math.round(wh) }), t);
    wh += ((t >= T0 + 3600_000 && t < T0 + 3600_000 + 15 * MIN ? 5000 : 500) * 10) / 3600;
  }
  const again = new History(flash, { now: () => 0 });
  again.onReading(reading({ time: T0 + 3 * 3600_000, importWh: Math.round(wh) }), 0);
  t.deepEqual(again.currentMaxDemand(), { stream: "max-demand", month: "2026-03", start: T0 + 3600_000, powerW: 5000 });
});

test("power failures from the meter's log are recorded once, across telegrams and reboots", (t) => {
  const { flash, history } = newHistory();
  const r = (time: number) => {
    const x = reading({ time, importWh: 100 });
    x.events = [
      { type: "power-failure", end: "2026-03-20T10:00:00Z", durationS: 240, long: true },
      { type: "power-failure", end: null, durationS: null, long: true },
    ];
    return x;
  };
  history.onReading(r(T0), 0);
  history.onReading(r(T0 + 10_000), 0);
  new History(flash, { now: () => 0 }).onReading(r(T0 + 20_000), 0);
  const failures = json(new History(flash, { now: () => 0 }), "events").filter((l) => l.includes("power-failure"));
  t.deepEqual(failures, ['{"stream":"events","time":"2026-03-20T09:56:00Z","type":"power-failure","duration_s":240}']);
});

test("a power failure the meter adds to a log it repeats is recorded, the repeated ones once", (t) => {
  const { history } = newHistory();
  const a = { type: "power-failure" as const, end: "2026-03-20T10:00:00Z", durationS: 240, long: true };
  const b = { type: "power-failure" as const, end: "2026-03-20T10:05:00Z", durationS: 60, long: true };
  const r = (time: number, events: (typeof a)[]) => Object.assign(reading({ time, importWh: 100 }), { events });
  history.onReading(r(T0, [a]), 0);
  history.onReading(r(T0 + 10_000, [a]), 0);
  history.onReading(r(T0 + 20_000, [a, b]), 0);
  history.onReading(r(T0 + 30_000, [a, b]), 0);
  const failures = json(history, "events").filter((l) => l.includes("power-failure"));
  t.deepEqual(failures, [
    '{"stream":"events","time":"2026-03-20T09:56:00Z","type":"power-failure","duration_s":240}',
    '{"stream":"events","time":"2026-03-20T10:04:00Z","type":"power-failure","duration_s":60}',
  ]);
});

test("voltage sag, swell, under- and over-voltage against the configured limits", (t) => {
  const { history } = newHistory(64, { voltage: { nominal: 230, lowPercent: 10, highPercent: 10, longS: 60 } });
  const volts = (k: number) => (k >= 10 && k < 13 ? 200 : k >= 20 && k < 40 ? 205.4 : k >= 50 && k < 52 ? 260 : k >= 60 && k < 75 ? 255 : 230);
  for (let k = 0; k < 80; k++) history.onReading(reading({ time: T0 + k * 10_000, importWh: 1000 + k, volts: [230, volts(k), 230] }), 0);
  const ev = json(history, "events").map((l) => JSON.parse(l)).filter((e) => e.type !== "reboot");
  t.deepEqual(ev, [
    { stream: "events", time: "2026-03-28T00:01:40Z", type: "voltage-sag", duration_s: 30, phase: 2, voltage: 200 },
    { stream: "events", time: "2026-03-28T00:03:20Z", type: "under-voltage", duration_s: 200, phase: 2, voltage: 205.4 },
    { stream: "events", time: "2026-03-28T00:08:20Z", type: "voltage-swell", duration_s: 20, phase: 2, voltage: 260 },
    { stream: "events", time: "2026-03-28T00:10:00Z", type: "over-voltage", duration_s: 150, phase: 2, voltage: 255 },
  ]);
});

test("meter clock jumps, frame-counter resets and a meter replacement are events", (t) => {
  const { history, flash } = newHistory();
  let now = 1_000_000;
  const feed = (time: number, wh: number, meterId = "E0001") => {
    now += 10_000;
    return history.onReading(reading({ time, importWh: wh, meterId }), now);
  };
  feed(T0, 100);
  feed(T0 + 10_000, 101);
  const closed = feed(T0 + 3600_000, 102); // the meter clock leaps an hour in 10 s
  t.deepEqual(closed.map((r) => r.stream), ["events", "quarter-hour", "quarter-hour"]);
  t.like(closed[0], { type: "clock-jump", shiftS: 3580 });
  t.like(closed[1], { start: T0, end: T0 + 15 * MIN, flags: ["clock-adjusted", "partial"], delta: { "+A": 1 } });
  t.like(closed[2], { start: T0 + 15 * MIN, end: T0 + 60 * MIN, flags: ["clock-adjusted", "missing-readings"], delta: {} });
  feed(T0 + 3600_000 + 10_000, 50, "E0002");
  const sec = (ok: boolean, frameCounter: number, s: number) => ({
    ok, protocol: "dlms" as const, encrypted: true, values: {}, security: { systemTitle: "4B464D101010", frameCounter, securityControl: 0x30 },
    reading: ok ? reading({ time: T0 + 3600_000 + s * 1000, importWh: 50, meterId: "E0002" }) : undefined,
  });
  history.onResult(sec(true, 500, 20), (now += 10_000));
  t.deepEqual(history.onResult(sec(false, 3, 30), (now += 10_000)), [], "a refused frame (replay, tag) feeds nothing");
  // A lower counter that validated (after `reset-counter`): the meter restarted its counter.
  t.like(history.onResult(sec(true, 3, 40), (now += 10_000)).find((r) => r.stream === "events"), { type: "frame-counter-reset" });
  const types = json(history, "events").map((l) => JSON.parse(l).type);
  t.deepEqual(types, ["reboot", "clock-jump", "meter-change", "frame-counter-reset"]);
  // A meter clock that is behind the stored history after a restart: an event, nothing wiped.
  const stored = json(history, "quarter-hour");
  const later = new History(flash, { now: () => 0 });
  const back = later.onReading(reading({ time: T0 - 86_400_000, importWh: 60 }), 0);
  // The last stored interval, T0+60..75 min, closed early (meter change): only its start had passed.
  t.like(back.find((r) => r.stream === "events" && r.type === "clock-jump"), { shiftS: -(86_400 + 60 * 60) });
  t.deepEqual(json(later, "quarter-hour"), stored);
  const q = [...history.query("quarter-hour")] as HistoryRecord[];
  t.true(q.every((r) => r.stream !== "quarter-hour" || Object.values(r.delta).every((d) => d >= 0)));
});

test("mounting a full 1 MiB region reads at most 20 KiB", (t) => {
  const flash = new SimFlash({ blocks: 256 });
  const layout = defaultLayout(256);
  t.deepEqual(layout, { profile: 192, voltage: 32, billing: 16, events: 8, state: 8 });
  let first = 0;
  for (const [id, blocks] of [[1, layout.profile], [2, layout.voltage], [3, layout.billing], [4, layout.events]]) {
    const store = new LogStore(flash, { firstBlock: first, blocks, storeId: id });
    for (let i = 0; i < blocks * 40 + 20; i++) store.append(() => ({ type: 9, payload: new Uint8Array(100).fill(i & 0x7f) }));
    first += blocks;
  }
  t.true(flash.eraseCounts.slice(0, first).every((n) => n >= 1), "every history block is in use");
  flash.bytesRead = 0;
  const history = new History(flash, { now: () => 0 });
  t.is(flash.bytesRead, history.mountBytesRead, "the constructor reads nothing beyond the mount");
  t.true(history.mountBytesRead <= 20_480, `${history.mountBytesRead} bytes`);
  t.log(`mount of a full 1 MiB region read ${history.mountBytesRead} bytes`);
});

test("a flash that refuses every write costs records, counted, and never throws", (t) => {
  const sim = new SimFlash({ blocks: 16 });
  const broken = { ...sim, status: () => sim.status(), read: (n: number, at: number) => sim.read(n, at), eraseBlock: (b: number) => sim.eraseBlock(b), write: () => { throw new Error("flash write failed"); } };
  const history = new History(broken, { now: () => 0 });
  t.notThrows(() => steady(history, T0, 31, 300, 1000));
  t.is(history.stats.records, 0);
  t.true(history.stats.writeErrors >= 3, `${history.stats.writeErrors} write errors`);
  t.deepEqual([...history.query("quarter-hour")], []);
});

test("random bytes in the region mount as an empty history that then works", (t) => {
  let x = 12345;
  const image = new Uint8Array(32 * 4096).map(() => ((x = (x * 1103515245 + 12345) >>> 0) >>> 24));
  const flash = new SimFlash({ blocks: 32 }, image);
  const history = new History(flash, { now: () => 0 });
  t.deepEqual([...history.query("quarter-hour")], []);
  steady(history, T0, 31, 300, 3_000_000);
  t.is([...new History(flash, { now: () => 0 }).query("quarter-hour")].length, 2);
  t.is(history.stats.writeErrors, 0);
});
