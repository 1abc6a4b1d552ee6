// Signs each closed quarter-hour, daily and monthly record as it is committed to the history, with a
// record counter persisted before the signature is made: after a power cut a counter is skipped
// (a reported gap), never used twice.
import type { KeyValueStore, Signer } from "../ports/ports.js";
import type { HistoryRecord } from "../history/records.js";
import { ocmfLine, signedPayload, SIGNED_STREAMS, type SignableRecord } from "./ocmf.js";

const COUNTER_KEY = "sig-counter";

/** UTF-8 bytes of a string (the core has no TextEncoder). */
export function utf8(text: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}

export class RecordSigner {
  private counter: number;

  /** `store` must write through (not a write-behind cache): the counter is persisted per record. */
  constructor(private readonly signer: Signer, private readonly store: KeyValueStore, private readonly meta: { deviceId(): string; meterId(): string; firmware: string }) {
    this.counter = Number(store.read(COUNTER_KEY) ?? 0) || 0;
  }

  /** The OCMF line of `rec`, or null for a stream that is not signed. */
  sign(rec: HistoryRecord): string | null {
    if (!SIGNED_STREAMS.includes(rec.stream)) return null;
    const counter = this.counter + 1;
    this.store.write(COUNTER_KEY, String(counter));
    this.counter = counter;
    const payload = signedPayload(rec as SignableRecord, { deviceId: this.meta.deviceId(), meterId: this.meta.meterId(), firmware: this.meta.firmware, counter });
    return ocmfLine(payload, this.signer.sign(utf8(payload)));
  }
}
