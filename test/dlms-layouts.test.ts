// Push-list layouts of the field that the corpus lacks, built from the utilities' descriptions with
// the frame builder: the Swiss L+G E450 self-described list (push setup 0-8:25.9.0, block transfer),
// the Kaifa MA309 of Netz NÖ (a bare clock pair, then structures), EVN's flat list with its trailing
// meter number, and the Netz Burgenland L+G E450 positional lists. Every list one element off its
// layout must be unsupported, never read by position.
import test from "ava";
import { Decoder, decodeAll } from "../modules/decode/decoder.js";
import type { DecodeResult } from "../modules/reading/model.js";
import { readCase } from "./helpers/corpus.js";
import { concat, gbtBlocks, hdlcFrame, hex, mbusFrame } from "./dlms-frames.js";
import { A, clock, notification, oct, obis, str, struct, su, u16, u32 } from "./dlms-axdr.js";

function one(bytes: Uint8Array): DecodeResult {
  const results = decodeAll(bytes);
  if (results.length !== 1) throw new Error(`${results.length} results`);
  return results[0];
}

const notify = (body: Uint8Array) => hdlcFrame(concat(hex("e6e700"), notification(body)));
const unsupported = { ok: false, error: "unsupported", values: {} };

// ── Switzerland: Landis+Gyr E450, self-described list, push setup 0-8:25.9.0 ──
const describe = (cls: number, code: string) => struct(u16(cls), obis(code), A.int8(2), u16(0));
const E450_DESCRIPTORS = A.array(
  describe(40, "0-8:25.9.0"), describe(1, "0-0:96.1.0"), describe(3, "1-0:1.7.0"), describe(3, "1-0:2.7.0"),
  describe(3, "1-0:1.8.0"), describe(3, "1-0:2.8.0"),
);
const E450_VALUES = [str("36404821"), u32(362), u32(0), u32(2302502), u32(1170)];

test("Swiss E450: a self-described list named by push setup 0-8:25.9.0 maps every value to its own code", (t) => {
  const apdu = notification(struct(E450_DESCRIPTORS, ...E450_VALUES));
  // As the meter sends it: general block transfer blocks, each in an HDLC frame.
  const frames = gbtBlocks(concat(apdu), 40).map((b) => hdlcFrame(concat(hex("e6e700"), b)));
  const r = one(concat(...frames));
  t.true(r.ok, r.message);
  t.is(r.meterId, "36404821");
  t.deepEqual(r.values, {
    "0-0:96.1.0": { value: "36404821" },
    "1-0:1.7.0": { value: 362, unit: "W" },
    "1-0:2.7.0": { value: 0, unit: "W" },
    "1-0:1.8.0": { value: 2302502, unit: "Wh" },
    "1-0:2.8.0": { value: 1170, unit: "Wh" },
  });
  t.is(r.reading!.power.import, 362);
  t.is(r.reading!.power.export, 0);
});

test("self-described lists: more values than descriptors is unsupported; a list without the push setup descriptor starts one later", (t) => {
  t.like(one(notify(struct(E450_DESCRIPTORS, ...E450_VALUES, u32(7)))), unsupported);
  const bare = A.array(describe(1, "0-0:96.1.0"), describe(3, "1-0:1.7.0"));
  const r = one(notify(struct(bare, str("36404821"), u32(362))));
  t.true(r.ok, r.message);
  t.deepEqual(r.values, { "0-0:96.1.0": { value: "36404821" }, "1-0:1.7.0": { value: 362, unit: "W" } });
});

// ── Austria: Kaifa MA309 at Netz NÖ, bare (0-0:1.0.0, date-time) pair, then (OBIS, value, scaler-unit) ──
const entry = (code: string, value: Uint8Array, scaler: number, unit: number) => struct(obis(code), value, su(scaler, unit));
const MA309_ENTRIES = [
  entry("1-0:32.7.0", u16(2341), -1, 35), entry("1-0:52.7.0", u16(2336), -1, 35), entry("1-0:72.7.0", u16(2350), -1, 35),
  entry("1-0:31.7.0", u16(123), -2, 33), entry("1-0:51.7.0", u16(45), -2, 33), entry("1-0:71.7.0", u16(6), -2, 33),
  entry("1-0:1.7.0", u32(3120), 0, 27), entry("1-0:2.7.0", u32(0), 0, 27),
  entry("1-0:1.8.0", u32(8745123), 0, 30), entry("1-0:2.8.0", u32(1200), 0, 30),
  struct(obis("0-0:96.1.0"), str("1KFM0200012345")),
];

test("Kaifa MA309 (Netz NÖ): a bare clock pair followed by structures yields the clock and every value", (t) => {
  const r = one(notify(struct(obis("0-0:1.0.0"), clock("ff88", "80"), ...MA309_ENTRIES)));
  t.true(r.ok, r.message);
  t.is(r.meterId, "1KFM0200012345");
  t.is(r.time, "2021-09-22T15:35:30Z");
  t.is(Object.keys(r.values).length, 12);
  t.like(r.values, {
    "1-0:32.7.0": { value: 234.1, unit: "V" }, "1-0:72.7.0": { value: 235, unit: "V" },
    "1-0:31.7.0": { value: 1.23, unit: "A" }, "1-0:71.7.0": { value: 0.06, unit: "A" },
    "1-0:1.7.0": { value: 3120, unit: "W" }, "1-0:1.8.0": { value: 8745123, unit: "Wh" },
  });
  t.is(r.reading!.energy.import, 8745123);
});

test("Kaifa MA309 (Poland) over wired M-Bus: the same mixed list through two segments", (t) => {
  const apdu = notification(struct(obis("0-0:1.0.0"), clock("ffc4", "00"), ...MA309_ENTRIES));
  const r = one(concat(mbusFrame(apdu.subarray(0, 120), 0x00), mbusFrame(apdu.subarray(120), 0x11)));
  t.true(r.ok, r.message);
  t.is(Object.keys(r.values).length, 12);
  t.is(r.reading!.voltage.l2, 233.6);
});

test("EVN flat list: the trailing bare meter number is 0-0:96.1.0 and names the meter", (t) => {
  const { expected } = readCase("enc-mbus-athombv-austria-evn-kaifa-ma309");
  const r = new Decoder({}, () => undefined).decodePayload(hex(expected.expected.decrypted_apdu_hex), false);
  t.true(r.ok, r.message);
  t.is(r.meterId, "181220000009");
  t.deepEqual(r.values["0-0:96.1.0"], { value: "181220000009" });
  t.is(Object.keys(r.values).length, 12);
});

test("a named list with an element no rule explains is unsupported as a whole", (t) => {
  // A bare number in the middle of OBIS/value pairs: before, the pairs around it were published.
  t.like(one(notify(struct(obis("1-0:1.7.0"), u32(5), u32(99), obis("1-0:2.7.0"), u32(0)))), unsupported);
  // A structure of another shape among entries.
  t.like(one(notify(struct(...MA309_ENTRIES.slice(0, 3), struct(u32(1), u32(2))))), unsupported);
  // A clock that is not first.
  t.like(one(notify(struct(MA309_ENTRIES[0], clock("ff88", "80"), MA309_ENTRIES[1]))), unsupported);
});

// ── Austria: Landis+Gyr E450 at Netz Burgenland, 14 (or 11) values without OBIS codes ──
const BURGENLAND_HEAD = [u16(231), u16(229), u16(232), u16(152), u16(87), u16(3), u32(2210), u32(0), u32(15723456), u32(2100)];

test("Netz Burgenland E450: 14 positional values map by the documented table", (t) => {
  const r = one(notify(struct(...BURGENLAND_HEAD, u16(11), u16(12), u16(13), oct("3931303030303031"))));
  t.true(r.ok, r.message);
  t.is(r.meterId, "91000001");
  t.deepEqual(r.values, {
    "1-0:32.7.0": { value: 231, unit: "V" }, "1-0:52.7.0": { value: 229, unit: "V" }, "1-0:72.7.0": { value: 232, unit: "V" },
    "1-0:31.7.0": { value: 1.52, unit: "A" }, "1-0:51.7.0": { value: 0.87, unit: "A" }, "1-0:71.7.0": { value: 0.03, unit: "A" },
    "1-0:1.7.0": { value: 2210, unit: "W" }, "1-0:2.7.0": { value: 0, unit: "W" },
    "1-0:1.8.0": { value: 15723456, unit: "Wh" }, "1-0:2.8.0": { value: 2100, unit: "Wh" },
    "0-0:96.1.0": { value: "91000001" },
  });
  const short = one(notify(struct(...BURGENLAND_HEAD, str("91000001"))));
  t.true(short.ok, short.message);
  t.is(Object.keys(short.values).length, 11);
});

test("Netz Burgenland signature: one type or one element off is unsupported", (t) => {
  const id = oct("3931303030303031");
  const swapped = [...BURGENLAND_HEAD];
  swapped[6] = u16(2210); // a power as long-unsigned
  t.like(one(notify(struct(...swapped, u16(11), u16(12), u16(13), id))), unsupported);
  t.like(one(notify(struct(...BURGENLAND_HEAD.slice(1), u16(11), u16(12), u16(13), id))), unsupported);
  t.like(one(notify(struct(...BURGENLAND_HEAD, u16(11), u16(12), id))), unsupported);
});
