// DSMR telegrams made for tests: a body up to its `!`, closed with the CRC-16/ARC a meter sends.
import { crc16Arc } from "../../modules/util/crc16.js";

/** `body` (ending in `!`) followed by its CRC in four upper-case hex digits and CR LF. */
export function withDsmrCrc(body: string): Buffer {
  const crc = crc16Arc(Buffer.from(body, "latin1")).toString(16).toUpperCase().padStart(4, "0");
  return Buffer.from(`${body}${crc}\r\n`, "latin1");
}
