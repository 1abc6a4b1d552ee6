// `metertap demo` (what `npm start` runs): the firmware pipeline on a synthesised DSMR 5 meter, one
// telegram a second at the meter's cadence, published to an embedded broker (or --mqtt URL).
// Takes the options of `run` except --source.
import type { OpenByteSource } from "../../../modules/ports/ports.js";
import { Dsmr5Generator } from "../dsmr-generator.js";
import { QueuedSource } from "../byte-queue.js";
import { parseRunArgs, RUN_USAGE, type RunOptions } from "../options.js";
import { UsageError } from "../sources.js";
import { runPipeline } from "./run.js";

/** A live DSMR 5 meter: one telegram every `intervalS` seconds, stamped with the wall clock. */
export function generatedSource(intervalS = 1): OpenByteSource {
  return (callbacks) => {
    const generator = new Dsmr5Generator({ startMs: Date.now(), intervalS });
    const send = (): void => source.deliver(generator.next().bytes);
    const timer = setInterval(send, intervalS * 1000);
    const source = new QueuedSource(callbacks, () => clearInterval(timer));
    setTimeout(send, 0);
    return source;
  };
}

export async function run(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(`usage: metertap demo [run options except --source]\n\n${RUN_USAGE}`);
    return 0;
  }
  let options: RunOptions;
  try {
    if (args.some((a) => a === "--source" || a.startsWith("--source="))) throw new UsageError("demo makes its own meter: no --source");
    options = parseRunArgs(args, process.env, false);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`metertap demo: ${e.message}\n`);
    return 2;
  }
  process.stderr.write("metertap demo: a synthesised DSMR 5 meter, one telegram a second (Ctrl-C to stop)\n");
  return runPipeline(options, generatedSource(), new Promise<void>(() => {}));
}
