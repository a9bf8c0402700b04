/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The whole of spec/vectors/dynkey-example.json, read at test time: every
 * derivation of spec sections 4-7 is recomputed from the example's inputs and
 * its messages, and every authenticator verified (and shown to fail when any
 * one byte of what it covers changes).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "mip.h"

#define MSG_MAX 512

static json_t *vec;

static void load_vectors(void)
{
	const char *dir = getenv("MIP_SHARED_DIR");
	char path[1024];
	json_error_t jerr;

	if (dir == NULL || dir[0] == '\0')
		dir = "/work/shared";
	snprintf(path, sizeof(path), "%s/spec/vectors/dynkey-example.json", dir);
	vec = json_load_file(path, 0, &jerr);
	cr_assert_not_null(vec, "%s: line %d: %s", path, jerr.line, jerr.text);
}

static void free_vectors(void)
{
	json_decref(vec);
	vec = NULL;
}

TestSuite(example, .init = load_vectors, .fini = free_vectors, .timeout = 30);

/* The string at key of the nested object sub (NULL: the top level). */
static const char *str_at(const char *sub, const char *key)
{
	json_t *o = sub != NULL ? json_object_get(vec, sub) : vec;
	json_t *v;

	cr_assert_not_null(o, "no object %s", sub);
	v = json_object_get(o, key);
	cr_assert(json_is_string(v), "no string %s.%s", sub ? sub : "", key);
	return json_string_value(v);
}

static long long int_at(const char *sub, const char *key)
{
	json_t *o = json_object_get(vec, sub);
	json_t *v = json_object_get(o, key);

	cr_assert(json_is_integer(v), "no integer %s.%s", sub, key);
	return json_integer_value(v);
}

static void bytes_at(const char *sub, const char *key, uint8_t *out, size_t want)
{
	long n = mip_hex_decode(str_at(sub, key), out, want);

	cr_assert_eq(n, (long)want, "%s.%s: %ld bytes, want %zu", sub ? sub : "", key, n, want);
}

static void key_at(const char *sub, const char *key, struct mip_key *k)
{
	cr_assert_eq(mip_key_from_hex(str_at(sub, key), k), 0, "%s", key);
}

static void cfg_from_inputs(struct mip_parse_cfg *cfg)
{
	mip_parse_cfg_default(cfg);
	cfg->vendor_id = (uint32_t)int_at("inputs", "vendor_id");
	cfg->dynkey_spi = (uint32_t)int_at("inputs", "dynkey_spi");
}

/* Decodes and parses the message at sub.key into buf; returns its length. */
static size_t msg_at(const char *sub, const char *key, uint8_t *buf, struct mip_msg *m)
{
	struct mip_parse_cfg cfg;
	enum mip_err err;
	long n;

	n = mip_hex_decode(str_at(sub, key), buf, MSG_MAX);
	cr_assert_gt(n, 0, "%s.%s", sub ? sub : "", key);
	cfg_from_inputs(&cfg);
	err = mip_parse(buf, (size_t)n, &cfg, m);
	cr_assert_eq(err, MIP_OK, "%s.%s: %s", sub ? sub : "", key, mip_err_name(err));
	return (size_t)n;
}

static uint64_t ident_at(const char *sub)
{
	uint64_t id;

	cr_assert_eq(mip_ident_from_hex(str_at(sub, "identification"), &id), 0);
	return id;
}

static const char *nai(void)
{
	return str_at("inputs", "nai");
}

static void nt_hash(struct mip_key *h)
{
	const char *pw = str_at("inputs", "password");

	cr_assert_eq(mip_nt_password_hash(pw, strlen(pw), h), 0);
}

/*
 * Verifies m with key, then shows that changing any one byte of what the
 * authenticator covers, or of the authenticator itself, fails verification.
 */
static void assert_verifies_and_every_byte_matters(uint8_t *buf, const struct mip_msg *m,
						   const struct mip_key *key, const char *what)
{
	static const uint8_t masks[] = { 0x01, 0x80, 0xff };
	size_t end = (size_t)m->mhae.protected_len + m->mhae.auth.len;
	size_t i, k;

	cr_assert(mip_auth_verify(m, MIP_ALG_HMAC_MD5, key), "%s does not verify", what);
	for (i = 0; i < end; i++) {
		for (k = 0; k < sizeof(masks); k++) {
			buf[i] ^= masks[k];
			cr_assert_not(mip_auth_verify(m, MIP_ALG_HMAC_MD5, key),
				      "%s verifies with byte %zu ^ %02x", what, i, masks[k]);
			buf[i] ^= masks[k];
		}
	}
	cr_assert(mip_auth_verify(m, MIP_ALG_HMAC_MD5, key), "%s restored", what);
}

Test(example, initial_rrq_is_a_dynkey_request)
{
	uint8_t buf[MSG_MAX], ac[16];
	struct mip_parse_cfg cfg;
	struct mip_msg m;
	size_t len;

	len = msg_at(NULL, "initial_rrq", buf, &m);
	cfg_from_inputs(&cfg);
	cr_assert(mip_is_dynkey_initial(&m, &cfg));
	cr_assert_eq(m.type, MIP_TYPE_RRQ);
	cr_assert_eq(m.ident, ident_at("inputs"));
	cr_assert_eq(m.nai.len, strlen(nai()));
	cr_assert_eq(memcmp(m.nai.p, nai(), m.nai.len), 0);
	bytes_at("inputs", "auth_challenge", ac, 16);
	cr_assert_arr_eq(m.auth_challenge, ac, 16);
	cr_assert_eq(m.mhae.spi, cfg.dynkey_spi);
	cr_assert_eq(m.mhae.auth.len, MIP_NT_RESPONSE_LEN);
	cr_assert_eq(m.key_s.spi, (uint32_t)int_at("inputs", "spi1"));
	cr_assert_eq(m.key_s2.spi, (uint32_t)int_at("inputs", "spi2"));
	cr_assert_eq(m.ext_end_mhae, len, "MHAE is the last extension");
}

Test(example, peer_challenge)
{
	uint8_t buf[MSG_MAX], copy[MSG_MAX], want[16], got[16];
	struct mip_msg m;
	size_t len;

	len = msg_at(NULL, "initial_rrq", buf, &m);
	memcpy(copy, buf, len);
	mip_peer_challenge(&m, got);
	bytes_at(NULL, "peer_challenge", want, 16);
	cr_assert_arr_eq(got, want, 16);
	cr_assert_arr_eq(buf, copy, len, "buffer left as it was");
}

/* The authenticator's content does not count; every byte before it does. */
Test(example, peer_challenge_covers_all_but_the_authenticator)
{
	uint8_t buf[MSG_MAX], want[16], got[16];
	size_t auth_off, i;
	struct mip_msg m;

	msg_at(NULL, "initial_rrq", buf, &m);
	bytes_at(NULL, "peer_challenge", want, 16);
	auth_off = (size_t)(m.mhae.auth.p - buf);
	memset(buf + auth_off, 0xa5, MIP_NT_RESPONSE_LEN);
	mip_peer_challenge(&m, got);
	cr_assert_arr_eq(got, want, 16, "authenticator bytes are taken as zero");
	for (i = 0; i < auth_off; i++) {
		buf[i] ^= 0x01;
		mip_peer_challenge(&m, got);
		cr_assert_arr_neq(got, want, 16, "byte %zu not covered", i);
		buf[i] ^= 0x01;
	}
}

Test(example, nt_response_from_password)
{
	uint8_t buf[MSG_MAX], pc[16], want[24], got[24];
	struct mip_key h;
	struct mip_msg m;

	msg_at(NULL, "initial_rrq", buf, &m);
	bytes_at(NULL, "peer_challenge", pc, 16);
	bytes_at(NULL, "nt_response", want, 24);
	nt_hash(&h);
	/* UserName = the NAI exactly as carried (spec section 4 step 1). */
	mip_generate_nt_response(m.auth_challenge, pc, nai(), strlen(nai()), &h, got);
	cr_assert_arr_eq(got, want, 24);
	cr_assert_arr_eq(m.mhae.auth.p, want, 24, "the RRQ's MHAE carries it");
}

/* The MN's whole signing step rebuilds the example RRQ byte for byte. */
Test(example, sign_initial_rrq_reproduces_the_rrq)
{
	uint8_t orig[MSG_MAX], buf[MSG_MAX], pc[16], want_pc[16];
	struct mip_parse_cfg cfg;
	struct mip_key h;
	struct mip_msg m;
	size_t len, auth_off;

	len = msg_at(NULL, "initial_rrq", orig, &m);
	auth_off = (size_t)(m.mhae.auth.p - orig);
	memcpy(buf, orig, len);
	memset(buf + auth_off, 0, MIP_NT_RESPONSE_LEN);
	cfg_from_inputs(&cfg);
	cr_assert_eq(mip_parse(buf, len, &cfg, &m), MIP_OK);
	nt_hash(&h);
	cr_assert_eq(mip_sign_initial_rrq(buf, &m, nai(), strlen(nai()), &h, pc), 0);
	bytes_at(NULL, "peer_challenge", want_pc, 16);
	cr_assert_arr_eq(pc, want_pc, 16);
	cr_assert_arr_eq(buf, orig, len);
}

Test(example, k2_is_ms_mppe_recv_key)
{
	uint8_t nt[24], want[16];
	struct mip_key h, k2;

	bytes_at(NULL, "nt_response", nt, 24);
	bytes_at(NULL, "k2_ms_mppe_recv_key", want, 16);
	nt_hash(&h);
	mip_k2_from_nt_hash(&h, nt, &k2);
	cr_assert_arr_eq(k2.b, want, 16);
}

Test(example, auth_response)
{
	uint8_t nt[24], pc[16], ac[16], buf[MSG_MAX];
	const char *want = str_at(NULL, "auth_response");
	struct mip_msg m;
	struct mip_key h;
	char got[42];

	cr_assert_eq(strlen(want), MIP_AUTH_RESPONSE_LEN);
	bytes_at(NULL, "nt_response", nt, 24);
	bytes_at(NULL, "peer_challenge", pc, 16);
	bytes_at("inputs", "auth_challenge", ac, 16);
	nt_hash(&h);
	mip_generate_authenticator_response(&h, nt, pc, ac, nai(), strlen(nai()), got);
	cr_assert_eq(memcmp(got, want, 42), 0, "got %.42s", got);
	/* The initial RRP carries exactly this AUTH-RESPONSE. */
	msg_at(NULL, "initial_rrp", buf, &m);
	cr_assert(m.present & MIP_HAS_AUTH_RESPONSE);
	cr_assert_eq(memcmp(m.auth_response, want, 42), 0);
}

Test(example, skey_and_skey2)
{
	uint8_t nt[24], ac[16], buf[MSG_MAX];
	struct mip_key k2, skey, skey2, want;
	struct mip_msg m;

	bytes_at(NULL, "nt_response", nt, 24);
	bytes_at("inputs", "auth_challenge", ac, 16);
	key_at(NULL, "k2_ms_mppe_recv_key", &k2);
	mip_derive_skey(&k2, ac, nt, &skey);
	key_at(NULL, "skey", &want);
	cr_assert_arr_eq(skey.b, want.b, 16);
	/* Skey' from the initial RRQ's Identification, as parsed. */
	msg_at(NULL, "initial_rrq", buf, &m);
	mip_derive_skey2(&skey, m.ident, &skey2);
	key_at(NULL, "skey2", &want);
	cr_assert_arr_eq(skey2.b, want.b, 16);
}

/* The MN's whole chain: password -> k'' -> Skey -> Skey', from the RRQ alone. */
Test(example, whole_chain_from_password)
{
	uint8_t buf[MSG_MAX], pc[16], nt[24];
	struct mip_key h, k2, skey, skey2, want;
	struct mip_msg m;

	msg_at(NULL, "initial_rrq", buf, &m);
	nt_hash(&h);
	mip_peer_challenge(&m, pc);
	mip_generate_nt_response(m.auth_challenge, pc, (const char *)m.nai.p, m.nai.len, &h, nt);
	mip_k2_from_nt_hash(&h, nt, &k2);
	mip_derive_skey(&k2, m.auth_challenge, nt, &skey);
	mip_derive_skey2(&skey, m.ident, &skey2);
	key_at(NULL, "skey", &want);
	cr_assert_arr_eq(skey.b, want.b, 16);
	key_at(NULL, "skey2", &want);
	cr_assert_arr_eq(skey2.b, want.b, 16);
}

Test(example, initial_rrp_mhae_with_skey)
{
	uint8_t buf[MSG_MAX], ac[16];
	struct mip_key skey, skey2;
	struct mip_msg m;

	msg_at(NULL, "initial_rrp", buf, &m);
	cr_assert_eq(m.type, MIP_TYPE_RRP);
	cr_assert_eq(m.ident, ident_at("inputs"));
	cr_assert_eq(m.mhae.spi, (uint32_t)int_at("inputs", "spi1"));
	bytes_at("inputs", "auth_challenge", ac, 16);
	cr_assert_arr_eq(m.auth_challenge, ac, 16, "AUTH-CHALLENGE echoed");
	key_at(NULL, "skey", &skey);
	key_at(NULL, "skey2", &skey2);
	cr_assert_not(mip_auth_verify(&m, MIP_ALG_HMAC_MD5, &skey2));
	cr_assert_not(mip_auth_verify(&m, MIP_ALG_KEYED_MD5, &skey));
	assert_verifies_and_every_byte_matters(buf, &m, &skey, "initial_rrp");
}

Test(example, rereg_with_skey2)
{
	uint8_t rrq[MSG_MAX], rrp[MSG_MAX];
	struct mip_msg q, p;
	struct mip_key skey, skey2;

	key_at(NULL, "skey", &skey);
	key_at(NULL, "skey2", &skey2);
	msg_at("rereg", "rrq", rrq, &q);
	msg_at("rereg", "rrp", rrp, &p);
	cr_assert_eq(q.ident, ident_at("rereg"));
	cr_assert_eq(p.ident, ident_at("rereg"));
	cr_assert_eq(q.mhae.spi, (uint32_t)int_at("inputs", "spi2"));
	cr_assert_eq(p.mhae.spi, (uint32_t)int_at("inputs", "spi2"));
	cr_assert_not(mip_auth_verify(&q, MIP_ALG_HMAC_MD5, &skey));
	cr_assert_not(mip_auth_verify(&p, MIP_ALG_HMAC_MD5, &skey));
	assert_verifies_and_every_byte_matters(rrq, &q, &skey2, "rereg.rrq");
	assert_verifies_and_every_byte_matters(rrp, &p, &skey2, "rereg.rrp");
}

Test(example, rekey_with_skey_and_new_skey2)
{
	uint8_t rrq[MSG_MAX], rrp[MSG_MAX];
	struct mip_key skey, skey2, new_skey2, want;
	struct mip_msg q, p;

	key_at(NULL, "skey", &skey);
	key_at(NULL, "skey2", &skey2);
	msg_at("rekey", "rrq", rrq, &q);
	msg_at("rekey", "rrp", rrp, &p);
	cr_assert_eq(q.ident, ident_at("rekey"));
	cr_assert_eq(p.ident, ident_at("rekey"));
	cr_assert_eq(q.mhae.spi, (uint32_t)int_at("inputs", "spi1"));
	cr_assert(q.present & MIP_HAS_KEY_REQ_S2);
	cr_assert(p.present & MIP_HAS_KEY_REQ_S2);
	cr_assert_not(mip_auth_verify(&q, MIP_ALG_HMAC_MD5, &skey2));
	assert_verifies_and_every_byte_matters(rrq, &q, &skey, "rekey.rrq");
	assert_verifies_and_every_byte_matters(rrp, &p, &skey, "rekey.rrp");

	mip_derive_skey2(&skey, q.ident, &new_skey2);
	key_at("rekey", "new_skey2", &want);
	cr_assert_arr_eq(new_skey2.b, want.b, 16);
	cr_assert_arr_neq(new_skey2.b, skey2.b, 16);
}

/* Skey_next from Skey and the Identification of the exchange that last installed Skey'. */
Test(example, skey_next_after_rekey)
{
	struct mip_key skey, next, want, skey2;

	key_at(NULL, "skey", &skey);
	mip_derive_skey_next(&skey, ident_at("rekey"), &next);
	key_at(NULL, "skey_next_after_rekey_rrq", &want);
	cr_assert_arr_eq(next.b, want.b, 16);
	/* Label 0x02, not 0x01: differs from Skey' for the same Identification. */
	mip_derive_skey2(&skey, ident_at("rekey"), &skey2);
	cr_assert_arr_neq(next.b, skey2.b, 16);
}

Test(example, keyed_md5_over_rereg_protected)
{
	uint8_t rrq[MSG_MAX], want[16], got[16];
	struct mip_key skey2;
	struct mip_msg q;

	key_at(NULL, "skey2", &skey2);
	msg_at("rereg", "rrq", rrq, &q);
	bytes_at(NULL, "keyed_md5_prefix_suffix_over_rereg_protected_with_skey2", want, 16);
	mip_keyed_md5(&skey2, rrq, q.mhae.protected_len, got);
	cr_assert_arr_eq(got, want, 16);
	cr_assert_eq(mip_auth_compute(MIP_ALG_KEYED_MD5, &skey2, rrq, q.mhae.protected_len, got),
		     0);
	cr_assert_arr_eq(got, want, 16);
	/* Writing it into the MHAE makes the message verify as keyed-MD5. */
	memcpy((uint8_t *)q.mhae.auth.p, want, 16);
	cr_assert(mip_auth_verify(&q, MIP_ALG_KEYED_MD5, &skey2));
	cr_assert_not(mip_auth_verify(&q, MIP_ALG_HMAC_MD5, &skey2));
}

/* k'' survives the RFC 2548 encoding the AAA server applies to it. */
Test(example, k2_through_mppe_encoding)
{
	static const uint8_t ra[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	struct mip_key k2, got;
	uint8_t attr[34];

	key_at(NULL, "k2_ms_mppe_recv_key", &k2);
	cr_assert_eq(mip_mppe_encrypt_key(&k2, 0x8123, (const uint8_t *)"testing123", 10, ra,
					  attr), 34);
	cr_assert_eq(mip_mppe_decrypt_key(attr, 34, (const uint8_t *)"testing123", 10, ra, &got),
		     0);
	cr_assert_arr_eq(got.b, k2.b, 16);
}

/* PeerChallenge is plain MD5 of a copy with the authenticator zeroed (section 4 step 4). */
Test(example, peer_challenge_is_md5_of_zeroed_copy)
{
	uint8_t buf[MSG_MAX], copy[MSG_MAX], want[16], got[16];
	struct mip_msg m;
	size_t len, auth_off;

	len = msg_at(NULL, "initial_rrq", buf, &m);
	auth_off = (size_t)(m.mhae.auth.p - buf);
	memcpy(copy, buf, len);
	memset(copy + auth_off, 0, MIP_NT_RESPONSE_LEN);
	mip_md5(copy, m.ext_end_mhae, want);
	mip_peer_challenge(&m, got);
	cr_assert_arr_eq(got, want, 16);
}

/* Signing needs a dynamic-key RRQ of this very buffer; anything else is refused untouched. */
Test(example, sign_initial_rrq_refuses_other_messages)
{
	uint8_t buf[MSG_MAX], copy[MSG_MAX], other[MSG_MAX], pc[16];
	struct mip_msg m, r;
	struct mip_key h;
	size_t len;

	nt_hash(&h);
	len = msg_at(NULL, "initial_rrq", buf, &m);
	memcpy(copy, buf, len);
	memcpy(other, buf, len);
	cr_assert_eq(mip_sign_initial_rrq(other, &m, nai(), strlen(nai()), &h, pc), -EINVAL,
		     "m is not the parse of this buffer");
	cr_assert_arr_eq(other, copy, len);
	len = msg_at("rereg", "rrq", buf, &r);
	memcpy(copy, buf, len);
	cr_assert_eq(mip_sign_initial_rrq(buf, &r, nai(), strlen(nai()), &h, pc), -EINVAL,
		     "no AUTH-CHALLENGE, 16-byte MHAE");
	cr_assert_arr_eq(buf, copy, len);
}
