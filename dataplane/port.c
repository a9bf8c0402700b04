/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "port.h"
#include "worker.h"

struct rte_mempool *mipha_pktmbuf_pool(const char *name, unsigned int n, int socket)
{
	return rte_pktmbuf_pool_create(name, n, n >= 1024 ? 256 : 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       socket);
}

struct rte_mempool *mipha_indirect_pool(const char *name, unsigned int n, int socket)
{
	return rte_pktmbuf_pool_create(name, n, n >= 1024 ? 256 : 0, 0, 0, socket);
}

int mipha_port_init(uint16_t port, const struct mipha_port_conf *pc, struct mipha_port_info *info)
{
	struct rte_eth_dev_info di;
	struct rte_eth_conf conf;
	uint16_t nb_rxd = pc->nb_rxd != 0 ? pc->nb_rxd : 1024;
	uint16_t nb_txd = pc->nb_txd != 0 ? pc->nb_txd : 1024;
	int error;

	if (!rte_eth_dev_is_valid_port(port))
		return -ENODEV;
	error = rte_eth_dev_info_get(port, &di);
	if (error != 0)
		return error;
	memset(&conf, 0, sizeof(conf));
	memset(info, 0, sizeof(*info));
	if (pc->nb_rxq > 1 && (di.flow_type_rss_offloads & RTE_ETH_RSS_IP) != 0) {
		/*
		 * spread MNs over workers by IPv4 addresses only (no ports): one
		 * MN's RRQs stay on one queue, so replay CASes rarely contend
		 */
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_IP & di.flow_type_rss_offloads;
		info->rss = true;
	}
	info->ipv4_cksum_offload = (di.tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) != 0;
	info->udp_cksum_offload = (di.tx_offload_capa & RTE_ETH_TX_OFFLOAD_UDP_CKSUM) != 0;
	/* outer fragments (encap.c) are a header mbuf chained to the payload */
	if ((di.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) != 0) {
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
		info->multi_seg_tx = true;
	}
	snprintf(info->driver, sizeof(info->driver), "%s", di.driver_name);

	error = rte_eth_dev_configure(port, pc->nb_rxq, pc->nb_txq, &conf);
	if (error != 0)
		return error;
	error = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd);
	if (error != 0)
		return error;
	for (uint16_t q = 0; q < pc->nb_rxq; q++) {
		error = rte_eth_rx_queue_setup(port, q, nb_rxd, pc->socket, NULL, pc->mp);
		if (error != 0)
			return error;
	}
	for (uint16_t q = 0; q < pc->nb_txq; q++) {
		error = rte_eth_tx_queue_setup(port, q, nb_txd, pc->socket, NULL);
		if (error != 0)
			return error;
	}
	error = rte_eth_dev_start(port);
	if (error != 0)
		return error;
	error = rte_eth_macaddr_get(port, &info->mac);
	if (error != 0)
		return error;
	return 0;
}

void mipha_port_fini(uint16_t port)
{
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
}

uint16_t mipha_port_nb_rxq(const struct rte_eth_dev_info *di, unsigned int n_workers,
			   uint16_t nb_txq)
{
	const struct rte_bus *bus = di->device != NULL ? rte_dev_bus(di->device) : NULL;

	if (di->driver_name != NULL && strcmp(di->driver_name, "net_tap") == 0)
		return RTE_MAX(nb_txq, (uint16_t)n_workers);

	if (bus != NULL && strcmp(rte_bus_name(bus), "vdev") == 0 &&
	    di->max_rx_queues > n_workers && di->max_rx_queues <= MIPHA_PORT_MAX_RXQ)
		return di->max_rx_queues;
	return (uint16_t)n_workers;
}

uint16_t mipha_port_worker_rxqs(uint16_t port, uint16_t nb_rxq, unsigned int worker,
				unsigned int n_workers, struct mipha_rxq *out, unsigned int cap)
{
	uint16_t n = 0;

	for (uint16_t q = 0; q < nb_rxq && n < cap; q++) {
		if (q % n_workers != worker)
			continue;
		out[n].port = port;
		out[n++].queue = q;
	}
	return n;
}
