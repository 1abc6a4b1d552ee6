// The `metertap decode` contract, run as a user runs it.
import test from "ava";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
  t.is(decode("--tz", "Mars/Olympus", corpusDir + "dsmr-ndokter-v4_2-kaifa.txt").status, 2);
  t.is(spawnSync(process.execPath, [cli, "bogus"]).status, 2);
});

test("a missing file is reported and the other files are still decoded; the exit code says so at the end", (t) => {
  const p = decode(corpusDir + "dsmr-ndokter-v4_2-kaifa.txt", "/nonexistent/capture.bin", corpusDir + "dsmr-ndokter-fluvius-v171.txt");
  t.is(p.status, 2);
  t.regex(p.stderr, /cannot read \/nonexistent\/capture.bin: ENOENT/);
  t.deepEqual(p.stdout.trim().split("\n").map((l) => JSON.parse(l).ok), [true, true]);
});

test("a frame that once threw ends as one failed line; the next file still decodes", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "metertap-"));
  const bad = join(dir, "utf8.bin");
  writeFileSync(bad, Buffer.from("0F00000001000201 0C04F7BFBFBF".replace(/ /g, ""), "hex"));
  const p = decode(bad, corpusDir + "dsmr-ndokter-v4_2-kaifa.txt");
  rmSync(dir, { recursive: true });
  t.is(p.status, 1);
  const lines = p.stdout.trim().split("\n").map((l) => JSON.parse(l));
  t.deepEqual(lines.map((r) => r.ok), [false, true]);
});

test("decode --tz: DSMR local times are read in the meter's zone", (t) => {
  const time = (...tz: string[]) => JSON.parse(decode(...tz, corpusDir + "dsmr-ndokter-v4_2-kaifa.txt").stdout).time;
  // 161113205757W: 20:57:57 local winter time.
  t.is(time(), "2016-11-13T19:57:57Z");
  t.is(time("--tz", "Europe/Amsterdam"), "2016-11-13T19:57:57Z");
  t.is(time("--tz", "Europe/Dublin"), "2016-11-13T20:57:57Z");
  t.is(time("--tz", "Europe/Lisbon"), "2016-11-13T20:57:57Z");
  t.is(time("--tz", "Europe/Helsinki"), "2016-11-13T18:57:57Z");
  t.is(time("--tz", "EET"), "2016-11-13T18:57:57Z");
});

test("decode --unchecked-line: bare APDUs after a checked frame only with yes; none at all with no", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "metertap-"));
  const llc = readFileSync(corpusDir + "llc-amshan-kaifa-ma304h4-se-list.bin");
  const mixed = join(dir, "hdlc-then-llc.bin");
  writeFileSync(mixed, Buffer.concat([readFileSync(corpusDir + "hdlc-athombv-aidon-example-1.bin"), llc]));
  const lines = (p: ReturnType<typeof decode>) => p.stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l).ok);
  t.deepEqual(lines(decode(mixed)), [true], "learned from the first frame: a checked line");
  t.deepEqual(lines(decode("--unchecked-line", "yes", mixed)), [true, true]);
  const no = decode("--unchecked-line", "no", corpusDir + "llc-amshan-kaifa-ma304h4-se-list.bin");
  t.is(no.status, 1);
  t.regex(no.stderr, /no frame found/);
  const bad = decode("--unchecked-line", "maybe", mixed);
  t.is(bad.status, 2);
  t.regex(bad.stderr, /--unchecked-line: yes or no/);
  rmSync(dir, { recursive: true });
});
