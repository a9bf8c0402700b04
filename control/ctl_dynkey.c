/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Dynamic-key registrations on the control lcore: the place the dynamic-key
 * issue fills (pending table, AAA exchange, key derivation and installation,
 * spec sections 5-7; its core is control/dynkey/). Until then an initial or
 * rekey RRQ is answered 131 without MHAE (there is no key to sign with) and
 * counted, so an MN backs off (spec section 6) instead of waiting for a reply
 * that never comes. The other hooks see messages that only dynamic SAs
 * produce, which cannot exist yet: they are dropped and counted.
 */
#include <rte_mbuf.h>

#include "ctl.h"

void mipha_ctl_dynkey_initial(struct mipha_ctl *c, struct mipha_ctrl_msg *msg,
			      const struct mip_msg *rrq)
{
	mipha_ctl_reply_unsigned(c, msg, rrq, MIP_CODE_MN_FAILED_AUTH);
	c->cnt[MIPHA_CTL_CNT_REPLY_131_DYNKEY]++;
}

void mipha_ctl_dynkey_rekey(struct mipha_ctl *c, struct mipha_ctrl_msg *msg,
			    const struct mip_msg *rrq)
{
	mipha_ctl_reply_unsigned(c, msg, rrq, MIP_CODE_MN_FAILED_AUTH);
	c->cnt[MIPHA_CTL_CNT_REPLY_131_DYNKEY]++;
}

static void unexpected(struct mipha_ctl *c, struct mipha_ctrl_msg *msg)
{
	rte_pktmbuf_free(msg->m);
	msg->m = NULL;
	c->cnt[MIPHA_CTL_CNT_DROP_UNEXPECTED]++;
}

void mipha_ctl_dynkey_dereg(struct mipha_ctl *c, struct mipha_ctrl_msg *msg,
			    const struct mip_msg *rrq)
{
	unexpected(c, msg);
}

void mipha_ctl_dynkey_auth_prev(struct mipha_ctl *c, struct mipha_ctrl_msg *msg,
				const struct mip_msg *rrq)
{
	unexpected(c, msg);
}

void mipha_ctl_dynkey_prev_retired(struct mipha_ctl *c, struct mipha_ctrl_msg *msg)
{
	unexpected(c, msg);
}

unsigned int mipha_ctl_dynkey_poll(struct mipha_ctl *c)
{
	return 0;
}
