// Keeps the MQTT connection up: connects with the status topic as last will, retries with
// exponential backoff (the core has no timers; the host's tick drives it), and announces the device
// (status online, subscriptions) on every connect.
import type { Publisher } from "../ports/ports.js";

export interface LinkOptions {
  minBackoffMs: number;
  maxBackoffMs: number;
}

export class MqttLink {
  readonly stats = { connects: 0, attempts: 0, drops: 0 };
  private nextAttempt = 0;
  private backoff: number;
  private started = false;

  constructor(
    private readonly publisher: Publisher,
    private readonly statusTopic: string,
    private readonly options: LinkOptions,
    private readonly handlers: { connected(): void; disconnected(): void; message(topic: string, payload: string): void },
  ) {
    this.backoff = options.minBackoffMs;
    publisher.onConnect = () => {
      this.stats.connects++;
      this.backoff = options.minBackoffMs;
      handlers.connected();
    };
    publisher.onDisconnect = () => {
      this.stats.drops++;
      handlers.disconnected();
    };
    publisher.onMessage = (topic, payload) => handlers.message(topic, payload);
  }

  get connected(): boolean {
    return this.publisher.connected;
  }

  /** Starts connecting; a publisher without `connect` is connected by its host. */
  start(nowMs: number): void {
    this.started = true;
    this.nextAttempt = nowMs;
    this.tick(nowMs);
  }

  tick(nowMs: number): void {
    if (!this.started || this.publisher.connected || !this.publisher.connect || nowMs < this.nextAttempt) return;
    this.stats.attempts++;
    this.nextAttempt = nowMs + this.backoff;
    this.backoff = Math.min(this.backoff * 2, this.options.maxBackoffMs);
    this.publisher.connect({ topic: this.statusTopic, payload: "offline", retain: true });
  }

  /** Clean shutdown: status offline (retained), then close. */
  stop(): void {
    this.started = false;
    if (this.publisher.connected) this.publisher.publish(this.statusTopic, "offline", { retain: true, qos: 1 });
    this.publisher.close?.();
  }
}
