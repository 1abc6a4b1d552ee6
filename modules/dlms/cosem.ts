// COSEM value conventions shared by DLMS and SML: OBIS keys, the unit enumeration, scalers and
// the 12-byte date-time.
import { toHex } from "../util/hex.js";
import { isoUtc, utcMs } from "../util/time.js";

/** The `A-B:C.D.E` key of a 6-byte logical name, with `*F` only when F is not 255. */
export function obisKey(b: Uint8Array, at = 0): string {
  const key = `${b[at]}-${b[at + 1]}:${b[at + 2]}.${b[at + 3]}.${b[at + 4]}`;
  return b[at + 5] === 255 ? key : `${key}*${b[at + 5]}`;
}

// IEC 62056-6-2 unit enumeration (the codes meters actually send; 255 and 0 mean "no unit").
const UNITS: Record<number, string> = {
  1: "a", 2: "mo", 3: "wk", 4: "d", 5: "h", 6: "min", 7: "s", 8: "°", 9: "°C", 10: "currency",
  11: "m", 12: "m/s", 13: "m3", 14: "m3", 15: "m3/h", 16: "m3/h", 17: "m3/d", 18: "m3/d", 19: "l",
  20: "kg", 21: "N", 22: "Nm", 23: "Pa", 24: "bar", 25: "J", 26: "J/h", 27: "W", 28: "VA",
  29: "var", 30: "Wh", 31: "VAh", 32: "varh", 33: "A", 34: "C", 35: "V", 36: "V/m", 37: "F",
  38: "Ω", 39: "Ωm2/m", 40: "Wb", 41: "T", 42: "A/m", 43: "H", 44: "Hz", 45: "1/(Wh)",
  46: "1/(varh)", 47: "1/(VAh)", 48: "V2h", 49: "A2h", 50: "kg/s", 51: "S", 52: "K", 53: "1/(V2h)",
  54: "1/(A2h)", 55: "1/m3", 56: "%", 57: "Ah", 60: "Wh/m3", 61: "J/m3", 62: "Mol %", 63: "g/m3",
  64: "Pa s", 65: "J/kg", 70: "dBm", 71: "dBµV", 72: "dB",
};

/** The unit's name, or undefined for "no unit" and codes outside the table. */
export function unitName(code: number): string | undefined {
  return UNITS[code];
}

/**
 * `raw * 10^scaler` without binary noise: the decimal string is built first, so 2307 with
 * scaler -1 is exactly the double nearest 230.7.
 */
export function scaled(raw: number, scaler: number): number {
  if (scaler === 0 || raw === 0) return raw;
  if (Number.isInteger(raw)) return Number(`${raw}e${scaler}`);
  return Math.round(raw * Math.pow(10, scaler) * 1e6) / 1e6;
}

/** Printable ASCII becomes text; anything else is shown as hex. */
export function octetText(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) {
    if (b[i] < 0x20 || b[i] > 0x7e) return toHex(b);
    s += String.fromCharCode(b[i]);
  }
  return s;
}

const UNSPECIFIED_DEVIATION = -0x8000;
const DST_ACTIVE = 0x80;

/**
 * A COSEM date-time (12 bytes: year, month, day, weekday, hour, minute, second, hundredths,
 * deviation, clock status) as an ISO UTC instant. The deviation says UTC = local + deviation
 * minutes and already includes summer time. When the meter leaves it unspecified (0x8000, as Aidon
 * and Kamstrup do), local time is taken as `standardOffset` minutes east of UTC, plus an hour if
 * the clock status says summer time. Undefined when the bytes are not a usable instant.
 */
export function dateTime(b: Uint8Array, at: number, standardOffset: number): string | undefined {
  if (b.length < at + 12) return undefined;
  const year = (b[at] << 8) | b[at + 1];
  const [month, day, hour] = [b[at + 2], b[at + 3], b[at + 5]];
  const minute = b[at + 6];
  const second = b[at + 7] === 0xff ? 0 : b[at + 7];
  if (year === 0xffff || minute === 0xff) return undefined;
  const local = utcMs(year, month, day, hour, minute, second);
  if (Number.isNaN(local)) return undefined;
  const deviation = (((b[at + 9] << 8) | b[at + 10]) << 16) >> 16;
  const status = b[at + 11];
  let utc: number;
  if (deviation !== UNSPECIFIED_DEVIATION) {
    if (deviation < -840 || deviation > 840) return undefined;
    utc = local + deviation * 60000;
  } else {
    const summer = status !== 0xff && (status & DST_ACTIVE) !== 0;
    utc = local - (standardOffset + (summer ? 60 : 0)) * 60000;
  }
  return isoUtc(utc);
}
