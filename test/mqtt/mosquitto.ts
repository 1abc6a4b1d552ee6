// Starts a real Mosquitto (/usr/sbin/mosquitto) on a free loopback port with a generated config,
// for the MQTT integration tests. Restartable on the same port (broker outage tests).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";

export const MOSQUITTO = process.env.MOSQUITTO ?? "/usr/sbin/mosquitto";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect({ host: "127.0.0.1", port });
    c.once("connect", () => {
      c.destroy();
      resolve(true);
    });
    c.once("error", () => resolve(false));
  });
}

export interface BrokerTls {
  certfile: string;
  keyfile: string;
}

export class Mosquitto {
  private child?: ChildProcess;
  private readonly dir = mkdtempSync(join(tmpdir(), "metertap-mosquitto-"));
  log = "";

  private constructor(readonly port: number, private readonly tls?: BrokerTls) {}

  /** With `tls`, the listener speaks TLS only, presenting `certfile` (which may carry its chain). */
  static async start(tls?: BrokerTls): Promise<Mosquitto> {
    const m = new Mosquitto(await freePort(), tls);
    await m.restart();
    return m;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  async restart(): Promise<void> {
    const conf = join(this.dir, "mosquitto.conf");
    // Retained messages live in memory only: a restart is a fresh broker, as after a crash.
    const tls = this.tls ? `certfile ${this.tls.certfile}\nkeyfile ${this.tls.keyfile}\n` : "";
    writeFileSync(conf, `listener ${this.port} 127.0.0.1\n${tls}allow_anonymous true\nset_tcp_nodelay true\npersistence false\nlog_dest stderr\n`);
    const child = spawn(MOSQUITTO, ["-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
    child.stderr!.on("data", (b: Buffer) => (this.log += b.toString()));
    this.child = child;
    for (let i = 0; i < 100; i++) {
      if (await canConnect(this.port)) return;
      if (child.exitCode !== null) throw new Error(`mosquitto exited: ${this.log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`mosquitto did not listen on ${this.port}: ${this.log}`);
  }

  /** Freezes the broker (SIGSTOP): connections stay open and nothing is answered, as on a half-dead link. */
  pause(): void {
    this.child?.kill("SIGSTOP");
  }

  resume(): void {
    this.child?.kill("SIGCONT");
  }

  /** Kills the broker as a crash would (SIGKILL: no goodbye to clients). */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.kill("SIGKILL");
    });
    this.child = undefined;
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface Received {
  topic: string;
  payload: string;
  retain: boolean;
}

/** A subscriber that records everything it receives. */
export async function subscriber(url: string, topics: string[], clientId = `sub-${Math.random()}`): Promise<{ client: MqttClient; messages: Received[] }> {
  const client = await mqtt.connectAsync(url, { clientId, reconnectPeriod: 0 });
  const messages: Received[] = [];
  client.on("message", (topic, payload, packet) => messages.push({ topic, payload: payload.toString(), retain: packet.retain }));
  await client.subscribeAsync(topics, { qos: 1 });
  return { client, messages };
}

/** Resolves when `test` holds, polling; rejects after `ms`. */
export async function until(test: () => boolean, ms = 10_000, what = "condition"): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
