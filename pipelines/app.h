/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The whole Home Agent in one place: which lcore runs what, which queues each
 * one uses, and in which order things start and stop.
 *
 *   main lcore = [lcores] control:  mipha_ctl_loop  (ring, expiry, telemetry)
 *                                   tx queue N on every port
 *   worker i (0..N-1):              mipha_worker_loop: rx queues q with
 *                                   q % N == i and tx queue i on every port,
 *                                   all stages
 *                                   (classify -> arp | reg | encap | decap -> tx)
 *
 * Ports get N rx queues (RSS spreads MNs over workers) and N+1 tx queues. A
 * virtual device whose every rx queue receives whether configured or not
 * (net_af_packet qpairs=M: M kernel sockets in one PACKET_FANOUT group;
 * net_pcap or net_ring with M rx inputs) gets all its M rx queues when
 * M > N (up to MIPHA_PORT_MAX_RXQ), so none of what arrives is left unpolled.
 */
#ifndef MIPHA_APP_H
#define MIPHA_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "ctl.h"
#include "telemetry.h"
#include "worker.h"

struct mipha_app_port {
	uint16_t id;			/* DPDK port id */
	const struct mipha_cfg_port *cfg;
	uint16_t nb_rxq;		/* rx queues configured (mipha_port_nb_rxq) */
	uint16_t nb_txq;		/* tx queues configured ([port] tx_queues, or workers + 1) */
	rte_spinlock_t *txq_lock;	/* per tx queue when lcores share them, else NULL */
	bool started;
};

struct mipha_app {
	struct mipha_config *cfg;
	volatile bool quit;
	struct mipha_worker_conf wconf;
	unsigned int n_ports;
	struct mipha_app_port ports[MIPHA_CFG_MAX_PORTS];
	unsigned int n_workers;
	unsigned int worker_lcore[MIPHA_CFG_MAX_WORKERS];
	struct mipha_worker *workers[MIPHA_CFG_MAX_WORKERS];
	struct rte_mempool *mp;
	struct rte_mempool *mp_indirect;	/* outer fragments' payload references */
	struct rte_rcu_qsbr *qsbr;
	struct mipha_binding_table *bindings;
	struct mipha_sa_table *sas;
	struct rte_ring *ring;
	struct mipha_ctrl_bell bell;	/* wakes the sleeping control lcore */
	struct mipha_ctl ctl;
	bool ctl_ready;
	bool launched;
};

/*
 * Builds everything from cfg (ports, tables, static SAs, workers' conf; the
 * clock starts at clock_hex when not NULL). 0, or -1 with why in err. On
 * error, mipha_app_stop() still frees what was built.
 */
int mipha_app_start(struct mipha_app *app, struct mipha_config *cfg, const char *clock_hex,
		    char *err, size_t errlen);
/* Launches the workers and runs control on this (the main) lcore until app->quit. */
int mipha_app_run(struct mipha_app *app);
/* Stops the workers, frees tables (keys wiped), stops and closes ports. */
void mipha_app_stop(struct mipha_app *app);

#endif /* MIPHA_APP_H */
