/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker's neighbour (ARP) cache for hosts on the home link: where
 * decapsulated packets for an on-link address that no MN holds are sent.
 * Learned from the sender IP/MAC of ARP requests and replies seen on the
 * home-role port (mipha_arp_burst); one cache per worker, written and read
 * only by that worker, so it needs no locks or atomics. Direct-mapped:
 * a colliding address replaces the older one (the host is re-learned on its
 * next ARP, or asked for again). Entries older than MIPHA_NBR_TTL seconds
 * are not used (the host may have gone; it is asked for again).
 *
 * With several workers, a worker learns only from the ARP frames its own rx
 * queues receive; until it has, packets for that host are dropped and it
 * asks again (at most once a second per address).
 */
#ifndef MIPHA_DP_NBR_H
#define MIPHA_DP_NBR_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>

#define MIPHA_NBR_SIZE 256	/* entries; a power of two */
#define MIPHA_NBR_TTL 1200	/* seconds an entry is used after it was learned */

struct mipha_nbr_entry {
	uint32_t ip;		/* network order; 0 = empty */
	uint32_t sec;		/* HA time (NTP seconds) when learned */
	struct rte_ether_addr mac;
};

struct mipha_nbr {
	struct mipha_nbr_entry e[MIPHA_NBR_SIZE];
	uint32_t req_ip;	/* the last address asked for, */
	uint32_t req_sec;	/* and when (one request a second per address) */
};

/* Records ip is at mac (ip != 0). */
void mipha_nbr_learn(struct mipha_nbr *n, uint32_t ip, const struct rte_ether_addr *mac,
		     uint32_t sec);
/* The MAC of ip, or NULL when unknown or older than MIPHA_NBR_TTL at sec. */
const struct rte_ether_addr *mipha_nbr_lookup(const struct mipha_nbr *n, uint32_t ip, uint32_t sec);
/* Whether an ARP request for ip may be sent now (true records it as sent). */
bool mipha_nbr_request_due(struct mipha_nbr *n, uint32_t ip, uint32_t sec);

#endif /* MIPHA_DP_NBR_H */
