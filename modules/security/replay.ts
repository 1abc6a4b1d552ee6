// Replay protection: the last accepted invocation counter per system title, kept in the
// KeyValueStore so it survives a reboot. The store is the only copy (read on every check), so a
// reset made through another path (MQTT `reset-counter`, the CLI) takes effect at the next frame.
import type { KeyValueStore } from "../ports/ports.js";
import { toHex } from "../util/hex.js";

/** One store key (≤ 15 characters) holding {systemTitleHex: lastCounter}. */
export const REPLAY_STORE_KEY = "dlms-ic";
/** Titles kept; a genuine new meter evicts the one seen longest ago. */
export const MAX_TITLES = 16;

type Counters = Record<string, number>;

/** A KeyValueStore in RAM, for decoders that were given none (counters then last one run). */
export class MemoryStore implements KeyValueStore {
  private readonly map = new Map<string, string>();
  read(key: string): string | undefined {
    return this.map.get(key);
  }
  write(key: string, value: string): void {
    this.map.set(key, value);
  }
  delete(key: string): void {
    this.map.delete(key);
  }
}

function load(store: KeyValueStore): Counters {
  const text = store.read(REPLAY_STORE_KEY);
  if (!text) return {};
  try {
    const parsed = JSON.parse(text);
    const out: Counters = {};
    for (const k in parsed) if (typeof parsed[k] === "number") out[k] = parsed[k];
    return out;
  } catch {
    // A corrupt entry must not stop decoding; the next accepted frame rewrites it.
    return {};
  }
}

export class ReplayGuard {
  constructor(private readonly store: KeyValueStore = new MemoryStore()) {}

  /** The last accepted counter for this system title, or undefined for a title never accepted. */
  last(systemTitle: Uint8Array): number | undefined {
    return load(this.store)[toHex(systemTitle)];
  }

  /** True when `counter` is greater than the last accepted one (or the title is new). */
  isFresh(systemTitle: Uint8Array, counter: number): boolean {
    const last = this.last(systemTitle);
    return last === undefined || counter > last;
  }

  /** Records a counter once its frame validated. */
  accept(systemTitle: Uint8Array, counter: number): void {
    const counters = load(this.store);
    const title = toHex(systemTitle);
    delete counters[title];
    counters[title] = counter;
    const titles = Object.keys(counters);
    for (let i = 0; i < titles.length - MAX_TITLES; i++) delete counters[titles[i]];
    this.store.write(REPLAY_STORE_KEY, JSON.stringify(counters));
  }
}

/**
 * Forgets the last accepted counter of one system title (16 hex digits), or of every title when
 * none is given: after a meter swap or a meter whose counter restarted. Returns how many were forgotten.
 */
export function resetReplayCounters(store: KeyValueStore, systemTitleHex?: string): number {
  const counters = load(store);
  if (systemTitleHex === undefined) {
    store.delete(REPLAY_STORE_KEY);
    return Object.keys(counters).length;
  }
  const title = systemTitleHex.toLowerCase();
  if (!(title in counters)) return 0;
  delete counters[title];
  store.write(REPLAY_STORE_KEY, JSON.stringify(counters));
  return 1;
}
