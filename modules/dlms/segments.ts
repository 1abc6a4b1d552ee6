// Reassembly of an APDU from numbered pieces: M-Bus segments and general-block-transfer blocks
// follow the same rules. Pieces must come in order from the first number; a gap drops what was
// gathered (reported once), and an APDU larger than MAX_APDU is refused.
import type { DecodeResult } from "../reading/model.js";
import { failure } from "../decode/protocol.js";
import { concatBytes } from "../util/bytes.js";

export const MAX_APDU = 8192;

export interface PieceNames {
  /** What one piece is called in messages: "block", "M-Bus segment". */
  piece: string;
  /** What the whole is called: "block transfer", "segmented APDU". */
  whole: string;
}

export class SequencedAssembler {
  private parts: Uint8Array[] = [];
  private size = 0;
  private next: number;
  /** After a gap, the rest of that APDU is dropped quietly: the gap was reported once. */
  private skipping = false;

  /** `first` is the first piece's number; numbers wrap modulo `modulo`. */
  constructor(private readonly first: number, private readonly modulo: number, private readonly names: PieceNames) {
    this.next = first;
  }

  /**
   * The APDU when `data` completes one, an error result, or undefined while more pieces are due.
   * `onLost` hears of an earlier APDU that a new first piece cut off.
   */
  add(number: number, last: boolean, data: Uint8Array, onLost: (r: DecodeResult) => void): Uint8Array | DecodeResult | undefined {
    if (number === this.first) {
      if (this.parts.length) onLost(failure("dlms", "truncated", `${this.names.whole} abandoned after ${this.parts.length} pieces`));
      this.reset();
      this.skipping = false;
    } else if (this.skipping) {
      return undefined;
    } else if (number !== this.next) {
      const expected = this.next;
      this.reset();
      this.skipping = !last;
      return failure("dlms", "malformed", `${this.names.piece} ${number} where ${expected} was due`);
    }
    if (this.size + data.length > MAX_APDU) {
      this.reset();
      this.skipping = !last;
      return failure("dlms", "overflow", `${this.names.whole} larger than ${MAX_APDU} bytes`);
    }
    this.parts.push(data);
    this.size += data.length;
    this.next = (number + 1) % this.modulo;
    if (!last) return undefined;
    const apdu = concatBytes(this.parts);
    this.reset();
    return apdu;
  }

  /** Drops a half-gathered APDU: its failure result, or undefined when nothing was pending. */
  abandon(): DecodeResult | undefined {
    const pieces = this.parts.length;
    this.reset();
    this.skipping = false;
    return pieces ? failure("dlms", "truncated", `${this.names.whole} cut off after ${pieces} pieces`) : undefined;
  }

  private reset(): void {
    this.parts = [];
    this.size = 0;
    this.next = this.first;
  }
}
