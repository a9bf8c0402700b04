/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Gateway MAC resolution at start-up, for ports whose gateway_mac is not
 * configured: the control lcore ARPs for the gateway on that port before the
 * workers start (the workers' next hops are read-only once they run). What
 * else arrives meanwhile is dropped: the HA is not in service yet.
 */
#ifndef MIPHA_CTL_NEIGH_H
#define MIPHA_CTL_NEIGH_H

#include <stdint.h>

#include <rte_ether.h>
#include <rte_mempool.h>

struct mipha_neigh_query {
	uint16_t port;
	uint16_t txq;			/* queue to send the request on */
	uint16_t nb_rxq;		/* queues 0..nb_rxq-1 are polled for the answer */
	struct rte_ether_addr mac;	/* our MAC on port */
	uint32_t src_ip;		/* our address (network order) */
	uint32_t target_ip;		/* the gateway (network order) */
	unsigned int timeout_ms;	/* total; a request every 500 ms */
	struct rte_mempool *mp;
};

/* 0 with *out set, or -ETIMEDOUT / -ENOMEM. */
int mipha_neigh_resolve(const struct mipha_neigh_query *q, struct rte_ether_addr *out);

#endif /* MIPHA_CTL_NEIGH_H */
