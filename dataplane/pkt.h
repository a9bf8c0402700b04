/* SPDX-License-Identifier: BSD-3-Clause */
/* Private to dataplane/: small packet helpers shared by the stages. */
#ifndef MIPHA_DP_PKT_H
#define MIPHA_DP_PKT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "worker.h"

#define MIPHA_ETH_LEN ((uint16_t)sizeof(struct rte_ether_hdr))

static inline struct rte_ipv4_hdr *mipha_pkt_ip(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, m->l2_len);
}

static inline void mipha_drop(struct mipha_worker *w, struct rte_mbuf *m, enum mipha_counter why)
{
	mipha_cnt_inc(&w->cnt, why);
	rte_pktmbuf_free(m);
}

/* Queues m for tx on port; drops and counts when the port is unusable or the buffer full. */
static inline void mipha_tx_put(struct mipha_worker *w, uint16_t port, struct rte_mbuf *m)
{
	if (port >= MIPHA_MAX_PORTS || w->conf->port[port].roles == 0) {
		mipha_drop(w, m, MIPHA_CNT_DROP_NO_TX_PORT);
		return;
	}
	struct mipha_txbuf *tb = &w->tx[port];

	if (tb->n >= MIPHA_TX_BUF) {
		mipha_drop(w, m, MIPHA_CNT_DROP_TX_FULL);
		return;
	}
	m->port = port;
	tb->m[tb->n++] = m;
}

/* First port with role, or -1. */
static inline int mipha_port_with_role(const struct mipha_worker_conf *c, uint8_t role)
{
	for (int p = 0; p < MIPHA_MAX_PORTS; p++)
		if ((c->port[p].roles & role) != 0)
			return p;
	return -1;
}

static inline uint16_t mipha_cksum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/*
 * The Internet checksum's ones'-complement sum (RFC 1071) of len bytes, plus
 * sum, folded to 16 bits and not inverted: exactly what rte_raw_cksum()
 * returns (tests/dataplane compare the two on random buffers), but 8 bytes a
 * step into a 64-bit accumulator where DPDK 22.11's adds 16-bit words one by
 * one (a registration's two UDP checksums cost ~4x the instructions there).
 * Adding 32-bit host-order words is the same sum: 2^16 = 1 modulo 0xffff.
 */
static inline uint16_t mipha_raw_cksum(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	uint64_t s = sum;

	for (; len >= 8; p += 8, len -= 8) {
		uint64_t v;

		memcpy(&v, p, 8);
		s += (v & 0xffffffffu) + (v >> 32);
	}
	if (len >= 4) {
		uint32_t v;

		memcpy(&v, p, 4);
		s += v;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t v;

		memcpy(&v, p, 2);
		s += v;
		p += 2;
		len -= 2;
	}
	if (len != 0) {
		/* an odd last byte counts as the first byte of a zero-padded word */
		uint16_t v = 0;

		memcpy(&v, p, 1);
		s += v;
	}
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	return mipha_cksum_fold((uint32_t)s);
}

/*
 * The sum over the IPv4 pseudo-header and the L4 segment (its length from
 * the IP header), as DPDK's __rte_ipv4_udptcp_cksum: 0xffff when a received
 * segment's checksum is right.
 */
static inline uint16_t mipha_ipv4_l4_sum(const struct rte_ipv4_hdr *ip, const void *l4)
{
	uint32_t hlen = (uint32_t)(ip->version_ihl & 0x0f) * 4;
	uint32_t l3_len = rte_be_to_cpu_16(ip->total_length);
	struct {
		uint32_t src, dst;
		uint8_t zero, proto;
		uint16_t len;
	} __attribute__((packed)) ph;

	if (l3_len < hlen)
		return 0;
	ph.src = ip->src_addr;
	ph.dst = ip->dst_addr;
	ph.zero = 0;
	ph.proto = ip->next_proto_id;
	ph.len = rte_cpu_to_be_16((uint16_t)(l3_len - hlen));
	return mipha_raw_cksum(l4, l3_len - hlen, mipha_raw_cksum(&ph, sizeof(ph), 0));
}

/* The UDP checksum to send (rte_ipv4_udptcp_cksum: 0 is sent as 0xffff). */
static inline uint16_t mipha_ipv4_udp_cksum(const struct rte_ipv4_hdr *ip, const void *udp)
{
	uint16_t c = (uint16_t)~mipha_ipv4_l4_sum(ip, udp);

	return c == 0 ? 0xffff : c;
}

/* A received segment's checksum is right (rte_ipv4_udptcp_cksum_verify() == 0). */
static inline bool mipha_ipv4_l4_cksum_ok(const struct rte_ipv4_hdr *ip, const void *l4)
{
	return mipha_ipv4_l4_sum(ip, l4) == 0xffff;
}

/* An IPv4 header checksum to store (rte_ipv4_cksum); hdr_checksum must be 0. */
static inline uint16_t mipha_ipv4_hdr_cksum(const struct rte_ipv4_hdr *ip)
{
	return (uint16_t)~mipha_raw_cksum(ip, (size_t)(ip->version_ihl & 0x0f) * 4, 0);
}

/*
 * RFC 1624 incremental update of a header checksum when one 16-bit word (as
 * stored in memory) changes from old to new: HC' = ~(~HC + ~m + m').
 */
static inline uint16_t mipha_cksum_update(uint16_t cksum, uint16_t old, uint16_t new_word)
{
	uint32_t sum = (uint16_t)~cksum;

	sum += (uint16_t)~old;
	sum += new_word;
	return (uint16_t)~mipha_cksum_fold(sum);
}

/* Decrements the TTL of ip and patches its checksum incrementally. */
static inline void mipha_ip_ttl_dec(struct rte_ipv4_hdr *ip)
{
	uint16_t *w = (uint16_t *)(void *)&ip->time_to_live; /* ttl and protocol share a word */
	uint16_t old = *w;

	ip->time_to_live--;
	ip->hdr_checksum = mipha_cksum_update(ip->hdr_checksum, old, *w);
}

static inline bool mipha_in_home_prefix(const struct mipha_worker_conf *c, uint32_t a)
{
	return c->home_mask != 0 && (a & c->home_mask) == c->home_prefix;
}

enum mipha_icmp_error {
	MIPHA_ICMP_FRAG_NEEDED,	 /* type 3 code 4, with the next-hop MTU */
	MIPHA_ICMP_TIME_EXCEEDED, /* type 11 code 0 */
};

/*
 * Turns the IPv4 frame m (header at l2_len, its drop already counted) into
 * an ICMP error to its source, sent back on its rx port to the L2 sender, or
 * frees it when RFC 1812 4.3.2.7 forbids an error (about an ICMP error, a
 * non-first fragment, a broadcast/multicast/zero source) or the worker's
 * budget for this second is spent.
 */
void mipha_icmp_error(struct mipha_worker *w, struct rte_mbuf *m, enum mipha_icmp_error kind,
		      uint16_t mtu);

#endif /* MIPHA_DP_PKT_H */
