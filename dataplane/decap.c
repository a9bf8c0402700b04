/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reverse tunnel (RFC 3024): IP-in-IP from a care-of address to an HA
 * address. Decapsulated only when the inner source is a bound home address
 * whose binding asked for reverse tunnelling (T) and the outer source is that
 * binding's care-of address; anything else is a spoof and is dropped. The
 * inner packet leaves on the home-role port, or, when it is for another home
 * address, goes through the encapsulation stage like any packet for an MN.
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
	return rte_raw_cksum(in, hlen) == 0xffff;
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
 * Returns true when m, decapsulated, is for the home prefix and must be
 * tunnelled again (one MN to another: RFC 3024 leaves the inner packet to
 * ordinary forwarding, which for an away MN is the encapsulation stage).
 */
static bool mipha_decap_one(struct mipha_worker *w, struct rte_mbuf *m, struct mipha_binding *b,
			    int home)
{
	struct rte_ipv4_hdr *outer = mipha_pkt_ip(m);
	struct rte_ipv4_hdr *in = (struct rte_ipv4_hdr *)((uint8_t *)outer + m->l3_len);
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

	if (mipha_in_home_prefix(w->conf, in->dst_addr) && !mipha_is_ha_addr(w->conf, in->dst_addr)) {
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
	mipha_ip_ttl_dec(in);
	mipha_strip_outer(m, hlen);
	mipha_cnt_inc(&w->cnt, MIPHA_CNT_DECAP);

	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	const struct mipha_port_role *hp = &w->conf->port[home];

	eth->dst_addr = hp->next_hop;
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
