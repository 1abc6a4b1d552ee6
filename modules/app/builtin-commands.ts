// The commands every build answers. Replies go to `<base>/response`; see publish/commands.ts.
import type { FirmwarePorts } from "./firmware.js";
import type { History } from "../history/history.js";
import type { Firmware } from "./firmware.js";
import { CommandError, timeArg, type CommandHandler } from "../publish/commands.js";
import { resetReplayCounters } from "../security/replay.js";
import { toHex } from "../util/hex.js";
import { signedLines } from "../signing/record-signer.js";

/** Records one history reply may carry; ask again with a later `from` for more. */
export const MAX_HISTORY_RECORDS = 96;
/**
 * Characters of records one reply may carry (at least one record): the dongle holds a reply three
 * times over while it goes out (text, UTF-8, packet), and a 15 KB reply did not fit beside the rest.
 * A signed record is about 1.6 KB, a quarter-hour 0.3 KB. Ask again with `from` or `after` for more.
 */
export const MAX_REPLY_CHARS = 6000;

export function builtinCommands(fw: Firmware, ports: FirmwarePorts): Record<string, CommandHandler> {
  return {
    history(args) {
      const history = fw.history;
      if (!history) throw new CommandError("no history store on this device");
      if (args.signed === true) return signedHistory(history.store, args);
      const stream = args.stream;
      if (typeof stream !== "string" || !history.streams.includes(stream)) {
        throw new CommandError(`'stream' must be one of ${history.streams.join(", ")}`);
      }
      const from = timeArg(args, "from") ?? 0;
      const to = timeArg(args, "to") ?? ports.clock.now();
      const lines = history.query(stream, from, to, MAX_HISTORY_RECORDS + 1);
      const kept = withinBudget(lines, MAX_HISTORY_RECORDS);
      const records = lines.slice(0, kept).map((l) => JSON.parse(l) as unknown);
      return { stream, from, to, truncated: lines.length > kept, records };
    },
    diag() {
      return fw.diag();
    },
    raw() {
      const f = fw.lastRawFrame;
      if (!f) throw new CommandError("no frame received yet");
      return { kind: f.kind, error: f.error ?? null, length: f.bytes.length, hex: toHex(f.bytes) };
    },
    "reset-counter"(args) {
      const title = args.systemTitle;
      if (title !== undefined && (typeof title !== "string" || !/^[0-9a-fA-F]{16}$/.test(title))) {
        throw new CommandError("'systemTitle' must be 16 hex digits");
      }
      return { forgotten: resetReplayCounters(fw.store, title as string | undefined) };
    },
    reboot() {
      if (!ports.reboot) throw new CommandError("this host cannot reboot");
      fw.scheduleReboot();
      return { rebooting: true };
    },
  };
}

/** `{"signed": true, "after": N}`: the OCMF lines of the records signed after counter N, in counter order. */
function signedHistory(history: History, args: Record<string, unknown>): Record<string, unknown> {
  const after = args.after ?? 0;
  if (typeof after !== "number" || !Number.isSafeInteger(after) || after < 0) throw new CommandError("'after' must be a record counter (0: from the oldest kept)");
  const records: string[] = [];
  let chars = 0;
  let truncated = false;
  for (const { line } of signedLines(history, undefined, undefined, undefined, after)) {
    if (records.length && chars + line.length > MAX_REPLY_CHARS) {
      truncated = true;
      break;
    }
    records.push(line);
    chars += line.length;
  }
  return { signed: true, after, truncated, records };
}

/** How many of `lines` (at most `max`, at least one) fit in one reply. */
function withinBudget(lines: readonly string[], max: number): number {
  let chars = 0;
  let n = 0;
  while (n < lines.length && n < max && (n === 0 || chars + lines[n].length <= MAX_REPLY_CHARS)) chars += lines[n++].length;
  return n;
}
