// Runtime state in flash (modules/app/flash-state.ts): a DLMS frame counter is in flash before its
// frame's values are published or recorded, so a power cut at any write never lets an accepted
// frame be accepted again; cursors and counters move to flash from an older host store without
// coming back; the outbox writes a moved cursor at each tick and after 32 deliveries.
import test from "ava";
import type { Publisher, PublishOptions } from "../modules/ports/ports.js";
import { Firmware } from "../modules/app/firmware.js";
import { FlashStateStore } from "../modules/app/flash-state.js";
import { WriteBehindStore } from "../modules/app/write-behind-store.js";
import { MemoryStore, REPLAY_STORE_KEY, ReplayGuard, resetReplayCounters } from "../modules/security/replay.js";
import { Outbox, type LogRecord, type RecordLog } from "../modules/publish/outbox.js";
import { Dsmr5Generator } from "../hosts/node/dsmr-generator.js";
import { nodeCipher } from "../hosts/node/cipher.js";
import { pushedSource } from "./helpers/pushed-source.js";
import { buildGlo } from "./security-frames.js";
import { PowerLoss, SimFlash } from "./sim-flash.js";

const KEY = "000102030405060708090a0b0c0d0e0f";
const AUTH = "d0d1d2d3d4d5d6d7d8d9dadbdcdddedf";
const TITLE = "4b464d6750000009";
const hex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));

class Pub implements Publisher {
  connected = true;
  states: string[] = [];
  publish(topic: string, payload: string, _o?: PublishOptions, done?: (ok: boolean) => void): boolean {
    if (topic.endsWith("/state")) this.states.push(JSON.parse(payload).time);
    done?.(true);
    return true;
  }
  subscribe(): void {}
}

/** Encrypted DSMR 5 telegrams every 60 s from 23:00 local (CET), counter = index + 1. */
function frames(n: number): { bytes: Uint8Array; time: string }[] {
  const g = new Dsmr5Generator({ startMs: Date.UTC(2026, 2, 28, 22, 0), intervalS: 60 });
  return Array.from({ length: n }, (_, i) => {
    const tg = g.next();
    return { bytes: buildGlo(tg.bytes, KEY, i + 1, { authKey: AUTH }), time: new Date(tg.timeMs).toISOString().replace(".000", "") };
  });
}

function firmware(flash: SimFlash) {
  const source = pushedSource();
  const pub = new Pub();
  const fw = new Firmware({ openSource: source.open, clock: { now: () => 0 }, flash, publisher: pub, cipher: nodeCipher, log: () => {} },
    { deviceId: "cut", qos: 1, encryptionKey: hex(KEY), authenticationKey: hex(AUTH), timeZone: "Europe/Amsterdam" });
  fw.start();
  return { fw, pub, push: source.push };
}

test("a cut at every write while a frame is taken: a frame published or recorded before the cut is refused after it", (t) => {
  const all = frames(80);
  // Frame 75 (00:14 local) is taken at every cut point; 61 (00:00) closed a day before it.
  const main = new SimFlash({ blocks: 16, seed: 2 });
  const before = firmware(main);
  for (const f of all.slice(0, 74)) before.push(f.bytes);
  t.is(before.fw.decoder.stats.ok, 74);
  const probe = main.clone();
  const p = firmware(probe);
  const base = probe.unitsUsed;
  p.push(all[74].bytes);
  p.push(all[75].bytes); // closes the 00:00-00:15 quarter-hour: history writes after the counter's
  const units = probe.unitsUsed - base;
  let published = 0;
  let refusedAfter = 0;
  for (let k = 0; k < units; k++) {
    const flash = main.clone();
    const run = firmware(flash);
    flash.cutAfter(k);
    try {
      for (const f of all.slice(74, 76)) run.push(f.bytes);
    } catch (e) {
      if (!(e instanceof PowerLoss)) throw e;
    }
    t.false(flash.powered, `cut after ${k} of ${units} units`);
    const seen = run.pub.states;
    published += seen.length;
    flash.powerOn();
    const after = firmware(flash);
    const last = new ReplayGuard(after.fw.store).last(hex(TITLE));
    t.true(last !== undefined && last >= 74, `cut after ${k}: counter went back to ${last}`);
    for (const f of all.slice(74, 77)) after.push(f.bytes);
    // Every frame whose values went out before the cut is a replay now; frames whose counter had
    // not reached flash are taken (their values never went out).
    const again = after.pub.states;
    for (const time of seen) t.false(again.includes(time), `cut after ${k}: ${time} accepted twice`);
    t.true(last! - 74 >= seen.length, `cut after ${k}: ${seen.length} published, counter ${last}`);
    t.is(after.fw.decoder.stats.errors.replay, last! - 74, `cut after ${k}`);
    t.deepEqual(again, all.slice(last!, 77).map((f) => f.time));
    refusedAfter += seen.filter((time) => !again.includes(time)).length;
  }
  t.true(units > 40, `${units} units`);
  t.true(published > 0 && refusedAfter === published);
  t.log(`${units} cut points; ${published} states published before a cut, each refused after it`);
});

test("state blocks that refuse every program: counted in diag, replays still refused while running, the rest carries on", (t) => {
  class Refusing extends SimFlash {
    override write(buffer: ArrayBuffer | ArrayBufferView, byteOffset: number): void {
      // The state store is the region's last 3 blocks of 16 (defaultLayout).
      if (byteOffset >= 13 * 4096) throw new Error("program failed");
      super.write(buffer, byteOffset);
    }
  }
  const all = frames(20);
  const run = firmware(new Refusing({ blocks: 16 }));
  for (const f of all.slice(0, 20)) run.push(f.bytes);
  run.push(all[5].bytes);
  t.is(run.fw.decoder.stats.ok, 20);
  t.is(run.fw.decoder.stats.errors.replay, 1);
  t.true((run.fw.diag().state_write_errors as number) >= 20);
  t.true(run.fw.history!.store.stats.records > 0, "the history is written");
});

test("counters and cursors move from the host's store to flash once, and a reset forgets them there", (t) => {
  const flash = new SimFlash({ blocks: 16 });
  const kv = new MemoryStore();
  kv.write(REPLAY_STORE_KEY, JSON.stringify({ [TITLE]: 41 }));
  kv.write("pc-daily", "3:40");
  kv.write("identity", "meter-1");
  const store = () => new FlashStateStore(flash, new WriteBehindStore(kv, 60_000, 0));
  let s = store();
  t.is(new ReplayGuard(s).last(hex(TITLE)), 41, "an image from before the state log: the host's store answers");
  t.is(s.read("pc-daily"), "3:40");
  new ReplayGuard(s).accept(hex(TITLE), 42);
  s.write("pc-daily", "3:60");
  s.write("identity", "meter-2");
  s.flush(0);
  t.is(kv.read(REPLAY_STORE_KEY), undefined, "the old copy is gone: it cannot come back after a reset");
  t.is(kv.read("pc-daily"), undefined);
  t.is(kv.read("identity"), "meter-2", "other keys stay in the host's store");
  s = store();
  t.is(new ReplayGuard(s).last(hex(TITLE)), 42);
  t.is(s.read("pc-daily"), "3:60");
  t.is(s.log.counters.get(TITLE), 42);
  t.is(resetReplayCounters(s), 1);
  t.is(new ReplayGuard(store()).last(hex(TITLE)), undefined, "forgotten in flash too");
});

class Numbers implements RecordLog<number> {
  constructor(private readonly n: number) {}
  readAfter(_s: string, after: number | null, limit: number): LogRecord<number>[] {
    const from = after === null ? 1 : after + 1;
    return Array.from({ length: Math.max(0, Math.min(limit, this.n - from + 1)) }, (_, i) => ({ cursor: from + i, json: String(from + i) }));
  }
  cursorToString(c: number): string {
    return String(c);
  }
  cursorFromString(s: string): number | null {
    return Number(s);
  }
}

test("the outbox writes a moved cursor at each tick, and at once after 32 deliveries", (t) => {
  const writes: string[] = [];
  const store = { read: () => undefined, write: (_k: string, v: string) => void writes.push(v), delete() {} };
  const acks: ((ok: boolean) => void)[] = [];
  const pub: Publisher = { connected: true, publish: (_t, _p, _o, done) => (acks.push(done!), true), subscribe() {} };
  const box = new Outbox(new Numbers(100), pub, [{ stream: "quarter-hour", topic: "q" }], { qos: 1, window: 100 }, store);
  box.pump();
  for (let i = 0; i < 70; i++) acks[i](true);
  t.deepEqual(writes, ["32", "64"], "every 32 acknowledgements, without waiting for a tick");
  box.persist();
  t.deepEqual(writes, ["32", "64", "70"]);
  box.persist();
  t.deepEqual(writes, ["32", "64", "70"], "nothing moved, nothing written");
  acks[70](true);
  box.persist();
  t.deepEqual(writes, ["32", "64", "70", "71"]);
});
