// MQTT figures on a real Mosquitto: end-to-end latency from a telegram's last byte to a
// subscriber's receipt of its state message (p50, p99), and sustained telegrams/s through the
// whole pipeline (decode, history, guard, state publish) with every state received.
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { Mosquitto, subscriber, until } from "../test/mqtt/mosquitto.js";
import { startPipeline } from "../hosts/node/pipeline.js";
import { QueuedSource } from "../hosts/node/byte-queue.js";
import { Dsmr5Generator } from "../hosts/node/dsmr-generator.js";

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function bench(): Promise<void> {
  const broker = await Mosquitto.start();
  let source!: QueuedSource;
  const pipeline = await startPipeline({
    openSource: (cb) => (source = new QueuedSource(cb)),
    mqttUrl: broker.url,
    config: { deviceId: "bench", diagIntervalMs: 3_600_000 },
    log: () => {},
  });
  try {
    await until(() => pipeline.firmware.connected, 5000, "connect");
    const sub = await subscriber(broker.url, ["metertap/bench/state"]);
    const gen = new Dsmr5Generator({ startMs: Date.now() - 86_400_000, intervalS: 1 });
    let received = 0;
    let receivedAt = 0;
    sub.client.on("message", () => {
      received++;
      receivedAt = performance.now();
    });

    const rounds = 1000;
    const latencies: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const bytes = gen.next().bytes;
      const want = received + 1;
      const t0 = performance.now();
      source.deliver(bytes); // ends with CRLF: the frame completes on its last byte
      await until(() => received >= want, 5000, "state");
      latencies.push(receivedAt - t0);
    }
    latencies.sort((a, b) => a - b);
    console.log(`end-to-end latency, last telegram byte -> subscriber (Mosquitto, ${rounds} telegrams): p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms, max ${latencies.at(-1)!.toFixed(2)} ms (goal p99 <= 5 ms; load average ${loadavg()[0].toFixed(1)})`);

    const burst = 20_000;
    const telegrams = Array.from({ length: burst }, () => gen.next().bytes);
    const start = received;
    const t0 = performance.now();
    for (let i = 0; i < burst; i += 50) {
      for (let j = i; j < Math.min(burst, i + 50); j++) source.deliver(telegrams[j]);
      await new Promise((r) => setImmediate(r));
    }
    await until(() => received - start >= burst, 120_000, "burst");
    const seconds = (receivedAt - t0) / 1000;
    const d = pipeline.firmware.decoder.stats;
    console.log(`sustained: ${burst} telegrams (${(telegrams[0].length * burst / 1e6).toFixed(1)} MB) decoded, recorded and every state received in ${seconds.toFixed(2)} s = ${Math.round(burst / seconds)} telegrams/s (goal >= 1000); ${d.ok} ok, ${d.frames - d.ok} refused`);
    await sub.client.endAsync();
  } finally {
    await pipeline.shutdown();
    await broker.stop();
  }
}
