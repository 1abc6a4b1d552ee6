// History figures: bytes per 15-minute record, years of profile per MiB, flash wear after ten
// years at one telegram a second, and bytes read at mount of a full 1 MiB region.
import { History, defaultLayout, type StreamName } from "../modules/history/history.js";
import { LogStore } from "../modules/history/log-store.js";
import { SimFlash } from "../test/sim-flash.js";
import type { Reading } from "../modules/reading/model.js";
import type { FlashRegion } from "../modules/ports/ports.js";
import { isoUtc } from "../modules/util/time.js";
import { group } from "./lib/measure.js";

const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 5, 23, 0);

/** A household with solar: import at night and evening, export around noon; reactive quadrants. */
function meter(kind: "six" | "tariffs"): (t: number, dtS: number) => Reading {
  const e = { imp: 12_345_678, exp: 4_321_000, t1: 6_000_000, t2: 6_345_678, x1: 2_000_000, x2: 2_321_000, r1: 1_500_000, r2: 20_000, r3: 35_000, r4: 900_000 };
  return (t, dtS) => {
    const h = ((t % DAY) / 3_600_000 + 1) % 24;
    const load = 250 + (h > 6 && h < 8 ? 1500 : 0) + (h > 17 && h < 22 ? 2200 : 0) + ((t / 60_000) % 11) * 15;
    const sun = h > 8 && h < 18 ? 3000 * Math.sin(((h - 8) / 10) * Math.PI) : 0;
    const net = load - sun;
    const imp = Math.max(0, net) * dtS / 3600, exp = Math.max(0, -net) * dtS / 3600;
    e.imp += imp; e.exp += exp;
    if (h >= 7 && h < 23) { e.t2 += imp; e.x2 += exp; } else { e.t1 += imp; e.x1 += exp; }
    e.r1 += imp * 0.3; e.r2 += imp * 0.01; e.r3 += exp * 0.02; e.r4 += exp * 0.25;
    const sag = (t % DAY) >= 12 * 3_600_000 && (t % DAY) < 12 * 3_600_000 + 20_000; // one short sag a day
    const energy: Reading["energy"] = kind === "six"
      ? { import: e.imp, export: e.exp, r1: e.r1, r2: e.r2, r3: e.r3, r4: e.r4 }
      : { import: e.imp, export: e.exp, importTariffs: [e.t1, e.t2], exportTariffs: [e.x1, e.x2] };
    return {
      protocol: "dsmr", meterId: "E0001", time: isoUtc(t), energy, power: {},
      voltage: { l1: sag ? 200 : 231.2, l2: 229.8, l3: 232.4 }, current: {}, tariff: null, subMeters: [], events: [], values: {},
    };
  };
}

interface Run {
  flash: SimFlash;
  history: History;
  readings: number;
  /** Bytes programmed per block (headers, records, invalidation marks). */
  programmed: Float64Array;
}

/** The simulated flash, counting programmed bytes per block on the way. */
function counting(flash: SimFlash, programmed: Float64Array): FlashRegion {
  return {
    read: (n, at) => flash.read(n, at),
    write: (buf, at) => {
      programmed[Math.floor(at / flash.blockLength)] += buf.byteLength;
      flash.write(buf, at);
    },
    eraseBlock: (b) => flash.eraseBlock(b),
    status: () => flash.status(),
  };
}

function drive(days: number, stepS: number, kind: "six" | "tariffs", blocks = 256): Run {
  const flash = new SimFlash({ blocks });
  const programmed = new Float64Array(blocks);
  const history = new History(counting(flash, programmed), { now: () => 0 }, { timeZone: "Europe/Brussels" });
  const next = meter(kind);
  let readings = 0;
  for (let t = START; t < START + days * DAY; t += stepS * 1000) {
    history.onReading(next(t, stepS), t);
    readings++;
  }
  return { flash, history, readings, programmed };
}

/** Bytes per record of a stream, from consecutive cursors in the same block. */
function recordBytes(history: History, stream: StreamName): { avg: number; records: number } {
  const rs = history.readAfter(stream, null);
  let bytes = 0, n = 0;
  for (let i = 1; i < rs.length; i++) {
    if (rs[i].cursor.seq === rs[i - 1].cursor.seq) { bytes += rs[i].cursor.offset - rs[i - 1].cursor.offset; n++; }
  }
  return { avg: n ? bytes / n : NaN, records: rs.length };
}

export async function bench(): Promise<void> {
  const layout = defaultLayout(256);
  const usable = 4096 - 16;
  console.log(`layout of a 1 MiB region (256 x 4 KiB): quarter-hour ${layout.profile} blocks, voltage ${layout.voltage}, billing ${layout.billing}, events ${layout.events}, state ${layout.state}`);

  const perDay: Record<string, number> = {};
  for (const kind of ["six", "tariffs"] as const) {
    const { history, flash } = drive(14, 10, kind);
    const q = recordBytes(history, "quarter-hour");
    const v = recordBytes(history, "voltage");
    const label = kind === "six" ? "+A -A R1..R4" : "+A -A +A.T1 +A.T2 -A.T1 -A.T2";
    // Only whole blocks hold data for sure: one block of each store is being reclaimed.
    const qPerBlock = Math.floor(usable / q.avg);
    const yearsPerMiB = (256 * qPerBlock) / (96 * 365.25);
    const yearsLayout = ((layout.profile - 1) * qPerBlock) / (96 * 365.25);
    const voltageDays = ((layout.voltage - 1) * Math.floor(usable / v.avg)) / 96;
    console.log(`15-min profile, 6 channels (${label}): ${q.avg.toFixed(2)} bytes/record (framing 4 B included), ${qPerBlock} records/block`);
    console.log(`  ${yearsPerMiB.toFixed(2)} years per MiB of profile alone; ${yearsLayout.toFixed(2)} years in the 1 MiB layout beside the others`);
    console.log(`  voltage profile (3 phases avg/min/max): ${v.avg.toFixed(2)} bytes/record, ${voltageDays.toFixed(0)} days in ${layout.voltage} blocks`);
    if (kind === "six") {
      flash.bytesRead = 0;
      const restarted = new History(flash, { now: () => 0 }, { timeZone: "Europe/Brussels" });
      const mount = restarted.mountBytesRead;
      restarted.onReading(meter(kind)(START + 14 * DAY, 10), START + 14 * DAY); // the first reading restores the open periods
      console.log(`  restart after 14 days: mount read ${mount} bytes, restoring the open periods ${flash.bytesRead - mount} more`);
    }
  }

  // Wear: one telegram a second for a week through the real recorder and store gives the bytes
  // each store programs per day. A store erases each of its blocks once per pass round it, so a
  // block's erases = 1 + bytes / (blocks x 4084). A small region run for 400 days checks that
  // prediction against erase counts measured on the simulated flash.
  const small = drive(400, 60, "six", 12);
  const smallLayout = defaultLayout(12);
  const week = drive(7, 1, "six");
  let busiest = 0;
  let fs = 0, fw = 0;
  const names = ["quarter-hour", "voltage", "billing", "events"];
  [0, 1, 2, 3].forEach((k) => {
    const sb = [smallLayout.profile, smallLayout.voltage, smallLayout.billing, smallLayout.events][k];
    const wb = [layout.profile, layout.voltage, layout.billing, layout.events][k];
    let sBytes = 0, measured = 0, wBytes = 0;
    for (let b = fs; b < fs + sb; b++) { sBytes += small.programmed[b]; measured = Math.max(measured, small.flash.eraseCounts[b]); }
    for (let b = fw; b < fw + wb; b++) wBytes += week.programmed[b];
    fs += sb; fw += wb;
    // A pass fills a block with at most its 4084 bytes after the header: the prediction's unit.
    const perPass = 4096 - 16;
    const predictedSmall = Math.ceil(sBytes / (sb * perPass)) + 1;
    const perDay = wBytes / 7;
    const tenYears = Math.ceil((perDay * 3652.5) / (wb * perPass)) + 1;
    busiest = Math.max(busiest, tenYears);
    console.log(`wear, ${names[k]}: ${perDay.toFixed(0)} bytes/day at 1 telegram/s; ` +
      `12-block check over 400 days: predicted ${predictedSmall}, measured ${measured} erases; 1 MiB layout, 10 years: ${tenYears} erases per block`);
  });
  console.log(`wear: busiest block after 10 years at 1 telegram/s: ${busiest} erases = ${(busiest / 1000).toFixed(3)}% of 100k cycles (${week.readings} telegrams driven)`);

  // Mount of a full 1 MiB region.
  const full = new SimFlash({ blocks: 256 });
  let at = 0;
  for (const [id, blocks] of [[1, layout.profile], [2, layout.voltage], [3, layout.billing], [4, layout.events]]) {
    const s = new LogStore(full, { firstBlock: at, blocks, storeId: id });
    for (let i = 0; i < blocks * 300 + 50; i++) s.append(() => ({ type: 1, payload: new Uint8Array(10).fill(i & 0x7f) }));
    at += blocks;
  }
  full.bytesRead = 0;
  const h = new History(full, { now: () => 0 });
  console.log(`mount of a full 1 MiB region: ${h.mountBytesRead} bytes read (block headers + each store's head block)`);

  // A `history` command for a recent day on the dongle: blocks outside the range are passed by.
  const { startXs } = await import("../test/helpers/xs.js");
  const xs = await startXs("test/xs/history-query.entry.ts");
  try {
    const end = Number((await xs.command("fill 365")).reply);
    const day = await xs.command(`query ${end - 86_400_000} ${end}`);
    const all = await xs.command("query");
    console.log(`XS, a year of quarter-hours (${group(Number(all.reply))}): the last day (${day.reply}) costs ${group(day.compute)} compute units; ` +
      `reading the whole store, as every query did before block ranges, ${group(all.compute)}`);
  } finally {
    await xs.close();
  }
}

