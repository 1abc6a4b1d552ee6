// Record payloads per stream (docs/FLASH-FORMAT.md, "Record kinds"). Profiles are delta chains
// inside a block: the first record of a block is a key with absolute values, so any block decodes
// on its own once older blocks are reclaimed.
import type { LogStore, RawRecord, RecordDraft } from "./log-store.js";
import { ByteReader, ByteWriter } from "./varint.js";
import {
  EVENT_TYPES, INTERVAL_FLAGS,
  type BillingRecord, type Channels, type Cursor, type EventRecord, type HistoryRecord, type IntervalFlag,
  type IntervalRecord, type MaxDemandRecord, type Seal, type SealContext, type StreamName, type VoltageRecord,
} from "./records.js";

export type StoreId = "profile" | "voltage" | "billing" | "events";

export const STORE_OF: Record<StreamName, StoreId> = {
  "quarter-hour": "profile", voltage: "voltage", daily: "billing", monthly: "billing", "max-demand": "billing", events: "events",
};

export const SLOT_MS = 900_000;

/** Channel numbers are format: bit n of a channel mask. Append only. */
export const CHANNELS = ["+A", "-A", "R1", "R2", "R3", "R4", "+R", "-R", "+A.T1", "+A.T2", "+A.T3", "+A.T4", "-A.T1", "-A.T2", "-A.T3", "-A.T4", "G"];

const enum Kind {
  IntervalKey = 0, IntervalNext = 1, IntervalAt = 2, Gap = 3,
  VoltageKey = 4, VoltageNext = 5,
  Daily = 6, Monthly = 7, MaxDemand = 8, Event = 9,
  Signature = 10, SignerContext = 11, BlockRange = 12,
}

/** What a delta record needs from the record before it in the same block. */
export interface Chain {
  seq: number;
  endSlot: number;
  mask: number;
  registers: number[];
}

/**
 * Encodes `rec` and appends it to `store`, keeping the writer's chain for the next one.
 * `after(seq, fresh)` gives records to program with it in block `seq` (its signature; where it is
 * the block's first, the range of the block before).
 */
export function appendRecord(store: LogStore, rec: HistoryRecord, state: { chain: Chain | null }, after: (seq: number, fresh: boolean) => RecordDraft[]): Cursor {
  let next: Chain | null = null;
  const cursor = store.append((fresh, seq) => {
    const prev = !fresh && state.chain && state.chain.seq === seq ? state.chain : null;
    const r = encode(rec, prev, seq);
    next = r.chain;
    return [r.draft, ...after(seq, fresh)];
  });
  if (rec.stream === "quarter-hour" || rec.stream === "voltage") state.chain = next;
  return cursor;
}

function encode(rec: HistoryRecord, prev: Chain | null, seq: number): { draft: RecordDraft; chain: Chain | null } {
  const w = new ByteWriter();
  switch (rec.stream) {
    case "quarter-hour": {
      const startSlot = Math.floor(rec.start / SLOT_MS);
      const slots = Math.max(1, Math.round((rec.end - rec.start) / SLOT_MS));
      const fl = flagBits(rec.flags);
      const { mask, values } = channelValues(rec.registers);
      if (!mask) {
        w.uint(startSlot).uint(slots);
        return { draft: draft(Kind.Gap, fl, w), chain: prev ? { ...prev, seq, endSlot: startSlot + slots } : null };
      }
      const deltas = values.map((_, i) => rec.delta[CHANNELS[channelIndex(mask, i)]] ?? 0);
      const chain = { seq, endSlot: startSlot + slots, mask, registers: values };
      const continuous = prev && prev.mask === mask && values.every((v, i) => v - prev.registers[i] === deltas[i]);
      if (prev && continuous) {
        const kind = startSlot === prev.endSlot && slots === 1 ? Kind.IntervalNext : Kind.IntervalAt;
        if (kind === Kind.IntervalAt) w.sint(startSlot - prev.endSlot).uint(slots);
        for (const d of deltas) w.uint(d);
        return { draft: draft(kind, fl, w), chain };
      }
      w.uint(startSlot).uint(slots).uint(mask);
      values.forEach((v, i) => w.uint(v).uint(deltas[i]));
      return { draft: draft(Kind.IntervalKey, fl, w), chain };
    }
    case "voltage": {
      const startSlot = Math.floor(rec.start / SLOT_MS);
      const slots = Math.max(1, Math.round((rec.end - rec.start) / SLOT_MS));
      const next = prev && startSlot === prev.endSlot && slots === 1;
      if (!next) w.uint(startSlot).uint(slots);
      w.byte(rec.phases.length);
      for (const p of rec.phases) {
        const avg = Math.round(p.avg * 10);
        w.sint(avg - 2300).uint(Math.max(0, avg - Math.round(p.min * 10))).uint(Math.max(0, Math.round(p.max * 10) - avg));
      }
      return { draft: draft(next ? Kind.VoltageNext : Kind.VoltageKey, flagBits(rec.flags), w), chain: { seq, endSlot: startSlot + slots, mask: 0, registers: [] } };
    }
    case "daily":
    case "monthly": {
      w.uint(periodNumber(rec)).uint(rec.start / 60_000).uint((rec.end - rec.start) / 60_000);
      const { mask, values } = channelValues(rec.registers);
      w.uint(mask);
      values.forEach((v, i) => w.uint(v).uint(Math.max(0, Math.round(rec.delta[CHANNELS[channelIndex(mask, i)]] ?? 0))));
      return { draft: draft(rec.stream === "daily" ? Kind.Daily : Kind.Monthly, flagBits(rec.flags), w), chain: null };
    }
    case "max-demand": {
      const [y, m] = rec.month.split("-").map(Number);
      w.uint(y * 12 + m - 1).uint(Math.floor(rec.start / SLOT_MS)).uint(Math.max(0, Math.round(rec.powerW)));
      return { draft: draft(Kind.MaxDemand, 0, w), chain: null };
    }
    case "events": {
      const fields = (rec.durationS !== undefined ? 1 : 0) | (rec.phase !== undefined ? 2 : 0) | (rec.voltage !== undefined ? 4 : 0) | (rec.shiftS !== undefined ? 8 : 0);
      w.uint(EVENT_TYPES.indexOf(rec.type)).uint(Math.floor(rec.time / 1000)).byte(fields);
      if (rec.durationS !== undefined) w.uint(Math.max(0, Math.round(rec.durationS)));
      if (rec.phase !== undefined) w.byte(rec.phase);
      if (rec.voltage !== undefined) w.uint(Math.max(0, Math.round(rec.voltage * 10)));
      if (rec.shiftS !== undefined) w.sint(Math.round(rec.shiftS));
      return { draft: draft(Kind.Event, 0, w), chain: null };
    }
  }
}

/**
 * `rec` exactly as flash will give it back (values rounded, channels and flags in format order):
 * what a signature must cover, so that the stored record verifies.
 */
export function storedForm(rec: HistoryRecord): HistoryRecord {
  const { draft } = encode(rec, null, 0);
  return decodeRecord({ type: draft.type, payload: draft.payload, cursor: { seq: 0, offset: 0 } }, { chain: null }) ?? rec;
}

/** Printable ASCII, at most 64 characters: the context record stays within a record's payload. */
export function sealContext(deviceId: string, meterId: string, firmware: string): SealContext {
  const clean = (s: string) => s.slice(0, 64).split("").map((c) => (c >= " " && c <= "~" ? c : "?")).join("");
  return { deviceId: clean(deviceId), meterId: clean(meterId), firmware: clean(firmware) };
}

/** The records that follow a signed record: the signer's context (when the block lacks it), the signature. */
export function sealDrafts(seal: Seal, withContext: boolean): RecordDraft[] {
  const out: RecordDraft[] = [];
  if (withContext) {
    const w = new ByteWriter();
    for (const text of [seal.context.deviceId, seal.context.meterId, seal.context.firmware]) {
      w.uint(text.length);
      for (let i = 0; i < text.length; i++) w.byte(text.charCodeAt(i));
    }
    out.push(draft(Kind.SignerContext, 0, w));
  }
  const w = new ByteWriter().uint(seal.counter);
  for (const b of seal.signature) w.byte(b);
  out.push(draft(Kind.Signature, 0, w));
  return out;
}

/** A signature (kind 10) or a signer context (kind 11) record; null for any other or a malformed one. */
export function decodeSealPart(raw: RawRecord): { counter: number; signature: Uint8Array } | SealContext | null {
  const kind = raw.type & 0x0f;
  const r = new ByteReader(raw.payload);
  try {
    if (kind === Kind.Signature) {
      const counter = r.uint();
      const signature = raw.payload.slice(r.pos);
      return signature.length === 64 ? { counter, signature } : null;
    }
    if (kind === Kind.SignerContext) {
      const [deviceId, meterId, firmware] = [0, 1, 2].map(() => {
        let s = "";
        for (let n = r.uint(); n > 0; n--) s += String.fromCharCode(r.byte());
        return s;
      });
      return { deviceId, meterId, firmware };
    }
  } catch {
    // Malformed: skipped like any record that does not parse.
  }
  return null;
}

/** The time a query selects a record by: an event's time, any other record's start. */
export function recordTime(rec: HistoryRecord): number {
  return rec.stream === "events" ? rec.time : rec.start;
}

/** The span of record times in one block: written at the start of the next, so a query can pass it by. */
export interface BlockRange {
  seq: number;
  min: number;
  max: number;
}

/** Whole seconds, widened outwards: the range read back covers every time it was made from. */
export function blockRangeDraft(range: BlockRange): RecordDraft {
  const min = Math.floor(range.min / 1000);
  return draft(Kind.BlockRange, 0, new ByteWriter().uint(range.seq).uint(min).uint(Math.ceil(range.max / 1000) - min));
}

/** The range of block `seq` among `raws` (the first records of the block after it), or null. */
export function blockRangeOf(raws: readonly RawRecord[], seq: number): BlockRange | null {
  for (const raw of raws) {
    if ((raw.type & 0x0f) !== Kind.BlockRange) continue;
    try {
      const r = new ByteReader(raw.payload);
      const [of, min, span] = [r.uint(), r.uint(), r.uint()];
      if (of === seq) return { seq, min: min * 1000, max: (min + span) * 1000 };
    } catch {
      // Malformed: as if there were none, and the block is read.
    }
  }
  return null;
}

/** A record with no time of its own: a signature, a signer context, a block range. */
export function isTimeless(raw: RawRecord): boolean {
  const kind = raw.type & 0x0f;
  return kind === Kind.Signature || kind === Kind.SignerContext || kind === Kind.BlockRange;
}

/** Decodes one raw record; delta records need `state`, fed every record of the store in order. */
export function decodeRecord(raw: RawRecord, state: { chain: Chain | null }): HistoryRecord | null {
  const kind = raw.type & 0x0f;
  const flags = flagNames(raw.type >> 4);
  const r = new ByteReader(raw.payload);
  // After a damaged record the chain is unknown: delta records wait for the next key.
  if (raw.afterDamage) state.chain = null;
  const prev = state.chain && state.chain.seq === raw.cursor.seq ? state.chain : null;
  try {
    switch (kind) {
      case Kind.IntervalKey: {
        const startSlot = r.uint(), slots = r.uint(), mask = r.uint();
        const registers: number[] = [], deltas: number[] = [];
        for (let i = 0; i < popcount(mask); i++) { registers.push(r.uint()); deltas.push(r.uint()); }
        state.chain = { seq: raw.cursor.seq, endSlot: startSlot + slots, mask, registers };
        return interval(startSlot, slots, flags, mask, registers, deltas);
      }
      case Kind.IntervalNext:
      case Kind.IntervalAt: {
        if (!prev || !prev.mask) return null;
        const startSlot = kind === Kind.IntervalNext ? prev.endSlot : prev.endSlot + r.sint();
        const slots = kind === Kind.IntervalNext ? 1 : r.uint();
        const deltas = prev.registers.map(() => r.uint());
        const registers = prev.registers.map((v, i) => v + deltas[i]);
        state.chain = { seq: prev.seq, endSlot: startSlot + slots, mask: prev.mask, registers };
        return interval(startSlot, slots, flags, prev.mask, registers, deltas);
      }
      case Kind.Gap: {
        const startSlot = r.uint(), slots = r.uint();
        if (prev) state.chain = { ...prev, endSlot: startSlot + slots };
        return { stream: "quarter-hour", start: startSlot * SLOT_MS, end: (startSlot + slots) * SLOT_MS, flags, delta: {}, registers: {} };
      }
      case Kind.VoltageKey:
      case Kind.VoltageNext: {
        if (kind === Kind.VoltageNext && !prev) return null;
        const startSlot = kind === Kind.VoltageNext ? prev!.endSlot : r.uint();
        const slots = kind === Kind.VoltageNext ? 1 : r.uint();
        const phases = [];
        for (let n = r.byte(), i = 0; i < n; i++) {
          const avg = r.sint() + 2300;
          phases.push({ avg: avg / 10, min: (avg - r.uint()) / 10, max: (avg + r.uint()) / 10 });
        }
        state.chain = { seq: raw.cursor.seq, endSlot: startSlot + slots, mask: 0, registers: [] };
        const rec: VoltageRecord = { stream: "voltage", start: startSlot * SLOT_MS, end: (startSlot + slots) * SLOT_MS, flags, phases };
        return rec;
      }
      case Kind.Daily:
      case Kind.Monthly: {
        const period = r.uint(), start = r.uint() * 60_000, end = start + r.uint() * 60_000, mask = r.uint();
        const registers: Channels = {}, delta: Channels = {};
        for (let i = 0; i < popcount(mask); i++) {
          const name = CHANNELS[channelIndex(mask, i)];
          registers[name] = r.uint();
          delta[name] = r.uint();
        }
        const stream = kind === Kind.Daily ? "daily" : "monthly";
        const rec: BillingRecord = { stream, period: periodString(stream, period), start, end, flags, delta, registers };
        return rec;
      }
      case Kind.MaxDemand: {
        const month = r.uint(), slot = r.uint(), powerW = r.uint();
        const rec: MaxDemandRecord = { stream: "max-demand", month: periodString("monthly", month), start: slot * SLOT_MS, powerW };
        return rec;
      }
      case Kind.Event: {
        const type = EVENT_TYPES[r.uint()];
        if (!type) return null;
        const rec: EventRecord = { stream: "events", time: r.uint() * 1000, type };
        const fields = r.byte();
        if (fields & 1) rec.durationS = r.uint();
        if (fields & 2) rec.phase = r.byte();
        if (fields & 4) rec.voltage = r.uint() / 10;
        if (fields & 8) rec.shiftS = r.sint();
        return rec;
      }
    }
  } catch {
    // A record that passed its CRC but does not parse was written by a newer format: skipped.
  }
  return null;
}

function interval(startSlot: number, slots: number, flags: IntervalFlag[], mask: number, registers: number[], deltas: number[]): IntervalRecord {
  const reg: Channels = {}, delta: Channels = {};
  registers.forEach((v, i) => {
    const name = CHANNELS[channelIndex(mask, i)];
    delta[name] = deltas[i];
    reg[name] = v;
  });
  return { stream: "quarter-hour", start: startSlot * SLOT_MS, end: (startSlot + slots) * SLOT_MS, flags, delta, registers: reg };
}

function draft(kind: Kind, flagNibble: number, w: ByteWriter): RecordDraft {
  return { type: (flagNibble << 4) | kind, payload: w.bytes() };
}

function flagBits(flags: IntervalFlag[]): number {
  let b = 0;
  for (const f of flags) b |= 1 << INTERVAL_FLAGS.indexOf(f);
  return b;
}

function flagNames(bits: number): IntervalFlag[] {
  return INTERVAL_FLAGS.filter((_, i) => bits & (1 << i));
}

function channelValues(registers: Channels): { mask: number; values: number[] } {
  let mask = 0;
  const values: number[] = [];
  CHANNELS.forEach((name, i) => {
    const v = registers[name];
    if (v === undefined) return;
    mask |= 1 << i;
    values.push(Math.max(0, Math.round(v)));
  });
  return { mask, values };
}

/** Channel number of the i-th set bit of `mask`. */
function channelIndex(mask: number, i: number): number {
  for (let bit = 0; bit < CHANNELS.length; bit++) {
    if (mask & (1 << bit) && i-- === 0) return bit;
  }
  throw new RangeError("channel mask");
}

function popcount(mask: number): number {
  let n = 0;
  for (let m = mask; m; m &= m - 1) n++;
  return n;
}

function periodNumber(rec: BillingRecord): number {
  const [y, m, d] = rec.period.split("-").map(Number);
  return rec.stream === "daily" ? Date.UTC(y, m - 1, d) / 86_400_000 : y * 12 + m - 1;
}

function periodString(stream: "daily" | "monthly", n: number): string {
  if (stream === "daily") return new Date(n * 86_400_000).toISOString().slice(0, 10);
  return `${Math.floor(n / 12)}-${String((n % 12) + 1).padStart(2, "0")}`;
}
