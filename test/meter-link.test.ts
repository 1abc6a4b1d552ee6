// The meter link in the firmware, with a fake clock and real corpus telegrams: the no-data timeout
// (link-lost / link-restored events, `link` in diag), and the idle flush that must never end a
// telegram still arriving.
import test from "ava";
import { Firmware } from "../modules/app/firmware.js";
import { SimFlash } from "./sim-flash.js";
import { pushedSource } from "./helpers/pushed-source.js";
import type { Publisher } from "../modules/ports/ports.js";
import { readCase } from "./helpers/corpus.js";

function rig(config: { linkTimeoutMs?: number } = {}, steady?: { ms: number }) {
  let now = Date.UTC(2026, 2, 28, 10);
  const line = pushedSource();
  const sent: { topic: string; payload: string }[] = [];
  /** While true the publisher refuses everything, as a backed-up link does. */
  const backedUp = { now: false };
  const pub: Publisher = {
    connected: true,
    publish(topic, payload, _o, done) {
      if (backedUp.now) return false;
      sent.push({ topic, payload });
      done?.(true);
      return true;
    },
    subscribe() {},
  };
  const logs: string[] = [];
  const fw = new Firmware({
    openSource: line.open,
    clock: steady ? { now: () => now, monotonic: () => steady.ms } : { now: () => now },
    flash: new SimFlash({ blocks: 32 }),
    publisher: pub,
    log: (l) => logs.push(l),
  }, { deviceId: "lk", qos: 1, ...config });
  fw.start();
  const results: boolean[] = [];
  fw.onReading = () => results.push(true);
  return {
    fw, pub, sent, logs, results, backedUp,
    /** Advances the clock (and the steady one) in ticks of `stepMs`. */
    wait(ms: number, stepMs = 250) {
      for (let t = 0; t < ms; t += stepMs) {
        now += stepMs;
        if (steady) steady.ms += stepMs;
        fw.tick(now);
      }
    },
    /** Sets the wall clock, as SNTP does after boot. */
    setWall(ms: number) {
      now = ms;
    },
    send: line.push,
  };
}

/** A corpus telegram as a meter sends it: the file lacks the line end after the CRC. */
function onWire(id: string): Uint8Array {
  return Uint8Array.from([...readCase(id).bytes, 0x0d, 0x0a]);
}

test("a DSMR 5 telegram arriving at 1 byte per second still decodes, first after boot and later", (t) => {
  const telegram = onWire("dsmr-athombv-dsmr-5.0-isk-1");
  const r = rig({ linkTimeoutMs: 60_000 });
  for (let round = 0; round < 2; round++) {
    for (const b of telegram) {
      r.send(Uint8Array.of(b));
      r.wait(1000);
    }
  }
  t.is(r.fw.decoder.stats.ok, 2, JSON.stringify(r.fw.decoder.stats.errors));
  t.is(r.fw.decoder.stats.errors.truncated, 0);
  t.is(r.results.length, 2);
});

test("a telegram without terminator (Iskra MT382, no CRC) still ends when the line goes quiet", (t) => {
  const telegram = readCase("dsmr-athombv-iskra-mt-382-no-crc").bytes;
  const r = rig();
  r.send(telegram);
  r.wait(250);
  t.is(r.fw.decoder.stats.ok, 0, "not before the line is quiet");
  r.wait(500);
  t.is(r.fw.decoder.stats.ok, 1);
});

test("no bytes for the timeout: link-lost event, link down in diag and on the link topic; bytes again: link-restored", (t) => {
  const telegram = readCase("dsmr-athombv-dsmr-5.0-isk-1").bytes;
  const r = rig({ linkTimeoutMs: 30_000 });
  r.send(telegram);
  r.wait(1000);
  t.is(r.fw.diag().link, "up");
  r.wait(28_000);
  t.is(r.fw.linkStatus.state, "up", "29 s of silence is within the timeout");
  r.wait(2000);
  const d = r.fw.diag();
  t.is(d.link, "down");
  t.is(d.link_lost, 1);
  t.is(Date.parse(d.link_since as string), Date.UTC(2026, 2, 28, 10) + 30_000);
  const events = () => r.sent.filter((m) => m.topic === "metertap/lk/event").map((m) => JSON.parse(m.payload).type);
  t.deepEqual(events().filter((e) => e.startsWith("link")), ["link-lost"]);
  t.is(r.sent.filter((m) => m.topic === "metertap/lk/link").at(-1)?.payload, "down");
  r.wait(60_000);
  t.deepEqual(events().filter((e) => e.startsWith("link")), ["link-lost"], "raised once per outage");
  r.send(telegram);
  r.wait(250);
  t.is(r.fw.linkStatus.state, "up");
  t.deepEqual(events().filter((e) => e.startsWith("link")), ["link-lost", "link-restored"]);
  t.is(r.sent.filter((m) => m.topic === "metertap/lk/link").at(-1)?.payload, "up");
  t.true(r.logs.some((l) => /no data from the meter for 30 s/.test(l)), r.logs.join("\n"));
  const stored = [...r.fw.history!.store.query("events")].map((e) => e.stream === "events" && e.type);
  t.deepEqual(stored.filter((e) => e && e.startsWith("link")), ["link-lost", "link-restored"], "in the history too");
});

test("the link topic follows the meter link: the first bytes after MQTT connected, and a change a backed-up MQTT link refused, reach it with a later tick", (t) => {
  const r = rig({ linkTimeoutMs: 30_000 });
  r.pub.onConnect?.();
  const linkTopic = () => r.sent.filter((m) => m.topic === "metertap/lk/link").map((m) => m.payload);
  t.deepEqual(linkTopic(), ["down"], "no byte yet at the connect");
  r.send(readCase("dsmr-athombv-dsmr-5.0-isk-1").bytes);
  r.wait(1000);
  // The first byte is no `link-restored` (nothing was lost), but the retained topic must not stay down.
  t.deepEqual(linkTopic(), ["down", "up"]);
  r.backedUp.now = true;
  r.wait(30_000);
  t.is(r.fw.linkStatus.state, "down");
  t.deepEqual(linkTopic(), ["down", "up"], "refused");
  r.backedUp.now = false;
  r.wait(250);
  t.deepEqual(linkTopic(), ["down", "up", "down"], "once the link takes it");
  r.wait(5000);
  t.deepEqual(linkTopic(), ["down", "up", "down"], "and once only");
});

test("a source that never sends a byte is reported lost once the timeout has passed", (t) => {
  const r = rig({ linkTimeoutMs: 30_000 });
  r.wait(29_000);
  t.is(r.fw.linkStatus.lost, 0);
  r.wait(1000);
  t.deepEqual({ state: r.fw.linkStatus.state, lost: r.fw.linkStatus.lost }, { state: "down", lost: 1 });
});

test("the wall clock set after boot (SNTP: 1970 to 2026) is no silence and no meter clock jump: no link-lost, no clock-jump, uptime in seconds, link_since on the new clock", (t) => {
  const telegram = onWire("dsmr-athombv-dsmr-5.0-isk-1");
  const steady = { ms: 5_000 };
  const r = rig({ linkTimeoutMs: 30_000 }, steady);
  r.setWall(1_000);
  r.send(telegram);
  r.wait(2000);
  r.setWall(Date.UTC(2026, 10, 30, 12));
  r.wait(2000);
  r.send(telegram);
  r.wait(250);
  const d = r.fw.diag();
  t.is(d.ok, 2);
  t.is(d.link, "up");
  t.is(d.link_lost, 0);
  t.is(d.uptime_s, 4);
  // Up since the first bytes, 4.25 s of steady time ago: 2 s before the clock was set.
  t.is(Date.parse(d.link_since as string), Date.UTC(2026, 10, 30, 12) - 2000);
  const events = r.sent.filter((m) => m.topic === "metertap/lk/event").map((m) => JSON.parse(m.payload).type);
  t.false(events.includes("link-lost"));
  t.false(events.includes("clock-jump"), "the meter's clock did not move: the host's was set");
});
