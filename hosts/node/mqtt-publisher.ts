// The Publisher port over mqtt.js. The core drives reconnects (with backoff, through connect()),
// so mqtt.js's own reconnect is off. Profiles and events use QoS 1: `done` fires on PUBACK.
import mqtt, { type MqttClient } from "mqtt";
import type { PublishOptions, Publisher, Will } from "../../modules/ports/ports.js";

/** The broker URL without credentials, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    return u.toString().replace(/\/$/, "");
  } catch {
    return "(invalid URL)";
  }
}

export function checkBrokerUrl(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `--mqtt: not a URL: use mqtt://[user:pass@]host[:port] or mqtts://...`;
  }
  if (!["mqtt:", "mqtts:", "ws:", "wss:"].includes(u.protocol)) return `--mqtt: unsupported scheme '${u.protocol}' (use mqtt:// or mqtts://)`;
  if (!u.hostname) return "--mqtt: the URL has no host";
  return undefined;
}

export class MqttJsPublisher implements Publisher {
  onMessage?: (topic: string, payload: string) => void;
  onConnect?: () => void;
  onDisconnect?: () => void;
  private client?: MqttClient;
  private wasConnected = false;
  private lastError = "";
  private ending?: Promise<void>;

  /** `ca`: PEM CA certificate(s) for mqtts:// (default: Node's roots); the host name is always checked. */
  constructor(private readonly url: string, private readonly clientId: string, private readonly log: (line: string) => void, private readonly ca?: string) {}

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  connect(will: Will): void {
    if (this.ending) return;
    const old = this.client;
    if (old) {
      // An abandoned attempt may still report errors: they must not become uncaught.
      old.removeAllListeners();
      old.on("error", () => {});
      old.end(true);
    }
    const client = mqtt.connect(this.url, {
      clientId: this.clientId,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      keepalive: 30,
      ...(this.ca ? { ca: this.ca } : {}),
      will: { topic: will.topic, payload: Buffer.from(will.payload), retain: will.retain, qos: 1 },
    });
    this.client = client;
    client.on("connect", () => {
      // Small messages, one per telegram: without this, Nagle + delayed ACK adds up to 40 ms.
      (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
      this.wasConnected = true;
      this.lastError = "";
      this.onConnect?.();
    });
    client.on("message", (topic, payload) => this.onMessage?.(topic, payload.toString("utf8")));
    client.on("error", (e: Error & { code?: string | number }) => {
      const text = `mqtt: cannot use broker ${redactUrl(this.url)}: ${e.code ?? e.message}; retrying with backoff`;
      // One line per distinct failure, not one per retry.
      if (text !== this.lastError) this.log(text);
      this.lastError = text;
    });
    client.on("close", () => {
      if (!this.wasConnected) return;
      this.wasConnected = false;
      this.onDisconnect?.();
    });
  }

  publish(topic: string, payload: string, options: PublishOptions = {}, done?: (delivered: boolean) => void): boolean {
    const client = this.client;
    if (!client?.connected) return false;
    // No callback without `done`: mqtt.js parks one 'drain' listener per QoS 0 publish that has a
    // callback while the socket is backed up, and a thousand meters made that quadratic.
    client.publish(topic, payload, { qos: options.qos ?? 0, retain: options.retain ?? false }, done && ((err) => done(!err)));
    return true;
  }

  subscribe(topic: string): void {
    this.client?.subscribe(topic, { qos: 0 });
  }

  close(): void {
    void this.end();
  }

  /** Sends what is queued, then disconnects cleanly (the broker does not publish the will). */
  end(): Promise<void> {
    const client = this.client;
    if (!client) return Promise.resolve();
    this.ending ??= new Promise((resolve) => {
      this.wasConnected = false;
      // Connected: send what is queued first. Still connecting: abandon the attempt now.
      client.end(!client.connected, {}, () => resolve());
    });
    return this.ending;
  }
}
