// TLS that verifies the server: Mosquitto with certificates from a CA made here. The core MQTT
// client over the Node TLS socket connects with the right CA only; a wrong CA, an expired
// certificate and a certificate for another host name are refused, each with a clear error.
// `metertap run --mqtt-ca` does the same through mqtt.js.
import test from "ava";
import { spawn } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import mqtt from "mqtt";
import { Dsmr5Generator } from "../hosts/node/dsmr-generator.js";
import { MqttClient } from "../modules/mqtt/client.js";
import { nodeSocket } from "../hosts/node/socket.js";
import { Mosquitto, until } from "./mqtt/mosquitto.js";
import { makeTestPki, type TestPki } from "./mqtt/tls-certs.js";

let pki: TestPki;
const brokers: Record<string, Mosquitto> = {};

test.before(async () => {
  pki = makeTestPki();
  brokers.good = await Mosquitto.start({ certfile: pki.good, keyfile: pki.key });
  brokers.expired = await Mosquitto.start({ certfile: pki.expired, keyfile: pki.key });
  brokers.wrongHost = await Mosquitto.start({ certfile: pki.wrongHost, keyfile: pki.key });
});

test.after.always(async () => {
  for (const b of Object.values(brokers)) await b.stop();
  rmSync(pki.dir, { recursive: true, force: true });
});

async function attempt(broker: Mosquitto, caFile: string, host = "127.0.0.1"): Promise<MqttClient> {
  const c = new MqttClient({
    target: { host, port: broker.port, secure: true },
    open: nodeSocket({ ca: readFileSync(caFile) }),
    clientId: `tls-${Math.random().toString(36).slice(2)}`,
    now: () => Date.now(),
    log: () => {},
  });
  c.connect({ topic: "t/status", payload: "offline", retain: true });
  await until(() => c.connected || c.lastError !== "", 10_000, "TLS verdict");
  return c;
}

for (const host of ["127.0.0.1", "localhost"]) {
  test(`the right CA: connected over TLS to ${host}, QoS 1 acknowledged`, async (t) => {
    const c = await attempt(brokers.good, pki.ca, host);
    try {
      t.is(c.lastError, "");
      t.true(c.connected);
      const verdicts: boolean[] = [];
      c.publish("t/x", "1", { qos: 1 }, (ok) => verdicts.push(ok));
      await until(() => verdicts.length === 1, 5000, "PUBACK");
      t.deepEqual(verdicts, [true]);
    } finally {
      c.close();
    }
  });
}

for (const [name, broker, ca, error] of [
  ["another CA", "good", "otherCa", /SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT/],
  ["an expired certificate", "expired", "ca", /CERT_HAS_EXPIRED/],
  ["a certificate for another host name", "wrongHost", "ca", /ERR_TLS_CERT_ALTNAME_INVALID.*127\.0\.0\.1/],
] as const) {
  test(`refused: ${name}`, async (t) => {
    const c = await attempt(brokers[broker], pki[ca]);
    try {
      t.false(c.connected);
      t.regex(c.lastError, error);
    } finally {
      c.close();
    }
  });
}

const cli = fileURLToPath(new URL("../hosts/node/cli.js", import.meta.url));

function run(args: string[]): Promise<{ code: number; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (b) => (err += b));
    child.on("close", (code) => resolve({ code: code ?? -1, err }));
  });
}

function dsmrCapture(): string {
  const g = new Dsmr5Generator({ startMs: Date.UTC(2026, 2, 28, 10), intervalS: 10 });
  const path = join(pki.dir, "capture.txt");
  writeFileSync(path, Buffer.concat(Array.from({ length: 30 }, () => g.next().bytes)));
  return path;
}

test("metertap run --mqtt mqtts://... --mqtt-ca FILE: publishes over verified TLS; without the CA it is refused", async (t) => {
  const url = `mqtts://127.0.0.1:${brokers.good.port}`;
  const sub = await mqtt.connectAsync(url, { ca: readFileSync(pki.ca), reconnectPeriod: 0 });
  const got: string[] = [];
  sub.on("message", (topic, payload) => got.push(topic.endsWith("/status") ? `${topic} ${payload}` : topic));
  await sub.subscribeAsync("metertap/tls/#", { qos: 1 });
  try {
    const ok = await run(["run", "--source", `file:${dsmrCapture()}`, "--mqtt", url, "--mqtt-ca", pki.ca, "--device-id", "tls", "--quiet", "--drain-timeout", "5"]);
    t.is(ok.code, 0, ok.err);
    await until(() => got.at(-1) === "metertap/tls/status offline", 5000, "offline over TLS");
    t.is(got[0], "metertap/tls/status online");
    t.true(got.filter((x) => x === "metertap/tls/state").length >= 10);
    const refused = await run(["run", "--source", `file:${dsmrCapture()}`, "--mqtt", url, "--device-id", "tls2", "--quiet", "--drain-timeout", "1"]);
    t.regex(refused.err, /cannot use broker mqtts:\/\/127\.0\.0\.1:\d+: SELF_SIGNED_CERT_IN_CHAIN; retrying/);
    t.false(got.some((x) => x.startsWith("metertap/tls2/")), "nothing reached the broker without a verified connection");
    const usage = await run(["run", "--source", "stdin", "--mqtt", "mqtt://127.0.0.1:1", "--mqtt-ca", pki.ca]);
    t.is(usage.code, 2);
    t.regex(usage.err, /--mqtt-ca applies to an mqtts:\/\/ broker/);
  } finally {
    await sub.endAsync();
  }
});
