/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RADIUS over TLS (RFC 6614, "RadSec"): one non-blocking TLS-over-TCP
 * connection to one server, carrying whole RADIUS packets. The caller (the
 * AAA client) owns Identifiers, timers and verification; this file only moves
 * records: non-blocking connect, TLS 1.2+ handshake with the server's
 * certificate verified against a CA file and the expected name or IP address,
 * an optional client certificate, a send queue for partial writes, records
 * reassembled from the stream by their Length field, and reconnection with
 * backoff after a close or an error. No threads; every call gets now_ms.
 *
 *	ctx = radsec_ctx_create(&tls, &error, why, sizeof(why));
 *	conn = radsec_conn_create(ctx, addr, addr_len, server_name, &error);
 *	radsec_conn_send(conn, pkt, len);		queued, sent when up
 *	loop: n = radsec_conn_recv(conn, buf, cap, now)	> 0: one record
 *						-ECONNRESET: the connection ended
 *	radsec_conn_destroy(conn); radsec_ctx_destroy(ctx);
 */
#ifndef RADSEC_H
#define RADSEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* RFC 6614 section 2.3: the shared secret over TLS, unless configured. */
#define RADSEC_DEFAULT_SECRET "radsec"
/* Reconnection backoff: doubles from MIN to MAX, back to MIN after a record arrives. */
#define RADSEC_BACKOFF_MIN_MS 100
#define RADSEC_BACKOFF_MAX_MS 10000
/* TCP connect plus TLS handshake must end within this. */
#define RADSEC_CONNECT_TIMEOUT_MS 3000

struct radsec_tls_cfg {
	const char *ca_file;	/* PEM: the CAs that may sign the server's certificate (required) */
	const char *cert_file;	/* PEM chain: the client's certificate; NULL: none */
	const char *key_file;	/* PEM: its private key; NULL: in cert_file */
	/*
	 * PEM: one or more CRLs; NULL: no revocation check. With it, the
	 * server's certificate must not be revoked by its issuer's CRL (which
	 * must be present and current). Re-read before a handshake when the
	 * file changed; a bad new file keeps the CRLs in use.
	 */
	const char *crl_file;
};

#define RADSEC_COUNTERS(X) \
	X(connects, "TCP connections attempted") \
	X(connect_failures, "TCP connections refused, failed or timed out") \
	X(handshakes, "TLS handshakes completed (server verified)") \
	X(handshake_failures, "TLS handshakes failed (verification, protocol, timeout)") \
	X(crl_reloads, "CRL file changes read (before a handshake)") \
	X(crl_reload_failures, "CRL file changes refused (unreadable, no CRL): old CRLs kept") \
	X(ca_reloads, "CA file changes read (before a handshake)") \
	X(ca_reload_failures, "CA file changes refused (unreadable, no certificate): old CAs kept") \
	X(closes, "established connections closed (peer, error)") \
	X(framing_errors, "streams with a RADIUS Length outside 20..4096 (closed)") \
	X(queue_full, "records refused: send queue full") \
	X(records_out, "records queued to send") \
	X(records_in, "records received") \
	X(bytes_out, "bytes written to TLS") \
	X(bytes_in, "bytes read from TLS")

struct radsec_counters {
#define RADSEC_CTR_FIELD(name, text) uint64_t name;
	RADSEC_COUNTERS(RADSEC_CTR_FIELD)
#undef RADSEC_CTR_FIELD
};

extern const char *const radsec_counter_names[];
extern const unsigned radsec_counter_count;

enum radsec_state {
	RADSEC_BACKOFF,		/* no connection; the next attempt at the deadline */
	RADSEC_CONNECTING,	/* TCP connect in progress */
	RADSEC_HANDSHAKE,	/* TLS handshake in progress */
	RADSEC_UP,		/* records flow */
};

struct radsec_ctx;
struct radsec_conn;

/*
 * The TLS context shared by connections: TLS 1.2 minimum, peer verification
 * on, the CA file loaded, the client certificate and key loaded and checked.
 * NULL with *error = -errno (-EINVAL for a bad file) and why set on failure.
 */
struct radsec_ctx *radsec_ctx_create(const struct radsec_tls_cfg *cfg, int *error, char *why,
				     size_t why_len);
void radsec_ctx_destroy(struct radsec_ctx *ctx);

/*
 * A connection to addr (IPv4 or IPv6, TCP port). The server's certificate
 * must name server_name (DNS name, also sent as SNI) or, when server_name is
 * NULL or empty, carry addr as an IP address subjectAltName. Does not connect
 * yet: the first radsec_conn_recv does.
 */
struct radsec_conn *radsec_conn_create(struct radsec_ctx *ctx, const struct sockaddr *addr,
				       socklen_t addr_len, const char *server_name, int *error);
/* Closes (TLS close_notify, best effort) and frees. */
void radsec_conn_destroy(struct radsec_conn *conn);

/*
 * Queues one record (a whole RADIUS packet); it goes out once the connection
 * is up. 0, or -ENOBUFS when the queue is full, -EINVAL for a bad length,
 * -ENOTCONN when the connection ended and recv has not reported it yet.
 * Records queued when the connection ends are dropped (see recv).
 */
int radsec_conn_send(struct radsec_conn *conn, const uint8_t *rec, size_t len);

/*
 * Drives the connection (connect, handshake, pending writes, reconnection)
 * and returns the next whole record copied into buf (its length, > 0), 0 when
 * none is ready, or -ECONNRESET once per connection that ended (closed,
 * failed, timed out): every record sent or queued before that is lost, and
 * the Identifiers used on it are free again. buf needs 4096 bytes.
 */
int radsec_conn_recv(struct radsec_conn *conn, uint8_t *buf, size_t cap, uint64_t now_ms);

/* Ends the connection now (reported by the next recv); reconnects after backoff. */
void radsec_conn_reset(struct radsec_conn *conn, uint64_t now_ms);

/*
 * A file descriptor that becomes readable when the connection needs service
 * (an epoll set holding the TCP socket): the same fd across reconnections.
 */
int radsec_conn_fd(const struct radsec_conn *conn);
/* When recv must be called again without waiting on the fd (backoff end,
 * connect timeout, data already decrypted); UINT64_MAX: only on the fd. */
uint64_t radsec_conn_next_deadline(const struct radsec_conn *conn);

enum radsec_state radsec_conn_state(const struct radsec_conn *conn);
/* Up: when the last record arrived (or the handshake ended); else UINT64_MAX. */
uint64_t radsec_conn_last_rx(const struct radsec_conn *conn);
/*
 * Why the last connection attempt or connection failed, else why the last
 * change of the CRL file was refused ("" if neither).
 */
const char *radsec_conn_last_error(const struct radsec_conn *conn);
void radsec_conn_counters(const struct radsec_conn *conn, struct radsec_counters *out);

#endif /* RADSEC_H */
