/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to dataplane/: a fixed pool of table entries whose frees wait for
 * an RCU grace period. The control lcore is its only user (alloc, retire,
 * reclaim); workers only read entries they found through a hash lookup.
 * A retired entry is wiped (every byte) when reclaimed, so key material in it
 * is gone the moment it can be reused.
 */
#ifndef MIPHA_DP_RCU_POOL_H
#define MIPHA_DP_RCU_POOL_H

#include <stddef.h>
#include <stdint.h>

struct rte_hash;
struct rte_rcu_qsbr;
struct rte_rcu_qsbr_dq;

/*
 * The tables' hash: lock-free readers (RW_CONCURRENCY_LF), extendable
 * buckets so every one of `entries` keys fits whatever the cuckoo paths, and
 * deleted keys handed to free_key_data (with their data pointer) only after
 * an RCU grace period of qsbr (defer-queue mode). NULL on failure.
 */
struct rte_hash *mipha_lf_hash_create(const char *name, uint32_t entries, uint32_t key_len,
				      int socket, struct rte_rcu_qsbr *qsbr,
				      void (*free_key_data)(void *p, void *key_data));

struct mipha_rcu_pool {
	uint8_t *mem;		/* n entries of esize bytes */
	size_t esize;
	uint32_t n;
	uint32_t *free_idx;	/* stack of free entry indices */
	uint32_t nb_free;
	uint32_t nb_retired;	/* waiting in dq */
	struct rte_rcu_qsbr_dq *dq;
	struct rte_rcu_qsbr *qsbr;
	uint64_t wiped;		/* entries wiped so far (tests) */
};

int mipha_rcu_pool_init(struct mipha_rcu_pool *p, const char *name, uint32_t n, size_t esize,
			int socket, struct rte_rcu_qsbr *qsbr);
void mipha_rcu_pool_fini(struct mipha_rcu_pool *p);
/* A zeroed entry, or NULL. */
void *mipha_rcu_pool_alloc(struct mipha_rcu_pool *p);
/* Wipes and frees an entry no reader ever saw. */
void mipha_rcu_pool_put_now(struct mipha_rcu_pool *p, void *e);
/*
 * Frees e after every reader is quiescent. When the defer queue is full this
 * blocks for one grace period (control only). 0 or -ENOSPC.
 */
int mipha_rcu_pool_retire(struct mipha_rcu_pool *p, void *e);
/* Reclaims what is ready; returns how many. */
unsigned int mipha_rcu_pool_reclaim(struct mipha_rcu_pool *p);
/* Entries in use (allocated, not yet retired). */
uint32_t mipha_rcu_pool_used(const struct mipha_rcu_pool *p);

#endif /* MIPHA_DP_RCU_POOL_H */
