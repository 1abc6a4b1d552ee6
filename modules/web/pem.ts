// PEM certificates (RFC 7468) as the settings page takes them: the base64 body of each
// "CERTIFICATE" block. Pure TS, so the form check is tested on Node; the device turns a body into
// DER with XS's Uint8Array.fromBase64.

/** The base64 bodies (whitespace removed) of the CERTIFICATE blocks in `pem`, in order. */
export function pemCertificates(pem: string): string[] {
  const out: string[] = [];
  for (const m of pem.matchAll(/-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]*?)-----END CERTIFICATE-----/g)) {
    const body = m[1].replace(/\s+/g, "");
    if (body.length && body.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(body)) out.push(body);
  }
  return out;
}

/** Settings check for the trusted CA: exactly one well-formed certificate. */
export function checkCaPem(pem: string): string | undefined {
  const n = pemCertificates(pem).length;
  if (n === 1) return undefined;
  return n === 0 ? "paste one PEM certificate (-----BEGIN CERTIFICATE----- ...)" : "one CA certificate only (the broker's root or issuing CA)";
}

/** DER bytes of the CA in a checked PEM setting (XS has Uint8Array.fromBase64; Node 20 lacks it). */
export function caDer(pem: string | undefined): ArrayBuffer | undefined {
  const body = pem === undefined ? undefined : pemCertificates(pem)[0];
  if (!body) return undefined;
  // fromBase64 returns a fresh array over a buffer of its own.
  return (Uint8Array as unknown as { fromBase64(s: string): Uint8Array<ArrayBuffer> }).fromBase64(body).buffer;
}
