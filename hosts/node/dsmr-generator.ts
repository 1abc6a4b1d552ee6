// Synthesises a DSMR 5 P1 stream for `npm start` and the tests: the line layout of a real ISKRA
// AM550 telegram (the corpus's dsmr-5.0-isk-1), a valid CRC-16/ARC, meter-local timestamps with the
// S/W flag, and registers that advance with a day-shaped load and a solar export bump.
import { crc16Arc } from "../../modules/util/crc16.js";
import { isEuSummerTime } from "../../modules/util/time.js";

export interface GeneratorOptions {
  /** UTC ms of the first telegram. */
  startMs: number;
  /** Seconds between telegrams (DSMR 5: 1; DSMR 4: 10). */
  intervalS?: number;
  /** Meter id as printed (ASCII); hex-encoded in 0-0:96.1.1 as meters do. */
  meterId?: string;
  gasId?: string;
}

/** Registers in whole Wh (electricity) and litres (gas, fractional). */
export interface Registers {
  importT1: number;
  importT2: number;
  exportT1: number;
  exportT2: number;
  gasLitres: number;
}

export interface GeneratedTelegram {
  bytes: Uint8Array;
  timeMs: number;
  importW: number;
  exportW: number;
}

function asciiHex(text: string): string {
  let s = "";
  for (let i = 0; i < text.length; i++) s += text.charCodeAt(i).toString(16).toUpperCase().padStart(2, "0");
  return s;
}

const p2 = (n: number): string => String(n).padStart(2, "0");

/** YYMMDDhhmmssX in Dutch local time. */
export function dsmrTime(utcMs: number): string {
  const summer = isEuSummerTime(utcMs);
  const d = new Date(utcMs + (summer ? 120 : 60) * 60000);
  return p2(d.getUTCFullYear() % 100) + p2(d.getUTCMonth() + 1) + p2(d.getUTCDate()) +
    p2(d.getUTCHours()) + p2(d.getUTCMinutes()) + p2(d.getUTCSeconds()) + (summer ? "S" : "W");
}

const kwh = (wh: number): string => (Math.floor(wh) / 1000).toFixed(3).padStart(10, "0");
const kw = (w: number): string => (Math.round(w) / 1000).toFixed(3).padStart(6, "0");

export class Dsmr5Generator {
  readonly registers: Registers = { importT1: 3_808_351, importT2: 2_948_827, exportT1: 1_285_951, exportT2: 2_876_514, gasLitres: 1_569_646 };
  private timeMs: number;
  private readonly intervalS: number;
  private readonly meterHex: string;
  private readonly gasHex: string;
  private energy = { import: 0, export: 0 };

  constructor(options: GeneratorOptions) {
    this.timeMs = Math.floor(options.startMs / 1000) * 1000;
    this.intervalS = options.intervalS ?? 1;
    this.meterHex = asciiHex(options.meterId ?? "E0034006810516416");
    this.gasHex = asciiHex(options.gasId ?? "G0039001700460117");
  }

  /** The meter time of the next telegram. */
  get nextTimeMs(): number {
    return this.timeMs;
  }

  /** Powers at an instant: base load with a morning and evening peak, export around noon. */
  static powers(utcMs: number): { importW: number; exportW: number } {
    const hour = (utcMs / 3_600_000 + 1) % 24;
    const load = 250 + 900 * Math.exp(-((hour - 8) ** 2) / 2) + 1800 * Math.exp(-((hour - 19) ** 2) / 3) + 80 * Math.sin(utcMs / 37_000);
    const solar = Math.max(0, 2600 * Math.cos(((hour - 13) / 7) * Math.PI));
    const net = load - solar;
    return net >= 0 ? { importW: net, exportW: 0 } : { importW: 0, exportW: -net };
  }

  next(): GeneratedTelegram {
    const t = this.timeMs;
    const { importW, exportW } = Dsmr5Generator.powers(t);
    const local = new Date(t + (isEuSummerTime(t) ? 120 : 60) * 60000);
    // Dutch tariffs: T1 (low) at night and at weekends, T2 (normal) on weekday days.
    const low = local.getUTCHours() < 7 || local.getUTCHours() >= 23 || local.getUTCDay() === 0 || local.getUTCDay() === 6;
    const r = this.registers;
    this.energy.import += (importW * this.intervalS) / 3600;
    this.energy.export += (exportW * this.intervalS) / 3600;
    const di = Math.floor(this.energy.import);
    const de = Math.floor(this.energy.export);
    this.energy.import -= di;
    this.energy.export -= de;
    if (low) {
      r.importT1 += di;
      r.exportT1 += de;
    } else {
      r.importT2 += di;
      r.exportT2 += de;
    }
    r.gasLitres += this.intervalS * (200 / 3600); // 0.2 m³/h
    const gasTime = Math.floor(t / 300_000) * 300_000;
    const v = [230.1 + 2 * Math.sin(t / 61_000), 231.4 + 2 * Math.sin(t / 53_000), 229.8 + 2 * Math.sin(t / 47_000)];
    const share = [0.5, 0.3, 0.2];
    const lines = [
      "/ISK5\\2M550T-1011",
      "",
      "1-3:0.2.8(50)",
      `0-0:1.0.0(${dsmrTime(t)})`,
      `0-0:96.1.1(${this.meterHex})`,
      `1-0:1.8.1(${kwh(r.importT1)}*kWh)`,
      `1-0:1.8.2(${kwh(r.importT2)}*kWh)`,
      `1-0:2.8.1(${kwh(r.exportT1)}*kWh)`,
      `1-0:2.8.2(${kwh(r.exportT2)}*kWh)`,
      `0-0:96.14.0(${low ? "0001" : "0002"})`,
      `1-0:1.7.0(${kw(importW)}*kW)`,
      `1-0:2.7.0(${kw(exportW)}*kW)`,
      "0-0:96.7.21(00006)",
      "0-0:96.7.9(00003)",
      "1-0:99.97.0(1)(0-0:96.7.19)(180529135630S)(0000002451*s)",
      "1-0:32.32.0(00003)",
      "1-0:52.32.0(00002)",
      "1-0:72.32.0(00002)",
      "1-0:32.36.0(00001)",
      "1-0:52.36.0(00001)",
      "1-0:72.36.0(00001)",
      "0-0:96.13.0()",
      ...v.map((x, i) => `1-0:${32 + 20 * i}.7.0(${x.toFixed(1)}*V)`),
      ...share.map((s, i) => `1-0:${31 + 20 * i}.7.0(${String(Math.round((importW + exportW) * s / v[i])).padStart(3, "0")}*A)`),
      ...share.map((s, i) => `1-0:${21 + 20 * i}.7.0(${kw(importW * s)}*kW)`),
      ...share.map((s, i) => `1-0:${22 + 20 * i}.7.0(${kw(exportW * s)}*kW)`),
      "0-1:24.1.0(003)",
      `0-1:96.1.0(${this.gasHex})`,
      `0-1:24.2.1(${dsmrTime(gasTime)})(${(Math.floor(r.gasLitres) / 1000).toFixed(3).padStart(9, "0")}*m3)`,
      "!",
    ];
    const bytes = withDsmrCrc(lines.join("\r\n"));
    this.timeMs += this.intervalS * 1000;
    return { bytes, timeMs: t, importW, exportW };
  }
}

/** A telegram `body` (ending in `!`, latin-1) followed by its CRC-16/ARC in four upper-case hex digits and CR LF. */
export function withDsmrCrc(body: string): Uint8Array {
  const bytes = new Uint8Array(body.length + 6);
  for (let i = 0; i < body.length; i++) bytes[i] = body.charCodeAt(i);
  const crc = crc16Arc(bytes, 0, body.length).toString(16).toUpperCase().padStart(4, "0");
  for (let i = 0; i < 4; i++) bytes[body.length + i] = crc.charCodeAt(i);
  bytes[body.length + 4] = 0x0d;
  bytes[body.length + 5] = 0x0a;
  return bytes;
}
