/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_prefetch.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "binding_table.h"
#include "rcu_pool.h"

struct mipha_binding_table {
	struct rte_hash *h;
	struct mipha_rcu_pool pool;
};

/* The hash frees its own key slots after a grace period; our entries go through the pool. */
static void mipha_binding_key_freed(void *p, void *key_data)
{
}

struct mipha_binding_table *mipha_binding_table_create(const char *name, uint32_t max,
						       int socket, struct rte_rcu_qsbr *qsbr)
{
	struct mipha_binding_table *t;

	if (max < 8 || qsbr == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	t = rte_zmalloc_socket(name, sizeof(*t), 0, socket);
	if (t == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	t->h = mipha_lf_hash_create(name, max, sizeof(uint32_t), socket, qsbr,
				    mipha_binding_key_freed);
	if (t->h == NULL)
		goto err;
	if (mipha_rcu_pool_init(&t->pool, name, max, sizeof(struct mipha_binding), socket, qsbr) != 0)
		goto err;
	return t;
err:
	mipha_binding_table_free(t);
	rte_errno = ENOMEM;
	return NULL;
}

void mipha_binding_table_free(struct mipha_binding_table *t)
{
	if (t == NULL)
		return;
	rte_hash_free(t->h);
	if (t->pool.mem != NULL)
		mipha_rcu_pool_fini(&t->pool);
	rte_free(t);
}

struct mipha_binding *mipha_binding_lookup(const struct mipha_binding_table *t,
					   uint32_t home_addr)
{
	void *data;

	if (rte_hash_lookup_data(t->h, &home_addr, &data) < 0)
		return NULL;
	return data;
}

unsigned int mipha_binding_lookup_bulk(const struct mipha_binding_table *t,
				       const uint32_t *home_addrs, unsigned int n,
				       struct mipha_binding **out)
{
	const void *keys[RTE_HASH_LOOKUP_BULK_MAX];
	void *data[RTE_HASH_LOOKUP_BULK_MAX];
	uint64_t hits = 0;
	int nb;

	if (n == 0)
		return 0;
	if (n > RTE_HASH_LOOKUP_BULK_MAX)
		n = RTE_HASH_LOOKUP_BULK_MAX;
	for (unsigned int i = 0; i < n; i++)
		keys[i] = &home_addrs[i];
	nb = rte_hash_lookup_bulk_data(t->h, keys, n, &hits, data);
	for (unsigned int i = 0; i < n; i++) {
		out[i] = (hits >> i) & 1 ? data[i] : NULL;
		/*
		 * Every caller reads the binding next: start all the burst's
		 * (cold with many MNs) loads now, so that they overlap instead of
		 * stalling one packet after another.
		 */
		if (out[i] != NULL)
			rte_prefetch0(out[i]);
	}
	return nb < 0 ? 0 : (unsigned int)nb;
}

int mipha_binding_install(struct mipha_binding_table *t, uint32_t home_addr, uint32_t coa,
			  uint32_t expiry_sec, uint16_t flags, uint64_t cookie,
			  struct mipha_binding **out)
{
	struct mipha_binding *b = mipha_binding_lookup(t, home_addr);
	int error;

	if (b != NULL) {
		b->cookie = cookie;
		mipha_binding_refresh(b, coa, expiry_sec, flags);
		goto done;
	}
	b = mipha_rcu_pool_alloc(&t->pool);
	if (b == NULL)
		return -ENOSPC;
	b->home_addr = home_addr;
	b->cookie = cookie;
	b->flags = flags;
	b->coa_expiry = mipha_binding_pack(coa, expiry_sec);
	b->path_mtu = 0;
	/* rte_hash's add publishes with release order: the fields above are visible first. */
	error = rte_hash_add_key_data(t->h, &home_addr, b);
	if (error != 0) {
		mipha_rcu_pool_put_now(&t->pool, b);
		return -ENOSPC;
	}
done:
	if (out != NULL)
		*out = b;
	return 0;
}

int mipha_binding_remove(struct mipha_binding_table *t, uint32_t home_addr)
{
	struct mipha_binding *b = mipha_binding_lookup(t, home_addr);

	if (b == NULL)
		return -ENOENT;
	if (rte_hash_del_key(t->h, &home_addr) < 0)
		return -ENOENT;
	if (mipha_rcu_pool_retire(&t->pool, b) != 0)
		return -ENOSPC; /* cannot happen: a full queue waits for a grace period */
	return 0;
}

unsigned int mipha_binding_table_reclaim(struct mipha_binding_table *t)
{
	return mipha_rcu_pool_reclaim(&t->pool);
}

uint32_t mipha_binding_table_count(const struct mipha_binding_table *t)
{
	return mipha_rcu_pool_used(&t->pool);
}
