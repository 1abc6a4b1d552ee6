// Properties of the push-list reader: a list without OBIS codes decodes only when its signature is
// one of the layouts docs/PUSH-LISTS.md documents (an oracle written here from that table, not from
// the code), and a list that names its values, however damaged, never publishes a value under
// another value's code.
import test from "ava";
import fc from "fast-check";
import { Decoder } from "../modules/decode/decoder.js";
import type { DecodeResult } from "../modules/reading/model.js";
import { i16, notification, obis, oct, str, struct, su, u16, u32 } from "./dlms-axdr.js";

const decode = (body: Uint8Array): DecodeResult => new Decoder({}, () => undefined).decodePayload(notification(body), false);

// Element kinds: u double-long-unsigned, l long-unsigned, i long, v visible string, c 12-byte
// octet string, t 2-byte octet string.
const KINDS = "ulivct";

/** The positional layouts of docs/PUSH-LISTS.md as signatures over those kinds. */
const DOCUMENTED = [
  /^u$/, // Kaifa Norway list 1
  /^[vct]{3}[uli]{5}(?:[uli]|[uli]{5})(?:c[uli]{4})?$/, // Kaifa Norway lists 2 and 3, 1- and 3-phase
  /^[ct][vct][uli]{16}$/, // Slovenian ECE list 1
  /^[ct][vct][uli]t[uli]{8}$/, // Slovenian ECE list 2
  /^l{6}u{4}(?:l{3})?[vct]$/, // Netz Burgenland E450
];
const documented = (sig: string) => DOCUMENTED.some((re) => re.test(sig));

/** Valid signatures of each layout, the seeds of near misses. */
const SEEDS = ["u", "vvvuuuuuu", "vvvuuuuuuuuuu", "vvvuuuuuucuuuu", "vvvuuuuuuuuuucuuuu", "tv" + "u".repeat(16), "tvutuuuuuuuu", "lllllluuuulllv", "lllllluuuuv"];

function element(kind: string, n: number): Uint8Array {
  switch (kind) {
    case "u": return u32(1000 + n);
    case "l": return u16(100 + n);
    case "i": return i16(-50 - n);
    case "v": return str(`ID${n}ABCDEF`);
    case "c": return oct(`07e80a0d${(n % 7 + 1).toString(16).padStart(2, "0")}0c1e0000ff8880`);
    default: return oct("0102");
  }
}

/** A documented signature with one element changed, inserted or removed. */
const nearMiss = fc.tuple(fc.constantFrom(...SEEDS), fc.nat(), fc.constantFrom(...KINDS), fc.constantFrom("change", "insert", "remove")).map(([seed, at, kind, how]) => {
  const i = at % (seed.length + 1);
  if (how === "insert") return seed.slice(0, i) + kind + seed.slice(i);
  const j = Math.min(i, seed.length - 1);
  return how === "remove" ? seed.slice(0, j) + seed.slice(j + 1) : seed.slice(0, j) + kind + seed.slice(j + 1);
});
const anySignature = fc.array(fc.constantFrom(...KINDS), { minLength: 1, maxLength: 20 }).map((a) => a.join(""));

test("a list without OBIS codes decodes exactly when its signature is a documented layout", (t) => {
  let decoded = 0;
  let refused = 0;
  fc.assert(
    fc.property(fc.oneof(nearMiss, anySignature, fc.constantFrom(...SEEDS)), (sig) => {
      const r = decode(struct(...Array.from(sig, (k, n) => element(k, n))));
      if (documented(sig)) {
        decoded++;
        t.true(r.ok, `${sig}: ${r.message}`);
      } else {
        refused++;
        t.like(r, { ok: false, error: "unsupported", values: {} }, sig);
      }
    }),
    { numRuns: 600 },
  );
  t.log(`${decoded} documented signatures decoded, ${refused} others refused`);
  t.true(decoded > 50 && refused > 50);
});

// Lists that name their values: distinct values, so a value under the wrong code cannot go unseen.
const CODES = ["1-0:1.7.0", "1-0:2.7.0", "1-0:3.7.0", "1-0:4.7.0", "1-0:21.7.0", "1-0:1.8.0", "1-0:2.8.0", "1-0:1.8.1", "1-0:1.8.2", "1-0:13.7.0", "1-0:14.7.0", "1-0:3.8.0"];

const namedList = fc.record({
  count: fc.integer({ min: 1, max: CODES.length }),
  styles: fc.array(fc.constantFrom("struct", "struct-su", "flat", "flat-su"), { minLength: CODES.length, maxLength: CODES.length }),
  damage: fc.constantFrom("none", "insert", "remove", "duplicate"),
  at: fc.nat(),
  stray: fc.constantFrom(u32(777777), str("stray"), struct(u32(1), u32(2)), obis("1-0:99.7.0"), oct("0a0b")),
});

test("a list that names its values, however damaged, never publishes a value under another code", (t) => {
  let ok = 0;
  let refused = 0;
  fc.assert(
    fc.property(namedList, ({ count, styles, damage, at, stray }) => {
      const truth = new Map<string, number>();
      const elements: Uint8Array[] = [];
      for (let k = 0; k < count; k++) {
        const value = 500000 + k * 1111;
        truth.set(CODES[k], value);
        const s = styles[k];
        if (s === "struct") elements.push(struct(obis(CODES[k]), u32(value)));
        else if (s === "struct-su") elements.push(struct(obis(CODES[k]), u32(value), su(0, 27)));
        else elements.push(obis(CODES[k]), u32(value), ...(s === "flat-su" ? [su(0, 27)] : []));
      }
      const i = at % elements.length;
      if (damage === "insert") elements.splice(i, 0, stray);
      else if (damage === "remove") elements.splice(i, 1);
      else if (damage === "duplicate") elements.splice(i, 0, elements[i]);
      if (elements.length === 0) return;
      const r = decode(struct(...elements));
      if (!r.ok) {
        refused++;
        t.is(r.error, "unsupported");
        return;
      }
      ok++;
      for (const [key, entry] of Object.entries(r.values)) {
        if (typeof entry.value !== "number") continue;
        t.is(entry.value, truth.get(key) as number, `${key} in ${damage} list`);
      }
    }),
    { numRuns: 500 },
  );
  t.log(`${ok} damaged or intact lists decoded with every value under its own code, ${refused} refused`);
  t.true(ok > 50 && refused > 50);
});

test("the oracle agrees with the documented examples", (t) => {
  for (const seed of SEEDS) t.true(documented(seed), seed);
  t.false(documented("lllllluuuulllu"), "Burgenland without its meter number");
});
