/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "mip_secret.h"

#include "rcu_pool.h"

static void mipha_rcu_pool_free_cb(void *arg, void *e, unsigned int n)
{
	struct mipha_rcu_pool *p = arg;
	void **ep = e;

	for (unsigned int i = 0; i < n; i++) {
		mipha_rcu_pool_put_now(p, ep[i]);
		p->nb_retired--;
	}
}

int mipha_rcu_pool_init(struct mipha_rcu_pool *p, const char *name, uint32_t n, size_t esize,
			int socket, struct rte_rcu_qsbr *qsbr)
{
	char dqname[RTE_RCU_QSBR_DQ_NAMESIZE];

	memset(p, 0, sizeof(*p));
	/* big entries (SAs) on cache lines; small ones (bindings) packed: 1M of them must fit */
	p->esize = esize >= RTE_CACHE_LINE_SIZE ? RTE_ALIGN_CEIL(esize, RTE_CACHE_LINE_SIZE)
						: RTE_ALIGN_CEIL(esize, sizeof(uint64_t));
	p->qsbr = qsbr;
	p->n = n;
	p->mem = rte_zmalloc_socket(name, (size_t)n * p->esize, RTE_CACHE_LINE_SIZE, socket);
	p->free_idx = rte_malloc_socket(name, (size_t)n * sizeof(uint32_t), 0, socket);
	if (p->mem == NULL || p->free_idx == NULL)
		goto nomem;
	for (uint32_t i = 0; i < n; i++)
		p->free_idx[i] = n - 1 - i;
	p->nb_free = n;

	snprintf(dqname, sizeof(dqname), "%s", name);
	struct rte_rcu_qsbr_dq_parameters params = {
		.name = dqname,
		.flags = RTE_RCU_QSBR_DQ_MT_UNSAFE, /* control lcore only */
		/* a fraction of the pool: a full queue waits for one grace period (see retire) */
		.size = RTE_MAX(n / 8, 64u),
		.esize = sizeof(void *),
		.trigger_reclaim_limit = 0, /* try on every retire: cheap when nothing is ready */
		.max_reclaim_size = 64,
		.free_fn = mipha_rcu_pool_free_cb,
		.p = p,
		.v = qsbr,
	};
	p->dq = rte_rcu_qsbr_dq_create(&params);
	if (p->dq == NULL)
		goto nomem;
	return 0;
nomem:
	mipha_rcu_pool_fini(p);
	return -ENOMEM;
}

void mipha_rcu_pool_fini(struct mipha_rcu_pool *p)
{
	if (p->mem != NULL)
		mip_wipe(p->mem, (size_t)p->n * p->esize);
	if (p->dq != NULL)
		rte_rcu_qsbr_dq_delete(p->dq);
	rte_free(p->mem);
	rte_free(p->free_idx);
	memset(p, 0, sizeof(*p));
}

void *mipha_rcu_pool_alloc(struct mipha_rcu_pool *p)
{
	if (p->nb_free == 0)
		mipha_rcu_pool_reclaim(p);
	if (p->nb_free == 0)
		return NULL;
	uint32_t idx = p->free_idx[--p->nb_free];
	void *e = p->mem + (size_t)idx * p->esize;

	memset(e, 0, p->esize);
	return e;
}

void mipha_rcu_pool_put_now(struct mipha_rcu_pool *p, void *e)
{
	uint32_t idx = (uint32_t)(((uint8_t *)e - p->mem) / p->esize);

	mip_wipe(e, p->esize);
	p->wiped++;
	p->free_idx[p->nb_free++] = idx;
}

int mipha_rcu_pool_retire(struct mipha_rcu_pool *p, void *e)
{
	p->nb_retired++;
	if (rte_rcu_qsbr_dq_enqueue(p->dq, &e) == 0)
		return 0;
	/*
	 * Queue full (a mass removal): wait for one grace period, which frees
	 * everything queued so far. Workers report every loop and go offline
	 * while asleep, so this costs control one burst time.
	 */
	rte_rcu_qsbr_synchronize(p->qsbr, RTE_QSBR_THRID_INVALID);
	mipha_rcu_pool_reclaim(p);
	if (rte_rcu_qsbr_dq_enqueue(p->dq, &e) == 0)
		return 0;
	p->nb_retired--;
	return -ENOSPC;
}

unsigned int mipha_rcu_pool_reclaim(struct mipha_rcu_pool *p)
{
	unsigned int freed = 0, pending = 0, available = 0;

	rte_rcu_qsbr_dq_reclaim(p->dq, p->n, &freed, &pending, &available);
	return freed;
}

uint32_t mipha_rcu_pool_used(const struct mipha_rcu_pool *p)
{
	return p->n - p->nb_free - p->nb_retired;
}

/*
 * Our keys are 4 bytes (home address) and 8 (home address, SPI). rte_hash has
 * tuned compares only from 16 bytes up and calls memcmp for these; a plain
 * load-and-compare is cheaper on every lookup (and the keys are fixed-size,
 * so this is not a timing channel beyond the hash's own).
 */
static int mipha_hash_cmp4(const void *a, const void *b, size_t len)
{
	uint32_t x, y;

	(void)len;
	memcpy(&x, a, 4);
	memcpy(&y, b, 4);
	return x != y;
}

static int mipha_hash_cmp8(const void *a, const void *b, size_t len)
{
	uint64_t x, y;

	(void)len;
	memcpy(&x, a, 8);
	memcpy(&y, b, 8);
	return x != y;
}

struct rte_hash *mipha_lf_hash_create(const char *name, uint32_t entries, uint32_t key_len,
				      int socket, struct rte_rcu_qsbr *qsbr,
				      void (*free_key_data)(void *p, void *key_data))
{
	char hname[RTE_HASH_NAMESIZE];
	struct rte_hash *h;

	snprintf(hname, sizeof(hname), "%s", name);
	struct rte_hash_parameters hp = {
		.name = hname,
		.entries = entries,
		.key_len = key_len,
		.hash_func = rte_hash_crc,
		.socket_id = socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF | RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	h = rte_hash_create(&hp);
	if (h == NULL)
		return NULL;
	if (key_len == 4)
		rte_hash_set_cmp_func(h, mipha_hash_cmp4);
	else if (key_len == 8)
		rte_hash_set_cmp_func(h, mipha_hash_cmp8);
	struct rte_hash_rcu_config rc = {
		.v = qsbr,
		.mode = RTE_HASH_QSBR_MODE_DQ,
		.free_key_data_func = free_key_data,
	};
	if (rte_hash_rcu_qsbr_add(h, &rc) != 0) {
		rte_hash_free(h);
		return NULL;
	}
	return h;
}
