/* SPDX-License-Identifier: BSD-3-Clause */
/* RADIUS over TLS (RFC 6614): one non-blocking TLS connection moving records. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "radsec.h"

#define RADSEC_HDR_LEN 20
#define RADSEC_REC_MAX 4096
/* Room for one whole record plus the start of the next. */
#define RADSEC_IN_SIZE (2 * RADSEC_REC_MAX)
/* Send queue: 256 Identifiers of at most 4096 bytes. */
#define RADSEC_OUT_MAX (256u * RADSEC_REC_MAX)
#define RADSEC_WRITE_CHUNK 16384

const char *const radsec_counter_names[] = {
#define RADSEC_CTR_NAME(name, text) #name,
	RADSEC_COUNTERS(RADSEC_CTR_NAME)
#undef RADSEC_CTR_NAME
};
const unsigned radsec_counter_count =
	sizeof(radsec_counter_names) / sizeof(radsec_counter_names[0]);

struct radsec_ctx {
	SSL_CTX *ssl;
	BIO_METHOD *bio;
	char *ca_file;		/* copies, for reloads */
	char *crl_file;		/* NULL: no revocation check */
	struct stat ca_st;	/* of the CA file last read (or refused) */
	struct stat crl_st;	/* of the CRL file last read (or refused) */
	char trust_error[160];	/* why the last CA or CRL reload was refused, "" when it was not */
};

struct radsec_conn {
	struct radsec_ctx *ctx;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	char server_name[256];
	int ep;			/* the caller's stable fd: an epoll set with fd in it */
	int fd;			/* TCP socket, -1 when none */
	uint32_t ep_events;	/* fd's events in ep */
	SSL *ssl;
	enum radsec_state state;
	uint64_t deadline;	/* BACKOFF: next attempt; CONNECTING/HANDSHAKE: give up */
	uint32_t backoff_ms;
	bool reset_pending;	/* a connection ended: tell the caller once */
	bool got_record;	/* on this connection: it worked, backoff starts again */
	uint64_t now;		/* of the last recv or reset (send has no clock) */
	uint64_t last_rx;	/* when the last record arrived (or the handshake ended) */
	uint8_t *out;		/* send queue: out[out_off..out_len) */
	size_t out_off, out_len, out_cap;
	size_t write_try;	/* length of an SSL_write to repeat (WANT_WRITE), 0: none */
	size_t in_len;
	struct radsec_counters ctr;
	char last_error[160];
	uint8_t in[RADSEC_IN_SIZE];
};

/* ---- a socket BIO that never raises SIGPIPE (send with MSG_NOSIGNAL) ---- */

static int bio_write(BIO *b, const char *buf, int len)
{
	int fd = (int)(intptr_t)BIO_get_data(b);
	ssize_t n = send(fd, buf, (size_t)len, MSG_NOSIGNAL);

	BIO_clear_retry_flags(b);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		BIO_set_retry_write(b);
	return (int)n;
}

static int bio_read(BIO *b, char *buf, int len)
{
	int fd = (int)(intptr_t)BIO_get_data(b);
	ssize_t n = recv(fd, buf, (size_t)len, 0);

	BIO_clear_retry_flags(b);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		BIO_set_retry_read(b);
	return (int)n;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)b;
	(void)num;
	(void)ptr;
	return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int bio_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

/* ---- context ---- */

static void why_ssl(char *why, size_t len, const char *what, const char *file)
{
	char e[120] = "";
	unsigned long code = ERR_peek_last_error();

	if (code != 0)
		ERR_error_string_n(code, e, sizeof(e));
	snprintf(why, len, "%s %s: %s", what, file != NULL ? file : "", e);
	ERR_clear_error();
}

/* Did the file change since st (another inode, size or modification time)? */
static bool file_changed(const struct stat *st, const struct stat *now)
{
	return st->st_ino != now->st_ino || st->st_dev != now->st_dev ||
	       st->st_size != now->st_size || st->st_mtim.tv_sec != now->st_mtim.tv_sec ||
	       st->st_mtim.tv_nsec != now->st_mtim.tv_nsec;
}

/*
 * A certificate store for verifying servers: the CAs of ca_file and, when
 * crl_file is not NULL, every CRL of crl_file, checked for every certificate
 * of the chain, the server's and its intermediate CAs' (X509_V_FLAG_CRL_CHECK_ALL:
 * each issuer's CRL must be there and current; a revoked intermediate CA fails
 * the handshake). NULL with why set.
 */
static X509_STORE *store_build(const char *ca_file, const char *crl_file, char *why,
			       size_t why_len)
{
	X509_STORE *st = X509_STORE_new();
	X509_CRL *crl;
	unsigned int n = 0;
	BIO *in;

	if (st == NULL) {
		snprintf(why, why_len, "out of memory");
		return NULL;
	}
	ERR_clear_error();
	if (X509_STORE_load_file(st, ca_file) != 1) {
		why_ssl(why, why_len, "CA file", ca_file);
		goto fail;
	}
	if (crl_file == NULL)
		return st;
	in = BIO_new_file(crl_file, "r");
	if (in == NULL) {
		why_ssl(why, why_len, "CRL file", crl_file);
		goto fail;
	}
	while ((crl = PEM_read_bio_X509_CRL(in, NULL, NULL, NULL)) != NULL) {
		int ok = X509_STORE_add_crl(st, crl);

		X509_CRL_free(crl);
		if (ok != 1) {
			BIO_free(in);
			why_ssl(why, why_len, "CRL file", crl_file);
			goto fail;
		}
		n++;
	}
	BIO_free(in);
	/* The loop ends on "no start line" after the last CRL: not an error then. */
	if (n == 0) {
		snprintf(why, why_len, "CRL file %s: no PEM X509 CRL in it", crl_file);
		goto fail;
	}
	ERR_clear_error();
	X509_STORE_set_flags(st, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
	return st;
fail:
	ERR_clear_error();
	X509_STORE_free(st);
	return NULL;
}

/*
 * Has path changed since *seen (then *seen is updated)? A file that is gone
 * (being replaced?) keeps what we have: reported once, as a refusal.
 */
static int watch_file(const char *path, struct stat *seen, const char *what, char *why,
		      size_t why_len)
{
	struct stat now;

	if (stat(path, &now) != 0) {
		if (seen->st_ino == 0)
			return 0;
		memset(seen, 0, sizeof(*seen));
		snprintf(why, why_len, "%s %s: %s", what, path, strerror(errno));
		return -1;
	}
	if (!file_changed(seen, &now))
		return 0;
	*seen = now;
	return 1;
}

/*
 * Before a handshake: when the CA file or the CRL file changed, verify with
 * what they hold from now on. Files that cannot be used keep the store in use.
 * *ca and *crl: 1 = changed and read, -1 = changed and refused, 0 = unchanged.
 */
static void trust_refresh(struct radsec_ctx *x, int *ca, int *crl)
{
	X509_STORE *st;

	*ca = watch_file(x->ca_file, &x->ca_st, "CA file", x->trust_error, sizeof(x->trust_error));
	*crl = x->crl_file == NULL ? 0
				   : watch_file(x->crl_file, &x->crl_st, "CRL file", x->trust_error,
						sizeof(x->trust_error));
	if (*ca != 1 && *crl != 1)
		return;
	st = store_build(x->ca_file, x->crl_file, x->trust_error, sizeof(x->trust_error));
	if (st == NULL) {
		/* What changed is refused (the reason names the file at fault). */
		*ca = *ca == 1 ? -1 : *ca;
		*crl = *crl == 1 ? -1 : *crl;
		return;
	}
	SSL_CTX_set_cert_store(x->ssl, st);	/* frees the old store */
	x->trust_error[0] = '\0';
}

struct radsec_ctx *radsec_ctx_create(const struct radsec_tls_cfg *cfg, int *error, char *why,
				     size_t why_len)
{
	struct radsec_ctx *x;
	SSL_CTX *s;

	snprintf(why, why_len, "out of memory");
	*error = -ENOMEM;
	if (cfg->ca_file == NULL || cfg->ca_file[0] == '\0') {
		snprintf(why, why_len, "no CA file: the server cannot be verified");
		*error = -EINVAL;
		return NULL;
	}
	x = calloc(1, sizeof(*x));
	if (x == NULL)
		return NULL;
	x->bio = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "radsec socket");
	s = SSL_CTX_new(TLS_client_method());
	x->ssl = s;
	if (x->bio == NULL || s == NULL) {
		radsec_ctx_destroy(x);
		return NULL;
	}
	BIO_meth_set_write(x->bio, bio_write);
	BIO_meth_set_read(x->bio, bio_read);
	BIO_meth_set_ctrl(x->bio, bio_ctrl);
	BIO_meth_set_create(x->bio, bio_create);
	*error = -EINVAL;
	/* RFC 6614 section 2.3 asks for TLS 1.1 at least; 1.2 is today's floor. */
	SSL_CTX_set_min_proto_version(s, TLS1_2_VERSION);
	SSL_CTX_set_verify(s, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_mode(s, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	x->ca_file = strdup(cfg->ca_file);
	if (cfg->crl_file != NULL && cfg->crl_file[0] != '\0')
		x->crl_file = strdup(cfg->crl_file);
	if (x->ca_file == NULL || (cfg->crl_file != NULL && cfg->crl_file[0] != '\0' &&
				   x->crl_file == NULL)) {
		snprintf(why, why_len, "out of memory");
		*error = -ENOMEM;
		goto fail;
	}
	/* Read now, so a bad file is refused at start with its reason. */
	{
		struct stat probe;
		int ca, crl;

		if (stat(x->ca_file, &probe) != 0) {
			snprintf(why, why_len, "CA file %s: %s", x->ca_file, strerror(errno));
			goto fail;
		}
		if (x->crl_file != NULL && stat(x->crl_file, &probe) != 0) {
			snprintf(why, why_len, "CRL file %s: %s", x->crl_file, strerror(errno));
			goto fail;
		}
		trust_refresh(x, &ca, &crl);
		if (ca != 1) {
			snprintf(why, why_len, "%s", x->trust_error);
			goto fail;
		}
	}
	if (cfg->cert_file != NULL && cfg->cert_file[0] != '\0') {
		const char *key = cfg->key_file != NULL && cfg->key_file[0] != '\0' ? cfg->key_file
										  : cfg->cert_file;

		if (SSL_CTX_use_certificate_chain_file(s, cfg->cert_file) != 1) {
			why_ssl(why, why_len, "certificate file", cfg->cert_file);
			goto fail;
		}
		if (SSL_CTX_use_PrivateKey_file(s, key, SSL_FILETYPE_PEM) != 1) {
			why_ssl(why, why_len, "key file", key);
			goto fail;
		}
		if (SSL_CTX_check_private_key(s) != 1) {
			why_ssl(why, why_len, "key does not match certificate", key);
			goto fail;
		}
	} else if (cfg->key_file != NULL && cfg->key_file[0] != '\0') {
		snprintf(why, why_len, "key file without a certificate file");
		goto fail;
	}
	*error = 0;
	why[0] = '\0';
	return x;
fail:
	radsec_ctx_destroy(x);
	return NULL;
}

void radsec_ctx_destroy(struct radsec_ctx *x)
{
	if (x == NULL)
		return;
	SSL_CTX_free(x->ssl);
	if (x->bio != NULL)
		BIO_meth_free(x->bio);
	free(x->ca_file);
	free(x->crl_file);
	free(x);
}

/* ---- connection ---- */

struct radsec_conn *radsec_conn_create(struct radsec_ctx *ctx, const struct sockaddr *addr,
				       socklen_t addr_len, const char *server_name, int *error)
{
	struct radsec_conn *c;

	if (addr_len > sizeof(c->addr) ||
	    (addr->sa_family != AF_INET && addr->sa_family != AF_INET6) ||
	    (server_name != NULL && strlen(server_name) >= sizeof(c->server_name))) {
		*error = -EINVAL;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		*error = -ENOMEM;
		return NULL;
	}
	c->ep = epoll_create1(EPOLL_CLOEXEC);
	if (c->ep < 0) {
		*error = -errno;
		free(c);
		return NULL;
	}
	c->ctx = ctx;
	memcpy(&c->addr, addr, addr_len);
	c->addr_len = addr_len;
	if (server_name != NULL)
		snprintf(c->server_name, sizeof(c->server_name), "%s", server_name);
	c->fd = -1;
	c->state = RADSEC_BACKOFF;
	c->deadline = 0;	/* the first recv connects */
	c->backoff_ms = RADSEC_BACKOFF_MIN_MS;
	*error = 0;
	return c;
}

static void ep_want(struct radsec_conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = c->fd };

	if (c->fd < 0 || events == c->ep_events)
		return;
	if (epoll_ctl(c->ep, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->ep_events = events;
}

/* The connection (or the attempt) ended: drop everything, back off, tell the caller. */
static void conn_end(struct radsec_conn *c, uint64_t now)
{
	if (c->ssl != NULL) {
		if (c->state == RADSEC_UP)
			SSL_shutdown(c->ssl);	/* one try: close_notify if the socket takes it */
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd >= 0) {
		epoll_ctl(c->ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		c->fd = -1;
	}
	ERR_clear_error();
	c->ep_events = 0;
	c->out_off = c->out_len = 0;
	c->write_try = 0;
	c->in_len = 0;
	if (c->got_record)
		c->backoff_ms = RADSEC_BACKOFF_MIN_MS;
	c->got_record = false;
	c->state = RADSEC_BACKOFF;
	c->deadline = now + c->backoff_ms;
	c->backoff_ms = c->backoff_ms * 2 > RADSEC_BACKOFF_MAX_MS ? RADSEC_BACKOFF_MAX_MS
								   : c->backoff_ms * 2;
	c->reset_pending = true;
}

static void fail_errno(struct radsec_conn *c, uint64_t now, const char *what, int err)
{
	snprintf(c->last_error, sizeof(c->last_error), "%s: %s", what, strerror(err));
	conn_end(c, now);
}

/* A TLS failure: the certificate check's verdict when that failed, else OpenSSL's error. */
static void fail_tls(struct radsec_conn *c, uint64_t now, const char *what, int ssl_err)
{
	long v = c->ssl != NULL ? SSL_get_verify_result(c->ssl) : X509_V_OK;
	unsigned long code = ERR_peek_last_error();
	char e[120] = "";

	if (v != X509_V_OK)
		snprintf(e, sizeof(e), "certificate: %s", X509_verify_cert_error_string(v));
	else if (code != 0)
		ERR_error_string_n(code, e, sizeof(e));
	else if (ssl_err == SSL_ERROR_ZERO_RETURN || ssl_err == SSL_ERROR_SYSCALL)
		snprintf(e, sizeof(e), "closed by peer%s%s", errno != 0 ? ": " : "",
			 errno != 0 ? strerror(errno) : "");
	else
		snprintf(e, sizeof(e), "TLS error %d", ssl_err);
	snprintf(c->last_error, sizeof(c->last_error), "%s: %s", what, e);
	conn_end(c, now);
}

static void handshake_step(struct radsec_conn *c, uint64_t now)
{
	int r, err;

	ERR_clear_error();
	errno = 0;
	r = SSL_connect(c->ssl);
	if (r == 1) {
		c->state = RADSEC_UP;
		c->last_rx = now;
		c->ctr.handshakes++;
		c->last_error[0] = '\0';
		ep_want(c, EPOLLIN | (c->out_len > c->out_off ? EPOLLOUT : 0));
		return;
	}
	err = SSL_get_error(c->ssl, r);
	if (err == SSL_ERROR_WANT_READ) {
		ep_want(c, EPOLLIN);
	} else if (err == SSL_ERROR_WANT_WRITE) {
		ep_want(c, EPOLLOUT);
	} else {
		c->ctr.handshake_failures++;
		fail_tls(c, now, "handshake", err);
		return;
	}
	if (now >= c->deadline) {
		c->ctr.handshake_failures++;
		snprintf(c->last_error, sizeof(c->last_error), "handshake: timed out");
		conn_end(c, now);
	}
}

static void handshake_start(struct radsec_conn *c, uint64_t now)
{
	BIO *bio;

	{
		int ca, crl;

		trust_refresh(c->ctx, &ca, &crl);
		c->ctr.ca_reloads += ca == 1;
		c->ctr.ca_reload_failures += ca == -1;
		c->ctr.crl_reloads += crl == 1;
		c->ctr.crl_reload_failures += crl == -1;
	}
	c->ssl = SSL_new(c->ctx->ssl);
	bio = BIO_new(c->ctx->bio);
	if (c->ssl == NULL || bio == NULL) {
		BIO_free(bio);
		c->ctr.handshake_failures++;
		fail_errno(c, now, "TLS", ENOMEM);
		return;
	}
	BIO_set_data(bio, (void *)(intptr_t)c->fd);
	SSL_set_bio(c->ssl, bio, bio);
	SSL_set_connect_state(c->ssl);
	if (c->server_name[0] != '\0') {
		/* SNI, and the name the certificate must carry (CN or DNS SAN). */
		SSL_set_tlsext_host_name(c->ssl, c->server_name);
		SSL_set_hostflags(c->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if (SSL_set1_host(c->ssl, c->server_name) != 1)
			goto bad;
	} else {
		X509_VERIFY_PARAM *p = SSL_get0_param(c->ssl);
		const struct sockaddr_in *v4 = (const struct sockaddr_in *)&c->addr;
		const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&c->addr;
		int ok = c->addr.ss_family == AF_INET
				 ? X509_VERIFY_PARAM_set1_ip(p, (const unsigned char *)&v4->sin_addr, 4)
				 : X509_VERIFY_PARAM_set1_ip(p, (const unsigned char *)&v6->sin6_addr, 16);

		if (ok != 1)
			goto bad;
	}
	c->state = RADSEC_HANDSHAKE;
	handshake_step(c, now);
	return;
bad:
	c->ctr.handshake_failures++;
	fail_tls(c, now, "TLS set-up", SSL_ERROR_SSL);
}

static void connect_start(struct radsec_conn *c, uint64_t now)
{
	struct epoll_event ev = { .events = EPOLLOUT };
	int one = 1;

	c->ctr.connects++;
	c->fd = socket(c->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		c->ctr.connect_failures++;
		fail_errno(c, now, "socket", errno);
		return;
	}
	/* Small records, answered one by one: no Nagle delay. */
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	ev.data.fd = c->fd;
	if (epoll_ctl(c->ep, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
		c->ctr.connect_failures++;
		fail_errno(c, now, "epoll", errno);
		return;
	}
	c->ep_events = EPOLLOUT;
	c->deadline = now + RADSEC_CONNECT_TIMEOUT_MS;
	if (connect(c->fd, (const struct sockaddr *)&c->addr, c->addr_len) == 0) {
		handshake_start(c, now);
		return;
	}
	if (errno != EINPROGRESS) {
		c->ctr.connect_failures++;
		fail_errno(c, now, "connect", errno);
		return;
	}
	c->state = RADSEC_CONNECTING;
}

static void connect_step(struct radsec_conn *c, uint64_t now)
{
	struct pollfd p = { .fd = c->fd, .events = POLLOUT };
	socklen_t len = sizeof(int);
	int err = 0;

	if (poll(&p, 1, 0) == 1) {
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
			err = errno;
		if (err != 0) {
			c->ctr.connect_failures++;
			fail_errno(c, now, "connect", err);
			return;
		}
		handshake_start(c, now);
		return;
	}
	if (now >= c->deadline) {
		c->ctr.connect_failures++;
		fail_errno(c, now, "connect", ETIMEDOUT);
	}
}

/* Writes what the queue holds, as far as TLS takes it. */
static void flush(struct radsec_conn *c, uint64_t now)
{
	while (c->out_off < c->out_len) {
		size_t left = c->out_len - c->out_off;
		size_t len = c->write_try != 0 ? c->write_try
					       : (left < RADSEC_WRITE_CHUNK ? left : RADSEC_WRITE_CHUNK);
		int n, err;

		ERR_clear_error();
		errno = 0;
		n = SSL_write(c->ssl, c->out + c->out_off, (int)len);
		if (n > 0) {
			c->out_off += (size_t)n;
			c->ctr.bytes_out += (uint64_t)n;
			c->write_try = 0;
			continue;
		}
		err = SSL_get_error(c->ssl, n);
		if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ) {
			/* Repeat with the same length (the buffer may move). */
			c->write_try = len;
			break;
		}
		c->ctr.closes++;
		fail_tls(c, now, "write", err);
		return;
	}
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	ep_want(c, EPOLLIN | (c->out_len > c->out_off ? EPOLLOUT : 0));
}

int radsec_conn_send(struct radsec_conn *c, const uint8_t *rec, size_t len)
{
	size_t used = c->out_len - c->out_off;

	if (len < RADSEC_HDR_LEN || len > RADSEC_REC_MAX)
		return -EINVAL;
	/* The connection ended and the caller has not heard yet: it is no queue for that. */
	if (c->reset_pending)
		return -ENOTCONN;
	if (used + len > RADSEC_OUT_MAX) {
		c->ctr.queue_full++;
		return -ENOBUFS;
	}
	if (c->out_len + len > c->out_cap) {
		/* Move the queue to the front first (SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER). */
		if (c->out_off != 0) {
			memmove(c->out, c->out + c->out_off, used);
			c->out_off = 0;
			c->out_len = used;
		}
		if (c->out_len + len > c->out_cap) {
			size_t cap = c->out_cap != 0 ? c->out_cap : 16384;
			uint8_t *n;

			while (cap < c->out_len + len)
				cap *= 2;
			n = realloc(c->out, cap);
			if (n == NULL) {
				c->ctr.queue_full++;
				return -ENOBUFS;
			}
			c->out = n;
			c->out_cap = cap;
		}
	}
	memcpy(c->out + c->out_len, rec, len);
	c->out_len += len;
	c->ctr.records_out++;
	/* Up: try at once, the reply is only a round trip away. */
	if (c->state == RADSEC_UP)
		flush(c, c->now);
	return 0;
}

/* Connect, handshake, flush, reconnect: whatever the state asks for now. */
static void drive(struct radsec_conn *c, uint64_t now)
{
	if (c->state == RADSEC_BACKOFF && !c->reset_pending && now >= c->deadline)
		connect_start(c, now);
	if (c->state == RADSEC_CONNECTING)
		connect_step(c, now);
	if (c->state == RADSEC_HANDSHAKE)
		handshake_step(c, now);
	if (c->state == RADSEC_UP && c->out_off < c->out_len)
		flush(c, now);
}

/* A whole record at the front of in: its length, 0 if not yet, -1 for a bad Length. */
static int record_ready(const struct radsec_conn *c)
{
	unsigned len;

	if (c->in_len < 4)
		return 0;
	len = (unsigned)c->in[2] << 8 | c->in[3];
	if (len < RADSEC_HDR_LEN || len > RADSEC_REC_MAX)
		return -1;
	return c->in_len >= len ? (int)len : 0;
}

int radsec_conn_recv(struct radsec_conn *c, uint8_t *buf, size_t cap, uint64_t now)
{
	int len, n, err;

	c->now = now;
	drive(c, now);
	while (c->state == RADSEC_UP) {
		len = record_ready(c);
		if (len < 0) {
			/* The stream cannot be resynchronised: start a new one. */
			c->ctr.framing_errors++;
			c->ctr.closes++;
			snprintf(c->last_error, sizeof(c->last_error), "framing: bad RADIUS Length");
			conn_end(c, now);
			break;
		}
		if (len > 0) {
			if ((size_t)len > cap)
				return -EINVAL;
			memcpy(buf, c->in, (size_t)len);
			c->in_len -= (size_t)len;
			memmove(c->in, c->in + len, c->in_len);
			c->ctr.records_in++;
			c->got_record = true;
			c->last_rx = now;
			return len;
		}
		ERR_clear_error();
		errno = 0;
		n = SSL_read(c->ssl, c->in + c->in_len, (int)(sizeof(c->in) - c->in_len));
		if (n > 0) {
			c->in_len += (size_t)n;
			c->ctr.bytes_in += (uint64_t)n;
			continue;
		}
		err = SSL_get_error(c->ssl, n);
		if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
			return 0;
		c->ctr.closes++;
		fail_tls(c, now, "read", err);
	}
	if (c->reset_pending) {
		c->reset_pending = false;
		return -ECONNRESET;
	}
	return 0;
}

void radsec_conn_reset(struct radsec_conn *c, uint64_t now)
{
	c->now = now;
	if (c->state == RADSEC_UP)
		c->ctr.closes++;
	snprintf(c->last_error, sizeof(c->last_error), "reset by the client");
	conn_end(c, now);
}

void radsec_conn_destroy(struct radsec_conn *c)
{
	if (c == NULL)
		return;
	conn_end(c, 0);
	close(c->ep);
	free(c->out);
	free(c);
}

int radsec_conn_fd(const struct radsec_conn *c)
{
	return c->ep;
}

uint64_t radsec_conn_next_deadline(const struct radsec_conn *c)
{
	if (c->reset_pending)
		return 0;
	switch (c->state) {
	case RADSEC_BACKOFF:
	case RADSEC_CONNECTING:
	case RADSEC_HANDSHAKE:
		return c->deadline;
	case RADSEC_UP:
		if (record_ready(c) != 0 || SSL_pending(c->ssl) > 0)
			return 0;
		break;
	}
	return UINT64_MAX;
}

enum radsec_state radsec_conn_state(const struct radsec_conn *c)
{
	return c->state;
}

uint64_t radsec_conn_last_rx(const struct radsec_conn *c)
{
	return c->state == RADSEC_UP ? c->last_rx : UINT64_MAX;
}

const char *radsec_conn_last_error(const struct radsec_conn *c)
{
	/* A refused CRL reload stays visible while the connection works. */
	if (c->last_error[0] == '\0' && c->ctx->trust_error[0] != '\0')
		return c->ctx->trust_error;
	return c->last_error;
}

void radsec_conn_counters(const struct radsec_conn *c, struct radsec_counters *out)
{
	*out = c->ctr;
}
