// Issue 11, decode side: no input ends a decode, a DSMR 4+ telegram is ok only with its CRC, and a
// damaged checked frame is never re-read as an unchecked one.
import test from "ava";
import { Decoder, decodeAll } from "../modules/decode/decoder.js";
import type { ProtocolFactory } from "../modules/decode/protocol.js";
import { PROTOCOLS } from "../modules/decode/protocols.js";
import type { DecodeResult } from "../modules/reading/model.js";
import { withDsmrCrc } from "../hosts/node/dsmr-generator.js";
import { corpusCases, readCase } from "./helpers/corpus.js";

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s/g, ""), "hex"));
const outcomes = (rs: DecodeResult[]) => rs.map((r) => (r.ok ? "ok" : r.error));
/** `good` with `ch` inserted before byte `at`. */
const insert = (good: Uint8Array, at: number, ch: string) => Buffer.concat([good.subarray(0, at), Buffer.from(ch, "latin1"), good.subarray(at)]);

/** The Kaifa DSMR 4.2 telegram with `line` before its text-message line, and its CRC made anew. */
function kaifaWith(line: string): Uint8Array {
  const text = Buffer.from(readCase("dsmr-ndokter-v4_2-kaifa").bytes).toString("latin1");
  const body = text.slice(0, text.lastIndexOf("!")).replace("0-0:96.13.0", `${line}\r\n0-0:96.13.0`) + "!";
  return withDsmrCrc(body);
}

test("the 14-byte frame with an invalid UTF-8 code point is one failed frame, not an exception", (t) => {
  const frame = hex("0F 00000001 00 02 01 0C 04 F7BFBFBF");
  const results = decodeAll(frame, { uncheckedLine: true });
  t.is(results.length, 1);
  t.false(results[0].ok);
  // The same bytes inside a stream: what follows still decodes.
  const next = readCase("llc-amshan-kaifa-ma304h4-se-list").bytes;
  const both = decodeAll(Buffer.concat([frame, next]), { uncheckedLine: true });
  t.deepEqual(outcomes(both).slice(-1), ["ok"]);
});

test("an exception inside one frame's decoding is that frame's malformed result, counted, and the stream goes on", (t) => {
  let calls = 0;
  // The real protocols, with DSMR's decoding made to throw on its first telegram only.
  const flaky: ProtocolFactory = (o) => {
    const real = PROTOCOLS[0](o);
    return { ...real, framers: real.framers, payloadLeads: real.payloadLeads, onFrame(frame, ctx) {
      if (calls++ === 0) throw new RangeError("Invalid code point 2097151");
      real.onFrame(frame, ctx);
    }, decodePayload: real.decodePayload.bind(real) };
  };
  const out: DecodeResult[] = [];
  const d = new Decoder({}, (r) => out.push(r), [flaky, ...PROTOCOLS.slice(1)]);
  const telegram = readCase("dsmr-ndokter-v4_2-kaifa").bytes;
  d.push(Buffer.concat([telegram, telegram]));
  d.end();
  t.deepEqual(outcomes(out), ["malformed", "ok"]);
  t.regex(out[0].message!, /could not be decoded: Invalid code point/);
  t.is(d.stats.faults, 1);
  t.is(d.stats.errors.malformed, 1);
});

test("the consumer's own exception is not swallowed as a frame fault", (t) => {
  const d = new Decoder({}, () => {
    throw new Error("publisher down");
  });
  t.throws(() => d.push(readCase("dsmr-ndokter-v4_2-kaifa").bytes), { message: "publisher down" });
  t.is(d.stats.faults, 0);
});

const latin1 = (b: Uint8Array) => Buffer.from(b).toString("latin1");
const bytes = (s: string) => new Uint8Array(Buffer.from(s, "latin1"));
const fingerprint = (r: DecodeResult) => JSON.stringify([r.meterId, r.time, r.values]);

test("DSMR: one bit flip making `!` inside a value line is a crc error, not a truncated ok", (t) => {
  const text = latin1(readCase("dsmr-ndokter-v4_2-kaifa").bytes);
  const at = text.indexOf("1-0:1.8.1(") + 12;
  t.is(text[at], "1");
  const flipped = text.slice(0, at) + "!" + text.slice(at + 1); // '1' 0x31 → '!' 0x21: one bit
  t.deepEqual(outcomes(decodeAll(bytes(flipped))), ["crc"]);
  // The value line's `)` turned into `!`: a CRC-less end followed by more lines is no end.
  const close = text.indexOf("*kWh)", at) + 4;
  const early = text.slice(0, close) + "!" + text.slice(close + 1);
  t.deepEqual(outcomes(decodeAll(bytes(early))), ["crc"]);
});

test("DSMR 4+ and e-MUCS: ok only with a matching CRC, from the very first telegram", (t) => {
  for (const id of ["dsmr-ndokter-v4_2-kaifa", "dsmr-ndokter-fluvius-v171", "dsmr-ndokter-v5-iskra-mt382"]) {
    const text = latin1(readCase(id).bytes);
    const bang = text.lastIndexOf("!");
    // The CRC digits gone, the `!` and line end kept: the first telegram of a stream.
    const noCrc = text.slice(0, bang + 1) + "\r\n";
    t.deepEqual(outcomes(decodeAll(bytes(noCrc))), ["truncated"], id);
    const next = latin1(readCase(id).bytes);
    t.deepEqual(outcomes(decodeAll(bytes(noCrc + next))), ["truncated", "ok"], id);
  }
  // DSMR 2.2/3 telegrams still end with a bare `!`.
  t.deepEqual(outcomes(decodeAll(readCase("dsmr-ndokter-v3-iskra-mt382").bytes)), ["ok"]);
});

test("DSMR: every single-bit flip of every telegram with a valid CRC: never ok with other values", (t) => {
  let variants = 0;
  for (const id of corpusCases("dsmr-")) {
    const good = readCase(id).bytes;
    const genuine = new Set(decodeAll(good).filter((r) => r.ok).map(fingerprint));
    if (!/![0-9A-F]{3,4}\s*$/i.test(latin1(good)) || genuine.size === 0) continue;
    for (let i = 0; i < good.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const v = good.slice();
        v[i] ^= 1 << bit;
        variants++;
        for (const r of decodeAll(v)) if (r.ok) t.true(genuine.has(fingerprint(r)), `${id} byte ${i} bit ${bit}`);
      }
    }
  }
  t.true(variants > 50_000, `${variants}`);
});

test("unchecked framings: taken on a line that starts with one, never after a checked frame unless configured", (t) => {
  const llc = readCase("llc-amshan-kaifa-ma304h4-se-list").bytes;
  const hdlc = readCase("hdlc-athombv-aidon-example-1").bytes;
  t.deepEqual(outcomes(decodeAll(Buffer.concat([llc, llc]))), ["ok", "ok"]);
  t.deepEqual(outcomes(decodeAll(Buffer.concat([hdlc, llc]))), ["ok"]);
  t.deepEqual(outcomes(decodeAll(Buffer.concat([hdlc, llc]), { uncheckedLine: true })), ["ok", "ok"]);
  t.deepEqual(outcomes(decodeAll(llc, { uncheckedLine: false })), []);
  // Junk first: the line is not learned as an unchecked one.
  t.deepEqual(outcomes(decodeAll(Buffer.concat([Uint8Array.of(0x55), llc]))), []);
});

test("DSMR: a byte that is no ASCII in a telegram line is damage, even when the CRC-16 happens to match", (t) => {
  // Found by the exhaustive run: 0xC0 inserted at byte 501 of this telegram keeps its CRC-16/ARC.
  const good = readCase("dsmr-athombv-dsmr-4.2-kfm-1").bytes;
  const damaged = Buffer.concat([good.subarray(0, 501), Uint8Array.of(0xc0), good.subarray(501)]);
  t.deepEqual(outcomes(decodeAll(damaged)), ["malformed"]);
  t.deepEqual(outcomes(decodeAll(good)), ["ok"]);
  // Iskra's identification line does carry a control byte (STX), and stays fine.
  t.deepEqual(outcomes(decodeAll(readCase("dsmr-ndokter-iskra-ie5-ireland").bytes)), ["ok"]);
});

test("DSMR: a line that is no object is damage, under a matching CRC or without one", (t) => {
  // Found by the exhaustive run: each inserted byte keeps the telegram's CRC-16/ARC, and the line
  // it lands in no longer reads (a broken code, a value with a unit that is no number, no unit).
  const found: [string, number, string][] = [
    ["dsmr-ndokter-v4_2-kaifa", 65, "$"],
    ["dsmr-ndokter-v4_2-kaifa", 592, "B"],
    ["dsmr-ndokter-luxembourg-sagemcom-t210dr-plain", 376, "{"],
    ["dsmr-ndokter-v5-iskra-mt382", 249, "Y"],
    ["dsmr-ndokter-eon-hungary-sagemcom", 216, "r"], // kWh → kWhr
    // A clock that is no timestamp, a log entry or demand-history column that does not read, bytes
    // after a line's last group, and a damaged M-Bus timestamp:
    ["dsmr-ndokter-eon-hungary-sagemcom", 39, ":"], // (23072415073:0S)
    ["dsmr-ndokter-fluvius-v171-alt", 98, "x"], // (231102x121548W)
    ["dsmr-ndokter-eon-hungary-sagemcom", 1131, "e"], // (0e00008.950*kWh) in 0-0:98.1.0
    ["dsmr-ndokter-fluvius-v171-alt", 314, "f"], // (1-0:1.f6.0) as a 0-0:98.1.0 column
    ["dsmr-ndokter-eon-hungary-sagemcom", 1317, "`"], // …)`(…
    ["dsmr-ndokter-v5-two-mbus-iskra-am550", 822, "~"], // 0-1:24.2.1(700101010~000W)
  ];
  for (const [id, at, ch] of found) {
    const rs = decodeAll(insert(readCase(id).bytes, at, ch));
    t.deepEqual(outcomes(rs), ["malformed"], `${id} +${JSON.stringify(ch)}@${at}`);
    t.regex(rs[0].message ?? "", /unreadable line/);
    t.deepEqual(outcomes(decodeAll(readCase(id).bytes)), ["ok"]);
  }
  // The Irish IE5 has no version line, so no CRC is required: its `!` turned into `(` made the
  // CRC line a continuation of the previous object, which only the DSMR 2.2/3 gas object has.
  const ireland = Buffer.from(readCase("dsmr-ndokter-iskra-ie5-ireland").bytes);
  ireland[ireland.lastIndexOf("!")] = 0x28;
  t.deepEqual(outcomes(decodeAll(ireland)), ["malformed"]);
});

test("DSMR: a telegram whose codes or padded widths change is held until a second one shows the same", (t) => {
  // The two inserted digits the exhaustive run found that keep the CRC-16 and still read: a new
  // code (`52.32.0` → `52.32.60`) and a padded count one digit longer (`00006` → `050006`). After
  // the meter's own telegram on the same line they are held; the meter's next one is ok again.
  for (const [id, at, ch, change, odd] of [
    ["dsmr-ndokter-v5-two-mbus-iskra-am550", 408, "6", /new object 1-0:52\.32\.60/, /1-0:52\.32\.60 is 1-0:52\.32\.0 with a byte more or less/],
    ["dsmr-athombv-dsmr-5.0-isk-1", 294, "5", /0-0:96\.7\.21 changed width/, /0-0:96\.7\.(9|21) is padded to another width than 0-0:96\.7\.(21|9)/],
  ] as const) {
    const good = readCase(id).bytes;
    const damaged = insert(good, at, ch);
    // As a line's first telegram it is odd in itself: held, and the meter's next telegram is taken.
    const first = decodeAll(Buffer.concat([damaged, good]));
    t.deepEqual(outcomes(first), ["malformed", "ok"], id);
    t.regex(first[0].message ?? "", odd);
    const rs = decodeAll(Buffer.concat([good, damaged, good]));
    t.deepEqual(outcomes(rs), ["ok", "malformed", "ok"], id);
    t.regex(rs[1].message ?? "", change);
    t.regex(rs[1].message ?? "", /held until a second telegram/);
    t.is(rs[1].reading, undefined);
  }
});

test("DSMR: the meter's own change is taken from its second telegram, another meter's from its first", (t) => {
  const kaifa = readCase("dsmr-ndokter-v4_2-kaifa").bytes;
  const iskra = readCase("dsmr-ndokter-v5-iskra-mt382").bytes;
  // A new line (an M-Bus device attached) with the CRC remade: held once, then taken.
  const grown = kaifaWith("0-2:24.1.0(003)");
  t.deepEqual(outcomes(decodeAll(Buffer.concat([kaifa, grown, grown, kaifa]))), ["ok", "malformed", "ok", "ok"]);
  // Another identification line is another meter: its first telegram is ok.
  t.deepEqual(outcomes(decodeAll(Buffer.concat([kaifa, iskra, kaifa]))), ["ok", "ok", "ok"]);
});

test("DSMR: a meter whose first telegram is odd in itself loses that one telegram only", (t) => {
  // 1-0:34.7.0 (L1 frequency) with a digit less is 1-0:3.7.0, which the Kaifa does not send: a
  // line of its own (not a damaged one) holds the first telegram, and the second confirms it.
  const odd = kaifaWith("1-0:34.7.0(50.0*Hz)");
  t.deepEqual(outcomes(decodeAll(Buffer.concat([odd, odd, odd]))), ["malformed", "ok", "ok"]);
  t.regex(decodeAll(odd)[0].message ?? "", /1-0:34\.7\.0 is 1-0:3\.7\.0 with a byte more or less: held/);
  // Counts padded to one width are not odd; one padded wider beside them is.
  t.deepEqual(outcomes(decodeAll(kaifaWith("0-0:96.7.19(00003)"))), ["ok"]);
  t.deepEqual(outcomes(decodeAll(kaifaWith("0-0:96.7.19(000003)"))), ["malformed"]);
});

test("DSMR: a line a meter sends in some telegrams only is held once, then known", (t) => {
  const kaifa = readCase("dsmr-ndokter-v4_2-kaifa").bytes;
  const withGas = kaifaWith("0-2:24.2.1(101209112500W)(12785.123*m3)");
  t.deepEqual(outcomes(decodeAll(Buffer.concat([kaifa, withGas, kaifa, withGas, kaifa, withGas]))), ["ok", "malformed", "ok", "ok", "ok", "ok"]);
});

test("DSMR: a telegram with a valid CRC and no OBIS line is refused, also right after a good one", (t) => {
  const good = readCase("dsmr-ndokter-v4_2-kaifa").bytes;
  const header = Buffer.from(good).toString("latin1").split("\n")[0];
  const bare = withDsmrCrc(`${header}\n\r\n!`);
  const nothing = decodeAll(bare);
  t.deepEqual(outcomes(nothing), ["malformed"]);
  t.regex(nothing[0].message ?? "", /no OBIS lines/);
  // One stream: the good telegram, the empty one (its lines remembered from the first do not
  // count), and the good one again.
  const stream = decodeAll(Buffer.concat([good, bare, good]));
  t.deepEqual(outcomes(stream), ["ok", "malformed", "ok"]);
  t.regex(stream[1].message ?? "", /no OBIS lines/);
});
