/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The small tables under the dynamic-key core: a keyed hash index with
 * intrusive nodes, token buckets, the home-address pool and a timer heap.
 * Nothing here knows about MNs or keys.
 */
#ifndef MIPHA_DK_TABLE_H
#define MIPHA_DK_TABLE_H

#include <stdbool.h>
#include <stdint.h>

/* Keyed hash index: chains of nodes embedded in the caller's records. */
struct dk_hnode {
	struct dk_hnode *next;
	uint64_t h;
};

struct dk_hash {
	struct dk_hnode **b;
	uint32_t mask;
	uint32_t n;
};

/* Buckets for about cap entries. 0 or -ENOMEM. */
int dk_hash_init(struct dk_hash *t, uint32_t cap);
void dk_hash_fini(struct dk_hash *t);
void dk_hash_add(struct dk_hash *t, struct dk_hnode *n, uint64_t h);
void dk_hash_del(struct dk_hash *t, struct dk_hnode *n);
/* The next node after prev (NULL: the first) whose hash is h; the caller compares keys. */
struct dk_hnode *dk_hash_find(const struct dk_hash *t, uint64_t h, const struct dk_hnode *prev);

/*
 * Token buckets keyed by a 64-bit tag in a fixed table (no allocation per
 * tag). A tag probes DK_RATE_WAYS slots: its own bucket, or one that has
 * refilled completely (it carries no history) and is taken over.
 */
#define DK_RATE_WAYS 4

struct dk_bucket {
	uint64_t tag;		/* 0 = never used */
	uint64_t tokens;	/* thousandths of a token */
	uint64_t last_ms;
};

struct dk_rate {
	struct dk_bucket *slots;
	uint32_t mask;
	uint32_t rate;		/* tokens per second; 0 = unlimited */
	uint32_t burst;
};

enum dk_rate_res {
	DK_RATE_OK,		/* a token is there */
	DK_RATE_OVER,		/* the tag's bucket is empty */
	DK_RATE_NO_SLOT,	/* every slot the tag may use is busy: admitted, counted */
};

int dk_rate_init(struct dk_rate *r, uint32_t slots, uint32_t rate, uint32_t burst);
void dk_rate_fini(struct dk_rate *r);
/* Refills and looks; *slot is the bucket to charge (NULL for NO_SLOT or unlimited). */
enum dk_rate_res dk_rate_check(struct dk_rate *r, uint64_t tag, uint64_t now_ms,
			       struct dk_bucket **slot);
/* Takes the token dk_rate_check found. */
void dk_rate_take(struct dk_bucket *slot);

/* A range of home addresses handed out one at a time, lowest first. */
struct dk_pool {
	uint32_t first;		/* host order */
	uint32_t n;
	uint32_t nfree;
	uint32_t *stack;	/* free offsets, top at nfree - 1 */
	uint32_t *pos;		/* offset -> index in stack, UINT32_MAX when taken */
};

/* first..last in network order; n = 0 when first is 0. 0, -EINVAL, -ENOMEM. */
int dk_pool_init(struct dk_pool *p, uint32_t first_be, uint32_t last_be);
void dk_pool_fini(struct dk_pool *p);
bool dk_pool_contains(const struct dk_pool *p, uint32_t addr_be);
/* Takes addr out of the free set: 0, or -EBUSY when it is not free, -EINVAL outside. */
int dk_pool_take(struct dk_pool *p, uint32_t addr_be);
/* The lowest free address (first use), or 0 when none is left. */
uint32_t dk_pool_alloc(struct dk_pool *p);
/* Gives addr back (no-op outside the pool or when already free). */
void dk_pool_release(struct dk_pool *p, uint32_t addr_be);
/* The dk_pool inside a shared struct mipha_pool (dynkey.h). */
struct mipha_pool;
struct dk_pool *mipha_pool_dk(struct mipha_pool *p);

/* Min-heap of deadlines (NTP seconds, serial order); nodes embedded. */
struct dk_heap_node {
	uint32_t when;
	uint32_t idx;		/* UINT32_MAX when not in the heap */
};

struct dk_heap {
	struct dk_heap_node **a;
	uint32_t n;
	uint32_t cap;
};

int dk_heap_init(struct dk_heap *h, uint32_t cap);
void dk_heap_fini(struct dk_heap *h);
/* 0 or -ENOSPC. The node must not be in the heap. */
int dk_heap_push(struct dk_heap *h, struct dk_heap_node *node);
/* No-op when the node is not in the heap. */
void dk_heap_remove(struct dk_heap *h, struct dk_heap_node *node);
/* The earliest node or NULL. */
struct dk_heap_node *dk_heap_top(const struct dk_heap *h);

static inline bool dk_heap_has(const struct dk_heap_node *node)
{
	return node->idx != UINT32_MAX;
}

#endif /* MIPHA_DK_TABLE_H */
