// A PostgreSQL server (node-postgres). One connection at a time, re-opened after a failure; a batch
// is one transaction of multi-row inserts.
import pg from "pg";
import type { StreamName } from "../../../modules/history/history.js";
import { ddl, READING_COLUMNS, readingValues, recordColumns, recordValues, TABLES, type ReadingRow, type RecordRow } from "./schema.js";
import type { DbDriver } from "./sink.js";

const CHUNK = 500;

function insert(table: string, cols: string[], rows: unknown[][]): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const tuples = rows.map((r) => `(${r.map((v) => (values.push(v), `$${values.length}`)).join(", ")})`);
  return { text: `INSERT INTO ${table} (${cols.join(", ")}) VALUES ${tuples.join(", ")} ON CONFLICT DO NOTHING`, values };
}

export function postgresDriver(url: string, name: string): DbDriver {
  let client: pg.Client | undefined;
  const connect = async (): Promise<pg.Client> => {
    if (client) return client;
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
    // A dropped server connection is an 'error' event: the next write finds no client and reconnects.
    c.on("error", () => {
      if (client === c) client = undefined;
    });
    await c.connect();
    for (const s of ddl("postgres")) await c.query(s);
    client = c;
    return c;
  };
  return {
    name,
    async write(readings: ReadingRow[], records: RecordRow[]): Promise<void> {
      const c = await connect();
      try {
        await c.query("BEGIN");
        for (let i = 0; i < readings.length; i += CHUNK) {
          await c.query(insert("readings", READING_COLUMNS, readings.slice(i, i + CHUNK).map(readingValues)));
        }
        for (const stream of Object.keys(TABLES) as StreamName[]) {
          const rows = records.filter((r) => r.stream === stream).map(recordValues);
          for (let i = 0; i < rows.length; i += CHUNK) await c.query(insert(TABLES[stream].name, recordColumns(stream), rows.slice(i, i + CHUNK)));
        }
        await c.query("COMMIT");
      } catch (e) {
        client = undefined;
        c.end().catch(() => {});
        throw e;
      }
    },
    async close(): Promise<void> {
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
    },
  };
}
