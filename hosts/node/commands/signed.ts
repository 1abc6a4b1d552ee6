// `metertap history --signed` / `--public-key`: the signed records (kept with the history in FILE)
// and the device's public key (from FILE.kv.json; the private key is never printed).
import { existsSync } from "node:fs";
import { FileKeyValueStore } from "../kv-file.js";
import { FileFlash } from "../flash-file.js";
import { nodeSigner, publicKeyPem } from "../signer.js";
import { History, type StreamName } from "../../../modules/history/history.js";
import { LayoutError } from "../../../modules/history/log-store.js";
import { SIGNED_STREAMS } from "../../../modules/signing/ocmf.js";
import { signedLines } from "../../../modules/signing/record-signer.js";

export function printPublicKey(flashFile: string): number {
  const signer = existsSync(`${flashFile}.kv.json`) ? nodeSigner(new FileKeyValueStore(`${flashFile}.kv.json`), false) : null;
  if (!signer) {
    process.stderr.write(`metertap history: no signing key for ${flashFile} yet (run with --sign once)\n`);
    return 1;
  }
  process.stdout.write(publicKeyPem(signer.publicKey()));
  return 0;
}

/** Prints the signed records of `stream` (all signed streams when absent) whose interval starts in [from, to). */
export function printSigned(flashFile: string, stream: string | undefined, from: number, to: number): number {
  if (stream !== undefined && !SIGNED_STREAMS.includes(stream)) {
    process.stderr.write(`metertap history: --signed covers ${SIGNED_STREAMS.join(", ")}\n`);
    return 2;
  }
  if (!existsSync(flashFile)) {
    process.stderr.write(`metertap history: no flash image at ${flashFile}\n`);
    return 2;
  }
  const flash = FileFlash.open(flashFile);
  try {
    const history = new History(flash, { now: () => Date.now() });
    const out: string[] = [];
    for (const { line } of signedLines(history, stream as StreamName | undefined, from, to)) out.push(line);
    if (out.length) process.stdout.write(out.join("\n") + "\n");
  } catch (e) {
    if (!(e instanceof LayoutError)) throw e;
    process.stderr.write(`metertap history: ${flashFile}: ${e.message}\n`);
    return 1;
  } finally {
    flash.close();
  }
  return 0;
}
