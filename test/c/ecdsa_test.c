/*
 * Host test program for modules/crypto/ecdsa_psa.c (against libmbedtls's PSA Crypto):
 *   ecdsa_test generate            prints the private key and public point, hex, one per line
 *   ecdsa_test public PRIV32       prints the public point
 *   ecdsa_test sign PRIV32 MSG     prints r || s
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecdsa_psa.h"

static uint8_t *hex(const char *s, size_t *n)
{
	*n = strlen(s) / 2;
	uint8_t *b = malloc(*n ? *n : 1);
	for (size_t i = 0; i < *n; i++)
		sscanf(s + 2 * i, "%2hhx", &b[i]);
	return b;
}

static void print(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", b[i]);
	printf("\n");
}

int main(int argc, char **argv)
{
	uint8_t priv[32], pub[65], sig[64];
	size_t n, m;
	if (argc == 2 && strcmp(argv[1], "generate") == 0) {
		if (ecdsa_psa_generate_p256(priv, pub) != ECDSA_PSA_OK)
			return 1;
		print(priv, 32);
		print(pub, 65);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "public") == 0) {
		uint8_t *k = hex(argv[2], &n);
		int r = n == 32 ? ecdsa_psa_public_p256(k, pub) : ECDSA_PSA_ERROR;
		free(k);
		if (r != ECDSA_PSA_OK)
			return printf("error\n"), 1;
		print(pub, 65);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "sign") == 0) {
		uint8_t *k = hex(argv[2], &n), *msg = hex(argv[3], &m);
		int r = n == 32 ? ecdsa_psa_sign_p256(k, msg, m, sig) : ECDSA_PSA_ERROR;
		free(k);
		free(msg);
		if (r != ECDSA_PSA_OK)
			return printf("error\n"), 1;
		print(sig, 64);
		return 0;
	}
	fprintf(stderr, "usage: ecdsa_test generate | public PRIV | sign PRIV MSG\n");
	return 2;
}
