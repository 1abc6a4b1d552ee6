// The stream detector with DSMR: resync, concatenation, truncation, overflow, and any chunking.
import test from "ava";
import fc from "fast-check";
import { Decoder, decodeAll } from "../modules/decode/decoder.js";
import type { DecodeResult } from "../modules/reading/model.js";
import { toContractJson } from "../modules/reading/model.js";
import { concatBytes } from "../modules/util/bytes.js";
import { corpusCases, readCase } from "./helpers/corpus.js";

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const concat = (...parts: Uint8Array[]) => concatBytes(parts);

const kaifa = readCase("dsmr-ndokter-v4_2-kaifa").bytes;
const iskra = readCase("dsmr-athombv-dsmr-5.0-isk-1").bytes;
const crlf = ascii("\r\n");

function decodeChunked(bytes: Uint8Array, sizes: number[], bufferSize?: number): DecodeResult[] {
  const out: DecodeResult[] = [];
  const d = new Decoder({ bufferSize }, (r) => out.push(r));
  let i = 0;
  let k = 0;
  while (i < bytes.length) {
    const n = sizes.length ? sizes[k++ % sizes.length] : bytes.length;
    d.push(bytes.subarray(i, i + n));
    i += n;
  }
  d.flush();
  return out;
}

test("concatenated telegrams and garbage between them", (t) => {
  const noise = Uint8Array.from([0x00, 0xff, 0x13, 0x37, 0x0d, 0x0a, 0x41]);
  const results = decodeAll(concat(noise, kaifa, crlf, noise, iskra, crlf, kaifa));
  t.deepEqual(results.map((r) => [r.ok, r.meterId]), [
    [true, "3960221976967177082151037881335713"],
    [true, "E0034006810516416"],
    [true, "3960221976967177082151037881335713"],
  ]);
});

test("a telegram cut off mid-line and followed by the next one is truncated, the next one is fine", (t) => {
  const cut = kaifa.subarray(0, 300);
  const results = decodeAll(concat(cut, iskra));
  t.deepEqual(results.map((r) => [r.ok, r.error]), [[false, "truncated"], [true, undefined]]);
  t.is(results[0].reading, undefined);
});

test("a DSMR 4+ telegram that lost its `!CRC` tail is truncated, never published", (t) => {
  const text = new TextDecoder().decode(kaifa);
  const headless = ascii(text.slice(0, text.indexOf("!")));
  const [r] = decodeAll(concat(headless, iskra));
  t.is(r.error, "truncated");
});

test("a bit error fails the CRC and yields no reading", (t) => {
  const bad = kaifa.slice();
  bad[100] ^= 0x01;
  const [r] = decodeAll(bad);
  t.is(r.error, "crc");
  t.false(r.ok);
  t.is(r.reading, undefined);
});

test("a frame longer than the buffer is an overflow error, then the stream resyncs", (t) => {
  const results = decodeChunked(concat(kaifa, crlf, iskra), [64], 512);
  t.is(results[0].error, "overflow");
  t.true(results.every((r) => r.error === "overflow" || !r.ok), "no partial telegram decodes as ok");
  const fits = decodeChunked(concat(kaifa, crlf, iskra), [64], 2048);
  t.deepEqual(fits.map((r) => r.ok), [true, true]);
});

test("every corpus telegram decodes identically in any chunking (1 byte to 4 KB)", (t) => {
  const stream = concat(...corpusCases("dsmr-").flatMap((id) => [readCase(id).bytes, crlf]));
  const whole = decodeChunked(stream, []).map(toContractJson);
  t.is(whole.length, 34);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 4096 }), { minLength: 1, maxLength: 20 }), (sizes) => {
      const chunked = decodeChunked(stream, sizes).map(toContractJson);
      return chunked.length === whole.length && chunked.every((line, i) => line === whole[i]);
    }),
    { numRuns: 200 },
  );
  t.deepEqual(decodeChunked(stream, [1]).map(toContractJson), whole);
});

test("random bytes never throw, never decode as ok, and stay within the buffer", (t) => {
  let frames = 0;
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 6000 }), (bytes) => {
      const d = new Decoder({ bufferSize: 4096 }, (r) => {
        frames++;
        if (r.ok) throw new Error("random bytes decoded as a valid telegram");
      });
      d.push(bytes);
      if (d.stats.bytes !== bytes.length) throw new Error("bytes not counted");
      d.flush();
    }),
    { numRuns: 2000 },
  );
  t.log(`${frames} candidate frames rejected`);
  t.pass();
});

test("mutated telegrams never throw and never yield a reading with a failed CRC", (t) => {
  const crcTelegrams = corpusCases("dsmr-").map((id) => readCase(id)).filter((c) => c.expected.integrity?.verifies === true).map((c) => c.bytes);
  let rejected = 0;
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: crcTelegrams.length - 1 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
      (which, flips) => {
        const bytes = crcTelegrams[which].slice();
        const bang = bytes.lastIndexOf(0x21);
        for (const [pos, mask] of flips) bytes[pos % bang] ^= mask;
        // The stream has shown its CRC first, as a meter's does within one telegram period.
        const [primer, ...rest] = decodeAll(concat(crcTelegrams[which], crlf, bytes));
        if (!primer.ok) throw new Error("the intact telegram failed");
        for (const r of rest) {
          if (r.ok) throw new Error("a corrupted telegram passed its CRC");
          rejected++;
        }
      },
    ),
    { numRuns: 3000 },
  );
  t.true(rejected > 2000);
});
