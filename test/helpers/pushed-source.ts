// A meter line the test drives: each push() hands the firmware one chunk, as a UART read would.
// Plain core types only, so the XS scenarios (bundled by esbuild) can use it too.
import type { OpenByteSource } from "../../modules/ports/ports.js";

export interface PushedSource {
  open: OpenByteSource;
  push(bytes: Uint8Array): void;
}

export function pushedSource(): PushedSource {
  let readable: ((count: number) => void) | undefined;
  let queued: Uint8Array | undefined;
  return {
    open: (cb) => {
      readable = cb.onReadable;
      return {
        read: () => {
          const q = queued;
          queued = undefined;
          return q ? (q.slice().buffer as ArrayBuffer) : undefined;
        },
        close() {},
      };
    },
    push(bytes) {
      queued = bytes;
      readable!(bytes.length);
    },
  };
}
