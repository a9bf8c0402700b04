/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The registration fast path, end to end in one worker: re-registration RRQs
 * of bound MNs (real frames: Ethernet, IPv4, UDP with checksum, RRQ with NAI
 * and MHAE, a fresh Identification each) wait in a net_ring port's rx ring;
 * timed: rx burst -> mipha_worker_process (classify, parse, bulk SA lookup,
 * batched MHAE verification, duplicate cache, replay, binding refresh, reply
 * built and signed in a batch) -> mipha_worker_tx_flush, until the window is
 * drained. Every RRQ must be accepted (reg_accepted grows by the window) and
 * answered (the tx ring holds one reply each), or the line says ok=false.
 *
 * In the same process, on the same frames, interleaved window by window:
 *   rxtx_loop   a plain rx burst -> tx burst loop over the same port
 *   hmac_floor  ipsec-mb HMAC-MD5 of each RRQ's protected region in bursts of
 *               the same size, counted twice (verify + sign)
 * and reg_fastpath's baseline "floor" is their sum, window by window.
 * The MNs of a window are a random draw from all of them (the tables are
 * touched at random, as with real MNs).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "mip_auth.h"
#include "mip_ntp.h"
#include "mip_wire.h"

#include "auth_batch.h"
#include "binding_table.h"
#include "ctrl_msg.h"
#include "sa_table.h"
#include "worker.h"

#include "bench.h"

#define REG_MAX_WINDOW 8192

struct reg_ctx {
	uint16_t port;
	struct rte_ether_addr mac;
	struct rte_ring *rx, *tx;
	struct rte_mempool *mp;
	struct rte_mbuf *m[REG_MAX_WINDOW];
	unsigned int window;
	struct mipha_worker_conf conf;
	struct rte_ring *ctrl;
	struct bench_tables t;
	struct mipha_worker w;
	volatile bool quit;
	uint64_t *last_ident;	/* per MN */
	uint32_t *perm;		/* MN order, reshuffled each pass */
	uint32_t cursor;
	uint64_t seed;
	/* for the HMAC floor: each window's protected regions and keys */
	struct mipha_auth_req req[REG_MAX_WINDOW];
};

/* One re-registration RRQ frame of MN i into m. */
static int reg_frame(struct reg_ctx *c, struct rte_mbuf *m, uint32_t i)
{
	uint8_t *f = bench_mbuf_reset(m, 0);
	uint8_t *rrq = f + sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) +
		       sizeof(struct rte_udp_hdr);
	struct mip_builder b;
	struct mip_key key;
	char nai[40];
	uint64_t ident = mip_ntp_now(0);
	size_t auth_off;
	int nai_len = snprintf(nai, sizeof(nai), "mn%08u@perf.example.net", i);

	if (ident <= c->last_ident[i])
		ident = c->last_ident[i] + 1;
	c->last_ident[i] = ident;
	mip_builder_init(&b, rrq, 256);
	mip_put_rrq_hdr(&b, 0, 600, bench_home(i), rte_cpu_to_be_32(BENCH_HA_ADDR), bench_coa(i),
			ident);
	mip_put_nai(&b, nai, (size_t)nai_len);
	auth_off = mip_put_auth(&b, MIP_EXT_MHAE, BENCH_SPI1, MIP_MD5_AUTH_LEN);
	if (b.err != 0 || auth_off == 0)
		return -1;
	bench_key(i, 0, &key);
	mip_auth_sign(rrq, auth_off, MIP_ALG_HMAC_MD5, &key);
	mip_wipe(&key, sizeof(key));

	uint16_t udp_len = (uint16_t)(sizeof(struct rte_udp_hdr) + b.len);
	struct rte_ipv4_hdr *ip = bench_eth_ipv4(f, &c->mac, IPPROTO_UDP, bench_coa(i),
						 rte_cpu_to_be_32(BENCH_HA_ADDR), udp_len);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

	udp->src_port = rte_cpu_to_be_16(MIP_UDP_PORT);
	udp->dst_port = rte_cpu_to_be_16(MIP_UDP_PORT);
	udp->dgram_len = rte_cpu_to_be_16(udp_len);
	udp->dgram_cksum = 0;
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	m->data_len = (uint16_t)(sizeof(struct rte_ether_hdr) + sizeof(*ip) + udp_len);
	m->pkt_len = m->data_len;
	/* what a NIC PMD sets on rx; net_ring does not (the worker reads it for replies) */
	m->port = c->port;
	return (int)auth_off;
}

/* Next MN of the random order over all of them. */
static uint32_t reg_next_mn(struct reg_ctx *c)
{
	if (c->cursor == c->t.n) {
		bench_shuffle(c->perm, c->t.n, &c->seed);
		c->cursor = 0;
	}
	return c->perm[c->cursor++];
}

/* Builds a window of frames in c->m (and the floor's requests). */
static int reg_build_window(struct reg_ctx *c)
{
	for (unsigned int k = 0; k < c->window; k++) {
		uint32_t i = reg_next_mn(c);
		int auth_off = reg_frame(c, c->m[k], i);
		struct mipha_sa *sa = mipha_sa_lookup(c->t.sas, bench_home(i), BENCH_SPI1);

		if (auth_off < 0 || sa == NULL)
			return -1;
		c->req[k].data = rte_pktmbuf_mtod_offset(c->m[k], uint8_t *,
							 sizeof(struct rte_ether_hdr) + 28);
		c->req[k].len = (uint32_t)auth_off;
		c->req[k].key = &sa->key[MIPHA_SA_KEY1];
	}
	return 0;
}

static int reg_enqueue(struct reg_ctx *c)
{
	return rte_ring_enqueue_bulk(c->rx, (void **)c->m, c->window, NULL) == c->window ? 0 : -1;
}

/* Takes back whatever the port transmitted; returns how many. */
static unsigned int reg_collect(struct reg_ctx *c)
{
	unsigned int got = 0, n;

	while ((n = rte_ring_dequeue_burst(c->tx, (void **)(c->m + got), c->window - got,
					   NULL)) != 0)
		got += n;
	return got;
}

/* Timed: the plain loop. Cycles per packet. */
static double reg_time_rxtx(struct reg_ctx *c, uint16_t burst)
{
	struct rte_mbuf *pkts[64];
	unsigned int done = 0;
	uint64_t t0 = rte_rdtsc_precise();

	while (done < c->window) {
		uint16_t n = rte_eth_rx_burst(c->port, 0, pkts, burst);
		uint16_t s = rte_eth_tx_burst(c->port, 0, pkts, n);

		if (s < n)
			rte_pktmbuf_free_bulk(pkts + s, n - s);
		done += n;
	}
	return (double)(rte_rdtsc_precise() - t0) / c->window;
}

/* Timed: the worker's loop body. Cycles per registration. */
static double reg_time_worker(struct reg_ctx *c, uint16_t burst)
{
	struct rte_mbuf *pkts[64];
	unsigned int done = 0;
	uint64_t t0 = rte_rdtsc_precise();

	while (done < c->window) {
		mipha_worker_quiescent(&c->w);
		uint16_t n = rte_eth_rx_burst(c->port, 0, pkts, burst);

		if (n != 0)
			mipha_worker_process(&c->w, pkts, n);
		mipha_worker_tx_flush(&c->w);
		done += n;
	}
	return (double)(rte_rdtsc_precise() - t0) / c->window;
}

/* Timed: the HMAC work of the window in bursts. Cycles per message. */
static double reg_time_hmac(struct reg_ctx *c, uint16_t burst)
{
	uint64_t t0 = rte_rdtsc_precise();

	for (unsigned int k = 0; k < c->window; k += burst) {
		unsigned int n = c->window - k < burst ? c->window - k : burst;

		mipha_auth_compute_burst(&c->w.auth, c->req + k, n);
	}
	return (double)(rte_rdtsc_precise() - t0) / c->window;
}

/* Why a window was not all accepted: every non-zero counter, to stderr. */
static void reg_report_counters(const struct reg_ctx *c)
{
	for (int k = 0; k < MIPHA_CNT__COUNT; k++)
		if (c->w.cnt.v[k] != 0)
			fprintf(stderr, "bench_reg: %s = %" PRIu64 "\n",
				mipha_counter_name((enum mipha_counter)k), c->w.cnt.v[k]);
}

struct reg_result {
	struct bench_samples reg, rxtx, hmac2, floor;
	bool ok;
};

/* reps windows at burst; false on a setup failure. */
static bool reg_measure(struct reg_ctx *c, uint16_t burst, unsigned int reps,
			struct reg_result *r)
{
	memset(r, 0, sizeof(*r));
	r->ok = true;
	for (unsigned int rep = 0; rep <= reps; rep++) {
		double rx, reg, hm;
		uint64_t acc = c->w.cnt.v[MIPHA_CNT_REG_ACCEPTED];

		if (reg_build_window(c) != 0 || reg_enqueue(c) != 0)
			return false;
		rx = reg_time_rxtx(c, burst);
		if (reg_collect(c) != c->window || reg_enqueue(c) != 0)
			return false;
		hm = 2 * reg_time_hmac(c, burst);
		reg = reg_time_worker(c, burst);
		if (reg_collect(c) != c->window ||
		    c->w.cnt.v[MIPHA_CNT_REG_ACCEPTED] - acc != c->window) {
			if (r->ok)
				reg_report_counters(c);
			r->ok = false;
		}
		if (rep == 0)
			continue; /* warm-up */
		bench_sample_add(&r->reg, reg);
		bench_sample_add(&r->rxtx, rx);
		bench_sample_add(&r->hmac2, hm);
		bench_sample_add(&r->floor, rx + hm);
	}
	return true;
}

static void reg_emit(const struct reg_result *r, const char *x_name, double x, const char *fixed)
{
	struct bench_point p = {
		.bench = "reg", .kase = "reg_fastpath", .unit = "cycles/reg", .x_name = x_name,
		.x = x, .fixed = fixed, .s = &r->reg, .baseline = "floor", .base = &r->floor,
		.ok = r->ok,
		.note = "floor = rxtx_loop + hmac_floor, same frames, same run",
	};

	bench_emit(&p);
	p.kase = "reg_fastpath_vs_rxtx";
	p.baseline = "rxtx_loop";
	p.base = &r->rxtx;
	p.note = NULL;
	bench_emit(&p);
	p.kase = "rxtx_loop";
	p.unit = "cycles/pkt";
	p.s = &r->rxtx;
	p.baseline = NULL;
	p.base = NULL;
	bench_emit(&p);
	p.kase = "hmac_floor";
	p.unit = "cycles/reg";
	p.s = &r->hmac2;
	p.note = "2 x batched ipsec-mb HMAC-MD5 (verify + sign) per registration";
	bench_emit(&p);
}

static int reg_setup(struct reg_ctx *c, uint32_t n)
{
	char name[32];
	struct mipha_worker_params wp = { 0 };

	snprintf(name, sizeof(name), "reg%u", n);
	if (bench_tables_create(&c->t, name, n, 1, 0) != 0)
		return -1;
	bench_emit_value("reg", "table_setup", "seconds", "mns", n, "static SA, 1 key", c->t.setup_sec,
			 true, "create + fill bindings and SAs (control's install path)");
	c->last_ident = calloc(n, sizeof(*c->last_ident));
	c->perm = malloc(n * sizeof(*c->perm));
	if (c->last_ident == NULL || c->perm == NULL)
		return -1;
	for (uint32_t i = 0; i < n; i++)
		c->perm[i] = i;
	c->cursor = n; /* shuffle on first use */
	wp.conf = &c->conf;
	wp.bindings = c->t.bindings;
	wp.sas = c->t.sas;
	wp.ctrl_ring = c->ctrl;
	wp.qsbr = c->t.qsbr;
	wp.quit = &c->quit;
	if (mipha_worker_init(&c->w, &wp) != 0)
		return -1;
	mipha_worker_online(&c->w);
	return 0;
}

static void reg_teardown(struct reg_ctx *c)
{
	mipha_worker_fini(&c->w);
	bench_tables_free(&c->t);
	free(c->last_ident);
	free(c->perm);
	c->last_ident = NULL;
	c->perm = NULL;
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s EAL-ARGS -- [--mns 1k,10k,100k,1M] [--burst 32]\n"
		"       [--bursts 1,4,8,16,32,64] [--burst-mns 100k] [--window 4096] [--reps 9]\n",
		prog);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mns", required_argument, NULL, 'n' },
		{ "burst", required_argument, NULL, 'b' },
		{ "bursts", required_argument, NULL, 'B' },
		{ "burst-mns", required_argument, NULL, 'N' },
		{ "window", required_argument, NULL, 'w' },
		{ "reps", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	static struct reg_ctx c;
	struct bench_list mns, bursts;
	unsigned int burst = 32, reps = 9, burst_mns = 100000, window;
	char fixed[96];
	int first, o, port;

	bench_list_parse("1k,10k,100k,1M", &mns);
	bench_list_parse("1,4,8,16,32,64", &bursts);
	c.window = 4096;
	c.seed = 7;
	first = bench_eal_init(argc, argv);
	argc -= first - 1;
	argv += first - 1;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'n':
			if (bench_list_parse(optarg, &mns) != 0)
				usage(argv[0]);
			break;
		case 'B':
			if (bench_list_parse(optarg, &bursts) != 0)
				usage(argv[0]);
			break;
		case 'b': burst = (unsigned int)bench_num(optarg); break;
		case 'N': burst_mns = (unsigned int)bench_num(optarg); break;
		case 'w': c.window = (unsigned int)bench_num(optarg); break;
		case 'r': reps = (unsigned int)bench_num(optarg); break;
		default: usage(argv[0]);
		}
	}
	if (burst == 0 || burst > 64 || c.window == 0 || c.window > REG_MAX_WINDOW || reps == 0 ||
	    reps > BENCH_MAX_REPS)
		usage(argv[0]);

	c.mp = bench_pool("reg_mp", REG_MAX_WINDOW + 1024);
	port = c.mp != NULL ? bench_ring_port("reg_port", 2 * REG_MAX_WINDOW, c.mp, &c.rx, &c.tx,
					      &c.mac)
			    : -1;
	c.ctrl = mipha_ctrl_ring_create("reg_ctrl", 1024, SOCKET_ID_ANY);
	if (port < 0 || port >= MIPHA_MAX_PORTS || c.ctrl == NULL)
		return 1;
	c.port = (uint16_t)port;
	window = c.window;
	if (rte_pktmbuf_alloc_bulk(c.mp, c.m, window) != 0) {
		fprintf(stderr, "bench_reg: mbufs\n");
		return 1;
	}
	mipha_worker_conf_default(&c.conf);
	c.conf.ha_addr[0] = rte_cpu_to_be_32(BENCH_HA_ADDR);
	c.conf.nb_ha_addrs = 1;
	c.conf.home_prefix = rte_cpu_to_be_32(0x0a000000u);
	c.conf.home_mask = rte_cpu_to_be_32(0xff000000u);
	c.conf.port[c.port].roles = MIPHA_ROLE_HOME | MIPHA_ROLE_UPLINK;
	c.conf.port[c.port].mac = c.mac;
	c.conf.idle_sleep_us = 0;

	for (unsigned int ni = 0; ni < mns.n; ni++) {
		uint32_t n = (uint32_t)mns.v[ni];
		struct reg_result r;

		/* a window draws distinct MNs: never more than there are */
		c.window = n < window ? n : window;
		if (reg_setup(&c, n) != 0) {
			fprintf(stderr, "bench_reg: setup of %u MNs failed\n", n);
			return 1;
		}
		if (!reg_measure(&c, (uint16_t)burst, reps, &r))
			return 1;
		snprintf(fixed, sizeof(fixed), "burst=%u window=%u", burst, c.window);
		reg_emit(&r, "mns", n, fixed);
		if (n == burst_mns) {
			for (unsigned int bi = 0; bi < bursts.n; bi++) {
				uint16_t b = (uint16_t)bursts.v[bi];

				if (b == 0 || b > 64)
					continue;
				if (!reg_measure(&c, b, reps, &r))
					return 1;
				snprintf(fixed, sizeof(fixed), "mns=%u window=%u", n, c.window);
				reg_emit(&r, "burst", b, fixed);
			}
		}
		reg_teardown(&c);
	}
	rte_pktmbuf_free_bulk(c.m, window);
	rte_eal_cleanup();
	return 0;
}
