/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `mipmn load`: N Mobile Nodes from one process, each a full state machine
 * (mn_fsm.c), sharing one UDP socket. Replies are routed to their MN by NAI;
 * timers live in one min-heap. Registrations start at a target rate (or as
 * fast as a window of outstanding exchanges allows); each MN then does its
 * re-registrations, rekeys and deregistration; a report follows.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mn_fsm.h"
#include "mn_log.h"
#include "mn_opts.h"
#include "mn_run.h"

enum load_phase {
	L_WAITING,	/* not started */
	L_REGISTERING,	/* first registration outstanding */
	L_WORKING,	/* re-registrations, rekeys, deregistration */
	L_DONE,		/* did all it was asked */
	L_FAILED,
};

struct load_mn {
	struct mipmn_fsm fsm;
	enum load_phase phase;
	uint64_t start_us;
	uint32_t rereg_left;
	uint32_t rekeys_left;
	bool step_due;		/* an event asked for the next step (run outside the callback) */
};

struct heap_ent {
	uint64_t t;
	uint32_t i;
};

struct load_stats {
	uint64_t started, registered, failed, done;
	uint64_t reregs, rekeys, deregs, handovers, retries, expiries, fallbacks;
	uint64_t rrq_sent, rrp_received, foreign, unmatched;
	uint64_t denied[256];
	uint64_t fails[8];
	uint64_t discards[MIPMN_DROP__COUNT];
	uint64_t *lat_us;
	uint64_t first_reg_us, last_reg_us;
};

struct load_ctx {
	struct mipmn_opts o;
	struct load_mn *mn;
	uint32_t n;
	int fd[MIPMN_LOAD_SOURCES_MAX];	/* one per source address */
	uint32_t src_addr[MIPMN_LOAD_SOURCES_MAX];	/* network order */
	uint32_t nfd;
	struct sockaddr_in ha;
	uint32_t *ht;		/* NAI -> index + 1, open addressing */
	uint32_t ht_mask;
	struct heap_ent *heap;
	size_t heap_n, heap_cap;
	uint32_t next_start;	/* index of the next MN to start */
	uint32_t in_flight;	/* first registrations outstanding */
	uint64_t t0_us;
	struct load_stats st;
};

static volatile sig_atomic_t load_stop;

static uint32_t mn_index(const struct load_ctx *c, const struct load_mn *m)
{
	return (uint32_t)(m - c->mn);
}

static void on_signal(int sig)
{
	load_stop = 1;
}

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- NAI index -------------------------------------------------------- */

static uint32_t nai_hash(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

static void ht_add(struct load_ctx *c, uint32_t i)
{
	uint32_t h = nai_hash(c->mn[i].fsm.cfg.nai, c->mn[i].fsm.cfg.nai_len) & c->ht_mask;

	while (c->ht[h] != 0)
		h = (h + 1) & c->ht_mask;
	c->ht[h] = i + 1;
}

static struct load_mn *ht_find(struct load_ctx *c, const uint8_t *nai, size_t len)
{
	uint32_t h = nai_hash(nai, len) & c->ht_mask;

	while (c->ht[h] != 0) {
		struct load_mn *m = &c->mn[c->ht[h] - 1];

		if (m->fsm.cfg.nai_len == len && memcmp(m->fsm.cfg.nai, nai, len) == 0)
			return m;
		h = (h + 1) & c->ht_mask;
	}
	return NULL;
}

/* ---- timer heap ------------------------------------------------------- */

static int heap_push(struct load_ctx *c, uint64_t t, uint32_t i)
{
	size_t k;

	if (c->heap_n == c->heap_cap) {
		size_t cap = c->heap_cap ? c->heap_cap * 2 : 1024;
		struct heap_ent *h = realloc(c->heap, cap * sizeof(*h));

		if (h == NULL)
			return -ENOMEM;
		c->heap = h;
		c->heap_cap = cap;
	}
	k = c->heap_n++;
	while (k > 0 && c->heap[(k - 1) / 2].t > t) {
		c->heap[k] = c->heap[(k - 1) / 2];
		k = (k - 1) / 2;
	}
	c->heap[k].t = t;
	c->heap[k].i = i;
	return 0;
}

static struct heap_ent heap_pop(struct load_ctx *c)
{
	struct heap_ent top = c->heap[0], last = c->heap[--c->heap_n];
	size_t k = 0;

	for (;;) {
		size_t l = 2 * k + 1, m;

		if (l >= c->heap_n)
			break;
		m = (l + 1 < c->heap_n && c->heap[l + 1].t < c->heap[l].t) ? l + 1 : l;
		if (c->heap[m].t >= last.t)
			break;
		c->heap[k] = c->heap[m];
		k = m;
	}
	if (c->heap_n > 0)
		c->heap[k] = last;
	return top;
}

/* ---- per-MN plan ------------------------------------------------------ */

static void account_finish(struct load_ctx *c, struct load_mn *m)
{
	if (m->phase == L_REGISTERING)
		c->in_flight--;
	if (m->fsm.state == MIPMN_ST_FAILED) {
		m->phase = L_FAILED;
		c->st.failed++;
		c->st.fails[m->fsm.fail < 8 ? m->fsm.fail : 0]++;
	} else {
		m->phase = L_DONE;
		c->st.done++;
	}
}

/* After each call into a machine: its next step, finish accounting, its timer. */
static void after_call(struct load_ctx *c, struct load_mn *m, uint64_t now_ms)
{
	uint32_t i = (uint32_t)(m - c->mn);
	uint64_t d;

	if (m->phase == L_DONE || m->phase == L_FAILED)
		return;
	if (mipmn_fsm_finished(&m->fsm)) {
		account_finish(c, m);
		return;
	}
	if (m->step_due) {
		m->step_due = false;
		if (m->rereg_left > 0) {
			m->rereg_left--;
			mipmn_fsm_reregister(&m->fsm, now_ms);
		} else if (m->rekeys_left > 0) {
			m->rekeys_left--;
			mipmn_fsm_rekey(&m->fsm, now_ms);
		} else if (c->o.dereg) {
			mipmn_fsm_deregister(&m->fsm, true, now_ms);
			if (mipmn_fsm_finished(&m->fsm)) {
				account_finish(c, m);
				return;
			}
		} else {
			/* Stays registered (and refreshes) until the run ends. */
			m->phase = L_DONE;
			c->st.done++;
		}
	}
	d = mipmn_fsm_deadline(&m->fsm);
	if (d != MIPMN_NO_DEADLINE)
		heap_push(c, d, i);
}

static void load_send(void *ctx, struct mipmn_fsm *fsm, const uint8_t *buf, size_t len)
{
	struct load_ctx *c = ctx;
	int fd = c->fd[mn_index(c, fsm->user) % c->nfd];

	c->st.rrq_sent++;
	sendto(fd, buf, len, 0, (struct sockaddr *)&c->ha, sizeof(c->ha));
}

static void load_event(void *ctx, struct mipmn_fsm *fsm, const struct mipmn_event *ev)
{
	struct load_ctx *c = ctx;
	struct load_mn *m = fsm->user;

	switch (ev->kind) {
	case MIPMN_EV_REGISTERED:
		if (m->phase == L_REGISTERING) {
			uint64_t now = mono_us();

			c->st.lat_us[c->st.registered++] = now - m->start_us;
			if (c->st.first_reg_us == 0)
				c->st.first_reg_us = now;
			c->st.last_reg_us = now;
			c->in_flight--;
			m->phase = L_WORKING;
			m->step_due = true;
		} else if (m->phase == L_WORKING) {
			c->st.fallbacks++;	/* re-registered from scratch mid-plan */
			m->step_due = true;
		}
		break;
	case MIPMN_EV_REREGISTERED:
		c->st.reregs++;
		m->step_due = m->phase == L_WORKING;
		break;
	case MIPMN_EV_REKEYED:
		c->st.rekeys++;
		m->step_due = m->phase == L_WORKING;
		break;
	case MIPMN_EV_HANDOVER:
		c->st.handovers++;
		break;
	case MIPMN_EV_DEREGISTERED:
		c->st.deregs++;
		break;
	case MIPMN_EV_DENIED:
		c->st.denied[ev->code & 0xff]++;
		break;
	case MIPMN_EV_RETRYING:
		c->st.retries++;
		break;
	case MIPMN_EV_EXPIRED:
		c->st.expiries++;
		break;
	default:
		break;
	}
}

static void load_discard(void *ctx, struct mipmn_fsm *fsm, enum mipmn_discard why,
			 const char *detail)
{
	struct load_ctx *c = ctx;

	c->st.discards[why]++;
}

static uint64_t load_clock(void *ctx)
{
	struct load_ctx *c = ctx;

	return mip_ntp_now(c->o.clock_offset);
}

/* ---- set-up ----------------------------------------------------------- */

static int make_mn(struct load_ctx *c, uint32_t k, const struct mipmn_io *io)
{
	struct mipmn_cfg cfg = c->o.cfg;
	uint32_t idx = c->o.first_index + k;
	char home[64];
	int n;

	n = snprintf(cfg.nai, sizeof(cfg.nai), c->o.nai_pattern, (int)idx);
	if (n <= 0 || (size_t)n >= sizeof(cfg.nai))
		return -EINVAL;
	cfg.nai_len = (size_t)n;
	if (c->o.home_pattern[0] != '\0') {
		snprintf(home, sizeof(home), c->o.home_pattern, (int)idx);
		if (mip_parse_ipv4(home, &cfg.home_addr) != 0) {
			fprintf(stderr, "mipmn: --home-pattern gives '%s' for MN %u\n", home, idx);
			return -EINVAL;
		}
	} else if (c->o.home_first != 0 && !c->o.home_assign) {
		cfg.home_addr = htonl(c->o.home_first + k);
	} else {
		cfg.home_addr = 0;
	}
	/* Without --care-of, each MN's care-of address is its own source address. */
	if (!c->o.have_coa && c->src_addr[k % c->nfd] != 0)
		cfg.coa = c->src_addr[k % c->nfd];
	mipmn_fsm_init(&c->mn[k].fsm, &cfg, io);
	mip_wipe(&cfg.nt_hash, sizeof(cfg.nt_hash));
	c->mn[k].fsm.user = &c->mn[k];
	c->mn[k].rereg_left = c->o.rereg;
	c->mn[k].rekeys_left = c->o.cfg.single_key ? 0 : c->o.rekeys;
	ht_add(c, k);
	return 0;
}

/*
 * Socket i is bound to --bind's address + i (--sources N), so an HA's
 * per-source-address rate limit sees N sources; MN k uses socket k mod N.
 */
static int open_socket(struct load_ctx *c, uint32_t i)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int sz = 8 << 20;
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	c->fd[i] = fd;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	a.sin_addr.s_addr = c->o.bind_addr ? htonl(ntohl(c->o.bind_addr) + i) : 0;
	a.sin_port = htons(c->o.bind_port ? c->o.bind_port + i : 0);
	if ((a.sin_addr.s_addr != 0 || a.sin_port != 0) &&
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		return -errno;
	c->src_addr[i] = a.sin_addr.s_addr;
	return 0;
}

static int open_sockets(struct load_ctx *c)
{
	int error = 0;

	c->ha.sin_family = AF_INET;
	c->ha.sin_addr.s_addr = c->o.cfg.ha_addr;
	c->ha.sin_port = htons(c->o.ha_port);
	c->nfd = c->o.sources;
	for (uint32_t i = 0; i < c->nfd && error == 0; i++)
		error = open_socket(c, i);
	return error;
}

/*
 * Without --care-of, the MNs' care-of address is the address this host sends
 * from toward the HA (a collocated care-of address, as a real MN would have).
 */
static int default_coa(struct load_ctx *c)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), error = 0;

	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&c->ha, sizeof(c->ha)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &al) != 0)
		error = -errno;
	else
		c->o.cfg.coa = a.sin_addr.s_addr;
	close(fd);
	return error;
}

/* ---- the loop --------------------------------------------------------- */

static void start_due(struct load_ctx *c, uint64_t now_us)
{
	while (c->next_start < c->n) {
		struct load_mn *m = &c->mn[c->next_start];

		if (c->o.rate > 0) {
			uint64_t due = c->t0_us + (uint64_t)((double)c->next_start * 1e6 / c->o.rate);

			if (due > now_us)
				return;
		} else if (c->in_flight >= c->o.window) {
			return;
		}
		c->next_start++;
		c->st.started++;
		c->in_flight++;
		m->phase = L_REGISTERING;
		m->start_us = mono_us();
		mipmn_fsm_start(&m->fsm, m->start_us / 1000u);
		after_call(c, m, m->start_us / 1000u);
	}
}

static void read_replies(struct load_ctx *c, int fd)
{
	struct mip_parse_cfg pcfg = { .vendor_id = c->o.cfg.vendor_id,
				      .dynkey_spi = c->o.cfg.dynkey_spi };
	uint8_t buf[2048];
	struct sockaddr_in src;
	socklen_t sl;
	ssize_t n;

	for (int k = 0; k < 512; k++) {
		struct mip_msg msg;
		struct load_mn *m;
		uint64_t now;

		sl = sizeof(src);
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&src, &sl);
		if (n < 0)
			return;
		if (src.sin_addr.s_addr != c->ha.sin_addr.s_addr || src.sin_port != c->ha.sin_port) {
			c->st.foreign++;
			continue;
		}
		if (mip_parse(buf, (size_t)n, &pcfg, &msg) != MIP_OK ||
		    (msg.present & MIP_HAS_NAI) == 0 ||
		    (m = ht_find(c, msg.nai.p, msg.nai.len)) == NULL) {
			c->st.unmatched++;
			continue;
		}
		c->st.rrp_received++;
		now = mono_us() / 1000u;
		mipmn_fsm_input(&m->fsm, buf, (size_t)n, now);
		after_call(c, m, now);
	}
}

static void run_timers(struct load_ctx *c, uint64_t now_ms)
{
	while (c->heap_n > 0 && c->heap[0].t <= now_ms) {
		struct heap_ent e = heap_pop(c);
		struct load_mn *m = &c->mn[e.i];

		/* Stale entries (the deadline moved since) are skipped. */
		if (m->phase == L_DONE || m->phase == L_FAILED || m->phase == L_WAITING ||
		    mipmn_fsm_deadline(&m->fsm) != e.t)
			continue;
		mipmn_fsm_tick(&m->fsm, now_ms);
		after_call(c, m, now_ms);
	}
}

static bool all_finished(const struct load_ctx *c)
{
	return c->st.done + c->st.failed == c->n;
}

static int poll_timeout(const struct load_ctx *c, uint64_t now_us, uint64_t end_us)
{
	uint64_t d = end_us;

	if (c->heap_n > 0 && c->heap[0].t * 1000u < d)
		d = c->heap[0].t * 1000u;
	if (c->next_start < c->n) {
		if (c->o.rate > 0) {
			uint64_t due = c->t0_us + (uint64_t)((double)c->next_start * 1e6 / c->o.rate);

			if (due < d)
				d = due;
		}
	}
	if (d <= now_us)
		return 0;
	d = (d - now_us + 999) / 1000;
	return d > 1000 ? 1000 : (int)d;
}

/* ---- report ----------------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double pct(const uint64_t *v, uint64_t n, double p)
{
	uint64_t k;

	if (n == 0)
		return 0;
	k = (uint64_t)(p / 100.0 * (double)n + 0.999999);
	k = k == 0 ? 0 : k - 1;
	return (double)v[k < n ? k : n - 1] / 1000.0;
}

static void report(struct load_ctx *c, uint64_t end_us)
{
	struct load_stats *s = &c->st;
	double elapsed = (double)(end_us - c->t0_us) / 1e6;
	double span = s->registered > 0 ? (double)(s->last_reg_us - c->t0_us) / 1e6 : 0;
	double rps = span > 0 ? (double)s->registered / span : 0;
	double mean = 0;
	uint64_t incomplete = c->n - s->done - s->failed;
	bool first;
	FILE *f = stdout;

	qsort(s->lat_us, s->registered, sizeof(s->lat_us[0]), cmp_u64);
	for (uint64_t i = 0; i < s->registered; i++)
		mean += (double)s->lat_us[i];
	mean = s->registered ? mean / (double)s->registered / 1000.0 : 0;
	if (!c->o.json) {
		fprintf(f, "mipmn load: %u MNs, %" PRIu64 " started, %" PRIu64 " registered, %" PRIu64
			   " failed, %" PRIu64 " incomplete in %.3f s\n",
			c->n, s->started, s->registered, s->failed, incomplete, elapsed);
		fprintf(f, "registrations/s: %.1f\n", rps);
		fprintf(f, "latency ms: min %.3f p50 %.3f p90 %.3f p99 %.3f max %.3f mean %.3f\n",
			pct(s->lat_us, s->registered, 0), pct(s->lat_us, s->registered, 50),
			pct(s->lat_us, s->registered, 90), pct(s->lat_us, s->registered, 99),
			pct(s->lat_us, s->registered, 100), mean);
		fprintf(f, "re-registrations %" PRIu64 ", rekeys %" PRIu64 ", deregistrations %" PRIu64
			   ", retransmissions %" PRIu64 ", expiries %" PRIu64 ", fallbacks %" PRIu64 "\n",
			s->reregs, s->rekeys, s->deregs, s->retries, s->expiries, s->fallbacks);
		for (int code = 0; code < 256; code++)
			if (s->denied[code])
				fprintf(f, "denied with %d: %" PRIu64 "\n", code, s->denied[code]);
		for (int r = 1; r < 8; r++)
			if (s->fails[r])
				fprintf(f, "failed: %s: %" PRIu64 "\n",
					mipmn_fail_str((enum mipmn_fail)r), s->fails[r]);
		for (int d = 0; d < MIPMN_DROP__COUNT; d++)
			if (s->discards[d])
				fprintf(f, "discarded: %s: %" PRIu64 "\n",
					mipmn_discard_str((enum mipmn_discard)d), s->discards[d]);
		return;
	}
	fprintf(f, "{\"event\":\"load_report\",\"count\":%u,\"started\":%" PRIu64
		   ",\"registered\":%" PRIu64 ",\"failed\":%" PRIu64 ",\"incomplete\":%" PRIu64
		   ",\"elapsed_s\":%.6f,\"registrations_per_s\":%.3f",
		c->n, s->started, s->registered, s->failed, incomplete, elapsed, rps);
	fprintf(f, ",\"latency_ms\":{\"min\":%.3f,\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,"
		   "\"max\":%.3f,\"mean\":%.3f}",
		pct(s->lat_us, s->registered, 0), pct(s->lat_us, s->registered, 50),
		pct(s->lat_us, s->registered, 90), pct(s->lat_us, s->registered, 99),
		pct(s->lat_us, s->registered, 100), mean);
	fprintf(f, ",\"reregistrations\":%" PRIu64 ",\"rekeys\":%" PRIu64
		   ",\"deregistrations\":%" PRIu64 ",\"handovers\":%" PRIu64
		   ",\"retransmissions\":%" PRIu64 ",\"expiries\":%" PRIu64 ",\"fallbacks\":%" PRIu64
		   ",\"rrq_sent\":%" PRIu64 ",\"rrp_received\":%" PRIu64 ",\"unmatched\":%" PRIu64,
		s->reregs, s->rekeys, s->deregs, s->handovers, s->retries, s->expiries, s->fallbacks,
		s->rrq_sent, s->rrp_received, s->unmatched + s->foreign);
	fputs(",\"denied\":{", f);
	first = true;
	for (int code = 0; code < 256; code++)
		if (s->denied[code]) {
			fprintf(f, "%s\"%d\":%" PRIu64, first ? "" : ",", code, s->denied[code]);
			first = false;
		}
	fputs("},\"failures\":{", f);
	first = true;
	for (int r = 1; r < 8; r++)
		if (s->fails[r]) {
			fprintf(f, "%s\"%s\":%" PRIu64, first ? "" : ",",
				mipmn_fail_str((enum mipmn_fail)r), s->fails[r]);
			first = false;
		}
	fputs("},\"discarded\":{", f);
	first = true;
	for (int d = 0; d < MIPMN_DROP__COUNT; d++)
		if (s->discards[d]) {
			fprintf(f, "%s\"%s\":%" PRIu64, first ? "" : ",",
				mipmn_discard_str((enum mipmn_discard)d), s->discards[d]);
			first = false;
		}
	fputs("}}\n", f);
}

static void load_free(struct load_ctx *c)
{
	if (c->mn != NULL)
		for (uint32_t i = 0; i < c->n; i++)
			mipmn_fsm_fini(&c->mn[i].fsm);
	free(c->mn);
	free(c->ht);
	free(c->heap);
	free(c->st.lat_us);
	for (uint32_t i = 0; i < MIPMN_LOAD_SOURCES_MAX; i++)
		if (c->fd[i] >= 0)
			close(c->fd[i]);
}

int mipmn_load_main(int argc, char **argv)
{
	static struct load_ctx c;
	struct mipmn_io io = {
		.ctx = &c,
		.send = load_send,
		.event = load_event,
		.discard = load_discard,
		.ntp_now = load_clock,
	};
	uint64_t end_us, now;
	uint32_t ht_size = 1;
	int error;

	memset(&c, 0, sizeof(c));
	for (uint32_t i = 0; i < MIPMN_LOAD_SOURCES_MAX; i++)
		c.fd[i] = -1;
	mipmn_opts_default(&c.o);
	error = mipmn_opts_parse(&c.o, MIPMN_OPTS_LOAD, argc, argv);
	if (error != 0) {
		mip_wipe(&c.o.cfg.nt_hash, sizeof(c.o.cfg.nt_hash));
		return error > 0 ? MIPMN_EXIT_OK : MIPMN_EXIT_USAGE;
	}
	c.n = c.o.count;
	while (ht_size < 2 * c.n)
		ht_size <<= 1;
	c.ht_mask = ht_size - 1;
	c.mn = calloc(c.n, sizeof(*c.mn));
	c.ht = calloc(ht_size, sizeof(*c.ht));
	c.st.lat_us = calloc(c.n, sizeof(*c.st.lat_us));
	if (c.mn == NULL || c.ht == NULL || c.st.lat_us == NULL) {
		fprintf(stderr, "mipmn: out of memory for %u MNs\n", c.n);
		mip_wipe(&c.o.cfg.nt_hash, sizeof(c.o.cfg.nt_hash));
		load_free(&c);
		return MIPMN_EXIT_SYSTEM;
	}
	error = open_sockets(&c);
	if (error == 0 && !c.o.have_coa)
		error = default_coa(&c);
	if (error != 0) {
		fprintf(stderr, "mipmn: socket: %s\n", strerror(-error));
		mip_wipe(&c.o.cfg.nt_hash, sizeof(c.o.cfg.nt_hash));
		load_free(&c);
		return MIPMN_EXIT_SYSTEM;
	}
	for (uint32_t k = 0; k < c.n && error == 0; k++)
		error = make_mn(&c, k, &io);
	mip_wipe(&c.o.cfg.nt_hash, sizeof(c.o.cfg.nt_hash));
	if (error != 0) {
		load_free(&c);
		return MIPMN_EXIT_USAGE;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	c.t0_us = mono_us();
	/* Bounded in time: --duration, else one hour. */
	end_us = c.t0_us + (uint64_t)(c.o.duration ? c.o.duration : 3600) * 1000000u;
	for (;;) {
		struct pollfd pfd[MIPMN_LOAD_SOURCES_MAX];

		for (uint32_t i = 0; i < c.nfd; i++) {
			pfd[i].fd = c.fd[i];
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}

		now = mono_us();
		start_due(&c, now);
		if (all_finished(&c) || load_stop || now >= end_us)
			break;
		if (poll(pfd, c.nfd, poll_timeout(&c, now, end_us)) < 0 && errno != EINTR)
			break;
		for (uint32_t i = 0; i < c.nfd; i++)
			if (pfd[i].revents & POLLIN)
				read_replies(&c, c.fd[i]);
		run_timers(&c, mono_us() / 1000u);
	}
	report(&c, mono_us());
	error = (c.st.done == c.n && c.st.failed == 0) ? MIPMN_EXIT_OK : MIPMN_EXIT_LOAD_INCOMPLETE;
	load_free(&c);
	return error;
}
