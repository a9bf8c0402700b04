/* SPDX-License-Identifier: BSD-3-Clause */
/* `mipmn load` against the test HA on loopback UDP: the counts in its report are right. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"
#include "test_ha.h"

#define PASSWORD "clientPass"

static struct test_ha HA;
static struct proc P;
static char port[16];
static char pwfile[64];

static void setup(void)
{
	test_ha_init(&HA, inet_addr("127.0.0.1"), PASSWORD);
	HA.pool_first = ntohl(inet_addr("10.2.0.1"));
	HA.pool_size = 4000;
	cr_assert_eq(test_ha_serve(&HA), 0);
	snprintf(port, sizeof(port), "%u", HA.port);
	snprintf(pwfile, sizeof(pwfile), "%s", proc_temp_file(0, PASSWORD "\n"));
}

static void teardown(void)
{
	if (P.pid > 0 && P.status < 0)
		proc_wait(&P, 0);
	test_ha_fini(&HA);
	unlink(pwfile);
}

TestSuite(mn_load, .init = setup, .fini = teardown, .timeout = 60);

static json_t *run_load(int want_exit, const char *const *extra)
{
	char *argv[64];
	int n = 0;
	json_error_t jerr;
	json_t *o;
	char *line;

	argv[n++] = (char *)proc_mipmn();
	argv[n++] = "load";
	argv[n++] = "--password-file";
	argv[n++] = pwfile;
	argv[n++] = "--home-agent";
	argv[n++] = "127.0.0.1";
	argv[n++] = "--ha-port";
	argv[n++] = port;
	argv[n++] = "--care-of";
	argv[n++] = "192.0.2.77";
	argv[n++] = "--bind";
	argv[n++] = "127.0.0.1:0";
	argv[n++] = "--json";
	for (int i = 0; extra[i] != NULL; i++)
		argv[n++] = (char *)extra[i];
	argv[n] = NULL;
	cr_assert_eq(proc_spawn(&P, argv), 0);
	cr_assert_eq(proc_wait(&P, 30000), want_exit, "exit %d: %s %s", P.status, P.out, P.err);
	line = strstr(P.out, "{\"event\":\"load_report\"");
	cr_assert_not_null(line, "no report: %s", P.out);
	o = json_loads(line, JSON_DISABLE_EOF_CHECK, &jerr);
	cr_assert_not_null(o, "%s: %s", jerr.text, line);
	return o;
}

static long long num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	cr_assert_not_null(v, "no %s", key);
	return json_integer_value(v);
}

Test(mn_load, n_registrations_complete)
{
	json_t *o = run_load(0, (const char *const[]){ "--count", "200", "--home-assign", NULL });

	cr_assert_eq(num(o, "count"), 200);
	cr_assert_eq(num(o, "started"), 200);
	cr_assert_eq(num(o, "registered"), 200);
	cr_assert_eq(num(o, "failed"), 0);
	cr_assert_eq(num(o, "incomplete"), 0);
	cr_assert_eq(HA.cnt.initial_ok, 200);
	cr_assert_eq(num(o, "rrq_sent"), (long long)HA.cnt.rrq);
	/* A late reply to a retransmitted RRQ is received too (and discarded). */
	cr_assert_leq(num(o, "rrp_received"), num(o, "rrq_sent"));
	cr_assert_geq(num(o, "rrp_received"), 200);
	cr_assert_gt(json_real_value(json_object_get(o, "registrations_per_s")), 0);
	json_t *lat = json_object_get(o, "latency_ms");

	cr_assert_leq(json_real_value(json_object_get(lat, "p50")),
		      json_real_value(json_object_get(lat, "p99")));
	cr_assert_leq(json_real_value(json_object_get(lat, "p99")),
		      json_real_value(json_object_get(lat, "max")));
	cr_assert_gt(json_real_value(json_object_get(lat, "max")), 0);
	/* Every NAI from the pattern reached the HA once. */
	cr_assert_not_null(test_ha_find(&HA, "mn0@example.net"));
	cr_assert_not_null(test_ha_find(&HA, "mn199@example.net"));
	cr_assert_null(test_ha_find(&HA, "mn200@example.net"));
	json_decref(o);
}

Test(mn_load, rereg_rekey_dereg_counts)
{
	json_t *o = run_load(0, (const char *const[]){ "--count", "50", "--home-assign", "--rereg",
						       "2", "--rekeys", "1", "--dereg", NULL });

	cr_assert_eq(num(o, "registered"), 50);
	cr_assert_eq(num(o, "reregistrations"), 100);
	cr_assert_eq(num(o, "rekeys"), 50);
	cr_assert_eq(num(o, "deregistrations"), 50);
	cr_assert_eq(HA.cnt.rereg, 100);
	cr_assert_eq(HA.cnt.rekey, 50);
	cr_assert_eq(HA.cnt.dereg, 50);
	json_decref(o);
}

Test(mn_load, target_rate)
{
	json_t *o = run_load(0, (const char *const[]){ "--count", "21", "--rate", "100",
						       "--home-assign", NULL });
	double rps = json_real_value(json_object_get(o, "registrations_per_s"));

	cr_assert_eq(num(o, "registered"), 21);
	cr_assert_geq(json_real_value(json_object_get(o, "elapsed_s")), 0.19);
	cr_assert(rps > 60 && rps < 130, "rate %f", rps);
	json_decref(o);
}

Test(mn_load, home_pattern_and_first_index)
{
	json_t *o = run_load(0, (const char *const[]){ "--count", "5", "--first-index", "10",
						       "--home-pattern", "10.1.0.%d", "--nai-pattern",
						       "node-%d@example.org", NULL });

	cr_assert_eq(num(o, "registered"), 5);
	cr_assert_eq(test_ha_find(&HA, "node-10@example.org")->home, inet_addr("10.1.0.10"));
	cr_assert_eq(test_ha_find(&HA, "node-14@example.org")->home, inet_addr("10.1.0.14"));
	json_decref(o);
}

Test(mn_load, failures_by_reason)
{
	json_t *o, *denied, *fails;

	/* Five MNs get 131 without MHAE to everything: five denials each, then stop. */
	HA.force_count = 100000;
	HA.force_code = 131;
	HA.force_auth = false;
	o = run_load(7, (const char *const[]){ "--count", "5", "--home-assign", "--retry-min-ms",
					       "50", NULL });
	denied = json_object_get(o, "denied");
	fails = json_object_get(o, "failures");
	cr_assert_eq(num(o, "registered"), 0);
	cr_assert_eq(num(o, "failed"), 5);
	cr_assert_eq(json_integer_value(json_object_get(denied, "131")), 25);
	cr_assert_eq(json_integer_value(json_object_get(fails, "registration denied")), 5);
	json_decref(o);
}

/* Without --care-of: the address this host sends from toward the HA. */
Test(mn_load, default_care_of)
{
	char *argv[] = { (char *)proc_mipmn(), "load", "--password-file", pwfile, "--home-agent",
			 "127.0.0.1", "--ha-port", port, "--count", "3", "--json", NULL };

	cr_assert_eq(proc_spawn(&P, argv), 0);
	cr_assert_eq(proc_wait(&P, 10000), 0, "%s", P.err);
	cr_assert_eq(test_ha_find(&HA, "mn2@example.net")->coa, inet_addr("127.0.0.1"));
}

/* --sources: MNs spread over source addresses (and use them as care-of addresses). */
Test(mn_load, several_source_addresses)
{
	char *argv[] = { (char *)proc_mipmn(), "load", "--password-file", pwfile, "--home-agent",
			 "127.0.0.1", "--ha-port", port, "--count", "8", "--bind", "127.0.0.1:0",
			 "--sources", "4", "--json", NULL };

	cr_assert_eq(proc_spawn(&P, argv), 0);
	cr_assert_eq(proc_wait(&P, 10000), 0, "%s %s", P.out, P.err);
	cr_assert_eq(test_ha_find(&HA, "mn0@example.net")->coa, inet_addr("127.0.0.1"));
	cr_assert_eq(test_ha_find(&HA, "mn1@example.net")->coa, inet_addr("127.0.0.2"));
	cr_assert_eq(test_ha_find(&HA, "mn3@example.net")->coa, inet_addr("127.0.0.4"));
	cr_assert_eq(test_ha_find(&HA, "mn5@example.net")->coa, inet_addr("127.0.0.2"));
	cr_assert_eq(HA.cnt.initial_ok, 8);
}

Test(mn_load, bad_options)
{
	char *argv[] = { (char *)proc_mipmn(), "load", "--password-file", pwfile, "--home-agent",
			 "127.0.0.1", "--nai-pattern", "mn%s@x", NULL };

	cr_assert_eq(proc_spawn(&P, argv), 0);
	cr_assert_eq(proc_wait(&P, 10000), 2);
	cr_assert_not_null(strstr(P.err, "--nai-pattern"));
	cr_assert_eq(HA.cnt.rrq, 0);
}

Test(mn_load, bounded_by_duration)
{
	json_t *o;

	HA.drop_requests = 100000;
	o = run_load(7, (const char *const[]){ "--count", "10", "--duration", "1", NULL });
	cr_assert_eq(num(o, "incomplete"), 10);
	cr_assert_lt(json_real_value(json_object_get(o, "elapsed_s")), 1.5);
	json_decref(o);
}
