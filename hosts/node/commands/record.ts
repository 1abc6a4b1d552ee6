// `metertap record --flash FILE [--tz ZONE] [--key HEX32] [--auth-key HEX32] CAPTURE...`: decodes
// captures and records every valid reading into a flash image (created when missing), so history
// can be built and inspected without MQTT. Prints a summary line; exit 0, 1 when a frame failed,
// 2 on a usage error.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Decoder } from "../../../modules/decode/decoder.js";
import type { DecoderOptions } from "../../../modules/decode/protocol.js";
import { History, type StreamName } from "../../../modules/history/history.js";
import { zone } from "../../../modules/history/zones.js";
import { FileFlash } from "../flash-file.js";
import { nodeCipher } from "../cipher.js";
import { meterKeys } from "../keys.js";

const USAGE = "usage: metertap record --flash FILE [--tz ZONE] [--key HEX32] [--auth-key HEX32] CAPTURE...\n";

export async function run(args: string[]): Promise<number> {
  let parsed;
  let options: DecoderOptions;
  let tz: string;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { flash: { type: "string" }, tz: { type: "string" }, key: { type: "string" }, "auth-key": { type: "string" }, aad: { type: "string" } },
    });
    if (!parsed.values.flash) throw new Error("--flash FILE is required");
    if (!parsed.positionals.length) throw new Error("no CAPTURE given");
    tz = parsed.values.tz ?? "Europe/Amsterdam";
    options = { cipher: nodeCipher, ...meterKeys(parsed.values, process.env), standardOffsetMinutes: zone(tz).standardMinutes };
  } catch (err) {
    process.stderr.write(`metertap record: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const captures: Uint8Array[] = [];
  for (const file of parsed.positionals) {
    try {
      captures.push(readFileSync(file));
    } catch (err) {
      process.stderr.write(`metertap record: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? "error"}\n`);
      return 2;
    }
  }
  const flash = FileFlash.open(parsed.values.flash);
  const counts: Record<string, number> = {};
  let readings = 0;
  let failed = 0;
  try {
    const history = new History(flash, { now: () => Date.now() }, { timeZone: tz });
    const decoder = new Decoder(options, (result) => {
      if (!result.ok) failed++;
      else readings++;
      // A replay has no host clock of its own: the meter's time stands in for it, so replay
      // speed is not mistaken for meter clock jumps.
      const meterMs = result.time ? Date.parse(result.time) : NaN;
      const nowMs = Number.isFinite(meterMs) ? meterMs : Date.now();
      for (const r of history.onResult(result, nowMs)) counts[r.stream as StreamName] = (counts[r.stream] ?? 0) + 1;
    });
    for (const bytes of captures) {
      decoder.push(bytes);
      decoder.end();
    }
  } finally {
    flash.close();
  }
  process.stdout.write(JSON.stringify({ readings, failed, records: counts }) + "\n");
  return failed ? 1 : 0;
}
