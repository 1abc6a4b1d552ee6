// A small MQTT 3.1.1 client (clean session) over the StreamSocket port, implementing the core's
// Publisher. QoS 1 is real: `done(true)` fires on the broker's PUBACK only, so the outbox advances
// its cursor for acknowledged records alone; a dropped connection reports every unacknowledged
// message as not delivered (`done(false)`) and the outbox sends it again after the reconnect.
// The core has no timers: the host calls tick() (about once a second) for keepalive and timeouts.
import type { OpenStreamSocket, PublishOptions, Publisher, SocketTarget, StreamSocket, Will } from "../ports/ports.js";
import {
  CONNACK_REASONS,
  DISCONNECT,
  encodeConnect,
  encodePuback,
  encodePublish,
  encodeSubscribe,
  MqttProtocolError,
  PacketReader,
  PacketType,
  PINGREQ,
  utf8Decode,
} from "./packets.js";
import { utf8Encode } from "../util/bytes.js";
import type { Incoming } from "./packets.js";

export interface MqttClientOptions {
  target: SocketTarget;
  open: OpenStreamSocket;
  clientId: string;
  username?: string;
  /** Sent in CONNECT only; never logged. */
  password?: string;
  /** Keepalive in seconds (default 30): a PINGREQ after that long without traffic. */
  keepAliveS?: number;
  /** CONNECT sent → CONNACK, and PINGREQ → PINGRESP, must complete within this (default 10 s). */
  responseTimeoutMs?: number;
  /** TCP connect plus TLS handshake (seconds in JS on a microcontroller) within this (default 30 s). */
  openTimeoutMs?: number;
  /** Largest packet accepted from the broker (default 16 KiB). */
  maxPacket?: number;
  /**
   * A publish is refused while more than this many bytes wait in the socket's buffer (default
   * 8 KiB): on a slow link the callers keep what waits (records, values, replies, state) and send
   * it as the link drains, instead of a queue that grows until the dongle's memory is gone.
   */
  maxQueued?: number;
  now(): number;
  log(line: string): void;
}

type Done = (delivered: boolean) => void;

export class MqttClient implements Publisher {
  readonly stats = { connects: 0, published: 0, acked: 0, received: 0, errors: 0 };
  /** Why the last connection ended or failed (no secrets in it). */
  lastError = "";
  onMessage?: (topic: string, payload: string) => void;
  onConnect?: () => void;
  onDisconnect?: () => void;

  private socket?: StreamSocket;
  private reader?: PacketReader;
  private state: "idle" | "opening" | "connecting" | "connected" = "idle";
  private readonly inflight = new Map<number, Done>();
  private nextId = 1;
  private lastSent = 0;
  private lastReceived = 0;
  /** When the pending open, CONNECT or PINGREQ started; undefined: nothing awaited (0 is a valid time). */
  private awaitingSince: number | undefined;
  private will?: Will;

  constructor(private readonly o: MqttClientOptions) {}

  get connected(): boolean {
    return this.state === "connected";
  }

  /** Messages sent with QoS 1 and not yet acknowledged. */
  get unacknowledged(): number {
    return this.inflight.size;
  }

  /** Starts a connection; ignored while one is being opened (tick() ends an attempt that hangs). */
  connect(will: Will): void {
    if (this.state === "opening" || this.state === "connecting") return;
    this.drop();
    this.will = will;
    this.state = "opening";
    this.awaitingSince = this.o.now();
    const { host, port, secure } = this.o.target;
    let socket: StreamSocket | undefined;
    const mine = () => this.socket === socket;
    try {
      socket = this.socket = this.o.open(this.o.target, {
        onWritable: () => mine() && this.writable(),
        onReadable: () => mine() && this.readable(),
        onError: (message) => mine() && this.fail(message),
      });
    } catch (e) {
      this.fail(`cannot open ${host}:${port}: ${(e as Error).message}`);
      return;
    }
    // Host and port only: the password never reaches a log line.
    this.o.log(`mqtt: connecting to ${host}:${port}${secure ? " (TLS)" : ""}`);
  }

  publish(topic: string, payload: string, options: PublishOptions = {}, done?: Done): boolean {
    if (this.state !== "connected" || (this.socket!.queued ?? 0) > (this.o.maxQueued ?? 8192)) return false;
    const qos = options.qos ?? 0;
    const id = qos ? this.allocateId() : undefined;
    if (qos && id === undefined) return false;
    try {
      this.send(encodePublish({ topic, payload: utf8Encode(payload), qos, retain: options.retain ?? false, dup: false, id }));
    } catch (e) {
      this.fail(`publish failed: ${(e as Error).message}`);
      return false;
    }
    this.stats.published++;
    if (id === undefined) done?.(true);
    else this.inflight.set(id, done ?? (() => {}));
    return true;
  }

  subscribe(topic: string): void {
    const id = this.allocateId();
    if (this.state !== "connected" || id === undefined) return;
    // SUBACK is not awaited: the id is held only until it arrives (or the connection drops).
    this.inflight.set(id, () => {});
    this.send(encodeSubscribe(id, topic, 0));
  }

  /** Clean shutdown: DISCONNECT (the broker then does not publish the will), then close. */
  close(): void {
    if (this.state === "connected") {
      try {
        this.socket?.write(DISCONNECT);
      } catch {
        // Closing anyway.
      }
    }
    this.drop();
  }

  /** Keepalive and timeouts; the host calls this about once a second. */
  tick(now: number): void {
    if (this.state === "idle") return;
    const opening = this.state === "opening";
    const timeout = opening ? this.o.openTimeoutMs ?? 30_000 : this.o.responseTimeoutMs ?? 10_000;
    if (this.awaitingSince !== undefined && now - this.awaitingSince > timeout) {
      const what = opening ? (this.o.target.secure ? "TCP connection and TLS handshake" : "TCP connection") : this.state === "connected" ? "PINGRESP" : "CONNACK";
      this.fail(`no ${what} within ${timeout} ms${this.state === "connected" ? ", the link is dead (keepalive)" : ""}`);
      return;
    }
    const keepAliveMs = (this.o.keepAliveS ?? 30) * 1000;
    // Pinging on silence from the broker too: a steady stream of our QoS 0 messages into a dead
    // link would otherwise never be noticed.
    if (this.state === "connected" && this.awaitingSince === undefined && (now - this.lastSent >= keepAliveMs || now - this.lastReceived >= keepAliveMs)) {
      this.awaitingSince = now;
      this.send(PINGREQ);
    }
  }

  private writable(): void {
    if (this.state !== "opening") return;
    this.state = "connecting";
    this.reader = new PacketReader(this.o.maxPacket ?? 16 * 1024);
    const w = this.will!;
    this.awaitingSince = this.o.now();
    this.send(
      encodeConnect({
        clientId: this.o.clientId,
        keepAliveS: this.o.keepAliveS ?? 30,
        clean: true,
        username: this.o.username || undefined,
        password: this.o.username ? this.o.password : undefined,
        will: { topic: w.topic, payload: w.payload, retain: w.retain, qos: 1 },
      }),
    );
  }

  private readable(): void {
    const socket = this.socket;
    for (let bytes = socket?.read(); bytes && this.socket === socket; bytes = socket!.read()) {
      this.lastReceived = this.o.now();
      const reader = this.reader;
      if (!reader) return this.fail("protocol error from the broker: data before the connection was up");
      reader.push(new Uint8Array(bytes));
      for (;;) {
        let p: Incoming | undefined;
        try {
          p = reader.next();
        } catch (e) {
          this.fail(e instanceof MqttProtocolError ? `protocol error from the broker: ${e.message}` : String(e));
          return;
        }
        if (!p) break;
        this.handle(p);
        if (this.socket !== socket) return;
      }
    }
  }

  private handle(p: Incoming): void {
    switch (p.type) {
      case PacketType.CONNACK:
        if (this.state !== "connecting") return this.fail("protocol error from the broker: unexpected CONNACK");
        if (p.code !== 0) return this.fail(`broker refused the connection: ${CONNACK_REASONS[p.code] ?? `code ${p.code}`}`);
        this.state = "connected";
        this.awaitingSince = undefined;
        this.lastError = "";
        this.stats.connects++;
        this.onConnect?.();
        return;
      case PacketType.PUBACK:
      case PacketType.SUBACK: {
        const done = this.inflight.get(p.id);
        // An id we never sent is a broken broker: nothing may count as delivered by mistake.
        if (!done) return this.fail(`protocol error from the broker: acknowledgement for unknown packet id ${p.id}`);
        this.inflight.delete(p.id);
        if (p.type === PacketType.PUBACK) this.stats.acked++;
        done(true);
        return;
      }
      case PacketType.PINGRESP:
        if (this.state === "connected") this.awaitingSince = undefined;
        return;
      case PacketType.PUBLISH:
        if (this.state !== "connected") return this.fail("protocol error from the broker: PUBLISH before CONNACK");
        if (p.qos === 1) this.send(encodePuback(p.id!));
        this.stats.received++;
        try {
          this.onMessage?.(p.topic, utf8Decode(p.payload));
        } catch (e) {
          this.o.log(`mqtt: message on ${p.topic} not handled: ${(e as Error).message}`);
        }
        return;
    }
  }

  private allocateId(): number | undefined {
    for (let i = 0; i < 65535; i++) {
      const id = this.nextId;
      this.nextId = id === 65535 ? 1 : id + 1;
      if (!this.inflight.has(id)) return id;
    }
    return undefined;
  }

  private send(bytes: Uint8Array): void {
    this.socket!.write(bytes);
    this.lastSent = this.o.now();
  }

  private fail(message: string): void {
    this.stats.errors++;
    const text = `mqtt: ${this.o.target.host}:${this.o.target.port}: ${message}`;
    // One line per distinct failure, not one per retry.
    if (message !== this.lastError) this.o.log(text);
    this.lastError = message;
    this.drop();
  }

  /** Ends the connection; every unacknowledged message is reported as not delivered. */
  private drop(): void {
    const socket = this.socket;
    const wasConnected = this.state === "connected";
    this.socket = undefined;
    this.reader = undefined;
    this.state = "idle";
    this.awaitingSince = undefined;
    const pending = [...this.inflight.values()];
    this.inflight.clear();
    try {
      socket?.close();
    } catch {
      // A half-open socket may already be gone.
    }
    for (const done of pending) done(false);
    if (wasConnected) this.onDisconnect?.();
  }
}
