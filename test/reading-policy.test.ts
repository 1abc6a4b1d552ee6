// Rules the Reading keeps on every protocol: empty M-Bus channels are no sub-meters, units have one
// spelling (the meter's text stays in `raw`), and one meter-id policy for DSMR, DLMS and SML.
import test from "ava";
import { decodeAll } from "../modules/decode/decoder.js";
import type { DecodeResult } from "../modules/reading/model.js";
import { quantities } from "../modules/publish/quantities.js";
import { withDsmrCrc } from "../hosts/node/dsmr-generator.js";
import { readCase } from "./helpers/corpus.js";
import { concat, hdlcFrame, hex } from "./dlms-frames.js";
import { notification, obis, str, struct, su, u32 } from "./dlms-axdr.js";

/** A DSMR 5 telegram around OBIS lines, with its CRC. */
function telegram(lines: string[]): Uint8Array {
  const body = `/ISK5\\2M550T-1012\r\n\r\n1-3:0.2.8(50)\r\n0-0:1.0.0(200426223325S)\r\n${lines.join("\r\n")}\r\n!`;
  return withDsmrCrc(body);
}

function one(bytes: Uint8Array): DecodeResult {
  const results = decodeAll(bytes);
  if (results.length !== 1 || !results[0].ok) throw new Error(`${results.length} results: ${results[0]?.message}`);
  return results[0];
}

const asciiHex = (s: string) => Array.from(s, (c) => c.charCodeAt(0).toString(16)).join("");

test("an empty M-Bus channel (no id, 1970 stamp, no unit) is no sub-meter and publishes no gas_1", (t) => {
  const [r] = decodeAll(readCase("dsmr-ndokter-v5-two-mbus-iskra-am550").bytes);
  t.true(r.ok);
  // The contract keeps what the meter sent...
  t.deepEqual(r.values["0-1:24.2.1"], { value: 0, time: null });
  // ...but the Reading holds only the real gas meter on channel 2.
  t.deepEqual(r.reading!.subMeters.map((m) => [m.channel, m.type, m.value, m.unit]), [[2, "gas", 246.138, "m3"]]);
  const keys = quantities(r.reading!).map((q) => q.key);
  t.false(keys.includes("gas_1"));
  t.true(keys.includes("gas_2"));
});

test("a channel with an id, or with a real reading, stays a sub-meter", (t) => {
  const id = asciiHex("G0039001936990619");
  const withId = one(telegram(["0-1:24.1.0(003)", `0-1:96.1.0(${id})`, "0-1:24.2.1(700101010000W)(00000000)"]));
  t.deepEqual(withId.reading!.subMeters.map((m) => [m.channel, m.id, m.value]), [[1, "G0039001936990619", 0]]);
  const withReading = one(telegram(["0-1:24.1.0(003)", "0-1:96.1.0()", "0-1:24.2.1(200426223001S)(00246.138*m3)"]));
  t.deepEqual(withReading.reading!.subMeters.map((m) => [m.channel, m.type, m.value]), [[1, "gas", 246.138]]);
});

test("units get one spelling in values and Reading; the meter's text stays in raw", (t) => {
  const r = one(telegram(["1-0:32.7.0(229.9*v)", "1-0:31.7.0(001*a)", "1-0:1.7.0(00.111*kw)", "1-0:1.8.1(002130.115*kwh)", "1-0:3.7.0(00.020*kVAr)", "1-0:21.7.0(00.056*kW)"]));
  t.deepEqual(r.values["1-0:32.7.0"], { value: 229.9, unit: "V", raw: "(229.9*v)" });
  t.deepEqual(r.values["1-0:31.7.0"], { value: 1, unit: "A", raw: "(001*a)" });
  t.deepEqual(r.values["1-0:1.7.0"], { value: 0.111, unit: "kW", raw: "(00.111*kw)" });
  t.deepEqual(r.values["1-0:1.8.1"], { value: 2130.115, unit: "kWh", raw: "(002130.115*kwh)" });
  t.deepEqual(r.values["1-0:3.7.0"], { value: 0.02, unit: "kvar", raw: "(00.020*kVAr)" });
  t.deepEqual(r.values["1-0:21.7.0"], { value: 0.056, unit: "kW" }, "a canonical unit has no raw");
  t.is(r.reading!.power.import, 111);
  t.is(r.reading!.energy.import, 2130115);
  t.is(r.reading!.power.reactiveImport, 20);
  t.is(r.reading!.voltage.l1, 229.9);
});

// The same identifiers sent by DSMR (hex-encoded ASCII) and by DLMS (octet strings).
const IDS: Record<string, string> = { "0-0:96.1.0": "SER100", "0-0:96.1.1": "EQU200", "0-0:42.0.0": "ISK1030775213859", "0-0:96.1.2": "93312345" };

function both(keys: string[]): [string | null | undefined, string | null | undefined] {
  const dsmr = one(telegram(keys.map((k) => `${k}(${asciiHex(IDS[k])})`)));
  const dlms = one(hdlcFrame(concat(hex("e6e700"), notification(struct(...keys.map((k) => struct(obis(k), str(IDS[k]))), struct(obis("1-0:1.7.0"), u32(5), su(0, 27)))))));
  return [dsmr.meterId, dlms.meterId];
}

test("meter id policy: 96.1.0, 96.1.1, then 42.0.0 before 96.1.2, the same on DSMR and DLMS", (t) => {
  t.deepEqual(both(["0-0:96.1.1", "0-0:96.1.0"]), ["SER100", "SER100"]);
  t.deepEqual(both(["0-0:96.1.1", "0-0:42.0.0"]), ["EQU200", "EQU200"]);
  t.deepEqual(both(["0-0:96.1.2", "0-0:42.0.0"]), ["ISK1030775213859", "ISK1030775213859"]);
  t.deepEqual(both(["0-0:96.1.2"]), ["93312345", "93312345"]);
});

test("meter id policy: the Slovenian lists 1 and 2 (42.0.0 with 96.1.2, resp. 96.1.3) name the same meter", (t) => {
  const ids = ["hdlc-athombv-slovenia-list-1", "hdlc-athombv-slovenia-list-2"].map((id) => one(readCase(id).bytes).meterId);
  t.is(ids[0], ids[1]);
  t.truthy(ids[0]);
});
