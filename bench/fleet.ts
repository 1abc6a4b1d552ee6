// Many meters in one Node process: N meters (default 1000) each sending a DSMR 5 telegram a second,
// paced as real meters are (spread over the second), through the whole pipeline (decode, history in
// RAM flash, guard, state and value-topic publish) over one connection to a real Mosquitto; a separate
// mosquitto_sub counts the states. Prints CPU and memory per meter and the meters one process carries.
// FLEET_HISTORY=file gives each meter a 1 MiB history file instead (as `history:` in meters.yaml).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { loadavg } from "node:os";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Mosquitto, until } from "../test/mqtt/mosquitto.js";
import { QueuedSource } from "../hosts/node/byte-queue.js";
import { Dsmr5Generator } from "../hosts/node/dsmr-generator.js";
import { RAM_HISTORY_BLOCKS, startFleet } from "../hosts/node/fleet.js";
import type { MeterSpec } from "../hosts/node/meters.js";

const N = Number(process.env.FLEET_METERS ?? 1000);
const FILES = process.env.FLEET_HISTORY === "file";
const SECONDS = 20;
const PRELOAD = SECONDS + 8;

const mb = (b: number): string => (b / 1048576).toFixed(1);

export async function bench(): Promise<void> {
  const broker = await Mosquitto.start();
  const count = spawn("mosquitto_sub", ["-p", String(broker.port), "-t", "metertap/+/state"], { stdio: ["ignore", "pipe", "ignore"] });
  let states = 0;
  count.stdout.on("data", (b: Buffer) => {
    for (const c of b) if (c === 10) states++;
  });
  // Telegrams made beforehand: the generator's cost is not the pipeline's.
  const telegrams = Array.from({ length: N }, (_, i) => {
    const g = new Dsmr5Generator({ startMs: Date.now(), intervalS: 1, meterId: `B${String(i).padStart(6, "0")}` });
    return Array.from({ length: PRELOAD }, () => g.next().bytes);
  });
  const dir = FILES ? mkdtempSync(join(tmpdir(), "metertap-bench-fleet-")) : undefined;
  const specs: MeterSpec[] = telegrams.map((_, i) => ({ name: `b${i}`, source: { kind: "stdin" }, config: { deviceId: `bench-${i}`, diagIntervalMs: 3_600_000 }, loop: false, flashFile: dir && join(dir, `b${i}.bin`) }));
  const sources: QueuedSource[] = [];
  global.gc?.();
  const before = process.memoryUsage();
  const fleet = await startFleet({
    meters: specs,
    mqttUrl: broker.url,
    // As `metertap run --config` runs: with the page (each meter's period totals go out too).
    http: { host: "127.0.0.1", port: 0, explicit: true },
    log: () => {},
    openSource: (_spec, i) => (cb) => (sources[i] = new QueuedSource(cb)),
  });
  try {
    await until(() => fleet.mqtt.connected, 10_000, "connect");
    // Each meter's telegram second starts at its own offset, as independent meters' do.
    let second = 0;
    const slots = 20;
    let slot = 0;
    const pacer = setInterval(() => {
      for (let i = slot; i < N; i += slots) sources[i].deliver(telegrams[i][second]);
      if (++slot === slots) {
        slot = 0;
        second++;
      }
    }, 1000 / slots);
    await new Promise((r) => setTimeout(r, 4000)); // warm-up: discovery, JIT
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const okNow = (): number => fleet.meters.reduce((n, m) => n + m.firmware!.decoder.stats.ok, 0);
    const cpu0 = process.cpuUsage();
    const t0 = Date.now();
    const states0 = states;
    const ok0 = okNow();
    const sent0 = fleet.mqtt.published;
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    const cpu = process.cpuUsage(cpu0);
    const wall = (Date.now() - t0) / 1000;
    const received = states - states0;
    const messages = fleet.mqtt.published - sent0;
    lag.disable();
    clearInterval(pacer);
    global.gc?.();
    const mem = process.memoryUsage();
    const cpuS = (cpu.user + cpu.system) / 1e6;
    const decoded = okNow() - ok0;
    // CPU per telegram from what was actually decoded: on a shared, loaded machine the pacer may
    // fall short of N/s, and this figure still holds.
    const perTelegram = cpuS / Math.max(1, decoded);
    const frames = fleet.meters.reduce((n, m) => n + m.firmware!.decoder.stats.frames, 0);
    const ok = okNow();
    console.log(`${N} meters at 1 telegram/s, one MQTT connection to Mosquitto, ${wall.toFixed(0)} s: ${Math.round(decoded / wall)} telegrams/s decoded and ${Math.round(received / wall)} states/s received (of ${N}/s sent); ${ok} of ${frames} frames ok; ${Math.round(messages / wall)} MQTT messages/s in all (${(messages / Math.max(1, decoded)).toFixed(1)} per telegram: state, changed value topics, profiles)`);
    console.log(`CPU: ${(cpuS / wall * 100).toFixed(0)}% of one core = ${(perTelegram * 1e6).toFixed(0)} µs per telegram (decode, history, guard, publish); event-loop delay p99 ${(lag.percentile(99) / 1e6).toFixed(1)} ms, max ${(lag.max / 1e6).toFixed(1)} ms`);
    console.log(`memory: heap ${mb(mem.heapUsed - before.heapUsed)} MiB + external/array buffers ${mb(mem.arrayBuffers - before.arrayBuffers)} MiB for ${N} meters = ${((mem.heapUsed - before.heapUsed) / N / 1024).toFixed(0)} KiB heap + ${((mem.arrayBuffers - before.arrayBuffers) / N / 1024).toFixed(0)} KiB buffers per meter (${FILES ? "history in a 1 MiB file each" : `${RAM_HISTORY_BLOCKS * 4} KiB RAM history each`}; RSS ${mb(mem.rss)} MiB)`);
    console.log(`meters one Node process carries at 1 telegram/s: ~${Math.floor(0.8 / perTelegram)} (at 80% of the one core its JavaScript runs on; goal >= 1000; load average ${loadavg()[0].toFixed(1)})`);
  } finally {
    await fleet.shutdown();
    count.kill();
    await broker.stop();
    if (dir) rmSync(dir, { recursive: true });
  }
}
