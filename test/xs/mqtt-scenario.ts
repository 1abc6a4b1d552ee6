// One scripted MQTT session over an in-memory socket, run by Node and by XS
// (test/mqtt-xs.test.ts): the transcript holds every byte the client writes and every event.
import { MqttClient } from "../../modules/mqtt/client.js";
import type { StreamSocketCallbacks } from "../../modules/ports/ports.js";
import { toHex } from "../../modules/util/hex.js";

export function mqttScenario(): string {
  const out: string[] = [];
  let cb!: StreamSocketCallbacks;
  const inbox: Uint8Array[] = [];
  let now = 1000;
  const c = new MqttClient({
    target: { host: "broker", port: 1883, secure: false },
    open: (_t, callbacks) => {
      cb = callbacks;
      return {
        read: () => {
          const b = inbox.shift();
          return b && (b.slice().buffer as ArrayBuffer);
        },
        write: (bytes) => out.push(`> ${toHex(bytes)}`),
        close: () => out.push("closed"),
      };
    },
    clientId: "metertap-xs",
    username: "u",
    password: "p",
    keepAliveS: 30,
    now: () => now,
    log: (l) => out.push(`log ${l}`),
  });
  const feed = (...bytes: number[]) => {
    inbox.push(new Uint8Array(bytes));
    cb.onReadable(bytes.length);
  };
  c.onConnect = () => out.push("connected");
  c.onDisconnect = () => out.push("disconnected");
  c.onMessage = (topic, payload) => out.push(`message ${topic} ${payload}`);
  c.connect({ topic: "m/status", payload: "offline", retain: true });
  cb.onWritable(1024);
  feed(0x20, 2, 0, 0);
  const verdict = (n: number) => (ok: boolean) => out.push(`done ${n} ${ok}`);
  c.publish("m/state", '{"p":1.5}', { qos: 1 }, verdict(1));
  c.publish("m/state", "€", { qos: 1, retain: true }, verdict(2));
  c.publish("m/x", "", { qos: 0 }, verdict(3));
  feed(0x40, 2, 0, 2, 0x40); // PUBACK 2, then the first byte of PUBACK 1
  feed(2, 0, 1);
  c.subscribe("m/cmd/#");
  feed(0x90, 3, 0, 3, 0);
  feed(0x32, 10, 0, 3, 0x61, 0x2f, 0x62, 0x12, 0x34, 0x68, 0x69, 0x21);
  now += 30_000;
  c.tick(now);
  feed(0xd0, 0);
  c.publish("m/state", "lost", { qos: 1 }, verdict(4));
  feed(0xf0, 0);
  out.push(`stats ${JSON.stringify(c.stats)} error ${c.lastError}`);
  return out.join("\n");
}
