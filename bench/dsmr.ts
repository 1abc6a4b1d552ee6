// DSMR decode speed: metertap against the npm `dsmr-parser` on the same telegrams in the same run,
// and XS compute and heap per telegram under the real engine.
import { createRequire } from "node:module";
import { Decoder } from "../modules/decode/decoder.js";
import { Dsmr5Generator } from "../hosts/node/dsmr-generator.js";
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

/** metertap's and the peer's rates on the same telegrams, pushed through one decoder in order. */
function race(label: string, telegrams: Uint8Array[], rounds: number): void {
  const texts = telegrams.map((b) => latin1(b));
  console.log(label);
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
}

export async function bench(): Promise<void> {
  // One meter's line, as a dongle reads it: a telegram a second whose clock, powers, voltages and
  // currents change while identifiers, counters and logs repeat.
  const gen = new Dsmr5Generator({ startMs: Date.UTC(2026, 2, 28, 10), intervalS: 1 });
  const live = Array.from({ length: 20_000 }, () => gen.next().bytes);
  race(`one meter's live stream: ${live.length} generated DSMR 5 telegrams (${Math.round(live.reduce((n, b) => n + b.length, 0) / live.length)} B average)`, live, 1);

  // Six meters in turn through one decoder: each telegram is another meter's, so every one gets a
  // first telegram's checks (dsmr/shape.ts), which a line runs once.
  const telegrams = dsmr5Telegrams();
  const rounds = 4000;
  race(`six meters in turn: ${telegrams.length} DSMR 5 corpus telegrams (${Math.round(telegrams.reduce((n, b) => n + b.length, 0) / telegrams.length)} B average), ${rounds} rounds each`, telegrams, rounds);

  const xs = await meterUnderXs("test/xs/decode.entry.ts", telegrams.map((b) => latin1(b)));
  console.log(`XS: ${group(xs.compute)} compute units per telegram, heap ${group(xs.heap)} slots after decoding`);
}
