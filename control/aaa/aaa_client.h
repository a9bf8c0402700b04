/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HA's RADIUS client: non-blocking, driven by the caller's loop (the
 * control lcore), many requests in flight per socket, millisecond
 * retransmission timers, several servers in order with failover, dead servers
 * marked and probed with Status-Server (RFC 5997). A reply is taken only when
 * its Identifier, Response Authenticator and Message-Authenticator are right
 * (spec section 5 step 4). No threads, no clock of its own: every call gets
 * now_ms from the caller (any monotonic millisecond clock).
 *
 *	c = aaa_client_create(&cfg, &error);
 *	aaa_client_submit(c, &req, cookie, now_ms);	   returns at once
 *	loop: aaa_client_poll(c, now_ms, on_result, arg);  replies, timers, results
 *	aaa_client_destroy(c);
 *
 * Single-threaded: every call from the same thread. on_result may call
 * aaa_client_submit.
 */
#ifndef AAA_CLIENT_H
#define AAA_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "radius.h"
#include "radsec.h"

#define AAA_MAX_SERVERS 8
#define AAA_SECRET_MAX 256

enum aaa_transport {
	AAA_TRANSPORT_UDP,
	AAA_TRANSPORT_TLS,	/* RFC 6614 (radsec.h): the client's tls settings */
};

struct aaa_server_cfg {
	struct sockaddr_storage addr;	/* IPv4 or IPv6 address and UDP (TLS: TCP) port */
	socklen_t addr_len;
	/* NULL: the client's secret_file (UDP) or "radsec" (TLS, RFC 6614 2.3) */
	const char *secret_file;
	enum aaa_transport transport;
	/* TLS: the name the server's certificate must carry (also SNI); NULL or
	 * "": the client's tls_server_name, else the server's IP address. */
	const char *tls_server_name;
};

struct aaa_client_cfg {
	struct aaa_nas nas;
	/* The shared secret: the file's bytes less one trailing newline. */
	const char *secret_file;
	struct aaa_server_cfg servers[AAA_MAX_SERVERS];	/* in order of preference */
	unsigned n_servers;
	uint32_t retransmit_ms;		/* first retransmission timer */
	uint32_t retransmit_max_ms;	/* the timer doubles up to this */
	unsigned retries;		/* retransmissions to one server before failover */
	unsigned dead_after;		/* consecutive timeouts that mark a server dead */
	uint32_t probe_interval_ms;	/* Status-Server to a dead server this often */
	uint32_t probe_timeout_ms;	/* a probe's answer must come within this */
	unsigned max_requests;		/* requests in flight, whole client */
	unsigned max_sockets;		/* per server; 256 Identifiers each */
	/* TLS servers: CA file (required), client certificate and key (optional). */
	struct radsec_tls_cfg tls;
	const char *tls_server_name;	/* default for every TLS server */
};

/* Defaults: 250 ms doubling to 2 s, 2 retries, dead after 3, probe every 2 s
 * with 1 s to answer, 4096 requests, 16 sockets per server. */
void aaa_client_cfg_defaults(struct aaa_client_cfg *cfg);
/* Sets servers[n_servers++] from a numeric address and port. 0 or -EINVAL/-ENOSPC. */
int aaa_client_cfg_add_server(struct aaa_client_cfg *cfg, const char *addr, uint16_t port,
			      const char *secret_file);
/* The same for a RADIUS over TLS server (TCP port, 2083 by RFC 6614). */
int aaa_client_cfg_add_tls_server(struct aaa_client_cfg *cfg, const char *addr, uint16_t port,
				  const char *secret_file);

/*
 * Reads a secret file: the bytes less one trailing "\n" (or "\r\n"). 1..256
 * bytes. The buffer comes from mip_secret_alloc (free with mip_secret_free(b,
 * AAA_SECRET_MAX)). 0 or -errno (-EINVAL when empty or too long).
 */
int aaa_secret_load(const char *path, uint8_t **buf, size_t *len);

enum aaa_status {
	AAA_ACCEPT,	/* verified Access-Accept with MS-CHAP2-Success and k'' */
	AAA_REJECT,	/* verified Access-Reject, or an Accept that cannot be used (reason) */
	AAA_TIMEOUT,	/* no valid reply from any server within the timeouts and retries */
	AAA_FAILED,	/* local failure (no Identifier free at failover) */
};

struct aaa_result {
	enum aaa_status status;
	/* REJECT: OK for an Access-Reject, else why the Accept was unusable. */
	enum aaa_reason reason;
	int server;			/* the server that answered, -1 if none */
	uint32_t latency_ms;		/* from the first transmission to that server */
	/* ACCEPT: every field; REJECT: Reply-Message. Wiped after the callback. */
	struct aaa_reply reply;
};

/* Called once per submitted request. res (and the k'' in it) is wiped when it returns. */
typedef void (*aaa_result_fn)(void *cookie, const struct aaa_result *res, void *arg);

#define AAA_CLIENT_COUNTERS(X) \
	X(requests, "requests submitted") \
	X(refused_no_server, "submits refused: every server marked dead") \
	X(refused_busy, "submits refused: request table or Identifiers full") \
	X(transmissions, "Access-Requests sent (first tries)") \
	X(retransmissions, "Access-Requests sent again to the same server") \
	X(failovers, "requests moved to the next server") \
	X(accepts, "results: accept") \
	X(rejects, "results: Access-Reject") \
	X(unusable, "results: authentic Access-Accept/Challenge that cannot be used") \
	X(timeouts, "results: no valid reply from any server") \
	X(failures, "results: local failure") \
	X(replies_valid, "replies that passed every check") \
	X(replies_invalid, "replies discarded (see invalid[reason])") \
	X(send_errors, "send() failures (counted as lost packets)") \
	X(recv_errors, "recv() failures other than EAGAIN") \
	X(probes_sent, "Status-Server probes sent") \
	X(probes_ok, "Status-Server probes answered")

struct aaa_client_counters {
#define AAA_CTR_FIELD(name, text) uint64_t name;
	AAA_CLIENT_COUNTERS(AAA_CTR_FIELD)
#undef AAA_CTR_FIELD
	/* Per reason: discarded replies (first group) and unusable answers (second). */
	uint64_t invalid[AAA_REASON_MAX];
};

enum aaa_server_state { AAA_SERVER_ALIVE, AAA_SERVER_DEAD };

#define AAA_SERVER_COUNTERS(X) \
	X(transmissions, "requests and retransmissions sent") \
	X(timeouts, "requests whose tries to this server all went unanswered") \
	X(replies, "valid replies") \
	X(invalid, "replies discarded") \
	X(marked_dead, "times marked dead") \
	X(recovered, "times recovered by a probe") \
	X(probes_sent, "Status-Server probes sent") \
	X(probes_ok, "Status-Server probes answered") \
	X(refused, "ICMP port unreachable (ECONNREFUSED): tries on that socket ended at once") \
	X(latency_sum_ms, "sum of request latencies") \
	X(latency_count, "requests with a latency") \
	X(latency_max_ms, "largest request latency")

struct aaa_server_stats {
#define AAA_SCTR_FIELD(name, text) uint64_t name;
	AAA_SERVER_COUNTERS(AAA_SCTR_FIELD)
#undef AAA_SCTR_FIELD
	enum aaa_server_state state;
	unsigned consecutive_timeouts;
	unsigned sockets;
	unsigned in_flight;
};

/* Names of the counters above, in order (for telemetry). */
extern const char *const aaa_client_counter_names[];
extern const unsigned aaa_client_counter_count;
extern const char *const aaa_server_counter_names[];
extern const unsigned aaa_server_counter_count;

struct aaa_client;

/* NULL and *error = -errno on failure (bad configuration, unreadable secret, socket). */
struct aaa_client *aaa_client_create(const struct aaa_client_cfg *cfg, int *error);
/* Closes the sockets, wipes the secrets. Requests in flight end without a callback. */
void aaa_client_destroy(struct aaa_client *c);

/*
 * Sends an Access-Request for req to the first live server; the result comes
 * through aaa_client_poll's callback with cookie. 0, or -EINVAL (bad req),
 * -EHOSTUNREACH (every server dead), -ENOBUFS (too many requests in flight).
 */
int aaa_client_submit(struct aaa_client *c, const struct aaa_access_req *req, void *cookie,
		      uint64_t now_ms);

/*
 * Reads the replies waiting on the sockets (at most a bounded batch), runs the
 * timers due at now_ms (retransmission, failover, dead marking, probes) and
 * calls fn for each request that ended. Returns the number of results.
 */
unsigned aaa_client_poll(struct aaa_client *c, uint64_t now_ms, aaa_result_fn fn, void *arg);

/* The earliest timer, or UINT64_MAX: how long the caller may sleep. */
uint64_t aaa_client_next_deadline(const struct aaa_client *c);
/* The sockets' fds (for poll/epoll), up to max; returns how many. */
unsigned aaa_client_fds(const struct aaa_client *c, int *fds, unsigned max);

/*
 * Readiness. aaa_client_poll reads only the sockets that have something
 * waiting (an epoll set over them), and none when no request or probe is in
 * flight and aaa_client_wait saw nothing arrive.
 *
 * aaa_client_wait blocks up to timeout_us (0: just looks) until a reply or a
 * socket error is waiting: 1, 0 on timeout or signal, -errno. The caller
 * bounds timeout_us by aaa_client_next_deadline itself, then calls
 * aaa_client_poll (which skips the read after a timeout).
 *
 * aaa_client_wait_fd is the epoll fd behind it, readable when a socket is,
 * for a caller that multiplexes it with its own fds: when it polls readable,
 * call aaa_client_wait(c, 0) and then aaa_client_poll. Owned by the client.
 */
int aaa_client_wait(struct aaa_client *c, uint32_t timeout_us);
int aaa_client_wait_fd(const struct aaa_client *c);
/*
 * aaa_client_wait that also ends when one of the caller's n fds (an
 * eventfd, a socket; -1 entries are skipped; n <= AAA_WAIT_FDS) is readable;
 * ready[i] tells which (ready may be NULL). The return value is about the
 * client's sockets only.
 */
#define AAA_WAIT_FDS 4
int aaa_client_wait_also(struct aaa_client *c, uint32_t timeout_us, const int *fds, unsigned n,
			 bool *ready);

void aaa_client_counters(const struct aaa_client *c, struct aaa_client_counters *out);
/* 0, or -EINVAL for an index out of range. */
int aaa_client_server_stats(const struct aaa_client *c, unsigned idx, struct aaa_server_stats *out);
/*
 * A TLS server's connection counters (radsec.h), summed over its
 * connections, and the last connection error ("" if none; why may be NULL).
 * 0, or -EINVAL for an index out of range or a UDP server.
 */
int aaa_client_server_tls_stats(const struct aaa_client *c, unsigned idx,
				struct radsec_counters *out, const char **why);

#endif /* AAA_CLIENT_H */
