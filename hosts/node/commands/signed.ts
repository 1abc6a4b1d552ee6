// `metertap history --signed` / `--public-key`: the signed records (FILE.signed) and the device's
// public key (from FILE.kv.json; the private key is never printed).
import { existsSync, readFileSync } from "node:fs";
import { FileKeyValueStore } from "../kv-file.js";
import { nodeSigner, publicKeyPem } from "../signer.js";
import { signedLogPath } from "../signed-log.js";
import { parseOcmf, SIGNED_STREAMS } from "../../../modules/signing/ocmf.js";

export function printPublicKey(flashFile: string): number {
  const signer = existsSync(`${flashFile}.kv.json`) ? nodeSigner(new FileKeyValueStore(`${flashFile}.kv.json`), false) : null;
  if (!signer) {
    process.stderr.write(`metertap history: no signing key for ${flashFile} yet (run with --sign once)\n`);
    return 1;
  }
  process.stdout.write(publicKeyPem(signer.publicKey()));
  return 0;
}

/** Prints the signed lines of `stream` (all signed streams when absent) whose interval starts in [from, to). */
export function printSigned(flashFile: string, stream: string | undefined, from: number, to: number): number {
  if (stream !== undefined && !SIGNED_STREAMS.includes(stream)) {
    process.stderr.write(`metertap history: --signed covers ${SIGNED_STREAMS.join(", ")}\n`);
    return 2;
  }
  const path = signedLogPath(flashFile);
  const text = existsSync(path) ? readFileSync(path, "utf8") : "";
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const rec = parseOcmf(line);
    if (!rec) continue;
    const rd = rec.fields.RD as { TM: string }[];
    const start = rd.length ? Date.parse(rd[0].TM) : NaN;
    if (stream && rec.fields.XS !== stream) continue;
    if (!(start >= from && start < to) && (from > -Infinity || to < Infinity)) continue;
    out.push(line);
  }
  if (out.length) process.stdout.write(out.join("\n") + "\n");
  return 0;
}
