/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Binding and SA tables: install / lookup / bulk lookup / remove, capacity,
 * RCU (nothing is reused or wiped while a reader may hold it, everything is
 * wiped after), rekey by replacement, the duplicate cache, in-place binding
 * refresh seen atomically by a concurrent reader, and the counter names.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>

#include <rte_rcu_qsbr.h>

#include "mip.h"

#include "clock.h"
#include "counters.h"
#include "ctrl_msg.h"
#include "dp_test.h"

static void setup(void)
{
	dp_setup("dp_tables");
}

TestSuite(dp_tables, .init = setup, .fini = dp_teardown);

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

Test(dp_tables, binding_install_lookup_remove)
{
	uint32_t home = dp_ip("10.1.0.10"), coa = dp_ip("192.0.2.77");
	struct mipha_binding *b = NULL;

	cr_assert_null(mipha_binding_lookup(dp.bt, home));
	cr_assert_eq(mipha_binding_install(dp.bt, home, coa, 1000, MIP_FLAG_T, 42, &b), 0);
	cr_assert_not_null(b);
	cr_assert_eq(mipha_binding_lookup(dp.bt, home), b);
	uint64_t packed = mipha_binding_load(b);

	cr_assert_eq(mipha_binding_coa(packed), coa);
	cr_assert_eq(mipha_binding_expiry(packed), 1000);
	cr_assert_eq(mipha_binding_flags(b), MIP_FLAG_T);
	cr_assert_eq(b->cookie, 42);
	cr_assert_eq(mipha_binding_table_count(dp.bt), 1);

	/* a second install refreshes in place */
	struct mipha_binding *b2 = NULL;

	cr_assert_eq(mipha_binding_install(dp.bt, home, dp_ip("198.51.100.9"), 2000, 0, 43, &b2), 0);
	cr_assert_eq(b2, b);
	cr_assert_eq(mipha_binding_coa(mipha_binding_load(b)), dp_ip("198.51.100.9"));
	cr_assert_eq(mipha_binding_table_count(dp.bt), 1);

	/* bulk: hits and misses in place */
	uint32_t keys[3] = { dp_ip("10.1.0.11"), home, dp_ip("10.1.0.12") };
	struct mipha_binding *out[3];

	cr_assert_eq(mipha_binding_lookup_bulk(dp.bt, keys, 3, out), 1);
	cr_assert_null(out[0]);
	cr_assert_eq(out[1], b);
	cr_assert_null(out[2]);

	cr_assert_eq(mipha_binding_remove(dp.bt, home), 0);
	cr_assert_null(mipha_binding_lookup(dp.bt, home));
	cr_assert_eq(mipha_binding_remove(dp.bt, home), -ENOENT);
	cr_assert_eq(mipha_binding_table_count(dp.bt), 0);
	/* the worker has not been quiescent: the entry is not reused yet */
	cr_assert_eq(mipha_binding_table_reclaim(dp.bt), 0);
	cr_assert_eq(b->home_addr, home);
	mipha_worker_quiescent(&dp.w);
	cr_assert_eq(mipha_binding_table_reclaim(dp.bt), 1);
	cr_assert(all_zero(b, sizeof(*b)));
}

Test(dp_tables, binding_capacity)
{
	uint32_t base = rte_be_to_cpu_32(dp_ip("10.2.0.0"));
	unsigned int i;

	for (i = 0; i < 1024; i++)
		cr_assert_eq(mipha_binding_install(dp.bt, rte_cpu_to_be_32(base + i), 1, 1, 0, 0,
						   NULL), 0, "install %u", i);
	cr_assert_eq(mipha_binding_install(dp.bt, rte_cpu_to_be_32(base + i), 1, 1, 0, 0, NULL),
		     -ENOSPC);
	cr_assert_eq(mipha_binding_table_count(dp.bt), 1024);
	for (i = 0; i < 1024; i++)
		cr_assert_not_null(mipha_binding_lookup(dp.bt, rte_cpu_to_be_32(base + i)));
	/* freed slots come back after a grace period */
	cr_assert_eq(mipha_binding_remove(dp.bt, rte_cpu_to_be_32(base)), 0);
	mipha_worker_quiescent(&dp.w);
	cr_assert_eq(mipha_binding_install(dp.bt, rte_cpu_to_be_32(base + 5000), 1, 1, 0, 0, NULL),
		     0);
	/*
	 * A mass removal overflows the defer queue (1/8 of the table): control
	 * then waits for a grace period (the worker is offline here, as when it
	 * sleeps) and every removal succeeds.
	 */
	mipha_worker_offline(&dp.w);
	for (i = 1; i < 1024; i++)
		cr_assert_eq(mipha_binding_remove(dp.bt, rte_cpu_to_be_32(base + i)), 0, "remove %u", i);
	cr_assert_eq(mipha_binding_remove(dp.bt, rte_cpu_to_be_32(base + 5000)), 0);
	mipha_binding_table_reclaim(dp.bt);
	cr_assert_eq(mipha_binding_table_count(dp.bt), 0);
	for (i = 0; i < 1024; i++)
		cr_assert_eq(mipha_binding_install(dp.bt, rte_cpu_to_be_32(base + 10000 + i), 1, 1, 0, 0,
						   NULL), 0, "reinstall %u", i);
	mipha_worker_online(&dp.w);
}

Test(dp_tables, sa_install_lookup_remove_wipes_keys)
{
	uint32_t home = dp_ip("10.1.0.10");
	struct mip_key k1, k2;

	memset(k1.b, 0xa5, 16);
	memset(k2.b, 0x5a, 16);
	struct mipha_sa *sa = dp_dynamic_sa(home, 4097, &k1, 4098, &k2);

	cr_assert_eq(mipha_sa_lookup(dp.st, home, 4097), sa);
	cr_assert_eq(mipha_sa_lookup(dp.st, home, 4098), sa);
	cr_assert_null(mipha_sa_lookup(dp.st, home, 4099));
	cr_assert_null(mipha_sa_lookup(dp.st, dp_ip("10.1.0.11"), 4097));
	cr_assert_eq(mipha_sa_key_for(sa, 4098), &sa->key[MIPHA_SA_KEY2]);
	cr_assert_null(mipha_sa_key_for(sa, 0));
	cr_assert_eq(mipha_sa_table_count(dp.st), 1);
	/* ipad/opad precomputed, not the raw key */
	cr_assert(!all_zero(sa->key[0].ipad, 16));
	cr_assert_arr_neq(sa->key[0].ipad, sa->key[1].ipad, 16);

	/* the same (home, SPI) again is refused and changes nothing */
	struct mipha_sa *dup = mipha_sa_alloc(dp.st);

	dup->home_addr = home;
	cr_assert_eq(mipha_sa_set_key(dp.st, dup, 0, 4098, MIP_ALG_HMAC_MD5, &k1), 0);
	cr_assert_eq(mipha_sa_install(dp.st, dup), -EEXIST);
	cr_assert_eq(mipha_sa_lookup(dp.st, home, 4098), sa);
	mipha_sa_discard(dp.st, dup);
	cr_assert(all_zero(dup, sizeof(*dup)));
	/* bad keys */
	struct mipha_sa *bad = mipha_sa_alloc(dp.st);

	cr_assert_eq(mipha_sa_set_key(dp.st, bad, 0, 255, MIP_ALG_HMAC_MD5, &k1), -EINVAL);
	cr_assert_eq(mipha_sa_set_key(dp.st, bad, 2, 4000, MIP_ALG_HMAC_MD5, &k1), -EINVAL);
	cr_assert_eq(mipha_sa_set_key(dp.st, bad, 0, 4000, (enum mip_alg)9, &k1), -EINVAL);
	mipha_sa_discard(dp.st, bad);

	struct mipha_sa_hkey keys[3] = { { home, 4097 }, { home, 1 }, { home, 4098 } };
	struct mipha_sa *out[3];

	cr_assert_eq(mipha_sa_lookup_bulk(dp.st, keys, 3, out), 2);
	cr_assert_eq(out[0], sa);
	cr_assert_null(out[1]);
	cr_assert_eq(out[2], sa);

	cr_assert_eq(mipha_sa_remove(dp.st, sa), 0);
	cr_assert_null(mipha_sa_lookup(dp.st, home, 4097));
	cr_assert_null(mipha_sa_lookup(dp.st, home, 4098));
	/* a reader may still hold it: keys intact until the grace period ends */
	cr_assert_eq(mipha_sa_table_reclaim(dp.st), 0);
	cr_assert_arr_eq(sa->key[0].key.b, k1.b, 16);
	mipha_worker_quiescent(&dp.w);
	cr_assert_eq(mipha_sa_table_reclaim(dp.st), 1);
	cr_assert(all_zero(sa, sizeof(*sa)), "SA memory not wiped after reclaim");
	cr_assert_eq(mipha_sa_table_count(dp.st), 0);
}

Test(dp_tables, sa_replace_for_rekey)
{
	uint32_t home = dp_ip("10.1.0.10");
	struct mip_key k1, k2, k3;

	memset(k1.b, 1, 16);
	memset(k2.b, 2, 16);
	memset(k3.b, 3, 16);
	struct mipha_sa *old = dp_dynamic_sa(home, 4097, &k1, 4098, &k2);

	cr_assert(mipha_sa_replay_advance(old, 0, 0x1000));
	struct mipha_sa *n = mipha_sa_clone(dp.st, old);

	cr_assert_not_null(n);
	n->prev = n->key[MIPHA_SA_KEY2];
	n->prev_valid = 1;
	cr_assert_eq(mipha_sa_set_key(dp.st, n, MIPHA_SA_KEY2, 4098, MIP_ALG_HMAC_MD5, &k3), 0);
	/* a worker accepts a newer Identification on the old struct meanwhile */
	cr_assert(mipha_sa_replay_advance(old, 0x1000, 0x2000));
	cr_assert_eq(mipha_sa_replace(dp.st, old, n), 0);
	cr_assert_eq(mipha_sa_lookup(dp.st, home, 4097), n);
	cr_assert_eq(mipha_sa_lookup(dp.st, home, 4098), n);
	cr_assert_eq(mipha_sa_last_ident(n), 0x2000, "replay state carried over");
	cr_assert_arr_eq(n->key[1].key.b, k3.b, 16);
	cr_assert_arr_eq(n->prev.key.b, k2.b, 16);
	mipha_worker_quiescent(&dp.w);
	cr_assert_eq(mipha_sa_table_reclaim(dp.st), 1);
	cr_assert(all_zero(old, sizeof(*old)));
	cr_assert_eq(mipha_sa_table_count(dp.st), 1);
}

Test(dp_tables, dup_cache)
{
	struct mip_key k;
	struct mipha_sa_dup d;
	uint8_t rrq[64], auth[16];

	memset(k.b, 7, 16);
	memset(rrq, 0x11, sizeof(rrq));
	memset(auth, 0x22, sizeof(auth));
	struct mipha_sa *sa = dp_static_sa(dp_ip("10.1.0.20"), 300, MIP_ALG_HMAC_MD5, &k);

	cr_assert_eq(mipha_sa_dup_match(sa, rrq, 64, 5, &d), MIPHA_DUP_NONE);
	cr_assert(mipha_sa_replay_advance(sa, 0, 5));
	mipha_sa_dup_store(sa, MIPHA_DUP_FAST, rrq, 64, 5, 1, 600, 300, auth);
	cr_assert_eq(mipha_sa_dup_match(sa, rrq, 64, 5, &d), MIPHA_DUP_FAST);
	cr_assert_eq(d.code, 1);
	cr_assert_eq(d.lifetime, 600);
	cr_assert_eq(d.spi, 300);
	cr_assert_arr_eq(d.auth, auth, 16);
	/* not an exact copy: other ident, other length, any changed byte */
	cr_assert_eq(mipha_sa_dup_match(sa, rrq, 64, 6, &d), MIPHA_DUP_NONE);
	cr_assert_eq(mipha_sa_dup_match(sa, rrq, 63, 5, &d), MIPHA_DUP_NONE);
	rrq[40] ^= 1;
	cr_assert_eq(mipha_sa_dup_match(sa, rrq, 64, 5, &d), MIPHA_DUP_NONE);
	rrq[40] ^= 1;
	/* a later RRQ accepted without a cache entry: the old copy is no longer the last */
	cr_assert(mipha_sa_replay_advance(sa, 5, 7));
	cr_assert_eq(mipha_sa_dup_match(sa, rrq, 64, 5, &d), MIPHA_DUP_NONE);
	cr_assert(mipha_sa_replay_advance(sa, 7, 9));
	mipha_sa_dup_store(sa, MIPHA_DUP_CTRL, rrq, 64, 9, 0, 0, 0, NULL);
	cr_assert_eq(mipha_sa_dup_match(sa, rrq, 64, 9, &d), MIPHA_DUP_CTRL);
	/* a writer mid-update (odd sequence) makes readers miss rather than read torn data */
	sa->dup.seq++;
	cr_assert_eq(mipha_sa_dup_match(sa, rrq, 64, 9, &d), MIPHA_DUP_NONE);
}

/* ---- in-place refresh against a concurrent reader ---- */

static struct mipha_binding *race_b;
static volatile bool race_stop, race_reading;
static volatile uint64_t race_changes;	/* refreshes the reader has seen */

/*
 * Refreshes at least 2M times and until the reader has seen two of them
 * (bounded: 2^31 refreshes). On a loaded machine both threads may share
 * one CPU by time slices; this way each test run really overlaps them.
 */
static void *race_writer(void *arg)
{
	(void)arg;
	while (!race_reading)
		sched_yield();
	for (uint32_t i = 1; i < (1u << 31) && (i < 2000000 || race_changes < 2); i++)
		mipha_binding_refresh(race_b, i, i, (uint16_t)(i & 0xff));
	race_stop = true;
	return NULL;
}

Test(dp_tables, binding_refresh_while_reader_reads)
{
	pthread_t th;
	uint64_t reads = 0;
	uint32_t last = 0;

	cr_assert_eq(mipha_binding_install(dp.bt, dp_ip("10.1.0.30"), 0, 0, 0, 0, &race_b), 0);
	cr_assert_eq(pthread_create(&th, NULL, race_writer, NULL), 0);
	/* the reader: care-of and expiry always from the same refresh, never going back */
	race_reading = true;
	do {
		uint64_t p = mipha_binding_load(race_b);

		cr_assert_eq(mipha_binding_coa(p), mipha_binding_expiry(p), "torn binding read");
		cr_assert_geq(mipha_binding_expiry(p), last);
		if (mipha_binding_expiry(p) != last)
			race_changes++;
		last = mipha_binding_expiry(p);
		reads++;
	} while (!race_stop);
	pthread_join(th, NULL);
	cr_assert_geq(race_changes, 2, "the reader saw %" PRIu64 " refreshes in %" PRIu64 " reads",
		      (uint64_t)race_changes, reads);
	cr_assert_geq(mipha_binding_expiry(mipha_binding_load(race_b)), 1999999);
}

Test(dp_tables, counter_names)
{
	char buf[64];

	for (int i = 0; i < MIPHA_CNT__COUNT; i++) {
		const char *n = mipha_counter_name(i);

		cr_assert_gt(strlen(n), 0);
		for (const char *p = n; *p; p++)
			cr_assert(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_',
				  "counter name %s", n);
		for (int j = 0; j < i; j++)
			cr_assert_str_neq(n, mipha_counter_name(j), "duplicate counter name");
		cr_assert_gt(strlen(mipha_counter_help(i)), 0);
	}
	cr_assert_str_eq(mipha_counter_name(MIPHA_CNT_DROP_SPOOFED), "drop_reverse_tunnel_spoofed");
	cr_assert_str_eq(mipha_counters_malformed_name(MIP_E_EXT_OVERRUN, buf, sizeof(buf)),
			 "reg_malformed_ext_overrun");
	cr_assert_str_eq(mipha_ctrl_class_name(MIPHA_CTRL_REKEY), "rekey");
}

Test(dp_tables, clock_offset_and_fixed)
{
	struct mipha_clock c = { 0 };
	uint64_t want;

	cr_assert_eq(mip_ident_from_hex("ed0f6b4a00000001", &want), 0);
	cr_assert_eq(mipha_clock_set_hex(&c, "ed0f6b4a00000001"), 0);
	uint32_t got = mipha_clock_sec(&c);

	/* it runs from the set value: within a second or two of it now */
	cr_assert_leq(mip_ntp_sec_distance(mipha_clock_now(&c), want), 2, "clock at %08x", got);
	cr_assert_eq(mipha_clock_set_hex(&c, "ed0f6b4a0000000"), -EINVAL);
	cr_assert_eq(mipha_clock_set_hex(&c, "zz0f6b4a00000001"), -EINVAL);
	c.fixed_ntp = 0x0123456789abcdefull;
	cr_assert_eq(mipha_clock_now(&c), 0x0123456789abcdefull);
	/* no offset: libmip's own NTP now */
	struct mipha_clock real = { 0 };

	cr_assert_leq(mip_ntp_sec_distance(mipha_clock_now(&real), mip_ntp_now(0)), 1);
}
