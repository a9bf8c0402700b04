/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP: the errors the encapsulator sends (RFC 2003 4, RFC 1191, RFC 1812
 * 4.3.2), and what comes to an HA address (mipha_icmp_burst): echo requests,
 * and fragmentation-needed from routers on a tunnel's path (RFC 2003 5.1).
 */
#include <string.h>

#include <rte_icmp.h>

#include "mip_ntp.h"

#include "binding_table.h"
#include "pkt.h"

/* A fragmentation-needed claiming less is taken as this (a forged one cannot force tiny packets). */
#define MIPHA_PMTU_MIN 576

#define MIPHA_ICMP_TTL 64

static bool mipha_icmp_is_error_type(uint8_t type)
{
	/* destination unreachable, source quench, redirect, time exceeded, parameter problem */
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/* RFC 1812 4.3.2.7: the cases where no ICMP error may be sent about a packet. */
static bool mipha_icmp_allowed(const struct rte_mbuf *m, const struct rte_ipv4_hdr *in)
{
	uint32_t src = rte_be_to_cpu_32(in->src_addr);
	uint16_t total = rte_be_to_cpu_16(in->total_length);

	if (src == 0 || src == 0xffffffff || (src >> 28) == 0xe || (src >> 24) == 127)
		return false;
	if ((in->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK)) != 0)
		return false;
	if (in->next_proto_id == IPPROTO_ICMP) {
		if (total < m->l3_len + 1)
			return false;
		const uint8_t *type = (const uint8_t *)in + m->l3_len;

		if (mipha_icmp_is_error_type(*type))
			return false;
	}
	return true;
}

/* A token bucket refilled each second of the HA clock: an attacker cannot make us flood. */
static bool mipha_icmp_budget(struct mipha_worker *w)
{
	uint32_t sec = mip_ntp_sec(w->now);

	if (sec != w->icmp_sec) {
		w->icmp_sec = sec;
		w->icmp_left = w->conf->icmp_rate;
	}
	if (w->icmp_left == 0)
		return false;
	w->icmp_left--;
	return true;
}

void mipha_icmp_error(struct mipha_worker *w, struct rte_mbuf *m, enum mipha_icmp_error kind,
		      uint16_t mtu)
{
	struct rte_ipv4_hdr *in = mipha_pkt_ip(m);
	uint16_t in_total = rte_be_to_cpu_16(in->total_length);
	/* the offending header and the first 8 bytes of its payload */
	uint16_t quote = m->l3_len + RTE_MIN(8, in_total - m->l3_len);
	const uint16_t add = sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_icmp_hdr);
	uint16_t port = m->port;
	struct rte_ether_addr to;
	uint32_t dst = in->src_addr;

	if (port >= MIPHA_MAX_PORTS || w->conf->port[port].roles == 0 ||
	    !mipha_icmp_allowed(m, in) || !mipha_icmp_budget(w)) {
		rte_pktmbuf_free(m);
		return;
	}
	to = rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->src_addr;
	/* eth | ip | icmp go in front of the quoted header, which stays where it is */
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, add);

	if (eth == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	rte_pktmbuf_trim(m, m->data_len - (MIPHA_ETH_LEN + add + quote));
	eth->dst_addr = to;
	eth->src_addr = w->conf->port[port].mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);

	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);

	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(add + quote);
	ip->time_to_live = MIPHA_ICMP_TTL;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->src_addr = w->conf->ha_addr[0];
	ip->dst_addr = dst;
	ip->hdr_checksum = mipha_ipv4_hdr_cksum(ip);

	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ip + 1);

	icmp->icmp_cksum = 0;
	icmp->icmp_ident = 0; /* unused */
	if (kind == MIPHA_ICMP_FRAG_NEEDED) {
		icmp->icmp_type = 3; /* destination unreachable */
		icmp->icmp_code = 4; /* fragmentation needed and DF set */
		icmp->icmp_seq_nb = rte_cpu_to_be_16(mtu);
		mipha_cnt_inc(&w->cnt, MIPHA_CNT_ICMP_FRAG_NEEDED);
	} else {
		icmp->icmp_type = 11; /* time exceeded */
		icmp->icmp_code = 0;  /* in transit */
		icmp->icmp_seq_nb = 0;
		mipha_cnt_inc(&w->cnt, MIPHA_CNT_ICMP_TIME_EXCEEDED);
	}
	icmp->icmp_cksum = (uint16_t)~mipha_raw_cksum(icmp, sizeof(*icmp) + quote, 0);
	m->l2_len = MIPHA_ETH_LEN;
	m->l3_len = sizeof(*ip);
	mipha_tx_put(w, port, m);
}

/* RFC 1191 5: for a router that does not say its next-hop MTU, the plateau below len. */
static uint16_t mipha_pmtu_plateau(uint16_t len)
{
	static const uint16_t plateaus[] = { 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296 };

	for (unsigned int i = 0; i < RTE_DIM(plateaus); i++)
		if (plateaus[i] < len)
			return plateaus[i];
	return 68;
}

/* Echo request to an HA address: the same frame turned into the reply. */
static void mipha_icmp_echo(struct mipha_worker *w, struct rte_mbuf *m, struct rte_ipv4_hdr *ip,
			    struct rte_icmp_hdr *icmp, uint16_t len)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	uint16_t port = m->port;
	uint32_t to = ip->src_addr;

	if (port >= MIPHA_MAX_PORTS || w->conf->port[port].roles == 0 ||
	    !mipha_icmp_allowed(m, ip)) {
		mipha_drop(w, m, MIPHA_CNT_DROP_ICMP_OTHER);
		return;
	}
	if (!mipha_icmp_budget(w)) {
		mipha_drop(w, m, MIPHA_CNT_DROP_ICMP_RATE);
		return;
	}
	eth->dst_addr = eth->src_addr;
	eth->src_addr = w->conf->port[port].mac;
	ip->src_addr = ip->dst_addr;	/* the HA address it was sent to */
	ip->dst_addr = to;
	ip->time_to_live = MIPHA_ICMP_TTL;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = mipha_ipv4_hdr_cksum(ip);
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	icmp->icmp_cksum = 0;
	icmp->icmp_cksum = (uint16_t)~mipha_raw_cksum(icmp, len, 0);
	mipha_cnt_inc(&w->cnt, MIPHA_CNT_ICMP_ECHO_REPLY);
	mipha_tx_put(w, port, m);
}

/*
 * Fragmentation-needed about a tunnel packet: the quote must hold our outer
 * header (from an HA address, IP-in-IP) and the inner header, whose
 * destination is a bound home address whose care-of address is the outer
 * destination. Then the binding's path MTU is lowered (never raised) for
 * MIPHA_PMTU_AGE seconds; the next DF packet over it gets a
 * fragmentation-needed from mipha (encap.c), the soft state of RFC 2003 5.1.
 */
static void mipha_icmp_frag_needed(struct mipha_worker *w, struct rte_mbuf *m,
				   const struct rte_icmp_hdr *icmp, uint16_t len)
{
	const uint8_t *q = (const uint8_t *)(icmp + 1);
	uint16_t qlen = len - sizeof(*icmp), ohl, mtu, cur, learned;
	const struct rte_ipv4_hdr *o = (const struct rte_ipv4_hdr *)q, *in;
	uint32_t now = mip_ntp_sec(w->now), coa;
	struct mipha_binding *b;

	if (qlen < sizeof(*o) || (o->version_ihl >> 4) != 4)
		goto ignored;
	ohl = rte_ipv4_hdr_len(o);
	if (ohl < sizeof(*o) || qlen < ohl + sizeof(*in) || o->next_proto_id != IPPROTO_IPIP ||
	    !mipha_is_ha_addr(w->conf, o->src_addr))
		goto ignored;
	in = (const struct rte_ipv4_hdr *)(q + ohl);
	if ((in->version_ihl >> 4) != 4)
		goto ignored;
	b = mipha_binding_lookup(w->p.bindings, in->dst_addr);
	if (b == NULL)
		goto ignored;
	coa = mipha_binding_coa(mipha_binding_load(b));
	if (coa != o->dst_addr)
		goto ignored;
	mtu = rte_be_to_cpu_16(icmp->icmp_seq_nb);	/* RFC 1191: next-hop MTU */
	if (mtu == 0)
		mtu = mipha_pmtu_plateau(rte_be_to_cpu_16(o->total_length));
	if (mtu < MIPHA_PMTU_MIN)
		mtu = MIPHA_PMTU_MIN;
	cur = mipha_conf_tunnel_mtu(w->conf);
	learned = mipha_binding_pmtu(b, coa, now);
	if (learned != 0 && learned < cur)
		cur = learned;
	if (mtu >= cur)
		goto ignored;
	mipha_binding_set_pmtu(b, coa, mtu, now + MIPHA_PMTU_AGE);
	mipha_cnt_inc(&w->cnt, MIPHA_CNT_ICMP_TUNNEL_MTU);
	rte_pktmbuf_free(m);
	return;
ignored:
	mipha_drop(w, m, MIPHA_CNT_DROP_ICMP_TUNNEL_IGNORED);
}

void mipha_icmp_burst(struct mipha_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct rte_ipv4_hdr *ip = mipha_pkt_ip(m);
		uint16_t total = rte_be_to_cpu_16(ip->total_length), len;
		struct rte_icmp_hdr *icmp;

		if (total < m->l3_len + sizeof(*icmp)) {
			mipha_drop(w, m, MIPHA_CNT_DROP_ICMP_MALFORMED);
			continue;
		}
		len = total - m->l3_len;
		icmp = (struct rte_icmp_hdr *)((uint8_t *)ip + m->l3_len);
		if (mipha_raw_cksum(icmp, len, 0) != 0xffff) {
			mipha_drop(w, m, MIPHA_CNT_DROP_ICMP_MALFORMED);
			continue;
		}
		if (icmp->icmp_type == RTE_IP_ICMP_ECHO_REQUEST && icmp->icmp_code == 0)
			mipha_icmp_echo(w, m, ip, icmp, len);
		else if (icmp->icmp_type == 3 && icmp->icmp_code == 4)
			mipha_icmp_frag_needed(w, m, icmp, len);
		else
			mipha_drop(w, m, MIPHA_CNT_DROP_ICMP_OTHER);
	}
}
