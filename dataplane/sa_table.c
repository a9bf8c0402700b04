/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "mip_secret.h"

#include "auth_batch.h"
#include "rcu_pool.h"
#include "sa_table.h"

_Static_assert(sizeof(struct mipha_sa) == 256, "struct mipha_sa sized for 1M MNs in 512 MiB");

struct mipha_sa_table {
	struct rte_hash *h;
	struct mipha_rcu_pool pool;
	struct mipha_auth auth;	/* ipad/opad precomputation (control lcore) */
};

static void mipha_sa_key_freed(void *p, void *key_data)
{
}

struct rte_rcu_qsbr *mipha_rcu_create(uint32_t max_threads)
{
	size_t sz = rte_rcu_qsbr_get_memsize(max_threads);
	struct rte_rcu_qsbr *v;

	v = rte_zmalloc("mipha_rcu", sz, RTE_CACHE_LINE_SIZE);
	if (v == NULL)
		return NULL;
	if (rte_rcu_qsbr_init(v, max_threads) != 0) {
		rte_free(v);
		return NULL;
	}
	return v;
}

struct mipha_sa_table *mipha_sa_table_create(const char *name, uint32_t max, int socket,
					     struct rte_rcu_qsbr *qsbr)
{
	struct mipha_sa_table *t;

	if (max < 8 || qsbr == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	t = rte_zmalloc_socket(name, sizeof(*t), 0, socket);
	if (t == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	/* two SPIs per MN */
	t->h = mipha_lf_hash_create(name, 2 * max, sizeof(struct mipha_sa_hkey), socket, qsbr,
				    mipha_sa_key_freed);
	if (t->h == NULL)
		goto err;
	if (mipha_rcu_pool_init(&t->pool, name, max, sizeof(struct mipha_sa), socket, qsbr) != 0)
		goto err;
	if (mipha_auth_init(&t->auth) != 0)
		goto err;
	return t;
err:
	mipha_sa_table_free(t);
	rte_errno = ENOMEM;
	return NULL;
}

void mipha_sa_table_free(struct mipha_sa_table *t)
{
	if (t == NULL)
		return;
	rte_hash_free(t->h);
	if (t->pool.mem != NULL)
		mipha_rcu_pool_fini(&t->pool); /* wipes every entry */
	mipha_auth_fini(&t->auth);
	rte_free(t);
}

struct mipha_sa *mipha_sa_lookup(const struct mipha_sa_table *t, uint32_t home_addr, uint32_t spi)
{
	struct mipha_sa_hkey k = { .home_addr = home_addr, .spi = spi };
	void *data;

	if (rte_hash_lookup_data(t->h, &k, &data) < 0)
		return NULL;
	return data;
}

unsigned int mipha_sa_lookup_bulk(const struct mipha_sa_table *t, const struct mipha_sa_hkey *keys,
				  unsigned int n, struct mipha_sa **out)
{
	const void *kp[RTE_HASH_LOOKUP_BULK_MAX];
	void *data[RTE_HASH_LOOKUP_BULK_MAX];
	uint64_t hits = 0;
	int nb;

	if (n == 0)
		return 0;
	if (n > RTE_HASH_LOOKUP_BULK_MAX)
		n = RTE_HASH_LOOKUP_BULK_MAX;
	for (unsigned int i = 0; i < n; i++)
		kp[i] = &keys[i];
	nb = rte_hash_lookup_bulk_data(t->h, kp, n, &hits, data);
	for (unsigned int i = 0; i < n; i++) {
		out[i] = (hits >> i) & 1 ? data[i] : NULL;
		/* the caller verifies next: the burst's (cold) SAs load in parallel */
		if (out[i] != NULL)
			mipha_sa_prefetch(out[i]);
	}
	return nb < 0 ? 0 : (unsigned int)nb;
}

struct mipha_sa *mipha_sa_alloc(struct mipha_sa_table *t)
{
	return mipha_rcu_pool_alloc(&t->pool);
}

struct mipha_sa *mipha_sa_clone(struct mipha_sa_table *t, const struct mipha_sa *sa)
{
	struct mipha_sa *n = mipha_rcu_pool_alloc(&t->pool);

	if (n == NULL)
		return NULL;
	memcpy(n, sa, sizeof(*n));
	n->last_ident = mipha_sa_last_ident(sa);
	return n;
}

void mipha_sa_discard(struct mipha_sa_table *t, struct mipha_sa *sa)
{
	mipha_rcu_pool_put_now(&t->pool, sa);
}

int mipha_sa_set_key(struct mipha_sa_table *t, struct mipha_sa *sa, unsigned int idx,
		     uint32_t spi, enum mip_alg alg, const struct mip_key *key)
{
	struct mipha_sa_key *k;

	if (idx >= MIPHA_SA_NKEYS || spi < MIP_SPI_MIN ||
	    (alg != MIP_ALG_HMAC_MD5 && alg != MIP_ALG_KEYED_MD5))
		return -EINVAL;
	k = &sa->key[idx];
	k->spi = spi;
	k->alg = (uint8_t)alg;
	k->key = *key;
	mipha_auth_precompute(&t->auth, key, k->ipad, k->opad);
	return 0;
}

static int mipha_sa_hash_add(struct mipha_sa_table *t, uint32_t home, uint32_t spi,
			     struct mipha_sa *sa)
{
	struct mipha_sa_hkey k = { .home_addr = home, .spi = spi };

	return rte_hash_add_key_data(t->h, &k, sa) == 0 ? 0 : -ENOSPC;
}

static void mipha_sa_hash_del(struct mipha_sa_table *t, uint32_t home, uint32_t spi)
{
	struct mipha_sa_hkey k = { .home_addr = home, .spi = spi };

	rte_hash_del_key(t->h, &k);
}

int mipha_sa_install(struct mipha_sa_table *t, struct mipha_sa *sa)
{
	int i, error = 0;

	for (i = 0; i < MIPHA_SA_NKEYS; i++)
		if (sa->key[i].spi != 0 && mipha_sa_lookup(t, sa->home_addr, sa->key[i].spi) != NULL)
			return -EEXIST;
	for (i = 0; i < MIPHA_SA_NKEYS; i++) {
		if (sa->key[i].spi == 0)
			continue;
		error = mipha_sa_hash_add(t, sa->home_addr, sa->key[i].spi, sa);
		if (error != 0)
			break;
	}
	if (error != 0)
		while (--i >= 0)
			if (sa->key[i].spi != 0)
				mipha_sa_hash_del(t, sa->home_addr, sa->key[i].spi);
	return error;
}

int mipha_sa_replace(struct mipha_sa_table *t, struct mipha_sa *old, struct mipha_sa *new_sa)
{
	int error;

	if (old->home_addr != new_sa->home_addr)
		return -EINVAL;
	new_sa->last_ident = mipha_sa_last_ident(old);
	new_sa->dup = old->dup;
	for (int i = 0; i < MIPHA_SA_NKEYS; i++) {
		if (new_sa->key[i].spi == 0)
			continue;
		/* rte_hash_add_key_data on an existing key swaps its data pointer atomically */
		error = mipha_sa_hash_add(t, new_sa->home_addr, new_sa->key[i].spi, new_sa);
		if (error != 0)
			return error;
	}
	for (int i = 0; i < MIPHA_SA_NKEYS; i++)
		if (old->key[i].spi != 0 && mipha_sa_key_for(new_sa, old->key[i].spi) == NULL)
			mipha_sa_hash_del(t, old->home_addr, old->key[i].spi);
	/* a worker holding old may have accepted a newer Identification meanwhile */
	uint64_t o = mipha_sa_last_ident(old), n = mipha_sa_last_ident(new_sa);
	while (o > n && !mipha_sa_replay_advance(new_sa, n, o))
		n = mipha_sa_last_ident(new_sa);
	return mipha_rcu_pool_retire(&t->pool, old);
}

int mipha_sa_remove(struct mipha_sa_table *t, struct mipha_sa *sa)
{
	for (int i = 0; i < MIPHA_SA_NKEYS; i++)
		if (sa->key[i].spi != 0 && mipha_sa_lookup(t, sa->home_addr, sa->key[i].spi) == sa)
			mipha_sa_hash_del(t, sa->home_addr, sa->key[i].spi);
	return mipha_rcu_pool_retire(&t->pool, sa);
}

unsigned int mipha_sa_table_reclaim(struct mipha_sa_table *t)
{
	return mipha_rcu_pool_reclaim(&t->pool);
}

uint32_t mipha_sa_table_count(const struct mipha_sa_table *t)
{
	return mipha_rcu_pool_used(&t->pool);
}

/* CRC32C of an RRQ; reads by memcpy since the RRQ sits unaligned in its frame. */
static uint32_t mipha_rrq_crc(const uint8_t *p, uint16_t len)
{
	uint32_t crc = 0xffffffff;
	uint16_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t v;

		memcpy(&v, p + i, sizeof(v));
		crc = rte_hash_crc_8byte(v, crc);
	}
	for (; i < len; i++)
		crc = rte_hash_crc_1byte(p[i], crc);
	return crc;
}

void mipha_sa_dup_store(struct mipha_sa *sa, uint8_t kind, const uint8_t *rrq, uint16_t rrq_len,
			uint64_t ident, uint8_t code, uint16_t lifetime, uint32_t spi,
			const uint8_t auth[16])
{
	uint32_t s = __atomic_load_n(&sa->dup.seq, __ATOMIC_RELAXED);

	/* another writer busy: the cache is best effort, skip */
	if ((s & 1) != 0 ||
	    !__atomic_compare_exchange_n(&sa->dup.seq, &s, s + 1, false, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		return;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	sa->dup.rrq_crc = mipha_rrq_crc(rrq, rrq_len);
	sa->dup.ident = ident;
	sa->dup.rrq_len = rrq_len;
	sa->dup.lifetime = lifetime;
	sa->dup.kind = kind;
	sa->dup.code = code;
	sa->dup.spi = spi;
	if (auth != NULL)
		memcpy(sa->dup.auth, auth, 16);
	else
		memset(sa->dup.auth, 0, 16);
	__atomic_store_n(&sa->dup.seq, s + 2, __ATOMIC_RELEASE);
}

uint8_t mipha_sa_dup_match(const struct mipha_sa *sa, const uint8_t *rrq, uint16_t len,
			   uint64_t ident, struct mipha_sa_dup *out)
{
	uint32_t s1 = __atomic_load_n(&sa->dup.seq, __ATOMIC_ACQUIRE);

	if ((s1 & 1) != 0)
		return MIPHA_DUP_NONE;
	memcpy(out, &sa->dup, sizeof(*out));
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (__atomic_load_n(&sa->dup.seq, __ATOMIC_RELAXED) != s1)
		return MIPHA_DUP_NONE;
	/* only the last accepted RRQ: one accepted later without a cache entry ends it */
	if (out->kind == MIPHA_DUP_NONE || out->ident != ident || out->rrq_len != len ||
	    mipha_sa_last_ident(sa) != ident)
		return MIPHA_DUP_NONE;
	if (mipha_rrq_crc(rrq, len) != out->rrq_crc)
		return MIPHA_DUP_NONE;
	return out->kind;
}
