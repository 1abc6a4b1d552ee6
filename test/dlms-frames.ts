// Builders for DLMS/SML link-layer frames in tests: real checksums over chosen content, so tests
// can make frames the corpus lacks (block transfer, corrupted APDUs, KERMIT SML).
import { crc16Kermit, crc16X25 } from "../modules/util/crc16.js";
import { concatBytes } from "../modules/util/bytes.js";
import { fromHex, toHex } from "../modules/util/hex.js";

export function hex(text: string): Uint8Array {
  const b = fromHex(text.replace(/\s+/g, ""));
  if (!b) throw new Error("bad hex in test");
  return b;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(parts);
}

/** An HDLC frame (addresses 0x41 / 0x0883, control 0x13 as Aidon sends) around `info`. */
export function hdlcFrame(info: Uint8Array, segmented = false): Uint8Array {
  const header = [0x41, 0x08, 0x83, 0x13];
  const length = 2 + header.length + 2 + info.length + 2;
  const body = new Uint8Array(length);
  body[0] = 0xa0 | (segmented ? 0x08 : 0) | (length >> 8);
  body[1] = length & 0xff;
  body.set(header, 2);
  const hcs = crc16X25(body, 0, 6);
  body[6] = hcs & 0xff;
  body[7] = hcs >> 8;
  body.set(info, 8);
  const fcs = crc16X25(body, 0, length - 2);
  body[length - 2] = fcs & 0xff;
  body[length - 1] = fcs >> 8;
  return concat(Uint8Array.of(0x7e), body, Uint8Array.of(0x7e));
}

/** An M-Bus long frame with a DLMS segment: C 0x53, A 0xFF, the CI given, STSAP/DTSAP 01 67. */
export function mbusFrame(segment: Uint8Array, ci: number): Uint8Array {
  const data = concat(Uint8Array.of(0x53, 0xff, ci, 0x01, 0x67), segment);
  if (data.length > 255) throw new Error("an M-Bus frame holds at most 250 bytes of segment");
  let sum = 0;
  for (const b of data) sum += b;
  return concat(Uint8Array.of(0x68, data.length, data.length, 0x68), data, Uint8Array.of(sum & 0xff, 0x16));
}

/** General block transfer blocks of at most `size` data bytes carrying `apdu`. */
export function gbtBlocks(apdu: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0, n = 1; at < apdu.length; at += size, n++) {
    const data = apdu.subarray(at, at + size);
    const last = at + size >= apdu.length;
    const len = data.length < 0x80 ? [data.length] : [0x82, data.length >> 8, data.length & 0xff];
    out.push(concat(Uint8Array.of(0xe0, last ? 0x80 : 0x00, n >> 8, n & 0xff, 0, 0, ...len), data));
  }
  return out;
}

/**
 * An SML transport v1 frame around message bytes: escaping, padding and the CRC. `extraFill` adds
 * that many more fill bytes (DZG pads a whole word more); `declaredFill` overrides the count byte.
 */
export function smlFrame(messages: Uint8Array, crc: "x25" | "kermit" = "x25", extraFill = 0, declaredFill?: number): Uint8Array {
  const body: number[] = [0x1b, 0x1b, 0x1b, 0x1b, 1, 1, 1, 1];
  for (let i = 0; i < messages.length; i++) {
    if (messages[i] === 0x1b && messages[i + 1] === 0x1b && messages[i + 2] === 0x1b && messages[i + 3] === 0x1b) {
      body.push(0x1b, 0x1b, 0x1b, 0x1b, 0x1b, 0x1b, 0x1b, 0x1b);
      i += 3;
    } else body.push(messages[i]);
  }
  const padding = ((4 - (body.length % 4)) % 4) + extraFill;
  for (let i = 0; i < padding; i++) body.push(0);
  body.push(0x1b, 0x1b, 0x1b, 0x1b, 0x1a, declaredFill ?? padding);
  const frame = Uint8Array.from([...body, 0, 0]);
  const n = frame.length - 2;
  if (crc === "x25") {
    const c = crc16X25(frame, 0, n);
    frame[n] = c & 0xff;
    frame[n + 1] = c >> 8;
  } else {
    const c = crc16Kermit(frame, 0, n);
    frame[n] = c >> 8;
    frame[n + 1] = c & 0xff;
  }
  return frame;
}

/** The information field of an unstuffed HDLC frame (no check: for frames whose FCS is bad). */
export function hdlcInfoUnchecked(frame: Uint8Array): Uint8Array {
  let i = 3;
  while ((frame[i] & 1) === 0) i++; // destination address
  i++;
  while ((frame[i] & 1) === 0) i++; // source address
  return frame.subarray(i + 4, frame.length - 3); // after control and HCS; before FCS and flag
}

export { toHex };
