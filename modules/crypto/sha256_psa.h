/*
 * Streaming SHA-256 on the PSA Crypto API, for OTA images too large to hash in one call.
 * Plain C on byte buffers (no XS, no ESP-IDF), like gcm_psa.c.
 */
#ifndef METERTAP_SHA256_PSA_H
#define METERTAP_SHA256_PSA_H

#include <stddef.h>
#include <stdint.h>
#include <psa/crypto.h>

typedef struct {
	psa_hash_operation_t operation;
} sha256_psa_context;

/* Each returns 0 on success (begin: else the PSA status). After finish or abort the context may be begun again. */
int sha256_psa_begin(sha256_psa_context *ctx);
int sha256_psa_update(sha256_psa_context *ctx, const uint8_t *data, size_t length);
int sha256_psa_finish(sha256_psa_context *ctx, uint8_t digest[32]);
void sha256_psa_abort(sha256_psa_context *ctx);

#endif
