/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Token buckets for the rate limits of spec section 5 step 2. A fixed table:
 * a flood of forged NAIs or sources cannot make it grow, and the tags are
 * keyed hashes the sender cannot aim at another user's slot.
 */
#include <errno.h>
#include <stdlib.h>

#include "dk_table.h"

int dk_rate_init(struct dk_rate *r, uint32_t slots, uint32_t rate, uint32_t burst)
{
	uint32_t n = DK_RATE_WAYS;

	while (n < slots && n < (1u << 24))
		n <<= 1;
	r->slots = calloc(n, sizeof(*r->slots));
	if (r->slots == NULL)
		return -ENOMEM;
	r->mask = n - 1;
	r->rate = rate;
	r->burst = burst == 0 ? 1 : burst;
	return 0;
}

void dk_rate_fini(struct dk_rate *r)
{
	free(r->slots);
	r->slots = NULL;
}

static void refill(const struct dk_rate *r, struct dk_bucket *b, uint64_t now_ms)
{
	uint64_t full = (uint64_t)r->burst * 1000;

	/* A clock that went back refills nothing. */
	if (now_ms > b->last_ms) {
		uint64_t add = (now_ms - b->last_ms) * r->rate;

		b->tokens = add >= full - b->tokens ? full : b->tokens + add;
	}
	b->last_ms = now_ms;
}

enum dk_rate_res dk_rate_check(struct dk_rate *r, uint64_t tag, uint64_t now_ms,
			       struct dk_bucket **slot)
{
	uint64_t full = (uint64_t)r->burst * 1000;
	struct dk_bucket *idle = NULL;

	*slot = NULL;
	if (r->rate == 0)
		return DK_RATE_OK;
	tag |= 1;	/* 0 marks a slot never used */
	for (uint32_t i = 0; i < DK_RATE_WAYS; i++) {
		struct dk_bucket *b = &r->slots[(tag + i) & r->mask];

		if (b->tag == tag) {
			refill(r, b, now_ms);
			if (b->tokens < 1000)
				return DK_RATE_OVER;
			*slot = b;
			return DK_RATE_OK;
		}
		if (idle == NULL) {
			if (b->tag != 0)
				refill(r, b, now_ms);
			if (b->tag == 0 || b->tokens == full)
				idle = b;
		}
	}
	if (idle == NULL)
		return DK_RATE_NO_SLOT;
	idle->tag = tag;
	idle->tokens = full;
	idle->last_ms = now_ms;
	*slot = idle;
	return DK_RATE_OK;
}

void dk_rate_take(struct dk_bucket *slot)
{
	if (slot != NULL && slot->tokens >= 1000)
		slot->tokens -= 1000;
}
