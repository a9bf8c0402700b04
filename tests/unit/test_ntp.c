/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NTP Identification: conversions, RFC 1982 serial comparison across the
 * 2036 era change, the replay rule of spec section 8, the 133 resync
 * Identification and hex parsing.
 */
#include <errno.h>
#include <time.h>

#include <criterion/criterion.h>

#include "mip.h"

#define NTP(sec, frac) (((uint64_t)(uint32_t)(sec) << 32) | (uint32_t)(frac))
/* 2036-02-07T06:28:16Z, where NTP era 1 starts (seconds wrap to 0) */
#define UNIX_ERA1 2085978496LL

static uint64_t from_unix(long long sec, long nsec)
{
	struct timespec ts = { .tv_sec = (time_t)sec, .tv_nsec = nsec };

	return mip_ntp_from_timespec(&ts);
}

Test(ntp, from_timespec)
{
	cr_assert_eq(from_unix(0, 0), NTP(MIP_NTP_UNIX_OFFSET, 0));
	cr_assert_eq(from_unix(0, 500000000), NTP(MIP_NTP_UNIX_OFFSET, 0x80000000u));
	cr_assert_eq(from_unix(0, 250000000), NTP(MIP_NTP_UNIX_OFFSET, 0x40000000u));
	/* floor(999999999 * 2^32 / 1e9) */
	cr_assert_eq(from_unix(0, 999999999), NTP(MIP_NTP_UNIX_OFFSET, 0xfffffffbu));
	cr_assert_eq(from_unix(1, 1), NTP(MIP_NTP_UNIX_OFFSET + 1, 4));
	/* 2026-11-28T00:00:00Z = 1795824000 */
	cr_assert_eq(mip_ntp_sec(from_unix(1795824000LL, 0)), 1795824000u + MIP_NTP_UNIX_OFFSET);
	/* The era change: last second of era 0, first of era 1 */
	cr_assert_eq(from_unix(UNIX_ERA1 - 1, 0), NTP(0xffffffffu, 0));
	cr_assert_eq(from_unix(UNIX_ERA1, 0), NTP(0, 0));
	cr_assert_eq(from_unix(UNIX_ERA1 + 7, 0), NTP(7, 0));
}

Test(ntp, now_tracks_clock_realtime_and_offset)
{
	struct timespec ts;
	uint64_t now, later, want;

	clock_gettime(CLOCK_REALTIME, &ts);
	want = mip_ntp_from_timespec(&ts);
	now = mip_ntp_now(0);
	cr_assert_leq(mip_ntp_sec_distance(now, want), 1);
	cr_assert_geq(mip_ntp_cmp(now, want), 0, "not earlier than the clock read before");
	later = mip_ntp_now(100);
	cr_assert_geq(mip_ntp_sec(later) - mip_ntp_sec(now), 100u);
	cr_assert_leq(mip_ntp_sec(later) - mip_ntp_sec(now), 101u);
	later = mip_ntp_now(-30);
	cr_assert_geq(mip_ntp_sec(now) - mip_ntp_sec(later), 29u);
	cr_assert_leq(mip_ntp_sec(now) - mip_ntp_sec(later), 30u);
}

Test(ntp, serial_sec_cmp)
{
	cr_assert_eq(mip_ntp_sec_cmp(5, 5), 0);
	cr_assert_lt(mip_ntp_sec_cmp(4, 5), 0);
	cr_assert_gt(mip_ntp_sec_cmp(5, 4), 0);
	/* Across the wrap: 0 follows 0xffffffff */
	cr_assert_gt(mip_ntp_sec_cmp(0, 0xffffffffu), 0);
	cr_assert_lt(mip_ntp_sec_cmp(0xffffffffu, 0), 0);
	cr_assert_gt(mip_ntp_sec_cmp(10, 0xfffffff0u), 0);
	/* Largest defined distance, 2^31 - 1, both ways */
	cr_assert_gt(mip_ntp_sec_cmp(0x7fffffffu, 0), 0);
	cr_assert_lt(mip_ntp_sec_cmp(0, 0x7fffffffu), 0);
	cr_assert_gt(mip_ntp_sec_cmp(0x7ffffffeu, 0xffffffffu), 0);
	/* 2^31 apart is undefined in RFC 1982: each counts as older. */
	cr_assert_lt(mip_ntp_sec_cmp(0x80000000u, 0), 0);
	cr_assert_lt(mip_ntp_sec_cmp(0, 0x80000000u), 0);
}

Test(ntp, serial_cmp_whole_timestamps)
{
	cr_assert_eq(mip_ntp_cmp(NTP(9, 9), NTP(9, 9)), 0);
	cr_assert_lt(mip_ntp_cmp(NTP(9, 1), NTP(9, 2)), 0);
	cr_assert_gt(mip_ntp_cmp(NTP(9, 0xffffffffu), NTP(9, 0)), 0);
	/* Seconds first, whatever the fractions */
	cr_assert_gt(mip_ntp_cmp(NTP(10, 0), NTP(9, 0xffffffffu)), 0);
	cr_assert_gt(mip_ntp_cmp(NTP(0, 0), NTP(0xffffffffu, 0xffffffffu)), 0);
	cr_assert_lt(mip_ntp_cmp(NTP(0xffffffffu, 0xffffffffu), NTP(0, 0)), 0);
}

Test(ntp, sec_distance)
{
	cr_assert_eq(mip_ntp_sec_distance(NTP(10, 0), NTP(3, 0xffff)), 7);
	cr_assert_eq(mip_ntp_sec_distance(NTP(3, 0), NTP(10, 0)), 7);
	cr_assert_eq(mip_ntp_sec_distance(NTP(2, 0), NTP(0xfffffffeu, 0)), 4);
	cr_assert_eq(mip_ntp_sec_distance(NTP(0xfffffffeu, 0), NTP(2, 0)), 4);
	cr_assert_eq(mip_ntp_sec_distance(NTP(0x80000000u, 0), NTP(0, 0)), 0x80000000u);
	cr_assert_eq(mip_ntp_sec_distance(NTP(0x80000001u, 0), NTP(0, 0)), 0x7fffffffu);
}

#define TOL 7

Test(replay, first_and_newer_accepted)
{
	uint64_t now = NTP(1000, 0x1000);

	cr_assert_eq(mip_replay_check(now, now, 0, TOL), MIP_REPLAY_OK, "none accepted yet");
	cr_assert_eq(mip_replay_check(NTP(1000, 0x1001), now, NTP(1000, 0x1000), TOL),
		     MIP_REPLAY_OK, "newer by a fraction");
	cr_assert_eq(mip_replay_check(NTP(1001, 0), now, NTP(1000, 0xffffffffu), TOL),
		     MIP_REPLAY_OK);
}

Test(replay, duplicate_and_old_refused)
{
	uint64_t now = NTP(1000, 0);
	uint64_t last = NTP(999, 0x8000);

	cr_assert_eq(mip_replay_check(last, now, last, TOL), MIP_REPLAY_OLD, "duplicate");
	cr_assert_eq(mip_replay_check(NTP(999, 0x7fff), now, last, TOL), MIP_REPLAY_OLD);
	cr_assert_eq(mip_replay_check(NTP(998, 0xffffffffu), now, last, TOL), MIP_REPLAY_OLD);
	/* OLD is checked before WINDOW */
	cr_assert_eq(mip_replay_check(NTP(100, 0), now, last, TOL), MIP_REPLAY_OLD);
}

Test(replay, window_edges)
{
	uint64_t now = NTP(1000, 0x80000000u);

	cr_assert_eq(mip_replay_check(NTP(1000 + TOL, 0xffffffffu), now, 0, TOL), MIP_REPLAY_OK);
	cr_assert_eq(mip_replay_check(NTP(1000 + TOL + 1, 0), now, 0, TOL), MIP_REPLAY_WINDOW);
	cr_assert_eq(mip_replay_check(NTP(1000 - TOL, 0), now, 0, TOL), MIP_REPLAY_OK);
	cr_assert_eq(mip_replay_check(NTP(1000 - TOL - 1, 0xffffffffu), now, 0, TOL),
		     MIP_REPLAY_WINDOW);
	/* Newer than last but far in the future is still WINDOW. */
	cr_assert_eq(mip_replay_check(NTP(5000, 0), now, NTP(990, 0), TOL), MIP_REPLAY_WINDOW);
	/* Tolerance 0: only the same second. */
	cr_assert_eq(mip_replay_check(NTP(1000, 0), now, 0, 0), MIP_REPLAY_OK);
	cr_assert_eq(mip_replay_check(NTP(1001, 0), now, 0, 0), MIP_REPLAY_WINDOW);
	/* Half the serial space away is never within a window. */
	cr_assert_eq(mip_replay_check(NTP(1000u + 0x80000000u, 0), now, 0, TOL),
		     MIP_REPLAY_WINDOW);
}

Test(replay, across_the_2036_wrap)
{
	uint64_t now = NTP(2, 0);

	/* last in era 0, ident in era 1 */
	cr_assert_eq(mip_replay_check(NTP(1, 0), now, NTP(0xfffffffeu, 0), TOL), MIP_REPLAY_OK);
	cr_assert_eq(mip_replay_check(NTP(0xffffffffu, 0), now, NTP(0xfffffffeu, 0), TOL),
		     MIP_REPLAY_OK, "era 0 ident within window of an era-1 now");
	/* an era-0 ident older than an era-1 last */
	cr_assert_eq(mip_replay_check(NTP(0xffffffffu, 0), now, NTP(1, 0), TOL), MIP_REPLAY_OLD);
	/* window edges straddling the wrap */
	cr_assert_eq(mip_replay_check(NTP(2 - TOL, 0), now, 0, TOL), MIP_REPLAY_OK);
	cr_assert_eq(mip_replay_check(NTP(2u - TOL - 1u, 0), now, 0, TOL), MIP_REPLAY_WINDOW);
	now = NTP(0xfffffffdu, 0);
	cr_assert_eq(mip_replay_check(NTP(0xfffffffdu + TOL, 0), now, 0, TOL), MIP_REPLAY_OK);
	cr_assert_eq(mip_replay_check(NTP(0xfffffffdu + TOL + 1, 0), now, 0, TOL),
		     MIP_REPLAY_WINDOW);
}

Test(ntp, resync_ident)
{
	uint64_t now = NTP(0xed0f6c10u, 0xabcdef01u);
	uint64_t rrq = NTP(0x12345678u, 0x00000003u);

	cr_assert_eq(mip_ntp_resync_ident(now, rrq), NTP(0xed0f6c10u, 0x00000003u));
	/* the MN matches it by the low 32 bits */
	cr_assert_eq((uint32_t)mip_ntp_resync_ident(now, rrq), (uint32_t)rrq);
	cr_assert_eq(mip_ntp_sec(mip_ntp_resync_ident(now, rrq)), mip_ntp_sec(now));
}

Test(ntp, ident_from_hex)
{
	uint64_t id = 0x1111;

	cr_assert_eq(mip_ident_from_hex("ed0f6b4a00000001", &id), 0);
	cr_assert_eq(id, 0xed0f6b4a00000001ull);
	cr_assert_eq(mip_ident_from_hex("FFFFFFFFFFFFFFFF", &id), 0);
	cr_assert_eq(id, ~0ull);
	cr_assert_eq(mip_ident_from_hex("0000000000000000", &id), 0);
	cr_assert_eq(id, 0);

	id = 42;
	cr_assert_eq(mip_ident_from_hex("ed0f6b4a0000001", &id), -EINVAL, "15 digits");
	cr_assert_eq(mip_ident_from_hex("ed0f6b4a000000011", &id), -EINVAL, "17 digits");
	cr_assert_eq(mip_ident_from_hex("ed0f6b4a0000000g", &id), -EINVAL);
	cr_assert_eq(mip_ident_from_hex("0x0f6b4a00000001", &id), -EINVAL);
	cr_assert_eq(mip_ident_from_hex(" d0f6b4a00000001", &id), -EINVAL);
	cr_assert_eq(mip_ident_from_hex("", &id), -EINVAL);
	cr_assert_eq(mip_ident_from_hex(NULL, &id), -EINVAL);
	cr_assert_eq(id, 42, "untouched on error");
}
