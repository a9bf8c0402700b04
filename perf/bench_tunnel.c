/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IP-in-IP encapsulation (RFC 2003) and reverse-tunnel decapsulation (RFC
 * 3024) by one worker, by number of bindings. Two net_ring ports, home (A)
 * and uplink (B), fed pre-built IPv4 frames (UDP, --frame bytes, to or from
 * a random bound MN of the table); timed, the worker's loop body: quiescent
 * report, rx burst on every port with a role, mipha_worker_process,
 * mipha_worker_tx_flush, until the window is drained.
 *
 * Baseline in the same process, same ports, same frames, interleaved window
 * by window: a plain loop, rx burst on the input port -> tx burst on the
 * output port (rxtx_loop). Every packet must come out tunnelled (encap) or
 * decapsulated (decap), or the line says ok=false.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_prefetch.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "mip_wire.h"

#include "binding_table.h"
#include "worker.h"

#include "bench.h"

#define TUN_MAX_WINDOW 8192
#define TUN_CN 0xcb007101u	/* 203.0.113.1: the correspondent */

struct tun_port {
	uint16_t id;
	struct rte_ether_addr mac;
	struct rte_ring *rx, *tx;
};

struct tun_ctx {
	struct tun_port a, b;	/* home, uplink */
	struct rte_mempool *mp;
	struct rte_mbuf *m[TUN_MAX_WINDOW];
	unsigned int window;
	uint16_t frame;		/* bytes of the inner packet's Ethernet frame */
	uint16_t burst;
	struct mipha_worker_conf conf;
	struct bench_tables t;
	struct mipha_worker w;
	volatile bool quit;
	uint64_t seed;
	uint32_t addr[TUN_MAX_WINDOW];	/* the home address of each packet of the window */
	volatile uint64_t sink;		/* keeps the lookup loop's reads */
};

/* The correspondent's packet to MN i, as it arrives on the home link. */
static void tun_frame_encap(struct tun_ctx *c, struct rte_mbuf *m, uint32_t i)
{
	uint16_t ip_len = c->frame - sizeof(struct rte_ether_hdr);
	uint8_t *f = bench_mbuf_reset(m, c->frame);
	struct rte_ipv4_hdr *ip = bench_eth_ipv4(f, &c->a.mac, IPPROTO_UDP,
						 rte_cpu_to_be_32(TUN_CN), bench_home(i),
						 ip_len - sizeof(*ip));
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

	udp->src_port = rte_cpu_to_be_16(9000);
	udp->dst_port = rte_cpu_to_be_16(9001);
	udp->dgram_len = rte_cpu_to_be_16(ip_len - sizeof(*ip));
	udp->dgram_cksum = 0;
	memset(udp + 1, 0xab, ip_len - sizeof(*ip) - sizeof(*udp));
	m->port = c->a.id;
}

/* MN i's reverse-tunnelled packet to the correspondent, as it arrives on the uplink. */
static void tun_frame_decap(struct tun_ctx *c, struct rte_mbuf *m, uint32_t i)
{
	uint16_t in_len = c->frame - sizeof(struct rte_ether_hdr);
	uint8_t *f = bench_mbuf_reset(m, c->frame + sizeof(struct rte_ipv4_hdr));
	struct rte_ipv4_hdr *outer = bench_eth_ipv4(f, &c->b.mac, IPPROTO_IPIP, bench_coa(i),
						    rte_cpu_to_be_32(BENCH_HA_ADDR), in_len);
	/* the inner header is written as a frame whose Ethernet header overlaps the outer's tail */
	struct rte_ether_addr any = { { 0 } };
	uint8_t save[sizeof(struct rte_ether_hdr)];
	uint8_t *inner_eth = (uint8_t *)(outer + 1) - sizeof(struct rte_ether_hdr);

	memcpy(save, inner_eth, sizeof(save));
	struct rte_ipv4_hdr *in = bench_eth_ipv4(inner_eth, &any, IPPROTO_UDP, bench_home(i),
						 rte_cpu_to_be_32(TUN_CN), in_len - 20);
	memcpy(inner_eth, save, sizeof(save));
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(in + 1);

	udp->src_port = rte_cpu_to_be_16(9001);
	udp->dst_port = rte_cpu_to_be_16(9000);
	udp->dgram_len = rte_cpu_to_be_16(in_len - sizeof(*in));
	udp->dgram_cksum = 0;
	memset(udp + 1, 0xcd, in_len - sizeof(*in) - sizeof(*udp));
	m->port = c->b.id;
}

static void tun_build(struct tun_ctx *c, bool decap)
{
	for (unsigned int k = 0; k < c->window; k++) {
		uint32_t i = (uint32_t)(bench_rand(&c->seed) % c->t.n);

		c->addr[k] = bench_home(i);
		if (decap)
			tun_frame_decap(c, c->m[k], i);
		else
			tun_frame_encap(c, c->m[k], i);
	}
}

static int tun_enqueue(struct tun_ctx *c, const struct tun_port *in)
{
	return rte_ring_enqueue_bulk(in->rx, (void **)c->m, c->window, NULL) == c->window ? 0 : -1;
}

static unsigned int tun_collect(struct tun_ctx *c, const struct tun_port *out)
{
	unsigned int got = 0, n;

	while ((n = rte_ring_dequeue_burst(out->tx, (void **)(c->m + got), c->window - got,
					   NULL)) != 0)
		got += n;
	return got;
}

/* Timed: the plain loop from in to out. Cycles per packet. */
static double tun_time_rxtx(struct tun_ctx *c, const struct tun_port *in,
			    const struct tun_port *out)
{
	struct rte_mbuf *pkts[64];
	unsigned int done = 0;
	uint64_t t0 = rte_rdtsc_precise();

	while (done < c->window) {
		uint16_t n = rte_eth_rx_burst(in->id, 0, pkts, c->burst);
		uint16_t s = rte_eth_tx_burst(out->id, 0, pkts, n);

		if (s < n)
			rte_pktmbuf_free_bulk(pkts + s, n - s);
		done += n;
	}
	return (double)(rte_rdtsc_precise() - t0) / c->window;
}

/*
 * Timed: the plain loop plus one read and write of each packet's Ethernet
 * header (l2fwd's MAC rewrite): what touching the packet data costs alone.
 */
static double tun_time_touch(struct tun_ctx *c, const struct tun_port *in,
			     const struct tun_port *out)
{
	struct rte_mbuf *pkts[64];
	unsigned int done = 0;
	uint64_t t0 = rte_rdtsc_precise();

	while (done < c->window) {
		uint16_t n = rte_eth_rx_burst(in->id, 0, pkts, c->burst);

		for (uint16_t i = 0; i < n; i++) {
			struct rte_ether_hdr *eth = rte_pktmbuf_mtod(pkts[i], struct rte_ether_hdr *);

			if (i + 2 < n)
				rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 2], void *));
			eth->dst_addr = eth->src_addr;
			eth->src_addr = out->mac;
		}
		uint16_t s = rte_eth_tx_burst(out->id, 0, pkts, n);

		if (s < n)
			rte_pktmbuf_free_bulk(pkts + s, n - s);
		done += n;
	}
	return (double)(rte_rdtsc_precise() - t0) / c->window;
}

/*
 * Timed: the binding table's share alone, on the window's addresses: bulk
 * lookups of one burst each, plus one read of every binding found.
 */
static double tun_time_lookup(struct tun_ctx *c)
{
	struct mipha_binding *b[64];
	uint64_t acc = 0;
	uint64_t t0 = rte_rdtsc_precise();

	for (unsigned int k = 0; k < c->window; k += c->burst) {
		unsigned int n = c->window - k < c->burst ? c->window - k : c->burst;

		mipha_binding_lookup_bulk(c->t.bindings, c->addr + k, n, b);
		for (unsigned int j = 0; j < n; j++)
			acc += b[j] != NULL ? mipha_binding_load(b[j]) : 1;
	}
	c->sink = acc;
	return (double)(rte_rdtsc_precise() - t0) / c->window;
}

/* Timed: the worker's loop body (both ports polled, as mipha_worker_loop does). */
static double tun_time_worker(struct tun_ctx *c)
{
	struct rte_mbuf *pkts[64];
	const uint16_t ports[2] = { c->a.id, c->b.id };
	unsigned int done = 0;
	uint64_t t0 = rte_rdtsc_precise();

	while (done < c->window) {
		mipha_worker_quiescent(&c->w);
		for (int p = 0; p < 2; p++) {
			uint16_t n = rte_eth_rx_burst(ports[p], 0, pkts, c->burst);

			if (n == 0)
				continue;
			mipha_worker_process(&c->w, pkts, n);
			done += n;
		}
		mipha_worker_tx_flush(&c->w);
	}
	return (double)(rte_rdtsc_precise() - t0) / c->window;
}

struct tun_result {
	struct bench_samples work, base, touch, lookup;
	bool ok;
};

static bool tun_measure(struct tun_ctx *c, bool decap, unsigned int reps, struct tun_result *r)
{
	const struct tun_port *in = decap ? &c->b : &c->a, *out = decap ? &c->a : &c->b;
	enum mipha_counter done_cnt = decap ? MIPHA_CNT_DECAP : MIPHA_CNT_ENCAP;

	memset(r, 0, sizeof(*r));
	r->ok = true;
	for (unsigned int rep = 0; rep <= reps; rep++) {
		uint64_t before = c->w.cnt.v[done_cnt];
		double base, work, touch, lookup;

		tun_build(c, decap);
		if (tun_enqueue(c, in) != 0)
			return false;
		base = tun_time_rxtx(c, in, out);
		if (tun_collect(c, out) != c->window)
			return false;
		tun_build(c, decap);
		if (tun_enqueue(c, in) != 0)
			return false;
		touch = tun_time_touch(c, in, out);
		if (tun_collect(c, out) != c->window)
			return false;
		/* the same packets again, rebuilt so every loop sees them equally fresh */
		tun_build(c, decap);
		if (tun_enqueue(c, in) != 0)
			return false;
		lookup = decap ? 0 : tun_time_lookup(c);
		work = tun_time_worker(c);
		if (tun_collect(c, out) != c->window || c->w.cnt.v[done_cnt] - before != c->window) {
			fprintf(stderr, "bench_tunnel: %s: %u packets, %" PRIu64 " done\n",
				decap ? "decap" : "encap", c->window,
				c->w.cnt.v[done_cnt] - before);
			r->ok = false;
			return false;
		}
		if (rep == 0)
			continue; /* warm-up */
		bench_sample_add(&r->work, work);
		bench_sample_add(&r->base, base);
		bench_sample_add(&r->touch, touch);
		if (!decap)
			bench_sample_add(&r->lookup, lookup);
	}
	return true;
}

static void tun_emit(const struct tun_result *r, const char *kase, uint32_t n, const char *fixed)
{
	struct bench_point p = {
		.bench = "tunnel", .kase = kase, .unit = "cycles/pkt", .x_name = "bindings",
		.x = n, .fixed = fixed, .s = &r->work, .baseline = "rxtx_loop", .base = &r->base,
		.ok = r->ok,
	};
	char name[32];

	bench_emit(&p);
	snprintf(name, sizeof(name), "%s_vs_touch", kase);
	p.kase = name;
	p.baseline = "touch_loop";
	p.base = &r->touch;
	bench_emit(&p);
	snprintf(name, sizeof(name), "rxtx_loop_%s", kase);
	p.kase = name;
	p.s = &r->base;
	p.baseline = NULL;
	p.base = NULL;
	bench_emit(&p);
	snprintf(name, sizeof(name), "touch_loop_%s", kase);
	p.kase = name;
	p.s = &r->touch;
	bench_emit(&p);
	if (r->lookup.n != 0) {
		p.kase = "binding_lookup";
		p.s = &r->lookup;
		p.note = "mipha_binding_lookup_bulk (bursts) + one read of each binding";
		bench_emit(&p);
	}
}

static int tun_setup(struct tun_ctx *c, uint32_t n)
{
	char name[32];
	struct mipha_worker_params wp = { 0 };

	snprintf(name, sizeof(name), "tun%u", n);
	if (bench_tables_create(&c->t, name, n, 0, MIP_FLAG_T) != 0)
		return -1;
	bench_emit_value("tunnel", "binding_setup", "seconds", "bindings", n, "no SAs",
			 c->t.setup_sec, true, "create + fill the binding table");
	wp.conf = &c->conf;
	wp.bindings = c->t.bindings;
	wp.qsbr = c->t.qsbr;
	wp.quit = &c->quit;
	if (mipha_worker_init(&c->w, &wp) != 0)
		return -1;
	mipha_worker_online(&c->w);
	return 0;
}

static void tun_teardown(struct tun_ctx *c)
{
	mipha_worker_fini(&c->w);
	bench_tables_free(&c->t);
}

static int tun_port(struct tun_ctx *c, const char *name, struct tun_port *p)
{
	int id = bench_ring_port(name, 2 * TUN_MAX_WINDOW, c->mp, &p->rx, &p->tx, &p->mac);

	if (id < 0 || id >= MIPHA_MAX_PORTS)
		return -1;
	p->id = (uint16_t)id;
	return 0;
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s EAL-ARGS -- [--bindings 1k,10k,100k,1M,10M] [--frame 64]\n"
		"       [--burst 32] [--window 8192] [--reps 9] [--no-decap]\n", prog);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "bindings", required_argument, NULL, 'n' },
		{ "frame", required_argument, NULL, 'f' },
		{ "burst", required_argument, NULL, 'b' },
		{ "window", required_argument, NULL, 'w' },
		{ "reps", required_argument, NULL, 'r' },
		{ "no-decap", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	static struct tun_ctx c;
	struct bench_list nb;
	unsigned int reps = 9;
	bool decap = true;
	char fixed[96];
	int first, o;

	bench_list_parse("1k,10k,100k,1M,10M", &nb);
	c.window = 8192;
	c.frame = 64;
	c.burst = 32;
	c.seed = 11;
	first = bench_eal_init(argc, argv);
	argc -= first - 1;
	argv += first - 1;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'n':
			if (bench_list_parse(optarg, &nb) != 0)
				usage(argv[0]);
			break;
		case 'f': c.frame = (uint16_t)bench_num(optarg); break;
		case 'b': c.burst = (uint16_t)bench_num(optarg); break;
		case 'w': c.window = (unsigned int)bench_num(optarg); break;
		case 'r': reps = (unsigned int)bench_num(optarg); break;
		case 'D': decap = false; break;
		default: usage(argv[0]);
		}
	}
	if (c.frame < 64 || c.frame > 400 || c.burst == 0 || c.burst > 64 || c.window == 0 ||
	    c.window > TUN_MAX_WINDOW || reps == 0 || reps > BENCH_MAX_REPS)
		usage(argv[0]);

	c.mp = bench_pool("tun_mp", TUN_MAX_WINDOW + 1024);
	if (c.mp == NULL || tun_port(&c, "tun_home", &c.a) != 0 ||
	    tun_port(&c, "tun_up", &c.b) != 0)
		return 1;
	if (rte_pktmbuf_alloc_bulk(c.mp, c.m, c.window) != 0) {
		fprintf(stderr, "bench_tunnel: mbufs\n");
		return 1;
	}
	mipha_worker_conf_default(&c.conf);
	c.conf.ha_addr[0] = rte_cpu_to_be_32(BENCH_HA_ADDR);
	c.conf.nb_ha_addrs = 1;
	c.conf.home_prefix = rte_cpu_to_be_32(0x0a000000u);
	c.conf.home_mask = rte_cpu_to_be_32(0xff000000u);
	c.conf.port[c.a.id].roles = MIPHA_ROLE_HOME;
	c.conf.port[c.a.id].mac = c.a.mac;
	c.conf.port[c.a.id].next_hop = (struct rte_ether_addr){ { 0x02, 0, 0, 0, 0xa0, 1 } };
	c.conf.port[c.b.id].roles = MIPHA_ROLE_UPLINK;
	c.conf.port[c.b.id].mac = c.b.mac;
	c.conf.port[c.b.id].next_hop = (struct rte_ether_addr){ { 0x02, 0, 0, 0, 0xb0, 1 } };
	c.conf.idle_sleep_us = 0;

	for (unsigned int i = 0; i < nb.n; i++) {
		uint32_t n = (uint32_t)nb.v[i];
		struct tun_result r;

		if (tun_setup(&c, n) != 0) {
			fprintf(stderr, "bench_tunnel: setup of %u bindings failed\n", n);
			return 1;
		}
		snprintf(fixed, sizeof(fixed), "frame=%u burst=%u window=%u", c.frame, c.burst,
			 c.window);
		if (!tun_measure(&c, false, reps, &r))
			return 1;
		tun_emit(&r, "encap", n, fixed);
		if (decap) {
			if (!tun_measure(&c, true, reps, &r))
				return 1;
			tun_emit(&r, "decap", n, fixed);
		}
		tun_teardown(&c);
	}
	rte_pktmbuf_free_bulk(c.m, c.window);
	rte_eal_cleanup();
	return 0;
}
