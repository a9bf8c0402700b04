/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * After the initial exchange (spec section 7): rekey, deregistration, the
 * previous Skey', duplicates, lifetime expiry and the end of key
 * continuation.
 */
#include <string.h>

#include "dk_internal.h"

/* mn's key for an MHAE under spi: Skey (or Skey_next) under SPI1, Skey' under SPI2. */
static const struct mip_key *key_for_spi(const struct dk_mn *mn, uint32_t spi, uint8_t *alg)
{
	if (spi == mn->spi1) {
		*alg = mn->alg1;
		return &mn->skey;
	}
	if (spi == mn->spi2 && mn->spi2 != 0 && !mn->continuing) {
		*alg = mn->alg2;
		return &mn->skey2;
	}
	return NULL;
}

/* A reply of the simple shape: NAI, MHAE(spi, key). */
static enum mipha_dk_action reply_plain(struct mipha_dk *dk, const struct dk_mn *mn,
					const struct mip_msg *m, uint8_t code, uint16_t lifetime,
					uint64_t ident, uint32_t spi, uint8_t alg,
					const struct mip_key *key, struct mipha_dk_out *out)
{
	struct dk_rrp rrp = {
		.code = code,
		.lifetime = lifetime,
		.home = m->home_addr,
		.ha = m->ha_addr,
		.ident = ident,
		.nai = mn->nai,
		.nai_len = mn->nai_len,
		.vendor = dk->cfg.vendor_id,
		.spi = spi,
		.alg = alg,
		.key = key,
	};

	return dk_reply(dk, out, &rrp);
}

/* Deregistration reply (signed with the key that verified it), then the binding goes. */
static enum mipha_dk_action do_dereg(struct mipha_dk *dk, struct dk_mn *mn,
				     const struct mip_msg *m, uint32_t spi, uint8_t alg,
				     const struct mip_key *key, uint64_t now,
				     struct mipha_dk_out *out)
{
	enum mipha_dk_action a;
	uint64_t id = mn->id;

	a = reply_plain(dk, mn, m, MIP_CODE_ACCEPTED, 0, m->ident, spi, alg, key, out);
	if (a != MIPHA_DK_APPLY)
		return a;
	mn->last_ident = m->ident;
	dk_mn_dup_store(mn, m, out);
	dk_count(dk, MIPHA_DK_CNT_DEREGS);
	dk_clear_binding(dk, mn, now, out);	/* may free mn */
	out->inst.cookie = id;
	return MIPHA_DK_APPLY;
}

enum mipha_dk_action mipha_dk_dereg(struct mipha_dk *dk, const struct mip_msg *m, uint64_t now,
				    struct mipha_dk_out *out)
{
	struct dk_mn *mn;
	const struct mip_key *key;
	uint8_t alg = 0;

	dk_out_init(out);
	if (m->type != MIP_TYPE_RRQ || (m->present & MIP_HAS_MHAE) == 0)
		return dk_drop(dk, out, MIPHA_DK_CNT_DROP_MALFORMED);
	mn = dk_mn_of_rrq(dk, m);
	if (mn == NULL)
		return dk_drop(dk, out, MIPHA_DK_CNT_DROP_UNKNOWN_MN);
	if (dk_mn_dup_match(dk, mn, m, out))
		return MIPHA_DK_APPLY;
	key = key_for_spi(mn, m->mhae.spi, &alg);
	if (key == NULL)
		return dk_drop(dk, out, MIPHA_DK_CNT_DROP_MALFORMED);
	if (!mip_auth_verify(m, (enum mip_alg)alg, key))
		return dk_drop(dk, out, MIPHA_DK_CNT_DROP_BAD_MHAE);
	if (mip_ntp_cmp(m->ident, mn->last_ident) <= 0)
		return dk_drop(dk, out, MIPHA_DK_CNT_DROP_REPLAY);
	return do_dereg(dk, mn, m, m->mhae.spi, alg, key, now, out);
}

static bool keyspec_equal(const struct mip_keyspec *a, uint32_t spi, uint8_t alg)
{
	return a->spi == spi && a->alg == alg;
}

enum mipha_dk_action mipha_dk_rekey(struct mipha_dk *dk, const struct mip_msg *m, uint64_t now,
				    struct mipha_dk_out *out)
{
	struct dk_rrp rrp;
	struct dk_mn *mn;
	struct mip_key next2;
	enum mipha_dk_action a;
	bool was_continuing;

	dk_out_init(out);
	if (m->type != MIP_TYPE_RRQ || (m->present & MIP_HAS_MHAE) == 0 ||
	    (m->present & MIP_HAS_NAI) == 0)
		return dk_drop(dk, out, MIPHA_DK_CNT_DROP_MALFORMED);
	mn = dk_mn_of_rrq(dk, m);
	if (mn == NULL)
		return dk_drop(dk, out, MIPHA_DK_CNT_DROP_UNKNOWN_MN);
	if (dk_mn_dup_match(dk, mn, m, out))
		return MIPHA_DK_APPLY;
	if (m->mhae.spi != mn->spi1 || (m->present & MIP_HAS_KEY_REQ_S2) == 0)
		return dk_drop(dk, out, MIPHA_DK_CNT_DROP_MALFORMED);
	if (!mip_auth_verify(m, (enum mip_alg)mn->alg1, &mn->skey))
		return dk_drop(dk, out, MIPHA_DK_CNT_DROP_BAD_MHAE);
	if (mip_ntp_cmp(m->ident, mn->last_ident) <= 0)
		return dk_drop(dk, out, MIPHA_DK_CNT_DROP_REPLAY);
	if (m->lifetime == 0 || m->coa == m->home_addr)
		return do_dereg(dk, mn, m, mn->spi1, mn->alg1, &mn->skey, now, out);
	/* No rekey in the single-key variant, nor to another key spec: authenticated 134. */
	if (mn->single_key || !keyspec_equal(&m->key_s2, mn->spi2, mn->alg2))
		return reply_plain(dk, mn, m, MIP_CODE_POORLY_FORMED, 0, m->ident, mn->spi1,
				   mn->alg1, &mn->skey, out);
	/* The AAA session is over (Session-Timeout): a new initial registration is due. */
	if (mn->has_session && mip_ntp_sec_cmp(mn->session_end, dk_now_sec(now)) <= 0) {
		uint64_t id = mn->id;

		a = reply_plain(dk, mn, m, MIP_CODE_ADMIN_PROHIBITED, 0, m->ident, mn->spi1,
				mn->alg1, &mn->skey, out);
		dk_count(dk, MIPHA_DK_CNT_SESSION_ENDED);
		out->binding_op = MIPHA_DK_OP_REMOVE;
		out->sa_op = MIPHA_DK_OP_REMOVE;
		out->inst.home_addr = mn->home;
		out->inst.spi1 = mn->spi1;
		out->inst.spi2 = mn->spi2;
		out->inst.cookie = id;
		dk_mn_free(dk, mn);
		return a;
	}
	was_continuing = mn->continuing;
	mip_derive_skey2(&mn->skey, m->ident, &next2);
	if (was_continuing) {
		/* Section 7: Skey_next is the Skey of the new chain; no AAA. */
		dk_mn_stop_continuing(dk, mn);
		dk_count(dk, MIPHA_DK_CNT_KEY_CONTINUATIONS);
	} else if (!mn->has_prev) {
		/* Keep the Skey' the MN holds until it uses the new one. */
		mn->prev = mn->skey2;
		mn->has_prev = true;
		dk_count(dk, MIPHA_DK_CNT_REKEYS);
	} else {
		/* The Skey' of the last rekey was never used: the MN still has prev. */
		dk_count(dk, MIPHA_DK_CNT_REKEYS);
	}
	mn->skey2 = next2;
	mip_wipe(&next2, sizeof(next2));
	mn->skey2_ident = m->ident;
	mn->last_ident = m->ident;
	mn->coa = m->coa;
	mn->flags = m->flags;
	mn->ha_addr = m->ha_addr;
	mn->kc = dk->cfg.key_continuation;
	memset(&rrp, 0, sizeof(rrp));
	rrp.code = dk_accept_code(m->flags);
	rrp.lifetime = dk_grant_lifetime(dk, mn, m->lifetime, now);
	mn->expiry = dk_now_sec(now) + rrp.lifetime;
	if (mn->has_prev)
		mn->prev_until = mn->expiry;
	rrp.home = mn->home;
	rrp.ha = m->ha_addr;
	rrp.ident = m->ident;
	rrp.nai = mn->nai;
	rrp.nai_len = mn->nai_len;
	rrp.vendor = dk->cfg.vendor_id;
	rrp.ks2 = &m->key_s2;
	rrp.kc = mn->kc;
	rrp.spi = mn->spi1;
	rrp.alg = mn->alg1;
	rrp.key = &mn->skey;
	a = dk_reply(dk, out, &rrp);
	if (a != MIPHA_DK_APPLY)
		return a;
	dk_mn_dup_store(mn, m, out);
	out->binding_op = MIPHA_DK_OP_SET;
	out->sa_op = MIPHA_DK_OP_SET;
	dk_fill_inst(mn, &out->inst);
	out->inst.lifetime = rrp.lifetime;
	return MIPHA_DK_APPLY;
}

enum mipha_dk_action mipha_dk_auth_prev(struct mipha_dk *dk, const struct mip_msg *m,
					uint64_t now, struct mipha_dk_out *out)
{
	struct dk_mn *mn;
	enum mipha_dk_action a;
	uint16_t lifetime;

	dk_out_init(out);
	if (m->type != MIP_TYPE_RRQ || (m->present & MIP_HAS_MHAE) == 0)
		return dk_drop(dk, out, MIPHA_DK_CNT_DROP_MALFORMED);
	mn = dk_mn_of_rrq(dk, m);
	if (mn == NULL)
		return dk_drop(dk, out, MIPHA_DK_CNT_DROP_UNKNOWN_MN);
	if (dk_mn_dup_match(dk, mn, m, out))
		return MIPHA_DK_APPLY;
	if (!mn->has_prev || m->mhae.spi != mn->spi2 || mn->continuing)
		return dk_drop(dk, out, MIPHA_DK_CNT_DROP_BAD_MHAE);
	if (mip_ntp_sec_cmp(dk_now_sec(now), mn->prev_until) >= 0) {
		/* Its time is over: wipe it and tell the tables. */
		mip_wipe(&mn->prev, sizeof(mn->prev));
		mn->has_prev = false;
		dk_count(dk, MIPHA_DK_CNT_PREV_RETIRED);
		out->sa_op = MIPHA_DK_OP_SET;
		dk_fill_inst(mn, &out->inst);
		return dk_apply(out);
	}
	if (!mip_auth_verify(m, (enum mip_alg)mn->alg2, &mn->prev))
		return dk_drop(dk, out, MIPHA_DK_CNT_DROP_BAD_MHAE);
	if (mip_replay_check(m->ident, now, dk_mn_last_accepted(dk, mn),
			     dk->cfg.replay_tolerance) != MIP_REPLAY_OK)
		return reply_plain(dk, mn, m, MIP_CODE_ID_MISMATCH, 0,
				   mip_ntp_resync_ident(now, m->ident), mn->spi2, mn->alg2,
				   &mn->prev, out);
	dk_count(dk, MIPHA_DK_CNT_PREV_ACCEPTED);
	if (m->lifetime == 0 || m->coa == m->home_addr) {
		struct mip_key prev = mn->prev;

		a = do_dereg(dk, mn, m, mn->spi2, mn->alg2, &prev, now, out);
		mip_wipe(&prev, sizeof(prev));
		return a;
	}
	lifetime = dk_grant_lifetime(dk, mn, m->lifetime, now);
	a = reply_plain(dk, mn, m, dk_accept_code(m->flags), lifetime, m->ident, mn->spi2,
			mn->alg2, &mn->prev, out);
	if (a != MIPHA_DK_APPLY)
		return a;
	mn->last_ident = m->ident;
	mn->coa = m->coa;
	mn->flags = m->flags;
	mn->expiry = dk_now_sec(now) + lifetime;
	dk_mn_dup_store(mn, m, out);
	out->binding_op = MIPHA_DK_OP_SET;
	out->sa_op = MIPHA_DK_OP_SET;
	dk_fill_inst(mn, &out->inst);
	out->inst.lifetime = lifetime;
	return MIPHA_DK_APPLY;
}

void mipha_dk_prev_retired(struct mipha_dk *dk, uint32_t home_addr)
{
	struct dk_mn *mn = dk_mn_by_home(dk, home_addr);

	if (mn == NULL || !mn->has_prev)
		return;
	mip_wipe(&mn->prev, sizeof(mn->prev));
	mn->has_prev = false;
	dk_count(dk, MIPHA_DK_CNT_PREV_RETIRED);
}

enum mipha_dk_action mipha_dk_duplicate(struct mipha_dk *dk, const struct mip_msg *m,
					struct mipha_dk_out *out)
{
	struct dk_mn *mn;

	dk_out_init(out);
	mn = (m->present & MIP_HAS_NAI) ? dk_mn_by_nai(dk, (const char *)m->nai.p, m->nai.len)
					: dk_mn_by_home(dk, m->home_addr);
	if (dk_mn_dup_match(dk, mn, m, out))
		return MIPHA_DK_APPLY;
	out->action = MIPHA_DK_DROP;
	out->why = MIPHA_DK_CNT_DROP_UNKNOWN_MN;
	return MIPHA_DK_DROP;
}

enum mipha_dk_action mipha_dk_expire(struct mipha_dk *dk, uint32_t home_addr, uint64_t now,
				     struct mipha_dk_out *out)
{
	struct dk_mn *mn = dk_mn_by_home(dk, home_addr);

	dk_out_init(out);
	if (mn == NULL || mn->continuing) {
		out->action = MIPHA_DK_DROP;
		out->why = MIPHA_DK_CNT_DROP_UNKNOWN_MN;
		return MIPHA_DK_DROP;
	}
	dk_count(dk, MIPHA_DK_CNT_EXPIRIES);
	dk_clear_binding(dk, mn, now, out);
	return dk_apply(out);
}

/* The MN's SAs go (out's table op), it is counted under why and forgotten. */
static void forget(struct mipha_dk *dk, struct dk_mn *mn, enum mipha_dk_counter why,
		   struct mipha_dk_out *out)
{
	out->sa_op = MIPHA_DK_OP_REMOVE;
	out->inst.home_addr = mn->home;
	out->inst.spi1 = mn->spi1;
	out->inst.spi2 = mn->spi2;
	out->inst.cookie = mn->id;
	dk_count(dk, why);
	dk_mn_free(dk, mn);
}

enum mipha_dk_action mipha_dk_disconnect(struct mipha_dk *dk, const char *nai, size_t n,
					 uint32_t home_addr, struct mipha_dk_out *out)
{
	struct dk_mn *mn = n > 0 ? dk_mn_by_nai(dk, nai, n) : dk_mn_by_home(dk, home_addr);

	dk_out_init(out);
	if (mn == NULL || (n > 0 && home_addr != 0 && mn->home != home_addr)) {
		out->action = MIPHA_DK_DROP;
		out->why = MIPHA_DK_CNT_DROP_UNKNOWN_MN;
		return MIPHA_DK_DROP;
	}
	/* A continuing MN has no binding left, only its SA under Skey_next. */
	if (!mn->continuing)
		out->binding_op = MIPHA_DK_OP_REMOVE;
	forget(dk, mn, MIPHA_DK_CNT_DISCONNECTS, out);
	return dk_apply(out);
}

bool mipha_dk_timers(struct mipha_dk *dk, uint64_t now, struct mipha_dk_out *out)
{
	struct dk_heap_node *t = dk_heap_top(&dk->timers);
	struct dk_mn *mn;

	dk_out_init(out);
	if (t == NULL || mip_ntp_sec_cmp(t->when, dk_now_sec(now)) > 0)
		return false;
	mn = container_of(t, struct dk_mn, timer);
	forget(dk, mn, MIPHA_DK_CNT_CONTINUATIONS_ENDED, out);
	dk_apply(out);
	return true;
}
