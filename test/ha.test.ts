// Home Assistant as its users see it, against a real Mosquitto with real captures: the Aidon
// two-list HDLC stream (energy only in the list without a meter id), the DSMR 5 stream with two
// M-Bus sub-meters and the Belgian stream with gas and water. Every config is held to Home
// Assistant's own rules (helpers/ha-rules.ts cites the source), no entity can feed its own state
// back, a subscriber that arrives after a config still gets a state, the device is the same
// whichever frame comes first, and names are not doubled.
import test from "ava";
import { Mosquitto, subscriber, until, type Received } from "./mqtt/mosquitto.js";
import { startPipeline, type Pipeline } from "../hosts/node/pipeline.js";
import { QueuedSource } from "../hosts/node/byte-queue.js";
import type { FirmwareConfig } from "../modules/app/firmware.js";
import type { KeyValueStore } from "../modules/ports/ports.js";
import { readCase } from "./helpers/corpus.js";
import { violations, DEVICE_CLASS_UNITS } from "./helpers/ha-rules.js";

const AIDON_IDLESS = "hdlc-athombv-aidon-example-2"; // list 2: clock and energy registers, no meter id
const AIDON_ID = "hdlc-athombv-aidon-example-1"; // list 1: meter id, type, power
const TWO_MBUS = "dsmr-ndokter-v5-two-mbus-iskra-am550";
const BELGIAN = "dsmr-ndokter-fluvius-v171";

interface Rig {
  pipeline: Pipeline;
  /** One frame followed by a quiet line, as a meter sends them; `gapMs` of fake time first. */
  push(id: string, gapMs?: number): void;
  settle(test: () => boolean, what: string): Promise<void>;
}

async function rig(config: FirmwareConfig = {}, store?: KeyValueStore): Promise<Rig> {
  let source!: QueuedSource;
  const clock = { ms: Date.UTC(2026, 2, 28, 10), now: () => clock.ms };
  const pipeline = await startPipeline({
    openSource: (cb) => (source = new QueuedSource(cb)),
    mqttUrl: broker.url,
    clock,
    tickMs: 0,
    store,
    config: { minBackoffMs: 1000, maxBackoffMs: 8000, ...config },
    log: () => {},
  });
  return {
    pipeline,
    push(id, gapMs = 1000) {
      clock.ms += gapMs;
      source.deliver(readCase(id).bytes);
      pipeline.firmware.endOfInput();
      pipeline.firmware.tick(clock.ms);
    },
    async settle(test, what) {
      await until(() => {
        clock.ms += 250;
        pipeline.firmware.tick(clock.ms);
        return test();
      }, 10_000, what);
    },
  };
}

/** Runs a stream: connects, then sends each frame; returns the device id. */
async function play(frames: string[], config: FirmwareConfig = {}): Promise<{ r: Rig; id: string }> {
  const r = await rig(config);
  r.push(frames[0]);
  for (const f of frames.slice(1)) r.push(f);
  await r.settle(() => r.pipeline.firmware.connected, "connect");
  for (const f of frames) r.push(f); // once more, connected
  return { r, id: r.pipeline.firmware.topics!.deviceId };
}

/** Everything retained under the device's discovery and value topics, as a newcomer sees it. */
async function retained(id: string, settleMs = 400): Promise<Received[]> {
  const sub = await subscriber(broker.url, [`homeassistant/+/${id}/+/config`, `metertap/${id}/value/+`, `metertap/${id}/status`]);
  await new Promise((res) => setTimeout(res, settleMs));
  await sub.client.endAsync();
  return sub.messages;
}

/** A value the corpus source asserts for an OBIS line (ndokter/dsmr_parser cases). */
function asserted(id: string, obis: string): string {
  return String(readCase(id).expected.expected.values.find((v: any) => v.obis_line_matched === obis).value);
}

const configsOf = (msgs: Received[]) => msgs.filter((m) => m.topic.endsWith("/config")).map((m) => ({ topic: m.topic, component: m.topic.split("/")[1], c: JSON.parse(m.payload) }));

let broker: Mosquitto;
test.before(async () => {
  broker = await Mosquitto.start();
});
test.after.always(async () => {
  await broker?.stop();
});

const STREAMS: [string, string[]][] = [
  ["Aidon two-list HDLC", [AIDON_IDLESS, AIDON_ID]],
  ["DSMR 5 with two M-Bus sub-meters", [TWO_MBUS]],
  ["Belgian with gas and water", [BELGIAN]],
];

for (const [name, frames] of STREAMS) {
  test.serial(`${name}: every config keeps Home Assistant's rules, and every entity has a retained value`, async (t) => {
    const { r, id } = await play(frames);
    const msgs = await retained(id);
    const configs = configsOf(msgs);
    t.true(configs.length > 10, `${configs.length} configs`);
    const ids = new Set<string>();
    const devices = new Map<string, any>();
    for (const { topic, component, c } of configs) {
      t.deepEqual(violations(component, c), [], topic);
      t.regex(topic, /^homeassistant\/(sensor|binary_sensor)\/[A-Za-z0-9_-]+\/[A-Za-z0-9_-]+\/config$/);
      t.false(ids.has(c.unique_id), `duplicate unique_id ${c.unique_id}`);
      ids.add(c.unique_id);
      t.like(c, { availability_topic: `metertap/${id}/status`, payload_available: "online", payload_not_available: "offline" });
      devices.set(c.device.identifiers[0], c.device);
      // Names are short and on their device: never the device name again.
      if (c.name !== null) t.false(c.name.toLowerCase().includes(String(c.device.name).toLowerCase()), `${c.name} repeats ${c.device.name}`);
      // A state for it is retained, in a form Home Assistant accepts for its kind.
      const value = msgs.find((m) => m.topic === c.state_topic);
      t.truthy(value?.retain, `no retained state for ${topic}`);
      if (!value) continue;
      if (component === "binary_sensor") t.regex(value.payload, /^(ON|OFF)$/);
      else if (c.options) t.true(c.options.includes(value.payload), `${value.payload} not in ${c.options}`);
      else if (c.device_class === "timestamp") t.false(Number.isNaN(Date.parse(value.payload)));
      else t.regex(value.payload, /^-?\d+(\.\d+)?$/, `${c.state_topic} ${value.payload}`);
    }
    t.like(msgs.find((m) => m.topic.endsWith("/status")), { payload: "online", retain: true });
    // via_device points at a device these configs create, so Home Assistant links them.
    for (const d of devices.values()) if (d.via_device) t.true(devices.has(d.via_device), `dangling via_device ${d.via_device}`);
    // Diagnostics sit on the reader; the meter is via the reader, sub-meters via the meter.
    const reader = configs.find((x) => x.c.entity_category === "diagnostic")!.c.device;
    t.like(reader, { manufacturer: "metertap" });
    const meter = configs.find((x) => x.topic.endsWith("/energy_import/config"))!.c.device;
    t.is(meter.via_device, reader.identifiers[0]);
    t.is(meter.identifiers[0], id);
    await r.pipeline.shutdown();
  });
}

test.serial("energy in kWh with display precision, the tariff as a named enum; per-phase and unused export disabled", async (t) => {
  const { r, id } = await play([BELGIAN]);
  const msgs = await retained(id);
  const by = Object.fromEntries(configsOf(msgs).map((x) => [x.topic.split("/")[3], x.c]));
  const value = (key: string) => msgs.find((m) => m.topic === `metertap/${id}/value/${key}`)?.payload;
  // 1-0:1.8.2(00015.758*kWh): published as the meter shows it, in kWh.
  t.is(value("energy_import_t2"), String(Number(asserted(BELGIAN, "1-0:1.8.2"))));
  t.is(value("energy_import"), String(Number(asserted(BELGIAN, "1-0:1.8.1")) + Number(asserted(BELGIAN, "1-0:1.8.2"))));
  t.is(value("demand_average"), String(Number(asserted(BELGIAN, "1-0:1.4.0")) * 1000));
  t.like(by.energy_import_t1, { unit_of_measurement: "kWh", device_class: "energy", state_class: "total_increasing", suggested_display_precision: 3 });
  t.true(DEVICE_CLASS_UNITS.energy.includes(by.energy_import.unit_of_measurement));
  t.like(by.gas_1, { unit_of_measurement: "m³", device_class: "gas", suggested_display_precision: 3, name: null });
  t.like(by.tariff, { device_class: "enum", options: ["T1", "T2", "T3", "T4"] });
  t.is(asserted(BELGIAN, "0-0:96.14.0"), "0001");
  t.is(value("tariff"), "T1");
  for (const k of ["voltage_l1", "current_l1", "power_import_l1"]) if (by[k]) t.is(by[k].enabled_by_default, false, k);
  t.is(by.energy_import.enabled_by_default, undefined);
  // This home exports (2.8.2 is 0.011 kWh): its export entities are enabled.
  t.is(asserted(BELGIAN, "1-0:2.8.2"), "0.011");
  t.is(by.energy_export.enabled_by_default, undefined);
  await r.pipeline.shutdown();
  // One that exports nothing gets its export entities disabled, import ones enabled.
  const two = await play([TWO_MBUS]);
  const twoBy = Object.fromEntries(configsOf(await retained(two.id)).map((x) => [x.topic.split("/")[3], x.c]));
  t.is(twoBy.energy_export.enabled_by_default, false);
  t.is(twoBy.energy_export_t1.enabled_by_default, false);
  t.is(twoBy.power_export.enabled_by_default, false);
  t.is(twoBy.energy_import_t1.enabled_by_default, undefined);
  await two.r.pipeline.shutdown();
});

test.serial("no entity's state can depend on its own state: no templates; a frame without a key leaves its topic alone", async (t) => {
  const { r, id } = await play([AIDON_IDLESS, AIDON_ID]);
  const configs = configsOf(await retained(id));
  for (const { topic, c } of configs) {
    // Without a template Home Assistant takes the payload as it is: `this.state` cannot come in.
    t.is(c.value_template, undefined, topic);
    t.false(JSON.stringify(c).includes("{{"), topic);
  }
  const energyTopic = `metertap/${id}/value/energy_import`;
  const watch = await subscriber(broker.url, [energyTopic]);
  await until(() => watch.messages.length === 1, 5000, "retained energy");
  const before = watch.messages[0].payload;
  // List 1 carries no energy registers: nothing goes to the energy entity, it keeps its value.
  for (let i = 0; i < 5; i++) r.push(AIDON_ID);
  await new Promise((res) => setTimeout(res, 300));
  t.deepEqual(watch.messages.map((m) => m.payload), [before]);
  // 10049.926 kWh from 1-0:1.8.0 of list 2, never divided or echoed.
  t.is(before, "10049.926");
  await watch.client.endAsync();
  await r.pipeline.shutdown();
});

test.serial("a fresh subscriber that subscribes to a state topic only after seeing its config still receives a state", async (t) => {
  const r = await rig();
  const seen = new Map<string, string>();
  const states = new Map<string, string>();
  const ha = await subscriber(broker.url, ["homeassistant/+/+/+/config"]);
  // As Home Assistant does: on a config, subscribe to its state topic (after the fact).
  ha.client.on("message", (topic, payload) => {
    if (!topic.endsWith("/config") || seen.has(topic)) return;
    const stateTopic = JSON.parse(payload.toString()).state_topic as string;
    seen.set(topic, stateTopic);
    void ha.client.subscribeAsync(stateTopic, { qos: 1 });
  });
  ha.client.on("message", (topic, payload) => {
    if (!topic.endsWith("/config")) states.set(topic, payload.toString());
  });
  r.push(BELGIAN);
  await r.settle(() => r.pipeline.firmware.connected, "connect");
  r.push(BELGIAN); // configs and the first state leave in the same instant
  await until(() => seen.size > 10 && [...seen.values()].every((s) => states.has(s)), 5000,
    `states for every config: missing ${[...seen.values()].filter((s) => !states.has(s)).join(", ")}`);
  t.is(states.get(`metertap/${r.pipeline.firmware.topics!.deviceId}/value/gas_1`), asserted(BELGIAN, "0-1:24.2.3"));
  t.is(states.get(`metertap/${r.pipeline.firmware.topics!.deviceId}/value/water_2`), asserted(BELGIAN, "0-2:24.2.1"));
  await ha.client.endAsync();
  await r.pipeline.shutdown();
});

test.serial("the device id is the meter id whichever Aidon list comes first, and stays after a restart with id-less frames", async (t) => {
  const kv = new Map<string, string>();
  const store: KeyValueStore = { read: (k) => kv.get(k), write: (k, v) => void kv.set(k, v), delete: (k) => void kv.delete(k) };
  const a = await rig({}, store);
  a.push(AIDON_IDLESS);
  t.is(a.pipeline.firmware.topics, undefined); // waits for a frame with the meter id
  a.push(AIDON_ID);
  t.is(a.pipeline.firmware.topics?.deviceId, "7359992890941742");
  await a.pipeline.shutdown();
  const b = await rig();
  b.push(AIDON_ID);
  t.is(b.pipeline.firmware.topics?.deviceId, "7359992890941742");
  await b.pipeline.shutdown();
  // Next run, same store: known at once, before any frame.
  const c = await rig({}, store);
  t.is(c.pipeline.firmware.topics?.deviceId, "7359992890941742");
  await c.pipeline.shutdown();
});

test.serial("a meter that never sends an id gets a generated id after the wait, kept for the next run", async (t) => {
  const kv = new Map<string, string>();
  const store: KeyValueStore = { read: (k) => kv.get(k), write: (k, v) => void kv.set(k, v), delete: (k) => void kv.delete(k) };
  const a = await rig({ identityWaitMs: 5000 }, store);
  a.push(AIDON_IDLESS);
  a.push(AIDON_IDLESS, 2000);
  t.is(a.pipeline.firmware.topics, undefined);
  a.push(AIDON_IDLESS, 4000);
  const id = a.pipeline.firmware.topics?.deviceId;
  t.regex(id ?? "", /^meter-[0-9a-f]+$/);
  await a.pipeline.shutdown();
  const b = await rig({ identityWaitMs: 5000 }, store);
  t.is(b.pipeline.firmware.topics?.deviceId, id);
  await b.pipeline.shutdown();
});

test.serial("devices: the meter named by its own identification, sub-meters with a null entity name, no doubled names", async (t) => {
  const { r, id } = await play([TWO_MBUS], { device: { swVersion: "1.2.3", configurationUrl: "http://dongle.local:8080/" } });
  const msgs = await retained(id);
  const configs = configsOf(msgs);
  const by = Object.fromEntries(configs.map((x) => [x.topic.split("/")[3], x.c]));
  // /ISK5\2M550T-1012: Iskra AM550.
  t.like(by.energy_import.device, { manufacturer: "Iskra", model: "M550T-1012", serial_number: "E0044007382246019" });
  t.like(by.frames.device, { manufacturer: "metertap", sw_version: "1.2.3", configuration_url: "http://dongle.local:8080/" });
  t.is(by.frames.entity_category, "diagnostic");
  // The meter link from diag (`link: up`) as a connectivity binary_sensor; counters as counted.
  t.like(by.link, { device_class: "connectivity", entity_category: "diagnostic" });
  t.is(configs.find((x) => x.topic.endsWith("/link/config"))!.component, "binary_sensor");
  const value = (key: string) => msgs.find((m) => m.topic === `metertap/${id}/value/${key}`)?.payload;
  t.is(value("link"), "ON");
  t.is(value("frames"), "1"); // diagnostics as of the connect (every 60 s): the one frame before it
  t.is(value("crc_errors"), "0");
  const gas = configs.filter((x) => /\/gas_\d+\/config$/.test(x.topic));
  t.true(gas.length >= 1);
  for (const { c } of gas) {
    t.is(c.name, null);
    t.regex(c.device.name, /^Gas meter \S+$/);
    t.is(c.device.via_device, id);
  }
  t.is(by.energy_import.name, "Energy import");
  await r.pipeline.shutdown();
  // Aidon: the maker from list 1's version text AIDON_V0001, the model from its meter type 6515;
  // the energy entities, announced from list 2 before list 1 arrived, carry them too.
  const aidon = await play([AIDON_IDLESS, AIDON_ID]);
  const aidonBy = Object.fromEntries(configsOf(await retained(aidon.id)).map((x) => [x.topic.split("/")[3], x.c]));
  t.like(aidonBy.energy_import.device, { manufacturer: "Aidon", model: "6515", serial_number: "7359992890941742", name: "Aidon meter 7359992890941742" });
  await aidon.r.pipeline.shutdown();
});
