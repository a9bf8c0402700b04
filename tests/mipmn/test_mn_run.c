/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `mipmn run` as a process against the test HA on loopback UDP: event lines,
 * signals, exit codes, options. Every wait is bounded.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"
#include "test_ha.h"

#define NAI "mnuser@example.net"
#define PASSWORD "clientPass"

static struct test_ha HA;
static struct proc P;
static char port[16];
static const char *pwfile;
static char pw_orig[64];

static void setup(void)
{
	test_ha_init(&HA, inet_addr("127.0.0.1"), PASSWORD);
	cr_assert_eq(test_ha_serve(&HA), 0);
	snprintf(port, sizeof(port), "%u", HA.port);
	/* One trailing newline is ignored. */
	pwfile = proc_temp_file(0, PASSWORD "\n");
	cr_assert_not_null(pwfile);
	snprintf(pw_orig, sizeof(pw_orig), "%s", pwfile);
}

static void teardown(void)
{
	if (P.pid > 0 && P.status < 0)
		proc_wait(&P, 0);
	test_ha_fini(&HA);
	unlink(pw_orig);
	unlink(pwfile);
}

TestSuite(mn_run, .init = setup, .fini = teardown, .timeout = 60);

/* Spawns mipmn run with the usual options plus extra (NULL-terminated). */
static void spawn_run(const char *const *extra)
{
	char *argv[64];
	int n = 0;

	argv[n++] = (char *)proc_mipmn();
	argv[n++] = "run";
	argv[n++] = "--nai";
	argv[n++] = NAI;
	argv[n++] = "--password-file";
	argv[n++] = (char *)pwfile;
	argv[n++] = "--home-agent";
	argv[n++] = "127.0.0.1";
	argv[n++] = "--ha-port";
	argv[n++] = port;
	argv[n++] = "--home-address";
	argv[n++] = "10.1.0.10";
	argv[n++] = "--no-tunnel";
	argv[n++] = "--bind";
	argv[n++] = "127.0.0.1:0";
	for (int i = 0; extra != NULL && extra[i] != NULL; i++)
		argv[n++] = (char *)extra[i];
	argv[n] = NULL;
	cr_assert_eq(proc_spawn(&P, argv), 0);
}

/* Parses every stdout line as JSON and returns the n-th object with event ev (caller decrefs). */
static json_t *nth_event(const char *ev, int nth)
{
	char *save = NULL, *copy = strdup(P.out), *line;
	json_t *found = NULL;
	int seen = 0;

	for (line = strtok_r(copy, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		json_error_t jerr;
		json_t *o = json_loads(line, 0, &jerr);

		cr_assert_not_null(o, "not JSON: %s", line);
		cr_assert(json_is_string(json_object_get(o, "event")), "no event in %s", line);
		if (strcmp(json_string_value(json_object_get(o, "event")), ev) == 0 && seen++ == nth) {
			found = o;
			break;
		}
		json_decref(o);
	}
	free(copy);
	return found;
}

static void no_secret_printed(void)
{
	cr_assert_null(strstr(P.out, PASSWORD));
	cr_assert_null(strstr(P.err, PASSWORD));
}

Test(mn_run, register_then_sigterm_deregisters)
{
	json_t *o;

	spawn_run((const char *const[]){ "--care-of", "192.0.2.77", "--json", NULL });
	cr_assert(proc_wait_for(&P, "\"registered\"", 5000), "no registration: %s / %s", P.out, P.err);
	proc_kill(&P, SIGTERM);
	cr_assert_eq(proc_wait(&P, 5000), 0, "exit %d: %s", P.status, P.err);
	o = nth_event("registered", 0);
	cr_assert_not_null(o);
	cr_assert_eq(json_integer_value(json_object_get(o, "code")), 0);
	cr_assert_str_eq(json_string_value(json_object_get(o, "home_address")), "10.1.0.10");
	cr_assert_str_eq(json_string_value(json_object_get(o, "care_of")), "192.0.2.77");
	cr_assert_str_eq(json_string_value(json_object_get(o, "nai")), NAI);
	json_decref(o);
	o = nth_event("deregistered", 0);
	cr_assert_not_null(o, "%s", P.out);
	cr_assert_eq(json_integer_value(json_object_get(o, "code")), 0);
	json_decref(o);
	cr_assert_eq(HA.cnt.initial_ok, 1);
	cr_assert_eq(HA.cnt.dereg, 1);
	cr_assert_not(test_ha_find(&HA, NAI)->bound);
	no_secret_printed();
}

Test(mn_run, text_lines)
{
	spawn_run((const char *const[]){ "--care-of", "192.0.2.77", "--duration", "1", NULL });
	cr_assert_eq(proc_wait(&P, 5000), 0, "exit %d: %s", P.status, P.err);
	cr_assert(strncmp(P.out, "registered " NAI " code=0 home=10.1.0.10 care-of=192.0.2.77",
			  strlen("registered " NAI " code=0 home=10.1.0.10 care-of=192.0.2.77")) == 0,
		  "%s", P.out);
	cr_assert_eq(proc_count(&P, "deregistered " NAI " code=0"), 1, "%s", P.out);
	no_secret_printed();
}

Test(mn_run, duration_bounds_the_run)
{
	spawn_run((const char *const[]){ "--care-of", "192.0.2.77", "--json", "--duration", "1",
					 NULL });
	cr_assert_eq(proc_wait(&P, 5000), 0, "exit %d: %s", P.status, P.err);
	cr_assert_eq(proc_count(&P, "\"event\":\"registered\""), 1);
	cr_assert_eq(proc_count(&P, "\"event\":\"deregistered\""), 1);
}

Test(mn_run, rekey_and_rereg_over_udp)
{
	spawn_run((const char *const[]){ "--care-of", "192.0.2.77", "--json", "--rekey-interval",
					 "1", "--lifetime", "2", "--duration", "3", NULL });
	cr_assert_eq(proc_wait(&P, 8000), 0, "exit %d: %s", P.status, P.err);
	cr_assert_geq(proc_count(&P, "\"event\":\"rekeyed\""), 2, "%s", P.out);
	cr_assert_geq(HA.cnt.rekey, 2);
	cr_assert_eq(HA.cnt.initial_ok, 1);
	cr_assert_eq(HA.cnt.dereg, 1);
}

Test(mn_run, handover_on_sigusr1)
{
	const char *coa = proc_temp_file(1, "192.0.2.77\n");
	FILE *f;

	spawn_run((const char *const[]){ "--care-of-file", coa, "--json", NULL });
	cr_assert(proc_wait_for(&P, "\"registered\"", 5000), "%s", P.err);
	f = fopen(coa, "w");
	fputs("198.51.100.9\n", f);
	fclose(f);
	proc_kill(&P, SIGUSR1);
	cr_assert(proc_wait_for(&P, "\"handover\"", 5000), "%s / %s", P.out, P.err);
	proc_kill(&P, SIGTERM);
	cr_assert_eq(proc_wait(&P, 5000), 0);
	json_t *o = nth_event("handover", 0);

	cr_assert_str_eq(json_string_value(json_object_get(o, "care_of")), "198.51.100.9");
	cr_assert_eq(json_integer_value(json_object_get(o, "code")), 0);
	json_decref(o);
	cr_assert_not(test_ha_find(&HA, NAI)->bound, "binding not removed");
	cr_assert_eq(HA.cnt.rereg, 1);
	unlink(coa);
}

Test(mn_run, assigned_home_address)
{
	HA.pool_first = ntohl(inet_addr("10.1.0.100"));
	HA.pool_size = 2;
	spawn_run((const char *const[]){ "--care-of", "192.0.2.77", "--json", "--home-address",
					 "0.0.0.0", "--duration", "1", NULL });
	cr_assert_eq(proc_wait(&P, 5000), 0, "%s", P.err);
	json_t *o = nth_event("registered", 0);

	cr_assert_str_eq(json_string_value(json_object_get(o, "home_address")), "10.1.0.100");
	json_decref(o);
}

Test(mn_run, resync_133_with_clock_offset)
{
	spawn_run((const char *const[]){ "--care-of", "192.0.2.77", "--json", "--clock-offset",
					 "100", "--duration", "1", NULL });
	cr_assert_eq(proc_wait(&P, 5000), 0, "%s", P.err);
	json_t *o = nth_event("denied", 0);

	cr_assert_not_null(o, "%s", P.out);
	cr_assert_eq(json_integer_value(json_object_get(o, "code")), 133);
	cr_assert_str_eq(json_string_value(json_object_get(o, "action")), "resync");
	cr_assert_eq(json_integer_value(json_object_get(o, "clock_offset")), -100);
	json_decref(o);
	cr_assert_eq(proc_count(&P, "\"event\":\"registered\""), 1);
	cr_assert_eq(HA.cnt.resync133, 1);
}

/* Exit 3: five unauthenticated denials of the initial RRQ in a row. */
Test(mn_run, wrong_password_is_denied)
{
	const char *bad = proc_temp_file(1, "notThePassword");

	pwfile = bad;
	spawn_run((const char *const[]){ "--care-of", "192.0.2.77", "--json", "--retry-min-ms",
					 "20", NULL });
	cr_assert_eq(proc_wait(&P, 10000), 3, "exit %d: %s", P.status, P.err);
	cr_assert_eq(proc_count(&P, "\"event\":\"denied\""), 5, "%s", P.out);
	cr_assert_eq(proc_count(&P, "\"code\":131"), 5);
	cr_assert_eq(proc_count(&P, "\"action\":\"stop\""), 1);
	cr_assert_eq(HA.cnt.initial_ok, 0);
	cr_assert_null(strstr(P.out, "notThePassword"));
	unlink(bad);
}

/* Exit 4: nobody answers. */
Test(mn_run, no_reply_gives_up)
{
	HA.drop_requests = 1000;
	spawn_run((const char *const[]){ "--care-of", "192.0.2.77", "--json", "--retry-min-ms",
					 "20", "--max-retries", "2", NULL });
	cr_assert_eq(proc_wait(&P, 10000), 4, "exit %d: %s", P.status, P.err);
	cr_assert_eq(proc_count(&P, "\"event\":\"retrying\""), 2, "%s", P.out);
	cr_assert_eq(proc_count(&P, "\"event\":\"error\""), 1);
	cr_assert_eq(HA.cnt.rrq, 3);
}

/* Forged replies are discarded (stderr says why), then the real one registers. */
Test(mn_run, forged_reply_then_registered)
{
	HA.corrupt_mhae = 1;
	spawn_run((const char *const[]){ "--care-of", "192.0.2.77", "--json", "--retry-min-ms",
					 "300", "--duration", "2", NULL });
	cr_assert_eq(proc_wait(&P, 5000), 0, "%s", P.err);
	cr_assert_not_null(strstr(P.err, "reply discarded: reply failed verification"), "%s", P.err);
	cr_assert_eq(proc_count(&P, "\"event\":\"registered\""), 1);
	cr_assert_eq(proc_count(&P, "\"event\":\"retrying\""), 1);
}

Test(mn_run, config_file)
{
	char cfg[512];
	const char *path;

	snprintf(cfg, sizeof(cfg),
		 "# a comment\nnai %s\npassword-file %s\nhome-agent = 127.0.0.1\nha-port %s\n"
		 "home-address 10.1.0.10\ncare-of 192.0.2.77\nno-tunnel\njson\nduration 1\n"
		 "lifetime 600\n",
		 NAI, pwfile, port);
	path = proc_temp_file(1, cfg);
	cr_assert_eq(proc_spawn(&P, (char *const[]){ (char *)proc_mipmn(), "run", "--config",
						    (char *)path, NULL }),
		     0);
	cr_assert_eq(proc_wait(&P, 5000), 0, "%s", P.err);
	json_t *o = nth_event("registered", 0);

	cr_assert_not_null(o);
	cr_assert_eq(json_integer_value(json_object_get(o, "lifetime")), 600);
	json_decref(o);
	unlink(path);
}

Test(mn_run, usage_errors)
{
	static const char *const cases[][4] = {
		{ "--home-address", "10.1.0.300", NULL },
		{ "--spi1", "12", NULL },
		{ "--lifetime", "0", NULL },
		{ "--bogus", NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		spawn_run((const char *const[]){ "--care-of", "192.0.2.77", cases[i][0], cases[i][1],
						 NULL });
		cr_assert_eq(proc_wait(&P, 5000), 2, "case %zu: exit %d", i, P.status);
		cr_assert_gt(P.err_len, 0);
	}
	/* Missing --nai */
	cr_assert_eq(proc_spawn(&P, (char *const[]){ (char *)proc_mipmn(), "run", "--home-agent",
						    "127.0.0.1", NULL }),
		     0);
	cr_assert_eq(proc_wait(&P, 5000), 2);
	cr_assert_not_null(strstr(P.err, "--nai"));
	/* An empty password file */
	pwfile = proc_temp_file(1, "\n");
	spawn_run((const char *const[]){ "--care-of", "192.0.2.77", NULL });
	cr_assert_eq(proc_wait(&P, 5000), 2);
	cr_assert_not_null(strstr(P.err, "--password-file"));
	cr_assert_eq(HA.cnt.rrq, 0);
}

/* The credential as an NT hash (hex) instead of a password. */
Test(mn_run, nt_hash_file)
{
	struct mip_key h;
	char hex[33];
	const char *path;

	mip_nt_password_hash(PASSWORD, strlen(PASSWORD), &h);
	mip_hex_encode(h.b, 16, hex);
	path = proc_temp_file(1, hex);
	cr_assert_eq(proc_spawn(&P, (char *const[]){ (char *)proc_mipmn(), "run", "--nai", NAI,
						    "--nt-hash-file", (char *)path, "--home-agent",
						    "127.0.0.1", "--ha-port", port, "--home-address",
						    "10.1.0.10", "--care-of", "192.0.2.77",
						    "--no-tunnel", "--json", "--duration", "1", NULL }),
		     0);
	cr_assert_eq(proc_wait(&P, 5000), 0, "%s", P.err);
	cr_assert_eq(proc_count(&P, "\"event\":\"registered\""), 1);
	cr_assert_null(strstr(P.out, hex));
	cr_assert_null(strstr(P.err, hex));
	unlink(path);
}

/* A second SIGTERM while the deregistration is unanswered: leave at once, exit 5. */
Test(mn_run, second_sigterm_leaves)
{
	spawn_run((const char *const[]){ "--care-of", "192.0.2.77", "--json", NULL });
	cr_assert(proc_wait_for(&P, "\"registered\"", 5000), "%s", P.err);
	pthread_mutex_lock(&HA.lock);
	HA.drop_requests = 1000;
	pthread_mutex_unlock(&HA.lock);
	proc_kill(&P, SIGTERM);
	usleep(200000);
	proc_kill(&P, SIGTERM);
	cr_assert_eq(proc_wait(&P, 5000), 5, "exit %d", P.status);
}

Test(mn_run, config_file_errors_and_help)
{
	const char *path = proc_temp_file(1, "nai mnuser@example.net\nfrobnicate 3\n");

	cr_assert_eq(proc_spawn(&P, (char *const[]){ (char *)proc_mipmn(), "run", "--config",
						    (char *)path, NULL }),
		     0);
	cr_assert_eq(proc_wait(&P, 5000), 2);
	cr_assert_not_null(strstr(P.err, ":2: unknown setting 'frobnicate'"), "%s", P.err);
	unlink(path);
	cr_assert_eq(proc_spawn(&P, (char *const[]){ (char *)proc_mipmn(), "run", "--help", NULL }), 0);
	cr_assert_eq(proc_wait(&P, 5000), 0);
	cr_assert_not_null(strstr(P.out, "--rekey-interval"));
	cr_assert_not_null(strstr(P.out, "--reverse-tunnel"));
	cr_assert_eq(HA.cnt.rrq, 0);
}

/* The binding expires (the HA stops answering); then key continuation, no AAA. */
Test(mn_run, expiry_then_key_continuation)
{
	json_t *o;

	HA.key_continuation = 60;
	spawn_run((const char *const[]){ "--care-of", "192.0.2.77", "--json", "--lifetime", "2",
					 "--retry-min-ms", "100", NULL });
	cr_assert(proc_wait_for(&P, "\"registered\"", 5000), "%s", P.err);
	pthread_mutex_lock(&HA.lock);
	HA.drop_requests = 1000;
	pthread_mutex_unlock(&HA.lock);
	cr_assert(proc_wait_for(&P, "\"expired\"", 5000), "%s / %s", P.out, P.err);
	pthread_mutex_lock(&HA.lock);
	HA.drop_requests = 0;
	pthread_mutex_unlock(&HA.lock);
	/* the registration, not a retry of it ("retrying" names the exchange too) */
	cr_assert(proc_wait_for(&P, "\"exchange\":\"continuation\",\"code\":0", 5000), "%s / %s",
		  P.out, P.err);
	proc_kill(&P, SIGTERM);
	cr_assert_eq(proc_wait(&P, 5000), 0, "%s", P.err);
	o = nth_event("registered", 1);
	cr_assert_not_null(o, "%s", P.out);
	cr_assert_str_eq(json_string_value(json_object_get(o, "exchange")), "continuation");
	json_decref(o);
	cr_assert_eq(HA.cnt.initial, 1, "continuation went through AAA");
	cr_assert_eq(HA.cnt.continued, 1);
}
