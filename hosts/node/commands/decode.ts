// `metertap decode [--key HEX32] [--auth-key HEX32] [--aad HEX] [--tz ZONE] [--unchecked-line yes|no] FILE...`: one JSON
// line per frame, written as the frames are found, so memory stays bounded for any input size.
// Exit 0 when every frame is ok, 1 when any failed, 2 on a usage error or an unreadable file
// (reported, and the other files are still decoded).
import { closeSync, openSync, readSync } from "node:fs";
import { once } from "node:events";
import { parseArgs } from "node:util";
import { Decoder } from "../../../modules/decode/decoder.js";
import type { DecoderOptions } from "../../../modules/decode/protocol.js";
import { zoneConfig } from "../../../modules/history/zones.js";
import { toContractJson } from "../../../modules/reading/model.js";
import { nodeCipher } from "../cipher.js";
import { meterKeys } from "../keys.js";
import { parseUncheckedLine } from "../options.js";

const USAGE = "usage: metertap decode [--key HEX32] [--auth-key HEX32] [--aad HEX] [--tz ZONE] [--unchecked-line yes|no] FILE...\n";
/** Input is read in pieces of this size, output written in pieces of about OUT_CHUNK: neither grows with the file. */
const CHUNK = 1 << 16;
const OUT_CHUNK = 1 << 16;

export async function run(args: string[]): Promise<number> {
  let parsed;
  let options: DecoderOptions;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { key: { type: "string" }, "auth-key": { type: "string" }, aad: { type: "string" }, tz: { type: "string" }, "unchecked-line": { type: "string" } },
    });
    const zone = zoneConfig(parsed.values.tz);
    if (zone.problem) throw new Error(`--tz: ${zone.problem.replace(/, using [^;]*/, "")}`);
    const unchecked = parsed.values["unchecked-line"];
    options = { cipher: nodeCipher, standardOffsetMinutes: zone.standardOffsetMinutes, ...meterKeys(parsed.values, process.env) };
    if (unchecked !== undefined) options.uncheckedLine = parseUncheckedLine(unchecked);
  } catch (err) {
    process.stderr.write(`metertap decode: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (parsed.positionals.length === 0) {
    process.stderr.write(USAGE);
    return 2;
  }
  let failed = false;
  let unreadable = false;
  for (const file of parsed.positionals) {
    const outcome = await decodeFile(file, options);
    if (outcome === "unreadable") unreadable = true;
    else if (outcome === "failed") failed = true;
  }
  return unreadable ? 2 : failed ? 1 : 0;
}

async function decodeFile(file: string, options: DecoderOptions): Promise<"ok" | "failed" | "unreadable"> {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (err) {
    process.stderr.write(`metertap decode: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? "error"}\n`);
    return "unreadable";
  }
  let failed = false;
  let frames = 0;
  let out = "";
  const decoder = new Decoder(options, (result) => {
    if (!result.ok) failed = true;
    frames++;
    out += toContractJson(result) + "\n";
    // A small input can make much output (8 bytes of SML escapes, one line each): write as it grows.
    // (stdout to a file, pipe or terminal is synchronous on Linux and macOS.)
    if (out.length >= OUT_CHUNK) {
      process.stdout.write(out);
      out = "";
    }
  });
  const chunk = new Uint8Array(CHUNK);
  let total = 0;
  try {
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, chunk, 0, CHUNK, null);
      } catch (err) {
        process.stderr.write(`metertap decode: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? "error"}\n`);
        return "unreadable";
      }
      if (n === 0) decoder.end();
      else decoder.push(chunk.subarray(0, n));
      total += n;
      if (out) await write(out);
      out = "";
      if (n === 0) break;
    }
  } finally {
    closeSync(fd);
  }
  if (frames === 0) {
    process.stderr.write(`metertap decode: ${file}: no frame found in ${total} bytes\n`);
    return "failed";
  }
  return failed ? "failed" : "ok";
}

/** Writes and waits while the reader of our output is behind (a pipe into `head`, a slow disk). */
async function write(text: string): Promise<void> {
  if (!process.stdout.write(text)) await once(process.stdout, "drain");
}
