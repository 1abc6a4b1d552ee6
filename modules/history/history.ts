// Load-profile history in raw flash.
//
// API (what modules/app and modules/publish code against):
//
//   const history = new History(flash, clock, { timeZone: "Europe/Brussels" });
//     mounts the log stores in `flash` (an ECMA-419 embedded:storage/flash region, 4 KiB blocks)
//     and restores the open periods from the last records.
//   history.onReading(reading, nowMs?, steadyMs?) -> HistoryRecord[]
//     feeds one validated Reading (never a failed frame); returns the records this reading
//     closed, already committed to flash (quarter-hour, voltage, daily, monthly, max-demand,
//     events). nowMs is the host clock (default clock.now()); the meter's own timestamp wins.
//     steadyMs (default nowMs) is host time that never jumps: the meter clock's drift is measured
//     against it, so setting the host clock (SNTP) is no meter clock change.
//   history.onResult(result, nowMs?, steadyMs?) -> HistoryRecord[]
//     the same for a DecodeResult: ok results go to onReading, security info feeds
//     frame-counter-reset detection, failed results are ignored.
//   history.subscribe(listener) -> unsubscribe
//     listener(record: StoredRecord) for every record committed (publishing).
//   history.query(stream, fromMs?, toMs?) -> Iterable<StoredRecord>
//     stored records of one stream whose time (start, or event time) is in [fromMs, toMs), oldest first.
//   history.readAfter(stream, cursor | null, limit?) -> StoredRecord[]
//     records committed after `cursor` (null: from the oldest kept), oldest first: MQTT backfill.
//     Persist `record.cursor` ({seq, offset}) of the last record published; cursorToString /
//     cursorFromString give a compact form for a key-value store.
//   history.currentMaxDemand() -> { month, start, powerW } | null   this month's peak so far.
//   recordToJson(record) -> the `metertap history` JSON line (also the MQTT payload).
//   history.sealer = signer; history.sealed(stream?, fromMs?, toMs?, afterCounter?)
//     with a sealer, each signed record is stored with its signature; sealed() reads them back.
import type { Clock, FlashRegion } from "../ports/ports.js";
import type { DecodeResult, Reading } from "../reading/model.js";
import { HEADER_BYTES, LogStore, MAX_PAYLOAD, RECORD_OVERHEAD } from "./log-store.js";
import { Recorder, type RecorderOptions } from "./recorder.js";
import { appendRecord, blockRangeDraft, blockRangeOf, decodeRecord, decodeSealPart, isTimeless, recordTime, sealDrafts, storedForm, STORE_OF, type BlockRange, type Chain, type StoreId } from "./codec.js";
import type { Cursor, EventRecord, HistoryRecord, MaxDemandRecord, RecordSealer, Seal, SealContext, StoredRecord, StreamName } from "./records.js";
import { serialDiff } from "./serial.js";

export * from "./records.js";
export type { RecorderOptions, VoltageLimits } from "./recorder.js";

/** Blocks of the region given to each store, in region order. Defaults fit a 1 MiB region. */
export interface Layout {
  profile: number;
  voltage: number;
  billing: number;
  /** Events have their own store: no number of them can push out a billing record. */
  events: number;
  /** Runtime state (publish cursors, frame counters): modules/app/flash-state.ts, after the history's. */
  state: number;
}

const STORE_IDS: Record<StoreId, number> = { profile: 1, voltage: 2, billing: 3, events: 4 };
const STORE_ORDER: readonly StoreId[] = ["profile", "voltage", "billing", "events"];

export interface HistoryOptions extends RecorderOptions {
  layout?: Layout;
}

/** Splits a region: 75% quarter-hour profile, the rest voltage, billing, events and state. */
export function defaultLayout(blocks: number): Layout {
  if (blocks < 11) throw new RangeError("history needs at least 11 flash blocks");
  const billing = Math.max(2, Math.round(blocks * 0.0625));
  const voltage = Math.max(2, Math.round(blocks * 0.125));
  const events = Math.max(2, Math.round(blocks * 0.03125));
  const state = Math.max(3, Math.round(blocks * 0.03125));
  return { profile: blocks - billing - voltage - events - state, voltage, billing, events, state };
}

/** First block of the state store in a region of this layout. */
export function stateBlocks(layout: Layout): { firstBlock: number; blocks: number } {
  return { firstBlock: layout.profile + layout.voltage + layout.billing + layout.events, blocks: layout.state };
}

export function cursorToString(c: Cursor): string {
  return c.seq.toString(16) + ":" + c.offset.toString(16);
}

export function cursorFromString(s: string): Cursor | null {
  const m = /^([0-9a-f]{1,8}):([0-9a-f]{1,4})$/.exec(s);
  return m ? { seq: parseInt(m[1], 16), offset: parseInt(m[2], 16) } : null;
}

type Listener = (record: StoredRecord) => void;

/** The head block's span of record times; `whole` while every record in it is counted in. */
interface HeadRange extends BlockRange {
  whole: boolean;
}

/**
 * Where a block's range sits: among the first records of the next block, as one program put them
 * there (a record, its signer context and signature, the range), each at most a full record.
 */
const RANGE_AMONG = { count: 4, bytes: HEADER_BYTES + 4 * (MAX_PAYLOAD + RECORD_OVERHEAD) };

export class History {
  private readonly stores: Record<StoreId, LogStore>;
  private readonly recorder: Recorder;
  private readonly listeners: Listener[] = [];
  /**
   * Records committed, records lost because the flash refused them, and records the sealer could
   * not sign (stored unsigned): counted, never thrown.
   */
  readonly stats = { records: 0, writeErrors: 0, sealErrors: 0, lastSealError: null as string | null };
  /** Signs committed records (quarter-hour, daily, monthly); their seals are stored right after them. */
  sealer?: RecordSealer;
  /** The highest record counter in the head blocks the mount read: a floor for the next one. */
  readonly mountedCounter: number = 0;
  /** Per store: the block and the signer context last written in it (a block carries its own). */
  private readonly contexts: Partial<Record<StoreId, { seq: number; key: string }>> = {};
  /** Each store's delta chain as its writer left it (restored from the head block the mount read). */
  private readonly chains: Record<StoreId, { chain: Chain | null }> = { profile: { chain: null }, voltage: { chain: null }, billing: { chain: null }, events: { chain: null } };
  /** Each store's head block range, written at the start of the next block when one opens. */
  private readonly ranges: Record<StoreId, HeadRange | null> = { profile: null, voltage: null, billing: null, events: null };

  constructor(flash: FlashRegion, private readonly clock: Clock, options: HistoryOptions = {}) {
    const { blocks } = flash.status();
    const layout = options.layout ?? defaultLayout(blocks);
    if (stateBlocks(layout).firstBlock + layout.state > blocks) throw new RangeError("layout exceeds the flash region");
    const stores = {} as Record<StoreId, LogStore>;
    let first = 0;
    for (const id of STORE_ORDER) {
      stores[id] = new LogStore(flash, { firstBlock: first, blocks: layout[id], storeId: STORE_IDS[id] });
      first += layout[id];
    }
    this.stores = stores;
    for (const id of STORE_ORDER) {
      const head = this.stores[id].head;
      const range: HeadRange | null = head && { seq: head.seq, min: Infinity, max: -Infinity, whole: true };
      for (const raw of this.stores[id].takeMountedHead()) {
        const rec = decodeRecord(raw, this.chains[id]);
        // A damaged record (before this one), or one this version does not decode (a later
        // format's, which a later version would look for): its time is not known.
        if (range && (raw.afterDamage || (!rec && !isTimeless(raw)))) range.whole = false;
        if (range && rec) widen(range, recordTime(rec));
        const part = decodeSealPart(raw);
        if (part && "counter" in part) this.mountedCounter = Math.max(this.mountedCounter, part.counter);
      }
      this.ranges[id] = range;
    }
    this.recorder = new Recorder(options, {
      last: (stream, match) => this.last(stream, match),
      recent: (stream, from) => this.recent(stream, from),
    });
  }

  /** Bytes the mount read (all stores), all the constructor reads: the figure the format bounds. */
  get mountBytesRead(): number {
    return STORE_ORDER.reduce((n, id) => n + this.stores[id].mountBytesRead, 0);
  }

  /** Damaged records the reads so far skipped (each costs that record; `metertap history` and diag report it). */
  get damagedRecords(): number {
    return STORE_ORDER.reduce((n, id) => n + this.stores[id].damaged, 0);
  }

  onReading(reading: Reading, nowMs: number = this.clock.now(), steadyMs = nowMs): HistoryRecord[] {
    return this.commit(this.recorder.onReading(reading, nowMs, steadyMs));
  }

  /** Only a validated result reaches the recorder: a refused frame (CRC, tag, replay) feeds nothing. */
  onResult(result: DecodeResult, nowMs: number = this.clock.now(), steadyMs = nowMs): HistoryRecord[] {
    if (!result.ok || !result.reading) return [];
    if (!result.security) return this.onReading(result.reading, nowMs, steadyMs);
    const out: HistoryRecord[] = [];
    out.push(...this.commit(this.recorder.onSecurity(result.security, result.time ?? result.reading.time, nowMs)));
    out.push(...this.onReading(result.reading, nowMs, steadyMs));
    return out;
  }

  /** Commits an event the host observed (the meter link's `link-lost`, say). */
  onEvent(event: EventRecord): HistoryRecord[] {
    return this.commit([event]);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  currentMaxDemand(): MaxDemandRecord | null {
    return this.recorder.currentMaxDemand();
  }

  /**
   * Records of `stream` with times in [fromMs, toMs), in store order; events, stored in the order
   * they were detected, sorted by time (stable).
   */
  *query(stream: StreamName, fromMs = -Infinity, toMs = Infinity): IterableIterator<StoredRecord> {
    const found = this.inRange(stream, fromMs, toMs);
    yield* stream === "events" ? [...found].sort((a, b) => recordTime(a) - recordTime(b)) : found;
  }

  /**
   * A block whose range (at the start of the next block) lies outside [fromMs, toMs) is passed by
   * unread: the last day of a year of quarter-hours reads a block or two, not the store.
   */
  private *inRange(stream: StreamName, fromMs: number, toMs: number): IterableIterator<StoredRecord> {
    const bounded = fromMs > -Infinity || toMs < Infinity;
    const blocks = [...this.stores[STORE_OF[stream]].liveBlocks()];
    for (let i = 0; i < blocks.length; i++) {
      const range = bounded && i + 1 < blocks.length ? blockRangeOf(blocks[i + 1].records(RANGE_AMONG), blocks[i].seq) : null;
      if (range && (range.max < fromMs || range.min >= toMs)) continue;
      const state = { chain: null as Chain | null };
      for (const raw of blocks[i].records()) {
        const rec = decodeRecord(raw, state);
        if (rec && rec.stream === stream && recordTime(rec) >= fromMs && recordTime(rec) < toMs) yield Object.assign(rec, { cursor: raw.cursor });
      }
    }
  }

  readAfter(stream: StreamName, cursor: Cursor | null, limit = Infinity): StoredRecord[] {
    const out: StoredRecord[] = [];
    for (const r of this.records(stream, cursor)) {
      if (out.length >= limit) break;
      out.push(r);
    }
    return out;
  }

  private *records(stream: StreamName, after: Cursor | null): IterableIterator<StoredRecord> {
    const state = { chain: null as Chain | null };
    // Delta records decode against their block's earlier records: read the cursor's whole block.
    for (const raw of this.stores[STORE_OF[stream]].records(after && { seq: after.seq, offset: -1 })) {
      const rec = decodeRecord(raw, state);
      if (after && raw.cursor.seq === after.seq && raw.cursor.offset <= after.offset) continue;
      if (rec && rec.stream === stream) yield Object.assign(rec, { cursor: raw.cursor });
    }
  }

  /**
   * Signed records with their seals, oldest first by record counter (the quarter-hours and the
   * billing records live in two stores: merged). Optionally one stream, starts in [fromMs, toMs),
   * counters above `afterCounter`.
   */
  *sealed(stream?: StreamName, fromMs = -Infinity, toMs = Infinity, afterCounter = 0): IterableIterator<{ record: HistoryRecord; seal: Seal }> {
    const ids: StoreId[] = stream ? [STORE_OF[stream]] : ["profile", "billing"];
    const sources = ids.map((id) => this.sealedIn(id, afterCounter));
    const heads = sources.map((it) => it.next());
    for (;;) {
      let pick = -1;
      heads.forEach((h, i) => {
        if (!h.done && (pick < 0 || h.value.seal.counter < (heads[pick].value as { seal: Seal }).seal.counter)) pick = i;
      });
      if (pick < 0) return;
      const item = heads[pick].value as { record: HistoryRecord; seal: Seal };
      heads[pick] = sources[pick].next();
      const start = (item.record as { start: number }).start;
      if ((!stream || item.record.stream === stream) && start >= fromMs && start < toMs && item.seal.counter > afterCounter) yield item;
    }
  }

  /**
   * A store's sealed records: a signature belongs to the record right before it in its block.
   * Counters rise block by block, so reading starts at the newest block whose first signature is
   * not above `afterCounter`: paging through an export (MQTT) reads a block or two, not the store.
   */
  private *sealedIn(id: StoreId, afterCounter: number): IterableIterator<{ record: HistoryRecord; seal: Seal }> {
    let from: Cursor | null = null;
    if (afterCounter > 0) {
      for (const block of this.stores[id].blocksNewestFirst()) {
        if (!block.length) continue;
        from = { seq: block[0].cursor.seq, offset: -1 };
        const first = block.map(decodeSealPart).find((p) => p && "counter" in p) as { counter: number } | undefined;
        if (first && first.counter <= afterCounter) break;
      }
    }
    const state = { chain: null as Chain | null };
    let prev: { record: HistoryRecord | null; seq: number } | null = null;
    let context: { value: SealContext; seq: number } | null = null;
    for (const raw of this.stores[id].records(from)) {
      const rec = decodeRecord(raw, state);
      // After damage, what the signature followed is unknown.
      if (raw.afterDamage) prev = context = null;
      const part = decodeSealPart(raw);
      if (part && !("counter" in part)) context = { value: part, seq: raw.cursor.seq };
      else if (part) {
        if (prev?.record && prev.seq === raw.cursor.seq && context?.seq === raw.cursor.seq) {
          yield { record: prev.record, seal: { counter: part.counter, signature: part.signature, context: context.value } };
        }
        prev = null;
      } else prev = { record: rec, seq: raw.cursor.seq };
    }
  }

  /**
   * Records of a stream, reading blocks newest first and stopping after the first block that
   * starts before `fromMs`: what a restart needs, without reading the whole store.
   */
  private *recent(stream: StreamName, fromMs: number): IterableIterator<HistoryRecord> {
    for (const block of this.stores[STORE_OF[stream]].blocksNewestFirst()) {
      const state = { chain: null as Chain | null };
      let first = Infinity;
      for (const raw of block) {
        const rec = decodeRecord(raw, state);
        if (!rec) continue;
        first = Math.min(first, rec.stream === "events" ? rec.time : rec.start);
        if (rec.stream === stream) yield rec;
      }
      if (first < fromMs) return;
    }
  }

  /** The newest record of a stream (that `match` accepts), reading blocks newest first. */
  private last(stream: StreamName, match?: (r: HistoryRecord) => boolean): HistoryRecord | null {
    for (const block of this.stores[STORE_OF[stream]].blocksNewestFirst()) {
      const state = { chain: null as Chain | null };
      let found: HistoryRecord | null = null;
      for (const raw of block) {
        const rec = decodeRecord(raw, state);
        if (rec && rec.stream === stream && (!match || match(rec))) found = rec;
      }
      if (found) return found;
    }
    return null;
  }

  /** The sealer's seal of `rec`; a signing failure costs the signature, never the record. */
  private seal(rec: HistoryRecord): Seal | null {
    if (!this.sealer) return null;
    try {
      return this.sealer.seal(storedForm(rec));
    } catch (e) {
      if ((e as Error).name === "PowerLoss") throw e;
      this.stats.sealErrors++;
      this.stats.lastSealError = (e as Error).message;
      return null;
    }
  }

  private commit(records: HistoryRecord[]): HistoryRecord[] {
    const committed: HistoryRecord[] = [];
    for (const rec of records) {
      const id = STORE_OF[rec.stream];
      let cursor: Cursor;
      try {
        const seal = this.seal(rec);
        const key = seal && JSON.stringify(seal.context);
        const written = this.contexts[id];
        const range = this.ranges[id];
        cursor = appendRecord(this.stores[id], rec, this.chains[id], (seq, fresh) => {
          const drafts = seal ? sealDrafts(seal, !(written?.seq === seq && written.key === key)) : [];
          // The block before is complete once a record opens the next: its range goes there.
          if (fresh && range && range.whole && range.seq !== seq && range.min >= 0 && range.min <= range.max) drafts.push(blockRangeDraft(range));
          return drafts;
        });
        if (seal) this.contexts[id] = { seq: cursor.seq, key: key! };
        const t = recordTime(rec);
        if (range && range.seq === cursor.seq) widen(range, t);
        else this.ranges[id] = { seq: cursor.seq, min: t, max: t, whole: cursor.offset === HEADER_BYTES };
      } catch (e) {
        if ((e as Error).name === "PowerLoss") throw e; // the simulated device is off
        this.stats.writeErrors++;
        continue;
      }
      this.stats.records++;
      committed.push(rec);
      const stored = Object.assign({}, rec, { cursor }) as StoredRecord;
      for (const l of this.listeners.slice()) l(stored);
    }
    return committed;
  }
}

function widen(range: BlockRange, t: number): void {
  range.min = Math.min(range.min, t);
  range.max = Math.max(range.max, t);
}

function isAfter(c: Cursor, ref: Cursor): boolean {
  const d = serialDiff(c.seq, ref.seq);
  return d > 0 || (d === 0 && c.offset > ref.offset);
}
