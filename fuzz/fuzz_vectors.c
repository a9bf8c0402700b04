/* SPDX-License-Identifier: BSD-3-Clause */
#include "fuzz_vectors.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef MIP_SHARED_DIR_DEFAULT
#define MIP_SHARED_DIR_DEFAULT "/work/shared"
#endif

static json_t *root;

static void die(const char *what, const char *k1, const char *k2)
{
	fprintf(stderr, "fuzz vectors: %s: %s%s%s\n", what, k1, k2 != NULL ? "." : "",
		k2 != NULL ? k2 : "");
	abort();
}

void fv_load(void)
{
	const char *dir = getenv("MIP_SHARED_DIR");
	char path[1024];
	json_error_t jerr;

	if (root != NULL)
		return;
	if (dir == NULL || dir[0] == '\0')
		dir = MIP_SHARED_DIR_DEFAULT;
	snprintf(path, sizeof(path), "%s/spec/vectors/dynkey-example.json", dir);
	root = json_load_file(path, 0, &jerr);
	if (root == NULL)
		die(jerr.text, path, NULL);
}

static json_t *get(const char *k1, const char *k2)
{
	json_t *v;

	fv_load();
	v = json_object_get(root, k1);
	if (v != NULL && k2 != NULL)
		v = json_object_get(v, k2);
	if (v == NULL)
		die("missing", k1, k2);
	return v;
}

const char *fv_str(const char *k1, const char *k2)
{
	json_t *v = get(k1, k2);

	if (!json_is_string(v))
		die("not a string", k1, k2);
	return json_string_value(v);
}

uint32_t fv_u32(const char *k1, const char *k2)
{
	json_t *v = get(k1, k2);

	if (!json_is_integer(v))
		die("not an integer", k1, k2);
	return (uint32_t)json_integer_value(v);
}

size_t fv_hex(const char *k1, const char *k2, uint8_t *out, size_t cap)
{
	long n = mip_hex_decode(fv_str(k1, k2), out, cap);

	if (n <= 0)
		die("not hex", k1, k2);
	return (size_t)n;
}

void fv_key(const char *k1, const char *k2, struct mip_key *key)
{
	if (fv_hex(k1, k2, key->b, sizeof(key->b)) != sizeof(key->b))
		die("not a 16-byte key", k1, k2);
}

void fv_parse_cfg(struct mip_parse_cfg *cfg)
{
	mip_parse_cfg_default(cfg);
	cfg->vendor_id = fv_u32("inputs", "vendor_id");
	cfg->dynkey_spi = fv_u32("inputs", "dynkey_spi");
}

uint8_t *fv_dup(const uint8_t *p, size_t n)
{
	/* malloc(0) may return NULL: keep one byte but hand back an exact-size view. */
	uint8_t *b = malloc(n != 0 ? n : 1);

	if (b == NULL)
		abort();
	if (n != 0)
		memcpy(b, p, n);
	return b;
}
