/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the libmip message and extension parser (mip_parse) and
 * the MHAE check on what it parsed (mip_auth_verify). The input is one
 * registration message, as it would arrive in a UDP payload. Besides
 * crashes and sanitizer reports, it traps on broken promises of mip_wire.h:
 * every view inside the buffer, error codes consistent, a dynamic-key RRQ
 * complete, parsing deterministic, and an MHAE that this target re-signs
 * verifying exactly until one protected byte changes.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_vectors.h"
#include "mip.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mip_parse_cfg cfg;
static struct mip_key key;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fv_parse_cfg(&cfg);
	fv_key("skey", NULL, &key);
	return 0;
}

#define CHECK(c)                                                                \
	do {                                                                    \
		if (!(c))                                                       \
			__builtin_trap();                                       \
	} while (0)

static void check_span(const struct mip_msg *m, const uint8_t *p, size_t n)
{
	if (p == NULL) {
		CHECK(n == 0);
		return;
	}
	CHECK(p >= m->buf && n <= m->len && (size_t)(p - m->buf) <= m->len - n);
}

static void check_auth(const struct mip_msg *m, uint32_t bit, const struct mip_auth *a)
{
	if ((m->present & bit) == 0)
		return;
	CHECK(a->protected_len <= m->len && a->offset < a->protected_len);
	check_span(m, a->auth.p, a->auth.len);
	CHECK(a->auth.p == NULL || a->auth.p >= m->buf + a->protected_len);
}

static void check_views(const struct mip_msg *m)
{
	check_span(m, m->nai.p, m->nai.len);
	check_span(m, m->domain.p, m->domain.len);
	check_span(m, m->fa_challenge.p, m->fa_challenge.len);
	if (m->present & MIP_HAS_AUTH_CHALLENGE)
		check_span(m, m->auth_challenge, MIP_AUTH_CHALLENGE_LEN);
	if (m->present & MIP_HAS_AUTH_RESPONSE)
		check_span(m, m->auth_response, MIP_AUTH_RESPONSE_LEN);
	check_auth(m, MIP_HAS_MHAE, &m->mhae);
	/* Only the MHAE's SPI is the HA's to refuse; MN-FA/FA-HA are the FA's. */
	if (m->present & MIP_HAS_MHAE)
		CHECK(m->mhae.spi >= MIP_SPI_MIN);
	check_auth(m, MIP_HAS_MNFA, &m->mnfa);
	check_auth(m, MIP_HAS_FAHA, &m->faha);
	check_auth(m, MIP_HAS_GEN_AUTH, &m->gen_auth);
	CHECK(m->ext_end_mhae <= m->len);
	if (m->present & MIP_HAS_NAI)
		CHECK(m->nai.len >= 1);
	if (m->present & MIP_HAS_DOMAIN)
		CHECK(m->domain.len >= 1 && m->domain.len <= MIP_DOMAIN_MAX);
}

/* Section 2/3 promises on a message that parsed. */
static void check_semantics(const struct mip_msg *m)
{
	CHECK(m->type == MIP_TYPE_RRQ || m->type == MIP_TYPE_RRP);
	if (m->type == MIP_TYPE_RRQ) {
		CHECK((m->present & MIP_HAS_MHAE) != 0);
		CHECK((m->flags & (MIP_FLAG_r | MIP_FLAG_x)) == 0);
	}
	if (mip_is_dynkey_initial(m, &cfg))
		CHECK(m->mhae.auth.len == MIP_NT_RESPONSE_LEN);
	else if (m->present & MIP_HAS_MHAE)
		CHECK(m->mhae.auth.len == MIP_MD5_AUTH_LEN);
	if (mip_is_dynkey_initial(m, &cfg)) {
		CHECK((m->present & MIP_HAS_NAI) && (m->present & MIP_HAS_KEY_REQ_S) &&
		      (m->present & MIP_HAS_AUTH_PROTOCOL) &&
		      (m->present & MIP_HAS_AUTH_CHALLENGE));
		CHECK(m->auth_protocol == MIP_AUTH_PROTOCOL_MSCHAPV2);
	}
	if (m->present & MIP_HAS_KEY_REQ_S)
		CHECK(m->key_s.spi >= MIP_SPI_MIN && m->key_s.spi != cfg.dynkey_spi);
	if ((m->present & MIP_HAS_KEY_REQ_S) && (m->present & MIP_HAS_KEY_REQ_S2))
		CHECK(m->key_s.spi != m->key_s2.spi);
}

/*
 * Signs a copy under both algorithms and checks that mip_auth_verify takes
 * exactly that: the signed copy verifies, a flipped protected byte does not.
 */
static void check_sign_verify(const uint8_t *data, size_t size, const struct mip_msg *m)
{
	static const enum mip_alg algs[] = { MIP_ALG_HMAC_MD5, MIP_ALG_KEYED_MD5 };
	size_t auth_off = (size_t)(m->mhae.auth.p - m->buf);
	struct mip_msg sm;

	if (m->mhae.auth.len != MIP_MD5_AUTH_LEN || auth_off != m->mhae.protected_len)
		return;
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		uint8_t *copy = fv_dup(data, size);

		CHECK(mip_auth_sign(copy, auth_off, algs[i], &key) == 0);
		CHECK(mip_parse(copy, size, &cfg, &sm) == MIP_OK);
		CHECK(mip_auth_verify(&sm, algs[i], &key));
		copy[size % auth_off] ^= 0x01;
		if (mip_parse(copy, size, &cfg, &sm) == MIP_OK)
			CHECK(!mip_auth_verify(&sm, algs[i], &key));
		free(copy);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = fv_dup(data, size);
	struct mip_msg m, again;
	enum mip_err err, err2;

	memset(&m, 0, sizeof(m));
	err = mip_parse(buf, size, &cfg, &m);
	CHECK((unsigned)err < MIP_E__COUNT);
	CHECK(mip_err_str(err) != NULL && mip_err_name(err) != NULL);
	CHECK((mip_err_code(err) == 0) == (err == MIP_OK));
	err2 = mip_parse(buf, size, &cfg, &again);
	CHECK(err2 == err);
	if (err == MIP_OK) {
		CHECK(m.buf == buf && m.len == size);
		CHECK(again.present == m.present);
		check_views(&m);
		check_semantics(&m);
		/* A key nobody signed with must not verify (2^-128 otherwise). */
		(void)mip_auth_verify(&m, MIP_ALG_HMAC_MD5, &key);
		(void)mip_auth_verify(&m, MIP_ALG_KEYED_MD5, &key);
		if (m.present & MIP_HAS_MHAE)
			check_sign_verify(buf, size, &m);
	}
	free(buf);
	return 0;
}
