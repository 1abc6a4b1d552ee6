// Core publishing parts without a broker: quantities from real corpus readings, discovery configs,
// the monotonic guard, the command table and the outbox's cursor discipline.
import test from "ava";
import { decodeAll } from "../modules/decode/decoder.js";
import { quantities } from "../modules/publish/quantities.js";
import { discoveryMessages } from "../modules/publish/discovery.js";
import { stateJson } from "../modules/publish/state.js";
import { Topics, topicLevel } from "../modules/publish/topics.js";
import { MonotonicGuard } from "../modules/publish/guard.js";
import { CommandError, CommandTable } from "../modules/publish/commands.js";
import { Outbox, type LogRecord, type RecordLog } from "../modules/publish/outbox.js";
import { ValueTopics } from "../modules/publish/values.js";
import type { Publisher, PublishOptions } from "../modules/ports/ports.js";
import { readCase } from "./helpers/corpus.js";
import { pushedSource } from "./helpers/pushed-source.js";

function reading(id: string) {
  const [r] = decodeAll(readCase(id).bytes);
  if (!r.ok || !r.reading) throw new Error(`${id}: ${r.message}`);
  return r.reading;
}

test("quantities of a real DSMR 5 telegram carry the corpus values in Wh, W, V, A and m³", (t) => {
  const qs = quantities(reading("dsmr-athombv-dsmr-5.0-isk-1"));
  const by = Object.fromEntries(qs.map((q) => [q.key, q]));
  // 1-0:1.8.1(003808.351*kWh) + 1-0:1.8.2(002948.827*kWh)
  t.is(by.energy_import_t1.value, 3808351);
  t.is(by.energy_import_t2.value, 2948827);
  t.is(by.energy_import.value, 3808351 + 2948827);
  t.is(by.energy_export_t2.value, 2876514);
  t.is(by.power_export.value, 498);
  t.is(by.power_import.value, 0);
  t.is(by.voltage_l2.value, 232.6);
  t.is(by.current_l1.value, 2);
  t.deepEqual({ v: by.gas_1.value, u: by.gas_1.unit, c: by.gas_1.deviceClass, s: by.gas_1.stateClass }, { v: 1569.646, u: "m³", c: "gas", s: "total_increasing" });
  t.is(by.energy_import.stateClass, "total_increasing");
  t.is(by.power_import_l1.stateClass, "measurement");
  t.is(by.voltage_l1.deviceClass, "voltage");
  t.falsy(by.water_1);
});

test("sub-meters get their own device class: water, heat in GJ", (t) => {
  const fluvius = Object.fromEntries(quantities(reading("dsmr-ndokter-fluvius-v171")).map((q) => [q.key, q]));
  t.is(fluvius.water_2?.deviceClass, "water");
  t.is(fluvius.gas_1?.deviceClass, "gas");
  const heat = quantities(reading("dsmr-ndokter-v5-warmtelink-unpadded-crc")).find((q) => q.key.startsWith("heat_"));
  t.truthy(heat);
  t.is(heat!.deviceClass, "energy");
  t.is(heat!.unit, "GJ");
});

test("discovery: one retained config per quantity sent, complete and pointing at state and status", (t) => {
  const r = reading("dsmr-athombv-dsmr-5.0-isk-1");
  const qs = quantities(r);
  const topics = new Topics("metertap", topicLevel(r.meterId!));
  const msgs = [...discoveryMessages(qs, topics, {}, { expireAfterS: 300 })];
  t.is(msgs.length, qs.length);
  for (const m of msgs) {
    const c = JSON.parse(m.payload);
    t.regex(m.topic, /^homeassistant\/sensor\/[A-Za-z0-9_-]+\/[a-z0-9_]+\/config$/);
    t.is(c.state_topic, topics.value(m.topic.split("/")[3]));
    t.is(c.availability_topic, topics.status);
    t.is(c.value_template, undefined);
    t.truthy(c.unique_id && c.device);
  }
  const energy = JSON.parse(msgs.find((m) => m.topic.endsWith("/energy_import/config"))!.payload);
  t.like(energy, { name: "Energy import", device_class: "energy", state_class: "total_increasing", unit_of_measurement: "kWh", suggested_display_precision: 3 });
  t.is(energy.expire_after, undefined);
  const power = JSON.parse(msgs.find((m) => m.topic.endsWith("/power_import/config"))!.payload);
  t.like(power, { device_class: "power", state_class: "measurement", unit_of_measurement: "W", expire_after: 300 });
  const gas = JSON.parse(msgs.find((m) => m.topic.endsWith("/gas_1/config"))!.payload);
  t.is(gas.device.via_device, topics.deviceId);
  const state = JSON.parse(stateJson(r, qs));
  t.is(state.energy_import_t1, 3808351);
  t.is(state.time, r.time);
});

test("discovery: configs are made one at a time as they are taken, for the quantities known when announced", (t) => {
  const r = reading("dsmr-athombv-dsmr-5.0-isk-1");
  const qs = quantities(r);
  const count = qs.length;
  const topics = new Topics("metertap", topicLevel(r.meterId!));
  const stringify = JSON.stringify;
  let made = 0;
  JSON.stringify = ((...args: Parameters<typeof stringify>) => {
    made++;
    return stringify(...args);
  }) as typeof JSON.stringify;
  try {
    const it = discoveryMessages(qs, topics, {}, { expireAfterS: 300 });
    t.is(made, 0);
    t.regex(it.next().value!.topic, /\/config$/);
    t.is(made, 1);
    // A quantity the meter shows after the announcement is the next announcement's.
    qs.push({ ...qs[0], key: "energy_import_t9" });
    t.is([...it].length, count - 1);
    t.is(made, count);
  } finally {
    JSON.stringify = stringify;
  }
});

test("guard: a decrease and an implausible jump are held back and reported; normal growth passes", (t) => {
  const g = new MonotonicGuard({ confirmFrames: 3 });
  const q = (value: number) => [{ key: "energy_import", name: "", value, unit: "Wh", stateClass: "total_increasing" as const }];
  const t0 = Date.UTC(2026, 0, 1);
  t.is(g.check(q(1000), t0, null).pass.length, 1);
  t.is(g.check(q(1001), t0 + 10_000, null).pass.length, 1);
  const down = g.check(q(900), t0 + 20_000, null);
  t.is(down.pass.length, 0);
  t.is(down.events[0].type, "counter-decrease");
  // 10 s at 100 kW is at most ~278 Wh: 50 kWh is not a plausible step.
  const jump = g.check(q(51_001), t0 + 30_000, null);
  t.deepEqual([jump.pass.length, jump.events[0].type], [0, "counter-jump"]);
  t.is(g.check(q(1003), t0 + 40_000, null).pass[0].value, 1003);
  // A meter swap: the new, lower level is accepted only after it holds for 3 frames.
  t.is(g.check(q(5), t0 + 50_000, null).pass.length, 0);
  t.is(g.check(q(6), t0 + 60_000, null).pass.length, 0);
  const rebase = g.check(q(7), t0 + 70_000, null);
  t.is(rebase.pass[0].value, 7);
  t.is(rebase.events[0].type, "counter-rebase");
  // Measurements are never held.
  t.is(g.check([{ key: "power_import", name: "", value: 0, unit: "W", stateClass: "measurement" }], t0, null).pass.length, 1);
});

test("commands: unknown, malformed, unauthorised and failing commands get error replies", (t) => {
  const table = new CommandTable("s3cret-value");
  table.register("echo", (a) => a);
  table.register("boom", () => {
    throw new CommandError("bad stream");
  });
  table.register("crash", () => {
    throw new TypeError("internal detail");
  });
  t.deepEqual(table.handle("echo", '{"id":"7","secret":"s3cret-value","x":1}'), { id: "7", cmd: "echo", ok: true, result: { x: 1 } });
  const denied = table.handle("echo", '{"secret":"wrong"}');
  t.false(denied.ok);
  t.is(denied.error, "not authorised");
  t.false(table.handle("echo", "{not json").ok);
  t.false(table.handle("echo", "[1,2]").ok);
  t.false(table.handle("echo", "x".repeat(5000)).ok);
  const unknown = table.handle("nope", '{"secret":"s3cret-value"}');
  t.regex(unknown.error!, /unknown command 'nope'/);
  t.is(table.handle("boom", '{"secret":"s3cret-value"}').error, "bad stream");
  t.is(table.handle("crash", '{"secret":"s3cret-value"}').error, "command failed");
  for (const r of [denied, unknown]) t.false(JSON.stringify(r).includes("s3cret"));
  t.throws(() => table.register("Bad Name", () => 0));
  t.deepEqual(table.counts, { ok: 1, rejected: 7 });
});

class ArrayLog implements RecordLog<number> {
  records: number[] = [];
  readAfter(_stream: string, after: number | null, limit: number): LogRecord<number>[] {
    return this.records.filter((n) => after === null || n > after).slice(0, limit).map((n) => ({ cursor: n, json: String(n) }));
  }
  cursorToString(c: number): string {
    return String(c);
  }
  cursorFromString(s: string): number | null {
    return /^\d+$/.test(s) ? Number(s) : null;
  }
}

class FakePublisher implements Publisher {
  connected = true;
  onMessage?: (topic: string, payload: string) => void;
  onConnect?: () => void;
  onDisconnect?: () => void;
  sent: { payload: string; done?: (ok: boolean) => void }[] = [];
  publish(_topic: string, payload: string, _o?: PublishOptions, done?: (ok: boolean) => void): boolean {
    if (!this.connected) return false;
    this.sent.push({ payload, done });
    return true;
  }
  subscribe(): void {}
}

test("outbox: the cursor advances only over contiguous acknowledgements; a drop resends the unacknowledged", (t) => {
  const log = new ArrayLog();
  log.records = [1, 2, 3, 4, 5];
  const pub = new FakePublisher();
  const kv = new Map<string, string>();
  const store = { read: (k: string) => kv.get(k), write: (k: string, v: string) => void kv.set(k, v), delete: (k: string) => void kv.delete(k) };
  const box = new Outbox(log, pub, [{ stream: "quarter-hour", topic: "q" }], { qos: 1, window: 3 }, store);
  box.pump();
  t.deepEqual(pub.sent.map((m) => m.payload), ["1", "2", "3"]);
  pub.sent[1].done!(true); // 2 acked before 1: the cursor must not move
  t.is(box.cursors()["quarter-hour"], null);
  pub.sent[0].done!(true);
  t.is(box.cursors()["quarter-hour"], "2");
  t.deepEqual(pub.sent.map((m) => m.payload), ["1", "2", "3", "4", "5"]);
  box.persist();
  t.is(kv.get("pc-quarter-hour"), "2");
  pub.connected = false;
  box.disconnected();
  pub.sent[2].done!(true); // a late ack from the old connection is ignored
  t.is(box.cursors()["quarter-hour"], "2");
  pub.connected = true;
  box.pump();
  t.deepEqual(pub.sent.slice(5).map((m) => m.payload), ["3", "4", "5"]);
  for (const m of pub.sent.slice(5)) m.done!(true);
  t.true(box.idle);
  box.persist();
  // A restart resumes from the persisted cursor.
  log.records.push(6);
  const again = new Outbox(log, pub, [{ stream: "quarter-hour", topic: "q" }], { qos: 1 }, store);
  const before = pub.sent.length;
  again.pump();
  t.deepEqual(pub.sent.slice(before).map((m) => m.payload), ["6"]);
});

test("value topics: a change goes out once (at most once a second), the tick sends only what waits, a refresh is due per key", (t) => {
  const sent: string[] = [];
  let up = true;
  const pub = { connected: true, subscribe() {}, publish: (topic: string, payload: string, o?: PublishOptions) => {
    if (!up) return false;
    t.true(o?.retain);
    sent.push(`${topic.split("/").pop()}=${payload}`);
    return true;
  } } as Publisher;
  const topics = new Topics("metertap", "m");
  const v = new ValueTopics(30_000, 1000);
  const frame = (at: number, values: Record<string, number>): string[] => {
    const before = sent.length;
    for (const [key, value] of Object.entries(values)) v.noteQuantity({ key, name: key, value, unit: "" });
    v.publish(pub, topics, Object.keys(values).map((key) => ({ key })), at);
    return sent.slice(before);
  };
  const tick = (at: number): string[] => {
    const before = sent.length;
    v.publish(pub, topics, [], at);
    return sent.slice(before);
  };
  t.deepEqual(frame(0, { power: 1.2, energy: 100 }), ["power=1.2", "energy=100"]);
  t.deepEqual(frame(500, { power: 1.2, energy: 100 }), [], "nothing changed, no refresh due");
  t.deepEqual(frame(800, { power: 1.3, energy: 100 }), [], "a change 800 ms after the last send waits");
  t.deepEqual(tick(900), []);
  t.deepEqual(tick(1000), ["power=1.3"], "the tick sends it once the second is up");
  t.deepEqual(tick(1250), [], "and only once");
  t.deepEqual(frame(3000, { power: 1.4 }), ["power=1.4"]);
  t.deepEqual(frame(30_000, { power: 1.4, energy: 100 }), ["energy=100"], "energy's refresh is due, power's is not");
  up = false;
  t.deepEqual(frame(31_000, { power: 1.5 }), [], "refused while disconnected");
  up = true;
  v.reset();
  t.deepEqual(tick(31_250), ["power=1.5", "energy=100"], "after a reconnect every latest value goes out again");
  t.deepEqual(frame(31_500, { power: 1.6 }), []);
  t.deepEqual(frame(32_000, { power: 1.5 }), [], "changed back to what the broker holds: nothing to send");
  t.deepEqual(tick(33_000), []);
});

test("firmware: state is rate-limited (latest wins), per-value topics, nothing replayed after a drop", async (t) => {
  const { Firmware } = await import("../modules/app/firmware.js");
  const { Dsmr5Generator } = await import("../hosts/node/dsmr-generator.js");
  const pub = new FakePublisher();
  const topics: string[] = [];
  pub.publish = (topic: string, payload: string, _o?: PublishOptions, done?: (ok: boolean) => void) => {
    if (!pub.connected) return false;
    topics.push(topic);
    if (topic === "metertap/rl/value/voltage_l1") voltAt.push(clock.ms);
    pub.sent.push({ payload: `${topic} ${payload}` });
    done?.(true);
    return true;
  };
  const clock = { ms: Date.UTC(2026, 2, 28, 10), now: () => clock.ms };
  const voltAt: number[] = [];
  const line = pushedSource();
  const deliver = line.push;
  const fw = new Firmware({
    openSource: line.open,
    clock,
    publisher: pub,
    log: () => {},
  }, { deviceId: "rl", stateIntervalMs: 5000, perValueTopics: true });
  fw.start();
  const gen = new Dsmr5Generator({ startMs: clock.ms, intervalS: 1 });
  const states = () => pub.sent.filter((m) => m.payload.startsWith("metertap/rl/state ")).map((m) => JSON.parse(m.payload.slice(18)));
  for (let i = 0; i < 12; i++) {
    const tg = gen.next();
    clock.ms = tg.timeMs;
    deliver(tg.bytes);
    fw.tick(clock.ms);
  }
  // Frames at 0..11 s with a 5 s limit: states at 0, 5 and 10 s, each the frame of that second.
  t.deepEqual(states().map((s) => s.time), ["2026-03-28T10:00:00Z", "2026-03-28T10:00:05Z", "2026-03-28T10:00:10Z"]);
  t.true(topics.includes("metertap/rl/value/energy_import"));
  const perValue = pub.sent.filter((m) => m.payload.startsWith("metertap/rl/value/voltage_l1 "));
  // Retained per-value topics carry the latest value when it changed, within the same 5 s limit.
  const volts = perValue.map((m) => Number(m.payload.split(" ")[1]));
  t.true(volts.length >= 2 && volts.every((v, i) => i === 0 || v !== volts[i - 1]));
  t.true(voltAt.every((at, i) => i === 0 || at - voltAt[i - 1] >= 5000), JSON.stringify(voltAt));
  t.is(volts[0], states()[0].voltage_l1);
  pub.connected = false;
  pub.onDisconnect?.();
  for (let i = 0; i < 10; i++) {
    const tg = gen.next();
    clock.ms = tg.timeMs;
    deliver(tg.bytes);
    fw.tick(clock.ms);
  }
  pub.connected = true;
  pub.onConnect?.();
  fw.tick(clock.ms + 1);
  // The frames of the outage are not replayed as state.
  t.is(states().length, 3);
  fw.stop();
  t.regex(pub.sent.at(-1)!.payload, /^metertap\/rl\/status offline$/);
});

test("firmware: with a microsecond counter, diagnostics report compute per frame (wrapping at 2^32); without one, nothing", async (t) => {
  const { Firmware } = await import("../modules/app/firmware.js");
  const { Dsmr5Generator } = await import("../hosts/node/dsmr-generator.js");
  const diagOf = (micros?: () => number) => {
    const line = pushedSource();
  const deliver = line.push;
    const clock = { ms: Date.UTC(2026, 2, 28, 10), now: () => clock.ms };
    const fw = new Firmware({
      openSource: line.open,
      clock,
      log: () => {},
      micros,
    }, { deviceId: "cu" });
    fw.start();
    const gen = new Dsmr5Generator({ startMs: clock.ms, intervalS: 1 });
    for (let i = 0; i < 4; i++) deliver(gen.next().bytes);
    const d = fw.diag();
    fw.stop();
    return d;
  };
  // Each read of the counter advances it by 150 µs, starting just below the wrap: 4 frames, 150 µs each.
  let us = 2 ** 32 - 200;
  const d = diagOf(() => {
    const now = us >>> 0;
    us += 150;
    return now;
  });
  t.is(d.frames, 4);
  t.is(d.compute_us_per_frame, 150);
  t.false("compute_us_per_frame" in diagOf());
});

test("firmware: a backed-up link refuses publishes: state, command replies and diagnostics wait for the next tick, discovery goes out as the link takes it", async (t) => {
  const { Firmware } = await import("../modules/app/firmware.js");
  const { Dsmr5Generator } = await import("../hosts/node/dsmr-generator.js");
  const pub = new FakePublisher();
  let room = 0;
  const topics: string[] = [];
  // Connected throughout; takes only `room` more messages (a socket with 8 KiB waiting refuses).
  pub.publish = (topic: string, payload: string) => {
    if (room <= 0) return false;
    room--;
    topics.push(topic);
    return true;
  };
  const clock = { ms: Date.UTC(2026, 2, 28, 10), now: () => clock.ms };
  const line = pushedSource();
  const deliver = line.push;
  const fw = new Firmware({
    openSource: line.open,
    clock,
    publisher: pub,
    log: () => {},
  }, { deviceId: "bp" });
  room = 3; // status, link and one discovery config
  fw.start();
  pub.onConnect?.();
  deliver(new Dsmr5Generator({ startMs: clock.ms, intervalS: 1 }).next().bytes);
  pub.onMessage?.("metertap/bp/cmd/diag", '{"id":"d1"}');
  t.false(topics.includes("metertap/bp/state"), "refused while backed up");
  t.false(topics.includes("metertap/bp/response"));
  clock.ms += 250;
  fw.tick(clock.ms);
  t.false(topics.includes("metertap/bp/diag"), "diagnostics refused while backed up");
  const configs = () => topics.filter((x) => x.startsWith("homeassistant/")).length;
  const before = configs();
  room = 1000;
  clock.ms += 250;
  fw.tick(clock.ms);
  t.is(topics.filter((x) => x === "metertap/bp/state").length, 1, "the waiting state went out at the next tick");
  t.is(topics.filter((x) => x === "metertap/bp/response").length, 1, "and the command's reply");
  t.true(configs() > before + 20, `the rest of discovery followed (${before} -> ${configs()})`);
  t.is(topics.filter((x) => x === "metertap/bp/diag").length, 1, "diagnostics went out once the link took them, not a minute later");
  fw.stop();
});

test("firmware: diagnostics' entity values a backed-up link refuses go out at the next tick; unchanged ones are not sent again", async (t) => {
  const { Firmware } = await import("../modules/app/firmware.js");
  const pub = new FakePublisher();
  let valuesTaken = false;
  const values: string[] = [];
  pub.publish = (topic: string, payload: string) => {
    if (!topic.includes("/value/")) return true;
    if (!valuesTaken) return false;
    values.push(`${topic.split("/").at(-1)}=${payload}`);
    return true;
  };
  const clock = { ms: Date.UTC(2026, 2, 28, 10), now: () => clock.ms };
  const fw = new Firmware({ openSource: pushedSource().open, clock, publisher: pub, log: () => {} }, { deviceId: "dv" });
  fw.start();
  pub.onConnect?.();
  fw.tick(clock.ms);
  t.deepEqual(values, [], "refused");
  valuesTaken = true;
  clock.ms += 250;
  fw.tick(clock.ms);
  t.true(values.includes("frames=0") && values.includes("crc_errors=0"), values.join(" "));
  const sent = values.length;
  clock.ms += 60_000;
  fw.tick(clock.ms);
  // A minute on, only what changed (the uptime) goes out again: the broker keeps the rest.
  t.true(values.includes("uptime=0"));
  t.deepEqual(values.slice(sent), ["uptime=60"]);
  fw.stop();
});

/** A firmware on `pub` (connected at once) and a DSMR 5 meter that `send` reads one telegram of. */
async function meterOn(pub: Publisher, config: { deviceId: string; qos: 0 | 1 }) {
  const { Firmware } = await import("../modules/app/firmware.js");
  const { Dsmr5Generator } = await import("../hosts/node/dsmr-generator.js");
  const clock = { ms: Date.UTC(2026, 2, 28, 10), now: () => clock.ms };
  const line = pushedSource();
  const fw = new Firmware({ openSource: line.open, clock, publisher: pub, log: () => {} }, config);
  fw.start();
  pub.onConnect?.();
  const gen = new Dsmr5Generator({ startMs: clock.ms, intervalS: 10 });
  const send = () => {
    const tg = gen.next();
    clock.ms = tg.timeMs;
    line.push(tg.bytes);
  };
  return { fw, gen, send, clock };
}

test("firmware: a guard event stays queued until its PUBACK: lost with the connection it is sent again after the reconnect, refused by a backed-up link it goes out with the next tick", async (t) => {
  const pub = new FakePublisher();
  let eventsTaken = false;
  const events: { key: string; done?: (ok: boolean) => void }[] = [];
  pub.publish = (topic: string, payload: string, _o?: PublishOptions, done?: (ok: boolean) => void) => {
    if (!pub.connected) return false;
    if (!topic.endsWith("/event")) return true;
    if (!eventsTaken) return false;
    events.push({ key: JSON.parse(payload).key, done });
    return true;
  };
  const { fw, gen, send, clock } = await meterOn(pub, { deviceId: "ge", qos: 1 });
  send();
  gen.registers.importT1 -= 5000; // 5 kWh backwards: counter-decrease on energy_import_t1 and energy_import
  send();
  t.deepEqual(events, [], "refused while backed up");
  eventsTaken = true;
  fw.tick(clock.ms);
  t.deepEqual(events.map((e) => e.key), ["energy_import", "energy_import_t1"], "sent with the next tick");
  // The first is acknowledged; the connection drops before the second's PUBACK.
  events[0].done!(true);
  pub.connected = false;
  events[1].done!(false);
  pub.onDisconnect?.();
  fw.tick(clock.ms);
  t.is(events.length, 2, "nothing sent while disconnected");
  pub.connected = true;
  pub.onConnect?.();
  t.deepEqual(events.slice(2).map((e) => e.key), ["energy_import_t1"], "the unacknowledged one again, the acknowledged one not");
  events[2].done!(true);
  clock.ms += 250;
  fw.tick(clock.ms);
  pub.onConnect?.();
  t.is(events.length, 3, "delivered: never again");
  // A connection that dropped without saying what it lost: after the reconnect the unacknowledged goes again.
  gen.registers.importT1 -= 5000;
  send();
  t.deepEqual(events.slice(3).map((e) => e.key), ["energy_import", "energy_import_t1"]);
  events[3].done!(true);
  pub.onConnect?.();
  t.deepEqual(events.slice(5).map((e) => e.key), ["energy_import_t1"]);
  fw.stop();
});

test("firmware: with QoS 0 a live event is done when written and leaves the queue at once", async (t) => {
  const pub = new FakePublisher();
  const events: string[] = [];
  pub.publish = (topic: string, payload: string, _o?: PublishOptions, done?: (ok: boolean) => void) => {
    if (topic.endsWith("/event")) events.push(JSON.parse(payload).key);
    done?.(true);
    return true;
  };
  const { fw, gen, send, clock } = await meterOn(pub, { deviceId: "q0", qos: 0 });
  send();
  gen.registers.importT1 -= 5000;
  send();
  send();
  t.deepEqual(events, ["energy_import", "energy_import_t1"], "each once, none skipped");
  pub.onConnect?.();
  fw.tick(clock.ms);
  t.is(events.length, 2, "none sent again");
  fw.stop();
});

test("history command: a reply carries at most MAX_REPLY_CHARS of records (at least one); paging by `from` covers the day without gaps", async (t) => {
  const { Firmware } = await import("../modules/app/firmware.js");
  const { MAX_REPLY_CHARS } = await import("../modules/app/builtin-commands.js");
  const { Dsmr5Generator } = await import("../hosts/node/dsmr-generator.js");
  const { SimFlash } = await import("./sim-flash.js");
  const start = Date.UTC(2026, 2, 28, 0);
  const clock = { ms: start, now: () => clock.ms };
  const line = pushedSource();
  const fw = new Firmware({ openSource: line.open, clock, flash: new SimFlash({ blocks: 64 }), log: () => {} }, { deviceId: "hc" });
  fw.start();
  const gen = new Dsmr5Generator({ startMs: start, intervalS: 60 });
  for (let i = 0; i < 24 * 60; i++) {
    const tg = gen.next();
    clock.ms = tg.timeMs;
    line.push(tg.bytes);
  }
  const ask = (args: Record<string, unknown>) => {
    const r = fw.commands.handle("history", JSON.stringify(args)) as { ok: boolean; result: { truncated: boolean; records: { start: string; end: string }[] } };
    t.true(r.ok);
    return r.result;
  };
  const starts: string[] = [];
  let from = "2026-03-28T00:00:00Z";
  for (let page = 0; page < 20; page++) {
    const r = ask({ stream: "quarter-hour", from, to: "2026-03-29T00:00:00Z" });
    t.true(r.records.length >= 1);
    t.true(JSON.stringify(r.records).length <= MAX_REPLY_CHARS + 2 * r.records.length + 2, `page ${page}: ${JSON.stringify(r.records).length} chars`);
    starts.push(...r.records.map((x) => x.start));
    if (!r.truncated) break;
    from = r.records.at(-1)!.end;
  }
  // 95 closed quarter-hours (the last is still open), each once, in order.
  t.is(starts.length, 95);
  t.is(new Set(starts).size, 95);
  t.is(starts[0], "2026-03-28T00:00:00Z");
  t.is(starts.at(-1), "2026-03-28T23:30:00Z");
  fw.stop();
});

test("discovery: when the set of quantities grows, only the new ones are announced; all of them again on reconnect", async (t) => {
  const { Firmware } = await import("../modules/app/firmware.js");
  const { Dsmr5Generator } = await import("../hosts/node/dsmr-generator.js");
  const pub = new FakePublisher();
  const topics: string[] = [];
  pub.publish = (topic: string) => {
    topics.push(topic);
    return pub.connected;
  };
  const clock = { ms: Date.UTC(2026, 2, 28, 10), now: () => clock.ms };
  const line = pushedSource();
  const deliver = line.push;
  const fw = new Firmware({
    openSource: line.open,
    clock,
    publisher: pub,
    log: () => {},
  }, { deviceId: "gr" });
  fw.start();
  pub.onConnect?.();
  const gen = new Dsmr5Generator({ startMs: clock.ms, intervalS: 1 });
  const configs = () => topics.filter((x) => x.startsWith("homeassistant/"));
  deliver(gen.next().bytes);
  const first = configs().length;
  t.true(first > 20);
  // A total appears later (the page's period totals do, at the first closed quarter-hour).
  fw.extraQuantities = () => [{ key: "import_today", name: "Import today", value: 1200, unit: "Wh", deviceClass: "energy", stateClass: "total_increasing" }];
  deliver(gen.next().bytes);
  t.deepEqual(configs().slice(first), ["homeassistant/sensor/gr/import_today/config"]);
  pub.connected = false;
  pub.onDisconnect?.();
  pub.connected = true;
  pub.onConnect?.();
  const again = new Set(configs().slice(first + 1));
  t.deepEqual([...new Set(configs().slice(0, first + 1))].filter((x) => !again.has(x)), [], "the whole set again after a reconnect");
  fw.stop();
});

test("meter facts are read again only when their source changed: the same stream's next telegram, not another meter or a new entry", async (t) => {
  const { sameMeterInfoSource, meterInfo } = await import("../modules/publish/meter-info.js");
  const a = readCase("dsmr-ndokter-v5-iskra-mt382").bytes;
  const [r1, r2] = decodeAll(Buffer.concat([a, a])).map((r) => r.reading!);
  t.true(sameMeterInfoSource(r2, r1));
  t.false(sameMeterInfoSource(r1, null));
  const other = reading("dsmr-athombv-dsmr-5.0-isk-1");
  t.false(sameMeterInfoSource(other, r2));
  // A type line the meter sends later (0-0:96.1.7) is a new source, and a new fact.
  const typed = { ...r2, values: { ...r2.values, "0-0:96.1.7": { value: "T2-MODEL" } } };
  t.false(sameMeterInfoSource(typed, r2));
  t.is(meterInfo(typed).model, meterInfo(r2).model ?? "T2-MODEL");
});
