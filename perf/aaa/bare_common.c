/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The bare AAA clients' common part: options, credential, one exchange's
 * MS-CHAPv2 fields, the MN's check of the answer, the report. See
 * bare_common.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "bare_common.h"
#include "mip_auth.h"
#include "mip_mschap.h"

static void usage(const char *prog, bool radcli)
{
	fprintf(stderr,
		"usage: %s --server ADDR:PORT --secret-file F --password-file F --count N\n"
		"          [--nai-pattern 'mn%%d@example.net'] [--first-index K] %s\n"
		"          [--duration S] [--retries N] [--nas-id NAME] [--nas-ip A] [--care-of A]%s\n",
		prog, radcli ? "[--threads T]" : "[--window W]",
		radcli ? "" : " [--timeout-ms MS]");
	exit(2);
}

static unsigned num(const char *s, const char *prog, bool radcli, unsigned lo, unsigned hi)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "%s: bad number '%s' (%u..%u)\n", prog, s, lo, hi);
		usage(prog, radcli);
	}
	return (unsigned)v;
}

static uint32_t addr(const char *s, const char *prog, bool radcli)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1) {
		fprintf(stderr, "%s: bad IPv4 address '%s'\n", prog, s);
		usage(prog, radcli);
	}
	return a.s_addr;
}

/* The pattern goes through our own substitution, never printf: one %d only. */
static bool pattern_ok(const char *p)
{
	const char *d = strstr(p, "%d");

	return d != NULL && strchr(p, '%') == d && strchr(d + 2, '%') == NULL &&
	       strlen(p) < 200;
}

void bare_opts_parse(struct bare_opts *o, int argc, char **argv, const char *prog, bool radcli)
{
	static const struct option lo[] = {
		{"server", required_argument, NULL, 's'},
		{"secret-file", required_argument, NULL, 'S'},
		{"password-file", required_argument, NULL, 'p'},
		{"nai-pattern", required_argument, NULL, 'n'},
		{"first-index", required_argument, NULL, 'f'},
		{"count", required_argument, NULL, 'c'},
		{"window", required_argument, NULL, 'w'},
		{"threads", required_argument, NULL, 't'},
		{"duration", required_argument, NULL, 'd'},
		{"timeout-ms", required_argument, NULL, 'T'},
		{"retries", required_argument, NULL, 'r'},
		{"nas-id", required_argument, NULL, 'i'},
		{"nas-ip", required_argument, NULL, 'I'},
		{"care-of", required_argument, NULL, 'C'},
		{NULL, 0, NULL, 0},
	};
	char *colon;
	int ch;

	memset(o, 0, sizeof(*o));
	o->nai_pattern = "mn%d@example.net";
	o->window = 64;
	o->threads = 8;
	o->duration_s = 60;
	o->timeout_ms = 250;
	o->retries = 2;
	o->nas_id = "ha-bench";
	o->nas_ip = htonl(0x0a010001);		/* 10.1.0.1 */
	o->care_of = htonl(0xc000024d);		/* 192.0.2.77 */
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 's': o->server = optarg; break;
		case 'S': o->secret_file = optarg; break;
		case 'p': o->password_file = optarg; break;
		case 'n': o->nai_pattern = optarg; break;
		case 'f': o->first_index = num(optarg, prog, radcli, 0, 100000000); break;
		case 'c': o->count = num(optarg, prog, radcli, 1, 10000000); break;
		case 'w': o->window = num(optarg, prog, radcli, 1, 4096); break;
		case 't': o->threads = num(optarg, prog, radcli, 1, 256); break;
		case 'd': o->duration_s = num(optarg, prog, radcli, 1, 3600); break;
		case 'T': o->timeout_ms = num(optarg, prog, radcli, 10, 60000); break;
		case 'r': o->retries = num(optarg, prog, radcli, 0, 10); break;
		case 'i': o->nas_id = optarg; break;
		case 'I': o->nas_ip = addr(optarg, prog, radcli); break;
		case 'C': o->care_of = addr(optarg, prog, radcli); break;
		default: usage(prog, radcli);
		}
	}
	if (optind != argc || o->server == NULL || o->secret_file == NULL ||
	    o->password_file == NULL || o->count == 0)
		usage(prog, radcli);
	if (!pattern_ok(o->nai_pattern)) {
		fprintf(stderr, "%s: --nai-pattern needs exactly one %%d and no other %%\n", prog);
		exit(2);
	}
	colon = strrchr(o->server, ':');
	if (colon == NULL || (size_t)(colon - o->server) >= sizeof(o->server_addr)) {
		fprintf(stderr, "%s: --server wants ADDR:PORT\n", prog);
		exit(2);
	}
	memcpy(o->server_addr, o->server, (size_t)(colon - o->server));
	o->server_addr[colon - o->server] = '\0';
	(void)addr(o->server_addr, prog, radcli);
	o->server_port = (uint16_t)num(colon + 1, prog, radcli, 1, 65535);
}

/* The file's bytes less one trailing newline, into a secret buffer of cap bytes. */
static int read_secret_file(const char *path, char *buf, size_t cap, size_t *len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return -errno;
	n = fread(buf, 1, cap - 1, f);
	if (!feof(f)) {
		fclose(f);
		mip_wipe(buf, cap);
		return -EINVAL;
	}
	fclose(f);
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	*len = n;
	return n > 0 ? 0 : -EINVAL;
}

int bare_nt_hash(const char *path, struct mip_key *nt_hash)
{
	char *pw = mip_secret_alloc(1024);
	size_t len = 0;
	int error;

	if (pw == NULL)
		return -ENOMEM;
	error = read_secret_file(path, pw, 1024, &len);
	if (error == 0)
		error = mip_nt_password_hash(pw, len, nt_hash);
	mip_secret_free(pw, 1024);
	return error;
}

int bare_secret(const char *path, char **out)
{
	char *s = mip_secret_alloc(257 + 1);
	size_t len = 0;
	int error;

	if (s == NULL)
		return -ENOMEM;
	error = read_secret_file(path, s, 258, &len);
	if (error != 0) {
		mip_secret_free(s, 258);
		return error;
	}
	*out = s;
	return 0;
}

uint64_t bare_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int bare_exchange_init(struct bare_exchange *x, const struct bare_opts *o, unsigned i,
		       const struct mip_key *nt_hash)
{
	const char *d = strstr(o->nai_pattern, "%d");
	int n;

	n = snprintf(x->nai, sizeof(x->nai), "%.*s%u%s", (int)(d - o->nai_pattern),
		     o->nai_pattern, i, d + 2);
	if (n <= 0 || (size_t)n >= sizeof(x->nai))
		return -EINVAL;
	if (getrandom(x->auth_challenge, sizeof(x->auth_challenge), 0) !=
		    (ssize_t)sizeof(x->auth_challenge) ||
	    getrandom(x->peer_challenge, sizeof(x->peer_challenge), 0) !=
		    (ssize_t)sizeof(x->peer_challenge))
		return -EIO;
	mip_generate_nt_response(x->auth_challenge, x->peer_challenge, x->nai, (size_t)n, nt_hash,
				 x->nt_response);
	x->t0_ns = bare_now_ns();
	return 0;
}

bool bare_success_ok(const struct bare_exchange *x, const struct mip_key *nt_hash,
		     const char *auth_response, unsigned len)
{
	char want[42];
	bool ok;

	if (len != sizeof(want))
		return false;
	mip_generate_authenticator_response(nt_hash, x->nt_response, x->peer_challenge,
					    x->auth_challenge, x->nai, strlen(x->nai), want);
	ok = mip_ct_equal(want, auth_response, sizeof(want)) == 1;
	mip_wipe(want, sizeof(want));
	return ok;
}

int bare_stats_init(struct bare_stats *s, unsigned count)
{
	memset(s, 0, sizeof(*s));
	s->lat_ns = calloc(count, sizeof(s->lat_ns[0]));
	return s->lat_ns != NULL ? 0 : -ENOMEM;
}

void bare_stats_free(struct bare_stats *s)
{
	free(s->lat_ns);
	s->lat_ns = NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The same percentile rule as mipmn load's report. */
static double pct_ms(const uint64_t *v, uint64_t n, double p)
{
	uint64_t k;

	if (n == 0)
		return 0;
	k = (uint64_t)(p / 100.0 * (double)n + 0.999999);
	k = k == 0 ? 0 : k - 1;
	return (double)v[k < n ? k : n - 1] / 1e6;
}

void bare_report(const struct bare_stats *s, const struct bare_opts *o, const char *tool)
{
	/* registered / time from the first request to the last registration,
	 * as mipmn load counts registrations_per_s */
	double span = s->registered > 0 ? (double)(s->last_ns - s->t0_ns) / 1e9 : 0;
	double elapsed = (double)(s->end_ns - s->t0_ns) / 1e9;
	double mean = 0;
	uint64_t n = s->registered;

	qsort(s->lat_ns, n, sizeof(s->lat_ns[0]), cmp_u64);
	for (uint64_t i = 0; i < n; i++)
		mean += (double)s->lat_ns[i];
	mean = n ? mean / (double)n / 1e6 : 0;
	printf("{\"event\":\"load_report\",\"tool\":\"%s\",\"count\":%u,\"started\":%" PRIu64
	       ",\"registered\":%" PRIu64 ",\"failed\":%" PRIu64 ",\"incomplete\":%" PRIu64
	       ",\"elapsed_s\":%.6f,\"registrations_per_s\":%.3f"
	       ",\"latency_ms\":{\"min\":%.3f,\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,"
	       "\"max\":%.3f,\"mean\":%.3f}"
	       ",\"rejects\":%" PRIu64 ",\"timeouts\":%" PRIu64 ",\"bad_success\":%" PRIu64
	       ",\"retransmissions\":%" PRIu64 ",\"window\":%u,\"threads\":%u}\n",
	       tool, o->count, s->started, s->registered, s->failed,
	       o->count - s->registered - s->failed, elapsed, span > 0 ? (double)n / span : 0,
	       pct_ms(s->lat_ns, n, 0), pct_ms(s->lat_ns, n, 50), pct_ms(s->lat_ns, n, 90),
	       pct_ms(s->lat_ns, n, 99), pct_ms(s->lat_ns, n, 100), mean, s->rejects,
	       s->timeouts, s->bad_success, s->retransmissions, o->window, o->threads);
	fflush(stdout);
}
