// The kill -9 loop (issue 11, item 7): `metertap run` as a user runs it, with a history file,
// reading an encrypted meter over TCP and publishing to a real Mosquitto, killed with SIGKILL at a
// random moment, again and again. A subscriber counts every record received more than once
// (duplicates) and every frame whose values were published twice (a frame counter accepted again).
// The meter serves general-glo-ciphered DSMR 5 telegrams (the corpus ISKRA AM550 layout, the
// corpus Luxembourg keys and system title), one meter minute per frame, and on every new connection
// sends the last three frames of the previous one again: frames taken before a kill come back.
import { spawn } from "node:child_process";
import { createServer, type Server, type Socket } from "node:net";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Mosquitto, subscriber, until } from "../mqtt/mosquitto.js";
import { ImageFlash } from "../../hosts/node/flash-file.js";
import { History, STREAMS, defaultLayout, recordToJson, stateBlocks } from "../../modules/history/history.js";
import { StateLog } from "../../modules/history/state-log.js";
import { Dsmr5Generator } from "../../hosts/node/dsmr-generator.js";
import { buildGlo, encryptedCase } from "../security-frames.js";

const cli = fileURLToPath(new URL("../../hosts/node/cli.js", import.meta.url));
export const START_MS = Date.UTC(2026, 0, 1, 0, 0);
const STEP_MS = 60_000;
/** Frames sent again on each new connection. */
const RESENT = 3;
/** Milliseconds between frames on the line. */
const PACE_MS = 25;
export const DEVICE = "kill";

export interface KillFigures {
  cycles: number;
  /** Profile and event messages received, and how many were copies of one received before. */
  records: number;
  duplicates: number;
  /** Most copies of one record. */
  mostCopies: number;
  states: number;
  /** Frames whose state was received twice: an accepted frame counter accepted again. */
  replays: number;
  /** Frames the meter sent (resent ones included). */
  framesSent: number;
}

export interface KillCheck {
  /** The history file after a kill, and what the subscriber has received so far (topic → payloads). */
  (flashFile: string, received: Map<string, Set<string>>, statesSeen: Set<string>): Promise<void>;
}

/** The frame counter of the frame with this state time. */
export function counterOf(time: string): number {
  return (Date.parse(time) - START_MS) / STEP_MS + 1;
}

/** The meter: frame i is the telegram of minute i, ciphered with counter i + 1. */
function meter(): { server: Server; port: Promise<number>; sent: () => number } {
  const lux = encryptedCase("enc-dsmr-athombv-luxembourg-spec-example-with-aad");
  const g = new Dsmr5Generator({ startMs: START_MS, intervalS: STEP_MS / 1000 });
  const frames: Uint8Array[] = [];
  const frame = (i: number) => {
    while (frames.length <= i) frames.push(buildGlo(g.next().bytes, lux.key, frames.length + 1, { authKey: lux.authKey, systemTitle: lux.systemTitle }));
    return frames[i];
  };
  let next = 0;
  let sent = 0;
  let current: Socket | undefined;
  const server = createServer((socket) => {
    current?.destroy();
    current = socket;
    next = Math.max(0, next - RESENT);
    const timer = setInterval(() => {
      if (socket.destroyed) return;
      socket.write(frame(next++));
      sent++;
    }, PACE_MS);
    socket.on("error", () => {});
    socket.on("close", () => clearInterval(timer));
  });
  const port = new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)));
  return { server, port, sent: () => sent };
}

/** Spawns `metertap run`; resolves once it reads the meter, with its exit. */
function start(args: string[]): { connected: Promise<void>; exited: Promise<void>; kill(signal: NodeJS.Signals): void; err: () => string } {
  const child = spawn(process.execPath, [cli, "run", ...args], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  let reading!: () => void;
  const ready = new Promise<void>((resolve) => (reading = resolve));
  child.stderr!.on("data", (b: Buffer) => {
    err += b;
    if (err.includes("source: connected")) reading();
  });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  // A run that never reads the meter fails the loop instead of hanging it.
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<never>((_, reject) => (timer = setTimeout(() => {
    child.kill("SIGKILL");
    reject(new Error(`metertap did not read the meter within 60 s: ${err}`));
  }, 60_000)));
  const connected = Promise.race([ready, stuck, exited.then(() => { throw new Error(`metertap exited: ${err}`); })]).finally(() => clearTimeout(timer));
  return { connected, exited, kill: (s) => child.kill(s), err: () => err };
}

/**
 * Runs `cycles` kill -9 cycles, then one clean run (Ctrl-C) that sends what is left. `check` runs
 * after every kill. `random` picks the moment: a delay in [0, 1200) ms after the meter is read.
 */
export async function killLoop(cycles: number, check?: KillCheck, random: () => number = Math.random): Promise<KillFigures> {
  const broker = await Mosquitto.start();
  const m = meter();
  const port = await m.port;
  const flashFile = join(mkdtempSync(join(tmpdir(), "metertap-kill-")), "history.bin");
  const lux = encryptedCase("enc-dsmr-athombv-luxembourg-spec-example-with-aad");
  const args = ["--source", `tcp:127.0.0.1:${port}`, "--mqtt", broker.url, "--flash", flashFile, "--device-id", DEVICE,
    "--key", lux.key, "--auth-key", lux.authKey!, "--tz", "Europe/Luxembourg", "--quiet", "--no-http"];
  const watch = await subscriber(broker.url, [`metertap/${DEVICE}/profile/#`, `metertap/${DEVICE}/event`, `metertap/${DEVICE}/state`]);
  const received = new Map<string, Set<string>>();
  const copies = new Map<string, number>();
  const statesSeen = new Set<string>();
  const figures: KillFigures = { cycles, records: 0, duplicates: 0, mostCopies: 0, states: 0, replays: 0, framesSent: 0 };
  watch.client.on("message", (topic, payload) => {
    const text = payload.toString();
    if (topic.endsWith("/state")) {
      const time = JSON.parse(text).time as string;
      figures.states++;
      if (statesSeen.has(time)) figures.replays++;
      statesSeen.add(time);
      return;
    }
    figures.records++;
    const key = `${topic}\n${text}`;
    const n = (copies.get(key) ?? 0) + 1;
    copies.set(key, n);
    if (n > 1) figures.duplicates++;
    figures.mostCopies = Math.max(figures.mostCopies, n);
    if (!received.has(topic)) received.set(topic, new Set());
    received.get(topic)!.add(text);
  });
  try {
    for (let c = 0; c < cycles; c++) {
      const run = start(args);
      await run.connected;
      await new Promise((r) => setTimeout(r, Math.floor(random() * 1200)));
      run.kill("SIGKILL");
      await run.exited;
      await check?.(flashFile, received, statesSeen);
    }
    const last = start(args);
    await last.connected;
    await new Promise((r) => setTimeout(r, 1500));
    last.kill("SIGINT");
    await last.exited;
    await check?.(flashFile, received, statesSeen);
    figures.framesSent = m.sent();
    return figures;
  } finally {
    await watch.client.endAsync();
    m.server.close();
    await broker.stop();
  }
}

/**
 * What a crash may cost, as the README states it: per stream, the records delivered since the
 * cursor's last write (at most 31: it is written every 32) and the 16 in flight.
 */
export const WINDOW = 31 + 16;

export interface FlashFigures {
  kills: number;
  /** Per kill and stream: records past the persisted cursor that the subscriber already has. */
  mostResendable: number;
  resendable: number;
  problems: string[];
}

/**
 * After each kill, reads the history file as the next run will: the persisted cursor of each
 * stream must not be ahead of what the subscriber received (waits for the broker to deliver), the
 * records past it that the subscriber already has (what the next run sends again) must be within
 * WINDOW, and the persisted frame counter must cover every frame whose state went out.
 */
export function flashCheck(): { check: KillCheck; figures: FlashFigures } {
  const figures: FlashFigures = { kills: 0, mostResendable: 0, resendable: 0, problems: [] };
  const title = encryptedCase("enc-dsmr-athombv-luxembourg-spec-example-with-aad").systemTitle.toLowerCase();
  const check: KillCheck = async (flashFile, received, statesSeen) => {
    figures.kills++;
    const flash = new ImageFlash(new Uint8Array(readFileSync(flashFile)));
    const history = new History(flash, { now: () => 0 });
    const state = new StateLog(flash, stateBlocks(defaultLayout(flash.blocks)));
    for (const [i, stream] of STREAMS.entries()) {
      const topic = stream === "events" ? `metertap/${DEVICE}/event` : `metertap/${DEVICE}/profile/${stream}`;
      const cursor = state.cursors.get(i) ?? null;
      const all = history.readAfter(stream, null).map(recordToJson);
      const after = history.readAfter(stream, cursor).map(recordToJson);
      const delivered = all.slice(0, all.length - after.length);
      try {
        await until(() => delivered.every((j) => received.get(topic)?.has(j)), 10_000, `${stream} up to the cursor at the subscriber`);
      } catch {
        figures.problems.push(`kill ${figures.kills}: ${stream} cursor ahead of what the subscriber received`);
      }
      const resendable = after.filter((j) => received.get(topic)?.has(j)).length;
      figures.resendable += resendable;
      figures.mostResendable = Math.max(figures.mostResendable, resendable);
      if (resendable > WINDOW) figures.problems.push(`kill ${figures.kills}: ${resendable} ${stream} records would be sent again`);
    }
    const counter = state.counters.get(title) ?? 0;
    const published = Math.max(0, ...[...statesSeen].map(counterOf));
    if (published > counter) figures.problems.push(`kill ${figures.kills}: frame counter ${published} published, ${counter} in flash`);
  };
  return { check, figures };
}
