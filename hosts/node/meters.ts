// The meters of a multi-meter `metertap run`: repeated `--source`, or `--config FILE` (JSON or
// YAML). Each meter's entry becomes `run` flags after the command line's, so one parser checks
// both and a per-meter setting overrides the shared one:
//
//   meters:
//     - source: tcp:192.168.1.20:2001
//       device_id: flat-1
//       key: 0123...           # and auth_key / aad, as --key / --auth-key / --aad
//       tz: Europe/Brussels
//       history: flat-1.bin    # as --flash
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import type { FirmwareConfig } from "../../modules/app/firmware.js";
import { parseRunArgs, type RunOptions } from "./options.js";
import { UsageError, type SourceSpec } from "./sources.js";

export interface MeterSpec {
  /** For log lines: the device id, or "meter-N". */
  name: string;
  source: SourceSpec;
  config: FirmwareConfig;
  flashFile?: string;
  loop: boolean;
  /** Sign closed quarter-hour, daily and monthly records (needs a history file). */
  sign?: boolean;
}

/** Config keys and the `run` flag each stands for. */
const FLAGS: Record<string, string> = {
  source: "--source", device_id: "--device-id", key: "--key", auth_key: "--auth-key", aad: "--aad",
  tz: "--tz", history: "--flash", sign: "--sign", state_interval: "--state-interval", per_value: "--per-value",
};

function shared(args: string[]): string[] {
  // The command line minus what lists meters; what is left applies to every meter.
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--source" || a === "--config") i++;
    else if (!a.startsWith("--source=") && !a.startsWith("--config=")) out.push(a);
  }
  return out;
}

function entryArgs(entry: unknown, n: number): string[] {
  if (!entry || typeof entry !== "object" || Array.isArray(entry)) throw new UsageError(`meter ${n}: an object with at least "source"`);
  const out: string[] = [];
  for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
    const flag = FLAGS[k];
    if (!flag) throw new UsageError(`meter ${n}: unknown setting '${k}' (settings: ${Object.keys(FLAGS).join(", ")})`);
    if (typeof v === "boolean") {
      if (v) out.push(flag);
    } else if (typeof v === "string" || typeof v === "number") out.push(flag, String(v));
    else throw new UsageError(`meter ${n}: '${k}' must be a string or number`);
  }
  if (!("source" in (entry as object))) throw new UsageError(`meter ${n}: "source" is required`);
  return out;
}

function readConfig(path: string): unknown[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new UsageError(`--config: cannot read '${path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    // Parser messages quote the text around the error, which may be a key: give the position only.
    throw new UsageError(`--config: '${path}' is not valid ${/\.json$/i.test(path) ? "JSON" : "YAML"}`);
  }
  const meters = (doc as { meters?: unknown })?.meters;
  if (!Array.isArray(meters) || !meters.length) throw new UsageError(`--config: '${path}' needs a non-empty "meters" list`);
  return meters;
}

function spec(o: RunOptions, n: number): MeterSpec {
  return { name: o.config.deviceId ?? `meter-${n}`, source: o.source, config: o.config, flashFile: o.flashFile, loop: o.loop, sign: o.sign };
}

/** The meters a run with `options` (parsed from `args`) reads; device ids must not collide. */
export function meterSpecs(options: RunOptions, args: string[], env: NodeJS.ProcessEnv): MeterSpec[] {
  const common = shared(args);
  const meters = options.configFile
    ? readConfig(options.configFile).map((entry, i) => {
      try {
        return spec(parseRunArgs([...common, ...entryArgs(entry, i + 1)], env), i + 1);
      } catch (e) {
        throw e instanceof UsageError && !e.message.startsWith("meter ") ? new UsageError(`meter ${i + 1}: ${e.message}`) : e;
      }
    })
    : options.sources.map((source, i) => ({ ...spec(options, i + 1), source }));
  const ids = new Set<string>();
  for (const m of meters) {
    const id = m.config.deviceId;
    if (id && ids.has(id)) throw new UsageError(`two meters have device id '${id}'`);
    if (id) ids.add(id);
  }
  const files = meters.map((m) => m.flashFile).filter((f) => f !== undefined);
  if (new Set(files).size !== files.length) throw new UsageError("two meters share a history file");
  return meters;
}
