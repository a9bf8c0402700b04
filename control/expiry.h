/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Binding lifetimes on the control lcore: a min-heap of (expiry, home address,
 * generation), ordered by expiry seconds in serial arithmetic. An entry is a
 * hint, not the truth: workers extend bindings in place, so when an entry
 * comes due the control lcore re-reads the binding and either removes it or
 * pushes it again with its new expiry. The generation (kept in the binding's
 * cookie) makes entries of a removed-then-reinstalled binding stale, so each
 * live binding has exactly one live entry.
 */
#ifndef MIPHA_CTL_EXPIRY_H
#define MIPHA_CTL_EXPIRY_H

#include <stdbool.h>
#include <stdint.h>

struct mipha_expiry_ent {
	uint32_t expiry;	/* HA NTP seconds */
	uint32_t home_addr;	/* network order */
	uint64_t gen;		/* the binding's cookie when pushed */
};

struct mipha_expiry {
	struct mipha_expiry_ent *v;
	uint32_t n;
	uint32_t cap;
};

/* 0 or -ENOMEM. */
int mipha_expiry_init(struct mipha_expiry *h, uint32_t cap);
void mipha_expiry_fini(struct mipha_expiry *h);
/* 0 or -ENOMEM (grows as needed). */
int mipha_expiry_push(struct mipha_expiry *h, const struct mipha_expiry_ent *e);
/* The earliest entry into *e without removing it; false when empty. */
bool mipha_expiry_peek(const struct mipha_expiry *h, struct mipha_expiry_ent *e);
/* Removes the earliest entry (no-op when empty). */
void mipha_expiry_pop(struct mipha_expiry *h);

#endif /* MIPHA_CTL_EXPIRY_H */
