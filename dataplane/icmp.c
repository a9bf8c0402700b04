/* SPDX-License-Identifier: BSD-3-Clause */
/* ICMP errors the encapsulator sends (RFC 2003 4, RFC 1191, RFC 1812 4.3.2). */
#include <string.h>

#include <rte_icmp.h>

#include "mip_ntp.h"

#include "pkt.h"

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
