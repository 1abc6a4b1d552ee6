/*
 * The dongle's record-signing key on the PSA Crypto API: ECDSA P-256 with SHA-256. Plain functions
 * on byte buffers (no XS, no ESP-IDF calls), built for the device and for host tests (libmbedtls-dev).
 * The private key is generated inside PSA and handed back only to be kept in NVS (the key-value
 * store, which OTA leaves alone); it is imported per signature and destroyed afterwards.
 */
#ifndef METERTAP_ECDSA_PSA_H
#define METERTAP_ECDSA_PSA_H

#include <stddef.h>
#include <stdint.h>

enum ecdsa_psa_result {
	ECDSA_PSA_OK = 0,
	/* Bad key or arguments, or the crypto library failed. */
	ECDSA_PSA_ERROR = 2,
};

/* A new key pair: the private scalar (32 bytes) and the uncompressed public point (04 || x || y). */
int ecdsa_psa_generate_p256(uint8_t private_key[32], uint8_t public_key[65]);

/* The public point of a stored private key. */
int ecdsa_psa_public_p256(const uint8_t private_key[32], uint8_t public_key[65]);

/* Signs SHA-256(message): r || s, 64 bytes (DER is made by the caller, modules/signing). On
   failure the PSA status (negative) where PSA gave one, else ECDSA_PSA_ERROR. */
int ecdsa_psa_sign_p256(const uint8_t private_key[32], const uint8_t *message, size_t length,
	uint8_t signature[64]);

#endif
