// On the ESP32 the host's store is NVS flash: one write a second would wear its pages out within a
// few years. This store answers reads with the newest value at once and hands each key's newest
// value to the backing store at most once per interval, and on flush (stop, reboot). A power cut
// loses at most one interval. With a flash region the frame counters and publish cursors do not
// come here (app/flash-state.ts); without one (no history) they do, with that interval's window.
import type { KeyValueStore } from "../ports/ports.js";

const DELETED = null;

/** A KeyValueStore whose writes may wait: `tick` from the host's tick, `flush` at stop and reboot. */
export interface BufferedStore extends KeyValueStore {
  tick(nowMs: number): void;
  flush(nowMs: number): void;
}

export class WriteBehindStore implements BufferedStore {
  private readonly pending = new Map<string, string | typeof DELETED>();
  private lastFlush: number;

  constructor(private readonly backing: KeyValueStore, private readonly intervalMs: number, nowMs: number) {
    this.lastFlush = nowMs;
  }

  read(key: string): string | undefined {
    const value = this.pending.get(key);
    if (value === undefined) return this.backing.read(key);
    return value === DELETED ? undefined : value;
  }

  write(key: string, value: string): void {
    this.pending.set(key, value);
  }

  delete(key: string): void {
    this.pending.set(key, DELETED);
  }

  /** Writes what is pending once the interval has passed. */
  tick(nowMs: number): void {
    if (this.pending.size && nowMs - this.lastFlush >= this.intervalMs) this.flush(nowMs);
  }

  /** Writes everything pending now. */
  flush(nowMs: number): void {
    this.lastFlush = nowMs;
    for (const [key, value] of this.pending) {
      if (value === DELETED) this.backing.delete(key);
      else this.backing.write(key, value);
    }
    this.pending.clear();
  }
}
