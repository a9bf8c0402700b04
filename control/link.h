/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port links, watched by the control lcore (link.c). Once a second it reads
 * the link of every port with a role (rte_eth_link_get_nowait: no waiting,
 * no interrupt). A change is counted (ctrl_port_link_down / _up), printed
 * ("mipha: port home (net_memif0): link down") and shown in /mipha/stats.
 *
 * When a home-role port's link comes back up, neighbours on the home link
 * may have dropped what mipha announced while it was down: the HA addresses
 * and the home address of every binding are announced again on that port by
 * gratuitous ARP (ctrl_link_gratuitous_arps), from a snapshot of the
 * bindings taken at that moment, at most MIPHA_LINK_GARP_BURST a
 * millisecond, so that a million bindings neither flood the link nor hold
 * the control lcore. A binding removed meanwhile is skipped; one created
 * meanwhile has had its own gratuitous ARP.
 */
#ifndef MIPHA_CTL_LINK_H
#define MIPHA_CTL_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include "worker.h"

#define MIPHA_LINK_CHECK_MS 1000	/* how often links are read */
#define MIPHA_LINK_GARP_BURST 64	/* gratuitous ARPs a millisecond when announcing */

struct mipha_ctl;

struct mipha_link_port {
	bool watched;		/* has a role */
	bool up;
	uint64_t changes;	/* link changes seen */
	char name[48];		/* "home (net_memif0)" */
};

struct mipha_link {
	uint64_t period;	/* TSC ticks between checks */
	uint64_t next_check;	/* TSC */
	struct mipha_link_port port[MIPHA_MAX_PORTS];
	/* The announcement in progress (n == 0: none). */
	uint32_t *addrs;	/* snapshot: HA addresses, then bound home addresses */
	uint32_t n, next;
	uint32_t ports;		/* bit per home-role port to announce on */
	uint64_t next_burst;	/* TSC */
};

/* Reads every port's link as it is now (no change counted). */
void mipha_ctl_link_init(struct mipha_ctl *c, uint64_t now_tsc);
void mipha_ctl_link_fini(struct mipha_ctl *c);
/*
 * From the control loop: reads the links when due, and sends the next
 * burst of an announcement. now_tsc: rte_get_timer_cycles() (tests give
 * their own). Returns the work done (changes seen + ARPs sent).
 */
unsigned int mipha_ctl_link_poll(struct mipha_ctl *c, uint64_t now_tsc);

#endif /* MIPHA_CTL_LINK_H */
