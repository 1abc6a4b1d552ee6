// The firmware pipeline, the same on the dongle (main.ts) and on a desktop (hosts/node):
// byte source → Decoder → History (flash) → Publisher. The core has no timers: the host calls
// tick() every ~250 ms for idle flush, state rate limits, diagnostics and reconnect backoff.
import type { Cipher, Clock, Crc16, FlashRegion, KeyValueStore, OpenByteSource, Publisher, ByteSource, Signer } from "../ports/ports.js";
import type { DecodeResult, Reading, SecurityInfo } from "../reading/model.js";
import type { RawFrame } from "../stream/framer.js";
import { Decoder } from "../decode/decoder.js";
import { Topics, topicLevel } from "../publish/topics.js";
import { quantities, type Quantity } from "../publish/quantities.js";
import { stateJson } from "../publish/state.js";
import type { DeviceInfo } from "../publish/discovery.js";
import { DIAG_ENTITIES } from "../publish/diag-entities.js";
import { ValueTopics } from "../publish/values.js";
import { MonotonicGuard, type GuardEvent } from "../publish/guard.js";
import { Outbox } from "../publish/outbox.js";
import { CommandTable, type CommandHandler } from "../publish/commands.js";
import { MqttLink } from "./link.js";
import { Announcer } from "./announcer.js";
import { MeterLink, type LinkChange, type LinkState, type LinkStatus } from "./meter-link.js";
import type { FirmwareHistory } from "./history.js";
import { MemoryStore } from "../security/replay.js";
import { WriteBehindStore, type BufferedStore } from "./write-behind-store.js";
import { openFlash } from "./flash-state.js";
import { builtinCommands } from "./builtin-commands.js";
import { DeviceIdentity } from "./identity.js";
import { diagnostics } from "./diag.js";
import { isoUtc, parseTime } from "../util/time.js";
import { RecordSigner } from "../signing/record-signer.js";

export interface FirmwarePorts {
  openSource: OpenByteSource;
  clock: Clock;
  flash?: FlashRegion;
  publisher?: Publisher;
  cipher?: Cipher;
  /** CRC-16/ARC for DSMR telegrams in native code (the dongle); default the core's own. */
  crc16Arc?: Crc16;
  store?: KeyValueStore;
  log(line: string): void;
  reboot?(): void;
  heap?(): number;
  /** A microsecond counter (wrapping at 2^32 is fine): diagnostics then report compute per frame. */
  micros?(): number;
  /** Host facts for diagnostics (the ESP32's reset reason, Wi-Fi RSSI); never a secret. */
  deviceFacts?(): Record<string, unknown>;
  /**
   * The device key: with a flash history, each closed quarter-hour, daily and monthly record is
   * signed and stored with its signature; the record counter goes to `store` at every record.
   */
  signer?: Signer;
}

export interface FirmwareConfig {
  /** Topic prefix (default "metertap"). */
  topicPrefix?: string;
  /**
   * Device id in topics and HA ids; default "metertap-<mac>" when `mac` is given, else the id kept
   * in the store, else the meter id of the first frame that carries one.
   */
  deviceId?: string;
  /** How long id-less frames wait for one with a meter id before a generated id is used (default 65 min). */
  identityWaitMs?: number;
  mac?: string;
  discoveryPrefix?: string;
  /** Publish HA discovery (default true). */
  discovery?: boolean;
  /** The metertap reader as Home Assistant shows it (model, software version, local page). */
  device?: Partial<DeviceInfo>;
  /** Minimum interval between state messages (default 0: every validated frame). */
  stateIntervalMs?: number;
  /** Publish each quantity on `<base>/value/<key>` even without discovery (which needs them). */
  perValueTopics?: boolean;
  /** HA `expire_after` for measurements (default 300 s; 0 disables). */
  expireAfterS?: number;
  /** Diagnostics interval (default 60 s). */
  diagIntervalMs?: number;
  /** Quiet line time after which a telegram without terminator is ended (default 500 ms). */
  idleFlushMs?: number;
  /** No bytes from the meter for this long is a `link-lost` event (default 30 s). */
  linkTimeoutMs?: number;
  /** How often runtime state (frame counters, publish cursors) reaches the host's store (default 60 s). */
  storeFlushMs?: number;
  /** QoS of profiles and events: 1 where the client tracks PUBACK (Node), 0 on the Moddable client. */
  qos?: 0 | 1;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Shared secret commands must carry (`"secret"` in the payload). */
  commandSecret?: string;
  encryptionKey?: Uint8Array;
  authenticationKey?: Uint8Array;
  aad?: Uint8Array;
  /** Offset of the meter's local standard time from UTC, minutes (DSMR timestamps; default 60). */
  standardOffsetMinutes?: number;
  /** Bare APDUs (no link layer, no checksum) on this line: true takes them, false never; unset, the line's first frame decides. */
  uncheckedLine?: boolean;
  /** Local time zone for daily/monthly profile boundaries (IANA name). */
  timeZone?: string;
}

/** A live event (guard events; link changes without flash) until the broker has it. */
interface LiveEvent {
  json: string;
  sending: boolean;
}

export interface FirmwareStats {
  states: number;
  held: number;
  events: number;
  lastSecurity: SecurityInfo | null;
  /** Microseconds spent taking in meter bytes (framing, decoding, history, publishing), with `micros`. */
  computeUs: number;
}

const MAX_PENDING_EVENTS = 64;
const MAX_WAITING_REPLIES = 8;
// A closed record, a PUBACK and a connect each pump the outbox; the tick only retries a refused
// publish. Pumping every tick read each stream's flash 4×/s per meter: a fleet host's largest cost.
const OUTBOX_RETRY_MS = 5000;
export class Firmware {
  readonly stats: FirmwareStats = { states: 0, held: 0, events: 0, lastSecurity: null, computeUs: 0 };
  readonly decoder: Decoder;
  readonly history?: FirmwareHistory;
  readonly commands: CommandTable;
  /**
   * Replay counters and publish cursors: in the flash region's state log when there is one (at
   * every change), else in the host's store (or RAM) behind a write-behind cache, as other keys.
   */
  readonly store: BufferedStore;
  topics?: Topics;
  /** Called with every validated reading (the Node host's terminal display). */
  onReading?: (reading: Reading, published: boolean) => void;
  /** Quantities derived beyond the reading (the page's period totals and cost), published with it. */
  extraQuantities?: (reading: Reading) => Quantity[];
  /** Also called with every validated reading and its frame (the local page's live values). */
  readonly readingListeners: ((reading: Reading, frame: RawFrame) => void)[] = [];
  private source?: ByteSource;
  private link?: MqttLink;
  private outbox?: Outbox<unknown>;
  private readonly guard = new MonotonicGuard();
  private readonly startedAt: number;
  private readonly startedSteady: number;
  private lastFrame: RawFrame | null = null;
  private readonly meterLink: MeterLink;
  private lastStateAt = -Infinity;
  private pendingState: { reading: Reading; qs: Quantity[] } | null = null;
  /**
   * Command replies the publisher has not taken yet (a backed-up link refuses): sent in order as
   * the link takes them, before the announcer's discovery.
   */
  private replies: { topic: string; payload: string }[] = [];
  private readonly announcer: Announcer;
  private readonly values: ValueTopics;
  /** The meter's id as its last validated frame gave it (signed records name it). */
  private meterId = "unknown";
  private readonly identity: DeviceIdentity;
  /** Clock time of the last validated reading (diagnostics: last telegram). */
  lastReadingAt: number | null = null;
  private nextDiagAt = 0;
  private nextPumpAt = 0;
  private readonly pendingEvents: LiveEvent[] = [];
  /** The meter link's state as last handed to the broker (retained `link`); null after a connect. */
  private linkSent: LinkState | null = null;
  private rebootAt = 0;
  private running = false;

  constructor(private readonly ports: FirmwarePorts, private readonly config: FirmwareConfig = {}) {
    this.startedAt = ports.clock.now();
    this.startedSteady = this.steady();
    this.meterLink = new MeterLink(this.startedSteady, config.linkTimeoutMs ?? 30_000, config.idleFlushMs ?? 500);
    const behind = new WriteBehindStore(ports.store ?? new MemoryStore(), config.storeFlushMs ?? 60_000, this.startedAt);
    ({ history: this.history, store: this.store } = openFlash(ports, config.timeZone, behind));
    if (ports.signer && this.history) {
      const history = this.history.store;
      // The host's own store, not the write-behind one: the counter must be written before each signature.
      history.sealer = new RecordSigner(ports.signer, ports.store ?? new MemoryStore(), {
        deviceId: () => this.topics?.deviceId ?? "unknown",
        meterId: () => this.meterId,
        firmware: config.device?.swVersion ?? "unknown",
      }, history.mountedCounter);
    }
    this.decoder = new Decoder({
      cipher: ports.cipher,
      crc16Arc: ports.crc16Arc,
      encryptionKey: config.encryptionKey,
      authenticationKey: config.authenticationKey,
      aad: config.aad,
      store: this.store,
      standardOffsetMinutes: config.standardOffsetMinutes,
      uncheckedLine: config.uncheckedLine,
    }, (result, frame) => this.onResult(result, frame));
    this.commands = new CommandTable(config.commandSecret);
    for (const [name, handler] of Object.entries(builtinCommands(this, ports))) this.commands.register(name, handler);
    const expire = config.expireAfterS ?? 300;
    // Value topics follow the state's rate limit, and at most one change per key a second.
    this.values = new ValueTopics(Math.min(60_000, expire > 0 ? expire * 500 : 60_000), Math.max(1000, config.stateIntervalMs ?? 0));
    this.announcer = new Announcer({ expireAfterS: expire, device: config.device, diag: () => this.diag() });
    this.identity = new DeviceIdentity(this.store, config.identityWaitMs ?? 65 * 60_000);
    const id = this.identity.known(config.deviceId, config.mac);
    if (id !== undefined) this.useDeviceId(id);
  }

  /** Adds or replaces a command on `<base>/cmd/<name>` (e.g. the device's `ota`). */
  registerCommand(name: string, handler: CommandHandler): void {
    this.commands.register(name, handler);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.source = this.ports.openSource({
      onReadable: () => this.readSource(),
      onError: (message) => this.ports.log(`source: ${message}`),
    });
    this.link?.start(this.ports.clock.now());
  }

  /** The source has no more bytes (a capture is consumed): ends the last telegram. */
  endOfInput(): void {
    this.decoder.end();
    this.outbox?.pump();
  }

  /** Ends what the line holds, publishes what it can, sets status offline and closes. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.source?.close();
    this.decoder.end();
    this.outbox?.pump();
    this.outbox?.persist();
    this.store.flush(this.ports.clock.now());
    this.link?.stop();
  }

  tick(nowMs: number): void {
    const steady = this.steady();
    if (this.meterLink.idleFlush(steady, this.decoder.pendingLead)) this.decoder.flush();
    this.linkChanged(this.meterLink.tick(steady), nowMs);
    if (this.pendingState && nowMs - this.lastStateAt >= (this.config.stateIntervalMs ?? 0)) this.publishState(nowMs);
    this.link?.tick(nowMs);
    if (this.link?.connected) {
      this.sendWaiting();
      this.flushEvents();
      this.sendLink();
      if (nowMs >= this.nextPumpAt) {
        this.nextPumpAt = nowMs + OUTBOX_RETRY_MS;
        this.outbox?.pump();
      }
      if (this.config.discovery !== false || this.config.perValueTopics) this.values.publish(this.ports.publisher!, this.topics!, [], nowMs);
      if (nowMs >= this.nextDiagAt) this.publishDiag(nowMs);
    }
    this.outbox?.persist();
    this.store.tick(nowMs);
    if (this.rebootAt && nowMs >= this.rebootAt) {
      this.store.flush(nowMs);
      this.ports.reboot?.();
    }
  }

  get connected(): boolean {
    return this.link?.connected ?? false;
  }

  /** The last frame as received, for the `raw` support command. */
  get lastRawFrame(): RawFrame | null {
    return this.lastFrame;
  }

  /** The meter link: up or down, since when, how often lost. */
  get linkStatus(): LinkStatus {
    // The link keeps steady time; `since` is reported on the wall clock.
    const s = this.meterLink.current;
    return { ...s, since: this.ports.clock.now() - (this.steady() - s.since) };
  }

  /** Milliseconds for durations: the clock's monotonic time, else its wall time. */
  private steady(): number {
    return this.ports.clock.monotonic?.() ?? this.ports.clock.now();
  }

  get cursors(): Record<string, string | null> {
    return this.outbox?.cursors() ?? {};
  }

  /** True when every closed record in the history store has been delivered. */
  get delivered(): boolean {
    return this.outbox?.idle ?? true;
  }

  diag(): Record<string, unknown> {
    const d = diagnostics(this, this.link?.stats, this.outbox?.stats, this.commands.counts, this.steady() - this.startedSteady, this.ports.heap?.());
    const facts = this.ports.deviceFacts?.();
    if (facts) d.device = facts;
    return d;
  }

  /**
   * Asks for a reboot at the first tick after `delayMs` (default: the next one, once the command
   * reply went out). The reboot writes the store's pending state first.
   */
  scheduleReboot(delayMs = 1): void {
    this.rebootAt = this.ports.clock.now() + delayMs;
  }

  private readSource(): void {
    for (;;) {
      const chunk = this.source?.read();
      if (!chunk || !chunk.byteLength) return;
      const bytes = new Uint8Array(chunk);
      this.linkChanged(this.meterLink.bytes(this.steady(), bytes, this.decoder.pendingLead >= 0), this.ports.clock.now());
      const micros = this.ports.micros;
      const started = micros?.();
      this.decoder.push(bytes);
      // A difference modulo 2^32: the device's counter wraps every 71 minutes.
      if (started !== undefined) this.stats.computeUs += (micros!() - started) >>> 0;
    }
  }

  private onResult(result: DecodeResult, frame: RawFrame): void {
    this.lastFrame = frame;
    this.meterLink.frame(frame);
    const now = this.ports.clock.now();
    if (result.security) this.stats.lastSecurity = result.security;
    if (result.ok && result.reading?.meterId) this.meterId = result.reading.meterId;
    // History uses only validated readings (and security facts to spot a counter reset).
    if (this.history && this.history.onResult(result, now, this.steady())) this.outbox?.pump();
    // Refused frames are counted by the decoder and go no further.
    if (!result.ok || !result.reading) return;
    const reading = result.reading;
    this.lastReadingAt = now;
    this.announcer.noteMeter(reading);
    if (!this.topics) {
      const id = this.identity.fromReading(reading.meterId, now);
      if (id !== undefined) this.useDeviceId(id);
    }
    const at = reading.time ? parseTime(reading.time) : now;
    const all = quantities(reading);
    const { pass, events } = this.guard.check(all, isFinite(at) ? at : now, reading.time);
    for (const e of events) this.queueEvent(e);
    this.stats.held += all.length - pass.length;
    // Period totals restart at each period: past the monotonic guard, which would hold them back.
    if (this.extraQuantities) pass.push(...this.extraQuantities(reading));
    this.announcer.noteQuantities(pass);
    // Goes out only when the set grew or the meter's facts changed since the last announcement.
    this.announce();
    for (const q of pass) this.values.noteQuantity(q);
    this.pendingState = { reading, qs: pass };
    if (now - this.lastStateAt >= (this.config.stateIntervalMs ?? 0)) this.publishState(now);
    this.onReading?.(reading, this.connected);
    for (const l of this.readingListeners) l(reading, frame);
  }

  private useDeviceId(id: string): void {
    const topics = new Topics(this.config.topicPrefix ?? "metertap", topicLevel(id), this.config.discoveryPrefix);
    this.topics = topics;
    const publisher = this.ports.publisher;
    if (!publisher) return;
    this.link = new MqttLink(publisher, topics.status, {
      minBackoffMs: this.config.minBackoffMs ?? 1000,
      maxBackoffMs: this.config.maxBackoffMs ?? 60_000,
    }, {
      connected: () => this.onConnected(),
      disconnected: () => {
        this.outbox?.disconnected();
        this.ports.log("mqtt: disconnected; history keeps recording");
      },
      message: (topic, payload) => this.onMessage(topic, payload),
    });
    if (this.history) {
      const streams = this.history.streams.map((s) => ({ stream: s, topic: s === "events" ? topics.event : topics.profile(s) }));
      this.outbox = new Outbox(this.history, publisher, streams, { qos: this.config.qos ?? 0 }, this.store) as Outbox<unknown>;
    }
    if (this.running) this.link.start(this.ports.clock.now());
  }

  private onConnected(): void {
    const p = this.ports.publisher!;
    const t = this.topics!;
    this.ports.log(`mqtt: connected; publishing under ${t.base}`);
    p.publish(t.status, "online", { retain: true, qos: 1 });
    this.linkSent = null;
    this.sendLink();
    p.subscribe(t.commands);
    p.subscribe(t.haStatus);
    this.announcer.forget();
    this.values.reset();
    this.announce();
    // What the last connection did not see acknowledged goes again (the broker may have it: at least once).
    for (const e of this.pendingEvents) e.sending = false;
    this.flushEvents();
    this.outbox?.pump();
    this.nextDiagAt = 0;
  }

  private onMessage(topic: string, payload: string): void {
    const t = this.topics!;
    if (topic === t.haStatus) {
      // HA restarted: it lost non-retained state, and retained configs may have been cleared.
      if (payload === "online") {
        this.announcer.forget();
        this.values.reset();
        this.announce();
      }
      return;
    }
    if (!topic.startsWith(t.commandPrefix)) return;
    const reply = this.commands.handle(topic.slice(t.commandPrefix.length), payload);
    // At most a few wait: a flood of commands into a backed-up link loses the oldest replies.
    if (this.replies.length >= MAX_WAITING_REPLIES) this.replies.shift();
    this.replies.push({ topic: t.response, payload: JSON.stringify(reply) });
    this.sendWaiting();
  }

  private announce(): void {
    if (this.config.discovery === false || !this.link?.connected) return;
    this.announcer.announce(this.topics!);
    this.sendWaiting();
  }

  /** Replies, then discovery, go out as fast as the link takes them; what it refuses waits for the next tick. */
  private sendWaiting(): void {
    const p = this.ports.publisher!;
    while (this.replies.length) {
      const m = this.replies[0];
      if (!p.publish(m.topic, m.payload, { qos: this.config.qos ?? 0 })) return;
      this.replies.shift();
    }
    this.announcer.send(p);
  }

  private publishState(nowMs: number): void {
    const pending = this.pendingState;
    if (!pending) return;
    // State is live data: while disconnected it is dropped, never replayed; while the link is
    // backed up it waits for the next tick (a newer reading replaces it).
    if (!this.link?.connected) {
      this.pendingState = null;
      return;
    }
    const p = this.ports.publisher!;
    const t = this.topics!;
    if (!p.publish(t.state, stateJson(pending.reading, pending.qs))) return;
    this.pendingState = null;
    this.lastStateAt = nowMs;
    this.stats.states++;
    if (this.config.discovery !== false || this.config.perValueTopics) this.values.publish(p, t, pending.qs, nowMs);
  }

  private publishDiag(nowMs: number): void {
    const diag = this.diag();
    // Refused by a backed-up link (discovery after a connect): tried again at the next tick, not a minute later.
    if (!this.ports.publisher!.publish(this.topics!.diag, JSON.stringify(diag), { retain: true })) return;
    this.nextDiagAt = nowMs + (this.config.diagIntervalMs ?? 60_000);
    if (this.config.discovery === false) return;
    // Through the value topics, so that one a backed-up link refuses goes out with the next tick.
    for (const e of DIAG_ENTITIES) {
      const v = e.value(diag);
      if (v !== undefined && v !== null) this.values.note(e.key, v);
    }
    this.values.publish(this.ports.publisher!, this.topics!, [], nowMs);
  }

  private queueEvent(e: GuardEvent): void {
    this.ports.log(`guard: ${e.type} on ${e.key}: ${e.last} -> ${e.value}`);
    this.pushEvent(JSON.stringify(e));
  }

  private pushEvent(json: string): void {
    this.stats.events++;
    if (this.pendingEvents.length >= MAX_PENDING_EVENTS) this.pendingEvents.shift();
    this.pendingEvents.push({ json, sending: false });
    this.flushEvents();
  }

  /** A link change is an event in the history (published from there), or a live one without flash. */
  private linkChanged(change: LinkChange, nowMs: number): void {
    if (!change) return;
    this.ports.log(change === "link-lost" ? `source: no data from the meter for ${(this.config.linkTimeoutMs ?? 30_000) / 1000} s; link down` : "source: data again; link up");
    if (this.history) {
      if (this.history.onEvent(change, nowMs)) this.outbox?.pump();
    } else this.pushEvent(JSON.stringify({ stream: "events", time: isoUtc(nowMs), type: change }));
    this.sendLink();
  }

  /** The retained link topic follows the link; a change a backed-up link refused goes with a later tick. */
  private sendLink(): void {
    const state = this.meterLink.state;
    if (state === this.linkSent || !this.link?.connected) return;
    if (this.ports.publisher!.publish(this.topics!.link, state, { retain: true, qos: 1 })) this.linkSent = state;
  }

  /**
   * Sends the live events not yet sent. One stays queued until it is delivered (QoS 1: its PUBACK),
   * so one lost with a connection goes out again after the reconnect, and one a backed-up link
   * refused goes out with a later tick.
   */
  private flushEvents(): void {
    if (!this.link?.connected) return;
    const events = this.pendingEvents;
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      if (e.sending) continue;
      e.sending = true;
      if (!this.ports.publisher!.publish(this.topics!.event, e.json, { qos: this.config.qos ?? 0 }, (delivered) => this.eventDone(e, delivered))) {
        e.sending = false;
        return;
      }
      if (events[i] !== e) i--; // delivered at once (QoS 0) and gone from the queue
    }
  }

  private eventDone(e: LiveEvent, delivered: boolean): void {
    if (!delivered) {
      e.sending = false;
      return;
    }
    const i = this.pendingEvents.indexOf(e);
    if (i >= 0) this.pendingEvents.splice(i, 1);
  }
}
