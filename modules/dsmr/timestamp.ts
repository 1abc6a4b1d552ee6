// DSMR timestamps: YYMMDDhhmmssX in the meter's local time, X = S (summer) or W (winter).
import { isEuSummerTime, isoUtc, utcMs } from "../util/time.js";

/**
 * The UTC instant of a DSMR timestamp, or null for an invalid one (`632525252525S`, the epoch
 * placeholder `700101010000W`). `standardOffsetMinutes` is the zone's winter offset (60 for CET).
 * Without an S/W flag (DSMR 2.2/3) the EU summer-time rule decides.
 */
export function dsmrTimestamp(text: string, standardOffsetMinutes: number): string | null {
  // Most timestamps repeat from one telegram to the next (gas hourly, demand history, logs).
  // The offset first: it has no `|`, so the key cannot collide (`…5236` + 0 vs `…523` + 60).
  const key = standardOffsetMinutes + "|" + text;
  recent ??= new Map();
  let iso = recent.get(key);
  if (iso === undefined) {
    const ms = dsmrTimestampMs(text, standardOffsetMinutes);
    iso = ms === null ? null : isoUtc(ms);
    if (recent.size >= RECENT_LIMIT) recent.clear();
    recent.set(key, iso);
  }
  return iso;
}

const RECENT_LIMIT = 64;
// Made on first use (see dsmr/telegram.ts, `codes`).
let recent: Map<string, string | null> | undefined;

export function dsmrTimestampMs(text: string, standardOffsetMinutes: number): number | null {
  if (text.length < 12) return null;
  const f: number[] = [];
  for (let i = 0; i < 12; i += 2) {
    const hi = text.charCodeAt(i) - 48;
    const lo = text.charCodeAt(i + 1) - 48;
    if (hi < 0 || hi > 9 || lo < 0 || lo > 9) return null;
    f.push(hi * 10 + lo);
  }
  const year = f[0] < 70 ? 2000 + f[0] : 1900 + f[0];
  const local = utcMs(year, f[1], f[2], f[3], f[4], f[5]);
  if (Number.isNaN(local)) return null;
  const flag = text.charAt(12);
  let offset = standardOffsetMinutes;
  if (flag === "S") offset += 60;
  else if (flag !== "W" && isEuSummerTime(local - standardOffsetMinutes * 60000)) offset += 60;
  const ms = local - offset * 60000;
  return ms > 0 ? ms : null;
}
