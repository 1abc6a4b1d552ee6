// Home Assistant discovery as the firmware sends it: the quantities the meter has shown and its
// maker and model, announced once per connect, HA birth, new meter fact and growth of the set,
// and made one config at a time as the link takes them.
import type { Publisher } from "../ports/ports.js";
import type { Reading } from "../reading/model.js";
import type { Topics } from "../publish/topics.js";
import type { Quantity } from "../publish/quantities.js";
import { discoveryMessages, diagnosticMessages, type DeviceInfo, type DiscoveryMessage, type MeterInfo } from "../publish/discovery.js";
import { DIAG_ENTITIES } from "../publish/diag-entities.js";
import { installation } from "../publish/entities.js";
import { meterInfo, sameMeterInfoSource } from "../publish/meter-info.js";

export interface AnnouncerOptions {
  expireAfterS: number;
  /** The metertap reader as Home Assistant shows it (model, software version, local page). */
  device?: Partial<DeviceInfo>;
  /** The reader's diagnostics now: their entities are announced once they have a value. */
  diag(): Record<string, unknown>;
}

export class Announcer {
  private readonly known: Quantity[] = [];
  private readonly knownKeys = new Set<string>();
  /** The previous reading, whose meter facts were read (or were the same as the one before). */
  private meterSource: Reading | null = null;
  private readonly meter: MeterInfo = {};
  /** Quantities covered by the last announcement; -1: nothing announced on this connection. */
  private announcedCount = -1;
  /** Whether the last announcement presented an installation that exports (it changes names). */
  private announcedExports = false;
  /** Diagnostic entities the last announcement covered (some appear with their first value). */
  private announcedEntities = 0;
  /**
   * Discovery of the last announcement that the publisher has not taken yet (a backed-up link
   * refuses): configs are made as they go out (`refused`: the one the link did not take).
   */
  private announcing: Iterator<DiscoveryMessage>[] = [];
  private refused: DiscoveryMessage | undefined;

  constructor(private readonly options: AnnouncerOptions) {}

  /** Maker and model as the meter's frames tell them; a new fact is announced anew. */
  noteMeter(reading: Reading): void {
    // Facts are only ever added: the same source as the previous reading's adds none.
    const same = sameMeterInfoSource(reading, this.meterSource);
    this.meterSource = reading;
    if (same) return;
    const info = meterInfo(reading);
    let fresh = false;
    for (const k in info) {
      const key = k as keyof MeterInfo;
      if (this.meter[key] || !info[key]) continue;
      this.meter[key] = info[key];
      fresh = true;
    }
    if (fresh) this.announcedCount = -1;
  }

  /** Remembers every quantity the meter has sent, so discovery covers them all. */
  noteQuantities(qs: readonly Quantity[]): void {
    for (const q of qs) {
      if (this.knownKeys.has(q.key)) continue;
      this.knownKeys.add(q.key);
      this.known.push(q);
    }
  }

  /** The next announcement covers everything (a new connection, or Home Assistant's birth). */
  forget(): void {
    this.announcedCount = -1;
  }

  /**
   * Queues what changed since the last announcement. The reader's diagnostics go out before any
   * frame decodes, so a wrong key shows.
   */
  announce(topics: Topics): void {
    if (this.known.length === this.announcedCount) return;
    const exports = installation(this.known).exports;
    const options = { expireAfterS: this.options.expireAfterS };
    const diag = this.options.diag();
    const entities = DIAG_ENTITIES.filter((e) => e.value(diag) !== undefined);
    const reader: DeviceInfo = { name: `metertap ${topics.deviceId}`, manufacturer: "metertap", ...this.options.device };
    if (this.announcedCount >= 0 && exports === this.announcedExports) {
      // Only what is new: the configs already sent still hold. On the dongle, rebuilding all of
      // them stalled the reader for seconds when the first quarter-hour added the totals.
      this.announcing.push(discoveryMessages(this.known, topics, this.meter, { ...options, from: this.announcedCount }));
      if (entities.length !== this.announcedEntities) this.announcing.push(diagnosticMessages(entities, topics, reader));
    } else {
      this.announcing = [discoveryMessages(this.known, topics, this.meter, options), diagnosticMessages(entities, topics, reader)];
      this.refused = undefined;
    }
    this.announcedCount = this.known.length;
    this.announcedExports = exports;
    this.announcedEntities = entities.length;
  }

  /** Sends queued configs as fast as the link takes them; one it refuses waits for the next call. */
  send(publisher: Publisher): void {
    for (;;) {
      let m = this.refused;
      if (!m) {
        if (!this.announcing.length) return;
        const next = this.announcing[0].next();
        if (next.done) {
          this.announcing.shift();
          continue;
        }
        m = next.value;
      }
      this.refused = publisher.publish(m.topic, m.payload, { retain: true, qos: 1 }) ? undefined : m;
      if (this.refused) return;
    }
  }
}
