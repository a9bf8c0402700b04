/* SPDX-License-Identifier: BSD-3-Clause */
/* Registration Replies of the dynamic-key exchanges (spec sections 5 step 7, 7, 8). */
#include <arpa/inet.h>

#include "dk_internal.h"

size_t dk_rrp_unsigned(uint8_t *buf, size_t cap, uint8_t code, uint32_t home, uint32_t ha,
		       uint64_t ident, const char *nai, size_t nai_len)
{
	struct mip_builder b;

	mip_builder_init(&b, buf, cap);
	mip_put_rrp_hdr(&b, code, 0, home, ha, ident);
	if (nai_len > 0)
		mip_put_nai(&b, nai, nai_len);
	return b.err == 0 ? b.len : 0;
}

size_t dk_rrp_signed(uint8_t *buf, size_t cap, const struct dk_rrp *r)
{
	struct mip_builder b;
	uint32_t kc_be = htonl(r->kc);
	size_t off;

	mip_builder_init(&b, buf, cap);
	mip_put_rrp_hdr(&b, r->code, r->lifetime, r->home, r->ha, r->ident);
	if (r->nai_len > 0)
		mip_put_nai(&b, r->nai, r->nai_len);
	if (r->ks != NULL)
		mip_put_keyspec(&b, r->vendor, MIP_CVSE_KEY_REQ_S, r->ks);
	if (r->ks2 != NULL)
		mip_put_keyspec(&b, r->vendor, MIP_CVSE_KEY_REQ_S2, r->ks2);
	if (r->auth_challenge != NULL)
		mip_put_cvse(&b, r->vendor, MIP_CVSE_AUTH_CHALLENGE, r->auth_challenge,
			     MIP_AUTH_CHALLENGE_LEN);
	if (r->auth_response != NULL)
		mip_put_cvse(&b, r->vendor, MIP_CVSE_AUTH_RESPONSE, r->auth_response,
			     MIP_AUTH_RESPONSE_LEN);
	if (r->kc != 0)
		mip_put_cvse(&b, r->vendor, MIP_CVSE_KEY_CONTINUATION, &kc_be, sizeof(kc_be));
	off = mip_put_auth(&b, MIP_EXT_MHAE, r->spi, MIP_MD5_AUTH_LEN);
	if (b.err != 0 || off == 0)
		return 0;
	if (mip_auth_sign(buf, off, (enum mip_alg)r->alg, r->key) != 0)
		return 0;
	return b.len;
}
