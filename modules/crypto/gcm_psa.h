/*
 * AES-128-GCM decryption and ECDSA P-256 verification on the PSA Crypto API: plain functions on
 * byte buffers, free of XS and ESP-IDF calls, so one file builds for the device (ESP-IDF 6,
 * Mbed TLS 4, hardware AES underneath) and for host tests (libmbedtls-dev).
 */
#ifndef METERTAP_GCM_PSA_H
#define METERTAP_GCM_PSA_H

#include <stddef.h>
#include <stdint.h>

#define GCM_PSA_KEY_LENGTH 16
#define GCM_PSA_IV_LENGTH 12

enum gcm_psa_result {
	GCM_PSA_OK = 0,
	/* The tag does not match: wrong key, wrong AAD, or a tampered frame. */
	GCM_PSA_AUTH_FAILED = 1,
	/* Bad arguments, out of memory, or the crypto library failed. */
	GCM_PSA_ERROR = 2,
};

/* Initialises PSA Crypto; safe to call repeatedly. Every function below calls it. */
int gcm_psa_init(void);

/*
 * Verifies `tag` (4..16 bytes) over `aad` and `ciphertext` and decrypts into `plaintext`
 * (ciphertext_length bytes). On GCM_PSA_AUTH_FAILED nothing is written to `plaintext`.
 */
int gcm_psa_decrypt(const uint8_t key[GCM_PSA_KEY_LENGTH], const uint8_t iv[GCM_PSA_IV_LENGTH],
	const uint8_t *aad, size_t aad_length,
	const uint8_t *ciphertext, size_t ciphertext_length,
	const uint8_t *tag, size_t tag_length,
	uint8_t *plaintext);

/*
 * GCM's keystream without the tag (DLMS "encryption only"): AES-CTR from counter block
 * J0+1 = iv || 00000002. Writes length bytes to `plaintext`.
 */
int gcm_psa_decrypt_untagged(const uint8_t key[GCM_PSA_KEY_LENGTH], const uint8_t iv[GCM_PSA_IV_LENGTH],
	const uint8_t *ciphertext, size_t length, uint8_t *plaintext);

/* SHA-256 of `message` into `digest` (32 bytes). */
int gcm_psa_sha256(const uint8_t *message, size_t length, uint8_t digest[32]);

/*
 * Verifies an ECDSA P-256 signature (r || s, 64 bytes) of SHA-256(message) under an uncompressed
 * public key (04 || x || y, 65 bytes). GCM_PSA_OK when valid, GCM_PSA_AUTH_FAILED when not.
 */
int gcm_psa_verify_p256(const uint8_t public_key[65], const uint8_t *message, size_t length,
	const uint8_t signature[64]);

#endif
