/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <rte_arp.h>

#include "mip_ntp.h"

#include "binding_table.h"
#include "pkt.h"

/*
 * Proxy ARP (RFC 5944 4.6) answers for a home address only while its MN is
 * away: a live binding whose care-of address is not the home address.
 */
static bool mipha_arp_proxy_for(struct mipha_worker *w, uint32_t ip)
{
	struct mipha_binding *b;
	uint64_t packed;

	if (!mipha_in_home_prefix(w->conf, ip))
		return false;
	b = mipha_binding_lookup(w->p.bindings, ip);
	if (b == NULL)
		return false;
	packed = mipha_binding_load(b);
	if (mip_ntp_sec_cmp(mipha_binding_expiry(packed), mip_ntp_sec(w->now)) < 0)
		return false;
	return mipha_binding_coa(packed) != ip;
}

/* The request in m becomes its reply in place: "tip is at mac". */
static void mipha_arp_reply_in_place(struct rte_mbuf *m, const struct rte_ether_addr *mac)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);
	uint32_t tip = arp->arp_data.arp_tip;

	rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(mac, &eth->src_addr);
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	arp->arp_data.arp_tha = arp->arp_data.arp_sha;
	arp->arp_data.arp_tip = arp->arp_data.arp_sip;
	rte_ether_addr_copy(mac, &arp->arp_data.arp_sha);
	arp->arp_data.arp_sip = tip;
}

/*
 * A home-link host's address, from any ARP it sends (request, reply,
 * announcement): only senders inside the home prefix, never an HA address
 * nor a frame carrying this port's own MAC (our own ARP coming back).
 */
static void mipha_arp_learn(struct mipha_worker *w, uint16_t port, const struct rte_arp_hdr *arp)
{
	uint32_t sip = arp->arp_data.arp_sip;
	const struct rte_ether_addr *sha = &arp->arp_data.arp_sha;

	if ((w->conf->port[port].roles & MIPHA_ROLE_HOME) == 0 || sip == 0 ||
	    !mipha_in_home_prefix(w->conf, sip) || mipha_is_ha_addr(w->conf, sip) ||
	    !rte_is_unicast_ether_addr(sha) || rte_is_zero_ether_addr(sha) ||
	    rte_is_same_ether_addr(sha, &w->conf->port[port].mac))
		return;
	mipha_nbr_learn(&w->nbr, sip, sha, mip_ntp_sec(w->now));
	mipha_cnt_inc(&w->cnt, MIPHA_CNT_ARP_LEARNED);
}

static void mipha_arp_one(struct mipha_worker *w, struct rte_mbuf *m)
{
	const struct rte_arp_hdr *arp;
	uint16_t port = m->port;

	if (m->data_len < MIPHA_ETH_LEN + sizeof(struct rte_arp_hdr)) {
		mipha_drop(w, m, MIPHA_CNT_DROP_ARP_MALFORMED);
		return;
	}
	arp = rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *, MIPHA_ETH_LEN);
	if (arp->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != 4) {
		mipha_drop(w, m, MIPHA_CNT_DROP_ARP_MALFORMED);
		return;
	}
	if (port >= MIPHA_MAX_PORTS || w->conf->port[port].roles == 0) {
		mipha_drop(w, m, MIPHA_CNT_DROP_NO_TX_PORT);
		return;
	}
	uint32_t tip = arp->arp_data.arp_tip;

	mipha_arp_learn(w, port, arp);
	/* only requests, and never a probe or announcement (sender = target) */
	if (arp->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) ||
	    arp->arp_data.arp_sip == tip) {
		mipha_drop(w, m, MIPHA_CNT_DROP_ARP_IGNORED);
		return;
	}
	if (mipha_is_ha_addr(w->conf, tip)) {
		mipha_cnt_inc(&w->cnt, MIPHA_CNT_ARP_REPLY);
	} else if ((w->conf->port[port].roles & MIPHA_ROLE_HOME) != 0 && mipha_arp_proxy_for(w, tip)) {
		mipha_cnt_inc(&w->cnt, MIPHA_CNT_ARP_PROXY);
	} else {
		mipha_drop(w, m, MIPHA_CNT_DROP_ARP_IGNORED);
		return;
	}
	mipha_arp_reply_in_place(m, &w->conf->port[port].mac);
	mipha_tx_put(w, port, m);
}

void mipha_arp_burst(struct mipha_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++)
		mipha_arp_one(w, pkts[i]);
}

bool mipha_arp_request_in_place(struct rte_mbuf *m, const struct rte_ether_addr *mac,
				uint32_t sip, uint32_t tip)
{
	uint16_t len = MIPHA_ETH_LEN + sizeof(struct rte_arp_hdr);
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;

	if (m->nb_segs != 1 || (uint32_t)m->buf_len - m->data_off < len)
		return false;
	m->data_len = len;
	m->pkt_len = len;
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	arp = (struct rte_arp_hdr *)(eth + 1);
	memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
	rte_ether_addr_copy(mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	rte_ether_addr_copy(mac, &arp->arp_data.arp_sha);
	memset(&arp->arp_data.arp_tha, 0, sizeof(arp->arp_data.arp_tha));
	arp->arp_data.arp_sip = sip;
	arp->arp_data.arp_tip = tip;
	m->l2_len = MIPHA_ETH_LEN;
	m->l3_len = 0;
	m->ol_flags = 0;
	return true;
}

struct rte_mbuf *mipha_arp_gratuitous(struct rte_mempool *mp, const struct rte_ether_addr *mac,
				      uint32_t home_addr)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;

	if (m == NULL)
		return NULL;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, MIPHA_ETH_LEN + sizeof(*arp));
	if (eth == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	arp = (struct rte_arp_hdr *)(eth + 1);
	memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
	rte_ether_addr_copy(mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	/* RFC 5944 4.6: a reply, sender and target both "home_addr is at mac" */
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	rte_ether_addr_copy(mac, &arp->arp_data.arp_sha);
	rte_ether_addr_copy(mac, &arp->arp_data.arp_tha);
	arp->arp_data.arp_sip = home_addr;
	arp->arp_data.arp_tip = home_addr;
	m->l2_len = MIPHA_ETH_LEN;
	return m;
}
