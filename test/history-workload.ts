// One deterministic history workload, run by Node and by XS (test/xs/history.entry.ts) so their
// outputs can be compared: readings through DST, a gap, a power cut inside a write, a remount,
// then every stream queried. Core code only: this file is bundled for XS.
import { History, STREAMS, recordToJson } from "../modules/history/history.js";
import { crc32 } from "../modules/history/crc32.js";
import { SimFlash } from "./sim-flash.js";
import { reading } from "./history-fixtures.js";

/** `spec` is "days,cutAfter,zone": days of readings (one a minute), and where a power cut falls. */
export function historyWorkload(spec: string): string {
  const [daysText, cutText, zoneName] = spec.split(",");
  const days = Number(daysText);
  const flash = new SimFlash({ blocks: 26, seed: 11 });
  const options = { timeZone: zoneName, layout: { profile: 16, voltage: 4, billing: 4, events: 2, state: 0 } };
  let history = new History(flash, { now: () => 0 }, options);
  let wh = 4_000_000;
  const start = Date.UTC(2026, 9, 23, 21, 0);
  let cut = false;
  for (let t = start; t < start + days * 86_400_000; t += 60_000) {
    if (t >= start + 86_400_000 && t < start + 86_400_000 + 5 * 3_600_000) continue; // a 5-hour gap
    const w = 200 + ((t / 60_000) % 97) * 30;
    wh += w / 60;
    const volts = [230 + ((t / 60_000) % 13) / 2, 228.4, 241 - ((t / 60_000) % 7)];
    if (!cut && t >= start + 2 * 86_400_000) {
      cut = true;
      flash.cutAfter(Number(cutText));
    }
    try {
      history.onReading(reading({ time: t, importWh: Math.round(wh), exportWh: 1000, volts }), t);
    } catch (e) {
      if ((e as Error).name !== "PowerLoss") throw e;
      flash.powerOn();
      history = new History(flash, { now: () => 0 }, options);
    }
  }
  history = new History(flash, { now: () => 0 }, options);
  const lines: string[] = [];
  for (const s of STREAMS) for (const r of history.query(s)) lines.push(recordToJson(r));
  lines.push(`image crc32 ${crc32(flash.bytes).toString(16)} erases ${Array.from(flash.eraseCounts).join(" ")} mount ${history.mountBytesRead}`);
  return lines.join("\n");
}
