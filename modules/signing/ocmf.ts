// Signed measurement records in the Open Charge Metering Format's framing (docs/SIGNED-RECORDS.md):
//   OCMF|<payload JSON>|{"SA":"ECDSA-secp256r1-SHA256","SE":"hex","SM":"application/x-der","SD":"<DER>"}
// The signature is ECDSA P-256 over SHA-256 of the payload's UTF-8 bytes exactly as written, so
// `openssl dgst -sha256 -verify` checks it with nothing but the line and the public key.
// One record: the register of each channel at the interval's begin (TX "B") and end (TX "E"),
// with OBIS id and unit, and the device's monotonic record counter in PG ("T<n>").
import type { BillingRecord, IntervalRecord } from "../history/records.js";
import { isoUtc } from "../util/time.js";
import { fromHex, toHex } from "../util/hex.js";

export type SignableRecord = IntervalRecord | BillingRecord;

export const SIGNED_STREAMS: readonly string[] = ["quarter-hour", "daily", "monthly"];

export const SIGNATURE_ALGORITHM = "ECDSA-secp256r1-SHA256";

/** History channels and their OBIS registers (Wh, varh; gas G in litres). */
const OBIS: Record<string, [string, string]> = {
  "+A": ["1-0:1.8.0", "Wh"], "-A": ["1-0:2.8.0", "Wh"],
  "+A.T1": ["1-0:1.8.1", "Wh"], "+A.T2": ["1-0:1.8.2", "Wh"], "+A.T3": ["1-0:1.8.3", "Wh"], "+A.T4": ["1-0:1.8.4", "Wh"],
  "-A.T1": ["1-0:2.8.1", "Wh"], "-A.T2": ["1-0:2.8.2", "Wh"], "-A.T3": ["1-0:2.8.3", "Wh"], "-A.T4": ["1-0:2.8.4", "Wh"],
  "+R": ["1-0:3.8.0", "varh"], "-R": ["1-0:4.8.0", "varh"],
  R1: ["1-0:5.8.0", "varh"], R2: ["1-0:6.8.0", "varh"], R3: ["1-0:7.8.0", "varh"], R4: ["1-0:8.8.0", "varh"],
  G: ["7-0:3.0.0", "l"],
};

export interface SignedRecordMeta {
  /** The dongle: its device id (OCMF gateway serial GS). */
  deviceId: string;
  /** The meter's own id (OCMF meter serial MS). */
  meterId: string;
  firmware: string;
  /** Monotonic per device, never reused: gaps and order show removed or reordered records. */
  counter: number;
}

/** The payload JSON of one record (the signed bytes). */
export function signedPayload(rec: SignableRecord, meta: SignedRecordMeta): string {
  // OCMF status: G good; S (substitute) when the interval is not fully covered; the flags say why.
  const st = rec.flags.length ? "S" : "G";
  const rd: Record<string, unknown>[] = [];
  for (const ch of Object.keys(rec.registers)) {
    const obis = OBIS[ch];
    if (!obis) continue;
    const end = rec.registers[ch];
    const begin = end - (rec.delta[ch] ?? 0);
    rd.push({ TM: isoUtc(rec.start), TX: "B", RV: begin, RI: obis[0], RU: obis[1], ST: st });
    rd.push({ TM: isoUtc(rec.end), TX: "E", RV: end, RI: obis[0], RU: obis[1], ST: st });
  }
  const payload: Record<string, unknown> = {
    FV: "1.0", GI: "metertap", GS: meta.deviceId, GV: meta.firmware, PG: `T${meta.counter}`,
    MS: meta.meterId, IS: false, XS: rec.stream, XP: rec.stream === "quarter-hour" ? null : (rec as BillingRecord).period,
    XF: rec.flags, RD: rd,
  };
  return JSON.stringify(payload);
}

export function ocmfLine(payload: string, derSignature: Uint8Array): string {
  return `OCMF|${payload}|${JSON.stringify({ SA: SIGNATURE_ALGORITHM, SE: "hex", SM: "application/x-der", SD: toHex(derSignature).toUpperCase() })}`;
}

export interface ParsedOcmf {
  payload: string;
  counter: number;
  signature: Uint8Array;
  fields: Record<string, unknown>;
}

/** Splits a line; null when it is not an OCMF record of this format. */
export function parseOcmf(line: string): ParsedOcmf | null {
  if (!line.startsWith("OCMF|")) return null;
  // The signature section is the last '|'-separated part; the payload JSON cannot hold a raw '|'
  // outside strings, and its strings are ids and ISO times, so the last '|' is the separator.
  const cut = line.lastIndexOf("|");
  if (cut <= 5) return null;
  const payload = line.slice(5, cut);
  let fields: Record<string, unknown>;
  let sig: Record<string, unknown>;
  try {
    fields = JSON.parse(payload);
    sig = JSON.parse(line.slice(cut + 1));
  } catch {
    return null;
  }
  const m = /^T(\d+)$/.exec(String(fields.PG));
  const signature = typeof sig.SD === "string" ? fromHex(sig.SD) : undefined;
  if (!m || sig.SA !== SIGNATURE_ALGORITHM || sig.SE !== "hex" || !signature?.length) return null;
  return { payload, counter: Number(m[1]), signature, fields };
}

