// Replay protection: counters must rise per system title, survive a reboot through the
// KeyValueStore, advance only on validated frames, and reset explicitly after a meter swap.
import test from "ava";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeAll, Decoder } from "../modules/decode/decoder.js";
import type { DecoderOptions } from "../modules/decode/protocol.js";
import type { KeyValueStore } from "../modules/ports/ports.js";
import type { DecodeResult } from "../modules/reading/model.js";
import { MAX_TITLES, MemoryStore, REPLAY_STORE_KEY, ReplayGuard, resetReplayCounters } from "../modules/security/replay.js";
import { nodeCipher } from "../hosts/node/cipher.js";
import { FileKeyValueStore } from "../hosts/node/kv-file.js";
import { readCase } from "./helpers/corpus.js";
import { buildGlo } from "./security-frames.js";

const KEY = "000102030405060708090a0b0c0d0e0f";
const AK = "d0d1d2d3d4d5d6d7d8d9dadbdcdddedf";
const TITLE = "4b464d6750000009";
const OTHER = "5341473130303030";
const telegram = readCase("dsmr-athombv-dsmr-5.0-isk-1").bytes;
const frame = (counter: number, systemTitle = TITLE, key = KEY) => buildGlo(telegram, key, counter, { authKey: AK, systemTitle });

function opts(store?: KeyValueStore): DecoderOptions {
  return { cipher: nodeCipher, encryptionKey: Buffer.from(KEY, "hex"), authenticationKey: Buffer.from(AK, "hex"), store };
}

function run(frames: Uint8Array[], store?: KeyValueStore): { outcomes: string[]; decoder: Decoder } {
  const results: DecodeResult[] = [];
  const decoder = new Decoder(opts(store), (r) => results.push(r));
  for (const f of frames) decoder.push(f);
  decoder.flush();
  return { outcomes: results.map((r) => r.error ?? "ok"), decoder };
}

function tempDir(t: any): string {
  const dir = mkdtempSync(join(tmpdir(), "metertap-replay-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("a repeated or decreasing counter is a counted replay; titles are independent", (t) => {
  const { outcomes, decoder } = run([frame(5), frame(6), frame(6), frame(4), frame(3, OTHER), frame(7), frame(0xffffffff)]);
  t.deepEqual(outcomes, ["ok", "ok", "replay", "replay", "ok", "ok", "ok"]);
  t.is(decoder.stats.errors.replay, 2);
  const [r] = decodeAll(Buffer.concat([frame(9), frame(9)]), opts()).slice(1);
  t.regex(r.message!, /^frame counter not above the last accepted one, 9 \(system title 4b464d6750000009, frame counter 9\)$/);
  t.deepEqual(r.values, {});
});

test("without a store, counters last one decoder (one CLI run)", (t) => {
  t.deepEqual(run([frame(5), frame(5)]).outcomes, ["ok", "replay"]);
  t.deepEqual(run([frame(5)]).outcomes, ["ok"]);
});

test("frames that fail validation do not advance the counter", (t) => {
  const store = new MemoryStore();
  const forged = buildGlo(telegram, KEY, 100, { authKey: "ffffffffffffffffffffffffffffffff" });
  const wrongKey = buildGlo(telegram, "ffffffffffffffffffffffffffffffff", 101);
  const { outcomes } = run([frame(10), forged, wrongKey, frame(11)], store);
  t.deepEqual(outcomes, ["ok", "auth", "key", "ok"]);
  t.is(new ReplayGuard(store).last(Buffer.from(TITLE, "hex")), 11);
});

test("counters survive a reboot through a file-backed store", (t) => {
  const path = join(tempDir(t), "kv.json");
  t.deepEqual(run([frame(20), frame(21)], new FileKeyValueStore(path)).outcomes, ["ok", "ok"]);
  const saved = JSON.parse(readFileSync(path, "utf8"));
  t.deepEqual(Object.keys(saved), [REPLAY_STORE_KEY]);
  t.true(REPLAY_STORE_KEY.length <= 15);
  t.deepEqual(JSON.parse(saved[REPLAY_STORE_KEY]), { [TITLE]: 21 });
  // "Reboot": a new store object and decoder over the same file.
  t.deepEqual(run([frame(21), frame(15), frame(22)], new FileKeyValueStore(path)).outcomes, ["replay", "replay", "ok"]);
});

test("reset after a meter swap: one title, or all", (t) => {
  const path = join(tempDir(t), "kv.json");
  const store = new FileKeyValueStore(path);
  run([frame(50), frame(60, OTHER)], store);
  t.is(resetReplayCounters(store, TITLE.toUpperCase()), 1);
  t.is(resetReplayCounters(store, TITLE), 0);
  // The live decoder sees the reset at once: the store is its only copy.
  const { outcomes } = run([frame(1), frame(60, OTHER)], store);
  t.deepEqual(outcomes, ["ok", "replay"]);
  t.is(resetReplayCounters(new FileKeyValueStore(path)), 2);
  t.is(new FileKeyValueStore(path).read(REPLAY_STORE_KEY), undefined);
  t.deepEqual(run([frame(1), frame(1, OTHER)], new FileKeyValueStore(path)).outcomes, ["ok", "ok"]);
});

test("the store keeps the most recent titles, and a corrupt entry does not stop decoding", (t) => {
  const store = new MemoryStore();
  const guard = new ReplayGuard(store);
  const title = (i: number) => Uint8Array.of(0, 0, 0, 0, 0, 0, 0, i);
  for (let i = 0; i <= MAX_TITLES; i++) guard.accept(title(i), 100 + i);
  t.is(guard.last(title(0)), undefined);
  t.is(guard.last(title(1)), 101);
  t.is(guard.last(title(MAX_TITLES)), 100 + MAX_TITLES);
  t.true(store.read(REPLAY_STORE_KEY)!.length < 4000);
  store.write(REPLAY_STORE_KEY, "{not json");
  t.deepEqual(run([frame(3)], store).outcomes, ["ok"]);
  t.is(guard.last(Buffer.from(TITLE, "hex")), 3);
});

test("FileKeyValueStore: device limits, atomic replace, clear error on a corrupt file", (t) => {
  const dir = tempDir(t);
  const path = join(dir, "kv.json");
  const store = new FileKeyValueStore(path);
  t.is(store.read("x"), undefined);
  store.write("x", "1");
  t.is(new FileKeyValueStore(path).read("x"), "1");
  t.false(existsSync(path + ".tmp"));
  t.throws(() => store.write("sixteen-chars-ab", "1"), { instanceOf: RangeError, message: /key length 16/ });
  t.throws(() => store.write("v", "x".repeat(4001)), { instanceOf: RangeError });
  t.is(store.read("toString"), undefined);
  store.delete("x");
  t.is(new FileKeyValueStore(path).read("x"), undefined);
  writeFileSync(path, "{oops");
  t.throws(() => new FileKeyValueStore(path), { message: /not valid JSON; delete it/ });
});
