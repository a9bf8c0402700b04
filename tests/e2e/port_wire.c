/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * port_wire: a cable between DPDK ports, for the end-to-end tests. Ports
 * 2k and 2k+1 (in EAL probe order) are joined: what one receives, on any of
 * its rx queues, the other sends. The e2e topology uses it to put mipha's
 * net_memif ports on the veths of the test network (tests/e2e/topo.sh,
 * TOPO_PORTS=memif): mipha is the memif server, this process the client.
 *
 *   port_wire [EAL args] -- [--seconds N] [--rxq N]
 *
 * --seconds bounds its life (default 300); SIGINT/SIGTERM stop it earlier.
 * --rxq: rx queues to configure and poll on each port that has as many
 * (default 1; net_pcap has one). A memif
 * client gets as many server-to-client rings as it has rx queues, so give it
 * one per tx queue of the server (mipha: worker and control lcore, 2).
 * It prints "port_wire: ready" once every port is up (link up for memif,
 * i.e. connected) and, at exit, per direction: frames forwarded and frames
 * dropped (tx full). Nothing is dropped silently. Exit 0, or 1 on a set-up
 * error.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#define WIRE_MAX_PORTS 8
#define WIRE_MAX_RXQ 4
#define WIRE_BURST 32

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct wire_dir {
	uint16_t from, to;
	uint16_t nb_rxq;		/* of from */
	uint64_t fwd, dropped;
};

/* Configures port with up to want rx queues (as many as it has); 0, or a negative errno. */
static int port_setup(uint16_t port, uint16_t want, struct rte_mempool *pool, uint16_t *nb_rxq)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	uint16_t n;
	int rc;

	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_info_get(port, &info);
	n = rc == 0 ? RTE_MIN(want, info.max_rx_queues) : 0;
	*nb_rxq = n;
	if (rc == 0)
		rc = rte_eth_dev_configure(port, n, 1, &conf);
	for (uint16_t q = 0; rc == 0 && q < n; q++)
		rc = rte_eth_rx_queue_setup(port, q, 512, (unsigned int)rte_eth_dev_socket_id(port),
					    NULL, pool);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(port, 0, 512, (unsigned int)rte_eth_dev_socket_id(port),
					    NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(port);
	if (rc == 0)
		rc = rte_eth_promiscuous_enable(port);
	if (rc == -ENOTSUP)
		rc = 0;	/* memif, pcap: every frame comes anyway */
	if (rc != 0)
		fprintf(stderr, "port_wire: port %u: set-up failed: %s\n", port, rte_strerror(-rc));
	return rc;
}

static bool links_up(uint16_t n)
{
	for (uint16_t p = 0; p < n; p++) {
		struct rte_eth_link link;

		if (rte_eth_link_get_nowait(p, &link) != 0 || link.link_status != RTE_ETH_LINK_UP)
			return false;
	}
	return true;
}

/* One pass over every rx queue of d->from: the frames forwarded. */
static unsigned int wire_pass(struct wire_dir *d)
{
	struct rte_mbuf *m[WIRE_BURST];
	unsigned int total = 0;

	for (uint16_t q = 0; q < d->nb_rxq; q++) {
		uint16_t n = rte_eth_rx_burst(d->from, q, m, WIRE_BURST);
		uint16_t sent = n != 0 ? rte_eth_tx_burst(d->to, 0, m, n) : 0;

		if (sent < n) {
			rte_pktmbuf_free_bulk(m + sent, n - sent);
			d->dropped += n - sent;
		}
		d->fwd += sent;
		total += n;
	}
	return total;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "rxq", required_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	struct wire_dir dir[WIRE_MAX_PORTS];
	struct rte_mempool *pool;
	unsigned long seconds = 300, rxq = 1;
	uint64_t deadline, hz;
	uint16_t nb_ports, n_dir;
	unsigned int idle = 0;
	bool ready = false;
	int rc, opt;

	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		fprintf(stderr, "port_wire: EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= rc;
	argv += rc;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		char *end;
		unsigned long v;

		errno = 0;
		v = optarg != NULL ? strtoul(optarg, &end, 10) : 0;
		if (opt == '?' || errno != 0 || optarg == NULL || *end != '\0' || v == 0 ||
		    (opt == 'q' && v > WIRE_MAX_RXQ)) {
			fprintf(stderr, "usage: port_wire [EAL] -- [--seconds N] [--rxq 1..%d]\n",
				WIRE_MAX_RXQ);
			return 1;
		}
		if (opt == 's')
			seconds = v;
		else
			rxq = v;
	}
	nb_ports = rte_eth_dev_count_avail();
	if (nb_ports == 0 || nb_ports % 2 != 0 || nb_ports > WIRE_MAX_PORTS) {
		fprintf(stderr, "port_wire: %u ports: need pairs (2, 4, ... %d)\n", nb_ports,
			WIRE_MAX_PORTS);
		return 1;
	}
	pool = rte_pktmbuf_pool_create("wire", 4095, 128, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       (int)rte_socket_id());
	if (pool == NULL) {
		fprintf(stderr, "port_wire: mbuf pool: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	n_dir = nb_ports;
	for (uint16_t p = 0; p < nb_ports; p++) {
		if (port_setup(p, (uint16_t)rxq, pool, &dir[p].nb_rxq) != 0)
			return 1;
		dir[p].from = p;
		dir[p].to = p ^ 1;
		dir[p].fwd = dir[p].dropped = 0;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	hz = rte_get_timer_hz();
	deadline = rte_get_timer_cycles() + seconds * hz;
	while (!stop && rte_get_timer_cycles() < deadline) {
		unsigned int n = 0;

		if (!ready && links_up(nb_ports)) {
			ready = true;
			printf("port_wire: ready (%u ports)\n", nb_ports);
			fflush(stdout);
		}
		for (uint16_t d = 0; d < n_dir; d++)
			n += wire_pass(&dir[d]);
		/* Two cores for everything in the tests: sleep when idle. */
		idle = n != 0 ? 0 : idle + 1;
		if (idle > 64)
			rte_delay_us_sleep(50);
	}
	for (uint16_t d = 0; d < n_dir; d++)
		printf("port_wire: %u -> %u: %" PRIu64 " forwarded, %" PRIu64 " dropped (tx full)\n",
		       dir[d].from, dir[d].to, dir[d].fwd, dir[d].dropped);
	for (uint16_t p = 0; p < nb_ports; p++) {
		rte_eth_dev_stop(p);
		rte_eth_dev_close(p);
	}
	rte_eal_cleanup();
	return 0;
}
