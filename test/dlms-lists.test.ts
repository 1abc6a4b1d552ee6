// Push-list shapes the corpus lacks, built from A-XDR by hand: the Kaifa Norway positional lists
// (identified by element count and types), signed values, float and 64-bit registers, and the
// date-time rules (deviation, summer-time status, unspecified fields).
import test from "ava";
import { Decoder, decodeAll } from "../modules/decode/decoder.js";
import type { DecodeResult } from "../modules/reading/model.js";
import { concat, hdlcFrame, hex } from "./dlms-frames.js";
import { clock, i16, i32, oct, str, struct, su, u16, u32 } from "./dlms-axdr.js";

const u8 = (tag: number, ...b: number[]) => Uint8Array.of(tag, ...b);
/** A data-notification without its own date-time, in an HDLC frame with the LLC header. */
const notify = (body: Uint8Array) => hdlcFrame(concat(hex("e6e700 0f 40000000 00"), body));

function one(bytes: Uint8Array): DecodeResult {
  const results = decodeAll(bytes);
  if (results.length !== 1) throw new Error(`${results.length} results`);
  return results[0];
}

test("Kaifa Norway list 1 is active import power alone", (t) => {
  const r = one(notify(struct(u32(1234))));
  t.true(r.ok);
  t.deepEqual(r.values, { "1-0:1.7.0": { value: 1234, unit: "W" } });
  t.is(r.reading!.power.import, 1234);
});

test("Kaifa Norway lists 2 and 3 (three phase) map by position with mA and dV", (t) => {
  const head = [str("KFM_001"), str("6970631401753985"), str("MA304H3E"), u32(3032), u32(0), u32(0), u32(178), u32(6354)];
  const threePhase = [u32(4910), u32(3650), u32(2295), u32(2272), u32(2315)];
  const list2 = one(notify(struct(...head, ...threePhase)));
  t.true(list2.ok, list2.message);
  t.is(list2.meterId, "6970631401753985");
  t.like(list2.values, {
    "1-1:0.2.129": { value: "KFM_001" }, "0-0:96.1.7": { value: "MA304H3E" },
    "1-0:1.7.0": { value: 3032, unit: "W" }, "1-0:4.7.0": { value: 178, unit: "var" },
    "1-0:31.7.0": { value: 6.354, unit: "A" }, "1-0:51.7.0": { value: 4.91, unit: "A" }, "1-0:71.7.0": { value: 3.65, unit: "A" },
    "1-0:32.7.0": { value: 229.5, unit: "V" }, "1-0:52.7.0": { value: 227.2, unit: "V" }, "1-0:72.7.0": { value: 231.5, unit: "V" },
  });
  t.is(Object.keys(list2.values).length, 13);
  const list3 = one(notify(struct(...head, ...threePhase, clock("ffc4", "00"), u32(4786979), u32(0), u32(26228), u32(578528))));
  t.true(list3.ok, list3.message);
  t.is(Object.keys(list3.values).length, 18);
  t.like(list3.values, { "0-0:1.0.0": { value: "2021-09-22T16:35:30Z" }, "1-0:1.8.0": { value: 4786979, unit: "Wh" }, "1-0:4.8.0": { value: 578528, unit: "varh" } });
  t.is(list3.time, "2021-09-22T16:35:30Z");
  t.is(list3.reading!.energy.import, 4786979);
  t.is(list3.reading!.current.l1, 6.354);
});

test("Kaifa Norway single-phase lists 2 and 3 (9 and 14 elements)", (t) => {
  const head = [str("KFM_001"), str("6970631401753985"), str("MA105H2E"), u32(500), u32(0), u32(0), u32(20), u32(2210)];
  const list2 = one(notify(struct(...head, u32(2301))));
  t.like(list2.values, { "1-0:31.7.0": { value: 2.21 }, "1-0:32.7.0": { value: 230.1, unit: "V" } });
  t.false("1-0:51.7.0" in list2.values);
  const list3 = one(notify(struct(...head, u32(2301), clock("ffc4", "00"), u32(1), u32(2), u32(3), u32(4))));
  t.is(Object.keys(list3.values).length, 14);
  t.like(list3.values, { "1-0:2.8.0": { value: 2 }, "1-0:3.8.0": { value: 3, unit: "varh" } });
});

test("a list of unknown shape is unsupported, not guessed", (t) => {
  const r = one(notify(struct(u32(1), u32(2), u32(3))));
  t.like(r, { ok: false, error: "unsupported", values: {} });
});

test("signed values stay signed; floats and 64-bit registers scale exactly", (t) => {
  const entry = (obis: string, value: Uint8Array, su: Uint8Array) => struct(oct(obis), value, su);
  const body = concat(
    u8(0x01, 5),
    entry("01001f0700ff", i16(-93), su(-1, 33)),
    entry("0100100700ff", i32(-1500), su(0, 27)),
    entry("0100010800ff", concat(u8(0x15), hex("0000000123456789")), su(-3, 30)),
    entry("0100200700ff", concat(u8(0x17), hex("43674ccd")), su(0, 35)), // 231.3 as float32
    entry("0100020800ff", u16(7), su(3, 30)),
  );
  const r = one(notify(body));
  t.true(r.ok, r.message);
  t.deepEqual(r.values, {
    "1-0:31.7.0": { value: -9.3, unit: "A" },
    "1-0:16.7.0": { value: -1500, unit: "W" },
    "1-0:1.8.0": { value: 4886718.345, unit: "Wh" },
    "1-0:32.7.0": { value: 231.3, unit: "V" },
    "1-0:2.8.0": { value: 7000, unit: "Wh" },
  });
  t.is(r.reading!.current.l1, -9.3);
});

test("date-times: the deviation wins; without one, CET plus the summer-time status; bad dates keep their bytes", (t) => {
  const withClock = (c: Uint8Array) => one(notify(struct(oct("0000010000ff"), c, oct("0000600100ff"), str("1")))).values["0-0:1.0.0"];
  t.deepEqual(withClock(clock("ff88", "80")), { value: "2021-09-22T15:35:30Z" }, "deviation -120 already includes DST");
  t.deepEqual(withClock(clock("003c", "00")), { value: "2021-09-22T18:35:30Z" }, "deviation +60: UTC = local + 60 min");
  t.deepEqual(withClock(clock("8000", "80")), { value: "2021-09-22T15:35:30Z" }, "unspecified: CET + DST");
  t.deepEqual(withClock(clock("8000", "00")), { value: "2021-09-22T16:35:30Z" }, "unspecified: CET");
  t.deepEqual(withClock(clock("8000", "ff")), { value: "2021-09-22T16:35:30Z" }, "status unspecified: CET");
  t.deepEqual(withClock(oct("07e50d1603112300008000ff")), { value: null, raw: "07e50d1603112300008000ff" }, "month 13");
  t.deepEqual(withClock(oct("ffff09160311231e00800000")), { value: null, raw: "ffff09160311231e00800000" }, "year unspecified");
  // A decoder configured for another standard offset (minutes east of UTC).
  const eet = new Decoder({ standardOffsetMinutes: 120 }, () => undefined);
  const apdu = concat(hex("0f 40000000 00"), struct(oct("0000010000ff"), clock("8000", "00")));
  t.is(eet.decodePayload(apdu, false).time, "2021-09-22T15:35:30Z");
});

test("the APDU's own date-time takes precedence over the list clock", (t) => {
  const apdu = concat(hex("e6e700 0f 40000000 0c 07e5091603112d0000ffc400"), struct(oct("0000010000ff"), clock("ffc4", "00")));
  const r = one(hdlcFrame(apdu));
  t.is(r.time, "2021-09-22T16:45:00Z");
  t.is(r.values["0-0:1.0.0"].value, "2021-09-22T16:35:30Z");
});
