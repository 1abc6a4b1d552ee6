// A simulated NOR flash region with strict semantics and fault injection: a test double (tests,
// the XS scenarios, the bench), never a host's flash.
// Erase sets a block to 0xFF; programming only clears bits, and a write that would set a bit is
// refused with a FlashError. Power cuts: after N "units" (one per programmed byte, one per erase)
// the next unit is torn and every operation fails until powerOn().
import type { FlashRegion } from "../modules/ports/ports.js";

export class FlashError extends Error {
  override name = "FlashError";
}

/** Thrown by the operation the power cut interrupts, and by every operation until powerOn(). */
export class PowerLoss extends Error {
  override name = "PowerLoss";
}

/** How a torn erase leaves its block: a prefix erased, or every bit erased with probability p. */
export type TornErase = "prefix" | "stray-bits";

export interface SimFlashOptions {
  blocks: number;
  blockLength?: number;
  /** Seed of the generator that picks torn bits (deterministic runs). */
  seed?: number;
}

export class SimFlash implements FlashRegion {
  readonly blockLength: number;
  readonly blocks: number;
  readonly bytes: Uint8Array;
  readonly eraseCounts: Uint32Array;
  readonly writeCounts: Uint32Array;
  bytesRead = 0;
  bytesWritten = 0;
  /** Erases a power cut interrupted. */
  tornErases = 0;
  tornErase: TornErase = "stray-bits";
  /** Units used so far (programmed bytes + erases). */
  unitsUsed = 0;
  /** When set, the unit count at the start of every program and erase is pushed here. */
  trace: { op: "write" | "erase"; at: number }[] | null = null;
  private budget = Infinity;
  private off = false;
  private rng: number;

  constructor(options: SimFlashOptions, image?: Uint8Array) {
    this.blockLength = options.blockLength ?? 4096;
    this.blocks = options.blocks;
    this.bytes = new Uint8Array(this.blockLength * this.blocks).fill(0xff);
    if (image) this.bytes.set(image.subarray(0, this.bytes.length));
    this.eraseCounts = new Uint32Array(this.blocks);
    this.writeCounts = new Uint32Array(this.blocks);
    this.rng = (options.seed ?? 1) >>> 0 || 1;
  }

  status(): { blockLength: number; blocks: number } {
    return { blockLength: this.blockLength, blocks: this.blocks };
  }

  read(byteLength: number, byteOffset: number): ArrayBuffer {
    this.alive();
    this.check(byteOffset, byteLength);
    this.bytesRead += byteLength;
    return this.bytes.slice(byteOffset, byteOffset + byteLength).buffer;
  }

  write(buffer: ArrayBuffer | ArrayBufferView, byteOffset: number): void {
    this.alive();
    const src = ArrayBuffer.isView(buffer) ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength) : new Uint8Array(buffer);
    this.check(byteOffset, src.length);
    for (let i = 0; i < src.length; i++) {
      if (src[i] & ~this.bytes[byteOffset + i]) throw new FlashError(`program would set bits at offset ${byteOffset + i}`);
    }
    this.trace?.push({ op: "write", at: this.unitsUsed });
    const first = Math.floor(byteOffset / this.blockLength);
    const last = Math.floor((byteOffset + Math.max(src.length, 1) - 1) / this.blockLength);
    for (let b = first; b <= last; b++) this.writeCounts[b]++;
    for (let i = 0; i < src.length; i++) {
      if (this.budget === 0) {
        // The interrupted byte keeps a random part of the bits it was clearing.
        this.bytes[byteOffset + i] &= src[i] | (this.random() & 0xff);
        this.cut();
      }
      this.budget--;
      this.unitsUsed++;
      this.bytes[byteOffset + i] &= src[i];
      this.bytesWritten++;
    }
  }

  eraseBlock(block: number): void {
    this.alive();
    if (!Number.isInteger(block) || block < 0 || block >= this.blocks) throw new RangeError("block out of range: " + block);
    const start = block * this.blockLength;
    this.trace?.push({ op: "erase", at: this.unitsUsed });
    if (this.budget === 0) {
      this.eraseCounts[block]++;
      this.tornErases++;
      this.tear(start, this.random() / 0x100000000);
      this.cut();
    }
    this.budget--;
    this.unitsUsed++;
    this.eraseCounts[block]++;
    this.bytes.fill(0xff, start, start + this.blockLength);
  }

  /** The power fails after `units` more programmed bytes or erases; the next unit is torn. */
  cutAfter(units: number): void {
    this.budget = units;
  }

  /** Units (bytes programmed + erases) left before the cut; Infinity when none is armed. */
  get unitsLeft(): number {
    return this.budget;
  }

  get powered(): boolean {
    return !this.off;
  }

  powerOn(): void {
    this.off = false;
    this.budget = Infinity;
  }

  /** Clears `count` random bits inside the given byte range (bits that "erased" cells lost). */
  flipBits(count: number, from = 0, to = this.bytes.length): void {
    for (let i = 0; i < count; i++) {
      const at = from + (this.random() % (to - from));
      this.bytes[at] &= ~(1 << (this.random() % 8));
    }
  }

  clone(): SimFlash {
    const c = new SimFlash({ blocks: this.blocks, blockLength: this.blockLength, seed: this.rng }, this.bytes);
    c.eraseCounts.set(this.eraseCounts);
    c.writeCounts.set(this.writeCounts);
    c.tornErase = this.tornErase;
    return c;
  }

  private tear(start: number, progress: number): void {
    const end = start + this.blockLength;
    if (this.tornErase === "prefix") {
      this.bytes.fill(0xff, start, start + Math.floor(progress * this.blockLength));
      return;
    }
    for (let i = start; i < end; i++) {
      let mask = 0;
      for (let bit = 0; bit < 8; bit++) if (this.random() / 0x100000000 < progress) mask |= 1 << bit;
      this.bytes[i] |= mask;
    }
  }

  private cut(): never {
    this.off = true;
    throw new PowerLoss("power lost");
  }

  private alive(): void {
    if (this.off) throw new PowerLoss("no power");
  }

  private check(offset: number, length: number): void {
    if (!Number.isInteger(offset) || offset < 0 || length < 0 || offset + length > this.bytes.length) {
      throw new RangeError(`flash access out of range: ${offset}+${length}`);
    }
  }

  /** xorshift32: small, deterministic, the same on Node and XS. */
  private random(): number {
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x >>> 0;
    return this.rng;
  }
}
