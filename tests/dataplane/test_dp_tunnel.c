/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Classification, IP-in-IP encapsulation (RFC 2003) checked field by field,
 * ICMP fragmentation-needed, reverse-tunnel decapsulation (RFC 3024) and its
 * spoofing checks, ARP and proxy ARP, the gratuitous ARP builder.
 */
#include <criterion/criterion.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_icmp.h>
#include <rte_udp.h>

#include "mip.h"

#include "dp_test.h"
#include "pkt.h"
#include "port.h"

static uint32_t home, ha, coa, cn;
static uint64_t now;
static struct mipha_binding *bnd;

static void setup(void)
{
	dp_setup("dp_tunnel");
	home = dp_ip("10.1.0.10");
	ha = dp_ip("10.1.0.1");
	coa = dp_ip("192.0.2.77");
	cn = dp_ip("203.0.113.5");
	now = dp.conf.clock.fixed_ntp;
	cr_assert_eq(mipha_binding_install(dp.bt, home, coa, mip_ntp_sec(now) + 100, MIP_FLAG_T, 0,
					   &bnd), 0);
}

TestSuite(dp_tunnel, .init = setup, .fini = dp_teardown);

static void run(struct rte_mbuf **m, uint16_t n)
{
	mipha_worker_process(&dp.w, m, n);
}

static void run1(struct rte_mbuf *m)
{
	run(&m, 1);
}

static struct rte_mbuf *take(uint16_t port)
{
	cr_assert_eq(dp.w.tx[port].n, 1, "port %u: %u frames", port, dp.w.tx[port].n);
	dp.w.tx[port].n = 0;
	return dp.w.tx[port].m[0];
}

static void check_encap(uint8_t tos, bool df, uint16_t plen, uint8_t ttl)
{
	uint8_t payload[1500];

	cr_assert_leq(plen, sizeof(payload));

	for (uint16_t i = 0; i < plen; i++)
		payload[i] = (uint8_t)(i * 7 + tos);
	run1(dp_frame_ip(DP_PORT_UP, IPPROTO_UDP, cn, home, payload, plen, tos, ttl, df));
	struct rte_mbuf *m = take(DP_PORT_UP);
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *o = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_ipv4_hdr *in = o + 1;
	struct rte_ipv4_hdr ref;

	cr_assert(rte_is_same_ether_addr(&eth->dst_addr, &dp_mac_gw_up));
	cr_assert(rte_is_same_ether_addr(&eth->src_addr, &dp_mac_up));
	cr_assert_eq(eth->ether_type, rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4));
	cr_assert_eq(m->data_len, 14 + 20 + 20 + plen);
	cr_assert_eq(o->version_ihl, 0x45);
	cr_assert_eq(o->type_of_service, tos, "TOS copied");
	cr_assert_eq(rte_be_to_cpu_16(o->total_length), 20 + 20 + plen);
	cr_assert_eq((o->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG)) != 0, df,
		     "DF copied");
	cr_assert_eq(o->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK |
							  RTE_IPV4_HDR_MF_FLAG), 0);
	cr_assert_eq(o->time_to_live, 64);
	cr_assert_eq(o->next_proto_id, IPPROTO_IPIP);
	cr_assert_eq(o->src_addr, ha);
	cr_assert_eq(o->dst_addr, coa);
	/* the template + incremental checksum equals a full recomputation */
	ref = *o;
	ref.hdr_checksum = 0;
	cr_assert_eq(o->hdr_checksum, rte_ipv4_cksum(&ref), "outer checksum (tos %u, len %u, df %d)",
		     tos, plen, df);
	/* inner: TTL aged by one, checksum still right, the rest untouched */
	cr_assert_eq(in->time_to_live, ttl - 1);
	cr_assert_eq(rte_raw_cksum(in, 20), 0xffff, "inner checksum");
	cr_assert_eq(in->src_addr, cn);
	cr_assert_eq(in->dst_addr, home);
	cr_assert_eq(in->type_of_service, tos);
	cr_assert_arr_eq((uint8_t *)(in + 1), payload, plen);
	rte_pktmbuf_free(m);
}

Test(dp_tunnel, encapsulation_field_by_field)
{
	check_encap(0, true, 64, 64);
	check_encap(0xb8, false, 1, 2);
	check_encap(0x10, true, 1400 - 20 - 20 + 20, 255);
	/* many TOS/length/DF/TTL combinations for the incremental checksum */
	for (unsigned int i = 0; i < 300; i++)
		check_encap((uint8_t)(i * 37), (i & 1) != 0, (uint16_t)(1 + (i * 131) % 1400),
			    (uint8_t)(2 + i % 250));
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_ENCAP], 303);
}

Test(dp_tunnel, encapsulation_drops)
{
	uint8_t payload[64] = { 0 };

	run1(dp_frame_ip(DP_PORT_UP, IPPROTO_UDP, cn, home, payload, 64, 0, 1, true));
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_TTL], 1);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_ICMP_TIME_EXCEEDED], 1);
	rte_pktmbuf_free(take(DP_PORT_UP));
	run1(dp_frame_ip(DP_PORT_UP, IPPROTO_UDP, cn, dp_ip("10.1.0.11"), payload, 64, 0, 64, true));
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_NO_BINDING], 1);
	/* expired binding */
	mipha_binding_refresh(bnd, coa, mip_ntp_sec(now) - 1, MIP_FLAG_T);
	run1(dp_frame_ip(DP_PORT_UP, IPPROTO_UDP, cn, home, payload, 64, 0, 64, true));
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_BINDING_EXPIRED], 1);
	cr_assert_eq(dp.w.tx[DP_PORT_UP].n + dp.w.tx[DP_PORT_HOME].n, 0);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_ENCAP], 0);
}

Test(dp_tunnel, icmp_fragmentation_needed)
{
	static uint8_t payload[1500];
	uint16_t plen = 1500 - 20 - 10; /* encapsulated: 1510 > 1500 */

	for (uint16_t i = 0; i < plen; i++)
		payload[i] = (uint8_t)i;
	struct rte_mbuf *m = dp_frame_ip(DP_PORT_HOME, IPPROTO_UDP, cn, home, payload, plen, 0, 64,
					 true);
	uint8_t orig[28];

	memcpy(orig, rte_pktmbuf_mtod_offset(m, uint8_t *, 14), 28);
	run1(m);
	m = take(DP_PORT_HOME); /* back where it came from */
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ip + 1);

	cr_assert(rte_is_same_ether_addr(&eth->dst_addr, &dp_mac_peer));
	cr_assert(rte_is_same_ether_addr(&eth->src_addr, &dp_mac_home));
	cr_assert_eq(m->data_len, 14 + 20 + 8 + 28);
	cr_assert_eq(rte_be_to_cpu_16(ip->total_length), 20 + 8 + 28);
	cr_assert_eq(rte_raw_cksum(ip, 20), 0xffff);
	cr_assert_eq(ip->next_proto_id, IPPROTO_ICMP);
	cr_assert_eq(ip->src_addr, ha);
	cr_assert_eq(ip->dst_addr, cn);
	cr_assert_eq(icmp->icmp_type, 3);
	cr_assert_eq(icmp->icmp_code, 4);
	cr_assert_eq(icmp->icmp_ident, 0);
	cr_assert_eq(rte_be_to_cpu_16(icmp->icmp_seq_nb), 1480, "next-hop MTU = tunnel MTU - 20");
	cr_assert_eq(rte_raw_cksum(icmp, 8 + 28), 0xffff, "ICMP checksum");
	cr_assert_arr_eq((uint8_t *)(icmp + 1), orig, 28, "original header + 8 bytes, TTL unchanged");
	rte_pktmbuf_free(m);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_ICMP_FRAG_NEEDED], 1);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_FRAG_NEEDED], 1);

	/* exactly the MTU fits */
	check_encap(0, true, 1500 - 40, 64);
	/* too big without DF and no fragmentation pools: dropped, counted */
	run1(dp_frame_ip(DP_PORT_HOME, IPPROTO_UDP, cn, home, payload, plen, 0, 64, false));
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_TOO_BIG], 1);
	cr_assert_eq(dp.w.tx[DP_PORT_UP].n + dp.w.tx[DP_PORT_HOME].n, 0);
	/* a smaller configured MTU */
	dp.conf.tunnel_mtu = 1400;
	run1(dp_frame_ip(DP_PORT_HOME, IPPROTO_UDP, cn, home, payload, 1400 - 20 - 19, 0, 64, true));
	m = take(DP_PORT_HOME);
	icmp = rte_pktmbuf_mtod_offset(m, struct rte_icmp_hdr *, 34);
	cr_assert_eq(rte_be_to_cpu_16(icmp->icmp_seq_nb), 1380);
	rte_pktmbuf_free(m);
}

/* An ICMP message (type, code, the 4 bytes after the checksum, body) from src to dst on port. */
static struct rte_mbuf *icmp_frame(uint16_t port, uint32_t src, uint32_t dst, uint8_t type,
				   uint8_t code, uint32_t rest, const uint8_t *body, uint16_t blen)
{
	uint8_t msg[1500];
	struct rte_icmp_hdr *h = (struct rte_icmp_hdr *)msg;

	cr_assert_leq(sizeof(*h) + blen, sizeof(msg));
	memset(h, 0, sizeof(*h));
	h->icmp_type = type;
	h->icmp_code = code;
	memcpy(&h->icmp_ident, &rest, 4);
	memcpy(msg + sizeof(*h), body, blen);
	h->icmp_cksum = (uint16_t)~rte_raw_cksum(msg, sizeof(*h) + blen);
	return dp_frame_ip(port, IPPROTO_ICMP, src, dst, msg, (uint16_t)(sizeof(*h) + blen), 0, 64,
			   false);
}

Test(dp_tunnel, echo_request_to_an_ha_address_answered)
{
	uint8_t body[56];
	struct rte_mbuf *m;
	uint32_t rest = rte_cpu_to_be_32(0x12340007);	/* identifier, sequence */

	for (unsigned int i = 0; i < sizeof(body); i++)
		body[i] = (uint8_t)(i ^ 0x5a);
	run1(icmp_frame(DP_PORT_HOME, cn, ha, 8, 0, rest, body, sizeof(body)));
	m = take(DP_PORT_HOME);
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ip + 1);

	cr_assert(rte_is_same_ether_addr(&eth->dst_addr, &dp_mac_peer));
	cr_assert(rte_is_same_ether_addr(&eth->src_addr, &dp_mac_home));
	cr_assert_eq(ip->src_addr, ha);
	cr_assert_eq(ip->dst_addr, cn);
	cr_assert_eq(rte_raw_cksum(ip, 20), 0xffff);
	cr_assert_eq(rte_be_to_cpu_16(ip->total_length), 20 + 8 + sizeof(body));
	cr_assert_eq(icmp->icmp_type, 0);
	cr_assert_eq(icmp->icmp_code, 0);
	cr_assert_eq(memcmp(&icmp->icmp_ident, &rest, 4), 0, "identifier and sequence echoed");
	cr_assert_arr_eq((uint8_t *)(icmp + 1), body, sizeof(body));
	cr_assert_eq(rte_raw_cksum(icmp, 8 + sizeof(body)), 0xffff);
	rte_pktmbuf_free(m);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_ICMP_ECHO_REPLY], 1);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_CLS_ICMP], 1);
	/* the second HA address answers as itself */
	run1(icmp_frame(DP_PORT_UP, cn, dp.conf.ha_addr[1], 8, 0, rest, body, 8));
	m = take(DP_PORT_UP);
	cr_assert_eq(rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14)->src_addr,
		     dp.conf.ha_addr[1]);
	rte_pktmbuf_free(m);
	/* a bad checksum, a truncated header, another type: dropped, counted */
	struct rte_mbuf *bad = icmp_frame(DP_PORT_HOME, cn, ha, 8, 0, rest, body, 8);

	rte_pktmbuf_mtod_offset(bad, uint8_t *, 14 + 20 + 8)[0] ^= 1;
	run1(bad);
	run1(dp_frame_ip(DP_PORT_HOME, IPPROTO_ICMP, cn, ha, body, 4, 0, 64, false));
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_ICMP_MALFORMED], 2);
	run1(icmp_frame(DP_PORT_HOME, cn, ha, 13, 0, 0, body, 12));	/* timestamp */
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_ICMP_OTHER], 1);
	run1(icmp_frame(DP_PORT_HOME, cn, ha, 3, 1, 0, body, 28));	/* host unreachable, */
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_ICMP_TUNNEL_IGNORED], 1);	/* not about a tunnel */
	/* from a broadcast source: no reply (RFC 1812 4.3.2.7 as for errors) */
	run1(icmp_frame(DP_PORT_HOME, 0xffffffff, ha, 8, 0, rest, body, 8));
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_ICMP_OTHER], 2);
	/* the icmp_rate budget */
	dp.conf.icmp_rate = 2;
	dp.w.icmp_sec = 0;
	for (int i = 0; i < 4; i++)
		run1(icmp_frame(DP_PORT_HOME, cn, ha, 8, 0, rest, body, 8));
	cr_assert_eq(dp.w.tx[DP_PORT_HOME].n, 2);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_ICMP_RATE], 2);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_ICMP_ECHO_REPLY], 4);
	cr_assert_eq(dp.w.tx[DP_PORT_UP].n, 0);
}

/*
 * An ICMP error from a router between the HA and the care-of address about a
 * tunnel packet (outer HA -> coa, DF; inner cn -> home, UDP): it quotes the
 * outer header, the inner header and 8 bytes of the inner data (quote bytes
 * of that); rest is the 4 bytes after the checksum (the MTU for type 3 code 4).
 */
static uint8_t tq[48];

/* A DF IPv4 header as a router quotes it (TTL already aged by one). */
static void quoted_hdr(struct rte_ipv4_hdr *h, uint16_t total, uint8_t proto, uint32_t src,
		       uint32_t dst)
{
	h->version_ihl = 0x45;
	h->total_length = rte_cpu_to_be_16(total);
	h->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	h->time_to_live = 63;
	h->next_proto_id = proto;
	h->src_addr = src;
	h->dst_addr = dst;
	h->hdr_checksum = 0;
	h->hdr_checksum = rte_ipv4_cksum(h);
}

static struct rte_mbuf *tunnel_error(uint8_t type, uint8_t code, uint32_t rest,
				     uint32_t outer_src, uint32_t outer_dst, uint32_t inner_dst,
				     uint16_t outer_total, uint16_t quote)
{
	struct rte_ipv4_hdr *o = (struct rte_ipv4_hdr *)tq;

	memset(tq, 0, sizeof(tq));
	quoted_hdr(o, outer_total, IPPROTO_IPIP, outer_src, outer_dst);
	quoted_hdr(o + 1, outer_total - 20, IPPROTO_UDP, cn, inner_dst);
	for (int i = 40; i < 48; i++)
		tq[i] = (uint8_t)(0xc0 + i);	/* the inner UDP header */
	return icmp_frame(DP_PORT_UP, dp_ip("198.51.100.1"), ha, type, code, rest, tq, quote);
}

static struct rte_mbuf *too_big_from_path(uint32_t outer_src, uint32_t outer_dst,
					  uint32_t inner_dst, uint16_t mtu, uint16_t outer_total,
					  uint16_t quote)
{
	return tunnel_error(3, 4, rte_cpu_to_be_32(mtu), outer_src, outer_dst, inner_dst,
			    outer_total, quote);
}

/*
 * RFC 2003 4.1: network, host, protocol unreachable and time exceeded from
 * within the tunnel reach the original sender as host unreachable, from the
 * HA, quoting the original (inner) header and 8 bytes, out of the home port
 * to its next hop. Port unreachable is not relayed, nor what is not about
 * our tunnel, nor an error about an ICMP error.
 */
Test(dp_tunnel, unreachable_from_within_the_tunnel_relayed_as_host_unreachable)
{
	static const uint8_t kinds[][2] = { { 3, 0 }, { 3, 1 }, { 3, 2 }, { 11, 0 } };
	struct rte_mbuf *m;

	for (unsigned int k = 0; k < RTE_DIM(kinds); k++) {
		run1(tunnel_error(kinds[k][0], kinds[k][1], 0, ha, coa, home, 1000, 48));
		cr_assert_eq(dp.w.tx[DP_PORT_UP].n, 0);
		m = take(DP_PORT_HOME);
		struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
		struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ip + 1);

		cr_assert(rte_is_same_ether_addr(&eth->dst_addr, &dp_mac_gw_home),
			  "to the home port's next hop for the correspondent");
		cr_assert(rte_is_same_ether_addr(&eth->src_addr, &dp_mac_home));
		cr_assert_eq(m->data_len, 14 + 20 + 8 + 28);
		cr_assert_eq(rte_raw_cksum(ip, 20), 0xffff);
		cr_assert_eq(rte_be_to_cpu_16(ip->total_length), 20 + 8 + 28);
		cr_assert_eq(ip->src_addr, ha);
		cr_assert_eq(ip->dst_addr, cn);
		cr_assert_eq(ip->next_proto_id, IPPROTO_ICMP);
		cr_assert(icmp->icmp_type == 3 && icmp->icmp_code == 1, "%u/%u relayed as %u/%u",
			  kinds[k][0], kinds[k][1], icmp->icmp_type, icmp->icmp_code);
		cr_assert_eq(icmp->icmp_ident, 0);
		cr_assert_eq(icmp->icmp_seq_nb, 0);
		cr_assert_arr_eq((uint8_t *)(icmp + 1), tq + 20, 28, "inner header and 8 bytes");
		cr_assert_eq(rte_raw_cksum(icmp, 8 + 28), 0xffff);
		rte_pktmbuf_free(m);
	}
	/* a quote holding the inner header alone: that is what is quoted */
	run1(tunnel_error(3, 1, 0, ha, coa, home, 1000, 40));
	m = take(DP_PORT_HOME);
	cr_assert_eq(m->data_len, 14 + 20 + 8 + 20);
	rte_pktmbuf_free(m);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_ICMP_TUNNEL_RELAYED], 5);

	/* Not relayed: port unreachable, an error about an ICMP error, */
	run1(tunnel_error(3, 3, 0, ha, coa, home, 1000, 48));
	struct rte_mbuf *e = tunnel_error(3, 1, 0, ha, coa, home, 1000, 48);
	uint8_t *q = rte_pktmbuf_mtod_offset(e, uint8_t *, 14 + 20 + 8);
	struct rte_icmp_hdr *eh = rte_pktmbuf_mtod_offset(e, struct rte_icmp_hdr *, 14 + 20);

	q[20 + 9] = IPPROTO_ICMP;	/* the inner packet: an ICMP ... */
	q[40] = 3;			/* ... destination unreachable */
	eh->icmp_cksum = 0;
	eh->icmp_cksum = (uint16_t)~rte_raw_cksum(eh, 8 + 48);
	run1(e);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_ICMP_OTHER], 2);
	/* nor what is not about a current tunnel of ours. */
	run1(tunnel_error(3, 1, 0, ha, dp_ip("192.0.2.78"), home, 1000, 48));
	run1(tunnel_error(11, 0, 0, dp_ip("10.1.0.99"), coa, home, 1000, 48));
	run1(tunnel_error(3, 1, 0, ha, coa, home, 1000, 28));
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_ICMP_TUNNEL_IGNORED], 3);
	cr_assert_eq(dp.w.tx[DP_PORT_HOME].n + dp.w.tx[DP_PORT_UP].n, 0);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_ICMP_TUNNEL_RELAYED], 5);
}

/* A DF packet of total inner bytes to home: the ICMP next-hop MTU it got, or 0 when tunnelled. */
static uint16_t send_df(uint16_t total)
{
	static uint8_t payload[1500];
	struct rte_mbuf *m;
	uint16_t got;

	run1(dp_frame_ip(DP_PORT_HOME, IPPROTO_UDP, cn, home, payload, total - 20, 0, 64, true));
	if (dp.w.tx[DP_PORT_UP].n == 1) {
		m = take(DP_PORT_UP);
		cr_assert_eq(rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14)->next_proto_id,
			     IPPROTO_IPIP);
		rte_pktmbuf_free(m);
		return 0;
	}
	m = take(DP_PORT_HOME);
	struct rte_icmp_hdr *icmp = rte_pktmbuf_mtod_offset(m, struct rte_icmp_hdr *, 34);

	cr_assert(icmp->icmp_type == 3 && icmp->icmp_code == 4);
	got = rte_be_to_cpu_16(icmp->icmp_seq_nb);
	rte_pktmbuf_free(m);
	return got;
}

/*
 * RFC 2003 5.1 / RFC 1191: a router on the tunnel's path says 1400. The
 * binding's path MTU drops to 1400 for MIPHA_PMTU_AGE seconds: a DF packet
 * over 1380 now gets mipha's own fragmentation-needed (1380), 1380 still
 * goes through. What is not about a current tunnel of ours is ignored.
 */
Test(dp_tunnel, fragmentation_needed_from_the_tunnel_path_lowers_its_mtu)
{
	uint32_t s0 = mip_ntp_sec(now);

	mipha_binding_refresh(bnd, coa, s0 + 3600, MIP_FLAG_T);
	cr_assert_eq(send_df(1400), 0, "1420 fits the configured 1500");
	run1(too_big_from_path(ha, coa, home, 1400, 1500, 40));
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_ICMP_TUNNEL_MTU], 1);
	cr_assert_eq(mipha_binding_pmtu(bnd, coa, s0), 1400);
	cr_assert_eq(send_df(1400), 1380, "inner next-hop MTU: path MTU - 20");
	cr_assert_eq(send_df(1380), 0);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_FRAG_NEEDED], 1);

	/* Ignored: a higher MTU, not from our address, another care-of, no binding, */
	run1(too_big_from_path(ha, coa, home, 1450, 1500, 40));
	run1(too_big_from_path(dp_ip("10.1.0.99"), coa, home, 1300, 1500, 40));
	run1(too_big_from_path(ha, dp_ip("192.0.2.78"), home, 1300, 1500, 40));
	run1(too_big_from_path(ha, coa, dp_ip("10.1.0.11"), 1300, 1500, 40));
	/* a quote without the inner header, not IP-in-IP. */
	run1(too_big_from_path(ha, coa, home, 1300, 1500, 28));
	struct rte_mbuf *udp = too_big_from_path(ha, coa, home, 1300, 1500, 40);
	struct rte_ipv4_hdr *qo = rte_pktmbuf_mtod_offset(udp, struct rte_ipv4_hdr *, 14 + 20 + 8);
	struct rte_icmp_hdr *ih = rte_pktmbuf_mtod_offset(udp, struct rte_icmp_hdr *, 14 + 20);

	qo->next_proto_id = IPPROTO_UDP;
	ih->icmp_cksum = 0;
	ih->icmp_cksum = (uint16_t)~rte_raw_cksum(ih, 8 + 40);
	run1(udp);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_ICMP_TUNNEL_IGNORED], 6);
	cr_assert_eq(mipha_binding_pmtu(bnd, coa, s0), 1400);

	/* Lower again; a router that gives no MTU: RFC 1191's plateau below 1400 (1006). */
	run1(too_big_from_path(ha, coa, home, 0, 1400, 40));
	cr_assert_eq(mipha_binding_pmtu(bnd, coa, s0), 1006);
	/* Below 576: taken as 576, nothing smaller. */
	run1(too_big_from_path(ha, coa, home, 200, 1006, 40));
	cr_assert_eq(mipha_binding_pmtu(bnd, coa, s0), 576);
	cr_assert_eq(send_df(577), 556);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_ICMP_TUNNEL_MTU], 3);

	/* A new care-of address: its path is not the old one's. */
	mipha_binding_refresh(bnd, dp_ip("198.51.100.9"), s0 + 3600, MIP_FLAG_T);
	cr_assert_eq(mipha_binding_pmtu(bnd, dp_ip("198.51.100.9"), s0), 0);
	cr_assert_eq(send_df(1480), 0);
	mipha_binding_refresh(bnd, coa, s0 + 3600, MIP_FLAG_T);

	/* MIPHA_PMTU_AGE seconds later it is forgotten. */
	cr_assert_eq(mipha_binding_pmtu(bnd, coa, s0 + MIPHA_PMTU_AGE - 4), 576);
	cr_assert_eq(mipha_binding_pmtu(bnd, coa, s0 + MIPHA_PMTU_AGE + 4), 0);
	dp.conf.clock.fixed_ntp = now + ((uint64_t)(MIPHA_PMTU_AGE + 4) << 32);
	cr_assert_eq(send_df(1480), 0);
}

/*
 * RFC 2003 5.1: DF clear and too big once encapsulated: outer fragments,
 * each within the tunnel MTU, with the outer header's fields, MF and
 * offsets right and their own checksums; put back together they are the
 * whole encapsulated datagram (inner TTL aged by one, payload intact).
 */
static void check_fragmented(uint16_t mtu, uint16_t plen, uint8_t tos)
{
	static uint8_t payload[4000], whole[4100];
	struct rte_mbuf *frames[MIPHA_TX_BUF];
	uint16_t nf, covered = 0;
	uint64_t before = dp.w.cnt.v[MIPHA_CNT_ENCAP_FRAGMENTED];

	dp.conf.tunnel_mtu = mtu;
	for (uint16_t i = 0; i < plen; i++)
		payload[i] = (uint8_t)(i * 13 + 1);
	run1(dp_frame_ip(DP_PORT_HOME, IPPROTO_UDP, cn, home, payload, plen, tos, 64, false));
	nf = dp.w.tx[DP_PORT_UP].n;
	memcpy(frames, dp.w.tx[DP_PORT_UP].m, nf * sizeof(frames[0]));
	dp.w.tx[DP_PORT_UP].n = 0;
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_ENCAP_FRAGMENTED], before + 1, "mtu %u plen %u", mtu,
		     plen);
	cr_assert_geq(nf, 2);
	uint16_t id = 0;

	for (uint16_t k = 0; k < nf; k++) {
		struct rte_mbuf *f = frames[k];
		uint8_t frame[1600];
		const uint8_t *b = rte_pktmbuf_read(f, 0, f->pkt_len, frame);
		const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)b;
		const struct rte_ipv4_hdr *o = (const struct rte_ipv4_hdr *)(eth + 1);
		uint16_t flags = rte_be_to_cpu_16(o->fragment_offset);
		uint16_t len = rte_be_to_cpu_16(o->total_length);
		uint16_t off = (uint16_t)((flags & RTE_IPV4_HDR_OFFSET_MASK) * 8);

		cr_assert(b != NULL && f->pkt_len <= sizeof(frame));
		/* chained (header + payload reference) only for a port that sends chains */
		cr_assert_eq(f->nb_segs > 1, dp.conf.port[DP_PORT_UP].multi_seg_tx, "fragment %u: %u segs",
			     k, f->nb_segs);
		cr_assert_eq(f->pkt_len, 14u + len, "frame %u", k);
		cr_assert_leq(len, mtu, "fragment %u: %u bytes over the MTU %u", k, len, mtu);
		cr_assert(rte_is_same_ether_addr(&eth->dst_addr, &dp_mac_gw_up));
		cr_assert(rte_is_same_ether_addr(&eth->src_addr, &dp_mac_up));
		cr_assert_eq(o->next_proto_id, IPPROTO_IPIP);
		cr_assert_eq(o->src_addr, ha);
		cr_assert_eq(o->dst_addr, coa);
		cr_assert_eq(o->type_of_service, tos);
		cr_assert_eq(o->time_to_live, 64);
		cr_assert_eq(rte_raw_cksum(o, 20), 0xffff, "fragment %u header checksum", k);
		cr_assert_eq((flags & RTE_IPV4_HDR_DF_FLAG), 0);
		cr_assert_eq((flags & RTE_IPV4_HDR_MF_FLAG) != 0, k + 1 < nf, "MF on all but the last");
		if (k == 0)
			id = o->packet_id;
		cr_assert_eq(o->packet_id, id, "one Identification for all fragments");
		cr_assert_eq(off, covered, "fragment %u at %u, expected %u", k, off, covered);
		if (k + 1 < nf)
			cr_assert_eq((len - 20) % 8, 0);
		cr_assert_leq((size_t)off + len - 20, sizeof(whole));
		memcpy(whole + off, (const uint8_t *)(o + 1), len - 20u);
		covered = (uint16_t)(covered + len - 20);
		rte_pktmbuf_free(f);
	}
	/* reassembled: the inner datagram, aged by one hop */
	const struct rte_ipv4_hdr *in = (const struct rte_ipv4_hdr *)whole;

	cr_assert_eq(covered, 20 + plen);
	cr_assert_eq(rte_be_to_cpu_16(in->total_length), 20 + plen);
	cr_assert_eq(in->time_to_live, 63);
	cr_assert_eq(rte_raw_cksum(in, 20), 0xffff, "inner checksum");
	cr_assert_eq(in->dst_addr, home);
	cr_assert_arr_eq(whole + 20, payload, plen);
}

Test(dp_tunnel, outer_fragmentation_without_df)
{
	struct rte_mempool *ind = mipha_indirect_pool("dp_frag_ind", 256, SOCKET_ID_ANY);

	cr_assert(ind != NULL);
	dp.w.p.frag_direct = dp.mp;
	dp.w.p.frag_indirect = ind;
	check_fragmented(1500, 1500 - 20 - 10, 0);	/* 10 bytes too many: 2 fragments */
	check_fragmented(1500, 1500 - 20, 0x28);	/* a full 1500-byte inner packet */
	check_fragmented(576, 1200, 0);			/* small MTU: 3 fragments */
	check_fragmented(1280, 1472, 0xb8);
	/* a port that sends chained mbufs gets them as the library makes them */
	dp.conf.port[DP_PORT_UP].multi_seg_tx = true;
	check_fragmented(1500, 1500 - 20, 0);
	check_fragmented(576, 1200, 0x10);
	dp.conf.port[DP_PORT_UP].multi_seg_tx = false;
	/* A path MTU learned for the care-of address (icmp.c) bounds the fragments too. */
	dp.conf.tunnel_mtu = 1500;
	mipha_binding_set_pmtu(bnd, coa, 1280, mip_ntp_sec(now) + 600);
	{
		static uint8_t big[1480];
		uint16_t nf, sum = 0;

		run1(dp_frame_ip(DP_PORT_HOME, IPPROTO_UDP, cn, home, big, sizeof(big), 0, 64, false));
		nf = dp.w.tx[DP_PORT_UP].n;
		cr_assert_eq(nf, 2);
		for (uint16_t i = 0; i < nf; i++) {
			struct rte_mbuf *f = dp.w.tx[DP_PORT_UP].m[i];
			uint16_t tl = rte_be_to_cpu_16(
				rte_pktmbuf_mtod_offset(f, struct rte_ipv4_hdr *, 14)->total_length);

			cr_assert_leq(tl, 1280, "fragment %u: %u bytes over the path MTU", i, tl);
			sum += tl - 20;
			rte_pktmbuf_free(f);
		}
		dp.w.tx[DP_PORT_UP].n = 0;
		cr_assert_eq(sum, 20 + sizeof(big), "the whole inner packet");
		bnd->path_mtu = 0;
	}
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_ENCAP_FRAGMENTED], 7);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_TOO_BIG], 0);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_FRAG_FAILED], 0);
	/* DF still wins: ICMP, no fragments */
	dp.conf.tunnel_mtu = 1500;
	static uint8_t payload[1500];

	run1(dp_frame_ip(DP_PORT_HOME, IPPROTO_UDP, cn, home, payload, 1500 - 20, 0, 64, true));
	cr_assert_eq(dp.w.tx[DP_PORT_UP].n, 0);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_FRAG_NEEDED], 1);
	rte_pktmbuf_free(take(DP_PORT_HOME));
	/* indirect pool exhausted: counted, nothing sent, nothing leaked */
	struct rte_mbuf *hold[256];
	unsigned int held = 0;

	while (held < 256 && (hold[held] = rte_pktmbuf_alloc(ind)) != NULL)
		held++;
	unsigned int direct_before = rte_mempool_avail_count(dp.mp);

	run1(dp_frame_ip(DP_PORT_HOME, IPPROTO_UDP, cn, home, payload, 1500 - 20, 0, 64, false));
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_FRAG_FAILED], 1);
	cr_assert_eq(dp.w.tx[DP_PORT_UP].n, 0);
	/* the packet's own mbuf (allocated by dp_frame_ip above) went back too */
	cr_assert_eq(rte_mempool_avail_count(dp.mp), direct_before, "direct mbufs all back");
	rte_pktmbuf_free_bulk(hold, held);
	cr_assert_eq(rte_mempool_avail_count(ind), 256, "indirect mbufs all back");
	dp.w.p.frag_direct = NULL;
	dp.w.p.frag_indirect = NULL;
	rte_mempool_free(ind);
}

Test(dp_tunnel, icmp_time_exceeded_rules_and_rate_limit)
{
	uint8_t payload[64];

	for (int i = 0; i < 64; i++)
		payload[i] = (uint8_t)i;
	struct rte_mbuf *m = dp_frame_ip(DP_PORT_UP, IPPROTO_UDP, cn, home, payload, 64, 0, 1, false);
	uint8_t orig[28];

	memcpy(orig, rte_pktmbuf_mtod_offset(m, uint8_t *, 14), 28);
	run1(m);
	m = take(DP_PORT_UP);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ip + 1);

	cr_assert_eq(rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr.addr_bytes[5], 0x77);
	cr_assert_eq(ip->src_addr, ha);
	cr_assert_eq(ip->dst_addr, cn);
	cr_assert_eq(rte_raw_cksum(ip, 20), 0xffff);
	cr_assert_eq(icmp->icmp_type, 11);
	cr_assert_eq(icmp->icmp_code, 0);
	cr_assert_eq(icmp->icmp_seq_nb, 0);
	cr_assert_eq(rte_raw_cksum(icmp, 8 + 28), 0xffff);
	cr_assert_arr_eq((uint8_t *)(icmp + 1), orig, 28);
	rte_pktmbuf_free(m);

	/* never about an ICMP error, a multicast source, or a later fragment */
	uint8_t unreach[36] = { 3, 1 };

	run1(dp_frame_ip(DP_PORT_UP, IPPROTO_ICMP, cn, home, unreach, 36, 0, 1, false));
	run1(dp_frame_ip(DP_PORT_UP, IPPROTO_UDP, dp_ip("224.0.0.9"), home, payload, 64, 0, 1,
			 false));
	m = dp_frame_ip(DP_PORT_UP, IPPROTO_UDP, cn, home, payload, 64, 0, 1, false);
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
	ip->fragment_offset = rte_cpu_to_be_16(100);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	run1(m);
	cr_assert_eq(dp.w.tx[DP_PORT_UP].n, 0);
	/* an echo request is not an error: answered */
	uint8_t echo[16] = { 8, 0 };

	run1(dp_frame_ip(DP_PORT_UP, IPPROTO_ICMP, cn, home, echo, 16, 0, 1, false));
	rte_pktmbuf_free(take(DP_PORT_UP));
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_TTL], 5);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_ICMP_TIME_EXCEEDED], 2);

	/* at most icmp_rate per second of the HA clock */
	dp.conf.icmp_rate = 3;
	dp.conf.clock.fixed_ntp += 1ull << 32;
	for (int i = 0; i < 10; i++)
		run1(dp_frame_ip(DP_PORT_UP, IPPROTO_UDP, cn, home, payload, 64, 0, 1, false));
	cr_assert_eq(dp.w.tx[DP_PORT_UP].n, 3);
	dp_tx_clear();
	dp.conf.clock.fixed_ntp += 1ull << 32;
	run1(dp_frame_ip(DP_PORT_UP, IPPROTO_UDP, cn, home, payload, 64, 0, 1, false));
	cr_assert_eq(dp.w.tx[DP_PORT_UP].n, 1, "budget refilled the next second");
	dp_tx_clear();
	cr_assert_eq(rte_mempool_avail_count(dp.mp), 4095, "an mbuf leaked");
}

static struct rte_mbuf *reverse_to(uint32_t outer_src, uint32_t inner_src, uint32_t inner_dst,
				   uint8_t ttl);

static struct rte_mbuf *reverse(uint32_t outer_src, uint32_t inner_src, uint8_t ttl)
{
	return reverse_to(outer_src, inner_src, cn, ttl);
}

static struct rte_mbuf *reverse_to(uint32_t outer_src, uint32_t inner_src, uint32_t inner_dst,
				   uint8_t ttl)
{
	uint8_t inner[20 + 32];
	struct rte_ipv4_hdr *in = (struct rte_ipv4_hdr *)inner;

	memset(inner, 0, sizeof(inner));
	in->version_ihl = 0x45;
	in->total_length = rte_cpu_to_be_16(sizeof(inner));
	in->time_to_live = ttl;
	in->next_proto_id = IPPROTO_UDP;
	in->src_addr = inner_src;
	in->dst_addr = inner_dst;
	in->hdr_checksum = rte_ipv4_cksum(in);
	for (int i = 0; i < 32; i++)
		inner[20 + i] = (uint8_t)(0xa0 + i);
	return dp_frame_ip(DP_PORT_UP, IPPROTO_IPIP, outer_src, ha, inner, sizeof(inner), 0, 64,
			   false);
}

Test(dp_tunnel, reverse_tunnel_decapsulation)
{
	run1(reverse(coa, home, 64));
	struct rte_mbuf *m = take(DP_PORT_HOME);
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *in = (struct rte_ipv4_hdr *)(eth + 1);

	cr_assert(rte_is_same_ether_addr(&eth->dst_addr, &dp_mac_gw_home));
	cr_assert(rte_is_same_ether_addr(&eth->src_addr, &dp_mac_home));
	cr_assert_eq(eth->ether_type, rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4));
	cr_assert_eq(m->data_len, 14 + 20 + 32);
	cr_assert_eq(in->src_addr, home);
	cr_assert_eq(in->dst_addr, cn);
	cr_assert_eq(in->time_to_live, 63);
	cr_assert_eq(rte_raw_cksum(in, 20), 0xffff);
	for (int i = 0; i < 32; i++)
		cr_assert_eq(((uint8_t *)(in + 1))[i], 0xa0 + i);
	rte_pktmbuf_free(m);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DECAP], 1);
}

/* One outer fragment (care-of -> HA) of a tunnelled datagram: bytes [off, off + len). */
static struct rte_mbuf *outer_fragment(const uint8_t *dgram, uint16_t off, uint16_t len, bool mf,
				       uint16_t id)
{
	struct rte_mbuf *m = dp_frame_ip(DP_PORT_UP, IPPROTO_IPIP, coa, ha, dgram + off, len, 0, 64,
					 false);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);

	ip->fragment_offset = rte_cpu_to_be_16((uint16_t)(off / 8) | (mf ? RTE_IPV4_HDR_MF_FLAG : 0));
	ip->packet_id = rte_cpu_to_be_16(id);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return m;
}

/* The home -> correspondent datagram a reverse tunnel carries, 20 + plen bytes. */
static uint16_t inner_datagram(uint8_t *d, uint16_t plen)
{
	struct rte_ipv4_hdr *in = (struct rte_ipv4_hdr *)d;

	memset(in, 0, sizeof(*in));
	in->version_ihl = 0x45;
	in->total_length = rte_cpu_to_be_16((uint16_t)(20 + plen));
	in->time_to_live = 64;
	in->next_proto_id = IPPROTO_UDP;
	in->src_addr = home;
	in->dst_addr = cn;
	in->hdr_checksum = rte_ipv4_cksum(in);
	for (uint16_t i = 0; i < plen; i++)
		d[20 + i] = (uint8_t)(i * 11 + 3);
	return (uint16_t)(20 + plen);
}

static void expect_decapsulated(const uint8_t *dgram, uint16_t len)
{
	struct rte_mbuf *m = take(DP_PORT_HOME);
	const struct rte_ipv4_hdr *in = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);

	cr_assert_eq(m->nb_segs, 1);
	cr_assert_eq(m->pkt_len, 14u + len);
	cr_assert_eq(in->time_to_live, 63);
	cr_assert_eq(rte_raw_cksum(in, 20), 0xffff);
	cr_assert_arr_eq((const uint8_t *)(in + 1), dgram + 20, len - 20u);
	rte_pktmbuf_free(m);
}

/* RFC 2003 5.1: outer fragments to the HA are reassembled, then decapsulated. */
Test(dp_tunnel, reverse_tunnel_fragments_reassembled)
{
	static uint8_t d[1500];
	uint16_t len = inner_datagram(d, 1380);
	struct rte_mbuf *f[3];

	/* without a table (the default here): dropped and counted, as before */
	run1(outer_fragment(d, 0, 1000, true, 1));
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_IP_FRAGMENT], 1);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_REASM_FRAGMENTS], 0);

	cr_assert_eq(mipha_reasm_init(&dp.w, 64, 200, SOCKET_ID_ANY), 0);
	/* in order, one burst */
	f[0] = outer_fragment(d, 0, 1000, true, 7);
	f[1] = outer_fragment(d, 1000, (uint16_t)(len - 1000), false, 7);
	run(f, 2);
	expect_decapsulated(d, len);
	/* reversed, three fragments, one burst each */
	run1(outer_fragment(d, 800, (uint16_t)(len - 800), false, 8));
	run1(outer_fragment(d, 400, 400, true, 8));
	cr_assert_eq(dp.w.tx[DP_PORT_HOME].n, 0, "nothing before the datagram is whole");
	run1(outer_fragment(d, 0, 400, true, 8));
	expect_decapsulated(d, len);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_REASM_FRAGMENTS], 5);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_REASM_DATAGRAMS], 2);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DECAP], 2);
	/* reassembled, the reverse tunnel's checks still apply: a spoofed inner source */
	uint8_t spoof[120];
	uint16_t sl = inner_datagram(spoof, 100);
	struct rte_ipv4_hdr *sin = (struct rte_ipv4_hdr *)spoof;

	sin->src_addr = dp_ip("10.1.0.66");
	sin->hdr_checksum = 0;
	sin->hdr_checksum = rte_ipv4_cksum(sin);
	run1(outer_fragment(spoof, 0, 64, true, 9));
	run1(outer_fragment(spoof, 64, (uint16_t)(sl - 64), false, 9));
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_SPOOFED], 1);
	cr_assert_eq(dp.w.tx[DP_PORT_HOME].n, 0);
	/* a fragmented registration is still not reassembled */
	struct rte_mbuf *m = dp_frame_udp(DP_PORT_UP, coa, ha, 434, 434, d, 200);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);

	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	run1(m);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_IP_FRAGMENT], 2);
	/* a lone fragment is held, never sent; fini frees it with the table */
	unsigned int avail = rte_mempool_avail_count(dp.mp);

	run1(outer_fragment(d, 0, 400, true, 10));
	cr_assert_eq(dp.w.tx[DP_PORT_HOME].n + dp.w.tx[DP_PORT_UP].n, 0);
	cr_assert_eq(rte_mempool_avail_count(dp.mp), avail - 1, "held by the table");
	mipha_reasm_fini(&dp.w);
	cr_assert_eq(rte_mempool_avail_count(dp.mp), avail, "freed with the table");
}

Test(dp_tunnel, reverse_tunnel_to_another_mn_is_tunnelled_again)
{
	uint32_t other = dp_ip("10.1.0.12"), other_coa = dp_ip("198.51.100.1");

	cr_assert_eq(mipha_binding_install(dp.bt, other, other_coa, mip_ntp_sec(now) + 100, 0, 0,
					   NULL), 0);
	run1(reverse_to(coa, home, other, 64));
	struct rte_mbuf *m = take(DP_PORT_UP);
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *o = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_ipv4_hdr *in = o + 1;

	cr_assert(rte_is_same_ether_addr(&eth->dst_addr, &dp_mac_gw_up));
	cr_assert_eq(m->data_len, 14 + 20 + 20 + 32);
	cr_assert_eq(o->next_proto_id, IPPROTO_IPIP);
	cr_assert_eq(o->src_addr, ha);
	cr_assert_eq(o->dst_addr, other_coa);
	cr_assert_eq(rte_raw_cksum(o, 20), 0xffff);
	cr_assert_eq(in->src_addr, home);
	cr_assert_eq(in->dst_addr, other);
	cr_assert_eq(in->time_to_live, 63, "aged once by this HA");
	cr_assert_eq(rte_raw_cksum(in, 20), 0xffff);
	rte_pktmbuf_free(m);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DECAP], 1);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_ENCAP], 1);
	/* to a home address with no binding: a home-link host (test_dp_neigh.c), not tunnelled */
	run1(reverse_to(coa, home, dp_ip("10.1.0.13"), 64));
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_NO_BINDING], 0);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_NEIGH_UNRESOLVED], 1);
	cr_assert_eq(dp.w.tx[DP_PORT_UP].n, 0);
	cr_assert_eq(dp.w.tx[DP_PORT_HOME].n, 1, "the ARP request");
	dp_tx_clear();
	cr_assert_eq(rte_mempool_avail_count(dp.mp), 4095, "an mbuf leaked");
}

Test(dp_tunnel, reverse_tunnel_spoofing_dropped)
{
	/* inner source not a bound home address */
	run1(reverse(coa, dp_ip("10.1.0.11"), 64));
	/* outer source not the binding's care-of address */
	run1(reverse(dp_ip("192.0.2.78"), home, 64));
	/* both right but from another MN's care-of */
	cr_assert_eq(mipha_binding_install(dp.bt, dp_ip("10.1.0.12"), dp_ip("198.51.100.1"),
					   mip_ntp_sec(now) + 100, MIP_FLAG_T, 0, NULL), 0);
	run1(reverse(dp_ip("198.51.100.1"), home, 64));
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_SPOOFED], 3);
	/* binding without reverse tunnelling */
	mipha_binding_refresh(bnd, coa, mip_ntp_sec(now) + 100, 0);
	run1(reverse(coa, home, 64));
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_NO_REVERSE_TUNNEL], 1);
	mipha_binding_refresh(bnd, coa, mip_ntp_sec(now) + 100, MIP_FLAG_T);
	/* TTL exhausted */
	run1(reverse(coa, home, 1));
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_TTL], 1);
	/* inner header corrupt */
	struct rte_mbuf *m = reverse(coa, home, 64);

	rte_pktmbuf_mtod_offset(m, uint8_t *, 34 + 8)[0] ^= 1; /* inner TTL: checksum now wrong */
	run1(m);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_IP_MALFORMED], 1);
	cr_assert_eq(dp.w.tx[DP_PORT_HOME].n + dp.w.tx[DP_PORT_UP].n, 0);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DECAP], 0);
}

static struct rte_mbuf *arp_request(uint16_t port, uint32_t sip, uint32_t tip, uint16_t op)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.mp);
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;

	cr_assert_not_null(m);
	char *p = rte_pktmbuf_append(m, 60); /* padded minimum frame */

	cr_assert_not_null(p);
	memset(p, 0, 60);
	eth = (struct rte_ether_hdr *)p;
	memset(&eth->dst_addr, 0xff, 6);
	eth->src_addr = dp_mac_peer;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	arp = (struct rte_arp_hdr *)(eth + 1);
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = 6;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(op);
	arp->arp_data.arp_sha = dp_mac_peer;
	arp->arp_data.arp_sip = sip;
	arp->arp_data.arp_tip = tip;
	m->port = port;
	return m;
}

static void check_arp_reply(struct rte_mbuf *m, const struct rte_ether_addr *mac, uint32_t ip,
			    uint32_t asker)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);

	cr_assert(rte_is_same_ether_addr(&eth->dst_addr, &dp_mac_peer));
	cr_assert(rte_is_same_ether_addr(&eth->src_addr, mac));
	cr_assert_eq(arp->arp_opcode, rte_cpu_to_be_16(RTE_ARP_OP_REPLY));
	cr_assert(rte_is_same_ether_addr(&arp->arp_data.arp_sha, mac));
	cr_assert_eq(arp->arp_data.arp_sip, ip);
	cr_assert(rte_is_same_ether_addr(&arp->arp_data.arp_tha, &dp_mac_peer));
	cr_assert_eq(arp->arp_data.arp_tip, asker);
	rte_pktmbuf_free(m);
}

Test(dp_tunnel, arp_and_proxy_arp)
{
	uint32_t asker = dp_ip("10.1.0.50");

	/* for an HA address, on either port */
	run1(arp_request(DP_PORT_HOME, asker, ha, RTE_ARP_OP_REQUEST));
	check_arp_reply(take(DP_PORT_HOME), &dp_mac_home, ha, asker);
	run1(arp_request(DP_PORT_UP, coa, dp_ip("10.1.0.2"), RTE_ARP_OP_REQUEST));
	check_arp_reply(take(DP_PORT_UP), &dp_mac_up, dp_ip("10.1.0.2"), coa);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_ARP_REPLY], 2);
	/* proxy for the away MN's home address, on the home link only */
	run1(arp_request(DP_PORT_HOME, asker, home, RTE_ARP_OP_REQUEST));
	check_arp_reply(take(DP_PORT_HOME), &dp_mac_home, home, asker);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_ARP_PROXY], 1);
	run1(arp_request(DP_PORT_UP, asker, home, RTE_ARP_OP_REQUEST));
	/* not for a home address without a binding, nor an MN at home, nor an expired one */
	run1(arp_request(DP_PORT_HOME, asker, dp_ip("10.1.0.11"), RTE_ARP_OP_REQUEST));
	mipha_binding_refresh(bnd, home, mip_ntp_sec(now) + 100, 0);
	run1(arp_request(DP_PORT_HOME, asker, home, RTE_ARP_OP_REQUEST));
	mipha_binding_refresh(bnd, coa, mip_ntp_sec(now) - 1, 0);
	run1(arp_request(DP_PORT_HOME, asker, home, RTE_ARP_OP_REQUEST));
	/* replies, probes (sender = target) and other hosts are not answered */
	run1(arp_request(DP_PORT_HOME, asker, ha, RTE_ARP_OP_REPLY));
	run1(arp_request(DP_PORT_HOME, ha, ha, RTE_ARP_OP_REQUEST));
	run1(arp_request(DP_PORT_HOME, asker, dp_ip("192.168.7.7"), RTE_ARP_OP_REQUEST));
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_ARP_IGNORED], 7);
	/* malformed: IPv6 protocol, short */
	struct rte_mbuf *m = arp_request(DP_PORT_HOME, asker, ha, RTE_ARP_OP_REQUEST);

	rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, 14)->arp_plen = 16;
	run1(m);
	m = arp_request(DP_PORT_HOME, asker, ha, RTE_ARP_OP_REQUEST);
	rte_pktmbuf_trim(m, 60 - 30);
	run1(m);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_ARP_MALFORMED], 2);
	cr_assert_eq(dp.w.tx[DP_PORT_HOME].n + dp.w.tx[DP_PORT_UP].n, 0);
}

Test(dp_tunnel, gratuitous_arp)
{
	struct rte_mbuf *m = mipha_arp_gratuitous(dp.mp, &dp_mac_home, home);
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;
	static const struct rte_ether_addr bcast = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };

	cr_assert_not_null(m);
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	arp = (struct rte_arp_hdr *)(eth + 1);
	cr_assert_eq(m->data_len, 14 + 28);
	cr_assert(rte_is_same_ether_addr(&eth->dst_addr, &bcast));
	cr_assert(rte_is_same_ether_addr(&eth->src_addr, &dp_mac_home));
	cr_assert_eq(eth->ether_type, rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP));
	cr_assert_eq(arp->arp_hardware, rte_cpu_to_be_16(1));
	cr_assert_eq(arp->arp_protocol, rte_cpu_to_be_16(0x0800));
	cr_assert_eq(arp->arp_opcode, rte_cpu_to_be_16(RTE_ARP_OP_REPLY));
	cr_assert(rte_is_same_ether_addr(&arp->arp_data.arp_sha, &dp_mac_home));
	cr_assert(rte_is_same_ether_addr(&arp->arp_data.arp_tha, &dp_mac_home));
	cr_assert_eq(arp->arp_data.arp_sip, home);
	cr_assert_eq(arp->arp_data.arp_tip, home);
	rte_pktmbuf_free(m);
}

Test(dp_tunnel, classify_mixed_burst)
{
	uint8_t payload[64] = { 0 };
	struct rte_mbuf *b[12];
	uint16_t k = 0;

	b[k++] = arp_request(DP_PORT_HOME, dp_ip("10.1.0.50"), ha, RTE_ARP_OP_REQUEST);
	b[k++] = dp_frame_ip(DP_PORT_UP, IPPROTO_UDP, cn, home, payload, 64, 0, 64, true);
	b[k++] = reverse(coa, home, 64);
	b[k++] = dp_frame_udp(DP_PORT_UP, coa, ha, 434, 434, payload, 10); /* short RRQ */
	b[k++] = dp_frame_udp(DP_PORT_UP, cn, ha, 1000, 53, payload, 20);   /* not 434 */
	b[k++] = dp_frame_ip(DP_PORT_UP, IPPROTO_TCP, cn, dp_ip("8.8.8.8"), payload, 20, 0, 64, true);
	struct rte_mbuf *m = dp_frame_ip(DP_PORT_UP, IPPROTO_UDP, cn, home, payload, 64, 0, 64, true);

	rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14)->hdr_checksum ^= 1;
	b[k++] = m;
	m = dp_frame_ip(DP_PORT_UP, IPPROTO_UDP, cn, home, payload, 64, 0, 64, true);
	rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type =
		rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	b[k++] = m;
	m = dp_frame_ip(DP_PORT_UP, IPPROTO_UDP, cn, home, payload, 64, 0, 64, true);
	rte_pktmbuf_trim(m, m->data_len - 10); /* shorter than Ethernet */
	b[k++] = m;
	m = dp_frame_ip(DP_PORT_UP, IPPROTO_UDP, cn, home, payload, 64, 0, 64, true);
	struct rte_mbuf *seg = rte_pktmbuf_alloc(dp.mp);

	rte_pktmbuf_append(seg, 10);
	cr_assert_eq(rte_pktmbuf_chain(m, seg), 0);
	b[k++] = m;
	/* Ethernet padding after a short IPv4 packet is trimmed, not refused */
	m = dp_frame_ip(DP_PORT_UP, IPPROTO_UDP, cn, home, payload, 4, 0, 64, true);
	rte_pktmbuf_append(m, 60 - m->data_len);
	b[k++] = m;

	run(b, k);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_RX], k);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_CLS_ARP], 1);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_CLS_ENCAP], 2);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_CLS_DECAP], 1);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_CLS_REG], 1);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_NOT_FOR_US], 2);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_IP_MALFORMED], 1);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_NOT_IPV4], 2);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_MULTISEG], 1);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_REG_MALFORMED], 1);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_ENCAP], 2);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DECAP], 1);
	cr_assert_eq(dp.w.tx[DP_PORT_UP].n, 2);
	cr_assert_eq(dp.w.tx[DP_PORT_UP].m[1]->data_len, 14 + 20 + 20 + 4, "padding trimmed");
	cr_assert_eq(dp.w.tx[DP_PORT_HOME].n, 2); /* ARP reply, decapsulated */
	dp_tx_clear();
	cr_assert_eq(rte_mempool_avail_count(dp.mp), 4095, "an mbuf leaked");
}

/*
 * The dataplane's own checksum (8 bytes a step) against DPDK's rte_raw_cksum
 * and rte_ipv4_udptcp_cksum(_verify): every length 0..300 at every alignment
 * 0..7 on random bytes, plus all-zero and all-0xff buffers (the two
 * representations of zero), and a bit flip caught by the verify.
 */
Test(dp_tunnel, checksum_matches_dpdk)
{
	static uint8_t buf[512] __attribute__((aligned(64)));
	uint64_t seed = 0x9e3779b97f4a7c15ull;

	for (int fill = 0; fill < 3; fill++) {
		for (size_t i = 0; i < sizeof(buf); i++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			buf[i] = fill == 0 ? (uint8_t)(seed >> 56) : fill == 1 ? 0 : 0xff;
		}
		for (size_t off = 0; off < 8; off++)
			for (size_t len = 0; len <= 300; len++)
				for (uint32_t init = 0; init < 0x30000; init += 0x17fff)
					cr_assert_eq(mipha_raw_cksum(buf + off, len, init),
						     __rte_raw_cksum_reduce(
							     __rte_raw_cksum(buf + off, len, init)),
						     "fill %d off %zu len %zu init %u", fill, off, len, init);
	}

	/* UDP over IPv4: sent checksum and verify, as DPDK's */
	for (uint16_t plen = 0; plen < 120; plen++) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(void *)(buf + 2);
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

		memset(ip, 0, sizeof(*ip));
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + sizeof(*udp) + plen));
		ip->next_proto_id = IPPROTO_UDP;
		ip->src_addr = rte_cpu_to_be_32(0x0a000001u + plen);
		ip->dst_addr = rte_cpu_to_be_32(0xc0000201u * plen);
		cr_assert_eq(mipha_ipv4_hdr_cksum(ip), rte_ipv4_cksum(ip), "plen %u", plen);
		udp->src_port = rte_cpu_to_be_16(434);
		udp->dst_port = rte_cpu_to_be_16((uint16_t)(1000 + plen));
		udp->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*udp) + plen));
		udp->dgram_cksum = 0;
		uint16_t ours = mipha_ipv4_udp_cksum(ip, udp);

		cr_assert_eq(ours, rte_ipv4_udptcp_cksum(ip, udp), "plen %u", plen);
		udp->dgram_cksum = ours;
		cr_assert(mipha_ipv4_l4_cksum_ok(ip, udp), "plen %u", plen);
		cr_assert_eq(rte_ipv4_udptcp_cksum_verify(ip, udp), 0, "plen %u", plen);
		if (plen != 0) {
			((uint8_t *)(udp + 1))[plen - 1] ^= 0x01;
			cr_assert(!mipha_ipv4_l4_cksum_ok(ip, udp), "plen %u flip", plen);
			((uint8_t *)(udp + 1))[plen - 1] ^= 0x01;
		}
	}
}
