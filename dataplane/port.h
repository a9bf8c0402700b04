/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK port set-up for mipha: rx/tx queues (RSS over nb_rxq when more than
 * one), start, promiscuous off, MAC read. Workers always compute IPv4 and UDP
 * checksums in software (cheap: incremental for tunnels, once per reply), so
 * virtual ports without checksum offload (net_pcap, net_ring, af_packet) work
 * unchanged; the capabilities are reported only for telemetry.
 */
#ifndef MIPHA_DP_PORT_H
#define MIPHA_DP_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mempool.h>

struct mipha_port_conf {
	uint16_t nb_rxq;	/* one per worker */
	uint16_t nb_txq;	/* one per worker, plus one for control */
	uint16_t nb_rxd;	/* 0: 1024 */
	uint16_t nb_txd;	/* 0: 1024 */
	struct rte_mempool *mp;	/* rx mbufs */
	int socket;
};

struct mipha_port_info {
	struct rte_ether_addr mac;
	bool ipv4_cksum_offload; /* tx_offload_capa has RTE_ETH_TX_OFFLOAD_IPV4_CKSUM */
	bool udp_cksum_offload;
	bool rss;		 /* RSS configured */
	char driver[32];
};

/* Configures and starts port. 0 or a negative errno. */
int mipha_port_init(uint16_t port, const struct mipha_port_conf *pc, struct mipha_port_info *info);
/* Stops and closes it. */
void mipha_port_fini(uint16_t port);

/*
 * A packet mempool of n mbufs (data room RTE_MBUF_DEFAULT_BUF_SIZE) with a
 * per-lcore cache; NULL + rte_errno.
 */
struct rte_mempool *mipha_pktmbuf_pool(const char *name, unsigned int n, int socket);

#endif /* MIPHA_DP_PORT_H */
