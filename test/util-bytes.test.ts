// The core's UTF-8 encoder (MQTT packets, signed records) against Node's on every well-formed string.
import test from "ava";
import fc from "fast-check";
import { utf8Encode } from "../modules/util/bytes.js";

test("utf8Encode gives Node's bytes for any string of whole code points (1 to 4 bytes each)", (t) => {
  fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 300 }), (s) => {
    t.deepEqual(Buffer.from(utf8Encode(s)), Buffer.from(s, "utf8"));
  }), { numRuns: 2000 });
  t.is(utf8Encode("é€😀x").length, 2 + 3 + 4 + 1);
});
