// SML messages (SML 1.04): PublicOpen.Res, GetList.Res and PublicClose.Res, as German meters push
// them, whether with every field (the full data set after PIN entry) or the minimal one.
import type { DecodeResult, ObisEntry, ObisMap } from "../reading/model.js";
import { meterIdOf, normalise, plainId } from "../reading/normalise.js";
import { failure } from "../decode/protocol.js";
import { obisKey, octetText, scaled, unitName } from "../dlms/cosem.js";
import { isoUtc } from "../util/time.js";
import { BOOL, END, INT, LIST, OCTETS, SmlError, SmlReader, UINT } from "./tl.js";
import type { SmlNode } from "./tl.js";

const OPEN_RESPONSE = 0x0101;
const CLOSE_RESPONSE = 0x0201;
const GET_LIST_RESPONSE = 0x0701;

function list(n: SmlNode | undefined, length?: number): SmlNode[] | undefined {
  if (!n || n.type !== LIST) return undefined;
  const items = n.value as SmlNode[];
  return length === undefined || items.length === length ? items : undefined;
}

function octets(n: SmlNode | undefined): Uint8Array | undefined {
  return n && n.type === OCTETS && (n.value as Uint8Array).length > 0 ? (n.value as Uint8Array) : undefined;
}

function num(n: SmlNode | undefined): number | undefined {
  return n && (n.type === INT || n.type === UINT) ? (n.value as number) : undefined;
}

/** SML_Time: (1, secIndex) has no calendar meaning; (2, seconds) and (3, (seconds, ...)) are UTC. */
function smlTime(n: SmlNode | undefined): string | undefined {
  const t = list(n, 2);
  if (!t) return undefined;
  const choice = num(t[0]);
  const seconds = choice === 2 ? num(t[1]) : choice === 3 ? num(list(t[1], 3)?.[0]) : undefined;
  return seconds === undefined ? undefined : isoUtc(seconds * 1000);
}

interface Frame {
  values: ObisMap;
  serverId?: Uint8Array;
  time?: string;
  lists: number;
}

/** Decodes the message bytes of one SML transmission (escapes already undone). */
export function decodeSml(payload: Uint8Array): DecodeResult {
  const frame: Frame = { values: {}, lists: 0 };
  const reader = new SmlReader(payload);
  try {
    while (!reader.done) {
      const message = reader.node();
      if (message.type === END) continue; // padding the meter sent inside the data
      const fields = list(message, 6);
      if (!fields || fields[5].type !== END) throw new SmlError("SML message is not a 6-element list ending in 0x00");
      const body = list(fields[3], 2);
      const tag = num(body?.[0]);
      if (!body || tag === undefined) throw new SmlError("SML message without a body");
      readBody(tag, body[1], frame);
    }
  } catch (e) {
    // The transport delimited these bytes: data that stops short is a structural error here.
    if (e instanceof SmlError) return failure("sml", "malformed", e.message);
    throw e;
  }
  if (frame.lists === 0) return failure("sml", "unsupported", "SML transmission without a GetList response");
  const meterId = meterIdOf(frame.values, plainId, frame.serverId ? octetText(frame.serverId) : null);
  const time = frame.time ?? null;
  return { ok: true, protocol: "sml", encrypted: false, meterId, time, values: frame.values, reading: normalise(frame.values, "sml", meterId, time) };
}

function readBody(tag: number, content: SmlNode, frame: Frame): void {
  if (tag === OPEN_RESPONSE) {
    const f = list(content, 6);
    if (!f) throw new SmlError("PublicOpen.Res is not a 6-element list");
    frame.serverId ??= octets(f[3]);
  } else if (tag === GET_LIST_RESPONSE) {
    const f = list(content, 7);
    if (!f) throw new SmlError("GetList.Res is not a 7-element list");
    frame.serverId = octets(f[1]) ?? frame.serverId;
    frame.time ??= smlTime(f[6]) ?? smlTime(f[3]);
    const entries = list(f[4]);
    if (!entries) throw new SmlError("GetList.Res without a value list");
    for (const entry of entries) readEntry(entry, frame.values);
    frame.lists++;
  } else if (tag === CLOSE_RESPONSE) {
    if (!list(content, 1)) throw new SmlError("PublicClose.Res is not a 1-element list");
  }
  // Other responses (attention, GetProcParameter) carry no readings.
}

/** SML_ListEntry: objName, status, valTime, unit, scaler, value, valueSignature. */
function readEntry(n: SmlNode, values: ObisMap): void {
  const f = list(n, 7);
  if (!f) throw new SmlError("list entry is not a 7-element list");
  const name = octets(f[0]);
  if (!name || name.length !== 6) throw new SmlError("list entry without a 6-byte OBIS name");
  const v = f[5];
  let entry: ObisEntry;
  if (v.type === INT || v.type === UINT) {
    const scaler = f[4].type === INT || f[4].type === UINT ? (f[4].value as number) : 0;
    entry = { value: scaled(v.value as number, scaler) };
    const unit = num(f[3]) !== undefined ? unitName(num(f[3])!) : undefined;
    if (unit) entry.unit = unit;
  } else if (v.type === OCTETS) {
    entry = { value: octetText(v.value as Uint8Array) };
  } else if (v.type === BOOL) {
    entry = { value: v.value ? 1 : 0 };
  } else {
    return; // a list-typed value (SML_Time): nothing to show as a reading
  }
  const time = smlTime(f[2]);
  if (time) entry.time = time;
  values[obisKey(name)] = entry;
}
