// The monotonic guard: a `total_increasing` register may only go up, and only as fast as the
// installation can consume. A decrease or an implausible jump is held back (never published) and
// reported as an event; if the meter keeps reporting the new level consistently, the guard accepts
// it as a new baseline (a replaced meter), again with an event.
import { TOTAL, type Quantity } from "./quantities.js";

export interface GuardEvent {
  type: "counter-decrease" | "counter-jump" | "counter-rebase";
  key: string;
  last: number;
  value: number;
  time: string | null;
}

export interface GuardOptions {
  /** Highest plausible consumption rate per unit and hour (Wh/h = W for energy registers). */
  maxRatePerHour?: Record<string, number>;
  /** Consistent frames after which a new level is accepted (default 10). */
  confirmFrames?: number;
}

const DEFAULT_RATES: Record<string, number> = {
  Wh: 100_000, // 100 kW: above any domestic three-phase connection
  varh: 100_000,
  "m³": 40, // G25 gas meter, 10 m³/h water main
  GJ: 1,
  kWh: 100,
  MWh: 0.1,
};

interface Track {
  value: number;
  at: number;
  suspect?: { value: number; count: number };
}

export class MonotonicGuard {
  private readonly tracks = new Map<string, Track>();
  private readonly rates: Record<string, number>;
  private readonly confirm: number;

  constructor(options: GuardOptions = {}) {
    this.rates = { ...DEFAULT_RATES, ...options.maxRatePerHour };
    this.confirm = options.confirmFrames ?? 10;
  }

  /**
   * Filters `qs` in place of a new reading at `atMs` (meter time, or the clock when the meter sends
   * none): returns the quantities that may be published and the events for those held back.
   */
  check(qs: Quantity[], atMs: number, time: string | null): { pass: Quantity[]; events: GuardEvent[] } {
    const pass: Quantity[] = [];
    const events: GuardEvent[] = [];
    for (const q of qs) {
      // TOTAL rather than a literal: on the dongle XS copies a literal each time it is evaluated.
      if (q.stateClass !== TOTAL) {
        pass.push(q);
        continue;
      }
      const t = this.tracks.get(q.key);
      if (!t) {
        this.tracks.set(q.key, { value: q.value, at: atMs });
        pass.push(q);
        continue;
      }
      const hours = Math.max(0, atMs - t.at) / 3_600_000;
      // One register step of slack: meters round, and two frames can share a timestamp.
      const limit = (this.rates[q.unit] ?? Infinity) * Math.max(hours, 1 / 3600) + 1;
      const delta = q.value - t.value;
      if (delta >= 0 && delta <= limit) {
        t.value = q.value;
        t.at = atMs;
        t.suspect = undefined;
        pass.push(q);
        continue;
      }
      const type = delta < 0 ? "counter-decrease" : "counter-jump";
      const s = t.suspect;
      // The suspect level must itself behave: same or rising slowly from frame to frame.
      if (s && q.value >= s.value && q.value - s.value <= limit) {
        s.value = q.value;
        s.count++;
      } else {
        t.suspect = { value: q.value, count: 1 };
        events.push({ type, key: q.key, last: t.value, value: q.value, time });
        continue;
      }
      if (s.count >= this.confirm) {
        events.push({ type: "counter-rebase", key: q.key, last: t.value, value: q.value, time });
        this.tracks.set(q.key, { value: q.value, at: atMs });
        pass.push(q);
      }
    }
    return { pass, events };
  }
}
