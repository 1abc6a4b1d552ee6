// Properties of the DLMS and SML decoders over the corpus: chunking never changes the output, and
// mutated or random input never throws, never hangs, and never yields a value the meter did not send.
import test from "ava";
import fc from "fast-check";
import { Decoder, decodeAll } from "../modules/decode/decoder.js";
import type { DecodeResult } from "../modules/reading/model.js";
import { ERROR_CATEGORIES, toContractJson } from "../modules/reading/model.js";
import { corpusCases, readCase } from "./helpers/corpus.js";
import { concat, gbtBlocks, hdlcInfoUnchecked, mbusFrame } from "./dlms-frames.js";

const aidon2 = hdlcInfoUnchecked(readCase("hdlc-athombv-aidon-example-2").bytes).subarray(3);

/** Checked frames of every link layer: each is one frame in, one result out. */
const FRAMES: Uint8Array[] = [
  ...corpusCases("hdlc-").map((id) => readCase(id).bytes),
  ...corpusCases("sml-").map((id) => readCase(id).bytes),
  mbusFrame(aidon2.subarray(0, 200), 0x00),
  mbusFrame(aidon2.subarray(200, 400), 0x01),
  mbusFrame(aidon2.subarray(400), 0x12),
];
const STREAM = concat(
  ...FRAMES,
  readCase("llc-amshan-kaifa-ma304h4-se-list").bytes,
  readCase("enc-mbus-athombv-austria-evn-kaifa-ma309").bytes,
  ...gbtBlocks(aidon2, 120),
);

function lines(results: DecodeResult[]): string[] {
  return results.map(toContractJson);
}

// The stream mixes bare APDUs with checked frames: only a line configured for them takes both.
const MIXED = { uncheckedLine: true };

function decodeChunks(bytes: Uint8Array, cuts: number[]): DecodeResult[] {
  const out: DecodeResult[] = [];
  const d = new Decoder(MIXED, (r) => out.push(r));
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    d.push(bytes.subarray(at, cut));
    at = cut;
  }
  d.push(bytes.subarray(at));
  d.flush();
  return out;
}

const reference = lines(decodeAll(STREAM, MIXED));

test("the reference stream decodes every frame", (t) => {
  t.is(reference.length, 29);
  t.is(reference.filter((l) => l.startsWith('{"ok":true')).length, 26);
});

test("any chunking of the stream gives the same lines", (t) => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: STREAM.length }), { maxLength: 60 }), (cuts) => {
      t.deepEqual(lines(decodeChunks(STREAM, cuts)), reference);
    }),
    { numRuns: 150 },
  );
  // Byte by byte, the worst case for resumable framers.
  t.deepEqual(lines(decodeChunks(STREAM, Array.from({ length: STREAM.length }, (_, i) => i))), reference);
});

/** Values the meter sent: the ok results of the unmutated frames. */
const GENUINE = new Set(FRAMES.flatMap((f) => decodeAll(f)).filter((r) => r.ok).map((r) => JSON.stringify(r.values)));

function wellFormed(t: any, results: DecodeResult[]): void {
  for (const r of results) {
    if (r.ok) {
      t.true(GENUINE.has(JSON.stringify(r.values)), `a mutation produced values: ${toContractJson(r).slice(0, 200)}`);
    } else {
      t.true(ERROR_CATEGORIES.includes(r.error!));
      t.deepEqual(r.values, {});
      t.is(r.reading, undefined);
    }
  }
}

test("a frame with one byte changed never yields a value the meter did not send", (t) => {
  let refused = 0;
  fc.assert(
    fc.property(fc.nat(FRAMES.length - 1), fc.nat(), fc.integer({ min: 1, max: 255 }), (which, where, flip) => {
      const frame = FRAMES[which].slice();
      frame[where % frame.length] ^= flip;
      const results = decodeAll(frame);
      wellFormed(t, results);
      if (results.every((r) => !r.ok)) refused++;
    }),
    { numRuns: 600 },
  );
  t.true(refused > 500, `${refused} of 600 mutated frames refused`);
});

test("a data byte changed inside a checked frame is always refused", (t) => {
  // Past the headers and before the trailers: the HDLC FCS, the M-Bus sum and the SML CRC cover it.
  // (The 18-byte octet-stuffed frame is too short to have such bytes; the segmented Aidon file
  // holds three frames, whose inner headers are not data.)
  const segmented = readCase("hdlc-athombv-aidon-example-2-segmented").bytes;
  const long = FRAMES.filter((f) => f.length > 40 && f.length !== segmented.length);
  t.is(long.length, FRAMES.length - 2);
  fc.assert(
    fc.property(fc.nat(long.length - 1), fc.nat(), fc.integer({ min: 1, max: 255 }), (which, where, flip) => {
      const frame = long[which].slice();
      const at = 12 + (where % (frame.length - 24));
      frame[at] ^= flip;
      const results = decodeAll(frame);
      t.true(results.length >= 1, `byte ${at} of frame ${which}: ${results.length} results`);
      t.false(results.some((r) => r.ok), `byte ${at} of frame ${which}`);
    }),
    { numRuns: 400 },
  );
});

test("cut, spliced and random input never throws and reports only known categories", (t) => {
  const pieces = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.tuple(fc.nat(FRAMES.length - 1), fc.nat(), fc.nat()).map(([i, a, b]) => {
      const f = FRAMES[i];
      return f.subarray(Math.min(a, b) % f.length, Math.max(a, b) % (f.length + 1));
    }),
  );
  fc.assert(
    fc.property(fc.array(pieces, { maxLength: 12 }), (parts) => {
      const bytes = concat(...parts);
      const out: DecodeResult[] = [];
      const d = new Decoder({}, (r) => out.push(r));
      d.push(bytes);
      d.flush();
      for (const r of out) if (!r.ok) t.true(ERROR_CATEGORIES.includes(r.error!));
      t.is(d.stats.bytes, bytes.length);
      t.true(d.stats.frames <= bytes.length);
    }),
    { numRuns: 300 },
  );
});
