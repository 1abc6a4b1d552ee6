// UTC instants as the contract prints them: ISO 8601 without milliseconds.

/** `Date.parse` with its last answer kept: the history and the publisher both read a reading's time. */
export function parseTime(text: string): number {
  if (text !== lastParsed) {
    lastParsed = text;
    lastMs = Date.parse(text);
  }
  return lastMs;
}

let lastParsed: string | undefined;
let lastMs = NaN;

export function isoUtc(ms: number): string {
  return new Date(ms).toISOString().replace(".000Z", "Z");
}

/** Milliseconds since the epoch for a civil UTC time, or NaN when a field is out of range. */
export function utcMs(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return NaN;
  if (hour > 23 || minute > 59 || second > 60) return NaN;
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

/** EU rule: summer time from the last Sunday of March to the last Sunday of October, 01:00 UTC. */
export function isEuSummerTime(utc: number): boolean {
  const year = new Date(utc).getUTCFullYear();
  return utc >= lastSundayUtc(year, 3) && utc < lastSundayUtc(year, 10);
}

function lastSundayUtc(year: number, month: number): number {
  const last = new Date(Date.UTC(year, month, 0, 1));
  return last.getTime() - last.getUTCDay() * 86400000;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
