// The Publisher port over Moddable's legacy `mqtt` client: QoS 0, last will, TLS through
// SecureSocket. The client does not reconnect; the core's MqttLink calls connect() with backoff,
// and unsent history waits in flash (the outbox), so nothing here queues.
import Client from "mqtt";
import SecureSocket from "securesocket";
import type { PublishOptions, Publisher, Will } from "../../modules/ports/ports.js";
import type { MqttTarget } from "../../modules/web/settings.js";

export interface MqttAccount {
  id: string;
  user?: string;
  password?: string;
}

export class ModdableMqttPublisher implements Publisher {
  connected = false;
  onMessage?: (topic: string, payload: string) => void;
  onConnect?: () => void;
  onDisconnect?: () => void;
  private client?: Client;

  constructor(private readonly target: MqttTarget, private readonly account: MqttAccount, private readonly log: (line: string) => void) {}

  connect(will: Will): void {
    this.drop();
    const { host, port, secure } = this.target;
    const client = new Client({
      host,
      port,
      id: this.account.id,
      user: this.account.user,
      // MQTT 3.1.1 allows a password only with a user name.
      password: this.account.user ? this.account.password : undefined,
      will: { topic: will.topic, message: will.payload, retain: will.retain, quality: 0 },
      timeout: 60_000,
      ...(secure ? { Socket: SecureSocket, secure: { protocolVersion: 0x0303 } } : {}),
    });
    client.onReady = () => {
      if (this.client !== client) return;
      this.connected = true;
      this.onConnect?.();
    };
    client.onMessage = (topic, payload) => this.onMessage?.(topic, String.fromArrayBuffer(payload));
    client.onClose = () => {
      if (this.client !== client) return;
      this.client = undefined;
      if (this.connected) {
        this.connected = false;
        this.onDisconnect?.();
      }
    };
    this.client = client;
    // Host and port only: the account's password never reaches a log line.
    this.log(`mqtt: connecting to ${host}:${port}${secure ? " (TLS)" : ""}`);
  }

  publish(topic: string, payload: string, options?: PublishOptions, done?: (delivered: boolean) => void): boolean {
    if (!this.connected || !this.client) {
      done?.(false);
      return false;
    }
    try {
      this.client.publish(topic, payload, { retain: options?.retain ?? false, quality: 0 });
    } catch {
      done?.(false);
      return false;
    }
    done?.(true);
    return true;
  }

  subscribe(topic: string): void {
    if (this.connected) this.client?.subscribe(topic);
  }

  close(): void {
    const client = this.client;
    this.client = undefined;
    this.connected = false;
    client?.close();
  }

  private drop(): void {
    const client = this.client;
    this.client = undefined;
    this.connected = false;
    try {
      client?.close(true);
    } catch {
      // A half-open socket may already be gone.
    }
  }
}
