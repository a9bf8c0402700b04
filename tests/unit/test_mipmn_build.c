/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `mipmn build` against the spec's worked example: the builder must print the
 * example's RRQs byte for byte, and check-reply must accept the example's RRP
 * and refuse every corruption of it with the right reason. Every number comes
 * from $MIP_SHARED_DIR/spec/vectors/dynkey-example.json at run time; altered
 * replies are rebuilt with libmip and re-signed with the real Skey, so only the
 * check under test can catch them.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mip.h"

extern char **environ;

#define OUT_MAX 8192
#define ARGV_MAX 48
#define RUN_TIMEOUT_MS 10000
#define MSG_MAX 2048

struct run {
	int status;	/* exit code, or -1 when killed/crashed */
	char out[OUT_MAX];
	char err[OUT_MAX];
};

static json_t *ex;	/* the example */
static char password[256];

/* ---- the example ---- */

static void load_example(void)
{
	const char *dir = getenv("MIP_SHARED_DIR");
	char path[1024];
	json_error_t jerr;

	snprintf(path, sizeof(path), "%s/spec/vectors/dynkey-example.json",
		 dir != NULL ? dir : "/work/shared");
	ex = json_load_file(path, 0, &jerr);
	cr_assert_not_null(ex, "cannot load %s: %s", path, jerr.text);
	snprintf(password, sizeof(password), "%s",
		 json_string_value(json_object_get(json_object_get(ex, "inputs"), "password")));
}

static void free_example(void)
{
	mip_wipe(password, sizeof(password));
	json_decref(ex);
}

/* A string at a dotted path ("rereg.rrq"); fails the test when absent. */
static const char *s_at(const char *path)
{
	char buf[128];
	char *save = NULL;
	json_t *j = ex;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *tok = strtok_r(buf, ".", &save); tok != NULL; tok = strtok_r(NULL, ".", &save))
		j = json_object_get(j, tok);
	cr_assert(json_is_string(j), "example has no string %s", path);
	return json_string_value(j);
}

static const char *in_s(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "inputs.%s", name);
	return s_at(path);
}

/* An integer input as decimal text, for argv. */
static const char *in_n(const char *name)
{
	static char bufs[8][24];
	static int next;
	json_t *j = json_object_get(json_object_get(ex, "inputs"), name);
	char *b = bufs[next++ % 8];

	cr_assert(json_is_integer(j), "example has no integer input %s", name);
	snprintf(b, sizeof(bufs[0]), "%lld", (long long)json_integer_value(j));
	return b;
}

static uint32_t in_u32(const char *name)
{
	return (uint32_t)json_integer_value(json_object_get(json_object_get(ex, "inputs"), name));
}

static size_t hex_bytes(const char *hex, uint8_t *out, size_t cap)
{
	long n = mip_hex_decode(hex, out, cap);

	cr_assert_gt(n, 0, "bad hex in example");
	return (size_t)n;
}

static struct mip_key key_at(const char *path)
{
	struct mip_key k;

	cr_assert_eq(mip_key_from_hex(s_at(path), &k), 0);
	return k;
}

/* ---- running mipmn ---- */

static void drain(int fd, char *buf, size_t *len, bool *open_)
{
	ssize_t n = read(fd, buf + *len, OUT_MAX - 1 - *len);

	if (n <= 0) {
		*open_ = false;
		return;
	}
	*len += (size_t)n;
	buf[*len] = '\0';
	if (*len >= OUT_MAX - 1)
		*open_ = false;
}

/* Runs $MIPMN with argv (NULL-terminated, without argv[0]); bounded in time. */
static void run_argv(struct run *r, char *const *args)
{
	const char *mipmn = getenv("MIPMN");
	char *argv[ARGV_MAX + 2];
	int out_pipe[2], err_pipe[2];
	posix_spawn_file_actions_t fa;
	size_t out_len = 0, err_len = 0;
	bool out_open = true, err_open = true;
	struct timespec start, now;
	pid_t pid;
	int n = 0, status;

	cr_assert_not_null(mipmn, "$MIPMN is not set");
	memset(r, 0, sizeof(*r));
	argv[n++] = (char *)mipmn;
	for (; args[n - 1] != NULL; n++) {
		cr_assert_lt(n, ARGV_MAX);
		argv[n] = args[n - 1];
	}
	argv[n] = NULL;

	cr_assert_eq(pipe2(out_pipe, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(err_pipe, O_CLOEXEC), 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
	posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
	cr_assert_eq(posix_spawn(&pid, mipmn, &fa, NULL, argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	close(out_pipe[1]);
	close(err_pipe[1]);

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (out_open || err_open) {
		struct pollfd pfd[2] = {
			{ .fd = out_open ? out_pipe[0] : -1, .events = POLLIN },
			{ .fd = err_open ? err_pipe[0] : -1, .events = POLLIN },
		};
		long elapsed;

		clock_gettime(CLOCK_MONOTONIC, &now);
		elapsed = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		if (elapsed > RUN_TIMEOUT_MS) {
			kill(pid, SIGKILL);
			break;
		}
		if (poll(pfd, 2, 200) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents != 0)
			drain(out_pipe[0], r->out, &out_len, &out_open);
		if (pfd[1].revents != 0)
			drain(err_pipe[0], r->err, &err_len, &err_open);
	}
	close(out_pipe[0]);
	close(err_pipe[0]);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;

	/* Whatever the command, the password never shows. */
	cr_assert_null(strstr(r->out, password), "stdout shows the password");
	cr_assert_null(strstr(r->err, password), "stderr shows the password");
}

/* run(r, "build", "initial", ..., NULL) */
static void run(struct run *r, ...)
{
	char *args[ARGV_MAX + 1];
	va_list ap;
	int n = 0;

	va_start(ap, r);
	for (char *a = va_arg(ap, char *); a != NULL; a = va_arg(ap, char *)) {
		cr_assert_lt(n, ARGV_MAX);
		args[n++] = a;
	}
	va_end(ap);
	args[n] = NULL;
	run_argv(r, args);
}

/* Copies a string list into a mutable argv (mipmn may wipe secrets in place). */
struct args {
	char *v[ARGV_MAX + 1];
	int n;
};

static void args_add(struct args *a, const char *s)
{
	cr_assert_lt(a->n, ARGV_MAX);
	a->v[a->n++] = strdup(s);
	a->v[a->n] = NULL;
}

static void args_free(struct args *a)
{
	for (int i = 0; i < a->n; i++)
		free(a->v[i]);
	a->n = 0;
}

/* `build initial` with the example's inputs, the secret given as secret_opt/secret_val. */
static void initial_args(struct args *a, const char *secret_opt, const char *secret_val)
{
	args_add(a, "build");
	args_add(a, "initial");
	args_add(a, "--nai");
	args_add(a, in_s("nai"));
	args_add(a, secret_opt);
	args_add(a, secret_val);
	args_add(a, "--home-address");
	args_add(a, in_s("home_address"));
	args_add(a, "--home-agent");
	args_add(a, in_s("home_agent"));
	args_add(a, "--care-of");
	args_add(a, in_s("care_of"));
	args_add(a, "--identification");
	args_add(a, in_s("identification"));
	args_add(a, "--challenge");
	args_add(a, in_s("auth_challenge"));
	args_add(a, "--spi1");
	args_add(a, in_n("spi1"));
	args_add(a, "--lifetime");
	args_add(a, in_n("lifetime"));
}

static void example_initial_args(struct args *a)
{
	initial_args(a, "--password", password);
	args_add(a, "--spi2");
	args_add(a, in_n("spi2"));
}

static void assert_hex_line(const struct run *r, const char *expect)
{
	char line[OUT_MAX];

	cr_assert_eq(r->status, 0, "exit %d, stderr: %s", r->status, r->err);
	snprintf(line, sizeof(line), "%s\n", expect);
	cr_assert_str_eq(r->out, line);
	cr_assert_str_eq(r->err, "");
}

/* check-reply of the example's initial RRQ against rep_hex. */
static void check_reply(struct run *r, const char *rep_hex, bool show_keys)
{
	char *pw = strdup(password);

	if (show_keys)
		run(r, "build", "check-reply", "--nai", in_s("nai"), "--password", pw, "--request",
		    s_at("initial_rrq"), "--reply", rep_hex, "--show-keys", NULL);
	else
		run(r, "build", "check-reply", "--nai", in_s("nai"), "--password", pw, "--request",
		    s_at("initial_rrq"), "--reply", rep_hex, NULL);
	free(pw);
}

static void assert_refused(const struct run *r, const char *reason)
{
	char line[256];

	snprintf(line, sizeof(line), "%s\n", reason);
	cr_assert_eq(r->status, 1, "exit %d (want 1), out: %s err: %s", r->status, r->out, r->err);
	cr_assert_str_eq(r->out, line);
}

static void assert_usage_error(const struct run *r, const char *opt);

TestSuite(mipmn_build, .init = load_example, .fini = free_example, .timeout = 60);

/* ---- the builder reproduces the example ---- */

Test(mipmn_build, initial_matches_example)
{
	struct args a = { 0 };
	struct run r;

	example_initial_args(&a);
	run_argv(&r, a.v);
	args_free(&a);
	assert_hex_line(&r, s_at("initial_rrq"));
}

Test(mipmn_build, initial_accepts_hex_numbers_and_explicit_defaults)
{
	struct args a = { 0 };
	char spi1[24], vendor[24], dynkey[24];
	struct run r;

	initial_args(&a, "--password", password);
	/* Replace the decimal --spi1 by 0x hex; add the default vendor and DYNKEY_SPI explicitly. */
	snprintf(spi1, sizeof(spi1), "0x%x", in_u32("spi1"));
	free(a.v[a.n - 3]);
	a.v[a.n - 3] = strdup(spi1);
	snprintf(vendor, sizeof(vendor), "0x%X", in_u32("vendor_id"));
	snprintf(dynkey, sizeof(dynkey), "%u", in_u32("dynkey_spi"));
	args_add(&a, "--spi2");
	args_add(&a, in_n("spi2"));
	args_add(&a, "--vendor-id");
	args_add(&a, vendor);
	args_add(&a, "--dynkey-spi");
	args_add(&a, dynkey);
	args_add(&a, "--alg");
	args_add(&a, "hmac-md5");
	run_argv(&r, a.v);
	args_free(&a);
	assert_hex_line(&r, s_at("initial_rrq"));
}

Test(mipmn_build, initial_with_nt_hash)
{
	struct mip_key nt;
	char hex[33];
	struct args a = { 0 };
	struct run r;

	cr_assert_eq(mip_nt_password_hash(password, strlen(password), &nt), 0);
	mip_hex_encode(nt.b, sizeof(nt.b), hex);
	initial_args(&a, "--nt-hash", hex);
	args_add(&a, "--spi2");
	args_add(&a, in_n("spi2"));
	run_argv(&r, a.v);
	args_free(&a);
	assert_hex_line(&r, s_at("initial_rrq"));
	cr_assert_null(strstr(r.out, hex), "the NT hash was printed");
}

static void write_file(const char *path, const char *content)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	fputs(content, f);
	cr_assert_eq(fclose(f), 0);
}

static void initial_from_file(struct run *r, const char *content)
{
	char path[] = "/tmp/mipmn-build-pw-XXXXXX";
	int fd = mkstemp(path);
	struct args a = { 0 };

	cr_assert_geq(fd, 0);
	close(fd);
	write_file(path, content);
	initial_args(&a, "--password-file", path);
	args_add(&a, "--spi2");
	args_add(&a, in_n("spi2"));
	run_argv(r, a.v);
	args_free(&a);
	unlink(path);
}

Test(mipmn_build, password_file_with_and_without_newline)
{
	char content[300];
	struct run r;

	snprintf(content, sizeof(content), "%s", password);
	initial_from_file(&r, content);
	assert_hex_line(&r, s_at("initial_rrq"));

	snprintf(content, sizeof(content), "%s\n", password);
	initial_from_file(&r, content);
	assert_hex_line(&r, s_at("initial_rrq"));

	/* Only one newline is dropped: a second one is part of the password. */
	snprintf(content, sizeof(content), "%s\n\n", password);
	initial_from_file(&r, content);
	cr_assert_eq(r.status, 0);
	cr_assert_str_neq(r.out, "");
	cr_assert_null(strstr(r.out, s_at("initial_rrq")));
}

Test(mipmn_build, rereg_matches_example)
{
	char *key = strdup(s_at("skey2"));
	struct run r;

	run(&r, "build", "rereg", "--nai", in_s("nai"), "--home-address", in_s("home_address"),
	    "--home-agent", in_s("home_agent"), "--care-of", s_at("rereg.care_of"),
	    "--identification", s_at("rereg.identification"), "--lifetime", in_n("lifetime"),
	    "--spi", in_n("spi2"), "--key", key, NULL);
	free(key);
	assert_hex_line(&r, s_at("rereg.rrq"));
}

Test(mipmn_build, rereg_keyed_md5_matches_example)
{
	char *key = strdup(s_at("skey2"));
	char expect[MSG_MAX];
	const char *auth = s_at("keyed_md5_prefix_suffix_over_rereg_protected_with_skey2");
	size_t len;
	struct run r;

	/* The rereg RRQ has no key spec, so only the authenticator (the last 16 bytes) changes. */
	snprintf(expect, sizeof(expect), "%s", s_at("rereg.rrq"));
	len = strlen(expect);
	cr_assert_eq(strlen(auth), 32);
	memcpy(expect + len - 32, auth, 32);
	run(&r, "build", "rereg", "--nai", in_s("nai"), "--home-address", in_s("home_address"),
	    "--home-agent", in_s("home_agent"), "--care-of", s_at("rereg.care_of"),
	    "--identification", s_at("rereg.identification"), "--lifetime", in_n("lifetime"),
	    "--spi", in_n("spi2"), "--key", key, "--alg", "keyed-md5", NULL);
	free(key);
	assert_hex_line(&r, expect);
}

Test(mipmn_build, dereg_has_lifetime_zero_and_verifies)
{
	struct mip_key skey2 = key_at("skey2");
	struct mip_parse_cfg cfg;
	struct mip_msg m;
	uint8_t buf[MSG_MAX];
	char *key = strdup(s_at("skey2"));
	size_t len;
	struct run r;

	run(&r, "build", "rereg", "--nai", in_s("nai"), "--home-address", in_s("home_address"),
	    "--home-agent", in_s("home_agent"), "--care-of", s_at("rereg.care_of"),
	    "--identification", s_at("rereg.identification"), "--lifetime", "0",
	    "--spi", in_n("spi2"), "--key", key, NULL);
	free(key);
	cr_assert_eq(r.status, 0, "%s", r.err);
	r.out[strcspn(r.out, "\n")] = '\0';
	len = hex_bytes(r.out, buf, sizeof(buf));
	mip_parse_cfg_default(&cfg);
	cr_assert_eq(mip_parse(buf, len, &cfg, &m), MIP_OK);
	cr_assert_eq(m.lifetime, 0);
	cr_assert_eq(m.mhae.spi, in_u32("spi2"));
	cr_assert(mip_auth_verify(&m, MIP_ALG_HMAC_MD5, &skey2));
}

Test(mipmn_build, rekey_matches_example)
{
	char *key = strdup(s_at("skey"));
	struct run r;

	run(&r, "build", "rekey", "--nai", in_s("nai"), "--home-address", in_s("home_address"),
	    "--home-agent", in_s("home_agent"), "--care-of", s_at("rereg.care_of"),
	    "--identification", s_at("rekey.identification"), "--lifetime", in_n("lifetime"),
	    "--spi1", in_n("spi1"), "--key", key, "--spi2", in_n("spi2"), NULL);
	free(key);
	assert_hex_line(&r, s_at("rekey.rrq"));
}

Test(mipmn_build, single_key_initial_has_no_key_req_s2)
{
	struct mip_key nt;
	struct mip_parse_cfg cfg;
	struct mip_msg m;
	uint8_t buf[MSG_MAX], peer[16], ntr[24], challenge[16];
	struct args a = { 0 };
	size_t len;
	struct run r;

	initial_args(&a, "--password", password);
	run_argv(&r, a.v);
	args_free(&a);
	cr_assert_eq(r.status, 0, "%s", r.err);
	r.out[strcspn(r.out, "\n")] = '\0';
	len = hex_bytes(r.out, buf, sizeof(buf));
	mip_parse_cfg_default(&cfg);
	cr_assert_eq(mip_parse(buf, len, &cfg, &m), MIP_OK);
	cr_assert(mip_is_dynkey_initial(&m, &cfg));
	cr_assert_eq(m.present & MIP_HAS_KEY_REQ_S2, 0);
	cr_assert_neq(m.present & MIP_HAS_KEY_REQ_S, 0);
	cr_assert_eq(m.key_s.spi, in_u32("spi1"));
	cr_assert_eq(m.key_s.alg, MIP_ALG_HMAC_MD5);
	cr_assert_eq(m.key_s.replay, MIP_REPLAY_TIMESTAMPS);
	cr_assert_eq(m.mhae.spi, in_u32("dynkey_spi"));
	/* The MHAE carries GenerateNTResponse over this RRQ's PeerChallenge. */
	hex_bytes(in_s("auth_challenge"), challenge, sizeof(challenge));
	cr_assert_eq(memcmp(m.auth_challenge, challenge, 16), 0);
	mip_peer_challenge(&m, peer);
	cr_assert_eq(mip_nt_password_hash(password, strlen(password), &nt), 0);
	mip_generate_nt_response(challenge, peer, in_s("nai"), strlen(in_s("nai")), &nt, ntr);
	cr_assert_eq(m.mhae.auth.len, 24);
	cr_assert_eq(memcmp(m.mhae.auth.p, ntr, 24), 0);
	/* Same RRQ as the example's less the KEY-REQ-S2 CVSE: 4-byte header, vendor, type, key spec. */
	cr_assert_eq(len + 4 + 4 + 2 + MIP_KEYSPEC_LEN, strlen(s_at("initial_rrq")) / 2);
}

Test(mipmn_build, initial_with_domain_and_keyed_md5)
{
	struct mip_parse_cfg cfg;
	struct mip_msg m;
	uint8_t buf[MSG_MAX];
	struct args a = { 0 };
	size_t len;
	struct run r;

	example_initial_args(&a);
	args_add(&a, "--domain");
	args_add(&a, "EXAMPLE");
	args_add(&a, "--alg");
	args_add(&a, "keyed-md5");
	run_argv(&r, a.v);
	args_free(&a);
	cr_assert_eq(r.status, 0, "%s", r.err);
	r.out[strcspn(r.out, "\n")] = '\0';
	len = hex_bytes(r.out, buf, sizeof(buf));
	mip_parse_cfg_default(&cfg);
	cr_assert_eq(mip_parse(buf, len, &cfg, &m), MIP_OK);
	cr_assert_eq(m.domain.len, 7);
	cr_assert_eq(memcmp(m.domain.p, "EXAMPLE", 7), 0);
	/* Section 4 step 3: DOMAIN after AUTH-PROTOCOL's CVSE, before AUTH-CHALLENGE's. */
	cr_assert_lt(m.domain.p, m.auth_challenge);
	cr_assert_eq(m.key_s.alg, MIP_ALG_KEYED_MD5);
	cr_assert_eq(m.key_s2.alg, MIP_ALG_KEYED_MD5);
}

/* ---- check-reply on the example ---- */

Test(mipmn_build, check_reply_accepts_example)
{
	char line[256];
	struct run r;

	check_reply(&r, s_at("initial_rrp"), false);
	cr_assert_eq(r.status, 0, "out: %s err: %s", r.out, r.err);
	cr_assert_str_eq(r.out, "ok\n");
	/* Without --show-keys no key shows. */
	cr_assert_null(strstr(r.out, s_at("skey")));

	check_reply(&r, s_at("initial_rrp"), true);
	cr_assert_eq(r.status, 0, "out: %s err: %s", r.out, r.err);
	snprintf(line, sizeof(line), "ok\nskey=%s\nskey2=%s\n", s_at("skey"), s_at("skey2"));
	cr_assert_str_eq(r.out, line);
}

Test(mipmn_build, check_reply_with_nt_hash_and_password_file)
{
	struct mip_key nt;
	char hex[33], path[] = "/tmp/mipmn-build-pw-XXXXXX", content[300];
	char *req = strdup(s_at("initial_rrq"));
	int fd = mkstemp(path);
	struct run r;

	cr_assert_eq(mip_nt_password_hash(password, strlen(password), &nt), 0);
	mip_hex_encode(nt.b, sizeof(nt.b), hex);
	run(&r, "build", "check-reply", "--nai", in_s("nai"), "--nt-hash", hex, "--request", req,
	    "--reply", s_at("initial_rrp"), NULL);
	cr_assert_eq(r.status, 0, "out: %s err: %s", r.out, r.err);
	cr_assert_str_eq(r.out, "ok\n");

	cr_assert_geq(fd, 0);
	close(fd);
	snprintf(content, sizeof(content), "%s\n", password);
	write_file(path, content);
	run(&r, "build", "check-reply", "--nai", in_s("nai"), "--password-file", path, "--request",
	    req, "--reply", s_at("initial_rrp"), NULL);
	unlink(path);
	free(req);
	cr_assert_eq(r.status, 0, "out: %s err: %s", r.out, r.err);
	cr_assert_str_eq(r.out, "ok\n");
}

Test(mipmn_build, check_reply_wrong_password_is_bad_mhae)
{
	char *pw = strdup("notThePassword");
	struct run r;

	run(&r, "build", "check-reply", "--nai", in_s("nai"), "--password", pw, "--request",
	    s_at("initial_rrq"), "--reply", s_at("initial_rrp"), NULL);
	free(pw);
	assert_refused(&r, "bad MHAE");
}

Test(mipmn_build, check_reply_refuses_every_flipped_byte)
{
	uint8_t rep[MSG_MAX];
	char hex[2 * MSG_MAX + 1];
	size_t len = hex_bytes(s_at("initial_rrp"), rep, sizeof(rep));
	struct run r;

	for (size_t i = 0; i < len; i++) {
		uint8_t bit = (uint8_t)(1u << (i % 8));

		rep[i] ^= bit;
		mip_hex_encode(rep, len, hex);
		check_reply(&r, hex, true);
		rep[i] ^= bit;
		cr_assert_eq(r.status, 1, "byte %zu bit %#x accepted (exit %d): %s%s", i, bit,
			     r.status, r.out, r.err);
		cr_assert_null(strstr(r.out, "skey"), "byte %zu: keys printed on failure", i);
		cr_assert_eq(strchr(r.out, '\n'), r.out + strlen(r.out) - 1,
			     "byte %zu: not one line: %s", i, r.out);
		cr_assert_str_neq(r.out, "ok\n");
	}
}

/*
 * Rebuilds the example's initial RRP from its parse with libmip, letting alter
 * change it first, and signs it with the real Skey: a refusal then comes only
 * from the check that looks at what alter changed.
 */
struct rrp_parts {
	uint8_t code;
	uint64_t ident;
	char nai[256];
	size_t nai_len;
	struct mip_keyspec ks, ks2;
	bool has_ks2;
	uint8_t challenge[16];
	char auth_response[42];
	bool has_auth_response;
	uint32_t mhae_spi;
};

static void rrp_parts_of_example(struct rrp_parts *p, struct mip_msg *m, uint8_t *buf)
{
	struct mip_parse_cfg cfg;
	size_t len = hex_bytes(s_at("initial_rrp"), buf, MSG_MAX);

	mip_parse_cfg_default(&cfg);
	cr_assert_eq(mip_parse(buf, len, &cfg, m), MIP_OK);
	memset(p, 0, sizeof(*p));
	p->code = m->code;
	p->ident = m->ident;
	memcpy(p->nai, m->nai.p, m->nai.len);
	p->nai_len = m->nai.len;
	p->ks = m->key_s;
	p->ks2 = m->key_s2;
	p->has_ks2 = (m->present & MIP_HAS_KEY_REQ_S2) != 0;
	memcpy(p->challenge, m->auth_challenge, 16);
	memcpy(p->auth_response, m->auth_response, 42);
	p->has_auth_response = true;
	p->mhae_spi = m->mhae.spi;
}

static void build_rrp_hex(const struct rrp_parts *p, const struct mip_msg *m, char *hex)
{
	uint32_t vendor = in_u32("vendor_id");
	struct mip_key skey = key_at("skey");
	uint8_t out[MSG_MAX];
	struct mip_builder b;
	size_t off;

	mip_builder_init(&b, out, sizeof(out));
	mip_put_rrp_hdr(&b, p->code, m->lifetime, m->home_addr, m->ha_addr, p->ident);
	mip_put_nai(&b, p->nai, p->nai_len);
	mip_put_keyspec(&b, vendor, MIP_CVSE_KEY_REQ_S, &p->ks);
	if (p->has_ks2)
		mip_put_keyspec(&b, vendor, MIP_CVSE_KEY_REQ_S2, &p->ks2);
	mip_put_cvse(&b, vendor, MIP_CVSE_AUTH_CHALLENGE, p->challenge, 16);
	if (p->has_auth_response)
		mip_put_cvse(&b, vendor, MIP_CVSE_AUTH_RESPONSE, p->auth_response, 42);
	off = mip_put_auth(&b, MIP_EXT_MHAE, p->mhae_spi, MIP_MD5_AUTH_LEN);
	cr_assert_eq(b.err, 0);
	cr_assert_neq(off, 0);
	cr_assert_eq(mip_auth_sign(out, off, MIP_ALG_HMAC_MD5, &skey), 0);
	mip_hex_encode(out, b.len, hex);
}

Test(mipmn_build, rebuilt_example_rrp_is_identical)
{
	struct rrp_parts p;
	struct mip_msg m;
	uint8_t buf[MSG_MAX];
	char hex[2 * MSG_MAX + 1];

	/* Guards the tests below: unaltered, the rebuild is the example byte for byte. */
	rrp_parts_of_example(&p, &m, buf);
	build_rrp_hex(&p, &m, hex);
	cr_assert_str_eq(hex, s_at("initial_rrp"));
}

static void expect_resigned_refusal(void (*alter)(struct rrp_parts *), const char *reason)
{
	struct rrp_parts p;
	struct mip_msg m;
	uint8_t buf[MSG_MAX];
	char hex[2 * MSG_MAX + 1];
	struct run r;

	rrp_parts_of_example(&p, &m, buf);
	alter(&p);
	build_rrp_hex(&p, &m, hex);
	cr_assert_str_neq(hex, s_at("initial_rrp"));
	check_reply(&r, hex, true);
	assert_refused(&r, reason);
}

static void alter_ks_spi(struct rrp_parts *p)
{
	p->ks.spi += 16;
}

static void alter_ks_alg(struct rrp_parts *p)
{
	p->ks.alg = MIP_ALG_KEYED_MD5;
}

static void alter_ks2_spi(struct rrp_parts *p)
{
	p->ks2.spi += 16;
}

static void drop_ks2(struct rrp_parts *p)
{
	p->has_ks2 = false;
}

static void alter_challenge(struct rrp_parts *p)
{
	p->challenge[15] ^= 0x01;
}

static void alter_auth_response(struct rrp_parts *p)
{
	p->auth_response[41] = p->auth_response[41] == '0' ? '1' : '0';
}

static void drop_auth_response(struct rrp_parts *p)
{
	p->has_auth_response = false;
}

static void alter_ident(struct rrp_parts *p)
{
	p->ident ^= 1;
}

static void alter_ident_high(struct rrp_parts *p)
{
	p->ident ^= 1ull << 40;
}

static void alter_nai(struct rrp_parts *p)
{
	p->nai[0] ^= 0x20;
}

static void alter_mhae_spi(struct rrp_parts *p)
{
	p->mhae_spi = p->ks2.spi;
}

static void deny_131(struct rrp_parts *p)
{
	p->code = MIP_CODE_MN_FAILED_AUTH;
}

/* A 133 carries the HA's clock in the high 32 bits: matched on the low 32 only. */
static void deny_133_new_clock(struct rrp_parts *p)
{
	p->code = MIP_CODE_ID_MISMATCH;
	p->ident ^= 1ull << 40;
}

/* Not a 133: a changed low half is someone else's reply. */
static void deny_133_low_bits(struct rrp_parts *p)
{
	p->code = MIP_CODE_ID_MISMATCH;
	p->ident ^= 1;
}

Test(mipmn_build, check_reply_refuses_resigned_key_spec_echo)
{
	expect_resigned_refusal(alter_ks_spi, "key-spec echo differs");
	expect_resigned_refusal(alter_ks_alg, "key-spec echo differs");
	expect_resigned_refusal(alter_ks2_spi, "key-spec echo differs");
	expect_resigned_refusal(drop_ks2, "key-spec echo differs");
}

Test(mipmn_build, check_reply_refuses_resigned_challenge_echo)
{
	expect_resigned_refusal(alter_challenge, "AUTH-CHALLENGE echo differs");
}

Test(mipmn_build, check_reply_refuses_resigned_auth_response)
{
	expect_resigned_refusal(alter_auth_response, "bad AUTH-RESPONSE");
	expect_resigned_refusal(drop_auth_response, "bad AUTH-RESPONSE");
}

Test(mipmn_build, check_reply_refuses_resigned_echo_mismatches)
{
	expect_resigned_refusal(alter_ident, "Identification echo differs");
	expect_resigned_refusal(alter_ident_high, "Identification echo differs");
	expect_resigned_refusal(alter_nai, "NAI echo missing or different");
	expect_resigned_refusal(alter_mhae_spi, "MHAE SPI is not the expected one");
	/* A denial signed with the real Skey is authenticated; still exit 1. */
	expect_resigned_refusal(deny_131, "denied 131 (authenticated)");
	expect_resigned_refusal(deny_133_new_clock, "denied 133 (authenticated)");
	expect_resigned_refusal(deny_133_low_bits, "Identification echo differs");
}

Test(mipmn_build, check_reply_unauthenticated_denial)
{
	struct mip_msg m;
	struct rrp_parts p;
	uint8_t buf[MSG_MAX], out[MSG_MAX];
	char hex[2 * MSG_MAX + 1];
	struct mip_builder b;
	struct run r;

	/* What an HA sends after an Access-Reject: 131, NAI, no MHAE (section 5 step 4). */
	rrp_parts_of_example(&p, &m, buf);
	mip_builder_init(&b, out, sizeof(out));
	mip_put_rrp_hdr(&b, MIP_CODE_MN_FAILED_AUTH, 0, m.home_addr, m.ha_addr, m.ident);
	mip_put_nai(&b, p.nai, p.nai_len);
	cr_assert_eq(b.err, 0);
	mip_hex_encode(out, b.len, hex);
	check_reply(&r, hex, true);
	assert_refused(&r, "denied 131");
}

Test(mipmn_build, check_reply_refuses_request_as_reply)
{
	struct run r;

	check_reply(&r, s_at("initial_rrq"), false);
	assert_refused(&r, "not a registration reply");
}

/* ---- check-reply --key: re-registration and rekey replies ---- */

Test(mipmn_build, check_reply_keyed_rereg_and_rekey)
{
	char *skey = strdup(s_at("skey")), *skey2 = strdup(s_at("skey2"));
	char line[256];
	struct run r;

	run(&r, "build", "check-reply", "--key", skey2, "--request", s_at("rereg.rrq"), "--reply",
	    s_at("rereg.rrp"), "--show-keys", NULL);
	cr_assert_eq(r.status, 0, "out: %s err: %s", r.out, r.err);
	cr_assert_str_eq(r.out, "ok\n");

	free(skey2);
	skey2 = strdup(s_at("skey2"));
	run(&r, "build", "check-reply", "--key", skey2, "--request", s_at("rekey.rrq"), "--reply",
	    s_at("rekey.rrp"), NULL);
	assert_refused(&r, "bad MHAE");

	run(&r, "build", "check-reply", "--key", skey, "--request", s_at("rekey.rrq"), "--reply",
	    s_at("rekey.rrp"), "--show-keys", NULL);
	cr_assert_eq(r.status, 0, "out: %s err: %s", r.out, r.err);
	snprintf(line, sizeof(line), "ok\nskey2=%s\n", s_at("rekey.new_skey2"));
	cr_assert_str_eq(r.out, line);
	free(skey);
	free(skey2);
}

/* A reply to the example's rereg or rekey RRQ, rebuilt and signed with key under spi. */
static void build_keyed_reply(const char *rrq_path, uint8_t code, bool with_ks2, uint32_t spi,
			      const char *key_path, char *hex)
{
	struct mip_parse_cfg cfg;
	struct mip_msg q;
	struct mip_key key = key_at(key_path);
	uint8_t req[MSG_MAX], out[MSG_MAX];
	size_t len = hex_bytes(s_at(rrq_path), req, sizeof(req));
	struct mip_builder b;
	size_t off;

	mip_parse_cfg_default(&cfg);
	cr_assert_eq(mip_parse(req, len, &cfg, &q), MIP_OK);
	mip_builder_init(&b, out, sizeof(out));
	mip_put_rrp_hdr(&b, code, q.lifetime, q.home_addr, q.ha_addr, q.ident);
	mip_put_nai(&b, (const char *)q.nai.p, q.nai.len);
	if (with_ks2)
		mip_put_keyspec(&b, in_u32("vendor_id"), MIP_CVSE_KEY_REQ_S2, &q.key_s2);
	off = mip_put_auth(&b, MIP_EXT_MHAE, spi, MIP_MD5_AUTH_LEN);
	cr_assert_eq(b.err, 0);
	cr_assert_eq(mip_auth_sign(out, off, MIP_ALG_HMAC_MD5, &key), 0);
	mip_hex_encode(out, b.len, hex);
}

static void check_keyed(struct run *r, const char *rrq_path, const char *key_path,
			const char *rep_hex)
{
	run(r, "build", "check-reply", "--key", s_at(key_path), "--request", s_at(rrq_path),
	    "--reply", rep_hex, "--show-keys", NULL);
}

Test(mipmn_build, check_reply_keyed_refusals)
{
	char hex[2 * MSG_MAX + 1];
	struct run r;

	/* Guard: rebuilt unaltered, the rekey reply is the example's. */
	build_keyed_reply("rekey.rrq", 0, true, in_u32("spi1"), "skey", hex);
	cr_assert_str_eq(hex, s_at("rekey.rrp"));
	build_keyed_reply("rereg.rrq", 0, false, in_u32("spi2"), "skey2", hex);
	cr_assert_str_eq(hex, s_at("rereg.rrp"));

	build_keyed_reply("rekey.rrq", 0, false, in_u32("spi1"), "skey", hex);
	check_keyed(&r, "rekey.rrq", "skey", hex);
	assert_refused(&r, "key-spec echo differs");

	build_keyed_reply("rereg.rrq", 0, false, in_u32("spi1"), "skey2", hex);
	check_keyed(&r, "rereg.rrq", "skey2", hex);
	assert_refused(&r, "MHAE SPI is not the expected one");

	build_keyed_reply("rereg.rrq", MIP_CODE_ADMIN_PROHIBITED, false, in_u32("spi2"), "skey2",
			  hex);
	check_keyed(&r, "rereg.rrq", "skey2", hex);
	assert_refused(&r, "denied 129 (authenticated)");

	build_keyed_reply("rereg.rrq", MIP_CODE_ADMIN_PROHIBITED, false, in_u32("spi2"), "skey",
			  hex);
	check_keyed(&r, "rereg.rrq", "skey2", hex);
	assert_refused(&r, "denied 129");

	/* An initial RRQ is not a keyed exchange. */
	check_keyed(&r, "initial_rrq", "skey", s_at("initial_rrp"));
	assert_usage_error(&r, "--request");
}

/* ---- bad arguments ---- */

struct bad_case {
	const char *opt;	/* the option the error line must name */
	const char *replace;	/* option to replace ("" = append) */
	const char *value;	/* new value; NULL = drop the option */
};

static const struct bad_case bad_cases[] = {
	{ "--nai", "--nai", NULL },
	{ "--home-address", "--home-address", "10.1.0" },
	{ "--home-agent", "--home-agent", "10.1.0.256" },
	{ "--care-of", "--care-of", "" },
	{ "--identification", "--identification", "ed0f6b4a0000001" },
	{ "--identification", "--identification", "ed0f6b4a000000zz" },
	{ "--challenge", "--challenge", "5b5d" },
	{ "--spi1", "--spi1", "12x" },
	{ "--spi1", "--spi1", "-1" },
	{ "--spi1", "--spi1", "0x100000000" },
	{ "--spi1", "--spi1", NULL },
	{ "--lifetime", "--lifetime", "65536" },
	{ "--lifetime", "--lifetime", "0x" },
	{ "--password", "--password", NULL },
	{ "--password", "--password", "" },
	{ "--password-file", "", "--password-file" },
	{ "--alg", "", "--alg" },
	{ "--frobnicate", "", "--frobnicate" },
	{ "--spi1", "", "--spi1" },
	{ "--show-keys", "", "--show-keys" },
	{ "--domain", "", "--domain" },
};

/* The example's initial args with case c applied. */
static void bad_args(struct args *a, const struct bad_case *c)
{
	struct args base = { 0 };

	example_initial_args(&base);
	for (int i = 0; i < base.n; i++) {
		if (strcmp(base.v[i], c->replace) == 0) {
			if (c->value != NULL) {
				args_add(a, base.v[i]);
				args_add(a, c->value);
			}
			i++;
			continue;
		}
		args_add(a, base.v[i]);
	}
	args_free(&base);
	if (c->replace[0] != '\0')
		return;
	/* Appended: a second copy, a bad value or an unknown/inapplicable option. */
	args_add(a, c->value);
	if (strcmp(c->value, "--password-file") == 0)
		args_add(a, "/nonexistent/pw");
	else if (strcmp(c->value, "--alg") == 0)
		args_add(a, "sha1");
	else if (strcmp(c->value, "--spi1") == 0)
		args_add(a, "4097");
	else if (strcmp(c->value, "--domain") == 0)
		args_add(a, "");
}

static void assert_usage_error(const struct run *r, const char *opt)
{
	cr_assert_eq(r->status, 2, "exit %d (want 2) naming %s: out: %s err: %s", r->status, opt,
		     r->out, r->err);
	cr_assert_str_eq(r->out, "", "stdout not empty on a usage error: %s", r->out);
	cr_assert_not_null(strstr(r->err, opt), "error does not name %s: %s", opt, r->err);
	cr_assert_eq(strchr(r->err, '\n'), r->err + strlen(r->err) - 1, "not one line: %s", r->err);
}

Test(mipmn_build, bad_arguments_exit_2_naming_the_option)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct args a = { 0 };
		struct run r;

		bad_args(&a, &bad_cases[i]);
		run_argv(&r, a.v);
		args_free(&a);
		assert_usage_error(&r, bad_cases[i].opt);
	}
}

Test(mipmn_build, bad_arguments_of_other_subcommands)
{
	char *pw = strdup(password);
	struct run r;

	run(&r, "build", "frob", NULL);
	cr_assert_eq(r.status, 2);
	run(&r, "build", "rekey", "--nai", in_s("nai"), "--home-address", in_s("home_address"),
	    "--home-agent", in_s("home_agent"), "--care-of", in_s("care_of"),
	    "--identification", s_at("rekey.identification"), "--lifetime", "1",
	    "--spi1", in_n("spi1"), "--key", s_at("skey"), NULL);
	assert_usage_error(&r, "--spi2");
	run(&r, "build", "rereg", "--nai", in_s("nai"), "--home-address", in_s("home_address"),
	    "--home-agent", in_s("home_agent"), "--care-of", in_s("care_of"),
	    "--identification", s_at("rekey.identification"), "--lifetime", "1",
	    "--spi", in_n("spi2"), "--key", "00112233", NULL);
	assert_usage_error(&r, "--key");
	run(&r, "build", "check-reply", "--nai", in_s("nai"), "--password", pw, "--request",
	    s_at("initial_rrq"), "--reply", "abc", NULL);
	assert_usage_error(&r, "--reply");
	free(pw);
	pw = strdup(password);
	run(&r, "build", "check-reply", "--nai", in_s("nai"), "--password", pw, "--request",
	    s_at("rereg.rrq"), "--reply", s_at("initial_rrp"), NULL);
	assert_usage_error(&r, "--request");
	free(pw);
}
