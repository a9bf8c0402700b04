/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers of the dynamic-key core tests: the spec vectors (read at test
 * time), RRQ builders, fake AAA results and a secret-free hook. Header-only
 * (static), one copy per test executable.
 */
#ifndef DK_TEST_H
#define DK_TEST_H

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "aaa_client.h"
#include "dynkey.h"
#include "mip.h"

#define DK_MSG_MAX 1024

/* ---- vectors ---- */

static json_t *dk_vec;

static inline void dk_load_vectors(void)
{
	const char *dir = getenv("MIP_SHARED_DIR");
	char path[1024];
	json_error_t jerr;

	if (dir == NULL || dir[0] == '\0')
		dir = "/work/shared";
	snprintf(path, sizeof(path), "%s/spec/vectors/dynkey-example.json", dir);
	dk_vec = json_load_file(path, 0, &jerr);
	cr_assert_not_null(dk_vec, "%s: line %d: %s", path, jerr.line, jerr.text);
}

static inline void dk_free_vectors(void)
{
	json_decref(dk_vec);
	dk_vec = NULL;
}

static inline const char *vstr(const char *sub, const char *key)
{
	json_t *o = sub != NULL ? json_object_get(dk_vec, sub) : dk_vec;
	json_t *v = json_object_get(o, key);

	cr_assert(json_is_string(v), "no string %s.%s", sub ? sub : "", key);
	return json_string_value(v);
}

static inline long long vint(const char *sub, const char *key)
{
	json_t *v = json_object_get(json_object_get(dk_vec, sub), key);

	cr_assert(json_is_integer(v), "no integer %s.%s", sub, key);
	return json_integer_value(v);
}

/* Hex of sub.key into out; returns its length. */
static inline size_t vhex(const char *sub, const char *key, uint8_t *out, size_t cap)
{
	long n = mip_hex_decode(vstr(sub, key), out, cap);

	cr_assert_gt(n, 0, "%s.%s does not decode", sub ? sub : "", key);
	return (size_t)n;
}

static inline void vkey(const char *sub, const char *key, struct mip_key *k)
{
	cr_assert_eq(mip_key_from_hex(vstr(sub, key), k), 0, "%s", key);
}

static inline uint32_t vip(const char *sub, const char *key)
{
	uint32_t a;

	cr_assert_eq(mip_parse_ipv4(vstr(sub, key), &a), 0, "%s", key);
	return a;
}

static inline uint64_t vident(const char *sub, const char *key)
{
	uint64_t id;

	cr_assert_eq(mip_ident_from_hex(vstr(sub, key), &id), 0, "%s", key);
	return id;
}

static inline uint32_t ip(const char *s)
{
	uint32_t a;

	cr_assert_eq(mip_parse_ipv4(s, &a), 0, "%s", s);
	return a;
}

/* ---- messages ---- */

struct dk_rrq {
	uint8_t buf[DK_MSG_MAX];
	size_t len;
	struct mip_msg m;
};

static inline void dk_parse_cfg(struct mip_parse_cfg *pc)
{
	mip_parse_cfg_default(pc);
	if (dk_vec != NULL) {
		pc->vendor_id = (uint32_t)vint("inputs", "vendor_id");
		pc->dynkey_spi = (uint32_t)vint("inputs", "dynkey_spi");
	}
}

static inline void dk_parse(struct dk_rrq *q)
{
	struct mip_parse_cfg pc;
	enum mip_err e;

	dk_parse_cfg(&pc);
	e = mip_parse(q->buf, q->len, &pc, &q->m);
	cr_assert_eq(e, MIP_OK, "RRQ does not parse: %s", mip_err_name(e));
}

/* A vector message (hex) parsed. */
static inline void dk_rrq_from_vec(struct dk_rrq *q, const char *sub, const char *key)
{
	q->len = vhex(sub, key, q->buf, sizeof(q->buf));
	dk_parse(q);
}

/* What an initial RRQ asks for. */
struct dk_init_spec {
	const char *nai;
	uint32_t home, coa;
	uint64_t ident;
	uint16_t lifetime;
	uint8_t flags;
	uint32_t spi1, spi2;	/* spi2 0: single key */
	uint8_t alg1, alg2;
	const char *domain;
};

static inline void dk_init_defaults(struct dk_init_spec *s, const char *nai, uint64_t ident)
{
	memset(s, 0, sizeof(*s));
	s->nai = nai;
	s->coa = ip("192.0.2.77");
	s->ident = ident;
	s->lifetime = 1800;
	s->spi1 = 4097;
	s->spi2 = 4098;
	s->alg1 = MIP_ALG_HMAC_MD5;
	s->alg2 = MIP_ALG_HMAC_MD5;
}

/* Spec section 4 step 3-5: signed with the vector's password. */
static inline void dk_build_initial(struct dk_rrq *q, const struct dk_init_spec *s)
{
	struct mip_parse_cfg pc;
	struct mip_builder b;
	struct mip_keyspec ks = { s->spi1, s->alg1, MIP_REPLAY_TIMESTAMPS };
	struct mip_keyspec ks2 = { s->spi2, s->alg2, MIP_REPLAY_TIMESTAMPS };
	uint8_t proto = MIP_AUTH_PROTOCOL_MSCHAPV2, chal[16], pc_out[16];
	struct mip_key nt;

	dk_parse_cfg(&pc);
	for (int i = 0; i < 16; i++)
		chal[i] = (uint8_t)(s->ident * 7 + i);
	mip_builder_init(&b, q->buf, sizeof(q->buf));
	mip_put_rrq_hdr(&b, s->flags, s->lifetime, s->home, ip("10.1.0.1"), s->coa, s->ident);
	mip_put_nai(&b, s->nai, strlen(s->nai));
	mip_put_keyspec(&b, pc.vendor_id, MIP_CVSE_KEY_REQ_S, &ks);
	if (s->spi2 != 0)
		mip_put_keyspec(&b, pc.vendor_id, MIP_CVSE_KEY_REQ_S2, &ks2);
	mip_put_cvse(&b, pc.vendor_id, MIP_CVSE_AUTH_PROTOCOL, &proto, 1);
	if (s->domain != NULL)
		mip_put_cvse(&b, pc.vendor_id, MIP_CVSE_DOMAIN, s->domain, strlen(s->domain));
	mip_put_cvse(&b, pc.vendor_id, MIP_CVSE_AUTH_CHALLENGE, chal, sizeof(chal));
	cr_assert_neq(mip_put_auth(&b, MIP_EXT_MHAE, pc.dynkey_spi, MIP_NT_RESPONSE_LEN), 0u);
	cr_assert_eq(b.err, 0);
	q->len = b.len;
	dk_parse(q);
	cr_assert_eq(mip_nt_password_hash("clientPass", 10, &nt), 0);
	mip_sign_initial_rrq(q->buf, &q->m, s->nai, strlen(s->nai), &nt, pc_out);
	mip_wipe(&nt, sizeof(nt));
	dk_parse(q);
}

/* What a later RRQ (rekey, re-registration, deregistration) carries. */
struct dk_later_spec {
	const char *nai;
	uint32_t home, coa;
	uint64_t ident;
	uint16_t lifetime;
	uint32_t ks2_spi;	/* KEY-REQ-S2 when not 0 (rekey) */
	uint8_t ks2_alg;
	uint32_t spi;		/* MHAE */
	uint8_t alg;
	const struct mip_key *key;
};

static inline void dk_build_later(struct dk_rrq *q, const struct dk_later_spec *s)
{
	struct mip_parse_cfg pc;
	struct mip_builder b;
	struct mip_keyspec ks2 = { s->ks2_spi, s->ks2_alg, MIP_REPLAY_TIMESTAMPS };
	size_t off;

	dk_parse_cfg(&pc);
	mip_builder_init(&b, q->buf, sizeof(q->buf));
	mip_put_rrq_hdr(&b, 0, s->lifetime, s->home, ip("10.1.0.1"), s->coa, s->ident);
	mip_put_nai(&b, s->nai, strlen(s->nai));
	if (s->ks2_spi != 0)
		mip_put_keyspec(&b, pc.vendor_id, MIP_CVSE_KEY_REQ_S2, &ks2);
	off = mip_put_auth(&b, MIP_EXT_MHAE, s->spi, MIP_MD5_AUTH_LEN);
	cr_assert(b.err == 0 && off != 0);
	cr_assert_eq(mip_auth_sign(q->buf, off, (enum mip_alg)s->alg, s->key), 0);
	q->len = b.len;
	dk_parse(q);
}

/* An RRP from out, parsed. */
static inline void dk_parse_rrp(const struct mipha_dk_out *out, struct mip_msg *m)
{
	struct mip_parse_cfg pc;
	enum mip_err e;

	dk_parse_cfg(&pc);
	cr_assert_gt(out->rrp_len, 0);
	e = mip_parse(out->rrp, out->rrp_len, &pc, m);
	cr_assert_eq(e, MIP_OK, "RRP does not parse: %s", mip_err_name(e));
	cr_assert_eq(m->type, MIP_TYPE_RRP);
}

/* ---- fake AAA results ---- */

#define DK_AUTH_RESPONSE "S=279D9B1121FFDED59933DE5BC671502B8F901004"

static inline void dk_accept(struct aaa_result *r, const struct mip_key *k2, const char *auth_resp)
{
	memset(r, 0, sizeof(*r));
	r->status = AAA_ACCEPT;
	r->reason = AAA_REASON_OK;
	r->reply.code = AAA_CODE_ACCESS_ACCEPT;
	r->reply.has_success = true;
	memcpy(r->reply.auth_response, auth_resp, AAA_AUTH_RESPONSE_LEN);
	r->reply.has_recv_key = true;
	r->reply.recv_key = *k2;
}

static inline void dk_status(struct aaa_result *r, enum aaa_status st, enum aaa_reason why)
{
	memset(r, 0, sizeof(*r));
	r->status = st;
	r->reason = why;
	r->server = -1;
}

/* ---- clock ---- */

static inline uint64_t dk_at(uint64_t ident, int64_t sec)
{
	return ident + ((uint64_t)sec << 32);
}

/* ---- counters ---- */

static inline uint64_t dk_cnt(const struct mipha_dk *dk, enum mipha_dk_counter c)
{
	struct mipha_dk_stats s;

	mipha_dk_stats(dk, &s);
	return s.cnt[c];
}

static inline uint64_t dk_gauge(const struct mipha_dk *dk, enum mipha_dk_gauge g)
{
	struct mipha_dk_stats s;

	mipha_dk_stats(dk, &s);
	return s.gauge[g];
}

/* ---- secret frees ---- */

static unsigned dk_frees, dk_dirty_frees;

static inline void dk_free_hook(const void *p, size_t n)
{
	const uint8_t *b = p;

	dk_frees++;
	for (size_t i = 0; i < n; i++)
		if (b[i] != 0) {
			dk_dirty_frees++;
			break;
		}
}

static inline void dk_hook_on(void)
{
	dk_frees = 0;
	dk_dirty_frees = 0;
	mip_secret_set_free_hook(dk_free_hook);
}

static inline void dk_hook_off(void)
{
	mip_secret_set_free_hook(NULL);
}

#endif /* DK_TEST_H */
