/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Issue 8, secrets: `mipmn run` as a process against the test HA of
 * tests/mipmn on loopback UDP, through an initial registration, rekeys,
 * re-registrations, forged and denied replies, expiry with key continuation
 * and a deregistration, in JSON and in text output. Neither stdout nor
 * stderr ever holds the password, its NT hash (or the hash of it), any k''
 * of the run, or any Skey, Skey' or Skey_next the HA held during the run
 * (sampled from the HA every 50 ms), raw or as hex of either case.
 * (`mipmn run` has no verbosity option: its output is always all it says.)
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"
#include "sec_util.h"
#include "test_ha.h"

#define KEYS_MAX 256

static struct sec_secret fixed[SEC__COUNT];
static struct test_ha HA;
static struct proc P;
static char port[16];
static char pw_path[256];
static const char *password, *nai;
static struct {
	struct mip_key k[KEYS_MAX];
	const char *what[KEYS_MAX];
	unsigned n;
} seen;

static void setup(void)
{
	sec_secrets_load(fixed);
	password = sec_vec("inputs", "password");
	nai = sec_vec("inputs", "nai");
	test_ha_init(&HA, inet_addr("127.0.0.1"), password);
	cr_assert_eq(test_ha_serve(&HA), 0);
	snprintf(port, sizeof(port), "%u", HA.port);
	char content[128];

	snprintf(content, sizeof(content), "%s\n", password);
	snprintf(pw_path, sizeof(pw_path), "%s", proc_temp_file(0, content));
	mip_wipe(content, sizeof(content));
	memset(&seen, 0, sizeof(seen));
	memset(&P, 0, sizeof(P));
}

static void teardown(void)
{
	if (P.pid > 0 && P.status < 0)
		proc_wait(&P, 0);
	test_ha_fini(&HA);
	unlink(pw_path);
	mip_wipe(&seen, sizeof(seen));
	mip_wipe(fixed, sizeof(fixed));
	sec_vec_free();
}

TestSuite(secrets_run, .init = setup, .fini = teardown, .timeout = 60);

static void remember(const struct mip_key *k, const char *what)
{
	static const struct mip_key zero;

	if (memcmp(k, &zero, sizeof(zero)) == 0)
		return;
	for (unsigned i = 0; i < seen.n; i++)
		if (memcmp(&seen.k[i], k, sizeof(*k)) == 0)
			return;
	if (seen.n < KEYS_MAX) {
		seen.what[seen.n] = what;
		seen.k[seen.n++] = *k;
	}
}

/* The HA's keys for the MN now, and the k'' of its last initial RRQ. */
static void sample(void)
{
	struct tha_mn *mn;
	struct mip_msg m;
	struct mip_key nt, k2;

	pthread_mutex_lock(&HA.lock);
	mn = test_ha_find(&HA, nai);
	if (mn != NULL) {
		if (mn->have_skey)
			remember(&mn->skey, mn->have_next ? "Skey_next" : "Skey");
		if (mn->have_skey2)
			remember(&mn->skey2, "Skey'");
		if (mn->have_prev)
			remember(&mn->skey2_prev, "previous Skey'");
		if (mip_parse(mn->last_rrq, mn->last_rrq_len, &HA.pcfg, &m) == MIP_OK &&
		    mip_is_dynkey_initial(&m, &HA.pcfg)) {
			memcpy(nt.b, fixed[SEC_NT_HASH].b, MIP_KEY_LEN);
			mip_k2_from_nt_hash(&nt, m.mhae.auth.p, &k2);
			remember(&k2, "k''");
			mip_wipe(&k2, sizeof(k2));
			mip_wipe(&nt, sizeof(nt));
		}
	}
	pthread_mutex_unlock(&HA.lock);
}

static void spawn(const char *const *extra)
{
	char *argv[64];
	int n = 0;

	argv[n++] = (char *)proc_mipmn();
	argv[n++] = "run";
	argv[n++] = "--nai";
	argv[n++] = (char *)nai;
	argv[n++] = "--password-file";
	argv[n++] = pw_path;
	argv[n++] = "--home-agent";
	argv[n++] = "127.0.0.1";
	argv[n++] = "--ha-port";
	argv[n++] = port;
	argv[n++] = "--home-address";
	argv[n++] = (char *)sec_vec("inputs", "home_address");
	argv[n++] = "--care-of";
	argv[n++] = (char *)sec_vec("inputs", "care_of");
	argv[n++] = "--no-tunnel";
	argv[n++] = "--bind";
	argv[n++] = "127.0.0.1:0";
	argv[n++] = "--retry-min-ms";
	argv[n++] = "100";
	for (int i = 0; extra != NULL && extra[i] != NULL; i++)
		argv[n++] = (char *)extra[i];
	argv[n] = NULL;
	cr_assert_eq(proc_spawn(&P, argv), 0);
}

/* Reads the output for ms, sampling the HA's keys as it goes. */
static void watch(int ms)
{
	for (int t = 0; t < ms && P.status < 0; t += 50) {
		proc_drain(&P, 50);
		sample();
	}
}

static void wait_for(const char *needle, int ms)
{
	for (int t = 0; t < ms; t += 50) {
		sample();
		if (proc_wait_for(&P, needle, 50))
			return;
	}
	cr_assert_fail("no %s in %s / %s", needle, P.out, P.err);
}

static void assert_clean(void)
{
	sample();
	cr_assert_gt(seen.n, 0, "the HA never held a key: nothing was tested");
	sec_assert_no_secret(fixed, 0, "stdout", P.out, P.out_len);
	sec_assert_no_secret(fixed, 0, "stderr", P.err, P.err_len);
	for (unsigned i = 0; i < seen.n; i++) {
		cr_assert(!sec_contains(P.out, P.out_len, seen.k[i].b, MIP_KEY_LEN),
			  "stdout shows a %s: %s", seen.what[i], P.out);
		cr_assert(!sec_contains(P.err, P.err_len, seen.k[i].b, MIP_KEY_LEN),
			  "stderr shows a %s: %s", seen.what[i], P.err);
	}
}

/* Register, rekey, re-register, forged replies, expiry, key continuation, deregister. */
static void full_run(bool json)
{
	const char *opts_json[] = { "--json", "--lifetime", "2", "--rekey-interval", "1", NULL };
	const char *opts_text[] = { "--lifetime", "2", "--rekey-interval", "1", NULL };

	HA.key_continuation = 60;
	spawn(json ? opts_json : opts_text);
	wait_for("registered", 5000);
	watch(1500);			/* rekeys and re-registrations */
	pthread_mutex_lock(&HA.lock);
	HA.corrupt_mhae = 2;		/* forged replies, discarded and retried */
	HA.corrupt_keyspec = 1;
	pthread_mutex_unlock(&HA.lock);
	watch(1500);
	pthread_mutex_lock(&HA.lock);
	HA.drop_requests = 1000;	/* the HA goes silent: the binding expires */
	pthread_mutex_unlock(&HA.lock);
	wait_for("expired", 6000);
	pthread_mutex_lock(&HA.lock);
	HA.drop_requests = 0;
	pthread_mutex_unlock(&HA.lock);
	wait_for("continuation", 6000);
	watch(500);
	proc_kill(&P, SIGTERM);
	watch(1000);
	cr_assert_eq(proc_wait(&P, 5000), 0, "exit %d: %s", P.status, P.err);
	cr_assert_geq(HA.cnt.rekey, 1, "no rekey happened: %s", P.out);
	assert_clean();
}

Test(secrets_run, json_output_full_run) { full_run(true); }
Test(secrets_run, text_output_full_run) { full_run(false); }

/* Denials and forged initial replies: the MN says why, never with a secret. */
Test(secrets_run, denied_and_forged_initial_replies)
{
	pthread_mutex_lock(&HA.lock);
	HA.corrupt_auth_response = 1;	/* the first initial reply: a wrong AUTH-RESPONSE */
	HA.force_count = 2;		/* then two unauthenticated denials */
	HA.force_code = MIP_CODE_MN_FAILED_AUTH;
	pthread_mutex_unlock(&HA.lock);
	spawn((const char *const[]){ "--json", "--duration", "3", NULL });
	watch(4000);
	cr_assert_eq(proc_wait(&P, 5000), 0, "exit %d: %s", P.status, P.err);
	cr_assert_geq(HA.cnt.initial, 2, "%s", P.out);
	assert_clean();
}
