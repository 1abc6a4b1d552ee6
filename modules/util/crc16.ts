// CRC-16 variants used on meter links. All three are reflected, so one table shape serves each.
//   ARC    (DSMR P1):          poly 0x8005, init 0x0000, no final xor
//   X.25   (HDLC, SML):        poly 0x1021, init 0xFFFF, final xor 0xFFFF
//   KERMIT (some Holley SML):  poly 0x1021, init 0x0000, no final xor

function table(reflectedPoly: number): Uint16Array {
  const t = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ reflectedPoly : c >>> 1;
    t[n] = c;
  }
  return t;
}

const ARC = table(0xa001);
const CCITT = table(0x8408);

function run(t: Uint16Array, crc: number, buf: Uint8Array, start: number, end: number): number {
  for (let i = start; i < end; i++) crc = (crc >>> 8) ^ t[(crc ^ buf[i]) & 0xff];
  return crc;
}

export function crc16Arc(buf: Uint8Array, start = 0, end = buf.length): number {
  return run(ARC, 0, buf, start, end);
}

export function crc16X25(buf: Uint8Array, start = 0, end = buf.length): number {
  return run(CCITT, 0xffff, buf, start, end) ^ 0xffff;
}

export function crc16Kermit(buf: Uint8Array, start = 0, end = buf.length): number {
  return run(CCITT, 0, buf, start, end);
}
