// An append-only log of small records over a run of erase blocks of a FlashRegion, recovered
// after a power cut at any instant. The on-flash format is specified in docs/FLASH-FORMAT.md.
import type { FlashRegion } from "../ports/ports.js";
import { crc16X25 } from "../util/crc16.js";
import { crc32 } from "./crc32.js";
import { serialDiff, serialNext } from "./serial.js";
import type { Cursor } from "./records.js";

export const FORMAT_VERSION = 2;
export const HEADER_BYTES = 16;
/**
 * Record framing: length, type, payload, CRC. The CRC is CRC-16/X.25 with the top bit of its last
 * byte cleared: that byte is programmed last, so a record cut anywhere reads with it 0xFF or
 * partly programmed, and fails.
 */
export const RECORD_OVERHEAD = 4;
export const MAX_PAYLOAD = 250;
const MAGIC0 = 0x4d; // "M"
const MAGIC1 = 0x54; // "T"

export interface LogStoreOptions {
  firstBlock: number;
  blocks: number;
  /** Distinguishes the stores sharing a region; a block of another store is not ours. */
  storeId: number;
  /** Sequence number of the first block of an empty store (tests start near a wrap). */
  initialSeq?: number;
  /**
   * Whether the oldest block (by sequence) may be erased now. When it may not, the head block is
   * erased and reopened under the same sequence instead: the caller answers false only while the
   * head holds nothing it needs (the state log, while no newer block has a complete checkpoint).
   */
  reclaimable?: (seq: number) => boolean;
}

/** A region whose blocks were written with another layout or format: refused, never reinterpreted. */
export class LayoutError extends Error {
  override name = "LayoutError";
}

export interface RawRecord {
  type: number;
  payload: Uint8Array;
  cursor: Cursor;
  /** The first record after a damaged one (a delta record here has lost its base). */
  afterDamage?: boolean;
}

export interface RecordDraft {
  type: number;
  payload: Uint8Array;
}

interface Block {
  index: number;
  seq: number;
}

export class LogStore {
  readonly blockLength: number;
  /** Bytes read by the mount: every block header plus the head block. */
  mountBytesRead = 0;
  /** Damaged records skipped by the reads so far (each counted once, by where it lives). */
  private readonly damage = new Set<string>();
  private readonly firstBlock: number;
  private readonly count: number;
  private readonly storeId: number;
  private readonly initialSeq: number;
  private readonly reclaimable?: (seq: number) => boolean;
  /** Live blocks, oldest first. */
  private live: Block[] = [];
  private writeOffset = 0;
  /** The head block takes no more records (torn record or unerased bytes found in it). */
  private headClosed = true;
  /** The head block's records as the mount read them, until the writer has taken them. */
  private mounted: RawRecord[] = [];

  constructor(private readonly flash: FlashRegion, options: LogStoreOptions) {
    this.blockLength = flash.status().blockLength;
    this.firstBlock = options.firstBlock;
    this.count = options.blocks;
    this.storeId = options.storeId;
    this.initialSeq = (options.initialSeq ?? 0) >>> 0;
    this.reclaimable = options.reclaimable;
    if (this.count < 2) throw new RangeError("a log store needs at least 2 blocks");
    this.mount();
  }

  /** Damaged records found so far (reads resync past them to the next valid record). */
  get damaged(): number {
    return this.damage.size;
  }

  /** Bytes a record with this payload takes in flash. */
  static recordBytes(payloadLength: number): number {
    return payloadLength + RECORD_OVERHEAD;
  }

  /**
   * Appends one record and returns where it lives once it is committed. `build(fresh)` gives the
   * record; `fresh` is true when it will be the first record of its block `seq` (delta encodings
   * restart there). A failed program or read-back moves the record to the next block. Several
   * drafts are programmed together in one block (a record and its signature): the cursor is the first's.
   */
  append(build: (fresh: boolean, seq: number) => RecordDraft | RecordDraft[]): Cursor {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (this.headClosed) this.openBlock();
      let bytes = frameAll(build(this.writeOffset === HEADER_BYTES, this.headSeq));
      if (this.writeOffset + bytes.length > this.blockLength && this.writeOffset > HEADER_BYTES) {
        this.openBlock();
        bytes = frameAll(build(true, this.headSeq));
      }
      if (HEADER_BYTES + bytes.length > this.blockLength) throw new RangeError("record larger than a block");
      const head = this.live[this.live.length - 1];
      const at = this.offsetOf(head.index) + this.writeOffset;
      if (this.program(bytes, at)) {
        const cursor = { seq: head.seq, offset: this.writeOffset };
        this.writeOffset += bytes.length;
        return cursor;
      }
      this.headClosed = true;
    }
    throw new Error("flash: record could not be programmed");
  }

  /** Committed records, oldest first; with `after`, only those committed after that cursor. */
  *records(after: Cursor | null = null): IterableIterator<RawRecord> {
    for (const block of this.live.slice()) {
      if (after && serialDiff(block.seq, after.seq) < 0) continue;
      for (const r of this.blockRecords(block)) {
        if (after && r.cursor.seq === after.seq && r.cursor.offset <= after.offset) continue;
        yield r;
      }
    }
  }

  /**
   * The live blocks, oldest first, each with a reader of its records: all of them, or its first
   * `count` within its first `bytes` (a short read for what the writer put at a block's start).
   */
  *liveBlocks(): IterableIterator<{ seq: number; records(start?: { count: number; bytes: number }): RawRecord[] }> {
    for (const block of this.live.slice()) {
      yield { seq: block.seq, records: (start) => (start ? this.blockStart(block, start.count, start.bytes) : [...this.blockRecords(block)]) };
    }
  }

  /** Committed records block by block, newest block first (records in a block oldest first). */
  *blocksNewestFirst(): IterableIterator<RawRecord[]> {
    const blocks = this.live.slice();
    for (let i = blocks.length - 1; i >= 0; i--) yield [...this.blockRecords(blocks[i])];
  }

  /** Where the next record goes: the head block, the offset in it, and whether it is closed. */
  get head(): { seq: number; offset: number; closed: boolean } | null {
    const h = this.live[this.live.length - 1];
    return h ? { seq: h.seq, offset: this.writeOffset, closed: this.headClosed } : null;
  }

  private get headSeq(): number {
    return this.live[this.live.length - 1].seq;
  }

  private mount(): void {
    const found: Block[] = [];
    for (let i = 0; i < this.count; i++) {
      const seq = this.readHeader(i);
      if (seq !== null) found.push({ index: i, seq });
    }
    if (!found.length) return;
    let head = found[0];
    for (const b of found) if (serialDiff(b.seq, head.seq) > 0) head = b;
    // Blocks further back than the store is long are stale (another epoch): not ours to read.
    this.live = found
      .filter((b) => { const d = serialDiff(head.seq, b.seq); return d >= 0 && d < this.count; })
      .sort((a, b) => serialDiff(a.seq, b.seq));
    const data = new Uint8Array(this.flash.read(this.blockLength, this.offsetOf(head.index)));
    this.mountBytesRead += this.blockLength;
    const end = scan(data, head.seq, this.mounted, this.damage);
    this.writeOffset = end.offset;
    this.headClosed = end.torn || !erased(data, end.offset);
  }

  /**
   * The records of the head block read at mount (once; empty afterwards), so a writer can resume
   * its delta chain without reading the block again. Appends only chain within the head block.
   */
  takeMountedHead(): RawRecord[] {
    const out = this.mounted;
    this.mounted = [];
    return out;
  }

  /**
   * The block's sequence number when it is live, null when free. A valid header written with
   * another format or layout (another store here, another extent: a resized region) is refused.
   */
  private readHeader(index: number): number | null {
    const h = new Uint8Array(this.flash.read(HEADER_BYTES, this.offsetOf(index)));
    this.mountBytesRead += HEADER_BYTES;
    if (h[0] !== MAGIC0 || h[1] !== MAGIC1) return null;
    if (h[2] !== FORMAT_VERSION) {
      // Version 1 headers were 12 bytes with the CRC at 8.
      if (h[2] === 1 && crc32(h, 0, 8) === readU32(h, 8)) throw new LayoutError(`flash block ${this.firstBlock + index} was written by history format version 1; this firmware reads version ${FORMAT_VERSION} (erase the region)`);
      return null;
    }
    if (crc32(h, 0, 12) !== readU32(h, 12)) return null;
    const first = h[8] | (h[9] << 8);
    const count = h[10] | (h[11] << 8);
    if (h[3] !== this.storeId || first !== this.firstBlock || count !== this.count) {
      throw new LayoutError(`flash block ${this.firstBlock + index} belongs to store ${h[3]} at blocks ${first}..${first + count - 1}; ` +
        `this layout has store ${this.storeId} at blocks ${this.firstBlock}..${this.firstBlock + this.count - 1} (a region resized or split differently is refused)`);
    }
    return readU32(h, 4);
  }

  /** Reclaims the physically next block (the oldest once the ring is full) and makes it the head. */
  private openBlock(): void {
    for (let tries = 0; tries < this.count; tries++) {
      const head = this.live[this.live.length - 1];
      let index = head ? (head.index + 1) % this.count : 0;
      let seq = head ? serialNext(head.seq) : this.initialSeq;
      let victim = this.live.findIndex((b) => b.index === index);
      if (victim >= 0 && head !== this.live[victim] && this.reclaimable && !this.reclaimable(this.live[victim].seq)) {
        // The head again, under its own sequence: the live blocks keep spanning fewer than `count`.
        index = head.index;
        seq = head.seq;
        victim = this.live.length - 1;
      }
      if (victim >= 0) {
        // Clear the magic first: a torn erase then leaves a block no mount will take for live.
        this.live.splice(victim, 1);
        this.program(new Uint8Array(2), this.offsetOf(index));
      }
      this.flash.eraseBlock(this.firstBlock + index);
      const h = new Uint8Array(HEADER_BYTES);
      h.set([MAGIC0, MAGIC1, FORMAT_VERSION, this.storeId]);
      writeU32(h, 4, seq);
      h.set([this.firstBlock & 0xff, this.firstBlock >>> 8, this.count & 0xff, this.count >>> 8], 8);
      writeU32(h, 12, crc32(h, 0, 12));
      // A header that does not read back leaves the block dead until the ring comes round again.
      this.live.push({ index, seq });
      this.writeOffset = HEADER_BYTES;
      this.headClosed = !this.program(h, this.offsetOf(index));
      if (!this.headClosed) return;
    }
    throw new Error("flash: no block accepts a header");
  }

  /** Programs and reads back; false when the flash refused or the bytes differ. */
  private program(bytes: Uint8Array, at: number): boolean {
    try {
      this.flash.write(bytes, at);
    } catch (e) {
      if (isPowerLoss(e)) throw e;
      return false;
    }
    const back = new Uint8Array(this.flash.read(bytes.length, at));
    for (let i = 0; i < bytes.length; i++) if (back[i] !== bytes[i]) return false;
    return true;
  }

  private *blockRecords(block: Block): IterableIterator<RawRecord> {
    const data = new Uint8Array(this.flash.read(this.blockLength, this.offsetOf(block.index)));
    const out: RawRecord[] = [];
    scan(data, block.seq, out, this.damage);
    yield* out;
  }

  /** A block's first `count` records within its first `bytes`; a record the read cuts is no damage. */
  private blockStart(block: Block, count: number, bytes: number): RawRecord[] {
    const data = new Uint8Array(this.flash.read(Math.min(bytes, this.blockLength), this.offsetOf(block.index)));
    const out: RawRecord[] = [];
    scan(data, block.seq, out, new Set(), count);
    return out;
  }

  private offsetOf(index: number): number {
    return (this.firstBlock + index) * this.blockLength;
  }
}

/**
 * Walks a block's records up to the erased end. A damaged record is skipped: the walk resyncs to
 * the next offset where a valid record starts that is followed by another valid record or by the
 * erased end, so one damaged record costs that record alone. A bad record with nothing valid
 * after it is a torn tail (a cut append), not damage.
 */
function scan(data: Uint8Array, seq: number, out: RawRecord[] | null, damage: Set<string>, count = Infinity): { offset: number; torn: boolean } {
  let off = HEADER_BYTES;
  let torn = false;
  let afterDamage = false;
  while (off + 2 <= data.length && !(out && out.length >= count)) {
    if (data[off] === 0xff && data[off + 1] === 0xff) return { offset: off, torn };
    const end = recordEnd(data, off);
    if (end < 0) {
      const next = resync(data, off + 1);
      if (next < 0) return { offset: off, torn: true };
      damage.add(`${seq}:${off}`);
      torn = afterDamage = true;
      off = next;
      continue;
    }
    const rec: RawRecord = { type: data[off + 1], payload: data.slice(off + 2, end - 2), cursor: { seq, offset: off } };
    if (afterDamage) rec.afterDamage = true;
    out?.push(rec);
    afterDamage = false;
    off = end;
  }
  return { offset: off, torn };
}

/** The end of a valid record at `off`, or -1. */
function recordEnd(data: Uint8Array, off: number): number {
  if (off + 2 > data.length) return -1;
  const len = data[off];
  const end = off + 2 + len;
  if (len === 0 || len > MAX_PAYLOAD || data[off + 1] === 0xff || end + 2 > data.length) return -1;
  return recordCrc(data, off, end) === (data[end] | (data[end + 1] << 8)) ? end + 2 : -1;
}

/** The first offset from `from` where a confirmed record starts, or -1. */
function resync(data: Uint8Array, from: number): number {
  for (let p = from; p + 2 <= data.length; p++) {
    const end = recordEnd(data, p);
    if (end < 0) continue;
    // A 15-bit CRC matches random bytes 1 time in 32,768: a second record (or the erased end) confirms.
    if (end === data.length || (data[end] === 0xff && end + 1 < data.length && data[end + 1] === 0xff && erased(data, end)) || recordEnd(data, end) > 0) return p;
  }
  return -1;
}

function frameAll(d: RecordDraft | RecordDraft[]): Uint8Array {
  if (!Array.isArray(d)) return frame(d);
  const parts = d.map(frame);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function frame(d: RecordDraft): Uint8Array {
  const len = d.payload.length;
  if (len < 1 || len > MAX_PAYLOAD) throw new RangeError("record payload must be 1.." + MAX_PAYLOAD + " bytes");
  if (d.type < 0 || d.type > 0xfe) throw new RangeError("record type must be 0..254");
  const b = new Uint8Array(len + RECORD_OVERHEAD);
  b[0] = len;
  b[1] = d.type;
  b.set(d.payload, 2);
  const crc = recordCrc(b, 0, len + 2);
  b[len + 2] = crc & 0xff;
  b[len + 3] = crc >>> 8;
  return b;
}

function recordCrc(b: Uint8Array, start: number, end: number): number {
  return crc16X25(b, start, end) & 0x7fff;
}

function erased(data: Uint8Array, from: number): boolean {
  for (let i = from; i < data.length; i++) if (data[i] !== 0xff) return false;
  return true;
}

/** The simulated flash's power cut must reach the caller: the real device would be off. */
function isPowerLoss(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { name?: unknown }).name === "PowerLoss";
}

function readU32(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
}

function writeU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
  b[at + 2] = (v >>> 16) & 0xff;
  b[at + 3] = v >>> 24;
}
