/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libmip parser against malformed input: a table of mutations of the spec's
 * example messages, each with its exact enum mip_err and reply code; every
 * truncation of every example message; and a check that no view of a parse
 * ever points outside the parsed buffer. Each input is parsed from a heap
 * buffer of exactly its length, so an over-read shows under ASan/valgrind.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mip.h"

#define WMSG_MAX 2048

/* ---- the example, read without a JSON library: string values by key ---- */

static char *vec_text;
static struct mip_parse_cfg cfg;

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s;
	long n;

	cr_assert_not_null(f, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	cr_assert_gt(n, 0);
	s = calloc(1, (size_t)n + 1);
	cr_assert_not_null(s);
	cr_assert_eq(fread(s, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return s;
}

/*
 * The string value of "k2" inside the object "k1" (k2 NULL: of "k1" itself).
 * Enough for the flat example file, whose keys are unique within an object.
 */
static const char *vec_find(const char *k1, const char *k2, size_t *len)
{
	char key[64];
	const char *p, *q;

	snprintf(key, sizeof(key), "\"%s\"", k1);
	p = strstr(vec_text, key);
	cr_assert_not_null(p, "vector %s missing", k1);
	p += strlen(key);
	if (k2 != NULL) {
		snprintf(key, sizeof(key), "\"%s\"", k2);
		p = strstr(p, key);
		cr_assert_not_null(p, "vector %s.%s missing", k1, k2);
		p += strlen(key);
	}
	while (*p == ' ' || *p == ':' || *p == '\n' || *p == '\t')
		p++;
	cr_assert_eq(*p, '"', "vector %s is not a string", k1);
	q = strchr(++p, '"');
	cr_assert_not_null(q);
	*len = (size_t)(q - p);
	return p;
}

static uint32_t vec_u32(const char *k)
{
	char key[64];
	const char *p;

	snprintf(key, sizeof(key), "\"%s\"", k);
	p = strstr(vec_text, key);
	cr_assert_not_null(p, "input %s missing", k);
	p += strlen(key);
	while (*p == ' ' || *p == ':')
		p++;
	return (uint32_t)strtoul(p, NULL, 10);
}

static size_t vec_hex(const char *k1, const char *k2, uint8_t *out, size_t cap)
{
	char hex[2 * WMSG_MAX + 1];
	size_t n;
	const char *s = vec_find(k1, k2, &n);
	long r;

	cr_assert_lt(n, sizeof(hex));
	memcpy(hex, s, n);
	hex[n] = '\0';
	r = mip_hex_decode(hex, out, cap);
	cr_assert_gt(r, 0, "vector %s is not hex", k1);
	return (size_t)r;
}

static void setup(void)
{
	const char *dir = getenv("MIP_SHARED_DIR");
	char path[512];

	snprintf(path, sizeof(path), "%s/spec/vectors/dynkey-example.json",
		 dir != NULL ? dir : "/work/shared");
	vec_text = read_file(path);
	mip_parse_cfg_default(&cfg);
	cfg.vendor_id = vec_u32("vendor_id");
	cfg.dynkey_spi = vec_u32("dynkey_spi");
}

static void teardown(void)
{
	free(vec_text);
}

TestSuite(malformed, .init = setup, .fini = teardown, .timeout = 30);

/* ---- a message being edited ---- */

struct wmsg {
	uint8_t b[WMSG_MAX];
	size_t len;
};

static const struct {
	const char *k1, *k2;
} examples[] = {
	{ "initial_rrq", NULL }, { "initial_rrp", NULL }, { "rereg", "rrq" },
	{ "rereg", "rrp" },	 { "rekey", "rrq" },	  { "rekey", "rrp" },
};

static void load(struct wmsg *w, const char *k1, const char *k2)
{
	w->len = vec_hex(k1, k2, w->b, sizeof(w->b));
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static size_t hdr_len(const struct wmsg *w)
{
	return w->b[0] == MIP_TYPE_RRQ ? MIP_RRQ_HDR_LEN : MIP_RRP_HDR_LEN;
}

static bool long_form(uint8_t type)
{
	return type == MIP_EXT_GEN_AUTH || type == MIP_EXT_CVSE;
}

/* Whole size of the (well-formed) extension at off; the test's own walker. */
static size_t ext_size(const struct wmsg *w, size_t off)
{
	if (long_form(w->b[off]))
		return 4 + ((size_t)w->b[off + 2] << 8 | w->b[off + 3]);
	return 2 + (size_t)w->b[off + 1];
}

/* Offset of the first extension of type (and cvse-type, for 38); asserts it exists. */
static size_t ext_find(const struct wmsg *w, uint8_t type, uint16_t cvse_type)
{
	size_t off;

	for (off = hdr_len(w); off < w->len; off += ext_size(w, off)) {
		if (w->b[off] != type)
			continue;
		if (type == MIP_EXT_CVSE && ((w->b[off + 8] << 8) | w->b[off + 9]) != cvse_type)
			continue;
		return off;
	}
	cr_assert_fail("extension %u/%u not in the message", type, cvse_type);
	return 0;
}

static void insert(struct wmsg *w, size_t off, const void *p, size_t n)
{
	cr_assert_leq(w->len + n, sizeof(w->b));
	memmove(w->b + off + n, w->b + off, w->len - off);
	if (n != 0)
		memcpy(w->b + off, p, n);
	w->len += n;
}

static void delete(struct wmsg *w, size_t off, size_t n)
{
	memmove(w->b + off, w->b + off + n, w->len - off - n);
	w->len -= n;
}

static void append(struct wmsg *w, const void *p, size_t n)
{
	insert(w, w->len, p, n);
}

static void dup_ext(struct wmsg *w, size_t off)
{
	uint8_t copy[WMSG_MAX];
	size_t n = ext_size(w, off);

	memcpy(copy, w->b + off, n);
	insert(w, off + n, copy, n);
}

static void remove_ext(struct wmsg *w, size_t off)
{
	delete(w, off, ext_size(w, off));
}

static void move_to_end(struct wmsg *w, size_t off)
{
	uint8_t copy[WMSG_MAX];
	size_t n = ext_size(w, off);

	memcpy(copy, w->b + off, n);
	delete(w, off, n);
	append(w, copy, n);
}

/* Replaces the value of the CVSE at off with n bytes of v (fixing its length). */
static void set_cvse_value(struct wmsg *w, size_t off, const void *v, size_t n)
{
	size_t old = ext_size(w, off) - 10;

	delete(w, off + 10, old);
	insert(w, off + 10, v, n);
	w->b[off + 2] = (uint8_t)((6 + n) >> 8);
	w->b[off + 3] = (uint8_t)(6 + n);
}

/* Replaces the MHAE's authenticator with n bytes (fixing its length). */
static void set_mhae_auth_len(struct wmsg *w, size_t n)
{
	static const uint8_t zero[256];
	size_t off = ext_find(w, MIP_EXT_MHAE, 0);

	delete(w, off + 6, ext_size(w, off) - 6);
	insert(w, off + 6, zero, n);
	w->b[off + 1] = (uint8_t)(4 + n);
}

static void set_mhae_spi(struct wmsg *w, uint32_t spi)
{
	put_be32(w->b + ext_find(w, MIP_EXT_MHAE, 0) + 2, spi);
}

/* Puts an extension just before the MHAE (where the HA reads it). */
static void insert_before_mhae(struct wmsg *w, const void *p, size_t n)
{
	insert(w, ext_find(w, MIP_EXT_MHAE, 0), p, n);
}

static const uint8_t auth16[16] = { 0x5a };

/* MN-FA / FA-HA with a 16-byte authenticator, appended after the MHAE. */
static void append_short_auth(struct wmsg *w, uint8_t type)
{
	uint8_t e[22] = { type, 20, 0, 0, 0x20, 0x00 };

	memcpy(e + 6, auth16, 16);
	append(w, e, sizeof(e));
}

static void append_gen_auth(struct wmsg *w)
{
	uint8_t e[24] = { MIP_EXT_GEN_AUTH, 1, 0, 20, 0, 0, 0x30, 0x00 };

	memcpy(e + 8, auth16, 16);
	append(w, e, sizeof(e));
}

static uint8_t *keyspec(struct wmsg *w, uint16_t cvse_type)
{
	return w->b + ext_find(w, MIP_EXT_CVSE, cvse_type) + 10;
}

/* ---- the cases ---- */

#define IRRQ(w) load(w, "initial_rrq", NULL)
#define IRRP(w) load(w, "initial_rrp", NULL)
#define RRRQ(w) load(w, "rereg", "rrq")
#define RRRP(w) load(w, "rereg", "rrp")
#define KRRQ(w) load(w, "rekey", "rrq")
#define CASE(fn) static void fn(struct wmsg *w)

CASE(c_empty) { IRRQ(w); w->len = 0; }
CASE(c_one_byte) { IRRQ(w); w->len = 1; }
CASE(c_type_2) { IRRQ(w); w->b[0] = 2; }
CASE(c_type_0) { IRRQ(w); w->b[0] = 0; }
CASE(c_type_4) { IRRP(w); w->b[0] = 4; }
CASE(c_rrq_hdr_short) { IRRQ(w); w->len = MIP_RRQ_HDR_LEN - 1; }
CASE(c_rrp_hdr_short) { IRRP(w); w->len = MIP_RRP_HDR_LEN - 1; }
CASE(c_flag_r) { RRRQ(w); w->b[1] |= MIP_FLAG_r; }
CASE(c_flag_x) { RRRQ(w); w->b[1] |= MIP_FLAG_x; }
CASE(c_ext_type_only) { IRRQ(w); w->len = MIP_RRQ_HDR_LEN + 1; }
CASE(c_cvse_hdr_cut)
{
	IRRQ(w);
	w->len = ext_find(w, MIP_EXT_CVSE, MIP_CVSE_KEY_REQ_S) + 3;
}
CASE(c_nai_overrun) { RRRQ(w); w->b[ext_find(w, MIP_EXT_NAI, 0) + 1] = 0xff; }
CASE(c_cvse_overrun)
{
	size_t off;

	IRRQ(w);
	off = ext_find(w, MIP_EXT_CVSE, MIP_CVSE_AUTH_CHALLENGE);
	w->b[off + 2] = 0xff;
	w->b[off + 3] = 0xff;
}
CASE(c_mhae_overrun) { RRRQ(w); w->b[ext_find(w, MIP_EXT_MHAE, 0) + 1]++; }
CASE(c_last_byte_cut) { IRRQ(w); w->len--; }
CASE(c_unknown_127)
{
	static const uint8_t e[] = { 127, 2, 0, 0 };

	RRRQ(w);
	insert_before_mhae(w, e, sizeof(e));
}
CASE(c_unknown_0)
{
	static const uint8_t e[] = { 0, 0 };

	RRRQ(w);
	insert_before_mhae(w, e, sizeof(e));
}
CASE(c_unknown_35_after_mhae)
{
	static const uint8_t e[] = { 35, 1, 0 };

	RRRQ(w);
	append(w, e, sizeof(e));
}
CASE(c_dup_nai) { RRRQ(w); dup_ext(w, ext_find(w, MIP_EXT_NAI, 0)); }
CASE(c_dup_key_req_s) { IRRQ(w); dup_ext(w, ext_find(w, MIP_EXT_CVSE, MIP_CVSE_KEY_REQ_S)); }
CASE(c_dup_key_req_s2) { KRRQ(w); dup_ext(w, ext_find(w, MIP_EXT_CVSE, MIP_CVSE_KEY_REQ_S2)); }
CASE(c_dup_auth_protocol)
{
	IRRQ(w);
	dup_ext(w, ext_find(w, MIP_EXT_CVSE, MIP_CVSE_AUTH_PROTOCOL));
}
CASE(c_dup_auth_challenge)
{
	IRRQ(w);
	dup_ext(w, ext_find(w, MIP_EXT_CVSE, MIP_CVSE_AUTH_CHALLENGE));
}
CASE(c_dup_auth_response)
{
	IRRP(w);
	dup_ext(w, ext_find(w, MIP_EXT_CVSE, MIP_CVSE_AUTH_RESPONSE));
}
CASE(c_dup_mhae) { RRRQ(w); dup_ext(w, ext_find(w, MIP_EXT_MHAE, 0)); }
CASE(c_dup_mnfa)
{
	RRRQ(w);
	append_short_auth(w, MIP_EXT_MNFA);
	append_short_auth(w, MIP_EXT_MNFA);
}
CASE(c_dup_faha)
{
	RRRQ(w);
	append_short_auth(w, MIP_EXT_FAHA);
	append_short_auth(w, MIP_EXT_FAHA);
}
CASE(c_dup_gen_auth)
{
	RRRQ(w);
	append_gen_auth(w);
	append_gen_auth(w);
}
CASE(c_dup_fa_challenge)
{
	static const uint8_t e[] = { MIP_EXT_FA_CHALLENGE, 4, 1, 2, 3, 4 };

	RRRQ(w);
	append(w, e, sizeof(e));
	append(w, e, sizeof(e));
}
CASE(c_nai_empty)
{
	static const uint8_t e[] = { MIP_EXT_NAI, 0 };
	size_t off;

	RRRQ(w);
	off = ext_find(w, MIP_EXT_NAI, 0);
	remove_ext(w, off);
	insert(w, off, e, sizeof(e));
}
CASE(c_mhae_3)
{
	static const uint8_t e[] = { MIP_EXT_MHAE, 3, 0, 0, 0x10 };

	RRRQ(w);
	remove_ext(w, ext_find(w, MIP_EXT_MHAE, 0));
	append(w, e, sizeof(e));
}
CASE(c_mhae_spi_only) { RRRQ(w); set_mhae_auth_len(w, 0); }
CASE(c_mhae_spi_255) { RRRQ(w); set_mhae_spi(w, 255); }
CASE(c_mhae_spi_0) { RRRQ(w); set_mhae_spi(w, 0); }
CASE(c_dynkey_mhae_16) { IRRQ(w); set_mhae_auth_len(w, 16); }
CASE(c_mhae_24_not_dynkey) { RRRQ(w); set_mhae_auth_len(w, 24); }
CASE(c_mhae_15) { RRRQ(w); set_mhae_auth_len(w, 15); }
CASE(c_no_mhae) { RRRQ(w); remove_ext(w, ext_find(w, MIP_EXT_MHAE, 0)); }
CASE(c_no_mhae_fa_exts)
{
	RRRQ(w);
	remove_ext(w, ext_find(w, MIP_EXT_MHAE, 0));
	append_short_auth(w, MIP_EXT_MNFA);
	append_short_auth(w, MIP_EXT_FAHA);
}
CASE(c_nai_after_mhae) { RRRQ(w); move_to_end(w, ext_find(w, MIP_EXT_NAI, 0)); }
CASE(c_cvse_after_mhae)
{
	KRRQ(w);
	move_to_end(w, ext_find(w, MIP_EXT_CVSE, MIP_CVSE_KEY_REQ_S2));
}
CASE(c_nai_after_mnfa)
{
	RRRQ(w);
	append_short_auth(w, MIP_EXT_MNFA);
	move_to_end(w, ext_find(w, MIP_EXT_NAI, 0));
}
CASE(c_rrp_nai_after_mhae) { RRRP(w); move_to_end(w, ext_find(w, MIP_EXT_NAI, 0)); }
CASE(c_mnfa_short)
{
	static const uint8_t e[] = { MIP_EXT_MNFA, 2, 0, 0 };

	RRRQ(w);
	append(w, e, sizeof(e));
}
CASE(c_faha_spi_only)
{
	static const uint8_t e[] = { MIP_EXT_FAHA, 4, 0, 0, 0x10, 0 };

	RRRQ(w);
	append(w, e, sizeof(e));
}
CASE(c_gen_auth_short)
{
	static const uint8_t e[] = { MIP_EXT_GEN_AUTH, 1, 0, 3, 0, 0, 0x30 };

	RRRQ(w);
	append(w, e, sizeof(e));
}
CASE(c_cvse_short)
{
	static const uint8_t e[] = { MIP_EXT_CVSE, 0, 0, 5, 0, 0, 0x7e, 0xd9, 0 };

	RRRQ(w);
	insert_before_mhae(w, e, sizeof(e));
}
CASE(c_cvse_reserved)
{
	IRRQ(w);
	w->b[ext_find(w, MIP_EXT_CVSE, MIP_CVSE_AUTH_PROTOCOL) + 1] = 1;
}
CASE(c_cvse_vendor)
{
	IRRQ(w);
	w->b[ext_find(w, MIP_EXT_CVSE, MIP_CVSE_AUTH_PROTOCOL) + 7] ^= 1;
}
CASE(c_cvse_vendor_rrp)
{
	IRRP(w);
	w->b[ext_find(w, MIP_EXT_CVSE, MIP_CVSE_AUTH_RESPONSE) + 4] = 0x01;
}
CASE(c_cvse_type_8)
{
	IRRQ(w);
	w->b[ext_find(w, MIP_EXT_CVSE, MIP_CVSE_AUTH_PROTOCOL) + 9] = 8;
}
CASE(c_cvse_type_0)
{
	IRRQ(w);
	w->b[ext_find(w, MIP_EXT_CVSE, MIP_CVSE_AUTH_PROTOCOL) + 9] = 0;
}
CASE(c_cvse_type_high)
{
	IRRQ(w);
	w->b[ext_find(w, MIP_EXT_CVSE, MIP_CVSE_AUTH_PROTOCOL) + 8] = 1;
}
CASE(c_cvse_empty)
{
	IRRQ(w);
	set_cvse_value(w, ext_find(w, MIP_EXT_CVSE, MIP_CVSE_AUTH_CHALLENGE), NULL, 0);
}
CASE(c_challenge_15)
{
	size_t off;

	IRRQ(w);
	off = ext_find(w, MIP_EXT_CVSE, MIP_CVSE_AUTH_CHALLENGE);
	set_cvse_value(w, off, w->b + off + 10, 15);
}
CASE(c_challenge_17)
{
	uint8_t v[17] = { 0 };

	IRRQ(w);
	set_cvse_value(w, ext_find(w, MIP_EXT_CVSE, MIP_CVSE_AUTH_CHALLENGE), v, sizeof(v));
}
CASE(c_key_req_s_9)
{
	uint8_t v[9];
	size_t off;

	IRRQ(w);
	off = ext_find(w, MIP_EXT_CVSE, MIP_CVSE_KEY_REQ_S);
	memcpy(v, w->b + off + 10, 8);
	v[8] = 0;
	set_cvse_value(w, off, v, sizeof(v));
}
CASE(c_key_req_s2_7)
{
	size_t off;

	KRRQ(w);
	off = ext_find(w, MIP_EXT_CVSE, MIP_CVSE_KEY_REQ_S2);
	set_cvse_value(w, off, w->b + off + 10, 7);
}
CASE(c_auth_protocol_2_bytes)
{
	static const uint8_t v[] = { 1, 0 };

	IRRQ(w);
	set_cvse_value(w, ext_find(w, MIP_EXT_CVSE, MIP_CVSE_AUTH_PROTOCOL), v, sizeof(v));
}
CASE(c_domain_254)
{
	static const uint8_t pad[254];
	uint8_t e[10 + 254] = { MIP_EXT_CVSE, 0, (6 + 254) >> 8, (6 + 254) & 0xff };

	IRRQ(w);
	put_be32(e + 4, cfg.vendor_id);
	e[9] = MIP_CVSE_DOMAIN;
	memcpy(e + 10, pad, sizeof(pad));
	insert_before_mhae(w, e, sizeof(e));
}
CASE(c_key_continuation_3)
{
	uint8_t e[13] = { MIP_EXT_CVSE, 0, 0, 9 };

	RRRP(w);
	put_be32(e + 4, cfg.vendor_id);
	e[9] = MIP_CVSE_KEY_CONTINUATION;
	insert_before_mhae(w, e, sizeof(e));
}
CASE(c_auth_response_41)
{
	size_t off;

	IRRP(w);
	off = ext_find(w, MIP_EXT_CVSE, MIP_CVSE_AUTH_RESPONSE);
	set_cvse_value(w, off, w->b + off + 10, 41);
}
CASE(c_auth_response_lower)
{
	uint8_t *v;
	size_t i;

	IRRP(w);
	v = w->b + ext_find(w, MIP_EXT_CVSE, MIP_CVSE_AUTH_RESPONSE) + 10;
	for (i = 2; i < MIP_AUTH_RESPONSE_LEN; i++) {
		if (v[i] >= 'A' && v[i] <= 'F') {
			v[i] = (uint8_t)(v[i] - 'A' + 'a');
			break;
		}
	}
	cr_assert_lt(i, MIP_AUTH_RESPONSE_LEN, "example AUTH-RESPONSE has no letter");
}
CASE(c_auth_response_s_lower)
{
	IRRP(w);
	w->b[ext_find(w, MIP_EXT_CVSE, MIP_CVSE_AUTH_RESPONSE) + 10] = 's';
}
CASE(c_auth_response_not_hex)
{
	IRRP(w);
	w->b[ext_find(w, MIP_EXT_CVSE, MIP_CVSE_AUTH_RESPONSE) + 10 + 41] = 'G';
}
CASE(c_nvse_short)
{
	static const uint8_t e[] = { MIP_EXT_NVSE, 7, 0, 0, 0, 0, 0x7e, 0xd9, 0 };

	RRRQ(w);
	insert_before_mhae(w, e, sizeof(e));
}
CASE(c_nvse_short_after_mhae)
{
	static const uint8_t e[] = { MIP_EXT_NVSE, 0 };

	RRRQ(w);
	append(w, e, sizeof(e));
}
CASE(c_auth_protocol_2)
{
	IRRQ(w);
	w->b[ext_find(w, MIP_EXT_CVSE, MIP_CVSE_AUTH_PROTOCOL) + 10] = 2;
}
CASE(c_auth_protocol_0)
{
	IRRQ(w);
	w->b[ext_find(w, MIP_EXT_CVSE, MIP_CVSE_AUTH_PROTOCOL) + 10] = 0;
}
CASE(c_keyspec_spi_255) { IRRQ(w); put_be32(keyspec(w, MIP_CVSE_KEY_REQ_S), 255); }
CASE(c_keyspec_spi_0) { KRRQ(w); put_be32(keyspec(w, MIP_CVSE_KEY_REQ_S2), 0); }
CASE(c_keyspec_spi_dynkey) { IRRQ(w); put_be32(keyspec(w, MIP_CVSE_KEY_REQ_S2), cfg.dynkey_spi); }
CASE(c_keyspec_s_eq_s2)
{
	IRRQ(w);
	put_be32(keyspec(w, MIP_CVSE_KEY_REQ_S2), be32(keyspec(w, MIP_CVSE_KEY_REQ_S)));
}
CASE(c_keyspec_s_eq_s2_rrp)
{
	IRRP(w);
	put_be32(keyspec(w, MIP_CVSE_KEY_REQ_S), be32(keyspec(w, MIP_CVSE_KEY_REQ_S2)));
}
CASE(c_keyspec_alg_0) { IRRQ(w); keyspec(w, MIP_CVSE_KEY_REQ_S)[4] = 0; }
CASE(c_keyspec_alg_3) { IRRQ(w); keyspec(w, MIP_CVSE_KEY_REQ_S2)[4] = 3; }
CASE(c_keyspec_replay_0) { IRRQ(w); keyspec(w, MIP_CVSE_KEY_REQ_S)[5] = 0; }
CASE(c_keyspec_replay_2) { KRRQ(w); keyspec(w, MIP_CVSE_KEY_REQ_S2)[5] = 2; }
CASE(c_keyspec_reserved_6) { IRRQ(w); keyspec(w, MIP_CVSE_KEY_REQ_S)[6] = 1; }
CASE(c_keyspec_reserved_7) { IRRQ(w); keyspec(w, MIP_CVSE_KEY_REQ_S)[7] = 0x80; }
CASE(c_dynkey_no_nai) { IRRQ(w); remove_ext(w, ext_find(w, MIP_EXT_NAI, 0)); }
CASE(c_dynkey_no_key_req_s)
{
	IRRQ(w);
	remove_ext(w, ext_find(w, MIP_EXT_CVSE, MIP_CVSE_KEY_REQ_S));
}
CASE(c_dynkey_no_auth_protocol)
{
	IRRQ(w);
	remove_ext(w, ext_find(w, MIP_EXT_CVSE, MIP_CVSE_AUTH_PROTOCOL));
}
CASE(c_dynkey_no_auth_challenge)
{
	IRRQ(w);
	remove_ext(w, ext_find(w, MIP_EXT_CVSE, MIP_CVSE_AUTH_CHALLENGE));
}
CASE(c_rrp_mhae_spi_reserved) { RRRP(w); set_mhae_spi(w, 1); }
CASE(c_rrp_ext_overrun) { IRRP(w); w->b[ext_find(w, MIP_EXT_NAI, 0) + 1] = 0xfe; }
CASE(c_too_long)
{
	RRRQ(w);
	/* Only the length matters: the buffer is never read past the check. */
	w->len = 70000;
}

static const struct mcase {
	const char *name;
	void (*make)(struct wmsg *w);
	enum mip_err err;
	uint8_t code;
} cases[] = {
	{ "empty message", c_empty, MIP_E_TRUNCATED, 134 },
	{ "one byte", c_one_byte, MIP_E_TRUNCATED, 134 },
	{ "type 2", c_type_2, MIP_E_TYPE, 134 },
	{ "type 0", c_type_0, MIP_E_TYPE, 134 },
	{ "type 4", c_type_4, MIP_E_TYPE, 134 },
	{ "RRQ header 23 bytes", c_rrq_hdr_short, MIP_E_TRUNCATED, 134 },
	{ "RRP header 19 bytes", c_rrp_hdr_short, MIP_E_TRUNCATED, 134 },
	{ "flag r", c_flag_r, MIP_E_RESERVED_FLAGS, 134 },
	{ "flag x", c_flag_x, MIP_E_RESERVED_FLAGS, 134 },
	{ "extension type byte only", c_ext_type_only, MIP_E_EXT_TRUNCATED, 134 },
	{ "CVSE header cut at 3 bytes", c_cvse_hdr_cut, MIP_E_EXT_TRUNCATED, 134 },
	{ "NAI length 255 overruns", c_nai_overrun, MIP_E_EXT_OVERRUN, 134 },
	{ "CVSE length 0xffff overruns", c_cvse_overrun, MIP_E_EXT_OVERRUN, 134 },
	{ "MHAE length one too long", c_mhae_overrun, MIP_E_EXT_OVERRUN, 134 },
	{ "last byte cut", c_last_byte_cut, MIP_E_EXT_OVERRUN, 134 },
	{ "unknown type 127", c_unknown_127, MIP_E_EXT_UNKNOWN, 134 },
	{ "unknown type 0", c_unknown_0, MIP_E_EXT_UNKNOWN, 134 },
	{ "unknown type 35 after MHAE", c_unknown_35_after_mhae, MIP_E_EXT_UNKNOWN, 134 },
	{ "duplicate NAI", c_dup_nai, MIP_E_EXT_DUPLICATE, 134 },
	{ "duplicate KEY-REQ-S", c_dup_key_req_s, MIP_E_EXT_DUPLICATE, 134 },
	{ "duplicate KEY-REQ-S2", c_dup_key_req_s2, MIP_E_EXT_DUPLICATE, 134 },
	{ "duplicate AUTH-PROTOCOL", c_dup_auth_protocol, MIP_E_EXT_DUPLICATE, 134 },
	{ "duplicate AUTH-CHALLENGE", c_dup_auth_challenge, MIP_E_EXT_DUPLICATE, 134 },
	{ "duplicate AUTH-RESPONSE", c_dup_auth_response, MIP_E_EXT_DUPLICATE, 134 },
	{ "duplicate MHAE", c_dup_mhae, MIP_E_EXT_DUPLICATE, 134 },
	{ "duplicate MN-FA", c_dup_mnfa, MIP_E_EXT_DUPLICATE, 134 },
	{ "duplicate FA-HA", c_dup_faha, MIP_E_EXT_DUPLICATE, 134 },
	{ "duplicate generalized auth", c_dup_gen_auth, MIP_E_EXT_DUPLICATE, 134 },
	{ "duplicate FA challenge", c_dup_fa_challenge, MIP_E_EXT_DUPLICATE, 134 },
	{ "zero-length NAI", c_nai_empty, MIP_E_NAI_EMPTY, 134 },
	{ "MHAE of 3 bytes", c_mhae_3, MIP_E_AUTH_SHORT, 134 },
	{ "MHAE with SPI only", c_mhae_spi_only, MIP_E_AUTH_EMPTY, 134 },
	{ "MHAE SPI 255", c_mhae_spi_255, MIP_E_SPI_RESERVED, 134 },
	{ "MHAE SPI 0", c_mhae_spi_0, MIP_E_SPI_RESERVED, 134 },
	{ "DYNKEY_SPI MHAE with 16 bytes", c_dynkey_mhae_16, MIP_E_AUTH_LEN, 134 },
	{ "SPI2 MHAE with 24 bytes", c_mhae_24_not_dynkey, MIP_E_AUTH_LEN, 134 },
	{ "SPI2 MHAE with 15 bytes", c_mhae_15, MIP_E_AUTH_LEN, 134 },
	{ "RRQ without MHAE", c_no_mhae, MIP_E_NO_MHAE, 134 },
	{ "RRQ with MN-FA, FA-HA, no MHAE", c_no_mhae_fa_exts, MIP_E_NO_MHAE, 134 },
	{ "NAI after MHAE", c_nai_after_mhae, MIP_E_AFTER_MHAE, 134 },
	{ "KEY-REQ-S2 after MHAE", c_cvse_after_mhae, MIP_E_AFTER_MHAE, 134 },
	{ "NAI after MHAE and MN-FA", c_nai_after_mnfa, MIP_E_AFTER_MHAE, 134 },
	{ "RRP: NAI after MHAE", c_rrp_nai_after_mhae, MIP_E_AFTER_MHAE, 134 },
	{ "MN-FA of 2 bytes", c_mnfa_short, MIP_E_AUTH_SHORT, 134 },
	{ "FA-HA with SPI only", c_faha_spi_only, MIP_E_AUTH_EMPTY, 134 },
	{ "generalized auth of 3 bytes", c_gen_auth_short, MIP_E_GEN_AUTH_SHORT, 134 },
	{ "CVSE of 5 bytes", c_cvse_short, MIP_E_CVSE_SHORT, 134 },
	{ "CVSE reserved byte 1", c_cvse_reserved, MIP_E_CVSE_RESERVED, 134 },
	{ "CVSE other vendor", c_cvse_vendor, MIP_E_CVSE_VENDOR, 140 },
	{ "RRP: CVSE other vendor", c_cvse_vendor_rrp, MIP_E_CVSE_VENDOR, 140 },
	{ "CVSE type 8", c_cvse_type_8, MIP_E_CVSE_TYPE, 140 },
	{ "CVSE type 0", c_cvse_type_0, MIP_E_CVSE_TYPE, 140 },
	{ "CVSE type 0x0101", c_cvse_type_high, MIP_E_CVSE_TYPE, 140 },
	{ "AUTH-CHALLENGE with no value", c_cvse_empty, MIP_E_CVSE_EMPTY, 134 },
	{ "AUTH-CHALLENGE 15 bytes", c_challenge_15, MIP_E_CVSE_LEN, 134 },
	{ "AUTH-CHALLENGE 17 bytes", c_challenge_17, MIP_E_CVSE_LEN, 134 },
	{ "KEY-REQ-S 9 bytes", c_key_req_s_9, MIP_E_CVSE_LEN, 134 },
	{ "KEY-REQ-S2 7 bytes", c_key_req_s2_7, MIP_E_CVSE_LEN, 134 },
	{ "AUTH-PROTOCOL 2 bytes", c_auth_protocol_2_bytes, MIP_E_CVSE_LEN, 134 },
	{ "DOMAIN 254 bytes", c_domain_254, MIP_E_CVSE_LEN, 134 },
	{ "KEY-CONTINUATION 3 bytes", c_key_continuation_3, MIP_E_CVSE_LEN, 134 },
	{ "AUTH-RESPONSE 41 bytes", c_auth_response_41, MIP_E_CVSE_LEN, 134 },
	{ "AUTH-RESPONSE lower-case hex", c_auth_response_lower, MIP_E_AUTH_RESPONSE, 134 },
	{ "AUTH-RESPONSE s=", c_auth_response_s_lower, MIP_E_AUTH_RESPONSE, 134 },
	{ "AUTH-RESPONSE non-hex digit", c_auth_response_not_hex, MIP_E_AUTH_RESPONSE, 134 },
	{ "NVSE of 7 bytes", c_nvse_short, MIP_E_NVSE_SHORT, 134 },
	{ "empty NVSE after MHAE", c_nvse_short_after_mhae, MIP_E_NVSE_SHORT, 134 },
	{ "AUTH-PROTOCOL 2", c_auth_protocol_2, MIP_E_AUTH_PROTOCOL, 134 },
	{ "AUTH-PROTOCOL 0", c_auth_protocol_0, MIP_E_AUTH_PROTOCOL, 134 },
	{ "key spec SPI 255", c_keyspec_spi_255, MIP_E_KEYSPEC_SPI, 134 },
	{ "key spec SPI 0", c_keyspec_spi_0, MIP_E_KEYSPEC_SPI, 134 },
	{ "key spec SPI = DYNKEY_SPI", c_keyspec_spi_dynkey, MIP_E_KEYSPEC_SPI, 134 },
	{ "SPI1 = SPI2", c_keyspec_s_eq_s2, MIP_E_KEYSPEC_SPI, 134 },
	{ "RRP: SPI1 = SPI2", c_keyspec_s_eq_s2_rrp, MIP_E_KEYSPEC_SPI, 134 },
	{ "key spec algorithm 0", c_keyspec_alg_0, MIP_E_KEYSPEC_ALG, 134 },
	{ "key spec algorithm 3", c_keyspec_alg_3, MIP_E_KEYSPEC_ALG, 134 },
	{ "key spec replay 0", c_keyspec_replay_0, MIP_E_KEYSPEC_REPLAY, 134 },
	{ "key spec replay 2", c_keyspec_replay_2, MIP_E_KEYSPEC_REPLAY, 134 },
	{ "key spec reserved[0]", c_keyspec_reserved_6, MIP_E_KEYSPEC_RESERVED, 134 },
	{ "key spec reserved[1]", c_keyspec_reserved_7, MIP_E_KEYSPEC_RESERVED, 134 },
	{ "dynamic-key RRQ without NAI", c_dynkey_no_nai, MIP_E_DYNKEY_INCOMPLETE, 134 },
	{ "dynamic-key RRQ without KEY-REQ-S", c_dynkey_no_key_req_s, MIP_E_DYNKEY_INCOMPLETE,
	  134 },
	/* without AUTH-PROTOCOL, a conventional MHAE: 16 bytes (spec section 3) */
	{ "DYNKEY_SPI RRQ without AUTH-PROTOCOL, 24 bytes", c_dynkey_no_auth_protocol,
	  MIP_E_AUTH_LEN, 134 },
	{ "dynamic-key RRQ without AUTH-CHALLENGE", c_dynkey_no_auth_challenge,
	  MIP_E_DYNKEY_INCOMPLETE, 134 },
	{ "RRP: MHAE SPI 1", c_rrp_mhae_spi_reserved, MIP_E_SPI_RESERVED, 134 },
	{ "RRP: NAI overrun", c_rrp_ext_overrun, MIP_E_EXT_OVERRUN, 134 },
	{ "longer than 65535", c_too_long, MIP_E_TOO_LONG, 134 },
};

#define N_CASES (sizeof(cases) / sizeof(cases[0]))

/* Every non-NULL view of m lies inside [buf, buf + len). */
static void assert_views_inside(const struct mip_msg *m, const uint8_t *buf, size_t len,
				const char *what)
{
	const struct {
		const uint8_t *p;
		size_t n;
		const char *name;
	} v[] = {
		{ m->nai.p, m->nai.len, "nai" },
		{ m->domain.p, m->domain.len, "domain" },
		{ m->auth_challenge, m->auth_challenge ? MIP_AUTH_CHALLENGE_LEN : 0,
		  "auth_challenge" },
		{ m->auth_response, m->auth_response ? MIP_AUTH_RESPONSE_LEN : 0,
		  "auth_response" },
		{ m->mhae.auth.p, m->mhae.auth.len, "mhae" },
		{ m->mnfa.auth.p, m->mnfa.auth.len, "mnfa" },
		{ m->faha.auth.p, m->faha.auth.len, "faha" },
		{ m->gen_auth.auth.p, m->gen_auth.auth.len, "gen_auth" },
		{ m->fa_challenge.p, m->fa_challenge.len, "fa_challenge" },
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		if (v[i].p == NULL) {
			cr_expect_eq(v[i].n, 0, "%s: %s has a length and no bytes", what,
				     v[i].name);
			continue;
		}
		cr_expect(v[i].p >= buf && v[i].p + v[i].n <= buf + len,
			  "%s: view %s points outside the buffer", what, v[i].name);
	}
	cr_expect_leq(m->mhae.protected_len, len, "%s", what);
	cr_expect_leq(m->mnfa.protected_len, len, "%s", what);
	cr_expect_leq(m->faha.protected_len, len, "%s", what);
	cr_expect_leq(m->gen_auth.protected_len, len, "%s", what);
	cr_expect_leq(m->ext_end_mhae, len, "%s", what);
}

/* Parses a copy in a heap buffer of exactly len bytes (so over-reads are caught). */
static enum mip_err parse_exact(const uint8_t *p, size_t len, struct mip_msg *m, const char *what)
{
	uint8_t *copy = malloc(len ? len : 1);
	enum mip_err err;

	cr_assert_not_null(copy);
	memcpy(copy, p, len);
	err = mip_parse(len ? copy : NULL, len, &cfg, m);
	assert_views_inside(m, copy, len, what);
	/* The parser reads only: the message is intact whatever the verdict. */
	cr_expect(len == 0 || memcmp(copy, p, len) == 0, "%s: parse changed the buffer", what);
	free(copy);
	return err;
}

Test(malformed, table)
{
	static struct wmsg w;
	struct mip_msg m;
	size_t i;

	cr_assert_geq(N_CASES, 40);
	for (i = 0; i < N_CASES; i++) {
		enum mip_err err;

		memset(&w, 0, sizeof(w));
		cases[i].make(&w);
		if (cases[i].make == c_too_long) {
			/* Never read: mip_parse refuses on the length alone. */
			err = mip_parse(w.b, w.len, &cfg, &m);
		} else {
			err = parse_exact(w.b, w.len, &m, cases[i].name);
		}
		cr_expect_eq(err, cases[i].err, "%s: got %s, want %s", cases[i].name,
			     mip_err_name(err), mip_err_name(cases[i].err));
		cr_expect_eq(mip_err_code(err), cases[i].code, "%s: reply code %u, want %u",
			     cases[i].name, mip_err_code(err), cases[i].code);
	}
}

/* The same edits, undone, give back a message that parses: the table tests what it says. */
Test(malformed, controls_parse)
{
	static const uint8_t skip[] = { 200, 3, 1, 2, 3 }, skip0[] = { 255, 0 };
	static const uint8_t nvse[] = { MIP_EXT_NVSE, 8, 0, 0, 0, 0, 0x7e, 0xd9, 0, 1 };
	static const uint8_t fach[] = { MIP_EXT_FA_CHALLENGE, 4, 1, 2, 3, 4 };
	static struct wmsg w;
	struct mip_msg m;
	size_t i;

	for (i = 0; i < sizeof(examples) / sizeof(examples[0]); i++) {
		load(&w, examples[i].k1, examples[i].k2);
		cr_expect_eq(parse_exact(w.b, w.len, &m, examples[i].k1), MIP_OK, "%s",
			     examples[i].k1);
	}
	/* Skippable extensions before and after the MHAE, and every FA extension. */
	RRRQ(&w);
	insert_before_mhae(&w, skip, sizeof(skip));
	insert_before_mhae(&w, skip0, sizeof(skip0));
	insert_before_mhae(&w, nvse, sizeof(nvse));
	append(&w, skip, sizeof(skip));
	append(&w, nvse, sizeof(nvse));
	append(&w, fach, sizeof(fach));
	append_short_auth(&w, MIP_EXT_MNFA);
	append_gen_auth(&w);
	append_short_auth(&w, MIP_EXT_FAHA);
	cr_expect_eq(parse_exact(w.b, w.len, &m, "skippable"), MIP_OK);
	cr_expect_eq(m.present, MIP_HAS_NAI | MIP_HAS_MHAE | MIP_HAS_FA_CHALLENGE | MIP_HAS_MNFA |
					MIP_HAS_GEN_AUTH | MIP_HAS_FAHA);
	/* The largest DOMAIN, and keyed-MD5 in a key spec. */
	IRRQ(&w);
	{
		uint8_t e[10 + MIP_DOMAIN_MAX] = { MIP_EXT_CVSE, 0, (6 + MIP_DOMAIN_MAX) >> 8,
						   (6 + MIP_DOMAIN_MAX) & 0xff };

		put_be32(e + 4, cfg.vendor_id);
		e[9] = MIP_CVSE_DOMAIN;
		memset(e + 10, 'D', MIP_DOMAIN_MAX);
		insert_before_mhae(&w, e, sizeof(e));
	}
	keyspec(&w, MIP_CVSE_KEY_REQ_S)[4] = MIP_ALG_KEYED_MD5;
	cr_expect_eq(parse_exact(w.b, w.len, &m, "domain"), MIP_OK);
	cr_expect_eq(m.domain.len, MIP_DOMAIN_MAX);
	cr_expect_eq(m.key_s.alg, MIP_ALG_KEYED_MD5);
	/* An RRQ under DYNKEY_SPI without KEY-REQ-S2 is the single-key variant: fine. */
	IRRQ(&w);
	remove_ext(&w, ext_find(&w, MIP_EXT_CVSE, MIP_CVSE_KEY_REQ_S2));
	cr_expect_eq(parse_exact(w.b, w.len, &m, "single key"), MIP_OK);
	/* A denial carries no MHAE. */
	RRRP(&w);
	remove_ext(&w, ext_find(&w, MIP_EXT_MHAE, 0));
	w.b[1] = MIP_CODE_MN_FAILED_AUTH;
	cr_expect_eq(parse_exact(w.b, w.len, &m, "denial"), MIP_OK);
}

/*
 * Every proper prefix of every example message: an RRQ prefix never parses
 * (its MHAE is last); an RRP prefix parses only when it ends exactly on an
 * extension boundary before the MHAE (a reply without an MHAE is a denial's
 * shape). Expected errors are computed from the test's own walk of the
 * extensions.
 */
Test(malformed, every_truncation)
{
	static struct wmsg w;
	struct mip_msg m;
	size_t i, cut;

	for (i = 0; i < sizeof(examples) / sizeof(examples[0]); i++) {
		size_t hdr, ext_start, off;
		char what[96];

		load(&w, examples[i].k1, examples[i].k2);
		hdr = hdr_len(&w);
		for (cut = 0; cut < w.len; cut++) {
			enum mip_err want, got;

			snprintf(what, sizeof(what), "%s%s%s cut at %zu", examples[i].k1,
				 examples[i].k2 ? "." : "", examples[i].k2 ? examples[i].k2 : "",
				 cut);
			/* Which extension does the cut fall in? */
			ext_start = hdr;
			for (off = hdr; off < cut; off += ext_size(&w, off))
				ext_start = off;
			if (cut == 0 || cut < hdr) {
				want = MIP_E_TRUNCATED;
			} else if (off == cut) {
				/* On a boundary: the message is whole up to here. */
				want = w.b[0] == MIP_TYPE_RRQ ? MIP_E_NO_MHAE : MIP_OK;
			} else if (cut - ext_start < (long_form(w.b[ext_start]) ? 4u : 2u)) {
				want = MIP_E_EXT_TRUNCATED;
			} else {
				want = MIP_E_EXT_OVERRUN;
			}
			got = parse_exact(w.b, cut, &m, what);
			cr_expect_eq(got, want, "%s: got %s, want %s", what, mip_err_name(got),
				     mip_err_name(want));
			if (w.b[0] == MIP_TYPE_RRQ)
				cr_expect_neq(got, MIP_OK, "%s parsed", what);
		}
	}
}

/* Flipping every bit of every example never crashes and never leaves a view outside. */
Test(malformed, every_bit_flip)
{
	static struct wmsg w;
	struct mip_msg m;
	size_t i, byte;
	int bit, ok = 0, bad = 0;

	for (i = 0; i < sizeof(examples) / sizeof(examples[0]); i++) {
		load(&w, examples[i].k1, examples[i].k2);
		for (byte = 0; byte < w.len; byte++) {
			for (bit = 0; bit < 8; bit++) {
				enum mip_err err;

				w.b[byte] ^= (uint8_t)(1u << bit);
				err = parse_exact(w.b, w.len, &m, examples[i].k1);
				w.b[byte] ^= (uint8_t)(1u << bit);
				cr_expect_lt((unsigned)err, MIP_E__COUNT);
				if (err == MIP_OK)
					ok++;
				else
					bad++;
			}
		}
	}
	/* Header fields and authenticator bits flip harmlessly; lengths do not. */
	cr_expect_gt(ok, 0);
	cr_expect_gt(bad, 0);
}

/* xorshift64: a fixed sequence, so a failure reproduces. */
static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * Bounded random mutation (overwrite a byte, set a length byte to an
 * extreme, insert or delete bytes) of every example: never a crash, never an
 * error outside the enum, never a view outside the buffer.
 */
Test(malformed, random_mutations)
{
	static struct wmsg w;
	struct mip_msg m;
	uint64_t seed = 0x6d69706861ull;
	int round, ok = 0;

	for (round = 0; round < 6000; round++) {
		size_t ex = (size_t)(rng_next(&seed) % (sizeof(examples) / sizeof(examples[0])));
		int edits = 1 + (int)(rng_next(&seed) % 4), k;
		enum mip_err err;

		load(&w, examples[ex].k1, examples[ex].k2);
		for (k = 0; k < edits && w.len > 0; k++) {
			uint64_t r = rng_next(&seed);
			size_t at = (size_t)(r >> 8) % w.len;
			uint8_t byte = (uint8_t)(r >> 40);

			switch (r % 5) {
			case 0:
				w.b[at] = byte;
				break;
			case 1:
				w.b[at] = (r & 0x100) ? 0xff : 0;
				break;
			case 2:
				insert(&w, at, &byte, 1);
				break;
			case 3:
				delete(&w, at, 1);
				break;
			default:
				w.len = at;
				break;
			}
		}
		err = parse_exact(w.b, w.len, &m, "random");
		cr_assert_lt((unsigned)err, MIP_E__COUNT);
		ok += err == MIP_OK;
	}
	cr_expect_lt(ok, 6000);
}
