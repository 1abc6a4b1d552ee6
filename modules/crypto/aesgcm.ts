// The Cipher port on the native PSA Crypto module (aesgcm.c + gcm_psa.c) for the Moddable hosts:
// the ESP32's hardware AES under ESP-IDF 6, Mbed TLS on the simulator. xsc binds Native()/native()
// to the C functions at build time; Node never loads this file (it uses hosts/node/cipher.ts).
import type { Cipher } from "../ports/ports.js";

// Declared in Moddable's xs/includes/xs.d.ts; repeated so this file also type-checks outside mcconfig.
declare function Native(destructor: string): new (...args: any[]) => any;
declare function native(name: string): (...args: any[]) => any;

export class AesGcm extends Native("xs_aesgcm_destructor") implements Cipher {
  constructor() {
    super();
    native("xs_aesgcm_constructor").call(this);
  }

  gcmDecrypt(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array): Uint8Array | null {
    const plain: ArrayBuffer | null = native("xs_aesgcm_decrypt").call(this, key, iv, aad, ciphertext, tag);
    return plain ? new Uint8Array(plain) : null;
  }

  gcmDecryptUntagged(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    return new Uint8Array(native("xs_aesgcm_decrypt_untagged").call(this, key, iv, ciphertext));
  }
}

/** SHA-256 of `message` (32 bytes). */
export function sha256(message: Uint8Array): Uint8Array {
  return new Uint8Array(native("xs_crypto_sha256")(message));
}

/** ECDSA P-256 over SHA-256(message): `publicKey` 04||x||y (65 bytes), `signature` r||s (64 bytes). */
export function verifyP256(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  return native("xs_crypto_verify_p256")(publicKey, message, signature);
}
