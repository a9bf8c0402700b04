/* SPDX-License-Identifier: BSD-3-Clause */
/* Dynamic-key derivations: spec sections 4 to 7. */
#include <errno.h>
#include <string.h>

#include <nettle/md5.h>

#include "mip_auth.h"
#include "mip_dynkey.h"
#include "mip_mschap.h"

void mip_peer_challenge(const struct mip_msg *m, uint8_t out[16])
{
	static const uint8_t zero[MIP_NT_RESPONSE_LEN] = { 0 };
	size_t end = m->ext_end_mhae < m->len ? m->ext_end_mhae : m->len;
	size_t auth_off = end, auth_len = 0, left;
	struct md5_ctx ctx;

	/* Only an authenticator inside [0, end) is taken as zero; never read past end. */
	if (m->mhae.auth.p != NULL && m->mhae.auth.p >= m->buf &&
	    (size_t)(m->mhae.auth.p - m->buf) + m->mhae.auth.len <= end) {
		auth_off = (size_t)(m->mhae.auth.p - m->buf);
		auth_len = m->mhae.auth.len;
	}

	/*
	 * Hashed in pieces so that the buffer is left as it is: whatever the
	 * authenticator holds, it counts as zero.
	 */
	md5_init(&ctx);
	md5_update(&ctx, auth_off, m->buf);
	for (left = auth_len; left > 0;) {
		size_t n = left < sizeof(zero) ? left : sizeof(zero);

		md5_update(&ctx, n, zero);
		left -= n;
	}
	md5_update(&ctx, end - auth_off - auth_len, m->buf + auth_off + auth_len);
	md5_digest(&ctx, MD5_DIGEST_SIZE, out);
}

void mip_k2_from_nt_hash(const struct mip_key *nt_hash, const uint8_t nt_response[24],
			 struct mip_key *k2)
{
	struct mip_key hash_hash, master;

	mip_hash_nt_password_hash(nt_hash, &hash_hash);
	mip_mppe_master_key(&hash_hash, nt_response, &master);
	/*
	 * The MN is the MS-CHAPv2 client; its send key (Magic2) is what the AAA
	 * server returns as MS-MPPE-Recv-Key (spec section 6 step 1).
	 */
	mip_mppe_asymmetric_start_key(&master, true, false, k2);
	mip_wipe(&hash_hash, sizeof(hash_hash));
	mip_wipe(&master, sizeof(master));
}

void mip_derive_skey(const struct mip_key *k2, const uint8_t auth_challenge[16],
		     const uint8_t nt_response[24], struct mip_key *skey)
{
	uint8_t data[MIP_AUTH_CHALLENGE_LEN + MIP_NT_RESPONSE_LEN];

	memcpy(data, auth_challenge, MIP_AUTH_CHALLENGE_LEN);
	memcpy(data + MIP_AUTH_CHALLENGE_LEN, nt_response, MIP_NT_RESPONSE_LEN);
	mip_hmac_md5(k2->b, MIP_KEY_LEN, data, sizeof(data), skey->b);
}

/* HMAC-MD5(skey, label || Identification big-endian) */
static void derive_labelled(const struct mip_key *skey, uint8_t label, uint64_t ident,
			    struct mip_key *out)
{
	uint8_t data[9];
	int i;

	data[0] = label;
	for (i = 0; i < 8; i++)
		data[1 + i] = (uint8_t)(ident >> (56 - 8 * i));
	mip_hmac_md5(skey->b, MIP_KEY_LEN, data, sizeof(data), out->b);
}

void mip_derive_skey2(const struct mip_key *skey, uint64_t ident, struct mip_key *skey2)
{
	derive_labelled(skey, 0x01, ident, skey2);
}

void mip_derive_skey_next(const struct mip_key *skey, uint64_t ident, struct mip_key *skey_next)
{
	derive_labelled(skey, 0x02, ident, skey_next);
}

int mip_sign_initial_rrq(uint8_t *buf, const struct mip_msg *m, const char *user,
			 size_t user_len, const struct mip_key *nt_hash,
			 uint8_t peer_challenge_out[16])
{
	uint8_t nt_response[MIP_NT_RESPONSE_LEN];
	size_t auth_off;

	if ((m->present & (MIP_HAS_MHAE | MIP_HAS_AUTH_CHALLENGE)) !=
		    (MIP_HAS_MHAE | MIP_HAS_AUTH_CHALLENGE) ||
	    m->auth_challenge == NULL || m->mhae.auth.p == NULL ||
	    m->mhae.auth.len != MIP_NT_RESPONSE_LEN || m->buf != buf)
		return -EINVAL;
	auth_off = (size_t)(m->mhae.auth.p - m->buf);
	mip_peer_challenge(m, peer_challenge_out);
	mip_generate_nt_response(m->auth_challenge, peer_challenge_out, user, user_len, nt_hash,
				 nt_response);
	memcpy(buf + auth_off, nt_response, sizeof(nt_response));
	return 0;
}
