/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memory per binding with its SA: the binding table and the SA table sized
 * for N MNs and filled with N two-key dynamic SAs (the larger kind: Skey
 * under SPI1, Skey' under SPI2, ipad/opad precomputed) and N bindings, as
 * the control lcore installs them. Measured as the growth of the DPDK heaps
 * (rte_malloc_get_socket_stats: every table, hash, ring and pool is
 * allocated there), cross-checked with the process's resident memory
 * (RssAnon + HugetlbPages from /proc/self/status). The limit it is compared
 * with is issue 3's: 512 MiB for 1M bindings, i.e. 536.9 bytes per binding.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>

#include "bench.h"

#define MEM_LIMIT_PER_BINDING (512.0 * 1024 * 1024 / 1000000)

/* RssAnon + HugetlbPages of this process, bytes (0 when unreadable). */
static uint64_t mem_resident(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	uint64_t total = 0, kb;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "RssAnon: %" SCNu64, &kb) == 1 ||
		    sscanf(line, "HugetlbPages: %" SCNu64, &kb) == 1)
			total += kb * 1024;
	}
	fclose(f);
	return total;
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s EAL-ARGS -- [--bindings 1M,10M] [--keys 2]\n", prog);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "bindings", required_argument, NULL, 'n' },
		{ "keys", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench_list nb;
	unsigned int nkeys = 2;
	int first, o;
	char fixed[64], note[160];

	bench_list_parse("1M,10M", &nb);
	first = bench_eal_init(argc, argv);
	argc -= first - 1;
	argv += first - 1;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'n':
			if (bench_list_parse(optarg, &nb) != 0)
				usage(argv[0]);
			break;
		case 'k': nkeys = (unsigned int)bench_num(optarg); break;
		default: usage(argv[0]);
		}
	}
	if (nkeys < 1 || nkeys > 2)
		usage(argv[0]);

	for (unsigned int i = 0; i < nb.n; i++) {
		uint32_t n = (uint32_t)nb.v[i];
		struct bench_tables t;
		uint64_t heap0 = bench_heap_allocated(), rss0 = mem_resident();
		char name[16];

		snprintf(name, sizeof(name), "mem%u", i);
		if (bench_tables_create(&t, name, n, nkeys, 0) != 0) {
			fprintf(stderr, "bench_mem: %u bindings do not fit (EAL -m / hugepages?)\n", n);
			return 1;
		}
		uint64_t heap = bench_heap_allocated() - heap0;
		uint64_t rss = mem_resident() - rss0;
		double per = (double)heap / n;

		snprintf(fixed, sizeof(fixed), "keys_per_sa=%u", nkeys);
		snprintf(note, sizeof(note),
			 "DPDK heap growth %.1f MiB in all; resident growth %.1f MiB; limit 512 MiB per 1M",
			 heap / 1048576.0, rss / 1048576.0);
		struct bench_samples s = { .n = 1, .v = { per } };
		struct bench_samples lim = { .n = 1, .v = { MEM_LIMIT_PER_BINDING } };
		struct bench_point p = {
			.bench = "mem", .kase = "bytes_per_binding", .unit = "bytes/binding",
			.x_name = "bindings", .x = n, .fixed = fixed, .s = &s,
			.baseline = "limit_512MiB_per_1M", .base = &lim,
			.ok = bench_tables_full(&t), .note = note,
		};

		bench_emit(&p);
		bench_emit_value("mem", "heap_total", "MiB", "bindings", n, fixed, heap / 1048576.0,
				 true, NULL);
		bench_emit_value("mem", "binding_table", "bytes/binding", "bindings", n, fixed,
				 (double)t.heap_bindings / n, true,
				 "rte_hash (4-byte keys, 1.25 n slots) + entry pool (32-byte struct mipha_binding) + RCU queue");
		bench_emit_value("mem", "sa_table", "bytes/binding", "bindings", n, fixed,
				 (double)t.heap_sas / n, true,
				 "rte_hash (8-byte keys, 2.5 n slots) + 256-byte struct mipha_sa pool + RCU queue");
		bench_emit_value("mem", "fill", "bytes/binding", "bindings", n, fixed,
				 (double)t.heap_fill / n, true, "growth while installing");
		bench_emit_value("mem", "resident_total", "MiB", "bindings", n, fixed,
				 rss / 1048576.0, true, "RssAnon + HugetlbPages growth");
		bench_emit_value("mem", "fill_time", "seconds", "bindings", n, fixed, t.setup_sec,
				 true, "create + install every binding and SA");
		bench_tables_free(&t);
	}
	rte_eal_cleanup();
	return 0;
}
