// The embedded database: one SQLite file (better-sqlite3). Its calls are synchronous; a batch is one
// transaction of prepared inserts, a few milliseconds, between two ticks.
import Database from "better-sqlite3";
import { ddl, READING_COLUMNS, readingValues, recordColumns, recordValues, TABLES, type ReadingRow, type RecordRow } from "./schema.js";
import type { DbDriver } from "./sink.js";

export function sqliteDriver(path: string): DbDriver {
  let db: Database.Database | undefined;
  const open = (): Database.Database => {
    if (db) return db;
    const d = new Database(path);
    d.pragma("journal_mode = WAL");
    for (const s of ddl("sqlite")) d.exec(s);
    db = d;
    return d;
  };
  const insert = (table: string, cols: string[]) => `INSERT INTO ${table} (${cols.join(", ")}) VALUES (${cols.map(() => "?").join(", ")}) ON CONFLICT DO NOTHING`;
  return {
    name: `sqlite:${path}`,
    async write(readings: ReadingRow[], records: RecordRow[]): Promise<void> {
      const d = open();
      d.transaction(() => {
        const r = d.prepare(insert("readings", READING_COLUMNS));
        for (const row of readings) r.run(...readingValues(row));
        for (const row of records) {
          d.prepare(insert(TABLES[row.stream].name, recordColumns(row.stream))).run(...recordValues(row));
        }
      })();
    },
    async close(): Promise<void> {
      db?.close();
      db = undefined;
    },
  };
}
