/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HA's dynamic-key core beyond the worked example: pending table
 * (supersede, bound), rate limits, replay rules, AAA failures, home
 * addresses, Session-Timeout, the single-key variant, policy refusals, the
 * duplicate cache, the previous Skey', expiry and key wiping. Every test
 * asserts reply codes, bytes that matter and counters.
 */
#include "dk_test.h"

#define T0 0xed0f6b4a00000000ull	/* any HA clock (NTP) */

TestSuite(core, .timeout = 30);

static struct mip_key k2_fake = { { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
				    0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xf0, 0x01 } };

static void cfg_base(struct mipha_dk_cfg *cfg)
{
	mipha_dk_cfg_defaults(cfg);
	cfg->pool_first = ip("10.1.0.100");
	cfg->pool_last = ip("10.1.0.103");
	cfg->rate_nai = 0;	/* tests of the limits turn them on */
	cfg->rate_src = 0;
}

static struct mipha_dk *mk(const struct mipha_dk_cfg *cfg)
{
	int err = 0;
	struct mipha_dk *dk = mipha_dk_create(cfg, &err);

	cr_assert_not_null(dk, "create: %d", err);
	return dk;
}

static struct mipha_dk *mk_base(void)
{
	struct mipha_dk_cfg cfg;

	cfg_base(&cfg);
	return mk(&cfg);
}

static enum mipha_dk_action send_initial(struct mipha_dk *dk, const struct dk_init_spec *s,
					 uint32_t src, uint64_t now, void *user,
					 struct mipha_dk_out *out, struct dk_rrq *q)
{
	dk_build_initial(q, s);
	return mipha_dk_initial(dk, &q->m, src, now, user, out);
}

static enum mipha_dk_action accept_full(struct mipha_dk *dk, uint64_t cookie, uint64_t now,
					uint32_t framed, uint32_t session,
					struct mipha_dk_out *out)
{
	struct aaa_result res;
	enum mipha_dk_action a;

	dk_accept(&res, &k2_fake, DK_AUTH_RESPONSE);
	if (framed != 0) {
		res.reply.has_framed_ip = true;
		res.reply.framed_ip = framed;
	}
	if (session != 0) {
		res.reply.has_session_timeout = true;
		res.reply.session_timeout = session;
	}
	a = mipha_dk_aaa_result(dk, cookie, &res, now, out);
	mip_wipe(&res, sizeof(res));
	return a;
}

/* A full initial registration that must be accepted; out holds the install. */
static void reg_ok(struct mipha_dk *dk, const struct dk_init_spec *s, uint64_t now,
		   struct mipha_dk_out *out, struct dk_rrq *q)
{
	uint64_t cookie;

	cr_assert_eq(send_initial(dk, s, 1, now, NULL, out, q), MIPHA_DK_AAA);
	cookie = out->cookie;
	cr_assert_eq(accept_full(dk, cookie, now, 0, 0, out), MIPHA_DK_APPLY);
	cr_assert_eq(out->code, MIP_CODE_ACCEPTED, "code %u", out->code);
}

/* The code of the reply to an initial RRQ with this AAA answer. */
static uint8_t reg_code(struct mipha_dk *dk, const struct dk_init_spec *s, uint64_t now,
			uint32_t framed, struct mipha_dk_out *out)
{
	struct dk_rrq q;
	uint64_t cookie;

	cr_assert_eq(send_initial(dk, s, 1, now, NULL, out, &q), MIPHA_DK_AAA);
	cookie = out->cookie;
	cr_assert_eq(accept_full(dk, cookie, now, framed, 0, out), MIPHA_DK_APPLY);
	return out->code;
}

static void expect_unsigned(const struct mipha_dk_out *out, uint8_t code)
{
	struct mip_msg m;

	cr_assert_eq(out->action, MIPHA_DK_APPLY);
	cr_assert_eq(out->code, code);
	cr_assert_eq(out->binding_op, MIPHA_DK_OP_NONE);
	cr_assert_eq(out->sa_op, MIPHA_DK_OP_NONE);
	dk_parse_rrp(out, &m);
	cr_assert_eq(m.code, code);
	cr_assert_eq(m.lifetime, 0);
	cr_assert(m.present & MIP_HAS_NAI, "denials echo the NAI");
	cr_assert_not(m.present & MIP_HAS_MHAE, "no MHAE: nothing verified");
}

/* The Skey an accept of q derives with k2_fake. */
static void skey_of(const struct dk_rrq *q, struct mip_key *skey)
{
	mip_derive_skey(&k2_fake, q->m.auth_challenge, q->m.mhae.auth.p, skey);
}

/* ---- pending table ---- */

static void *released[8];
static unsigned n_released;

static void on_release(void *user, void *arg)
{
	(void)arg;
	if (n_released < 8)
		released[n_released] = user;
	n_released++;
}

Test(core, supersede_discards_older_result)
{
	struct mipha_dk_cfg cfg;
	struct mipha_dk *dk;
	struct mipha_dk_out out;
	struct dk_init_spec s;
	struct dk_rrq q;
	int u1, u2;
	uint64_t c1, c2;

	cfg_base(&cfg);
	cfg.release = on_release;
	n_released = 0;
	dk = mk(&cfg);
	dk_init_defaults(&s, "alice@example.net", T0 + 1);
	cr_assert_eq(send_initial(dk, &s, 1, T0, &u1, &out, &q), MIPHA_DK_AAA);
	c1 = out.cookie;
	s.ident = T0 + (1ull << 32);	/* the MN's retransmission: a new RRQ */
	cr_assert_eq(send_initial(dk, &s, 1, T0 + (1ull << 32), &u2, &out, &q), MIPHA_DK_AAA);
	c2 = out.cookie;
	cr_assert_neq(c1, c2);
	cr_assert_eq(n_released, 1);
	cr_assert_eq(released[0], &u1, "the superseded exchange's pointer is released");
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_SUPERSEDED), 1);
	cr_assert_eq(dk_gauge(dk, MIPHA_DK_GAUGE_PENDING), 1, "one entry per NAI");

	/* The older result arrives first: dropped, nothing installed. */
	cr_assert_eq(accept_full(dk, c1, T0, 0, 0, &out), MIPHA_DK_DROP);
	cr_assert_eq(out.why, MIPHA_DK_CNT_AAA_DISCARDED);
	cr_assert_eq(out.rrp_len, 0);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_AAA_DISCARDED), 1);
	cr_assert_eq(dk_gauge(dk, MIPHA_DK_GAUGE_MNS), 0);
	/* The newer one installs. */
	cr_assert_eq(accept_full(dk, c2, T0 + (1ull << 32), 0, 0, &out), MIPHA_DK_APPLY);
	cr_assert_eq(out.code, MIP_CODE_ACCEPTED);
	cr_assert_eq(out.user, &u2);
	cr_assert_eq(out.inst.last_ident, s.ident);
	cr_assert_eq(dk_gauge(dk, MIPHA_DK_GAUGE_PENDING), 0);
	/* A result for the same cookie again is stale too. */
	cr_assert_eq(accept_full(dk, c2, T0, 0, 0, &out), MIPHA_DK_DROP);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_AAA_DISCARDED), 2);
	mipha_dk_destroy(dk);
	cr_assert_eq(n_released, 1, "nothing pending at destroy");
}

Test(core, pending_table_bounded)
{
	struct mipha_dk_cfg cfg;
	struct mipha_dk *dk;
	struct mipha_dk_out out;
	struct dk_init_spec s;
	struct dk_rrq q;
	char nai[32];
	uint64_t first = 0;

	cfg_base(&cfg);
	cfg.pending_max = 4;
	cfg.release = on_release;
	n_released = 0;
	dk = mk(&cfg);
	for (int i = 0; i < 4; i++) {
		snprintf(nai, sizeof(nai), "u%d@example.net", i);
		dk_init_defaults(&s, nai, T0 + 1);
		cr_assert_eq(send_initial(dk, &s, 1, T0, NULL, &out, &q), MIPHA_DK_AAA);
		if (i == 0)
			first = out.cookie;
	}
	dk_init_defaults(&s, "late@example.net", T0 + 1);
	cr_assert_eq(send_initial(dk, &s, 1, T0, NULL, &out, &q), MIPHA_DK_DROP);
	cr_assert_eq(out.why, MIPHA_DK_CNT_DROP_PENDING_FULL);
	cr_assert_eq(out.rrp_len, 0, "dropped, never denied");
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_DROP_PENDING_FULL), 1);
	cr_assert_eq(dk_gauge(dk, MIPHA_DK_GAUGE_PENDING), 4);
	cr_assert_eq(dk_gauge(dk, MIPHA_DK_GAUGE_PENDING_HIGH), 4);
	cr_assert_eq(dk_gauge(dk, MIPHA_DK_GAUGE_PENDING_MAX), 4);
	/* A superseding RRQ of a pending NAI still fits: it reuses its entry. */
	dk_init_defaults(&s, "u1@example.net", T0 + 2);
	cr_assert_eq(send_initial(dk, &s, 1, T0, NULL, &out, &q), MIPHA_DK_AAA);
	/* One result frees a place. */
	cr_assert_eq(accept_full(dk, first, T0, 0, 0, &out), MIPHA_DK_APPLY);
	dk_init_defaults(&s, "late@example.net", T0 + 3);
	cr_assert_eq(send_initial(dk, &s, 1, T0, NULL, &out, &q), MIPHA_DK_AAA);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_AAA_REQUESTS), 6);
	mipha_dk_destroy(dk);
	cr_assert_eq(n_released, 0, "the caller's pointers were NULL");
}

/* ---- rate limits ---- */

Test(core, rate_limit_per_nai_caps_a_victim_flood)
{
	struct mipha_dk_cfg cfg;
	struct mipha_dk *dk;
	struct mipha_dk_out out;
	struct dk_init_spec s;
	struct dk_rrq q;
	unsigned admitted = 0;

	cfg_base(&cfg);
	cfg.rate_nai = 1;
	cfg.burst_nai = 3;
	cfg.rate_src = 100;
	cfg.burst_src = 100;
	dk = mk(&cfg);
	/* 50 forged RRQs naming the victim, from 50 sources, within one second. */
	for (uint32_t i = 0; i < 50; i++) {
		dk_init_defaults(&s, "victim@example.net", T0 + 1 + i);
		if (send_initial(dk, &s, htonl(0xc6336400 + i), T0, NULL, &out, &q) == MIPHA_DK_AAA)
			admitted++;
		else
			cr_assert_eq(out.why, MIPHA_DK_CNT_DROP_RATE_NAI);
	}
	cr_assert_eq(admitted, 3, "the burst only");
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_DROP_RATE_NAI), 47);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_AAA_REQUESTS), 3);
	/* Other NAIs, from the same sources, are not affected. */
	for (uint32_t i = 0; i < 10; i++) {
		char nai[32];

		snprintf(nai, sizeof(nai), "other%u@example.net", i);
		dk_init_defaults(&s, nai, T0 + 1);
		cr_assert_eq(send_initial(dk, &s, htonl(0xc6336400 + i), T0, NULL, &out, &q),
			     MIPHA_DK_AAA, "%s", nai);
	}
	/* One second later the victim has one token again. */
	dk_init_defaults(&s, "victim@example.net", T0 + (1ull << 32) + 100);
	cr_assert_eq(send_initial(dk, &s, 5, T0 + (1ull << 32), NULL, &out, &q), MIPHA_DK_AAA);
	s.ident++;
	cr_assert_eq(send_initial(dk, &s, 5, T0 + (1ull << 32), NULL, &out, &q), MIPHA_DK_DROP);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_DROP_RATE_SRC), 0);
	mipha_dk_destroy(dk);
}

Test(core, rate_limit_per_source)
{
	struct mipha_dk_cfg cfg;
	struct mipha_dk *dk;
	struct mipha_dk_out out;
	struct dk_init_spec s;
	struct dk_rrq q;
	char nai[32];
	unsigned admitted = 0;

	cfg_base(&cfg);
	cfg.rate_src = 2;
	cfg.burst_src = 5;
	dk = mk(&cfg);
	for (int i = 0; i < 20; i++) {
		snprintf(nai, sizeof(nai), "n%d@example.net", i);
		dk_init_defaults(&s, nai, T0 + 1);
		if (send_initial(dk, &s, ip("203.0.113.66"), T0, NULL, &out, &q) == MIPHA_DK_AAA)
			admitted++;
		else
			cr_assert_eq(out.why, MIPHA_DK_CNT_DROP_RATE_SRC);
	}
	cr_assert_eq(admitted, 5);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_DROP_RATE_SRC), 15);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_DROP_RATE_NAI), 0);
	/* Another source is not affected. */
	dk_init_defaults(&s, "n19@example.net", T0 + 2);
	cr_assert_eq(send_initial(dk, &s, ip("203.0.113.67"), T0, NULL, &out, &q), MIPHA_DK_AAA);
	/* Half a second refills one token at 2/s. */
	dk_init_defaults(&s, "n18@example.net", T0 + 2);
	cr_assert_eq(send_initial(dk, &s, ip("203.0.113.66"), T0 + (1ull << 31), NULL, &out, &q),
		     MIPHA_DK_AAA);
	mipha_dk_destroy(dk);
}

/* ---- replay ---- */

Test(core, stale_ident_dropped_without_aaa)
{
	struct mipha_dk *dk = mk_base();
	struct mipha_dk_out out;
	struct dk_init_spec s;
	struct dk_rrq q;

	dk_init_defaults(&s, "bob@example.net", T0 + 100);
	reg_ok(dk, &s, T0, &out, &q);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_AAA_REQUESTS), 1);
	/* Not greater than the last accepted (and not an exact copy: other challenge). */
	s.ident = T0 + 100;
	s.coa = ip("192.0.2.99");
	cr_assert_eq(send_initial(dk, &s, 1, T0, NULL, &out, &q), MIPHA_DK_DROP);
	cr_assert_eq(out.why, MIPHA_DK_CNT_DROP_STALE_IDENT);
	s.ident = T0 + 50;
	cr_assert_eq(send_initial(dk, &s, 1, T0, NULL, &out, &q), MIPHA_DK_DROP);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_DROP_STALE_IDENT), 2);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_AAA_REQUESTS), 1, "no AAA exchange");
	/* Not greater than a pending one's either. */
	s.ident = T0 + 200;
	cr_assert_eq(send_initial(dk, &s, 1, T0, NULL, &out, &q), MIPHA_DK_AAA);
	s.ident = T0 + 150;
	cr_assert_eq(send_initial(dk, &s, 1, T0, NULL, &out, &q), MIPHA_DK_DROP);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_DROP_STALE_IDENT), 3);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_SUPERSEDED), 0);
	mipha_dk_destroy(dk);
}

/* ---- AAA failures ---- */

Test(core, reject_timeout_invalid_answer_131_and_install_nothing)
{
	struct mipha_dk *dk = mk_base();
	struct mipha_dk_out out;
	struct dk_init_spec s;
	struct dk_rrq q;
	struct aaa_result res;
	const enum aaa_status st[] = { AAA_REJECT, AAA_TIMEOUT, AAA_REJECT, AAA_FAILED, AAA_ACCEPT };
	const enum aaa_reason why[] = { AAA_REASON_OK, AAA_REASON_OK, AAA_REASON_BAD_RECV_KEY,
					AAA_REASON_OK, AAA_REASON_OK };

	for (int i = 0; i < 5; i++) {
		char nai[32];
		uint64_t cookie;

		snprintf(nai, sizeof(nai), "f%d@example.net", i);
		dk_init_defaults(&s, nai, T0 + 1);
		cr_assert_eq(send_initial(dk, &s, 1, T0, NULL, &out, &q), MIPHA_DK_AAA);
		cookie = out.cookie;
		dk_status(&res, st[i], why[i]);
		if (st[i] == AAA_ACCEPT)
			res.reply.has_success = true;	/* but no MS-MPPE-Recv-Key */
		cr_assert_eq(mipha_dk_aaa_result(dk, cookie, &res, T0, &out), MIPHA_DK_APPLY);
		expect_unsigned(&out, MIP_CODE_MN_FAILED_AUTH);
		cr_assert_eq(out.inst.spi1, 0);
	}
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_AAA_REJECTS), 1);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_AAA_TIMEOUTS), 1);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_AAA_INVALID), 3);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_REPLY_131), 5);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_INSTALLS), 0);
	cr_assert_eq(dk_gauge(dk, MIPHA_DK_GAUGE_MNS), 0);
	cr_assert_eq(dk_gauge(dk, MIPHA_DK_GAUGE_POOL_USED), 0);
	cr_assert_eq(dk_gauge(dk, MIPHA_DK_GAUGE_PENDING), 0);
	mipha_dk_destroy(dk);
}

/* ---- home addresses (spec section 5 step 5) ---- */

Test(core, pool_assigns_lowest_then_130)
{
	struct mipha_dk *dk = mk_base();
	struct mipha_dk_out out;
	struct dk_init_spec s;
	struct dk_rrq q;
	struct mip_msg rrp;
	const char *want[] = { "10.1.0.100", "10.1.0.101", "10.1.0.102", "10.1.0.103" };

	cr_assert_eq(dk_gauge(dk, MIPHA_DK_GAUGE_POOL_FREE), 4);
	for (int i = 0; i < 4; i++) {
		char nai[32];

		snprintf(nai, sizeof(nai), "p%d@example.net", i);
		dk_init_defaults(&s, nai, T0 + 1);
		reg_ok(dk, &s, T0, &out, &q);
		cr_assert_eq(out.inst.home_addr, ip(want[i]), "%s", nai);
		dk_parse_rrp(&out, &rrp);
		cr_assert_eq(rrp.home_addr, ip(want[i]), "the RRP carries the assigned address");
		cr_assert(mipha_dk_owns(dk, ip(want[i])));
	}
	cr_assert_eq(dk_gauge(dk, MIPHA_DK_GAUGE_POOL_USED), 4);
	cr_assert_eq(dk_gauge(dk, MIPHA_DK_GAUGE_POOL_FREE), 0);
	dk_init_defaults(&s, "p4@example.net", T0 + 1);
	cr_assert_eq(reg_code(dk, &s, T0, 0, &out), MIP_CODE_INSUFFICIENT_RESOURCES);
	expect_unsigned(&out, MIP_CODE_INSUFFICIENT_RESOURCES);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_REPLY_130), 1);
	cr_assert_eq(dk_gauge(dk, MIPHA_DK_GAUGE_MNS), 4);
	/* The same MN registering again keeps its address. */
	dk_init_defaults(&s, "p2@example.net", T0 + 5);
	reg_ok(dk, &s, T0, &out, &q);
	cr_assert_eq(out.inst.home_addr, ip("10.1.0.102"));
	cr_assert_eq(out.old_home, 0);
	cr_assert_eq(dk_gauge(dk, MIPHA_DK_GAUGE_POOL_USED), 4);
	mipha_dk_destroy(dk);
}

Test(core, address_of_another_nai_or_outside_129)
{
	struct mipha_dk *dk = mk_base();
	struct mipha_dk_out out;
	struct dk_init_spec s;
	struct dk_rrq q;

	dk_init_defaults(&s, "owner@example.net", T0 + 1);
	s.home = ip("10.1.0.101");
	reg_ok(dk, &s, T0, &out, &q);
	cr_assert_eq(out.inst.home_addr, ip("10.1.0.101"), "requested pool address granted");
	dk_init_defaults(&s, "thief@example.net", T0 + 1);
	s.home = ip("10.1.0.101");
	cr_assert_eq(reg_code(dk, &s, T0, 0, &out), MIP_CODE_ADMIN_PROHIBITED);
	expect_unsigned(&out, MIP_CODE_ADMIN_PROHIBITED);
	/* Outside the pool and not configured for this NAI. */
	dk_init_defaults(&s, "thief@example.net", T0 + 2);
	s.home = ip("10.9.9.9");
	cr_assert_eq(reg_code(dk, &s, T0, 0, &out), MIP_CODE_ADMIN_PROHIBITED);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_REPLY_129), 2);
	cr_assert_eq(dk_gauge(dk, MIPHA_DK_GAUGE_MNS), 1);
	cr_assert_eq(dk_gauge(dk, MIPHA_DK_GAUGE_POOL_USED), 1);
	/* Moving the owner to another pool address frees the old one. */
	dk_init_defaults(&s, "owner@example.net", T0 + 3);
	s.home = ip("10.1.0.103");
	reg_ok(dk, &s, T0, &out, &q);
	cr_assert_eq(out.old_home, ip("10.1.0.101"), "the caller removes the old binding");
	cr_assert_eq(out.old_spi, 4097);
	cr_assert_eq(dk_gauge(dk, MIPHA_DK_GAUGE_POOL_USED), 1);
	cr_assert_not(mipha_dk_owns(dk, ip("10.1.0.101")));
	mipha_dk_destroy(dk);
}

Test(core, framed_ip_address_wins_or_129)
{
	struct mipha_dk *dk = mk_base();
	struct mipha_dk_out out;
	struct dk_init_spec s;

	dk_init_defaults(&s, "framed@example.net", T0 + 1);
	s.home = ip("10.1.0.100");
	cr_assert_eq(reg_code(dk, &s, T0, ip("10.2.0.50"), &out), MIP_CODE_ADMIN_PROHIBITED);
	expect_unsigned(&out, MIP_CODE_ADMIN_PROHIBITED);
	s.home = 0;
	s.ident++;
	cr_assert_eq(reg_code(dk, &s, T0, ip("10.2.0.50"), &out), MIP_CODE_ACCEPTED);
	cr_assert_eq(out.inst.home_addr, ip("10.2.0.50"));
	s.home = ip("10.2.0.50");
	s.ident++;
	cr_assert_eq(reg_code(dk, &s, T0, ip("10.2.0.50"), &out), MIP_CODE_ACCEPTED);
	cr_assert_eq(dk_gauge(dk, MIPHA_DK_GAUGE_POOL_USED), 0, "not a pool address");
	/* Asking for the address it holds, with no Framed-IP-Address this time. */
	s.ident++;
	cr_assert_eq(reg_code(dk, &s, T0, 0, &out), MIP_CODE_ACCEPTED);
	cr_assert_eq(out.inst.home_addr, ip("10.2.0.50"));
	/* Framed-IP-Address of an address bound to another NAI. */
	dk_init_defaults(&s, "other@example.net", T0 + 1);
	cr_assert_eq(reg_code(dk, &s, T0, ip("10.2.0.50"), &out), MIP_CODE_ADMIN_PROHIBITED);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_REPLY_129), 2);
	mipha_dk_destroy(dk);
}

Test(core, configured_assignment)
{
	struct mipha_dk_cfg cfg;
	struct mipha_dk *dk;
	struct mipha_dk_out out;
	struct dk_init_spec s;
	struct mipha_dk_assign as[] = { { "fixed@example.net", 0 } };

	as[0].home_addr = ip("10.7.7.7");
	cfg_base(&cfg);
	cfg.assign = as;
	cfg.n_assign = 1;
	dk = mk(&cfg);
	dk_init_defaults(&s, "fixed@example.net", T0 + 1);
	cr_assert_eq(reg_code(dk, &s, T0, 0, &out), MIP_CODE_ACCEPTED);
	cr_assert_eq(out.inst.home_addr, ip("10.7.7.7"), "0.0.0.0 gets the configured address");
	s.home = ip("10.7.7.7");
	s.ident++;
	cr_assert_eq(reg_code(dk, &s, T0, 0, &out), MIP_CODE_ACCEPTED);
	dk_init_defaults(&s, "else@example.net", T0 + 1);
	s.home = ip("10.7.7.7");
	cr_assert_eq(reg_code(dk, &s, T0, 0, &out), MIP_CODE_ADMIN_PROHIBITED);
	mipha_dk_destroy(dk);
}

/* ---- lifetimes ---- */

Test(core, session_timeout_caps_lifetime_rekey_and_continuation)
{
	struct mipha_dk_cfg cfg;
	struct mipha_dk *dk;
	struct mipha_dk_out out;
	struct mipha_dk_mn_view v;
	struct dk_init_spec s;
	struct dk_later_spec ls;
	struct dk_rrq q;
	struct mip_msg rrp;
	struct mip_key skey;
	uint64_t cookie;

	cfg_base(&cfg);
	cfg.max_lifetime = 1000;
	cfg.key_continuation = 3600;
	dk = mk(&cfg);
	dk_init_defaults(&s, "sess@example.net", T0 + 1);
	s.lifetime = 1800;
	cr_assert_eq(send_initial(dk, &s, 1, T0, NULL, &out, &q), MIPHA_DK_AAA);
	cookie = out.cookie;
	skey_of(&q, &skey);
	cr_assert_eq(accept_full(dk, cookie, T0, 0, 600, &out), MIPHA_DK_APPLY);
	cr_assert_eq(out.inst.lifetime, 600, "min(1800, 1000, Session-Timeout 600)");
	dk_parse_rrp(&out, &rrp);
	cr_assert_eq(rrp.lifetime, 600);
	cr_assert(mip_auth_verify(&rrp, MIP_ALG_HMAC_MD5, &skey));
	cr_assert(mipha_dk_mn_view(dk, "sess@example.net", &v));
	cr_assert_eq(v.session_end, mip_ntp_sec(T0) + 600);

	/* A rekey 500 s in gets what is left of the session: 100 s. */
	memset(&ls, 0, sizeof(ls));
	ls.nai = "sess@example.net";
	ls.home = out.inst.home_addr;
	ls.coa = ip("192.0.2.78");
	ls.ident = dk_at(T0, 500);
	ls.lifetime = 900;
	ls.ks2_spi = 4098;
	ls.ks2_alg = MIP_ALG_HMAC_MD5;
	ls.spi = 4097;
	ls.alg = MIP_ALG_HMAC_MD5;
	ls.key = &skey;
	dk_build_later(&q, &ls);
	cr_assert_eq(mipha_dk_rekey(dk, &q.m, ls.ident, &out), MIPHA_DK_APPLY);
	cr_assert_eq(out.code, MIP_CODE_ACCEPTED);
	cr_assert_eq(out.inst.lifetime, 100);

	/* Expiry at 600 s: the session is over, so no continuation is kept. */
	cr_assert_eq(mipha_dk_expire(dk, ls.home, dk_at(T0, 600), &out), MIPHA_DK_APPLY);
	cr_assert_eq(out.binding_op, MIPHA_DK_OP_REMOVE);
	cr_assert_eq(out.sa_op, MIPHA_DK_OP_REMOVE);
	cr_assert_eq(out.rrp_len, 0);
	cr_assert_not(mipha_dk_mn_view(dk, "sess@example.net", &v));
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_CONTINUATIONS_KEPT), 0);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_EXPIRIES), 1);
	mip_wipe(&skey, sizeof(skey));
	mipha_dk_destroy(dk);
}

Test(core, rekey_after_session_end_is_refused_signed)
{
	struct mipha_dk *dk = mk_base();
	struct mipha_dk_out out;
	struct dk_init_spec s;
	struct dk_later_spec ls;
	struct dk_rrq q;
	struct mip_msg rrp;
	struct mip_key skey;
	uint64_t cookie;
	uint32_t home;

	dk_init_defaults(&s, "late@example.net", T0 + 1);
	cr_assert_eq(send_initial(dk, &s, 1, T0, NULL, &out, &q), MIPHA_DK_AAA);
	cookie = out.cookie;
	skey_of(&q, &skey);
	cr_assert_eq(accept_full(dk, cookie, T0, 0, 60, &out), MIPHA_DK_APPLY);
	home = out.inst.home_addr;
	memset(&ls, 0, sizeof(ls));
	ls.nai = "late@example.net";
	ls.home = home;
	ls.coa = ip("192.0.2.78");
	ls.ident = dk_at(T0, 61);
	ls.lifetime = 60;
	ls.ks2_spi = 4098;
	ls.ks2_alg = MIP_ALG_HMAC_MD5;
	ls.spi = 4097;
	ls.alg = MIP_ALG_HMAC_MD5;
	ls.key = &skey;
	dk_build_later(&q, &ls);
	cr_assert_eq(mipha_dk_rekey(dk, &q.m, ls.ident, &out), MIPHA_DK_APPLY);
	cr_assert_eq(out.code, MIP_CODE_ADMIN_PROHIBITED);
	dk_parse_rrp(&out, &rrp);
	cr_assert(mip_auth_verify(&rrp, MIP_ALG_HMAC_MD5, &skey),
		  "an authenticated denial: the MN starts a new initial registration");
	cr_assert_eq(out.binding_op, MIPHA_DK_OP_REMOVE);
	cr_assert_eq(out.sa_op, MIPHA_DK_OP_REMOVE);
	cr_assert_eq(out.inst.home_addr, home);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_SESSION_ENDED), 1);
	cr_assert_eq(dk_gauge(dk, MIPHA_DK_GAUGE_MNS), 0);
	mip_wipe(&skey, sizeof(skey));
	mipha_dk_destroy(dk);
}

/* ---- variants and policy ---- */

Test(core, single_key_variant)
{
	struct mipha_dk_cfg cfg;
	struct mipha_dk *dk;
	struct mipha_dk_out out;
	struct dk_init_spec s;
	struct dk_later_spec ls;
	struct dk_rrq q;
	struct mip_msg rrp;
	struct mip_key skey;
	uint64_t cookie;

	cfg_base(&cfg);
	cfg.key_continuation = 300;
	dk = mk(&cfg);
	dk_hook_on();
	dk_init_defaults(&s, "one@example.net", T0 + 1);
	s.spi2 = 0;
	cr_assert_eq(send_initial(dk, &s, 1, T0, NULL, &out, &q), MIPHA_DK_AAA);
	cookie = out.cookie;
	skey_of(&q, &skey);
	cr_assert_eq(accept_full(dk, cookie, T0, 0, 0, &out), MIPHA_DK_APPLY);
	cr_assert_eq(out.code, MIP_CODE_ACCEPTED);
	cr_assert(out.inst.single_key);
	cr_assert_eq(out.inst.spi2, 0);
	cr_assert_arr_eq(out.inst.skey.b, skey.b, 16);
	dk_parse_rrp(&out, &rrp);
	cr_assert_not(rrp.present & MIP_HAS_KEY_REQ_S2);
	cr_assert_not(rrp.present & MIP_HAS_KEY_CONTINUATION, "not offered in single-key");
	cr_assert(rrp.present & MIP_HAS_AUTH_RESPONSE);
	cr_assert(mip_auth_verify(&rrp, MIP_ALG_HMAC_MD5, &skey));

	/* No rekey in the single-key variant: 134 signed with Skey. */
	memset(&ls, 0, sizeof(ls));
	ls.nai = "one@example.net";
	ls.home = out.inst.home_addr;
	ls.coa = ip("192.0.2.78");
	ls.ident = dk_at(T0, 5);
	ls.lifetime = 60;
	ls.ks2_spi = 4098;
	ls.ks2_alg = MIP_ALG_HMAC_MD5;
	ls.spi = 4097;
	ls.alg = MIP_ALG_HMAC_MD5;
	ls.key = &skey;
	dk_build_later(&q, &ls);
	cr_assert_eq(mipha_dk_rekey(dk, &q.m, ls.ident, &out), MIPHA_DK_APPLY);
	cr_assert_eq(out.code, MIP_CODE_POORLY_FORMED);
	cr_assert_eq(out.binding_op, MIPHA_DK_OP_NONE);
	dk_parse_rrp(&out, &rrp);
	cr_assert(mip_auth_verify(&rrp, MIP_ALG_HMAC_MD5, &skey));

	/* Deregistration: everything wiped, no Skey_next. */
	ls.ks2_spi = 0;
	ls.lifetime = 0;
	ls.ident = dk_at(T0, 6);
	dk_build_later(&q, &ls);
	cr_assert_eq(mipha_dk_dereg(dk, &q.m, ls.ident, &out), MIPHA_DK_APPLY);
	cr_assert_eq(out.binding_op, MIPHA_DK_OP_REMOVE);
	cr_assert_eq(out.sa_op, MIPHA_DK_OP_REMOVE);
	cr_assert_eq(out.inst.spi1, 4097, "the SPI to find the SA by");
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_CONTINUATIONS_KEPT), 0);
	cr_assert_eq(dk_gauge(dk, MIPHA_DK_GAUGE_MNS), 0);
	cr_assert_eq(dk_gauge(dk, MIPHA_DK_GAUGE_POOL_USED), 0);
	cr_assert_eq(dk_frees, 1, "the record went through mip_secret_free (wiped)");
	cr_assert_eq(dk_dirty_frees, 0);
	dk_hook_off();
	mip_wipe(&skey, sizeof(skey));
	mipha_dk_destroy(dk);
}

Test(core, disallowed_algorithm_134_without_aaa)
{
	struct mipha_dk_cfg cfg;
	struct mipha_dk *dk;
	struct mipha_dk_out out;
	struct dk_init_spec s;
	struct dk_rrq q;

	dk = mk_base();
	dk_init_defaults(&s, "md5@example.net", T0 + 1);
	s.alg1 = MIP_ALG_KEYED_MD5;
	cr_assert_eq(send_initial(dk, &s, 1, T0, NULL, &out, &q), MIPHA_DK_APPLY);
	expect_unsigned(&out, MIP_CODE_POORLY_FORMED);
	s.alg1 = MIP_ALG_HMAC_MD5;
	s.alg2 = MIP_ALG_KEYED_MD5;
	cr_assert_eq(send_initial(dk, &s, 1, T0, NULL, &out, &q), MIPHA_DK_APPLY);
	expect_unsigned(&out, MIP_CODE_POORLY_FORMED);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_REPLY_134), 2);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_AAA_REQUESTS), 0);
	mipha_dk_destroy(dk);

	/* A policy that allows keyed-MD5: the reply is signed with it. */
	cfg_base(&cfg);
	cfg.dynamic_algorithms |= MIPHA_DK_ALG_BIT(MIP_ALG_KEYED_MD5);
	dk = mk(&cfg);
	dk_init_defaults(&s, "md5@example.net", T0 + 1);
	s.alg1 = MIP_ALG_KEYED_MD5;
	{
		struct mip_key skey;
		struct mip_msg rrp;
		uint64_t cookie;

		cr_assert_eq(send_initial(dk, &s, 1, T0, NULL, &out, &q), MIPHA_DK_AAA);
		cookie = out.cookie;
		skey_of(&q, &skey);
		cr_assert_eq(accept_full(dk, cookie, T0, 0, 0, &out), MIPHA_DK_APPLY);
		cr_assert_eq(out.inst.alg, MIP_ALG_KEYED_MD5);
		dk_parse_rrp(&out, &rrp);
		cr_assert(mip_auth_verify(&rrp, MIP_ALG_KEYED_MD5, &skey));
		mip_wipe(&skey, sizeof(skey));
	}
	mipha_dk_destroy(dk);
}

static bool static_4097_at_102(uint32_t home, const char *nai, size_t nai_len, uint32_t spi,
			       void *arg)
{
	(void)arg;
	/* And an SA by NAI alone: nai4097@example.net, SPI 4097. */
	if (nai != NULL && nai_len == strlen("nai4097@example.net") &&
	    memcmp(nai, "nai4097@example.net", nai_len) == 0)
		return spi == 4097;
	return spi == 4097 && home == ip("10.1.0.102");
}

Test(core, static_sa_collision_134)
{
	struct mipha_dk_cfg cfg;
	struct mipha_dk *dk;
	struct mipha_dk_out out;
	struct dk_init_spec s;
	struct dk_rrq q;

	cfg_base(&cfg);
	cfg.static_sa_exists = static_4097_at_102;
	dk = mk(&cfg);
	dk_init_defaults(&s, "st@example.net", T0 + 1);
	s.home = ip("10.1.0.102");
	cr_assert_eq(send_initial(dk, &s, 1, T0, NULL, &out, &q), MIPHA_DK_APPLY);
	expect_unsigned(&out, MIP_CODE_POORLY_FORMED);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_AAA_REQUESTS), 0);
	/* Other SPIs at that address are fine. */
	s.spi1 = 5000;
	s.ident++;
	cr_assert_eq(reg_code(dk, &s, T0, 0, &out), MIP_CODE_ACCEPTED);
	/* Known only after the AAA exchange (Framed-IP-Address): refused then. */
	dk_init_defaults(&s, "st2@example.net", T0 + 1);
	mipha_dk_destroy(dk);
	dk = mk(&cfg);
	cr_assert_eq(reg_code(dk, &s, T0, ip("10.1.0.102"), &out), MIP_CODE_POORLY_FORMED);
	expect_unsigned(&out, MIP_CODE_POORLY_FORMED);
	cr_assert_eq(dk_gauge(dk, MIPHA_DK_GAUGE_MNS), 0);
	cr_assert_eq(dk_gauge(dk, MIPHA_DK_GAUGE_POOL_USED), 0);
	mipha_dk_destroy(dk);
}

/* Spec section 9: an NAI's SA configured by NAI alone collides too (any home address). */
Test(core, static_nai_sa_collision_134)
{
	struct mipha_dk_cfg cfg;
	struct mipha_dk *dk;
	struct mipha_dk_out out;
	struct dk_init_spec s;
	struct dk_rrq q;

	cfg_base(&cfg);
	cfg.static_sa_exists = static_4097_at_102;
	dk = mk(&cfg);
	dk_init_defaults(&s, "nai4097@example.net", T0 + 1);
	cr_assert_eq(s.home, 0);
	cr_assert_eq(send_initial(dk, &s, 1, T0, NULL, &out, &q), MIPHA_DK_APPLY);
	expect_unsigned(&out, MIP_CODE_POORLY_FORMED);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_REPLY_134), 1);
	/* SPI2 colliding is refused the same way. */
	s.spi1 = 5000;
	s.spi2 = 4097;
	s.ident++;
	cr_assert_eq(send_initial(dk, &s, 1, T0, NULL, &out, &q), MIPHA_DK_APPLY);
	expect_unsigned(&out, MIP_CODE_POORLY_FORMED);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_AAA_REQUESTS), 0);
	/* Another NAI with that SPI is not this MN: it goes to the AAA server. */
	dk_init_defaults(&s, "other@example.net", T0 + 1);
	cr_assert_eq(send_initial(dk, &s, 1, T0, NULL, &out, &q), MIPHA_DK_AAA);
	mipha_dk_out_wipe(&out);
	mipha_dk_destroy(dk);
}

Test(core, initial_lifetime_zero_134)
{
	struct mipha_dk *dk = mk_base();
	struct mipha_dk_out out;
	struct dk_init_spec s;
	struct dk_rrq q;

	dk_init_defaults(&s, "zero@example.net", T0 + 1);
	s.lifetime = 0;
	cr_assert_eq(send_initial(dk, &s, 1, T0, NULL, &out, &q), MIPHA_DK_APPLY);
	expect_unsigned(&out, MIP_CODE_POORLY_FORMED);
	mipha_dk_destroy(dk);
}

Test(core, request_fields_domain_and_simultaneous_bindings)
{
	struct mipha_dk *dk = mk_base();
	struct mipha_dk_out out;
	struct dk_init_spec s;
	struct dk_rrq q;
	uint8_t pc[16];
	uint64_t cookie;

	dk_init_defaults(&s, "dom@example.net", T0 + 1);
	s.domain = "CORP";
	s.home = ip("10.1.0.101");
	s.coa = ip("198.51.100.200");
	s.flags = MIP_FLAG_S;
	cr_assert_eq(send_initial(dk, &s, 1, T0, NULL, &out, &q), MIPHA_DK_AAA);
	cr_assert_str_eq(out.req.nai, "dom@example.net");
	cr_assert_str_eq(out.req.domain, "CORP");
	cr_assert_eq(out.req.home_addr, ip("10.1.0.101"));
	cr_assert_eq(out.req.care_of, ip("198.51.100.200"));
	cr_assert_arr_eq(out.req.auth_challenge, q.m.auth_challenge, 16);
	cr_assert_arr_eq(out.req.nt_response, q.m.mhae.auth.p, 24);
	mip_peer_challenge(&q.m, pc);
	cr_assert_arr_eq(out.req.peer_challenge, pc, 16);
	cookie = out.cookie;
	cr_assert_eq(accept_full(dk, cookie, T0, 0, 0, &out), MIPHA_DK_APPLY);
	cr_assert_eq(out.code, MIP_CODE_ACCEPTED_NO_SIMUL, "S asked: code 1");
	cr_assert_eq(out.inst.flags, MIP_FLAG_S);
	mipha_dk_destroy(dk);
}

/* ---- duplicates and the previous Skey' ---- */

Test(core, duplicate_gets_cached_reply_before_replay)
{
	struct mipha_dk *dk = mk_base();
	struct mipha_dk_out out, first;
	struct dk_init_spec s;
	struct dk_later_spec ls;
	struct dk_rrq q, rk;
	struct mip_key skey;
	uint64_t cookie;

	dk_init_defaults(&s, "dup@example.net", T0 + 1);
	cr_assert_eq(send_initial(dk, &s, 1, T0, NULL, &out, &q), MIPHA_DK_AAA);
	cookie = out.cookie;
	skey_of(&q, &skey);
	cr_assert_eq(accept_full(dk, cookie, T0, 0, 0, &first), MIPHA_DK_APPLY);
	/* The very same bytes again: the same reply, no AAA, no table op. */
	cr_assert_eq(mipha_dk_initial(dk, &q.m, 1, dk_at(T0, 2), NULL, &out), MIPHA_DK_APPLY);
	cr_assert_eq(out.rrp_len, first.rrp_len);
	cr_assert_arr_eq(out.rrp, first.rrp, first.rrp_len);
	cr_assert_eq(out.binding_op, MIPHA_DK_OP_NONE);
	cr_assert_eq(out.sa_op, MIPHA_DK_OP_NONE);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_DUPLICATES), 1);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_AAA_REQUESTS), 1);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_DROP_STALE_IDENT), 0);
	/* One byte different (care-of): stale, dropped. */
	q.buf[15] ^= 1;
	dk_parse(&q);
	cr_assert_eq(mipha_dk_initial(dk, &q.m, 1, T0, NULL, &out), MIPHA_DK_DROP);
	cr_assert_eq(out.why, MIPHA_DK_CNT_DROP_STALE_IDENT);

	/* A rekey, then its copy. */
	memset(&ls, 0, sizeof(ls));
	ls.nai = "dup@example.net";
	ls.home = first.inst.home_addr;
	ls.coa = ip("192.0.2.78");
	ls.ident = dk_at(T0, 3);
	ls.lifetime = 60;
	ls.ks2_spi = 4098;
	ls.ks2_alg = MIP_ALG_HMAC_MD5;
	ls.spi = 4097;
	ls.alg = MIP_ALG_HMAC_MD5;
	ls.key = &skey;
	dk_build_later(&rk, &ls);
	cr_assert_eq(mipha_dk_rekey(dk, &rk.m, ls.ident, &first), MIPHA_DK_APPLY);
	cr_assert_eq(mipha_dk_rekey(dk, &rk.m, ls.ident, &out), MIPHA_DK_APPLY);
	cr_assert_arr_eq(out.rrp, first.rrp, first.rrp_len);
	cr_assert_eq(out.sa_op, MIPHA_DK_OP_NONE, "no second rekey");
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_REKEYS), 1);
	/* The dataplane's DUPLICATE class asks the same. */
	cr_assert_eq(mipha_dk_duplicate(dk, &rk.m, &out), MIPHA_DK_APPLY);
	cr_assert_arr_eq(out.rrp, first.rrp, first.rrp_len);
	cr_assert_eq(mipha_dk_duplicate(dk, &q.m, &out), MIPHA_DK_DROP);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_DUPLICATES), 3);
	mip_wipe(&skey, sizeof(skey));
	mipha_dk_destroy(dk);
}

/* What a worker accepted last (the SA's replay state), as the control lcore reports it. */
static uint64_t dp_last;

static uint64_t dp_last_ident(uint32_t home, uint32_t spi1, uint32_t spi2, void *arg)
{
	(void)home;
	(void)spi1;
	(void)spi2;
	(void)arg;
	return dp_last;
}

Test(core, copy_of_an_rrq_no_longer_the_last_accepted_is_stale)
{
	struct mipha_dk_cfg cfg;
	struct mipha_dk *dk;
	struct mipha_dk_out out;
	struct dk_init_spec s;
	struct dk_rrq q;

	cfg_base(&cfg);
	cfg.last_ident = dp_last_ident;
	dp_last = 0;
	dk = mk(&cfg);
	dk_init_defaults(&s, "rr@example.net", T0 + 1);
	reg_ok(dk, &s, T0, &out, &q);
	/* Still the last accepted: the cached reply. */
	dp_last = T0 + 1;
	cr_assert_eq(mipha_dk_initial(dk, &q.m, 1, T0, NULL, &out), MIPHA_DK_APPLY);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_DUPLICATES), 1);
	/* A worker accepted a re-registration since: the copy is an old RRQ now. */
	dp_last = dk_at(T0, 5);
	cr_assert_eq(mipha_dk_initial(dk, &q.m, 1, dk_at(T0, 6), NULL, &out), MIPHA_DK_DROP);
	cr_assert_eq(out.why, MIPHA_DK_CNT_DROP_STALE_IDENT);
	cr_assert_eq(out.rrp_len, 0);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_DUPLICATES), 1);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_AAA_REQUESTS), 1, "no AAA exchange");
	/* A new initial RRQ older than what the worker accepted: stale too. */
	s.ident = dk_at(T0, 4);
	cr_assert_eq(send_initial(dk, &s, 1, dk_at(T0, 6), NULL, &out, &q), MIPHA_DK_DROP);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_DROP_STALE_IDENT), 2);
	mipha_dk_destroy(dk);
}

Test(core, previous_skey2_until_the_new_one_is_used)
{
	struct mipha_dk *dk = mk_base();
	struct mipha_dk_out out;
	struct dk_init_spec s;
	struct dk_later_spec ls;
	struct dk_rrq q;
	struct mip_msg rrp;
	struct mip_key skey, old2;
	struct mipha_dk_mn_view v;
	uint64_t cookie;
	uint32_t home;

	dk_init_defaults(&s, "prev@example.net", T0 + 1);
	cr_assert_eq(send_initial(dk, &s, 1, T0, NULL, &out, &q), MIPHA_DK_AAA);
	cookie = out.cookie;
	skey_of(&q, &skey);
	cr_assert_eq(accept_full(dk, cookie, T0, 0, 0, &out), MIPHA_DK_APPLY);
	old2 = out.inst.skey2;
	home = out.inst.home_addr;
	/* Rekey (its reply is lost). */
	memset(&ls, 0, sizeof(ls));
	ls.nai = "prev@example.net";
	ls.home = home;
	ls.coa = ip("192.0.2.78");
	ls.ident = dk_at(T0, 10);
	ls.lifetime = 300;
	ls.ks2_spi = 4098;
	ls.ks2_alg = MIP_ALG_HMAC_MD5;
	ls.spi = 4097;
	ls.alg = MIP_ALG_HMAC_MD5;
	ls.key = &skey;
	dk_build_later(&q, &ls);
	cr_assert_eq(mipha_dk_rekey(dk, &q.m, ls.ident, &out), MIPHA_DK_APPLY);
	cr_assert(out.inst.has_prev);
	cr_assert_arr_eq(out.inst.prev.b, old2.b, 16);
	/* A second rekey before the MN used the first: prev is still what the MN holds. */
	ls.ident = dk_at(T0, 11);
	dk_build_later(&q, &ls);
	cr_assert_eq(mipha_dk_rekey(dk, &q.m, ls.ident, &out), MIPHA_DK_APPLY);
	cr_assert_arr_eq(out.inst.prev.b, old2.b, 16);
	/* The MN re-registers with its old Skey' (worker: AUTH_PREV). */
	ls.ks2_spi = 0;
	ls.spi = 4098;
	ls.key = &old2;
	ls.coa = ip("192.0.2.79");
	ls.ident = dk_at(T0, 20);
	dk_build_later(&q, &ls);
	cr_assert_eq(mipha_dk_auth_prev(dk, &q.m, ls.ident, &out), MIPHA_DK_APPLY);
	cr_assert_eq(out.code, MIP_CODE_ACCEPTED);
	cr_assert_eq(out.binding_op, MIPHA_DK_OP_SET);
	cr_assert_eq(out.inst.coa, ip("192.0.2.79"));
	dk_parse_rrp(&out, &rrp);
	cr_assert_eq(rrp.mhae.spi, 4098);
	cr_assert(mip_auth_verify(&rrp, MIP_ALG_HMAC_MD5, &old2), "signed with the previous Skey'");
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_PREV_ACCEPTED), 1);
	/* A replayed one (older Identification) gets 133 signed with it. */
	ls.ident = dk_at(T0, 15);
	dk_build_later(&q, &ls);
	cr_assert_eq(mipha_dk_auth_prev(dk, &q.m, dk_at(T0, 21), &out), MIPHA_DK_APPLY);
	cr_assert_eq(out.code, MIP_CODE_ID_MISMATCH);
	dk_parse_rrp(&out, &rrp);
	cr_assert(mip_auth_verify(&rrp, MIP_ALG_HMAC_MD5, &old2));
	cr_assert_eq(rrp.ident >> 32, mip_ntp_sec(dk_at(T0, 21)));
	/* A forged one is dropped. */
	{
		struct mip_key bad = old2;

		bad.b[0] ^= 1;
		ls.key = &bad;
		ls.ident = dk_at(T0, 22);
		dk_build_later(&q, &ls);
		cr_assert_eq(mipha_dk_auth_prev(dk, &q.m, ls.ident, &out), MIPHA_DK_DROP);
		cr_assert_eq(out.why, MIPHA_DK_CNT_DROP_BAD_MHAE);
		ls.key = &old2;
	}
	/* The MN finally uses the new one: the worker says so, prev is wiped. */
	mipha_dk_prev_retired(dk, home);
	cr_assert(mipha_dk_mn_view(dk, "prev@example.net", &v));
	cr_assert_not(v.has_prev);
	{
		struct mip_key zero = { { 0 } };

		cr_assert_arr_eq(v.prev->b, zero.b, 16);
	}
	ls.ident = dk_at(T0, 30);
	dk_build_later(&q, &ls);
	cr_assert_eq(mipha_dk_auth_prev(dk, &q.m, ls.ident, &out), MIPHA_DK_DROP);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_PREV_RETIRED), 1);
	mip_wipe(&skey, sizeof(skey));
	mip_wipe(&old2, sizeof(old2));
	mipha_dk_destroy(dk);
}

Test(core, rekey_forged_or_unknown_dropped)
{
	struct mipha_dk *dk = mk_base();
	struct mipha_dk_out out;
	struct dk_init_spec s;
	struct dk_later_spec ls;
	struct dk_rrq q;
	struct mip_key bad = { { 1, 2, 3 } };

	dk_init_defaults(&s, "rk@example.net", T0 + 1);
	reg_ok(dk, &s, T0, &out, &q);
	memset(&ls, 0, sizeof(ls));
	ls.nai = "rk@example.net";
	ls.home = out.inst.home_addr;
	ls.coa = ip("192.0.2.78");
	ls.ident = dk_at(T0, 3);
	ls.lifetime = 60;
	ls.ks2_spi = 4098;
	ls.ks2_alg = MIP_ALG_HMAC_MD5;
	ls.spi = 4097;
	ls.alg = MIP_ALG_HMAC_MD5;
	ls.key = &bad;
	dk_build_later(&q, &ls);
	cr_assert_eq(mipha_dk_rekey(dk, &q.m, ls.ident, &out), MIPHA_DK_DROP);
	cr_assert_eq(out.why, MIPHA_DK_CNT_DROP_BAD_MHAE);
	ls.nai = "nobody@example.net";
	dk_build_later(&q, &ls);
	cr_assert_eq(mipha_dk_rekey(dk, &q.m, ls.ident, &out), MIPHA_DK_DROP);
	cr_assert_eq(out.why, MIPHA_DK_CNT_DROP_UNKNOWN_MN);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_REKEYS), 0);
	mipha_dk_destroy(dk);
}

/* ---- expiry, continuation end, wiping ---- */

Test(core, expiry_keeps_skey_next_until_retention_ends)
{
	struct mipha_dk_cfg cfg;
	struct mipha_dk *dk;
	struct mipha_dk_out out;
	struct mipha_dk_mn_view v;
	struct dk_init_spec s;
	struct dk_rrq q;
	struct mip_key skey, want;
	uint64_t cookie;
	uint32_t home;

	cfg_base(&cfg);
	cfg.key_continuation = 120;
	dk = mk(&cfg);
	dk_hook_on();
	dk_init_defaults(&s, "exp@example.net", T0 + 1);
	s.lifetime = 60;
	cr_assert_eq(send_initial(dk, &s, 1, T0, NULL, &out, &q), MIPHA_DK_AAA);
	cookie = out.cookie;
	skey_of(&q, &skey);
	cr_assert_eq(accept_full(dk, cookie, T0, 0, 0, &out), MIPHA_DK_APPLY);
	home = out.inst.home_addr;
	cr_assert_not(mipha_dk_timers(dk, dk_at(T0, 1000), &out), "nothing to time while bound");

	cr_assert_eq(mipha_dk_expire(dk, home, dk_at(T0, 60), &out), MIPHA_DK_APPLY);
	cr_assert_eq(out.binding_op, MIPHA_DK_OP_REMOVE);
	cr_assert_eq(out.sa_op, MIPHA_DK_OP_SET);
	mip_derive_skey_next(&skey, T0 + 1, &want);
	cr_assert_arr_eq(out.inst.skey.b, want.b, 16, "Skey_next from the initial exchange's ident");
	cr_assert_eq(out.inst.spi2, 0);
	cr_assert(mipha_dk_mn_view(dk, "exp@example.net", &v));
	cr_assert(v.continuing);
	cr_assert_eq(v.continuation_end, mip_ntp_sec(T0) + 60 + 120);
	cr_assert_eq(dk_gauge(dk, MIPHA_DK_GAUGE_CONTINUATIONS), 1);
	/* A second expiry for it is nothing to do. */
	cr_assert_eq(mipha_dk_expire(dk, home, dk_at(T0, 61), &out), MIPHA_DK_DROP);
	cr_assert_not(mipha_dk_timers(dk, dk_at(T0, 179), &out));
	cr_assert(mipha_dk_timers(dk, dk_at(T0, 180), &out));
	cr_assert_eq(out.sa_op, MIPHA_DK_OP_REMOVE);
	cr_assert_eq(out.inst.home_addr, home);
	cr_assert_eq(out.rrp_len, 0);
	cr_assert_eq(out.inst.spi1, 4097);
	cr_assert_not(mipha_dk_timers(dk, dk_at(T0, 180), &out));
	cr_assert_not(mipha_dk_mn_view(dk, "exp@example.net", &v));
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_CONTINUATIONS_ENDED), 1);
	cr_assert_eq(dk_gauge(dk, MIPHA_DK_GAUGE_POOL_USED), 0);
	cr_assert_eq(dk_frees, 1);
	cr_assert_eq(dk_dirty_frees, 0);
	dk_hook_off();
	mip_wipe(&skey, sizeof(skey));
	mip_wipe(&want, sizeof(want));
	mipha_dk_destroy(dk);
}

/* RFC 5176: a bound MN and a continuing one end with every key wiped; misses change nothing. */
Test(core, disconnect_bound_and_continuing)
{
	struct mipha_dk_cfg cfg;
	struct mipha_dk *dk;
	struct mipha_dk_out out;
	struct mipha_dk_mn_view v;
	struct dk_init_spec s;
	struct dk_rrq q;
	uint32_t h1, h2;

	cfg_base(&cfg);
	cfg.key_continuation = 120;
	dk = mk(&cfg);
	dk_hook_on();
	dk_init_defaults(&s, "one@example.net", T0 + 1);
	reg_ok(dk, &s, T0, &out, &q);
	h1 = out.inst.home_addr;
	dk_init_defaults(&s, "two@example.net", T0 + 2);
	s.lifetime = 60;
	reg_ok(dk, &s, T0, &out, &q);
	h2 = out.inst.home_addr;
	cr_assert_eq(mipha_dk_expire(dk, h2, dk_at(T0, 60), &out), MIPHA_DK_APPLY);
	cr_assert(mipha_dk_mn_view(dk, "two@example.net", &v) && v.continuing);

	/* Misses: no such NAI, no such home, the NAI with another MN's home. */
	cr_assert_eq(mipha_dk_disconnect(dk, "three@example.net", 17, 0, &out), MIPHA_DK_DROP);
	cr_assert_eq(out.why, MIPHA_DK_CNT_DROP_UNKNOWN_MN);
	cr_assert_eq(mipha_dk_disconnect(dk, NULL, 0, ip("10.9.9.9"), &out), MIPHA_DK_DROP);
	cr_assert_eq(mipha_dk_disconnect(dk, "one@example.net", 15, h2, &out), MIPHA_DK_DROP);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_DISCONNECTS), 0);
	cr_assert_eq(dk_gauge(dk, MIPHA_DK_GAUGE_MNS), 2);

	/* The bound one, by home address alone: binding and SAs go, no continuation. */
	cr_assert_eq(mipha_dk_disconnect(dk, NULL, 0, h1, &out), MIPHA_DK_APPLY);
	cr_assert_eq(out.binding_op, MIPHA_DK_OP_REMOVE);
	cr_assert_eq(out.sa_op, MIPHA_DK_OP_REMOVE);
	cr_assert_eq(out.inst.home_addr, h1);
	cr_assert_eq(out.inst.spi1, 4097);
	cr_assert_neq(out.inst.spi2, 0);
	cr_assert_eq(out.rrp_len, 0);
	cr_assert_not(mipha_dk_mn_view(dk, "one@example.net", &v));
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_CONTINUATIONS_KEPT), 1, "only two's, at its expiry");

	/* The continuing one, by NAI and home: its SA under Skey_next goes; it has no binding. */
	cr_assert_eq(mipha_dk_disconnect(dk, "two@example.net", 15, h2, &out), MIPHA_DK_APPLY);
	cr_assert_eq(out.binding_op, MIPHA_DK_OP_NONE);
	cr_assert_eq(out.sa_op, MIPHA_DK_OP_REMOVE);
	cr_assert_eq(out.inst.home_addr, h2);
	cr_assert_not(mipha_dk_mn_view(dk, "two@example.net", &v));
	cr_assert_not(mipha_dk_timers(dk, dk_at(T0, 1000), &out), "its retention timer is gone");
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_DISCONNECTS), 2);
	cr_assert_eq(dk_gauge(dk, MIPHA_DK_GAUGE_MNS), 0);
	cr_assert_eq(dk_gauge(dk, MIPHA_DK_GAUGE_CONTINUATIONS), 0);
	cr_assert_eq(dk_gauge(dk, MIPHA_DK_GAUGE_POOL_USED), 0);
	cr_assert_eq(dk_frees, 2);
	cr_assert_eq(dk_dirty_frees, 0, "every key wiped before its memory was freed");
	dk_hook_off();
	mipha_dk_destroy(dk);
}

Test(core, destroy_and_abort_wipe_records)
{
	struct mipha_dk *dk = mk_base();
	struct mipha_dk_out out;
	struct dk_init_spec s;
	struct dk_rrq q;
	struct mip_msg rrp;
	struct mipha_dk_mn_view v;
	const uint8_t zero[sizeof(out)] = { 0 };

	dk_hook_on();
	dk_init_defaults(&s, "ab@example.net", T0 + 1);
	reg_ok(dk, &s, T0, &out, &q);
	/* The tables refused the install: the record goes, the MN gets 130. */
	mipha_dk_abort_install(dk, &out);
	cr_assert_eq(out.action, MIPHA_DK_APPLY);
	expect_unsigned(&out, MIP_CODE_INSUFFICIENT_RESOURCES);
	dk_parse_rrp(&out, &rrp);
	cr_assert_eq(rrp.ident, T0 + 1);
	cr_assert_eq(out.inst.skey.b[0] | out.inst.skey.b[15], 0);
	cr_assert_not(mipha_dk_mn_view(dk, "ab@example.net", &v));
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_INSTALL_ABORTED), 1);
	cr_assert_eq(dk_gauge(dk, MIPHA_DK_GAUGE_POOL_USED), 0);
	cr_assert_eq(dk_frees, 1);
	mipha_dk_out_wipe(&out);
	cr_assert_arr_eq(&out, zero, sizeof(out), "mipha_dk_out_wipe leaves nothing");

	for (int i = 0; i < 3; i++) {
		char nai[32];

		snprintf(nai, sizeof(nai), "w%d@example.net", i);
		dk_init_defaults(&s, nai, T0 + 1);
		reg_ok(dk, &s, T0, &out, &q);
	}
	mipha_dk_destroy(dk);
	cr_assert_eq(dk_frees, 4, "every record wiped on destroy");
	cr_assert_eq(dk_dirty_frees, 0);
	dk_hook_off();
}

Test(core, bad_config_refused)
{
	struct mipha_dk_cfg cfg;
	int err = 0;

	cfg_base(&cfg);
	cfg.pending_max = 0;
	cr_assert_null(mipha_dk_create(&cfg, &err));
	cr_assert_eq(err, -EINVAL);
	cfg_base(&cfg);
	cfg.pool_first = ip("10.1.0.200");
	cfg.pool_last = ip("10.1.0.100");
	cr_assert_null(mipha_dk_create(&cfg, &err));
	cr_assert_eq(err, -EINVAL);
	cfg_base(&cfg);
	cfg.dynamic_algorithms = 0;
	cr_assert_null(mipha_dk_create(&cfg, &err));
	cr_assert_eq(err, -EINVAL);
	cr_assert_str_eq(mipha_dk_counter_name(MIPHA_DK_CNT_DROP_RATE_NAI), "dk_drop_rate_nai");
	cr_assert_str_eq(mipha_dk_gauge_name(MIPHA_DK_GAUGE_POOL_FREE), "dk_pool_free");
}
