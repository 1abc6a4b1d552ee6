/*
 * Host harness for the device's OTA verification path: streams an image file through
 * sha256_psa (in chunks, as the device receives it) and checks its signature with
 * gcm_psa_verify_p256, exactly as hosts/esp32 does through XS. Prints the digest and the verdict.
 *   ota_verify PUBLIC_KEY_HEX IMAGE CHUNK
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sha256_psa.h"
#include "gcm_psa.h"

#define HEADER 64
#define SIGNATURE 64

static int unhex(const char *text, uint8_t *out, size_t length)
{
	if (strlen(text) != 2 * length)
		return -1;
	for (size_t i = 0; i < length; i++) {
		unsigned int b;
		if (sscanf(text + 2 * i, "%2x", &b) != 1)
			return -1;
		out[i] = (uint8_t)b;
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint8_t key[65], digest[32];
	if (argc != 4 || unhex(argv[1], key, sizeof key))
		return 2;
	FILE *f = fopen(argv[2], "rb");
	if (!f)
		return 2;
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *image = malloc(size);
	if (!image || size < HEADER + SIGNATURE || fread(image, 1, size, f) != (size_t)size)
		return 2;
	fclose(f);
	size_t signed_length = size - SIGNATURE, chunk = strtoul(argv[3], NULL, 10);
	sha256_psa_context ctx;
	if (sha256_psa_begin(&ctx))
		return 3;
	for (size_t at = 0; at < signed_length; at += chunk) {
		size_t n = signed_length - at < chunk ? signed_length - at : chunk;
		if (sha256_psa_update(&ctx, image + at, n))
			return 3;
	}
	if (sha256_psa_finish(&ctx, digest))
		return 3;
	for (int i = 0; i < 32; i++)
		printf("%02x", digest[i]);
	int verdict = gcm_psa_verify_p256(key, digest, sizeof digest, image + signed_length);
	printf(" %s\n", verdict == GCM_PSA_OK ? "valid" : verdict == GCM_PSA_AUTH_FAILED ? "invalid" : "error");
	free(image);
	return 0;
}
