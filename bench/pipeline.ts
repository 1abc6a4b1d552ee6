// The whole dongle pipeline under the real XS engine, one DSMR 5 telegram at a time (10 s of meter
// time apart, so quarter-hours close): XS compute units per telegram for decoding alone, for the
// firmware (history on flash, MQTT with discovery and per-value topics), and with the page's
// totals as the dongle runs them. The device check measures the same path in instructions under
// QEMU's -icount; this splits it by stage.
import { Dsmr5Generator } from "../hosts/node/dsmr-generator.js";
import { latin1 } from "../modules/util/hex.js";
import { group } from "./lib/measure.js";

const TELEGRAMS = 200;
/** The first ones fill caches and announce discovery: metered from this one on. */
const WARM = 20;

export async function bench(): Promise<void> {
  const { startXs } = await import("../test/helpers/xs.js");
  let decodeOnly = 0;
  for (const mode of ["decode", "firmware", "page"]) {
    const xs = await startXs("test/xs/pipeline.entry.ts");
    try {
      await xs.command(mode);
      const gen = new Dsmr5Generator({ startMs: Date.UTC(2026, 2, 28, 10), intervalS: 10 });
      let total = 0;
      let max = 0;
      for (let i = 0; i < TELEGRAMS; i++) {
        const t = gen.next();
        const r = await xs.command(`${t.timeMs}\n${latin1(t.bytes)}`);
        if (i < WARM) continue;
        total += r.compute;
        max = Math.max(max, r.compute);
      }
      const mean = total / (TELEGRAMS - WARM);
      if (mode === "decode") decodeOnly = mean;
      const share = mode === "decode" ? "" : `, decoding ${Math.round((decodeOnly / mean) * 100)} % of it`;
      console.log(`XS ${mode.padEnd(8)} ${group(mean).padStart(9)} compute units per telegram (largest ${group(max)}${mode === "decode" ? "" : ", where a quarter-hour closed"})${share}`);
    } finally {
      await xs.close();
    }
  }
}
