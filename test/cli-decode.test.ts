// The `metertap decode` contract, run as a user runs it.
import test from "ava";
import { execFileSync, spawnSync } from "node:child_process";
import { repoRoot } from "./helpers/xs.js";
import { corpusDir } from "./helpers/corpus.js";

const cli = repoRoot + "dist/hosts/node/cli.js";
const decode = (...args: string[]) => spawnSync(process.execPath, [cli, "decode", ...args], { encoding: "utf8" });

test("a good telegram prints one contract line and exits 0", (t) => {
  const out = execFileSync(process.execPath, [cli, "decode", corpusDir + "dsmr-ndokter-v4_2-kaifa.txt"], { encoding: "utf8" });
  const lines = out.trim().split("\n");
  t.is(lines.length, 1);
  const r = JSON.parse(lines[0]);
  t.deepEqual(Object.keys(r).slice(0, 5), ["ok", "protocol", "encrypted", "meterId", "time"]);
  t.like(r, { ok: true, protocol: "dsmr", encrypted: false, time: "2016-11-13T19:57:57Z" });
  t.deepEqual(r.values["1-0:1.8.1"], { value: 1581.123, unit: "kWh" });
  t.deepEqual(r.values["0-1:24.2.1"], { value: 981.443, unit: "m3", time: "2016-11-29T19:00:00Z" });
});

test("a CRC failure is ok:false with category crc and exit 1", (t) => {
  const p = decode(corpusDir + "dsmr-athombv-dsmr-5.0-spec-example.txt");
  t.is(p.status, 1);
  const r = JSON.parse(p.stdout);
  t.like(r, { ok: false, protocol: "dsmr", error: "crc" });
  t.regex(r.message, /CRC EF2F/);
});

test("several files, one line per frame", (t) => {
  const p = decode(corpusDir + "dsmr-ndokter-v4_2-kaifa.txt", corpusDir + "dsmr-ndokter-fluvius-v171.txt");
  t.is(p.status, 0);
  t.is(p.stdout.trim().split("\n").length, 2);
});

test("usage errors exit 2 with a clear message", (t) => {
  t.is(decode().status, 2);
  const bad = decode("--key", "not-a-key", corpusDir + "dsmr-ndokter-v4_2-kaifa.txt");
  t.is(bad.status, 2);
  t.regex(bad.stderr, /--key: expected 32 hex digits/);
  t.false(bad.stderr.includes("not-a-key"), "the key text is never echoed");
  const missing = decode("/nonexistent/capture.bin");
  t.is(missing.status, 2);
  t.regex(missing.stderr, /cannot read/);
  t.is(spawnSync(process.execPath, [cli, "bogus"]).status, 2);
});
