// The firmware pipeline on Node: the portable Firmware with Node ports (a byte source, the
// mqtt.js publisher or an embedded aedes broker, a flash region, a key-value store) and a timer
// that calls tick() as the dongle's main loop does.
import { readFileSync } from "node:fs";
import type { Clock, FlashRegion, KeyValueStore, OpenByteSource } from "../../modules/ports/ports.js";
import { Firmware, type FirmwareConfig } from "../../modules/app/firmware.js";
import { nodeCipher } from "./cipher.js";
import { MqttJsPublisher, redactUrl } from "./mqtt-publisher.js";
import { startEmbeddedBroker, type EmbeddedBroker } from "./broker.js";
import { ImageFlash } from "./flash-file.js";

export interface PipelineOptions {
  openSource: OpenByteSource;
  /** Broker URL; without one an embedded broker starts on 127.0.0.1. */
  mqttUrl?: string;
  /** PEM CA certificate(s) trusted for mqtts:// instead of the system's roots. */
  mqttCa?: string;
  /** Port for the embedded broker (default 1883, or any free port when taken). */
  brokerPort?: number;
  flash?: FlashRegion;
  store?: KeyValueStore;
  config: FirmwareConfig;
  clock?: Clock;
  /** Interval of the tick timer; 0: the caller ticks (tests with a fake clock). */
  tickMs?: number;
  log(line: string): void;
}

export interface Pipeline {
  firmware: Firmware;
  publisher: MqttJsPublisher;
  /** Where MQTT clients should connect, without credentials. */
  brokerUrl: string;
  embedded?: EmbeddedBroker;
  /** Waits until every closed record is delivered, or the timeout passes; true when delivered. */
  drain(timeoutMs: number): Promise<boolean>;
  /** Clean stop: status offline, queued messages sent, connections closed. */
  shutdown(): Promise<void>;
}

/** The reader as Home Assistant shows it: this build's version (the host adds its page's address). */
function readerDevice(): { model: string; swVersion: string } {
  const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
  return { model: "metertap on Node", swVersion: pkg.version };
}

/** 256 blocks of 4 KiB: a year of quarter-hour records, like the dongle's 1 MiB partition. */
const RAM_FLASH_BLOCKS = 256;

export async function startPipeline(o: PipelineOptions): Promise<Pipeline> {
  const clock = o.clock ?? { now: () => Date.now(), monotonic: () => performance.now() };
  const embedded = o.mqttUrl ? undefined : await startEmbeddedBroker(o.brokerPort ?? 1883);
  const url = o.mqttUrl ?? embedded!.url;
  const clientId = `metertap-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
  const publisher = new MqttJsPublisher(url, clientId, o.log, o.mqttCa);
  const firmware = new Firmware({
    openSource: o.openSource,
    clock,
    flash: o.flash ?? new ImageFlash(new Uint8Array(RAM_FLASH_BLOCKS * 4096).fill(0xff)),
    publisher,
    cipher: nodeCipher,
    store: o.store,
    log: o.log,
    heap: () => process.memoryUsage().heapUsed,
    micros: () => Math.round(performance.now() * 1000),
  }, { qos: 1, ...o.config, device: { ...readerDevice(), ...o.config.device } });
  const tickMs = o.tickMs ?? 250;
  const timer = tickMs ? setInterval(() => firmware.tick(clock.now()), tickMs) : undefined;
  firmware.start();
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
  return {
    firmware,
    publisher,
    brokerUrl: redactUrl(url),
    embedded,
    async drain(timeoutMs: number): Promise<boolean> {
      const until = Date.now() + timeoutMs;
      for (;;) {
        if (firmware.delivered) return true;
        if (Date.now() >= until) return false;
        if (!tickMs) firmware.tick(clock.now());
        await wait(20);
      }
    },
    async shutdown(): Promise<void> {
      if (timer) clearInterval(timer);
      firmware.stop();
      await publisher.end();
      await embedded?.close();
    },
  };
}
