// COSEM push lists → OBIS values. Meters shape their lists four ways: structures of
// (OBIS, value, scaler-unit) (Aidon, Austrian Kaifa), flat OBIS/value runs with an optional list
// name (Kamstrup, Swedish Kaifa), self-described lists (capture objects, then values), and
// positional lists with no OBIS at all (Kaifa Norway, Iskra, the Slovenian ECE lists).
import type { ObisEntry, ObisMap } from "../reading/model.js";
import type { AxdrNode } from "./axdr.js";
import { ARRAY, BOOLEAN, DATE_TIME, ENUM, INTEGER, NULL_DATA, OCTET_STRING, STRUCTURE, UTF8_STRING, VISIBLE_STRING } from "./axdr.js";
import { dateTime, obisKey, octetText, scaled, unitName } from "./cosem.js";
import { POSITIONAL_LISTS, defaultScaling } from "./lists.js";
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
  if (readEntries(items, out, ctx) || readDescribed(items, out, ctx) || readPositional(items, out, ctx) || readFlat(items, out, ctx)) {
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

/** Aidon and Austrian Kaifa: every element is (OBIS, value) or (OBIS, value, scaler-unit). */
function readEntries(items: AxdrNode[], out: PushList, ctx: ListContext): boolean {
  for (const item of items) {
    const e = children(item);
    if (!e || (e.length !== 2 && e.length !== 3) || !isObis(e[0])) return false;
    if (e.length === 3 && !scalerUnit(e[2])) return false;
  }
  for (const item of items) {
    const e = item.value as AxdrNode[];
    put(out, e[0].value as Uint8Array, e[1], ctx, scalerUnit(e[2]));
  }
  return true;
}

/**
 * A self-described list: element 0 is the capture-object list, one (class, OBIS, attribute,
 * data index) structure per value that follows. The first descriptor may name the push setup
 * object (0-6:25.9.0) itself, which has no value in the list.
 */
function readDescribed(items: AxdrNode[], out: PushList, ctx: ListContext): boolean {
  const descriptors = children(items[0]);
  if (!descriptors || descriptors.length === 0) return false;
  for (const d of descriptors) {
    const f = children(d);
    if (!f || f.length !== 4 || !isObis(f[1])) return false;
  }
  let next = 1;
  const scaling = defaultScaling(undefined);
  for (let i = 0; i < descriptors.length; i++) {
    const obis = (descriptors[i].value as AxdrNode[])[1].value as Uint8Array;
    if (i === 0 && obisKey(obis) === "0-6:25.9.0") continue;
    if (next >= items.length) break; // a short list: the rest never came
    put(out, obis, items[next++], ctx, undefined, scaling);
  }
  return true;
}

/**
 * Kamstrup and Swedish Kaifa: OBIS, value, OBIS, value..., optionally led by a list name and with
 * a scaler-unit after a value. Elements outside pairs are the list name or its clock.
 */
function readFlat(items: AxdrNode[], out: PushList, ctx: ListContext): boolean {
  const name = items[0].tag === VISIBLE_STRING ? items[0].text : undefined;
  let pairs = 0;
  const scaling = defaultScaling(name ?? listName(items));
  for (let i = 0; i < items.length; i++) {
    if (isObis(items[i]) && i + 1 < items.length) {
      const su = scalerUnit(items[i + 2]);
      put(out, items[i].value as Uint8Array, items[i + 1], ctx, su, su ? undefined : scaling);
      i += su ? 2 : 1;
      pairs++;
    } else if ((items[i].tag === OCTET_STRING || items[i].tag === DATE_TIME) && (items[i].value as Uint8Array).length === 12) {
      out.time ??= dateTime(items[i].value as Uint8Array, 0, ctx.standardOffset);
    }
  }
  return pairs > 0;
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
