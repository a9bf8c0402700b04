/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Static SAs configured by NAI alone ([sa.NAME] with nai and no
 * home_address; spec section 9, home address rules of section 5 step 5).
 *
 * The MN sends an RRQ with its NAI (RFC 2794) and an MHAE under its static
 * SPI, Home Address 0.0.0.0 (give me one) or the one it was given. No SA is
 * installed under that address yet, so a worker hands it over as
 * MIPHA_CTRL_UNKNOWN_SPI; here it is verified with the configured key, its
 * Identification checked against the NAI's replay state, a home address
 * chosen (0.0.0.0: the one it holds, else a free [ha] home_pool address; a
 * non-zero one: the one it holds or a free pool address, else 129), and an SA
 * struct with every key of the NAI installed under that address with the
 * NAI's replay state, so re-registrations take the workers' fast path. The
 * binding and reply come from mipha_ctl_register (as for a first static
 * registration). Deregistration and expiry remove binding and SA (its last
 * Identification read back first) and give the address back; the NAI's
 * record, and so its replay state, stays for the life of the process.
 *
 * The pool is the one the dynamic-key core uses (c->pool, dynkey.h): an
 * address is held by a dynamic MN or an NAI static MN, never both.
 *
 * Records are built once from the configuration, sorted by NAI (binary
 * search); the pool offset of an address gives its record (owner[]).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "binding_table.h"
#include "config.h"
#include "ctl.h"
#include "dynkey.h"
#include "mip_auth.h"
#include "mip_ntp.h"
#include "sa_table.h"

/* Marks an SA struct control installed for an NAI static MN (mipha_sa.cookie). */
#define NAI_COOKIE 0x4e41490000000000ull	/* "NAI" << 40 | record index */
#define NAI_DUP_MAX 512	/* RRQs longer than this are not kept for the duplicate cache */

struct nai_rec {
	const char *nai;			/* the configuration's string */
	size_t nai_len;
	const struct mipha_cfg_sa *sa[MIPHA_SA_NKEYS];
	unsigned int n_sa;
	uint32_t home;				/* network order; 0 = none held */
	uint64_t last_ident;			/* replay state of the NAI (0: none) */
	/* The last RRQ control accepted for this NAI and its reply (spec section 8). */
	bool dup_valid;
	uint16_t dup_len;
	uint16_t rrp_len;
	uint8_t dup_rrq[NAI_DUP_MAX];
	uint8_t rrp[MIPHA_CTL_RRP_MAX];
};

struct mipha_ctl_nai {
	struct nai_rec *rec;
	unsigned int n;
	uint32_t pool_first;			/* host order */
	uint32_t pool_n;
	uint32_t *owner;			/* pool offset -> record index + 1, 0 = none */
};

static inline void cnt(struct mipha_ctl *c, enum mipha_ctl_counter id)
{
	c->cnt[id]++;
}

static uint64_t ha_now(const struct mipha_ctl *c)
{
	return mipha_clock_now(&c->p.wconf->clock);
}

static int rec_cmp(const void *a, const void *b)
{
	const struct nai_rec *x = a, *y = b;

	return strcmp(x->nai, y->nai);
}

static struct nai_rec *rec_find(const struct mipha_ctl_nai *t, const char *nai, size_t n)
{
	size_t lo = 0, hi = t != NULL ? t->n : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		struct nai_rec *r = &t->rec[mid];
		size_t m = r->nai_len < n ? r->nai_len : n;
		int d = memcmp(r->nai, nai, m);

		if (d == 0)
			d = r->nai_len < n ? -1 : r->nai_len > n ? 1 : 0;
		if (d == 0)
			return r;
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static uint32_t *owner_slot(const struct mipha_ctl_nai *t, uint32_t home)
{
	uint32_t a = ntohl(home);

	if (home == 0 || a < t->pool_first || a - t->pool_first >= t->pool_n)
		return NULL;
	return &t->owner[a - t->pool_first];
}

static struct nai_rec *rec_by_home(const struct mipha_ctl_nai *t, uint32_t home)
{
	uint32_t *o;

	if (t == NULL)
		return NULL;
	o = owner_slot(t, home);
	return o != NULL && *o != 0 ? &t->rec[*o - 1] : NULL;
}

int mipha_ctl_nai_init(struct mipha_ctl *c)
{
	const struct mipha_config *cfg = c->p.cfg;
	struct mipha_ctl_nai *t;
	unsigned int i, n = 0;

	c->nai = NULL;
	if (cfg == NULL)
		return 0;
	n = mipha_config_nai_sa_count(cfg);
	if (n == 0)
		return 0;
	if (c->pool == NULL)
		return -EINVAL;	/* the configuration refuses this (docs/config.md) */
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	t->rec = calloc(n, sizeof(*t->rec));
	t->pool_first = ntohl(cfg->ha.home_pool_first);
	t->pool_n = mipha_pool_size(c->pool);
	t->owner = calloc(t->pool_n, sizeof(*t->owner));
	if (t->rec == NULL || t->owner == NULL) {
		free(t->rec);
		free(t->owner);
		free(t);
		return -ENOMEM;
	}
	for (i = 0; i < cfg->n_sa; i++) {
		const struct mipha_cfg_sa *s = &cfg->sa[i];
		struct nai_rec *r = NULL;

		if (s->home_addr != 0 || s->nai[0] == '\0')
			continue;
		for (unsigned int j = 0; j < t->n && r == NULL; j++)
			if (strcmp(t->rec[j].nai, s->nai) == 0)
				r = &t->rec[j];
		if (r == NULL) {
			r = &t->rec[t->n++];
			r->nai = s->nai;
			r->nai_len = strlen(s->nai);
		}
		if (r->n_sa == MIPHA_SA_NKEYS) {
			free(t->rec);
			free(t->owner);
			free(t);
			return -EINVAL;	/* the configuration refuses this */
		}
		r->sa[r->n_sa++] = s;
	}
	qsort(t->rec, t->n, sizeof(*t->rec), rec_cmp);
	c->nai = t;
	return 0;
}

void mipha_ctl_nai_fini(struct mipha_ctl *c)
{
	struct mipha_ctl_nai *t = c->nai;

	if (t == NULL)
		return;
	free(t->rec);
	free(t->owner);
	free(t);
	c->nai = NULL;
}

bool mipha_ctl_nai_has_spi(const struct mipha_ctl *c, const char *nai, size_t n, uint32_t spi)
{
	const struct nai_rec *r = rec_find(c->nai, nai, n);

	for (unsigned int i = 0; r != NULL && i < r->n_sa; i++)
		if (r->sa[i]->spi == spi)
			return true;
	return false;
}

uint32_t mipha_ctl_nai_home(const struct mipha_ctl *c, const char *nai)
{
	const struct nai_rec *r = rec_find(c->nai, nai, strlen(nai));

	return r != NULL ? r->home : 0;
}

/* The SA installed under r's address (any of its SPIs), or NULL. */
static struct mipha_sa *rec_sa(const struct mipha_ctl *c, const struct nai_rec *r)
{
	for (unsigned int i = 0; r->home != 0 && i < r->n_sa; i++) {
		struct mipha_sa *sa = mipha_sa_lookup(c->p.sas, r->home, r->sa[i]->spi);

		if (sa != NULL)
			return sa;
	}
	return NULL;
}

/* The later of two Identifications, 0 meaning none (serial order would put 0 after most). */
static uint64_t ident_max(uint64_t a, uint64_t b)
{
	if (a == 0 || b == 0)
		return a | b;
	return mip_ntp_cmp(a, b) > 0 ? a : b;
}

/* The last Identification accepted for r, by control or (under its SA) by a worker. */
static uint64_t rec_last(const struct mipha_ctl *c, const struct nai_rec *r)
{
	const struct mipha_sa *sa = rec_sa(c, r);

	return ident_max(sa != NULL ? mipha_sa_last_ident(sa) : 0, r->last_ident);
}

/* Moves the SA's replay state forward to ident (workers may move it too). */
static void sa_advance(struct mipha_sa *sa, uint64_t ident)
{
	for (int tries = 0; tries < 16; tries++) {
		uint64_t last = mipha_sa_last_ident(sa);

		if (last != 0 && mip_ntp_cmp(last, ident) >= 0)
			return;
		if (mipha_sa_replay_advance(sa, last, ident))
			return;
	}
}

/* Removes binding and SA of r's address, keeps the replay state, frees the address. */
static void rec_release(struct mipha_ctl *c, struct nai_rec *r)
{
	struct mipha_ctl_nai *t = c->nai;
	struct mipha_sa *sa;
	uint32_t *o;

	if (r->home == 0)
		return;
	sa = rec_sa(c, r);
	mipha_binding_remove(c->p.bindings, r->home);
	if (sa != NULL) {
		/* Read back first: an old RRQ must not be replayed after this. */
		r->last_ident = ident_max(mipha_sa_last_ident(sa), r->last_ident);
		mipha_sa_remove(c->p.sas, sa);	/* keys wiped after the grace period */
	}
	o = owner_slot(t, r->home);
	if (o != NULL)
		*o = 0;
	mipha_pool_release(c->pool, r->home);
	r->home = 0;
	cnt(c, MIPHA_CTL_CNT_NAI_RELEASED);
}

bool mipha_ctl_nai_unbind(struct mipha_ctl *c, uint32_t home)
{
	struct nai_rec *r = rec_by_home(c->nai, home);

	if (r == NULL)
		return false;
	rec_release(c, r);
	return true;
}

/* An SA struct with every key of r under home, carrying the replay state ident. */
static int rec_install_sa(struct mipha_ctl *c, struct nai_rec *r, uint32_t home, uint64_t ident)
{
	struct mipha_sa *sa = mipha_sa_alloc(c->p.sas);
	int error = 0;

	if (sa == NULL)
		return -ENOSPC;
	sa->home_addr = home;
	sa->kind = MIPHA_SA_STATIC;
	sa->replay_tolerance = (uint16_t)r->sa[0]->replay_tolerance;
	sa->cookie = NAI_COOKIE | (uint64_t)(r - c->nai->rec);
	sa->last_ident = ident;
	for (unsigned int i = 0; error == 0 && i < r->n_sa; i++)
		error = mipha_sa_set_key(c->p.sas, sa, i, r->sa[i]->spi, r->sa[i]->alg,
					 &r->sa[i]->key);
	if (error == 0)
		error = mipha_sa_install(c->p.sas, sa);
	if (error != 0)
		mipha_sa_discard(c->p.sas, sa);
	return error;
}

/*
 * Section 5 step 5 for r: 0 and *home (*fresh: taken from the pool now), or
 * the code to deny with.
 */
static uint8_t choose_home(struct mipha_ctl *c, struct nai_rec *r, uint32_t want, uint32_t *home,
			   bool *fresh)
{
	*fresh = false;
	if (want == 0 && r->home != 0) {
		*home = r->home;
		return 0;
	}
	if (want == 0) {
		*home = mipha_pool_alloc(c->pool);
		if (*home == 0)
			return MIP_CODE_INSUFFICIENT_RESOURCES;
		*fresh = true;
		return 0;
	}
	if (want == r->home) {
		*home = want;
		return 0;
	}
	/* Another NAI's (static or dynamic), or not the pool's: 129. */
	if (mipha_pool_take(c->pool, want) != 0)
		return MIP_CODE_ADMIN_PROHIBITED;
	*home = want;
	*fresh = true;
	return 0;
}

/* A signed denial or 133 (not accepted: the replay state does not move). */
static void deny(struct mipha_ctl *c, struct mipha_ctrl_msg *msg, const struct mip_msg *rrq,
		 const struct mipha_cfg_sa *k, uint8_t code, uint64_t ident, enum mipha_ctl_counter n)
{
	if (mipha_ctl_reply_keyed(c, msg, rrq, code, 0, ident, k->spi, k->alg, &k->key, NULL, NULL,
				  NULL) == 0)
		cnt(c, n);
}

/*
 * Before the reply is sent (it is built in the RRQ's frame): keeps a copy of
 * rrq; dup_keep then validates it once the reply was sent (spec section 8:
 * an exact copy gets the same reply).
 */
static void dup_prepare(struct nai_rec *r, const struct mip_msg *rrq)
{
	r->dup_valid = false;
	r->dup_len = 0;
	r->rrp_len = 0;
	if (rrq->len > sizeof(r->dup_rrq))
		return;
	memcpy(r->dup_rrq, rrq->buf, rrq->len);
	r->dup_len = (uint16_t)rrq->len;
}

static void dup_keep(struct nai_rec *r)
{
	r->dup_valid = r->dup_len != 0 && r->rrp_len != 0;
}

static bool dup_match(const struct mipha_ctl *c, const struct nai_rec *r, const struct mip_msg *rrq)
{
	return r->dup_valid && r->dup_len == rrq->len &&
	       memcmp(r->dup_rrq, rrq->buf, rrq->len) == 0 &&
	       mip_ntp_cmp(rrq->ident, rec_last(c, r)) == 0;
}

/* A verified deregistration of an address r does not hold under an SA (0.0.0.0, or not bound). */
static void nai_dereg(struct mipha_ctl *c, struct mipha_ctrl_msg *msg, const struct mip_msg *rrq,
		      struct nai_rec *r, const struct mipha_cfg_sa *k)
{
	r->last_ident = rrq->ident;
	if (rrq->home_addr == 0 && r->home != 0) {
		/* All of the NAI's bindings (it has at most one). */
		rec_release(c, r);
		cnt(c, MIPHA_CTL_CNT_BINDING_DEREG);
	} else {
		cnt(c, MIPHA_CTL_CNT_DEREG_UNBOUND);
	}
	dup_prepare(r, rrq);
	if (mipha_ctl_reply_keyed(c, msg, rrq, MIP_CODE_ACCEPTED, 0, rrq->ident, k->spi, k->alg,
				  &k->key, NULL, r->rrp, &r->rrp_len) == 0) {
		dup_keep(r);
		cnt(c, MIPHA_CTL_CNT_REPLY_ACCEPTED);
		cnt(c, MIPHA_CTL_CNT_NAI_DEREG);
	}
}

bool mipha_ctl_nai_rrq(struct mipha_ctl *c, struct mipha_ctrl_msg *msg, const struct mip_msg *rrq)
{
	struct nai_rec *r;
	const struct mipha_cfg_sa *k = NULL;
	struct mipha_ctl_signer s;
	struct mip_msg q;
	uint32_t home = 0, old;
	uint64_t now;
	bool fresh, new_sa;
	uint8_t code;
	int sent;

	if (c->nai == NULL || (rrq->present & (MIP_HAS_NAI | MIP_HAS_MHAE)) !=
				      (MIP_HAS_NAI | MIP_HAS_MHAE))
		return false;
	r = rec_find(c->nai, (const char *)rrq->nai.p, rrq->nai.len);
	for (unsigned int i = 0; r != NULL && i < r->n_sa; i++)
		if (r->sa[i]->spi == rrq->mhae.spi)
			k = r->sa[i];
	if (k == NULL)
		return false;	/* not an SA by NAI alone: 131 for an unknown SPI */
	/* Spec section 8: an exact copy of the last accepted RRQ gets the same reply, first. */
	if (dup_match(c, r, rrq)) {
		cnt(c, MIPHA_CTL_CNT_NAI_DUPLICATE);
		cnt(c, MIPHA_CTL_CNT_REPLY_DUPLICATE);
		mipha_ctl_send_reply(c, msg, r->rrp, r->rrp_len);
		return true;
	}
	if (!mip_auth_verify(rrq, k->alg, &k->key)) {	/* constant-time compare */
		mipha_ctl_reply_unsigned(c, msg, rrq, MIP_CODE_MN_FAILED_AUTH);
		cnt(c, MIPHA_CTL_CNT_NAI_REPLY_131);
		return true;
	}
	now = ha_now(c);
	if (mip_replay_check(rrq->ident, now, rec_last(c, r), k->replay_tolerance) !=
	    MIP_REPLAY_OK) {
		deny(c, msg, rrq, k, MIP_CODE_ID_MISMATCH, mip_ntp_resync_ident(now, rrq->ident),
		     MIPHA_CTL_CNT_NAI_REPLY_133);
		return true;
	}
	if (rrq->lifetime == 0 || rrq->coa == rrq->home_addr) {
		nai_dereg(c, msg, rrq, r, k);
		return true;
	}
	code = choose_home(c, r, rrq->home_addr, &home, &fresh);
	if (code != 0) {
		deny(c, msg, rrq, k, code, rrq->ident,
		     code == MIP_CODE_ADMIN_PROHIBITED ? MIPHA_CTL_CNT_NAI_REPLY_129
						       : MIPHA_CTL_CNT_NAI_REPLY_130);
		return true;
	}
	/* Moving to another address: the old one's binding and SA go, the address back. */
	old = r->home;
	if (old != 0 && old != home)
		rec_release(c, r);
	new_sa = rec_sa(c, r) == NULL || r->home != home;
	if (new_sa && rec_install_sa(c, r, home, rrq->ident) != 0) {
		if (fresh)
			mipha_pool_release(c->pool, home);
		deny(c, msg, rrq, k, MIP_CODE_INSUFFICIENT_RESOURCES, rrq->ident,
		     MIPHA_CTL_CNT_NAI_REPLY_130);
		return true;
	}
	r->home = home;
	*owner_slot(c->nai, home) = (uint32_t)(r - c->nai->rec) + 1;
	if (!new_sa)
		sa_advance(rec_sa(c, r), rrq->ident);
	r->last_ident = rrq->ident;
	/* The reply says the address; a copy at that address is the fast path's duplicate. */
	q = *rrq;
	q.home_addr = home;
	memset(&s, 0, sizeof(s));
	s.spi = k->spi;
	s.alg = k->alg;
	s.key = &k->key;
	s.dup_sa = rrq->home_addr == home ? rec_sa(c, r) : NULL;
	s.copy = r->rrp;
	s.copy_len = &r->rrp_len;
	dup_prepare(r, rrq);
	sent = mipha_ctl_register(c, msg, &q, &s);
	if (sent == MIP_CODE_ACCEPTED || sent == MIP_CODE_ACCEPTED_NO_SIMUL) {
		dup_keep(r);
		cnt(c, MIPHA_CTL_CNT_NAI_ACCEPTED);
		if (fresh)
			cnt(c, MIPHA_CTL_CNT_NAI_ASSIGNED);
		return true;
	}
	/* 139, 130 or dropped: nothing of this registration stays. */
	if (sent == MIP_CODE_INSUFFICIENT_RESOURCES)
		cnt(c, MIPHA_CTL_CNT_NAI_REPLY_130);
	if (fresh || new_sa)
		rec_release(c, r);
	return true;
}
