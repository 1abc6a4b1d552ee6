// CRC-16/ARC in C (checksum.c), the decoder's `crc16Arc` port on the Moddable hosts. Node and the
// XS tests use the core's own (modules/util/crc16.ts); the device and simulator checks run this one
// on every telegram, whose CRC it must match for anything to decode.
export const nativeCrc16Arc = (bytes: Uint8Array, start: number, end: number): number =>
  native("xs_metertap_crc16_arc").call(undefined, bytes, start, end) as number;
