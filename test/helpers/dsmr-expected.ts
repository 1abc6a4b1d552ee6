// Adapters from the two DSMR corpus sources' assertion formats to checks on our decode output.
// Each returns the list of mismatches and counts the values it compared.
import type { DecodeResult, ObisEntry } from "../../modules/reading/model.js";
import { canonicalUnit } from "../../modules/reading/units.js";

export interface Comparison {
  compared: number;
  mismatches: string[];
}

/** ISO instants with any offset compare as instants. */
function sameInstant(a: string | null | undefined, b: string | null | undefined): boolean {
  if (a == null || b == null) return a == b;
  return Date.parse(a) === Date.parse(b);
}

function sameNumber(ours: unknown, theirs: string | number): boolean {
  return typeof ours === "number" && ours === Number(theirs);
}

/**
 * Where we differ from the source on purpose:
 * - the Fluvius spec example stamps 5 and 1 March with the summer flag (200305122139S,
 *   200301000000S); dsmr_parser ignores the flag, we honour it as DSMR says;
 * - dsmr_parser reads the hex text code 303132333435363738 as a number and loses its last digits.
 */
const KNOWN_DIVERGENCES = new Set([
  "BELGIUM_MAXIMUM_DEMAND_13_MONTHS[1].occurred",
  "BELGIUM_MAXIMUM_DEMAND_13_MONTHS[2].time",
  "TEXT_MESSAGE_CODE.value",
]);

/** ndokter/dsmr_parser: a list of named objects with obis_line_matched, value, unit, datetime. */
export function compareNdokter(result: DecodeResult, expected: any, obisByName: Map<string, string>): Comparison {
  const out: Comparison = { compared: 0, mismatches: [] };
  for (const v of ndokterValues(expected, obisByName)) {
    const obis: string | undefined = v.obis_line_matched?.split(" ")[0];
    if (!obis) {
      if (v.name === "len(parsed objects)") {
        out.compared++;
        if (Object.keys(result.values).length !== v.value) out.mismatches.push(`expected ${v.value} objects`);
      } else if (/CRC validation succeeds/.test(v.name)) {
        out.compared++;
        if (result.ok !== v.value) out.mismatches.push(`expected ok=${v.value}`);
      }
      continue;
    }
    const entry: ObisEntry | undefined = result.values[obis];
    const fail = (what: string) => out.mismatches.push(`${v.name} (${obis}): ${what}; ours ${JSON.stringify(entry)}`);
    if (!entry) {
      fail("missing");
      continue;
    }
    const index = /\[(\d+)\]$/.exec(v.name);
    if (v.buffer_length !== undefined) {
      out.compared++;
      if (entry.entries?.length !== v.buffer_length) fail(`expected ${v.buffer_length} entries`);
      continue;
    }
    if (index && entry.entries) {
      // A log entry: POWER_EVENT_FAILURE_LOG.buffer[i] or BELGIUM_MAXIMUM_DEMAND_13_MONTHS[i].
      const e = entry.entries[Number(index[1])];
      out.compared++;
      if (!e) fail("entry missing");
      else if (!sameNumber(e.value, v.value) || (!sameInstant(e.time, v.datetime) && !KNOWN_DIVERGENCES.has(v.name + ".time")) ||
        ("occurred" in v && !sameInstant(e.occurred, v.occurred) && !KNOWN_DIVERGENCES.has(v.name + ".occurred"))) {
        fail(`expected ${v.value} at ${v.datetime}${"occurred" in v ? ` occurred ${v.occurred}` : ""}`);
      } else if (v.unit && e.unit !== canonicalUnit(v.unit)) fail(`unit ${v.unit}`);
      continue;
    }
    out.compared++;
    if (!("value" in v) || KNOWN_DIVERGENCES.has(v.name + ".value")) {
      // Asserted present only (TEXT_MESSAGE_CODE without a value), or a known divergence.
      continue;
    }
    if (v.value_type === "datetime") {
      if (!sameInstant(entry.value as string, v.value)) fail(`expected ${v.value}`);
    } else if (v.value_type === "Decimal" || typeof v.value === "number") {
      if (!sameNumber(entry.value, v.value)) fail(`expected ${v.value}`);
      if (v.unit && entry.unit !== canonicalUnit(v.unit)) fail(`expected unit ${v.unit}`);
    } else if (v.value === null) {
      if (entry.value !== null) fail("expected null");
    } else if (entry.value !== v.value && entry.raw !== v.value && !sameDigits(entry.raw ?? entry.value, v.value)) {
      fail(`expected ${JSON.stringify(v.value)}`);
    }
    if (v.datetime !== undefined && !sameInstant(entry.time, v.datetime)) fail(`expected time ${v.datetime}`);
  }
  return out;
}

/** Numeric text compared as the source's float did ("0003" is 3). */
function sameDigits(ours: unknown, theirs: string): boolean {
  return /^\d+$/.test(String(ours)) && /^\d+$/.test(theirs) && Number(ours) === Number(theirs);
}

/** The `values` list, or the `to_json` form (names only) mapped to OBIS codes through the other cases. */
function ndokterValues(expected: any, obisByName: Map<string, string>): any[] {
  const list: any[] = [...expected.values];
  for (const { json } of expected.to_json ?? []) {
    for (const [name, v] of Object.entries<any>(json)) {
      const obis = obisByName.get(name);
      if (!obis) continue;
      if (Array.isArray(v)) v.forEach((e, i) => list.push({ name: `${name}[${i}]`, obis_line_matched: obis, ...e, value: String(e.value) }));
      else list.push({ name, obis_line_matched: obis, ...v, value_type: typeof v.value === "number" ? "Decimal" : v.value?.includes?.("T") ? "datetime" : undefined });
    }
  }
  return list;
}

/** Name → OBIS code, learnt from every ndokter case that states both. */
export function ndokterObisNames(cases: any[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const e of cases) for (const v of e.values) if (v.obis_line_matched) map.set(v.name.replace(/\[\d+\]$/, ""), v.obis_line_matched.split(" ")[0]);
  return map;
}

/**
 * athombv/node-dsmr-parser: every object's groups as the telegram carries them. Its timestamps are
 * the meter's local clock without zone, so ours (UTC) are compared after applying the S/W offset.
 */
export function compareAthombv(result: DecodeResult, expected: any): Comparison {
  const out: Comparison = { compared: 0, mismatches: [] };
  for (const v of expected.values as any[]) {
    const entry = result.values[v.obis];
    const groups: { value: string; unit?: string }[] = v.groups;
    out.compared++;
    const fail = (what: string) => out.mismatches.push(`${v.raw}: ${what}; ours ${JSON.stringify(entry)}`);
    if (!entry) {
      fail("missing");
      continue;
    }
    if (groups.length > 1) {
      const text = "(" + groups.map((g) => g.value + (g.unit !== undefined ? "*" + g.unit : "")).join(")(") + ")";
      if (entry.raw === text) continue;
      // Interpreted two-group objects: (timestamp)(value*unit).
      const [ts, q] = groups;
      if (groups.length === 2 && /^\d{12}[SW]$/.test(ts.value)) {
        if (!sameLocal(entry.time ?? null, ts.value)) fail(`time ${ts.value}`);
        if (!(sameNumber(entry.value, q.value) || (entry.value === null && q.value === ""))) fail(`value ${q.value}`);
        if ((q.unit === undefined ? undefined : canonicalUnit(q.unit)) !== entry.unit) fail(`unit ${q.unit}`);
        continue;
      }
      // Multi-line DSMR 2.2/3 gas header (captured)(00)(60)(1)(0-1:24.2.1)(m3); its value line is not in their groups.
      if (/^\d-\d:24\.3\.0$/.test(v.obis)) {
        if (!sameLocal(entry.time ?? null, groups[0].value) || entry.unit !== groups[5].value) fail("gas header");
        continue;
      }
      fail(`raw ${text}`);
      continue;
    }
    const g = groups[0];
    if (g.unit !== undefined) {
      // The unit in its one spelling; as sent, it stays in `raw`.
      const sent = `${g.value}*${g.unit}`;
      if (!sameNumber(entry.value, g.value) || entry.unit !== canonicalUnit(g.unit)) fail(`expected ${sent}`);
      if (entry.unit !== g.unit && entry.raw !== `(${sent})`) fail(`raw (${sent})`);
    } else if (g.value === "") {
      if (entry.value !== null) fail("expected empty");
    } else if (/^\d{12}[SW]$/.test(g.value)) {
      if (!sameLocal(entry.value as string | null, g.value)) fail(`expected ${g.value}`);
    } else if (!(entry.value === g.value || entry.raw === g.value || sameNumber(entry.value, g.value))) {
      fail(`expected ${g.value}`);
    }
  }
  return out;
}

/** Whether our UTC instant is the DSMR local timestamp `text` (CET/CEST), or both are invalid. */
function sameLocal(ours: string | null, text: string): boolean {
  const f = text.match(/\d\d/g)!.map(Number);
  const valid = f[1] >= 1 && f[1] <= 12 && f[2] >= 1 && f[2] <= 31 && f[3] < 24 && f[4] < 60 && f[5] < 60;
  if (!valid || ours === null) return ours === null && !valid;
  // Without an S/W flag (DSMR 2.2/3) the EU summer-time months decide; no case falls in March or October.
  const summer = text.endsWith("S") || (!text.endsWith("W") && f[1] >= 4 && f[1] <= 9);
  const offset = summer ? 120 : 60;
  const local = Date.UTC(2000 + f[0], f[1] - 1, f[2], f[3], f[4], f[5]);
  return Date.parse(ours) === local - offset * 60000;
}
