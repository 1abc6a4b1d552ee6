// ECDSA signatures as PSA gives them (r || s, 32 bytes each for P-256) in the DER form
// (SEQUENCE { INTEGER r, INTEGER s }) that OCMF lines, openssl and node:crypto use.

function derInteger(bytes: Uint8Array): number[] {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const v = Array.from(bytes.subarray(i));
  // A set top bit would read as negative: prefix a zero byte.
  if (v[0] & 0x80) v.unshift(0);
  return [0x02, v.length, ...v];
}

export function ecdsaDer(raw: Uint8Array): Uint8Array {
  const half = raw.length / 2;
  const body = [...derInteger(raw.subarray(0, half)), ...derInteger(raw.subarray(half))];
  return Uint8Array.from([0x30, body.length, ...body]);
}
