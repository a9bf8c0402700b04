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
	bool multi_seg_tx;	 /* RTE_ETH_TX_OFFLOAD_MULTI_SEGS enabled (outer fragments need it) */
	char driver[32];
};

/* Configures and starts port. 0 or a negative errno. */
int mipha_port_init(uint16_t port, const struct mipha_port_conf *pc, struct mipha_port_info *info);
/* Stops and closes it. */
void mipha_port_fini(uint16_t port);

struct rte_eth_dev_info;
struct mipha_rxq;

/*
 * Rx queues to configure on a port: one per worker; but a virtual device's
 * queues are fixed when it is created and each receives whatever is
 * configured (net_af_packet: a socket per qpair in one PACKET_FANOUT group,
 * so frames hashed to an unconfigured queue are lost; net_pcap, net_ring: an
 * input per queue), so all of them, polled round-robin by the workers. Not
 * for a device offering more than MIPHA_PORT_MAX_RXQ (net_null: 1024), nor
 * for hardware (RSS spreads over what is configured). net_tap refuses a
 * configuration with fewer rx than tx queues (nb_txq: the workers' and the
 * control lcore's) and its kernel side spreads frames over every queue pair:
 * it gets nb_txq.
 */
uint16_t mipha_port_nb_rxq(const struct rte_eth_dev_info *di, unsigned int n_workers,
			   uint16_t nb_txq);
/*
 * The rx queues of port (nb_rxq of them) that worker `worker` of n_workers
 * polls: queue q goes to worker q % n_workers. Writes at most cap pairs to
 * out; returns how many.
 */
uint16_t mipha_port_worker_rxqs(uint16_t port, uint16_t nb_rxq, unsigned int worker,
				unsigned int n_workers, struct mipha_rxq *out, unsigned int cap);

/*
 * A packet mempool of n mbufs (data room RTE_MBUF_DEFAULT_BUF_SIZE) with a
 * per-lcore cache; NULL + rte_errno.
 */
struct rte_mempool *mipha_pktmbuf_pool(const char *name, unsigned int n, int socket);
/* A pool of n mbufs without data room, for indirect mbufs (outer fragments' payload). */
struct rte_mempool *mipha_indirect_pool(const char *name, unsigned int n, int socket);

#endif /* MIPHA_DP_PORT_H */
