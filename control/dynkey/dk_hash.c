/* SPDX-License-Identifier: BSD-3-Clause */
/* Keyed hash index with intrusive chains (see dk_table.h). */
#include <errno.h>
#include <stdlib.h>

#include "dk_table.h"

int dk_hash_init(struct dk_hash *t, uint32_t cap)
{
	uint32_t nb = 16;

	while (nb < cap && nb < (1u << 30))
		nb <<= 1;
	t->b = calloc(nb, sizeof(*t->b));
	if (t->b == NULL)
		return -ENOMEM;
	t->mask = nb - 1;
	t->n = 0;
	return 0;
}

void dk_hash_fini(struct dk_hash *t)
{
	free(t->b);
	t->b = NULL;
	t->n = 0;
}

void dk_hash_add(struct dk_hash *t, struct dk_hnode *n, uint64_t h)
{
	struct dk_hnode **head = &t->b[h & t->mask];

	n->h = h;
	n->next = *head;
	*head = n;
	t->n++;
}

void dk_hash_del(struct dk_hash *t, struct dk_hnode *n)
{
	struct dk_hnode **pp = &t->b[n->h & t->mask];

	for (; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == n) {
			*pp = n->next;
			n->next = NULL;
			t->n--;
			return;
		}
	}
}

struct dk_hnode *dk_hash_find(const struct dk_hash *t, uint64_t h, const struct dk_hnode *prev)
{
	struct dk_hnode *n = prev != NULL ? prev->next : t->b[h & t->mask];

	for (; n != NULL; n = n->next)
		if (n->h == h)
			return n;
	return NULL;
}
