// The database sink against a real PostgreSQL (a private cluster) and a real SQLite file: one row
// per validated telegram with its OBIS map, each history record in its stream's table, equal to what
// the pipeline decoded and recorded; a PostgreSQL outage mid-run loses nothing.
import test from "ava";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import Database from "better-sqlite3";
import { startFleet } from "../hosts/node/fleet.js";
import { openDb } from "../hosts/node/db/sink.js";
import { QueuedSource } from "../hosts/node/byte-queue.js";
import { Dsmr5Generator } from "../hosts/node/dsmr-generator.js";
import { recordToJson, STREAMS } from "../modules/history/history.js";
import type { Reading } from "../modules/reading/model.js";
import { PrivatePostgres } from "./db/postgres.js";
import { START_MS, TELEGRAMS } from "./fleet-captures.js";
import { until } from "./mqtt/mosquitto.js";

const dir = mkdtempSync(join(tmpdir(), "metertap-db-"));
const noon = (s: string | Date) => new Date(s).toISOString().replace(".000Z", "Z");

interface Rows {
  readings: { device: string; time: string; obis: unknown }[];
  records: Record<string, Record<string, unknown>[]>;
}

/** Runs one meter through `dbUrl`; `outage` runs after the first 300 telegrams, `back` after the rest. */
async function run(dbUrl: string, outage?: () => void, back?: () => void) {
  const g = new Dsmr5Generator({ startMs: START_MS, intervalS: 10, meterId: "DB1" });
  const telegrams = Array.from({ length: TELEGRAMS }, () => g.next().bytes);
  const logs: string[] = [];
  const db = await openDb(dbUrl, (l) => logs.push(l));
  let source!: QueuedSource;
  const fleet = await startFleet({
    meters: [{ name: "db1", source: { kind: "stdin" }, config: { deviceId: "db1" }, loop: false }],
    brokerPort: 0,
    log: (l) => logs.push(l),
    openSource: () => (cb) => (source = new QueuedSource(cb)),
    db,
    tickMs: 50,
  });
  const fw = fleet.meters[0].firmware!;
  const seen: Reading[] = [];
  const onReading = fw.onReading!;
  fw.onReading = (r, p) => {
    seen.push(r);
    onReading(r, p);
  };
  await until(() => db.idle && logs.some((l) => l.startsWith("db: writing")), 10_000, "database up");
  for (const t of telegrams.slice(0, 300)) source.deliver(t);
  await until(() => db.stats.records >= 4, 10_000, "records before the outage");
  if (outage) {
    outage();
    for (const t of telegrams.slice(300)) source.deliver(t);
    await until(() => db.stats.failures > 0, 10_000, "a failed write");
    await new Promise((r) => setTimeout(r, 1500));
    back!();
  } else {
    for (const t of telegrams.slice(300)) source.deliver(t);
  }
  fw.endOfInput();
  t_assertDrained(await fleet.drain(30_000), logs);
  const expected = Object.fromEntries(STREAMS.map((s) => [s, [...fw.history!.store.query(s)].map((r) => JSON.parse(recordToJson(r)))]));
  await fleet.shutdown();
  return { seen, expected, logs, stats: db.stats };
}

function t_assertDrained(ok: boolean, logs: string[]): void {
  if (!ok) throw new Error(`not drained:\n${logs.join("\n")}`);
}

/** Each stream's rows as the `metertap history` line they came from (column → key). */
function asLine(stream: string, row: Record<string, unknown>): Record<string, unknown> {
  const time = (v: unknown) => noon(v as string);
  const json = (v: unknown) => (typeof v === "string" ? JSON.parse(v) : v);
  const out: Record<string, unknown> = { stream };
  if (row.day !== undefined) out.day = row.day;
  if (row.month !== undefined) out.month = row.month;
  if (stream === "events") return { stream, time: time(row.time), type: row.type, ...json(row.detail) };
  out.start = time(row.start_time);
  out.end = time(row.end_time);
  if (row.power_w !== undefined) out.power_w = row.power_w;
  for (const k of ["flags", "delta", "registers", "phases"]) if (row[k] !== undefined) out[k] = json(row[k]);
  return out;
}

const TABLE: Record<string, string> = { "quarter-hour": "quarter_hour", voltage: "voltage", daily: "daily", monthly: "monthly", "max-demand": "max_demand", events: "events" };

function check(t: any, result: Awaited<ReturnType<typeof run>>, rows: Rows): void {
  // One row per validated telegram, its OBIS map equal to the decoded one.
  t.is(result.seen.length, TELEGRAMS);
  t.is(rows.readings.length, TELEGRAMS);
  rows.readings.forEach((r, i) => {
    t.is(r.device, "db1");
    t.is(noon(r.time), result.seen[i].time);
    t.deepEqual(typeof r.obis === "string" ? JSON.parse(r.obis) : r.obis, result.seen[i].values);
  });
  t.is(result.expected["quarter-hour"].length, 7);
  // (Events are in commit order in flash, by time in the table.)
  const byTime = (a: { time: string }, b: { time: string }) => a.time.localeCompare(b.time);
  for (const s of STREAMS) t.deepEqual(rows.records[s].map((r) => asLine(s, r)), s === "events" ? result.expected[s].sort(byTime) : result.expected[s], s);
}

test.serial("SQLite file: readings and every stream's records equal what was decoded and recorded", async (t) => {
  const file = join(dir, "metertap.db");
  const result = await run(`sqlite:${file}`);
  const db = new Database(file, { readonly: true });
  const rows: Rows = {
    readings: db.prepare("SELECT * FROM readings ORDER BY time").all() as Rows["readings"],
    records: Object.fromEntries(STREAMS.map((s) => [s, db.prepare(`SELECT * FROM ${TABLE[s]} ORDER BY ${s === "events" ? "time" : "start_time"}`).all()])) as Rows["records"],
  };
  db.close();
  check(t, result, rows);
});

test.serial("PostgreSQL, stopped mid-run and restarted: nothing lost, nothing twice", async (t) => {
  const server = await PrivatePostgres.start();
  t.teardown(() => server.destroy());
  const result = await run(server.url, () => server.stop(), () => server.start());
  t.true(result.stats.failures > 0, "the outage was seen");
  t.true(result.logs.some((l) => /db: cannot write to postgres:\/\/127\.0\.0\.1:\d+\/postgres: ECONNREFUSED/.test(l)), result.logs.join("\n"));
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  const rows: Rows = {
    readings: (await client.query("SELECT * FROM readings ORDER BY time")).rows,
    records: {} as Rows["records"],
  };
  for (const s of STREAMS) rows.records[s] = (await client.query(`SELECT * FROM ${TABLE[s]} ORDER BY ${s === "events" ? "time" : "start_time"}`)).rows;
  // Time-range queries use the indexes the schema documents.
  const plan = await client.query("EXPLAIN SELECT * FROM quarter_hour WHERE device = 'db1' AND start_time >= now() - interval '1 day'");
  t.regex(plan.rows.map((r) => r["QUERY PLAN"]).join("\n"), /Index|Bitmap/);
  await client.end();
  check(t, result, rows);
});
