// The firmware's view of the flash history: closed records in, the outbox and the `history`
// command out. A thin adapter, so publish/ stays independent of the record format.
import type { Clock, FlashRegion } from "../ports/ports.js";
import type { DecodeResult } from "../reading/model.js";
import type { LogRecord, RecordLog } from "../publish/outbox.js";
import { History, STREAMS, cursorFromString, cursorToString, recordToJson, type Cursor, type EventType, type StreamName } from "../history/history.js";

export class FirmwareHistory implements RecordLog<Cursor> {
  readonly streams: readonly string[] = STREAMS;
  readonly store: History;
  readonly counts = { records: 0 };

  constructor(flash: FlashRegion, clock: Clock, timeZone?: string) {
    this.store = new History(flash, clock, timeZone ? { timeZone } : {});
  }

  /** Feeds every decode result; returns how many records it closed (already in flash). */
  onResult(result: DecodeResult, nowMs: number, steadyMs: number): number {
    const n = this.store.onResult(result, nowMs, steadyMs).length;
    this.counts.records += n;
    return n;
  }

  /** Records an event at host time `nowMs`; returns how many records it closed. */
  onEvent(type: EventType, nowMs: number): number {
    const n = this.store.onEvent({ stream: "events", time: nowMs, type }).length;
    this.counts.records += n;
    return n;
  }

  readAfter(stream: string, after: Cursor | null, limit: number): LogRecord<Cursor>[] {
    return this.store.readAfter(stream as StreamName, after, limit).map((r) => ({ cursor: r.cursor, json: recordToJson(r) }));
  }

  /** `metertap history` lines of `stream` with times in [fromMs, toMs), oldest first, at most `limit`. */
  query(stream: string, fromMs: number, toMs: number, limit: number): string[] {
    const out: string[] = [];
    for (const r of this.store.query(stream as StreamName, fromMs, toMs)) {
      if (out.length >= limit) break;
      out.push(recordToJson(r));
    }
    return out;
  }

  cursorToString(c: Cursor): string {
    return cursorToString(c);
  }

  cursorFromString(s: string): Cursor | null {
    return cursorFromString(s);
  }
}
