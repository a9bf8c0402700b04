/* SPDX-License-Identifier: BSD-3-Clause */
#include <rte_byteorder.h>

#include "nbr.h"

static unsigned int mipha_nbr_slot(uint32_t ip)
{
	/* Fibonacci hashing: hosts numbered in sequence spread over the table */
	return (rte_be_to_cpu_32(ip) * 2654435761u) >> 24 & (MIPHA_NBR_SIZE - 1);
}

void mipha_nbr_learn(struct mipha_nbr *n, uint32_t ip, const struct rte_ether_addr *mac,
		     uint32_t sec)
{
	struct mipha_nbr_entry *e = &n->e[mipha_nbr_slot(ip)];

	e->ip = ip;
	e->sec = sec;
	rte_ether_addr_copy(mac, &e->mac);
}

const struct rte_ether_addr *mipha_nbr_lookup(const struct mipha_nbr *n, uint32_t ip, uint32_t sec)
{
	const struct mipha_nbr_entry *e = &n->e[mipha_nbr_slot(ip)];

	if (ip == 0 || e->ip != ip || (int32_t)(sec - e->sec) > MIPHA_NBR_TTL)
		return NULL;
	return &e->mac;
}

bool mipha_nbr_request_due(struct mipha_nbr *n, uint32_t ip, uint32_t sec)
{
	if (n->req_ip == ip && n->req_sec == sec)
		return false;
	n->req_ip = ip;
	n->req_sec = sec;
	return true;
}
