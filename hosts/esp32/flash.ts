// The FlashRegion port over ECMA-419 `embedded:storage/flash` on the `history` data partition.
import flash from "embedded:storage/flash";
import type { FlashRegion } from "../../modules/ports/ports.js";

export function openHistoryPartition(path = "history"): FlashRegion {
  const partition = flash.open({ path });
  const { blockLength, blocks } = partition.status();
  return {
    read: (byteLength, byteOffset) => partition.read(byteLength, byteOffset),
    // The native write takes bytes (ArrayBuffer, Uint8Array, DataView), not any typed array.
    write: (buffer, byteOffset) => partition.write(ArrayBuffer.isView(buffer) ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength) : buffer, byteOffset),
    eraseBlock: (block) => partition.eraseBlock(block),
    status: () => ({ blockLength, blocks }),
  };
}
