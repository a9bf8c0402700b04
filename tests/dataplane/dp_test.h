/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by the dataplane tests: EAL without hugepages, one worker with its
 * tables and control ring, frames built in memory, the spec's vectors.
 * Criterion runs each test in its own process, so the set-up runs per test.
 */
#ifndef MIPHA_DP_TEST_H
#define MIPHA_DP_TEST_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "binding_table.h"
#include "ctrl_msg.h"
#include "sa_table.h"
#include "worker.h"

#define DP_PORT_HOME 0
#define DP_PORT_UP 1

struct dp_env {
	struct rte_mempool *mp;
	struct rte_rcu_qsbr *qsbr;
	struct mipha_binding_table *bt;
	struct mipha_sa_table *st;
	struct rte_ring *ring;
	struct mipha_worker_conf conf;
	struct mipha_worker w;
	volatile bool quit;
};

extern struct dp_env dp;

/* EAL -l argument ("0" unless a test sets it before dp_setup). */
extern const char *dp_lcores;

/* EAL (--no-huge, unique prefix) + tables + one worker, online. name: the test exe. */
void dp_setup(const char *name);
void dp_teardown(void);

/* Addresses of the test network (network order). */
uint32_t dp_ip(const char *dotted);
extern const struct rte_ether_addr dp_mac_home, dp_mac_up, dp_mac_gw_up, dp_mac_gw_home,
	dp_mac_peer;

/* An Ethernet/IPv4 frame with payload (IPv4 header checksum set). */
struct rte_mbuf *dp_frame_ip(uint16_t port, uint8_t proto, uint32_t src, uint32_t dst,
			     const void *payload, uint16_t len, uint8_t tos, uint8_t ttl, bool df);
/* An Ethernet/IPv4/UDP frame (UDP checksum set). */
struct rte_mbuf *dp_frame_udp(uint16_t port, uint32_t src, uint32_t dst, uint16_t sport,
			      uint16_t dport, const void *payload, uint16_t len);
/* An RRQ frame from src:sport to dst:434. */
struct rte_mbuf *dp_frame_rrq(uint32_t src, uint32_t dst, uint16_t sport, const uint8_t *rrq,
			      uint16_t len);

/* The UDP payload of a reply frame in w.tx[port].m[i] after checking IP/UDP checksums. */
const uint8_t *dp_reply_payload(struct rte_mbuf *m, uint16_t *len);
/* Frees everything in the worker's tx buffers. */
void dp_tx_clear(void);
/* Dequeues and frees every control message; returns how many. */
unsigned int dp_ring_drain(void);

/* Vector file: hex string at key (k2 NULL) or k1.k2, decoded; returns length. */
size_t dp_vec_hex(const char *k1, const char *k2, uint8_t *out, size_t cap);
/* Unsigned integer at key (top level, inputs.k1 when not found). */
uint64_t dp_vec_u64(const char *k1, const char *k2);
/* String value (static storage of the JSON; do not free). */
const char *dp_vec_str(const char *k1, const char *k2);

/* Loads the vectors without EAL (tests that need no worker). */
void dp_vectors_load_for_tests(void);

/* Installs a static SA (HMAC-MD5 unless alg given) and returns it. */
struct mipha_sa *dp_static_sa(uint32_t home, uint32_t spi, enum mip_alg alg,
			      const struct mip_key *key);
/* A dynamic SA with SPI1/Skey and SPI2/Skey'. */
struct mipha_sa *dp_dynamic_sa(uint32_t home, uint32_t spi1, const struct mip_key *skey,
			       uint32_t spi2, const struct mip_key *skey2);

#endif /* MIPHA_DP_TEST_H */
