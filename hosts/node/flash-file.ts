// The Node host's flash with NOR semantics (erase sets 0xFF, programming can only clear bits): an
// image in RAM, or a file read and written in place, so an image survives the process like a
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
    checkAccess(offset, length, this.bytes.length);
  }
}

function checkAccess(offset: number, length: number, size: number): void {
  if (!Number.isInteger(offset) || offset < 0 || length < 0 || offset + length > size) {
    throw new RangeError(`flash access ${offset}+${length} outside the ${size}-byte region`);
  }
}

const ERASED = new Uint8Array(BLOCK).fill(0xff);

/**
 * An image in a file, read and written through it: no copy in RAM (the OS caches what is read), so
 * a fleet of meters with history files costs file cache, not a megabyte of heap each.
 */
export class FileFlash implements FlashRegion {
  readonly blockLength = BLOCK;
  private fd: number | null;

  private constructor(fd: number, readonly blocks: number) {
    this.fd = fd;
  }

  /** Opens an image, creating an erased one of `blocks` 4 KiB blocks when the file is missing. */
  static open(path: string, blocks = DEFAULT_BLOCKS): FileFlash {
    const create = !existsSync(path);
    const fd = openSync(path, create ? "w+" : "r+");
    if (create) {
      for (let b = 0; b < blocks; b++) writeSync(fd, ERASED, 0, BLOCK, b * BLOCK);
      return new FileFlash(fd, blocks);
    }
    const size = fstatSync(fd).size;
    if (size === 0 || size % BLOCK) {
      closeSync(fd);
      throw new Error(`${path}: a flash image is a whole number of ${BLOCK}-byte blocks (${size} bytes)`);
    }
    return new FileFlash(fd, size / BLOCK);
  }

  status(): { blockLength: number; blocks: number } {
    return { blockLength: BLOCK, blocks: this.blocks };
  }

  read(byteLength: number, byteOffset: number): ArrayBuffer {
    const out = new Uint8Array(byteLength);
    this.pread(out, byteOffset);
    return out.buffer;
  }

  write(buffer: ArrayBuffer | ArrayBufferView, byteOffset: number): void {
    const src = ArrayBuffer.isView(buffer) ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength) : new Uint8Array(buffer);
    const cells = new Uint8Array(src.length);
    this.pread(cells, byteOffset);
    for (let i = 0; i < src.length; i++) cells[i] &= src[i];
    writeSync(this.fd!, cells, 0, cells.length, byteOffset);
  }

  eraseBlock(block: number): void {
    if (!Number.isInteger(block) || block < 0 || block >= this.blocks) throw new RangeError(`no block ${block}`);
    this.ensureOpen();
    writeSync(this.fd!, ERASED, 0, BLOCK, block * BLOCK);
  }

  /** A copy in RAM (reading an image without touching the file). */
  clone(): ImageFlash {
    return new ImageFlash(new Uint8Array(this.read(this.blocks * BLOCK, 0)));
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private pread(into: Uint8Array, offset: number): void {
    checkAccess(offset, into.length, this.blocks * BLOCK);
    this.ensureOpen();
    if (readSync(this.fd!, into, 0, into.length, offset) !== into.length) throw new Error("flash file shorter than its image");
  }

  private ensureOpen(): void {
    if (this.fd === null) throw new Error("flash file closed");
  }
}
