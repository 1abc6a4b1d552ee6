// A FlashRegion in a file: the simulated NOR flash (strict bit semantics) with every program
// and erase written through to the file, so an image survives the process like a partition.
import { closeSync, existsSync, fstatSync, openSync, readSync, writeSync } from "node:fs";
import { SimFlash } from "../../modules/history/sim-flash.js";

export const DEFAULT_BLOCKS = 256; // 1 MiB of 4 KiB blocks

export class FileFlash extends SimFlash {
  private fd: number | null;

  private constructor(fd: number, blocks: number, image: Uint8Array) {
    super({ blocks }, image);
    this.fd = fd;
  }

  /** Opens an image, creating an erased one of `blocks` 4 KiB blocks when the file is missing. */
  static open(path: string, blocks = DEFAULT_BLOCKS): FileFlash {
    const create = !existsSync(path);
    const fd = openSync(path, create ? "w+" : "r+");
    let image: Uint8Array;
    if (create) {
      image = new Uint8Array(blocks * 4096).fill(0xff);
      writeSync(fd, image, 0, image.length, 0);
    } else {
      const size = fstatSync(fd).size;
      if (size === 0 || size % 4096) {
        closeSync(fd);
        throw new Error(`${path}: a flash image is a whole number of 4096-byte blocks (${size} bytes)`);
      }
      image = new Uint8Array(size);
      readSync(fd, image, 0, size, 0);
      blocks = size / 4096;
    }
    return new FileFlash(fd, blocks, image);
  }

  override write(buffer: ArrayBuffer | ArrayBufferView, byteOffset: number): void {
    const length = buffer.byteLength;
    try {
      super.write(buffer, byteOffset);
    } finally {
      this.persist(byteOffset, length);
    }
  }

  override eraseBlock(block: number): void {
    try {
      super.eraseBlock(block);
    } finally {
      this.persist(block * this.blockLength, this.blockLength);
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private persist(offset: number, length: number): void {
    if (this.fd === null || offset < 0 || offset + length > this.bytes.length) return;
    writeSync(this.fd, this.bytes, offset, length, offset);
  }
}
