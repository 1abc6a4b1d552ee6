// The dongle's record-signing key (docs/SIGNED-RECORDS.md): made in PSA Crypto on the first boot
// and kept in NVS, which OTA updates leave alone; only its public half leaves the device (diag,
// and so the local page's diagnostics). PSA failing costs the signing key, never the meter.
import type { KeyValueStore, Signer } from "../../modules/ports/ports.js";
import { psaSigner } from "../../modules/crypto/psa-signer.js";

export function deviceSigner(store: KeyValueStore, log: (line: string) => void): Signer | undefined {
  try {
    return psaSigner(store);
  } catch (e) {
    log(`signing: no key (${(e as Error).message}); records are not signed`);
    return undefined;
  }
}
