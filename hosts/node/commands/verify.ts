// `metertap verify --public-key KEY.pem|HEX FILE`: checks every signed record of FILE (the output of
// `metertap history --signed`) against the device's public key (a PEM file, or the hex point a
// dongle shows in diag as `device.signing_public_key`), and the record counters: a changed
// record fails its signature, a removed one leaves a gap, a moved one breaks the order.
// Exit 0 when every record verifies and the counters run on without a gap; 1 otherwise.
import { readFileSync } from "node:fs";
import { createPublicKey, type KeyObject } from "node:crypto";
import { parseArgs } from "node:util";
import { parseOcmf } from "../../../modules/signing/ocmf.js";
import { utf8Encode } from "../../../modules/util/bytes.js";
import { fromHex } from "../../../modules/util/hex.js";
import { publicKeyPem, verifySignature } from "../signer.js";

const USAGE = "usage: metertap verify --public-key KEY.pem|HEX FILE\n";
const POINT = /^04[0-9a-fA-F]{128}$/;

export async function run(args: string[]): Promise<number> {
  let key: KeyObject;
  let text: string;
  try {
    const { values, positionals } = parseArgs({ args, options: { "public-key": { type: "string" } }, allowPositionals: true });
    if (!values["public-key"] || positionals.length !== 1) throw new Error("--public-key KEY.pem and one FILE are required");
    const given = values["public-key"];
    key = createPublicKey(POINT.test(given) ? publicKeyPem(fromHex(given)!) : readFileSync(given, "utf8"));
    text = readFileSync(positionals[0], "utf8");
  } catch (err) {
    process.stderr.write(`metertap verify: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const problems: string[] = [];
  let good = 0;
  let last: number | undefined;
  text.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    const at = `line ${i + 1}`;
    const rec = parseOcmf(line);
    if (!rec) return void problems.push(`${at}: not a signed record`);
    if (!verifySignature(key, utf8Encode(rec.payload), rec.signature)) problems.push(`${at} (record ${rec.counter}): signature does not verify: the record was altered or signed by another key`);
    else good++;
    if (last !== undefined) {
      if (rec.counter <= last) problems.push(`${at}: record ${rec.counter} after ${last}: out of order or repeated`);
      else if (rec.counter > last + 1) problems.push(`${at}: record ${rec.counter} after ${last}: ${rec.counter - last - 1} record(s) missing`);
    }
    last = last === undefined ? rec.counter : Math.max(last, rec.counter);
  });
  for (const p of problems) process.stdout.write(`${p}\n`);
  process.stdout.write(`${good} records verified, ${problems.length} problem(s)\n`);
  return problems.length ? 1 : 0;
}
