// COSEM push lists → OBIS values. Meters shape their lists three ways: lists that name each value
// by OBIS (structures, flat runs, or both), self-described lists (capture objects, then values),
// and positional lists with no OBIS at all (Kaifa Norway, Iskra, Slovenian ECE, Netz Burgenland),
// read only when their whole signature matches a known layout (lists.ts, docs/PUSH-LISTS.md).
import type { ObisEntry, ObisMap } from "../reading/model.js";
import type { AxdrNode } from "./axdr.js";
import { ARRAY, BOOLEAN, DATE_TIME, ENUM, INTEGER, NULL_DATA, OCTET_STRING, STRUCTURE, UTF8_STRING, VISIBLE_STRING } from "./axdr.js";
import { dateTime, obisKey, octetText, scaled, unitName } from "./cosem.js";
import { POSITIONAL_LISTS, defaultScaling, isPushSetup } from "./lists.js";
import type { Scaling } from "./lists.js";

export interface PushList {
  values: ObisMap;
  /** The list's own clock (a 0-0:1.0.0 value or an unnamed date-time), ISO UTC. */
  time?: string;
}

/** Options the list reader needs from the decoder. */
export interface ListContext {
  /** Minutes east of UTC for date-times whose deviation is unspecified. */
  standardOffset: number;
}

/** Reads a notification body; undefined when it has none of the known shapes. */
export function readPushList(body: AxdrNode, ctx: ListContext): PushList | undefined {
  const items = children(body);
  if (!items || items.length === 0) return undefined;
  const out: PushList = { values: {} };
  if (readNamed(items, out, ctx) || readDescribed(items, out, ctx) || readPositional(items, out, ctx)) {
    return out;
  }
  return undefined;
}

function children(n: AxdrNode | undefined): AxdrNode[] | undefined {
  return n && (n.tag === STRUCTURE || n.tag === ARRAY) ? (n.value as AxdrNode[]) : undefined;
}

function isObis(n: AxdrNode | undefined): boolean {
  return n !== undefined && n.tag === OCTET_STRING && (n.value as Uint8Array).length === 6;
}

function isText(n: AxdrNode): boolean {
  return n.tag === VISIBLE_STRING || n.tag === UTF8_STRING || n.tag === OCTET_STRING;
}

/** A (scaler, unit) structure: integer then enum. */
function scalerUnit(n: AxdrNode | undefined): { scaler: number; unit: number } | undefined {
  const su = children(n);
  if (!su || su.length !== 2 || su[0].tag !== INTEGER || su[1].tag !== ENUM) return undefined;
  return { scaler: su[0].value as number, unit: su[1].value as number };
}

/**
 * Lists that name every value: structures of (OBIS, value[, scaler-unit]) (Aidon, Austrian Kaifa),
 * flat OBIS, value[, scaler-unit] runs (Kamstrup, Swedish Kaifa, EVN), or both in one list (Kaifa
 * MA309 Netz NÖ: a bare 0-0:1.0.0 pair, then structures). Besides entries only a leading list name,
 * a leading clock and EVN's trailing meter number are known; any other element refuses the whole
 * list, so no value is ever taken from a place this reader did not understand.
 */
function readNamed(items: AxdrNode[], out: PushList, ctx: ListContext): boolean {
  const name = items[0].tag === VISIBLE_STRING ? items[0].text : listName(items);
  const scaling = defaultScaling(name);
  let entries = 0;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const e = entryOf(item);
    if (e) {
      put(out, e[0].value as Uint8Array, e[1], ctx, scalerUnit(e[2]));
      entries++;
    } else if (isObis(item) && i + 1 < items.length && !isList(items[i + 1])) {
      const su = scalerUnit(items[i + 2]);
      put(out, item.value as Uint8Array, items[i + 1], ctx, su, su ? undefined : scaling);
      i += su ? 2 : 1;
      entries++;
    } else if (i === 0 && item.tag === VISIBLE_STRING) {
      // The list name (Kamstrup): it chose the scalers above.
    } else if (i === 0 && isClockBytes(item) && dateTime(item.value as Uint8Array, 0, ctx.standardOffset)) {
      out.time = dateTime(item.value as Uint8Array, 0, ctx.standardOffset);
    } else if (i === items.length - 1 && entries > 0 && isMeterNumber(item)) {
      // EVN (Netz NÖ) ends its flat list with the meter number, without an OBIS code.
      out.values["0-0:96.1.0"] = { value: octetText(item.value as Uint8Array) };
    } else {
      return false;
    }
  }
  return entries > 0;
}

/** A (OBIS, value) or (OBIS, value, scaler-unit) structure. */
function entryOf(n: AxdrNode): AxdrNode[] | undefined {
  const e = n.tag === STRUCTURE ? children(n) : undefined;
  if (!e || (e.length !== 2 && e.length !== 3) || !isObis(e[0])) return undefined;
  return e.length === 2 || scalerUnit(e[2]) ? e : undefined;
}

function isList(n: AxdrNode): boolean {
  return n.tag === STRUCTURE || n.tag === ARRAY;
}

function isClockBytes(n: AxdrNode): boolean {
  return (n.tag === OCTET_STRING || n.tag === DATE_TIME) && (n.value as Uint8Array).length === 12;
}

/** Printable text of 8 to 20 characters, as meter numbers are. */
function isMeterNumber(n: AxdrNode): boolean {
  if (n.tag !== OCTET_STRING && n.tag !== VISIBLE_STRING) return false;
  const b = n.value as Uint8Array;
  return b.length >= 8 && b.length <= 20 && b.every((c) => c > 0x20 && c < 0x7f);
}

/**
 * A self-described list: element 0 is the capture-object list, one (class, OBIS, attribute, data
 * index) structure per element of the list, the first naming the list itself (attribute 2 of the
 * push setup, any instance 0-x:25.9.0). Some meters leave that first descriptor out, so the values
 * start one element later.
 */
function readDescribed(items: AxdrNode[], out: PushList, ctx: ListContext): boolean {
  const descriptors = children(items[0]);
  if (!descriptors || descriptors.length === 0) return false;
  for (const d of descriptors) {
    const f = children(d);
    if (!f || f.length !== 4 || !isObis(f[1])) return false;
  }
  const offset = isPushSetup((descriptors[0].value as AxdrNode[])[1].value as Uint8Array) ? 0 : 1;
  // More values than descriptors: we do not know which is which. Fewer: the tail never came (a
  // list cut short keeps its start aligned).
  if (items.length > descriptors.length + offset) return false;
  const scaling = defaultScaling(undefined);
  // With offset 0, descriptor 0 describes element 0, the descriptor list itself: no value.
  for (let i = 1 - offset; i + offset < items.length; i++) {
    put(out, (descriptors[i].value as AxdrNode[])[1].value as Uint8Array, items[i + offset], ctx, undefined, scaling);
  }
  return true;
}

/** The list name of a flat list that starts with the 1-x:0.2.129 list-version object. */
function listName(items: AxdrNode[]): string | undefined {
  if (items.length > 1 && isObis(items[0]) && obisKey(items[0].value as Uint8Array).endsWith(":0.2.129") && isText(items[1])) {
    return octetText(items[1].value as Uint8Array);
  }
  return undefined;
}

/** Lists without OBIS codes, recognised by their length and the type at each position. */
function readPositional(items: AxdrNode[], out: PushList, ctx: ListContext): boolean {
  for (const list of POSITIONAL_LISTS) {
    if (!list.matches(items)) continue;
    const scaling = defaultScaling(list.family);
    for (let i = 0; i < list.codes.length && i < items.length; i++) {
      const code = list.codes[i];
      if (code) put(out, code, items[i], ctx, undefined, scaling);
    }
    return true;
  }
  return false;
}

/** Adds one object; `su` is the meter's scaler-unit, `scaling` the list family's defaults. */
function put(out: PushList, obis: Uint8Array, v: AxdrNode, ctx: ListContext, su?: { scaler: number; unit: number }, scaling?: Scaling): void {
  const key = obisKey(obis);
  const entry = render(v, obis, key, ctx);
  if (entry === undefined) return;
  if (typeof entry.value === "number") {
    if (su) {
      entry.value = scaled(entry.value, su.scaler);
      const unit = unitName(su.unit);
      if (unit) entry.unit = unit;
    } else if (scaling) {
      const d = scaling(obis);
      if (d) {
        entry.value = scaled(entry.value, d.scaler);
        entry.unit = d.unit;
      }
    }
  }
  if (typeof entry.value === "string" && isClock(obis) && entry.value.length > 0 && out.time === undefined && entry.raw === undefined) {
    out.time = entry.value;
  }
  out.values[key] = entry;
}

/** 0-x:1.0.0, the clock object. */
function isClock(obis: Uint8Array): boolean {
  return obis[0] === 0 && obis[2] === 1 && obis[3] === 0 && obis[4] === 0;
}

function render(v: AxdrNode, obis: Uint8Array, key: string, ctx: ListContext): ObisEntry | undefined {
  switch (v.tag) {
    case NULL_DATA:
      return { value: null };
    case VISIBLE_STRING:
    case UTF8_STRING:
      return { value: v.text ?? "" };
    case BOOLEAN:
      return { value: v.value ? 1 : 0 };
    case OCTET_STRING:
    case DATE_TIME: {
      const b = v.value as Uint8Array;
      if (b.length === 12 && (v.tag === DATE_TIME || isClock(obis))) {
        const t = dateTime(b, 0, ctx.standardOffset);
        // An unusable date keeps its bytes, so nothing is lost and nothing is invented.
        return t === undefined ? { value: null, raw: octetText(b) } : { value: t };
      }
      // The active tariff (Slovenian lists) is a big-endian number in 1..2 octets.
      if (key === "0-0:96.14.0" && b.length > 0 && b.length <= 2) return { value: b.length === 2 ? (b[0] << 8) | b[1] : b[0] };
      return { value: octetText(b) };
    }
    case ARRAY:
    case STRUCTURE:
      return undefined;
    default:
      // A NaN or infinite float is no reading.
      if (typeof v.value !== "number") return undefined;
      return { value: Number.isFinite(v.value) ? v.value : null };
  }
}
