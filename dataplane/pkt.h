/* SPDX-License-Identifier: BSD-3-Clause */
/* Private to dataplane/: small packet helpers shared by the stages. */
#ifndef MIPHA_DP_PKT_H
#define MIPHA_DP_PKT_H

#include <stdint.h>

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
