// How a protocol plugs into the decoder. Each protocol family (DSMR, DLMS/COSEM, SML, the
// DLMS security layer) provides one handler, created per decoder because link layers keep state
// (segment reassembly, replay counters).
import type { Cipher, Crc16, KeyValueStore } from "../ports/ports.js";
import type { DecodeResult, SecurityInfo } from "../reading/model.js";
import type { Framer, RawFrame } from "../stream/framer.js";

export interface DecoderOptions {
  /** AES-128-GCM for encrypted frames; without one, encrypted frames are `unsupported`. */
  cipher?: Cipher;
  /** Encryption key (16 bytes). */
  encryptionKey?: Uint8Array;
  /** Authentication key (16 bytes): when given, GCM tags are verified with AAD = SC || AK. */
  authenticationKey?: Uint8Array;
  /** Raw AAD override for odd setups; an empty array means "verify the tag over no AAD". */
  aad?: Uint8Array;
  /** Persists the last accepted frame counter per system title. */
  store?: KeyValueStore;
  /**
   * Whether the line carries bare APDUs (no link layer, no checksum): true takes them, false never;
   * unset, the stream's first frame decides.
   */
  uncheckedLine?: boolean;
  /** Detector buffer size in bytes (default 4096). */
  bufferSize?: number;
  /** Offset of the meter's local standard time from UTC in minutes, for DSMR timestamps (default 60, CET). */
  standardOffsetMinutes?: number;
  /** The host's CRC-16/ARC (native on the dongle) for DSMR telegrams; default the core's own. */
  crc16Arc?: Crc16;
}

export interface DecodeContext {
  readonly options: DecoderOptions;
  /** Reports one decoded frame (or APDU) to the decoder's consumer. */
  emit(result: DecodeResult, frame: RawFrame): void;
  /**
   * Decodes a payload that a link layer or the security layer unwrapped, by its leading byte:
   * a DSMR telegram (`/`), a DLMS APDU (0x0F, 0xE0) or a ciphered APDU (0xDB).
   */
  decodePayload(bytes: Uint8Array, encrypted: boolean, security?: SecurityInfo): DecodeResult;
}

export interface ProtocolHandler {
  readonly framers: readonly Framer[];
  /** Handles a delimited frame of one of this handler's kinds; emits zero or more results. */
  onFrame(frame: RawFrame, ctx: DecodeContext): void;
  /** Leading bytes of the payloads this handler decodes. */
  readonly payloadLeads: readonly number[];
  decodePayload(bytes: Uint8Array, ctx: DecodeContext, encrypted: boolean, security?: SecurityInfo): DecodeResult;
  /** The input has ended: reports (and drops) what a link layer still holds half-assembled. */
  end?(ctx: DecodeContext): void;
}

export type ProtocolFactory = (options: DecoderOptions) => ProtocolHandler;

/** A failed result in the contract's shape. */
export function failure(
  protocol: DecodeResult["protocol"],
  error: NonNullable<DecodeResult["error"]>,
  message: string,
  encrypted = false,
  values: DecodeResult["values"] = {},
): DecodeResult {
  return { ok: false, protocol, encrypted, error, message, values };
}
