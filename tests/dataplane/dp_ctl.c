/* SPDX-License-Identifier: BSD-3-Clause */
/* The control tests' harness (dp_ctl.h); links net_ring. */
#include <criterion/criterion.h>
#include <stdio.h>

#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ring.h>

#include "dp_ctl.h"
#include "port.h"

static struct rte_ring *ctl_rx[2], *ctl_tx[2][2];

void dp_ctl_ports(const char *prefix)
{
	static const char *const role[2] = { "home", "up" };
	struct mipha_port_info info;

	for (int p = 0; p < 2; p++) {
		char dev[32], n[40];

		snprintf(dev, sizeof(dev), "%s_%s", prefix, role[p]);
		snprintf(n, sizeof(n), "%s_rx", dev);
		ctl_rx[p] = rte_ring_create(n, 64, SOCKET_ID_ANY, 0);
		cr_assert_not_null(ctl_rx[p]);
		for (int q = 0; q < 2; q++) {
			snprintf(n, sizeof(n), "%s_tx%d", dev, q);
			ctl_tx[p][q] = rte_ring_create(n, DP_CTL_TX_RING, SOCKET_ID_ANY, 0);
			cr_assert_not_null(ctl_tx[p][q]);
		}
		cr_assert_eq(rte_eth_from_rings(dev, &ctl_rx[p], 1, ctl_tx[p], 2, 0), p);
		struct mipha_port_conf pc = { .nb_rxq = 1, .nb_txq = 2, .nb_rxd = 64, .nb_txd = 64,
					      .mp = dp.mp, .socket = SOCKET_ID_ANY };

		cr_assert_eq(mipha_port_init((uint16_t)p, &pc, &info), 0);
	}
}

void dp_ctl_ports_fini(void)
{
	struct rte_mbuf *m;

	for (int p = 0; p < 2; p++) {
		mipha_port_fini((uint16_t)p);
		for (int q = 0; q < 2; q++)
			while (ctl_tx[p][q] != NULL && rte_ring_dequeue(ctl_tx[p][q], (void **)&m) == 0)
				rte_pktmbuf_free(m);
	}
}

struct rte_mbuf *dp_ctl_sent(int port)
{
	struct rte_mbuf *m;

	return rte_ring_dequeue(ctl_tx[port][DP_CTL_TXQ], (void **)&m) == 0 ? m : NULL;
}

struct rte_ring *dp_ctl_tx_ring(int port)
{
	return ctl_tx[port][DP_CTL_TXQ];
}

struct rte_mbuf *dp_ctl_sent_q(int port, int q)
{
	struct rte_mbuf *m;

	return rte_ring_dequeue(ctl_tx[port][q], (void **)&m) == 0 ? m : NULL;
}

void dp_ctl_init(struct mipha_ctl *ctl, const struct mipha_config *cfg)
{
	static struct mipha_worker *workers[1];

	workers[0] = &dp.w;
	struct mipha_ctl_params p = {
		.cfg = cfg,
		.wconf = &dp.conf,
		.bindings = dp.bt,
		.sas = dp.st,
		.ring = dp.ring,
		.mp = dp.mp,
		.txq = DP_CTL_TXQ,
		.quit = &dp.quit,
		.workers = workers,
		.n_workers = 1,
	};
	cr_assert_eq(mipha_ctl_init(ctl, &p), 0);
}

void dp_ctl_aaa(struct mipha_config *cfg, uint16_t port, const char *secret_file)
{
	cfg->aaa.n_servers = 1;
	cfg->aaa.servers[0].addr = dp_ip("127.0.0.1");
	cfg->aaa.servers[0].port = port;
	snprintf(cfg->aaa.secret_file, sizeof(cfg->aaa.secret_file), "%s", secret_file);
	cfg->aaa.timeout_ms = 200;
	cfg->aaa.retries = 1;
	cfg->aaa.pending_max = 16;
	cfg->aaa.rate_nai = 1;
	cfg->aaa.burst_nai = 3;
	cfg->aaa.rate_src = 20;
	cfg->aaa.burst_src = 40;
}
