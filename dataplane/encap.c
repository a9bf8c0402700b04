/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IP-in-IP encapsulation (RFC 2003) of data for an away MN; ICMP errors
 * (icmp.c) when the tunnel cannot carry a DF packet or the TTL runs out.
 */
#include <string.h>

#include <rte_ip_frag.h>

#include "mip_ntp.h"

#include "binding_table.h"
#include "pkt.h"

#define MIPHA_OUTER_TTL 64
/* Outer fragments of one packet at most (a 9000-byte jumbo at a 1280-byte MTU takes 8). */
#define MIPHA_MAX_FRAGS 8

/*
 * Sum of the outer header words that never change (version/IHL, TTL/protocol,
 * source): the per-packet checksum adds only TOS, length, id, flags and
 * destination to it.
 */
static uint32_t mipha_outer_template_sum(struct mipha_worker *w, uint32_t src)
{
	struct rte_ipv4_hdr t;

	if (w->outer_sum != 0 && w->outer_src == src)
		return w->outer_sum;
	memset(&t, 0, sizeof(t));
	t.version_ihl = RTE_IPV4_VHL_DEF;
	t.time_to_live = MIPHA_OUTER_TTL;
	t.next_proto_id = IPPROTO_IPIP;
	t.src_addr = src;
	w->outer_src = src;
	w->outer_sum = mipha_raw_cksum(&t, sizeof(t), 0); /* never 0: version_ihl is in it */
	return w->outer_sum;
}

static void mipha_outer_fill(struct mipha_worker *w, struct rte_ipv4_hdr *o,
			     const struct rte_ipv4_hdr *in, uint32_t src, uint32_t coa, uint16_t total,
			     uint16_t id)
{
	uint32_t sum = mipha_outer_template_sum(w, src);
	uint8_t tos_bytes[2] = { 0, in->type_of_service };
	uint16_t tos_word;

	o->version_ihl = RTE_IPV4_VHL_DEF;
	o->type_of_service = in->type_of_service; /* RFC 2003 3.1: TOS copied */
	o->total_length = rte_cpu_to_be_16(total);
	/* DF copied; a DF packet needs no unique id (RFC 6864) */
	if ((in->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG)) != 0) {
		o->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		o->packet_id = 0;
	} else {
		o->fragment_offset = 0;
		o->packet_id = rte_cpu_to_be_16(id);
	}
	o->time_to_live = MIPHA_OUTER_TTL;
	o->next_proto_id = IPPROTO_IPIP;
	o->src_addr = src;
	o->dst_addr = coa;
	memcpy(&tos_word, tos_bytes, sizeof(tos_word)); /* TOS as it sits beside version/IHL */
	sum += tos_word;
	sum += o->total_length + o->packet_id + o->fragment_offset;
	sum += (o->dst_addr & 0xffff) + (o->dst_addr >> 16);
	o->hdr_checksum = (uint16_t)~mipha_cksum_fold(sum);
}

/* Ethernet header of a frame out of the uplink. */
static void mipha_uplink_eth(const struct mipha_worker *w, struct rte_ether_hdr *eth, int uplink)
{
	const struct mipha_port_role *up = &w->conf->port[uplink];

	eth->dst_addr = up->next_hop;
	eth->src_addr = up->mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
}

/*
 * RFC 2003 5.1: the inner packet (DF clear) is too big once encapsulated, so
 * the outer datagram is fragmented; the care-of end reassembles it before
 * decapsulating. Not the fast path: fragment headers are allocated, the
 * payload is referenced from the original mbuf (indirect mbufs).
 */
static void mipha_encap_fragmented(struct mipha_worker *w, struct rte_mbuf *m,
				   struct rte_ipv4_hdr *in, uint32_t coa, uint16_t total, int uplink,
				   uint16_t mtu)
{
	struct rte_mbuf *frags[MIPHA_MAX_FRAGS];
	struct rte_ipv4_hdr *outer;
	int32_t n;

	if (w->p.frag_direct == NULL || w->p.frag_indirect == NULL) {
		mipha_drop(w, m, MIPHA_CNT_DROP_TOO_BIG);
		return;
	}
	if (uplink < 0) {
		mipha_drop(w, m, MIPHA_CNT_DROP_NO_TX_PORT);
		return;
	}
	mipha_ip_ttl_dec(in);
	/* the library wants the datagram to fragment at the start of the data */
	rte_pktmbuf_adj(m, m->l2_len);
	outer = (struct rte_ipv4_hdr *)rte_pktmbuf_prepend(m, sizeof(*outer));
	if (outer == NULL) {
		mipha_drop(w, m, MIPHA_CNT_DROP_TOO_BIG);
		return;
	}
	mipha_outer_fill(w, outer, in, w->conf->ha_addr[0], coa, total + sizeof(*outer),
			 w->ip_id++);
	n = rte_ipv4_fragment_packet(m, frags, MIPHA_MAX_FRAGS, mtu,
				     w->p.frag_direct, w->p.frag_indirect);
	/* the fragments hold references to m's data: this only drops ours */
	rte_pktmbuf_free(m);
	if (n <= 0) {
		mipha_cnt_inc(&w->cnt, MIPHA_CNT_DROP_FRAG_FAILED);
		return;
	}
	for (int32_t i = 0; i < n; i++) {
		struct rte_mbuf *f = frags[i];
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(f, struct rte_ipv4_hdr *);
		struct rte_ether_hdr *eth;

		/* the library leaves the fragments' header checksums to us */
		ip->hdr_checksum = 0;
		ip->hdr_checksum = mipha_ipv4_hdr_cksum(ip);
		eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(f, sizeof(*eth));
		if (eth == NULL) {
			mipha_drop(w, f, MIPHA_CNT_DROP_FRAG_FAILED);
			continue;
		}
		mipha_uplink_eth(w, eth, uplink);
		f->l2_len = MIPHA_ETH_LEN;
		f->l3_len = sizeof(*ip);
		/* a port that takes one segment only (net_pcap): copied into the header mbuf */
		if (!w->conf->port[uplink].multi_seg_tx && f->nb_segs > 1 &&
		    rte_pktmbuf_linearize(f) != 0) {
			mipha_drop(w, f, MIPHA_CNT_DROP_FRAG_FAILED);
			continue;
		}
		mipha_cnt_inc(&w->cnt, MIPHA_CNT_ENCAP_FRAGMENTS);
		mipha_tx_put(w, (uint16_t)uplink, f);
	}
	mipha_cnt_inc(&w->cnt, MIPHA_CNT_ENCAP_FRAGMENTED);
}

static void mipha_encap_one(struct mipha_worker *w, struct rte_mbuf *m, struct mipha_binding *b,
			    int uplink)
{
	struct rte_ipv4_hdr *in = mipha_pkt_ip(m);
	uint16_t total = rte_be_to_cpu_16(in->total_length);
	uint16_t mtu = mipha_conf_tunnel_mtu(w->conf);
	uint64_t packed;

	if (b == NULL) {
		mipha_drop(w, m, MIPHA_CNT_DROP_NO_BINDING);
		return;
	}
	packed = mipha_binding_load(b);
	if (mip_ntp_sec_cmp(mipha_binding_expiry(packed), mip_ntp_sec(w->now)) < 0) {
		mipha_drop(w, m, MIPHA_CNT_DROP_BINDING_EXPIRED);
		return;
	}
	/* A path MTU learned towards this care-of address (icmp.c), when lower. */
	uint16_t pmtu = mipha_binding_pmtu(b, mipha_binding_coa(packed), mip_ntp_sec(w->now));

	if (pmtu != 0 && pmtu < mtu)
		mtu = pmtu;
	if (in->time_to_live <= 1) {
		mipha_cnt_inc(&w->cnt, MIPHA_CNT_DROP_TTL);
		mipha_icmp_error(w, m, MIPHA_ICMP_TIME_EXCEEDED, 0);
		return;
	}
	if ((uint32_t)total + sizeof(struct rte_ipv4_hdr) > mtu) {
		if ((in->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG)) != 0) {
			mipha_cnt_inc(&w->cnt, MIPHA_CNT_DROP_FRAG_NEEDED);
			/* RFC 1191 next-hop MTU: what the inner packet may be */
			mipha_icmp_error(w, m, MIPHA_ICMP_FRAG_NEEDED,
					 mtu - sizeof(struct rte_ipv4_hdr));
		} else {
			mipha_encap_fragmented(w, m, in, mipha_binding_coa(packed), total, uplink,
					       mtu);
		}
		return;
	}
	if (uplink < 0) {
		mipha_drop(w, m, MIPHA_CNT_DROP_NO_TX_PORT);
		return;
	}
	/* RFC 2003 3.1: the encapsulator forwards the inner packet, so it ages it */
	mipha_ip_ttl_dec(in);

	struct rte_ether_hdr *eth =
		(struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(struct rte_ipv4_hdr));

	if (eth == NULL) {
		mipha_drop(w, m, MIPHA_CNT_DROP_TOO_BIG);
		return;
	}
	struct rte_ipv4_hdr *outer = (struct rte_ipv4_hdr *)(eth + 1);

	mipha_uplink_eth(w, eth, uplink);
	/* in is still valid: the inner header did not move */
	mipha_outer_fill(w, outer, in, w->conf->ha_addr[0], mipha_binding_coa(packed),
			 total + sizeof(*outer), w->ip_id++);
	m->l2_len = MIPHA_ETH_LEN;
	m->l3_len = sizeof(*outer);
	mipha_cnt_inc(&w->cnt, MIPHA_CNT_ENCAP);
	mipha_tx_put(w, (uint16_t)uplink, m);
}

void mipha_encap_burst(struct mipha_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	uint32_t dst[MIPHA_BURST];
	struct mipha_binding *b[MIPHA_BURST];
	int uplink = mipha_port_with_role(w->conf, MIPHA_ROLE_UPLINK);

	for (uint16_t off = 0; off < n; off += MIPHA_BURST) {
		uint16_t k = RTE_MIN(n - off, MIPHA_BURST);

		for (uint16_t i = 0; i < k; i++)
			dst[i] = mipha_pkt_ip(pkts[off + i])->dst_addr;
		mipha_binding_lookup_bulk(w->p.bindings, dst, k, b);
		for (uint16_t i = 0; i < k; i++)
			mipha_encap_one(w, pkts[off + i], b[i], uplink);
	}
}
