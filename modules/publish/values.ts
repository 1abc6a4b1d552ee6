// The retained per-entity topics `<base>/value/<key>` that Home Assistant reads. Retained, so an
// entity gets its last value when it subscribes: right after discovery, after a Home Assistant
// restart, and for registers a meter sends only hourly. A value goes out when it changed (at most
// once a second: a replayed capture or a fleet of meters must not flood the broker), and at least
// every `refreshMs` while the meter sends it (so `expire_after` sees a live measurement).
import type { Publisher } from "../ports/ports.js";
import type { Topics } from "./topics.js";

interface Sent {
  payload: string;
  at: number;
}

export class ValueTopics {
  private readonly sent = new Map<string, Sent>();
  /** Last payload per key, including those not yet sent (no connection, no identity yet). */
  private readonly latest = new Map<string, string>();

  constructor(private readonly refreshMs: number, private readonly minIntervalMs = 1000) {}

  /** Records what the meter just sent; `publish` sends it. */
  note(key: string, payload: string): void {
    this.latest.set(key, payload);
  }

  /** After a (re)connect the broker may have lost retained messages: send every value again. */
  reset(): void {
    this.sent.clear();
  }

  /**
   * Sends what changed, and the values of `keys` (this frame's) whose refresh is due. The host's
   * tick calls it with no keys, so a change held back by the one-second limit still goes out.
   */
  publish(publisher: Publisher, topics: Topics, keys: Iterable<string>, nowMs: number): void {
    const due = new Set(keys);
    for (const [key, payload] of this.latest) {
      const last = this.sent.get(key);
      if (last) {
        const age = nowMs - last.at;
        const send = last.payload === payload ? due.has(key) && age >= this.refreshMs : age >= this.minIntervalMs;
        if (!send) continue;
      }
      if (!publisher.publish(topics.value(key), payload, { retain: true })) return;
      this.sent.set(key, { payload, at: nowMs });
    }
  }
}
