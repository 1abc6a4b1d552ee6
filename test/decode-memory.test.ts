// `metertap decode` streams: output that dwarfs its input (8 bytes of SML start escapes make one
// line each) is written as it is made, so peak memory does not grow with the input.
import test from "ava";
import { measure } from "../bench/decode-memory.js";

test("decode of 24 MB of SML start escapes and of 0x0F stays within bounded memory", (t) => {
  // 24 MB of escapes is 3 million result lines (about 600 MB of JSON): the old decode held all of it.
  const sml = measure("SML escapes", 24);
  t.is(sml.exit, 1, "every frame is a truncated transmission");
  t.true(sml.peakMb < 150, `peak RSS ${sml.peakMb} MB`);
  const runs = measure("0x0F", 24);
  t.true(runs.peakMb < 150, `peak RSS ${runs.peakMb} MB`);
});
