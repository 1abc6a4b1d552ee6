// `metertap run` with several meters (repeated --source, or --config): runs the fleet until every
// file/stdin source has ended and its records are delivered, or until Ctrl-C.
import { readFileSync } from "node:fs";
import type { RunOptions } from "./options.js";
import type { MeterSpec } from "./meters.js";
import { startFleet, type Fleet } from "./fleet.js";
import { openDb } from "./db/sink.js";

export async function runFleet(options: RunOptions, specs: MeterSpec[], log: (line: string) => void): Promise<number> {
  let fleet: Fleet;
  try {
    const mqttCa = options.mqttCa === undefined ? undefined : readFileSync(options.mqttCa, "utf8");
    const db = options.dbUrl ? await openDb(options.dbUrl, log) : undefined;
    fleet = await startFleet({ meters: specs, mqttUrl: options.mqttUrl, mqttCa, log, db, http: options.http });
  } catch (e) {
    log(`metertap run: cannot start: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return 1;
  }
  log(`metertap: ${specs.length} meter${specs.length > 1 ? "s" : ""} on one connection to ${fleet.brokerUrl}${options.dbUrl ? ` and a database` : ""}`);
  if (fleet.web) log(`metertap: page of ${specs.length} meter${specs.length > 1 ? "s" : ""} at ${fleet.web.url} (each meter's page and HomeWizard API at ${fleet.web.url}meters/<name>/)`);
  const interrupted = new Promise<"signal">((resolve) => {
    process.once("SIGINT", () => resolve("signal"));
    process.once("SIGTERM", () => resolve("signal"));
  });
  const why = await Promise.race([fleet.sourcesEnded.then(() => "end" as const), interrupted]);
  let code = 0;
  if (why === "end") {
    for (const m of fleet.meters) if (!m.error) m.firmware?.endOfInput();
    if (!(await Promise.race([fleet.drain(options.drainTimeoutMs), interrupted.then(() => false)]))) {
      log(`metertap: the broker did not take every record within ${options.drainTimeoutMs / 1000} s; meters with a history file send them next run`);
      code = 1;
    }
  }
  await fleet.shutdown();
  for (const m of fleet.meters) {
    const d = m.firmware?.decoder.stats;
    log(`metertap: [${m.name}] ${m.error ? `stopped: ${m.error}` : `${d!.frames} frames, ${d!.ok} ok, ${d!.frames - d!.ok} refused; ${m.firmware!.stats.states} states published`}`);
  }
  // A meter that could not run makes the run's exit code 1, after the others have finished.
  return fleet.meters.some((m) => m.error) ? 1 : code;
}
