// DSMR P1 telegram text → OBIS objects. Every line `A-B:C.D.E(...)(...)` becomes one entry;
// a line that starts with `(` continues the previous object (DSMR 2.2/3 gas on its own line).
import type { ObisEntry, ObisLogEntry, ObisMap } from "../reading/model.js";
import { fromHex, latin1 } from "../util/hex.js";
import { dsmrTimestamp } from "./timestamp.js";

export interface Telegram {
  /** The identification line without the leading `/`. */
  header: string;
  values: ObisMap;
  /** CRC digits after `!` (null when the telegram has none or no terminator). */
  crcText: string | null;
  /** Whether a `!` ended the telegram. */
  terminated: boolean;
  /** Whether the last line ended with a line end (a cut telegram does not). */
  complete: boolean;
}

// Objects whose values are identifiers or text, kept as sent, never as numbers.
const TEXT_OBJECTS = new Set([
  "1-3:0.2.8", "0-0:96.1.4", "0-0:96.14.0", "0-0:42.0.0", "1-0:0.0.0", "0-0:96.1.0", "0-0:96.1.1",
  "0-0:96.13.1", "1-0:0.2.0", "1-1:0.2.0", "1-0:0.2.8",
]);

export function parseTelegram(bytes: Uint8Array, standardOffsetMinutes: number): Telegram {
  const text = latin1(bytes);
  const bang = text.lastIndexOf("!");
  const body = bang >= 0 ? text.slice(0, bang) : text;
  let crcText: string | null = null;
  if (bang >= 0) {
    let i = bang + 1;
    while (i < text.length && i < bang + 5 && isHexChar(text.charCodeAt(i))) i++;
    if (i > bang + 1) crcText = text.slice(bang + 1, i);
  }
  const lines = body.split("\n");
  const header = stripCr(lines[0]).slice(1);
  const values: ObisMap = {};
  let key = "";
  let groups: string[] = [];
  for (let n = 1; n < lines.length; n++) {
    const line = stripCr(lines[n]);
    if (!line) continue;
    if (line.charCodeAt(0) === 40 /* ( */ && key) {
      readGroups(line, 0, groups);
      continue;
    }
    if (key) values[key] = interpret(key, groups, standardOffsetMinutes);
    const open = line.indexOf("(");
    key = open > 0 ? obisKey(line.slice(0, open)) : "";
    groups = [];
    if (key) readGroups(line, open, groups);
  }
  if (key) values[key] = interpret(key, groups, standardOffsetMinutes);
  const last = bang >= 0 ? "\n" : text.charAt(text.length - 1);
  return { header, values, crcText, terminated: bang >= 0, complete: last === "\n" || last === "\r" };
}

function stripCr(line: string): string {
  return line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
}

function isHexChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** Normalises `1-0:1.8.1` (and `1-0:1.8.1*255`) to the contract's key; "" if not an OBIS code. */
function obisKey(code: string): string {
  const m = /^(\d{1,3})-(\d{1,3}):(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:[*.](\d{1,3}))?$/.exec(code);
  if (!m) return "";
  const base = `${+m[1]}-${+m[2]}:${+m[3]}.${+m[4]}.${+m[5]}`;
  return m[6] !== undefined && +m[6] !== 255 ? `${base}*${+m[6]}` : base;
}

function readGroups(line: string, from: number, out: string[]): void {
  let i = from;
  while (i < line.length && line.charCodeAt(i) === 40) {
    const close = line.indexOf(")", i + 1);
    if (close < 0) {
      out.push(line.slice(i + 1));
      return;
    }
    out.push(line.slice(i + 1, close));
    i = close + 1;
  }
}

interface Quantity {
  value: number | string | null;
  unit?: string;
}

function quantity(group: string, asText: boolean): Quantity {
  if (group === "") return { value: null };
  const star = group.indexOf("*");
  const digits = star >= 0 ? group.slice(0, star) : group;
  if (asText) return { value: group };
  const n = /^[-+]?\d+(\.\d+)?$/.test(digits) ? Number(digits) : NaN;
  if (star >= 0) return { value: Number.isNaN(n) ? digits : n, unit: group.slice(star + 1) };
  return { value: Number.isNaN(n) ? group : n };
}

const TIMESTAMP = /^\d{12}[SW]?$/;

function interpret(key: string, groups: string[], offset: number): ObisEntry {
  const [c, d] = key.slice(key.indexOf(":") + 1).split(".");
  // Power failure log: (count)(0-0:96.7.19)(end)(duration*s)...
  if (key === "1-0:99.97.0") return logObject(groups, 2, offset, false);
  // Belgian 13-month demand history: (count)(1-0:1.6.0)(1-0:1.6.0)(month)(occurred)(value*kW)...
  if (key === "0-0:98.1.0" && groups.length > 1 && !TIMESTAMP.test(groups[0])) {
    const columns = groups.slice(1).findIndex((g) => !/^\d+-\d+:/.test(g)) + 1;
    return logObject(groups, Math.max(columns, 1), offset, true);
  }
  if (c === "96" && d === "13") return textMessage(groups[0] ?? "");
  // DSMR 2.2/3 gas: (captured)(00)(60)(1)(0-1:24.2.1)(m3) then (value) on the next line.
  if (c === "24" && d === "3" && groups.length >= 7) {
    const q = quantity(groups[groups.length - 1], false);
    return { value: q.value, unit: groups[5] || undefined, time: dsmrTimestamp(groups[0], offset) };
  }
  // (timestamp)(value*unit): M-Bus readings, 1-0:1.6.0 monthly peak, EON billing snapshots.
  if (groups.length >= 2 && TIMESTAMP.test(groups[0])) {
    const q = quantity(groups[1], false);
    const entry: ObisEntry = { value: q.value, time: dsmrTimestamp(groups[0], offset) };
    if (q.unit) entry.unit = q.unit;
    if (groups.length > 2) entry.raw = "(" + groups.join(")(") + ")";
    return entry;
  }
  if (key === "0-0:1.0.0") return { value: dsmrTimestamp(groups[0] ?? "", offset) };
  if (groups.length === 1) {
    const q = quantity(groups[0], TEXT_OBJECTS.has(key) || (c === "96" && d === "1") || (c === "0" && d === "0"));
    return q.unit ? { value: q.value, unit: q.unit } : { value: q.value };
  }
  // Unknown shape: keep it untouched.
  const first = groups.length ? quantity(groups[0], false) : { value: null };
  const entry: ObisEntry = { value: first.value, raw: "(" + groups.join(")(") + ")" };
  if (first.unit) entry.unit = first.unit;
  return entry;
}

function logObject(groups: string[], skip: number, offset: number, occurred: boolean): ObisEntry {
  const entries: ObisLogEntry[] = [];
  const width = occurred ? 3 : 2;
  for (let i = skip; i + width <= groups.length; i += width) {
    const q = quantity(groups[i + width - 1], false);
    const e: ObisLogEntry = { time: dsmrTimestamp(groups[i], offset), value: typeof q.value === "number" ? q.value : null };
    if (occurred) e.occurred = dsmrTimestamp(groups[i + 1], offset);
    if (q.unit) e.unit = q.unit;
    entries.push(e);
  }
  return { value: entries.length, entries, raw: "(" + groups.join(")(") + ")" };
}

/** DSMR 4+ sends text hex-encoded; DSMR 2.2/3 sends it plain. */
function textMessage(group: string): ObisEntry {
  if (group === "") return { value: null };
  const bytes = /^[0-9A-Fa-f]+$/.test(group) ? fromHex(group) : undefined;
  if (!bytes) return { value: group };
  let printable = true;
  for (const b of bytes) if (b < 9 || b > 126) printable = false;
  return printable ? { value: latin1(bytes), raw: group } : { value: group };
}
