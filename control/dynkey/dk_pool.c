/* SPDX-License-Identifier: BSD-3-Clause */
/* The [ha] home_pool: a free stack with positions, so any address can be taken out. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>

#include "dk_table.h"
#include "dynkey.h"

#define DK_POOL_MAX (1u << 24)

int dk_pool_init(struct dk_pool *p, uint32_t first_be, uint32_t last_be)
{
	uint32_t first = ntohl(first_be), last = ntohl(last_be);

	p->first = first;
	p->n = 0;
	p->nfree = 0;
	p->stack = NULL;
	p->pos = NULL;
	if (first_be == 0)
		return 0;
	if (last < first || last - first >= DK_POOL_MAX)
		return -EINVAL;
	p->n = last - first + 1;
	p->stack = calloc(p->n, sizeof(*p->stack));
	p->pos = calloc(p->n, sizeof(*p->pos));
	if (p->stack == NULL || p->pos == NULL) {
		dk_pool_fini(p);
		return -ENOMEM;
	}
	/* Reversed, so the first pop is the lowest address. */
	for (uint32_t i = 0; i < p->n; i++) {
		p->stack[i] = p->n - 1 - i;
		p->pos[p->n - 1 - i] = i;
	}
	p->nfree = p->n;
	return 0;
}

void dk_pool_fini(struct dk_pool *p)
{
	free(p->stack);
	free(p->pos);
	p->stack = NULL;
	p->pos = NULL;
	p->n = 0;
	p->nfree = 0;
}

bool dk_pool_contains(const struct dk_pool *p, uint32_t addr_be)
{
	uint32_t a = ntohl(addr_be);

	return p->n != 0 && a >= p->first && a - p->first < p->n;
}

int dk_pool_take(struct dk_pool *p, uint32_t addr_be)
{
	uint32_t off, i, last;

	if (!dk_pool_contains(p, addr_be))
		return -EINVAL;
	off = ntohl(addr_be) - p->first;
	i = p->pos[off];
	if (i == UINT32_MAX)
		return -EBUSY;
	/* Move the top of the stack into the hole. */
	last = p->stack[p->nfree - 1];
	p->stack[i] = last;
	p->pos[last] = i;
	p->nfree--;
	p->pos[off] = UINT32_MAX;
	return 0;
}

uint32_t dk_pool_alloc(struct dk_pool *p)
{
	uint32_t off;

	if (p->nfree == 0)
		return 0;
	off = p->stack[--p->nfree];
	p->pos[off] = UINT32_MAX;
	return htonl(p->first + off);
}

void dk_pool_release(struct dk_pool *p, uint32_t addr_be)
{
	uint32_t off;

	if (!dk_pool_contains(p, addr_be))
		return;
	off = ntohl(addr_be) - p->first;
	if (p->pos[off] != UINT32_MAX)
		return;
	p->stack[p->nfree] = off;
	p->pos[off] = p->nfree;
	p->nfree++;
}

/* The shared pool (dynkey.h): a dk_pool of its own. */
struct mipha_pool {
	struct dk_pool p;
};

struct mipha_pool *mipha_pool_create(uint32_t first_be, uint32_t last_be, int *error)
{
	struct mipha_pool *p = calloc(1, sizeof(*p));
	int err;

	if (p == NULL) {
		*error = -ENOMEM;
		return NULL;
	}
	err = dk_pool_init(&p->p, first_be, last_be);
	if (err != 0) {
		free(p);
		*error = err;
		return NULL;
	}
	return p;
}

void mipha_pool_destroy(struct mipha_pool *p)
{
	if (p == NULL)
		return;
	dk_pool_fini(&p->p);
	free(p);
}

struct dk_pool *mipha_pool_dk(struct mipha_pool *p)
{
	return &p->p;
}

int mipha_pool_take(struct mipha_pool *p, uint32_t addr_be)
{
	return dk_pool_take(&p->p, addr_be);
}

uint32_t mipha_pool_alloc(struct mipha_pool *p)
{
	return dk_pool_alloc(&p->p);
}

void mipha_pool_release(struct mipha_pool *p, uint32_t addr_be)
{
	dk_pool_release(&p->p, addr_be);
}

uint32_t mipha_pool_size(const struct mipha_pool *p)
{
	return p->p.n;
}

uint32_t mipha_pool_free_count(const struct mipha_pool *p)
{
	return p->p.nfree;
}
