// Single-byte damage of every checksum- or tag-protected corpus frame: each substitution, deletion
// and insertion is decoded as a fresh stream and judged against the undamaged frame. A damaged
// frame may fail, or decode to exactly what the meter sent; it must never decode to anything else,
// and never throw. Shared by the sampled test and the full run (bench/damage.ts).
import { decodeAll } from "../../modules/decode/decoder.js";
import type { DecoderOptions } from "../../modules/decode/protocol.js";
import type { DecodeResult } from "../../modules/reading/model.js";
import { nodeCipher } from "../../hosts/node/cipher.js";
import { corpusCases, readCase } from "./corpus.js";
import { encryptedCase } from "../security-frames.js";

export interface DamageCase {
  id: string;
  bytes: Uint8Array;
  options: DecoderOptions;
  /** What the undamaged frame decodes to (ok results only). */
  genuine: Set<string>;
  /** How many results the undamaged bytes give. */
  results: number;
}

/** Per byte position: one deletion, 255 substitutions, 256 insertions (before the byte). */
const PER_POSITION = 512;

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "hex"));

function fingerprint(r: DecodeResult): string {
  return JSON.stringify([r.meterId ?? null, r.time ?? null, r.values]);
}

/** DSMR with a `!CRC` line, HDLC, M-Bus, SML, and encrypted frames with a GCM tag. */
export function protectedCases(): DamageCase[] {
  const out: DamageCase[] = [];
  for (const id of corpusCases()) {
    const c = readCase(id);
    let options: DecoderOptions = {};
    if (id.startsWith("llc-")) continue; // a bare APDU: nothing protects it
    if (id.startsWith("dsmr-") && !/![0-9A-Fa-f]{3,4}\s*$/.test(Buffer.from(c.bytes).toString("latin1"))) continue;
    if (id.startsWith("enc-")) {
      const e = encryptedCase(id);
      if (e.aad === undefined) continue; // untagged ciphertext (Austria): its M-Bus sum is all there is
      options = { cipher: nodeCipher, encryptionKey: hex(e.key) };
      if (e.authKey) options.authenticationKey = hex(e.authKey);
      else options.aad = hex(e.aad);
    }
    const results = decodeAll(c.bytes, options);
    const genuine = new Set(results.filter((r) => r.ok).map(fingerprint));
    out.push({ id, bytes: c.bytes, options, genuine, results: results.length });
  }
  return out;
}

export function variantCount(c: DamageCase): number {
  return c.bytes.length * PER_POSITION + 256;
}

/** Variant `k` of a frame (0 ≤ k < variantCount). */
export function variant(bytes: Uint8Array, k: number): Uint8Array {
  const pos = Math.floor(k / PER_POSITION);
  const op = k % PER_POSITION;
  if (pos === bytes.length || op >= 256) {
    const out = new Uint8Array(bytes.length + 1);
    out.set(bytes.subarray(0, pos));
    out[pos] = pos === bytes.length ? op % 256 : op - 256;
    out.set(bytes.subarray(pos), pos + 1);
    return out;
  }
  if (op === 0) {
    const out = new Uint8Array(bytes.length - 1);
    out.set(bytes.subarray(0, pos));
    out.set(bytes.subarray(pos + 1), pos);
    return out;
  }
  const out = bytes.slice();
  out[pos] = (bytes[pos] + op) & 0xff; // op 1..255: every other byte value
  return out;
}

export interface DamageTally {
  variants: number;
  /** ok results whose values differ from the undamaged frame's. */
  wrong: number;
  /** ok results identical to the undamaged frame's (damage outside what is decoded, say). */
  same: number;
  /**
   * ok results of a frame whose undamaged copy fails its own check (a corpus frame with a wrong
   * FCS): one changed byte in about 65,536 makes a 16-bit CRC match again. A CRC's limit, counted apart.
   */
  repaired: number;
  exceptions: number;
  examples: string[];
}

export function newTally(): DamageTally {
  return { variants: 0, wrong: 0, same: 0, repaired: 0, exceptions: 0, examples: [] };
}

/**
 * Judges variant `k`: decoded as a fresh stream, or `midStream`, after the undamaged frame on the
 * same line (as a meter sends: what the line has shown is there to compare with).
 */
export function judge(c: DamageCase, k: number, tally: DamageTally, midStream = false): void {
  tally.variants++;
  let results: DecodeResult[];
  try {
    const damaged = variant(c.bytes, k);
    results = midStream
      ? decodeAll(Buffer.concat([c.bytes, damaged]), c.options).slice(c.results)
      : decodeAll(damaged, c.options);
  } catch (e) {
    tally.exceptions++;
    if (tally.examples.length < 10) tally.examples.push(`${c.id} variant ${k}: ${(e as Error).message}`);
    return;
  }
  for (const r of results) {
    if (!r.ok) continue;
    if (c.genuine.has(fingerprint(r))) tally.same++;
    else if (c.genuine.size === 0) tally.repaired++;
    else {
      tally.wrong++;
      if (tally.examples.length < 10) tally.examples.push(`${c.id} variant ${k}: ok with other values`);
    }
  }
}

/** A small seeded generator (mulberry32), so a failing sample can be re-run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
