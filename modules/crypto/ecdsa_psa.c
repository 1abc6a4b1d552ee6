/* See ecdsa_psa.h. Keys are volatile PSA keys, imported per call and destroyed before returning. */
#include "ecdsa_psa.h"

#include <psa/crypto.h>

#define ALG PSA_ALG_ECDSA(PSA_ALG_SHA_256)

static void p256_attributes(psa_key_attributes_t *a, psa_key_usage_t usage)
{
	psa_set_key_type(a, PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1));
	psa_set_key_bits(a, 256);
	psa_set_key_usage_flags(a, usage);
	psa_set_key_algorithm(a, ALG);
}

/* ECDSA_PSA_OK or the PSA status. */
static int import(const uint8_t private_key[32], psa_key_usage_t usage, psa_key_id_t *id)
{
	psa_status_t s = psa_crypto_init();
	if (s != PSA_SUCCESS)
		return s;
	psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
	p256_attributes(&a, usage);
	s = psa_import_key(&a, private_key, 32, id);
	return s == PSA_SUCCESS ? ECDSA_PSA_OK : s;
}

int ecdsa_psa_generate_p256(uint8_t private_key[32], uint8_t public_key[65])
{
	if (psa_crypto_init() != PSA_SUCCESS)
		return ECDSA_PSA_ERROR;
	psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
	/* EXPORT only so that the host can keep the key in NVS across reboots and updates. */
	p256_attributes(&a, PSA_KEY_USAGE_SIGN_MESSAGE | PSA_KEY_USAGE_EXPORT);
	psa_key_id_t id;
	if (psa_generate_key(&a, &id) != PSA_SUCCESS)
		return ECDSA_PSA_ERROR;
	size_t n = 0, m = 0;
	psa_status_t s = psa_export_key(id, private_key, 32, &n);
	if (s == PSA_SUCCESS)
		s = psa_export_public_key(id, public_key, 65, &m);
	psa_destroy_key(id);
	return s == PSA_SUCCESS && n == 32 && m == 65 ? ECDSA_PSA_OK : ECDSA_PSA_ERROR;
}

int ecdsa_psa_public_p256(const uint8_t private_key[32], uint8_t public_key[65])
{
	psa_key_id_t id;
	if (import(private_key, PSA_KEY_USAGE_SIGN_MESSAGE, &id) != ECDSA_PSA_OK)
		return ECDSA_PSA_ERROR;
	size_t m = 0;
	psa_status_t s = psa_export_public_key(id, public_key, 65, &m);
	psa_destroy_key(id);
	return s == PSA_SUCCESS && m == 65 ? ECDSA_PSA_OK : ECDSA_PSA_ERROR;
}

int ecdsa_psa_sign_p256(const uint8_t private_key[32], const uint8_t *message, size_t length,
	uint8_t signature[64])
{
	psa_key_id_t id;
	int imported = import(private_key, PSA_KEY_USAGE_SIGN_MESSAGE, &id);
	if (imported != ECDSA_PSA_OK)
		return imported;
	size_t n = 0;
	psa_status_t s = psa_sign_message(id, ALG, message, length, signature, 64, &n);
	psa_destroy_key(id);
	if (s != PSA_SUCCESS)
		return s;
	return n == 64 ? ECDSA_PSA_OK : ECDSA_PSA_ERROR;
}
