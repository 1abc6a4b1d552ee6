// `metertap history --flash FILE --stream NAME [--from ISO] [--to ISO]`: one JSON line per
// stored record of the stream with its time in [from, to). Exit 0, or 2 on a usage error.
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { History, STREAMS, recordToJson, type StreamName } from "../../../modules/history/history.js";
import { FileFlash } from "../flash-file.js";
import { printPublicKey, printSigned } from "./signed.js";
import { LayoutError } from "../../../modules/history/log-store.js";

const USAGE = `usage: metertap history --flash FILE --stream ${STREAMS.join("|")} [--from ISO] [--to ISO]
       metertap history --flash FILE --signed [--stream quarter-hour|daily|monthly] [--from ISO] [--to ISO]
       metertap history --flash FILE --public-key     the device's signing key (PEM)\n`;

function instant(v: string | undefined, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  const ms = Date.parse(v);
  if (!Number.isFinite(ms)) throw new Error(`${name} must be an ISO 8601 instant, e.g. 2026-03-28T00:00:00Z`);
  return ms;
}

export async function run(args: string[]): Promise<number> {
  let file: string, stream: StreamName, from: number, to: number;
  try {
    const { values } = parseArgs({
      args,
      options: { flash: { type: "string" }, stream: { type: "string" }, from: { type: "string" }, to: { type: "string" }, signed: { type: "boolean" }, "public-key": { type: "boolean" } },
    });
    if (!values.flash) throw new Error("--flash FILE is required");
    // Signed records and the public key live beside the history (signed.ts).
    if (values["public-key"]) return printPublicKey(values.flash);
    if (values.signed) return printSigned(values.flash, values.stream, instant(values.from, "--from", -Infinity), instant(values.to, "--to", Infinity));
    if (!values.stream || !STREAMS.includes(values.stream as StreamName)) throw new Error(`--stream must be one of ${STREAMS.join(", ")}`);
    if (!existsSync(values.flash)) throw new Error(`no flash image at ${values.flash}`);
    file = values.flash;
    stream = values.stream as StreamName;
    from = instant(values.from, "--from", -Infinity);
    to = instant(values.to, "--to", Infinity);
  } catch (err) {
    process.stderr.write(`metertap history: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const flash = FileFlash.open(file);
  try {
    const history = new History(flash, { now: () => Date.now() });
    const lines: string[] = [];
    for (const r of history.query(stream, from, to)) lines.push(recordToJson(r));
    if (lines.length) process.stdout.write(lines.join("\n") + "\n");
    // Damage costs the damaged records alone; the reader is told, the rest is printed.
    if (history.damagedRecords) process.stderr.write(`metertap history: ${history.damagedRecords} damaged record(s) in ${file} skipped\n`);
  } catch (e) {
    if (!(e instanceof LayoutError)) throw e;
    process.stderr.write(`metertap history: ${file}: ${e.message}\n`);
    return 1;
  } finally {
    flash.close();
  }
  return 0;
}
