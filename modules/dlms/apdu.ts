// DLMS APDUs: data-notification (0x0F), the push every HAN port sends, and general block
// transfer (0xE0), which carries one APDU in numbered blocks (Landis+Gyr E450).
import type { DecodeResult, SecurityInfo } from "../reading/model.js";
import { meterIdOf, normalise, plainId } from "../reading/normalise.js";
import { failure } from "../decode/protocol.js";
import { AxdrError, AxdrReader, ARRAY, STRUCTURE } from "./axdr.js";
import type { AxdrNode } from "./axdr.js";
import { dateTime } from "./cosem.js";
import { readPushList } from "./pushlist.js";

export const DATA_NOTIFICATION = 0x0f;
export const GENERAL_BLOCK_TRANSFER = 0xe0;

export interface Notification {
  /** The APDU's own date-time, 12 bytes, when present. */
  dateTime?: Uint8Array;
  body: AxdrNode;
  /** Where the APDU ended (bare APDUs on a serial line have no other delimiter). */
  end: number;
}

/**
 * Parses a data-notification at buf[start]. With `lenient`, a top-level list that stops short of its
 * declared count keeps its whole elements (an Iskra quirk; only for link-checked frames). With
 * `exact`, the APDU must fill buf[start..end). Throws AxdrError.
 */
export function parseNotification(buf: Uint8Array, start: number, end: number, lenient: boolean, exact = true): Notification {
  const r = new AxdrReader(buf, start, end);
  if (r.byte() !== DATA_NOTIFICATION) throw new AxdrError("unsupported", "not a data-notification");
  r.bytes(4); // long-invoke-id-and-priority: meaningful only to a client that asked
  let dt: Uint8Array | undefined;
  let flag = r.byte();
  if (flag === 0x09) flag = r.byte(); // some meters tag the optional date-time as an octet-string
  if (flag === 12) dt = r.bytes(12);
  else if (flag !== 0) throw new AxdrError("malformed", `date-time field of ${flag} bytes`);
  const tag = r.byte();
  if (tag !== STRUCTURE && tag !== ARRAY) throw new AxdrError("malformed", `notification body is type ${tag}, not a list`);
  const count = r.length();
  const items = r.children(count, 0, lenient);
  const short = items.length < count;
  if (!short && exact && r.remaining > 0) throw new AxdrError("malformed", `${r.remaining} bytes after the notification body`);
  return { dateTime: dt, body: { tag, value: items }, end: short ? end : r.pos };
}

export interface NotificationOptions {
  standardOffset: number;
  encrypted: boolean;
  security?: SecurityInfo;
  lenient: boolean;
}

/** A data-notification APDU as a contract result. */
export function decodeNotification(apdu: Uint8Array, o: NotificationOptions): DecodeResult {
  let n: Notification;
  try {
    n = parseNotification(apdu, 0, apdu.length, o.lenient);
  } catch (e) {
    return withSecurity(axdrFailure(e, o.encrypted), o.security);
  }
  const list = readPushList(n.body, { standardOffset: o.standardOffset });
  if (!list) return withSecurity(failure("dlms", "unsupported", "push list of an unknown shape", o.encrypted), o.security);
  const time = (n.dateTime && dateTime(n.dateTime, 0, o.standardOffset)) ?? list.time ?? null;
  const meterId = meterIdOf(list.values, plainId);
  const result: DecodeResult = { ok: true, protocol: "dlms", encrypted: o.encrypted, meterId, time, values: list.values };
  if (o.security) result.security = o.security;
  result.reading = normalise(list.values, "dlms", meterId, time);
  return result;
}

/** A decoding error as a result. The link layer delimited the APDU, so running short is malformed. */
export function axdrFailure(e: unknown, encrypted: boolean): DecodeResult {
  if (e instanceof AxdrError) return failure("dlms", e.category === "truncated" ? "malformed" : e.category, e.message, encrypted);
  throw e;
}

function withSecurity(r: DecodeResult, security?: SecurityInfo): DecodeResult {
  if (security) r.security = security;
  return r;
}

/** One general-block-transfer block. */
export interface GbtBlock {
  last: boolean;
  number: number;
  data: Uint8Array;
  end: number;
}

/** Parses a GBT block at buf[start]; throws AxdrError (truncated while bytes are missing). */
export function parseGbt(buf: Uint8Array, start: number, end: number): GbtBlock {
  const r = new AxdrReader(buf, start, end);
  if (r.byte() !== GENERAL_BLOCK_TRANSFER) throw new AxdrError("unsupported", "not a general block transfer");
  const control = r.byte();
  const number = (r.byte() << 8) | r.byte();
  r.bytes(2); // block number acknowledged: meaningful only to a client that sends blocks
  const len = r.length();
  const data = r.bytes(len);
  return { last: (control & 0x80) !== 0, number, data, end: r.pos };
}

