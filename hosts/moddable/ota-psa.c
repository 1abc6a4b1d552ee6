/*
 * XS binding for the streaming SHA-256 of OTA images (modules/crypto/sha256_psa.c, PSA Crypto).
 * The signature check itself is modules/crypto's verifyP256.
 */
#include <stddef.h>
#include <stdlib.h>
#include "xsmc.h"
#include "sha256_psa.h"

void xs_otasha256_destructor(void *data)
{
	if (data) {
		sha256_psa_abort(data);
		free(data);
	}
}

static const xsHostHooks otasha256Hooks = { xs_otasha256_destructor, NULL, NULL };

static sha256_psa_context *context(xsMachine *the)
{
	sha256_psa_context *ctx = xsmcGetHostDataValidate(xsThis, (void *)&otasha256Hooks);
	if (!ctx)
		xsUnknownError("digest already taken");
	return ctx;
}

void xs_otasha256_constructor(xsMachine *the)
{
	/* Heap, not an XS chunk: a hardware-backed hash state must not move. */
	sha256_psa_context *ctx = calloc(1, sizeof(sha256_psa_context));
	if (!ctx)
		xsUnknownError("no memory");
	int status = sha256_psa_begin(ctx);
	if (status) {
		free(ctx);
		xsUnknownError("sha256 unavailable (PSA status %d)", status);
	}
	xsmcSetHostData(xsThis, ctx);
	xsSetHostHooks(xsThis, &otasha256Hooks);
}

void xs_otasha256_update(xsMachine *the)
{
	void *data;
	xsUnsignedValue length;
	xsmcGetBufferReadable(xsArg(0), &data, &length);
	if (sha256_psa_update(context(the), data, length))
		xsUnknownError("sha256 update failed");
}

void xs_otasha256_digest(xsMachine *the)
{
	uint8_t digest[32];
	sha256_psa_context *ctx = context(the);
	int failed = sha256_psa_finish(ctx, digest);
	free(ctx);
	xsmcSetHostData(xsThis, NULL);
	if (failed)
		xsUnknownError("sha256 finish failed");
	xsmcSetArrayBuffer(xsResult, digest, sizeof(digest));
}
