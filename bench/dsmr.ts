// DSMR decode speed: metertap against the npm `dsmr-parser` on the same telegrams in the same run,
// and XS compute and heap per telegram under the real engine.
import { createRequire } from "node:module";
import { Decoder } from "../modules/decode/decoder.js";
import { latin1 } from "../modules/util/hex.js";
import { corpusCases, readCase } from "../test/helpers/corpus.js";
import { group, meterUnderXs, rate } from "./lib/measure.js";

const dsmrParser: { parse(text: string): unknown } = createRequire(import.meta.url)("dsmr-parser");

/**
 * The DSMR 5 corpus telegrams with a valid CRC (what a DSMR 5 meter sends every second) that the
 * peer also accepts; it wants the CRLF after the CRC line, which the corpus files end without.
 */
function dsmr5Telegrams(): Uint8Array[] {
  return corpusCases("dsmr-")
    .map((id) => readCase(id))
    .filter((c) => c.expected.integrity?.verifies === true && /1-3:0\.2\.8\(50\)|0-0:96\.1\.4/.test(latin1(c.bytes)))
    .map((c) => Uint8Array.from([...c.bytes, 13, 10]))
    .filter((b) => {
      try {
        dsmrParser.parse(latin1(b));
        return true;
      } catch {
        return false;
      }
    });
}

export async function bench(): Promise<void> {
  const telegrams = dsmr5Telegrams();
  const texts = telegrams.map((b) => latin1(b));
  const rounds = 4000;
  console.log(`${telegrams.length} DSMR 5 corpus telegrams (${Math.round(telegrams.reduce((n, b) => n + b.length, 0) / telegrams.length)} B average), ${rounds} rounds each`);

  let ok = 0;
  const decoder = new Decoder({}, (r) => (ok += r.ok ? 1 : 0));
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) for (const b of telegrams) decoder.push(b);
  decoder.flush();
  const ours = rate("metertap (bytes → Reading, CRC checked)", rounds * telegrams.length, performance.now() - t0, "telegrams");
  if (ok !== rounds * telegrams.length) throw new Error(`only ${ok} telegrams decoded`);

  const t1 = performance.now();
  for (let i = 0; i < rounds; i++) for (const s of texts) dsmrParser.parse(s);
  const peer = rate("dsmr-parser 2.1.1 (text → objects)", rounds * telegrams.length, performance.now() - t1, "telegrams");
  console.log(`ratio: metertap is ${(ours / peer).toFixed(1)}× dsmr-parser`);

  const xs = await meterUnderXs("test/xs/decode.entry.ts", telegrams.map((b) => latin1(b)));
  console.log(`XS: ${group(xs.compute)} compute units per telegram, heap ${group(xs.heap)} slots after decoding`);
}
