// Many meters in one Node process: one independent Firmware per meter (its own decoder, keys,
// history file, key-value store, topics and Home Assistant device), one shared MQTT connection and
// one tick timer for all. A meter that fails (a source that cannot open, a damaged history file,
// an exception in its pipeline) is reported and left out; the others carry on.
import { hostname } from "node:os";
import type { ByteSourceCallbacks, OpenByteSource } from "../../modules/ports/ports.js";
import { Firmware } from "../../modules/app/firmware.js";
import { topicLevel } from "../../modules/publish/topics.js";
import { ImageFlash } from "./flash-file.js";
import { nodeCipher } from "./cipher.js";
import { SharedMqtt } from "./shared-mqtt.js";
import { redactUrl } from "./mqtt-publisher.js";
import { startEmbeddedBroker, type EmbeddedBroker } from "./broker.js";
import { openFlashFile, type FlashStorage } from "./flash-store.js";
import { sourceOpener } from "./sources.js";
import type { MeterSpec } from "./meters.js";
import type { DbSink } from "./db/sink.js";
import { nodeSigner } from "./signer.js";
import { toHex } from "../../modules/util/hex.js";
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import type { WebApp } from "../../modules/web/app.js";
import { FleetPage } from "./fleet-web.js";
import { listen, nodeWebApp, pageUrl } from "./web.js";
import type { WebServer } from "./web-server.js";
import type { RunOptions } from "./options.js";

const VERSION = (JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string }).version;

export interface FleetMeter {
  name: string;
  firmware?: Firmware;
  /** Why the meter is not running (it never started, or its pipeline threw). */
  error?: string;
  /** Its file: or stdin source has delivered every byte. */
  ended: boolean;
  storage?: FlashStorage;
  /** Its page under `/meters/<name>/` of the fleet's page. */
  page?: WebApp;
}

export interface FleetOptions {
  meters: MeterSpec[];
  mqttUrl?: string;
  /** PEM CA certificate(s) for mqtts://. */
  mqttCa?: string;
  brokerPort?: number;
  log(line: string): void;
  /** History blocks (4 KiB) per meter without a history file (default RAM_HISTORY_BLOCKS). */
  ramFlashBlocks?: number;
  /** Overrides the sources (bench, tests): the meter's byte source. */
  openSource?(spec: MeterSpec, index: number): OpenByteSource;
  tickMs?: number;
  /** The database every meter's readings and records also go to (`--db`). */
  db?: DbSink;
  /** Where the page listing every meter listens (`--http`); none when absent. */
  http?: RunOptions["http"];
}

export interface Fleet {
  meters: FleetMeter[];
  mqtt: SharedMqtt;
  brokerUrl: string;
  embedded?: EmbeddedBroker;
  /** The page listing every meter, each meter's own page under `/meters/<name>/`. */
  web?: WebServer;
  /** Resolves when every running meter's file/stdin source has ended. */
  sourcesEnded: Promise<void>;
  /** Waits until every running meter's closed records are delivered; true when they are. */
  drain(timeoutMs: number): Promise<boolean>;
  shutdown(): Promise<void>;
}

/**
 * A meter without a history file keeps its history in RAM, which ends with the process: it only
 * has to bridge a broker outage and hold this month for the page and the maximum demand. 32
 * blocks (128 KiB) keep about 80 days of quarter-hours; the dongle's 1 MiB made RAM history 80 %
 * of a thousand-meter host's memory. A year or more: give the meter a `history` file.
 */
export const RAM_HISTORY_BLOCKS = 32;

const message = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

export async function startFleet(o: FleetOptions): Promise<Fleet> {
  const meters: FleetMeter[] = [];
  // Listening first: each meter's Home Assistant device links to its page on the port it got.
  const web = o.http ? await listen(new FleetPage(meters), o.http, o.log) : undefined;
  let embedded: EmbeddedBroker | undefined;
  try {
    embedded = o.mqttUrl ? undefined : await startEmbeddedBroker(o.brokerPort ?? 1883);
  } catch (e) {
    await web?.close();
    throw e;
  }
  const url = o.mqttUrl ?? embedded!.url;
  const prefix = o.meters[0]?.config.topicPrefix ?? "metertap";
  const hostStatus = `${prefix}/host-${topicLevel(hostname())}/status`;
  const mqtt = new SharedMqtt(url, `metertap-${process.pid}-${Math.floor(Math.random() * 1e6)}`, { topic: hostStatus, payload: "offline", retain: true }, o.log, o.mqttCa);
  let built = false;
  let allEnded!: () => void;
  const sourcesEnded = new Promise<void>((r) => (allEnded = r));
  const checkEnded = (): void => {
    if (built && meters.every((m) => m.ended || m.error)) allEnded();
  };

  o.meters.forEach((spec, i) => {
    const meter: FleetMeter = { name: spec.name, ended: false };
    meters.push(meter);
    const log = (line: string): void => o.log(`[${meter.name}] ${line}`);
    const fail = (what: string, e: unknown): void => {
      meter.error = `${what}: ${message(e)}`;
      log(`stopped: ${meter.error}; the other meters carry on`);
      try {
        meter.firmware?.stop();
      } catch {
        // Its own stop may throw for the same reason; it is out either way.
      }
      checkEnded();
    };
    try {
      meter.storage = spec.flashFile ? openFlashFile(spec.flashFile) : undefined;
      const opener = o.openSource?.(spec, i) ?? sourceOpener(spec.source, { onEnd: () => {
        meter.ended = true;
        checkEnded();
      }, log }, spec.loop);
      // Decoding runs in the source's callback: an exception there must stop this meter only.
      const guarded: OpenByteSource = (callbacks: ByteSourceCallbacks) => opener({
        onReadable: (n) => {
          if (meter.error) return;
          try {
            callbacks.onReadable(n);
          } catch (e) {
            fail("pipeline", e);
          }
        },
        onError: callbacks.onError,
      });
      if (spec.sign && !meter.storage) throw new Error("signing needs the meter's history file (--flash / history)");
      // The signing key lives in the meter's store beside its history, made on first start.
      const signer = spec.sign ? nodeSigner(meter.storage!.store)! : undefined;
      const device = web && o.http ? { configurationUrl: `${pageUrl(o.http, web.port)}meters/${encodeURIComponent(spec.name)}/`, ...spec.config.device } : spec.config.device;
      meter.firmware = new Firmware({
        openSource: guarded,
        clock: { now: () => Date.now() },
        flash: meter.storage?.flash ?? new ImageFlash(new Uint8Array((o.ramFlashBlocks ?? RAM_HISTORY_BLOCKS) * 4096).fill(0xff)),
        publisher: mqtt.channel(),
        cipher: nodeCipher,
        store: meter.storage?.store,
        log,
        heap: () => process.memoryUsage().heapUsed,
        // Diagnostics show the public key, never the private one.
        deviceFacts: signer && (() => ({ signing_public_key: toHex(signer.publicKey()) })),
        signer,
      }, { qos: 1, ...spec.config, device: { swVersion: VERSION, ...device } });
      if (web) {
        // A HomeWizard serial per meter (12 hex digits), stable across runs.
        const serial = spec.config.mac?.replace(/[^0-9a-fA-F]/g, "").toLowerCase() || createHash("sha256").update(spec.name).digest("hex").slice(0, 12);
        meter.page = nodeWebApp(meter.firmware, { serial, timeZone: spec.config.timeZone, commandSecret: spec.config.commandSecret, store: meter.storage?.store });
      }
      o.db?.attach(meter.firmware);
      meter.firmware.start();
    } catch (e) {
      fail("cannot start", e);
    }
  });
  built = true;
  checkEnded();

  const running = (): FleetMeter[] => meters.filter((m) => m.firmware && !m.error);
  const tickMs = o.tickMs ?? 250;
  const timer = setInterval(() => {
    const now = Date.now();
    for (const m of running()) {
      try {
        m.firmware!.tick(now);
      } catch (e) {
        m.error = `tick: ${message(e)}`;
        o.log(`[${m.name}] stopped: ${m.error}; the other meters carry on`);
      }
    }
    o.db?.tick(now);
  }, tickMs);

  return {
    meters,
    mqtt,
    brokerUrl: redactUrl(url),
    embedded,
    web,
    sourcesEnded,
    async drain(timeoutMs: number): Promise<boolean> {
      const until = Date.now() + timeoutMs;
      while (!running().every((m) => m.firmware!.delivered) || (o.db && !o.db.idle)) {
        if (Date.now() >= until) return false;
        await new Promise((r) => setTimeout(r, 20));
      }
      return true;
    },
    async shutdown(): Promise<void> {
      clearInterval(timer);
      await web?.close();
      for (const m of meters) {
        try {
          m.firmware?.stop();
        } catch (e) {
          o.log(`[${m.name}] stop: ${message(e)}`);
        }
      }
      if (o.db) {
        // The database's last batch and cursors, then the stores written (stop already flushed MQTT's).
        await o.db.close();
        for (const m of meters) m.firmware?.store.flush(Date.now());
      }
      await mqtt.end();
      for (const m of meters) m.storage?.close();
      await embedded?.close();
    },
  };
}
