// The flash store is the outbox. Profile records and events are published from the history store
// in order, behind a persisted cursor per stream that advances only once a message is delivered
// (QoS 1: on PUBACK; QoS 0: once written). After an outage the same loop backfills everything
// recorded meanwhile, with original timestamps, up to the store's capacity. Delivery is at least
// once: a record sent but not acknowledged before a drop is sent again; its timestamp dedupes it.
import type { KeyValueStore, Publisher } from "../ports/ports.js";

export interface LogRecord<C> {
  /** Where the record lives in the store; the persisted cursor is the last delivered one's. */
  cursor: C;
  /** The message: the `metertap history` line. */
  json: string;
}

/** What the outbox needs of the history store. Cursors are opaque to it. */
export interface RecordLog<C> {
  /** Records of `stream` committed after `after` (null: from the oldest kept), oldest first. */
  readAfter(stream: string, after: C | null, limit: number): LogRecord<C>[];
  cursorToString(c: C): string;
  cursorFromString(s: string): C | null;
}

export interface OutboxStream {
  stream: string;
  topic: string;
}

export interface OutboxOptions {
  qos: 0 | 1;
  /** Messages in flight per stream (default 16). */
  window?: number;
  /** Prefix of the persisted cursor keys (default "pc-"): a second consumer (the database) has its own. */
  keyPrefix?: string;
}

/**
 * A moved cursor is written by `persist` (the host's tick), and at once when this many records
 * were delivered past the written one: what a crash makes the outbox send again is bounded in time
 * and in count (README, "Restarts and power cuts").
 */
const PERSIST_EVERY = 32;

interface InFlight<C> {
  cursor: C;
  done: boolean;
}

interface StreamState<C> extends OutboxStream {
  key: string;
  /** Last delivered record (persisted); null: nothing delivered yet. */
  cursor: C | null;
  /** Last handed to the network. */
  sent: C | null;
  inflight: InFlight<C>[];
  dirty: boolean;
  /** Records delivered past the written cursor. */
  unsaved: number;
}

export class Outbox<C> {
  readonly stats = { published: 0, lost: 0 };
  private readonly streams: StreamState<C>[];
  private readonly window: number;
  private generation = 0;
  private pumping = false;
  private again = false;

  constructor(
    private readonly log: RecordLog<C>,
    private readonly publisher: Publisher,
    streams: readonly OutboxStream[],
    private readonly options: OutboxOptions,
    private readonly store?: KeyValueStore,
  ) {
    this.window = options.window ?? 16;
    this.streams = streams.map((s) => {
      // ESP32 NVS keys are at most 15 characters: "pc-quarter-hour" just fits.
      const key = `${options.keyPrefix ?? "pc-"}${s.stream}`.slice(0, 15);
      const saved = store?.read(key);
      const cursor = saved ? log.cursorFromString(saved) : null;
      return { ...s, key, cursor, sent: cursor, inflight: [], dirty: false, unsaved: 0 };
    });
  }

  /** Delivered position per stream. */
  cursors(): Record<string, string | null> {
    const out: Record<string, string | null> = {};
    for (const s of this.streams) out[s.stream] = s.cursor && this.log.cursorToString(s.cursor);
    return out;
  }

  /** Messages handed to the network and not yet delivered. */
  get inflight(): number {
    let n = 0;
    for (const s of this.streams) n += s.inflight.length;
    return n;
  }

  /** True when every stored record has been delivered. */
  get idle(): boolean {
    return this.streams.every((s) => !s.inflight.length && !this.log.readAfter(s.stream, s.cursor, 1).length);
  }

  /** Publishes whatever the store holds past each stream's cursor, while connected. */
  pump(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.again = false;
        for (const s of this.streams) this.pumpStream(s);
      } while (this.again);
    } finally {
      this.pumping = false;
    }
  }

  /** The connection dropped: what was not acknowledged is sent again after the next connect. */
  disconnected(): void {
    this.generation++;
    for (const s of this.streams) {
      this.stats.lost += s.inflight.filter((m) => !m.done).length;
      s.inflight = [];
      s.sent = s.cursor;
    }
  }

  /** Writes the cursors that moved (the host calls this from tick, and at shutdown). */
  persist(): void {
    for (const s of this.streams) if (s.dirty) this.save(s);
  }

  private save(s: StreamState<C>): void {
    s.dirty = false;
    s.unsaved = 0;
    this.store?.write(s.key, this.log.cursorToString(s.cursor!));
  }

  private pumpStream(s: StreamState<C>): void {
    while (this.publisher.connected && s.inflight.length < this.window) {
      const records = this.log.readAfter(s.stream, s.sent, this.window - s.inflight.length);
      if (!records.length) return;
      for (const r of records) {
        const entry: InFlight<C> = { cursor: r.cursor, done: false };
        const generation = this.generation;
        s.inflight.push(entry);
        s.sent = r.cursor;
        const handed = this.publisher.publish(s.topic, r.json, { qos: this.options.qos }, (delivered) => {
          if (generation === this.generation && delivered) this.delivered(s, entry);
        });
        if (!handed) {
          s.inflight.pop();
          s.sent = s.inflight.length ? s.inflight[s.inflight.length - 1].cursor : s.cursor;
          return;
        }
      }
    }
  }

  private delivered(s: StreamState<C>, entry: InFlight<C>): void {
    entry.done = true;
    this.stats.published++;
    // The cursor moves over a contiguous run of delivered messages only: never past a gap.
    while (s.inflight.length && s.inflight[0].done) {
      s.cursor = s.inflight.shift()!.cursor;
      s.dirty = true;
      s.unsaved++;
    }
    if (s.unsaved >= PERSIST_EVERY) this.save(s);
    this.pump();
  }
}
