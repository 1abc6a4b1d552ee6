// An ECMA-419-shaped byte source over Node streams: bytes queue up, `onReadable(count)` tells the
// core, and `read()` hands over everything queued as one ArrayBuffer.
import type { ByteSource, ByteSourceCallbacks } from "../../modules/ports/ports.js";
import { concatBytes } from "../../modules/util/bytes.js";

export class QueuedSource implements ByteSource {
  private chunks: Uint8Array[] = [];
  private queued = 0;
  private closed = false;

  constructor(private readonly callbacks: ByteSourceCallbacks, private readonly onClose: () => void = () => {}) {}

  /** Called by the host when bytes arrive. */
  deliver(bytes: Uint8Array): void {
    if (this.closed || !bytes.length) return;
    this.chunks.push(bytes);
    this.queued += bytes.length;
    this.callbacks.onReadable(this.queued);
  }

  error(message: string): void {
    if (!this.closed) this.callbacks.onError?.(message);
  }

  read(): ArrayBuffer | undefined {
    if (!this.queued) return undefined;
    const out = concatBytes(this.chunks);
    this.chunks = [];
    this.queued = 0;
    return out.buffer;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.chunks = [];
    this.queued = 0;
    this.onClose();
  }
}
