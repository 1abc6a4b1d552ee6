// History downloads for the page and for users: each stream as JSON (an array of the
// `metertap history` records) or CSV, produced record by record so the dongle never holds a
// whole download in RAM.
import type { History, StreamName } from "../history/history.js";
import { recordToJson } from "../history/history.js";

/** The records of `stream` in [from, to) as a JSON array, in pieces. */
export function* historyJson(h: History, stream: StreamName, from: number, to: number): IterableIterator<string> {
  let first = true;
  yield "[";
  for (const r of h.query(stream, from, to)) {
    yield (first ? "" : ",\n") + recordToJson(r);
    first = false;
  }
  yield "]\n";
}

type Flat = Record<string, string | number>;

/** One record's JSON flattened to CSV columns: nested keys joined with "." ("delta.+A", "phases.0.min"). */
function flatten(value: unknown, prefix: string, out: Flat): Flat {
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) out[prefix] = value.join(" ");
  else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (typeof value === "string" || typeof value === "number") out[prefix] = value;
  return out;
}

function cell(v: string | number | undefined): string {
  if (v === undefined) return "";
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The records as CSV. Columns are the union of the keys the records carry, found in a first pass
 * over the same range (reading flash twice rather than keeping the records).
 */
export function* historyCsv(h: History, stream: StreamName, from: number, to: number): IterableIterator<string> {
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const r of h.query(stream, from, to)) {
    for (const k of Object.keys(flatten(JSON.parse(recordToJson(r)), "", {}))) {
      if (!seen.has(k)) {
        seen.add(k);
        columns.push(k);
      }
    }
  }
  yield columns.join(",") + "\n";
  for (const r of h.query(stream, from, to)) {
    const flat = flatten(JSON.parse(recordToJson(r)), "", {});
    yield columns.map((c) => cell(flat[c])).join(",") + "\n";
  }
}
