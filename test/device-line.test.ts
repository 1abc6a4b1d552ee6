// Line auto-detect against a simulated meter on a bit-level wire, decoded by the real decoder.
import test from "ava";
import { Decoder } from "../modules/decode/decoder.js";
import { CANDIDATES, LineDetector, settingsKey, STORE_KEY } from "../hosts/esp32/line-detect.js";
import type { LineSettings } from "../hosts/esp32/line-detect.js";
import { readCase } from "./helpers/corpus.js";
import { receive, Wire } from "./device-uart-sim.js";

class MemoryStore {
  readonly map = new Map<string, string>();
  read(key: string) { return this.map.get(key); }
  write(key: string, value: string) { this.map.set(key, value); }
  delete(key: string) { this.map.delete(key); }
}

interface Meter {
  telegram: Uint8Array;
  settings: LineSettings;
  intervalMs: number;
}

/** Runs the detector against `meter` until it locks or `limitMs` passes; returns the time it took. */
function run(meter: Meter, store: MemoryStore, limitMs = 600_000) {
  const wire = new Wire();
  wire.idle(0.01, meter.settings);
  wire.send(meter.telegram, meter.settings);
  wire.idle(0.01, meter.settings);
  const cache = new Map<string, ReturnType<typeof receive>>();
  const decoder = new Decoder({}, () => {});
  const counters = { bytes: 0, okFrames: 0, lineErrors: 0 };
  const detector = new LineDetector({ apply: () => {}, store });
  detector.start(0, counters);
  let now = 0;
  while (detector.state !== "locked" && now < limitMs) {
    const key = settingsKey(detector.current);
    if (!cache.has(key)) cache.set(key, receive(wire, detector.current));
    const got = cache.get(key)!;
    decoder.push(got.bytes);
    decoder.flush();
    counters.bytes += got.bytes.length;
    counters.lineErrors += got.errors;
    counters.okFrames = decoder.stats.ok;
    now += meter.intervalMs;
    detector.tick(now, counters);
  }
  return { detector, now, decoder };
}

// Telegrams the decoder accepts: DSMR 5 with its CRC, DSMR 2.2 (no CRC, sent at 9600 7E1).
const dsmr5 = readCase("dsmr-ndokter-v5-iskra-mt382").bytes;
const dsmr22 = readCase("dsmr-ndokter-v2_2-iskra-mt382").bytes;

test("the simulated wire round-trips with matching settings and garbles without", (t) => {
  for (const s of CANDIDATES) {
    const wire = new Wire();
    wire.idle(0.001, s);
    wire.send(dsmr5.subarray(0, 200), s);
    wire.idle(0.001, s);
    const mask = s.format === "7E1" ? 0x7f : 0xff;
    const got = receive(wire, s);
    t.deepEqual(got, { bytes: dsmr5.subarray(0, 200).map((b) => b & mask), errors: 0 }, settingsKey(s));
  }
  const p1 = CANDIDATES[0];
  const wire = new Wire();
  wire.idle(0.001, p1);
  wire.send(dsmr5, p1);
  t.notDeepEqual(receive(wire, { ...p1, invert: false }).bytes, dsmr5, "an inverted line needs RX inversion");
  t.notDeepEqual(receive(wire, { ...p1, baud: 9600 }).bytes, dsmr5);
});

test("a DSMR 5 meter (115200 8N1, inverted) is found and remembered", (t) => {
  const store = new MemoryStore();
  const { detector, now, decoder } = run({ telegram: dsmr5, settings: { baud: 115200, format: "8N1", invert: true }, intervalMs: 1000 }, store);
  t.is(detector.state, "locked");
  t.deepEqual(detector.current, { baud: 115200, format: "8N1", invert: true });
  t.is(now, 1000, "first candidate, first telegram");
  t.true(decoder.stats.ok >= 1);
  t.is(store.map.get(STORE_KEY), "115200-8N1-i");
});

test("a DSMR 2.2 meter (9600 7E1, inverted) is found", (t) => {
  const store = new MemoryStore();
  const settings: LineSettings = { baud: 9600, format: "7E1", invert: true };
  const { detector, now } = run({ telegram: dsmr22, settings, intervalMs: 10_000 }, store);
  t.is(detector.state, "locked");
  t.deepEqual(detector.current, settings);
  t.true(now <= 40_000, `took ${now} ms`);
  t.is(store.map.get(STORE_KEY), "9600-7E1-i");
});

test("8E1 at 2400 wins over 8N1, which reads the same bytes with framing errors", (t) => {
  const line: LineSettings = { baud: 2400, format: "8E1", invert: true };
  const wire = new Wire();
  wire.idle(0.01, line);
  wire.send(dsmr5, line);
  wire.idle(0.01, line);
  const as8N1 = receive(wire, { ...line, format: "8N1" });
  t.deepEqual(as8N1.bytes, dsmr5, "an 8N1 receiver gets the data bytes...");
  t.true(as8N1.errors > 100, "...with framing errors");
  // 2400-8N1-i comes before 2400-8E1-i in the candidate order, so this exercises the clean rule.
  t.true(CANDIDATES.findIndex((s) => settingsKey(s) === "2400-8N1-i") < CANDIDATES.findIndex((s) => settingsKey(s) === "2400-8E1-i"));
  for (const invert of [false, true]) {
    const settings: LineSettings = { baud: 2400, format: "8E1", invert };
    const { detector } = run({ telegram: dsmr5, settings, intervalMs: 10_000 }, new MemoryStore());
    t.deepEqual(detector.current, settings);
  }
});

test("every candidate setting is found within one round", (t) => {
  for (const settings of CANDIDATES) {
    const { detector, now } = run({ telegram: dsmr5, settings, intervalMs: 5000 }, new MemoryStore(), 2 * CANDIDATES.length * 15_000);
    t.is(detector.state, "locked", settingsKey(settings));
    t.deepEqual(detector.current, settings, settingsKey(settings));
    t.true(now <= CANDIDATES.length * 15_000, `${settingsKey(settings)} took ${now} ms`);
  }
});

test("a remembered setting is tried first", (t) => {
  const store = new MemoryStore();
  store.write(STORE_KEY, "2400-8E1-n");
  const { detector, now } = run({ telegram: dsmr5, settings: { baud: 2400, format: "8E1", invert: false }, intervalMs: 10_000 }, store);
  t.is(detector.tried, 1);
  t.is(now, 10_000);
});

test("a line that goes quiet is searched again", (t) => {
  const applied: string[] = [];
  const d = new LineDetector({ apply: (s) => applied.push(settingsKey(s)), lostMs: 60_000, dwellMs: 12_000 });
  d.start(0, { bytes: 0, okFrames: 0, lineErrors: 0 });
  d.tick(1000, { bytes: 900, okFrames: 1, lineErrors: 0 });
  t.is(d.state, "locked");
  d.tick(30_000, { bytes: 1800, okFrames: 2, lineErrors: 0 });
  d.tick(89_999, { bytes: 1800, okFrames: 2, lineErrors: 0 });
  t.is(d.state, "locked");
  d.tick(90_000, { bytes: 1800, okFrames: 2, lineErrors: 0 });
  t.is(d.state, "searching");
  t.deepEqual(applied, ["115200-8N1-i", "9600-7E1-i"]);
});
