// DSMR P1 telegram text → OBIS objects. Every line `A-B:C.D.E(...)(...)` becomes one entry;
// a line that starts with `(` continues the previous object (DSMR 2.2/3 gas on its own line).
// A meter repeats the same codes every telegram, so what a code means is worked out once and cached.
import type { ObisEntry, ObisLogEntry, ObisMap } from "../reading/model.js";
import { fromHex, latin1 } from "../util/hex.js";
import { dsmrTimestamp } from "./timestamp.js";
import { canonicalUnit, isKnownUnit } from "../reading/units.js";
import { groupForm, type Shape } from "./shape.js";

export interface Telegram {
  /** The identification line without the leading `/`. */
  header: string;
  values: ObisMap;
  /** CRC digits after `!` (null when the telegram has none or no terminator). */
  crcText: string | null;
  /** Where the `!` that ends the telegram is (the CRC covers up to it), or -1 without one. */
  bang: number;
  /** Whether the last line ended with a line end (a cut telegram does not). */
  complete: boolean;
  /**
   * Lines that are no object: neither `A-B:C.D.E(` nor a `(` continuation of the DSMR 2.2/3 gas
   * object, or a value with a unit where the value is no number or the unit no unit. A meter sends
   * none: they are the trace of damage, which a 16-bit CRC lets through now and then (an inserted
   * byte shifts its remainder) and which a telegram without CRC cannot show otherwise.
   */
  unreadable: number;
  /** Objects read (into `values`): none means the telegram has no OBIS lines. */
  objects: number;
  /** A `!` that is no terminator: a damaged byte, so nothing in the telegram can be trusted. */
  strayBang: boolean;
  /**
   * The first byte after the identification line that is neither printable ASCII nor a line end,
   * or -1. Telegram lines are ASCII (DSMR 4+ even hex-encodes its text messages), and a 16-bit CRC
   * over an unframed text lets about one inserted byte in 65,536 through: this refuses most of
   * those. (The identification line may hold a control byte: Iskra's "/ISk5\x02MIE5T".)
   */
  oddByte: number;
  /** Its codes and number widths, which a meter keeps from one telegram to the next. */
  shape: Shape;
}

const enum Kind {
  Quantity,
  Text,
  Clock,
  PowerFailureLog,
  DemandHistory,
  TextMessage,
  LegacyGas,
}

interface Code {
  key: string;
  kind: Kind;
}

// Objects whose values are identifiers or text, kept as sent, never as numbers.
const TEXT_OBJECTS = new Set(["1-3:0.2.8", "0-0:96.1.4", "0-0:96.14.0", "0-0:42.0.0", "1-0:0.2.8"]);

const CODE_CACHE_LIMIT = 256;
const BANG = 0x21;
const CR = 0x0d;
const LF = 0x0a;

/**
 * The lines of a stream's previous telegram and what each read as, when it was one object read
 * cleanly from that line alone. A meter repeats most lines from one telegram to the next (its
 * identifiers, tariffs, registers that did not move): an equal line is taken as read before, so
 * the dongle parses only the lines that changed. Objects are never changed once made, so two
 * readings may share one.
 */
export class LineMemo {
  lines: string[] = [];
  keys: (string | undefined)[] = [];
  entries: (ObisEntry | undefined)[] = [];
  forms: (number[] | undefined)[] = [];
}

export function parseTelegram(bytes: Uint8Array, standardOffsetMinutes: number, memo?: LineMemo): Telegram {
  let bang = bytes.lastIndexOf(BANG);
  let crcText: string | null = null;
  let strayBang = false;
  if (bang >= 0) {
    let i = bang + 1;
    while (i < bytes.length && i < bang + 5 && isHexChar(bytes[i])) i++;
    // Only `!`, no or 3–4 hex digits and a line end (or the frame's end) is a terminator; any
    // other `!` is a damaged byte inside a line.
    const rest = bytes.length - i;
    const lineEndRest = rest === 0 || (rest === 1 && (bytes[i] === LF || bytes[i] === CR)) || (rest === 2 && bytes[i] === CR && bytes[i + 1] === LF);
    if (i === bang + 2 || i === bang + 3 || !lineEndRest) {
      strayBang = true;
      bang = -1;
    }
    else if (i > bang + 1) crcText = latin1(bytes, bang + 1, i);
  }
  // One string split in C: on XS a string is UTF-8, where a JS loop over its bytes or offsets into
  // it would walk it again and again.
  const text = latin1(bytes, 0, bang >= 0 ? bang : bytes.length);
  const lines = text.split("\n");
  const header = lines[0].slice(1, textEnd(lines[0]));
  const values: ObisMap = {};
  const shape: Shape = {};
  let code: Code | null = null;
  let groups: string[] = [];
  let unreadable = 0;
  let objects = 0;
  let oddByte = -1;
  if (lines.length > 1) {
    // Searched from the second line on, rather than in a copy of the rest of the telegram.
    const odd = unprintable();
    odd.lastIndex = lines[0].length + 1;
    const found = odd.exec(text);
    if (found) oddByte = found[0].charCodeAt(0);
  }
  const before = memo?.lines ?? [];
  // The line the current object began on, when that line read cleanly.
  let clean = -1;
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n];
    // The memo is rewritten in place: what line n read as in the previous telegram is taken here,
    // and line n's object written once it is stored, at a later line.
    const known = memo?.keys[n];
    if (known !== undefined) memo!.keys[n] = undefined;
    // Most lines were read before (a line that began an object) or are `code(value)`, read by one
    // RegExp: before any call on the line, as on XS each makes a String object, garbage to collect.
    const reused = known !== undefined && line === before[n];
    const one = reused ? null : oneGroup().exec(line);
    // Read up to its CR, rather than copied without it.
    let stop = 0;
    if (!reused && !one) {
      stop = textEnd(line);
      if (stop === 0) continue;
      if (line.charCodeAt(0) === 40 /* ( */ && code) {
        // Only the DSMR 2.2/3 gas object continues on the next line.
        if (code.kind !== Kind.LegacyGas || !readGroups(line, 0, stop, groups)) unreadable++;
        continue;
      }
    }
    // An object begins here: the one before it ends. (A `(` line after a reused one is unreadable
    // either way: only the legacy gas object, never remembered, continues.)
    if (code) unreadable += store(values, shape, code, groups, standardOffsetMinutes, memo, clean);
    if (reused) {
      values[known] = memo!.entries[n]!;
      objects++;
      memo!.keys[n] = known;
      const forms = memo!.forms[n];
      if (forms) shape[known] = forms;
      code = null;
      continue;
    }
    let open = -1;
    if (one) {
      code = lookup(one[1]);
      groups = [one[2]];
    } else {
      open = line.indexOf("(");
      code = open > 0 ? lookup(line.slice(0, open)) : null;
      groups = [];
    }
    // Stored once it ends (at the next object's line or the telegram's end).
    if (code) objects++;
    clean = n;
    if (!code || (!one && !readGroups(line, open, stop, groups))) {
      unreadable++;
      clean = -1;
    }
  }
  if (code) unreadable += store(values, shape, code, groups, standardOffsetMinutes, memo, clean);
  if (memo) {
    memo.lines = lines;
    // What lay beyond this telegram's lines no longer belongs to any.
    if (memo.keys.length > lines.length) memo.keys.length = lines.length;
  }
  const last = bang >= 0 ? LF : bytes[bytes.length - 1];
  return { header, values, crcText, bang, complete: last === LF || last === CR, strayBang, oddByte, unreadable, objects, shape };
}

/**
 * Interprets an object into `values`; 1 when it does not read as meters send it (kept raw, for
 * diagnostics), else 0.
 */
function store(values: ObisMap, shape: Shape, code: Code, groups: string[], offset: number, memo: LineMemo | undefined, line: number): number {
  // Text (messages, identifiers) may change length; numbers and times keep their form.
  const forms = code.kind !== Kind.Text && code.kind !== Kind.TextMessage ? groups.map(groupForm) : undefined;
  if (forms) shape[code.key] = forms;
  const entry = interpret(code, groups, offset);
  if (entry && readable(entry)) {
    values[code.key] = entry;
    if (memo && line >= 0 && code.kind !== Kind.LegacyGas) {
      memo.keys[line] = code.key;
      memo.entries[line] = entry;
      memo.forms[line] = forms;
    }
    return 0;
  }
  values[code.key] = entry ?? { value: null, raw: rawGroups(groups) };
  return 1;
}

/** Whether an entry reads as meters send it: a value with a unit is a number in a known unit. */
function readable(e: ObisEntry): boolean {
  return e.unit === undefined || (typeof e.value !== "string" && isKnownUnit(e.unit));
}

/** A value with a unit as meters send it: a number in a known unit. */
function isMeasure(q: ObisEntry): boolean {
  return typeof q.value === "number" && q.unit !== undefined && isKnownUnit(q.unit);
}

/** Where a line's text ends: before the CR of its CR LF. */
function textEnd(line: string): number {
  return line.charCodeAt(line.length - 1) === CR ? line.length - 1 : line.length;
}

function isHexChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

// Made on first use: the dongle preloads modules into flash, where a Map made at module load is
// read-only and a RegExp is compiled on the build machine (docs/DESIGN.md, "Memory on the ESP32").
let codes: Map<string, Code | null> | undefined;
let madeUnprintable: RegExp | undefined;

// A byte that is neither printable ASCII nor a line end: a RegExp scans in C, where a loop over
// each byte cost the dongle a million instructions a telegram. Global, to start after the first line.
const unprintable = (): RegExp => (madeUnprintable ??= /[^\r\n\x20-\x7e]/g);

let madeValueAndUnit: RegExp | undefined;
let madeOneGroup: RegExp | undefined;

/**
 * A line of one object with one group, `code(value)` up to its CR: the code (to its first `(`) and
 * the group, as the reading below finds them. Any other line (more groups, a `(` continuation,
 * damage) is read call by call.
 */
const oneGroup = (): RegExp => (madeOneGroup ??= /^([^(]+)\(([^)]*)\)\r?$/);

/**
 * A group as `value*unit`: the value when it is a decimal number (optional sign, digits, optional
 * fraction), else the text before the first `*`; the unit after it, when there is a `*`.
 */
const valueAndUnit = (): RegExp => (madeValueAndUnit ??= /^(?:([+-]?\d+(?:\.\d+)?)|([^*]*))(?:\*([\s\S]*))?$/);

function lookup(text: string): Code | null {
  codes ??= new Map();
  let code = codes.get(text);
  if (code === undefined) {
    code = classify(text);
    if (codes.size < CODE_CACHE_LIMIT) codes.set(text, code);
  }
  return code;
}

// Made once, like the others: XS compiles a RegExp literal each time it is evaluated, and the
// power failure log and the demand history ask for these in every telegram.
let madeObisCode: RegExp | undefined;
const obisPattern = (): RegExp => (madeObisCode ??= /^(\d{1,3})-(\d{1,3}):(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:[*.](\d{1,3}))?$/);
let madeColumnStart: RegExp | undefined;
/** The start of an OBIS code, as a demand history's column names begin. */
const columnStart = (): RegExp => (madeColumnStart ??= /^\d+-\d+:/);

/** `A-B:C.D.E` with an optional `*F` or `.F`, split; null for anything else. */
function obisCode(text: string): RegExpExecArray | null {
  return obisPattern().exec(text);
}

/** `1-0:1.8.1`, `1-0:1.8.1*255` or `1-0:31.7.0.255` → the contract's key and how to read it. */
function classify(text: string): Code | null {
  const m = obisCode(text);
  if (!m) return null;
  const base = `${+m[1]}-${+m[2]}:${+m[3]}.${+m[4]}.${+m[5]}`;
  const key = m[6] !== undefined && +m[6] !== 255 ? `${base}*${+m[6]}` : base;
  const c = +m[3];
  const d = +m[4];
  let kind = Kind.Quantity;
  if (key === "1-0:99.97.0") kind = Kind.PowerFailureLog;
  else if (key === "0-0:98.1.0") kind = Kind.DemandHistory;
  else if (key === "0-0:1.0.0") kind = Kind.Clock;
  else if (c === 96 && d === 13) kind = Kind.TextMessage;
  else if (c === 24 && d === 3) kind = Kind.LegacyGas;
  else if (TEXT_OBJECTS.has(key) || (c === 96 && d === 1) || (c === 0 && d === 0)) kind = Kind.Text;
  return { key, kind };
}

/** The groups as sent, `(a)(b)…`: what an object keeps when it is not (wholly) interpreted. */
function rawGroups(groups: string[]): string {
  return "(" + groups.join(")(") + ")";
}

/** `(a)(b)…` from `from` up to `stop` into `out`; false when that is not groups to its end (damage). */
function readGroups(line: string, from: number, stop: number, out: string[]): boolean {
  let i = from;
  while (i < stop && line.charCodeAt(i) === 40) {
    // Before `stop` or nowhere: only a CR follows it.
    const close = line.indexOf(")", i + 1);
    if (close < 0) {
      out.push(line.slice(i + 1, stop));
      return false;
    }
    out.push(line.slice(i + 1, close));
    i = close + 1;
  }
  return i === stop;
}

/** `value*unit`; a unit in another case than its canonical spelling keeps the group in `raw`. */
export function quantity(group: string): ObisEntry {
  if (!group) return { value: null };
  // One RegExp for what was three calls on the string and a test: a decimal number (or other
  // text) up to the first `*`, and the unit after it.
  const m = valueAndUnit().exec(group)!;
  const value = m[1] !== undefined ? Number(m[1]) : m[2];
  const unitSent = m[3];
  if (unitSent === undefined) return { value };
  const unit = canonicalUnit(unitSent);
  return unit === unitSent ? { value, unit } : { value, unit, raw: `(${group})` };
}

/** A group of 11 to 14 characters, nearly all digits, ending in S or W: a timestamp, maybe damaged. */
function looksLikeTimestamp(group: string): boolean {
  const last = group.charAt(group.length - 1);
  if (group.length < 11 || group.length > 14 || (last !== "S" && last !== "W")) return false;
  let digits = 0;
  for (let i = 0; i < group.length - 1; i++) if (group.charCodeAt(i) >= 48 && group.charCodeAt(i) <= 57) digits++;
  return digits >= group.length - 2;
}

function isTimestamp(group: string): boolean {
  if (group.length !== 12 && group.length !== 13) return false;
  for (let i = 0; i < 12; i++) {
    const c = group.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return group.length === 12 || group[12] === "S" || group[12] === "W";
}

/** The entry of one object, or null where its groups do not read as meters send them (damage). */
function interpret(code: Code, groups: string[], offset: number): ObisEntry | null {
  switch (code.kind) {
    case Kind.PowerFailureLog: // (count)(0-0:96.7.19)(end)(duration*s)...
      if (groups.length > 1 && !obisCode(groups[1])) return null;
      return logObject(groups, 2, offset, false);
    case Kind.DemandHistory:
      // Belgian 13-month history: (count)(1-0:1.6.0)(1-0:1.6.0)(month)(occurred)(value*kW)...
      if (groups.length > 1 && !isTimestamp(groups[0])) {
        let columns = 1;
        while (columns < groups.length && columnStart().test(groups[columns])) {
          if (!obisCode(groups[columns])) return null;
          columns++;
        }
        return logObject(groups, columns, offset, true);
      }
      break;
    case Kind.Clock:
      if (groups.length !== 1 || !isTimestamp(groups[0])) return null;
      return { value: dsmrTimestamp(groups[0], offset) };
    case Kind.TextMessage:
      return textMessage(groups[0] ?? "");
    case Kind.LegacyGas:
      // DSMR 2.2/3 gas: (captured)(00)(60)(1)(0-1:24.2.1)(m3) then (value) on the next line.
      if (groups.length >= 7) {
        return { value: quantity(groups[groups.length - 1]).value, unit: groups[5] ? canonicalUnit(groups[5]) : undefined, time: dsmrTimestamp(groups[0], offset) };
      }
      break;
    case Kind.Text:
      if (groups.length === 1) return { value: groups[0] === "" ? null : groups[0] };
      break;
  }
  // (timestamp)(value*unit): M-Bus readings, 1-0:1.6.0 monthly peak, EON billing snapshots.
  if (groups.length >= 2 && looksLikeTimestamp(groups[0]) && !isTimestamp(groups[0])) return null;
  if (groups.length >= 2 && isTimestamp(groups[0])) {
    const entry = quantity(groups[1]);
    entry.time = dsmrTimestamp(groups[0], offset);
    if (groups.length > 2) {
      // A billing snapshot's further registers, kept raw: each is a measure too.
      for (let i = 2; i < groups.length; i++) if (!isMeasure(quantity(groups[i]))) return null;
      entry.raw = rawGroups(groups);
    }
    return entry;
  }
  if (groups.length === 1) return quantity(groups[0]);
  // Unknown shape: keep it untouched.
  const entry = groups.length ? quantity(groups[0]) : { value: null };
  entry.raw = rawGroups(groups);
  return entry;
}

function logObject(groups: string[], skip: number, offset: number, occurred: boolean): ObisEntry | null {
  const entries: ObisLogEntry[] = [];
  const width = occurred ? 3 : 2;
  for (let i = skip; i + width <= groups.length; i += width) {
    const q = quantity(groups[i + width - 1]);
    // Every entry is its times and a measure: anything else is damage.
    if (!isTimestamp(groups[i]) || (occurred && !isTimestamp(groups[i + 1])) || !isMeasure(q)) return null;
    const e: ObisLogEntry = { time: dsmrTimestamp(groups[i], offset), value: typeof q.value === "number" ? q.value : null };
    if (occurred) e.occurred = dsmrTimestamp(groups[i + 1], offset);
    if (q.unit) e.unit = q.unit;
    entries.push(e);
  }
  return { value: entries.length, entries, raw: rawGroups(groups) };
}

/** DSMR 4+ sends text hex-encoded; DSMR 2.2/3 sends it plain. */
function textMessage(group: string): ObisEntry {
  if (group === "") return { value: null };
  const bytes = fromHex(group);
  if (!bytes) return { value: group };
  for (const b of bytes) if (b < 9 || b > 126) return { value: group };
  return { value: latin1(bytes), raw: group };
}
