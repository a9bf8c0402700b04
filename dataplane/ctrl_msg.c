/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <rte_ring_elem.h>

#include "ctrl_msg.h"

_Static_assert(sizeof(struct mipha_ctrl_msg) % 4 == 0, "rte_ring elements are 4-byte multiples");

static const char *const mipha_ctrl_class_names[MIPHA_CTRL__COUNT] = {
	[MIPHA_CTRL_NONE] = "none",
	[MIPHA_CTRL_INITIAL] = "initial",
	[MIPHA_CTRL_REKEY] = "rekey",
	[MIPHA_CTRL_DEREG] = "deregistration",
	[MIPHA_CTRL_NEW_BINDING] = "new_binding",
	[MIPHA_CTRL_UNKNOWN_SPI] = "unknown_spi",
	[MIPHA_CTRL_DUPLICATE] = "duplicate",
	[MIPHA_CTRL_AUTH_PREV] = "auth_previous_key",
	[MIPHA_CTRL_PREV_RETIRED] = "previous_key_retired",
	[MIPHA_CTRL_AUTH_NAI] = "auth_failed_nai",
};

const char *mipha_ctrl_class_name(enum mipha_ctrl_class cls)
{
	return (unsigned int)cls < MIPHA_CTRL__COUNT ? mipha_ctrl_class_names[cls] : "unknown";
}

struct rte_ring *mipha_ctrl_ring_create(const char *name, unsigned int count, int socket)
{
	return rte_ring_create_elem(name, sizeof(struct mipha_ctrl_msg), count, socket,
				    RING_F_SC_DEQ);
}

int mipha_ctrl_bell_init(struct mipha_ctrl_bell *b)
{
	b->sleeping = 0;
	b->rings = 0;
	b->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	return b->fd < 0 ? -errno : 0;
}

void mipha_ctrl_bell_fini(struct mipha_ctrl_bell *b)
{
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
}
