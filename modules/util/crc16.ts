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

// Slice-by-4 for ARC (a whole DSMR telegram every second): ARC_N[n] is byte n's CRC followed by
// n zero bytes, so four bytes take one step. Four times fewer loop steps in XS's interpreter.
const ARC_1 = shifted(ARC, ARC);
const ARC_2 = shifted(ARC_1, ARC);
const ARC_3 = shifted(ARC_2, ARC);

function shifted(prev: Uint16Array, t: Uint16Array): Uint16Array {
  const out = new Uint16Array(256);
  for (let n = 0; n < 256; n++) out[n] = (prev[n] >>> 8) ^ t[prev[n] & 0xff];
  return out;
}

function run(t: Uint16Array, crc: number, buf: Uint8Array, start: number, end: number): number {
  for (let i = start; i < end; i++) crc = (crc >>> 8) ^ t[(crc ^ buf[i]) & 0xff];
  return crc;
}

export function crc16Arc(buf: Uint8Array, start = 0, end = buf.length): number {
  let crc = 0;
  let i = start;
  for (const stop = end - 3; i < stop; i += 4) {
    const x = crc ^ buf[i] ^ (buf[i + 1] << 8);
    crc = ARC_3[x & 0xff] ^ ARC_2[x >>> 8] ^ ARC_1[buf[i + 2]] ^ ARC[buf[i + 3]];
  }
  return run(ARC, crc, buf, i, end);
}

export function crc16X25(buf: Uint8Array, start = 0, end = buf.length): number {
  return run(CCITT, 0xffff, buf, start, end) ^ 0xffff;
}

export function crc16Kermit(buf: Uint8Array, start = 0, end = buf.length): number {
  return run(CCITT, 0, buf, start, end);
}
