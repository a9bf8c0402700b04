/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MS-CHAPv2 against RFC 2759 section 9.2, MPPE start keys against RFC 3079
 * section 3.5.3 and the FreeRADIUS known values of spec/vectors/README.md,
 * NtPasswordHash's UTF-8 handling, and MS-MPPE key attribute decryption
 * (RFC 2548 2.4.2/2.4.3) with every refusal the header promises.
 */
#include <errno.h>
#include <stdio.h>
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

/* RFC 2759 section 9.2 */
#define USER "User"
#define PASSWORD "clientPass"
#define AUTH_CHALLENGE "5b5d7c7d7b3f2f3e3c2c602132262628"
#define PEER_CHALLENGE "21402324255e262a28295f2b3a337c7e"
#define CHALLENGE_HASH "d02e4386bce91226"
#define PASSWORD_HASH "44ebba8d5312b8d611474411f56989ae"
#define NT_RESPONSE "82309ecd8d708b5ea08faa3981cd83544233114a3d85d6df"
#define PASSWORD_HASH_HASH "41c00c584bd2d91c4017a2a12fa59f3f"
#define AUTH_RESPONSE "S=407A5589115FD0D6209F510FE9C04566932CDA56"
/* RFC 3079 section 3.5.3 */
#define MASTER_KEY "fdece3717a8c838cb388e527ae3cdd31"
#define SEND_START_KEY_128 "8b7cdc149b993a1ba118cb153f56dccb"
/* FreeRADIUS for the same inputs (spec/vectors/README.md) */
#define FR_MPPE_SEND_KEY "8b7cdc149b993a1ba118cb153f56dccb"
#define FR_MPPE_RECV_KEY "d5f0e9521e3ea9589645e86051c82226"

struct rfc2759 {
	uint8_t auth_challenge[16];
	uint8_t peer_challenge[16];
	struct mip_key nt_hash;
};

static void rfc2759_inputs(struct rfc2759 *v)
{
	unhex(AUTH_CHALLENGE, v->auth_challenge, 16);
	unhex(PEER_CHALLENGE, v->peer_challenge, 16);
	cr_assert_eq(mip_nt_password_hash(PASSWORD, strlen(PASSWORD), &v->nt_hash), 0);
}

Test(rfc2759, password_hash)
{
	struct rfc2759 v;
	uint8_t want[16];

	rfc2759_inputs(&v);
	unhex(PASSWORD_HASH, want, 16);
	cr_assert_arr_eq(v.nt_hash.b, want, 16);
}

Test(rfc2759, password_hash_hash)
{
	struct rfc2759 v;
	struct mip_key hh;
	uint8_t want[16];

	rfc2759_inputs(&v);
	mip_hash_nt_password_hash(&v.nt_hash, &hh);
	unhex(PASSWORD_HASH_HASH, want, 16);
	cr_assert_arr_eq(hh.b, want, 16);
}

Test(rfc2759, challenge_hash)
{
	struct rfc2759 v;
	uint8_t want[8], got[8];

	rfc2759_inputs(&v);
	mip_challenge_hash(v.peer_challenge, v.auth_challenge, USER, 4, got);
	unhex(CHALLENGE_HASH, want, 8);
	cr_assert_arr_eq(got, want, 8);
}

Test(rfc2759, nt_response)
{
	struct rfc2759 v;
	uint8_t want[24], got[24];

	rfc2759_inputs(&v);
	mip_generate_nt_response(v.auth_challenge, v.peer_challenge, USER, 4, &v.nt_hash, got);
	unhex(NT_RESPONSE, want, 24);
	cr_assert_arr_eq(got, want, 24);
}

Test(rfc2759, authenticator_response)
{
	struct rfc2759 v;
	uint8_t nt_response[24];
	char got[42];

	rfc2759_inputs(&v);
	unhex(NT_RESPONSE, nt_response, 24);
	memset(got, 0, sizeof(got));
	mip_generate_authenticator_response(&v.nt_hash, nt_response, v.peer_challenge,
					    v.auth_challenge, USER, 4, got);
	cr_assert_eq(memcmp(got, AUTH_RESPONSE, 42), 0, "got %.42s", got);
}

/* Any change of user, challenge or hash changes the NT-Response. */
Test(rfc2759, nt_response_depends_on_every_input)
{
	struct rfc2759 v;
	uint8_t base[24], got[24];

	rfc2759_inputs(&v);
	mip_generate_nt_response(v.auth_challenge, v.peer_challenge, USER, 4, &v.nt_hash, base);
	mip_generate_nt_response(v.auth_challenge, v.peer_challenge, "user", 4, &v.nt_hash, got);
	cr_assert_arr_neq(got, base, 24);
	v.peer_challenge[15] ^= 1;
	mip_generate_nt_response(v.auth_challenge, v.peer_challenge, USER, 4, &v.nt_hash, got);
	cr_assert_arr_neq(got, base, 24);
	v.peer_challenge[15] ^= 1;
	v.auth_challenge[0] ^= 0x80;
	mip_generate_nt_response(v.auth_challenge, v.peer_challenge, USER, 4, &v.nt_hash, got);
	cr_assert_arr_neq(got, base, 24);
	v.auth_challenge[0] ^= 0x80;
	/* Hash bytes 14-15 (then 5 zero bytes) make the third DES key only. */
	v.nt_hash.b[15] ^= 0x02;
	mip_generate_nt_response(v.auth_challenge, v.peer_challenge, USER, 4, &v.nt_hash, got);
	cr_assert_arr_eq(got, base, 16, "first two DES blocks do not see byte 15");
	cr_assert_arr_neq(got + 16, base + 16, 8);
}

/*
 * An all-zero hash gives DES keys that are weak (all-zero after parity
 * expansion); nettle flags them but MS-CHAPv2 must still use them. The three
 * blocks then use the same key, so the same challenge gives three equal blocks.
 */
Test(rfc2759, weak_des_keys_are_used)
{
	struct rfc2759 v;
	struct mip_key zero = { { 0 } };
	uint8_t got[24];

	rfc2759_inputs(&v);
	mip_generate_nt_response(v.auth_challenge, v.peer_challenge, USER, 4, &zero, got);
	cr_assert_arr_eq(got, got + 8, 8);
	cr_assert_arr_eq(got + 8, got + 16, 8);
	cr_assert_arr_neq(got, (uint8_t[8]){ 0 }, 8);
}

/*
 * Known answer for the weak all-zero key over the RFC's ChallengeHash,
 * computed independently with OpenSSL 3.0's DES:
 * printf d02e4386bce91226 | xxd -r -p |
 *   openssl enc -des-ecb -K 0000000000000000 -nopad -provider legacy -provider default
 */
Test(rfc2759, weak_des_key_known_answer)
{
	struct rfc2759 v;
	struct mip_key zero = { { 0 } };
	uint8_t want[8], got[24];

	rfc2759_inputs(&v);
	unhex("651b607991f4db3f", want, 8);
	mip_generate_nt_response(v.auth_challenge, v.peer_challenge, USER, 4, &zero, got);
	cr_assert_arr_eq(got, want, 8);
	cr_assert_arr_eq(got + 8, want, 8);
	cr_assert_arr_eq(got + 16, want, 8);
}

Test(rfc3079, master_key)
{
	struct mip_key hh, master;
	uint8_t nt_response[24], want[16];

	unhex(PASSWORD_HASH_HASH, hh.b, 16);
	unhex(NT_RESPONSE, nt_response, 24);
	mip_mppe_master_key(&hh, nt_response, &master);
	unhex(MASTER_KEY, want, 16);
	cr_assert_arr_eq(master.b, want, 16);
}

/* RFC 3079's printed 128-bit start key is the Magic3 key: send on the server. */
Test(rfc3079, send_start_key_128_is_magic3)
{
	struct mip_key master, key;
	uint8_t want[16];

	unhex(MASTER_KEY, master.b, 16);
	unhex(SEND_START_KEY_128, want, 16);
	mip_mppe_asymmetric_start_key(&master, true, true, &key);
	cr_assert_arr_eq(key.b, want, 16);
	/* The client receives with the same key. */
	mip_mppe_asymmetric_start_key(&master, false, false, &key);
	cr_assert_arr_eq(key.b, want, 16);
}

/* FreeRADIUS: MS-MPPE-Recv-Key is the Magic2 key (client send = server receive). */
Test(rfc3079, freeradius_recv_key_is_magic2)
{
	struct mip_key master, key;
	uint8_t recv[16], send[16];

	unhex(MASTER_KEY, master.b, 16);
	unhex(FR_MPPE_RECV_KEY, recv, 16);
	unhex(FR_MPPE_SEND_KEY, send, 16);
	mip_mppe_asymmetric_start_key(&master, true, false, &key);
	cr_assert_arr_eq(key.b, recv, 16);
	mip_mppe_asymmetric_start_key(&master, false, true, &key);
	cr_assert_arr_eq(key.b, recv, 16);
	cr_assert_arr_neq(recv, send, 16);
}

/* k'' as the MN derives it from the NT hash is FreeRADIUS's MS-MPPE-Recv-Key. */
Test(rfc3079, k2_from_nt_hash_is_recv_key)
{
	struct rfc2759 v;
	struct mip_key k2;
	uint8_t nt_response[24], want[16];

	rfc2759_inputs(&v);
	unhex(NT_RESPONSE, nt_response, 24);
	mip_k2_from_nt_hash(&v.nt_hash, nt_response, &k2);
	unhex(FR_MPPE_RECV_KEY, want, 16);
	cr_assert_arr_eq(k2.b, want, 16);
}

/* NtPasswordHash over hand-written UTF-16LE, through nettle's MD4. */
static void md4_of(const uint8_t *p, size_t n, uint8_t out[16])
{
	struct md4_ctx ctx;

	md4_init(&ctx);
	md4_update(&ctx, n, p);
	md4_digest(&ctx, 16, out);
}

Test(nt_password_hash, utf8_to_utf16le)
{
	static const struct {
		const char *utf8;
		const uint8_t utf16le[16];
		size_t n;
	} cases[] = {
		{ "", { 0 }, 0 },
		{ "A", { 'A', 0 }, 2 },
		{ "\xc3\xa9", { 0xe9, 0x00 }, 2 },			   /* U+00E9 */
		{ "\xe2\x82\xac", { 0xac, 0x20 }, 2 },			   /* U+20AC */
		{ "\xef\xbf\xbd", { 0xfd, 0xff }, 2 },			   /* U+FFFD */
		{ "\xf0\x9f\x98\x80", { 0x3d, 0xd8, 0x00, 0xde }, 4 },	   /* U+1F600 */
		{ "\xf4\x8f\xbf\xbf", { 0xff, 0xdb, 0xff, 0xdf }, 4 },	   /* U+10FFFF */
		{ "a\xc3\xa9z", { 'a', 0, 0xe9, 0, 'z', 0 }, 6 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mip_key got;
		uint8_t want[16];

		md4_of(cases[i].utf16le, cases[i].n, want);
		cr_assert_eq(mip_nt_password_hash(cases[i].utf8, strlen(cases[i].utf8), &got), 0,
			     "case %zu", i);
		cr_assert_arr_eq(got.b, want, 16, "case %zu", i);
	}
}

Test(nt_password_hash, invalid_utf8_refused)
{
	static const char *bad[] = {
		"\x80",			/* stray continuation */
		"a\xbf",
		"\xc3",			/* truncated */
		"\xe2\x82",
		"\xf0\x9f\x98",
		"\xc0\xaf",		/* overlong '/' */
		"\xc1\xbf",
		"\xe0\x80\xaf",		/* overlong */
		"\xf0\x80\x80\xaf",
		"\xed\xa0\x80",		/* U+D800 surrogate encoded */
		"\xed\xbf\xbf",		/* U+DFFF */
		"\xed\xa0\xbd\xed\xb8\x80", /* CESU-8 pair */
		"\xf4\x90\x80\x80",	/* > U+10FFFF */
		"\xf5\x80\x80\x80",
		"\xff",
		"\xfe",
		"\xc3\x28",		/* bad continuation */
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mip_key got;

		memset(&got, 0x77, sizeof(got));
		cr_assert_eq(mip_nt_password_hash(bad[i], strlen(bad[i]), &got), -EINVAL,
			     "case %zu", i);
	}
}

/* The length is the caller's: a NUL inside counts, bytes past len do not. */
Test(nt_password_hash, length_is_explicit)
{
	struct mip_key a, b;

	cr_assert_eq(mip_nt_password_hash("clientPassXYZ", 10, &a), 0);
	cr_assert_eq(mip_nt_password_hash(PASSWORD, 10, &b), 0);
	cr_assert_arr_eq(a.b, b.b, 16);
	cr_assert_eq(mip_nt_password_hash("ab\0c", 4, &a), 0);
	cr_assert_eq(mip_nt_password_hash("ab", 2, &b), 0);
	cr_assert_arr_neq(a.b, b.b, 16);
}

Test(nt_password_hash, at_most_256_utf16_units)
{
	char pw[1100];
	uint8_t u16[600];
	struct mip_key got;
	uint8_t want[16];
	size_t i;

	for (i = 0; i < 256; i++) {
		pw[i] = (char)('a' + i % 26);
		u16[2 * i] = (uint8_t)pw[i];
		u16[2 * i + 1] = 0;
	}
	md4_of(u16, 512, want);
	cr_assert_eq(mip_nt_password_hash(pw, 256, &got), 0);
	cr_assert_arr_eq(got.b, want, 16);
	pw[256] = 'x';
	cr_assert_eq(mip_nt_password_hash(pw, 257, &got), -EINVAL);

	/* 128 non-BMP characters are 256 units; one more BMP one is too many. */
	for (i = 0; i < 128; i++)
		memcpy(pw + 4 * i, "\xf0\x9f\x98\x80", 4);
	cr_assert_eq(mip_nt_password_hash(pw, 512, &got), 0);
	pw[512] = 'x';
	cr_assert_eq(mip_nt_password_hash(pw, 513, &got), -EINVAL);
	/* 255 units then a surrogate pair: 257. */
	memset(pw, 'a', 255);
	memcpy(pw + 255, "\xf0\x9f\x98\x80", 4);
	cr_assert_eq(mip_nt_password_hash(pw, 259, &got), -EINVAL);
}

/*
 * MS-MPPE key attributes. mppe_encrypt_plain() is the test's own RFC 2548
 * encoder for an arbitrary plaintext (nettle MD5 chaining), used to build
 * attributes the library must refuse and to check its encoder.
 */
static size_t mppe_encrypt_plain(const uint8_t *plain, size_t n, uint16_t salt,
				 const uint8_t *secret, size_t secret_len, const uint8_t ra[16],
				 uint8_t *out)
{
	size_t i, j;

	out[0] = (uint8_t)(salt >> 8);
	out[1] = (uint8_t)salt;
	for (i = 0; i < n; i += 16) {
		struct md5_ctx ctx;
		uint8_t b[16];

		md5_init(&ctx);
		md5_update(&ctx, secret_len, secret);
		if (i == 0) {
			md5_update(&ctx, 16, ra);
			md5_update(&ctx, 2, out);
		} else {
			md5_update(&ctx, 16, out + 2 + i - 16);
		}
		md5_digest(&ctx, 16, b);
		for (j = 0; j < 16; j++)
			out[2 + i + j] = plain[i + j] ^ b[j];
	}
	return 2 + n;
}

static const uint8_t ra1[16] = { 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78, 0x87,
				 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0, 0x0f };

static void test_key(struct mip_key *k, uint8_t seed)
{
	size_t i;

	for (i = 0; i < 16; i++)
		k->b[i] = (uint8_t)(seed * 31 + i * 7);
}

Test(mppe, round_trip_secrets_and_salts)
{
	static const char *secrets[] = {
		"s",
		"testing123",
		("a much longer shared secret that spans more than one MD5 block of input "
		 "bytes, so that the secret alone fills the first 64-byte block"),
	};
	static const uint16_t salts[] = { 0x8000, 0x8001, 0xabcd, 0xffff, 0x1234, 0x0000 };
	size_t s, t;

	for (s = 0; s < 3; s++) {
		for (t = 0; t < sizeof(salts) / sizeof(salts[0]); t++) {
			const uint8_t *sec = (const uint8_t *)secrets[s];
			size_t sl = strlen(secrets[s]);
			uint8_t attr[34], ref[34], plain[32];
			struct mip_key key, got;
			uint8_t ra[16];

			test_key(&key, (uint8_t)(s * 8 + t));
			memcpy(ra, ra1, 16);
			ra[0] = (uint8_t)(s + t);
			cr_assert_eq(mip_mppe_encrypt_key(&key, salts[t], sec, sl, ra, attr), 34);
			cr_assert(attr[0] & 0x80, "salt high bit forced on");
			cr_assert_eq(attr[0] & 0x7f, (salts[t] >> 8) & 0x7f);
			cr_assert_eq(attr[1], salts[t] & 0xff);
			/* Same bytes as the test's own encoder. */
			memset(plain, 0, sizeof(plain));
			plain[0] = 16;
			memcpy(plain + 1, key.b, 16);
			mppe_encrypt_plain(plain, 32, (uint16_t)(salts[t] | 0x8000), sec, sl, ra,
					   ref);
			cr_assert_arr_eq(attr, ref, 34);
			cr_assert_eq(mip_mppe_decrypt_key(attr, 34, sec, sl, ra, &got), 0);
			cr_assert_arr_eq(got.b, key.b, 16);
		}
	}
}

/* Different salts give different ciphertexts for the same key. */
Test(mppe, salt_changes_ciphertext)
{
	uint8_t a[34], b[34];
	struct mip_key key;

	test_key(&key, 1);
	mip_mppe_encrypt_key(&key, 0x8001, (const uint8_t *)"sec", 3, ra1, a);
	mip_mppe_encrypt_key(&key, 0x8002, (const uint8_t *)"sec", 3, ra1, b);
	cr_assert_arr_neq(a + 2, b + 2, 16);
}

static void assert_refused(const uint8_t *attr, size_t len, const char *secret,
			   const uint8_t ra[16], const char *why)
{
	struct mip_key got;

	memset(&got, 0x5c, sizeof(got));
	cr_assert_eq(mip_mppe_decrypt_key(attr, len, (const uint8_t *)secret, strlen(secret), ra,
					  &got), -EINVAL, "%s", why);
	cr_assert_arr_eq(got.b, ((uint8_t[16]){ 0 }), 16, "key wiped: %s", why);
}

Test(mppe, refuses_wrong_secret_or_authenticator)
{
	uint8_t attr[34], ra[16];
	struct mip_key key;
	char secret[24];
	int i;

	test_key(&key, 9);
	mip_mppe_encrypt_key(&key, 0x8421, (const uint8_t *)"right", 5, ra1, attr);
	/* Passing needs length byte 16 and 15 zero bytes: ~2^-128 by chance. */
	for (i = 0; i < 64; i++) {
		snprintf(secret, sizeof(secret), "wrong%d", i);
		assert_refused(attr, 34, secret, ra1, "wrong secret");
	}
	memcpy(ra, ra1, 16);
	ra[7] ^= 1;
	assert_refused(attr, 34, "right", ra, "wrong request authenticator");
}

Test(mppe, refuses_bad_lengths)
{
	uint8_t attr[64];
	struct mip_key key;
	size_t len;

	test_key(&key, 3);
	mip_mppe_encrypt_key(&key, 0x8888, (const uint8_t *)"sec", 3, ra1, attr);
	for (len = 0; len < 34; len++)
		assert_refused(attr, len, "sec", ra1, "truncated");
	memset(attr + 34, 0, sizeof(attr) - 34);
	for (len = 35; len < 50; len++)
		assert_refused(attr, len, "sec", ra1, "not a multiple of 16");
	assert_refused(attr, 18, "sec", ra1, "one block cannot hold length byte and key");
	assert_refused(NULL, 34, "sec", ra1, "no attribute");
}

Test(mppe, refuses_salt_high_bit_clear)
{
	uint8_t plain[32], attr[34];
	struct mip_key key, got;

	test_key(&key, 4);
	memset(plain, 0, sizeof(plain));
	plain[0] = 16;
	memcpy(plain + 1, key.b, 16);
	/* Encrypted consistently under a salt without the high bit. */
	mppe_encrypt_plain(plain, 32, 0x1234, (const uint8_t *)"sec", 3, ra1, attr);
	assert_refused(attr, 34, "sec", ra1, "salt high bit clear");
	/* The same with the bit set is accepted: only the bit made the difference. */
	mppe_encrypt_plain(plain, 32, 0x9234, (const uint8_t *)"sec", 3, ra1, attr);
	cr_assert_eq(mip_mppe_decrypt_key(attr, 34, (const uint8_t *)"sec", 3, ra1, &got), 0);
	cr_assert_arr_eq(got.b, key.b, 16);
}

Test(mppe, refuses_key_length_byte_not_16)
{
	static const uint8_t lens[] = { 0, 1, 15, 17, 31, 0x90 };
	uint8_t plain[32], attr[34];
	struct mip_key key;
	size_t i;

	test_key(&key, 5);
	for (i = 0; i < sizeof(lens); i++) {
		memset(plain, 0, sizeof(plain));
		plain[0] = lens[i];
		memcpy(plain + 1, key.b, 16);
		mppe_encrypt_plain(plain, 32, 0x8001, (const uint8_t *)"sec", 3, ra1, attr);
		assert_refused(attr, 34, "sec", ra1, "key-length byte");
	}
}

Test(mppe, refuses_non_zero_padding)
{
	uint8_t plain[32], attr[34];
	struct mip_key key;
	size_t pos;

	test_key(&key, 6);
	for (pos = 17; pos < 32; pos++) {
		memset(plain, 0, sizeof(plain));
		plain[0] = 16;
		memcpy(plain + 1, key.b, 16);
		plain[pos] = 0x01;
		mppe_encrypt_plain(plain, 32, 0x8001, (const uint8_t *)"sec", 3, ra1, attr);
		assert_refused(attr, 34, "sec", ra1, "non-zero padding");
	}
	/* A flipped ciphertext bit in the last block lands in the padding. */
	mip_mppe_encrypt_key(&key, 0x8001, (const uint8_t *)"sec", 3, ra1, attr);
	attr[33] ^= 0x01;
	assert_refused(attr, 34, "sec", ra1, "flipped padding bit");
}

/*
 * The header allows any non-zero multiple of 16 with zero padding: a 48-byte
 * string (over-padded) decrypts, with one non-zero padding byte it does not.
 */
Test(mppe, longer_zero_padding_accepted)
{
	uint8_t plain[48], attr[50];
	struct mip_key key, got;

	test_key(&key, 7);
	memset(plain, 0, sizeof(plain));
	plain[0] = 16;
	memcpy(plain + 1, key.b, 16);
	mppe_encrypt_plain(plain, 48, 0x8001, (const uint8_t *)"sec", 3, ra1, attr);
	cr_assert_eq(mip_mppe_decrypt_key(attr, 50, (const uint8_t *)"sec", 3, ra1, &got), 0);
	cr_assert_arr_eq(got.b, key.b, 16);
	plain[47] = 0x80;
	mppe_encrypt_plain(plain, 48, 0x8001, (const uint8_t *)"sec", 3, ra1, attr);
	assert_refused(attr, 50, "sec", ra1, "non-zero padding in third block");
}
