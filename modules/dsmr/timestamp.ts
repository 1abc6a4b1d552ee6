// DSMR timestamps: YYMMDDhhmmssX in the meter's local time, X = S (summer) or W (winter).
import { isEuSummerTime, isoUtc, utcMs } from "../util/time.js";

/**
 * The UTC instant of a DSMR timestamp, or null for an invalid one (`632525252525S`, the epoch
 * placeholder `700101010000W`). `standardOffsetMinutes` is the zone's winter offset (60 for CET).
 * Without an S/W flag (DSMR 2.2/3) the EU summer-time rule decides.
 */
export function dsmrTimestamp(text: string, standardOffsetMinutes: number): string | null {
  // Not cached: a repeated timestamp comes in a repeated line, which the telegram reader takes
  // whole from the previous telegram (LineMemo); the clock's is new every second.
  const ms = dsmrTimestampMs(text, standardOffsetMinutes);
  return ms === null ? null : isoUtc(ms);
}

// Six two-digit fields, then the character after them: S, W, or anything else (the EU rule decides).
let madeStamp: RegExp | undefined;
const stamp = (): RegExp => (madeStamp ??= /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)([\s\S]?)/);

export function dsmrTimestampMs(text: string, standardOffsetMinutes: number): number | null {
  // One RegExp rather than a call per digit: on the dongle each call on a string makes a String
  // object to collect, two dozen for every telegram's clock.
  const f = stamp().exec(text);
  if (!f) return null;
  const yy = +f[1];
  const local = utcMs(yy < 70 ? 2000 + yy : 1900 + yy, +f[2], +f[3], +f[4], +f[5], +f[6]);
  if (Number.isNaN(local)) return null;
  const flag = f[7];
  let offset = standardOffsetMinutes;
  if (flag === "S") offset += 60;
  else if (flag !== "W" && isEuSummerTime(local - standardOffsetMinutes * 60000)) offset += 60;
  const ms = local - offset * 60000;
  return ms > 0 ? ms : null;
}
