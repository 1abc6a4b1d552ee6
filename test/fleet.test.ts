// `metertap run --config`: many meters, files and TCP, mixed protocols, some encrypted, one MQTT
// connection to a real Mosquitto; each meter under its own topics and Home Assistant device, and
// failing meters (a wrong key, a damaged history file) leave the others untouched.
import test from "ava";
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:net";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { Mosquitto, subscriber, until } from "./mqtt/mosquitto.js";
import { dsmrCapture, kamstrupCapture } from "./fleet-captures.js";
import { readCase } from "./helpers/corpus.js";
import { concatBytes } from "../modules/util/bytes.js";
import { readerId } from "../modules/publish/discovery.js";
import { Topics } from "../modules/publish/topics.js";
import { SharedMqtt, topicMatches } from "../hosts/node/shared-mqtt.js";
import { RAM_HISTORY_BLOCKS } from "../hosts/node/fleet.js";
import { drive, newHistory } from "./history-fixtures.js";

const cli = fileURLToPath(new URL("../hosts/node/cli.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "metertap-fleet-"));
const KEY = "000102030405060708090a0b0c0d0e0f";
const AK = "d0d1d2d3d4d5d6d7d8d9dadbdcdddedf";
const KEY2 = "f0e1d2c3b4a5968778695a4b3c2d1e0f";

function file(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return `file:${path}`;
}

/** A serial-to-TCP bridge that sends the capture to whoever connects, then stays open. */
async function bridge(bytes: Uint8Array, servers: Server[]): Promise<string> {
  const server = createServer((s) => s.write(Buffer.from(bytes)));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return `tcp:127.0.0.1:${(server.address() as { port: number }).port}`;
}

test("topic filters match as MQTT does", (t) => {
  t.true(topicMatches("metertap/a/cmd/#", "metertap/a/cmd/diag"));
  t.true(topicMatches("homeassistant/status", "homeassistant/status"));
  t.true(topicMatches("a/+/c", "a/b/c"));
  t.false(topicMatches("metertap/a/cmd/#", "metertap/ab/cmd/diag"));
  t.false(topicMatches("a/+/c", "a/b/c/d"));
});

test("a --config of 12 meters plus 3 failing ones: each meter's states, profiles and HA device, one connection", async (t) => {
  t.timeout(240_000); // fifteen meters on a shared two-core machine
  const broker = await Mosquitto.start();
  const servers: Server[] = [];
  t.teardown(async () => {
    for (const s of servers) s.close();
    await broker.stop();
  });
  const sml = readCase("sml-libsmltesting-iskra-mt691-ehz-ms2020").bytes;
  const enc = (id: string) => dsmrCapture(id, { key: KEY, authKey: AK });
  const meters = [
    { device_id: "dsmr-f1", source: file("f1.txt", dsmrCapture("F1")) },
    { device_id: "dsmr-f2", source: file("f2.txt", dsmrCapture("F2")), tz: "Europe/Brussels" },
    { device_id: "dsmr-f3", source: file("f3.txt", dsmrCapture("F3")), history: join(dir, "f3.bin") },
    { device_id: "dsmr-f4", source: file("f4.txt", dsmrCapture("F4")) },
    { device_id: "dsmr-t1", source: await bridge(dsmrCapture("T1"), servers) },
    { device_id: "dsmr-t2", source: await bridge(dsmrCapture("T2"), servers), history: join(dir, "t2.bin") },
    { device_id: "lux-f1", source: file("e1.bin", enc("L1")), key: KEY, auth_key: AK },
    { device_id: "lux-t1", source: await bridge(enc("L2"), servers), key: KEY, auth_key: AK },
    { device_id: "lux-f2", source: file("e3.bin", dsmrCapture("L3", { key: KEY2, authKey: AK })), key: KEY2, auth_key: AK },
    { device_id: "kamstrup-f1", source: file("k1.bin", kamstrupCapture()) },
    { device_id: "kamstrup-t1", source: await bridge(kamstrupCapture(), servers) },
    { device_id: "kamstrup-f2", source: file("k2.bin", kamstrupCapture()), history: join(dir, "k2.bin.flash") },
    // Failing meters: a wrong key, a damaged history file, a bridge nobody listens on.
    { device_id: "wrong-key", source: file("e4.bin", enc("L4")), key: KEY2, auth_key: AK },
    { device_id: "damaged", source: file("f5.txt", dsmrCapture("F5")), history: file("damaged.bin", new Uint8Array(100)).slice(5) },
    { device_id: "dead-link", source: "tcp:127.0.0.1:1" },
    // SML without a meter clock, paced: live states only (its profiles follow the host clock).
    { device_id: "sml-f1", source: `${file("sml.bin", concatBytes(Array(30).fill(sml)))},speed=${sml.length * 5}` },
  ];
  const config = join(dir, "meters.yaml");
  writeFileSync(config, stringify({ meters }));
  const watch = await subscriber(broker.url, ["metertap/#", "homeassistant/#"]);
  const child = spawn(process.execPath, [cli, "run", "--config", config, "--mqtt", broker.url], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr.on("data", (b) => (err += b));
  const code = new Promise<number>((r) => child.on("close", (c) => r(c ?? -1)));
  t.teardown(() => void child.kill("SIGKILL")); // (a no-op once it has exited)
  const good = meters.slice(0, 12).map((m) => m.device_id);
  const profiles = (id: string) => watch.messages.filter((m) => m.topic === `metertap/${id}/profile/quarter-hour`).map((m) => JSON.parse(m.payload));
  await until(() => good.every((id) => profiles(id).length >= 7), 100_000, `7 quarter-hours from each of 12 meters\n${err}`);
  child.kill("SIGINT");
  t.is(await code, 1, "a meter that could not run makes the exit code 1");

  for (const id of good) {
    const starts = profiles(id).map((p) => Date.parse(p.start));
    t.is(starts.length, 7, id);
    for (let i = 1; i < starts.length; i++) t.is(starts[i] - starts[i - 1], 900_000, `${id}: consecutive quarter-hours`);
    const states = watch.messages.filter((m) => m.topic === `metertap/${id}/state`);
    t.true(states.length > 0, `${id}: states`);
    // One HA device per meter, its sensors naming it.
    const configs = watch.messages.filter((m) => m.topic.startsWith(`homeassistant/sensor/${id}/`));
    t.true(configs.length > 3, `${id}: discovery`);
    // The meter's device; its reader's (diagnostics); a gas sub-meter's, linked to the meter's.
    const devices = new Set<string>();
    for (const c of configs) {
      const device = JSON.parse(c.payload).device;
      t.true([id, readerId(new Topics("metertap", id))].includes(device.identifiers[0]) || device.via_device === id, c.topic);
      devices.add(device.identifiers[0]);
    }
    t.true(devices.has(id), `${id}: its own meter device`);
  }
  // The Luxembourg meters' import registers decrypted to the generator's values.
  const lux = JSON.parse(watch.messages.find((m) => m.topic === "metertap/lux-f1/state")!.payload);
  t.true(lux.energy_import > 6_000_000, JSON.stringify(lux));
  t.true(watch.messages.some((m) => m.topic === "metertap/sml-f1/state"));
  t.false(watch.messages.some((m) => m.topic.startsWith("metertap/wrong-key/state")));
  t.false(watch.messages.some((m) => m.topic.startsWith("metertap/damaged/")));
  t.regex(err, /\[wrong-key\] ([1-9]\d*) frames, 0 ok, \1 refused/);
  t.regex(err, /\[damaged\] stopped: cannot start: .*4096-byte blocks/);
  t.regex(err, /\[dead-link\] source: tcp 127\.0\.0\.1:1: ECONNREFUSED/);
  // One MQTT client for all: the broker logged a single connection from metertap.
  t.is(broker.log.match(/New client connected from .* as metertap-/g)?.length, 1, broker.log);
  await watch.client.endAsync();
});

test("one connection for many meters: QoS 0 publishes queue no 'drain' listener while the socket is backed up", async (t) => {
  const broker = await Mosquitto.start();
  t.teardown(() => broker.stop());
  const shared = new SharedMqtt(broker.url, "metertap-drain-test", { topic: "metertap/host-test/status", payload: "offline", retain: true }, () => {});
  shared.ensureConnected();
  await until(() => shared.connected, 10_000, "connect");
  const channels = Array.from({ length: 1000 }, () => shared.channel());
  const payload = "x".repeat(1024);
  for (let i = 0; i < 20; i++) for (const [n, c] of channels.entries()) c.publish(`metertap/m${n}/value/power`, payload, { retain: false });
  const stream = (shared.client as unknown as { client: { stream: { writableNeedDrain: boolean; listenerCount(e: string): number } } }).client.stream;
  t.true(stream.writableNeedDrain, "20 MB written at once backs the socket up");
  // mqtt.js adds one listener per publish that has a callback; each took a quadratic removal.
  t.true(stream.listenerCount("drain") <= 2, `${stream.listenerCount("drain")} drain listeners`);
  await shared.end();
});

test("a meter's RAM history (no history file) keeps 80 days of quarter-hours and every day's record", (t) => {
  // The fleet default is sized by this: a broker outage or a month's maximum demand fits.
  const { history } = newHistory(RAM_HISTORY_BLOCKS);
  const start = Date.UTC(2026, 0, 1);
  const end = start + 90 * 86_400_000;
  drive(history, start, end, 300, 1_000_000, { exportWh: 500, tariffs: [600_000, 400_000], volts: [231, 229, 230] });
  const starts = [...history.query("quarter-hour")].map((r) => (r as { start: number }).start);
  t.true(starts.length >= 80 * 96, `${starts.length} quarter-hours`);
  t.true(starts[0] <= end - 80 * 86_400_000, new Date(starts[0]).toISOString());
  t.true(starts.every((s, i) => i === 0 || s - starts[i - 1] === 900_000), "consecutive, none lost between");
  // Midnight UTC is 01:00 in the default zone: 91 local days touched, the first 90 closed.
  t.is([...history.query("daily")].length, 90, "every closed day");
});
