/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libmip codec against the spec's worked example
 * ($MIP_SHARED_DIR/spec/vectors/dynkey-example.json): every message parses
 * field by field, the builder rebuilds each byte for byte from the example's
 * inputs, and the builder's and hex helpers' error paths hold.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mip.h"

#define MSG_MAX 1024

static json_t *vec;
static struct mip_parse_cfg cfg;

static void load_vectors(void)
{
	const char *dir = getenv("MIP_SHARED_DIR");
	char path[512];
	json_error_t jerr;

	snprintf(path, sizeof(path), "%s/spec/vectors/dynkey-example.json",
		 dir != NULL ? dir : "/work/shared");
	vec = json_load_file(path, 0, &jerr);
	cr_assert_not_null(vec, "cannot load %s: %s", path, jerr.text);
	mip_parse_cfg_default(&cfg);
	cfg.vendor_id = (uint32_t)json_integer_value(json_object_get(json_object_get(vec, "inputs"),
								     "vendor_id"));
	cfg.dynkey_spi = (uint32_t)json_integer_value(
		json_object_get(json_object_get(vec, "inputs"), "dynkey_spi"));
}

static void free_vectors(void)
{
	json_decref(vec);
}

TestSuite(wire, .init = load_vectors, .fini = free_vectors, .timeout = 10);

/* A string at a path of keys ("rereg", "rrq", NULL). */
static const char *vstr_path(const char *k1, const char *k2)
{
	json_t *j = json_object_get(vec, k1);

	if (k2 != NULL)
		j = json_object_get(j, k2);
	cr_assert(json_is_string(j), "vector %s%s%s missing", k1, k2 ? "." : "", k2 ? k2 : "");
	return json_string_value(j);
}

static const char *input_str(const char *k)
{
	return vstr_path("inputs", k);
}

static uint32_t input_u32(const char *k)
{
	json_t *j = json_object_get(json_object_get(vec, "inputs"), k);

	cr_assert(json_is_integer(j), "input %s missing", k);
	return (uint32_t)json_integer_value(j);
}

static size_t vhex(const char *k1, const char *k2, uint8_t *out, size_t cap)
{
	long n = mip_hex_decode(vstr_path(k1, k2), out, cap);

	cr_assert_gt(n, 0, "vector %s is not hex", k1);
	return (size_t)n;
}

static uint32_t addr(const char *s)
{
	uint32_t a;

	cr_assert_eq(mip_parse_ipv4(s, &a), 0, "bad address %s", s);
	return a;
}

static uint64_t ident_of(const char *hex)
{
	uint8_t b[8];
	uint64_t v = 0;
	int i;

	cr_assert_eq(mip_hex_decode(hex, b, sizeof(b)), 8);
	for (i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

static void parse_ok(const uint8_t *buf, size_t len, struct mip_msg *m)
{
	enum mip_err err = mip_parse(buf, len, &cfg, m);

	cr_assert_eq(err, MIP_OK, "parse failed: %s (%s)", mip_err_name(err), mip_err_str(err));
	cr_assert_eq(m->buf, buf);
	cr_assert_eq(m->len, len);
}

static void assert_view_str(struct mip_view v, const char *s)
{
	cr_assert_eq(v.len, strlen(s));
	cr_assert_not_null(v.p);
	cr_assert_arr_eq(v.p, s, v.len);
}

static void assert_nai(const struct mip_msg *m)
{
	cr_assert(m->present & MIP_HAS_NAI);
	assert_view_str(m->nai, input_str("nai"));
}

static struct mip_keyspec ks_of(const char *spi_key)
{
	struct mip_keyspec ks = { input_u32(spi_key), MIP_ALG_HMAC_MD5, MIP_REPLAY_TIMESTAMPS };

	return ks;
}

static void assert_keyspec(const struct mip_keyspec *ks, const char *spi_key)
{
	cr_assert_eq(ks->spi, input_u32(spi_key));
	cr_assert_eq(ks->alg, MIP_ALG_HMAC_MD5);
	cr_assert_eq(ks->replay, MIP_REPLAY_TIMESTAMPS);
}

static void assert_mhae(const struct mip_msg *m, uint32_t spi, size_t auth_len)
{
	cr_assert(m->present & MIP_HAS_MHAE);
	cr_assert_eq(m->mhae.spi, spi);
	cr_assert_eq(m->mhae.auth.len, auth_len);
	/* The example puts the MHAE last: it ends the message. */
	cr_assert_eq(m->ext_end_mhae, m->len);
	cr_assert_eq(m->mhae.offset, m->len - 2 - 4 - auth_len);
	cr_assert_eq(m->mhae.protected_len, m->mhae.offset + 6);
	cr_assert_eq(m->mhae.auth.p, m->buf + m->mhae.protected_len);
	cr_assert_eq(m->buf[m->mhae.offset], MIP_EXT_MHAE);
}

static void assert_bytes_eq(const uint8_t *got, size_t got_len, const uint8_t *want,
			    size_t want_len)
{
	char gh[2 * MSG_MAX + 1], wh[2 * MSG_MAX + 1];

	cr_assert_leq(got_len, MSG_MAX);
	cr_assert_leq(want_len, MSG_MAX);
	mip_hex_encode(got, got_len, gh);
	mip_hex_encode(want, want_len, wh);
	cr_assert_str_eq(gh, wh, "bytes differ");
}

/* ---- initial RRQ ---- */

static size_t build_initial_rrq(uint8_t *buf, size_t cap)
{
	struct mip_builder b;
	struct mip_keyspec s = ks_of("spi1"), s2 = ks_of("spi2");
	uint8_t chal[16], ntr[24], proto = MIP_AUTH_PROTOCOL_MSCHAPV2;
	const char *nai = input_str("nai");
	size_t off;

	vhex("inputs", "auth_challenge", chal, sizeof(chal));
	vhex("nt_response", NULL, ntr, sizeof(ntr));
	mip_builder_init(&b, buf, cap);
	mip_put_rrq_hdr(&b, 0, (uint16_t)input_u32("lifetime"), addr(input_str("home_address")),
			addr(input_str("home_agent")), addr(input_str("care_of")),
			ident_of(input_str("identification")));
	mip_put_nai(&b, nai, strlen(nai));
	mip_put_keyspec(&b, cfg.vendor_id, MIP_CVSE_KEY_REQ_S, &s);
	mip_put_keyspec(&b, cfg.vendor_id, MIP_CVSE_KEY_REQ_S2, &s2);
	mip_put_cvse(&b, cfg.vendor_id, MIP_CVSE_AUTH_PROTOCOL, &proto, 1);
	mip_put_cvse(&b, cfg.vendor_id, MIP_CVSE_AUTH_CHALLENGE, chal, sizeof(chal));
	off = mip_put_auth(&b, MIP_EXT_MHAE, cfg.dynkey_spi, MIP_NT_RESPONSE_LEN);
	cr_assert_eq(b.err, 0);
	cr_assert_neq(off, 0);
	cr_assert_eq(off + MIP_NT_RESPONSE_LEN, b.len);
	/* mip_put_auth leaves the authenticator zero (PeerChallenge is over that). */
	for (size_t i = 0; i < MIP_NT_RESPONSE_LEN; i++)
		cr_assert_eq(buf[off + i], 0);
	memcpy(buf + off, ntr, sizeof(ntr));
	return b.len;
}

Test(wire, initial_rrq_fields)
{
	uint8_t buf[MSG_MAX], chal[16], ntr[24];
	size_t len = vhex("initial_rrq", NULL, buf, sizeof(buf));
	struct mip_msg m;

	parse_ok(buf, len, &m);
	vhex("inputs", "auth_challenge", chal, sizeof(chal));
	vhex("nt_response", NULL, ntr, sizeof(ntr));
	cr_assert_eq(m.type, MIP_TYPE_RRQ);
	cr_assert_eq(m.flags, 0);
	cr_assert_eq(m.code, 0);
	cr_assert_eq(m.lifetime, input_u32("lifetime"));
	cr_assert_eq(m.home_addr, addr(input_str("home_address")));
	cr_assert_eq(m.ha_addr, addr(input_str("home_agent")));
	cr_assert_eq(m.coa, addr(input_str("care_of")));
	cr_assert_eq(m.ident, ident_of(input_str("identification")));
	cr_assert_eq(m.present, MIP_HAS_NAI | MIP_HAS_KEY_REQ_S | MIP_HAS_KEY_REQ_S2 |
					MIP_HAS_AUTH_PROTOCOL | MIP_HAS_AUTH_CHALLENGE |
					MIP_HAS_MHAE);
	assert_nai(&m);
	assert_keyspec(&m.key_s, "spi1");
	assert_keyspec(&m.key_s2, "spi2");
	cr_assert_eq(m.auth_protocol, MIP_AUTH_PROTOCOL_MSCHAPV2);
	cr_assert_arr_eq(m.auth_challenge, chal, 16);
	cr_assert_null(m.domain.p);
	cr_assert_null(m.auth_response);
	assert_mhae(&m, cfg.dynkey_spi, MIP_NT_RESPONSE_LEN);
	cr_assert_arr_eq(m.mhae.auth.p, ntr, 24);
	cr_assert(mip_is_dynkey_initial(&m, &cfg));
}

/*
 * Spec section 3: DYNKEY_SPI without AUTH-PROTOCOL is a conventional RRQ, with
 * a 16-byte MD5 authenticator, to be looked up in the SA table like any SPI
 * (where none can hold DYNKEY_SPI: 131). No dynamic-key extension is needed.
 */
Test(wire, dynkey_spi_without_auth_protocol_is_conventional)
{
	uint8_t buf[MSG_MAX];
	struct mip_builder b;
	struct mip_msg m;
	size_t off;

	mip_builder_init(&b, buf, sizeof(buf));
	mip_put_rrq_hdr(&b, 0, 600, addr("10.1.0.10"), addr("10.1.0.1"), addr("192.0.2.7"),
			0x0102030405060708ull);
	off = mip_put_auth(&b, MIP_EXT_MHAE, cfg.dynkey_spi, MIP_MD5_AUTH_LEN);
	cr_assert_eq(b.err, 0);
	cr_assert_neq(off, 0);
	parse_ok(buf, b.len, &m);
	cr_assert_eq(m.present, MIP_HAS_MHAE);
	assert_mhae(&m, cfg.dynkey_spi, MIP_MD5_AUTH_LEN);
	cr_assert(!mip_is_dynkey_initial(&m, &cfg));
	/* With the NT-Response's 24 bytes but still no AUTH-PROTOCOL: wrong length. */
	mip_builder_init(&b, buf, sizeof(buf));
	mip_put_rrq_hdr(&b, 0, 600, addr("10.1.0.10"), addr("10.1.0.1"), addr("192.0.2.7"),
			0x0102030405060708ull);
	mip_put_auth(&b, MIP_EXT_MHAE, cfg.dynkey_spi, MIP_NT_RESPONSE_LEN);
	cr_assert_eq(mip_parse(buf, b.len, &cfg, &m), MIP_E_AUTH_LEN);
}

Test(wire, initial_rrq_round_trip)
{
	uint8_t want[MSG_MAX], got[MSG_MAX];
	size_t wlen = vhex("initial_rrq", NULL, want, sizeof(want));
	size_t glen = build_initial_rrq(got, sizeof(got));

	assert_bytes_eq(got, glen, want, wlen);
}

Test(wire, dynkey_spi_is_configurable)
{
	uint8_t buf[MSG_MAX];
	size_t len = vhex("initial_rrq", NULL, buf, sizeof(buf));
	struct mip_parse_cfg other = cfg;
	struct mip_msg m;

	/* Under another DYNKEY_SPI the 24-byte authenticator is wrong for the SPI. */
	other.dynkey_spi = cfg.dynkey_spi + 1;
	cr_assert_eq(mip_parse(buf, len, &other, &m), MIP_E_AUTH_LEN);
	/* Under another vendor the CVSEs are ones this HA does not implement. */
	other = cfg;
	other.vendor_id = cfg.vendor_id + 1;
	cr_assert_eq(mip_parse(buf, len, &other, &m), MIP_E_CVSE_VENDOR);
	cr_assert_eq(mip_err_code(MIP_E_CVSE_VENDOR), MIP_CODE_UNSUPPORTED_VSE);
}

/* ---- initial RRP ---- */

static size_t build_rrp_prefix(struct mip_builder *b, uint8_t *buf, size_t cap, uint8_t code,
			       const char *ident_hex)
{
	const char *nai = input_str("nai");

	mip_builder_init(b, buf, cap);
	mip_put_rrp_hdr(b, code, (uint16_t)input_u32("lifetime"), addr(input_str("home_address")),
			addr(input_str("home_agent")), ident_of(ident_hex));
	mip_put_nai(b, nai, strlen(nai));
	return b->len;
}

/* Appends the MHAE and copies the authenticator from the example (no crypto here). */
static size_t finish_with_mhae(struct mip_builder *b, uint32_t spi, const struct mip_msg *ref)
{
	size_t off = mip_put_auth(b, MIP_EXT_MHAE, spi, MIP_MD5_AUTH_LEN);

	cr_assert_eq(b->err, 0);
	cr_assert_eq(off, ref->mhae.protected_len);
	memcpy(b->buf + off, ref->mhae.auth.p, MIP_MD5_AUTH_LEN);
	return b->len;
}

Test(wire, initial_rrp_fields_and_round_trip)
{
	uint8_t buf[MSG_MAX], out[MSG_MAX], chal[16];
	size_t len = vhex("initial_rrp", NULL, buf, sizeof(buf));
	const char *ar = vstr_path("auth_response", NULL);
	struct mip_keyspec s = ks_of("spi1"), s2 = ks_of("spi2");
	struct mip_builder b;
	struct mip_msg m;

	parse_ok(buf, len, &m);
	vhex("inputs", "auth_challenge", chal, sizeof(chal));
	cr_assert_eq(m.type, MIP_TYPE_RRP);
	cr_assert_eq(m.code, MIP_CODE_ACCEPTED);
	cr_assert_eq(m.flags, 0);
	cr_assert_eq(m.coa, 0);
	cr_assert_eq(m.lifetime, input_u32("lifetime"));
	cr_assert_eq(m.home_addr, addr(input_str("home_address")));
	cr_assert_eq(m.ha_addr, addr(input_str("home_agent")));
	cr_assert_eq(m.ident, ident_of(input_str("identification")));
	cr_assert_eq(m.present, MIP_HAS_NAI | MIP_HAS_KEY_REQ_S | MIP_HAS_KEY_REQ_S2 |
					MIP_HAS_AUTH_CHALLENGE | MIP_HAS_AUTH_RESPONSE |
					MIP_HAS_MHAE);
	assert_nai(&m);
	assert_keyspec(&m.key_s, "spi1");
	assert_keyspec(&m.key_s2, "spi2");
	cr_assert_arr_eq(m.auth_challenge, chal, 16);
	cr_assert_eq(strlen(ar), MIP_AUTH_RESPONSE_LEN);
	cr_assert_arr_eq(m.auth_response, ar, MIP_AUTH_RESPONSE_LEN);
	assert_mhae(&m, input_u32("spi1"), MIP_MD5_AUTH_LEN);
	cr_assert_not(mip_is_dynkey_initial(&m, &cfg));

	build_rrp_prefix(&b, out, sizeof(out), MIP_CODE_ACCEPTED, input_str("identification"));
	mip_put_keyspec(&b, cfg.vendor_id, MIP_CVSE_KEY_REQ_S, &s);
	mip_put_keyspec(&b, cfg.vendor_id, MIP_CVSE_KEY_REQ_S2, &s2);
	mip_put_cvse(&b, cfg.vendor_id, MIP_CVSE_AUTH_CHALLENGE, chal, sizeof(chal));
	mip_put_cvse(&b, cfg.vendor_id, MIP_CVSE_AUTH_RESPONSE, ar, MIP_AUTH_RESPONSE_LEN);
	assert_bytes_eq(out, finish_with_mhae(&b, s.spi, &m), buf, len);
}

/* ---- re-registration ---- */

static size_t build_rrq_prefix(struct mip_builder *b, uint8_t *buf, size_t cap,
			       const char *exchange)
{
	const char *nai = input_str("nai");

	mip_builder_init(b, buf, cap);
	mip_put_rrq_hdr(b, 0, (uint16_t)input_u32("lifetime"), addr(input_str("home_address")),
			addr(input_str("home_agent")), addr(vstr_path(exchange, "care_of")),
			ident_of(vstr_path(exchange, "identification")));
	mip_put_nai(b, nai, strlen(nai));
	return b->len;
}

Test(wire, rereg_rrq)
{
	uint8_t buf[MSG_MAX], out[MSG_MAX];
	size_t len = vhex("rereg", "rrq", buf, sizeof(buf));
	struct mip_builder b;
	struct mip_msg m;

	parse_ok(buf, len, &m);
	cr_assert_eq(m.type, MIP_TYPE_RRQ);
	cr_assert_eq(m.coa, addr(vstr_path("rereg", "care_of")));
	cr_assert_eq(m.ident, ident_of(vstr_path("rereg", "identification")));
	cr_assert_eq(m.present, MIP_HAS_NAI | MIP_HAS_MHAE);
	assert_nai(&m);
	assert_mhae(&m, input_u32("spi2"), MIP_MD5_AUTH_LEN);
	cr_assert_not(mip_is_dynkey_initial(&m, &cfg));

	build_rrq_prefix(&b, out, sizeof(out), "rereg");
	assert_bytes_eq(out, finish_with_mhae(&b, input_u32("spi2"), &m), buf, len);
}

Test(wire, rereg_rrp)
{
	uint8_t buf[MSG_MAX], out[MSG_MAX];
	size_t len = vhex("rereg", "rrp", buf, sizeof(buf));
	struct mip_builder b;
	struct mip_msg m;

	parse_ok(buf, len, &m);
	cr_assert_eq(m.type, MIP_TYPE_RRP);
	cr_assert_eq(m.code, MIP_CODE_ACCEPTED);
	cr_assert_eq(m.ident, ident_of(vstr_path("rereg", "identification")));
	cr_assert_eq(m.present, MIP_HAS_NAI | MIP_HAS_MHAE);
	assert_nai(&m);
	assert_mhae(&m, input_u32("spi2"), MIP_MD5_AUTH_LEN);

	build_rrp_prefix(&b, out, sizeof(out), 0, vstr_path("rereg", "identification"));
	assert_bytes_eq(out, finish_with_mhae(&b, input_u32("spi2"), &m), buf, len);
}

/* ---- rekey ---- */

Test(wire, rekey_rrq)
{
	uint8_t buf[MSG_MAX], out[MSG_MAX];
	size_t len = vhex("rekey", "rrq", buf, sizeof(buf));
	struct mip_keyspec s2 = ks_of("spi2");
	struct mip_builder b;
	struct mip_msg m;

	parse_ok(buf, len, &m);
	cr_assert_eq(m.type, MIP_TYPE_RRQ);
	cr_assert_eq(m.ident, ident_of(vstr_path("rekey", "identification")));
	/* The rekey exchange reuses the re-registration's care-of address. */
	cr_assert_eq(m.coa, addr(vstr_path("rereg", "care_of")));
	cr_assert_eq(m.present, MIP_HAS_NAI | MIP_HAS_KEY_REQ_S2 | MIP_HAS_MHAE);
	assert_nai(&m);
	assert_keyspec(&m.key_s2, "spi2");
	assert_mhae(&m, input_u32("spi1"), MIP_MD5_AUTH_LEN);
	cr_assert_not(mip_is_dynkey_initial(&m, &cfg));

	mip_builder_init(&b, out, sizeof(out));
	mip_put_rrq_hdr(&b, 0, (uint16_t)input_u32("lifetime"), addr(input_str("home_address")),
			addr(input_str("home_agent")), addr(vstr_path("rereg", "care_of")),
			ident_of(vstr_path("rekey", "identification")));
	mip_put_nai(&b, input_str("nai"), strlen(input_str("nai")));
	mip_put_keyspec(&b, cfg.vendor_id, MIP_CVSE_KEY_REQ_S2, &s2);
	assert_bytes_eq(out, finish_with_mhae(&b, input_u32("spi1"), &m), buf, len);
}

Test(wire, rekey_rrp)
{
	uint8_t buf[MSG_MAX], out[MSG_MAX];
	size_t len = vhex("rekey", "rrp", buf, sizeof(buf));
	struct mip_keyspec s2 = ks_of("spi2");
	struct mip_builder b;
	struct mip_msg m;

	parse_ok(buf, len, &m);
	cr_assert_eq(m.type, MIP_TYPE_RRP);
	cr_assert_eq(m.code, MIP_CODE_ACCEPTED);
	cr_assert_eq(m.ident, ident_of(vstr_path("rekey", "identification")));
	cr_assert_eq(m.present, MIP_HAS_NAI | MIP_HAS_KEY_REQ_S2 | MIP_HAS_MHAE);
	assert_keyspec(&m.key_s2, "spi2");
	assert_mhae(&m, input_u32("spi1"), MIP_MD5_AUTH_LEN);

	build_rrp_prefix(&b, out, sizeof(out), 0, vstr_path("rekey", "identification"));
	mip_put_keyspec(&b, cfg.vendor_id, MIP_CVSE_KEY_REQ_S2, &s2);
	assert_bytes_eq(out, finish_with_mhae(&b, input_u32("spi1"), &m), buf, len);
}

/* ---- the other extensions, built then parsed ---- */

Test(wire, optional_extensions_parse)
{
	uint8_t buf[MSG_MAX], proto = 1, chal[16] = { 1 }, kc[4] = { 0, 0, 0x0e, 0x10 };
	uint8_t mnfa[16] = { 0xaa }, ga[16] = { 0xbb }, fachal[8] = { 9, 8, 7, 6, 5, 4, 3, 2 };
	uint8_t skipme[3] = { 1, 2, 3 };
	struct mip_keyspec s = { 0x1001, MIP_ALG_KEYED_MD5, MIP_REPLAY_TIMESTAMPS };
	struct mip_builder b;
	struct mip_msg m;
	size_t mhae_off, mnfa_off;

	mip_builder_init(&b, buf, sizeof(buf));
	mip_put_rrq_hdr(&b, MIP_FLAG_S | MIP_FLAG_T, 600, 0, 0x01020304, 0x05060708, 42);
	mip_put_nai(&b, "a@b", 3);
	mip_put_keyspec(&b, cfg.vendor_id, MIP_CVSE_KEY_REQ_S, &s);
	mip_put_cvse(&b, cfg.vendor_id, MIP_CVSE_AUTH_PROTOCOL, &proto, 1);
	mip_put_cvse(&b, cfg.vendor_id, MIP_CVSE_DOMAIN, "CORP", 4);
	mip_put_cvse(&b, cfg.vendor_id, MIP_CVSE_AUTH_CHALLENGE, chal, 16);
	mip_put_cvse(&b, cfg.vendor_id, MIP_CVSE_KEY_CONTINUATION, kc, 4);
	mip_put_nvse(&b, 9, 1, "x", 1);
	mip_put_ext(&b, 200, skipme, sizeof(skipme));
	mhae_off = mip_put_auth(&b, MIP_EXT_MHAE, cfg.dynkey_spi, MIP_NT_RESPONSE_LEN);
	mip_put_ext(&b, MIP_EXT_FA_CHALLENGE, fachal, sizeof(fachal));
	mnfa_off = mip_put_auth(&b, MIP_EXT_MNFA, 0x2000, 16);
	memcpy(buf + mnfa_off, mnfa, 16);
	mip_put_gen_auth(&b, 1, 0x3000, ga, sizeof(ga));
	mip_put_nvse(&b, 9, 2, NULL, 0);
	mip_put_auth(&b, MIP_EXT_FAHA, 0x4000, 16);
	cr_assert_eq(b.err, 0);

	parse_ok(buf, b.len, &m);
	cr_assert_eq(m.flags, MIP_FLAG_S | MIP_FLAG_T);
	cr_assert_eq(m.lifetime, 600);
	cr_assert_eq(m.ha_addr, 0x01020304);
	cr_assert_eq(m.coa, 0x05060708);
	cr_assert_eq(m.ident, 42);
	cr_assert_eq(m.present, MIP_HAS_NAI | MIP_HAS_KEY_REQ_S | MIP_HAS_AUTH_PROTOCOL |
					MIP_HAS_DOMAIN | MIP_HAS_AUTH_CHALLENGE |
					MIP_HAS_KEY_CONTINUATION | MIP_HAS_MHAE |
					MIP_HAS_FA_CHALLENGE | MIP_HAS_MNFA | MIP_HAS_GEN_AUTH |
					MIP_HAS_FAHA);
	cr_assert_eq(m.key_s.alg, MIP_ALG_KEYED_MD5);
	assert_view_str(m.domain, "CORP");
	cr_assert_eq(m.key_continuation, 3600);
	cr_assert_eq(m.mhae.protected_len, mhae_off);
	cr_assert_eq(m.ext_end_mhae, mhae_off + MIP_NT_RESPONSE_LEN);
	cr_assert_eq(m.fa_challenge.len, sizeof(fachal));
	cr_assert_arr_eq(m.fa_challenge.p, fachal, sizeof(fachal));
	cr_assert_eq(m.mnfa.spi, 0x2000);
	cr_assert_eq(m.mnfa.protected_len, mnfa_off);
	cr_assert_arr_eq(m.mnfa.auth.p, mnfa, 16);
	cr_assert_eq(m.gen_auth.spi, 0x3000);
	cr_assert_eq(m.gen_auth.subtype, 1);
	cr_assert_eq(m.gen_auth.protected_len, m.gen_auth.offset + 8);
	cr_assert_arr_eq(m.gen_auth.auth.p, ga, 16);
	cr_assert_eq(m.faha.spi, 0x4000);
	cr_assert_eq(m.faha.protected_len + 16, b.len);
	cr_assert(mip_is_dynkey_initial(&m, &cfg));
}

Test(wire, denial_without_mhae_parses)
{
	uint8_t buf[64];
	struct mip_builder b;
	struct mip_msg m;

	mip_builder_init(&b, buf, sizeof(buf));
	mip_put_rrp_hdr(&b, MIP_CODE_MN_FAILED_AUTH, 0, 0x0a01000a, 0x0a010001, 7);
	mip_put_nai(&b, "u@r", 3);
	cr_assert_eq(b.err, 0);
	parse_ok(buf, b.len, &m);
	cr_assert_eq(m.code, MIP_CODE_MN_FAILED_AUTH);
	cr_assert_eq(m.present, MIP_HAS_NAI);
	cr_assert_eq(m.ext_end_mhae, 0);
	cr_assert_null(m.mhae.auth.p);
	/* A bare header is a whole RRP too. */
	parse_ok(buf, MIP_RRP_HDR_LEN, &m);
	cr_assert_eq(m.present, 0);
}

/* ---- builder errors ---- */

Test(wire, builder_enospc_is_sticky)
{
	uint8_t buf[MIP_RRQ_HDR_LEN + 4];
	struct mip_builder b;

	memset(buf, 0xee, sizeof(buf));
	mip_builder_init(&b, buf, MIP_RRQ_HDR_LEN - 1);
	mip_put_rrq_hdr(&b, 0, 1, 2, 3, 4, 5);
	cr_assert_eq(b.err, -ENOSPC);
	cr_assert_eq(b.len, 0);
	/* Nothing was written, and later puts that would fit are no-ops. */
	for (size_t i = 0; i < sizeof(buf); i++)
		cr_assert_eq(buf[i], 0xee);
	mip_put_ext(&b, 200, NULL, 0);
	cr_assert_eq(b.len, 0);
	cr_assert_eq(mip_put_auth(&b, MIP_EXT_MHAE, 0x1000, 0), 0);
	cr_assert_eq(b.err, -ENOSPC);
}

Test(wire, builder_exact_fit_then_overflow)
{
	uint8_t buf[MIP_RRQ_HDR_LEN + 2 + 4 + 16];
	struct mip_builder b;
	size_t off;

	mip_builder_init(&b, buf, sizeof(buf));
	mip_put_rrq_hdr(&b, 0, 1, 2, 3, 4, 5);
	off = mip_put_auth(&b, MIP_EXT_MHAE, 0x1000, 16);
	cr_assert_eq(b.err, 0);
	cr_assert_eq(off, MIP_RRQ_HDR_LEN + 6);
	cr_assert_eq(b.len, sizeof(buf));
	mip_put_ext(&b, 200, NULL, 0);
	cr_assert_eq(b.err, -ENOSPC);
	cr_assert_eq(b.len, sizeof(buf));
	/* A later -EINVAL does not replace the first error. */
	mip_put_ext(&b, 200, NULL, 256);
	cr_assert_eq(b.err, -ENOSPC);
}

Test(wire, builder_rejects_oversized_values)
{
	static uint8_t big[70000];
	uint8_t buf[256];
	struct mip_builder b;

	mip_builder_init(&b, buf, sizeof(buf));
	mip_put_ext(&b, 200, big, 256);
	cr_assert_eq(b.err, -EINVAL);
	cr_assert_eq(b.len, 0);

	mip_builder_init(&b, buf, sizeof(buf));
	mip_put_nai(&b, "", 0);
	cr_assert_eq(b.err, -EINVAL);

	mip_builder_init(&b, buf, sizeof(buf));
	mip_put_nvse(&b, 1, 1, big, 248);
	cr_assert_eq(b.err, -EINVAL);

	mip_builder_init(&b, buf, sizeof(buf));
	mip_put_cvse(&b, 1, 1, big, 65530);
	cr_assert_eq(b.err, -EINVAL);

	mip_builder_init(&b, buf, sizeof(buf));
	mip_put_gen_auth(&b, 1, 0x1000, big, 65532);
	cr_assert_eq(b.err, -EINVAL);

	mip_builder_init(&b, buf, sizeof(buf));
	cr_assert_eq(mip_put_auth(&b, MIP_EXT_MHAE, 0x1000, 252), 0);
	cr_assert_eq(b.err, -EINVAL);

	/* The largest legal short extension fits in 257 bytes, not 256. */
	mip_builder_init(&b, buf, sizeof(buf));
	mip_put_ext(&b, 200, big, 255);
	cr_assert_eq(b.err, -ENOSPC);
}

/* ---- hex, addresses, error table ---- */

Test(wire, hex_helpers)
{
	uint8_t out[4] = { 0 };
	char s[9];

	cr_assert_eq(mip_hex_decode("00aBcDfF", out, sizeof(out)), 4);
	cr_assert_eq(out[0], 0x00);
	cr_assert_eq(out[1], 0xab);
	cr_assert_eq(out[2], 0xcd);
	cr_assert_eq(out[3], 0xff);
	cr_assert_eq(mip_hex_decode("", out, sizeof(out)), 0);
	cr_assert_eq(mip_hex_decode("abc", out, sizeof(out)), -EINVAL);
	cr_assert_eq(mip_hex_decode("0g", out, sizeof(out)), -EINVAL);
	cr_assert_eq(mip_hex_decode("0 11", out, sizeof(out)), -EINVAL);
	cr_assert_eq(mip_hex_decode(NULL, out, sizeof(out)), -EINVAL);
	memset(out, 0x11, sizeof(out));
	cr_assert_eq(mip_hex_decode("0102030405", out, sizeof(out)), -ENOSPC);
	cr_assert_eq(out[0], 0x11, "a failed decode must not write");
	cr_assert_eq(mip_hex_decode("01020304", out, sizeof(out)), 4);

	memset(s, 'z', sizeof(s));
	mip_hex_encode((const uint8_t *)"\x00\xab\x7f\xff", 4, s);
	cr_assert_str_eq(s, "00ab7fff");
	mip_hex_encode(out, 0, s);
	cr_assert_str_eq(s, "");
}

Test(wire, parse_ipv4)
{
	uint32_t a = 0;

	cr_assert_eq(mip_parse_ipv4("10.1.0.10", &a), 0);
	cr_assert_arr_eq(&a, "\x0a\x01\x00\x0a", 4);
	cr_assert_eq(mip_parse_ipv4("0.0.0.0", &a), 0);
	cr_assert_eq(a, 0);
	cr_assert_eq(mip_parse_ipv4("10.1.0", &a), -EINVAL);
	cr_assert_eq(mip_parse_ipv4("10.1.0.256", &a), -EINVAL);
	cr_assert_eq(mip_parse_ipv4("10.1.0.1 ", &a), -EINVAL);
	cr_assert_eq(mip_parse_ipv4("", &a), -EINVAL);
	cr_assert_eq(mip_parse_ipv4(NULL, &a), -EINVAL);
}

Test(wire, error_table)
{
	struct mip_parse_cfg d;

	cr_assert_eq(mip_err_code(MIP_OK), 0);
	cr_assert_str_eq(mip_err_name(MIP_OK), "MIP_OK");
	cr_assert_str_eq(mip_err_name(MIP_E_EXT_OVERRUN), "MIP_E_EXT_OVERRUN");
	for (int e = 1; e < MIP_E__COUNT; e++) {
		uint8_t c = mip_err_code((enum mip_err)e);

		cr_assert(c == MIP_CODE_POORLY_FORMED || c == MIP_CODE_UNSUPPORTED_VSE,
			  "%s -> %u", mip_err_name((enum mip_err)e), c);
		cr_assert_eq(strncmp(mip_err_name((enum mip_err)e), "MIP_E_", 6), 0);
		cr_assert_gt(strlen(mip_err_str((enum mip_err)e)), 0);
	}
	cr_assert_eq(mip_err_code(MIP_E_CVSE_TYPE), MIP_CODE_UNSUPPORTED_VSE);
	cr_assert_not_null(mip_err_str(MIP_E__COUNT));
	cr_assert_not_null(mip_err_name((enum mip_err)-1));
	mip_parse_cfg_default(&d);
	cr_assert_eq(d.vendor_id, MIP_DEFAULT_VENDOR_ID);
	cr_assert_eq(d.dynkey_spi, MIP_DEFAULT_DYNKEY_SPI);
	/* The example's configuration is the contract's default. */
	cr_assert_eq(cfg.vendor_id, MIP_DEFAULT_VENDOR_ID);
	cr_assert_eq(cfg.dynkey_spi, MIP_DEFAULT_DYNKEY_SPI);
}
