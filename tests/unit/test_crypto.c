/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hash and MAC primitives as libmip uses them, against the RFCs' own vectors:
 * MD4 (RFC 1320 A.5, through nettle), MD5 (RFC 1321 A.5), HMAC-MD5 (RFC 2202
 * section 2), keyed-MD5, constant-time compare, sign/verify of an MHAE.
 */
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>
#include <nettle/md4.h>
#include <nettle/md5.h>

#include "mip.h"

static void unhex(const char *hex, uint8_t *out, size_t want)
{
	long n = mip_hex_decode(hex, out, want);

	cr_assert_eq(n, (long)want, "bad test vector %s", hex);
}

struct hash_vec {
	const char *msg;
	const char *digest;
};

/* RFC 1320 appendix A.5 */
static const struct hash_vec md4_vecs[] = {
	{ "", "31d6cfe0d16ae931b73c59d7e0c089c0" },
	{ "a", "bde52cb31de33e46245e05fbdbd6fb24" },
	{ "abc", "a448017aaf21d8525fc10ae87aa6729d" },
	{ "message digest", "d9130a8164549fe818874806e1c7014b" },
	{ "abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9" },
	{ "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
	  "043f8582f241db351ce627e153e7f0e4" },
	{ "1234567890123456789012345678901234567890"
	  "1234567890123456789012345678901234567890",
	  "e33b4ddc9c38f2199c3e7b164fcc0536" },
};

/* RFC 1321 appendix A.5 */
static const struct hash_vec md5_vecs[] = {
	{ "", "d41d8cd98f00b204e9800998ecf8427e" },
	{ "a", "0cc175b9c0f1b6a831c399e269772661" },
	{ "abc", "900150983cd24fb0d6963f7d28e17f72" },
	{ "message digest", "f96b697d7cb7938d525a2f31aaf161d0" },
	{ "abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b" },
	{ "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
	  "d174ab98d277d9f5a5611c2c9f419d9f" },
	{ "1234567890123456789012345678901234567890"
	  "1234567890123456789012345678901234567890",
	  "57edf4a22be3c955ac49da2e2107b67a" },
};

Test(md4, rfc1320_suite)
{
	size_t i;

	for (i = 0; i < sizeof(md4_vecs) / sizeof(md4_vecs[0]); i++) {
		uint8_t want[16], got[16];
		struct md4_ctx ctx;

		unhex(md4_vecs[i].digest, want, 16);
		md4_init(&ctx);
		md4_update(&ctx, strlen(md4_vecs[i].msg), (const uint8_t *)md4_vecs[i].msg);
		md4_digest(&ctx, sizeof(got), got);
		cr_assert_arr_eq(got, want, 16, "MD4(\"%s\")", md4_vecs[i].msg);
	}
}

/* HashNtPasswordHash is MD4 over the 16 hash bytes: same primitive, as used. */
Test(md4, hash_nt_password_hash_is_md4)
{
	struct mip_key in, out;
	uint8_t want[16];
	struct md4_ctx ctx;
	size_t i;

	for (i = 0; i < 16; i++)
		in.b[i] = (uint8_t)(i * 17 + 3);
	md4_init(&ctx);
	md4_update(&ctx, 16, in.b);
	md4_digest(&ctx, 16, want);
	mip_hash_nt_password_hash(&in, &out);
	cr_assert_arr_eq(out.b, want, 16);
}

Test(md5, rfc1321_suite)
{
	size_t i;

	for (i = 0; i < sizeof(md5_vecs) / sizeof(md5_vecs[0]); i++) {
		uint8_t want[16], got[16];

		unhex(md5_vecs[i].digest, want, 16);
		mip_md5(md5_vecs[i].msg, strlen(md5_vecs[i].msg), got);
		cr_assert_arr_eq(got, want, 16, "MD5(\"%s\")", md5_vecs[i].msg);
	}
}

struct hmac_vec {
	uint8_t key[80];
	size_t key_len;
	uint8_t data[80];
	size_t data_len;
	const char *digest;
};

static void fill(uint8_t *p, uint8_t v, size_t n)
{
	memset(p, v, n);
}

/* RFC 2202 section 2, test cases 1-7 */
static void rfc2202_case(int tc, struct hmac_vec *v)
{
	size_t i;

	memset(v, 0, sizeof(*v));
	switch (tc) {
	case 1:
		fill(v->key, 0x0b, v->key_len = 16);
		memcpy(v->data, "Hi There", v->data_len = 8);
		v->digest = "9294727a3638bb1c13f48ef8158bfc9d";
		break;
	case 2:
		memcpy(v->key, "Jefe", v->key_len = 4);
		memcpy(v->data, "what do ya want for nothing?", v->data_len = 28);
		v->digest = "750c783e6ab0b503eaa86e310a5db738";
		break;
	case 3:
		fill(v->key, 0xaa, v->key_len = 16);
		fill(v->data, 0xdd, v->data_len = 50);
		v->digest = "56be34521d144c88dbb8c733f0e8b3f6";
		break;
	case 4:
		for (i = 0; i < 25; i++)
			v->key[i] = (uint8_t)(i + 1);
		v->key_len = 25;
		fill(v->data, 0xcd, v->data_len = 50);
		v->digest = "697eaf0aca3a3aea3a75164746ffaa79";
		break;
	case 5:
		fill(v->key, 0x0c, v->key_len = 16);
		memcpy(v->data, "Test With Truncation", v->data_len = 20);
		v->digest = "56461ef2342edc00f9bab995690efd4c";
		break;
	case 6:
		fill(v->key, 0xaa, v->key_len = 80);
		memcpy(v->data, "Test Using Larger Than Block-Size Key - Hash Key First",
		       v->data_len = 54);
		v->digest = "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd";
		break;
	case 7:
		fill(v->key, 0xaa, v->key_len = 80);
		memcpy(v->data,
		       "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data",
		       v->data_len = 73);
		v->digest = "6f630fad67cda0ee1fb1f562db3aa53e";
		break;
	default:
		cr_assert_fail("no case %d", tc);
	}
}

Test(hmac_md5, rfc2202_all_cases)
{
	int tc;

	for (tc = 1; tc <= 7; tc++) {
		struct hmac_vec v;
		uint8_t want[16], got[16];

		rfc2202_case(tc, &v);
		unhex(v.digest, want, 16);
		mip_hmac_md5(v.key, v.key_len, v.data, v.data_len, got);
		cr_assert_arr_eq(got, want, 16, "RFC 2202 HMAC-MD5 test case %d", tc);
	}
}

/* Case 5's 96-bit truncation is a prefix of the full MAC. */
Test(hmac_md5, rfc2202_case5_truncated_prefix)
{
	struct hmac_vec v;
	uint8_t want[12], got[16];

	rfc2202_case(5, &v);
	unhex("56461ef2342edc00f9bab995", want, 12);
	mip_hmac_md5(v.key, v.key_len, v.data, v.data_len, got);
	cr_assert_arr_eq(got, want, 12);
}

Test(hmac_md5, auth_compute_uses_the_16_byte_key)
{
	struct hmac_vec v;
	struct mip_key key;
	uint8_t want[16], got[16];

	rfc2202_case(3, &v);
	memcpy(key.b, v.key, 16);
	unhex(v.digest, want, 16);
	cr_assert_eq(mip_auth_compute(MIP_ALG_HMAC_MD5, &key, v.data, v.data_len, got), 0);
	cr_assert_arr_eq(got, want, 16);
}

/* keyed-MD5 prefix+suffix is MD5(key || data || key): checked against one MD5 pass. */
Test(keyed_md5, prefix_suffix)
{
	static const char data[] = "registration request bytes";
	uint8_t joined[16 + sizeof(data) - 1 + 16];
	struct mip_key key;
	uint8_t want[16], got[16], via_compute[16];
	size_t i;

	for (i = 0; i < 16; i++)
		key.b[i] = (uint8_t)(0xa0 + i);
	memcpy(joined, key.b, 16);
	memcpy(joined + 16, data, sizeof(data) - 1);
	memcpy(joined + 16 + sizeof(data) - 1, key.b, 16);
	mip_md5(joined, sizeof(joined), want);
	mip_keyed_md5(&key, data, sizeof(data) - 1, got);
	cr_assert_arr_eq(got, want, 16);
	cr_assert_eq(mip_auth_compute(MIP_ALG_KEYED_MD5, &key, data, sizeof(data) - 1,
				      via_compute), 0);
	cr_assert_arr_eq(via_compute, want, 16);
	/* Not HMAC: the two algorithms must differ. */
	mip_hmac_md5(key.b, 16, data, sizeof(data) - 1, got);
	cr_assert_arr_neq(got, want, 16);
}

Test(auth_compute, unknown_alg_is_einval)
{
	struct mip_key key = { { 0 } };
	uint8_t out[16];

	memset(out, 0x5a, sizeof(out));
	cr_assert_eq(mip_auth_compute((enum mip_alg)0, &key, "x", 1, out), -EINVAL);
	cr_assert_eq(mip_auth_compute((enum mip_alg)3, &key, "x", 1, out), -EINVAL);
	cr_assert_eq(out[0], 0x5a, "output touched on error");
}

Test(ct_equal, equal_and_every_position_differs)
{
	uint8_t a[32], b[32];
	size_t i;
	int bit;

	for (i = 0; i < sizeof(a); i++)
		a[i] = b[i] = (uint8_t)(i * 7);
	cr_assert_eq(mip_ct_equal(a, b, sizeof(a)), 1);
	cr_assert_eq(mip_ct_equal(a, b, 0), 1);
	for (i = 0; i < sizeof(a); i++) {
		for (bit = 0; bit < 8; bit++) {
			b[i] ^= (uint8_t)(1u << bit);
			cr_assert_eq(mip_ct_equal(a, b, sizeof(a)), 0, "byte %zu bit %d", i, bit);
			b[i] ^= (uint8_t)(1u << bit);
		}
	}
	b[31] = (uint8_t)~a[31];
	cr_assert_eq(mip_ct_equal(a, b, 31), 1, "bytes past n must not count");
}

/* Word-wise with a byte tail: every length, every bit, at every alignment. */
Test(ct_equal, every_length_and_alignment)
{
	uint8_t a[48], b[48];

	for (size_t i = 0; i < sizeof(a); i++)
		a[i] = b[i] = (uint8_t)(i * 13 + 1);
	for (size_t off = 0; off < 8; off++) {
		for (size_t n = 0; n + off <= 40; n++) {
			cr_assert_eq(mip_ct_equal(a + off, b + off, n), 1, "off %zu n %zu", off, n);
			for (size_t i = 0; i < n; i++) {
				for (int bit = 0; bit < 8; bit++) {
					b[off + i] ^= (uint8_t)(1u << bit);
					cr_assert_eq(mip_ct_equal(a + off, b + off, n), 0,
						     "off %zu n %zu byte %zu bit %d", off, n, i, bit);
					b[off + i] ^= (uint8_t)(1u << bit);
				}
			}
			/* a difference just past n does not count */
			b[off + n] ^= 0x80;
			cr_assert_eq(mip_ct_equal(a + off, b + off, n), 1, "off %zu n %zu past", off, n);
			b[off + n] ^= 0x80;
		}
	}
}

/* A message built, signed and parsed: verify accepts; any changed byte, key or alg refuses. */
static size_t build_signed(uint8_t *buf, size_t cap, enum mip_alg alg, const struct mip_key *key,
			   size_t *auth_off)
{
	struct mip_builder b;
	uint32_t home = 0x0a01000a, ha = 0x0a010001, coa = 0xc000024d;

	mip_builder_init(&b, buf, cap);
	mip_put_rrq_hdr(&b, 0, 1800, home, ha, coa, 0xed0f6b4a00000001ull);
	mip_put_nai(&b, "mn@example.net", 14);
	*auth_off = mip_put_auth(&b, MIP_EXT_MHAE, 4097, 16);
	cr_assert_eq(b.err, 0);
	cr_assert_neq(*auth_off, 0);
	cr_assert_eq(mip_auth_sign(buf, *auth_off, alg, key), 0);
	return b.len;
}

Test(auth, sign_then_verify_both_algs)
{
	enum mip_alg algs[] = { MIP_ALG_HMAC_MD5, MIP_ALG_KEYED_MD5 };
	struct mip_parse_cfg cfg;
	struct mip_key key, other;
	size_t a, i, len, off;

	mip_parse_cfg_default(&cfg);
	for (i = 0; i < 16; i++) {
		key.b[i] = (uint8_t)(i + 1);
		other.b[i] = (uint8_t)(i + 1);
	}
	other.b[15] ^= 0x01;
	for (a = 0; a < 2; a++) {
		uint8_t buf[128], want[16];
		struct mip_msg m;

		len = build_signed(buf, sizeof(buf), algs[a], &key, &off);
		cr_assert_eq(off + 16, len, "MHAE is last");
		cr_assert_eq(mip_auth_compute(algs[a], &key, buf, off, want), 0);
		cr_assert_arr_eq(buf + off, want, 16, "sign wrote the MAC over [0, auth_off)");
		cr_assert_eq(mip_parse(buf, len, &cfg, &m), MIP_OK);
		cr_assert_eq(m.mhae.protected_len, off);
		cr_assert(mip_auth_verify(&m, algs[a], &key));
		cr_assert_not(mip_auth_verify(&m, algs[a], &other));
		cr_assert_not(mip_auth_verify(&m, algs[1 - a], &key));
		cr_assert_not(mip_auth_verify(&m, (enum mip_alg)9, &key));
		for (i = 0; i < len; i++) {
			buf[i] ^= 0x40;
			cr_assert_not(mip_auth_verify(&m, algs[a], &key), "byte %zu changed", i);
			buf[i] ^= 0x40;
		}
		cr_assert(mip_auth_verify(&m, algs[a], &key));
	}
}

Test(auth, verify_refuses_without_a_16_byte_mhae)
{
	struct mip_msg m;
	struct mip_key key = { { 0 } };
	uint8_t buf[64] = { 0 };

	memset(&m, 0, sizeof(m));
	m.buf = buf;
	m.len = sizeof(buf);
	cr_assert_not(mip_auth_verify(&m, MIP_ALG_HMAC_MD5, &key), "no MHAE");
	m.present = MIP_HAS_MHAE;
	m.mhae.protected_len = 30;
	m.mhae.auth.p = buf + 30;
	m.mhae.auth.len = 24;
	cr_assert_not(mip_auth_verify(&m, MIP_ALG_HMAC_MD5, &key), "24-byte authenticator");
	m.mhae.auth.len = 12;
	cr_assert_not(mip_auth_verify(&m, MIP_ALG_HMAC_MD5, &key), "12-byte authenticator");
}

Test(auth, sign_unknown_alg_leaves_buffer)
{
	uint8_t buf[40];
	struct mip_key key = { { 1 } };

	memset(buf, 0x33, sizeof(buf));
	cr_assert_eq(mip_auth_sign(buf, 24, (enum mip_alg)0, &key), -EINVAL);
	for (size_t i = 0; i < sizeof(buf); i++)
		cr_assert_eq(buf[i], 0x33);
}
