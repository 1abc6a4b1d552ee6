// The core's UTF-8 encoder (MQTT packets, signed records) against Node's on every well-formed string.
import test from "ava";
import fc from "fast-check";
import { utf8Encode } from "../modules/util/bytes.js";
import { latin1 } from "../modules/util/hex.js";

test("utf8Encode gives Node's bytes for any string of whole code points (1 to 4 bytes each)", (t) => {
  fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 300 }), (s) => {
    t.deepEqual(Buffer.from(utf8Encode(s)), Buffer.from(s, "utf8"));
  }), { numRuns: 2000 });
  t.is(utf8Encode("é€😀x").length, 2 + 3 + 4 + 1);
});

test("latin1 through XS's String.fromArrayBuffer (played here) is one character a byte for every byte", (t) => {
  // XS's own: UTF-8 in C, a TypeError for bytes that are not UTF-8. latin1 takes it only where the
  // text is one character a byte (ASCII); multi-byte UTF-8 and stray bytes go byte by byte.
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  let calls = 0;
  const xs = String as unknown as { fromArrayBuffer?: (b: ArrayBufferLike, offset: number, length: number) => string };
  xs.fromArrayBuffer = (b, offset, length) => {
    calls++;
    return utf8.decode(new Uint8Array(b, offset, length));
  };
  try {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(20), fc.nat(20), (bytes, cutStart, cutEnd) => {
      // A view into a larger buffer, as frames are: the offset must be the view's.
      const inner = bytes.subarray(Math.min(cutStart, bytes.length));
      const end = Math.max(0, inner.length - cutEnd);
      t.is(latin1(inner, 0, end), Buffer.from(inner.subarray(0, end)).toString("latin1"));
    }), { numRuns: 3000 });
    const before = calls;
    t.is(latin1(Uint8Array.from([0x2f, 0x00, 0x41, 0xc3, 0xa9, 0xff])), "/\u0000A\u00c3\u00a9\u00ff");
    t.is(latin1(new TextEncoder().encode("1-0:1.8.1(000004.426*kWh)\r\n"), 2, 9), "0:1.8.1");
    t.is(calls, before + 2, "both went to the native conversion first");
  } finally {
    delete xs.fromArrayBuffer;
  }
});
