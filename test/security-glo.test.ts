// The glo header parser, the 0xDB stream framer and key parsing.
import test from "ava";
import { checkGloHeader, gcmIv, isGloError, parseGlo, readAxdrLength } from "../modules/security/glo.js";
import type { GloFrame } from "../modules/security/glo.js";
import { gloFramer } from "../modules/security/framer.js";
import { parseAad, parseKey } from "../modules/security/keys.js";
import { FrameDetector } from "../modules/stream/detector.js";
import type { RawFrame } from "../modules/stream/framer.js";
import { toHex } from "../modules/util/hex.js";
import { buildGlo, ENCRYPTED_CASES, encryptedCase } from "./security-frames.js";

const bytes = (...b: number[]) => new Uint8Array(b);

test("A-XDR lengths: short, 0x81, 0x82, 0x84 forms; other forms and missing octets", (t) => {
  t.deepEqual(readAxdrLength(bytes(0x7f), 0, 1), { length: 127, next: 1 });
  t.deepEqual(readAxdrLength(bytes(0x81, 0xf8), 0, 2), { length: 248, next: 2 });
  t.deepEqual(readAxdrLength(bytes(0x82, 0x05, 0xde), 0, 3), { length: 1502, next: 3 });
  t.deepEqual(readAxdrLength(bytes(0x84, 0, 0, 1, 0), 0, 5), { length: 256, next: 5 });
  t.deepEqual(readAxdrLength(bytes(0x83, 0, 0, 1), 0, 4), { length: -1, next: 1 });
  t.deepEqual(readAxdrLength(bytes(0x80), 0, 1), { length: -1, next: 1 });
  t.is(readAxdrLength(bytes(0x82, 0x05), 0, 2), undefined);
  t.is(readAxdrLength(bytes(), 0, 0), undefined);
  // `end` bounds the read even when the array is longer.
  t.is(readAxdrLength(bytes(0x81, 0x10), 0, 1), undefined);
});

for (const id of ENCRYPTED_CASES) {
  test(`parses the header of ${id}`, (t) => {
    const c = encryptedCase(id);
    const glo = parseGlo(c.apdu);
    if (isGloError(glo)) return t.fail(glo.message);
    t.is(toHex(glo.systemTitle), c.systemTitle);
    t.is(glo.frameCounter, c.frameCounter);
    t.is(glo.securityControl, c.securityControl);
    t.is(glo.end, c.apdu.length);
    t.is(glo.tag.length, c.aad === undefined ? 0 : 12);
    t.is(glo.body.length, c.plaintext.length);
    t.is(toHex(gcmIv(glo)), c.systemTitle + c.frameCounter.toString(16).padStart(8, "0"));
  });
}

test("header errors are truncated or malformed, with a reason", (t) => {
  const lux = encryptedCase(ENCRYPTED_CASES[0]).apdu;
  const cases: [Uint8Array, string, RegExp][] = [
    [lux.subarray(0, 5), "truncated", /header/],
    [lux.subarray(0, 11), "truncated", /length/],
    [lux.subarray(0, 100), "truncated", /declares 1502 bytes, 87 present/],
    [Uint8Array.of(0xdb, 7, ...lux.subarray(2)), "malformed", /system title length 7/],
    [Uint8Array.of(0xdb, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0x83, 0, 0, 9), "malformed", /not A-XDR/],
    [Uint8Array.of(0xdb, 8, 1, 2, 3, 4, 5, 6, 7, 8, 4, 0x30, 0, 0, 0), "malformed", /cannot hold a security header/],
    [Uint8Array.of(0xdb, 8, 1, 2, 3, 4, 5, 6, 7, 8, 5, 0x00, 0, 0, 0, 1), "malformed", /security control 0x00/],
    [Uint8Array.of(0xdb, 8, 1, 2, 3, 4, 5, 6, 7, 8, 6, 0xb0, 0, 0, 0, 1, 9), "malformed", /compresses/],
    [Uint8Array.of(0xdb, 8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0x30, 0, 0, 0, 1, 1, 2, 3, 4), "truncated", /12-byte tag/],
  ];
  for (const [input, error, message] of cases) {
    const r = parseGlo(input);
    t.true(isGloError(r), toHex(input));
    if (isGloError(r)) {
      t.is(r.error as string, error, toHex(input));
      t.regex(r.message, message);
    }
  }
});

test("bytes after the declared length are not part of the APDU", (t) => {
  const apdu = encryptedCase(ENCRYPTED_CASES[4]).apdu;
  const r = parseGlo(Uint8Array.of(...apdu, 0xaa, 0xbb)) as GloFrame;
  t.is(r.end, apdu.length);
  t.is(r.body.length, apdu.length - 17); // 0xDB, 8, title, 0x81 n, SC, counter
});

test("checkGloHeader asks for more until the header is complete, refuses implausible ones", (t) => {
  const lux = encryptedCase(ENCRYPTED_CASES[0]).apdu;
  for (let n = 1; n <= 13; n++) t.deepEqual(checkGloHeader(lux, 0, n, 4096), { status: "more" }, `n=${n}`);
  t.deepEqual(checkGloHeader(lux, 0, 14, 4096), { status: "frame", end: 1515 });
  t.deepEqual(checkGloHeader(lux, 0, 14, 1514), { status: "invalid" });
  t.deepEqual(checkGloHeader(Uint8Array.of(0xdb, 9), 0, 2, 4096), { status: "invalid" });
});

function frames(chunks: Uint8Array[], final = true): RawFrame[] {
  const out: RawFrame[] = [];
  const d = new FrameDetector([gloFramer(4096)], (f) => out.push(f));
  for (const c of chunks) d.push(c);
  if (final) d.flush();
  return out;
}

test("the framer delimits glo frames by length in any chunking, across garbage", (t) => {
  const lux = encryptedCase(ENCRYPTED_CASES[0]).apdu;
  const small = buildGlo(new TextEncoder().encode("/ABC5 x\r\n!0000\r\n"), "000102030405060708090a0b0c0d0e0f", 7);
  const stream = Uint8Array.of(0x00, 0xdb, 0x01, ...lux, 0xdb, 0x08, 0x11, ...small, 0xff);
  for (const size of [1, 7, 64, stream.length]) {
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < stream.length; i += size) chunks.push(stream.subarray(i, i + size));
    const got = frames(chunks);
    t.is(got.length, 2, `chunk ${size}`);
    t.deepEqual(got[0], { kind: "glo", bytes: lux });
    t.deepEqual(got[1], { kind: "glo", bytes: small });
  }
});

test("a frame cut off at the end of input is one truncated frame", (t) => {
  const lux = encryptedCase(ENCRYPTED_CASES[0]).apdu;
  const got = frames([lux.subarray(0, 600)]);
  t.is(got.length, 1);
  t.is(got[0].error, "truncated");
  t.regex(got[0].message!, /declares 1515 bytes, 600 arrived/);
  t.is(frames([lux.subarray(0, 600)], false).length, 0);
});

test("a declared length past the buffer is refused at once, not waited for", (t) => {
  const header = Uint8Array.of(0xdb, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0x82, 0xff, 0xff, 0x30);
  const out: RawFrame[] = [];
  const d = new FrameDetector([gloFramer(4096)], (f) => out.push(f));
  d.push(header);
  t.is(d.pending, 0);
  t.is(d.stats.garbage, header.length);
  t.is(out.length, 0);
});

test("parseKey accepts 32 hex digits in either case, with separators", (t) => {
  t.is(toHex(parseKey("0123456789ABCDEF0123456789abcdef", "--key")), "0123456789abcdef0123456789abcdef");
  t.is(toHex(parseKey("01:23:45:67:89:ab:cd:ef 01-23-45-67-89-ab-cd-ef", "--key")), "0123456789abcdef0123456789abcdef");
});

test("parseKey refuses malformed keys without echoing them", (t) => {
  const bad = ["0123456789abcdef0123456789abcde", "0123456789abcdef0123456789abcdef00", "0123456789abcdef0123456789abcdeg", "", "zz"];
  for (const text of bad) {
    const e = t.throws(() => parseKey(text, "--auth-key"))!;
    t.regex(e.message, /^--auth-key: /);
    if (text.length >= 2) t.false(e.message.includes(text), e.message);
  }
  t.is(t.throws(() => parseKey("0123456789abcdef0123456789abcdeg", "KEY"))!.message, "KEY: contains a character that is not a hex digit");
  t.is(t.throws(() => parseKey("0123", "KEY"))!.message, "KEY: expected 32 hex digits (a 128-bit key), got 4");
});

test("parseAad takes any even number of hex digits, including none", (t) => {
  t.is(parseAad("", "--aad").length, 0);
  t.is(toHex(parseAad("30FFEE", "--aad")), "30ffee");
  t.regex(t.throws(() => parseAad("30f", "--aad"))!.message, /even number/);
  t.regex(t.throws(() => parseAad("3x", "--aad"))!.message, /not a hex digit/);
});
