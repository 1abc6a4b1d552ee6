// Signs each closed quarter-hour, daily and monthly record as the history commits it, which stores
// the seal (counter, signature, signer) right after the record (docs/FLASH-FORMAT.md, kinds 10-11).
// The record counter is persisted before the signature is made: after a power cut a counter is
// skipped (a reported gap), never used twice.
import type { KeyValueStore, Signer } from "../ports/ports.js";
import type { History, HistoryRecord, RecordSealer, Seal, StreamName } from "../history/history.js";
import { sealContext } from "../history/codec.js";
import { ocmfLine, signedPayload, SIGNED_STREAMS, type SignableRecord } from "./ocmf.js";
import { ecdsaDer, ecdsaRaw } from "./der.js";
import { utf8Encode } from "../util/bytes.js";

const COUNTER_KEY = "sig-counter";

/** The OCMF line of a stored record and its seal. */
export function ocmfOf(record: HistoryRecord, seal: Seal): string {
  return ocmfLine(signedPayload(record as SignableRecord, { ...seal.context, counter: seal.counter }), ecdsaDer(seal.signature));
}

/** The signed records of `history` as OCMF lines, oldest first by counter (see History.sealed). */
export function* signedLines(history: History, stream?: StreamName, fromMs?: number, toMs?: number, afterCounter?: number): IterableIterator<{ counter: number; line: string }> {
  for (const { record, seal } of history.sealed(stream, fromMs, toMs, afterCounter)) yield { counter: seal.counter, line: ocmfOf(record, seal) };
}

export class RecordSigner implements RecordSealer {
  private counter: number;

  /**
   * `store` must write through (not a write-behind cache): the counter is persisted per record.
   * `floor`: the highest counter the history already holds (a store that lost it cannot rewind).
   */
  constructor(private readonly signer: Signer, private readonly store: KeyValueStore, private readonly meta: { deviceId(): string; meterId(): string; firmware: string }, floor = 0) {
    this.counter = Math.max(Number(store.read(COUNTER_KEY) ?? 0) || 0, floor);
  }

  seal(rec: HistoryRecord): Seal | null {
    if (!SIGNED_STREAMS.includes(rec.stream)) return null;
    const counter = this.counter + 1;
    this.store.write(COUNTER_KEY, String(counter));
    this.counter = counter;
    const context = sealContext(this.meta.deviceId(), this.meta.meterId(), this.meta.firmware);
    const payload = signedPayload(rec as SignableRecord, { ...context, counter });
    return { counter, context, signature: ecdsaRaw(this.signer.sign(utf8Encode(payload))) };
  }
}
