/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reverse-tunnelled packets for the home prefix (RFC 3024): re-tunnelled to
 * a bound MN, delivered on the home link to a host whose MAC was learned from
 * its ARP, or, for a host not known yet, dropped while an ARP request asks
 * for it. The neighbour cache's learning rules and expiry.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include <rte_arp.h>

#include "mip.h"

#include "dp_test.h"
#include "nbr.h"

static uint32_t home, ha, coa, host;
static uint64_t now;
static const struct rte_ether_addr host_mac = { { 0x02, 0, 0, 0, 0x03, 0x64 } };
static const struct rte_ether_addr host_mac2 = { { 0x02, 0, 0, 0, 0x03, 0x65 } };

static void setup(void)
{
	dp_setup("dp_neigh");
	home = dp_ip("10.1.0.10");
	ha = dp_ip("10.1.0.1");
	coa = dp_ip("192.0.2.77");
	host = dp_ip("10.1.0.254");
	now = dp.conf.clock.fixed_ntp;
	cr_assert_eq(mipha_binding_install(dp.bt, home, coa, mip_ntp_sec(now) + 100, MIP_FLAG_T, 0,
					   NULL), 0);
}

static void teardown(void)
{
	dp_tx_clear();
	cr_assert_eq(rte_mempool_avail_count(dp.mp), 4095, "an mbuf leaked");
	dp_teardown();
}

TestSuite(dp_neigh, .init = setup, .fini = teardown);

static void run1(struct rte_mbuf *m)
{
	mipha_worker_process(&dp.w, &m, 1);
}

static struct rte_mbuf *take(uint16_t port)
{
	cr_assert_eq(dp.w.tx[port].n, 1, "port %u: %u frames", port, dp.w.tx[port].n);
	dp.w.tx[port].n = 0;
	return dp.w.tx[port].m[0];
}

/* IP-in-IP from coa to the HA carrying home -> dst (UDP, 32 payload bytes). */
static struct rte_mbuf *reverse_to(uint32_t dst)
{
	uint8_t inner[20 + 32];
	struct rte_ipv4_hdr *in = (struct rte_ipv4_hdr *)inner;

	memset(inner, 0, sizeof(inner));
	in->version_ihl = 0x45;
	in->total_length = rte_cpu_to_be_16(sizeof(inner));
	in->time_to_live = 64;
	in->next_proto_id = IPPROTO_UDP;
	in->src_addr = home;
	in->dst_addr = dst;
	in->hdr_checksum = rte_ipv4_cksum(in);
	for (int i = 0; i < 32; i++)
		inner[20 + i] = (uint8_t)(0x50 + i);
	return dp_frame_ip(DP_PORT_UP, IPPROTO_IPIP, coa, ha, inner, sizeof(inner), 0, 64, false);
}

/* An ARP frame from sha/sip on port. */
static struct rte_mbuf *arp_from(uint16_t port, const struct rte_ether_addr *sha, uint32_t sip,
				 uint32_t tip, uint16_t op)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.mp);
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;

	cr_assert_not_null(m);
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, 14 + sizeof(*arp));
	if (eth == NULL) {
		cr_assert_fail("no room for an ARP frame");
		abort();
	}
	memset(eth, 0, 14 + sizeof(*arp));
	memset(&eth->dst_addr, 0xff, 6);
	eth->src_addr = *sha;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	arp = (struct rte_arp_hdr *)(eth + 1);
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = 6;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(op);
	arp->arp_data.arp_sha = *sha;
	arp->arp_data.arp_sip = sip;
	arp->arp_data.arp_tip = tip;
	m->port = port;
	return m;
}

/* The decapsulated frame to dst_mac: MACs, TTL, checksum, payload. */
static void check_delivered(struct rte_mbuf *m, const struct rte_ether_addr *dst_mac, uint32_t dst)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *in = (struct rte_ipv4_hdr *)(eth + 1);

	cr_assert(rte_is_same_ether_addr(&eth->dst_addr, dst_mac));
	cr_assert(rte_is_same_ether_addr(&eth->src_addr, &dp_mac_home));
	cr_assert_eq(eth->ether_type, rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4));
	cr_assert_eq(m->data_len, 14 + 20 + 32);
	cr_assert_eq(in->src_addr, home);
	cr_assert_eq(in->dst_addr, dst);
	cr_assert_eq(in->time_to_live, 63);
	cr_assert_eq(rte_raw_cksum(in, 20), 0xffff, "header checksum");
	for (int i = 0; i < 32; i++)
		cr_assert_eq(((uint8_t *)(in + 1))[i], 0x50 + i);
	rte_pktmbuf_free(m);
}

Test(dp_neigh, to_a_bound_mn_is_tunnelled_again)
{
	uint32_t other = dp_ip("10.1.0.12"), other_coa = dp_ip("198.51.100.1");

	cr_assert_eq(mipha_binding_install(dp.bt, other, other_coa, mip_ntp_sec(now) + 100, 0, 0,
					   NULL), 0);
	run1(reverse_to(other));
	struct rte_mbuf *m = take(DP_PORT_UP);
	struct rte_ipv4_hdr *o = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);

	cr_assert_eq(o->next_proto_id, IPPROTO_IPIP);
	cr_assert_eq(o->dst_addr, other_coa);
	cr_assert_eq(o[1].dst_addr, other);
	cr_assert_eq(rte_raw_cksum(o, 20), 0xffff);
	rte_pktmbuf_free(m);
	cr_assert_eq(dp.w.tx[DP_PORT_HOME].n, 0);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DECAP], 1);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_ENCAP], 1);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_NEIGH_UNRESOLVED], 0);
}

Test(dp_neigh, to_a_learned_home_link_host_is_delivered)
{
	/* the host asks for the MN's home address (proxy ARP): learned on the way */
	run1(arp_from(DP_PORT_HOME, &host_mac, host, home, RTE_ARP_OP_REQUEST));
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_ARP_LEARNED], 1);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_ARP_PROXY], 1);
	dp_tx_clear();

	run1(reverse_to(host));
	check_delivered(take(DP_PORT_HOME), &host_mac, host);
	cr_assert_eq(dp.w.tx[DP_PORT_UP].n, 0);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DECAP], 1);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_NO_BINDING], 0);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_NEIGH_UNRESOLVED], 0);
}

Test(dp_neigh, to_an_unknown_host_asks_arp_and_counts_the_drop)
{
	run1(reverse_to(host));
	struct rte_mbuf *m = take(DP_PORT_HOME);
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(eth + 1);
	static const struct rte_ether_addr zero;

	cr_assert_eq(m->data_len, 14 + 28);
	cr_assert(rte_is_broadcast_ether_addr(&eth->dst_addr));
	cr_assert(rte_is_same_ether_addr(&eth->src_addr, &dp_mac_home));
	cr_assert_eq(eth->ether_type, rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP));
	cr_assert_eq(arp->arp_hardware, rte_cpu_to_be_16(RTE_ARP_HRD_ETHER));
	cr_assert_eq(arp->arp_protocol, rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4));
	cr_assert_eq(arp->arp_hlen, 6);
	cr_assert_eq(arp->arp_plen, 4);
	cr_assert_eq(arp->arp_opcode, rte_cpu_to_be_16(RTE_ARP_OP_REQUEST));
	cr_assert(rte_is_same_ether_addr(&arp->arp_data.arp_sha, &dp_mac_home));
	cr_assert_eq(arp->arp_data.arp_sip, ha, "asked from the HA address");
	cr_assert(rte_is_same_ether_addr(&arp->arp_data.arp_tha, &zero));
	cr_assert_eq(arp->arp_data.arp_tip, host);
	rte_pktmbuf_free(m);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_NEIGH_UNRESOLVED], 1);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_ARP_REQUEST], 1);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DECAP], 0);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_NO_BINDING], 0);

	/* the same second: dropped again, no second request */
	run1(reverse_to(host));
	cr_assert_eq(dp.w.tx[DP_PORT_HOME].n, 0);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_NEIGH_UNRESOLVED], 2);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_ARP_REQUEST], 1);

	/* the host's reply (to the HA) is learned; the next packet goes through */
	run1(arp_from(DP_PORT_HOME, &host_mac, host, ha, RTE_ARP_OP_REPLY));
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_ARP_LEARNED], 1);
	cr_assert_eq(dp.w.tx[DP_PORT_HOME].n, 0, "a reply is not answered");
	run1(reverse_to(host));
	check_delivered(take(DP_PORT_HOME), &host_mac, host);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DECAP], 1);
}

Test(dp_neigh, to_the_home_gateway_or_outside_uses_next_hop)
{
	dp.conf.port[DP_PORT_HOME].gateway = host;
	run1(reverse_to(host));
	check_delivered(take(DP_PORT_HOME), &dp_mac_gw_home, host);
	run1(reverse_to(dp_ip("203.0.113.5")));
	check_delivered(take(DP_PORT_HOME), &dp_mac_gw_home, dp_ip("203.0.113.5"));
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_NEIGH_UNRESOLVED], 0);
}

Test(dp_neigh, learning_rules)
{
	uint32_t sec = mip_ntp_sec(now);

	/* not learned: outside the prefix, an HA address, our own MAC, the uplink, 0.0.0.0 */
	run1(arp_from(DP_PORT_HOME, &host_mac, dp_ip("10.2.0.5"), ha, RTE_ARP_OP_REQUEST));
	run1(arp_from(DP_PORT_HOME, &host_mac, dp_ip("10.1.0.2"), ha, RTE_ARP_OP_REQUEST));
	run1(arp_from(DP_PORT_HOME, &dp_mac_home, host, ha, RTE_ARP_OP_REQUEST));
	run1(arp_from(DP_PORT_UP, &host_mac, host, dp_ip("10.1.0.1"), RTE_ARP_OP_REQUEST));
	run1(arp_from(DP_PORT_HOME, &host_mac, 0, host, RTE_ARP_OP_REQUEST));
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_ARP_LEARNED], 0);
	cr_assert_null(mipha_nbr_lookup(&dp.w.nbr, host, sec));
	dp_tx_clear();

	/* an announcement (sender = target) is learned, and later ARP replaces it */
	run1(arp_from(DP_PORT_HOME, &host_mac, host, host, RTE_ARP_OP_REQUEST));
	cr_assert(rte_is_same_ether_addr(mipha_nbr_lookup(&dp.w.nbr, host, sec), &host_mac));
	run1(arp_from(DP_PORT_HOME, &host_mac2, host, dp_ip("10.1.0.77"), RTE_ARP_OP_REQUEST));
	cr_assert(rte_is_same_ether_addr(mipha_nbr_lookup(&dp.w.nbr, host, sec), &host_mac2));
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_ARP_LEARNED], 2);
	cr_assert_eq(dp.w.tx[DP_PORT_HOME].n, 0, "neither is answered");

	/* too old: not used, asked for again */
	cr_assert_not_null(mipha_nbr_lookup(&dp.w.nbr, host, sec + MIPHA_NBR_TTL));
	cr_assert_null(mipha_nbr_lookup(&dp.w.nbr, host, sec + MIPHA_NBR_TTL + 1));
	cr_assert_null(mipha_nbr_lookup(&dp.w.nbr, 0, sec));
}

Test(dp_neigh, cache_collisions_and_request_pacing)
{
	struct mipha_nbr *n = &dp.w.nbr;
	unsigned int found = 0;

	/* 512 hosts in a 256-entry cache: each lookup is right or NULL, never another's MAC */
	for (uint32_t i = 1; i <= 512; i++) {
		struct rte_ether_addr mac = { { 0x02, 0, 0, 0, (uint8_t)(i >> 8), (uint8_t)i } };

		mipha_nbr_learn(n, rte_cpu_to_be_32(0x0a010000 + i), &mac, 5);
	}
	for (uint32_t i = 1; i <= 512; i++) {
		const struct rte_ether_addr *mac =
			mipha_nbr_lookup(n, rte_cpu_to_be_32(0x0a010000 + i), 5);

		if (mac == NULL)
			continue;
		found++;
		cr_assert_eq(mac->addr_bytes[4], (uint8_t)(i >> 8));
		cr_assert_eq(mac->addr_bytes[5], (uint8_t)i);
	}
	cr_assert_gt(found, 128);
	cr_assert(mipha_nbr_request_due(n, host, 7));
	cr_assert_not(mipha_nbr_request_due(n, host, 7));
	cr_assert(mipha_nbr_request_due(n, home, 7));
	cr_assert(mipha_nbr_request_due(n, home, 8));
}
