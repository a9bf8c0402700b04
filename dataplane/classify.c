/* SPDX-License-Identifier: BSD-3-Clause */
#include <netinet/in.h>

#include <rte_udp.h>

#include "mip_wire.h"

#include "pkt.h"

/* IPv4 header sane: version, IHL, lengths and checksum; frame trimmed to the total length. */
static enum mipha_counter mipha_ipv4_check(struct rte_mbuf *m)
{
	uint16_t room = m->data_len - MIPHA_ETH_LEN;
	struct rte_ipv4_hdr *ip;
	uint16_t hlen, total;

	if (m->data_len < MIPHA_ETH_LEN + sizeof(struct rte_ipv4_hdr))
		return MIPHA_CNT_DROP_IP_MALFORMED;
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, MIPHA_ETH_LEN);
	hlen = rte_ipv4_hdr_len(ip);
	total = rte_be_to_cpu_16(ip->total_length);
	if ((ip->version_ihl >> 4) != 4 || hlen < sizeof(*ip) || hlen > room || total < hlen ||
	    total > room)
		return MIPHA_CNT_DROP_IP_MALFORMED;
	if (mipha_raw_cksum(ip, hlen, 0) != 0xffff)
		return MIPHA_CNT_DROP_IP_MALFORMED;
	if (room > total)
		rte_pktmbuf_trim(m, room - total); /* Ethernet padding */
	m->l2_len = MIPHA_ETH_LEN;
	m->l3_len = hlen;
	return MIPHA_CNT__COUNT;
}

static bool mipha_ip_is_fragment(const struct rte_ipv4_hdr *ip)
{
	return (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG |
						       RTE_IPV4_HDR_OFFSET_MASK)) != 0;
}

/* The class of an IPv4 frame addressed to an HA address, or a drop counter. */
static int mipha_classify_to_ha(struct rte_mbuf *m, const struct rte_ipv4_hdr *ip)
{
	uint16_t total = rte_be_to_cpu_16(ip->total_length);

	if (ip->next_proto_id == IPPROTO_UDP) {
		if (total < m->l3_len + sizeof(struct rte_udp_hdr))
			return -MIPHA_CNT_DROP_UDP_MALFORMED;
		const struct rte_udp_hdr *udp =
			rte_pktmbuf_mtod_offset(m, struct rte_udp_hdr *, m->l2_len + m->l3_len);
		if (udp->dst_port != rte_cpu_to_be_16(MIP_UDP_PORT))
			return -MIPHA_CNT_DROP_NOT_FOR_US;
		if (mipha_ip_is_fragment(ip))
			return -MIPHA_CNT_DROP_IP_FRAGMENT;
		return MIPHA_CLS_REG;
	}
	if (ip->next_proto_id == IPPROTO_IPIP) {
		/* reverse-tunnelled and fragmented on the way: reassembled first */
		if (mipha_ip_is_fragment(ip))
			return MIPHA_CLS__COUNT;
		return MIPHA_CLS_DECAP;
	}
	if (ip->next_proto_id == IPPROTO_ICMP) {
		if (mipha_ip_is_fragment(ip))
			return -MIPHA_CNT_DROP_IP_FRAGMENT;
		return MIPHA_CLS_ICMP;
	}
	return -MIPHA_CNT_DROP_NOT_FOR_US;
}

static int mipha_classify_one(struct mipha_worker *w, struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth;
	const struct rte_ipv4_hdr *ip;
	enum mipha_counter bad;

	if (m->nb_segs != 1)
		return -MIPHA_CNT_DROP_MULTISEG;
	if (m->data_len < MIPHA_ETH_LEN)
		return -MIPHA_CNT_DROP_NOT_IPV4;
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP)) {
		m->l2_len = MIPHA_ETH_LEN;
		return MIPHA_CLS_ARP;
	}
	if (eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
		return -MIPHA_CNT_DROP_NOT_IPV4;
	bad = mipha_ipv4_check(m);
	if (bad != MIPHA_CNT__COUNT)
		return -(int)bad;
	ip = mipha_pkt_ip(m);
	if (mipha_is_ha_addr(w->conf, ip->dst_addr))
		return mipha_classify_to_ha(m, ip);
	if (mipha_in_home_prefix(w->conf, ip->dst_addr))
		return MIPHA_CLS_ENCAP;
	return -MIPHA_CNT_DROP_NOT_FOR_US;
}

void mipha_classify(struct mipha_worker *w, struct rte_mbuf **pkts, uint16_t n,
		    struct mipha_classes *out)
{
	static const enum mipha_counter cls_cnt[MIPHA_CLS__COUNT] = {
		[MIPHA_CLS_ARP] = MIPHA_CNT_CLS_ARP,
		[MIPHA_CLS_REG] = MIPHA_CNT_CLS_REG,
		[MIPHA_CLS_ENCAP] = MIPHA_CNT_CLS_ENCAP,
		[MIPHA_CLS_DECAP] = MIPHA_CNT_CLS_DECAP,
		[MIPHA_CLS_ICMP] = MIPHA_CNT_CLS_ICMP,
	};

	for (int c = 0; c < MIPHA_CLS__COUNT; c++)
		out->n[c] = 0;
	mipha_cnt_add(&w->cnt, MIPHA_CNT_RX, n);
	/* out holds MIPHA_BURST per class: a caller passing more loses the rest, counted */
	while (n > MIPHA_BURST)
		mipha_drop(w, pkts[--n], MIPHA_CNT_DROP_BURST_OVERFLOW);
	/*
	 * The burst's mbuf headers first (both lines: the second holds the
	 * l2/l3 lengths this stage writes), then each frame's first two lines
	 * (Ethernet, IP, UDP and a registration's fixed part) two frames ahead.
	 */
	for (uint16_t i = 0; i < n; i++) {
		rte_prefetch0(pkts[i]);
		rte_prefetch0(RTE_PTR_ADD(pkts[i], RTE_CACHE_LINE_SIZE));
	}
	for (uint16_t i = 0; i < n && i < 2; i++) {
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
		rte_prefetch0(rte_pktmbuf_mtod_offset(pkts[i], void *, RTE_CACHE_LINE_SIZE));
	}
	for (uint16_t i = 0; i < n; i++) {
		if (i + 2 < n) {
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 2], void *));
			rte_prefetch0(rte_pktmbuf_mtod_offset(pkts[i + 2], void *, RTE_CACHE_LINE_SIZE));
		}
		struct rte_mbuf *m = pkts[i];
		int c = mipha_classify_one(w, m);

		if (c < 0) {
			mipha_drop(w, m, (enum mipha_counter)-c);
			continue;
		}
		if (c == MIPHA_CLS__COUNT) {
			/* a fragment: nothing more until its datagram is whole */
			m = mipha_reasm(w, m);
			if (m == NULL)
				continue;
			c = MIPHA_CLS_DECAP;
		}
		mipha_cnt_inc(&w->cnt, cls_cnt[c]);
		out->m[c][out->n[c]++] = m;
	}
	mipha_reasm_reap(w);
}
