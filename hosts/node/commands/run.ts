// `metertap run`: the whole firmware pipeline on a desktop or a Raspberry Pi, as on the dongle.
import { readFileSync } from "node:fs";
import type { OpenByteSource } from "../../../modules/ports/ports.js";
import { parseRunArgs, RUN_USAGE, type RunOptions } from "../options.js";
import { sourceOpener, UsageError } from "../sources.js";
import { startPipeline, type Pipeline } from "../pipeline.js";
import { liveDisplay } from "../display.js";
import { openFlashFile } from "../flash-store.js";
import { meterSpecs } from "../meters.js";
import { runFleet } from "../fleet-run.js";
import { pageUrl, startWeb } from "../web.js";
import type { WebServer } from "../web-server.js";

const log = (line: string): void => void process.stderr.write(`${line}\n`);

export async function run(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(RUN_USAGE);
    return 0;
  }
  let options: RunOptions;
  try {
    options = parseRunArgs(args, process.env);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`metertap run: ${e.message}\n\n${RUN_USAGE}`);
    return 2;
  }
  // Several meters, or a database beside MQTT: the fleet runner (one meter is a fleet of one).
  if (options.sources.length > 1 || options.configFile || options.dbUrl || options.sign) {
    try {
      return await runFleet(options, meterSpecs(options, args, process.env), log);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      process.stderr.write(`metertap run: ${e.message}\n`);
      return 2;
    }
  }
  let ended!: () => void;
  const end = new Promise<void>((resolve) => (ended = resolve));
  let openSource: OpenByteSource;
  try {
    openSource = sourceOpener(options.source, { onEnd: () => ended(), log }, options.loop);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`metertap run: ${e.message}\n`);
    return 2;
  }
  return runPipeline(options, openSource, end);
}

/** Runs until the source ends (and everything is delivered) or Ctrl-C; shared with `demo`. */
export async function runPipeline(options: RunOptions, openSource: OpenByteSource, sourceEnded: Promise<void>): Promise<number> {
  const storage = options.flashFile ? openFlashFile(options.flashFile) : undefined;
  let mqttCa: string | undefined;
  try {
    mqttCa = options.mqttCa === undefined ? undefined : readFileSync(options.mqttCa, "utf8");
  } catch (e) {
    process.stderr.write(`metertap run: --mqtt-ca: cannot read ${options.mqttCa}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
    return 2;
  }
  let pipeline: Pipeline;
  try {
    const config = { ...options.config, device: { configurationUrl: options.http ? pageUrl(options.http) : undefined, ...options.config.device } };
    pipeline = await startPipeline({ openSource, mqttUrl: options.mqttUrl, mqttCa, config, log, flash: storage?.flash, store: storage?.store });
  } catch (e) {
    process.stderr.write(`metertap run: cannot start: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
    return 1;
  }
  const fw = pipeline.firmware;
  let web: WebServer | undefined;
  try {
    web = await startWeb(fw, options, storage?.store, log);
  } catch (e) {
    process.stderr.write(`metertap run: cannot serve the page: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
    await pipeline.shutdown();
    storage?.close();
    return 1;
  }
  log(pipeline.embedded
    ? `metertap: embedded MQTT broker at ${pipeline.brokerUrl}; try: npx mqtt sub -h 127.0.0.1 -p ${pipeline.embedded.port} -t 'metertap/#' -v`
    : `metertap: publishing to ${pipeline.brokerUrl}`);
  if (web) log(`metertap: page and HomeWizard API at ${web.url}`);
  if (!options.quiet) fw.onReading = liveDisplay((line) => void process.stdout.write(`${line}\n`));
  const interrupted = new Promise<"signal">((resolve) => {
    process.once("SIGINT", () => resolve("signal"));
    process.once("SIGTERM", () => resolve("signal"));
  });
  const why = await Promise.race([sourceEnded.then(() => "end" as const), interrupted]);
  let code = 0;
  if (why === "end") {
    // The capture is consumed: end the last telegram, then wait for every closed record to go out.
    fw.endOfInput();
    // Ctrl-C while waiting stops at once; the flash file keeps what was not sent.
    if (!(await Promise.race([pipeline.drain(options.drainTimeoutMs), interrupted.then(() => false)]))) {
      log(`metertap: the broker did not take every record within ${options.drainTimeoutMs / 1000} s; ${options.flashFile ? "they stay in the flash file for the next run" : "they are lost with this in-memory history (use --flash)"}`);
      code = 1;
    }
  }
  await web?.close();
  await pipeline.shutdown();
  storage?.close();
  const d = fw.decoder.stats;
  log(`metertap: ${d.frames} frames, ${d.ok} ok, ${d.frames - d.ok} refused; ${fw.stats.states} states published`);
  return code;
}
