/*
 * Host test of modules/crypto/gcm_psa.c against libmbedtls-dev. Built and run by
 * test/crypto-c.test.ts, which asserts this program's output.
 *
 *   gcm_test vectors                          NIST SP 800-38D / CAVS AES-128 GCM vectors
 *   gcm_test frame KEY IV AAD CT TAG          decrypt one corpus frame, then a bit-flip in each of
 *                                             IV, AAD, ciphertext and tag ("-" = empty AAD / no tag)
 *   gcm_test sha256 HEX
 *   gcm_test verify PUB65 SIG64 MSG           ECDSA P-256 / SHA-256
 *   gcm_test --bench N KEY IV AAD CT TAG      ns per frame decryption
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gcm_psa.h"

struct vector {
	const char *name, *key, *iv, *aad, *pt, *ct, *tag;
	int expect; /* GCM_PSA_OK or GCM_PSA_AUTH_FAILED */
};

/* tc1-tc4: the GCM specification's test cases 1-4 (AES-128). cavs-*: gcmEncryptExtIV128.rsp and
 * 96-bit-tag records (Taglen = 96). Tampered records flip one tag/ciphertext bit of a valid one,
 * as gcmDecrypt128.rsp's FAIL records do. */
static const struct vector VECTORS[] = {
	{ "tc1", "00000000000000000000000000000000", "000000000000000000000000", "", "", "",
		"58e2fccefa7e3061367f1d57a4e7455a", GCM_PSA_OK },
	{ "tc2", "00000000000000000000000000000000", "000000000000000000000000", "",
		"00000000000000000000000000000000", "0388dace60b6a392f328c2b971b2fe78",
		"ab6e47d42cec13bdf53a67b21257bddf", GCM_PSA_OK },
	{ "tc3", "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888", "",
		"d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
		"42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
		"4d5c2af327cd64a62cf35abd2ba6fab4", GCM_PSA_OK },
	{ "tc4", "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888", "feedfacedeadbeeffeedfacedeadbeefabaddad2",
		"d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
		"42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
		"5bc94fbc3221a5db94fae95ae7121a47", GCM_PSA_OK },
	{ "tc4-tag96", "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888", "feedfacedeadbeeffeedfacedeadbeefabaddad2",
		"d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
		"42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
		"5bc94fbc3221a5db94fae95a", GCM_PSA_OK },
	{ "cavs-gmac-aad", "77be63708971c4e240d1cb79e8d77feb", "e0e00f19fed7ba0136a797f3", "7a43ec1d9c0a5a78a0b16533a6213cab",
		"", "", "209fcc8d3675ed938e9c7166709dd946", GCM_PSA_OK },
	{ "cavs-pt128", "7fddb57453c241d03efbed3ac44e371c", "ee283a3fc75575e33efd4887", "",
		"d5de42b461646c255c87bd2962d3b9a2", "2ccda4a5415cb91e135c2a0f78c9b2fd",
		"b36d1df9b9d5e596f83e8b7f52971cb3", GCM_PSA_OK },
	{ "cavs-pt408-aad160", "fe47fcce5fc32665d2ae399e4eec72ba", "5adb9609dbaeb58cbd6e7275", "88319d6e1d3ffa5f987199166c8a9b56c2aeba5a",
		"7c0e88c88899a779228465074797cd4c2e1498d259b54390b85e3eef1c02df60e743f1b840382c4bccaf3bafb4ca8429bea063",
		"98f4826f05a265e6dd2be82db241c0fbbbf9ffb1c173aa83964b7cf5393043736365253ddbc5db8778371495da76d269e5db3e",
		"291ef1982e4defedaa2249f898556b47", GCM_PSA_OK },
	{ "cavs-tag96", "f00fdd018c02e03576008b516ea971ad", "3b3e276f9e98b1ecb7ce6d28", "",
		"2853e66b7b1b3e1fa3d1f37279ac82be", "55d2da7a3fb773b8a073db499e24bf62",
		"cba06bb4f6e097199250b0d1", GCM_PSA_OK },
	{ "cavs-tag96-aad160", "70fb02388301f16c4193b0fc70683f3f", "aec612be7c1ddb659a4b315c", "3859b3c9d0b42d45c43e8ebd4c8cbde1b6eb2106",
		"68e6bc0b08b8adbdc00005ae44723c8e", "a7c52a23b09062a1fb77d47ff83a114f",
		"79f91fa572220432ee3a6495", GCM_PSA_OK },
	{ "cavs-tag96-tampered-tag", "70fb02388301f16c4193b0fc70683f3f", "aec612be7c1ddb659a4b315c", "3859b3c9d0b42d45c43e8ebd4c8cbde1b6eb2106",
		"", "a7c52a23b09062a1fb77d47ff83a114f", "79f91fa572220432ee3a6494", GCM_PSA_AUTH_FAILED },
	{ "tc3-tampered-ct", "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888", "", "",
		"43831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
		"4d5c2af327cd64a62cf35abd2ba6fab4", GCM_PSA_AUTH_FAILED },
};

/* Parses hex into a fresh buffer ("-" and "" are empty); exits on bad input. */
static uint8_t *hex(const char *text, size_t *length)
{
	if (strcmp(text, "-") == 0)
		text = "";
	size_t n = strlen(text);
	if (n % 2) {
		fprintf(stderr, "odd hex length\n");
		exit(2);
	}
	uint8_t *out = malloc(n / 2 + 1);
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;
		if (sscanf(text + 2 * i, "%2x", &v) != 1) {
			fprintf(stderr, "bad hex\n");
			exit(2);
		}
		out[i] = (uint8_t)v;
	}
	*length = n / 2;
	return out;
}

static void print_hex(const uint8_t *bytes, size_t length)
{
	for (size_t i = 0; i < length; i++)
		printf("%02x", bytes[i]);
	printf("\n");
}

static const char *outcome(int r)
{
	return r == GCM_PSA_OK ? "ok" : r == GCM_PSA_AUTH_FAILED ? "auth-failed" : "error";
}

struct frame {
	uint8_t *key, *iv, *aad, *ct, *tag;
	size_t key_length, iv_length, aad_length, ct_length, tag_length;
};

static void read_frame(char **argv, struct frame *f)
{
	f->key = hex(argv[0], &f->key_length);
	f->iv = hex(argv[1], &f->iv_length);
	f->aad = hex(argv[2], &f->aad_length);
	f->ct = hex(argv[3], &f->ct_length);
	f->tag = hex(argv[4], &f->tag_length);
	if (f->key_length != 16 || f->iv_length != 12) {
		fprintf(stderr, "key must be 16 bytes, IV 12\n");
		exit(2);
	}
}

static int decrypt(const struct frame *f, uint8_t *out)
{
	if (!f->tag_length)
		return gcm_psa_decrypt_untagged(f->key, f->iv, f->ct, f->ct_length, out);
	return gcm_psa_decrypt(f->key, f->iv, f->aad, f->aad_length, f->ct, f->ct_length, f->tag, f->tag_length, out);
}

static int run_vectors(void)
{
	int passed = 0, failed = 0;
	for (size_t i = 0; i < sizeof VECTORS / sizeof VECTORS[0]; i++) {
		const struct vector *v = &VECTORS[i];
		size_t kl, il, al, pl, cl, tl;
		uint8_t *key = hex(v->key, &kl), *iv = hex(v->iv, &il), *aad = hex(v->aad, &al);
		uint8_t *pt = hex(v->pt, &pl), *ct = hex(v->ct, &cl), *tag = hex(v->tag, &tl);
		uint8_t *out = malloc(cl + 1);
		memset(out, 0xA5, cl + 1);
		int r = gcm_psa_decrypt(key, iv, aad, al, ct, cl, tag, tl, out);
		int ok = r == v->expect && (r != GCM_PSA_OK || (pl == cl && memcmp(out, pt, pl) == 0));
		/* A failed verification must not leak unverified plaintext. */
		if (r == GCM_PSA_AUTH_FAILED)
			for (size_t j = 0; j < cl; j++)
				ok = ok && out[j] == 0xA5;
		printf("%s %s %s\n", ok ? "PASS" : "FAIL", v->name, outcome(r));
		ok ? passed++ : failed++;
		free(key), free(iv), free(aad), free(pt), free(ct), free(tag), free(out);
	}
	printf("vectors: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

static int run_frame(char **argv)
{
	struct frame f;
	read_frame(argv, &f);
	uint8_t *out = malloc(f.ct_length + 1);
	int r = decrypt(&f, out);
	printf("decrypt %s\n", outcome(r));
	if (r == GCM_PSA_OK)
		print_hex(out, f.ct_length);
	if (f.tag_length) {
		f.iv[11] ^= 0x01;
		printf("iv-flip %s\n", outcome(decrypt(&f, out)));
		f.iv[11] ^= 0x01;
		/* Empty AAD: flipping a bit means adding one byte. */
		uint8_t extra = 0x01;
		struct frame g = f;
		if (f.aad_length)
			f.aad[0] ^= 0x80;
		else
			g.aad = &extra, g.aad_length = 1;
		printf("aad-flip %s\n", outcome(decrypt(f.aad_length ? &f : &g, out)));
		if (f.aad_length)
			f.aad[0] ^= 0x80;
		f.ct[f.ct_length / 2] ^= 0x10;
		printf("ct-flip %s\n", outcome(decrypt(&f, out)));
		f.ct[f.ct_length / 2] ^= 0x10;
		f.tag[f.tag_length - 1] ^= 0x01;
		printf("tag-flip %s\n", outcome(decrypt(&f, out)));
		f.tag[f.tag_length - 1] ^= 0x01;
	}
	free(out);
	return r == GCM_PSA_OK ? 0 : 1;
}

static int run_bench(char **argv)
{
	long n = atol(argv[0]);
	struct frame f;
	read_frame(argv + 1, &f);
	uint8_t *out = malloc(f.ct_length + 1);
	if (n <= 0 || decrypt(&f, out) != GCM_PSA_OK)
		return 1;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++)
		decrypt(&f, out);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ns = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / n;
	printf("ns/frame %.0f bytes %zu\n", ns, f.ct_length);
	free(out);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "vectors") == 0)
		return run_vectors();
	if (argc == 7 && strcmp(argv[1], "frame") == 0)
		return run_frame(argv + 2);
	if (argc == 8 && strcmp(argv[1], "--bench") == 0)
		return run_bench(argv + 2);
	if (argc == 3 && strcmp(argv[1], "sha256") == 0) {
		size_t n;
		uint8_t *m = hex(argv[2], &n), digest[32];
		int r = gcm_psa_sha256(m, n, digest);
		if (r == GCM_PSA_OK)
			print_hex(digest, 32);
		free(m);
		return r;
	}
	if (argc == 5 && strcmp(argv[1], "verify") == 0) {
		size_t pl, sl, ml;
		uint8_t *pub = hex(argv[2], &pl), *sig = hex(argv[3], &sl), *msg = hex(argv[4], &ml);
		if (pl != 65 || sl != 64) {
			fprintf(stderr, "public key must be 65 bytes, signature 64\n");
			return 2;
		}
		int r = gcm_psa_verify_p256(pub, msg, ml, sig);
		printf("verify %s\n", r == GCM_PSA_OK ? "valid" : r == GCM_PSA_AUTH_FAILED ? "invalid" : "error");
		free(pub), free(sig), free(msg);
		return 0;
	}
	fprintf(stderr, "usage: gcm_test vectors | frame KEY IV AAD CT TAG | sha256 HEX | verify PUB SIG MSG | --bench N KEY IV AAD CT TAG\n");
	return 2;
}
