// DSMR P1 as a decoder protocol: frames from the `/` framer, CRC-16/ARC check, OBIS decoding.
import type { DecodeResult } from "../reading/model.js";
import { normalise, readableId } from "../reading/normalise.js";
import type { SecurityInfo } from "../reading/model.js";
import { crc16Arc } from "../util/crc16.js";
import { nibble } from "../util/hex.js";
import type { DecodeContext, DecoderOptions, ProtocolHandler } from "../decode/protocol.js";
import { dsmrFramer } from "./framer.js";
import { parseTelegram } from "./telegram.js";

export function dsmrProtocol(options: DecoderOptions): ProtocolHandler {
  const offset = options.standardOffsetMinutes ?? 60;
  // A meter either always ends its telegrams with `!CRC` or never does. Once this stream has shown
  // a CRC, a telegram without one lost its tail (or was split by a noise `/`): it is truncated.
  let crcSeen = false;
  return {
    framers: [dsmrFramer],
    payloadLeads: [0x2f],
    onFrame(frame, ctx) {
      ctx.emit(ctx.decodePayload(frame.bytes, false), frame);
    },
    decodePayload(bytes: Uint8Array, _ctx: DecodeContext, encrypted: boolean, security?: SecurityInfo): DecodeResult {
      const result = decodeTelegram(bytes, offset, encrypted, crcSeen);
      if (result.ok && hasCrc(bytes)) crcSeen = true;
      if (security) result.security = security;
      return result;
    },
  };
}

export function decodeTelegram(bytes: Uint8Array, standardOffsetMinutes: number, encrypted: boolean, crcRequired = false): DecodeResult {
  const t = parseTelegram(bytes, standardOffsetMinutes);
  const meterId = readableId((t.values["0-0:96.1.1"] ?? t.values["0-0:96.1.0"] ?? t.values["0-0:42.0.0"] ?? t.values["1-0:0.0.0"])?.value ?? null);
  const time = typeof t.values["0-0:1.0.0"]?.value === "string" ? (t.values["0-0:1.0.0"].value as string) : null;
  const base = { protocol: "dsmr" as const, encrypted, meterId, time, values: t.values };
  if (t.crcText !== null) {
    const bang = lastBang(bytes);
    const expected = parseInt(t.crcText, 16);
    const actual = crc16Arc(bytes, 0, bang + 1);
    if (expected !== actual) {
      return { ok: false, ...base, error: "crc", message: `CRC ${t.crcText} in telegram, computed ${hex4(actual)}` };
    }
  } else if (crcRequired) {
    return { ok: false, ...base, error: "truncated", message: "telegram without the `!CRC` line this meter sends" };
  } else if (!t.terminated) {
    if (!t.complete) return { ok: false, ...base, error: "truncated", message: "telegram cut off inside a line" };
    const version = Number(t.values["1-3:0.2.8"]?.value ?? t.values["0-0:96.1.4"]?.value ?? 0);
    // DSMR 4 and later always end with `!CRC`: without it, the tail is missing.
    if (version >= 40) return { ok: false, ...base, error: "truncated", message: "DSMR 4+ telegram without its `!CRC` line" };
  }
  if (Object.keys(t.values).length === 0) {
    return { ok: false, ...base, error: "malformed", message: "telegram has no OBIS lines" };
  }
  return { ok: true, ...base, reading: normalise(t.values, "dsmr", meterId, time) };
}

function hasCrc(bytes: Uint8Array): boolean {
  const bang = lastBang(bytes);
  return bang >= 0 && bang + 1 < bytes.length && nibble(bytes[bang + 1]) >= 0;
}

function lastBang(bytes: Uint8Array): number {
  for (let i = bytes.length - 1; i >= 0; i--) if (bytes[i] === 0x21) return i;
  return -1;
}

function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, "0");
}
