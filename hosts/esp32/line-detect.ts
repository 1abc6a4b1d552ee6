// Finds the meter's line settings by trying them in turn until frames validate. Pure TS, no
// device APIs: the host applies settings to its UART and reports cumulative counters each tick.
// Some wrong settings still pass frames (an 8N1 receiver reads 8E1 data bytes, a 7E1 receiver
// reads 8N1 ASCII) but with framing or parity errors, so a candidate wins at once only when it
// is clean; otherwise the cleanest candidate that passed frames wins after one full round.
import type { KeyValueStore } from "../../modules/ports/ports.js";

export type Baud = 2400 | 9600 | 115200;
export type Format = "8N1" | "7E1" | "8E1";

export interface LineSettings {
  baud: Baud;
  format: Format;
  /** RX inversion: P1 is an inverted open-collector output. */
  invert: boolean;
}

/** Counters since the UART was opened: never reset by the host. */
export interface LineCounters {
  bytes: number;
  /** Frames the decoder accepted (ok:true). */
  okFrames: number;
  /** Framing + parity errors the UART saw. */
  lineErrors: number;
}

/** Most likely first: DSMR 4/5 P1, DSMR 2/3 P1, HAN (M-Bus/RJ45) ports, then the rest. */
export const CANDIDATES: readonly LineSettings[] = (() => {
  const first: LineSettings[] = [
    { baud: 115200, format: "8N1", invert: true },
    { baud: 9600, format: "7E1", invert: true },
    { baud: 2400, format: "8E1", invert: false },
    { baud: 2400, format: "8N1", invert: false },
    { baud: 9600, format: "8N1", invert: false },
    { baud: 115200, format: "8N1", invert: false },
  ];
  const all = [...first];
  for (const baud of [115200, 9600, 2400] as Baud[]) {
    for (const format of ["8N1", "8E1", "7E1"] as Format[]) {
      for (const invert of [true, false]) {
        if (!all.some((s) => s.baud === baud && s.format === format && s.invert === invert)) all.push({ baud, format, invert });
      }
    }
  }
  return all;
})();

export function settingsKey(s: LineSettings): string {
  return `${s.baud}-${s.format}-${s.invert ? "i" : "n"}`;
}

export function parseSettings(text: string | undefined): LineSettings | undefined {
  return CANDIDATES.find((s) => settingsKey(s) === text);
}

/** Preference key (≤ 15 characters) under which the winner is remembered. */
export const STORE_KEY = "line";

export interface DetectorOptions {
  apply(settings: LineSettings): void;
  store?: KeyValueStore;
  /** Time on each candidate before moving on (default 12 s: DSMR 2/3 and HAN send every 10 s). */
  dwellMs?: number;
  /** A locked line with no valid frame for this long is searched again (default 5 min). */
  lostMs?: number;
  /** Line errors per byte above which a passing candidate is not clean (default 1 %). */
  maxErrorRate?: number;
}

interface Trial {
  settings: LineSettings;
  ok: number;
  bytes: number;
  errors: number;
}

export type DetectorState = "searching" | "locked";

export class LineDetector {
  private order: LineSettings[];
  private index = 0;
  private since = 0;
  private base: LineCounters = { bytes: 0, okFrames: 0, lineErrors: 0 };
  private trials: Trial[] = [];
  private lastOkAt = 0;
  private lastOk = 0;
  private stateValue: DetectorState = "searching";
  current: LineSettings;
  /** Candidates tried since the last search began. */
  tried = 0;

  constructor(private readonly options: DetectorOptions) {
    const remembered = parseSettings(options.store?.read(STORE_KEY));
    this.order = remembered ? [remembered, ...CANDIDATES.filter((s) => s !== remembered)] : [...CANDIDATES];
    this.current = this.order[0];
  }

  get state(): DetectorState {
    return this.stateValue;
  }

  start(nowMs: number, counters: LineCounters): void {
    this.try(0, nowMs, counters);
  }

  tick(nowMs: number, c: LineCounters): void {
    if (this.stateValue === "locked") {
      if (c.okFrames > this.lastOk) {
        this.lastOk = c.okFrames;
        this.lastOkAt = nowMs;
      } else if (nowMs - this.lastOkAt >= (this.options.lostMs ?? 300_000)) {
        this.stateValue = "searching";
        this.trials = [];
        this.tried = 0;
        this.try(this.index + 1, nowMs, c);
      }
      return;
    }
    const trial = this.trialOf(c);
    if (trial.ok > 0 && this.clean(trial)) return this.lock(trial.settings, nowMs, c);
    if (nowMs - this.since < (this.options.dwellMs ?? 12_000)) return;
    this.trials.push(trial);
    if (this.trials.length >= this.order.length) {
      const passed = this.trials.filter((t) => t.ok > 0).sort((a, b) => a.errors / a.bytes - b.errors / b.bytes);
      this.trials = [];
      if (passed.length) return this.lock(passed[0].settings, nowMs, c);
    }
    this.try(this.index + 1, nowMs, c);
  }

  private clean(t: Trial): boolean {
    return t.errors <= t.bytes * (this.options.maxErrorRate ?? 0.01);
  }

  private trialOf(c: LineCounters): Trial {
    return {
      settings: this.current,
      ok: c.okFrames - this.base.okFrames,
      bytes: c.bytes - this.base.bytes,
      errors: c.lineErrors - this.base.lineErrors,
    };
  }

  private try(index: number, nowMs: number, c: LineCounters): void {
    this.index = index % this.order.length;
    this.current = this.order[this.index];
    this.since = nowMs;
    this.base = { ...c };
    this.tried++;
    this.options.apply(this.current);
  }

  private lock(settings: LineSettings, nowMs: number, c: LineCounters): void {
    if (settings !== this.current) {
      this.index = this.order.indexOf(settings);
      this.current = settings;
      this.options.apply(settings);
    }
    this.stateValue = "locked";
    this.lastOk = c.okFrames;
    this.lastOkAt = nowMs;
    const key = settingsKey(settings);
    if (this.options.store && this.options.store.read(STORE_KEY) !== key) this.options.store.write(STORE_KEY, key);
  }
}
