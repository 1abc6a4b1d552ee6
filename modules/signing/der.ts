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

/** The r || s form (32 bytes each for P-256) of a DER signature: what the history stores. */
export function ecdsaRaw(der: Uint8Array, half = 32): Uint8Array {
  const out = new Uint8Array(2 * half);
  let at = 2;
  for (let i = 0; i < 2; i++) {
    if (der[at] !== 0x02) throw new RangeError("not a DER ECDSA signature");
    let len = der[at + 1];
    let from = at + 2;
    // Drop the sign byte (and any other leading zeros); left-pad to `half`.
    while (len > half && der[from] === 0) {
      from++;
      len--;
    }
    if (len > half) throw new RangeError("not a DER ECDSA signature");
    out.set(der.subarray(from, from + len), i * half + half - len);
    at = from + len;
  }
  return out;
}
