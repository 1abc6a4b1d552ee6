// SHA-256 (streaming, ota-psa.c) and ECDSA P-256 verification (modules/crypto) for OTA images, on PSA Crypto.
import type { Sha256, SignatureVerifier } from "../../modules/ota/ports.js";
import { verifyP256 } from "../../modules/crypto/aesgcm.js";

class PsaSha256 extends Native("xs_otasha256_destructor") implements Sha256 {
  constructor() {
    super();
    native("xs_otasha256_constructor").call(this);
  }

  update(bytes: Uint8Array): void {
    native("xs_otasha256_update").call(this, bytes);
  }

  digest(): Uint8Array {
    return new Uint8Array(native("xs_otasha256_digest").call(this) as ArrayBuffer);
  }
}

export const psaSha256 = (): Sha256 => new PsaSha256();

/** `publicKey`: the 65-byte uncompressed point printed by `metertap sign-image --public-key`. */
export function psaVerifier(publicKey: Uint8Array): SignatureVerifier {
  // The signed message is the image digest: ECDSA-P256-SHA256 over those 32 bytes.
  return { verify: (digest, signature) => digest.length === 32 && signature.length === 64 && verifyP256(publicKey, digest, signature) };
}
