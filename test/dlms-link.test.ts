// DLMS link layers beyond the corpus's happy paths: M-Bus segment reassembly (the Austrian Kaifa
// MA309), general block transfer, corrupted and cut frames, and a stream that mixes every kind.
import test from "ava";
import { Decoder, decodeAll } from "../modules/decode/decoder.js";
import { failure } from "../modules/decode/protocol.js";
import type { ProtocolFactory } from "../modules/decode/protocol.js";
import type { DecodeResult } from "../modules/reading/model.js";
import { dlmsProtocol } from "../modules/dlms/protocol.js";
import { fromHex } from "../modules/util/hex.js";
import { nodeCipher } from "../hosts/node/cipher.js";
import { readCase } from "./helpers/corpus.js";
import { concat, gbtBlocks, hdlcFrame, hex, hdlcInfoUnchecked, mbusFrame, toHex } from "./dlms-frames.js";

const AUSTRIA = "enc-mbus-athombv-austria-evn-kaifa-ma309";
const LLC = Uint8Array.of(0xe6, 0xe7, 0x00);

/** DLMS plus a probe that keeps every ciphered APDU the link layers hand over. */
function withProbe(seen: Uint8Array[]): ProtocolFactory[] {
  const probe: ProtocolFactory = () => ({
    framers: [],
    payloadLeads: [0xdb],
    onFrame() {},
    decodePayload(bytes) {
      seen.push(bytes.slice());
      return failure("dlms", "unsupported", "probe");
    },
  });
  return [dlmsProtocol, probe];
}

/** What each result came to: "ok" or its error category. */
function outcomes(results: DecodeResult[]): string[] {
  return results.map((r) => (r.ok ? "ok" : r.error!));
}

function run(bytes: Uint8Array, protocols?: ProtocolFactory[]): DecodeResult[] {
  const out: DecodeResult[] = [];
  const d = new Decoder({}, (r) => out.push(r), protocols);
  d.push(bytes);
  d.flush();
  return out;
}

test("M-Bus: the MA309's two segments join into the one ciphered APDU", (t) => {
  const { bytes } = readCase(AUSTRIA);
  const l1 = bytes[1];
  const second = bytes.subarray(l1 + 6);
  const l2 = second[1];
  // The corpus's recipe: segment1[9:4+L1] + segment2[9:4+L2].
  const want = concat(bytes.subarray(9, 4 + l1), second.subarray(9, 4 + l2));
  const seen: Uint8Array[] = [];
  run(bytes, withProbe(seen));
  t.is(seen.length, 1);
  t.is(toHex(seen[0]), toHex(want));
  t.is(seen[0][0], 0xdb);
  t.is(seen[0].length, 250 - 5 + 20 - 5);
});

test("M-Bus: decrypted by the security layer, the MA309 APDU decodes to the builder's values", (t) => {
  const { bytes, expected } = readCase(AUSTRIA);
  const results = decodeAll(bytes, { cipher: nodeCipher, encryptionKey: fromHex(expected.encryption.key) });
  t.is(results.length, 1);
  const r = results[0];
  t.true(r.ok, r.message);
  t.true(r.encrypted);
  t.is(r.time, "2021-09-27T07:47:15Z", "09:47:15 local, deviation -120");
  // The same values as the plaintext APDU the source ships, decoded on its own.
  const plain = new Decoder({}, () => undefined).decodePayload(hex(expected.expected.decrypted_apdu_hex), false);
  t.deepEqual(r.values, plain.values);
  let compared = 0;
  for (const v of expected.derived_values.obis_values) {
    const key = v.obis.replace(/\.255$/, "");
    t.is(r.values[key].value, v.value, key);
    if (v.unit_code !== 255) t.is(r.values[key].unit, v.unit, key);
    compared++;
  }
  t.is(compared, 11);
  t.is(r.reading!.voltage.l1, 233.7);
  t.is(r.reading!.energy.import, 12937);
});

test("M-Bus: a bad checksum is a crc error, a segment out of order is malformed, another CI unsupported", (t) => {
  const { bytes } = readCase(AUSTRIA);
  const bad = bytes.slice();
  bad[20] ^= 0x01;
  t.like(decodeAll(bad)[0], { ok: false, protocol: "dlms", error: "crc" });
  const apdu = hex("0f0000000000020209060100010700ff06000004d2"); // one OBIS/value pair: 1234 W
  t.like(decodeAll(mbusFrame(apdu, 0x10))[0], { ok: true, values: { "1-0:1.7.0": { value: 1234 } } });
  t.like(decodeAll(mbusFrame(apdu, 0x11))[0], { ok: false, error: "malformed" });
  t.like(decodeAll(mbusFrame(apdu, 0x72))[0], { ok: false, error: "unsupported" });
  // Two segments of that APDU, in order and then twice the first one.
  const a = mbusFrame(apdu.subarray(0, 10), 0x00);
  const b = mbusFrame(apdu.subarray(10), 0x11);
  const joined = decodeAll(concat(a, b));
  t.deepEqual(outcomes(joined), ["ok"]);
  t.like(joined[0], { values: { "1-0:1.7.0": { value: 1234, unit: "W" } } });
  t.deepEqual(outcomes(decodeAll(concat(a, a, b))), ["truncated", "ok"]);
});

test("HDLC: HCS and FCS mismatches are crc errors and the frame is skipped whole", (t) => {
  const { bytes } = readCase("hdlc-athombv-aidon-example-1");
  for (const at of [6, 7, 40, bytes.length - 3]) {
    const bad = bytes.slice();
    bad[at] ^= 0x10;
    const results = decodeAll(bad);
    t.is(results.length, 1, `byte ${at}`);
    t.like(results[0], { ok: false, protocol: "dlms", error: "crc", values: {} });
  }
  // The next frame after a bad one still decodes.
  const bad = bytes.slice();
  bad[40] ^= 0x10;
  t.deepEqual(outcomes(decodeAll(concat(bad, bytes))), ["crc", "ok"]);
});

test("HDLC: a frame cut short is truncated at the end of input; a lone flag is garbage", (t) => {
  const { bytes } = readCase("hdlc-athombv-aidon-example-1");
  const out: DecodeResult[] = [];
  const decoder = new Decoder({}, (r) => out.push(r));
  decoder.push(bytes.subarray(0, 100));
  t.is(out.length, 0, "waits for the rest");
  decoder.flush();
  t.deepEqual(outcomes(out), ["truncated"]);
  const lone = new Decoder({}, (r) => out.push(r));
  lone.push(Uint8Array.of(0x7e, 0x7e, 0x7e));
  lone.flush();
  t.is(out.length, 1);
  t.is(lone.stats.frames, 0);
  t.is(lone.stats.garbage, 3);
});

test("HDLC: a stray flag with a bad header does not hold back the frame after it", (t) => {
  const out: DecodeResult[] = [];
  const d = new Decoder({}, (r) => out.push(r));
  d.push(concat(hex("7e a7ff 41 0883 13 1234"), readCase("hdlc-athombv-aidon-example-1").bytes));
  t.deepEqual(outcomes(out), ["ok"], "decoded before any flush");
  t.is(d.stats.garbage, 9);
});

test("HDLC: APDU errors are malformed, unknown APDUs unsupported", (t) => {
  const cases: [string, string][] = [
    ["0f00000000000202090601000107" + "00ff" + "42", "malformed"], // unknown data tag 0x42
    ["0f0000000000020185", "malformed"], // a length prefix of five bytes
    ["0f000000000002010600000001" + "ff", "malformed"], // a byte after the body
    ["0f00000000050202", "malformed"], // a date-time field of 5 bytes
    ["0f0000000000110a", "malformed"], // the body is not a list
    ["0f00000000000201130000", "unsupported"], // compact-array
    ["c401c100060000000a", "unsupported"], // get-response: not a push
  ];
  for (const [apdu, error] of cases) {
    const results = decodeAll(hdlcFrame(concat(LLC, hex(apdu))));
    t.is(results.length, 1, apdu);
    t.like(results[0], { ok: false, error, values: {} }, apdu);
  }
});

test("HDLC: nesting is bounded", (t) => {
  const deep = "0f000000000002" + "0101".repeat(20) + "00";
  t.like(decodeAll(hdlcFrame(concat(LLC, hex(deep))))[0], { ok: false, error: "malformed" });
});

const AIDON2 = readCase("hdlc-athombv-aidon-example-2");
const aidonApdu = hdlcInfoUnchecked(AIDON2.bytes).subarray(3);

test("general block transfer: blocks in HDLC frames and bare blocks rebuild the Aidon APDU", (t) => {
  const want = decodeAll(AIDON2.bytes);
  const blocks = gbtBlocks(aidonApdu, 64);
  t.true(blocks.length > 8);
  const inHdlc = concat(...blocks.map((b) => hdlcFrame(concat(LLC, b))));
  t.deepEqual(decodeAll(inHdlc), want);
  t.deepEqual(decodeAll(concat(...blocks)), want, "bare blocks on the line");
  // Long blocks use a two-byte length.
  t.deepEqual(decodeAll(concat(...gbtBlocks(aidonApdu, 300))), want);
});

test("general block transfer: a missing block is malformed, a huge transfer is an overflow", (t) => {
  const blocks = gbtBlocks(aidonApdu, 64);
  const gap = concat(...blocks.filter((_, i) => i !== 3));
  t.deepEqual(outcomes(decodeAll(gap)), ["malformed"]);
  // A transfer that restarts at block 1 reports the abandoned one, then completes.
  t.deepEqual(outcomes(decodeAll(concat(...blocks.slice(0, 3), ...blocks))), ["truncated", "ok"]);
  const big = new Uint8Array(9000);
  const many = gbtBlocks(big, 250).slice(0, -1);
  t.deepEqual(outcomes(decodeAll(concat(...many.map((b) => hdlcFrame(concat(LLC, b)))))), ["overflow"]);
});

test("HDLC segments beyond the reassembly limit are an overflow, not growth", (t) => {
  const segment = concat(LLC, new Uint8Array(600).fill(0x11));
  const frames = [hdlcFrame(segment, true)];
  for (let i = 0; i < 20; i++) frames.push(hdlcFrame(new Uint8Array(600).fill(0x22), true));
  t.deepEqual(outcomes(decodeAll(concat(...frames))), ["overflow"]);
});

test("one detector, every kind: garbage, DSMR, HDLC, SML, M-Bus, LLC and bare APDUs in one stream", (t) => {
  const parts = [
    Uint8Array.of(0x00, 0x55, 0xaa, 0x7e, 0x01),
    readCase("dsmr-athombv-dsmr-4.0-isk-2").bytes,
    readCase("hdlc-athombv-aidon-example-1").bytes,
    Uint8Array.of(0x68, 0x01, 0x02, 0x1b, 0x0f),
    readCase("sml-libsmltesting-holley-dtz541-zdba").bytes,
    readCase(AUSTRIA).bytes,
    readCase("llc-amshan-kaifa-ma304h4-se-list").bytes,
    readCase("hdlc-athombv-slovenia-list-2").bytes,
    readCase("sml-libsmltesting-itron-openway-3.hz").bytes,
    concat(...gbtBlocks(aidonApdu, 100)),
  ];
  const results = decodeAll(concat(...parts), { uncheckedLine: true });
  t.deepEqual(results.map((r) => `${r.protocol}:${r.ok ? "ok" : r.error}`), [
    "dsmr:ok", "dlms:ok", "sml:ok", "dlms:unsupported", "dlms:ok", "dlms:ok", "sml:ok", "dlms:ok",
  ]);
  // Unless configured, a line that starts with checked frames never takes an unchecked one:
  // the LLC frame and the bare blocks are dropped as garbage, everything checked still decodes.
  const learned = decodeAll(concat(...parts));
  t.deepEqual(learned.map((r) => `${r.protocol}:${r.ok ? "ok" : r.error}`), [
    "dsmr:ok", "dlms:ok", "sml:ok", "dlms:unsupported", "dlms:ok", "sml:ok",
  ]);
  t.is(results[1].meterId, "7359992890941742");
  t.is(results[2].meterId, "0a01484c59020003a910");
  t.true(results[3].encrypted, "the M-Bus APDU reached the security layer whole");
});

test("at the end of input, an APDU still missing segments is reported truncated, not dropped", (t) => {
  const bytes = readCase("hdlc-athombv-aidon-example-2-segmented").bytes;
  // The last HDLC frame starts where a closing flag is followed by an opening one.
  let last = -1;
  for (let i = 1; i < bytes.length - 1; i++) if (bytes[i - 1] === 0x7e && bytes[i] === 0x7e && (bytes[i + 1] & 0xf0) === 0xa0) last = i;
  t.true(last > 0);
  const results = decodeAll(bytes.subarray(0, last));
  t.deepEqual(results.map((r) => [r.ok, r.error]), [[false, "truncated"]]);
  t.regex(results[0].message!, /segmented APDU cut off after \d+ frames/);
  t.deepEqual(results[0].values, {});
});
