/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reverse tunnel (RFC 3024): IP-in-IP from a care-of address to an HA
 * address. Decapsulated only when the inner source is a bound home address
 * whose binding asked for reverse tunnelling (T) and the outer source is that
 * binding's care-of address; anything else is a spoof and is dropped. The
 * inner packet leaves on the home-role port (to the home-link host itself
 * when it is for one, else to the port's gateway), or, when it is for another
 * away MN, goes through the encapsulation stage like any packet for an MN.
 */
#include <string.h>

#include "mip_ntp.h"

#include "binding_table.h"
#include "pkt.h"

/* The inner header is whole, sane and fills the outer payload. */
static bool mipha_inner_ok(struct rte_mbuf *m, const struct rte_ipv4_hdr *outer,
			   const struct rte_ipv4_hdr *in)
{
	uint16_t room = rte_be_to_cpu_16(outer->total_length) - m->l3_len;
	uint16_t hlen, total;

	if (room < sizeof(*in))
		return false;
	hlen = rte_ipv4_hdr_len(in);
	total = rte_be_to_cpu_16(in->total_length);
	if ((in->version_ihl >> 4) != 4 || hlen < sizeof(*in) || hlen > room || total < hlen ||
	    total != room)
		return false;
	return mipha_raw_cksum(in, hlen, 0) == 0xffff;
}

/*
 * The outer header goes; the Ethernet header (still the received one) moves
 * up to the inner packet, which then looks as if it had arrived unencapsulated.
 */
static void mipha_strip_outer(struct rte_mbuf *m, uint16_t inner_hlen)
{
	uint8_t *old = rte_pktmbuf_mtod(m, uint8_t *);

	memmove(old + m->l3_len, old, MIPHA_ETH_LEN);
	rte_pktmbuf_adj(m, m->l3_len);
	m->l3_len = inner_hlen;
}

/*
 * Whether dst, a home-prefix address, belongs to an away MN (one with a
 * binding whose care-of address is not the home address itself): its packets
 * go through the encapsulation stage; every other home-prefix address is a
 * host on the home link.
 */
static bool mipha_dst_is_away_mn(struct mipha_worker *w, uint32_t dst)
{
	struct mipha_binding *b = mipha_binding_lookup(w->p.bindings, dst);

	return b != NULL && mipha_binding_coa(mipha_binding_load(b)) != dst;
}

/*
 * The MAC a decapsulated packet for dst goes to on the home port: a
 * home-link host's own (learned, or the gateway's when dst is the gateway),
 * else the gateway. NULL when dst is on the home link but not yet known.
 */
const struct rte_ether_addr *mipha_decap_next_hop(struct mipha_worker *w, int home, uint32_t dst)
{
	const struct mipha_port_role *hp = &w->conf->port[home];

	if (!mipha_in_home_prefix(w->conf, dst) || dst == hp->gateway)
		return &hp->next_hop;
	return mipha_nbr_lookup(&w->nbr, dst, mip_ntp_sec(w->now));
}

/*
 * No MAC yet for the on-link host dst: m is dropped, and becomes (at most
 * once a second per address) an ARP request for dst; the sender's next
 * packet or retransmission then finds the host learned.
 */
static void mipha_decap_unresolved(struct mipha_worker *w, struct rte_mbuf *m, int home,
				   uint32_t dst)
{
	mipha_cnt_inc(&w->cnt, MIPHA_CNT_DROP_NEIGH_UNRESOLVED);
	if (!mipha_nbr_request_due(&w->nbr, dst, mip_ntp_sec(w->now)) ||
	    !mipha_arp_request_in_place(m, &w->conf->port[home].mac, w->conf->ha_addr[0], dst)) {
		rte_pktmbuf_free(m);
		return;
	}
	mipha_cnt_inc(&w->cnt, MIPHA_CNT_ARP_REQUEST);
	mipha_tx_put(w, (uint16_t)home, m);
}

/*
 * Returns true when m, decapsulated, is for an away MN and must be tunnelled
 * again (one MN to another: RFC 3024 leaves the inner packet to ordinary
 * forwarding, which for an away MN is the encapsulation stage).
 */
static bool mipha_decap_one(struct mipha_worker *w, struct rte_mbuf *m, struct mipha_binding *b,
			    int home)
{
	struct rte_ipv4_hdr *outer = mipha_pkt_ip(m);
	struct rte_ipv4_hdr *in = (struct rte_ipv4_hdr *)((uint8_t *)outer + m->l3_len);
	const struct rte_ether_addr *next_hop;
	uint64_t packed;

	if (b == NULL) {
		mipha_drop(w, m, MIPHA_CNT_DROP_SPOOFED);
		return false;
	}
	packed = mipha_binding_load(b);
	if (mipha_binding_coa(packed) != outer->src_addr) {
		mipha_drop(w, m, MIPHA_CNT_DROP_SPOOFED);
		return false;
	}
	if (mip_ntp_sec_cmp(mipha_binding_expiry(packed), mip_ntp_sec(w->now)) < 0) {
		mipha_drop(w, m, MIPHA_CNT_DROP_BINDING_EXPIRED);
		return false;
	}
	if ((mipha_binding_flags(b) & MIP_FLAG_T) == 0) {
		mipha_drop(w, m, MIPHA_CNT_DROP_NO_REVERSE_TUNNEL);
		return false;
	}
	uint16_t hlen = rte_ipv4_hdr_len(in);
	uint32_t dst = in->dst_addr;

	if (mipha_in_home_prefix(w->conf, dst) && !mipha_is_ha_addr(w->conf, dst) &&
	    mipha_dst_is_away_mn(w, dst)) {
		/* the encapsulation stage ages it (or answers time exceeded) */
		mipha_cnt_inc(&w->cnt, MIPHA_CNT_DECAP);
		mipha_strip_outer(m, hlen);
		return true;
	}
	if (in->time_to_live <= 1) {
		mipha_drop(w, m, MIPHA_CNT_DROP_TTL);
		return false;
	}
	if (home < 0) {
		mipha_drop(w, m, MIPHA_CNT_DROP_NO_TX_PORT);
		return false;
	}
	next_hop = mipha_decap_next_hop(w, home, dst);
	if (next_hop == NULL) {
		mipha_decap_unresolved(w, m, home, dst);
		return false;
	}
	mipha_ip_ttl_dec(in);
	mipha_strip_outer(m, hlen);
	mipha_cnt_inc(&w->cnt, MIPHA_CNT_DECAP);

	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	const struct mipha_port_role *hp = &w->conf->port[home];

	eth->dst_addr = *next_hop;
	eth->src_addr = hp->mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	mipha_tx_put(w, (uint16_t)home, m);
	return false;
}

void mipha_decap_burst(struct mipha_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	uint32_t src[MIPHA_BURST];
	struct mipha_binding *b[MIPHA_BURST];
	struct rte_mbuf *ok[MIPHA_BURST], *again[MIPHA_BURST];
	int home = mipha_port_with_role(w->conf, MIPHA_ROLE_HOME);

	for (uint16_t off = 0; off < n; off += MIPHA_BURST) {
		uint16_t k = RTE_MIN(n - off, MIPHA_BURST), nok = 0, nagain = 0;

		for (uint16_t i = 0; i < k; i++) {
			struct rte_mbuf *m = pkts[off + i];
			struct rte_ipv4_hdr *outer = mipha_pkt_ip(m);
			struct rte_ipv4_hdr *in =
				(struct rte_ipv4_hdr *)((uint8_t *)outer + m->l3_len);

			if (!mipha_inner_ok(m, outer, in)) {
				mipha_drop(w, m, MIPHA_CNT_DROP_IP_MALFORMED);
				continue;
			}
			src[nok] = in->src_addr;
			ok[nok++] = m;
		}
		mipha_binding_lookup_bulk(w->p.bindings, src, nok, b);
		for (uint16_t i = 0; i < nok; i++)
			if (mipha_decap_one(w, ok[i], b[i], home))
				again[nagain++] = ok[i];
		mipha_encap_burst(w, again, nagain);
	}
}
