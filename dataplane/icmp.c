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

/*
 * RFC 1812 4.3.2.7: the cases where no ICMP error may be sent about a packet
 * (header in, hlen bytes long; avail bytes of it at hand).
 */
static bool mipha_icmp_allowed_hdr(const struct rte_ipv4_hdr *in, uint16_t hlen, uint16_t avail)
{
	uint32_t src = rte_be_to_cpu_32(in->src_addr);

	if (src == 0 || src == 0xffffffff || (src >> 28) == 0xe || (src >> 24) == 127)
		return false;
	if ((in->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK)) != 0)
		return false;
	if (in->next_proto_id == IPPROTO_ICMP) {
		if (avail < hlen + 1)
			return false;
		if (mipha_icmp_is_error_type(((const uint8_t *)in)[hlen]))
			return false;
	}
	return true;
}

static bool mipha_icmp_allowed(const struct rte_mbuf *m, const struct rte_ipv4_hdr *in)
{
	return mipha_icmp_allowed_hdr(in, m->l3_len, rte_be_to_cpu_16(in->total_length));
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

/*
 * The frame m holds Ethernet | IPv4 | ICMP header room, then quote bytes
 * already in place: fills the headers of an ICMP error from the HA address to
 * dst (L2 to to, from port's MAC), next being the 16 bits after the unused
 * identifier (RFC 1191's next-hop MTU for 3/4, else 0), checksums included.
 */
static void mipha_icmp_fill(struct mipha_worker *w, struct rte_mbuf *m, uint16_t port,
			    const struct rte_ether_addr *to, uint32_t dst, uint8_t type, uint8_t code,
			    uint16_t next, uint16_t quote)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ip + 1);

	eth->dst_addr = *to;
	eth->src_addr = w->conf->port[port].mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + sizeof(*icmp) + quote);
	ip->time_to_live = MIPHA_ICMP_TTL;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->src_addr = w->conf->ha_addr[0];
	ip->dst_addr = dst;
	ip->hdr_checksum = mipha_ipv4_hdr_cksum(ip);
	icmp->icmp_type = type;
	icmp->icmp_code = code;
	icmp->icmp_cksum = 0;
	icmp->icmp_ident = 0; /* unused */
	icmp->icmp_seq_nb = rte_cpu_to_be_16(next);
	icmp->icmp_cksum = (uint16_t)~mipha_raw_cksum(icmp, sizeof(*icmp) + quote, 0);
	m->l2_len = MIPHA_ETH_LEN;
	m->l3_len = sizeof(*ip);
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
	if (kind == MIPHA_ICMP_FRAG_NEEDED) {
		/* destination unreachable, fragmentation needed and DF set */
		mipha_icmp_fill(w, m, port, &to, dst, 3, 4, mtu, quote);
		mipha_cnt_inc(&w->cnt, MIPHA_CNT_ICMP_FRAG_NEEDED);
	} else {
		mipha_icmp_fill(w, m, port, &to, dst, 11, 0, 0, quote); /* time exceeded in transit */
		mipha_cnt_inc(&w->cnt, MIPHA_CNT_ICMP_TIME_EXCEEDED);
	}
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

/* What an ICMP error's quote says about one of our tunnel packets. */
struct mipha_tunnel_quote {
	const struct rte_ipv4_hdr *outer;	/* our outer header, as sent */
	const struct rte_ipv4_hdr *inner;	/* the tunnelled packet's header */
	uint16_t inner_avail;			/* bytes of the tunnelled packet quoted */
	struct mipha_binding *b;		/* the binding it was tunnelled for */
	uint32_t coa;
};

/*
 * Is the ICMP error (len bytes from its header) about one of our tunnel
 * packets to a current binding? Its quote must hold our outer header (from
 * an HA address, IP-in-IP, to that binding's care-of address) and the inner
 * header, to that binding's home address. An off-path forger must know both.
 */
static bool mipha_icmp_our_tunnel(struct mipha_worker *w, const struct rte_icmp_hdr *icmp,
				  uint16_t len, struct mipha_tunnel_quote *t)
{
	const uint8_t *q = (const uint8_t *)(icmp + 1);
	uint16_t qlen = len - sizeof(*icmp), ohl;

	t->outer = (const struct rte_ipv4_hdr *)q;
	if (qlen < sizeof(*t->outer) || (t->outer->version_ihl >> 4) != 4)
		return false;
	ohl = rte_ipv4_hdr_len(t->outer);
	if (ohl < sizeof(*t->outer) || qlen < ohl + sizeof(*t->inner) ||
	    t->outer->next_proto_id != IPPROTO_IPIP ||
	    !mipha_is_ha_addr(w->conf, t->outer->src_addr))
		return false;
	t->inner = (const struct rte_ipv4_hdr *)(q + ohl);
	t->inner_avail = qlen - ohl;
	if ((t->inner->version_ihl >> 4) != 4 || rte_ipv4_hdr_len(t->inner) < sizeof(*t->inner))
		return false;
	t->b = mipha_binding_lookup(w->p.bindings, t->inner->dst_addr);
	if (t->b == NULL)
		return false;
	t->coa = mipha_binding_coa(mipha_binding_load(t->b));
	return t->coa == t->outer->dst_addr;
}

/*
 * Fragmentation-needed about one of our tunnel packets: that binding's path
 * MTU is lowered (never raised) for MIPHA_PMTU_AGE seconds; the next DF
 * packet over it gets a fragmentation-needed from mipha (encap.c), the soft
 * state of RFC 2003 5.1.
 */
static void mipha_icmp_frag_needed(struct mipha_worker *w, struct rte_mbuf *m,
				   const struct rte_icmp_hdr *icmp, uint16_t len)
{
	uint32_t now = mip_ntp_sec(w->now);
	struct mipha_tunnel_quote t;
	uint16_t mtu, cur, learned;

	if (!mipha_icmp_our_tunnel(w, icmp, len, &t))
		goto ignored;
	mtu = rte_be_to_cpu_16(icmp->icmp_seq_nb);	/* RFC 1191: next-hop MTU */
	if (mtu == 0)
		mtu = mipha_pmtu_plateau(rte_be_to_cpu_16(t.outer->total_length));
	if (mtu < MIPHA_PMTU_MIN)
		mtu = MIPHA_PMTU_MIN;
	cur = mipha_conf_tunnel_mtu(w->conf);
	learned = mipha_binding_pmtu(t.b, t.coa, now);
	if (learned != 0 && learned < cur)
		cur = learned;
	if (mtu >= cur)
		goto ignored;
	mipha_binding_set_pmtu(t.b, t.coa, mtu, now + MIPHA_PMTU_AGE);
	mipha_cnt_inc(&w->cnt, MIPHA_CNT_ICMP_TUNNEL_MTU);
	rte_pktmbuf_free(m);
	return;
ignored:
	mipha_drop(w, m, MIPHA_CNT_DROP_ICMP_TUNNEL_IGNORED);
}

/*
 * RFC 2003 4.1: network, host or protocol unreachable, or time exceeded, from
 * within the tunnel is reported to the original sender as host unreachable
 * (the home address is on the encapsulator's network; protocol unreachable
 * is about IP-in-IP, which the sender did not use; time exceeded is a loop
 * in the tunnel). The frame m becomes that message, in place: our header
 * and ICMP header right before the quoted inner header, which is quoted with
 * up to 8 bytes of its data. It goes out of the home port, where the
 * original sender's packets came from (decap.c's next hop for it).
 */
static void mipha_icmp_relay_unreachable(struct mipha_worker *w, struct rte_mbuf *m,
					 const struct rte_icmp_hdr *icmp, uint16_t len)
{
	const uint16_t add = MIPHA_ETH_LEN + sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_icmp_hdr);
	int home = mipha_port_with_role(w->conf, MIPHA_ROLE_HOME);
	const struct rte_ether_addr *next_hop;
	struct mipha_tunnel_quote t;
	uint16_t ihl, quote, off;
	uint32_t to;

	if (!mipha_icmp_our_tunnel(w, icmp, len, &t)) {
		mipha_drop(w, m, MIPHA_CNT_DROP_ICMP_TUNNEL_IGNORED);
		return;
	}
	ihl = rte_ipv4_hdr_len(t.inner);
	if (t.inner_avail < ihl || home < 0 ||
	    !mipha_icmp_allowed_hdr(t.inner, ihl, t.inner_avail)) {
		mipha_drop(w, m, MIPHA_CNT_DROP_ICMP_OTHER);
		return;
	}
	to = t.inner->src_addr;
	next_hop = mipha_decap_next_hop(w, home, to);
	if (next_hop == NULL) {	/* an on-link sender not learned yet: nothing to relay to */
		mipha_drop(w, m, MIPHA_CNT_DROP_NEIGH_UNRESOLVED);
		return;
	}
	if (!mipha_icmp_budget(w)) {
		mipha_drop(w, m, MIPHA_CNT_DROP_ICMP_RATE);
		return;
	}
	quote = RTE_MIN(t.inner_avail, (uint16_t)(ihl + 8));
	off = (uint16_t)((const uint8_t *)t.inner - rte_pktmbuf_mtod(m, const uint8_t *));
	/* The inner header stays where it is: our headers go in the bytes before it. */
	rte_pktmbuf_adj(m, off - add);
	rte_pktmbuf_trim(m, m->data_len - (add + quote));
	mipha_icmp_fill(w, m, (uint16_t)home, next_hop, to, 3, 1, 0, quote); /* host unreachable */
	mipha_cnt_inc(&w->cnt, MIPHA_CNT_ICMP_TUNNEL_RELAYED);
	mipha_tx_put(w, (uint16_t)home, m);
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
		else if ((icmp->icmp_type == 3 && icmp->icmp_code <= 2) || icmp->icmp_type == 11)
			mipha_icmp_relay_unreachable(w, m, icmp, len);
		else
			mipha_drop(w, m, MIPHA_CNT_DROP_ICMP_OTHER);
	}
}
