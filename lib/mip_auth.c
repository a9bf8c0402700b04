/* SPDX-License-Identifier: BSD-3-Clause */
/* MN-HA authenticators (spec section 8): the scalar reference on nettle. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <nettle/hmac.h>
#include <nettle/md5.h>

#include "mip_auth.h"

int mip_ct_equal(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a;
	const uint8_t *y = b;
	uint64_t diff = 0;
	uint32_t d;
	size_t i = 0;

	/*
	 * Every byte is read whatever the earlier ones were: no early exit, no
	 * data-dependent branch. Eight bytes at a time (an authenticator is two
	 * words; this runs once per registration on the workers).
	 */
	for (; i + 8 <= n; i += 8) {
		uint64_t u, v;

		memcpy(&u, x + i, 8);
		memcpy(&v, y + i, 8);
		diff |= u ^ v;
	}
	for (; i < n; i++)
		diff |= (uint64_t)(x[i] ^ y[i]);
	d = (uint32_t)diff | (uint32_t)(diff >> 32);
	return (int)(((uint64_t)d - 1) >> 63);
}

void mip_hmac_md5(const uint8_t *key, size_t key_len, const void *data, size_t len,
		  uint8_t out[16])
{
	struct hmac_md5_ctx ctx;

	hmac_md5_set_key(&ctx, key_len, key);
	hmac_md5_update(&ctx, len, data);
	hmac_md5_digest(&ctx, MD5_DIGEST_SIZE, out);
	/* The context holds the key's inner and outer pads. */
	mip_wipe(&ctx, sizeof(ctx));
}

void mip_keyed_md5(const struct mip_key *key, const void *data, size_t len, uint8_t out[16])
{
	struct md5_ctx ctx;

	md5_init(&ctx);
	md5_update(&ctx, MIP_KEY_LEN, key->b);
	md5_update(&ctx, len, data);
	md5_update(&ctx, MIP_KEY_LEN, key->b);
	md5_digest(&ctx, MD5_DIGEST_SIZE, out);
	mip_wipe(&ctx, sizeof(ctx));
}

void mip_md5(const void *data, size_t len, uint8_t out[16])
{
	struct md5_ctx ctx;

	md5_init(&ctx);
	md5_update(&ctx, len, data);
	md5_digest(&ctx, MD5_DIGEST_SIZE, out);
}

int mip_auth_compute(enum mip_alg alg, const struct mip_key *key, const void *data, size_t len,
		     uint8_t out[16])
{
	switch (alg) {
	case MIP_ALG_HMAC_MD5:
		mip_hmac_md5(key->b, MIP_KEY_LEN, data, len, out);
		return 0;
	case MIP_ALG_KEYED_MD5:
		mip_keyed_md5(key, data, len, out);
		return 0;
	}
	return -EINVAL;
}

bool mip_auth_verify(const struct mip_msg *m, enum mip_alg alg, const struct mip_key *key)
{
	uint8_t mac[MIP_MD5_AUTH_LEN];
	bool ok;

	if ((m->present & MIP_HAS_MHAE) == 0 || m->mhae.auth.p == NULL ||
	    m->mhae.auth.len != MIP_MD5_AUTH_LEN || m->mhae.protected_len > m->len)
		return false;
	if (mip_auth_compute(alg, key, m->buf, m->mhae.protected_len, mac) != 0)
		return false;
	ok = mip_ct_equal(mac, m->mhae.auth.p, MIP_MD5_AUTH_LEN) == 1;
	mip_wipe(mac, sizeof(mac));
	return ok;
}

int mip_auth_sign(uint8_t *buf, size_t auth_off, enum mip_alg alg, const struct mip_key *key)
{
	uint8_t mac[MIP_MD5_AUTH_LEN];
	int error;

	error = mip_auth_compute(alg, key, buf, auth_off, mac);
	if (error != 0)
		return error;
	memcpy(buf + auth_off, mac, sizeof(mac));
	return 0;
}
