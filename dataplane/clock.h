/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HA's clock, as a 64-bit NTP timestamp (the Identification format of RFC
 * 5944 5.7), with a settable offset from CLOCK_REALTIME: `mipha --clock
 * NTPHEX` makes "now" that value at start-up and lets it run from there
 * (tests and replay demonstrations). Workers read it once per burst.
 */
#ifndef MIPHA_DP_CLOCK_H
#define MIPHA_DP_CLOCK_H

#include <stdint.h>

struct mipha_clock {
	int64_t offset_sec;	/* added to CLOCK_REALTIME's seconds */
	uint64_t fixed_ntp;	/* tests only: when non-zero, now is exactly this (no running) */
};

/* now = CLOCK_REALTIME + offset (or fixed_ntp), as NTP. */
uint64_t mipha_clock_now(const struct mipha_clock *c);
/* Sets the offset so that now is ntp at the moment of the call. */
void mipha_clock_set(struct mipha_clock *c, uint64_t ntp);
/* As mipha_clock_set from exactly 16 hex digits (--clock). 0 or -EINVAL. */
int mipha_clock_set_hex(struct mipha_clock *c, const char *hex);
/* HA time in NTP seconds (binding expiries). */
static inline uint32_t mipha_clock_sec(const struct mipha_clock *c)
{
	return (uint32_t)(mipha_clock_now(c) >> 32);
}

#endif /* MIPHA_DP_CLOCK_H */
