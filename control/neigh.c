/* SPDX-License-Identifier: BSD-3-Clause */
/* ARP for a gateway before the workers start (neigh.h). */
#include <errno.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "neigh.h"

#define REQUEST_INTERVAL_MS 500

static int send_request(const struct mipha_neigh_query *q)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(q->mp);
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;

	if (m == NULL)
		return -ENOMEM;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eth) + sizeof(*arp));
	if (eth == NULL) {
		rte_pktmbuf_free(m);
		return -ENOMEM;
	}
	memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
	eth->src_addr = q->mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	arp = (struct rte_arp_hdr *)(eth + 1);
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	arp->arp_data.arp_sha = q->mac;
	arp->arp_data.arp_sip = q->src_ip;
	memset(&arp->arp_data.arp_tha, 0, sizeof(arp->arp_data.arp_tha));
	arp->arp_data.arp_tip = q->target_ip;
	if (rte_eth_tx_burst(q->port, q->txq, &m, 1) != 1)
		rte_pktmbuf_free(m);
	return 0;
}

/* True when m is an ARP reply (or request) from target_ip: its sender MAC is the answer. */
static bool is_answer(const struct mipha_neigh_query *q, struct rte_mbuf *m,
		      struct rte_ether_addr *out)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_arp_hdr *arp = (const struct rte_arp_hdr *)(eth + 1);

	if (rte_pktmbuf_data_len(m) < sizeof(*eth) + sizeof(*arp) ||
	    eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP) ||
	    arp->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    arp->arp_data.arp_sip != q->target_ip)
		return false;
	*out = arp->arp_data.arp_sha;
	return true;
}

int mipha_neigh_resolve(const struct mipha_neigh_query *q, struct rte_ether_addr *out)
{
	uint64_t hz = rte_get_timer_hz();
	uint64_t start = rte_get_timer_cycles();
	uint64_t next_req = start;
	uint64_t deadline = start + hz * q->timeout_ms / 1000;

	while (rte_get_timer_cycles() < deadline) {
		struct rte_mbuf *pkts[32];
		bool found = false;
		uint16_t qi, n, i;

		if (rte_get_timer_cycles() >= next_req) {
			if (send_request(q) != 0)
				return -ENOMEM;
			next_req += hz * REQUEST_INTERVAL_MS / 1000;
		}
		for (qi = 0; qi < q->nb_rxq; qi++) {
			n = rte_eth_rx_burst(q->port, qi, pkts, 32);
			for (i = 0; i < n; i++) {
				if (!found && is_answer(q, pkts[i], out))
					found = true;
				rte_pktmbuf_free(pkts[i]);
			}
		}
		if (found)
			return 0;
		rte_delay_us_sleep(1000);
	}
	return -ETIMEDOUT;
}
