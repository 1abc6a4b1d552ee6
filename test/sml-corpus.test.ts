// German SML captures (devZer0/libsml-testing) against felixwrt/sml-rs's snapshot of each frame,
// plus the transport's error paths: CRC (X.25 and KERMIT), cut and restarted transmissions.
import test from "ava";
import type { ExecutionContext } from "ava";
import { Decoder, decodeAll } from "../modules/decode/decoder.js";
import type { DecodeResult } from "../modules/reading/model.js";
import { corpusCases, readCase } from "./helpers/corpus.js";
import { concat, hex, smlFrame } from "./dlms-frames.js";

// The unit codes the captures use, named as in IEC 62056-6-2.
const UNITS: Record<number, string> = { 8: "°", 27: "W", 30: "Wh", 33: "A", 35: "V", 44: "Hz" };

function bytesAsText(h: string): string {
  const b = hex(h);
  return b.every((c) => c >= 0x20 && c <= 0x7e) ? String.fromCharCode(...b) : h;
}

function key(objName: string): string {
  const [a, b, c, d, e, f] = hex(objName);
  return `${a}-${b}:${c}.${d}.${e}` + (f === 255 ? "" : `*${f}`);
}

/** sml-rs snapshots: every list entry's OBIS, value, scaler and unit. Returns the count compared. */
function compareSmlRs(t: ExecutionContext, id: string, r: DecodeResult, messages: any[]): number {
  let compared = 0;
  const open = messages.find((m) => m.message_body === "OpenResponse");
  t.is(r.meterId, bytesAsText(open.server_id.bytes_hex), `${id} meter id`);
  compared++;
  for (const m of messages.filter((m) => m.message_body === "GetListResponse")) {
    for (const v of m.val_list) {
      const k = key(v.obj_name.bytes_hex);
      const got = r.values[k];
      t.truthy(got, `${id} ${k}`);
      if (v.value.int !== undefined) {
        const want = v.value.int * 10 ** (v.scaler ?? 0);
        t.true(Math.abs((got.value as number) - want) < 1e-9 * Math.max(1, Math.abs(want)), `${id} ${k}: ${got.value} vs ${want}`);
        t.is(got.unit, v.unit ? UNITS[v.unit] : undefined, `${id} ${k} unit`);
      } else {
        t.is(got.value, bytesAsText(v.value.bytes_hex), `${id} ${k}`);
      }
      // A seconds index is not a calendar time: none is invented.
      if (v.val_time?.SecIndex !== undefined) t.is(got.time, undefined);
      compared++;
    }
  }
  return compared;
}

const cases = corpusCases("sml-");

test("every SML capture decodes to sml-rs's asserted values", (t) => {
  t.is(cases.length, 12);
  const counts: string[] = [];
  for (const id of cases) {
    const { bytes, expected } = readCase(id);
    const results = decodeAll(bytes);
    t.is(results.length, 1, id);
    const r = results[0];
    t.true(r.ok, `${id}: ${r.message}`);
    t.is(r.protocol, "sml");
    const n = compareSmlRs(t, id, r, expected.expected.messages);
    const listed = expected.expected.messages.reduce((s: number, m: any) => s + (m.val_list?.length ?? 0), 0);
    t.is(n, listed + 1, id);
    t.is(Object.keys(r.values).length, listed, `${id}: nothing more, nothing less`);
    counts.push(`${id.replace("sml-libsmltesting-", "")}: ${n}`);
  }
  t.log(`values compared per case: ${counts.join(", ")}`);
});

test("SML: negative powers stay signed and reach the reading", (t) => {
  const r = decodeAll(readCase("sml-libsmltesting-emh-ehz361l5r").bytes)[0];
  t.is(r.values["1-0:1.7.1"].value, -5632.1916);
  const neg = decodeAll(readCase("sml-libsmltesting-dzg-dvs-7420.2v.g2-mtr2-neg").bytes)[0];
  t.is(neg.values["1-0:16.7.0"].value, -105.5);
  // Net power 16.7.0 is all this meter sends: negative means export.
  t.like(neg.reading!.power, { import: 0, export: 105.5 });
  const holley = decodeAll(readCase("sml-libsmltesting-holley-dtz541-zdba").bytes)[0].reading!;
  t.deepEqual(holley.voltage, { l1: 232.3, l2: 232.5, l3: 232.5 });
  t.is(holley.energy.export, 314926);
});

/** The message bytes of a capture: what sits between its start and end sequences. */
function messagesOf(id: string): Uint8Array {
  const b = readCase(id).bytes;
  return b.subarray(8, b.length - 8 - b[b.length - 3]);
}

test("SML: CRC-16/KERMIT (Holley firmware) is learned from two frames, then decodes like its X.25 twin", (t) => {
  const id = "sml-libsmltesting-holley-dtz541-zdba";
  const frame = smlFrame(messagesOf(id), "kermit");
  const kermit = decodeAll(concat(frame, frame, frame));
  t.deepEqual(kermit.map((r) => r.error ?? "ok"), ["crc", "ok", "ok"]);
  t.regex(kermit[0].message!, /only CRC-16\/KERMIT/);
  t.deepEqual(kermit[1], decodeAll(readCase(id).bytes)[0]);
  t.deepEqual(decodeAll(smlFrame(messagesOf(id), "x25")), decodeAll(readCase(id).bytes), "the builder reproduces the capture's frame");
});

test("SML: once a stream has shown X.25, a KERMIT frame is a crc error, and the other way round", (t) => {
  const id = "sml-libsmltesting-holley-dtz541-zdba";
  const x25 = smlFrame(messagesOf(id), "x25");
  const kermit = smlFrame(messagesOf(id), "kermit");
  t.deepEqual(decodeAll(concat(x25, kermit, x25)).map((r) => r.error ?? "ok"), ["ok", "crc", "ok"]);
  t.deepEqual(decodeAll(concat(kermit, kermit, x25, kermit)).map((r) => r.error ?? "ok"), ["crc", "ok", "crc", "ok"]);
});

test("SML: any fill count the CRC covers is accepted (DZG sends 4); a count beyond the data says so", (t) => {
  const id = "sml-libsmltesting-dzg-dvs-7412.2-jmberg";
  const plain = decodeAll(readCase(id).bytes);
  for (const extra of [4, 8]) {
    const padded = decodeAll(smlFrame(messagesOf(id), "x25", extra));
    t.is(padded.length, 1);
    t.true(padded[0].ok, padded[0].message);
    t.deepEqual(padded, plain, `${extra} more fill bytes`);
  }
  const messages = messagesOf(id);
  const [lying] = decodeAll(smlFrame(messages, "x25", 0, 255));
  t.like(lying, { ok: false, error: "malformed" });
  t.regex(lying.message!, /^SML fill count 255 exceeds the \d+ message bytes$/);
});

test("SML: a wrong CRC is a crc error; the frame is skipped whole and the next one decodes", (t) => {
  const good = readCase("sml-libsmltesting-iskra-mt691-ehz-ms2020").bytes;
  for (const at of [20, 100, good.length - 1]) {
    const bad = good.slice();
    bad[at] ^= 0x04;
    const results = decodeAll(concat(bad, good));
    t.deepEqual(results.map((r) => (r.ok ? "ok" : r.error)), ["crc", "ok"], `byte ${at}`);
    t.deepEqual(results[0].values, {});
  }
});

test("SML: a cut transmission is truncated, at the end of input or when the next one starts", (t) => {
  const good = readCase("sml-libsmltesting-iskra-mt691-ehz-ms2020").bytes;
  const cut = good.subarray(0, 150);
  t.deepEqual(decodeAll(cut).map((r) => r.error), ["truncated"]);
  const results = decodeAll(concat(cut, good));
  t.deepEqual(results.map((r) => (r.ok ? "ok" : r.error)), ["truncated", "ok"]);
});

test("SML: escaped 1B1B1B1B inside the data and several transmissions in one capture", (t) => {
  // A GetList.Res whose server id holds 1B1B1B1B, which the transport must send twice.
  const msg = hex(
    "76 0201 6200 6200 72 630701 77 01 0b 0a1b1b1b1b0102030405 01 01 71" +
      "77 07 0100010800ff 01 01 621e 52ff 59 0000000000003039 01" +
      "01 01 6300 00 00",
  );
  const frame = smlFrame(msg);
  t.true(frame.length > msg.length + 16, "escape doubled");
  const results = decodeAll(concat(frame, frame, frame));
  t.is(results.length, 3);
  for (const r of results) {
    t.true(r.ok, r.message);
    t.is(r.meterId, "0a1b1b1b1b0102030405");
    t.deepEqual(r.values, { "1-0:1.8.0": { value: 1234.5, unit: "Wh" } });
  }
});

test("SML: structural errors are malformed, frames without readings unsupported", (t) => {
  const cases: [string, string][] = [
    ["75 0101 6200 6200 72 630701 00", "malformed"], // a message of 5 fields
    ["76 0201 6200 6200 72 630701 77 01 0b0a01 01 01 71 00 01 01 6300 00 00", "malformed"], // short TL
    ["76 0201 6200 6200 72 630201 71 01 6300 00 00", "unsupported"], // a lone PublicClose.Res
    ["76 0201 6200 6200 72 630701 77 01 01 01 01 71 77 03 010203 01 01 62 1e 52 ff 62 01 01 01 01 6300 00 00", "malformed"], // OBIS of 3 bytes
    ["76 0201 6200 6200 72 630701 77 01 01 01 01 " + "71".repeat(12) + "00", "malformed"], // nested too deep
  ];
  for (const [messages, error] of cases) {
    const results = decodeAll(smlFrame(hex(messages)));
    t.deepEqual(results.map((r) => r.error), [error], messages);
  }
});

test("SML results count into the decoder's stats", (t) => {
  const out: DecodeResult[] = [];
  const d = new Decoder({}, (r) => out.push(r));
  for (const id of cases) d.push(readCase(id).bytes);
  d.flush();
  t.is(out.length, 12);
  t.is(d.stats.ok, 12);
  t.is(d.stats.garbage, 0);
});
