/* Streaming SHA-256 over psa_hash_setup / psa_hash_update / psa_hash_finish. */
#include "sha256_psa.h"

int sha256_psa_begin(sha256_psa_context *ctx)
{
	psa_status_t status = psa_crypto_init();
	if (status != PSA_SUCCESS)
		return status;
	ctx->operation = psa_hash_operation_init();
	return psa_hash_setup(&ctx->operation, PSA_ALG_SHA_256);
}

int sha256_psa_update(sha256_psa_context *ctx, const uint8_t *data, size_t length)
{
	return psa_hash_update(&ctx->operation, data, length) == PSA_SUCCESS ? 0 : -1;
}

int sha256_psa_finish(sha256_psa_context *ctx, uint8_t digest[32])
{
	size_t written = 0;
	psa_status_t status = psa_hash_finish(&ctx->operation, digest, 32, &written);
	return status == PSA_SUCCESS && written == 32 ? 0 : -1;
}

void sha256_psa_abort(sha256_psa_context *ctx)
{
	psa_hash_abort(&ctx->operation);
}
