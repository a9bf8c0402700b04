/* SPDX-License-Identifier: BSD-3-Clause */
/* NTP-format Identification and the replay rule of spec section 8. */
#include <errno.h>
#include <string.h>

#include "mip_ntp.h"

uint64_t mip_ntp_from_timespec(const struct timespec *ts)
{
	/* Seconds wrap modulo 2^32: the era is folded, serial compares fix it. */
	uint32_t sec = (uint32_t)((uint64_t)ts->tv_sec + MIP_NTP_UNIX_OFFSET);
	uint64_t frac = ((uint64_t)ts->tv_nsec << 32) / 1000000000u;

	return (uint64_t)sec << 32 | (frac & 0xffffffffu);
}

uint64_t mip_ntp_now(int64_t offset_sec)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)offset_sec;
	return mip_ntp_from_timespec(&ts);
}

/*
 * RFC 1982 with SERIAL_BITS = 32. Values exactly 2^31 apart are undefined
 * there; here each counts as less than the other, so a replay check refuses.
 */
int mip_ntp_sec_cmp(uint32_t a, uint32_t b)
{
	int32_t d = (int32_t)(a - b);

	if (a == b)
		return 0;
	if (d == INT32_MIN)
		return -1;
	return d < 0 ? -1 : 1;
}

int mip_ntp_cmp(uint64_t a, uint64_t b)
{
	int c = mip_ntp_sec_cmp(mip_ntp_sec(a), mip_ntp_sec(b));
	uint32_t fa = (uint32_t)a, fb = (uint32_t)b;

	if (c != 0)
		return c;
	if (fa == fb)
		return 0;
	return fa < fb ? -1 : 1;
}

uint32_t mip_ntp_sec_distance(uint64_t a, uint64_t b)
{
	uint32_t d = mip_ntp_sec(a) - mip_ntp_sec(b);

	return d <= 0x80000000u ? d : (uint32_t)(0u - d);
}

enum mip_replay mip_replay_check(uint64_t ident, uint64_t now, uint64_t last, uint32_t tolerance)
{
	if (last != 0 && mip_ntp_cmp(ident, last) <= 0)
		return MIP_REPLAY_OLD;
	if (mip_ntp_sec_distance(ident, now) > tolerance)
		return MIP_REPLAY_WINDOW;
	return MIP_REPLAY_OK;
}

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int mip_ident_from_hex(const char *hex, uint64_t *ident)
{
	uint64_t v = 0;
	int i;

	if (hex == NULL || strnlen(hex, 17) != 16)
		return -EINVAL;
	for (i = 0; i < 16; i++) {
		int d = hex_nibble(hex[i]);

		if (d < 0)
			return -EINVAL;
		v = v << 4 | (uint64_t)d;
	}
	*ident = v;
	return 0;
}
