/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MS-CHAPv2 (RFC 2759 section 8), MPPE start keys (RFC 3079 section 3.4) and
 * MS-MPPE key attribute encryption (RFC 2548 section 2.4.2/2.4.3), on nettle.
 */
#include <errno.h>
#include <string.h>

#include <nettle/des.h>
#include <nettle/md4.h>
#include <nettle/md5.h>
#include <nettle/sha1.h>

#include "mip_mschap.h"

/* RFC 2759: a password is at most 256 Unicode characters (UTF-16 code units). */
#define NT_PASSWORD_MAX_UNITS 256

/* RFC 2759 section 8.7 */
static const char auth_magic1[] = "Magic server to client signing constant";
static const char auth_magic2[] = "Pad to make it do more than one iteration";
/* RFC 3079 section 3.4 */
static const char mppe_magic1[] = "This is the MPPE Master Key";
static const char mppe_magic2[] =
	"On the client side, this is the send key; on the server side, it is the receive key.";
static const char mppe_magic3[] =
	"On the client side, this is the receive key; on the server side, it is the send key.";

#define MPPE_SALT_LEN 2
#define MPPE_BLOCK 16
/* key-length byte + 16-byte key, padded to the block size */
#define MPPE_PLAIN_LEN 32
/* RADIUS attribute values are at most 253 bytes: salt + 15 blocks */
#define MPPE_STRING_MAX (15 * MPPE_BLOCK)

/*
 * Decodes one UTF-8 code point at s[*i]; advances *i. -1 for anything that is
 * not shortest-form UTF-8 of a scalar value (overlong, surrogate, > U+10FFFF,
 * truncated, stray continuation byte).
 */
static long utf8_next(const uint8_t *s, size_t len, size_t *i)
{
	uint8_t c = s[*i];
	size_t need, k;
	uint32_t cp, min;

	if (c < 0x80) {
		*i += 1;
		return c;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
		cp = c & 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		cp = c & 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		cp = c & 0x07;
		min = 0x10000;
	} else {
		return -1;
	}
	if (len - *i < need + 1)
		return -1;
	for (k = 1; k <= need; k++) {
		uint8_t cc = s[*i + k];

		if ((cc & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (cc & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*i += need + 1;
	return (long)cp;
}

/* UTF-8 -> UTF-16LE into out (2 * NT_PASSWORD_MAX_UNITS bytes); bytes or -EINVAL. */
static long utf8_to_utf16le(const char *in, size_t len, uint8_t *out)
{
	const uint8_t *s = (const uint8_t *)in;
	size_t i = 0, units = 0;

	while (i < len) {
		long cp = utf8_next(s, len, &i);
		uint16_t u[2];
		size_t n, k;

		if (cp < 0)
			return -EINVAL;
		if (cp >= 0x10000) {
			cp -= 0x10000;
			u[0] = (uint16_t)(0xd800 | (cp >> 10));
			u[1] = (uint16_t)(0xdc00 | (cp & 0x3ff));
			n = 2;
		} else {
			u[0] = (uint16_t)cp;
			n = 1;
		}
		if (units + n > NT_PASSWORD_MAX_UNITS)
			return -EINVAL;
		for (k = 0; k < n; k++) {
			out[2 * units] = (uint8_t)(u[k] & 0xff);
			out[2 * units + 1] = (uint8_t)(u[k] >> 8);
			units++;
		}
	}
	return (long)(2 * units);
}

int mip_nt_password_hash(const char *password, size_t len, struct mip_key *nt_hash)
{
	uint8_t unicode[2 * NT_PASSWORD_MAX_UNITS];
	struct md4_ctx ctx;
	long n;

	if (password == NULL && len != 0)
		return -EINVAL;
	n = utf8_to_utf16le(password, len, unicode);
	if (n < 0) {
		mip_wipe(unicode, sizeof(unicode));
		return -EINVAL;
	}
	md4_init(&ctx);
	md4_update(&ctx, (size_t)n, unicode);
	md4_digest(&ctx, MD4_DIGEST_SIZE, nt_hash->b);
	mip_wipe(unicode, sizeof(unicode));
	mip_wipe(&ctx, sizeof(ctx));
	return 0;
}

void mip_hash_nt_password_hash(const struct mip_key *nt_hash, struct mip_key *out)
{
	struct md4_ctx ctx;

	md4_init(&ctx);
	md4_update(&ctx, MIP_KEY_LEN, nt_hash->b);
	md4_digest(&ctx, MD4_DIGEST_SIZE, out->b);
	mip_wipe(&ctx, sizeof(ctx));
}

void mip_challenge_hash(const uint8_t peer_challenge[16], const uint8_t auth_challenge[16],
			const char *user, size_t user_len, uint8_t out[8])
{
	struct sha1_ctx ctx;

	sha1_init(&ctx);
	sha1_update(&ctx, 16, peer_challenge);
	sha1_update(&ctx, 16, auth_challenge);
	sha1_update(&ctx, user_len, (const uint8_t *)user);
	/* nettle truncates the digest to the length asked for. */
	sha1_digest(&ctx, 8, out);
}

/*
 * DesEncrypt (RFC 2759 8.6): the 7 key bytes spread over 8, 7 bits each, with
 * odd parity in the low bit. A weak key is still a valid key here: nettle
 * reports it but sets it anyway, and MS-CHAPv2 must use it.
 */
static void des_encrypt_7(const uint8_t clear[8], const uint8_t key7[7], uint8_t cypher[8])
{
	uint8_t key8[DES_KEY_SIZE];
	struct des_ctx ctx;

	key8[0] = key7[0];
	key8[1] = (uint8_t)(key7[0] << 7 | key7[1] >> 1);
	key8[2] = (uint8_t)(key7[1] << 6 | key7[2] >> 2);
	key8[3] = (uint8_t)(key7[2] << 5 | key7[3] >> 3);
	key8[4] = (uint8_t)(key7[3] << 4 | key7[4] >> 4);
	key8[5] = (uint8_t)(key7[4] << 3 | key7[5] >> 5);
	key8[6] = (uint8_t)(key7[5] << 2 | key7[6] >> 6);
	key8[7] = (uint8_t)(key7[6] << 1);
	des_fix_parity(DES_KEY_SIZE, key8, key8);
	(void)des_set_key(&ctx, key8);
	des_encrypt(&ctx, DES_BLOCK_SIZE, cypher, clear);
	mip_wipe(key8, sizeof(key8));
	mip_wipe(&ctx, sizeof(ctx));
}

/* ChallengeResponse (RFC 2759 8.5) */
static void challenge_response(const uint8_t challenge[8], const struct mip_key *nt_hash,
			       uint8_t response[24])
{
	uint8_t z[21];

	memset(z, 0, sizeof(z));
	memcpy(z, nt_hash->b, MIP_KEY_LEN);
	des_encrypt_7(challenge, z, response);
	des_encrypt_7(challenge, z + 7, response + 8);
	des_encrypt_7(challenge, z + 14, response + 16);
	mip_wipe(z, sizeof(z));
}

void mip_generate_nt_response(const uint8_t auth_challenge[16], const uint8_t peer_challenge[16],
			      const char *user, size_t user_len, const struct mip_key *nt_hash,
			      uint8_t nt_response[24])
{
	uint8_t challenge[8];

	mip_challenge_hash(peer_challenge, auth_challenge, user, user_len, challenge);
	challenge_response(challenge, nt_hash, nt_response);
}

void mip_generate_authenticator_response(const struct mip_key *nt_hash,
					 const uint8_t nt_response[24],
					 const uint8_t peer_challenge[16],
					 const uint8_t auth_challenge[16], const char *user,
					 size_t user_len, char out[42])
{
	static const char hexdig[] = "0123456789ABCDEF";
	uint8_t digest[SHA1_DIGEST_SIZE];
	uint8_t challenge[8];
	struct mip_key hash_hash;
	struct sha1_ctx ctx;
	size_t i;

	mip_hash_nt_password_hash(nt_hash, &hash_hash);
	sha1_init(&ctx);
	sha1_update(&ctx, MIP_KEY_LEN, hash_hash.b);
	sha1_update(&ctx, 24, nt_response);
	sha1_update(&ctx, sizeof(auth_magic1) - 1, (const uint8_t *)auth_magic1);
	sha1_digest(&ctx, SHA1_DIGEST_SIZE, digest);
	mip_wipe(&hash_hash, sizeof(hash_hash));

	mip_challenge_hash(peer_challenge, auth_challenge, user, user_len, challenge);
	sha1_init(&ctx);
	sha1_update(&ctx, SHA1_DIGEST_SIZE, digest);
	sha1_update(&ctx, sizeof(challenge), challenge);
	sha1_update(&ctx, sizeof(auth_magic2) - 1, (const uint8_t *)auth_magic2);
	sha1_digest(&ctx, SHA1_DIGEST_SIZE, digest);
	mip_wipe(&ctx, sizeof(ctx));

	out[0] = 'S';
	out[1] = '=';
	for (i = 0; i < SHA1_DIGEST_SIZE; i++) {
		out[2 + 2 * i] = hexdig[digest[i] >> 4];
		out[3 + 2 * i] = hexdig[digest[i] & 0x0f];
	}
	mip_wipe(digest, sizeof(digest));
}

void mip_mppe_master_key(const struct mip_key *password_hash_hash, const uint8_t nt_response[24],
			 struct mip_key *master)
{
	uint8_t digest[SHA1_DIGEST_SIZE];
	struct sha1_ctx ctx;

	sha1_init(&ctx);
	sha1_update(&ctx, MIP_KEY_LEN, password_hash_hash->b);
	sha1_update(&ctx, 24, nt_response);
	sha1_update(&ctx, sizeof(mppe_magic1) - 1, (const uint8_t *)mppe_magic1);
	sha1_digest(&ctx, SHA1_DIGEST_SIZE, digest);
	memcpy(master->b, digest, MIP_KEY_LEN);
	mip_wipe(digest, sizeof(digest));
	mip_wipe(&ctx, sizeof(ctx));
}

void mip_mppe_asymmetric_start_key(const struct mip_key *master, bool is_send, bool is_server,
				   struct mip_key *out)
{
	static const uint8_t pad1[40] = { 0 };
	static const uint8_t pad2[40] = {
		0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2,
		0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2,
		0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2,
		0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2, 0xf2,
	};
	uint8_t digest[SHA1_DIGEST_SIZE];
	struct sha1_ctx ctx;
	const char *s;

	/* RFC 3079 3.4: the client's send key is the server's receive key. */
	if (is_send)
		s = is_server ? mppe_magic3 : mppe_magic2;
	else
		s = is_server ? mppe_magic2 : mppe_magic3;

	sha1_init(&ctx);
	sha1_update(&ctx, MIP_KEY_LEN, master->b);
	sha1_update(&ctx, sizeof(pad1), pad1);
	sha1_update(&ctx, sizeof(mppe_magic2) - 1, (const uint8_t *)s);
	sha1_update(&ctx, sizeof(pad2), pad2);
	sha1_digest(&ctx, SHA1_DIGEST_SIZE, digest);
	memcpy(out->b, digest, MIP_KEY_LEN);
	mip_wipe(digest, sizeof(digest));
	mip_wipe(&ctx, sizeof(ctx));
}

/*
 * The RFC 2548 keystream block: MD5(S + R + A) for the first block,
 * MD5(S + c(i-1)) after it.
 */
static void mppe_block_pad(const uint8_t *secret, size_t secret_len, const uint8_t *prev,
			   size_t prev_len, const uint8_t *salt, uint8_t b[16])
{
	struct md5_ctx ctx;

	md5_init(&ctx);
	md5_update(&ctx, secret_len, secret);
	md5_update(&ctx, prev_len, prev);
	if (salt != NULL)
		md5_update(&ctx, MPPE_SALT_LEN, salt);
	md5_digest(&ctx, MD5_DIGEST_SIZE, b);
	mip_wipe(&ctx, sizeof(ctx));
}

int mip_mppe_decrypt_key(const uint8_t *attr, size_t attr_len, const uint8_t *secret,
			 size_t secret_len, const uint8_t request_auth[16], struct mip_key *key)
{
	uint8_t plain[MPPE_STRING_MAX];
	uint8_t b[MPPE_BLOCK];
	const uint8_t *c;
	size_t n, i, j;
	uint8_t bad;

	mip_wipe(key, sizeof(*key));
	if (attr == NULL || attr_len < MPPE_SALT_LEN + MPPE_PLAIN_LEN)
		return -EINVAL;
	n = attr_len - MPPE_SALT_LEN;
	if (n % MPPE_BLOCK != 0 || n > MPPE_STRING_MAX)
		return -EINVAL;
	if ((attr[0] & 0x80) == 0)
		return -EINVAL;

	c = attr + MPPE_SALT_LEN;
	for (i = 0; i < n; i += MPPE_BLOCK) {
		if (i == 0)
			mppe_block_pad(secret, secret_len, request_auth, 16, attr, b);
		else
			mppe_block_pad(secret, secret_len, c + i - MPPE_BLOCK, MPPE_BLOCK, NULL,
				       b);
		for (j = 0; j < MPPE_BLOCK; j++)
			plain[i + j] = c[i + j] ^ b[j];
	}
	mip_wipe(b, sizeof(b));

	/* Length byte and padding folded into one flag: no early exit. */
	bad = plain[0] ^ MIP_KEY_LEN;
	for (i = 1 + MIP_KEY_LEN; i < n; i++)
		bad |= plain[i];
	if (bad != 0) {
		mip_wipe(plain, sizeof(plain));
		return -EINVAL;
	}
	memcpy(key->b, plain + 1, MIP_KEY_LEN);
	mip_wipe(plain, sizeof(plain));
	return 0;
}

size_t mip_mppe_encrypt_key(const struct mip_key *key, uint16_t salt, const uint8_t *secret,
			    size_t secret_len, const uint8_t request_auth[16], uint8_t out[34])
{
	uint8_t plain[MPPE_PLAIN_LEN];
	uint8_t b[MPPE_BLOCK];
	size_t i, j;

	memset(plain, 0, sizeof(plain));
	plain[0] = MIP_KEY_LEN;
	memcpy(plain + 1, key->b, MIP_KEY_LEN);

	out[0] = (uint8_t)((salt >> 8) | 0x80);
	out[1] = (uint8_t)(salt & 0xff);
	for (i = 0; i < MPPE_PLAIN_LEN; i += MPPE_BLOCK) {
		if (i == 0)
			mppe_block_pad(secret, secret_len, request_auth, 16, out, b);
		else
			mppe_block_pad(secret, secret_len, out + MPPE_SALT_LEN + i - MPPE_BLOCK,
				       MPPE_BLOCK, NULL, b);
		for (j = 0; j < MPPE_BLOCK; j++)
			out[MPPE_SALT_LEN + i + j] = plain[i + j] ^ b[j];
	}
	mip_wipe(b, sizeof(b));
	mip_wipe(plain, sizeof(plain));
	return MPPE_SALT_LEN + MPPE_PLAIN_LEN;
}
