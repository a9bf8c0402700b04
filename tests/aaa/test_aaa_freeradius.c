/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The client against real, private FreeRADIUS instances started here with
 * scripts/freeradius-start.sh (config/freeradius) on free loopback ports:
 * the spec example's k'' and AUTH-RESPONSE, DOMAIN\, wrong passwords, an
 * assigned home address, failover between two instances, Status-Server
 * recovery. Every instance is stopped in the fini, and by the start script's
 * --watch when this process dies first.
 */
#include <poll.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "aaa_test.h"

struct fr {
	char dir[64];
	uint16_t port;
	bool running;
};

static struct fr fr[2];
static char secret_path[64];
static json_t *vec;
static struct results rs;

/* Runs freeradius-start.sh for f (a new port unless keep_port); true when it answered. */
static bool fr_run(struct fr *f, bool keep_port)
{
	char cmd[2048];
	int status;

	if (!keep_port)
		f->port = aaa_test_free_port(SOCK_DGRAM);
	snprintf(cmd, sizeof(cmd), "%s %s %u --secret-file %s --watch %d >/dev/null",
		 aaa_test_script("freeradius-start.sh"), f->dir, f->port, secret_path, (int)getpid());
	status = system(cmd);
	f->running = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	return f->running;
}

static void fr_start(struct fr *f)
{
	snprintf(f->dir, sizeof(f->dir), "/tmp/aaa-fr-XXXXXX");
	cr_assert_not_null(mkdtemp(f->dir));
	/* A port taken between the probe and the bind: try another. */
	for (int i = 0; i < 3 && !fr_run(f, false); i++)
		;
	cr_assert(f->running, "FreeRADIUS did not start in %s", f->dir);
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

static void fr_remove(struct fr *f)
{
	char cmd[1024];

	if (f->dir[0] == '\0')
		return;
	fr_stop(f);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	f->dir[0] = '\0';
}

static void setup(void)
{
	struct stat st;

	memset(fr, 0, sizeof(fr));
	memset(&rs, 0, sizeof(rs));
	vec = aaa_test_load_vectors();
	write_temp(secret_path, TEST_SECRET "\n");
	if (stat("/usr/sbin/freeradius", &st) != 0)
		cr_skip_test("FreeRADIUS is not installed");
	fr_start(&fr[0]);
}

static void teardown(void)
{
	fr_remove(&fr[0]);
	fr_remove(&fr[1]);
	unlink(secret_path);
	json_decref(vec);
}

TestSuite(freeradius, .init = setup, .fini = teardown, .timeout = 40);

static struct aaa_client *client_for(unsigned n, struct aaa_client_cfg *cfg_in)
{
	struct aaa_client_cfg cfg;
	struct aaa_client *c;
	int error;

	if (cfg_in != NULL) {
		cfg = *cfg_in;
	} else {
		aaa_client_cfg_defaults(&cfg);
	}
	cfg.nas.ip = htonl(INADDR_LOOPBACK);
	snprintf(cfg.nas.id, sizeof(cfg.nas.id), "mipha-test");
	cfg.secret_file = secret_path;
	for (unsigned i = 0; i < n; i++)
		cr_assert_eq(aaa_client_cfg_add_server(&cfg, "127.0.0.1", fr[i].port, NULL), 0);
	c = aaa_client_create(&cfg, &error);
	cr_assert_not_null(c, "create: %d", error);
	return c;
}

/* Polls (sleeping on the sockets) until want results or limit_ms. */

static struct aaa_result *run_one(struct aaa_client *c, const struct aaa_access_req *req)
{
	unsigned before = rs.n;

	cr_assert_eq(aaa_client_submit(c, req, (void *)1, aaa_test_now_ms()), 0);
	aaa_test_wait_results(c, &rs, before + 1, 5000);
	cr_assert_eq(rs.n, before + 1, "no result");
	return &rs.r[before];
}

/* The MN's own view (spec section 6 step 1 and RFC 2759 8.7) for password pw. */
static void mn_side(const struct aaa_access_req *req, const char *pw, struct mip_key *kpp,
		    char auth_response[42])
{
	struct mip_key nt, hh, master;

	cr_assert_eq(mip_nt_password_hash(pw, strlen(pw), &nt), 0);
	mip_hash_nt_password_hash(&nt, &hh);
	mip_mppe_master_key(&hh, req->nt_response, &master);
	mip_mppe_asymmetric_start_key(&master, true, false, kpp);
	mip_generate_authenticator_response(&nt, req->nt_response, req->peer_challenge,
					    req->auth_challenge, req->nai, strlen(req->nai),
					    auth_response);
	mip_wipe(&nt, sizeof(nt));
	mip_wipe(&hh, sizeof(hh));
	mip_wipe(&master, sizeof(master));
}

/* A fresh MS-CHAPv2 exchange for nai with password pw. */

static void check_spec_vector(const char *domain)
{
	struct aaa_client *c = client_for(1, NULL);
	struct aaa_access_req req;
	struct aaa_result *r;
	uint8_t k2[16];

	vec_access_req(vec, &req);
	snprintf(req.domain, sizeof(req.domain), "%s", domain);
	vec_hex(vec, NULL, "k2_ms_mppe_recv_key", k2, 16);
	r = run_one(c, &req);
	cr_assert_eq(r->status, AAA_ACCEPT, "status %d reason %s", r->status,
		     aaa_reason_name(r->reason));
	cr_assert_eq(r->server, 0);
	cr_assert(r->reply.has_recv_key && r->reply.has_send_key && r->reply.has_success);
	cr_assert_arr_eq(r->reply.recv_key.b, k2, 16, "k'' differs from the spec vector");
	cr_assert_eq(r->reply.success_ident, 0);
	cr_assert_arr_eq(r->reply.auth_response, vec_str(vec, NULL, "auth_response"), 42);
	cr_assert_not(r->reply.has_framed_ip);
	{
		struct aaa_client_counters k;

		aaa_client_counters(c, &k);
		cr_assert_eq(k.accepts, 1);
		cr_assert_eq(k.replies_invalid, 0);
	}
	aaa_client_destroy(c);
}

Test(freeradius, spec_vector_k2_and_auth_response)
{
	check_spec_vector("");
}

Test(freeradius, domain_prefix_stripped)
{
	check_spec_vector("EXAMPLE");
}

Test(freeradius, wrong_password_rejected)
{
	struct aaa_client *c = client_for(1, NULL);
	struct aaa_access_req req;
	struct aaa_result *r;
	struct aaa_client_counters k;

	aaa_test_make_req(&req, vec_str(vec, "inputs", "nai"), "notClientPass");
	r = run_one(c, &req);
	cr_assert_eq(r->status, AAA_REJECT);
	cr_assert_eq(r->reason, AAA_REASON_OK);
	cr_assert_not(r->reply.has_recv_key);
	aaa_client_counters(c, &k);
	cr_assert_eq(k.rejects, 1);
	cr_assert_eq(k.accepts, 0);
	cr_assert_eq(k.replies_valid, 1);
	cr_assert_eq(k.replies_invalid, 0);
	/* Unknown user too. */
	aaa_test_make_req(&req, "nobody@example.net", "clientPass");
	r = run_one(c, &req);
	cr_assert_eq(r->status, AAA_REJECT);
	aaa_client_destroy(c);
}

static void check_user(const char *nai, const char *pw, bool framed)
{
	struct aaa_client *c = client_for(1, NULL);
	struct aaa_access_req req;
	struct aaa_result *r;
	struct mip_key kpp;
	char ar[42];

	aaa_test_make_req(&req, nai, pw);
	mn_side(&req, pw, &kpp, ar);
	r = run_one(c, &req);
	cr_assert_eq(r->status, AAA_ACCEPT, "status %d reason %s", r->status,
		     aaa_reason_name(r->reason));
	cr_assert_arr_eq(r->reply.recv_key.b, kpp.b, 16, "k'' differs from the MN's");
	cr_assert_arr_eq(r->reply.auth_response, ar, 42);
	cr_assert_eq(r->reply.has_framed_ip, framed);
	if (framed) {
		cr_assert_eq(r->reply.framed_ip, htonl(0x0a01004d));
		cr_assert(r->reply.has_session_timeout);
		cr_assert_eq(r->reply.session_timeout, 600);
		cr_assert_str_eq(r->reply.reply_message, "home address from AAA");
	}
	mip_wipe(&kpp, sizeof(kpp));
	aaa_client_destroy(c);
}

Test(freeradius, framed_ip_user)
{
	check_user("framed@example.net", "framedPass", true);
}

Test(freeradius, nt_hash_user)
{
	check_user("nthash@example.net", "clientPass", false);
}

/*
 * Two instances: the first stopped, the request fails over to the second and
 * the first is marked dead; restarted, a Status-Server probe brings it back.
 */
Test(freeradius, failover_and_probe_recovery)
{
	struct aaa_client_cfg cfg;
	struct aaa_client *c;
	struct aaa_access_req req;
	struct aaa_result *r;
	struct aaa_server_stats s0;
	uint64_t end;

	fr_start(&fr[1]);
	aaa_client_cfg_defaults(&cfg);
	cfg.retransmit_ms = 50;
	cfg.retransmit_max_ms = 100;
	cfg.retries = 1;
	cfg.dead_after = 1;
	cfg.probe_interval_ms = 200;
	cfg.probe_timeout_ms = 100;
	c = client_for(2, &cfg);

	aaa_test_make_req(&req, "mnuser@example.net", "clientPass");
	r = run_one(c, &req);
	cr_assert_eq(r->status, AAA_ACCEPT);
	cr_assert_eq(r->server, 0);

	fr_stop(&fr[0]);
	aaa_test_make_req(&req, "mnuser@example.net", "clientPass");
	r = run_one(c, &req);
	cr_assert_eq(r->status, AAA_ACCEPT);
	cr_assert_eq(r->server, 1);
	cr_assert_eq(aaa_client_server_stats(c, 0, &s0), 0);
	cr_assert_eq(s0.state, AAA_SERVER_DEAD);
	cr_assert_eq(s0.marked_dead, 1);

	cr_assert(fr_run(&fr[0], true), "restart on port %u", fr[0].port);
	end = aaa_test_now_ms() + 5000;
	do {
		aaa_test_wait_results(c, &rs, UINT32_MAX, 20);
		cr_assert_eq(aaa_client_server_stats(c, 0, &s0), 0);
	} while (s0.state != AAA_SERVER_ALIVE && aaa_test_now_ms() < end);
	cr_assert_eq(s0.state, AAA_SERVER_ALIVE, "not recovered");
	cr_assert_eq(s0.recovered, 1);
	cr_assert_geq(s0.probes_sent, 1);
	cr_assert_eq(s0.probes_ok, 1);

	aaa_test_make_req(&req, "mnuser@example.net", "clientPass");
	r = run_one(c, &req);
	cr_assert_eq(r->status, AAA_ACCEPT);
	cr_assert_eq(r->server, 0);
	aaa_client_destroy(c);
}

static unsigned done_n, done_accepts;

static void count_done(void *cookie, const struct aaa_result *res, void *arg)
{
	done_n++;
	done_accepts += res->status == AAA_ACCEPT;
}

/* Throughput with a window of requests in flight; logged for the report. */
Test(freeradius, window_of_requests)
{
	enum { N = 2000, WINDOW = 128 };
	struct aaa_client *c = client_for(1, NULL);
	static struct aaa_access_req reqs[16];
	struct aaa_client_counters k;
	struct aaa_server_stats s;
	struct pollfd p[64];
	int fds[64];
	unsigned sent = 0, n;
	uint64_t t0, end, ms;

	for (unsigned i = 0; i < 16; i++)
		aaa_test_make_req(&reqs[i], "mnuser@example.net", "clientPass");
	t0 = aaa_test_now_ms();
	end = t0 + 20000;
	while (done_n < N && aaa_test_now_ms() < end) {
		while (sent < N && sent - done_n < WINDOW) {
			cr_assert_eq(aaa_client_submit(c, &reqs[sent % 16], NULL, aaa_test_now_ms()), 0);
			sent++;
		}
		n = aaa_client_fds(c, fds, 64);
		for (unsigned i = 0; i < n; i++)
			p[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
		poll(p, n, 10);
		aaa_client_poll(c, aaa_test_now_ms(), count_done, NULL);
	}
	ms = aaa_test_now_ms() - t0;
	aaa_client_counters(c, &k);
	aaa_client_server_stats(c, 0, &s);
	cr_log_info("%lu accepts in %lu ms (%.0f/s), window %d, %lu retransmissions, "
		    "latency avg %.2f ms max %lu ms",
		    (unsigned long)k.accepts, (unsigned long)ms, k.accepts * 1000.0 / (double)(ms + 1),
		    WINDOW, (unsigned long)k.retransmissions,
		    s.latency_count ? (double)s.latency_sum_ms / (double)s.latency_count : 0.0,
		    (unsigned long)s.latency_max_ms);
	cr_assert_eq(done_n, N);
	cr_assert_eq(done_accepts, N);
	cr_assert_eq(k.accepts, N);
	cr_assert_eq(k.replies_invalid, 0);
	aaa_client_destroy(c);
}

/* A port already taken: the start script reports failure (bounded), leaves nothing running. */
Test(freeradius, start_script_fails_on_busy_port)
{
	struct fr *f = &fr[1];
	uint64_t t0 = aaa_test_now_ms();
	char path[128];

	snprintf(f->dir, sizeof(f->dir), "/tmp/aaa-fr-XXXXXX");
	cr_assert_not_null(mkdtemp(f->dir));
	f->port = fr[0].port;
	cr_assert_not(fr_run(f, true), "a second server on port %u", f->port);
	cr_assert_lt(aaa_test_now_ms() - t0, 8000);
	/* The first one still answers. */
	{
		struct aaa_client *c = client_for(1, NULL);
		struct aaa_access_req req;

		aaa_test_make_req(&req, "mnuser@example.net", "clientPass");
		cr_assert_eq(run_one(c, &req)->status, AAA_ACCEPT);
		aaa_client_destroy(c);
	}
	snprintf(path, sizeof(path), "%s/log/radius.log", f->dir);
	cr_assert_eq(access(path, R_OK), 0);
}

/* require_message_authenticator: a request without one gets no answer at all. */
Test(freeradius, request_without_ma_dropped)
{
	const struct aaa_secret s = test_secret();
	struct aaa_nas nas = { .ip = htonl(INADDR_LOOPBACK), .id = "mipha-test" };
	struct aaa_access_req req;
	struct sockaddr_in a = { .sin_family = AF_INET };
	uint8_t pkt[AAA_RADIUS_REQ_MAX], auth[16], reply[AAA_RADIUS_MAX_LEN];
	struct pollfd p;
	int len, fd;

	aaa_test_make_req(&req, "mnuser@example.net", "clientPass");
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons(fr[0].port);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	p = (struct pollfd){ .fd = fd, .events = POLLIN };

	/* Without: the MA (first attribute) cut out. */
	cr_assert_eq(aaa_radius_random_auth(auth), 0);
	len = aaa_radius_encode_access_request(pkt, sizeof(pkt), 1, auth, &nas, &req, &s);
	cr_assert_eq(pkt[20], AAA_ATTR_MESSAGE_AUTHENTICATOR);
	memmove(pkt + 20, pkt + 38, (size_t)len - 38);
	len -= 18;
	pkt[2] = (uint8_t)(len >> 8);
	pkt[3] = (uint8_t)len;
	cr_assert_eq(send(fd, pkt, (size_t)len, 0), len);
	cr_assert_eq(poll(&p, 1, 500), 0, "answered a request without Message-Authenticator");

	/* With: answered, and the answer verifies. */
	cr_assert_eq(aaa_radius_random_auth(auth), 0);
	len = aaa_radius_encode_access_request(pkt, sizeof(pkt), 2, auth, &nas, &req, &s);
	cr_assert_eq(send(fd, pkt, (size_t)len, 0), len);
	cr_assert_eq(poll(&p, 1, 3000), 1);
	len = (int)recv(fd, reply, sizeof(reply), 0);
	cr_assert_gt(len, 20);
	cr_assert_eq(reply[0], AAA_CODE_ACCESS_ACCEPT);
	cr_assert_eq(aaa_radius_verify_reply(reply, (size_t)len, auth, &s), AAA_REASON_OK);
	close(fd);
}
