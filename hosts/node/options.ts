// Flags of `metertap run` (and `demo`), checked before anything starts: a bad flag is a clear
// message and exit code 2, never a stack trace. Messages never contain a key or password.
import { parseArgs } from "node:util";
import type { FirmwareConfig } from "../../modules/app/firmware.js";
import { checkBrokerUrl } from "./mqtt-publisher.js";
import { parseSourceSpec, UsageError, type SourceSpec } from "./sources.js";
import { meterKeys } from "./keys.js";
import { zoneConfig } from "../../modules/history/zones.js";

export const RUN_USAGE = `usage: metertap run --source SPEC [--source SPEC...] [options]
       metertap run --config meters.yaml|meters.json [options]

  --source SPEC      file:CAPTURE[,speed=BYTES_PER_S] | tcp:HOST:PORT
                     | serial:/dev/ttyUSB0[,baud=115200,parity=none|even,data=7|8] | stdin
                     (repeat it for several meters on one MQTT connection)
  --config FILE      several meters, each with its own source, keys, device id, time zone and
                     history file (JSON or YAML; see README "Many meters")
  --mqtt URL         mqtt://[user:pass@]host[:port] or mqtts://...; default: an embedded
                     broker on 127.0.0.1 (port 1883, or a free one)
  --mqtt-ca FILE     mqtts://: trust the CA certificate(s) in FILE (PEM) instead of the
                     system's roots; the broker's host name is still checked
  --db URL           also write readings and history to a database: sqlite:FILE or
                     postgres://user:pass@host/db (or env DATABASE_URL); docs/DATABASE.md
  --sign             sign each closed quarter-hour, daily and monthly record with the device
                     key (ECDSA P-256), kept with the history in FILE; needs --flash (docs/SIGNED-RECORDS.md)
  --flash FILE       keep the history in FILE (default: in memory for this run)
  --key HEX          decryption key, 32 hex digits (or env METERTAP_KEY, KEY)
  --auth-key HEX     authentication key, 32 hex digits (or env METERTAP_AAD, AAD with 32 digits)
  --aad HEX          raw AAD override (or env METERTAP_AAD, AAD, other lengths)
  --tz ZONE          meter time zone for DSMR times and day/month profiles (default Europe/Amsterdam)
  --unchecked-line yes|no
                     bare APDUs (0F, E0, LLC E6 E7 00 without HDLC; no checksum) on this line:
                     yes takes them anywhere, no never; default: only on a line whose first
                     frame is one
  --device-id ID     topic device id (default: from the meter id)
  --prefix P         topic prefix (default metertap)
  --state-interval MS  at most one state message per MS (default: every telegram)
  --per-value        publish each value on <prefix>/<id>/value/<key> even with --no-discovery
  --no-discovery     no Home Assistant discovery
  --command-secret S secret commands must carry (or env METERTAP_COMMAND_SECRET)
  --loop             replay a file: source forever
  --link-timeout S   no bytes from the meter for S seconds is a link-lost event; a tcp:
                     source then reconnects (default 30)
  --drain-timeout S  after a file: source ends, wait at most S seconds for the broker (default 30)
  --quiet            no live readings on the terminal
  --http [HOST:]PORT the local page and HomeWizard API (default 127.0.0.1:8080, or a free
                     port when taken); with several meters a page listing them all, each
                     meter's own page and API under /meters/<name>/
  --no-http          no local page
`;

export interface RunOptions {
  /** The first of `sources` (the single-meter run). */
  source: SourceSpec;
  sources: SourceSpec[];
  configFile?: string;
  sign?: boolean;
  /** `--db` or DATABASE_URL. */
  dbUrl?: string;
  mqttUrl?: string;
  /** PEM file of CA certificates trusted for mqtts://. */
  mqttCa?: string;
  flashFile?: string;
  loop: boolean;
  quiet: boolean;
  drainTimeoutMs: number;
  config: FirmwareConfig;
  /** Where the local page listens; null with --no-http. */
  http: { host: string; port: number; explicit: boolean } | null;
}

function wrap<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw e instanceof UsageError ? e : new UsageError((e as Error).message);
  }
}

export function parseRunArgs(args: string[], env: NodeJS.ProcessEnv, requireSource = true): RunOptions {
  const { values: v } = wrap(() => parseArgs({
    args,
    options: {
      source: { type: "string", multiple: true },
      config: { type: "string" },
      db: { type: "string" },
      sign: { type: "boolean" },
      mqtt: { type: "string" },
      "mqtt-ca": { type: "string" },
      flash: { type: "string" },
      key: { type: "string" },
      "auth-key": { type: "string" },
      aad: { type: "string" },
      tz: { type: "string" },
      "unchecked-line": { type: "string" },
      "device-id": { type: "string" },
      prefix: { type: "string" },
      "state-interval": { type: "string" },
      "per-value": { type: "boolean" },
      "no-discovery": { type: "boolean" },
      "command-secret": { type: "string" },
      loop: { type: "boolean" },
      "drain-timeout": { type: "string" },
      "link-timeout": { type: "string" },
      quiet: { type: "boolean" },
      http: { type: "string" },
      "no-http": { type: "boolean" },
    },
    strict: true,
    allowPositionals: false,
  }));
  if (requireSource && !v.source && !v.config) throw new UsageError("--source is required (or --config FILE for several meters)");
  const sources = (v.source ?? []).map(parseSourceSpec);
  const source = sources[0] ?? { kind: "stdin" as const };
  if (sources.length > 1 || v.config) {
    // Per-meter settings of several meters come from --config; one value for all would collide.
    if (v.config && sources.length) throw new UsageError("--config lists the sources: no --source with it");
    if (v.flash) throw new UsageError("--flash is per meter: give each meter's history file in --config");
    if (v["device-id"] && sources.length > 1) throw new UsageError("--device-id is per meter: give each in --config");
  }
  if (v.mqtt !== undefined) {
    const problem = checkBrokerUrl(v.mqtt);
    if (problem) throw new UsageError(problem);
  }
  if (v["mqtt-ca"] !== undefined && !v.mqtt?.startsWith("mqtts:")) throw new UsageError("--mqtt-ca applies to an mqtts:// broker (--mqtt mqtts://...)");
  // The dongle has no Intl: the zones are the history store's table, the same on every host.
  const { timeZone, standardOffsetMinutes, problem } = zoneConfig(v.tz);
  if (problem) throw new UsageError(`--tz: ${problem.replace(/, using [^;]*/, "")}`);
  const config: FirmwareConfig = { timeZone, standardOffsetMinutes, ...wrap(() => meterKeys(v, env)) };
  if (v["unchecked-line"] !== undefined) config.uncheckedLine = parseUncheckedLine(v["unchecked-line"]);
  if (v["device-id"] !== undefined) {
    if (!/^[A-Za-z0-9_-]{1,48}$/.test(v["device-id"])) throw new UsageError("--device-id: 1..48 of A-Z a-z 0-9 _ -");
    config.deviceId = v["device-id"];
  }
  if (v.prefix !== undefined) {
    if (!/^[^#+\s]+$/.test(v.prefix)) throw new UsageError("--prefix: no spaces or MQTT wildcards (# +)");
    config.topicPrefix = v.prefix;
  }
  if (v["state-interval"] !== undefined) {
    const ms = Number(v["state-interval"]);
    if (!Number.isInteger(ms) || ms < 0) throw new UsageError("--state-interval: milliseconds, a whole number ≥ 0");
    config.stateIntervalMs = ms;
  }
  if (v["per-value"]) config.perValueTopics = true;
  if (v["no-discovery"]) config.discovery = false;
  const secret = v["command-secret"] ?? env.METERTAP_COMMAND_SECRET;
  if (secret) config.commandSecret = secret;
  if (v.loop && !v.config && ![source, ...sources].every((s) => s.kind === "file")) throw new UsageError("--loop only applies to a file: source");
  if (v["link-timeout"] !== undefined) {
    const s = Number(v["link-timeout"]);
    if (!(s > 0)) throw new UsageError("--link-timeout: seconds, a number > 0");
    config.linkTimeoutMs = s * 1000;
    for (const src of sources) if (src.kind === "tcp") src.idleMs = config.linkTimeoutMs;
  }
  const drain = Number(v["drain-timeout"] ?? 30);
  if (!(drain >= 0)) throw new UsageError("--drain-timeout: seconds, a number ≥ 0");
  if (v.http !== undefined && v["no-http"]) throw new UsageError("--http and --no-http exclude each other");
  const http = v["no-http"] ? null : v.http === undefined ? { host: "127.0.0.1", port: 8080, explicit: false } : { ...parseListen(v.http), explicit: true };
  const dbUrl = v.db ?? env.DATABASE_URL;
  if (dbUrl !== undefined && !/^(sqlite:.+|postgres(ql)?:\/\/.+)$/.test(dbUrl)) throw new UsageError(`${v.db !== undefined ? "--db" : "DATABASE_URL"}: use sqlite:FILE or postgres://user:pass@host/db`);
  if (v.sign && !v.flash && !v.config) throw new UsageError("--sign needs --flash FILE: the signed records and the device key live beside the history");
  return { source, sources, configFile: v.config, dbUrl, sign: !!v.sign, mqttUrl: v.mqtt, mqttCa: v["mqtt-ca"], flashFile: v.flash, loop: !!v.loop, quiet: !!v.quiet, drainTimeoutMs: drain * 1000, config, http };
}

/** `--unchecked-line yes|no` (run and decode). */
export function parseUncheckedLine(value: string): boolean {
  if (value !== "yes" && value !== "no") throw new UsageError("--unchecked-line: yes or no");
  return value === "yes";
}

/** `PORT`, `HOST:PORT` or `[V6]:PORT`; port 0 picks a free one. */
function parseListen(spec: string): { host: string; port: number } {
  const m = /^(?:(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.\-]+):)?(\d{1,5})$/.exec(spec);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new UsageError("--http: [HOST:]PORT, e.g. 8080 or 0.0.0.0:8080");
  return { host: m[1] ? m[1].replace(/^\[|\]$/g, "") : "127.0.0.1", port };
}
