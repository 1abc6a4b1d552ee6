// `metertap run --db URL`: every validated telegram as a row of `readings`, every history record as
// a row of its stream's table. Writes are batched (one transaction a tick at most), off the decoding
// path. History records go through a second Outbox per meter over the same flash history as MQTT,
// with its own persisted cursors ("db-<stream>"): while the database is down they wait in flash and
// are written, in order, once it is back. Readings (not kept in flash) wait in memory, up to a bound.
import type { Publisher, PublishOptions } from "../../../modules/ports/ports.js";
import type { Firmware } from "../../../modules/app/firmware.js";
import type { Reading } from "../../../modules/reading/model.js";
import type { StreamName } from "../../../modules/history/history.js";
import { Outbox } from "../../../modules/publish/outbox.js";
import { isoUtc } from "../../../modules/util/time.js";
import type { ReadingRow, RecordRow } from "./schema.js";
import { redactUrl } from "../mqtt-publisher.js";

export interface DbDriver {
  /** For messages: the URL without credentials. */
  name: string;
  /** Writes all rows in one transaction, or throws and writes none. */
  write(readings: ReadingRow[], records: RecordRow[]): Promise<void>;
  close(): Promise<void>;
}

/** Readings held in memory while the database is down (a day of one meter at 1/s); older ones are dropped and counted. */
const MAX_QUEUED_READINGS = 100_000;
/** Records handed over but not yet written; past it the outboxes wait (their records stay in flash). */
const MAX_PENDING_RECORDS = 5_000;

interface Pending {
  row: RecordRow;
  done?: (delivered: boolean) => void;
}

export class DbSink {
  readonly stats = { readings: 0, records: 0, droppedReadings: 0, failures: 0 };
  private up = false;
  private writing?: Promise<void>;
  private nextTry = 0;
  private backoffMs = 1000;
  private lastError = "";
  private readings: ReadingRow[] = [];
  private pending: Pending[] = [];
  private readonly outboxes: Outbox<unknown>[] = [];

  constructor(private readonly driver: DbDriver, private readonly log: (line: string) => void) {}

  get name(): string {
    return this.driver.name;
  }

  /** Gives a meter's readings and history to the database. */
  attach(fw: Firmware): void {
    const history = fw.history;
    const device = (): string => fw.topics?.deviceId ?? "unknown";
    const previous = fw.onReading;
    fw.onReading = (reading, published) => {
      this.reading(device(), reading);
      previous?.(reading, published);
    };
    if (!history) return;
    const channel: Publisher = {
      get connected() {
        return sink.up;
      },
      publish: (topic: string, payload: string, _o?: PublishOptions, done?: (delivered: boolean) => void): boolean => {
        if (!this.up || this.pending.length >= MAX_PENDING_RECORDS) return false;
        this.pending.push({ row: { device: device(), stream: topic as StreamName, json: payload }, done });
        return true;
      },
      subscribe() {},
    };
    const sink = this;
    // The "topic" of each stream is the stream name: the channel turns it into a table.
    const streams = history.streams.map((s) => ({ stream: s, topic: s }));
    this.outboxes.push(new Outbox(history, channel, streams, { qos: 1, keyPrefix: "db-", window: 64 }, fw.store) as Outbox<unknown>);
  }

  reading(device: string, r: Reading, nowMs = Date.now()): void {
    if (this.readings.length >= MAX_QUEUED_READINGS) {
      this.readings.shift();
      this.stats.droppedReadings++;
    }
    const received = isoUtc(nowMs);
    this.readings.push({ device, meterId: r.meterId, time: r.time ?? received, receivedAt: received, protocol: r.protocol, obis: JSON.stringify(r.values) });
  }

  /** True when nothing waits: no queued reading, no record in flash past a database cursor. */
  get idle(): boolean {
    return !this.writing && !this.readings.length && !this.pending.length && this.outboxes.every((o) => o.idle);
  }

  /** Called from the host's tick: pumps the outboxes and starts a write when none is running. */
  tick(nowMs = Date.now()): void {
    for (const o of this.outboxes) {
      o.pump();
      o.persist();
    }
    if (this.writing || nowMs < this.nextTry) return;
    if (!this.up || this.readings.length || this.pending.length) this.writing = this.write(nowMs).finally(() => (this.writing = undefined));
  }

  /** Writes what is queued (one last try), then persists the cursors and closes. */
  async close(): Promise<void> {
    await this.writing;
    this.nextTry = 0;
    this.tick();
    await this.writing;
    for (const o of this.outboxes) o.persist();
    await this.driver.close();
  }

  private async write(nowMs: number): Promise<void> {
    const readings = this.readings.splice(0);
    const pending = this.pending.splice(0);
    try {
      await this.driver.write(readings, pending.map((p) => p.row));
    } catch (e) {
      this.readings.unshift(...readings);
      this.failed(e, nowMs);
      return;
    }
    this.stats.readings += readings.length;
    this.stats.records += pending.length;
    this.backoffMs = 1000;
    if (!this.up) this.log(`db: writing to ${this.driver.name}`);
    this.up = true;
    this.lastError = "";
    // Each acknowledgement moves its stream's cursor and lets the outbox hand over more.
    for (const p of pending) p.done?.(true);
  }

  private failed(e: unknown, nowMs: number): void {
    this.stats.failures++;
    const text = `db: cannot write to ${this.driver.name}: ${(e as { code?: string }).code ?? (e as Error).message}; retrying, records wait in flash`;
    if (text !== this.lastError) this.log(text);
    this.lastError = text;
    this.up = false;
    this.pending = [];
    // Like an MQTT drop: what was handed over is handed over again from the persisted cursors.
    for (const o of this.outboxes) o.disconnected();
    this.nextTry = nowMs + this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, 30_000);
  }
}

/** `--db` / DATABASE_URL: `sqlite:FILE` or `postgres://…`. */
export async function openDb(url: string, log: (line: string) => void): Promise<DbSink> {
  if (url.startsWith("sqlite:")) {
    const { sqliteDriver } = await import("./sqlite.js");
    return new DbSink(sqliteDriver(url.slice("sqlite:".length).replace(/^\/\//, "")), log);
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    const { postgresDriver } = await import("./postgres.js");
    return new DbSink(postgresDriver(url, redactUrl(url)), log);
  }
  throw new Error("--db: use sqlite:FILE or postgres://user:pass@host/db");
}
