// Voltage quality per phase: the 15-minute voltage profile (avg/min/max) and excursion events
// against configurable limits, as the Aclara SGM1400 logs them: an excursion shorter than
// `longS` is a sag or swell, a longer one under- or over-voltage.
import type { EventRecord, PhaseVoltage } from "./records.js";

export interface VoltageLimits {
  nominal: number;
  /** Below nominal*(1-lowPercent/100) is low; above nominal*(1+highPercent/100) is high. */
  lowPercent: number;
  highPercent: number;
  /** Excursions shorter than this (s) are ignored. */
  minS: number;
  /** Excursions at least this long (s) are under/over-voltage rather than sag/swell. */
  longS: number;
}

export const DEFAULT_LIMITS: VoltageLimits = { nominal: 230, lowPercent: 10, highPercent: 10, minS: 0, longS: 60 };

interface Stats {
  sum: number;
  n: number;
  min: number;
  max: number;
}

interface Excursion {
  high: boolean;
  start: number;
  extreme: number;
}

export class VoltageWatch {
  private stats: (Stats | null)[] = [];
  private excursions: (Excursion | null)[] = [null, null, null];
  private lastT = 0;

  constructor(private readonly limits: VoltageLimits) {}

  /** Takes one reading's phase voltages at time t; returns the excursion events that ended. */
  sample(t: number, volts: (number | undefined)[]): EventRecord[] {
    const out: EventRecord[] = [];
    const low = this.limits.nominal * (1 - this.limits.lowPercent / 100);
    const high = this.limits.nominal * (1 + this.limits.highPercent / 100);
    volts.forEach((v, i) => {
      if (v === undefined || !Number.isFinite(v)) return;
      const s = this.stats[i] ?? (this.stats[i] = { sum: 0, n: 0, min: v, max: v });
      s.sum += v;
      s.n++;
      s.min = Math.min(s.min, v);
      s.max = Math.max(s.max, v);
      const ex = this.excursions[i];
      const side = v < low ? false : v > high ? true : null;
      if (ex && ex.high !== side) {
        this.end(i, t, out);
      }
      if (side === null) return;
      const cur = this.excursions[i];
      if (!cur) this.excursions[i] = { high: side, start: t, extreme: v };
      else cur.extreme = side ? Math.max(cur.extreme, v) : Math.min(cur.extreme, v);
    });
    this.lastT = t;
    return out;
  }

  /** Readings stopped (gap, clock jump): open excursions end at the last reading. */
  interrupt(): EventRecord[] {
    const out: EventRecord[] = [];
    for (let i = 0; i < 3; i++) if (this.excursions[i]) this.end(i, this.lastT, out);
    return out;
  }

  /** The profile of the interval that just closed (null when the meter sent no voltages). */
  takeProfile(): PhaseVoltage[] | null {
    const phases = this.stats.filter((s): s is Stats => !!s).map((s) => ({ avg: s.sum / s.n, min: s.min, max: s.max }));
    this.stats = [];
    return phases.length ? phases : null;
  }

  private end(i: number, t: number, out: EventRecord[]): void {
    const ex = this.excursions[i]!;
    this.excursions[i] = null;
    const durationS = Math.round((t - ex.start) / 1000);
    if (durationS < this.limits.minS) return;
    const long = durationS >= this.limits.longS;
    const type = ex.high ? (long ? "over-voltage" : "voltage-swell") : long ? "under-voltage" : "voltage-sag";
    out.push({ stream: "events", time: ex.start, type, durationS, phase: i + 1, voltage: ex.extreme });
  }
}
