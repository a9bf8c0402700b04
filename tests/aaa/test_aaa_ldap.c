/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The LDAP password store (the patent's domain-controller path): a private
 * slapd (scripts/slapd-start.sh, config/openldap) holding NT hashes as
 * sambaNTPassword, and a private FreeRADIUS with the ldap variant of its
 * configuration (scripts/freeradius-start.sh --ldap) in front of it, both on
 * free loopback ports. The client must get from a directory user exactly the
 * k'' and AUTH-RESPONSE that libmip computes on the MN side. Every instance
 * is stopped in the fini, and by the start scripts' --watch when this process
 * dies first.
 */
#include <poll.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "aaa_test.h"
#include "mip_dynkey.h"

/* In the directory with sambaAcctFlags D (a "!NAI" users line), rand_pass as its password. */
#define DISABLED_USER "disabled-ldap@example.net"
/* config/openldap/users: the test user every slapd-start.sh loads. */
#define LDAP_USER "mnuser-ldap@example.net"
#define LDAP_PASS "ldapClientPass"
/* config/freeradius/users: a user of the file, who needs no directory. */
#define FILE_USER "mnuser@example.net"
#define FILE_PASS "clientPass"

struct inst {
	char dir[64];
	uint16_t port;
	bool running;
};

static struct inst ldap, fr, fr2;
static char secret_path[64];
static char users_path[64];
/* A random password given to slapd-start.sh --users at setup (never printed). */
static char rand_user[64];
static char rand_pass[64];
static struct results rs;

static bool run_ok(const char *cmd)
{
	int status = system(cmd);

	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void new_dir(struct inst *in, const char *tmpl)
{
	snprintf(in->dir, sizeof(in->dir), "%s", tmpl);
	cr_assert_not_null(mkdtemp(in->dir));
}

/* slapd-start.sh for ldap (a new port unless keep_port); true when it answered. */
static bool ldap_run(bool keep_port)
{
	char cmd[2048];

	if (!keep_port)
		ldap.port = aaa_test_free_port(SOCK_STREAM);
	snprintf(cmd, sizeof(cmd), "%s %s %u --users %s --watch %d >/dev/null",
		 aaa_test_script("slapd-start.sh"), ldap.dir, ldap.port, users_path, (int)getpid());
	ldap.running = run_ok(cmd);
	return ldap.running;
}

/* freeradius-start.sh --ldap for f, against a directory on ldap_port with pwfile. */
static bool fr_run(struct inst *f, uint16_t ldap_port, const char *pwfile)
{
	char cmd[2048];

	f->port = aaa_test_free_port(SOCK_DGRAM);
	snprintf(cmd, sizeof(cmd),
		 "%s %s %u --secret-file %s --watch %d --ldap ldap://127.0.0.1:%u/ "
		 "--ldap-password-file %s >/dev/null 2>&1",
		 aaa_test_script("freeradius-start.sh"), f->dir, f->port, secret_path, (int)getpid(),
		 ldap_port, pwfile);
	f->running = run_ok(cmd);
	return f->running;
}

static void ldap_pwfile(char path[128])
{
	snprintf(path, 128, "%s/freeradius.password", ldap.dir);
}

static void stop(struct inst *in, const char *stop_script)
{
	char cmd[1024];

	if (in->dir[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "%s %s", aaa_test_script(stop_script), in->dir);
	if (!run_ok(cmd))
		fprintf(stderr, "%s failed for %s\n", stop_script, in->dir);
	in->running = false;
}

static void remove_inst(struct inst *in, const char *stop_script)
{
	char cmd[1024];

	if (in->dir[0] == '\0')
		return;
	stop(in, stop_script);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", in->dir);
	if (!run_ok(cmd))
		fprintf(stderr, "could not remove %s\n", in->dir);
	in->dir[0] = '\0';
}

/* A user whose password is random and not ASCII (UTF-16 surrogates too). */
static void write_rand_user(void)
{
	uint8_t r[12];
	char hex[25], line[256];

	cr_assert_eq(getrandom(r, sizeof(r), 0), (ssize_t)sizeof(r));
	mip_hex_encode(r, 4, hex);
	snprintf(rand_user, sizeof(rand_user), "r%.8s@example.net", hex);
	mip_hex_encode(r + 4, 8, hex);
	snprintf(rand_pass, sizeof(rand_pass), "%s-\xc3\xbc\xe2\x82\xac\xf0\x9f\x98\x80 x", hex);
	snprintf(line, sizeof(line), "# written by test_aaa_ldap\n%s\t%s\n!" DISABLED_USER "\t%s\n",
		 rand_user, rand_pass, rand_pass);
	write_temp(users_path, line);
	mip_wipe(line, sizeof(line));
	mip_wipe(r, sizeof(r));
}

static void setup(void)
{
	struct stat st;
	char pw[128];

	memset(&ldap, 0, sizeof(ldap));
	memset(&fr, 0, sizeof(fr));
	memset(&fr2, 0, sizeof(fr2));
	memset(&rs, 0, sizeof(rs));
	write_temp(secret_path, TEST_SECRET "\n");
	write_rand_user();
	if (stat("/usr/sbin/freeradius", &st) != 0 || stat("/usr/sbin/slapd", &st) != 0 ||
	    stat("/usr/lib/freeradius/rlm_ldap.so", &st) != 0)
		cr_skip_test("FreeRADIUS, its ldap module or slapd is not installed");
	/* slapd first: FreeRADIUS binds to it when it starts. */
	new_dir(&ldap, "/tmp/aaa-ldap-XXXXXX");
	for (int i = 0; i < 3 && !ldap_run(false); i++)
		;
	cr_assert(ldap.running, "slapd did not start in %s", ldap.dir);
	new_dir(&fr, "/tmp/aaa-fr-XXXXXX");
	ldap_pwfile(pw);
	for (int i = 0; i < 3 && !fr_run(&fr, ldap.port, pw); i++)
		;
	cr_assert(fr.running, "FreeRADIUS did not start in %s", fr.dir);
}

static void teardown(void)
{
	/* FreeRADIUS before its directory, as a deployment stops them. */
	remove_inst(&fr2, "freeradius-stop.sh");
	remove_inst(&fr, "freeradius-stop.sh");
	remove_inst(&ldap, "slapd-stop.sh");
	unlink(secret_path);
	unlink(users_path);
	mip_wipe(rand_pass, sizeof(rand_pass));
}

TestSuite(ldap, .init = setup, .fini = teardown, .timeout = 40);

static struct aaa_client *client_for(uint16_t port, const struct aaa_client_cfg *cfg_in)
{
	struct aaa_client_cfg cfg;
	struct aaa_client *c;
	int error;

	if (cfg_in != NULL)
		cfg = *cfg_in;
	else
		aaa_client_cfg_defaults(&cfg);
	cfg.nas.ip = htonl(INADDR_LOOPBACK);
	snprintf(cfg.nas.id, sizeof(cfg.nas.id), "mipha-test");
	cfg.secret_file = secret_path;
	cr_assert_eq(aaa_client_cfg_add_server(&cfg, "127.0.0.1", port, NULL), 0);
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

/* A fresh MS-CHAPv2 exchange for nai with password pw (the MN's side). */

/*
 * An accepted exchange for nai/pw (DOMAIN\ when domain is not empty): k''
 * equals the MN's mip_k2_from_nt_hash, MS-CHAP2-Success the MN's
 * mip_generate_authenticator_response.
 */
static void check_accept(uint16_t port, const char *nai, const char *pw, const char *domain)
{
	struct aaa_client *c = client_for(port, NULL);
	struct aaa_client_counters k;
	struct aaa_access_req req;
	struct aaa_result *r;
	struct mip_key nt, k2;
	char ar[42];

	aaa_test_make_req(&req, nai, pw);
	snprintf(req.domain, sizeof(req.domain), "%s", domain);
	cr_assert_eq(mip_nt_password_hash(pw, strlen(pw), &nt), 0);
	mip_k2_from_nt_hash(&nt, req.nt_response, &k2);
	mip_generate_authenticator_response(&nt, req.nt_response, req.peer_challenge,
					    req.auth_challenge, req.nai, strlen(req.nai), ar);
	mip_wipe(&nt, sizeof(nt));

	r = run_one(c, &req);
	cr_assert_eq(r->status, AAA_ACCEPT, "%s: status %d reason %s", nai, r->status,
		     aaa_reason_name(r->reason));
	cr_assert(r->reply.has_recv_key && r->reply.has_send_key && r->reply.has_success);
	cr_assert(mip_ct_equal(r->reply.recv_key.b, k2.b, 16), "k'' differs from the MN's");
	cr_assert_eq(r->reply.success_ident, 0);
	cr_assert_arr_eq(r->reply.auth_response, ar, 42, "AUTH-RESPONSE differs from the MN's");
	cr_assert_not(r->reply.has_framed_ip);
	aaa_client_counters(c, &k);
	cr_assert_eq(k.accepts, 1);
	cr_assert_eq(k.rejects, 0);
	cr_assert_eq(k.replies_invalid, 0);
	cr_assert_eq(k.timeouts, 0);
	mip_wipe(&k2, sizeof(k2));
	aaa_client_destroy(c);
}

/* An Access-Reject (reason OK: authentic, just a no) for nai/pw, within limit_ms. */
static void check_reject(uint16_t port, const char *nai, const char *pw, uint64_t limit_ms)
{
	struct aaa_client *c = client_for(port, NULL);
	struct aaa_client_counters k;
	struct aaa_access_req req;
	struct aaa_result *r;
	uint64_t t0 = aaa_test_now_ms();

	aaa_test_make_req(&req, nai, pw);
	r = run_one(c, &req);
	cr_assert_eq(r->status, AAA_REJECT, "%s: status %d reason %s", nai, r->status,
		     aaa_reason_name(r->reason));
	cr_assert_eq(r->reason, AAA_REASON_OK);
	cr_assert_eq(r->server, 0);
	cr_assert_not(r->reply.has_recv_key);
	cr_assert_lt(aaa_test_now_ms() - t0, limit_ms, "reject after %lu ms",
		     (unsigned long)(aaa_test_now_ms() - t0));
	aaa_client_counters(c, &k);
	cr_assert_eq(k.rejects, 1);
	cr_assert_eq(k.accepts, 0);
	cr_assert_eq(k.timeouts, 0);
	cr_assert_eq(k.replies_valid, 1);
	cr_assert_eq(k.replies_invalid, 0);
	aaa_client_destroy(c);
}

/* And users of the file still come from the file with the ldap variant. */
Test(ldap, directory_user_k2_and_auth_response)
{
	check_accept(fr.port, LDAP_USER, LDAP_PASS, "");
	check_accept(fr.port, FILE_USER, FILE_PASS, "");
}

/* The NT hash slapd-start.sh computed (OpenSSL MD4 over iconv's UTF-16LE) is libmip's. */
Test(ldap, random_non_ascii_password_user)
{
	check_accept(fr.port, rand_user, rand_pass, "");
}

Test(ldap, domain_prefix_stripped_before_lookup)
{
	check_accept(fr.port, LDAP_USER, LDAP_PASS, "EXAMPLE");
}

Test(ldap, wrong_password_rejected)
{
	check_reject(fr.port, LDAP_USER, "notLdapClientPass", 2000);
	check_reject(fr.port, rand_user, LDAP_PASS, 2000);
}

/* A disabled account (sambaAcctFlags D) is refused with its right password. */
Test(ldap, disabled_account_rejected)
{
	check_accept(fr.port, rand_user, rand_pass, "");
	check_reject(fr.port, DISABLED_USER, rand_pass, 2000);
}

Test(ldap, absent_user_rejected)
{
	check_reject(fr.port, "nobody-ldap@example.net", LDAP_PASS, 2000);
	/* A user of the directory's service account: not a user. */
	check_reject(fr.port, "freeradius", LDAP_PASS, 2000);
}

/*
 * The User-Name goes into an LDAP filter: a '*' must stay a character. Were
 * it a wildcard, "mnuser-ldap*" would find mnuser-ldap@example.net's hash,
 * and the exchange (computed by the MN over that very name) would pass.
 */
Test(ldap, filter_wildcard_not_expanded)
{
	check_reject(fr.port, "mnuser-ldap*", LDAP_PASS, 2000);
	check_reject(fr.port, "*", LDAP_PASS, 2000);
	check_reject(fr.port, "x)(uid=mnuser-ldap@example.net", LDAP_PASS, 2000);
}

/*
 * slapd down: FreeRADIUS answers an Access-Reject at once (its ldap module
 * fails, and a failed authorize is a reject), not silence; the client counts
 * a reject, no timeout, no retransmission. A user of the file is unaffected.
 * slapd back on the same port: the module reconnects and the user passes.
 */
Test(ldap, directory_down_rejects_then_recovers)
{
	struct aaa_client *c;
	struct aaa_client_counters k;
	struct aaa_access_req req;
	struct aaa_result *r;
	uint64_t end;

	stop(&ldap, "slapd-stop.sh");
	check_reject(fr.port, LDAP_USER, LDAP_PASS, 1000);
	check_accept(fr.port, FILE_USER, FILE_PASS, "");
	{
		struct aaa_client_cfg cfg;

		aaa_client_cfg_defaults(&cfg);
		c = client_for(fr.port, &cfg);
		aaa_test_make_req(&req, LDAP_USER, LDAP_PASS);
		r = run_one(c, &req);
		cr_assert_eq(r->status, AAA_REJECT);
		aaa_client_counters(c, &k);
		cr_assert_eq(k.retransmissions, 0);
		cr_assert_eq(k.timeouts, 0);
		aaa_client_destroy(c);
	}

	cr_assert(ldap_run(true), "slapd restart on port %u", ldap.port);
	/* The module waits retry_delay (1 s) before it reconnects. */
	c = client_for(fr.port, NULL);
	end = aaa_test_now_ms() + 5000;
	do {
		aaa_test_make_req(&req, LDAP_USER, LDAP_PASS);
		r = run_one(c, &req);
		if (r->status == AAA_ACCEPT)
			break;
		usleep(200 * 1000);
	} while (aaa_test_now_ms() < end);
	cr_assert_eq(r->status, AAA_ACCEPT, "no accept after slapd came back");
	aaa_client_destroy(c);
	check_accept(fr.port, LDAP_USER, LDAP_PASS, "");
}

/* pid exists and has not exited (a zombie waits for init to reap it). */
static bool pid_running(int pid)
{
	char path[64], buf[256], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (f == NULL)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p == NULL || p[1] == '\0' || p[2] != 'Z';
}

/* FreeRADIUS binds when it starts: no directory, or a wrong password, and it does not start. */
Test(ldap, freeradius_start_needs_the_directory)
{
	char bad_pw[64], pid_path[128], pw[128];
	uint64_t t0 = aaa_test_now_ms();

	new_dir(&fr2, "/tmp/aaa-fr-XXXXXX");
	ldap_pwfile(pw);
	cr_assert_not(fr_run(&fr2, aaa_test_free_port(SOCK_STREAM), pw), "started against no directory");
	snprintf(pid_path, sizeof(pid_path), "%s/server.pid", fr2.dir);
	write_temp(bad_pw, "0123456789abcdef0123456789abcdef");
	cr_assert_not(fr_run(&fr2, ldap.port, bad_pw), "started with a wrong bind password");
	unlink(bad_pw);
	cr_assert_lt(aaa_test_now_ms() - t0, 12000);
	/* Nothing of it left running: its pid (if any) is gone. */
	{
		FILE *f = fopen(pid_path, "r");
		int pid = 0;

		if (f != NULL) {
			cr_assert_eq(fscanf(f, "%d", &pid), 1);
			fclose(f);
			cr_assert_not(pid_running(pid), "pid %d still runs", pid);
		}
	}
	/* The first instance is unaffected. */
	check_accept(fr.port, LDAP_USER, LDAP_PASS, "");
}

/*
 * The NT hash is the credential (spec section 10): no anonymous bind, and
 * the files that hold secrets are private. The service account does read it.
 */
Test(ldap, directory_access_control)
{
	char cmd[2048], path[128];
	struct stat st;
	const char *search = "ldapsearch -x -LLL -o nettimeout=2 -H ldap://127.0.0.1:%u/ %s "
			     "-b ou=users,dc=example,dc=net '(uid=" LDAP_USER ")' sambaNTPassword "
			     "2>/dev/null | grep -q '^sambaNTPassword: '";
	char bind[256];

	snprintf(cmd, sizeof(cmd), search, ldap.port, "");
	cr_assert_not(run_ok(cmd), "anonymous search read an NT hash");
	snprintf(bind, sizeof(bind),
		 "-D cn=freeradius,ou=services,dc=example,dc=net -y %s/freeradius.password",
		 ldap.dir);
	snprintf(cmd, sizeof(cmd), search, ldap.port, bind);
	cr_assert(run_ok(cmd), "the service account cannot read the NT hash");

	snprintf(path, sizeof(path), "%s/freeradius.password", ldap.dir);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 077, 0, "%s mode %o", path, st.st_mode & 0777);
	snprintf(path, sizeof(path), "%s/ldap.conf", fr.dir);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 077, 0, "%s mode %o", path, st.st_mode & 0777);
	/* The LDIF with the hashes is gone once loaded. */
	snprintf(path, sizeof(path), "%s/load.ldif", ldap.dir);
	cr_assert_neq(access(path, F_OK), 0);
}

static unsigned done_n, done_accepts;

static void count_done(void *cookie, const struct aaa_result *res, void *arg)
{
	(void)cookie;
	(void)arg;
	done_n++;
	done_accepts += res->status == AAA_ACCEPT;
}

/* Throughput with an LDAP lookup per request; logged for the report. */
Test(ldap, window_of_requests)
{
	enum { N = 1000, WINDOW = 64 };
	struct aaa_client *c = client_for(fr.port, NULL);
	static struct aaa_access_req reqs[16];
	struct aaa_client_counters k;
	struct aaa_server_stats s;
	struct pollfd p[64];
	int fds[64];
	unsigned sent = 0, n;
	uint64_t t0, end, ms;

	for (unsigned i = 0; i < 16; i++)
		aaa_test_make_req(&reqs[i], LDAP_USER, LDAP_PASS);
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
	cr_log_info("ldap: %lu accepts in %lu ms (%.0f/s), window %d, %lu retransmissions, "
		    "%lu late duplicates, latency avg %.2f ms max %lu ms",
		    (unsigned long)k.accepts, (unsigned long)ms, k.accepts * 1000.0 / (double)(ms + 1),
		    WINDOW, (unsigned long)k.retransmissions,
		    (unsigned long)k.invalid[AAA_REASON_BAD_ID],
		    s.latency_count ? (double)s.latency_sum_ms / (double)s.latency_count : 0.0,
		    (unsigned long)s.latency_max_ms);
	cr_assert_eq(done_n, N);
	cr_assert_eq(done_accepts, N);
	cr_assert_eq(k.accepts, N);
	/*
	 * On loaded cores a lookup can outlast the 250 ms retransmission timer:
	 * FreeRADIUS then answers the retransmission too, and that second
	 * answer, for a request already ended, is discarded as BAD_ID. Nothing
	 * else may be discarded.
	 */
	cr_assert_leq(k.replies_invalid, k.retransmissions);
	cr_assert_eq(k.replies_invalid, k.invalid[AAA_REASON_BAD_ID]);
	aaa_client_destroy(c);
}

/* ---- slapd-start.sh alone: bad input and a busy port, no instance needed ---- */

static char script_dir[64];

static void script_setup(void)
{
	struct stat st;

	if (stat("/usr/sbin/slapd", &st) != 0)
		cr_skip_test("slapd is not installed");
	snprintf(script_dir, sizeof(script_dir), "/tmp/aaa-ldap-XXXXXX");
	cr_assert_not_null(mkdtemp(script_dir));
}

static void script_teardown(void)
{
	char cmd[256];

	if (script_dir[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "%s %s; rm -rf '%s'", aaa_test_script("slapd-stop.sh"), script_dir,
		 script_dir);
	if (!run_ok(cmd))
		fprintf(stderr, "could not clean %s\n", script_dir);
}

TestSuite(slapd_script, .init = script_setup, .fini = script_teardown, .timeout = 30);

/* Exit status of slapd-start.sh DIR PORT args (stderr into DIR/err). */
static int slapd_start_status(uint16_t port, const char *args)
{
	char cmd[2048];
	int status;

	snprintf(cmd, sizeof(cmd), "%s %s %u %s >/dev/null 2>%s/err", aaa_test_script("slapd-start.sh"),
		 script_dir, port, args, script_dir);
	status = system(cmd);
	cr_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* stderr of the last run holds needle. */
static bool err_has(const char *needle)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "grep -qF -- '%s' %s/err", needle, script_dir);
	return run_ok(cmd);
}

/* Each bad users file: a clear error, exit 1, and no slapd started. */
Test(slapd_script, bad_users_refused)
{
	static const struct {
		const char *content, *error;
	} bad[] = {
		{ "nobody@example.net clientPass\n", "no TAB" },
		{ "a,b@example.net\tclientPass\n", "has characters other than" },
		{ "c@example.net\t\xff\xfe\n", "not valid UTF-8" },
		{ "d@example.net\t\n", "empty password" },
	};
	char users[64], args[128], path[128];

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_temp(users, bad[i].content);
		snprintf(args, sizeof(args), "--users %s", users);
		cr_assert_eq(slapd_start_status(aaa_test_free_port(SOCK_STREAM), args), 1, "case %u", i);
		unlink(users);
		cr_assert(err_has(bad[i].error), "case %u: no '%s' on stderr", i, bad[i].error);
		snprintf(path, sizeof(path), "%s/server.pid", script_dir);
		cr_assert_neq(access(path, F_OK), 0, "case %u: a slapd was started", i);
	}
	cr_assert_eq(slapd_start_status(389, "--users /nonexistent"), 2);
	cr_assert_eq(slapd_start_status(389, "--bogus"), 2);
	cr_assert_eq(slapd_start_status(0, "--users"), 2);
}

/*
 * The port taken by a listener that never answers: slapd cannot bind and
 * exits, the script says so within its bound, and the listener is untouched.
 */
Test(slapd_script, busy_port_fails_bounded)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	uint64_t t0;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(fd, 8), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	t0 = aaa_test_now_ms();
	cr_assert_eq(slapd_start_status(ntohs(a.sin_port), ""), 1);
	cr_assert_lt(aaa_test_now_ms() - t0, 8000);
	cr_assert(err_has("slapd exited"));
	/* Still listening: a connection is accepted into its backlog. */
	{
		int c = socket(AF_INET, SOCK_STREAM, 0);

		cr_assert_eq(connect(c, (struct sockaddr *)&a, sizeof(a)), 0);
		close(c);
	}
	close(fd);
}
