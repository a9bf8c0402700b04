/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control tests' harness over dp_test.h (dp_ctl.c, linked beside
 * dp_test.c): two net_ring ports, the control lcore's parameters, an [aaa]
 * section that never reaches a server.
 */
#ifndef MIPHA_DP_CTL_H
#define MIPHA_DP_CTL_H

#include "config.h"
#include "ctl.h"
#include "dp_test.h"

/*
 * For the control tests: ports DP_PORT_HOME and DP_PORT_UP as net_ring
 * devices PREFIX_home and PREFIX_up, one rx queue and two tx queues each
 * (0: the worker's, DP_CTL_TXQ: control's), started with mipha_port_init
 * (needs net_ring).
 */
#define DP_CTL_TXQ 1
void dp_ctl_ports(const char *prefix);
/* Stops them and frees what is left in their tx rings. */
void dp_ctl_ports_fini(void);
/* The next frame port sent on control's queue, or NULL. */
struct rte_mbuf *dp_ctl_sent(int port);
/* The ring behind the control lcore's tx queue on port (DP_CTL_TX_RING slots, one kept free). */
#define DP_CTL_TX_RING 256
struct rte_ring *dp_ctl_tx_ring(int port);
/* What was sent on tx queue q of port (0: the worker's), or NULL. */
struct rte_mbuf *dp_ctl_sent_q(int port, int q);

/*
 * mipha_ctl_init(ctl) over the harness: cfg, the harness's tables, ring,
 * mempool and its one worker, control on DP_CTL_TXQ. Asserts it succeeded.
 */
void dp_ctl_init(struct mipha_ctl *ctl, const struct mipha_config *cfg);

/* An [aaa] section in cfg: one UDP server 127.0.0.1:port, secret_file, short timers. */
void dp_ctl_aaa(struct mipha_config *cfg, uint16_t port, const char *secret_file);

#endif /* MIPHA_DP_CTL_H */
