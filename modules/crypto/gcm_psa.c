/* See gcm_psa.h. Keys are imported per call (volatile) and destroyed before returning. */
#include "gcm_psa.h"

#include <stdlib.h>
#include <string.h>

#include <psa/crypto.h>

int gcm_psa_init(void)
{
	return psa_crypto_init() == PSA_SUCCESS ? GCM_PSA_OK : GCM_PSA_ERROR;
}

static psa_status_t import_aes_key(const uint8_t key[GCM_PSA_KEY_LENGTH], psa_algorithm_t alg, psa_key_id_t *id)
{
	psa_key_attributes_t attributes = PSA_KEY_ATTRIBUTES_INIT;
	psa_set_key_type(&attributes, PSA_KEY_TYPE_AES);
	psa_set_key_bits(&attributes, 128);
	psa_set_key_usage_flags(&attributes, PSA_KEY_USAGE_DECRYPT);
	psa_set_key_algorithm(&attributes, alg);
	return psa_import_key(&attributes, key, GCM_PSA_KEY_LENGTH, id);
}

int gcm_psa_decrypt(const uint8_t key[GCM_PSA_KEY_LENGTH], const uint8_t iv[GCM_PSA_IV_LENGTH],
	const uint8_t *aad, size_t aad_length,
	const uint8_t *ciphertext, size_t ciphertext_length,
	const uint8_t *tag, size_t tag_length,
	uint8_t *plaintext)
{
	if (tag_length < 4 || tag_length > 16 || gcm_psa_init() != GCM_PSA_OK)
		return GCM_PSA_ERROR;
	const psa_algorithm_t alg = PSA_ALG_AEAD_WITH_SHORTENED_TAG(PSA_ALG_GCM, tag_length);
	psa_key_id_t id;
	if (import_aes_key(key, alg, &id) != PSA_SUCCESS)
		return GCM_PSA_ERROR;

	/* One-shot PSA AEAD wants ciphertext || tag in one buffer; decrypting into a scratch buffer
	 * also keeps unverified plaintext out of the caller's memory. */
	size_t input_length = ciphertext_length + tag_length;
	uint8_t *input = malloc(input_length);
	uint8_t *output = malloc(ciphertext_length ? ciphertext_length : 1);
	int result = GCM_PSA_ERROR;
	if (input && output) {
		if (ciphertext_length)
			memcpy(input, ciphertext, ciphertext_length);
		memcpy(input + ciphertext_length, tag, tag_length);
		size_t written = 0;
		psa_status_t status = psa_aead_decrypt(id, alg, iv, GCM_PSA_IV_LENGTH, aad, aad_length,
			input, input_length, output, ciphertext_length, &written);
		if (status == PSA_SUCCESS && written == ciphertext_length) {
			memcpy(plaintext, output, ciphertext_length);
			result = GCM_PSA_OK;
		} else if (status == PSA_ERROR_INVALID_SIGNATURE) {
			result = GCM_PSA_AUTH_FAILED;
		}
	}
	free(input);
	free(output);
	psa_destroy_key(id);
	return result;
}

int gcm_psa_decrypt_untagged(const uint8_t key[GCM_PSA_KEY_LENGTH], const uint8_t iv[GCM_PSA_IV_LENGTH],
	const uint8_t *ciphertext, size_t length, uint8_t *plaintext)
{
	if (gcm_psa_init() != GCM_PSA_OK)
		return GCM_PSA_ERROR;
	psa_key_id_t id;
	if (import_aes_key(key, PSA_ALG_CTR, &id) != PSA_SUCCESS)
		return GCM_PSA_ERROR;
	uint8_t counter_block[16];
	memcpy(counter_block, iv, GCM_PSA_IV_LENGTH);
	counter_block[12] = 0;
	counter_block[13] = 0;
	counter_block[14] = 0;
	counter_block[15] = 2;

	psa_cipher_operation_t op = PSA_CIPHER_OPERATION_INIT;
	size_t written = 0, tail = 0;
	psa_status_t status = psa_cipher_decrypt_setup(&op, id, PSA_ALG_CTR);
	if (status == PSA_SUCCESS)
		status = psa_cipher_set_iv(&op, counter_block, sizeof counter_block);
	if (status == PSA_SUCCESS)
		status = psa_cipher_update(&op, ciphertext, length, plaintext, length, &written);
	if (status == PSA_SUCCESS)
		status = psa_cipher_finish(&op, plaintext + written, length - written, &tail);
	if (status != PSA_SUCCESS)
		psa_cipher_abort(&op);
	psa_destroy_key(id);
	return status == PSA_SUCCESS && written + tail == length ? GCM_PSA_OK : GCM_PSA_ERROR;
}

int gcm_psa_sha256(const uint8_t *message, size_t length, uint8_t digest[32])
{
	if (gcm_psa_init() != GCM_PSA_OK)
		return GCM_PSA_ERROR;
	size_t written = 0;
	psa_status_t status = psa_hash_compute(PSA_ALG_SHA_256, message, length, digest, 32, &written);
	return status == PSA_SUCCESS && written == 32 ? GCM_PSA_OK : GCM_PSA_ERROR;
}

int gcm_psa_verify_p256(const uint8_t public_key[65], const uint8_t *message, size_t length,
	const uint8_t signature[64])
{
	uint8_t digest[32];
	if (public_key[0] != 0x04 || gcm_psa_sha256(message, length, digest) != GCM_PSA_OK)
		return GCM_PSA_ERROR;
	const psa_algorithm_t alg = PSA_ALG_ECDSA(PSA_ALG_SHA_256);
	psa_key_attributes_t attributes = PSA_KEY_ATTRIBUTES_INIT;
	psa_set_key_type(&attributes, PSA_KEY_TYPE_ECC_PUBLIC_KEY(PSA_ECC_FAMILY_SECP_R1));
	psa_set_key_bits(&attributes, 256);
	psa_set_key_usage_flags(&attributes, PSA_KEY_USAGE_VERIFY_HASH);
	psa_set_key_algorithm(&attributes, alg);
	psa_key_id_t id;
	if (psa_import_key(&attributes, public_key, 65, &id) != PSA_SUCCESS)
		return GCM_PSA_ERROR;
	psa_status_t status = psa_verify_hash(id, alg, digest, sizeof digest, signature, 64);
	psa_destroy_key(id);
	if (status == PSA_SUCCESS)
		return GCM_PSA_OK;
	return status == PSA_ERROR_INVALID_SIGNATURE ? GCM_PSA_AUTH_FAILED : GCM_PSA_ERROR;
}
