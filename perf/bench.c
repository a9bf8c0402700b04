/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_ring.h>

#include "mip_ntp.h"
#include "mip_wire.h"

#include "binding_table.h"
#include "port.h"
#include "sa_table.h"

#include "bench.h"

int bench_list_parse(const char *s, struct bench_list *l)
{
	char *end;

	l->n = 0;
	while (*s != '\0') {
		unsigned long long v = strtoull(s, &end, 10);

		if (end == s || l->n >= BENCH_MAX_LIST)
			return -EINVAL;
		if (*end == 'k' || *end == 'K') {
			v *= 1000;
			end++;
		} else if (*end == 'M') {
			v *= 1000000;
			end++;
		}
		l->v[l->n++] = v;
		if (*end == ',')
			end++;
		else if (*end != '\0')
			return -EINVAL;
		s = end;
	}
	return l->n == 0 ? -EINVAL : 0;
}

uint64_t bench_num(const char *s)
{
	struct bench_list l;

	if (bench_list_parse(s, &l) != 0 || l.n != 1) {
		fprintf(stderr, "bench: not a number: %s\n", s);
		exit(2);
	}
	return l.v[0];
}

void bench_sample_add(struct bench_samples *s, double v)
{
	if (s->n < BENCH_MAX_REPS)
		s->v[s->n++] = v;
}

static int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_min(const struct bench_samples *s)
{
	double m = s->n != 0 ? s->v[0] : 0;

	for (unsigned int i = 1; i < s->n; i++)
		if (s->v[i] < m)
			m = s->v[i];
	return m;
}

double bench_median(const struct bench_samples *s)
{
	double v[BENCH_MAX_REPS];

	if (s->n == 0)
		return 0;
	memcpy(v, s->v, s->n * sizeof(v[0]));
	qsort(v, s->n, sizeof(v[0]), bench_cmp_double);
	return s->n % 2 != 0 ? v[s->n / 2] : (v[s->n / 2 - 1] + v[s->n / 2]) / 2;
}

/* A JSON string or null; our strings never hold quotes or backslashes. */
static void bench_str(const char *key, const char *v)
{
	if (v == NULL)
		printf("\"%s\":null,", key);
	else
		printf("\"%s\":\"%s\",", key, v);
}

void bench_emit(const struct bench_point *p)
{
	double med = bench_median(p->s), min = bench_min(p->s);

	printf("{");
	bench_str("bench", p->bench);
	bench_str("case", p->kase);
	bench_str("unit", p->unit);
	bench_str("x_name", p->x_name);
	printf("\"x\":%.0f,", p->x);
	bench_str("fixed", p->fixed);
	printf("\"reps\":%u,\"min\":%.2f,\"median\":%.2f,", p->s->n, min, med);
	bench_str("baseline", p->baseline);
	if (p->base != NULL && p->base->n != 0 && bench_median(p->base) > 0) {
		double bmed = bench_median(p->base), bmin = bench_min(p->base);

		printf("\"baseline_min\":%.2f,\"baseline_median\":%.2f,", bmin, bmed);
		printf("\"ratio_median\":%.4f,\"ratio_min\":%.4f,", med / bmed,
		       bmin > 0 ? min / bmin : 0.0);
	} else {
		printf("\"baseline_min\":null,\"baseline_median\":null,");
		printf("\"ratio_median\":null,\"ratio_min\":null,");
	}
	printf("\"tsc_hz\":%" PRIu64 ",\"hugepages\":%s,\"ok\":%s,", rte_get_tsc_hz(),
	       bench_hugepages() ? "true" : "false", p->ok ? "true" : "false");
	if (p->note == NULL)
		printf("\"note\":null}\n");
	else
		printf("\"note\":\"%s\"}\n", p->note);
	fflush(stdout);
}

void bench_emit_value(const char *bench, const char *kase, const char *unit, const char *x_name,
		      double x, const char *fixed, double value, bool ok, const char *note)
{
	struct bench_samples s = { .n = 1, .v = { value } };
	struct bench_point p = {
		.bench = bench, .kase = kase, .unit = unit, .x_name = x_name, .x = x,
		.fixed = fixed, .s = &s, .ok = ok, .note = note,
	};

	bench_emit(&p);
}

int bench_eal_init(int argc, char **argv)
{
	int n = argc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			n = i;
			break;
		}
	}
	/* EAL sees only its own arguments (it would reorder the rest) */
	if (rte_eal_init(n, argv) < 0) {
		fprintf(stderr, "%s: rte_eal_init: %s\n", argv[0], rte_strerror(rte_errno));
		exit(2);
	}
	return n < argc ? n + 1 : argc;
}

bool bench_hugepages(void)
{
	return rte_eal_has_hugepages() != 0;
}

struct rte_mempool *bench_pool(const char *name, unsigned int n)
{
	struct rte_mempool *mp = rte_pktmbuf_pool_create(name, n, n >= 1024 ? 256 : 0, 0,
							 RTE_PKTMBUF_HEADROOM + 512,
							 SOCKET_ID_ANY);

	if (mp == NULL)
		fprintf(stderr, "bench: mempool %s (%u): %s\n", name, n, rte_strerror(rte_errno));
	return mp;
}

int bench_ring_port(const char *name, unsigned int count, struct rte_mempool *mp,
		    struct rte_ring **rx, struct rte_ring **tx, struct rte_ether_addr *mac)
{
	char rn[RTE_RING_NAMESIZE];
	struct mipha_port_conf pc = { .nb_rxq = 1, .nb_txq = 1, .mp = mp, .socket = SOCKET_ID_ANY };
	struct mipha_port_info info;
	int port, error;

	snprintf(rn, sizeof(rn), "%s_rx", name);
	*rx = rte_ring_create(rn, count, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(rn, sizeof(rn), "%s_tx", name);
	*tx = rte_ring_create(rn, count, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (*rx == NULL || *tx == NULL) {
		fprintf(stderr, "bench: ring %s: %s\n", name, rte_strerror(rte_errno));
		return -1;
	}
	port = rte_eth_from_rings(name, rx, 1, tx, 1, SOCKET_ID_ANY);
	if (port < 0) {
		fprintf(stderr, "bench: rte_eth_from_rings %s: %s\n", name,
			rte_strerror(rte_errno));
		return -1;
	}
	error = mipha_port_init((uint16_t)port, &pc, &info);
	if (error != 0) {
		fprintf(stderr, "bench: mipha_port_init %s: %s\n", name, strerror(-error));
		return -1;
	}
	*mac = info.mac;
	return port;
}

uint8_t *bench_mbuf_reset(struct rte_mbuf *m, uint16_t len)
{
	rte_pktmbuf_reset(m);
	m->data_len = len;
	m->pkt_len = len;
	return rte_pktmbuf_mtod(m, uint8_t *);
}

struct rte_ipv4_hdr *bench_eth_ipv4(uint8_t *frame, const struct rte_ether_addr *dst,
				    uint8_t proto, uint32_t src, uint32_t dst_ip,
				    uint16_t payload_len)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)frame;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	static const struct rte_ether_addr src_mac = { { 0x02, 0, 0, 0, 0xbe, 0x01 } };

	eth->dst_addr = *dst;
	eth->src_addr = src_mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + payload_len);
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = src;
	ip->dst_addr = dst_ip;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return ip;
}

uint64_t bench_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void bench_shuffle(uint32_t *a, uint32_t n, uint64_t *state)
{
	for (uint32_t i = n; i > 1; i--) {
		uint32_t j = (uint32_t)(bench_rand(state) % i);
		uint32_t t = a[i - 1];

		a[i - 1] = a[j];
		a[j] = t;
	}
}

uint64_t bench_heap_allocated(void)
{
	struct rte_malloc_socket_stats st;
	uint64_t total = 0;

	for (int s = 0; s < RTE_MAX_NUMA_NODES; s++) {
		if (rte_malloc_get_socket_stats(s, &st) == 0)
			total += st.heap_allocsz_bytes;
	}
	return total;
}

uint32_t bench_home(uint32_t i)
{
	return rte_cpu_to_be_32(0x0a000001u + i);
}

uint32_t bench_coa(uint32_t i)
{
	return rte_cpu_to_be_32(0x64400000u + (i & 0x3fffff)); /* 100.64.0.0/10 */
}

void bench_key(uint32_t i, unsigned int k, struct mip_key *key)
{
	uint64_t st = ((uint64_t)i << 2) | k;
	uint64_t a = bench_rand(&st), b = bench_rand(&st);

	memcpy(key->b, &a, 8);
	memcpy(key->b + 8, &b, 8);
}

static int bench_sa_add(struct bench_tables *t, uint32_t i, unsigned int nkeys)
{
	struct mipha_sa *sa = mipha_sa_alloc(t->sas);
	struct mip_key key;
	int error = 0;

	if (sa == NULL)
		return -ENOSPC;
	sa->home_addr = bench_home(i);
	sa->kind = nkeys == 2 ? MIPHA_SA_DYNAMIC : MIPHA_SA_STATIC;
	for (unsigned int k = 0; k < nkeys && error == 0; k++) {
		bench_key(i, k, &key);
		error = mipha_sa_set_key(t->sas, sa, k, k == 0 ? BENCH_SPI1 : BENCH_SPI2,
					 MIP_ALG_HMAC_MD5, &key);
	}
	mip_wipe(&key, sizeof(key));
	if (error == 0)
		error = mipha_sa_install(t->sas, sa);
	if (error != 0)
		mipha_sa_discard(t->sas, sa);
	return error;
}

int bench_tables_create(struct bench_tables *t, const char *name, uint32_t n, unsigned int nkeys,
			uint16_t flags)
{
	char nm[32];
	uint64_t t0 = rte_get_tsc_cycles();
	uint32_t expiry = (uint32_t)(mip_ntp_now(0) >> 32) + 3600;
	uint64_t heap = bench_heap_allocated();
	int error;

	memset(t, 0, sizeof(*t));
	t->n = n;
	t->qsbr = mipha_rcu_create(2);
	snprintf(nm, sizeof(nm), "%s_b", name);
	t->bindings = t->qsbr != NULL ? mipha_binding_table_create(nm, n, SOCKET_ID_ANY, t->qsbr)
				      : NULL;
	if (t->bindings == NULL) {
		fprintf(stderr, "bench: binding table of %u: %s\n", n, rte_strerror(rte_errno));
		goto err;
	}
	t->heap_bindings = bench_heap_allocated() - heap;
	heap += t->heap_bindings;
	if (nkeys != 0) {
		snprintf(nm, sizeof(nm), "%s_s", name);
		t->sas = mipha_sa_table_create(nm, n, SOCKET_ID_ANY, t->qsbr);
		if (t->sas == NULL) {
			fprintf(stderr, "bench: SA table of %u: %s\n", n, rte_strerror(rte_errno));
			goto err;
		}
	}
	t->heap_sas = bench_heap_allocated() - heap;
	heap += t->heap_sas;
	for (uint32_t i = 0; i < n; i++) {
		error = mipha_binding_install(t->bindings, bench_home(i), bench_coa(i), expiry,
					      flags, 0, NULL);
		if (error == 0 && nkeys != 0)
			error = bench_sa_add(t, i, nkeys);
		if (error != 0) {
			fprintf(stderr, "bench: MN %u of %u: %s\n", i, n, strerror(-error));
			goto err;
		}
	}
	t->heap_fill = bench_heap_allocated() - heap;
	t->setup_sec = (double)(rte_get_tsc_cycles() - t0) / rte_get_tsc_hz();
	return 0;
err:
	bench_tables_free(t);
	return -1;
}

void bench_tables_free(struct bench_tables *t)
{
	mipha_sa_table_free(t->sas);
	mipha_binding_table_free(t->bindings);
	rte_free(t->qsbr);
	memset(t, 0, sizeof(*t));
}

bool bench_tables_full(const struct bench_tables *t)
{
	return mipha_binding_table_count(t->bindings) == t->n &&
	       (t->sas == NULL || mipha_sa_table_count(t->sas) == t->n);
}
