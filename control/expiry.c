/* SPDX-License-Identifier: BSD-3-Clause */
/* The expiry min-heap of expiry.h. */
#include <errno.h>
#include <stdlib.h>

#include "expiry.h"
#include "mip_ntp.h"

int mipha_expiry_init(struct mipha_expiry *h, uint32_t cap)
{
	h->n = 0;
	h->cap = cap ? cap : 64;
	h->v = malloc(h->cap * sizeof(*h->v));
	return h->v == NULL ? -ENOMEM : 0;
}

void mipha_expiry_fini(struct mipha_expiry *h)
{
	free(h->v);
	h->v = NULL;
	h->n = h->cap = 0;
}

static bool earlier(const struct mipha_expiry_ent *a, const struct mipha_expiry_ent *b)
{
	return mip_ntp_sec_cmp(a->expiry, b->expiry) < 0;
}

int mipha_expiry_push(struct mipha_expiry *h, const struct mipha_expiry_ent *e)
{
	uint32_t i;

	if (h->n == h->cap) {
		struct mipha_expiry_ent *v = realloc(h->v, 2 * (size_t)h->cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		h->v = v;
		h->cap *= 2;
	}
	i = h->n++;
	while (i > 0) {
		uint32_t parent = (i - 1) / 2;

		if (!earlier(e, &h->v[parent]))
			break;
		h->v[i] = h->v[parent];
		i = parent;
	}
	h->v[i] = *e;
	return 0;
}

bool mipha_expiry_peek(const struct mipha_expiry *h, struct mipha_expiry_ent *e)
{
	if (h->n == 0)
		return false;
	*e = h->v[0];
	return true;
}

void mipha_expiry_pop(struct mipha_expiry *h)
{
	struct mipha_expiry_ent last;
	uint32_t i = 0;

	if (h->n == 0)
		return;
	last = h->v[--h->n];
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, min = l;

		if (l >= h->n)
			break;
		if (r < h->n && earlier(&h->v[r], &h->v[l]))
			min = r;
		if (!earlier(&h->v[min], &last))
			break;
		h->v[i] = h->v[min];
		i = min;
	}
	h->v[i] = last;
}
