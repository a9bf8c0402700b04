/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Initial registrations (spec section 5 and the initial-RRQ rules of 8): the
 * pending AAA exchanges, rate limits, the Access-Request fields, the home
 * address, the derived keys and the reply.
 */
#include <string.h>

#include "aaa_client.h"
#include "dk_internal.h"

static bool alg_allowed(const struct mipha_dk *dk, uint8_t alg)
{
	return alg < 32 && (dk->cfg.dynamic_algorithms & MIPHA_DK_ALG_BIT(alg)) != 0;
}

/* A static SA of this MN (its home address, or its NAI by an SA of NAI alone) under spi. */
static bool static_sa(const struct mipha_dk *dk, uint32_t home, const char *nai, size_t n,
		      uint32_t spi)
{
	return dk->cfg.static_sa_exists != NULL && spi != 0 && (home != 0 || nai != NULL) &&
	       dk->cfg.static_sa_exists(home, nai, n, spi, dk->cfg.static_sa_arg);
}

static struct dk_pending *pend_by_nai(const struct mipha_dk *dk, const char *nai, size_t n,
				      uint64_t h)
{
	for (struct dk_hnode *x = dk_hash_find(&dk->pend_by_nai, h, NULL); x != NULL;
	     x = dk_hash_find(&dk->pend_by_nai, h, x)) {
		struct dk_pending *p = container_of(x, struct dk_pending, by_nai);

		if (p->nai_len == n && memcmp(p->nai, nai, n) == 0)
			return p;
	}
	return NULL;
}

static struct dk_pending *pend_alloc(struct mipha_dk *dk, const char *nai, size_t n, uint64_t h)
{
	struct dk_pending *p;
	uint32_t gen;

	if (dk->pend_free == UINT32_MAX)
		return NULL;
	p = &dk->pend[dk->pend_free];
	dk->pend_free = p->next_free;
	gen = p->gen;
	memset(p, 0, sizeof(*p));
	p->gen = gen;
	p->used = true;
	memcpy(p->nai, nai, n);
	p->nai_len = (uint8_t)n;
	dk_hash_add(&dk->pend_by_nai, &p->by_nai, h);
	dk->n_pending++;
	if (dk->n_pending > dk->pending_high)
		dk->pending_high = dk->n_pending;
	return p;
}

static void pend_free(struct mipha_dk *dk, struct dk_pending *p)
{
	dk_hash_del(&dk->pend_by_nai, &p->by_nai);
	p->used = false;
	p->gen++;	/* a result still in flight no longer matches */
	p->user = NULL;
	p->next_free = dk->pend_free;
	dk->pend_free = (uint32_t)(p - dk->pend);
	dk->n_pending--;
}

static uint64_t pend_cookie(const struct mipha_dk *dk, const struct dk_pending *p)
{
	return ((uint64_t)p->gen << 32) | (uint64_t)(p - dk->pend);
}

/* Key specs and lifetime: 0, or the code to deny with. */
static uint8_t initial_check(const struct mipha_dk *dk, const struct mip_msg *m)
{
	bool has_s2 = (m->present & MIP_HAS_KEY_REQ_S2) != 0;

	if ((m->present & (MIP_HAS_NAI | MIP_HAS_KEY_REQ_S | MIP_HAS_AUTH_CHALLENGE)) !=
		    (MIP_HAS_NAI | MIP_HAS_KEY_REQ_S | MIP_HAS_AUTH_CHALLENGE) ||
	    m->mhae.auth.len != MIP_NT_RESPONSE_LEN || m->lifetime == 0)
		return MIP_CODE_POORLY_FORMED;
	if (!alg_allowed(dk, m->key_s.alg) || (has_s2 && !alg_allowed(dk, m->key_s2.alg)))
		return MIP_CODE_POORLY_FORMED;
	if (static_sa(dk, m->home_addr, (const char *)m->nai.p, m->nai.len, m->key_s.spi) ||
	    (has_s2 && static_sa(dk, m->home_addr, (const char *)m->nai.p, m->nai.len,
				 m->key_s2.spi)))
		return MIP_CODE_POORLY_FORMED;
	return 0;
}

/* Both rate limits (section 5 step 2): a token from each, or the drop counter. */
static enum mipha_dk_counter rate_admit(struct mipha_dk *dk, uint64_t nai_h, uint32_t src,
					uint64_t now)
{
	struct dk_bucket *bs, *bn;
	uint64_t ms = dk_now_ms(now);
	enum dk_rate_res rs, rn;

	rs = dk_rate_check(&dk->rate_src, dk_addr_hash(dk, 'S', src), ms, &bs);
	if (rs == DK_RATE_OVER)
		return MIPHA_DK_CNT_DROP_RATE_SRC;
	rn = dk_rate_check(&dk->rate_nai, nai_h, ms, &bn);
	if (rn == DK_RATE_OVER)
		return MIPHA_DK_CNT_DROP_RATE_NAI;
	if (rs == DK_RATE_NO_SLOT || rn == DK_RATE_NO_SLOT)
		dk_count(dk, MIPHA_DK_CNT_RATE_NO_SLOT);
	dk_rate_take(bs);
	dk_rate_take(bn);
	return MIPHA_DK_CNT__COUNT;
}

static void fill_request(const struct mip_msg *m, const struct dk_pending *p,
			 struct aaa_access_req *req)
{
	memcpy(req->nai, p->nai, p->nai_len);
	req->nai[p->nai_len] = '\0';
	if ((m->present & MIP_HAS_DOMAIN) && m->domain.len < sizeof(req->domain)) {
		memcpy(req->domain, m->domain.p, m->domain.len);
		req->domain[m->domain.len] = '\0';
	}
	req->home_addr = m->home_addr;
	req->care_of = m->coa;
	memcpy(req->auth_challenge, p->auth_challenge, sizeof(req->auth_challenge));
	mip_peer_challenge(m, req->peer_challenge);
	memcpy(req->nt_response, p->nt_response, sizeof(req->nt_response));
}

enum mipha_dk_action mipha_dk_initial(struct mipha_dk *dk, const struct mip_msg *m, uint32_t src,
				      uint64_t now, void *user, struct mipha_dk_out *out)
{
	const char *nai = (const char *)m->nai.p;
	size_t n = m->nai.len;
	struct dk_pending *p;
	struct dk_mn *mn;
	enum mipha_dk_counter why;
	uint64_t h;
	uint8_t code;

	dk_out_init(out);
	if ((m->present & MIP_HAS_NAI) == 0 || n == 0 || n > MIP_NAI_MAX ||
	    m->type != MIP_TYPE_RRQ || (m->present & MIP_HAS_MHAE) == 0)
		return dk_drop(dk, out, MIPHA_DK_CNT_DROP_MALFORMED);
	code = initial_check(dk, m);
	if (code != 0)
		return dk_deny(dk, out, code, m->home_addr, m->ha_addr, m->ident, nai, n);
	/* Section 8: an exact copy gets the same reply, before the replay rules. */
	mn = dk_mn_by_nai(dk, nai, n);
	if (dk_mn_dup_match(dk, mn, m, out))
		return MIPHA_DK_APPLY;
	h = dk_nai_hash(dk, nai, n);
	p = pend_by_nai(dk, nai, n, h);
	if ((mn != NULL && mip_ntp_cmp(m->ident, dk_mn_last_accepted(dk, mn)) <= 0) ||
	    (p != NULL && mip_ntp_cmp(m->ident, p->ident) <= 0))
		return dk_drop(dk, out, MIPHA_DK_CNT_DROP_STALE_IDENT);
	why = rate_admit(dk, h, src, now);
	if (why != MIPHA_DK_CNT__COUNT)
		return dk_drop(dk, out, why);
	if (p != NULL) {
		/* The older exchange's result will find its cookie stale. */
		if (dk->cfg.release != NULL && p->user != NULL)
			dk->cfg.release(p->user, dk->cfg.release_arg);
		pend_free(dk, p);
		dk_count(dk, MIPHA_DK_CNT_SUPERSEDED);
	}
	p = pend_alloc(dk, nai, n, h);
	if (p == NULL)
		return dk_drop(dk, out, MIPHA_DK_CNT_DROP_PENDING_FULL);
	p->user = user;
	p->flags = m->flags;
	p->lifetime = m->lifetime;
	p->home = m->home_addr;
	p->ha_addr = m->ha_addr;
	p->coa = m->coa;
	p->ident = m->ident;
	p->ks = m->key_s;
	p->has_ks2 = (m->present & MIP_HAS_KEY_REQ_S2) != 0;
	p->ks2 = m->key_s2;
	memcpy(p->auth_challenge, m->auth_challenge, sizeof(p->auth_challenge));
	memcpy(p->nt_response, m->mhae.auth.p, sizeof(p->nt_response));
	p->out_of_window = mip_replay_check(m->ident, now, 0, dk->cfg.replay_tolerance) ==
			   MIP_REPLAY_WINDOW;
	dk_rrq_hash(m, p->rrq_hash);
	p->rrq_len = m->len;
	fill_request(m, p, &out->req);
	out->cookie = pend_cookie(dk, p);
	dk_count(dk, MIPHA_DK_CNT_AAA_REQUESTS);
	out->action = MIPHA_DK_AAA;
	return MIPHA_DK_AAA;
}

static uint32_t assigned_home(const struct mipha_dk *dk, const struct dk_pending *p)
{
	for (unsigned int i = 0; i < dk->cfg.n_assign; i++) {
		const char *a = dk->cfg.assign[i].nai;

		if (strlen(a) == p->nai_len && memcmp(a, p->nai, p->nai_len) == 0)
			return dk->cfg.assign[i].home_addr;
	}
	return 0;
}

/*
 * Section 5 step 5: the home address for p's NAI (whose record, if any, is
 * mn). 0 and *home, or the code to deny with. A pool address is taken only
 * at commit (home_commit).
 */
static uint8_t home_choose(struct mipha_dk *dk, const struct dk_pending *p,
			   const struct aaa_reply *r, const struct dk_mn *mn, uint32_t *home)
{
	uint32_t want = p->home, assigned = assigned_home(dk, p);
	struct dk_mn *owner;

	if (r->has_framed_ip && r->framed_ip != 0) {
		if (want != 0 && want != r->framed_ip)
			return MIP_CODE_ADMIN_PROHIBITED;
		*home = r->framed_ip;
	} else if (want != 0) {
		/* Configured for this NAI, in the pool, or the one it holds already. */
		if (want != assigned && !dk_pool_contains(dk->pool, want) &&
		    (mn == NULL || mn->home != want))
			return MIP_CODE_ADMIN_PROHIBITED;
		*home = want;
	} else if (mn != NULL && mn->home != 0) {
		*home = mn->home;	/* the address it holds already */
	} else if (assigned != 0) {
		*home = assigned;
	} else {
		if (dk->pool->nfree == 0)
			return MIP_CODE_INSUFFICIENT_RESOURCES;
		*home = 0;	/* any free pool address, at commit */
		return 0;
	}
	owner = dk_mn_by_home(dk, *home);
	if (owner != NULL && owner != mn)
		return MIP_CODE_ADMIN_PROHIBITED;
	return 0;
}

/* Takes the chosen address (a free pool one when *home is 0). 0 or the code to deny with. */
static uint8_t home_commit(struct mipha_dk *dk, const struct dk_mn *mn, uint32_t *home)
{
	if (*home == 0) {
		*home = dk_pool_alloc(dk->pool);
		return *home != 0 ? 0 : MIP_CODE_INSUFFICIENT_RESOURCES;
	}
	if (mn != NULL && mn->home == *home)
		return 0;
	if (dk_pool_contains(dk->pool, *home) && dk_pool_take(dk->pool, *home) != 0)
		return MIP_CODE_ADMIN_PROHIBITED;
	return 0;
}

static enum mipha_dk_action result_denied(struct mipha_dk *dk, const struct aaa_result *res,
					  const struct dk_pending *p, struct mipha_dk_out *out)
{
	if (res->status == AAA_REJECT && res->reason == AAA_REASON_OK)
		dk_count(dk, MIPHA_DK_CNT_AAA_REJECTS);
	else if (res->status == AAA_TIMEOUT)
		dk_count(dk, MIPHA_DK_CNT_AAA_TIMEOUTS);
	else
		dk_count(dk, MIPHA_DK_CNT_AAA_INVALID);
	return dk_deny(dk, out, MIP_CODE_MN_FAILED_AUTH, p->home, p->ha_addr, p->ident, p->nai,
		    p->nai_len);
}

/* Section 8: out of tolerance, AAA accepted: 133 signed with the derived Skey, nothing kept. */
static enum mipha_dk_action result_resync(struct mipha_dk *dk, const struct dk_pending *p,
					  const struct aaa_reply *r, const struct mip_key *skey,
					  uint64_t now, struct mipha_dk_out *out)
{
	struct dk_rrp rrp = {
		.code = MIP_CODE_ID_MISMATCH,
		.home = p->home,
		.ha = p->ha_addr,
		.ident = mip_ntp_resync_ident(now, p->ident),
		.nai = p->nai,
		.nai_len = p->nai_len,
		.vendor = dk->cfg.vendor_id,
		.ks = &p->ks,
		.ks2 = p->has_ks2 ? &p->ks2 : NULL,
		.auth_challenge = p->auth_challenge,
		.auth_response = r->auth_response,
		.spi = p->ks.spi,
		.alg = p->ks.alg,
		.key = skey,
	};

	return dk_reply(dk, out, &rrp);
}

/* Derives and records the keys, builds and signs the reply, fills the install. */
static enum mipha_dk_action result_install(struct mipha_dk *dk, const struct dk_pending *p,
					   const struct aaa_reply *r, struct dk_mn *mn,
					   struct mip_key *skey, uint64_t now,
					   struct mipha_dk_out *out)
{
	struct dk_rrp rrp;
	enum mipha_dk_action a;

	dk_mn_stop_continuing(dk, mn);
	dk_mn_wipe_keys(mn);
	mn->skey = *skey;
	mn->single_key = !p->has_ks2;
	mn->spi1 = p->ks.spi;
	mn->alg1 = p->ks.alg;
	mn->spi2 = p->has_ks2 ? p->ks2.spi : 0;
	mn->alg2 = p->has_ks2 ? p->ks2.alg : 0;
	if (p->has_ks2)
		mip_derive_skey2(&mn->skey, p->ident, &mn->skey2);
	mn->skey2_ident = p->ident;
	mn->last_ident = p->ident;
	mn->coa = p->coa;
	mn->ha_addr = p->ha_addr;
	mn->flags = p->flags;
	mn->has_session = r->has_session_timeout && r->session_timeout > 0;
	mn->session_end = mn->has_session ? dk_now_sec(now) + r->session_timeout : 0;
	mn->kc = mn->single_key ? 0 : dk->cfg.key_continuation;
	memset(&rrp, 0, sizeof(rrp));
	rrp.code = dk_accept_code(p->flags);
	rrp.lifetime = dk_grant_lifetime(dk, mn, p->lifetime, now);
	mn->expiry = dk_now_sec(now) + rrp.lifetime;
	rrp.home = mn->home;
	rrp.ha = p->ha_addr;
	rrp.ident = p->ident;
	rrp.nai = p->nai;
	rrp.nai_len = p->nai_len;
	rrp.vendor = dk->cfg.vendor_id;
	rrp.ks = &p->ks;
	rrp.ks2 = p->has_ks2 ? &p->ks2 : NULL;
	rrp.auth_challenge = p->auth_challenge;
	rrp.auth_response = r->auth_response;
	rrp.kc = mn->kc;
	rrp.spi = mn->spi1;
	rrp.alg = mn->alg1;
	rrp.key = &mn->skey;
	a = dk_reply(dk, out, &rrp);
	if (a != MIPHA_DK_APPLY)
		return a;
	/* The duplicate cache: p's hash of the RRQ, this reply. */
	memcpy(mn->dup_hash, p->rrq_hash, DK_HASH_LEN);
	mn->dup_len = p->rrq_len;
	mn->dup_ident = p->ident;
	mn->dup_code = out->code;
	mn->rrp_len = out->rrp_len;
	memcpy(mn->rrp, out->rrp, out->rrp_len);
	mn->dup_valid = true;
	out->binding_op = MIPHA_DK_OP_SET;
	out->sa_op = MIPHA_DK_OP_SET;
	dk_fill_inst(mn, &out->inst);
	out->inst.lifetime = rrp.lifetime;
	dk_count(dk, MIPHA_DK_CNT_INSTALLS);
	return MIPHA_DK_APPLY;
}

static enum mipha_dk_action result_accept(struct mipha_dk *dk, const struct dk_pending *p,
					  const struct aaa_reply *r, uint64_t now,
					  struct mipha_dk_out *out)
{
	struct dk_mn *mn = dk_mn_by_nai(dk, p->nai, p->nai_len);
	struct mip_key k2, skey;
	enum mipha_dk_action a;
	uint32_t home = 0;
	uint8_t code;
	bool fresh = false;

	k2 = r->recv_key;
	mip_derive_skey(&k2, p->auth_challenge, p->nt_response, &skey);
	mip_wipe(&k2, sizeof(k2));
	if (p->out_of_window) {
		a = result_resync(dk, p, r, &skey, now, out);
		goto done;
	}
	code = home_choose(dk, p, r, mn, &home);
	if (code == 0 && (static_sa(dk, home, p->nai, p->nai_len, p->ks.spi) ||
			  (p->has_ks2 && static_sa(dk, home, p->nai, p->nai_len, p->ks2.spi))))
		code = MIP_CODE_POORLY_FORMED;
	/* A static MN's address (given by Framed-IP-Address) under other SPIs. */
	if (code == 0 && home != 0 && dk->cfg.static_sa_exists != NULL &&
	    dk->cfg.static_sa_exists(home, NULL, 0, 0, dk->cfg.static_sa_arg))
		code = MIP_CODE_ADMIN_PROHIBITED;
	if (code == 0 && mn == NULL) {
		mn = dk_mn_new(dk, p->nai, p->nai_len);
		fresh = true;
		if (mn == NULL)
			code = MIP_CODE_INSUFFICIENT_RESOURCES;
	}
	if (code == 0)
		code = home_commit(dk, mn, &home);
	if (code != 0) {
		if (fresh && mn != NULL)
			dk_mn_free(dk, mn);
		a = dk_deny(dk, out, code, p->home, p->ha_addr, p->ident, p->nai, p->nai_len);
		goto done;
	}
	if (!fresh && mn->home != home) {
		out->old_home = mn->home;
		out->old_spi = mn->spi1;
	}
	/* home is taken already; the MN's old address goes back to the pool. */
	dk_mn_set_home(dk, mn, home);
	a = result_install(dk, p, r, mn, &skey, now, out);
done:
	mip_wipe(&skey, sizeof(skey));
	return a;
}

enum mipha_dk_action mipha_dk_aaa_result(struct mipha_dk *dk, uint64_t cookie,
					 const struct aaa_result *res, uint64_t now,
					 struct mipha_dk_out *out)
{
	uint32_t idx = (uint32_t)cookie, gen = (uint32_t)(cookie >> 32);
	struct dk_pending *p;
	enum mipha_dk_action a;

	dk_out_init(out);
	if (idx >= dk->cfg.pending_max || !dk->pend[idx].used || dk->pend[idx].gen != gen)
		return dk_drop(dk, out, MIPHA_DK_CNT_AAA_DISCARDED);
	p = &dk->pend[idx];
	out->user = p->user;
	if (res->status != AAA_ACCEPT || !res->reply.has_recv_key || !res->reply.has_success) {
		a = result_denied(dk, res, p, out);
	} else {
		dk_count(dk, MIPHA_DK_CNT_AAA_ACCEPTS);
		a = result_accept(dk, p, &res->reply, now, out);
	}
	pend_free(dk, p);
	return a;
}

void mipha_dk_abort_install(struct mipha_dk *dk, struct mipha_dk_out *out)
{
	struct dk_mn *mn = dk_mn_by_nai(dk, out->inst.nai, out->inst.nai_len);
	uint32_t ha = out->inst.ha_addr;
	uint64_t ident;
	char nai[MIP_NAI_MAX + 1];
	uint8_t n = out->inst.nai_len;
	size_t len;

	if (out->rrp_len < MIP_RRP_HDR_LEN)
		return;
	memcpy(&ident, out->rrp + 12, sizeof(ident));
	memcpy(nai, out->inst.nai, n);
	if (mn != NULL && mn->id == out->inst.cookie)
		dk_mn_free(dk, mn);
	dk_count(dk, MIPHA_DK_CNT_INSTALL_ABORTED);
	mipha_dk_out_wipe(out);
	len = dk_rrp_unsigned(out->rrp, sizeof(out->rrp), MIP_CODE_INSUFFICIENT_RESOURCES, 0, ha,
			      0, nai, n);
	if (len == 0)
		return;
	memcpy(out->rrp + 12, &ident, sizeof(ident));	/* still big-endian as it was */
	out->rrp_len = (uint16_t)len;
	out->code = MIP_CODE_INSUFFICIENT_RESOURCES;
	out->action = MIPHA_DK_APPLY;
	dk_count(dk, MIPHA_DK_CNT_REPLY_130);
}
