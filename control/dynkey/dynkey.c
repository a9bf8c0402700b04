/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dynamic-key core's frame (spec sections 5, 7, 8): configuration,
 * creation and teardown, counters, the keyed hashes and the reply outputs the
 * stages share. The stages: dk_initial.c (initial registrations and AAA
 * results), dk_chain.c (rekey, deregistration, expiry); records in dk_mn.c.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <nettle/sha2.h>

#include "dk_internal.h"

static const char *const cnt_names[] = {
#define DK_NAME(id, name, help) name,
	MIPHA_DK_COUNTERS(DK_NAME)
#undef DK_NAME
};
static const char *const cnt_help[] = {
#define DK_HELP(id, name, help) help,
	MIPHA_DK_COUNTERS(DK_HELP)
#undef DK_HELP
};
static const char *const gauge_names[] = {
#define DK_GNAME(id, name, help) name,
	MIPHA_DK_GAUGES(DK_GNAME)
#undef DK_GNAME
};

const char *mipha_dk_counter_name(enum mipha_dk_counter c)
{
	return (unsigned)c < MIPHA_DK_CNT__COUNT ? cnt_names[c] : "?";
}

const char *mipha_dk_counter_help(enum mipha_dk_counter c)
{
	return (unsigned)c < MIPHA_DK_CNT__COUNT ? cnt_help[c] : "?";
}

const char *mipha_dk_gauge_name(enum mipha_dk_gauge g)
{
	return (unsigned)g < MIPHA_DK_GAUGE__COUNT ? gauge_names[g] : "?";
}

void mipha_dk_cfg_defaults(struct mipha_dk_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->vendor_id = MIP_DEFAULT_VENDOR_ID;
	cfg->dynkey_spi = MIP_DEFAULT_DYNKEY_SPI;
	cfg->max_lifetime = 3600;
	cfg->replay_tolerance = 7;
	cfg->max_mns = 65536;
	cfg->pending_max = 1024;
	cfg->rate_nai = 1;
	cfg->burst_nai = 3;
	cfg->rate_src = 20;
	cfg->burst_src = 40;
	cfg->rate_slots = 4096;
	cfg->dynamic_algorithms = MIPHA_DK_ALG_BIT(MIP_ALG_HMAC_MD5);
}

/* Keyed hash of a domain byte and a value: the index and rate tags. */
static uint64_t khash(const struct mipha_dk *dk, uint8_t domain, const void *p, size_t n)
{
	/* A copy of the keyed state: two MD5 blocks a call instead of four. */
	struct hmac_md5_ctx ctx = dk->hctx;
	uint8_t mac[16];
	uint64_t h;

	hmac_md5_update(&ctx, 1, &domain);
	hmac_md5_update(&ctx, n, p);
	hmac_md5_digest(&ctx, sizeof(mac), mac);
	mip_wipe(&ctx, sizeof(ctx));
	memcpy(&h, mac, sizeof(h));
	return h;
}

uint64_t dk_nai_hash(const struct mipha_dk *dk, const char *nai, size_t n)
{
	return khash(dk, 'N', nai, n);
}

uint64_t dk_addr_hash(const struct mipha_dk *dk, uint8_t domain, uint32_t addr)
{
	return khash(dk, domain, &addr, sizeof(addr));
}

void dk_rrq_hash(const struct mip_msg *m, uint8_t out[DK_HASH_LEN])
{
	struct sha256_ctx ctx;

	sha256_init(&ctx);
	sha256_update(&ctx, m->len, m->buf);
	sha256_digest(&ctx, DK_HASH_LEN, out);
}

void dk_out_init(struct mipha_dk_out *out)
{
	mip_wipe(out, sizeof(*out));
}

enum mipha_dk_action dk_drop(struct mipha_dk *dk, struct mipha_dk_out *out,
			     enum mipha_dk_counter why)
{
	dk_count(dk, why);
	out->action = MIPHA_DK_DROP;
	out->why = why;
	return MIPHA_DK_DROP;
}

enum mipha_dk_action dk_apply(struct mipha_dk_out *out)
{
	out->action = MIPHA_DK_APPLY;
	return MIPHA_DK_APPLY;
}

static enum mipha_dk_counter reply_counter(uint8_t code)
{
	switch (code) {
	case MIP_CODE_ADMIN_PROHIBITED:
		return MIPHA_DK_CNT_REPLY_129;
	case MIP_CODE_INSUFFICIENT_RESOURCES:
		return MIPHA_DK_CNT_REPLY_130;
	case MIP_CODE_MN_FAILED_AUTH:
		return MIPHA_DK_CNT_REPLY_131;
	case MIP_CODE_ID_MISMATCH:
		return MIPHA_DK_CNT_REPLY_133;
	case MIP_CODE_POORLY_FORMED:
		return MIPHA_DK_CNT_REPLY_134;
	default:
		return MIPHA_DK_CNT_REPLY_ACCEPTED;
	}
}

/* An unsigned denial; out keeps no key. */
enum mipha_dk_action dk_deny(struct mipha_dk *dk, struct mipha_dk_out *out, uint8_t code,
			     uint32_t home, uint32_t ha, uint64_t ident, const char *nai,
			     size_t nai_len)
{
	size_t len = dk_rrp_unsigned(out->rrp, sizeof(out->rrp), code, home, ha, ident, nai,
				     nai_len);

	if (len == 0)
		return dk_drop(dk, out, MIPHA_DK_CNT_DROP_MALFORMED);
	out->code = code;
	out->rrp_len = (uint16_t)len;
	dk_count(dk, reply_counter(code));
	return dk_apply(out);
}

/* A signed reply into out; counted by its code. */
enum mipha_dk_action dk_reply(struct mipha_dk *dk, struct mipha_dk_out *out,
			      const struct dk_rrp *r)
{
	size_t len = dk_rrp_signed(out->rrp, sizeof(out->rrp), r);

	if (len == 0)
		return dk_drop(dk, out, MIPHA_DK_CNT_DROP_MALFORMED);
	out->code = r->code;
	out->rrp_len = (uint16_t)len;
	dk_count(dk, reply_counter(r->code));
	return dk_apply(out);
}

struct mipha_dk *mipha_dk_create(const struct mipha_dk_cfg *cfg, int *error)
{
	struct mipha_dk *dk;
	int err = -EINVAL;

	if (cfg->max_mns == 0 || cfg->pending_max == 0 || cfg->max_lifetime == 0 ||
	    cfg->max_lifetime > 0xffff || cfg->dynamic_algorithms == 0)
		goto fail;
	for (unsigned int i = 0; i < cfg->n_assign; i++)
		if (cfg->assign[i].nai == NULL || cfg->assign[i].home_addr == 0)
			goto fail;
	err = -ENOMEM;
	dk = calloc(1, sizeof(*dk));
	if (dk == NULL)
		goto fail;
	dk->cfg = *cfg;
	if (getrandom(dk->hkey.b, sizeof(dk->hkey.b), 0) != (ssize_t)sizeof(dk->hkey.b)) {
		free(dk);
		goto fail;
	}
	hmac_md5_set_key(&dk->hctx, sizeof(dk->hkey.b), dk->hkey.b);
	dk->pend_free = UINT32_MAX;
	if (cfg->pool != NULL) {
		dk->pool = mipha_pool_dk(cfg->pool);
		err = dk_pool_init(&dk->own_pool, 0, 0);
	} else {
		dk->pool = &dk->own_pool;
		err = dk_pool_init(&dk->own_pool, cfg->pool_first, cfg->pool_last);
	}
	if (err == 0)
		err = dk_hash_init(&dk->mn_by_nai, cfg->max_mns);
	if (err == 0)
		err = dk_hash_init(&dk->mn_by_home, cfg->max_mns);
	if (err == 0)
		err = dk_hash_init(&dk->pend_by_nai, cfg->pending_max);
	if (err == 0)
		err = dk_rate_init(&dk->rate_nai, cfg->rate_slots, cfg->rate_nai, cfg->burst_nai);
	if (err == 0)
		err = dk_rate_init(&dk->rate_src, cfg->rate_slots, cfg->rate_src, cfg->burst_src);
	if (err == 0)
		err = dk_heap_init(&dk->timers, cfg->max_mns);
	if (err == 0) {
		dk->pend = calloc(cfg->pending_max, sizeof(*dk->pend));
		if (dk->pend == NULL)
			err = -ENOMEM;
	}
	if (err != 0) {
		mipha_dk_destroy(dk);
		goto fail;
	}
	for (uint32_t i = cfg->pending_max; i-- > 0;) {
		dk->pend[i].next_free = dk->pend_free;
		dk->pend_free = i;
	}
	return dk;
fail:
	if (error != NULL)
		*error = err;
	return NULL;
}

void mipha_dk_destroy(struct mipha_dk *dk)
{
	if (dk == NULL)
		return;
	for (uint32_t i = 0; dk->pend != NULL && i < dk->cfg.pending_max; i++)
		if (dk->pend[i].used && dk->pend[i].user != NULL && dk->cfg.release != NULL)
			dk->cfg.release(dk->pend[i].user, dk->cfg.release_arg);
	free(dk->pend);
	if (dk->mn_by_nai.b != NULL) {
		for (uint32_t i = 0; i <= dk->mn_by_nai.mask; i++)
			while (dk->mn_by_nai.b[i] != NULL)
				dk_mn_free(dk, container_of(dk->mn_by_nai.b[i], struct dk_mn, by_nai));
	}
	dk_hash_fini(&dk->mn_by_nai);
	dk_hash_fini(&dk->mn_by_home);
	dk_hash_fini(&dk->pend_by_nai);
	dk_rate_fini(&dk->rate_nai);
	dk_rate_fini(&dk->rate_src);
	dk_pool_fini(&dk->own_pool);
	dk_heap_fini(&dk->timers);
	mip_wipe(&dk->hkey, sizeof(dk->hkey));
	mip_wipe(&dk->hctx, sizeof(dk->hctx));
	free(dk);
}

void mipha_dk_set_key_continuation(struct mipha_dk *dk, uint32_t seconds)
{
	dk->cfg.key_continuation = seconds;
}

void mipha_dk_out_wipe(struct mipha_dk_out *out)
{
	mip_wipe(out, sizeof(*out));
}

bool mipha_dk_owns(const struct mipha_dk *dk, uint32_t home_addr)
{
	return dk_mn_by_home(dk, home_addr) != NULL;
}

void mipha_dk_stats(const struct mipha_dk *dk, struct mipha_dk_stats *out)
{
	memcpy(out->cnt, dk->cnt, sizeof(out->cnt));
	out->gauge[MIPHA_DK_GAUGE_PENDING] = dk->n_pending;
	out->gauge[MIPHA_DK_GAUGE_PENDING_MAX] = dk->cfg.pending_max;
	out->gauge[MIPHA_DK_GAUGE_PENDING_HIGH] = dk->pending_high;
	out->gauge[MIPHA_DK_GAUGE_MNS] = dk->n_mns;
	out->gauge[MIPHA_DK_GAUGE_CONTINUATIONS] = dk->n_continuing;
	out->gauge[MIPHA_DK_GAUGE_POOL_USED] = dk->pool->n - dk->pool->nfree;
	out->gauge[MIPHA_DK_GAUGE_POOL_FREE] = dk->pool->nfree;
}

bool mipha_dk_mn_view(const struct mipha_dk *dk, const char *nai, struct mipha_dk_mn_view *out)
{
	const struct dk_mn *mn = dk_mn_by_nai(dk, nai, strlen(nai));

	memset(out, 0, sizeof(*out));
	if (mn == NULL)
		return false;
	out->home_addr = mn->home;
	out->continuing = mn->continuing;
	out->single_key = mn->single_key;
	out->has_prev = mn->has_prev;
	out->last_ident = mn->last_ident;
	out->skey2_ident = mn->skey2_ident;
	out->session_end = mn->has_session ? mn->session_end : 0;
	out->continuation_end = mn->continuing ? mn->timer.when : 0;
	out->skey = &mn->skey;
	out->skey2 = &mn->skey2;
	out->prev = &mn->prev;
	return true;
}
