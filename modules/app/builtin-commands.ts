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
/** Signed records one reply may carry (1.6 KB each with seven channels, 2 KB escaped); ask again with `after`. */
export const MAX_SIGNED_RECORDS = 8;

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
      const records = lines.slice(0, MAX_HISTORY_RECORDS).map((l) => JSON.parse(l) as unknown);
      return { stream, from, to, truncated: lines.length > MAX_HISTORY_RECORDS, records };
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
  let truncated = false;
  for (const { line } of signedLines(history, undefined, undefined, undefined, after)) {
    if (records.length === MAX_SIGNED_RECORDS) {
      truncated = true;
      break;
    }
    records.push(line);
  }
  return { signed: true, after, truncated, records };
}
