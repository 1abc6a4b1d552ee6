// Signed records on Node: each closed quarter-hour, daily and monthly record of a meter with a
// history file is signed as it is committed and appended to FILE.signed, one OCMF line per record
// (`metertap history --signed` prints them, `metertap verify` checks them).
import { appendFileSync } from "node:fs";
import type { Firmware } from "../../modules/app/firmware.js";
import type { KeyValueStore, Signer } from "../../modules/ports/ports.js";
import { RecordSigner } from "../../modules/signing/record-signer.js";

export const signedLogPath = (flashFile: string): string => `${flashFile}.signed`;

/** `store` is the meter's write-through store (the counter is persisted per record). */
export function attachSigning(fw: Firmware, signer: Signer, store: KeyValueStore, flashFile: string, firmware: string): void {
  let meterId = "unknown";
  const previous = fw.onReading;
  fw.onReading = (reading, published) => {
    if (reading.meterId) meterId = reading.meterId;
    previous?.(reading, published);
  };
  const records = new RecordSigner(signer, store, { deviceId: () => fw.topics?.deviceId ?? "unknown", meterId: () => meterId, firmware });
  const path = signedLogPath(flashFile);
  fw.history?.store.subscribe((rec) => {
    const line = records.sign(rec);
    if (line) appendFileSync(path, line + "\n");
  });
}
