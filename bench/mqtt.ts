// MQTT figures on a real Mosquitto: end-to-end latency from a telegram's last byte to a
// subscriber's receipt of its state message (p50, p99), and sustained telegrams/s through the
// whole pipeline (decode, history, guard, state publish) with every state received. Then the
// dongle's own MQTT client (modules/mqtt) over Node sockets: QoS 1 publish → PUBACK latency and
// throughput with the outbox's window of 16 in flight.
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { Mosquitto, subscriber, until } from "../test/mqtt/mosquitto.js";
import { startPipeline } from "../hosts/node/pipeline.js";
import { QueuedSource } from "../hosts/node/byte-queue.js";
import { Dsmr5Generator } from "../hosts/node/dsmr-generator.js";
import { MqttClient } from "../modules/mqtt/client.js";
import { nodeSocket } from "../hosts/node/socket.js";

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
  await qos1Bench();
}

/** The core client alone: one QoS 1 message at a time (latency), then 16 in flight (throughput). */
async function qos1Bench(): Promise<void> {
  const broker = await Mosquitto.start();
  const c = new MqttClient({ target: { host: "127.0.0.1", port: broker.port, secure: false }, open: nodeSocket(), clientId: "bench-qos1", now: () => Date.now(), log: () => {} });
  try {
    c.connect({ topic: "bench/status", payload: "offline", retain: true });
    await until(() => c.connected, 5000, "connect");
    const payload = JSON.stringify({ start: "2026-03-28T10:15:00Z", import_wh: 1234567, export_wh: 7654, avg_w: 812 });
    const rounds = 2000;
    const latencies: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      await new Promise<void>((resolve, reject) => c.publish("bench/p", payload, { qos: 1 }, (ok) => (ok ? resolve() : reject(new Error("not delivered")))));
      latencies.push(performance.now() - t0);
    }
    latencies.sort((a, b) => a - b);
    console.log(`core client QoS 1, publish -> PUBACK (${rounds} messages of ${payload.length} bytes, one at a time): p50 ${percentile(latencies, 50).toFixed(3)} ms, p99 ${percentile(latencies, 99).toFixed(3)} ms`);

    const total = 50_000;
    let acked = 0;
    let sent = 0;
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      const more = () => {
        while (sent < total && sent - acked < 16) {
          sent++;
          c.publish("bench/p", payload, { qos: 1 }, () => {
            if (++acked === total) resolve();
            else more();
          });
        }
      };
      more();
    });
    const s = (performance.now() - t0) / 1000;
    console.log(`core client QoS 1 throughput, 16 in flight (the outbox window): ${total} messages acknowledged in ${s.toFixed(2)} s = ${Math.round(total / s)} messages/s (load average ${loadavg()[0].toFixed(1)})`);
  } finally {
    c.close();
    await broker.stop();
  }
}
