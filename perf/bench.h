/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared pieces of the mipha benchmarks: EAL start, option lists, statistics
 * over repetitions, frame builders, ring-backed ports, and the one output
 * format (one JSON object per line on stdout, read by perf/run and by the
 * meson 'perf' test; human notes go to stderr).
 *
 * Every figure is a cycle count (rte_rdtsc around a whole window of packets,
 * so the timer's own cost is negligible) divided by the packets of that
 * window; each benchmark measures its baseline in the same process, with the
 * same packets, interleaved with the measured case so that noise from other
 * processes hits both alike.
 */
#ifndef MIPHA_PERF_BENCH_H
#define MIPHA_PERF_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "mip_secret.h"

struct rte_ring;

#define BENCH_MAX_LIST 16
#define BENCH_MAX_REPS 64

/* A comma-separated list of unsigned numbers from the command line. */
struct bench_list {
	unsigned int n;
	uint64_t v[BENCH_MAX_LIST];
};

/* "64,128,1k,1M" (k = 1000, M = 1000000). 0 or -EINVAL. */
int bench_list_parse(const char *s, struct bench_list *l);

/* One such number; exits with a message when it is not one. */
uint64_t bench_num(const char *s);

/* Samples of one measured case over the repetitions (cycles per item). */
struct bench_samples {
	unsigned int n;
	double v[BENCH_MAX_REPS];
};

void bench_sample_add(struct bench_samples *s, double v);
double bench_min(const struct bench_samples *s);
double bench_median(const struct bench_samples *s);

/* One line of output. Strings may be NULL (printed as null). */
struct bench_point {
	const char *bench;	/* "auth", "reg", "encap", ... */
	const char *kase;	/* what was measured: "ipsecmb_batch", ... */
	const char *unit;	/* "cycles/msg", "bytes/binding", ... */
	const char *x_name;	/* the swept parameter: "size", "burst", "bindings" */
	double x;
	const char *fixed;	/* the other parameters: "burst=32 mns=100000" */
	const struct bench_samples *s;
	const char *baseline;	/* the case it is compared with (same process) */
	const struct bench_samples *base;
	bool ok;		/* the work was checked (every message verified, ...) */
	const char *note;
};

/* Prints p as one JSON line (min, median, ratio of medians, ratio of minima). */
void bench_emit(const struct bench_point *p);
/* Prints a single-valued figure (memory, setup time): value, no statistics. */
void bench_emit_value(const char *bench, const char *kase, const char *unit, const char *x_name,
		      double x, const char *fixed, double value, bool ok, const char *note);

/*
 * Starts EAL from argv up to "--" and returns the index of the first
 * application argument (argc when none), or exits with a message.
 */
int bench_eal_init(int argc, char **argv);
/* Whether EAL runs on hugepages (printed in every line). */
bool bench_hugepages(void);

/* A pool of n small mbufs (room for a 512-byte frame after the headroom). */
struct rte_mempool *bench_pool(const char *name, unsigned int n);

/*
 * A net_ring port: rx dequeues from *rx, tx enqueues to *tx (both single
 * producer/consumer, count slots each). Configured and started through
 * mipha_port_init with one queue each way. Port id, or -1 (message printed).
 */
int bench_ring_port(const char *name, unsigned int count, struct rte_mempool *mp,
		    struct rte_ring **rx, struct rte_ring **tx, struct rte_ether_addr *mac);

/* Resets m to an empty single-segment frame of len bytes; returns its data. */
uint8_t *bench_mbuf_reset(struct rte_mbuf *m, uint16_t len);

/*
 * Writes Ethernet + IPv4 (20-byte header, DF, TTL 64, valid checksum) at
 * frame and returns the IPv4 header; payload_len bytes follow it.
 */
struct rte_ipv4_hdr *bench_eth_ipv4(uint8_t *frame, const struct rte_ether_addr *dst,
				    uint8_t proto, uint32_t src, uint32_t dst_ip,
				    uint16_t payload_len);

/* Deterministic 64-bit PRNG (splitmix64) and a Fisher-Yates shuffle with it. */
uint64_t bench_rand(uint64_t *state);
void bench_shuffle(uint32_t *a, uint32_t n, uint64_t *state);

/*
 * A home agent's tables filled with n MNs: MN i has home address
 * bench_home(i) (10.0.0.0/8), care-of bench_coa(i), a binding (flags, expiry
 * an hour from now) and, with nkeys 1 or 2, a static (1) or two-key dynamic
 * (2) SA of HMAC-MD5 keys bench_key(i, k) under SPIs BENCH_SPI1/BENCH_SPI2.
 */
#define BENCH_SPI1 1000
#define BENCH_SPI2 1001
#define BENCH_HA_ADDR 0xc0000201u	/* 192.0.2.1, host order */

struct bench_tables {
	struct rte_rcu_qsbr *qsbr;
	struct mipha_binding_table *bindings;
	struct mipha_sa_table *sas;	/* NULL when nkeys == 0 */
	uint32_t n;
	double setup_sec;		/* time to create and fill */
	uint64_t heap_bindings;		/* DPDK heap taken by the binding table's creation */
	uint64_t heap_sas;		/* ... by the SA table's */
	uint64_t heap_fill;		/* ... by filling both */
};

uint32_t bench_home(uint32_t i);	/* network order */
uint32_t bench_coa(uint32_t i);		/* network order */
void bench_key(uint32_t i, unsigned int k, struct mip_key *key);
/* 0, or -1 with a message. */
int bench_tables_create(struct bench_tables *t, const char *name, uint32_t n, unsigned int nkeys,
			uint16_t flags);
void bench_tables_free(struct bench_tables *t);
/* Whether the tables hold exactly n bindings (and n SAs when there are SAs). */
bool bench_tables_full(const struct bench_tables *t);

/* Allocated bytes of the DPDK heaps (all sockets). */
uint64_t bench_heap_allocated(void);

#endif /* MIPHA_PERF_BENCH_H */
