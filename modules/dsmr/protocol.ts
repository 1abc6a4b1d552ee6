// DSMR P1 as a decoder protocol: frames from the `/` framer, CRC-16/ARC check, OBIS decoding.
import type { DecodeResult } from "../reading/model.js";
import { meterIdOf, normalise, readableId } from "../reading/normalise.js";
import type { ErrorCategory, ObisMap, SecurityInfo } from "../reading/model.js";
import type { Crc16 } from "../ports/ports.js";
import { crc16Arc } from "../util/crc16.js";
import type { DecodeContext, DecoderOptions, ProtocolHandler } from "../decode/protocol.js";
import { dsmrFramer } from "./framer.js";
import { LineMemo, parseTelegram, type Telegram } from "./telegram.js";
import { ShapeMemory } from "./shape.js";

export function dsmrProtocol(options: DecoderOptions): ProtocolHandler {
  const offset = options.standardOffsetMinutes ?? 60;
  const crc = options.crc16Arc ?? crc16Arc;
  // A meter either always ends its telegrams with `!CRC` or never does. Once this stream has shown
  // a CRC, a telegram without one lost its tail (or was split by a noise `/`): it is truncated.
  let crcSeen = false;
  const shapes = new ShapeMemory();
  const lines = new LineMemo();
  return {
    framers: [dsmrFramer],
    payloadLeads: [0x2f],
    onFrame(frame, ctx) {
      ctx.emit(ctx.decodePayload(frame.bytes, false), frame);
    },
    decodePayload(bytes: Uint8Array, _ctx: DecodeContext, encrypted: boolean, security?: SecurityInfo): DecodeResult {
      const t = parseTelegram(bytes, offset, lines);
      let result = decodeTelegram(bytes, t, encrypted, crcSeen, crc);
      if (result.ok && t.crcText !== null) crcSeen = true;
      const change = result.ok ? shapes.check(t.header, t.shape, t.values) : null;
      if (change) result = failed(encrypted, result.meterId ?? null, result.time ?? null, t.values, "malformed", `${change}: held until a second telegram shows it too`);
      if (security) result.security = security;
      return result;
    },
  };
}

function decodeTelegram(bytes: Uint8Array, t: Telegram, encrypted: boolean, crcRequired: boolean, crc16: Crc16): DecodeResult {
  const values = t.values;
  const meterId = meterIdOf(values, readableId);
  const clock = values["0-0:1.0.0"]?.value;
  const time = typeof clock === "string" ? clock : null;
  if (t.strayBang) return failed(encrypted, meterId, time, values, "malformed", "`!` inside a line: a damaged telegram");
  if (t.oddByte >= 0) return failed(encrypted, meterId, time, values, "malformed", `byte 0x${t.oddByte.toString(16)} in a telegram line: a damaged telegram`);
  if (t.crcText !== null) {
    const actual = crc16(bytes, 0, t.bang + 1);
    if (parseInt(t.crcText, 16) !== actual) {
      return failed(encrypted, meterId, time, values, "crc", `CRC ${t.crcText} in telegram, computed ${hex4(actual)}`);
    }
  } else if (crcRequired) {
    return failed(encrypted, meterId, time, values, "truncated", "telegram without the `!CRC` line this meter sends");
  } else if (sendsCrc(t)) {
    // DSMR 4 and later (and e-MUCS) always end with `!CRC`: from the first telegram on, one
    // without it lost its tail or was damaged, and nothing in it can be checked.
    return failed(encrypted, meterId, time, values, "truncated", "DSMR 4+ telegram without its `!CRC` line");
  } else if (t.bang < 0 && !t.complete) {
    return failed(encrypted, meterId, time, values, "truncated", "telegram cut off inside a line");
  }
  if (!t.objects) return failed(encrypted, meterId, time, values, "malformed", "telegram has no OBIS lines");
  if (t.unreadable) return failed(encrypted, meterId, time, values, "malformed", `${t.unreadable} unreadable line(s): a damaged telegram`);
  const reading = normalise(values, "dsmr", meterId, time);
  if (t.header) reading.identification = t.header;
  return { ok: true, protocol: "dsmr", encrypted, meterId, time, values, reading };
}

/** Whether the telegram says it is DSMR 4+ (or Belgian/Luxembourg e-MUCS), which always has a CRC. */
function sendsCrc(t: Telegram): boolean {
  if (t.values["0-0:96.1.4"] !== undefined || /^Lux|ESMR ?5|DSMR ?[45]/i.test(t.header)) return true;
  const version = t.values["1-3:0.2.8"]?.value;
  return version !== undefined && !(Number(version) < 40);
}

function failed(encrypted: boolean, meterId: string | null, time: string | null, values: ObisMap, error: ErrorCategory, message: string): DecodeResult {
  return { ok: false, protocol: "dsmr", encrypted, meterId, time, values, error, message };
}

function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, "0");
}
