// The Node host's flash: an image in RAM with NOR semantics (erase sets 0xFF, programming can only
// clear bits), optionally written through to a file so an image survives the process like a
// partition. A plain device, no fault injection: that double lives in test/sim-flash.ts.
import { closeSync, existsSync, fstatSync, openSync, readSync, writeSync } from "node:fs";
import type { FlashRegion } from "../../modules/ports/ports.js";

export const DEFAULT_BLOCKS = 256; // 1 MiB of 4 KiB blocks
const BLOCK = 4096;

export class ImageFlash implements FlashRegion {
  readonly blockLength = BLOCK;

  constructor(readonly bytes: Uint8Array = new Uint8Array(DEFAULT_BLOCKS * BLOCK).fill(0xff)) {}

  get blocks(): number {
    return this.bytes.length / BLOCK;
  }

  status(): { blockLength: number; blocks: number } {
    return { blockLength: BLOCK, blocks: this.blocks };
  }

  read(byteLength: number, byteOffset: number): ArrayBuffer {
    this.check(byteOffset, byteLength);
    return this.bytes.slice(byteOffset, byteOffset + byteLength).buffer;
  }

  write(buffer: ArrayBuffer | ArrayBufferView, byteOffset: number): void {
    const src = ArrayBuffer.isView(buffer) ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength) : new Uint8Array(buffer);
    this.check(byteOffset, src.length);
    for (let i = 0; i < src.length; i++) this.bytes[byteOffset + i] &= src[i];
    this.written(byteOffset, src.length);
  }

  eraseBlock(block: number): void {
    if (!Number.isInteger(block) || block < 0 || block >= this.blocks) throw new RangeError(`no block ${block}`);
    this.bytes.fill(0xff, block * BLOCK, (block + 1) * BLOCK);
    this.written(block * BLOCK, BLOCK);
  }

  /** A copy in RAM (reading an image without touching the file). */
  clone(): ImageFlash {
    return new ImageFlash(this.bytes.slice());
  }

  protected written(_offset: number, _length: number): void {}

  private check(offset: number, length: number): void {
    if (!Number.isInteger(offset) || offset < 0 || length < 0 || offset + length > this.bytes.length) {
      throw new RangeError(`flash access ${offset}+${length} outside the ${this.bytes.length}-byte region`);
    }
  }
}

export class FileFlash extends ImageFlash {
  private fd: number | null;

  private constructor(fd: number, image: Uint8Array) {
    super(image);
    this.fd = fd;
  }

  /** Opens an image, creating an erased one of `blocks` 4 KiB blocks when the file is missing. */
  static open(path: string, blocks = DEFAULT_BLOCKS): FileFlash {
    const create = !existsSync(path);
    const fd = openSync(path, create ? "w+" : "r+");
    let image: Uint8Array;
    if (create) {
      image = new Uint8Array(blocks * BLOCK).fill(0xff);
      writeSync(fd, image, 0, image.length, 0);
    } else {
      const size = fstatSync(fd).size;
      if (size === 0 || size % BLOCK) {
        closeSync(fd);
        throw new Error(`${path}: a flash image is a whole number of ${BLOCK}-byte blocks (${size} bytes)`);
      }
      image = new Uint8Array(size);
      readSync(fd, image, 0, size, 0);
    }
    return new FileFlash(fd, image);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  protected override written(offset: number, length: number): void {
    if (this.fd !== null) writeSync(this.fd, this.bytes, offset, length, offset);
  }
}
