/* SPDX-License-Identifier: BSD-3-Clause */
/* The HA's non-blocking RADIUS client: requests, timers, servers, results. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "aaa_client.h"
#include "mip_secret.h"

#define AAA_IDS 256
/* Datagrams read per poll: a burst of replies cannot starve the caller's loop. */
#define AAA_RX_BUDGET 256
/* Datagrams per recvmmsg() call, and ready sockets taken per epoll_wait(). */
#define AAA_RX_BATCH 16
#define AAA_EP_EVENTS 64

const char *const aaa_client_counter_names[] = {
#define AAA_CTR_NAME(name, text) #name,
	AAA_CLIENT_COUNTERS(AAA_CTR_NAME)
#undef AAA_CTR_NAME
};
const unsigned aaa_client_counter_count =
	sizeof(aaa_client_counter_names) / sizeof(aaa_client_counter_names[0]);
const char *const aaa_server_counter_names[] = {
#define AAA_SCTR_NAME(name, text) #name,
	AAA_SERVER_COUNTERS(AAA_SCTR_NAME)
#undef AAA_SCTR_NAME
};
const unsigned aaa_server_counter_count =
	sizeof(aaa_server_counter_names) / sizeof(aaa_server_counter_names[0]);

enum req_kind {
	REQ_FREE,
	REQ_ACCESS,	/* an Access-Request in flight */
	REQ_PROBE_WAIT,	/* a dead server's probe, waiting for its next send */
	REQ_PROBE,	/* a Status-Server in flight */
	REQ_WATCHDOG,	/* a Status-Server on an idle TLS connection (RFC 6614 2.6) */
};

struct aaa_req {
	struct aaa_req *tprev, *tnext;	/* timer list, sorted by deadline */
	bool in_timer;
	enum req_kind kind;
	void *cookie;
	struct aaa_access_req in;
	unsigned server;
	int sock;			/* -1: holds no Identifier */
	uint8_t id;
	uint8_t req_auth[AAA_RADIUS_AUTH_LEN];
	unsigned tries;			/* transmissions to the current server */
	uint32_t rt_ms;
	uint64_t deadline;
	uint64_t first_sent;
	uint32_t tried;			/* bit per server */
	struct aaa_req *free_next;
	uint16_t pkt_len;
	uint8_t pkt[AAA_RADIUS_REQ_MAX];
};

struct aaa_sock {
	int fd;
	unsigned server;		/* index of its server (epoll's tag is the socket) */
	struct radsec_conn *tls;	/* TLS server: the connection; fd is its epoll set */
	unsigned used;
	uint8_t next_id;
	struct aaa_req *slot[AAA_IDS];
};

struct aaa_server {
	struct aaa_server_cfg cfg;
	struct aaa_secret secret;
	uint8_t *secret_buf;
	struct aaa_sock **socks;	/* max_sockets entries, the first n_socks open */
	unsigned n_socks;
	struct aaa_req probe;
	struct aaa_req watchdog;	/* TLS: connection 0's watchdog */
	struct aaa_server_stats st;
};

struct aaa_client {
	struct aaa_client_cfg cfg;
	struct aaa_server servers[AAA_MAX_SERVERS];
	unsigned n_servers;
	struct aaa_req *reqs;
	struct aaa_req *free_list;
	struct aaa_req *thead, *ttail;
	struct aaa_client_counters ctr;
	/*
	 * Readiness: every socket is in epfd, so a poll reads only the sockets
	 * with something waiting (one epoll_wait instead of a recv per socket),
	 * and none at all when no Identifier is held and aaa_client_wait saw
	 * nothing (rx_state).
	 */
	int epfd;
	unsigned ids_held;		/* Identifiers held: requests and probes in flight */
	struct radsec_ctx *tls_ctx;	/* with a TLS server (RFC 6614) */
	unsigned n_tls;			/* TLS connections: read on every poll */
	enum { RX_UNKNOWN, RX_EMPTY, RX_READY } rx_state;
	/* The poll in progress: where results go. */
	aaa_result_fn fn;
	void *fn_arg;
	unsigned n_results;
	/* One more byte than the largest packet: MSG_TRUNC tells an over-long one. */
	uint8_t rx[AAA_RX_BATCH][AAA_RADIUS_MAX_LEN + 1];
	struct mmsghdr rx_msg[AAA_RX_BATCH];
	struct iovec rx_iov[AAA_RX_BATCH];
};

void aaa_client_cfg_defaults(struct aaa_client_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->retransmit_ms = 250;
	cfg->retransmit_max_ms = 2000;
	cfg->retries = 2;
	cfg->dead_after = 3;
	cfg->probe_interval_ms = 2000;
	cfg->probe_timeout_ms = 1000;
	cfg->max_requests = 4096;
	cfg->max_sockets = 16;
}

int aaa_client_cfg_add_server(struct aaa_client_cfg *cfg, const char *addr, uint16_t port,
			      const char *secret_file)
{
	struct aaa_server_cfg *s;
	struct sockaddr_in *v4;
	struct sockaddr_in6 *v6;

	if (cfg->n_servers >= AAA_MAX_SERVERS)
		return -ENOSPC;
	s = &cfg->servers[cfg->n_servers];
	memset(s, 0, sizeof(*s));
	v4 = (struct sockaddr_in *)&s->addr;
	v6 = (struct sockaddr_in6 *)&s->addr;
	if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(port);
		s->addr_len = sizeof(*v4);
	} else if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(port);
		s->addr_len = sizeof(*v6);
	} else {
		return -EINVAL;
	}
	s->secret_file = secret_file;
	cfg->n_servers++;
	return 0;
}

int aaa_client_cfg_add_tls_server(struct aaa_client_cfg *cfg, const char *addr, uint16_t port,
				  const char *secret_file)
{
	int error = aaa_client_cfg_add_server(cfg, addr, port, secret_file);

	if (error == 0)
		cfg->servers[cfg->n_servers - 1].transport = AAA_TRANSPORT_TLS;
	return error;
}

int aaa_secret_load(const char *path, uint8_t **buf, size_t *len)
{
	/* One byte more than the limit tells "too long" from "exactly full". */
	uint8_t tmp[AAA_SECRET_MAX + 2];
	size_t n = 0;
	ssize_t r;
	int fd, error = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (n < sizeof(tmp)) {
		r = read(fd, tmp + n, sizeof(tmp) - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			error = -errno;
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (error == 0 && n > 0 && tmp[n - 1] == '\n')
		n--;
	if (error == 0 && n > 0 && tmp[n - 1] == '\r')
		n--;
	if (error == 0 && (n == 0 || n > AAA_SECRET_MAX))
		error = -EINVAL;
	if (error == 0) {
		*buf = mip_secret_alloc(AAA_SECRET_MAX);
		if (*buf == NULL)
			error = -ENOMEM;
	}
	if (error == 0) {
		memcpy(*buf, tmp, n);
		*len = n;
	}
	mip_wipe(tmp, sizeof(tmp));
	return error;
}

/* ---- timer list: sorted by deadline; most inserts land at the tail ---- */

static void timer_del(struct aaa_client *c, struct aaa_req *r)
{
	if (!r->in_timer)
		return;
	if (r->tprev != NULL)
		r->tprev->tnext = r->tnext;
	else
		c->thead = r->tnext;
	if (r->tnext != NULL)
		r->tnext->tprev = r->tprev;
	else
		c->ttail = r->tprev;
	r->tprev = r->tnext = NULL;
	r->in_timer = false;
}

static void timer_add(struct aaa_client *c, struct aaa_req *r, uint64_t deadline)
{
	struct aaa_req *after;

	/* Out of the list first: r may be its tail. */
	timer_del(c, r);
	after = c->ttail;
	r->deadline = deadline;
	while (after != NULL && after->deadline > deadline)
		after = after->tprev;
	r->tprev = after;
	r->tnext = after != NULL ? after->tnext : c->thead;
	if (r->tnext != NULL)
		r->tnext->tprev = r;
	else
		c->ttail = r;
	if (after != NULL)
		after->tnext = r;
	else
		c->thead = r;
	r->in_timer = true;
}

/* ---- RADIUS over TLS (radsec.c): the hooks ---- */

/* A TLS server's "socket": one connection, its own Identifier space (RFC 6614 2.5). */
static int tls_sock_open(struct aaa_client *c, struct aaa_server *s, struct aaa_sock **out)
{
	struct epoll_event ev = { .events = EPOLLIN };
	const char *name = s->cfg.tls_server_name;
	struct aaa_sock *k;
	uint8_t start;
	int error;

	if (name == NULL || name[0] == '\0')
		name = c->cfg.tls_server_name;
	k = calloc(1, sizeof(*k));
	if (k == NULL)
		return -ENOMEM;
	k->tls = radsec_conn_create(c->tls_ctx, (const struct sockaddr *)&s->cfg.addr,
				    s->cfg.addr_len, name, &error);
	if (k->tls == NULL) {
		free(k);
		return error;
	}
	k->fd = radsec_conn_fd(k->tls);
	k->server = (unsigned)(s - c->servers);
	ev.data.ptr = k;
	if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, k->fd, &ev) != 0) {
		error = -errno;
		radsec_conn_destroy(k->tls);
		free(k);
		return error;
	}
	if (getrandom(&start, 1, 0) == 1)
		k->next_id = start;
	c->n_tls++;
	*out = k;
	return 0;
}

/* No retransmission over TCP (RFC 6614 2.5): one try as long as UDP's tries together. */
static void tls_one_try(struct aaa_client *c, struct aaa_req *r)
{
	uint32_t rt = c->cfg.retransmit_ms, total = 0;

	for (unsigned i = 0; i <= c->cfg.retries; i++) {
		total += rt;
		rt = rt * 2 > c->cfg.retransmit_max_ms ? c->cfg.retransmit_max_ms : rt * 2;
	}
	r->tries = c->cfg.retries + 1;
	r->rt_ms = total;
}

static void tls_watchdog_end(struct aaa_client *c, struct aaa_req *w);

/*
 * Nothing sent on k will be answered (its TLS connection ended, or the server
 * refused it with ICMP port unreachable): end those tries now. run_timers
 * counts each as a timeout and fails it over; a probe is rescheduled.
 */
static void sock_tries_end(struct aaa_client *c, struct aaa_sock *k, uint64_t now)
{
	for (unsigned id = 0; id < AAA_IDS; id++) {
		struct aaa_req *r = k->slot[id];

		if (r != NULL && r->kind == REQ_WATCHDOG)
			tls_watchdog_end(c, r);
		if (r == NULL || (r->kind != REQ_ACCESS && r->kind != REQ_PROBE))
			continue;
		r->tries = c->cfg.retries + 1;
		timer_add(c, r, now);	/* run_timers: timeout, failover; probe rescheduled */
	}
}

static void tls_reset_server(struct aaa_server *s, uint64_t now)
{
	for (unsigned k = 0; k < s->n_socks; k++)
		if (s->socks[k]->tls != NULL)
			radsec_conn_reset(s->socks[k]->tls, now);
}

static int tls_default_secret(uint8_t **buf, size_t *len)
{
	*buf = mip_secret_alloc(AAA_SECRET_MAX);
	if (*buf == NULL)
		return -ENOMEM;
	*len = strlen(RADSEC_DEFAULT_SECRET);
	memcpy(*buf, RADSEC_DEFAULT_SECRET, *len);
	return 0;
}

static int tls_init(struct aaa_client *c)
{
	char why[256];
	int error = 0;

	for (unsigned i = 0; i < c->cfg.n_servers; i++) {
		if (c->cfg.servers[i].transport != AAA_TRANSPORT_TLS)
			continue;
		c->tls_ctx = radsec_ctx_create(&c->cfg.tls, &error, why, sizeof(why));
		break;
	}
	return error;
}

/* ---- sockets and Identifiers ---- */

static int sock_open(struct aaa_client *c, struct aaa_server *s, struct aaa_sock **out)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct aaa_sock *k;
	uint8_t start;
	int error;

	if (s->cfg.transport == AAA_TRANSPORT_TLS)
		return tls_sock_open(c, s, out);
	k = calloc(1, sizeof(*k));
	if (k == NULL)
		return -ENOMEM;
	k->fd = socket(s->cfg.addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (k->fd < 0) {
		error = -errno;
		free(k);
		return error;
	}
	/* Connected: the kernel drops datagrams from anyone but the server. */
	if (connect(k->fd, (const struct sockaddr *)&s->cfg.addr, s->cfg.addr_len) != 0) {
		error = -errno;
		close(k->fd);
		free(k);
		return error;
	}
	/* Readable (a reply) or in error (ICMP unreachable): the next poll reads it. */
	k->server = (unsigned)(s - c->servers);
	ev.data.ptr = k;
	if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, k->fd, &ev) != 0) {
		error = -errno;
		close(k->fd);
		free(k);
		return error;
	}
	/* A random first Identifier: a restarted HA does not reuse the last ones. */
	if (getrandom(&start, 1, 0) == 1)
		k->next_id = start;
	*out = k;
	return 0;
}

/* Takes a free Identifier on one of s's sockets, opening one if all are full. */
static int id_alloc(struct aaa_client *c, struct aaa_server *s, struct aaa_req *r)
{
	struct aaa_sock *k = NULL;
	unsigned i;
	int error;

	for (i = 0; i < s->n_socks; i++) {
		if (s->socks[i]->used < AAA_IDS) {
			k = s->socks[i];
			break;
		}
	}
	if (k == NULL) {
		if (s->n_socks >= c->cfg.max_sockets)
			return -ENOBUFS;
		error = sock_open(c, s, &s->socks[s->n_socks]);
		if (error != 0)
			return error;
		i = s->n_socks++;
		k = s->socks[i];
	}
	while (k->slot[k->next_id] != NULL)
		k->next_id++;
	r->sock = (int)i;
	r->id = k->next_id++;
	k->slot[r->id] = r;
	k->used++;
	s->st.in_flight++;
	c->ids_held++;
	return 0;
}

static void id_release(struct aaa_client *c, struct aaa_req *r)
{
	struct aaa_server *s = &c->servers[r->server];
	struct aaa_sock *k;

	if (r->sock < 0)
		return;
	k = s->socks[r->sock];
	k->slot[r->id] = NULL;
	k->used--;
	s->st.in_flight--;
	c->ids_held--;
	r->sock = -1;
}

/* ---- requests ---- */

static struct aaa_req *req_alloc(struct aaa_client *c)
{
	struct aaa_req *r = c->free_list;

	if (r == NULL)
		return NULL;
	c->free_list = r->free_next;
	r->free_next = NULL;
	r->sock = -1;
	r->tried = 0;
	return r;
}

static void req_free(struct aaa_client *c, struct aaa_req *r)
{
	timer_del(c, r);
	id_release(c, r);
	mip_wipe(&r->in, sizeof(r->in));
	r->kind = REQ_FREE;
	r->cookie = NULL;
	r->free_next = c->free_list;
	c->free_list = r;
}

/*
 * ICMP port unreachable from a UDP server (ECONNREFUSED on a send or a read):
 * nothing listens there, so nothing in flight on that socket will be
 * answered. Its requests fail over now instead of after their retransmission
 * timers (RFC 5080 2.2.1 lets a client act on it; a forged ICMP error must
 * quote this socket's address and random port, and costs no more than a
 * dropped datagram would).
 */
static void sock_refused(struct aaa_client *c, struct aaa_server *s, struct aaa_sock *k,
			 uint64_t now)
{
	s->st.refused++;
	sock_tries_end(c, k, now);
}

/* Sends r. False when the server refused it: r's try is then already ended. */
static bool transmit(struct aaa_client *c, struct aaa_req *r, uint64_t now)
{
	struct aaa_server *s = &c->servers[r->server];
	struct aaa_sock *k = s->socks[r->sock];
	ssize_t n;

	s->st.transmissions++;
	if (k->tls != NULL)
		n = radsec_conn_send(k->tls, r->pkt, r->pkt_len) == 0 ? (ssize_t)r->pkt_len : -1;
	else
		n = send(k->fd, r->pkt, r->pkt_len, 0);
	if (n == (ssize_t)r->pkt_len)
		return true;
	c->ctr.send_errors++;
	if (n < 0 && errno == ECONNREFUSED && k->tls == NULL) {
		sock_refused(c, s, k, now);
		return false;
	}
	/* Lost like any datagram: the retransmission timer covers it. */
	return true;
}

/* A first transmission of r to server idx: Identifier, authenticator, bytes, timer. */
static int send_to_server(struct aaa_client *c, struct aaa_req *r, unsigned idx, uint64_t now)
{
	struct aaa_server *s = &c->servers[idx];
	int len, error;

	r->server = idx;
	error = aaa_radius_random_auth(r->req_auth);
	if (error != 0)
		return error;
	error = id_alloc(c, s, r);
	if (error != 0)
		return error;
	len = aaa_radius_encode_access_request(r->pkt, sizeof(r->pkt), r->id, r->req_auth,
					       &c->cfg.nas, &r->in, &s->secret);
	if (len < 0) {
		id_release(c, r);
		return len;
	}
	r->pkt_len = (uint16_t)len;
	r->tried |= 1u << idx;
	r->tries = 1;
	r->rt_ms = c->cfg.retransmit_ms;
	if (s->cfg.transport == AAA_TRANSPORT_TLS)
		tls_one_try(c, r);
	r->first_sent = now;
	c->ctr.transmissions++;
	if (transmit(c, r, now))
		timer_add(c, r, now + r->rt_ms);
	return 0;
}

static void deliver(struct aaa_client *c, struct aaa_req *r, struct aaa_result *res)
{
	void *cookie = r->cookie;

	switch (res->status) {
	case AAA_ACCEPT:
		c->ctr.accepts++;
		break;
	case AAA_REJECT:
		if (res->reason == AAA_REASON_OK)
			c->ctr.rejects++;
		else
			c->ctr.unusable++;
		break;
	case AAA_TIMEOUT:
		c->ctr.timeouts++;
		break;
	case AAA_FAILED:
		c->ctr.failures++;
		break;
	}
	/* Free first: the callback may submit and reuse the entry. */
	req_free(c, r);
	c->n_results++;
	if (c->fn != NULL)
		c->fn(cookie, res, c->fn_arg);
	mip_wipe(res, sizeof(*res));
}

static void deliver_status(struct aaa_client *c, struct aaa_req *r, enum aaa_status st)
{
	struct aaa_result res;

	memset(&res, 0, sizeof(res));
	res.status = st;
	res.server = -1;
	deliver(c, r, &res);
}

/* The first live server not yet tried by r, in configuration order. */
static int next_server(const struct aaa_client *c, uint32_t tried)
{
	for (unsigned i = 0; i < c->n_servers; i++) {
		if (c->servers[i].st.state == AAA_SERVER_ALIVE && !(tried & (1u << i)))
			return (int)i;
	}
	return -1;
}

static void failover(struct aaa_client *c, struct aaa_req *r, uint64_t now)
{
	int idx = next_server(c, r->tried);

	if (idx < 0) {
		deliver_status(c, r, AAA_TIMEOUT);
		return;
	}
	c->ctr.failovers++;
	if (send_to_server(c, r, (unsigned)idx, now) != 0)
		deliver_status(c, r, AAA_FAILED);
}

/* ---- server state: dead marking and Status-Server probes ---- */

static void probe_schedule(struct aaa_client *c, struct aaa_server *s, uint64_t now)
{
	id_release(c, &s->probe);
	s->probe.kind = REQ_PROBE_WAIT;
	timer_add(c, &s->probe, now + c->cfg.probe_interval_ms);
}

static void server_mark_dead(struct aaa_client *c, struct aaa_server *s, uint64_t now)
{
	s->st.state = AAA_SERVER_DEAD;
	s->st.marked_dead++;
	probe_schedule(c, s, now);
	/* A TLS connection that let requests time out: the probe gets a new one. */
	tls_reset_server(s, now);
	/* Its other requests need not wait out their own timers. */
	for (unsigned k = 0; k < s->n_socks; k++) {
		for (unsigned id = 0; id < AAA_IDS; id++) {
			struct aaa_req *r = s->socks[k]->slot[id];

			if (r == NULL || r->kind != REQ_ACCESS)
				continue;
			timer_del(c, r);
			id_release(c, r);
			failover(c, r, now);
		}
	}
}

static void server_recovered(struct aaa_client *c, struct aaa_server *s)
{
	timer_del(c, &s->probe);
	id_release(c, &s->probe);
	s->probe.kind = REQ_FREE;
	s->st.state = AAA_SERVER_ALIVE;
	s->st.consecutive_timeouts = 0;
	s->st.recovered++;
	s->st.probes_ok++;
	c->ctr.probes_ok++;
}

static void probe_send(struct aaa_client *c, struct aaa_server *s, uint64_t now)
{
	struct aaa_req *p = &s->probe;
	int len;

	if (aaa_radius_random_auth(p->req_auth) != 0 || id_alloc(c, s, p) != 0) {
		probe_schedule(c, s, now);
		return;
	}
	len = aaa_radius_encode_status_server(p->pkt, sizeof(p->pkt), p->id, p->req_auth,
					      &c->cfg.nas, &s->secret);
	if (len < 0) {
		probe_schedule(c, s, now);
		return;
	}
	p->pkt_len = (uint16_t)len;
	p->kind = REQ_PROBE;
	s->st.probes_sent++;
	c->ctr.probes_sent++;
	if (transmit(c, p, now))
		timer_add(c, p, now + c->cfg.probe_timeout_ms);
}

/*
 * ---- RADIUS over TLS: the Status-Server watchdog (RFC 6614 2.6, RFC 3539) ----
 * A live server's first TLS connection, when nothing arrived on it for
 * probe_interval_ms, gets a Status-Server; unanswered within
 * probe_timeout_ms, the connection is taken as broken: closed (its requests
 * fail over at once) and opened again after backoff.
 */

static void tls_watchdog_end(struct aaa_client *c, struct aaa_req *w)
{
	timer_del(c, w);
	id_release(c, w);
	w->kind = REQ_FREE;
}

/* When the watchdog of s is due, or UINT64_MAX. */
static uint64_t tls_watchdog_due(const struct aaa_client *c, const struct aaa_server *s)
{
	const struct aaa_sock *k = s->n_socks > 0 ? s->socks[0] : NULL;
	uint64_t last;

	if (k == NULL || k->tls == NULL || s->st.state != AAA_SERVER_ALIVE ||
	    s->watchdog.kind != REQ_FREE || k->used >= AAA_IDS)
		return UINT64_MAX;
	last = radsec_conn_last_rx(k->tls);
	return last == UINT64_MAX ? UINT64_MAX : last + c->cfg.probe_interval_ms;
}

static void tls_watchdog_send(struct aaa_client *c, struct aaa_server *s, uint64_t now)
{
	struct aaa_req *w = &s->watchdog;
	int len;

	/* socks[0] has a free Identifier (tls_watchdog_due): id_alloc takes it. */
	if (aaa_radius_random_auth(w->req_auth) != 0 || id_alloc(c, s, w) != 0)
		return;
	len = aaa_radius_encode_status_server(w->pkt, sizeof(w->pkt), w->id, w->req_auth,
					      &c->cfg.nas, &s->secret);
	if (len < 0) {
		id_release(c, w);
		return;
	}
	w->pkt_len = (uint16_t)len;
	w->kind = REQ_WATCHDOG;
	s->st.probes_sent++;
	c->ctr.probes_sent++;
	(void)transmit(c, w, now);	/* TLS: never refused */
	timer_add(c, w, now + c->cfg.probe_timeout_ms);
}

static void tls_watchdog_timeout(struct aaa_client *c, struct aaa_req *w, uint64_t now)
{
	struct aaa_sock *k = c->servers[w->server].socks[w->sock];

	tls_watchdog_end(c, w);
	radsec_conn_reset(k->tls, now);
}

/* ---- timers ---- */

static void access_timer(struct aaa_client *c, struct aaa_req *r, uint64_t now)
{
	struct aaa_server *s = &c->servers[r->server];

	if (r->tries <= c->cfg.retries) {
		r->tries++;
		r->rt_ms = r->rt_ms * 2 > c->cfg.retransmit_max_ms ? c->cfg.retransmit_max_ms
								   : r->rt_ms * 2;
		c->ctr.retransmissions++;
		if (transmit(c, r, now))
			timer_add(c, r, now + r->rt_ms);
		return;
	}
	s->st.timeouts++;
	s->st.consecutive_timeouts++;
	id_release(c, r);
	if (s->st.state == AAA_SERVER_ALIVE &&
	    s->st.consecutive_timeouts >= c->cfg.dead_after)
		server_mark_dead(c, s, now);
	failover(c, r, now);
}

static void run_timers(struct aaa_client *c, uint64_t now)
{
	struct aaa_req *r;

	while ((r = c->thead) != NULL && r->deadline <= now) {
		timer_del(c, r);
		switch (r->kind) {
		case REQ_ACCESS:
			access_timer(c, r, now);
			break;
		case REQ_PROBE_WAIT:
			probe_send(c, &c->servers[r->server], now);
			break;
		case REQ_PROBE:
			probe_schedule(c, &c->servers[r->server], now);
			break;
		case REQ_WATCHDOG:
			tls_watchdog_timeout(c, r, now);
			break;
		case REQ_FREE:
			break;
		}
	}
}

/* ---- replies ---- */

static void count_invalid(struct aaa_client *c, struct aaa_server *s, enum aaa_reason why)
{
	c->ctr.replies_invalid++;
	c->ctr.invalid[why]++;
	s->st.invalid++;
}

static bool code_expected(const struct aaa_req *r, uint8_t code)
{
	if (r->kind == REQ_PROBE || r->kind == REQ_WATCHDOG)
		return code == AAA_CODE_ACCESS_ACCEPT;
	return code == AAA_CODE_ACCESS_ACCEPT || code == AAA_CODE_ACCESS_REJECT ||
	       code == AAA_CODE_ACCESS_CHALLENGE;
}

static void server_answered(struct aaa_server *s, struct aaa_req *r, uint64_t now,
			    uint32_t *latency)
{
	uint64_t lat = now >= r->first_sent ? now - r->first_sent : 0;

	s->st.replies++;
	s->st.consecutive_timeouts = 0;
	s->st.latency_sum_ms += lat;
	s->st.latency_count++;
	if (lat > s->st.latency_max_ms)
		s->st.latency_max_ms = lat;
	*latency = (uint32_t)lat;
}

static void access_answered(struct aaa_client *c, struct aaa_req *r, const uint8_t *pkt,
			    size_t len, uint64_t now)
{
	struct aaa_server *s = &c->servers[r->server];
	struct aaa_result res;

	memset(&res, 0, sizeof(res));
	res.server = (int)r->server;
	server_answered(s, r, now, &res.latency_ms);
	res.reason = aaa_radius_decode_reply(pkt, len, r->req_auth, &s->secret, 0, &res.reply);
	if (res.reason != AAA_REASON_OK) {
		c->ctr.invalid[res.reason]++;
		res.status = AAA_REJECT;
	} else {
		res.status = res.reply.code == AAA_CODE_ACCESS_ACCEPT ? AAA_ACCEPT : AAA_REJECT;
	}
	deliver(c, r, &res);
}

static void handle_datagram(struct aaa_client *c, struct aaa_server *s, struct aaa_sock *k,
			    const uint8_t *pkt, size_t n, uint64_t now)
{
	struct aaa_req *r;
	enum aaa_reason why;
	size_t len;

	why = aaa_radius_check_length(pkt, n, &len);
	if (why != AAA_REASON_OK) {
		count_invalid(c, s, why);
		return;
	}
	r = k->slot[pkt[1]];
	if (r == NULL) {
		count_invalid(c, s, AAA_REASON_BAD_ID);
		return;
	}
	if (!code_expected(r, pkt[0])) {
		count_invalid(c, s, AAA_REASON_BAD_CODE);
		return;
	}
	why = aaa_radius_verify_reply(pkt, len, r->req_auth, &s->secret);
	if (why != AAA_REASON_OK) {
		count_invalid(c, s, why);
		return;
	}
	c->ctr.replies_valid++;
	if (r->kind == REQ_WATCHDOG) {
		tls_watchdog_end(c, r);
		s->st.probes_ok++;
		c->ctr.probes_ok++;
		return;
	}
	if (r->kind == REQ_PROBE) {
		server_recovered(c, s);
		return;
	}
	access_answered(c, r, pkt, len, now);
}

/*
 * Reads k until it is empty or budget datagrams were taken, AAA_RX_BATCH per
 * recvmmsg(): a batch that comes back short means the socket is drained, so
 * one reply costs one system call.
 */
/* Records from a TLS connection, checked exactly as datagrams are. */
static unsigned read_tls(struct aaa_client *c, struct aaa_server *s, struct aaa_sock *k,
			 unsigned budget, uint64_t now)
{
	uint8_t rec[AAA_RADIUS_MAX_LEN];
	unsigned done = 0;
	int n;

	while (done < budget) {
		n = radsec_conn_recv(k->tls, rec, sizeof(rec), now);
		if (n == -ECONNRESET) {
			sock_tries_end(c, k, now);
			done++;
			continue;
		}
		if (n <= 0)
			break;
		done++;
		handle_datagram(c, s, k, rec, (size_t)n, now);
	}
	return done;
}

/* TLS connections with a deadline due: reconnection, timeouts, decrypted records. */
static void tls_poll(struct aaa_client *c, uint64_t now)
{
	for (unsigned i = 0; i < c->n_servers && c->n_tls > 0; i++) {
		struct aaa_server *s = &c->servers[i];

		for (unsigned k = 0; k < s->n_socks; k++)
			if (s->socks[k]->tls != NULL &&
			    radsec_conn_next_deadline(s->socks[k]->tls) <= now)
				read_tls(c, s, s->socks[k], AAA_RX_BUDGET, now);
		if (tls_watchdog_due(c, s) <= now)
			tls_watchdog_send(c, s, now);
	}
}

static unsigned read_socket(struct aaa_client *c, struct aaa_server *s, struct aaa_sock *k,
			    unsigned budget, uint64_t now)
{
	unsigned done = 0;

	if (k->tls != NULL)
		return read_tls(c, s, k, budget, now);

	while (done < budget) {
		unsigned want = budget - done < AAA_RX_BATCH ? budget - done : AAA_RX_BATCH;
		int n;

		for (unsigned i = 0; i < want; i++) {
			c->rx_iov[i].iov_base = c->rx[i];
			c->rx_iov[i].iov_len = sizeof(c->rx[i]);
			memset(&c->rx_msg[i].msg_hdr, 0, sizeof(c->rx_msg[i].msg_hdr));
			c->rx_msg[i].msg_hdr.msg_iov = &c->rx_iov[i];
			c->rx_msg[i].msg_hdr.msg_iovlen = 1;
		}
		/* MSG_TRUNC: the real size, so an over-long datagram is seen as one. */
		n = recvmmsg(k->fd, c->rx_msg, want, MSG_TRUNC | MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			/* A pending socket error is reported once; read on after it. */
			if (errno == ECONNREFUSED) {
				sock_refused(c, s, k, now);
				continue;
			}
			c->ctr.recv_errors++;
			break;
		}
		for (int i = 0; i < n; i++) {
			size_t len = c->rx_msg[i].msg_len;

			done++;
			if (len > AAA_RADIUS_MAX_LEN) {
				count_invalid(c, s, AAA_REASON_BAD_LENGTH);
				continue;
			}
			handle_datagram(c, s, k, c->rx[i], len, now);
		}
		if ((unsigned)n < want)
			break;
	}
	return done;
}

/* Reads the sockets epoll reports readable, within budget. */
static void read_ready(struct aaa_client *c, uint64_t now)
{
	struct epoll_event ev[AAA_EP_EVENTS];
	unsigned budget = AAA_RX_BUDGET;
	int n;

	do
		n = epoll_wait(c->epfd, ev, AAA_EP_EVENTS, 0);
	while (n < 0 && errno == EINTR);
	for (int i = 0; i < n && budget > 0; i++) {
		struct aaa_sock *k = ev[i].data.ptr;

		budget -= read_socket(c, &c->servers[k->server], k, budget, now);
	}
}

unsigned aaa_client_poll(struct aaa_client *c, uint64_t now_ms, aaa_result_fn fn, void *arg)
{
	c->fn = fn;
	c->fn_arg = arg;
	c->n_results = 0;
	/*
	 * Nothing to read when aaa_client_wait just found the sockets empty, nor
	 * when nothing is in flight and it did not see a datagram (a late reply,
	 * an ICMP error) arrive: those wait for the next aaa_client_wait.
	 */
	if (c->rx_state == RX_READY ||
	    (c->rx_state == RX_UNKNOWN && (c->ids_held > 0 || c->n_tls > 0)))
		read_ready(c, now_ms);
	c->rx_state = RX_UNKNOWN;
	tls_poll(c, now_ms);
	run_timers(c, now_ms);
	c->fn = NULL;
	c->fn_arg = NULL;
	return c->n_results;
}

int aaa_client_submit(struct aaa_client *c, const struct aaa_access_req *req, void *cookie,
		      uint64_t now_ms)
{
	struct aaa_req *r;
	int idx, error;

	idx = next_server(c, 0);
	if (idx < 0) {
		c->ctr.refused_no_server++;
		return -EHOSTUNREACH;
	}
	r = req_alloc(c);
	if (r == NULL) {
		c->ctr.refused_busy++;
		return -ENOBUFS;
	}
	r->kind = REQ_ACCESS;
	r->cookie = cookie;
	r->in = *req;
	error = send_to_server(c, r, (unsigned)idx, now_ms);
	if (error != 0) {
		req_free(c, r);
		if (error == -EINVAL)
			return error;
		c->ctr.refused_busy++;
		return -ENOBUFS;
	}
	c->ctr.requests++;
	return 0;
}

/* ---- life cycle ---- */

static int server_init(struct aaa_client *c, unsigned idx)
{
	struct aaa_server *s = &c->servers[idx];
	const char *file;
	size_t len = 0;
	int error;

	s->cfg = c->cfg.servers[idx];
	s->probe.server = idx;
	s->probe.sock = -1;
	s->watchdog.server = idx;
	s->watchdog.sock = -1;
	s->st.state = AAA_SERVER_ALIVE;
	file = s->cfg.secret_file != NULL ? s->cfg.secret_file : c->cfg.secret_file;
	if (s->cfg.transport == AAA_TRANSPORT_TLS && s->cfg.secret_file == NULL)
		error = tls_default_secret(&s->secret_buf, &len);
	else if (file == NULL)
		return -EINVAL;
	else
		error = aaa_secret_load(file, &s->secret_buf, &len);
	if (error != 0)
		return error;
	s->secret.b = s->secret_buf;
	s->secret.len = len;
	s->socks = calloc(c->cfg.max_sockets, sizeof(*s->socks));
	if (s->socks == NULL)
		return -ENOMEM;
	/* One socket now: a bad address fails here, not on the first request. */
	error = sock_open(c, s, &s->socks[0]);
	if (error != 0)
		return error;
	s->n_socks = 1;
	return 0;
}

static int cfg_check(const struct aaa_client_cfg *cfg)
{
	size_t id_len = strnlen(cfg->nas.id, sizeof(cfg->nas.id));

	if (cfg->n_servers == 0 || cfg->n_servers > AAA_MAX_SERVERS)
		return -EINVAL;
	if (id_len == 0 || id_len > 253)
		return -EINVAL;
	if (cfg->retransmit_ms == 0 || cfg->retransmit_max_ms < cfg->retransmit_ms ||
	    cfg->dead_after == 0 || cfg->probe_interval_ms == 0 || cfg->probe_timeout_ms == 0 ||
	    cfg->max_requests == 0 || cfg->max_sockets == 0)
		return -EINVAL;
	return 0;
}

struct aaa_client *aaa_client_create(const struct aaa_client_cfg *cfg, int *error)
{
	struct aaa_client *c;
	int err;

	err = cfg_check(cfg);
	if (err != 0) {
		*error = err;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		*error = -ENOMEM;
		return NULL;
	}
	c->cfg = *cfg;
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (c->epfd < 0) {
		*error = -errno;
		free(c);
		return NULL;
	}
	c->reqs = calloc(cfg->max_requests, sizeof(*c->reqs));
	if (c->reqs == NULL) {
		close(c->epfd);
		free(c);
		*error = -ENOMEM;
		return NULL;
	}
	for (unsigned i = cfg->max_requests; i-- > 0;) {
		c->reqs[i].sock = -1;
		c->reqs[i].free_next = c->free_list;
		c->free_list = &c->reqs[i];
	}
	err = tls_init(c);
	if (err != 0) {
		aaa_client_destroy(c);
		*error = err;
		return NULL;
	}
	for (unsigned i = 0; i < cfg->n_servers; i++) {
		c->n_servers = i + 1;
		err = server_init(c, i);
		if (err != 0) {
			aaa_client_destroy(c);
			*error = err;
			return NULL;
		}
	}
	*error = 0;
	return c;
}

void aaa_client_destroy(struct aaa_client *c)
{
	if (c == NULL)
		return;
	for (unsigned i = 0; i < c->n_servers; i++) {
		struct aaa_server *s = &c->servers[i];

		for (unsigned k = 0; k < s->n_socks; k++) {
			if (s->socks[k]->tls != NULL)
				radsec_conn_destroy(s->socks[k]->tls);
			else
				close(s->socks[k]->fd);
			free(s->socks[k]);
		}
		free(s->socks);
		if (s->secret_buf != NULL)
			mip_secret_free(s->secret_buf, AAA_SECRET_MAX);
	}
	if (c->reqs != NULL) {
		mip_wipe(c->reqs, (size_t)c->cfg.max_requests * sizeof(*c->reqs));
		free(c->reqs);
	}
	close(c->epfd);
	radsec_ctx_destroy(c->tls_ctx);
	mip_wipe(c, sizeof(*c));
	free(c);
}

uint64_t aaa_client_next_deadline(const struct aaa_client *c)
{
	uint64_t d = c->thead != NULL ? c->thead->deadline : UINT64_MAX;

	for (unsigned i = 0; i < c->n_servers && c->n_tls > 0; i++) {
		for (unsigned k = 0; k < c->servers[i].n_socks; k++) {
			const struct aaa_sock *s = c->servers[i].socks[k];
			uint64_t t = s->tls != NULL ? radsec_conn_next_deadline(s->tls) : UINT64_MAX;

			d = t < d ? t : d;
		}
		d = tls_watchdog_due(c, &c->servers[i]) < d ? tls_watchdog_due(c, &c->servers[i]) : d;
	}
	return d;
}

int aaa_client_wait_fd(const struct aaa_client *c)
{
	return c->epfd;
}

int aaa_client_wait_also(struct aaa_client *c, uint32_t timeout_us, const int *fds, unsigned n,
			 bool *ready)
{
	struct pollfd p[1 + AAA_WAIT_FDS] = { { .fd = c->epfd, .events = POLLIN } };
	struct timespec ts = {
		.tv_sec = timeout_us / 1000000,
		.tv_nsec = (long)(timeout_us % 1000000) * 1000,
	};
	int r;

	if (n > AAA_WAIT_FDS)
		n = AAA_WAIT_FDS;
	for (unsigned i = 0; i < n; i++) {
		p[1 + i].fd = fds[i];	/* negative: ppoll skips it */
		p[1 + i].events = POLLIN;
	}
	r = ppoll(p, 1 + n, &ts, NULL);
	for (unsigned i = 0; ready != NULL && i < n; i++)
		ready[i] = r > 0 && fds[i] >= 0 &&
			   (p[1 + i].revents & (POLLIN | POLLERR | POLLHUP)) != 0;
	if (r < 0) {
		/* Interrupted or failed: the next poll looks for itself. */
		c->rx_state = RX_UNKNOWN;
		return errno == EINTR ? 0 : -errno;
	}
	r = (p[0].revents & (POLLIN | POLLERR | POLLHUP)) != 0;
	c->rx_state = r ? RX_READY : RX_EMPTY;
	return r;
}

int aaa_client_wait(struct aaa_client *c, uint32_t timeout_us)
{
	return aaa_client_wait_also(c, timeout_us, NULL, 0, NULL);
}

unsigned aaa_client_fds(const struct aaa_client *c, int *fds, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < c->n_servers; i++) {
		for (unsigned k = 0; k < c->servers[i].n_socks && n < max; k++)
			fds[n++] = c->servers[i].socks[k]->fd;
	}
	return n;
}

void aaa_client_counters(const struct aaa_client *c, struct aaa_client_counters *out)
{
	*out = c->ctr;
}

int aaa_client_server_stats(const struct aaa_client *c, unsigned idx, struct aaa_server_stats *out)
{
	if (idx >= c->n_servers)
		return -EINVAL;
	*out = c->servers[idx].st;
	out->sockets = c->servers[idx].n_socks;
	return 0;
}

int aaa_client_server_tls_stats(const struct aaa_client *c, unsigned idx,
				struct radsec_counters *out, const char **why)
{
	const struct aaa_server *s;

	if (idx >= c->n_servers || c->servers[idx].cfg.transport != AAA_TRANSPORT_TLS)
		return -EINVAL;
	s = &c->servers[idx];
	memset(out, 0, sizeof(*out));
	if (why != NULL)
		*why = "";
	for (unsigned k = 0; k < s->n_socks; k++) {
		struct radsec_counters one;

		radsec_conn_counters(s->socks[k]->tls, &one);
#define AAA_TLS_SUM(name, text) out->name += one.name;
		RADSEC_COUNTERS(AAA_TLS_SUM)
#undef AAA_TLS_SUM
		if (why != NULL && radsec_conn_last_error(s->socks[k]->tls)[0] != '\0')
			*why = radsec_conn_last_error(s->socks[k]->tls);
	}
	return 0;
}
