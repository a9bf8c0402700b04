/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker loop on a second lcore over two net_ring ports set up with
 * mipha_port_init: a re-registration answered through the NIC path, data
 * tunnelled to the care-of address it installed, idle sleeping, and RCU
 * reclamation progressing while the loop runs (it reports quiescent state).
 * Every wait is bounded.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <unistd.h>

#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_ring.h>

#include "mip.h"

#include "dp_test.h"
#include "port.h"

static struct rte_ring *rx_ring[2], *tx_ring[2];

static void setup(void)
{
	static const char *const names[2] = { "loop_home", "loop_up" };
	struct mipha_port_info info;

	dp_lcores = "0-1";
	dp_setup("dp_loop");
	for (int p = 0; p < 2; p++) {
		char n[32];

		snprintf(n, sizeof(n), "%s_rx", names[p]);
		rx_ring[p] = rte_ring_create(n, 256, SOCKET_ID_ANY, 0);
		snprintf(n, sizeof(n), "%s_tx", names[p]);
		tx_ring[p] = rte_ring_create(n, 256, SOCKET_ID_ANY, 0);
		cr_assert(rx_ring[p] != NULL && tx_ring[p] != NULL);
		cr_assert_eq(rte_eth_from_rings(names[p], &rx_ring[p], 1, &tx_ring[p], 1, 0), p);
		struct mipha_port_conf pc = { .nb_rxq = 1, .nb_txq = 1, .nb_rxd = 256, .nb_txd = 256,
					      .mp = dp.mp, .socket = SOCKET_ID_ANY };

		cr_assert_eq(mipha_port_init((uint16_t)p, &pc, &info), 0);
		/* ring ports have no checksum offload: the worker does them in software */
		cr_assert(!info.ipv4_cksum_offload);
		cr_assert_str_eq(info.driver, "net_ring");
	}
	dp.conf.idle_sleep_us = 100;
	dp.conf.idle_polls = 8;
}

static void teardown(void)
{
	struct rte_mbuf *m;

	/* a test that failed half-way left the worker loop running: stop it first */
	dp.quit = true;
	rte_eal_wait_lcore(1);
	for (int p = 0; p < 2; p++) {
		mipha_port_fini((uint16_t)p);
		while (rte_ring_dequeue(tx_ring[p], (void **)&m) == 0)
			rte_pktmbuf_free(m);
	}
	dp_teardown();
}

TestSuite(dp_loop, .init = setup, .fini = teardown);

/* The next frame the worker sent on port, waiting at most 2 s. */
static struct rte_mbuf *wait_tx(int port)
{
	struct rte_mbuf *m;

	for (int i = 0; i < 2000; i++) {
		if (rte_ring_dequeue(tx_ring[port], (void **)&m) == 0)
			return m;
		usleep(1000);
	}
	cr_assert_fail("nothing transmitted on port %d within 2 s", port);
	return NULL;
}

Test(dp_loop, worker_loop_end_to_end)
{
	uint8_t rrq[512], want[512], k[16];
	size_t n = dp_vec_hex("rereg", "rrq", rrq, sizeof(rrq));
	size_t wn = dp_vec_hex("rereg", "rrp", want, sizeof(want));
	uint32_t home = dp_ip(dp_vec_str("inputs", "home_address"));
	uint32_t ha = dp_ip(dp_vec_str("inputs", "home_agent"));
	uint32_t coa1 = dp_ip(dp_vec_str("rereg", "care_of"));
	struct mip_key skey, skey2;
	uint64_t ident0;

	cr_assert_eq(dp_vec_hex("skey", NULL, k, 16), 16);
	memcpy(skey.b, k, 16);
	cr_assert_eq(dp_vec_hex("skey2", NULL, k, 16), 16);
	memcpy(skey2.b, k, 16);
	struct mipha_sa *sa = dp_dynamic_sa(home, 4097, &skey, 4098, &skey2);

	cr_assert_eq(mip_ident_from_hex(dp_vec_str("inputs", "identification"), &ident0), 0);
	cr_assert(mipha_sa_replay_advance(sa, 0, ident0));
	cr_assert_eq(mipha_binding_install(dp.bt, home, dp_ip("192.0.2.77"),
					   mip_ntp_sec(ident0) + 1800, 0, 0, NULL), 0);
	cr_assert_eq(mip_ident_from_hex(dp_vec_str("rereg", "identification"),
					&dp.conf.clock.fixed_ntp), 0);

	dp.quit = false;
	cr_assert_eq(rte_eal_remote_launch(mipha_worker_loop, &dp.w, 1), 0);

	/* a re-registration in on the uplink, its reply out on the uplink */
	struct rte_mbuf *m = dp_frame_rrq(coa1, ha, 434, rrq, (uint16_t)n);

	/*
	 * net_ring hands over the mbuf as it is: a port stamped by whoever used
	 * it before. The worker must take the rx port from where it polled, or
	 * the reply leaves by the wrong port (a bug once, seen only on net_ring).
	 */
	m->port = DP_PORT_HOME;
	cr_assert_eq(rte_ring_enqueue(rx_ring[DP_PORT_UP], m), 0);
	m = wait_tx(DP_PORT_UP);
	cr_assert_eq(rte_ring_count(tx_ring[DP_PORT_HOME]), 0, "reply sent on the wrong port");
	uint16_t len;
	const uint8_t *p = dp_reply_payload(m, &len);

	cr_assert_eq(len, wn);
	cr_assert_arr_eq(p, want, wn);
	rte_pktmbuf_free(m);

	/* data to the home address from the home link: tunnelled to the new care-of */
	uint8_t payload[32] = { 1, 2, 3 };

	m = dp_frame_ip(DP_PORT_HOME, IPPROTO_UDP, dp_ip("10.1.0.99"), home, payload, 32, 0, 64,
			true);
	cr_assert_eq(rte_ring_enqueue(rx_ring[DP_PORT_HOME], m), 0);
	m = wait_tx(DP_PORT_UP);
	struct rte_ipv4_hdr *o = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);

	cr_assert_eq(o->next_proto_id, IPPROTO_IPIP);
	cr_assert_eq(o->dst_addr, coa1);
	rte_pktmbuf_free(m);

	/* control removes the SA while the loop runs: reclaimed once the worker reports */
	cr_assert_eq(mipha_sa_remove(dp.st, sa), 0);
	unsigned int freed = 0;

	for (int i = 0; i < 2000 && freed == 0; i++) {
		freed = mipha_sa_table_reclaim(dp.st);
		if (freed == 0)
			usleep(1000);
	}
	cr_assert_eq(freed, 1, "SA never reclaimed: the worker does not report quiescent state");
	static const uint8_t zero[sizeof(struct mipha_sa)];

	cr_assert_arr_eq(sa, zero, sizeof(*sa));

	usleep(20000);
	dp.quit = true;
	cr_assert_eq(rte_eal_wait_lcore(1), 0);
	cr_assert_gt(dp.w.cnt.v[MIPHA_CNT_IDLE_SLEEPS], 0);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_RX], 2);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_TX], 2);
}

/* ---- two workers racing on the same MNs' RRQs ---- */

#define RACE_MN 64

static struct mipha_worker w2;
static struct rte_mbuf *race_pkts[2][RACE_MN];

static int race_second_worker(void *arg)
{
	(void)arg;
	for (int off = 0; off < RACE_MN; off += MIPHA_BURST) {
		mipha_worker_process(&w2, race_pkts[1] + off, MIPHA_BURST);
		mipha_worker_quiescent(&w2);
	}
	return 0;
}

Test(dp_loop, two_workers_one_acceptance_per_identification)
{
	struct mip_key k;
	uint32_t ha = dp_ip("10.1.0.1"), coa = dp_ip("192.0.2.77");
	uint64_t now = dp.conf.clock.fixed_ntp;
	uint8_t rrq[128];

	memset(k.b, 0x3c, 16);
	for (int i = 0; i < RACE_MN; i++) {
		uint32_t home = rte_cpu_to_be_32(rte_be_to_cpu_32(dp_ip("10.1.0.100")) + i);
		struct mip_builder b;

		dp_static_sa(home, 300, MIP_ALG_HMAC_MD5, &k);
		cr_assert_eq(mipha_binding_install(dp.bt, home, coa, mip_ntp_sec(now) + 10, 0, 0, NULL), 0);
		mip_builder_init(&b, rrq, sizeof(rrq));
		mip_put_rrq_hdr(&b, 0, 600, home, ha, coa, now + 1);
		size_t off = mip_put_auth(&b, MIP_EXT_MHAE, 300, 16);

		cr_assert_eq(b.err, 0);
		cr_assert_eq(mip_auth_sign(rrq, off, MIP_ALG_HMAC_MD5, &k), 0);
		/* the same RRQ reaches both workers (say, RSS changed under a retransmission) */
		race_pkts[0][i] = dp_frame_rrq(coa, ha, 434, rrq, (uint16_t)b.len);
		race_pkts[1][i] = dp_frame_rrq(coa, ha, 434, rrq, (uint16_t)b.len);
	}
	struct mipha_worker_params p = dp.w.p;

	p.id = 1;
	cr_assert_eq(mipha_worker_init(&w2, &p), 0);
	mipha_worker_online(&w2);
	cr_assert_eq(rte_eal_remote_launch(race_second_worker, NULL, 1), 0);
	for (int off = 0; off < RACE_MN; off += MIPHA_BURST) {
		mipha_worker_process(&dp.w, race_pkts[0] + off, MIPHA_BURST);
		mipha_worker_quiescent(&dp.w);
	}
	cr_assert_eq(rte_eal_wait_lcore(1), 0);

	/* each Identification accepted exactly once; the loser answered (copy or 133), never both 0 */
	uint64_t acc = dp.w.cnt.v[MIPHA_CNT_REG_ACCEPTED] + w2.cnt.v[MIPHA_CNT_REG_ACCEPTED];
	uint64_t other = dp.w.cnt.v[MIPHA_CNT_REG_DUPLICATE] + w2.cnt.v[MIPHA_CNT_REG_DUPLICATE] +
			 dp.w.cnt.v[MIPHA_CNT_REG_REPLAY_133] + w2.cnt.v[MIPHA_CNT_REG_REPLAY_133];

	cr_assert_eq(acc, RACE_MN, "accepted %lu", (unsigned long)acc);
	cr_assert_eq(other, RACE_MN);
	cr_assert_eq(dp.w.tx[DP_PORT_UP].n + w2.tx[DP_PORT_UP].n, 2 * RACE_MN);
	for (int i = 0; i < RACE_MN; i++) {
		uint32_t home = rte_cpu_to_be_32(rte_be_to_cpu_32(dp_ip("10.1.0.100")) + i);
		struct mipha_sa *sa = mipha_sa_lookup(dp.st, home, 300);

		cr_assert_eq(mipha_sa_last_ident(sa), now + 1);
		cr_assert_eq(mipha_binding_expiry(mipha_binding_load(mipha_binding_lookup(dp.bt, home))),
			     mip_ntp_sec(now) + 600);
	}
	mipha_worker_fini(&w2);
}
