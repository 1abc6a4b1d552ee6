// Seeded mutation fuzzing of the glo parser, the 0xDB framer and the whole decrypt path:
// 100k+ inputs each, no throw, no read outside the input, every failure a known category.
import test from "ava";
import { Decoder } from "../modules/decode/decoder.js";
import { ERROR_CATEGORIES } from "../modules/reading/model.js";
import type { DecodeResult } from "../modules/reading/model.js";
import { isGloError, parseGlo } from "../modules/security/glo.js";
import { gloFramer } from "../modules/security/framer.js";
import { SCAN_FRAME, SCAN_INVALID, SCAN_MORE } from "../modules/stream/framer.js";
import type { ScanResult } from "../modules/stream/framer.js";
import { nodeCipher } from "../hosts/node/cipher.js";
import { buildGlo, ENCRYPTED_CASES, encryptedCase } from "./security-frames.js";

const RUNS = 100_000;
const KEY = "000102030405060708090a0b0c0d0e0f";
const AK = "d0d1d2d3d4d5d6d7d8d9dadbdcdddedf";

/** xorshift32: the same inputs on every run, so a failure reproduces from its index. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

const LENGTH_EDGES = [[0], [4], [5], [0x7f], [0x80], [0x81, 0], [0x81, 0xff], [0x82, 0, 0], [0x82, 0xff, 0xff], [0x82, 0, 5],
  [0x83, 0, 0, 9], [0x84, 0xff, 0xff, 0xff, 0xff], [0x84, 0, 0, 0, 5], [0x85], [0xff]];

function seeds(): Uint8Array[] {
  const small = new TextEncoder().encode("/ISK5\\2M550T-1011\r\n\r\n1-0:1.8.1(000123.456*kWh)\r\n!ABCD\r\n");
  return [
    ...ENCRYPTED_CASES.map((id) => encryptedCase(id).apdu),
    buildGlo(small, KEY, 1),
    buildGlo(small, KEY, 2, { authKey: AK }),
    buildGlo(Uint8Array.of(0x0f, 0, 0, 0, 1, 0, 1, 2), KEY, 3, { authKey: AK }),
    buildGlo(new Uint8Array(0), KEY, 4),
  ];
}

function mutate(next: () => number, seed: Uint8Array): Uint8Array {
  let b = Array.from(seed);
  const steps = 1 + (next() % 3);
  for (let s = 0; s < steps; s++) {
    const at = b.length ? next() % b.length : 0;
    switch (next() % 7) {
      case 0: if (b.length) b[at] ^= 1 << (next() % 8); break;
      case 1: if (b.length) b[at] = next() & 0xff; break;
      case 2: b = b.slice(0, next() % (b.length + 1)); break;
      case 3: b.splice(10, b[10] >= 0x80 ? 1 + (b[10] & 0x7f) : 1, ...LENGTH_EDGES[next() % LENGTH_EDGES.length]); break;
      case 4: b[1] = next() % 3 === 0 ? next() & 0xff : 8; break;
      case 5: b.splice(at, next() % 4); break;
      case 6: b.splice(at, 0, ...Array.from({ length: 1 + (next() % 4) }, () => next() & 0xff)); break;
    }
  }
  if (next() % 4 === 0) b = [0xdb, 8, ...Array.from({ length: next() % 40 }, () => next() & 0xff)];
  return Uint8Array.from(b);
}

/** A view of `bytes` that records any index read outside [0, limit). */
function guarded(bytes: Uint8Array, limit = bytes.length): { view: Uint8Array; outOfBounds: number[] } {
  const outOfBounds: number[] = [];
  const view = new Proxy(bytes, {
    get(target, prop) {
      if (typeof prop === "string" && /^-?\d+$/.test(prop)) {
        const i = Number(prop);
        if (i < 0 || i >= limit) outOfBounds.push(i);
        return target[i];
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  return { view, outOfBounds };
}

test("parseGlo: 100k mutated APDUs, no throw, no out-of-bounds read, consistent results", (t) => {
  const next = rng(0x5eed);
  const base = seeds();
  const counts: Record<string, number> = {};
  for (let n = 0; n < RUNS; n++) {
    const input = mutate(next, base[n % base.length]);
    const { view, outOfBounds } = guarded(input);
    const r = parseGlo(view);
    if (outOfBounds.length) return t.fail(`input ${n}: read index ${outOfBounds[0]} of ${input.length}`);
    if (isGloError(r)) {
      if ((r.error !== "truncated" && r.error !== "malformed") || !r.message) return t.fail(`input ${n}: ${r.error}`);
      counts[r.error] = (counts[r.error] ?? 0) + 1;
      continue;
    }
    const ok = r.end <= input.length && r.contentStart < r.end && Number.isInteger(r.frameCounter) && r.frameCounter >= 0 &&
      r.frameCounter < 2 ** 32 && (r.tag.length === 0 || r.tag.length === 12) && r.systemTitle.length === 8 &&
      r.contentStart + 5 + r.body.length + r.tag.length === r.end;
    if (!ok) return t.fail(`input ${n}: inconsistent frame`);
    counts.frame = (counts.frame ?? 0) + 1;
  }
  // The mutator reaches every outcome in quantity.
  t.true(counts.frame > 10_000 && counts.truncated > 10_000 && counts.malformed > 10_000, JSON.stringify(counts));
});

test("gloFramer: 100k mutated buffers, reads stay below `end`, answers are sane", (t) => {
  const next = rng(0xf4a3e);
  const base = seeds();
  const framer = gloFramer(4096);
  const out: ScanResult = { status: 0, end: 0, resume: 0 };
  const seen = new Set<number>();
  for (let n = 0; n < RUNS; n++) {
    const input = Uint8Array.of(0xdb, ...mutate(next, base[n % base.length]).subarray(1));
    // The detector's buffer is larger than what arrived: the framer must stop at `end`.
    const end = input.length;
    const padded = new Uint8Array(end + 16);
    padded.set(input);
    const { view, outOfBounds } = guarded(padded, end);
    const final = (n & 1) === 1;
    out.error = undefined;
    framer.scan(view, 0, end, final, 0, out);
    if (outOfBounds.length) return t.fail(`input ${n}: read index ${outOfBounds[0]}, end ${end}`);
    seen.add(out.status);
    if (out.status === SCAN_FRAME && !(out.end > 0 && out.end <= end)) return t.fail(`input ${n}: frame end ${out.end} of ${end}`);
    if (out.status === SCAN_FRAME && out.error && out.error !== "truncated") return t.fail(`input ${n}: ${out.error}`);
    if (out.status === SCAN_MORE && final) return t.fail(`input ${n}: asks for more at the end of input`);
    if (out.status !== SCAN_FRAME && out.status !== SCAN_MORE && out.status !== SCAN_INVALID) return t.fail(`input ${n}: status ${out.status}`);
  }
  t.deepEqual([...seen].sort(), [SCAN_MORE, SCAN_FRAME, SCAN_INVALID]);
});

test("the decrypt path: 100k mutated frames through the decoder, every result a known outcome", (t) => {
  const next = rng(0xdec0de);
  const base = seeds();
  const key = Buffer.from(KEY, "hex");
  const withAk = { cipher: nodeCipher, encryptionKey: key, authenticationKey: Buffer.from(AK, "hex") };
  const withoutAk = { cipher: nodeCipher, encryptionKey: key };
  const counts: Record<string, number> = {};
  const check = (r: DecodeResult): string | undefined => {
    if (r.ok) return r.encrypted ? undefined : "unencrypted ok";
    if (!ERROR_CATEGORIES.includes(r.error!) || !r.message) return `error ${r.error}`;
    if (r.error === "key" || r.error === "auth") return Object.keys(r.values).length ? "values on a key failure" : undefined;
    return undefined;
  };
  for (let n = 0; n < RUNS; n++) {
    // The corpus frames decrypt 1.5 KB each: mostly mutate the small seeds to keep this quick.
    const seed = base[n % 16 < 2 ? n % 5 : 5 + (n % 4)];
    const input = mutate(next, seed);
    const results: DecodeResult[] = [];
    const d = new Decoder(n & 1 ? withAk : withoutAk, (r) => results.push(r));
    try {
      d.push(input);
      d.flush();
      results.push(d.decodePayload(input, false));
    } catch (e) {
      return t.fail(`input ${n}: threw ${(e as Error).message}`);
    }
    for (const r of results) {
      const bad = check(r);
      if (bad) return t.fail(`input ${n}: ${bad}`);
      counts[r.error ?? "ok"] = (counts[r.error ?? "ok"] ?? 0) + 1;
    }
  }
  for (const outcome of ["auth", "key", "truncated", "malformed"]) t.true(counts[outcome] > 10, JSON.stringify(counts));
  // Few come through: a mutated ciphertext without a tag garbles the DSMR text inside, and lines
  // that do not read are refused as damage.
  t.true(counts.ok >= 1, JSON.stringify(counts));
});
