// The data model every protocol decodes into, and the `metertap decode` JSON contract.

/** Why a frame was refused. Stable: the CLI, MQTT diagnostics and tests use these names. */
export type ErrorCategory =
  | "crc"
  | "auth"
  | "key"
  | "replay"
  | "truncated"
  | "malformed"
  | "unsupported"
  | "overflow";

export const ERROR_CATEGORIES: readonly ErrorCategory[] = [
  "crc", "auth", "key", "replay", "truncated", "malformed", "unsupported", "overflow",
];

export type Protocol = "dsmr" | "dlms" | "sml";

/** One entry of a log-like object (DSMR 1-0:99.97.0 power failures, 0-0:98.1.0 demand history). */
export interface ObisLogEntry {
  /** ISO UTC instant or null when the meter sent an invalid timestamp. */
  time: string | null;
  /** Second timestamp where the object has one (98.1.0: when the maximum occurred). */
  occurred?: string | null;
  value: number | null;
  unit?: string;
}

/** One OBIS object: its value with the meter's scaler applied and the meter's unit. */
export interface ObisEntry {
  value: number | string | null;
  unit?: string;
  /** Capture time for objects that carry one (M-Bus readings, 1-0:1.6.0), ISO UTC or null if invalid. */
  time?: string | null;
  /** Log objects carry their entries here and `value` is the entry count. */
  entries?: ObisLogEntry[];
  /** The object's text as sent, kept for objects this decoder does not interpret or whose unit it respelt. */
  raw?: string;
}

/** OBIS code A-B:C.D.E, with *F only when F is not 255. */
export type ObisKey = string;

export type ObisMap = Record<ObisKey, ObisEntry>;

export type SubMeterType = "gas" | "water" | "heat" | "cold" | "electricity" | "unknown";

export interface SubMeter {
  channel: number;
  type: SubMeterType;
  /** M-Bus device type as the meter sent it (3 gas, 7 water, 4 heat, ...). */
  deviceType: number | null;
  id: string | null;
  value: number | null;
  unit: string | null;
  time: string | null;
}

export interface MeterEvent {
  type: "power-failure";
  /** End of the failure, ISO UTC. */
  end: string | null;
  durationS: number | null;
  long: boolean;
}

export interface PhaseValues {
  l1?: number;
  l2?: number;
  l3?: number;
}

/**
 * A normalised reading. Energies are in Wh (varh for reactive), powers in W (var), voltages in V,
 * currents in A, whatever unit the meter used. Absent quantities are absent, never zero.
 */
export interface Reading {
  protocol: Protocol;
  meterId: string | null;
  /** DSMR: the telegram's identification line without `/` (`ISk5\2MT382-1000`): maker and model. */
  identification?: string;
  /** The meter's own timestamp, ISO UTC, or null when it sent none. */
  time: string | null;
  energy: {
    import?: number;
    export?: number;
    importTariffs?: number[];
    exportTariffs?: number[];
    /** Reactive energy registers: +R, -R and quadrants R1..R4. */
    reactiveImport?: number;
    reactiveExport?: number;
    r1?: number;
    r2?: number;
    r3?: number;
    r4?: number;
  };
  power: {
    import?: number;
    export?: number;
    importPhases?: PhaseValues;
    exportPhases?: PhaseValues;
    reactiveImport?: number;
    reactiveExport?: number;
  };
  voltage: PhaseValues;
  current: PhaseValues;
  /** Current tariff register index (1-based), when the meter says. */
  tariff: number | null;
  subMeters: SubMeter[];
  events: MeterEvent[];
  /** Belgian capacity tariff: current quarter-hour average demand and this month's peak (W). */
  demand?: { average?: number; monthPeak?: number; monthPeakTime?: string | null };
  values: ObisMap;
}

/** Security-layer facts for diagnostics: never a key. */
export interface SecurityInfo {
  systemTitle: string;
  frameCounter: number;
  securityControl: number;
}

/** One decoded frame (after reassembly, one APDU): the `metertap decode` line. */
export interface DecodeResult {
  ok: boolean;
  protocol: Protocol | "unknown";
  encrypted: boolean;
  error?: ErrorCategory;
  message?: string;
  meterId?: string | null;
  time?: string | null;
  values: ObisMap;
  /** Present only when ok. */
  reading?: Reading;
  security?: SecurityInfo;
}

/** The JSON line printed by `metertap decode`: the contract, in key order. */
export function toContractJson(r: DecodeResult): string {
  const out: Record<string, unknown> = { ok: r.ok, protocol: r.protocol, encrypted: r.encrypted };
  if (!r.ok) {
    out.error = r.error;
    out.message = r.message;
  }
  if (r.meterId !== undefined) out.meterId = r.meterId;
  if (r.time !== undefined) out.time = r.time;
  if (r.security) out.security = r.security;
  out.values = r.values;
  return JSON.stringify(out);
}
