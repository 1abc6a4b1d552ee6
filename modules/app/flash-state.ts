// The firmware's runtime store when it has flash: publish cursors (`pc-<stream>`) and the DLMS
// frame counters (`dlms-ic`) go to the state log in the region's state blocks at every change;
// every other key (device id, settings) goes to the host's store through the write-behind cache.
// Raw flash is cheap to append to; the cache exists to spare NVS, not flash.
import type { Clock, FlashRegion } from "../ports/ports.js";
import { STREAMS, cursorFromString, cursorToString, defaultLayout, stateBlocks, type StreamName } from "../history/history.js";
import { StateLog } from "../history/state-log.js";
import { REPLAY_STORE_KEY } from "../security/replay.js";
import type { BufferedStore } from "./write-behind-store.js";
import { FirmwareHistory } from "./history.js";

const CURSOR_PREFIX = "pc-";

/**
 * The history and the runtime store a host's flash gives the firmware. A region written with
 * another layout is refused, never reinterpreted: then neither, and `behind` keeps the state.
 */
export function openFlash(ports: { flash?: FlashRegion; clock: Clock; log(line: string): void }, timeZone: string | undefined, behind: BufferedStore): { history?: FirmwareHistory; store: BufferedStore } {
  if (!ports.flash) return { store: behind };
  try {
    const history = new FirmwareHistory(ports.flash, ports.clock, timeZone);
    return { history, store: new FlashStateStore(ports.flash, behind) };
  } catch (e) {
    if ((e as Error).name !== "LayoutError") throw e;
    ports.log(`history: ${(e as Error).message}; running without history`);
    return { store: behind };
  }
}

export class FlashStateStore implements BufferedStore {
  readonly log: StateLog;
  /** Keys whose older copy in the host's store has been removed (it must not come back). */
  private readonly migrated = new Set<string>();

  constructor(flash: FlashRegion, private readonly backing: BufferedStore) {
    this.log = new StateLog(flash, stateBlocks(defaultLayout(flash.status().blocks)));
  }

  read(key: string): string | undefined {
    if (key === REPLAY_STORE_KEY) {
      // An image written before the state log: the host's store still has the counters.
      if (!this.log.counters.size) return this.backing.read(key);
      const out: Record<string, number> = {};
      for (const [title, counter] of this.log.counters) out[title] = counter;
      return JSON.stringify(out);
    }
    const stream = cursorStream(key);
    if (stream < 0) return this.backing.read(key);
    const c = this.log.cursors.get(stream);
    return c ? cursorToString(c) : this.backing.read(key);
  }

  write(key: string, value: string): void {
    const stream = cursorStream(key);
    const cursor = stream >= 0 ? cursorFromString(value) : null;
    if (key === REPLAY_STORE_KEY) this.writeCounters(value);
    else if (cursor) this.log.setCursor(stream, cursor);
    else return this.backing.write(key, value);
    this.migrate(key);
  }

  delete(key: string): void {
    if (key === REPLAY_STORE_KEY) this.log.forget();
    this.backing.delete(key);
  }

  tick(nowMs: number): void {
    this.backing.tick(nowMs);
  }

  flush(nowMs: number): void {
    this.backing.flush(nowMs);
  }

  /** The replay guard writes its whole table: append only the titles that changed or went. */
  private writeCounters(json: string): void {
    let next: Record<string, unknown>;
    try {
      next = JSON.parse(json);
    } catch {
      return;
    }
    for (const title of [...this.log.counters.keys()]) if (!(title in next)) this.log.forget(title);
    for (const title in next) {
      const counter = next[title];
      if (typeof counter !== "number" || !/^[0-9a-f]{16}$/.test(title)) continue;
      if (this.log.counters.get(title) !== counter) this.log.setCounter(title, counter);
    }
  }

  private migrate(key: string): void {
    if (this.migrated.has(key)) return;
    this.migrated.add(key);
    if (this.backing.read(key) !== undefined) this.backing.delete(key);
  }
}

/** The stream number a cursor key stands for (its index in STREAMS), or -1. */
function cursorStream(key: string): number {
  return key.startsWith(CURSOR_PREFIX) ? STREAMS.indexOf(key.slice(CURSOR_PREFIX.length) as StreamName) : -1;
}
