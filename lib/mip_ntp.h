/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Identification as a 64-bit NTP timestamp (RFC 5944 5.7) and replay checks
 * (section 8 of the spec). Seconds compare with RFC 1982 serial arithmetic,
 * so the 2036 era change is harmless.
 */
#ifndef MIP_NTP_H
#define MIP_NTP_H

#include <stdint.h>
#include <time.h>

#define MIP_NTP_UNIX_OFFSET 2208988800u /* seconds from 1900 to 1970 */

/* NTP timestamp of a wall-clock time (32.32 fixed point, era folded). */
uint64_t mip_ntp_from_timespec(const struct timespec *ts);
/* CLOCK_REALTIME now, plus offset_sec (an MN's learned clock offset). */
uint64_t mip_ntp_now(int64_t offset_sec);

static inline uint32_t mip_ntp_sec(uint64_t ntp)
{
	return (uint32_t)(ntp >> 32);
}

/* Serial comparison of 32-bit seconds: <0, 0, >0. */
int mip_ntp_sec_cmp(uint32_t a, uint32_t b);
/* Serial comparison of whole timestamps (seconds serially, then fraction). */
int mip_ntp_cmp(uint64_t a, uint64_t b);
/* |sec(a) - sec(b)| in serial arithmetic. */
uint32_t mip_ntp_sec_distance(uint64_t a, uint64_t b);

enum mip_replay {
	MIP_REPLAY_OK = 0,	/* within tolerance and newer than the last */
	MIP_REPLAY_OLD,		/* not greater than the last accepted */
	MIP_REPLAY_WINDOW,	/* seconds outside now +- tolerance */
};

/*
 * The replay rule of section 8: ident must be within tolerance seconds of now
 * and greater than last (last = 0: none accepted yet). OLD is checked before
 * WINDOW.
 */
enum mip_replay mip_replay_check(uint64_t ident, uint64_t now, uint64_t last, uint32_t tolerance);

/* The Identification of a 133 reply: now's seconds high, the RRQ's low 32 bits. */
static inline uint64_t mip_ntp_resync_ident(uint64_t now, uint64_t rrq_ident)
{
	return (now & 0xffffffff00000000ull) | (rrq_ident & 0xffffffffull);
}

/* Parses exactly 16 hex digits. 0 or -EINVAL. */
int mip_ident_from_hex(const char *hex, uint64_t *ident);

#endif /* MIP_NTP_H */
