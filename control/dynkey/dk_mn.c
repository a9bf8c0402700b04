/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MN records (spec sections 5 and 7): the indexes by NAI and home address,
 * the duplicate cache, what the tables must hold, and what happens to the
 * keys when a binding ends (key continuation).
 */
#include <string.h>

#include "dk_internal.h"

struct dk_mn *dk_mn_by_nai(const struct mipha_dk *dk, const char *nai, size_t n)
{
	uint64_t h = dk_nai_hash(dk, nai, n);

	for (struct dk_hnode *x = dk_hash_find(&dk->mn_by_nai, h, NULL); x != NULL;
	     x = dk_hash_find(&dk->mn_by_nai, h, x)) {
		struct dk_mn *mn = container_of(x, struct dk_mn, by_nai);

		if (mn->nai_len == n && memcmp(mn->nai, nai, n) == 0)
			return mn;
	}
	return NULL;
}

struct dk_mn *dk_mn_by_home(const struct mipha_dk *dk, uint32_t home)
{
	uint64_t h;

	if (home == 0)
		return NULL;
	h = dk_addr_hash(dk, 'H', home);
	for (struct dk_hnode *x = dk_hash_find(&dk->mn_by_home, h, NULL); x != NULL;
	     x = dk_hash_find(&dk->mn_by_home, h, x)) {
		struct dk_mn *mn = container_of(x, struct dk_mn, by_home);

		if (mn->home == home)
			return mn;
	}
	return NULL;
}

/* The record an RRQ names: by its NAI, else by its home address; NULL when they disagree. */
struct dk_mn *dk_mn_of_rrq(const struct mipha_dk *dk, const struct mip_msg *m)
{
	struct dk_mn *mn;

	if (m->present & MIP_HAS_NAI)
		mn = dk_mn_by_nai(dk, (const char *)m->nai.p, m->nai.len);
	else
		mn = dk_mn_by_home(dk, m->home_addr);
	if (mn != NULL && mn->home != m->home_addr)
		return NULL;
	return mn;
}

void dk_mn_set_home(struct mipha_dk *dk, struct dk_mn *mn, uint32_t home)
{
	if (mn->home == home)
		return;
	if (mn->home != 0) {
		dk_hash_del(&dk->mn_by_home, &mn->by_home);
		dk_pool_release(dk->pool, mn->home);
	}
	mn->home = home;
	if (home != 0)
		dk_hash_add(&dk->mn_by_home, &mn->by_home, dk_addr_hash(dk, 'H', home));
}

void dk_mn_wipe_keys(struct dk_mn *mn)
{
	mip_wipe(&mn->skey, sizeof(mn->skey));
	mip_wipe(&mn->skey2, sizeof(mn->skey2));
	mip_wipe(&mn->prev, sizeof(mn->prev));
	mn->has_prev = false;
}

void dk_mn_stop_continuing(struct mipha_dk *dk, struct dk_mn *mn)
{
	if (!mn->continuing)
		return;
	dk_heap_remove(&dk->timers, &mn->timer);
	mn->continuing = false;
	dk->n_continuing--;
}

struct dk_mn *dk_mn_new(struct mipha_dk *dk, const char *nai, size_t n)
{
	struct dk_mn *mn;

	if (dk->n_mns >= dk->cfg.max_mns)
		return NULL;
	mn = mip_secret_alloc(sizeof(*mn));
	if (mn == NULL)
		return NULL;
	memcpy(mn->nai, nai, n);
	mn->nai_len = (uint8_t)n;
	mn->id = ++dk->next_id;
	mn->timer.idx = UINT32_MAX;
	dk_hash_add(&dk->mn_by_nai, &mn->by_nai, dk_nai_hash(dk, nai, n));
	dk->n_mns++;
	return mn;
}

/* Forgets an MN: home address back to the pool, every key wiped (mip_secret_free). */
void dk_mn_free(struct mipha_dk *dk, struct dk_mn *mn)
{
	dk_mn_stop_continuing(dk, mn);
	dk_mn_set_home(dk, mn, 0);
	dk_hash_del(&dk->mn_by_nai, &mn->by_nai);
	dk->n_mns--;
	mip_secret_free(mn, sizeof(*mn));
}

uint64_t dk_mn_last_accepted(const struct mipha_dk *dk, const struct dk_mn *mn)
{
	uint64_t dp;

	if (dk->cfg.last_ident == NULL || mn->home == 0)
		return mn->last_ident;
	dp = dk->cfg.last_ident(mn->home, mn->spi1, mn->spi2, dk->cfg.last_ident_arg);
	/* 0 is "none": in serial order it would pass for later than most idents. */
	if (dp == 0 || mn->last_ident == 0)
		return dp | mn->last_ident;
	return mip_ntp_cmp(dp, mn->last_ident) > 0 ? dp : mn->last_ident;
}

void dk_mn_dup_store(struct dk_mn *mn, const struct mip_msg *m, const struct mipha_dk_out *out)
{
	dk_rrq_hash(m, mn->dup_hash);
	mn->dup_len = m->len;
	mn->dup_ident = m->ident;
	mn->dup_code = out->code;
	mn->rrp_len = out->rrp_len;
	memcpy(mn->rrp, out->rrp, out->rrp_len);
	mn->dup_valid = true;
}

/* The cached reply when m is an exact copy of the last RRQ accepted for mn. */
bool dk_mn_dup_match(struct mipha_dk *dk, const struct dk_mn *mn, const struct mip_msg *m,
		     struct mipha_dk_out *out)
{
	uint8_t h[DK_HASH_LEN];

	if (mn == NULL || !mn->dup_valid || mn->dup_len != m->len || mn->dup_ident != m->ident ||
	    mip_ntp_cmp(mn->dup_ident, dk_mn_last_accepted(dk, mn)) != 0)
		return false;
	dk_rrq_hash(m, h);
	if (memcmp(h, mn->dup_hash, sizeof(h)) != 0)
		return false;
	memcpy(out->rrp, mn->rrp, mn->rrp_len);
	out->rrp_len = mn->rrp_len;
	out->code = mn->dup_code;
	out->action = MIPHA_DK_APPLY;
	dk_count(dk, MIPHA_DK_CNT_DUPLICATES);
	return true;
}

/* What the tables must hold for mn now. */
void dk_fill_inst(const struct dk_mn *mn, struct mipha_dk_install *in)
{
	mip_wipe(in, sizeof(*in));
	in->cookie = mn->id;
	in->home_addr = mn->home;
	in->coa = mn->coa;
	in->ha_addr = mn->ha_addr;
	in->expiry_sec = mn->expiry;
	in->flags = mn->flags;
	in->alg = mn->alg1;
	in->alg2 = mn->alg2;
	in->single_key = mn->single_key;
	in->spi1 = mn->spi1;
	in->skey = mn->skey;
	if (!mn->single_key && !mn->continuing) {
		in->spi2 = mn->spi2;
		in->skey2 = mn->skey2;
		in->has_prev = mn->has_prev;
		if (mn->has_prev)
			in->prev = mn->prev;
	}
	in->last_ident = mn->last_ident;
	in->nai_len = mn->nai_len;
	memcpy(in->nai, mn->nai, mn->nai_len);
	in->nai[mn->nai_len] = '\0';
}

/* Lifetime granted now: min(requested, HA maximum, what is left of the AAA session). */
uint16_t dk_grant_lifetime(const struct mipha_dk *dk, const struct dk_mn *mn,
			   uint16_t requested, uint64_t now)
{
	uint32_t cap = dk->cfg.max_lifetime;

	if (mn->has_session) {
		int32_t left = (int32_t)(mn->session_end - dk_now_sec(now));

		if (left < 0)
			left = 0;
		if ((uint32_t)left < cap)
			cap = (uint32_t)left;
	}
	return dk_min_lifetime(requested, cap);
}

/*
 * The binding ends (deregistration or lifetime): with key continuation
 * offered, Skey_next = HMAC-MD5(Skey, 0x02 || ident of the exchange that last
 * installed Skey') replaces both keys for the retention time (never past the
 * AAA session); otherwise the MN is forgotten. Fills out's table ops.
 */
void dk_clear_binding(struct mipha_dk *dk, struct dk_mn *mn, uint64_t now,
		      struct mipha_dk_out *out)
{
	uint32_t t = dk_now_sec(now), end = t + mn->kc;

	out->binding_op = MIPHA_DK_OP_REMOVE;
	out->inst.home_addr = mn->home;
	out->inst.spi1 = mn->spi1;
	out->inst.spi2 = mn->spi2;
	out->inst.cookie = mn->id;
	if (mn->has_session && mip_ntp_sec_cmp(mn->session_end, end) < 0)
		end = mn->session_end;
	mn->timer.when = end;
	if (mn->kc == 0 || mn->single_key || mn->continuing || mip_ntp_sec_cmp(end, t) <= 0 ||
	    dk_heap_push(&dk->timers, &mn->timer) != 0) {
		out->sa_op = MIPHA_DK_OP_REMOVE;
		dk_mn_free(dk, mn);
		return;
	}
	{
		struct mip_key next;

		mip_derive_skey_next(&mn->skey, mn->skey2_ident, &next);
		dk_mn_wipe_keys(mn);
		mn->skey = next;
		mip_wipe(&next, sizeof(next));
	}
	mn->continuing = true;
	dk->n_continuing++;
	dk_count(dk, MIPHA_DK_CNT_CONTINUATIONS_KEPT);
	out->sa_op = MIPHA_DK_OP_SET;
	dk_fill_inst(mn, &out->inst);
}
