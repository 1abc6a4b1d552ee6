// Synthetic readings and flash for the history tests: a meter whose registers follow a load.
import type { Reading } from "../modules/reading/model.js";
import { SimFlash } from "./sim-flash.js";
import { History, type HistoryOptions } from "../modules/history/history.js";
import { isoUtc } from "../modules/util/time.js";

export interface MeterState {
  time: number | null;
  importWh: number;
  exportWh?: number;
  tariffs?: [number, number];
  reactive?: [number, number, number, number];
  volts?: number[];
  meterId?: string | null;
}

export function reading(s: MeterState): Reading {
  const energy: Reading["energy"] = { import: s.importWh };
  if (s.exportWh !== undefined) energy.export = s.exportWh;
  if (s.tariffs) energy.importTariffs = [...s.tariffs];
  if (s.reactive) [energy.r1, energy.r2, energy.r3, energy.r4] = s.reactive;
  const [l1, l2, l3] = s.volts ?? [];
  const voltage: Reading["voltage"] = {};
  if (l1 !== undefined) voltage.l1 = l1;
  if (l2 !== undefined) voltage.l2 = l2;
  if (l3 !== undefined) voltage.l3 = l3;
  return {
    protocol: "dsmr", meterId: s.meterId === undefined ? "E0001" : s.meterId,
    time: s.time === null ? null : isoUtc(s.time),
    energy, power: {}, voltage, current: {}, tariff: null, subMeters: [], events: [], values: {},
  };
}

export function newHistory(blocks = 64, options: HistoryOptions = {}): { flash: SimFlash; history: History; clock: { now(): number } } {
  const flash = new SimFlash({ blocks });
  const clock = { now: () => 0 };
  return { flash, history: new History(flash, clock, options), clock };
}

/** A deterministic household load in W for an instant: base load plus evening peak. */
export function loadW(ms: number): number {
  const h = (ms / 3_600_000) % 24;
  return 300 + (h > 17 && h < 21 ? 2500 : 0) + (Math.floor(ms / 900_000) % 7) * 40;
}

/**
 * Drives `history` with one reading every `stepS` seconds from `from` to `to`, integrating the
 * load into the import register; returns the final register.
 */
export function drive(history: History, from: number, to: number, stepS: number, startWh: number, extra: Partial<MeterState> = {}): number {
  let wh = startWh;
  for (let t = from; t < to; t += stepS * 1000) {
    wh += (loadW(t) * stepS) / 3600;
    history.onReading(reading({ time: t, importWh: wh, ...extra }), t);
  }
  return wh;
}
