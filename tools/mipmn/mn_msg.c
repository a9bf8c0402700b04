/* SPDX-License-Identifier: BSD-3-Clause */
/* The Mobile Node's message composition and reply checks (see mn_msg.h). */
#include <errno.h>
#include <string.h>

#include "mn_msg.h"

static const char *const reason_str[] = {
#define MIPMN_R_STR(name, text) [name] = text,
	MIPMN_CHECK_REASONS(MIPMN_R_STR)
#undef MIPMN_R_STR
};

static const char *const reason_name[] = {
#define MIPMN_R_NAME(name, text) [name] = #name,
	MIPMN_CHECK_REASONS(MIPMN_R_NAME)
#undef MIPMN_R_NAME
};

const char *mipmn_reason_str(enum mipmn_reason r)
{
	if ((unsigned)r >= MIPMN_R__COUNT)
		return "unknown reason";
	return reason_str[r];
}

const char *mipmn_reason_name(enum mipmn_reason r)
{
	if ((unsigned)r >= MIPMN_R__COUNT)
		return "MIPMN_R_UNKNOWN";
	return reason_name[r];
}

void mipmn_params_default(struct mipmn_params *p)
{
	memset(p, 0, sizeof(*p));
	p->alg = MIP_ALG_HMAC_MD5;
	p->vendor_id = MIP_DEFAULT_VENDOR_ID;
	p->dynkey_spi = MIP_DEFAULT_DYNKEY_SPI;
}

void mipmn_reply_wipe(struct mipmn_reply *r)
{
	mip_wipe(r, sizeof(*r));
}

static bool alg_known(enum mip_alg alg)
{
	return alg == MIP_ALG_HMAC_MD5 || alg == MIP_ALG_KEYED_MD5;
}

static bool spi_usable(uint32_t spi, uint32_t dynkey_spi)
{
	return spi >= MIP_SPI_MIN && spi != dynkey_spi;
}

const char *mipmn_params_check(const struct mipmn_params *p)
{
	if (p->nai == NULL || p->nai_len == 0 || p->nai_len > MIP_NAI_MAX)
		return "NAI must be 1-255 bytes";
	if (p->domain != NULL && p->domain_len > MIP_DOMAIN_MAX)
		return "domain longer than 253 bytes";
	if (!alg_known(p->alg))
		return "unknown algorithm";
	if (!spi_usable(p->spi1, p->dynkey_spi))
		return "SPI1 reserved (0-255) or equal to DYNKEY_SPI";
	if (p->spi2 != 0 && !spi_usable(p->spi2, p->dynkey_spi))
		return "SPI2 reserved (0-255) or equal to DYNKEY_SPI";
	if (p->spi2 == p->spi1)
		return "SPI1 and SPI2 are equal";
	return NULL;
}

static void put_header(struct mip_builder *b, const struct mipmn_params *p)
{
	mip_put_rrq_hdr(b, p->flags, p->lifetime, p->home_addr, p->ha_addr, p->coa, p->ident);
	mip_put_nai(b, p->nai, p->nai_len);
}

static void put_keyspec(struct mip_builder *b, const struct mipmn_params *p, uint16_t cvse_type,
			uint32_t spi)
{
	struct mip_keyspec ks = {
		.spi = spi,
		.alg = (uint8_t)p->alg,
		.replay = MIP_REPLAY_TIMESTAMPS,
	};

	mip_put_keyspec(b, p->vendor_id, cvse_type, &ks);
}

/* The builder's first failure, or the length built. */
static long builder_result(const struct mip_builder *b, size_t auth_off)
{
	if (b->err != 0)
		return b->err;
	if (auth_off == 0)
		return -EINVAL;
	return (long)b->len;
}

long mipmn_build_initial(const struct mipmn_params *p, uint8_t *buf, size_t cap)
{
	static const uint8_t protocol = MIP_AUTH_PROTOCOL_MSCHAPV2;
	struct mip_builder b;
	uint8_t peer_challenge[16];
	size_t auth_off;
	long len;

	if (p->nai == NULL || p->nai_len == 0)
		return -EINVAL;
	mip_builder_init(&b, buf, cap);
	put_header(&b, p);
	put_keyspec(&b, p, MIP_CVSE_KEY_REQ_S, p->spi1);
	if (p->spi2 != 0)
		put_keyspec(&b, p, MIP_CVSE_KEY_REQ_S2, p->spi2);
	mip_put_cvse(&b, p->vendor_id, MIP_CVSE_AUTH_PROTOCOL, &protocol, sizeof(protocol));
	if (p->domain != NULL && p->domain_len != 0)
		mip_put_cvse(&b, p->vendor_id, MIP_CVSE_DOMAIN, p->domain, p->domain_len);
	mip_put_cvse(&b, p->vendor_id, MIP_CVSE_AUTH_CHALLENGE, p->challenge,
		     MIP_AUTH_CHALLENGE_LEN);
	auth_off = mip_put_auth(&b, MIP_EXT_MHAE, p->dynkey_spi, MIP_NT_RESPONSE_LEN);
	len = builder_result(&b, auth_off);
	if (len < 0)
		return len;

	/* Section 4 step 4-5: the authenticator is still 24 zero bytes here. */
	mip_md5(buf, (size_t)len, peer_challenge);
	mip_generate_nt_response(p->challenge, peer_challenge, p->nai, p->nai_len, &p->nt_hash,
				 buf + auth_off);
	return len;
}

static long sign_and_finish(struct mip_builder *b, size_t auth_off, enum mip_alg alg,
			    const struct mip_key *key)
{
	long len = builder_result(b, auth_off);
	int error;

	if (len < 0)
		return len;
	error = mip_auth_sign(b->buf, auth_off, alg, key);
	if (error != 0)
		return error;
	return len;
}

long mipmn_build_rereg(const struct mipmn_params *p, uint32_t spi, const struct mip_key *key,
		       uint8_t *buf, size_t cap)
{
	struct mip_builder b;
	size_t auth_off;

	if (p->nai == NULL || p->nai_len == 0 || !alg_known(p->alg))
		return -EINVAL;
	mip_builder_init(&b, buf, cap);
	put_header(&b, p);
	auth_off = mip_put_auth(&b, MIP_EXT_MHAE, spi, MIP_MD5_AUTH_LEN);
	return sign_and_finish(&b, auth_off, p->alg, key);
}

long mipmn_build_rekey(const struct mipmn_params *p, const struct mip_key *skey, uint8_t *buf,
		       size_t cap)
{
	struct mip_builder b;
	size_t auth_off;

	if (p->nai == NULL || p->nai_len == 0 || p->spi2 == 0 || !alg_known(p->alg))
		return -EINVAL;
	mip_builder_init(&b, buf, cap);
	put_header(&b, p);
	put_keyspec(&b, p, MIP_CVSE_KEY_REQ_S2, p->spi2);
	auth_off = mip_put_auth(&b, MIP_EXT_MHAE, p->spi1, MIP_MD5_AUTH_LEN);
	return sign_and_finish(&b, auth_off, p->alg, skey);
}

static bool keyspec_equal(const struct mip_keyspec *a, const struct mip_keyspec *b)
{
	return a->spi == b->spi && a->alg == b->alg && a->replay == b->replay;
}

/* A key spec present in both or in neither, and identical when present. */
static bool keyspec_echoed(const struct mip_msg *req, const struct mip_msg *rep, uint32_t bit,
			   const struct mip_keyspec *a, const struct mip_keyspec *b)
{
	if ((req->present & bit) != (rep->present & bit))
		return false;
	return (req->present & bit) == 0 || keyspec_equal(a, b);
}

static bool nai_equal(const struct mip_msg *m, const char *nai, size_t nai_len)
{
	return (m->present & MIP_HAS_NAI) != 0 && m->nai.len == nai_len &&
	       memcmp(m->nai.p, nai, nai_len) == 0;
}

static bool is_accept(uint8_t code)
{
	return code == MIP_CODE_ACCEPTED || code == MIP_CODE_ACCEPTED_NO_SIMUL;
}

/* An MHAE under spi whose authenticator verifies with key under alg. */
static bool mhae_verifies(const struct mip_msg *rep, uint32_t spi, enum mip_alg alg,
			  const struct mip_key *key)
{
	return (rep->present & MIP_HAS_MHAE) != 0 && rep->mhae.spi == spi &&
	       mip_auth_verify(rep, alg, key);
}

static enum mipmn_reason mhae_reason(const struct mip_msg *rep, uint32_t spi, enum mip_alg alg,
				     const struct mip_key *key)
{
	if ((rep->present & MIP_HAS_MHAE) == 0)
		return MIPMN_R_NO_MHAE;
	if (rep->mhae.spi != spi)
		return MIPMN_R_MHAE_SPI;
	if (!mip_auth_verify(rep, alg, key))
		return MIPMN_R_BAD_MHAE;
	return MIPMN_R_OK;
}

/*
 * The checks every reply goes through before any key is used: it parses, is
 * an RRP, echoes the request's Identification (a 133 only its low 32 bits,
 * RFC 5944 5.7) and NAI. Fills out's header fields.
 */
static enum mipmn_reason check_reply_header(const struct mip_msg *req, const uint8_t *rep,
					    size_t rep_len, const struct mip_parse_cfg *cfg,
					    struct mip_msg *m, struct mipmn_reply *out)
{
	uint64_t mask = ~0ull;

	out->parse_err = mip_parse(rep, rep_len, cfg, m);
	if (out->parse_err != MIP_OK)
		return MIPMN_R_MALFORMED;
	if (m->type != MIP_TYPE_RRP)
		return MIPMN_R_NOT_REPLY;
	out->code = m->code;
	out->lifetime = m->lifetime;
	out->home_addr = m->home_addr;
	out->ident = m->ident;
	if (m->code == MIP_CODE_ID_MISMATCH)
		mask = 0xffffffffull;
	if ((m->ident & mask) != (req->ident & mask))
		return MIPMN_R_IDENT;
	if (!nai_equal(m, (const char *)req->nai.p, req->nai.len))
		return MIPMN_R_NAI;
	if ((m->present & MIP_HAS_KEY_CONTINUATION) != 0) {
		out->has_key_continuation = true;
		out->key_continuation = m->key_continuation;
	}
	return MIPMN_R_OK;
}

static bool initial_request_ok(const struct mip_msg *req, const char *nai, size_t nai_len,
			       const struct mip_parse_cfg *cfg)
{
	return req->type == MIP_TYPE_RRQ && mip_is_dynkey_initial(req, cfg) &&
	       (req->present & MIP_HAS_KEY_REQ_S) != 0 &&
	       (req->present & MIP_HAS_AUTH_CHALLENGE) != 0 &&
	       req->mhae.auth.len == MIP_NT_RESPONSE_LEN && alg_known(req->key_s.alg) &&
	       nai_equal(req, nai, nai_len);
}

/* Section 6 step 1-2: k'' from the password, then Skey (and Skey'); k'' wiped. */
static void derive_initial_keys(const struct mip_msg *req, const struct mip_key *nt_hash,
				struct mipmn_reply *out)
{
	struct mip_key k2;

	mip_k2_from_nt_hash(nt_hash, req->mhae.auth.p, &k2);
	mip_derive_skey(&k2, req->auth_challenge, req->mhae.auth.p, &out->skey);
	mip_wipe(&k2, sizeof(k2));
	out->has_skey = true;
	if ((req->present & MIP_HAS_KEY_REQ_S2) != 0) {
		mip_derive_skey2(&out->skey, req->ident, &out->skey2);
		out->has_skey2 = true;
	}
}

static bool auth_response_ok(const struct mip_msg *req, const struct mip_msg *rep,
			     const struct mip_key *nt_hash)
{
	uint8_t peer_challenge[16];
	char expect[MIP_AUTH_RESPONSE_LEN];
	bool ok;

	if ((rep->present & MIP_HAS_AUTH_RESPONSE) == 0)
		return false;
	mip_peer_challenge(req, peer_challenge);
	mip_generate_authenticator_response(nt_hash, req->mhae.auth.p, peer_challenge,
					    req->auth_challenge, (const char *)req->nai.p,
					    req->nai.len, expect);
	ok = mip_ct_equal(expect, rep->auth_response, MIP_AUTH_RESPONSE_LEN) == 1;
	mip_wipe(expect, sizeof(expect));
	return ok;
}

/* The checks of section 6 step 3 on an accepting reply, in the order of mn_msg.h. */
static enum mipmn_reason check_initial_accept(const struct mip_msg *req,
					      const struct mip_msg *rep,
					      const struct mip_key *nt_hash,
					      const struct mipmn_reply *out)
{
	enum mipmn_reason r;

	r = mhae_reason(rep, req->key_s.spi, (enum mip_alg)req->key_s.alg, &out->skey);
	if (r != MIPMN_R_OK)
		return r;
	if (!keyspec_echoed(req, rep, MIP_HAS_KEY_REQ_S, &req->key_s, &rep->key_s) ||
	    !keyspec_echoed(req, rep, MIP_HAS_KEY_REQ_S2, &req->key_s2, &rep->key_s2))
		return MIPMN_R_KEYSPEC_ECHO;
	if ((rep->present & MIP_HAS_AUTH_CHALLENGE) == 0 ||
	    mip_ct_equal(rep->auth_challenge, req->auth_challenge, MIP_AUTH_CHALLENGE_LEN) != 1)
		return MIPMN_R_CHALLENGE_ECHO;
	if (!auth_response_ok(req, rep, nt_hash))
		return MIPMN_R_AUTH_RESPONSE;
	return MIPMN_R_OK;
}

/* Keeps out's keys only on success: a caller can never install a key from a failed check. */
static enum mipmn_reason finish(enum mipmn_reason r, struct mipmn_reply *out)
{
	if (r != MIPMN_R_OK) {
		mip_wipe(&out->skey, sizeof(out->skey));
		mip_wipe(&out->skey2, sizeof(out->skey2));
		out->has_skey = false;
		out->has_skey2 = false;
	}
	return r;
}

enum mipmn_reason mipmn_check_initial_reply(const uint8_t *req, size_t req_len,
					    const uint8_t *rep, size_t rep_len, const char *nai,
					    size_t nai_len, const struct mip_key *nt_hash,
					    const struct mip_parse_cfg *cfg,
					    struct mipmn_reply *out)
{
	struct mip_msg qm, pm;
	enum mipmn_reason r;

	memset(out, 0, sizeof(*out));
	out->parse_err = mip_parse(req, req_len, cfg, &qm);
	if (out->parse_err != MIP_OK || !initial_request_ok(&qm, nai, nai_len, cfg))
		return MIPMN_R_BAD_REQUEST;
	r = check_reply_header(&qm, rep, rep_len, cfg, &pm, out);
	if (r != MIPMN_R_OK)
		return r;
	derive_initial_keys(&qm, nt_hash, out);
	if (!is_accept(pm.code)) {
		out->authenticated = mhae_verifies(&pm, qm.key_s.spi,
						   (enum mip_alg)qm.key_s.alg, &out->skey);
		return finish(out->authenticated ? MIPMN_R_DENIED_AUTH : MIPMN_R_DENIED, out);
	}
	r = check_initial_accept(&qm, &pm, nt_hash, out);
	out->authenticated = r == MIPMN_R_OK;
	return finish(r, out);
}

enum mipmn_reason mipmn_check_reply(const uint8_t *req, size_t req_len, const uint8_t *rep,
				    size_t rep_len, const struct mip_key *key, enum mip_alg alg,
				    const struct mip_parse_cfg *cfg, struct mipmn_reply *out)
{
	struct mip_msg qm, pm;
	enum mipmn_reason r;

	memset(out, 0, sizeof(*out));
	out->parse_err = mip_parse(req, req_len, cfg, &qm);
	if (out->parse_err != MIP_OK || qm.type != MIP_TYPE_RRQ ||
	    (qm.present & MIP_HAS_NAI) == 0 || (qm.present & MIP_HAS_MHAE) == 0 ||
	    mip_is_dynkey_initial(&qm, cfg) || !alg_known(alg))
		return MIPMN_R_BAD_REQUEST;
	r = check_reply_header(&qm, rep, rep_len, cfg, &pm, out);
	if (r != MIPMN_R_OK)
		return r;
	if (!is_accept(pm.code)) {
		out->authenticated = mhae_verifies(&pm, qm.mhae.spi, alg, key);
		return out->authenticated ? MIPMN_R_DENIED_AUTH : MIPMN_R_DENIED;
	}
	r = mhae_reason(&pm, qm.mhae.spi, alg, key);
	if (r != MIPMN_R_OK)
		return r;
	if (!keyspec_echoed(&qm, &pm, MIP_HAS_KEY_REQ_S, &qm.key_s, &pm.key_s) ||
	    !keyspec_echoed(&qm, &pm, MIP_HAS_KEY_REQ_S2, &qm.key_s2, &pm.key_s2))
		return MIPMN_R_KEYSPEC_ECHO;
	out->authenticated = true;
	if ((qm.present & MIP_HAS_KEY_REQ_S2) != 0) {
		mip_derive_skey2(key, qm.ident, &out->skey2);
		out->has_skey2 = true;
	}
	return MIPMN_R_OK;
}
