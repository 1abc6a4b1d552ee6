// `metertap decode [--key HEX32] [--auth-key HEX32] [--aad HEX] FILE...`: one JSON line per frame.
// Exit 0 when every frame is ok, 1 when any failed, 2 on a usage error.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Decoder } from "../../../modules/decode/decoder.js";
import type { DecoderOptions } from "../../../modules/decode/protocol.js";
import { toContractJson } from "../../../modules/reading/model.js";
import { nodeCipher } from "../cipher.js";
import { meterKeys } from "../keys.js";

const USAGE = "usage: metertap decode [--key HEX32] [--auth-key HEX32] [--aad HEX] FILE...\n";

export async function run(args: string[]): Promise<number> {
  let parsed;
  let options: DecoderOptions;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { key: { type: "string" }, "auth-key": { type: "string" }, aad: { type: "string" } },
    });
    options = { cipher: nodeCipher, ...meterKeys(parsed.values, process.env) };
  } catch (err) {
    process.stderr.write(`metertap decode: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (parsed.positionals.length === 0) {
    process.stderr.write(USAGE);
    return 2;
  }
  let failed = false;
  for (const file of parsed.positionals) {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(file);
    } catch (err) {
      process.stderr.write(`metertap decode: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? "error"}\n`);
      return 2;
    }
    const lines: string[] = [];
    const decoder = new Decoder(options, (result) => {
      if (!result.ok) failed = true;
      lines.push(toContractJson(result));
    });
    decoder.push(bytes);
    decoder.end();
    if (lines.length === 0) {
      failed = true;
      process.stderr.write(`metertap decode: ${file}: no frame found in ${bytes.length} bytes\n`);
    }
    process.stdout.write(lines.map((l) => l + "\n").join(""));
  }
  return failed ? 1 : 0;
}
