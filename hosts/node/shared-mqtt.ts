// One MQTT connection for every meter of a `metertap run`: each meter's Firmware gets a channel
// (a Publisher) over the same mqtt.js client. A broker sees one client however many meters there
// are, and one TCP session carries them all.
//
// MQTT allows one last will per connection, so the will is the host's status topic
// (`<prefix>/<host>/status`); each meter still publishes its own status online/offline when the
// connection opens and closes cleanly.
import type { PublishOptions, Publisher, Will } from "../../modules/ports/ports.js";
import { MqttJsPublisher } from "./mqtt-publisher.js";

/** MQTT topic filter match (`+` one level, `#` the rest). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split("/");
  const t = topic.split("/");
  for (let i = 0; i < f.length; i++) {
    if (f[i] === "#") return true;
    if (i >= t.length || (f[i] !== "+" && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

class Channel implements Publisher {
  onMessage?: (topic: string, payload: string) => void;
  onConnect?: () => void;
  onDisconnect?: () => void;
  readonly filters: string[] = [];

  constructor(private readonly shared: SharedMqtt) {}

  get connected(): boolean {
    return this.shared.connected;
  }

  publish(topic: string, payload: string, options?: PublishOptions, done?: (delivered: boolean) => void): boolean {
    if (!this.shared.client.publish(topic, payload, options, done)) return false;
    this.shared.published++;
    return true;
  }

  subscribe(topic: string): void {
    if (!this.filters.includes(topic)) this.filters.push(topic);
    this.shared.subscribe(topic);
  }

  /** Each meter's link asks to connect (with backoff); the shared connection opens once. */
  connect(_will: Will): void {
    this.shared.ensureConnected();
  }

  /** A meter stopping does not close the others' connection: SharedMqtt.end() does. */
  close(): void {}
}

export class SharedMqtt {
  readonly client: MqttJsPublisher;
  /** Messages the meters handed to the connection (the bench's messages per second). */
  published = 0;
  private readonly channels: Channel[] = [];
  private readonly subscribed = new Set<string>();
  private lastAttempt = -Infinity;

  constructor(url: string, clientId: string, private readonly will: Will, log: (line: string) => void, ca?: string) {
    this.client = new MqttJsPublisher(url, clientId, log, ca);
    this.client.onConnect = () => {
      this.client.publish(will.topic, "online", { retain: true, qos: 1 });
      // A clean session: subscriptions are renewed on every connect.
      for (const f of this.subscribed) this.client.subscribe(f);
      for (const c of this.channels.slice()) c.onConnect?.();
    };
    this.client.onDisconnect = () => {
      for (const c of this.channels.slice()) c.onDisconnect?.();
    };
    this.client.onMessage = (topic, payload) => {
      for (const c of this.channels) if (c.filters.some((f) => topicMatches(f, topic))) c.onMessage?.(topic, payload);
    };
  }

  get connected(): boolean {
    return this.client.connected;
  }

  channel(): Publisher {
    const c = new Channel(this);
    this.channels.push(c);
    return c;
  }

  subscribe(filter: string): void {
    if (this.subscribed.has(filter)) return;
    this.subscribed.add(filter);
    this.client.subscribe(filter);
  }

  /** Every meter's link calls this while disconnected; one attempt per connect timeout is enough. */
  ensureConnected(): void {
    const now = Date.now();
    if (this.client.connected || now - this.lastAttempt < 5000) return;
    this.lastAttempt = now;
    this.client.connect(this.will);
  }

  /** Host status offline (retained), what is queued sent, then the connection closed. */
  async end(): Promise<void> {
    if (this.client.connected) this.client.publish(this.will.topic, "offline", { retain: true, qos: 1 });
    await this.client.end();
  }
}
