// Civil time for billing periods without Intl (absent on devices): a small zone table of standard
// offsets plus the EU summer-time rule (last Sunday of March to last Sunday of October, changing
// at 01:00 UTC, +1 hour).
import { isEuSummerTime } from "../util/time.js";

export interface Zone {
  name: string;
  /** Standard (winter) offset from UTC, minutes. */
  standardMinutes: number;
  eu: boolean;
}

const TABLE: Record<string, [number, boolean]> = {
  "UTC": [0, false], "Etc/UTC": [0, false],
  // The POSIX names meters' documentation uses, with the EU rule as the EU applies it to them.
  "WET": [0, true], "CET": [60, true], "EET": [120, true],
  "Europe/London": [0, true], "Europe/Dublin": [0, true], "Europe/Lisbon": [0, true],
  "Atlantic/Madeira": [0, true], "Atlantic/Canary": [0, true],
  "Europe/Amsterdam": [60, true], "Europe/Brussels": [60, true], "Europe/Luxembourg": [60, true],
  "Europe/Paris": [60, true], "Europe/Berlin": [60, true], "Europe/Vienna": [60, true],
  "Europe/Zurich": [60, true], "Europe/Oslo": [60, true], "Europe/Stockholm": [60, true],
  "Europe/Copenhagen": [60, true], "Europe/Ljubljana": [60, true], "Europe/Budapest": [60, true],
  "Europe/Madrid": [60, true], "Europe/Rome": [60, true], "Europe/Prague": [60, true], "Europe/Warsaw": [60, true],
  "Europe/Helsinki": [120, true], "Europe/Tallinn": [120, true], "Europe/Riga": [120, true],
  "Europe/Vilnius": [120, true], "Europe/Athens": [120, true], "Europe/Sofia": [120, true],
  "Europe/Bucharest": [120, true], "Europe/Mariehamn": [120, true],
};

export const ZONE_NAMES: readonly string[] = Object.keys(TABLE);

export function zone(name: string): Zone {
  const z = TABLE[name];
  if (!z) throw new RangeError(`unknown time zone ${name}; known: ${ZONE_NAMES.join(", ")}`);
  return { name, standardMinutes: z[0], eu: z[1] };
}

export const DEFAULT_ZONE = "Europe/Amsterdam";

export interface ZoneConfig {
  timeZone: string;
  /** The decoder's standard offset: for meter times without an offset of their own (DSMR, DLMS). */
  standardOffsetMinutes: number;
  /** Set when the configured name is unknown and the default was taken instead. */
  problem?: string;
}

/**
 * The one mapping from a configured zone (the `--tz` flag, the dongle's `tz` setting) to what the
 * decoder and history need, shared by every host so none can forget the decoder's offset. An
 * unknown name must not stop a dongle from booting: it gets the default and a message to log.
 */
export function zoneConfig(name: string | undefined): ZoneConfig {
  const timeZone = name ?? DEFAULT_ZONE;
  if (TABLE[timeZone]) return { timeZone, standardOffsetMinutes: TABLE[timeZone][0] };
  return {
    timeZone: DEFAULT_ZONE,
    standardOffsetMinutes: TABLE[DEFAULT_ZONE][0],
    problem: `unknown time zone '${timeZone}', using ${DEFAULT_ZONE}; known: ${ZONE_NAMES.join(", ")}`,
  };
}

export function isSummerTime(z: Zone, ms: number): boolean {
  return z.eu && isEuSummerTime(ms);
}

/** Offset from UTC at instant `ms`, minutes. (A DSMR meter's S/W flag is already in the instant.) */
export function offsetMinutes(z: Zone, ms: number): number {
  return z.standardMinutes + (isSummerTime(z, ms) ? 60 : 0);
}

export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

export function localDate(z: Zone, ms: number): LocalDate {
  const d = new Date(ms + offsetMinutes(z, ms) * 60_000);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** UTC instant of local midnight starting the given local date (EU changes never fall at midnight). */
export function localMidnight(z: Zone, year: number, month: number, day: number): number {
  const guess = Date.UTC(year, month - 1, day) - z.standardMinutes * 60_000;
  return guess - (isSummerTime(z, guess) ? 3_600_000 : 0);
}

export function dayString(d: LocalDate): string {
  return `${d.year}-${pad(d.month)}-${pad(d.day)}`;
}

export function monthString(d: LocalDate): string {
  return `${d.year}-${pad(d.month)}`;
}

/** The local date after `d` (civil arithmetic, via a UTC calendar). */
export function nextDay(d: LocalDate): LocalDate {
  const n = new Date(Date.UTC(d.year, d.month - 1, d.day + 1));
  return { year: n.getUTCFullYear(), month: n.getUTCMonth() + 1, day: n.getUTCDate() };
}

export function nextMonth(d: LocalDate): LocalDate {
  return d.month === 12 ? { year: d.year + 1, month: 1, day: 1 } : { year: d.year, month: d.month + 1, day: 1 };
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}
