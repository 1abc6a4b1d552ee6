// Runtime state in the flash region's state blocks: publish cursors and accepted DLMS frame
// counters, one small record per change, so a crash or power cut loses at most the change being
// written. The format (record kinds, checkpoints, reclamation) is in docs/FLASH-FORMAT.md.
import type { FlashRegion } from "../ports/ports.js";
import { LogStore, type RawRecord, type RecordDraft } from "./log-store.js";
import { serialDiff } from "./serial.js";
import type { Cursor } from "./records.js";
import { fromHex, toHex } from "../util/hex.js";

export const STATE_STORE_ID = 5;
const CURSOR = 1;
const COUNTER = 2;
const FORGET = 3;
const CHECKPOINT = 4;
const NEXT_COUNTER = 5;
const TITLE_BYTES = 8;

export class StateLog {
  /** Last persisted cursor per stream number. */
  readonly cursors = new Map<number, Cursor>();
  /** Last accepted counter per system title (16 hex digits), least recently written first. */
  readonly counters = new Map<string, number>();
  /** Records appended, and changes the flash refused (kept in RAM only). */
  readonly stats = { writes: 0, writeErrors: 0 };
  private readonly store: LogStore;
  /** Sequence numbers of live blocks holding a complete checkpoint (a copy of the whole state). */
  private readonly checkpointed = new Set<number>();
  /** The head holds no checkpoint: the next change writes one first (see FLASH-FORMAT.md). */
  private needCheckpoint: boolean;
  /** The title of the last counter record in the block being read or written (NEXT_COUNTER's). */
  private chain: string | null = null;

  constructor(flash: FlashRegion, region: { firstBlock: number; blocks: number }) {
    this.store = new LogStore(flash, { ...region, storeId: STATE_STORE_ID, reclaimable: (seq) => this.reclaimable(seq) });
    let block: RawRecord[] = [];
    for (const r of this.store.records()) {
      if (block.length && block[0].cursor.seq !== r.cursor.seq) block = [];
      // A NEXT_COUNTER's title is the last counter record's before it in its block, undamaged.
      if (!block.length || r.afterDamage) this.chain = null;
      if (r.type === CHECKPOINT) this.restore(block, r);
      else this.apply(r);
      block.push(r);
    }
    const head = this.store.head;
    this.needCheckpoint = !head || head.closed || !this.checkpointed.has(head.seq);
  }

  setCursor(stream: number, c: Cursor): void {
    this.cursors.set(stream, { seq: c.seq, offset: c.offset });
    this.put(cursorRecord(stream, c));
  }

  /** Returns only once the counter is in flash (or the flash refused it: counted in stats). */
  setCounter(title: string, counter: number): void {
    this.counters.delete(title);
    this.counters.set(title, counter);
    // Frames mostly come from one meter: the head's last title again goes without its 8 bytes.
    const next = new Uint8Array(4);
    setU32(next, 0, counter);
    this.put(this.chain === title && !this.needCheckpoint ? { type: NEXT_COUNTER, payload: next } : counterRecord(title, counter));
  }

  /** Forgets one title's counter, or every counter. */
  forget(title?: string): void {
    if (title === undefined) this.counters.clear();
    else this.counters.delete(title);
    this.put({ type: FORGET, payload: title === undefined ? Uint8Array.of(0) : titleBytes(title) });
  }

  /** Later records win: blocks are erased oldest first, so a forget record outlives what it forgets. */
  private apply(r: RawRecord): void {
    const p = r.payload;
    if (r.type === CURSOR && p.length === 7) {
      this.cursors.set(p[0], { seq: u32(p, 1), offset: p[5] | (p[6] << 8) });
    } else if (r.type === COUNTER && p.length === TITLE_BYTES + 4) {
      const title = toHex(p.subarray(0, TITLE_BYTES));
      this.counters.delete(title);
      this.counters.set(title, u32(p, TITLE_BYTES));
    } else if (r.type === NEXT_COUNTER && p.length === 4 && this.chain !== null) {
      this.counters.delete(this.chain);
      this.counters.set(this.chain, u32(p, 0));
    } else if (r.type === FORGET) {
      if (p.length === TITLE_BYTES) this.counters.delete(toHex(p));
      else this.counters.clear();
    }
    this.follow(r);
  }

  /** Keeps `chain` as a reader of the block sees it after `r`. */
  private follow(r: RecordDraft): void {
    if (r.type === COUNTER) this.chain = toHex(r.payload.subarray(0, TITLE_BYTES));
    else if (r.type === FORGET && (r.payload.length !== TITLE_BYTES || toHex(r.payload) === this.chain)) this.chain = null;
  }

  /**
   * A checkpoint is the whole state: the `n` records before it in its block. What is not in them
   * (a forgotten title) is gone. Damage inside it makes it an ordinary run of records.
   */
  private restore(block: RawRecord[], checkpoint: RawRecord): void {
    const n = checkpoint.payload[0];
    const records = block.slice(block.length - n);
    const whole = records.length === n && !checkpoint.afterDamage && records.every((r) => !r.afterDamage && (r.type === CURSOR || r.type === COUNTER));
    if (!whole) return;
    this.cursors.clear();
    this.counters.clear();
    for (const r of records) this.apply(r);
    this.checkpointed.add(checkpoint.cursor.seq);
  }

  /**
   * Appends one change. The first records of every block are a checkpoint: the whole state, then
   * a CHECKPOINT record. A change that would open a block becomes that block's checkpoint (the
   * state in RAM already holds it).
   */
  private put(change: RecordDraft): void {
    try {
      if (this.needCheckpoint) return this.checkpoint(0);
      let fresh = false;
      const at = this.store.append((f) => ((fresh = f) ? this.snapshot()[0] : change));
      this.stats.writes++;
      if (fresh) this.checkpoint(1, at.seq);
      else this.follow(change);
    } catch (e) {
      if ((e as Error).name === "PowerLoss") throw e; // the simulated device is off
      this.stats.writeErrors++;
      this.needCheckpoint = true;
    }
  }

  /**
   * Writes the snapshot from record `from` on (`seq`: the block holding the records before it); a
   * block opened meanwhile starts it again.
   */
  private checkpoint(from: number, seq = 0): void {
    const records = this.snapshot();
    for (let i = from; i < records.length;) {
      let restarted = false;
      seq = this.store.append((fresh) => (restarted = fresh && i > 0) ? records[0] : records[i]).seq;
      this.stats.writes++;
      i = restarted ? 1 : i + 1;
    }
    // Records before the snapshot in its block may set a chain; the writer only trusts the snapshot's.
    this.chain = null;
    for (const r of records) this.follow(r);
    this.checkpointed.add(seq);
    this.needCheckpoint = false;
  }

  private snapshot(): RecordDraft[] {
    const out: RecordDraft[] = [];
    for (const [stream, c] of this.cursors) out.push(cursorRecord(stream, c));
    for (const [title, counter] of this.counters) out.push(counterRecord(title, counter));
    out.push({ type: CHECKPOINT, payload: Uint8Array.of(out.length) });
    return out;
  }

  /** The oldest block may go once a newer block holds a checkpoint: everything in it is copied there. */
  private reclaimable(seq: number): boolean {
    for (const s of this.checkpointed) {
      if (serialDiff(s, seq) > 0) {
        this.checkpointed.delete(seq);
        return true;
      }
    }
    return false;
  }
}

function cursorRecord(stream: number, c: Cursor): RecordDraft {
  const p = new Uint8Array(7);
  p[0] = stream;
  setU32(p, 1, c.seq);
  p[5] = c.offset & 0xff;
  p[6] = c.offset >>> 8;
  return { type: CURSOR, payload: p };
}

function counterRecord(title: string, counter: number): RecordDraft {
  const p = new Uint8Array(TITLE_BYTES + 4);
  p.set(titleBytes(title));
  setU32(p, TITLE_BYTES, counter);
  return { type: COUNTER, payload: p };
}

/** A title as 8 bytes; the replay guard's titles are always 16 hex digits. */
function titleBytes(title: string): Uint8Array {
  const b = fromHex(title);
  if (!b || b.length !== TITLE_BYTES) throw new RangeError("system title: 16 hex digits");
  return b;
}

function u32(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
}

function setU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
  b[at + 2] = (v >>> 16) & 0xff;
  b[at + 3] = v >>> 24;
}
