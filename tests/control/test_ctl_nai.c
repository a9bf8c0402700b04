/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Static SAs configured by NAI alone (control/ctl_nai.c; spec section 9 with
 * the home-address rules of section 5 step 5) through a real worker and the
 * control lcore, on real tables and net_ring ports, the HA clock fixed:
 * Home Address 0.0.0.0 gets a [ha] home_pool address in a reply signed with
 * the static key; asking again keeps it; the SA installed under it makes the
 * re-registration a worker's fast-path one; another NAI's address gets 129,
 * an empty pool 130, a wrong key 131 and nothing installed, a replay after
 * deregistration 133 signed with the HA's time; deregistration and expiry
 * give the address back. With [aaa] (suite ctl_nai_aaa): a dynamic-key
 * initial RRQ whose SPI is an NAI-only static SA of its NAI gets 134, and the
 * dynamic core counts the NAI static MN's address as used (one shared pool).
 * EAL --no-huge; the dataplane tests' harness (tests/dataplane/dp_test.c).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ring.h>

#include "mip.h"

#include "config.h"
#include "ctl.h"
#include "dp_ctl.h"
#include "dynkey.h"
#include "port.h"

#define SPI_A 5001
#define SPI_A2 5002
#define SPI_B 6001	/* not alice's: (her address, SPI_B) finds no SA */

static struct mipha_config cfg;
static struct mipha_cfg_sa sas[5];
static struct mipha_ctl ctl;
static uint32_t ha, coa, pool0, pool1;
static uint64_t t0;
static struct mip_key key_alice, key_alice2, key_bob, key_carol, key_wrong;
static char secret_path[64];

static void key_fill(struct mip_key *k, uint8_t seed)
{
	for (int i = 0; i < 16; i++)
		k->b[i] = (uint8_t)(seed + i * 7);
}

static void add_sa(const char *name, const char *nai, uint32_t spi, const struct mip_key *k)
{
	struct mipha_cfg_sa *s = &sas[cfg.n_sa++];

	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	snprintf(s->nai, sizeof(s->nai), "%s", nai);
	s->spi = spi;
	s->alg = MIP_ALG_HMAC_MD5;
	s->replay_tolerance = 7;
	s->key = *k;
	s->line = cfg.n_sa;
}

/* with_aaa: an [aaa] section (the dynamic-key core); nothing is ever sent to it here. */
static void setup_common(bool with_aaa)
{
	dp_setup("ctl_nai");
	dp_ctl_ports("nai");
	ha = dp_ip(dp_vec_str("inputs", "home_agent"));
	coa = dp_ip("192.0.2.77");
	pool0 = dp_ip("10.1.0.100");
	pool1 = dp_ip("10.1.0.101");
	cr_assert_eq(mip_ident_from_hex(dp_vec_str("inputs", "identification"), &t0), 0);
	dp.conf.clock.fixed_ntp = t0;
	key_fill(&key_alice, 1);
	key_fill(&key_alice2, 2);
	key_fill(&key_bob, 3);
	key_fill(&key_carol, 4);
	key_fill(&key_wrong, 5);

	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.path, sizeof(cfg.path), "test.ini");
	cfg.ha.address = ha;
	snprintf(cfg.ha.name, sizeof(cfg.ha.name), "ha1");
	cfg.ha.max_lifetime = 3600;
	cfg.ha.replay_tolerance = 7;
	cfg.ha.vendor_id = (uint32_t)dp_vec_u64("inputs", "vendor_id");
	cfg.ha.dynkey_spi = (uint32_t)dp_vec_u64("inputs", "dynkey_spi");
	cfg.ha.max_bindings = 1024;
	cfg.ha.home_pool_first = pool0;
	cfg.ha.home_pool_last = pool1;	/* two addresses */
	cfg.ha.dynamic_algorithms = 1u << MIP_ALG_HMAC_MD5;
	cfg.sa = sas;
	add_sa("alice", "alice@example.net", SPI_A, &key_alice);
	add_sa("alice2", "alice@example.net", SPI_A2, &key_alice2);
	add_sa("bob", "bob@example.net", SPI_B, &key_bob);
	add_sa("carol", "carol@example.net", SPI_A, &key_carol);
	/* The spec example's NAI with its SPI1 as a static SA by NAI alone. */
	add_sa("mnuser", dp_vec_str("inputs", "nai"), (uint32_t)dp_vec_u64("inputs", "spi1"),
	       &key_wrong);
	if (with_aaa) {
		FILE *f;

		snprintf(secret_path, sizeof(secret_path), "/tmp/mipha-nai-secret-%d", getpid());
		f = fopen(secret_path, "w");
		cr_assert_not_null(f);
		fputs("testing123\n", f);
		fclose(f);
		dp_ctl_aaa(&cfg, 9, secret_path);	/* discard: never reached in these tests */
	}
	dp.conf.nai_sas = mipha_config_nai_sa_count(&cfg) != 0;	/* as pipelines/app.c */
	dp_ctl_init(&ctl, &cfg);
	cr_assert_not_null(ctl.pool);
	cr_assert_not_null(ctl.nai);
	cr_assert_eq(ctl.dynkey != NULL, with_aaa);
}

static void setup(void)
{
	setup_common(false);
}

static void setup_aaa(void)
{
	setup_common(true);
}

static void teardown(void)
{
	mipha_ctl_drain(&ctl);
	mipha_ctl_fini(&ctl);
	dp_ctl_ports_fini();
	dp_tx_clear();
	dp_teardown();
	if (secret_path[0] != '\0')
		unlink(secret_path);
}

TestSuite(ctl_nai, .init = setup, .fini = teardown);
TestSuite(ctl_nai_aaa, .init = setup_aaa, .fini = teardown);

/* ---- helpers ---- */

struct rrq {
	uint8_t buf[256];
	uint16_t len;
};

/* An RRQ with the NAI extension and an MHAE(spi) signed with key (HMAC-MD5). */
static void build(struct rrq *q, const char *nai, uint32_t home, uint64_t ident, uint16_t lifetime,
		  uint32_t spi, const struct mip_key *key)
{
	struct mip_builder b;
	size_t off;

	mip_builder_init(&b, q->buf, sizeof(q->buf));
	mip_put_rrq_hdr(&b, 0, lifetime, home, ha, coa, ident);
	mip_put_nai(&b, nai, strlen(nai));
	off = mip_put_auth(&b, MIP_EXT_MHAE, spi, MIP_MD5_AUTH_LEN);
	cr_assert_eq(b.err, 0);
	cr_assert_eq(mip_auth_sign(q->buf, off, MIP_ALG_HMAC_MD5, key), 0);
	q->len = (uint16_t)b.len;
}

/* The worker takes q; returns how many messages it gave control. */
static unsigned int worker_takes(const struct rrq *q)
{
	unsigned int before = rte_ring_count(dp.ring);
	struct rte_mbuf *m = dp_frame_rrq(coa, ha, 434, q->buf, q->len);

	mipha_worker_process(&dp.w, &m, 1);
	return rte_ring_count(dp.ring) - before;
}

struct reply {
	uint8_t buf[512];
	uint16_t len;
	struct mip_msg m;
};

/* q through the worker to control; control's reply on the uplink, parsed. */
static void via_control(const struct rrq *q, struct reply *r)
{
	struct mip_parse_cfg pc = dp.conf.parse;
	struct rte_mbuf *m;
	const uint8_t *p;

	cr_assert_eq(worker_takes(q), 1, "the worker did not hand the RRQ to control");
	cr_assert_geq(mipha_ctl_poll(&ctl), 1);
	m = dp_ctl_sent(DP_PORT_UP);
	cr_assert_not_null(m, "no reply from control");
	p = dp_reply_payload(m, &r->len);
	cr_assert_leq(r->len, sizeof(r->buf));
	memcpy(r->buf, p, r->len);
	rte_pktmbuf_free(m);
	cr_assert_null(dp_ctl_sent(DP_PORT_UP), "more than one reply");
	cr_assert_eq(mip_parse(r->buf, r->len, &pc, &r->m), MIP_OK);
	cr_assert_eq(r->m.type, MIP_TYPE_RRP);
}

/* A signed reply: code, home address, Identification, NAI echoed, MHAE(spi) with key. */
static void expect_signed(const struct reply *r, uint8_t code, uint32_t home, uint64_t ident,
			  const char *nai, uint32_t spi, const struct mip_key *key)
{
	cr_assert_eq(r->m.code, code, "code %u, expected %u", r->m.code, code);
	cr_assert_eq(r->m.home_addr, home);
	cr_assert_eq(r->m.ha_addr, ha);
	cr_assert_eq(r->m.ident, ident);
	cr_assert(r->m.present & MIP_HAS_NAI);
	cr_assert_eq(r->m.nai.len, strlen(nai));
	cr_assert_arr_eq(r->m.nai.p, nai, strlen(nai));
	cr_assert(r->m.present & MIP_HAS_MHAE, "reply not signed");
	cr_assert_eq(r->m.mhae.spi, spi);
	cr_assert(mip_auth_verify(&r->m, MIP_ALG_HMAC_MD5, key), "reply MHAE does not verify");
}

static uint64_t at(uint32_t s_off, uint32_t frac)
{
	return t0 + ((uint64_t)s_off << 32) + frac;
}

static void set_clock(uint64_t ntp)
{
	dp.conf.clock.fixed_ntp = ntp;
}

/* alice asks for an address (0.0.0.0) with ident; returns the one she got. */
static uint32_t alice_registers(uint64_t ident)
{
	struct rrq q;
	struct reply r;

	build(&q, "alice@example.net", 0, ident, 1800, SPI_A, &key_alice);
	via_control(&q, &r);
	cr_assert_eq(r.m.code, MIP_CODE_ACCEPTED);
	cr_assert_eq(r.m.lifetime, 1800);
	return r.m.home_addr;
}

/* ---- tests ---- */

Test(ctl_nai, zero_address_gets_a_pool_address_in_a_signed_reply)
{
	struct mipha_binding *b;
	struct mipha_sa *sa;
	struct rte_mbuf *m;
	struct rrq q;
	struct reply r;

	build(&q, "alice@example.net", 0, t0, 1800, SPI_A, &key_alice);
	via_control(&q, &r);
	expect_signed(&r, MIP_CODE_ACCEPTED, pool0, t0, "alice@example.net", SPI_A, &key_alice);
	cr_assert_eq(r.m.lifetime, 1800);
	/* Binding, SA with both of alice's keys, replay state carried in. */
	b = mipha_binding_lookup(dp.bt, pool0);
	cr_assert_not_null(b);
	cr_assert_eq(mipha_binding_coa(mipha_binding_load(b)), coa);
	cr_assert_eq(mipha_binding_expiry(mipha_binding_load(b)), (uint32_t)(t0 >> 32) + 1800);
	sa = mipha_sa_lookup(dp.st, pool0, SPI_A);
	cr_assert_not_null(sa);
	cr_assert_eq(sa->kind, MIPHA_SA_STATIC);
	cr_assert_eq(mipha_sa_lookup(dp.st, pool0, SPI_A2), sa);
	cr_assert_arr_eq(sa->key[0].key.b, key_alice.b, 16);
	cr_assert_arr_eq(sa->key[1].key.b, key_alice2.b, 16);
	cr_assert_eq(mipha_sa_last_ident(sa), t0);
	cr_assert_eq(mipha_ctl_nai_home(&ctl, "alice@example.net"), pool0);
	/* Gratuitous ARP for the address on the home port. */
	m = dp_ctl_sent(DP_PORT_HOME);
	cr_assert_not_null(m, "no gratuitous ARP");
	rte_pktmbuf_free(m);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_NAI_ACCEPTED], 1);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_NAI_ASSIGNED], 1);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_BINDING_NEW], 1);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_REPLY_ACCEPTED], 1);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_GARP], 1);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_REPLY_131_UNKNOWN_SPI], 0);
	cr_assert_eq(mipha_pool_free_count(ctl.pool), 1);
}

Test(ctl_nai, asking_again_keeps_the_address_and_reregistration_is_fast_path)
{
	struct rrq q;
	struct reply r;
	uint16_t len;
	const uint8_t *p;

	cr_assert_eq(alice_registers(t0), pool0);
	/* An exact copy (lost reply): the same reply again, nothing else. */
	build(&q, "alice@example.net", 0, t0, 1800, SPI_A, &key_alice);
	via_control(&q, &r);
	expect_signed(&r, MIP_CODE_ACCEPTED, pool0, t0, "alice@example.net", SPI_A, &key_alice);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_NAI_DUPLICATE], 1);
	/* 0.0.0.0 again (newer), under her second SPI: the address she holds. */
	build(&q, "alice@example.net", 0, at(1, 0), 1800, SPI_A2, &key_alice2);
	via_control(&q, &r);
	expect_signed(&r, MIP_CODE_ACCEPTED, pool0, at(1, 0), "alice@example.net", SPI_A2,
		      &key_alice2);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_NAI_ACCEPTED], 2);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_NAI_ASSIGNED], 1);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_BINDING_NEW], 1);
	cr_assert_eq(mipha_sa_last_ident(mipha_sa_lookup(dp.st, pool0, SPI_A)), at(1, 0));
	/* At the assigned address: the worker answers it (SA found), control sees nothing. */
	build(&q, "alice@example.net", pool0, at(2, 0), 1000, SPI_A, &key_alice);
	cr_assert_eq(worker_takes(&q), 0);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_REG_ACCEPTED], 1);
	cr_assert_eq(dp.w.tx[DP_PORT_UP].n, 1);
	p = dp_reply_payload(dp.w.tx[DP_PORT_UP].m[0], &len);
	cr_assert_eq(p[0], MIP_TYPE_RRP);
	cr_assert_eq(p[1], MIP_CODE_ACCEPTED);
	cr_assert_eq(mipha_binding_expiry(mipha_binding_load(mipha_binding_lookup(dp.bt, pool0))),
		     (uint32_t)(t0 >> 32) + 1000);
	/* Its replay state is the NAI's: an older 0.0.0.0 RRQ to control is now 133. */
	build(&q, "alice@example.net", 0, at(1, 5), 1800, SPI_A, &key_alice);
	via_control(&q, &r);
	expect_signed(&r, MIP_CODE_ID_MISMATCH, 0,
		      (t0 & 0xffffffff00000000ull) | (at(1, 5) & 0xffffffffull),
		      "alice@example.net", SPI_A, &key_alice);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_NAI_REPLY_133], 1);
}

Test(ctl_nai, address_held_by_another_nai_or_outside_the_pool_gets_129)
{
	struct rrq q;
	struct reply r;

	cr_assert_eq(alice_registers(t0), pool0);
	build(&q, "bob@example.net", pool0, t0, 1800, SPI_B, &key_bob);
	via_control(&q, &r);
	expect_signed(&r, MIP_CODE_ADMIN_PROHIBITED, pool0, t0, "bob@example.net", SPI_B, &key_bob);
	cr_assert_eq(r.m.lifetime, 0);
	/* Not a pool address. */
	build(&q, "bob@example.net", dp_ip("10.1.0.50"), at(1, 0), 1800, SPI_B, &key_bob);
	via_control(&q, &r);
	expect_signed(&r, MIP_CODE_ADMIN_PROHIBITED, dp_ip("10.1.0.50"), at(1, 0),
		      "bob@example.net", SPI_B, &key_bob);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_NAI_REPLY_129], 2);
	cr_assert_eq(mipha_ctl_nai_home(&ctl, "bob@example.net"), 0);
	cr_assert_eq(mipha_ctl_nai_home(&ctl, "alice@example.net"), pool0);
	/* A free pool address asked for by name is given. */
	build(&q, "bob@example.net", pool1, at(2, 0), 1800, SPI_B, &key_bob);
	via_control(&q, &r);
	expect_signed(&r, MIP_CODE_ACCEPTED, pool1, at(2, 0), "bob@example.net", SPI_B, &key_bob);
	cr_assert_not_null(mipha_sa_lookup(dp.st, pool1, SPI_B));
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_NAI_ASSIGNED], 2);
}

/*
 * alice and carol share SPI_A (SAs by NAI alone usually do). carol asking for
 * the address alice holds fails at the worker under alice's key; control
 * checks it against carol's own SA: 129, signed with her key, not a 131 that
 * would read as a wrong key. A forgery still gets 131, and alice's binding,
 * SA and replay state do not move.
 */
Test(ctl_nai, address_held_by_another_nai_under_a_shared_spi_gets_129_not_131)
{
	struct rrq q;
	struct reply r;

	cr_assert(dp.conf.nai_sas);
	cr_assert_eq(alice_registers(t0), pool0);
	build(&q, "carol@example.net", pool0, at(1, 0), 1800, SPI_A, &key_carol);
	via_control(&q, &r);
	expect_signed(&r, MIP_CODE_ADMIN_PROHIBITED, pool0, at(1, 0), "carol@example.net", SPI_A,
		      &key_carol);
	cr_assert_eq(r.m.lifetime, 0);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_NAI_REPLY_129], 1);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_REG_AUTH_FAIL_131], 0, "the worker did not answer it");
	/* A forgery naming carol: verified with her key there, 131 unsigned. */
	build(&q, "carol@example.net", pool0, at(2, 0), 1800, SPI_A, &key_wrong);
	via_control(&q, &r);
	cr_assert_eq(r.m.code, MIP_CODE_MN_FAILED_AUTH);
	cr_assert_not(r.m.present & MIP_HAS_MHAE);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_NAI_REPLY_131], 1);
	/* An NAI without an SA by NAI alone: 131 unsigned, counted apart. */
	build(&q, "mallory@example.net", pool0, at(2, 0), 1800, SPI_A, &key_carol);
	via_control(&q, &r);
	cr_assert_eq(r.m.code, MIP_CODE_MN_FAILED_AUTH);
	cr_assert_not(r.m.present & MIP_HAS_MHAE);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_REPLY_131_AUTH_NAI], 1);
	/* Nothing of alice's moved; carol holds nothing. */
	cr_assert_eq(mipha_ctl_nai_home(&ctl, "alice@example.net"), pool0);
	cr_assert_eq(mipha_ctl_nai_home(&ctl, "carol@example.net"), 0);
	cr_assert_eq(mipha_sa_last_ident(mipha_sa_lookup(dp.st, pool0, SPI_A)), t0);
	cr_assert_eq(mipha_binding_coa(mipha_binding_load(mipha_binding_lookup(dp.bt, pool0))), coa);
	cr_assert_eq(mipha_pool_free_count(ctl.pool), 1);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_NAI_ACCEPTED], 1);
	/* With 0.0.0.0 carol gets the other address. */
	build(&q, "carol@example.net", 0, at(3, 0), 1800, SPI_A, &key_carol);
	via_control(&q, &r);
	expect_signed(&r, MIP_CODE_ACCEPTED, pool1, at(3, 0), "carol@example.net", SPI_A,
		      &key_carol);
}

Test(ctl_nai, empty_pool_gets_130)
{
	struct rrq q;
	struct reply r;

	cr_assert_eq(alice_registers(t0), pool0);
	build(&q, "bob@example.net", 0, t0, 1800, SPI_B, &key_bob);
	via_control(&q, &r);
	expect_signed(&r, MIP_CODE_ACCEPTED, pool1, t0, "bob@example.net", SPI_B, &key_bob);
	build(&q, "carol@example.net", 0, t0, 1800, SPI_A, &key_carol);
	via_control(&q, &r);
	expect_signed(&r, MIP_CODE_INSUFFICIENT_RESOURCES, 0, t0, "carol@example.net", SPI_A,
		      &key_carol);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_NAI_REPLY_130], 1);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_NAI_ACCEPTED], 2);
	cr_assert_eq(mipha_ctl_nai_home(&ctl, "carol@example.net"), 0);
}

Test(ctl_nai, wrong_key_gets_131_and_installs_nothing)
{
	struct rrq q;
	struct reply r;

	build(&q, "alice@example.net", 0, t0, 1800, SPI_A, &key_wrong);
	via_control(&q, &r);
	cr_assert_eq(r.m.code, MIP_CODE_MN_FAILED_AUTH);
	cr_assert_not(r.m.present & MIP_HAS_MHAE, "131 for an RRQ that did not verify is unsigned");
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_NAI_REPLY_131], 1);
	cr_assert_eq(mipha_pool_free_count(ctl.pool), 2);
	cr_assert_null(mipha_binding_lookup(dp.bt, pool0));
	cr_assert_null(mipha_sa_lookup(dp.st, pool0, SPI_A));
	cr_assert_eq(mipha_sa_table_count(dp.st), 0);
	/* Nothing moved the replay state: the right key with the same ident works. */
	cr_assert_eq(alice_registers(t0), pool0);
	/* An SPI the NAI has no SA under: 131 as for any unknown SPI. */
	build(&q, "alice@example.net", 0, at(1, 0), 1800, 7777, &key_alice);
	via_control(&q, &r);
	cr_assert_eq(r.m.code, MIP_CODE_MN_FAILED_AUTH);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_REPLY_131_UNKNOWN_SPI], 1);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_NAI_REPLY_131], 1);
}

Test(ctl_nai, deregistration_frees_the_address_and_an_old_rrq_is_not_replayed)
{
	struct rrq first, q;
	struct reply r;

	build(&first, "alice@example.net", 0, t0, 1800, SPI_A, &key_alice);
	via_control(&first, &r);
	cr_assert_eq(r.m.home_addr, pool0);
	/* Deregistration at the address: verified by the worker, done by control. */
	build(&q, "alice@example.net", pool0, at(1, 0), 0, SPI_A, &key_alice);
	via_control(&q, &r);
	expect_signed(&r, MIP_CODE_ACCEPTED, pool0, at(1, 0), "alice@example.net", SPI_A,
		      &key_alice);
	cr_assert_null(mipha_binding_lookup(dp.bt, pool0));
	cr_assert_null(mipha_sa_lookup(dp.st, pool0, SPI_A));
	cr_assert_eq(mipha_pool_free_count(ctl.pool), 2);
	cr_assert_eq(mipha_ctl_nai_home(&ctl, "alice@example.net"), 0);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_NAI_RELEASED], 1);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_BINDING_DEREG], 1);
	/* The first RRQ again: older than the deregistration, so 133, nothing installed. */
	set_clock(at(2, 0));
	via_control(&first, &r);
	expect_signed(&r, MIP_CODE_ID_MISMATCH, 0, (at(2, 0) & 0xffffffff00000000ull) |
		      (t0 & 0xffffffffull), "alice@example.net", SPI_A, &key_alice);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_NAI_REPLY_133], 1);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_NAI_DUPLICATE], 0);
	cr_assert_null(mipha_binding_lookup(dp.bt, pool0));
	cr_assert_eq(mipha_pool_free_count(ctl.pool), 2);
	/* Outside the tolerance (8 s late) is 133 as well. */
	build(&q, "alice@example.net", 0, at(2, 0), 1800, SPI_A, &key_alice);
	set_clock(at(10, 1));
	via_control(&q, &r);
	cr_assert_eq(r.m.code, MIP_CODE_ID_MISMATCH);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_NAI_REPLY_133], 2);
	/* A fresh one is accepted again. */
	cr_assert_eq(alice_registers(at(10, 0)), pool0);
}

Test(ctl_nai, expiry_removes_binding_and_sa_and_frees_the_address)
{
	uint32_t s0 = (uint32_t)(t0 >> 32);

	cr_assert_eq(alice_registers(t0), pool0);
	set_clock(at(1799, 0));
	mipha_ctl_poll(&ctl);
	cr_assert_not_null(mipha_sa_lookup(dp.st, pool0, SPI_A));
	set_clock(((uint64_t)(s0 + 1800)) << 32);
	mipha_ctl_poll(&ctl);
	cr_assert_null(mipha_binding_lookup(dp.bt, pool0));
	cr_assert_null(mipha_sa_lookup(dp.st, pool0, SPI_A));
	cr_assert_eq(mipha_pool_free_count(ctl.pool), 2);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_BINDING_EXPIRED], 1);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_NAI_RELEASED], 1);
	/* The address is free again: a new registration gets it. */
	cr_assert_eq(alice_registers(at(1800, 0)), pool0);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_NAI_ASSIGNED], 2);
}

/* ---- with the dynamic-key core ---- */

Test(ctl_nai_aaa, dynamic_initial_colliding_with_an_nai_static_sa_gets_134)
{
	uint8_t buf[512];
	size_t len = dp_vec_hex("initial_rrq", NULL, buf, sizeof(buf));
	struct rrq q;
	struct reply r;
	struct mipha_dk_stats st;

	cr_assert_gt(len, 0);
	cr_assert_leq(len, sizeof(q.buf));
	memcpy(q.buf, buf, len);
	q.len = (uint16_t)len;
	via_control(&q, &r);
	cr_assert_eq(r.m.code, MIP_CODE_POORLY_FORMED);
	cr_assert_not(r.m.present & MIP_HAS_MHAE);
	mipha_ctl_dynkey_stats(&ctl, &st);
	cr_assert_eq(st.cnt[MIPHA_DK_CNT_REPLY_134], 1);
	cr_assert_eq(st.cnt[MIPHA_DK_CNT_AAA_REQUESTS], 0);
}

Test(ctl_nai_aaa, one_pool_for_dynamic_and_nai_static_mns)
{
	struct mipha_dk_stats st;

	cr_assert_eq(alice_registers(t0), pool0);
	mipha_ctl_dynkey_stats(&ctl, &st);
	cr_assert_eq(st.gauge[MIPHA_DK_GAUGE_POOL_USED], 1);
	cr_assert_eq(st.gauge[MIPHA_DK_GAUGE_POOL_FREE], 1);
}
