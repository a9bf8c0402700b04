/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RADIUS over TLS (RFC 6614): the client's TLS transport (radsec.c) against a
 * private FreeRADIUS with a TLS listener (scripts/freeradius-start.sh --tls),
 * with a throwaway PKI written at test time (scripts/radsec-certs.sh: a CA, the
 * server's and the HA's certificates; a second, untrusted CA). Then against a
 * fake TLS server in a thread, for what FreeRADIUS will not do on request:
 * a reply split across reads, two replies in one read, a forged reply, a
 * broken Length. Every FreeRADIUS is stopped in the fini (and by --watch).
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include <openssl/ssl.h>

#include "aaa_test.h"

struct fr {
	char dir[64];
	uint16_t port, tls_port;
	bool running;
};

static struct fr fr;
static char secret_path[64];
static char pki[64], pki_other[64];
static json_t *vec;
static struct results rs;

static void run(const char *cmd)
{
	int status = system(cmd);

	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "failed: %s", cmd);
}

/* A new PKI in dir; the server certificate carries IP address ip. */
static void make_pki_ip(char dir[64], const char *ip)
{
	char cmd[1024];

	snprintf(dir, 64, "/tmp/aaa-pki-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "%s %s --ip %s", aaa_test_script("radsec-certs.sh"), dir, ip);
	run(cmd);
}

static void make_pki(char dir[64])
{
	make_pki_ip(dir, "127.0.0.1");
}

static bool fr_run(struct fr *f, bool keep_port)
{
	char cmd[2048];
	int status;

	if (!keep_port) {
		f->port = aaa_test_free_port(SOCK_DGRAM);
		f->tls_port = aaa_test_free_port(SOCK_STREAM);
	}
	snprintf(cmd, sizeof(cmd),
		 "%s %s %u --secret-file %s --watch %d --tls %s --tls-port %u >/dev/null",
		 aaa_test_script("freeradius-start.sh"), f->dir, f->port, secret_path, (int)getpid(), pki,
		 f->tls_port);
	status = system(cmd);
	f->running = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	return f->running;
}

static void fr_stop(struct fr *f)
{
	char cmd[1024];

	if (f->dir[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "%s %s", aaa_test_script("freeradius-stop.sh"), f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "stop failed for %s\n", f->dir);
	f->running = false;
}

static void rm_rf(char *dir)
{
	char cmd[1024];

	if (dir[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	dir[0] = '\0';
}

static void setup_common(void)
{
	memset(&fr, 0, sizeof(fr));
	memset(&rs, 0, sizeof(rs));
	pki[0] = pki_other[0] = '\0';
	vec = aaa_test_load_vectors();
	write_temp(secret_path, TEST_SECRET "\n");
	make_pki(pki);
}

static void setup(void)
{
	struct stat st;

	setup_common();
	if (stat("/usr/sbin/freeradius", &st) != 0)
		cr_skip_test("FreeRADIUS is not installed: no RADIUS over TLS server to test against");
	snprintf(fr.dir, sizeof(fr.dir), "/tmp/aaa-frtls-XXXXXX");
	cr_assert_not_null(mkdtemp(fr.dir));
	for (int i = 0; i < 3 && !fr_run(&fr, false); i++)
		;
	cr_assert(fr.running, "FreeRADIUS (TLS) did not start in %s", fr.dir);
}

static void teardown(void)
{
	fr_stop(&fr);
	rm_rf(fr.dir);
	rm_rf(pki);
	rm_rf(pki_other);
	unlink(secret_path);
	json_decref(vec);
}

TestSuite(radsec, .init = setup, .fini = teardown, .timeout = 40);

static char ca_path[96], cert_path[96], key_path[96];
/* 0: the defaults; else the watchdog's interval and timeout for the next client. */
static uint32_t wd_interval_ms, wd_timeout_ms;
/* NULL: no revocation check; else the next client's tls.crl_file. */
static const char *crl_next;

/* A client with one TLS server at port, trusting ca_dir's CA, presenting pki's client cert. */
static struct aaa_client *tls_client(uint16_t port, const char *ca_dir, bool client_cert,
				     const char *server_name, const char *secret_file)
{
	struct aaa_client_cfg cfg;
	struct aaa_client *c;
	int error;

	aaa_client_cfg_defaults(&cfg);
	if (wd_interval_ms != 0) {
		cfg.probe_interval_ms = wd_interval_ms;
		cfg.probe_timeout_ms = wd_timeout_ms;
	}
	cfg.nas.ip = htonl(INADDR_LOOPBACK);
	snprintf(cfg.nas.id, sizeof(cfg.nas.id), "mipha-test");
	snprintf(ca_path, sizeof(ca_path), "%s/ca.pem", ca_dir);
	snprintf(cert_path, sizeof(cert_path), "%s/client.pem", pki);
	snprintf(key_path, sizeof(key_path), "%s/client.key", pki);
	cfg.tls.ca_file = ca_path;
	cfg.tls.cert_file = client_cert ? cert_path : NULL;
	cfg.tls.key_file = client_cert ? key_path : NULL;
	cfg.tls.crl_file = crl_next;
	cfg.tls_server_name = server_name;
	cr_assert_eq(aaa_client_cfg_add_tls_server(&cfg, "127.0.0.1", port, secret_file), 0);
	c = aaa_client_create(&cfg, &error);
	cr_assert_not_null(c, "create: %d", error);
	return c;
}

/* Polls (sleeping on the client's fds, bounded by its deadline) until want results or limit_ms. */

static struct aaa_result *run_one(struct aaa_client *c, const struct aaa_access_req *req)
{
	unsigned before = rs.n;

	cr_assert_eq(aaa_client_submit(c, req, (void *)1, aaa_test_now_ms()), 0);
	aaa_test_wait_results(c, &rs, before + 1, 8000);
	if (rs.n != before + 1) {
		struct radsec_counters t;
		struct aaa_server_stats s;
		const char *why = "";

		aaa_client_server_tls_stats(c, 0, &t, &why);
		aaa_client_server_stats(c, 0, &s);
		cr_assert_fail("no result: connects %lu handshakes %lu failures %lu closes %lu "
			       "in flight %u timeouts %lu; %s",
			       (unsigned long)t.connects, (unsigned long)t.handshakes,
			       (unsigned long)t.handshake_failures, (unsigned long)t.closes,
			       s.in_flight, (unsigned long)s.timeouts, why);
	}
	return &rs.r[before];
}

static struct radsec_counters tls_stats(struct aaa_client *c, const char **why)
{
	struct radsec_counters k;

	cr_assert_eq(aaa_client_server_tls_stats(c, 0, &k, why), 0);
	return k;
}

static void check_spec_accept(struct aaa_client *c)
{
	struct aaa_access_req req;
	struct aaa_result *r;
	uint8_t k2[16];

	vec_access_req(vec, &req);
	vec_hex(vec, NULL, "k2_ms_mppe_recv_key", k2, 16);
	r = run_one(c, &req);
	cr_assert_eq(r->status, AAA_ACCEPT, "status %d reason %s", r->status,
		     aaa_reason_name(r->reason));
	cr_assert(r->reply.has_recv_key && r->reply.has_success);
	cr_assert_arr_eq(r->reply.recv_key.b, k2, 16, "k'' differs from the spec vector");
	cr_assert_arr_eq(r->reply.auth_response, vec_str(vec, NULL, "auth_response"), 42);
}

/* The spec example over TLS, the certificate checked against 127.0.0.1. */
Test(radsec, accept_spec_vector_k2)
{
	struct aaa_client *c = tls_client(fr.tls_port, pki, true, NULL, NULL);
	struct aaa_client_counters k;
	struct radsec_counters t;
	const char *why;

	check_spec_accept(c);
	aaa_client_counters(c, &k);
	cr_assert_eq(k.accepts, 1);
	cr_assert_eq(k.replies_valid, 1);
	cr_assert_eq(k.replies_invalid, 0);
	cr_assert_eq(k.retransmissions, 0);
	t = tls_stats(c, &why);
	cr_assert_eq(t.handshakes, 1, "handshakes %lu (%s)", (unsigned long)t.handshakes, why);
	cr_assert_eq(t.handshake_failures, 0);
	cr_assert_eq(t.records_out, 1);
	cr_assert_eq(t.records_in, 1);
	cr_assert_gt(t.bytes_in, 20);
	cr_assert_gt(t.bytes_out, 20);
	/* A second request on the same connection. */
	check_spec_accept(c);
	t = tls_stats(c, NULL);
	cr_assert_eq(t.handshakes, 1);
	cr_assert_eq(t.records_in, 2);
	aaa_client_destroy(c);
}

Test(radsec, server_name_checked)
{
	struct aaa_client *c = tls_client(fr.tls_port, pki, true, "radius.example.net", NULL);
	struct aaa_access_req req;
	struct radsec_counters t;
	struct aaa_result *r;
	const char *why;

	check_spec_accept(c);
	aaa_client_destroy(c);

	/* The right CA, the wrong name: no connection, nothing accepted. */
	c = tls_client(fr.tls_port, pki, true, "other.example.net", NULL);
	vec_access_req(vec, &req);
	r = run_one(c, &req);
	cr_assert_eq(r->status, AAA_TIMEOUT);
	t = tls_stats(c, &why);
	cr_assert_geq(t.handshake_failures, 1);
	cr_assert_eq(t.handshakes, 0);
	cr_assert(strstr(why, "certificate") != NULL, "why: %s", why);
	aaa_client_destroy(c);
}

Test(radsec, reject)
{
	struct aaa_client *c = tls_client(fr.tls_port, pki, true, NULL, NULL);
	struct aaa_access_req req;
	struct aaa_client_counters k;
	struct aaa_result *r;

	aaa_test_make_req(&req, vec_str(vec, "inputs", "nai"), "notClientPass");
	r = run_one(c, &req);
	cr_assert_eq(r->status, AAA_REJECT);
	cr_assert_eq(r->reason, AAA_REASON_OK);
	cr_assert_not(r->reply.has_recv_key);
	aaa_client_counters(c, &k);
	cr_assert_eq(k.rejects, 1);
	cr_assert_eq(k.accepts, 0);
	cr_assert_eq(k.replies_invalid, 0);
	aaa_client_destroy(c);
}

/* A server certificate from a CA the HA does not trust: handshake fails, counted, nothing accepted. */
Test(radsec, wrong_ca_handshake_fails)
{
	struct aaa_client *c;
	struct aaa_access_req req;
	struct aaa_client_counters k;
	struct radsec_counters t;
	struct aaa_result *r;
	const char *why;
	uint64_t t0;

	make_pki(pki_other);
	c = tls_client(fr.tls_port, pki_other, true, NULL, NULL);
	vec_access_req(vec, &req);
	t0 = aaa_test_now_ms();
	r = run_one(c, &req);
	cr_assert_eq(r->status, AAA_TIMEOUT);
	/* The failed connection ends the try at once, not after 1.75 s. */
	cr_assert_lt(aaa_test_now_ms() - t0, 1500);
	aaa_client_counters(c, &k);
	cr_assert_eq(k.accepts, 0);
	cr_assert_eq(k.replies_valid, 0);
	t = tls_stats(c, &why);
	cr_assert_geq(t.handshake_failures, 1);
	cr_assert_eq(t.handshakes, 0);
	cr_assert_eq(t.records_in, 0);
	cr_assert(strstr(why, "certificate") != NULL, "why: %s", why);
	aaa_client_destroy(c);
}

/* FreeRADIUS requires a client certificate: without one nothing is accepted. */
Test(radsec, no_client_certificate_refused)
{
	struct aaa_client *c = tls_client(fr.tls_port, pki, false, NULL, NULL);
	struct aaa_access_req req;
	struct aaa_client_counters k;
	struct radsec_counters t;
	struct aaa_result *r;

	vec_access_req(vec, &req);
	r = run_one(c, &req);
	cr_assert_eq(r->status, AAA_TIMEOUT);
	aaa_client_counters(c, &k);
	cr_assert_eq(k.accepts, 0);
	t = tls_stats(c, NULL);
	/* TLS 1.3: the client's side completes, the server's alert ends it on read. */
	cr_assert_geq(t.handshake_failures + t.closes, 1);
	cr_assert_eq(t.records_in, 0);
	aaa_client_destroy(c);
}

/* Waits (polling) until the TLS counters satisfy pred; false after limit_ms. */
static bool wait_tls(struct aaa_client *c, bool (*pred)(const struct radsec_counters *),
		     uint64_t limit_ms)
{
	uint64_t end = aaa_test_now_ms() + limit_ms;

	while (aaa_test_now_ms() < end) {
		struct radsec_counters t = tls_stats(c, NULL);

		if (pred(&t))
			return true;
		aaa_test_wait_results(c, &rs, rs.n + 1, 20);
	}
	return false;
}

static bool closed_once(const struct radsec_counters *t) { return t->closes >= 1; }
static bool up_twice(const struct radsec_counters *t) { return t->handshakes >= 2; }

/* FreeRADIUS restarted: the client sees the close, reconnects with backoff, goes on. */
Test(radsec, server_restart_reconnects)
{
	struct aaa_client *c = tls_client(fr.tls_port, pki, true, NULL, NULL);
	struct radsec_counters t;
	const char *why;

	check_spec_accept(c);
	fr_stop(&fr);
	cr_assert(wait_tls(c, closed_once, 5000), "close not seen");
	cr_assert(fr_run(&fr, true), "FreeRADIUS did not restart on its ports");
	cr_assert(wait_tls(c, up_twice, 15000), "no reconnection");
	check_spec_accept(c);
	t = tls_stats(c, &why);
	cr_assert_geq(t.closes, 1);
	cr_assert_geq(t.handshakes, 2);
	cr_assert_eq(t.records_in, 2);
	aaa_client_destroy(c);
}

/* An idle connection gets Status-Server watchdogs (RFC 6614 2.6); answered, it stays up. */
Test(radsec, watchdog_keeps_idle_connection)
{
	struct aaa_client *c;
	struct aaa_server_stats s;
	struct radsec_counters t;

	wd_interval_ms = 100;
	wd_timeout_ms = 500;
	c = tls_client(fr.tls_port, pki, true, NULL, NULL);
	check_spec_accept(c);
	aaa_test_wait_results(c, &rs, rs.n + 1, 800);	/* idle: nothing submitted */
	cr_assert_eq(aaa_client_server_stats(c, 0, &s), 0);
	cr_assert_geq(s.probes_sent, 3, "watchdogs sent %lu", (unsigned long)s.probes_sent);
	cr_assert_geq(s.probes_ok + 1, s.probes_sent);
	cr_assert_eq(s.state, AAA_SERVER_ALIVE);
	cr_assert_eq(s.recovered, 0);
	t = tls_stats(c, NULL);
	cr_assert_eq(t.handshakes, 1);
	cr_assert_eq(t.closes, 0);
	check_spec_accept(c);
	aaa_client_destroy(c);
	wd_interval_ms = 0;
}

/* A bad CA file fails at create with -EINVAL, not at the first request. */
Test(radsec, bad_tls_files_fail_create)
{
	struct aaa_client_cfg cfg;
	int error;

	aaa_client_cfg_defaults(&cfg);
	cfg.nas.ip = htonl(INADDR_LOOPBACK);
	snprintf(cfg.nas.id, sizeof(cfg.nas.id), "mipha-test");
	cr_assert_eq(aaa_client_cfg_add_tls_server(&cfg, "127.0.0.1", fr.tls_port, NULL), 0);
	cr_assert_null(aaa_client_create(&cfg, &error));	/* no CA file */
	cr_assert_eq(error, -EINVAL);
	cfg.tls.ca_file = "/nonexistent/ca.pem";
	cr_assert_null(aaa_client_create(&cfg, &error));
	cr_assert_eq(error, -EINVAL);
	snprintf(ca_path, sizeof(ca_path), "%s/ca.pem", pki);
	snprintf(cert_path, sizeof(cert_path), "%s/client.pem", pki);
	snprintf(key_path, sizeof(key_path), "%s/server.key", pki);
	cfg.tls.ca_file = ca_path;
	cfg.tls.cert_file = cert_path;
	cfg.tls.key_file = key_path;	/* not the certificate's key */
	cr_assert_null(aaa_client_create(&cfg, &error));
	cr_assert_eq(error, -EINVAL);
	/* A CRL file that is missing, or holds no CRL (a certificate). */
	cfg.tls.cert_file = NULL;
	cfg.tls.key_file = NULL;
	cfg.tls.crl_file = "/nonexistent/crl.pem";
	cr_assert_null(aaa_client_create(&cfg, &error));
	cr_assert_eq(error, -EINVAL);
	cfg.tls.crl_file = ca_path;
	cr_assert_null(aaa_client_create(&cfg, &error));
	cr_assert_eq(error, -EINVAL);
}

/* With the CA's current CRL (nothing revoked) the spec example goes through. */
Test(radsec, crl_current_accepts)
{
	char crl[96];
	struct aaa_client *c;
	struct radsec_counters t;
	const char *why;

	snprintf(crl, sizeof(crl), "%s/crl.pem", pki);
	crl_next = crl;
	c = tls_client(fr.tls_port, pki, true, NULL, NULL);
	crl_next = NULL;
	check_spec_accept(c);
	t = tls_stats(c, &why);
	cr_assert_eq(t.handshakes, 1, "handshakes %lu (%s)", (unsigned long)t.handshakes, why);
	cr_assert_eq(t.crl_reloads, 0);
	cr_assert_eq(t.crl_reload_failures, 0);
	aaa_client_destroy(c);
}

/* ---- a fake TLS server: what FreeRADIUS does not do on request ---- */

enum fake_mode {
	FAKE_SPLIT,		/* reply 1 in three pieces, the last with reply 2 */
	FAKE_FORGED_FIRST,	/* a forged reply 1, then the genuine one */
	FAKE_BAD_LENGTH,	/* a record whose Length is 5 */
	FAKE_SILENT,		/* handshake, then reads and never answers */
};

struct fake_tls {
	int lfd;
	uint16_t port;
	enum fake_mode mode;
	struct mip_key key;
	pthread_t th;
	int error;		/* 0: the script ran to its end */
	const char *pki;	/* its certificate and key */
	unsigned conns;		/* FAKE_SILENT: connections to serve one after another (0: 1) */
};

static bool ssl_read_full(SSL *ssl, uint8_t *b, size_t n)
{
	size_t got = 0;

	while (got < n) {
		int r = SSL_read(ssl, b + got, (int)(n - got));

		if (r <= 0)
			return false;
		got += (size_t)r;
	}
	return true;
}

static bool read_request(SSL *ssl, uint8_t *b, size_t *len)
{
	if (!ssl_read_full(ssl, b, 4))
		return false;
	*len = (size_t)b[2] << 8 | b[3];
	return *len >= 20 && *len <= AAA_RADIUS_MAX_LEN && ssl_read_full(ssl, b + 4, *len - 4);
}

/* The fake server's buffers: on the heap, not the thread's stack. */
struct fake_bufs {
	uint8_t req[2][AAA_RADIUS_MAX_LEN];
	uint8_t out[2 * AAA_RADIUS_MAX_LEN];
	struct rbuild rb[2];
};

static void *fake_main(void *arg)
{
	struct fake_tls *f = arg;
	struct fake_bufs *fb = calloc(1, sizeof(*fb));
	uint8_t (*req)[AAA_RADIUS_MAX_LEN] = fb->req;
	uint8_t *out = fb->out;
	struct rbuild *rb = fb->rb;
	struct timeval tv = { .tv_sec = 5 };
	struct pollfd p = { .fd = f->lfd, .events = POLLIN };
	char path[128];
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	SSL *ssl = NULL;
	size_t len[2];
	int fd = -1;
	unsigned nreq = f->mode == FAKE_SPLIT ? 2 : f->mode == FAKE_SILENT ? 0 : 1;

	f->error = 1;
	snprintf(path, sizeof(path), "%s/server.pem", f->pki);
	if (fb == NULL || ctx == NULL || SSL_CTX_use_certificate_chain_file(ctx, path) != 1)
		goto out;
	snprintf(path, sizeof(path), "%s/server.key", f->pki);
	if (SSL_CTX_use_PrivateKey_file(ctx, path, SSL_FILETYPE_PEM) != 1)
		goto out;
	/* FAKE_SILENT with conns > 1: the connections before the last, handshake then silence. */
	for (unsigned k = 1; f->mode == FAKE_SILENT && k < f->conns; k++) {
		if (poll(&p, 1, 5000) != 1 || (fd = accept(f->lfd, NULL, NULL)) < 0)
			goto out;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		ssl = SSL_new(ctx);
		SSL_set_fd(ssl, fd);
		if (SSL_accept(ssl) == 1)
			while (SSL_read(ssl, out, sizeof(fb->out)) > 0)
				;
		SSL_free(ssl);
		ssl = NULL;
		close(fd);
		fd = -1;
	}
	if (poll(&p, 1, 5000) != 1 || (fd = accept(f->lfd, NULL, NULL)) < 0)
		goto out;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	f->error = 2;
	if (SSL_accept(ssl) != 1)
		goto out;
	f->error = 3;
	for (unsigned i = 0; i < nreq; i++)
		if (!read_request(ssl, req[i], &len[i]))
			goto out;
	for (unsigned i = 0; i < nreq; i++)
		rb_genuine_accept(&rb[i], req[i], &f->key);
	f->error = 4;
	switch (f->mode) {
	case FAKE_SPLIT:
		/* 1 byte, 29 bytes, then the rest of reply 1 and all of reply 2 at once. */
		if (SSL_write(ssl, rb[0].b, 1) != 1)
			goto out;
		usleep(30000);
		if (SSL_write(ssl, rb[0].b + 1, 29) != 29)
			goto out;
		usleep(30000);
		memcpy(out, rb[0].b + 30, rb[0].len - 30);
		memcpy(out + rb[0].len - 30, rb[1].b, rb[1].len);
		if (SSL_write(ssl, out, (int)(rb[0].len - 30 + rb[1].len)) <= 0)
			goto out;
		break;
	case FAKE_FORGED_FIRST:
		memcpy(out, rb[0].b, rb[0].len);
		out[rb[0].len - 1] ^= 1;	/* breaks Message-Authenticator or the Response Authenticator */
		memcpy(out + rb[0].len, rb[0].b, rb[0].len);
		if (SSL_write(ssl, out, (int)(2 * rb[0].len)) <= 0)
			goto out;
		break;
	case FAKE_SILENT:
		break;
	case FAKE_BAD_LENGTH:
		memcpy(out, rb[0].b, 20);
		out[2] = 0;
		out[3] = 5;
		if (SSL_write(ssl, out, 20) != 20)
			goto out;
		break;
	}
	f->error = 0;
	/* Until the client closes (or 5 s). */
	while (SSL_read(ssl, out, sizeof(fb->out)) > 0)
		;
out:
	SSL_free(ssl);
	if (fd >= 0)
		close(fd);
	SSL_CTX_free(ctx);
	free(fb);
	return NULL;
}

/* A fake server with the certificate of PKI dir, on a free loopback port, in a thread. */
static void fake_start_pki(struct fake_tls *f, enum fake_mode mode, const char *dir)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof(a);

	memset(f, 0, sizeof(*f));
	f->mode = mode;
	f->pki = dir;
	cr_assert_eq(getrandom(f->key.b, 16, 0), 16);
	f->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(f->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(f->lfd, 4), 0);
	cr_assert_eq(getsockname(f->lfd, (struct sockaddr *)&a, &al), 0);
	f->port = ntohs(a.sin_port);
	cr_assert_eq(pthread_create(&f->th, NULL, fake_main, f), 0);
}

static void fake_start(struct fake_tls *f, enum fake_mode mode)
{
	fake_start_pki(f, mode, pki);
}

static void fake_join(struct fake_tls *f)
{
	pthread_join(f->th, NULL);
	close(f->lfd);
}

static void fake_setup(void)
{
	/* The fake server's blocking writes must not kill the test on a close. */
	signal(SIGPIPE, SIG_IGN);
	setup_common();
}

static void fake_teardown(void)
{
	rm_rf(pki);
	rm_rf(pki_other);
	unlink(secret_path);
	json_decref(vec);
}

TestSuite(radsec_stream, .init = fake_setup, .fini = fake_teardown, .timeout = 30);

static void some_req(struct aaa_access_req *req, unsigned i)
{
	aaa_test_make_req(req, "mnuser@example.net", "clientPass");
	req->home_addr = htonl(0x0a010000 + i);
}

/* Reply 1 arrives in three reads, the last also holding reply 2: both accepted. */
Test(radsec_stream, record_split_across_reads)
{
	struct fake_tls f;
	struct aaa_client *c;
	struct aaa_access_req req;
	struct radsec_counters t;

	fake_start(&f, FAKE_SPLIT);
	c = tls_client(f.port, pki, true, NULL, secret_path);
	for (unsigned i = 0; i < 2; i++) {
		some_req(&req, i);
		cr_assert_eq(aaa_client_submit(c, &req, (void *)(uintptr_t)(i + 1), aaa_test_now_ms()), 0);
	}
	aaa_test_wait_results(c, &rs, 2, 5000);
	cr_assert_eq(rs.n, 2);
	for (unsigned i = 0; i < 2; i++) {
		cr_assert_eq(rs.r[i].status, AAA_ACCEPT, "status %d reason %s", rs.r[i].status,
			     aaa_reason_name(rs.r[i].reason));
		cr_assert_arr_eq(rs.r[i].reply.recv_key.b, f.key.b, 16);
	}
	t = tls_stats(c, NULL);
	cr_assert_eq(t.records_in, 2);
	cr_assert_eq(t.framing_errors, 0);
	aaa_client_destroy(c);
	fake_join(&f);
	cr_assert_eq(f.error, 0, "fake server stopped at step %d", f.error);
}

/* A forged reply over TLS is discarded by the same checks as over UDP; the genuine one passes. */
Test(radsec_stream, forged_reply_discarded)
{
	struct fake_tls f;
	struct aaa_client *c;
	struct aaa_access_req req;
	struct aaa_client_counters k;

	fake_start(&f, FAKE_FORGED_FIRST);
	c = tls_client(f.port, pki, true, NULL, secret_path);
	some_req(&req, 0);
	cr_assert_eq(aaa_client_submit(c, &req, (void *)1, aaa_test_now_ms()), 0);
	aaa_test_wait_results(c, &rs, 1, 5000);
	cr_assert_eq(rs.n, 1);
	cr_assert_eq(rs.r[0].status, AAA_ACCEPT);
	aaa_client_counters(c, &k);
	cr_assert_eq(k.replies_invalid, 1);
	cr_assert_eq(k.invalid[AAA_REASON_BAD_MA] + k.invalid[AAA_REASON_BAD_RESPONSE_AUTH] +
			     k.invalid[AAA_REASON_BAD_ATTR],
		     1);
	cr_assert_eq(k.replies_valid, 1);
	aaa_client_destroy(c);
	fake_join(&f);
	cr_assert_eq(f.error, 0, "fake server stopped at step %d", f.error);
}

/* A Length outside 20..4096 cannot be skipped in a stream: the connection ends, the request fails over. */
Test(radsec_stream, bad_length_closes_connection)
{
	struct fake_tls f;
	struct aaa_client *c;
	struct aaa_access_req req;
	struct radsec_counters t;

	fake_start(&f, FAKE_BAD_LENGTH);
	c = tls_client(f.port, pki, true, NULL, secret_path);
	some_req(&req, 0);
	cr_assert_eq(aaa_client_submit(c, &req, (void *)1, aaa_test_now_ms()), 0);
	aaa_test_wait_results(c, &rs, 1, 5000);
	cr_assert_eq(rs.n, 1);
	cr_assert_eq(rs.r[0].status, AAA_TIMEOUT);
	t = tls_stats(c, NULL);
	cr_assert_eq(t.framing_errors, 1);
	cr_assert_eq(t.closes, 1);
	aaa_client_destroy(c);
	fake_join(&f);
	cr_assert_eq(f.error, 0, "fake server stopped at step %d", f.error);
}

/* ---- throughput: a window of requests over TLS, and over UDP to the same server ---- */

/* Milliseconds for total Access-Accepts with inflight requests in flight; *max_ms the worst latency. */
static double window(struct aaa_client *c, unsigned total, unsigned inflight, uint32_t *max_ms)
{
	static struct aaa_access_req reqs[16];
	uint64_t t0;
	unsigned sent = 0;

	cr_assert_leq(total, RESULTS_MAX);
	for (unsigned i = 0; i < 16; i++)
		aaa_test_make_req(&reqs[i], "mnuser@example.net", "clientPass");
	rs.n = 0;
	t0 = aaa_test_now_ms();
	while (rs.n < total && aaa_test_now_ms() - t0 < 30000) {
		while (sent < total && sent - rs.n < inflight) {
			cr_assert_eq(aaa_client_submit(c, &reqs[sent % 16], (void *)1, aaa_test_now_ms()), 0);
			sent++;
		}
		aaa_test_wait_results(c, &rs, rs.n + 1, 20);
	}
	cr_assert_eq(rs.n, total);
	cr_assert_eq(count_status(&rs, AAA_ACCEPT), total);
	*max_ms = 0;
	for (unsigned i = 0; i < rs.n; i++)
		*max_ms = rs.r[i].latency_ms > *max_ms ? rs.r[i].latency_ms : *max_ms;
	return (double)(aaa_test_now_ms() - t0);
}

Test(radsec, window_of_requests_against_udp)
{
	struct aaa_client *c = tls_client(fr.tls_port, pki, true, NULL, NULL);
	struct aaa_client_cfg cfg;
	double tls_ms, udp_ms;
	uint32_t tls_max, udp_max;
	struct aaa_client *u;
	int error;

	check_spec_accept(c);	/* connected before the clock starts */
	tls_ms = window(c, 1000, 64, &tls_max);
	aaa_client_destroy(c);
	aaa_client_cfg_defaults(&cfg);
	cfg.nas.ip = htonl(INADDR_LOOPBACK);
	snprintf(cfg.nas.id, sizeof(cfg.nas.id), "mipha-test");
	cfg.secret_file = secret_path;
	cr_assert_eq(aaa_client_cfg_add_server(&cfg, "127.0.0.1", fr.port, NULL), 0);
	u = aaa_client_create(&cfg, &error);
	cr_assert_not_null(u);
	udp_ms = window(u, 1000, 64, &udp_max);
	aaa_client_destroy(u);
	/* Logged each run (the ratio, not the absolute rate, is what carries over). */
	fprintf(stderr, "radsec window: 1000 Access-Accepts, 64 in flight: TLS %.0f ms "
		"(%.0f/s, max latency %u ms), UDP %.0f ms (%.0f/s, max %u ms), TLS/UDP time %.2f\n",
		tls_ms, 1e6 / tls_ms, tls_max, udp_ms, 1e6 / udp_ms, udp_max, tls_ms / udp_ms);
}

static bool closed(const struct radsec_counters *t) { return t->closes >= 1; }

/* A connection whose server stops answering: the watchdog times out, the connection is closed. */
Test(radsec_stream, watchdog_unanswered_closes_connection)
{
	struct fake_tls f;
	struct aaa_client *c;
	struct aaa_server_stats s;

	wd_interval_ms = 100;
	wd_timeout_ms = 200;
	fake_start(&f, FAKE_SILENT);
	c = tls_client(f.port, pki, true, NULL, secret_path);
	cr_assert(wait_tls(c, closed, 3000), "no close after an unanswered watchdog");
	cr_assert_eq(aaa_client_server_stats(c, 0, &s), 0);
	cr_assert_geq(s.probes_sent, 1);
	cr_assert_eq(s.probes_ok, 0);
	aaa_client_destroy(c);
	fake_join(&f);
	cr_assert_eq(f.error, 0, "fake server stopped at step %d", f.error);
	wd_interval_ms = 0;
}

/*
 * One request to a server whose certificate c refuses: it times out, no
 * handshake completed, nothing was read, and the reason contains why_part.
 */
static void expect_handshake_refused(struct aaa_client *c, const char *why_part)
{
	struct aaa_access_req req;
	struct radsec_counters t;
	const char *why;

	some_req(&req, 0);
	cr_assert_eq(aaa_client_submit(c, &req, (void *)1, aaa_test_now_ms()), 0);
	aaa_test_wait_results(c, &rs, 1, 5000);
	cr_assert_eq(rs.n, 1);
	cr_assert_eq(rs.r[0].status, AAA_TIMEOUT);
	t = tls_stats(c, &why);
	cr_assert_geq(t.handshake_failures, 1);
	cr_assert_eq(t.handshakes, 0);
	cr_assert_eq(t.records_in, 0);
	cr_assert(strstr(why, why_part) != NULL, "why: %s", why);
}

/* No tls_server_name: the certificate must carry the server's IP; one for 10.9.9.9 fails on 127.0.0.1. */
Test(radsec_stream, ip_address_checked)
{
	struct fake_tls f;
	struct aaa_client *c;

	make_pki_ip(pki_other, "10.9.9.9");
	fake_start_pki(&f, FAKE_SILENT, pki_other);
	c = tls_client(f.port, pki_other, true, NULL, secret_path);
	expect_handshake_refused(c, "IP address mismatch");
	aaa_client_destroy(c);
	fake_join(&f);
}

/* The server's certificate revoked by the CA's CRL: no handshake, the reason told. */
Test(radsec_stream, crl_revoked_server_refused)
{
	struct fake_tls f;
	struct aaa_client *c;
	char crl[96];

	snprintf(crl, sizeof(crl), "%s/crl-revoked.pem", pki);
	fake_start(&f, FAKE_SILENT);
	crl_next = crl;
	c = tls_client(f.port, pki, true, NULL, secret_path);
	crl_next = NULL;
	expect_handshake_refused(c, "certificate revoked");
	aaa_client_destroy(c);
	fake_join(&f);
}

/* Replaces path with the bytes of src (or text when src is NULL), as a new file. */
static void replace_file(const char *path, const char *src, const char *text)
{
	char tmp[128], cmd[512];

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	if (src != NULL) {
		snprintf(cmd, sizeof(cmd), "cp %s %s", src, tmp);
		run(cmd);
	} else {
		FILE *fp = fopen(tmp, "w");

		cr_assert_not_null(fp);
		fputs(text, fp);
		fclose(fp);
	}
	cr_assert_eq(rename(tmp, path), 0);
}

static bool up(const struct radsec_counters *t) { return t->handshakes >= 1; }
static bool crl_refused(const struct radsec_counters *t) { return t->crl_reload_failures >= 1; }
static bool revoked_now(const struct radsec_counters *t)
{
	return t->crl_reloads >= 1 && t->handshake_failures >= 1;
}

/*
 * The CRL file changes while the HA runs: a file with no CRL is refused
 * (the CRLs in use stay, the next handshake still succeeds, the reason is
 * shown); then a CRL revoking the server's certificate is read before the
 * next handshake, which fails.
 */
Test(radsec_stream, crl_file_reloaded_before_handshakes)
{
	struct fake_tls f;
	struct aaa_client *c;
	struct radsec_counters t;
	char live[96], src[96];
	const char *why = "";
	uint64_t end;
	bool seen = false;

	snprintf(live, sizeof(live), "%s/crl-live.pem", pki);
	snprintf(src, sizeof(src), "%s/crl.pem", pki);
	replace_file(live, src, NULL);
	wd_interval_ms = 100;	/* an unanswered watchdog ends each connection */
	wd_timeout_ms = 200;
	fake_start(&f, FAKE_SILENT);
	f.conns = 3;
	crl_next = live;
	c = tls_client(f.port, pki, true, NULL, secret_path);
	crl_next = NULL;
	cr_assert(wait_tls(c, up, 3000), "first handshake");

	replace_file(live, NULL, "not a CRL\n");
	cr_assert(wait_tls(c, up_twice, 5000), "second handshake (old CRLs kept)");
	t = tls_stats(c, NULL);
	cr_assert_eq(t.crl_reload_failures, 1);
	cr_assert_eq(t.crl_reloads, 0);
	cr_assert_eq(t.handshake_failures, 0);
	cr_assert(wait_tls(c, crl_refused, 10));
	/* While up, the refused file is the reason shown. */
	end = aaa_test_now_ms() + 3000;
	while (!seen && aaa_test_now_ms() < end) {
		tls_stats(c, &why);
		seen = strstr(why, "no PEM X509 CRL") != NULL;
		if (!seen)
			aaa_test_wait_results(c, &rs, rs.n + 1, 10);
	}
	cr_assert(seen, "why: %s", why);

	snprintf(src, sizeof(src), "%s/crl-revoked.pem", pki);
	replace_file(live, src, NULL);
	cr_assert(wait_tls(c, revoked_now, 8000), "no failed handshake after the revoking CRL");
	t = tls_stats(c, &why);
	cr_assert_eq(t.crl_reloads, 1);
	cr_assert_eq(t.handshakes, 2);
	cr_assert(strstr(why, "certificate revoked") != NULL, "why: %s", why);
	aaa_client_destroy(c);
	fake_join(&f);
	wd_interval_ms = 0;
}

/* A new PKI in dir whose server and client certificates come from an intermediate CA. */
static void make_pki_inter(char dir[64])
{
	char cmd[1024];

	snprintf(dir, 64, "/tmp/aaa-pki-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "%s %s --intermediate", aaa_test_script("radsec-certs.sh"), dir);
	run(cmd);
}

/* A client of dir's PKI with dir/crl_name, against a fake server sending dir's chain. */
static struct aaa_client *inter_client(struct fake_tls *f, const char *dir, const char *crl_name)
{
	static char crl[128];
	struct aaa_client *c;

	snprintf(crl, sizeof(crl), "%s/%s", dir, crl_name);
	fake_start_pki(f, FAKE_SILENT, dir);
	crl_next = crl;
	c = tls_client(f->port, dir, true, NULL, secret_path);
	crl_next = NULL;
	return c;
}

/*
 * A chain through an intermediate CA: the intermediate's certificate is
 * checked too. Every CRL current: the handshake completes. The root CA's CRL
 * revoking the intermediate: refused (with the server's own certificate not
 * revoked). The root's CRL missing: refused, no CRL for the intermediate.
 */
Test(radsec_stream, crl_intermediate_ca_checked)
{
	struct fake_tls f;
	struct aaa_client *c;
	struct radsec_counters t;
	const char *why;

	make_pki_inter(pki_other);
	c = inter_client(&f, pki_other, "crl.pem");
	cr_assert(wait_tls(c, up, 5000), "no handshake with every CRL current");
	t = tls_stats(c, &why);
	cr_assert_eq(t.handshake_failures, 0, "why: %s", why);
	aaa_client_destroy(c);
	fake_join(&f);

	c = inter_client(&f, pki_other, "crl-inter-revoked.pem");
	expect_handshake_refused(c, "certificate revoked");
	aaa_client_destroy(c);
	fake_join(&f);

	memset(&rs, 0, sizeof(rs));
	c = inter_client(&f, pki_other, "crl-inter-only.pem");
	expect_handshake_refused(c, "unable to get certificate CRL");
	aaa_client_destroy(c);
	fake_join(&f);

	/* The server's own certificate revoked by the intermediate: refused as before. */
	memset(&rs, 0, sizeof(rs));
	c = inter_client(&f, pki_other, "crl-revoked.pem");
	expect_handshake_refused(c, "certificate revoked");
	aaa_client_destroy(c);
	fake_join(&f);
}

static bool ca_refused(const struct radsec_counters *t) { return t->ca_reload_failures >= 1; }
static bool up_three(const struct radsec_counters *t) { return t->handshakes >= 3; }
static bool ca_other_now(const struct radsec_counters *t)
{
	return t->ca_reloads >= 1 && t->handshake_failures >= 1;
}

/*
 * The CA file changes while the HA runs (a CA rotated without a restart):
 * a file without a certificate is refused and the CAs in use stay; another
 * CA is read before the next handshake, which then fails; the right CA back,
 * the handshake after that succeeds.
 */
Test(radsec_stream, ca_file_reloaded_before_handshakes)
{
	struct fake_tls f;
	struct aaa_client *c;
	struct radsec_counters t;
	char live[96], orig[96], other[96];
	const char *why = "";

	make_pki(pki_other);
	snprintf(live, sizeof(live), "%s/ca.pem", pki);
	snprintf(orig, sizeof(orig), "%s/ca-orig.pem", pki);
	snprintf(other, sizeof(other), "%s/ca.pem", pki_other);
	replace_file(orig, live, NULL);
	wd_interval_ms = 100;	/* an unanswered watchdog ends each connection */
	wd_timeout_ms = 200;
	fake_start(&f, FAKE_SILENT);
	f.conns = 4;
	c = tls_client(f.port, pki, true, NULL, secret_path);
	cr_assert(wait_tls(c, up, 3000), "first handshake");

	replace_file(live, NULL, "not a certificate\n");
	cr_assert(wait_tls(c, up_twice, 5000), "second handshake (old CAs kept)");
	t = tls_stats(c, NULL);
	cr_assert_eq(t.ca_reload_failures, 1);
	cr_assert_eq(t.ca_reloads, 0);
	cr_assert_eq(t.handshake_failures, 0);
	cr_assert(wait_tls(c, ca_refused, 10));

	replace_file(live, other, NULL);
	cr_assert(wait_tls(c, ca_other_now, 8000), "no failed handshake with another CA");
	t = tls_stats(c, &why);
	cr_assert_eq(t.ca_reloads, 1);
	cr_assert_eq(t.handshakes, 2);
	cr_assert(strstr(why, "certificate verify failed") != NULL ||
		  strstr(why, "unable to get local issuer") != NULL, "why: %s", why);

	replace_file(live, orig, NULL);
	cr_assert(wait_tls(c, up_three, 15000), "no handshake with the right CA back");
	t = tls_stats(c, NULL);
	cr_assert_eq(t.ca_reloads, 2);
	cr_assert_eq(t.crl_reloads, 0, "no CRL file: nothing of it read");
	aaa_client_destroy(c);
	fake_join(&f);
	wd_interval_ms = 0;
}
