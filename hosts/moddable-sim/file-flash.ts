// A FlashRegion in a file, for the desktop simulator (which has no embedded:storage/flash on
// Linux). It keeps NOR semantics so the history store behaves as on the device: a write can only
// clear bits, an erase sets a 4 KiB block to 0xFF.
import { File } from "file";
import type { FlashRegion } from "../../modules/ports/ports.js";

const BLOCK = 4096;

export function openFileFlash(path: string, blocks: number): FlashRegion {
  const size = blocks * BLOCK;
  let file = new File(path, true);
  if (file.length !== size) {
    file.close();
    File.delete(path);
    file = new File(path, true);
    const erased = new Uint8Array(BLOCK).fill(0xff).buffer;
    for (let i = 0; i < blocks; i++) file.write(erased);
  }
  const read = (byteLength: number, byteOffset: number): ArrayBuffer => {
    if (byteOffset < 0 || byteOffset + byteLength > size) throw new RangeError("flash read out of range");
    file.position = byteOffset;
    return file.read(ArrayBuffer, byteLength);
  };
  return {
    read,
    write(buffer, byteOffset) {
      const data = ArrayBuffer.isView(buffer) ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength) : new Uint8Array(buffer);
      if (byteOffset < 0 || byteOffset + data.length > size) throw new RangeError("flash write out of range");
      const merged = new Uint8Array(read(data.length, byteOffset));
      for (let i = 0; i < data.length; i++) merged[i] &= data[i];
      file.position = byteOffset;
      file.write(merged.buffer);
    },
    eraseBlock(block) {
      if (block < 0 || block >= blocks) throw new RangeError("flash erase out of range");
      file.position = block * BLOCK;
      file.write(new Uint8Array(BLOCK).fill(0xff).buffer);
    },
    status: () => ({ blockLength: BLOCK, blocks }),
  };
}
