/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Issue 8, secrets: `mipmn build` (every command, with the spec's example and
 * with bad input) never shows the password, its NT hash (or the hash of it),
 * k'', Skey, Skey' or Skey_next on stdout or stderr, in raw bytes or in hex of
 * either case; with --show-keys it shows exactly the keys the command hands
 * back (Skey and Skey' of an initial reply, the new Skey' of a rekey) and
 * still nothing else, and only when the reply verified.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sec_util.h"

#define ARGS_MAX 48

static struct sec_secret secrets[SEC__COUNT];
static char pw_file[] = "/tmp/mipha-sec-pw-XXXXXX";
static char nt_hex[33];

struct args {
	char *v[ARGS_MAX];
	int n;
};

static void setup(void)
{
	const char *pw;
	int fd;

	sec_secrets_load(secrets);
	pw = sec_vec("inputs", "password");
	fd = mkstemp(pw_file);
	cr_assert_geq(fd, 0);
	cr_assert_eq(fchmod(fd, 0600), 0);
	cr_assert_eq(write(fd, pw, strlen(pw)), (ssize_t)strlen(pw));
	cr_assert_eq(write(fd, "\n", 1), 1);
	close(fd);
	mip_hex_encode(secrets[SEC_NT_HASH].b, MIP_KEY_LEN, nt_hex);
}

static void teardown(void)
{
	unlink(pw_file);
	mip_wipe(secrets, sizeof(secrets));
	mip_wipe(nt_hex, sizeof(nt_hex));
	sec_vec_free();
}

TestSuite(secrets_build, .init = setup, .fini = teardown, .timeout = 60);

static void add(struct args *a, const char *s)
{
	cr_assert_lt(a->n, ARGS_MAX - 1);
	a->v[a->n++] = strdup(s);
	a->v[a->n] = NULL;
}

static void add2(struct args *a, const char *opt, const char *val)
{
	add(a, opt);
	add(a, val);
}

static void start(struct args *a, const char *cmd)
{
	memset(a, 0, sizeof(*a));
	add(a, "mipmn");
	add(a, "build");
	add(a, cmd);
}

static void free_args(struct args *a)
{
	for (int i = 0; i < a->n; i++) {
		mip_wipe(a->v[i], strlen(a->v[i]));
		free(a->v[i]);
	}
	a->n = 0;
}

enum cred { PASSWORD, PASSWORD_FILE, NT_HASH };

static void add_cred(struct args *a, enum cred c)
{
	switch (c) {
	case PASSWORD:
		add2(a, "--password", sec_vec("inputs", "password"));
		break;
	case PASSWORD_FILE:
		add2(a, "--password-file", pw_file);
		break;
	case NT_HASH:
		add2(a, "--nt-hash", nt_hex);
		break;
	}
}

static void add_addrs(struct args *a, const char *care_of)
{
	add2(a, "--nai", sec_vec("inputs", "nai"));
	add2(a, "--home-address", sec_vec("inputs", "home_address"));
	add2(a, "--home-agent", sec_vec("inputs", "home_agent"));
	add2(a, "--care-of", care_of);
	add2(a, "--lifetime", sec_vec_num("inputs", "lifetime"));
}

static void initial_args(struct args *a, enum cred c)
{
	start(a, "initial");
	add_addrs(a, sec_vec("inputs", "care_of"));
	add_cred(a, c);
	add2(a, "--identification", sec_vec("inputs", "identification"));
	add2(a, "--challenge", sec_vec("inputs", "auth_challenge"));
	add2(a, "--spi1", sec_vec_num("inputs", "spi1"));
	add2(a, "--spi2", sec_vec_num("inputs", "spi2"));
}

static void key_hex(enum sec_id id, char out[33])
{
	mip_hex_encode(secrets[id].b, MIP_KEY_LEN, out);
}

/* Runs mipmn; checks the exit code and that only the allowed secrets show. */
static void run(struct args *a, int want_status, unsigned allowed, struct sec_run *r)
{
	const char *mipmn = getenv("MIPMN");

	cr_assert_not_null(mipmn, "MIPMN not set");
	sec_run(r, mipmn, a->v, NULL, 20);
	cr_assert_eq(r->status, want_status, "%s %s: exit %d, want %d; stderr: %s", a->v[1],
		     a->v[2], r->status, want_status, r->err);
	sec_assert_no_secret(secrets, allowed, "stdout", r->out, r->out_len);
	sec_assert_no_secret(secrets, allowed, "stderr", r->err, r->err_len);
}

static void assert_line(const struct sec_run *r, const char *want)
{
	size_t n = strlen(want);

	cr_assert(r->out_len == n + 1 && memcmp(r->out, want, n) == 0 && r->out[n] == '\n',
		  "stdout %s, want %s", r->out, want);
}

static void initial_with(enum cred c)
{
	struct args a;
	struct sec_run r;

	initial_args(&a, c);
	run(&a, 0, 0, &r);
	assert_line(&r, sec_vec("initial_rrq", NULL));
	sec_run_free(&r);
	free_args(&a);
}

Test(secrets_build, initial_password) { initial_with(PASSWORD); }
Test(secrets_build, initial_password_file) { initial_with(PASSWORD_FILE); }
Test(secrets_build, initial_nt_hash) { initial_with(NT_HASH); }

static void check_initial(enum cred c, const char *reply, bool show, int want_status,
			  unsigned allowed, struct sec_run *r)
{
	struct args a;

	start(&a, "check-reply");
	add2(&a, "--nai", sec_vec("inputs", "nai"));
	add_cred(&a, c);
	add2(&a, "--request", sec_vec("initial_rrq", NULL));
	add2(&a, "--reply", reply);
	if (show)
		add(&a, "--show-keys");
	run(&a, want_status, allowed, r);
	free_args(&a);
}

Test(secrets_build, check_initial_reply_no_keys_shown)
{
	static const enum cred creds[] = { PASSWORD, PASSWORD_FILE, NT_HASH };
	struct sec_run r;

	for (size_t i = 0; i < 3; i++) {
		check_initial(creds[i], sec_vec("initial_rrp", NULL), false, 0, 0, &r);
		assert_line(&r, "ok");
		sec_run_free(&r);
	}
}

Test(secrets_build, check_initial_reply_show_keys_only_skey_skey2)
{
	struct sec_run r;

	check_initial(PASSWORD, sec_vec("initial_rrp", NULL), true, 0,
		      SEC_BIT(SEC_SKEY) | SEC_BIT(SEC_SKEY2), &r);
	/* the sanity side: --show-keys does show them */
	cr_assert(sec_contains(r.out, r.out_len, secrets[SEC_SKEY].b, MIP_KEY_LEN));
	cr_assert(sec_contains(r.out, r.out_len, secrets[SEC_SKEY2].b, MIP_KEY_LEN));
	sec_run_free(&r);
}

/* A forged reply: no key at all, even with --show-keys. */
Test(secrets_build, check_initial_forged_reply_shows_no_key)
{
	char *forged = strdup(sec_vec("initial_rrp", NULL));
	size_t n = strlen(forged);
	struct sec_run r;

	forged[n - 1] = forged[n - 1] == '0' ? '1' : '0';
	check_initial(PASSWORD, forged, true, 1, 0, &r);
	cr_assert_str_eq(r.out, "bad MHAE\n");
	sec_run_free(&r);
	free(forged);
}

/* The wrong password: refused, and neither password shows. */
Test(secrets_build, check_initial_wrong_password)
{
	struct sec_run r;
	struct args a;
	char wrong[64];

	snprintf(wrong, sizeof(wrong), "%sX", sec_vec("inputs", "password"));
	start(&a, "check-reply");
	add2(&a, "--nai", sec_vec("inputs", "nai"));
	add2(&a, "--password", wrong);
	add2(&a, "--request", sec_vec("initial_rrq", NULL));
	add2(&a, "--reply", sec_vec("initial_rrp", NULL));
	add(&a, "--show-keys");
	run(&a, 1, 0, &r);
	cr_assert_null(memmem(r.out, r.out_len, wrong, strlen(wrong)));
	cr_assert_null(memmem(r.err, r.err_len, wrong, strlen(wrong)));
	sec_run_free(&r);
	free_args(&a);
}

static void rereg_args(struct args *a)
{
	char k[33];

	start(a, "rereg");
	add_addrs(a, sec_vec("rereg", "care_of"));
	add2(a, "--identification", sec_vec("rereg", "identification"));
	add2(a, "--spi", sec_vec_num("inputs", "spi2"));
	key_hex(SEC_SKEY2, k);
	add2(a, "--key", k);
}

static void rekey_args(struct args *a)
{
	char k[33];

	start(a, "rekey");
	add_addrs(a, sec_vec("rereg", "care_of"));
	add2(a, "--identification", sec_vec("rekey", "identification"));
	add2(a, "--spi1", sec_vec_num("inputs", "spi1"));
	add2(a, "--spi2", sec_vec_num("inputs", "spi2"));
	key_hex(SEC_SKEY, k);
	add2(a, "--key", k);
}

Test(secrets_build, rereg)
{
	struct args a;
	struct sec_run r;

	rereg_args(&a);
	run(&a, 0, 0, &r);
	assert_line(&r, sec_vec("rereg", "rrq"));
	sec_run_free(&r);
	free_args(&a);
}

Test(secrets_build, rekey)
{
	struct args a;
	struct sec_run r;

	rekey_args(&a);
	run(&a, 0, 0, &r);
	assert_line(&r, sec_vec("rekey", "rrq"));
	sec_run_free(&r);
	free_args(&a);
}

static void check_keyed(const char *k1, enum sec_id key, bool show, unsigned allowed,
			struct sec_run *r)
{
	struct args a;
	char k[33];

	start(&a, "check-reply");
	key_hex(key, k);
	add2(&a, "--key", k);
	add2(&a, "--request", sec_vec(k1, "rrq"));
	add2(&a, "--reply", sec_vec(k1, "rrp"));
	if (show)
		add(&a, "--show-keys");
	run(&a, 0, allowed, r);
	free_args(&a);
}

Test(secrets_build, check_rereg_reply)
{
	struct sec_run r;

	check_keyed("rereg", SEC_SKEY2, false, 0, &r);
	assert_line(&r, "ok");
	sec_run_free(&r);
	/* --show-keys: a re-registration hands back no key, so none shows */
	check_keyed("rereg", SEC_SKEY2, true, 0, &r);
	sec_run_free(&r);
}

Test(secrets_build, check_rekey_reply)
{
	struct sec_run r;

	check_keyed("rekey", SEC_SKEY, false, 0, &r);
	assert_line(&r, "ok");
	sec_run_free(&r);
	check_keyed("rekey", SEC_SKEY, true, SEC_BIT(SEC_NEW_SKEY2), &r);
	cr_assert(sec_contains(r.out, r.out_len, secrets[SEC_NEW_SKEY2].b, MIP_KEY_LEN));
	sec_run_free(&r);
}

/* Argument errors name the option, never echo a secret value given with it. */
static void bad_args(void (*edit)(struct args *a), const char *what)
{
	struct args a;
	struct sec_run r;

	initial_args(&a, PASSWORD);
	edit(&a);
	run(&a, 2, 0, &r);
	cr_assert_eq(r.out_len, 0, "%s: stdout %s", what, r.out);
	cr_assert_gt(r.err_len, 0, "%s: no error line", what);
	sec_run_free(&r);
	free_args(&a);
}

static void e_spi_word(struct args *a) { add2(a, "--vendor-id", "many"); }
static void e_password_twice(struct args *a) { add2(a, "--password", sec_vec("inputs", "password")); }
static void e_unknown(struct args *a) { add(a, "--bogus"); }
static void e_nt_hash_too(struct args *a) { add2(a, "--nt-hash", nt_hex); }
static void e_missing_value(struct args *a) { add(a, "--domain"); }

Test(secrets_build, argument_errors_do_not_echo_secrets)
{
	bad_args(e_spi_word, "bad number");
	bad_args(e_password_twice, "password twice");
	bad_args(e_unknown, "unknown option");
	bad_args(e_nt_hash_too, "password and NT hash");
	bad_args(e_missing_value, "missing value");
}

/* A malformed NT hash or key: the digits given are not echoed either. */
Test(secrets_build, malformed_key_values_not_echoed)
{
	struct args a;
	struct sec_run r;
	char bad[40];

	/* 31 digits of the real NT hash */
	snprintf(bad, sizeof(bad), "%.31s", nt_hex);
	start(&a, "check-reply");
	add2(&a, "--nai", sec_vec("inputs", "nai"));
	add2(&a, "--nt-hash", bad);
	add2(&a, "--request", sec_vec("initial_rrq", NULL));
	add2(&a, "--reply", sec_vec("initial_rrp", NULL));
	run(&a, 2, 0, &r);
	cr_assert_null(memmem(r.err, r.err_len, bad, 16), "stderr echoes the digits: %s", r.err);
	sec_run_free(&r);
	free_args(&a);

	/* the real Skey' with one digit too many */
	rereg_args(&a);
	free(a.v[a.n - 1]);
	mip_hex_encode(secrets[SEC_SKEY2].b, MIP_KEY_LEN, bad);
	strcat(bad, "0");
	a.v[a.n - 1] = strdup(bad);
	run(&a, 2, 0, &r);
	cr_assert_null(memmem(r.err, r.err_len, bad, 16), "stderr echoes the digits: %s", r.err);
	sec_run_free(&r);
	free_args(&a);
}
