/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A port with more rx queues than workers (net_af_packet qpairs=N spreads
 * frames over N sockets whether configured or not; net_ring here, which
 * allows any counts): every rx queue is configured and polled by some worker
 * (queue q by worker q % n_workers), so nothing that arrives is left behind.
 * Every wait is bounded.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <unistd.h>

#include <rte_arp.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_ring.h>

#include "dp_test.h"
#include "port.h"

#define HOME_RXQ 3

static struct rte_ring *home_rx[HOME_RXQ], *home_tx, *up_rx, *up_tx;

static struct rte_ring *ring(const char *name)
{
	struct rte_ring *r = rte_ring_create(name, 64, SOCKET_ID_ANY, 0);

	cr_assert_not_null(r, "ring %s", name);
	return r;
}

static void setup(void)
{
	char n[32];

	dp_lcores = "0-1";
	dp_setup("dp_rxq");
	for (int q = 0; q < HOME_RXQ; q++) {
		snprintf(n, sizeof(n), "rxq_home_rx%d", q);
		home_rx[q] = ring(n);
	}
	home_tx = ring("rxq_home_tx");
	up_rx = ring("rxq_up_rx");
	up_tx = ring("rxq_up_tx");
	cr_assert_eq(rte_eth_from_rings("rxq_home", home_rx, HOME_RXQ, &home_tx, 1, 0),
		     DP_PORT_HOME);
	cr_assert_eq(rte_eth_from_rings("rxq_up", &up_rx, 1, &up_tx, 1, 0), DP_PORT_UP);
	dp.conf.idle_sleep_us = 100;
	dp.conf.idle_polls = 8;
}

static void teardown(void)
{
	struct rte_mbuf *m;

	for (uint16_t p = 0; p < 2; p++)
		mipha_port_fini(p);
	while (rte_ring_dequeue(home_tx, (void **)&m) == 0)
		rte_pktmbuf_free(m);
	dp_teardown();
}

TestSuite(dp_rxq, .init = setup, .fini = teardown);

static void start(uint16_t port, uint16_t nb_rxq)
{
	struct mipha_port_conf pc = { .nb_rxq = nb_rxq, .nb_txq = 1, .nb_rxd = 64, .nb_txd = 64,
				      .mp = dp.mp, .socket = SOCKET_ID_ANY };
	struct mipha_port_info info;

	cr_assert_eq(mipha_port_init(port, &pc, &info), 0);
}

Test(dp_rxq, queue_counts_and_assignment)
{
	struct rte_eth_dev_info di;
	struct mipha_rxq q[MIPHA_MAX_RXQS];

	cr_assert_eq(rte_eth_dev_info_get(DP_PORT_HOME, &di), 0);
	cr_assert_eq(di.max_rx_queues, HOME_RXQ);
	/* a virtual device: every queue it has, at least one per worker */
	cr_assert_eq(mipha_port_nb_rxq(&di, 1, 2), HOME_RXQ);
	cr_assert_eq(mipha_port_nb_rxq(&di, 2, 3), HOME_RXQ);
	cr_assert_eq(mipha_port_nb_rxq(&di, 3, 4), HOME_RXQ);
	cr_assert_eq(mipha_port_nb_rxq(&di, 4, 5), 4, "fewer than workers: find_ports refuses it");
	di.max_rx_queues = 1024; /* as net_null says */
	cr_assert_eq(mipha_port_nb_rxq(&di, 2, 3), 2);
	/* net_tap: as many rx as tx queues (it refuses fewer), at least one per worker */
	di.driver_name = "net_tap";
	di.max_rx_queues = 16;
	cr_assert_eq(mipha_port_nb_rxq(&di, 1, 2), 2);
	cr_assert_eq(mipha_port_nb_rxq(&di, 3, 4), 4);
	cr_assert_eq(mipha_port_nb_rxq(&di, 3, 2), 3);

	/* 3 queues, 2 workers: 0 and 2 to worker 0, 1 to worker 1 */
	cr_assert_eq(mipha_port_worker_rxqs(7, 3, 0, 2, q, MIPHA_MAX_RXQS), 2);
	cr_assert(q[0].port == 7 && q[0].queue == 0 && q[1].port == 7 && q[1].queue == 2);
	cr_assert_eq(mipha_port_worker_rxqs(7, 3, 1, 2, q, MIPHA_MAX_RXQS), 1);
	cr_assert(q[0].port == 7 && q[0].queue == 1);
	/* every queue exactly once over the workers */
	for (unsigned int nw = 1; nw <= 4; nw++) {
		unsigned int seen[8] = { 0 };

		for (unsigned int w = 0; w < nw; w++) {
			uint16_t k = mipha_port_worker_rxqs(0, 8, w, nw, q, MIPHA_MAX_RXQS);

			for (uint16_t i = 0; i < k; i++)
				seen[q[i].queue]++;
		}
		for (int i = 0; i < 8; i++)
			cr_assert_eq(seen[i], 1, "%u workers: queue %d polled %u times", nw, i,
				     seen[i]);
	}
	cr_assert_eq(mipha_port_worker_rxqs(0, 8, 0, 1, q, 3), 3, "cap respected");
}

/* An ARP request for the HA address from a home-link host. */
static struct rte_mbuf *arp_for_ha(uint8_t host)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.mp);
	struct rte_ether_addr sha = { { 0x02, 0, 0, 0, 0x03, host } };
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;

	cr_assert_not_null(m);
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, 14 + sizeof(*arp));
	cr_assert_not_null(eth);
	memset(eth, 0, 14 + sizeof(*arp));
	memset(&eth->dst_addr, 0xff, 6);
	eth->src_addr = sha;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	arp = (struct rte_arp_hdr *)(eth + 1);
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = 6;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	arp->arp_data.arp_sha = sha;
	arp->arp_data.arp_sip = rte_cpu_to_be_32(0x0a010000 + host);
	arp->arp_data.arp_tip = dp_ip("10.1.0.1");
	m->port = DP_PORT_HOME; /* what a PMD sets; net_ring leaves it as enqueued */
	return m;
}

Test(dp_rxq, one_worker_polls_every_queue)
{
	struct rte_eth_dev_info di;
	struct mipha_worker_params *p = &dp.w.p;
	unsigned int got = 0, asked[HOME_RXQ] = { 0 };
	struct rte_mbuf *m;

	cr_assert_eq(rte_eth_dev_info_get(DP_PORT_HOME, &di), 0);
	start(DP_PORT_HOME, mipha_port_nb_rxq(&di, 1, 2));
	start(DP_PORT_UP, 1);
	p->nb_rxqs = mipha_port_worker_rxqs(DP_PORT_HOME, HOME_RXQ, 0, 1, p->rxqs, MIPHA_MAX_RXQS);
	p->nb_rxqs += mipha_port_worker_rxqs(DP_PORT_UP, 1, 0, 1, p->rxqs + p->nb_rxqs,
					     MIPHA_MAX_RXQS - p->nb_rxqs);
	cr_assert_eq(p->nb_rxqs, HOME_RXQ + 1);

	dp.quit = false;
	cr_assert_eq(rte_eal_remote_launch(mipha_worker_loop, &dp.w, 1), 0);
	/* one ARP request into each rx queue (as fanout would spread them) */
	for (int q = 0; q < HOME_RXQ; q++)
		cr_assert_eq(rte_ring_enqueue(home_rx[q], arp_for_ha((uint8_t)(10 + q))), 0);
	for (int i = 0; i < 2000 && got < HOME_RXQ; i++) {
		if (rte_ring_dequeue(home_tx, (void **)&m) != 0) {
			usleep(1000);
			continue;
		}
		struct rte_arp_hdr *arp = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, 14);
		uint32_t tip = rte_be_to_cpu_32(arp->arp_data.arp_tip);

		cr_assert_eq(arp->arp_opcode, rte_cpu_to_be_16(RTE_ARP_OP_REPLY));
		cr_assert(tip >= 0x0a010000 + 10 && tip < 0x0a010000 + 10 + HOME_RXQ);
		asked[tip - 0x0a010000 - 10]++;
		got++;
		rte_pktmbuf_free(m);
	}
	dp.quit = true;
	cr_assert_eq(rte_eal_wait_lcore(1), 0);
	cr_assert_eq(got, HOME_RXQ, "replies to %u of %d queues' requests", got, HOME_RXQ);
	for (int q = 0; q < HOME_RXQ; q++)
		cr_assert_eq(asked[q], 1, "queue %d", q);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_RX], HOME_RXQ);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_ARP_REPLY], HOME_RXQ);
}
