/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>

#include "mip_ntp.h"

#include "clock.h"

uint64_t mipha_clock_now(const struct mipha_clock *c)
{
	if (c->fixed_ntp != 0)
		return c->fixed_ntp;
	return mip_ntp_now(c->offset_sec);
}

void mipha_clock_set(struct mipha_clock *c, uint64_t ntp)
{
	uint32_t real = mip_ntp_sec(mip_ntp_now(0));

	/* serial difference, so a target across the 2036 era change works */
	c->offset_sec = (int32_t)(mip_ntp_sec(ntp) - real);
	c->fixed_ntp = 0;
}

int mipha_clock_set_hex(struct mipha_clock *c, const char *hex)
{
	uint64_t ntp;

	if (mip_ident_from_hex(hex, &ntp) != 0)
		return -EINVAL;
	mipha_clock_set(c, ntp);
	return 0;
}
