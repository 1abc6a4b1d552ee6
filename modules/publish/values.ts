// The retained per-entity topics `<base>/value/<key>` that Home Assistant reads. Retained, so an
// entity gets its last value when it subscribes: right after discovery, after a Home Assistant
// restart, and for registers a meter sends only hourly. A value goes out when it changed (at most
// once a second: a replayed capture or a fleet of meters must not flood the broker), and at least
// every `refreshMs` while the meter sends it (so `expire_after` sees a live measurement).
import type { Publisher } from "../ports/ports.js";
import { entityValue } from "./entities.js";
import type { Quantity } from "./quantities.js";
import type { Topics } from "./topics.js";

interface Sent {
  payload: string;
  at: number;
}

export class ValueTopics {
  private readonly sent = new Map<string, Sent>();
  /** Last payload per key, including those not yet sent (no connection, no identity yet). */
  private readonly latest = new Map<string, string>();
  /**
   * Keys whose latest payload is not on the broker. The host's tick only looks at these: with a
   * thousand meters in one process, a tick that walked every key of every meter cost more than
   * the decoding.
   */
  private readonly pending = new Set<string>();

  /** The number each key's latest payload was made from. */
  private readonly numbers = new Map<string, number>();

  constructor(private readonly refreshMs: number, private readonly minIntervalMs = 1000) {}

  /**
   * Records a quantity the meter just sent; `publish` sends it. A payload depends on its key and
   * number alone (`entityValue`), so it is only made again when the number changed: most of a
   * telegram's registers do not move from one second to the next.
   */
  noteQuantity(q: Quantity): void {
    if (this.numbers.get(q.key) === q.value) return;
    this.numbers.set(q.key, q.value);
    this.note(q.key, entityValue(q));
  }

  /** Records a value that is not a meter's quantity (the reader's diagnostics); `publish` sends it. */
  note(key: string, payload: string): void {
    // Unchanged: whether it is on the broker is unchanged too.
    if (this.latest.get(key) === payload) return;
    this.latest.set(key, payload);
    if (this.sent.get(key)?.payload === payload) this.pending.delete(key);
    else this.pending.add(key);
  }

  /** After a (re)connect the broker may have lost retained messages: send every value again. */
  reset(): void {
    this.sent.clear();
    for (const key of this.latest.keys()) this.pending.add(key);
  }

  /**
   * Sends what changed, and the values of `frame` (this frame's quantities) whose refresh is due.
   * The host's tick calls it with none, so a change held back by the one-second limit still goes out.
   */
  publish(publisher: Publisher, topics: Topics, frame: readonly { key: string }[], nowMs: number): void {
    for (const key of this.pending) {
      const last = this.sent.get(key);
      if (last && nowMs - last.at < this.minIntervalMs) continue;
      if (!this.send(publisher, topics, key, nowMs)) return;
    }
    for (const { key } of frame) {
      const last = this.sent.get(key);
      if (!last || this.pending.has(key) || nowMs - last.at < this.refreshMs) continue;
      if (!this.send(publisher, topics, key, nowMs)) return;
    }
  }

  private send(publisher: Publisher, topics: Topics, key: string, nowMs: number): boolean {
    const payload = this.latest.get(key)!;
    if (!publisher.publish(topics.value(key), payload, { retain: true })) return false;
    const last = this.sent.get(key);
    if (last) {
      last.payload = payload;
      last.at = nowMs;
    } else this.sent.set(key, { payload, at: nowMs });
    this.pending.delete(key);
    return true;
  }
}
