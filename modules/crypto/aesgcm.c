/*
 * XS binding of gcm_psa.c for the Moddable hosts (see aesgcm.ts). Arguments are ArrayBuffers or
 * views. Buffer pointers are fetched only after the result buffer is allocated, since an
 * allocation may move the XS chunk heap.
 */
#include "gcm_psa.h" /* first: xs.h expects size_t from the platform headers */
#include "ecdsa_psa.h"
#include "xsmc.h"

void xs_aesgcm_destructor(void *data)
{
	(void)data;
}

void xs_aesgcm_constructor(xsMachine *the)
{
	if (gcm_psa_init() != GCM_PSA_OK)
		xsUnknownError("PSA crypto init failed");
}

static void *readable(xsMachine *the, xsSlot *slot, xsUnsignedValue *length)
{
	void *data;
	_xsmcGetBuffer(the, slot, &data, length, 0);
	return data;
}

/* Checks the key and IV lengths, which the C side takes as fixed-size arrays. */
static void check_key_iv(xsMachine *the)
{
	xsUnsignedValue keyLength, ivLength;
	readable(the, &xsArg(0), &keyLength);
	readable(the, &xsArg(1), &ivLength);
	if (keyLength != GCM_PSA_KEY_LENGTH || ivLength != GCM_PSA_IV_LENGTH)
		xsRangeError("AES-128-GCM needs a 16-byte key and a 12-byte IV");
}

/* gcmDecrypt(key, iv, aad, ciphertext, tag): ArrayBuffer of the plaintext, or null on a tag mismatch. */
void xs_aesgcm_decrypt(xsMachine *the)
{
	xsUnsignedValue keyLength, ivLength, aadLength, ctLength, tagLength;
	check_key_iv(the);
	readable(the, &xsArg(3), &ctLength);
	xsmcSetArrayBuffer(xsResult, NULL, ctLength);
	uint8_t *key = readable(the, &xsArg(0), &keyLength);
	uint8_t *iv = readable(the, &xsArg(1), &ivLength);
	uint8_t *aad = readable(the, &xsArg(2), &aadLength);
	uint8_t *ct = readable(the, &xsArg(3), &ctLength);
	uint8_t *tag = readable(the, &xsArg(4), &tagLength);
	int r = gcm_psa_decrypt(key, iv, aad, aadLength, ct, ctLength, tag, tagLength, xsmcToArrayBuffer(xsResult));
	if (r == GCM_PSA_AUTH_FAILED)
		xsmcSetNull(xsResult);
	else if (r != GCM_PSA_OK)
		xsUnknownError("AES-GCM decryption failed");
}

/* gcmDecryptUntagged(key, iv, ciphertext): ArrayBuffer of the plaintext. */
void xs_aesgcm_decrypt_untagged(xsMachine *the)
{
	xsUnsignedValue keyLength, ivLength, ctLength;
	check_key_iv(the);
	readable(the, &xsArg(2), &ctLength);
	xsmcSetArrayBuffer(xsResult, NULL, ctLength);
	uint8_t *key = readable(the, &xsArg(0), &keyLength);
	uint8_t *iv = readable(the, &xsArg(1), &ivLength);
	uint8_t *ct = readable(the, &xsArg(2), &ctLength);
	if (gcm_psa_decrypt_untagged(key, iv, ct, ctLength, xsmcToArrayBuffer(xsResult)) != GCM_PSA_OK)
		xsUnknownError("AES-CTR decryption failed");
}

/* sha256(message): ArrayBuffer of 32 bytes. */
void xs_crypto_sha256(xsMachine *the)
{
	xsUnsignedValue length;
	xsmcSetArrayBuffer(xsResult, NULL, 32);
	uint8_t *message = readable(the, &xsArg(0), &length);
	if (gcm_psa_sha256(message, length, xsmcToArrayBuffer(xsResult)) != GCM_PSA_OK)
		xsUnknownError("SHA-256 failed");
}

/* verifyP256(publicKey65, message, signature64): true when the signature is valid. */
void xs_crypto_verify_p256(xsMachine *the)
{
	xsUnsignedValue keyLength, messageLength, signatureLength;
	uint8_t *key = readable(the, &xsArg(0), &keyLength);
	uint8_t *message = readable(the, &xsArg(1), &messageLength);
	uint8_t *signature = readable(the, &xsArg(2), &signatureLength);
	if (keyLength != 65 || signatureLength != 64)
		xsRangeError("P-256 needs a 65-byte uncompressed public key and a 64-byte r||s signature");
	int r = gcm_psa_verify_p256(key, message, messageLength, signature);
	if (r == GCM_PSA_ERROR)
		xsUnknownError("ECDSA verification failed to run");
	xsmcSetBoolean(xsResult, r == GCM_PSA_OK);
}

/* The record-signing key (ecdsa_psa.c). p256Generate(): ArrayBuffer of private (32) || public (65). */
void xs_crypto_p256_generate(xsMachine *the)
{
	xsmcSetArrayBuffer(xsResult, NULL, 32 + 65);
	uint8_t *out = xsmcToArrayBuffer(xsResult);
	if (ecdsa_psa_generate_p256(out, out + 32) != ECDSA_PSA_OK)
		xsUnknownError("P-256 key generation failed");
}

/* p256Public(private32): ArrayBuffer of the 65-byte public point. */
void xs_crypto_p256_public(xsMachine *the)
{
	xsUnsignedValue keyLength;
	readable(the, &xsArg(0), &keyLength);
	if (keyLength != 32)
		xsRangeError("P-256 private key: 32 bytes");
	xsmcSetArrayBuffer(xsResult, NULL, 65);
	uint8_t *key = readable(the, &xsArg(0), &keyLength);
	if (ecdsa_psa_public_p256(key, xsmcToArrayBuffer(xsResult)) != ECDSA_PSA_OK)
		xsUnknownError("P-256 public key failed");
}

/* p256Sign(private32, message): ArrayBuffer of r || s (64 bytes) over SHA-256(message). */
void xs_crypto_p256_sign(xsMachine *the)
{
	xsUnsignedValue keyLength, messageLength;
	readable(the, &xsArg(0), &keyLength);
	if (keyLength != 32)
		xsRangeError("P-256 private key: 32 bytes");
	xsmcSetArrayBuffer(xsResult, NULL, 64);
	uint8_t *key = readable(the, &xsArg(0), &keyLength);
	uint8_t *message = readable(the, &xsArg(1), &messageLength);
	int status = ecdsa_psa_sign_p256(key, message, messageLength, xsmcToArrayBuffer(xsResult));
	if (status != ECDSA_PSA_OK)
		xsUnknownError("P-256 signing failed (%d)", status);
}
