// A flash image holding 400 days of history up to now (one reading per quarter-hour of a household
// with solar export and gas), and a live DSMR 5 capture that continues the same registers at one
// telegram a second: what the browser test serves with `metertap run --flash IMAGE --source file:CAPTURE`.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Reading } from "../../modules/reading/model.js";
import { History } from "../../modules/history/history.js";
import { SimFlash } from "../sim-flash.js";
import { isoUtc } from "../../modules/util/time.js";
import { Dsmr5Generator, type Registers } from "../../hosts/node/dsmr-generator.js";

export interface RecordedHistory {
  image: string;
  capture: string;
  /** UTC ms where the recorded history ends and the capture starts (a quarter-hour boundary). */
  end: number;
}

function reading(t: number, r: Registers, volts: number): Reading {
  return {
    protocol: "dsmr", meterId: "E0034006810516416", time: isoUtc(t),
    energy: { import: r.importT1 + r.importT2, export: r.exportT1 + r.exportT2, importTariffs: [r.importT1, r.importT2], exportTariffs: [r.exportT1, r.exportT2] },
    power: {}, voltage: { l1: volts, l2: volts + 1.5, l3: volts - 1 }, current: {}, tariff: null, events: [], values: {},
    subMeters: [{ channel: 1, type: "gas", deviceType: 3, id: "G0039001700460117", value: r.gasLitres / 1000, unit: "m3", time: isoUtc(t) }],
  };
}

export function recordHistory(dir: string, days = 400, liveSeconds = 600): RecordedHistory {
  const end = Math.floor(Date.now() / 900_000) * 900_000;
  const flash = new SimFlash({ blocks: 256 });
  // One reading per quarter-hour is complete for this recording (live, the default wants one a minute).
  const history = new History(flash, { now: () => end }, { timeZone: "Europe/Amsterdam", readingGapMs: 901_000 });
  const regs: Registers = { importT1: 3_808_351, importT2: 2_948_827, exportT1: 1_285_951, exportT2: 2_876_514, gasLitres: 1_569_646 };
  for (let t = end - days * 86_400_000; t <= end; t += 900_000) {
    const h = ((t / 3_600_000) % 24 + 1) % 24;
    const slot = Math.floor(t / 900_000);
    // A day-shaped load, a midday solar bump, and a little gas for heating in the evening.
    const importWh = Math.round((300 + (h > 17 && h < 22 ? 2200 : 0) + (slot % 7) * 60) / 4);
    const exportWh = h > 9 && h < 16 ? Math.round((1800 - Math.abs(h - 12.5) * 500) / 4) : 0;
    if (h >= 7 && h < 23) regs.importT2 += importWh; else regs.importT1 += importWh;
    if (h >= 7 && h < 23) regs.exportT2 += exportWh; else regs.exportT1 += exportWh;
    regs.gasLitres += h > 16 ? 90 : 10;
    history.onReading(reading(t, regs, 229 + (slot % 11) * 0.4), t);
  }
  const image = join(dir, "history.img");
  writeFileSync(image, flash.bytes);
  const live = new Dsmr5Generator({ startMs: end + 1000, intervalS: 1 });
  Object.assign(live.registers, regs);
  const parts: Uint8Array[] = [];
  for (let i = 0; i < liveSeconds; i++) parts.push(live.next().bytes);
  const capture = join(dir, "live.txt");
  writeFileSync(capture, Buffer.concat(parts));
  return { image, capture, end };
}
