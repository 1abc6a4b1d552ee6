// `metertap run` and `metertap demo` as a user runs them: a child process, a real Mosquitto.
import test from "ava";
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Mosquitto, subscriber, until } from "./mqtt/mosquitto.js";
import { Dsmr5Generator } from "../hosts/node/dsmr-generator.js";

const cli = fileURLToPath(new URL("../hosts/node/cli.js", import.meta.url));

interface Child {
  code: Promise<number>;
  out: () => string;
  err: () => string;
  kill(signal: NodeJS.Signals): void;
}

/** Every CLI still running: one a failed test did not stop must not keep the test run from ending. */
const running = new Set<ChildProcess>();

function metertap(args: string[], env: Record<string, string> = {}, stdinText?: string): Child {
  const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
  running.add(child);
  child.on("close", () => running.delete(child));
  if (stdinText !== undefined) child.stdin.end(stdinText);
  let out = "";
  let err = "";
  child.stdout.on("data", (b) => (out += b));
  child.stderr.on("data", (b) => (err += b));
  return {
    code: new Promise((resolve) => child.on("close", (c) => resolve(c ?? -1))),
    out: () => out,
    err: () => err,
    kill: (s) => child.kill(s),
  };
}

/** Two hours of DSMR 5 telegrams every 10 s (720), as a capture file. */
function capture(): string {
  const g = new Dsmr5Generator({ startMs: Date.UTC(2026, 2, 28, 10), intervalS: 10 });
  const parts: Uint8Array[] = [];
  for (let i = 0; i < 720; i++) parts.push(g.next().bytes);
  const path = join(mkdtempSync(join(tmpdir(), "metertap-run-")), "two-hours.txt");
  writeFileSync(path, Buffer.concat(parts));
  return path;
}

let broker: Mosquitto;
test.before(async () => {
  broker = await Mosquitto.start();
});
test.after.always(async () => {
  for (const child of running) child.kill("SIGKILL");
  await broker?.stop();
});

test.serial("run with a file: source publishes every record, flushes, goes offline and exits by itself", async (t) => {
  const watch = await subscriber(broker.url, ["metertap/cli/#"]);
  const run = metertap(["run", "--source", `file:${capture()}`, "--mqtt", broker.url, "--device-id", "cli", "--quiet"]);
  t.is(await run.code, 0, run.err());
  await until(() => watch.messages.at(-1)?.payload === "offline", 5000, "offline");
  const starts = watch.messages.filter((m) => m.topic === "metertap/cli/profile/quarter-hour").map((m) => JSON.parse(m.payload).start);
  // 10:00..12:00 closed (the last quarter, 11:45..12:00, closes only with a reading after 12:00).
  t.deepEqual(starts, ["10:00", "10:15", "10:30", "10:45", "11:00", "11:15", "11:30"].map((h) => `2026-03-28T${h}:00Z`));
  t.true(watch.messages.filter((m) => m.topic === "metertap/cli/state").length > 0);
  t.regex(run.err(), /720 frames, 720 ok, 0 refused/);
  await watch.client.endAsync();
});

test.serial("with --flash, records recorded while the broker was down are published by the next run", async (t) => {
  const flash = join(mkdtempSync(join(tmpdir(), "metertap-flash-")), "history.bin");
  const offline = metertap(["run", "--source", `file:${capture()}`, "--mqtt", "mqtt://127.0.0.1:1", "--flash", flash, "--device-id", "restart", "--drain-timeout", "1", "--quiet"]);
  t.is(await offline.code, 1);
  t.regex(offline.err(), /they stay in the flash file for the next run/);
  const watch = await subscriber(broker.url, ["metertap/restart/profile/quarter-hour"]);
  // No new telegrams (stdin ends at once): the run only backfills from the flash file.
  const online = metertap(["run", "--source", "stdin", "--mqtt", broker.url, "--flash", flash, "--device-id", "restart", "--quiet"], {}, "");
  t.is(await online.code, 0, online.err());
  const starts = watch.messages.map((m) => JSON.parse(m.payload).start);
  t.deepEqual(starts, ["10:00", "10:15", "10:30", "10:45", "11:00", "11:15", "11:30"].map((h) => `2026-03-28T${h}:00Z`));
  // A third run has nothing left to send: the cursor was persisted.
  const again = metertap(["run", "--source", "stdin", "--mqtt", broker.url, "--flash", flash, "--device-id", "restart", "--quiet"], {}, "");
  t.is(await again.code, 0);
  await new Promise((r) => setTimeout(r, 200));
  t.is(watch.messages.length, 7);
  await watch.client.endAsync();
});

test.serial("tcp: reads a serial-to-TCP bridge and survives the bridge restarting", async (t) => {
  const g = new Dsmr5Generator({ startMs: Date.UTC(2026, 2, 28, 10), intervalS: 10 });
  let connections = 0;
  const bridge = createServer((socket) => {
    connections++;
    // The first connection drops after one telegram, as a restarting bridge would.
    if (connections === 1) return void socket.end(Buffer.from(g.next().bytes));
    const timer = setInterval(() => socket.write(Buffer.from(g.next().bytes)), 100);
    socket.on("close", () => clearInterval(timer));
    socket.on("error", () => clearInterval(timer));
  });
  await new Promise<void>((r) => bridge.listen(0, "127.0.0.1", () => r()));
  const port = (bridge.address() as { port: number }).port;
  const watch = await subscriber(broker.url, ["metertap/tcp/state"]);
  const run = metertap(["run", "--source", `tcp:127.0.0.1:${port}`, "--mqtt", broker.url, "--device-id", "tcp", "--quiet"]);
  // The first connection's telegram is published only if MQTT was up before it arrived: wait for
  // two telegrams from after the bridge came back (the first is 10:00:00, the next 10:00:10).
  const times = () => watch.messages.map((m) => Date.parse(JSON.parse(m.payload).time));
  await until(() => times().filter((ms) => ms >= Date.UTC(2026, 2, 28, 10, 0, 10)).length >= 2, 10_000, "two states after the reconnect");
  t.is(connections, 2);
  // In meter order, each once.
  t.true(times().every((ms, i, all) => i === 0 || ms > all[i - 1]), times().map((ms) => new Date(ms).toISOString()).join(" "));
  run.kill("SIGINT");
  t.is(await run.code, 0);
  bridge.close();
  await watch.client.endAsync();
});

test.serial("Ctrl-C stops cleanly: status goes offline (retained), exit code 0", async (t) => {
  const run = metertap(["run", "--source", "stdin", "--mqtt", broker.url, "--device-id", "sigint", "--quiet"]);
  await until(() => /publishing to/.test(run.err()), 5000, "start");
  const g = new Dsmr5Generator({ startMs: Date.now(), intervalS: 1 });
  const watch = await subscriber(broker.url, ["metertap/sigint/#"]);
  // The device id is configured, so the connection opens at start, before any telegram.
  await until(() => watch.messages.some((m) => m.topic.endsWith("/status") && m.payload === "online"), 5000, "online");
  run.kill("SIGINT");
  t.is(await run.code, 0, run.err());
  await until(() => watch.messages.at(-1)?.payload === "offline", 5000, "offline");
  t.is(watch.messages.at(-1)!.topic, "metertap/sigint/status");
  void g;
  await watch.client.endAsync();
});

test.serial("bad flags and an unreachable broker get clear messages", async (t) => {
  const cases: [string[], RegExp][] = [
    [["run"], /--source is required/],
    [["run", "--source", "modem:x"], /unknown source 'modem:x'/],
    [["run", "--source", "serial:/dev/ttyUSB0,parity=odd"], /parity must be none or even/],
    [["run", "--source", "tcp:host"], /tcp: needs HOST:PORT/],
    [["run", "--source", "stdin", "--mqtt", "http://x"], /unsupported scheme 'http:'/],
    [["run", "--source", "stdin", "--key", "00112233"], /--key: expected 32 hex digits/],
    [["run", "--source", "stdin", "--tz", "Mars/Olympus"], /unknown time zone 'Mars\/Olympus'; known: UTC/],
    [["run", "--source", "stdin", "--frobnicate"], /Unknown option '--frobnicate'/],
    [["run", "--source", "file:/nonexistent/capture.txt"], /cannot read capture '\/nonexistent\/capture.txt': ENOENT/],
  ];
  for (const [args, message] of cases) {
    const run = metertap(args);
    t.is(await run.code, 2, args.join(" "));
    t.regex(run.err(), message);
  }
  const secretKey = "00112233445566778899AABBCCDDEEFF".replace("00", "0G");
  const bad = metertap(["run", "--source", "stdin", "--key", secretKey]);
  t.is(await bad.code, 2);
  t.false(bad.err().includes(secretKey), "a malformed key is never echoed");

  const g = new Dsmr5Generator({ startMs: Date.UTC(2026, 2, 28, 10), intervalS: 10 });
  const path = join(mkdtempSync(join(tmpdir(), "metertap-run-")), "short.txt");
  writeFileSync(path, Buffer.concat(Array.from({ length: 200 }, () => g.next().bytes)));
  const down = metertap(["run", "--source", `file:${path}`, "--mqtt", "mqtt://user:hunter2@127.0.0.1:1", "--drain-timeout", "2", "--quiet"]);
  t.is(await down.code, 1);
  t.regex(down.err(), /cannot use broker mqtt:\/\/127\.0\.0\.1:1: ECONNREFUSED; retrying/);
  t.regex(down.err(), /did not take every record within 2 s/);
  t.false(down.err().includes("hunter2"));
});

test.serial("npm start (demo) serves live readings on the embedded broker", async (t) => {
  const demo = metertap(["demo"]);
  await until(() => /embedded MQTT broker at mqtt:\/\/127\.0\.0\.1:(\d+)/.test(demo.err()), 10_000, "broker");
  const port = /127\.0\.0\.1:(\d+)/.exec(demo.err())![1];
  const watch = await subscriber(`mqtt://127.0.0.1:${port}`, ["metertap/+/state", "homeassistant/#"]);
  await until(() => watch.messages.some((m) => m.topic.endsWith("/state")), 10_000, "state");
  const state = JSON.parse(watch.messages.find((m) => m.topic.endsWith("/state"))!.payload);
  t.true(state.energy_import > 6_000_000);
  t.true(watch.messages.some((m) => m.topic.startsWith("homeassistant/sensor/E0034006810516416/")));
  await until(() => /import \d+ W/.test(demo.out()), 5000, "live line");
  await watch.client.endAsync();
  demo.kill("SIGINT");
  t.is(await demo.code, 0, demo.err());
});
