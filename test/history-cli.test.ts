// `metertap record` and `metertap history` on a generated DSMR 5 capture: the CLI contract lines.
import test from "ava";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Dsmr5Generator } from "../hosts/node/dsmr-generator.js";
import { isoUtc } from "../modules/util/time.js";

const cli = fileURLToPath(new URL("../hosts/node/cli.js", import.meta.url));
const metertap = (...args: string[]) => execFileSync(process.execPath, [cli, ...args], { encoding: "utf8" });

test("record builds a flash image from a capture; history prints its records by stream and range", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "metertap-history-"));
  const start = Date.UTC(2026, 2, 28, 22, 0, 0);
  const gen = new Dsmr5Generator({ startMs: start, intervalS: 10 });
  const chunks: Uint8Array[] = [];
  const importAt = new Map<number, number>();
  for (let k = 0; k < 6 * 90 + 1; k++) {
    const telegram = gen.next(); // the registers it carries are the generator's after the call
    if (telegram.timeMs % 900_000 === 0) importAt.set(telegram.timeMs, gen.registers.importT1 + gen.registers.importT2);
    chunks.push(telegram.bytes);
  }
  const capture = join(dir, "capture.txt");
  writeFileSync(capture, Buffer.concat(chunks));
  const image = join(dir, "history.img");
  const summary = JSON.parse(metertap("record", "--flash", image, "--tz", "Europe/Amsterdam", capture));
  t.like(summary, { readings: 541, failed: 0 });
  t.is(summary.records["quarter-hour"], 6);

  const lines = metertap("history", "--flash", image, "--stream", "quarter-hour").trim().split("\n").map((l) => JSON.parse(l));
  t.is(lines.length, 6);
  lines.forEach((r, i) => {
    const from = start + i * 900_000;
    t.is(r.start, isoUtc(from));
    t.deepEqual(Object.keys(r), ["stream", "start", "end", "flags", "delta", "registers"]);
    t.deepEqual(r.flags, []);
    t.is(r.delta["+A"], importAt.get(from + 900_000)! - importAt.get(from)!);
    t.is(r.registers["+A"], importAt.get(from + 900_000));
    t.is(r.delta["+A"], r.delta["+A.T1"] + r.delta["+A.T2"]);
  });
  const ranged = metertap("history", "--flash", image, "--stream", "quarter-hour", "--from", "2026-03-28T22:30:00Z", "--to", "2026-03-28T23:00:00Z").trim().split("\n");
  t.is(ranged.length, 2);
  t.is(JSON.parse(ranged[0]).start, "2026-03-28T22:30:00Z");
  const daily = JSON.parse(metertap("history", "--flash", image, "--stream", "daily").trim());
  t.like(daily, { stream: "daily", day: "2026-03-28", start: "2026-03-27T23:00:00Z", end: "2026-03-28T23:00:00Z", flags: ["partial"] });

  // A second capture continues the same image where the first stopped.
  const more = join(dir, "more.txt");
  writeFileSync(more, Buffer.concat(Array.from({ length: 100 }, () => gen.next().bytes)));
  metertap("record", "--flash", image, more);
  t.is(metertap("history", "--flash", image, "--stream", "quarter-hour").trim().split("\n").length, 7);

  const bad = spawnSync(process.execPath, [cli, "history", "--flash", join(dir, "none.img"), "--stream", "quarter-hour"], { encoding: "utf8" });
  t.is(bad.status, 2);
  t.regex(bad.stderr, /no flash image/);
  const badStream = spawnSync(process.execPath, [cli, "history", "--flash", image, "--stream", "hourly"], { encoding: "utf8" });
  t.is(badStream.status, 2);
  t.regex(badStream.stderr, /--stream must be one of quarter-hour, voltage, daily, monthly, max-demand, events/);
});

test("history reports damaged records on stderr and prints the rest; an image of another size is refused", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "metertap-damage-"));
  const gen = new Dsmr5Generator({ startMs: Date.UTC(2026, 2, 28, 22, 0, 0), intervalS: 10 });
  const capture = join(dir, "capture.txt");
  writeFileSync(capture, Buffer.concat(Array.from({ length: 541 }, () => gen.next().bytes)));
  const image = join(dir, "history.img");
  metertap("record", "--flash", image, "--tz", "Europe/Amsterdam", capture);
  const bytes = readFileSync(image);
  // Events live in blocks 240..247 of the 1 MiB layout: damage the first event's payload.
  const first = 240 * 4096 + 16;
  const intact = metertap("history", "--flash", image, "--stream", "events").trim().split("\n");
  t.true(intact.length >= 2, intact.join("\n"));
  bytes[first + 3] ^= 0x10;
  writeFileSync(image, bytes);
  const r = spawnSync(process.execPath, [cli, "history", "--flash", image, "--stream", "events"], { encoding: "utf8" });
  t.is(r.status, 0);
  const left = r.stdout.trim().split("\n");
  t.is(left.length, intact.length - 1, "only the damaged record is missing");
  t.true(left.every((l) => intact.includes(l)));
  t.regex(r.stderr, /1 damaged record\(s\) in .* skipped/);
  writeFileSync(image, Buffer.concat([bytes, Buffer.alloc(256 * 4096, 0xff)]));
  const resized = spawnSync(process.execPath, [cli, "history", "--flash", image, "--stream", "daily"], { encoding: "utf8" });
  t.is(resized.status, 1);
  t.regex(resized.stderr, /belongs to store 1 at blocks 0\.\.191; this layout has store 1 at blocks 0\.\.383/);
});
