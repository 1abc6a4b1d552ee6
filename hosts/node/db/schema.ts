// The database schema (docs/DATABASE.md), the same for SQLite and PostgreSQL: a readings table
// (one row per validated telegram, the full OBIS map as JSON) and one table per history stream,
// its columns taken from the record's `metertap history` JSON line. Times are UTC.
import type { StreamName } from "../../../modules/history/history.js";

export type Dialect = "sqlite" | "postgres";
type Kind = "time" | "json" | "text" | "real";

export interface ReadingRow {
  device: string;
  meterId: string | null;
  /** The meter's time, or the host's when the meter sent none (ISO UTC). */
  time: string;
  receivedAt: string;
  protocol: string;
  /** JSON of the reading's OBIS map. */
  obis: string;
}

export interface RecordRow {
  device: string;
  stream: StreamName;
  /** The record's `metertap history` line. */
  json: string;
}

interface Table {
  name: string;
  /** [JSON key, column, kind]; "*" is every key not listed. */
  columns: [string, string, Kind][];
  key: string[];
}

const START: [string, string, Kind] = ["start", "start_time", "time"];
const END: [string, string, Kind] = ["end", "end_time", "time"];
const FLAGS: [string, string, Kind] = ["flags", "flags", "json"];
const ENERGY: [string, string, Kind][] = [["delta", "delta", "json"], ["registers", "registers", "json"]];

export const TABLES: Record<StreamName, Table> = {
  "quarter-hour": { name: "quarter_hour", columns: [START, END, FLAGS, ...ENERGY], key: ["start_time"] },
  voltage: { name: "voltage", columns: [START, END, FLAGS, ["phases", "phases", "json"]], key: ["start_time"] },
  daily: { name: "daily", columns: [["day", "day", "text"], START, END, FLAGS, ...ENERGY], key: ["start_time"] },
  monthly: { name: "monthly", columns: [["month", "month", "text"], START, END, FLAGS, ...ENERGY], key: ["start_time"] },
  "max-demand": { name: "max_demand", columns: [["month", "month", "text"], START, END, ["power_w", "power_w", "real"]], key: ["month"] },
  events: { name: "events", columns: [["time", "time", "time"], ["type", "type", "text"], ["*", "detail", "json"]], key: ["time", "type"] },
};

const TYPES: Record<Dialect, Record<Kind, string>> = {
  sqlite: { time: "TEXT", json: "TEXT", text: "TEXT", real: "REAL" },
  postgres: { time: "TIMESTAMPTZ", json: "JSONB", text: "TEXT", real: "DOUBLE PRECISION" },
};

/** CREATE statements, safe to run on every start. */
export function ddl(d: Dialect): string[] {
  const t = TYPES[d];
  const out = [
    `CREATE TABLE IF NOT EXISTS readings (device TEXT NOT NULL, meter_id TEXT, time ${t.time} NOT NULL, received_at ${t.time} NOT NULL, protocol TEXT NOT NULL, obis ${t.json} NOT NULL)`,
    // Also makes a batch written twice (a commit whose acknowledgement was lost) one set of rows.
    "CREATE UNIQUE INDEX IF NOT EXISTS readings_device_time ON readings (device, time, received_at)",
    "CREATE INDEX IF NOT EXISTS readings_time ON readings (time)",
  ];
  for (const table of Object.values(TABLES)) {
    const cols = table.columns.map(([, c, k]) => `${c} ${t[k]}${table.key.includes(c) ? " NOT NULL" : ""}`);
    // The key makes a record delivered twice (at least once, as over MQTT) one row.
    out.push(`CREATE TABLE IF NOT EXISTS ${table.name} (device TEXT NOT NULL, ${cols.join(", ")}, PRIMARY KEY (device, ${table.key.join(", ")}))`);
    out.push(`CREATE INDEX IF NOT EXISTS ${table.name}_time ON ${table.name} (${table.columns[0][1] === "day" || table.columns[0][1] === "month" ? "start_time" : table.columns[0][1]})`);
  }
  return out;
}

/** A record's column values, in TABLES order after `device`. */
export function recordValues(row: RecordRow): unknown[] {
  const rec = JSON.parse(row.json) as Record<string, unknown>;
  const table = TABLES[row.stream];
  const named = new Set(table.columns.map(([k]) => k));
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rec)) if (!named.has(k) && k !== "stream") rest[k] = v;
  return [row.device, ...table.columns.map(([k, , kind]) => {
    const v = k === "*" ? rest : rec[k];
    return kind === "json" ? JSON.stringify(v ?? null) : v ?? null;
  })];
}

export function readingValues(r: ReadingRow): unknown[] {
  return [r.device, r.meterId, r.time, r.receivedAt, r.protocol, r.obis];
}

export const READING_COLUMNS = ["device", "meter_id", "time", "received_at", "protocol", "obis"];

export function recordColumns(stream: StreamName): string[] {
  return ["device", ...TABLES[stream].columns.map(([, c]) => c)];
}
