// Integration against a real Mosquitto: discovery, state values, availability and last will,
// re-announce, a two-hour broker outage with backfill, the monotonic guard, commands and secrets.
import test from "ava";
import { Mosquitto, subscriber, until, type Received } from "./mqtt/mosquitto.js";
import { startPipeline, type Pipeline } from "../hosts/node/pipeline.js";
import { QueuedSource } from "../hosts/node/byte-queue.js";
import { Dsmr5Generator } from "../hosts/node/dsmr-generator.js";
import type { FirmwareConfig } from "../modules/app/firmware.js";
import { readCase } from "./helpers/corpus.js";
import { isoUtc } from "../modules/util/time.js";

interface Rig {
  pipeline: Pipeline;
  push(bytes: Uint8Array): void;
  clock: { ms: number; now(): number };
  logs: string[];
  /** Ticks with the fake clock until `test` holds. */
  settle(test: () => boolean, what: string): Promise<void>;
}

async function rig(url: string | undefined, config: FirmwareConfig = {}, startMs = Date.UTC(2026, 2, 28, 10)): Promise<Rig> {
  let source!: QueuedSource;
  const clock = { ms: startMs, now: () => clock.ms };
  const logs: string[] = [];
  const pipeline = await startPipeline({
    openSource: (cb) => (source = new QueuedSource(cb)),
    mqttUrl: url,
    brokerPort: 0,
    clock,
    tickMs: 0,
    config: { minBackoffMs: 1000, maxBackoffMs: 8000, ...config },
    log: (l) => logs.push(l),
  });
  return {
    pipeline,
    // Each push is one telegram followed by a quiet line, as a meter sends them.
    push: (b) => {
      source.deliver(b);
      pipeline.firmware.endOfInput();
    },
    clock,
    logs,
    async settle(test, what) {
      // Fake time passes at the host's tick cadence while we wait (reconnect backoff).
      await until(() => {
        clock.ms += 250;
        pipeline.firmware.tick(clock.now());
        return test();
      }, 10_000, what);
    },
  };
}

const ISK = "dsmr-athombv-dsmr-5.0-isk-1";

/** The corpus's asserted value of an OBIS line: its first numeric group. */
function corpusNumber(expected: any, obis: string): number {
  const v = expected.expected.values.find((x: any) => x.obis === obis);
  return Number(v.groups[v.groups.length - 1].value);
}

let broker: Mosquitto;
test.before(async () => {
  broker = await Mosquitto.start();
});
test.after.always(async () => {
  await broker?.stop();
});

test.serial("discovery is retained and complete, state equals the corpus values, status is online", async (t) => {
  const c = readCase(ISK);
  const r = await rig(broker.url, { expireAfterS: 120 });
  r.push(c.bytes); // learns the device id from the meter; nothing is published yet
  await r.settle(() => r.pipeline.firmware.connected, "connect");
  const base = r.pipeline.firmware.topics!.base;
  t.is(base, "metertap/E0034006810516416");
  const live = await subscriber(broker.url, [`${base}/state`]);
  r.clock.ms += 1000;
  r.push(c.bytes);
  await until(() => live.messages.length === 1, 5000, "state");
  const state = JSON.parse(live.messages[0].payload);
  const kwh = (obis: string) => Math.round(corpusNumber(c.expected, obis) * 1000);
  t.is(state.energy_import_t1, kwh("1-0:1.8.1"));
  t.is(state.energy_import_t2, kwh("1-0:1.8.2"));
  t.is(state.energy_export_t1, kwh("1-0:2.8.1"));
  t.is(state.energy_export_t2, kwh("1-0:2.8.2"));
  t.is(state.power_export, kwh("1-0:2.7.0"));
  t.is(state.voltage_l1, corpusNumber(c.expected, "1-0:32.7.0"));
  t.is(state.voltage_l3, corpusNumber(c.expected, "1-0:72.7.0"));
  t.is(state.current_l1, corpusNumber(c.expected, "1-0:31.7.0"));
  t.is(state.power_export_l1, kwh("1-0:22.7.0"));
  t.is(state.gas_1, corpusNumber(c.expected, "0-1:24.2.1"));
  t.is(state.time, "2018-11-06T13:04:29Z");

  // A newcomer sees the retained configs and status.
  const late = await subscriber(broker.url, ["homeassistant/#", `${base}/status`]);
  await until(() => late.messages.some((m) => m.topic.endsWith("/status")) && late.messages.length >= Object.keys(state).length - 3, 5000, "retained");
  // One config per quantity, plus the reader's diagnostics.
  const configs = late.messages.filter((m) => m.topic.startsWith("homeassistant/") && !JSON.parse(m.payload).entity_category);
  const keys = Object.keys(state).filter((k) => !["time", "meter_id"].includes(k) && !k.endsWith("_time"));
  t.deepEqual(configs.map((m) => m.topic.split("/")[3]).sort(), keys.sort());
  for (const m of configs) {
    t.true(m.retain);
    const cfg = JSON.parse(m.payload);
    for (const field of ["unique_id", "state_topic", "availability_topic", "device"]) t.truthy(cfg[field], `${m.topic} ${field}`);
  }
  const byKey = Object.fromEntries(configs.map((m) => [m.topic.split("/")[3], JSON.parse(m.payload)]));
  t.like(byKey.energy_import, { device_class: "energy", state_class: "total_increasing", unit_of_measurement: "kWh" });
  t.like(byKey.power_import, { device_class: "power", state_class: "measurement", expire_after: 120 });
  t.like(byKey.voltage_l2, { device_class: "voltage", state_class: "measurement", unit_of_measurement: "V" });
  t.like(byKey.current_l3, { device_class: "current", unit_of_measurement: "A" });
  t.like(byKey.gas_1, { device_class: "gas", state_class: "total_increasing", unit_of_measurement: "m³" });
  t.deepEqual(late.messages.find((m) => m.topic.endsWith("/status"))!, { topic: `${base}/status`, payload: "online", retain: true });

  // Home Assistant restarts: its birth message brings every config again.
  const before = late.messages.length;
  await late.client.publishAsync("homeassistant/status", "online");
  const announced = (msgs: Received[]) => [...new Set(msgs.filter((m) => m.topic.endsWith("/config")).map((m) => m.topic))].sort();
  const all = announced(late.messages.slice(0, before));
  await until(() => announced(late.messages.slice(before)).length >= all.length, 5000, "re-announce");
  t.deepEqual(announced(late.messages.slice(before)), all);

  await Promise.all([live.client.endAsync(), late.client.endAsync()]);
  await r.pipeline.shutdown();
});

test.serial("nothing is published before the first good frame; a bad CRC publishes nothing", async (t) => {
  const watch = await subscriber(broker.url, ["metertap/boot-test/#", "homeassistant/+/boot-test/#"]);
  const r = await rig(broker.url, { deviceId: "boot-test" });
  await r.settle(() => r.pipeline.firmware.connected, "connect");
  const bad = readCase(ISK).bytes.slice();
  bad[bad.indexOf(0x28) + 1] ^= 1; // one digit of the first value: the CRC no longer matches
  r.push(bad);
  await new Promise((res) => setTimeout(res, 300));
  t.is(r.pipeline.firmware.decoder.stats.errors.crc, 1);
  // Status, meter link and diagnostics (all counters, and the reader's diagnostic entities: a wrong key
  // shows) may go out; no reading, no meter entity, no zero.
  const diagnostic = (m: Received) => m.topic.startsWith("homeassistant/") && JSON.parse(m.payload).entity_category === "diagnostic";
  const diagValue = (m: Received) => /\/value\/(frames|\w+_errors|last_telegram|uptime|heap|rssi|link)$/.test(m.topic);
  t.deepEqual(watch.messages.filter((m) => !/\/(status|diag|link)$/.test(m.topic) && !diagnostic(m) && !diagValue(m)).map((m) => m.topic), []);
  await r.pipeline.shutdown();
  await until(() => watch.messages.some((m) => m.topic === "metertap/boot-test/status" && m.payload === "offline"), 5000, "offline");
  t.pass();
  await watch.client.endAsync();
});

test.serial("the last will marks the device offline when the connection dies; it comes back online", async (t) => {
  const r = await rig(broker.url, { deviceId: "will-test" });
  await r.settle(() => r.pipeline.firmware.connected, "connect");
  const watch = await subscriber(broker.url, ["metertap/will-test/status"]);
  await until(() => watch.messages.at(-1)?.payload === "online", 5000, "online");
  // Cut the TCP connection without an MQTT DISCONNECT, as a WiFi drop would.
  (r.pipeline.publisher as any).client.stream.destroy();
  await until(() => watch.messages.at(-1)?.payload === "offline", 10_000, "will");
  r.clock.ms += 2000;
  await r.settle(() => watch.messages.at(-1)?.payload === "online", "reconnect");
  t.deepEqual(watch.messages.map((m) => m.payload).slice(-3), ["online", "offline", "online"]);
  await r.pipeline.shutdown();
  await until(() => watch.messages.at(-1)?.payload === "offline", 5000, "clean offline");
  await watch.client.endAsync();
});

function quarterStarts(messages: Received[]): string[] {
  return messages.filter((m) => m.topic.endsWith("/profile/quarter-hour")).map((m) => JSON.parse(m.payload).start);
}

test.serial("a two-hour broker outage loses no quarter-hour record: all arrive after reconnect, in order", async (t) => {
  const start = Date.UTC(2026, 2, 28, 10);
  const gen = new Dsmr5Generator({ startMs: start, intervalS: 10 });
  const r = await rig(broker.url, { deviceId: "outage" }, start);
  const feed = (seconds: number) => {
    for (let i = 0; i < seconds / 10; i++) {
      const tg = gen.next();
      r.clock.ms = tg.timeMs;
      r.push(tg.bytes);
      r.pipeline.firmware.tick(r.clock.ms);
    }
  };
  await r.settle(() => r.pipeline.firmware.connected, "connect");
  const before = await subscriber(broker.url, ["metertap/outage/profile/#"]);
  feed(30 * 60); // 10:00..10:30 live
  await until(() => quarterStarts(before.messages).length >= 1, 5000, "live records");
  await before.client.endAsync();
  const liveStarts = quarterStarts(before.messages);

  await broker.kill();
  await r.settle(() => !r.pipeline.firmware.connected, "drop noticed");
  try {
    feed(2 * 3600); // 10:30..12:30 while the broker is down: decoding and history go on
    t.false(r.pipeline.firmware.connected);
    await r.settle(() => r.logs.some((l) => /cannot use broker mqtt:\/\/127\.0\.0\.1:\d+: ECONNREFUSED; retrying/.test(l)), "refused");
  } finally {
    await broker.restart();
  }
  const after = await subscriber(broker.url, ["metertap/outage/profile/#", "metertap/outage/state"]);
  await r.settle(() => r.pipeline.firmware.connected && r.pipeline.firmware.delivered, "backfill");
  await until(() => quarterStarts(after.messages).length >= 8, 5000, `backfill received: ${JSON.stringify(r.pipeline.firmware.cursors)} ${after.messages.length} ${quarterStarts(before.messages)}`);
  const backfilled = quarterStarts(after.messages);
  // Every quarter hour closed from the last live one to 12:30, once, in order.
  const expected: string[] = [];
  const lastLive = Date.parse(liveStarts.at(-1)!);
  const lastReading = gen.nextTimeMs - 10_000; // 12:29:50: the 12:15 quarter is still open
  for (let s = lastLive + 900_000; s + 900_000 <= lastReading; s += 900_000) expected.push(isoUtc(s));
  t.is(expected.length, 8); // two hours of quarter hours
  t.deepEqual(backfilled.filter((s) => !liveStarts.includes(s)), expected);
  // State is live only: nothing of the outage is replayed on the state topic.
  t.is(after.messages.filter((m) => m.topic.endsWith("/state")).length, 0);
  const record = JSON.parse(after.messages.find((m) => m.topic.endsWith("/quarter-hour"))!.payload);
  t.truthy(record.end && record.delta && record.registers);
  await after.client.endAsync();
  await r.pipeline.shutdown();
});

test.serial("a meter counter that goes down is not published and is reported as an event", async (t) => {
  const start = Date.UTC(2026, 2, 28, 10);
  const gen = new Dsmr5Generator({ startMs: start, intervalS: 10 });
  const r = await rig(broker.url, { deviceId: "guard" }, start);
  await r.settle(() => r.pipeline.firmware.connected, "connect");
  const watch = await subscriber(broker.url, ["metertap/guard/state", "metertap/guard/event"]);
  const send = () => {
    const tg = gen.next();
    r.clock.ms = tg.timeMs;
    r.push(tg.bytes);
  };
  send();
  gen.registers.importT1 -= 5000; // 5 kWh backwards
  send();
  send();
  await until(() => watch.messages.filter((m) => m.topic.endsWith("/state")).length === 3 && watch.messages.some((m) => m.topic.endsWith("/event") && m.payload.includes("counter-decrease")), 5000, "messages");
  const states = watch.messages.filter((m) => m.topic.endsWith("/state")).map((m) => JSON.parse(m.payload));
  t.is(typeof states[0].energy_import_t1, "number");
  t.false("energy_import_t1" in states[1]);
  t.false("energy_import" in states[1]);
  t.is(typeof states[1].energy_import_t2, "number");
  t.false("energy_import_t1" in states[2]);
  const events = watch.messages.filter((m) => m.topic.endsWith("/event")).map((m) => JSON.parse(m.payload)).filter((e) => e.type === "counter-decrease");
  t.like(events.find((e) => e.key === "energy_import_t1"), { last: states[0].energy_import_t1, value: states[0].energy_import_t1 - 5000 });
  t.like(events.find((e) => e.key === "energy_import"), { last: states[0].energy_import });
  await watch.client.endAsync();
  await r.pipeline.shutdown();
});

test.serial("commands answer on the response topic; secrets appear in no message and no log line", async (t) => {
  const key = "000102030405060708090A0B0C0D0E0F";
  const authKey = "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF";
  const url = `mqtt://metertap:Pa55w0rd-xyz@127.0.0.1:${broker.port}`;
  const secret = "cmd-secret-42";
  const fromHex = (h: string) => new Uint8Array(h.match(/../g)!.map((x) => parseInt(x, 16)));
  const everything = await subscriber(broker.url, ["#"]);
  const r = await rig(url, { deviceId: "cmd", commandSecret: secret, encryptionKey: fromHex(key), authenticationKey: fromHex(authKey) });
  await r.settle(() => r.pipeline.firmware.connected, "connect");
  const gen = new Dsmr5Generator({ startMs: r.clock.ms, intervalS: 10 });
  for (let i = 0; i < 100; i++) {
    const tg = gen.next();
    r.clock.ms = tg.timeMs;
    r.push(tg.bytes);
  }
  const ask = async (cmd: string, body: object | string) => {
    const n = everything.messages.filter((m) => m.topic === "metertap/cmd/response").length;
    await everything.client.publishAsync(`metertap/cmd/cmd/${cmd}`, typeof body === "string" ? body : JSON.stringify(body));
    await r.settle(() => everything.messages.filter((m) => m.topic === "metertap/cmd/response").length > n, `reply to ${cmd}`);
    return JSON.parse(everything.messages.filter((m) => m.topic === "metertap/cmd/response").at(-1)!.payload);
  };
  const diag = await ask("diag", { id: "d1", secret });
  t.like(diag, { id: "d1", cmd: "diag", ok: true });
  t.is(diag.result.ok, 100);
  t.is(diag.result.crc_errors, 0);
  const raw = await ask("raw", { secret });
  t.true(raw.ok);
  t.regex(raw.result.hex, /^2f49534b35/); // "/ISK5"
  const history = await ask("history", { secret, stream: "quarter-hour", from: "2026-03-28T10:00:00Z" });
  t.true(history.ok);
  t.is(history.result.records[0].start, "2026-03-28T10:00:00Z");
  t.false((await ask("history", { secret, stream: "nonsense" })).ok);
  t.false((await ask("diag", { secret: "guess" })).ok);
  t.false((await ask("selfdestruct", { secret })).ok);
  t.false((await ask("diag", "not json")).ok);
  const reset = await ask("reset-counter", { secret });
  t.true(reset.ok);
  t.true(r.pipeline.firmware.connected, "still running after bad commands");
  await r.pipeline.shutdown();
  // Everything the device sent (the operator's own command messages excluded), and its log.
  const sent = everything.messages.filter((m) => !m.topic.startsWith("metertap/cmd/cmd/"));
  t.true(sent.length > 40);
  const text = sent.map((m) => m.topic + " " + m.payload).join("\n") + r.logs.join("\n");
  for (const s of [key, key.toLowerCase(), authKey, authKey.toLowerCase(), "Pa55w0rd-xyz", secret]) t.false(text.includes(s), `leaked ${s.slice(0, 4)}…`);
  await everything.client.endAsync();
});

test.serial("without --mqtt an embedded broker serves the readings", async (t) => {
  const r = await rig(undefined, { deviceId: "embedded" });
  const embedded = r.pipeline.embedded!;
  t.regex(r.pipeline.brokerUrl, /^mqtt:\/\/127\.0\.0\.1:\d+$/);
  await r.settle(() => r.pipeline.firmware.connected, "connect");
  const watch = await subscriber(embedded.url, ["metertap/embedded/#"]);
  r.push(readCase(ISK).bytes);
  await until(() => watch.messages.some((m) => m.topic.endsWith("/state")), 5000, "state");
  t.is(JSON.parse(watch.messages.find((m) => m.topic.endsWith("/state"))!.payload).energy_import_t1, 3808351);
  await watch.client.endAsync();
  await r.pipeline.shutdown();
});
