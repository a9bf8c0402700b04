/* SPDX-License-Identifier: BSD-3-Clause */
/* Indexed min-heap of deadlines: removal from the middle when a record changes state. */
#include <errno.h>
#include <stdlib.h>

#include "dk_table.h"
#include "mip_ntp.h"

int dk_heap_init(struct dk_heap *h, uint32_t cap)
{
	h->a = calloc(cap == 0 ? 1 : cap, sizeof(*h->a));
	if (h->a == NULL)
		return -ENOMEM;
	h->n = 0;
	h->cap = cap;
	return 0;
}

void dk_heap_fini(struct dk_heap *h)
{
	free(h->a);
	h->a = NULL;
	h->n = 0;
}

static bool before(const struct dk_heap_node *x, const struct dk_heap_node *y)
{
	return mip_ntp_sec_cmp(x->when, y->when) < 0;
}

static void place(struct dk_heap *h, uint32_t i, struct dk_heap_node *node)
{
	h->a[i] = node;
	node->idx = i;
}

static void sift_up(struct dk_heap *h, uint32_t i)
{
	struct dk_heap_node *node = h->a[i];

	while (i > 0 && before(node, h->a[(i - 1) / 2])) {
		place(h, i, h->a[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	place(h, i, node);
}

static void sift_down(struct dk_heap *h, uint32_t i)
{
	struct dk_heap_node *node = h->a[i];

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && before(h->a[c + 1], h->a[c]))
			c++;
		if (!before(h->a[c], node))
			break;
		place(h, i, h->a[c]);
		i = c;
	}
	place(h, i, node);
}

int dk_heap_push(struct dk_heap *h, struct dk_heap_node *node)
{
	if (h->n == h->cap)
		return -ENOSPC;
	place(h, h->n++, node);
	sift_up(h, h->n - 1);
	return 0;
}

void dk_heap_remove(struct dk_heap *h, struct dk_heap_node *node)
{
	uint32_t i = node->idx;
	struct dk_heap_node *last;

	if (i == UINT32_MAX || i >= h->n || h->a[i] != node)
		return;
	node->idx = UINT32_MAX;
	last = h->a[--h->n];
	if (i == h->n)
		return;
	place(h, i, last);
	sift_up(h, i);
	sift_down(h, last->idx);
}

struct dk_heap_node *dk_heap_top(const struct dk_heap *h)
{
	return h->n > 0 ? h->a[0] : NULL;
}
