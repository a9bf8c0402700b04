/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The registration stage on bursts: the spec example's re-registration
 * answered on the fast path byte for byte as the vector's RRP, duplicates,
 * replay (old, equal, outside tolerance -> 133 with the resync
 * Identification, authenticated), failed authentication, the classes handed
 * to control (initial, rekey, deregistration, new binding, unknown SPI,
 * previous Skey'), 136, and malformed RRQs that never crash, are counted and
 * leave the tables unchanged.
 */
#include <criterion/criterion.h>
#include <string.h>

#include <rte_udp.h>

#include "mip.h"

#include "dp_test.h"

static uint32_t home, ha, coa0, coa1;
static struct mip_key skey, skey2;
static struct mipha_sa *sa;
static struct mipha_binding *bnd;
static uint64_t ident0;

static void setup(void)
{
	uint8_t k[16];

	dp_setup("dp_reg");
	home = dp_ip(dp_vec_str("inputs", "home_address"));
	ha = dp_ip(dp_vec_str("inputs", "home_agent"));
	coa0 = dp_ip(dp_vec_str("inputs", "care_of"));
	coa1 = dp_ip(dp_vec_str("rereg", "care_of"));
	cr_assert_eq(dp_vec_hex("skey", NULL, k, 16), 16);
	memcpy(skey.b, k, 16);
	cr_assert_eq(dp_vec_hex("skey2", NULL, k, 16), 16);
	memcpy(skey2.b, k, 16);
	/* the state after the example's initial registration */
	sa = dp_dynamic_sa(home, (uint32_t)dp_vec_u64("inputs", "spi1"), &skey,
			   (uint32_t)dp_vec_u64("inputs", "spi2"), &skey2);
	cr_assert_eq(mip_ident_from_hex(dp_vec_str("inputs", "identification"), &ident0), 0);
	cr_assert(mipha_sa_replay_advance(sa, 0, ident0));
	cr_assert_eq(mipha_binding_install(dp.bt, home, coa0, mip_ntp_sec(ident0) + 1800,
					   MIP_FLAG_T, 0, &bnd), 0);
}

TestSuite(dp_reg, .init = setup, .fini = dp_teardown);

static void set_clock_hex(const char *hex)
{
	cr_assert_eq(mip_ident_from_hex(hex, &dp.conf.clock.fixed_ntp), 0);
}

static void run1(struct rte_mbuf *m)
{
	mipha_worker_process(&dp.w, &m, 1);
}

/* The single reply waiting on the uplink, checked and returned (payload copied). */
static uint16_t take_reply(uint8_t *out, uint32_t want_dst, uint16_t want_dport)
{
	uint16_t len;

	cr_assert_eq(dp.w.tx[DP_PORT_UP].n, 1, "expected one reply, got %u", dp.w.tx[DP_PORT_UP].n);
	struct rte_mbuf *m = dp.w.tx[DP_PORT_UP].m[0];
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	const uint8_t *p = dp_reply_payload(m, &len);

	cr_assert(rte_is_same_ether_addr(&eth->dst_addr, &dp_mac_peer));
	cr_assert(rte_is_same_ether_addr(&eth->src_addr, &dp_mac_up));
	cr_assert_eq(ip->src_addr, ha);
	cr_assert_eq(ip->dst_addr, want_dst);
	cr_assert_eq(ip->time_to_live, 64);
	cr_assert_eq(udp->dst_port, rte_cpu_to_be_16(want_dport));
	memcpy(out, p, len);
	dp_tx_clear();
	return len;
}

static uint16_t build_rrq(uint8_t *buf, uint8_t flags, uint16_t lifetime, uint32_t rq_home,
			  uint32_t rq_ha, uint32_t rq_coa, uint64_t ident, bool nai, uint32_t spi,
			  enum mip_alg alg, const struct mip_key *key)
{
	struct mip_builder b;
	const char *n = dp_vec_str("inputs", "nai");

	mip_builder_init(&b, buf, 512);
	mip_put_rrq_hdr(&b, flags, lifetime, rq_home, rq_ha, rq_coa, ident);
	if (nai)
		mip_put_nai(&b, n, strlen(n));
	size_t off = mip_put_auth(&b, MIP_EXT_MHAE, spi, 16);

	cr_assert_eq(b.err, 0);
	cr_assert_eq(mip_auth_sign(buf, off, alg, key), 0);
	return (uint16_t)b.len;
}

static struct mipha_ctrl_msg take_msg(void)
{
	struct mipha_ctrl_msg msg;

	cr_assert_eq(mipha_ctrl_recv(dp.ring, &msg, 1), 1, "nothing on the control ring");
	return msg;
}

static void parse_reply(const uint8_t *p, uint16_t len, struct mip_msg *r)
{
	cr_assert_eq(mip_parse(p, len, &dp.conf.parse, r), MIP_OK);
	cr_assert_eq(r->type, MIP_TYPE_RRP);
}

Test(dp_reg, rereg_fast_path_matches_vector)
{
	uint8_t rrq[512], want[512], got[512];
	size_t n = dp_vec_hex("rereg", "rrq", rrq, sizeof(rrq));
	size_t wn = dp_vec_hex("rereg", "rrp", want, sizeof(want));
	uint64_t id;

	set_clock_hex(dp_vec_str("rereg", "identification"));
	cr_assert_eq(mip_ident_from_hex(dp_vec_str("rereg", "identification"), &id), 0);
	run1(dp_frame_rrq(coa1, ha, 6000, rrq, (uint16_t)n));
	cr_assert_eq(take_reply(got, coa1, 6000), wn);
	cr_assert_arr_eq(got, want, wn, "RRP differs from the vector");
	/* binding refreshed in place */
	uint64_t p = mipha_binding_load(bnd);

	cr_assert_eq(mipha_binding_coa(p), coa1);
	cr_assert_eq(mipha_binding_expiry(p), mip_ntp_sec(id) + 1800);
	cr_assert_eq(mipha_sa_last_ident(sa), id);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_REG_ACCEPTED], 1);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_CLS_REG], 1);
	cr_assert_eq(rte_ring_count(dp.ring), 0);

	/* the exact copy again: the same RRP, nothing changed */
	run1(dp_frame_rrq(coa1, ha, 6000, rrq, (uint16_t)n));
	cr_assert_eq(take_reply(got, coa1, 6000), wn);
	cr_assert_arr_eq(got, want, wn);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_REG_DUPLICATE], 1);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_REG_ACCEPTED], 1);

	/* a copy changed after the MHAE (not covered by it): not a duplicate, so replay -> 133 */
	uint8_t rrq2[512];

	memcpy(rrq2, rrq, n);
	rrq2[n] = MIP_EXT_NVSE; /* trailing skippable extension, outside the MHAE */
	rrq2[n + 1] = 8; /* reserved(2), vendor(4), type(2) */
	memset(rrq2 + n + 2, 0, 8);
	run1(dp_frame_rrq(coa1, ha, 6000, rrq2, (uint16_t)n + 10));
	struct mip_msg r;
	uint16_t rl = take_reply(got, coa1, 6000);

	parse_reply(got, rl, &r);
	cr_assert_eq(r.code, MIP_CODE_ID_MISMATCH, "code %u", r.code);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_REG_REPLAY_133], 1);
}

Test(dp_reg, replay_old_and_window_get_authenticated_133)
{
	uint8_t rrq[512], got[512];
	uint64_t now = ident0 + (5ull << 32); /* HA clock: 5 s after the initial RRQ */
	struct mip_msg r;
	uint16_t n, rl;

	dp.conf.clock.fixed_ntp = now;
	/* not greater than the last accepted (equal seconds, smaller fraction) */
	n = build_rrq(rrq, MIP_FLAG_T, 600, home, ha, coa1, ident0 - 1, true, 4098,
		      MIP_ALG_HMAC_MD5, &skey2);
	run1(dp_frame_rrq(coa1, ha, 434, rrq, n));
	rl = take_reply(got, coa1, 434);
	parse_reply(got, rl, &r);
	cr_assert_eq(r.code, MIP_CODE_ID_MISMATCH);
	cr_assert_eq(r.ident, mip_ntp_resync_ident(now, ident0 - 1));
	cr_assert_eq(r.ident >> 32, now >> 32, "HA time in the high 32 bits");
	cr_assert_eq((uint32_t)r.ident, (uint32_t)(ident0 - 1), "RRQ's low 32 bits");
	cr_assert(mip_auth_verify(&r, MIP_ALG_HMAC_MD5, &skey2), "133 must be authenticated");
	cr_assert_eq(r.mhae.spi, 4098);

	/* newer but 8 s ahead of the HA clock: outside the 7 s tolerance */
	uint64_t future = now + (8ull << 32);

	n = build_rrq(rrq, 0, 600, home, ha, coa1, future, true, 4098, MIP_ALG_HMAC_MD5, &skey2);
	run1(dp_frame_rrq(coa1, ha, 434, rrq, n));
	rl = take_reply(got, coa1, 434);
	parse_reply(got, rl, &r);
	cr_assert_eq(r.code, MIP_CODE_ID_MISMATCH);
	cr_assert_eq(r.ident, mip_ntp_resync_ident(now, future));
	cr_assert(mip_auth_verify(&r, MIP_ALG_HMAC_MD5, &skey2));
	/* within tolerance (7 s ahead) is accepted */
	n = build_rrq(rrq, 0, 600, home, ha, coa1, now + (7ull << 32), true, 4098,
		      MIP_ALG_HMAC_MD5, &skey2);
	run1(dp_frame_rrq(coa1, ha, 434, rrq, n));
	rl = take_reply(got, coa1, 434);
	parse_reply(got, rl, &r);
	cr_assert_eq(r.code, MIP_CODE_ACCEPTED);
	cr_assert_eq(r.lifetime, 600);
	cr_assert(mip_auth_verify(&r, MIP_ALG_HMAC_MD5, &skey2));
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_REG_REPLAY_133], 2);
	cr_assert_eq(mipha_sa_last_ident(sa), now + (7ull << 32));
	/* the binding kept its state through the 133s and took the accepted one */
	cr_assert_eq(mipha_binding_coa(mipha_binding_load(bnd)), coa1);
	cr_assert_eq(mipha_binding_expiry(mipha_binding_load(bnd)), mip_ntp_sec(now) + 600);
}

Test(dp_reg, failed_authentication_131_and_nothing_changes)
{
	uint8_t rrq[512], got[512];
	struct mip_msg r;
	uint64_t before = mipha_binding_load(bnd);
	uint16_t n;

	dp.conf.clock.fixed_ntp = ident0 + (1ull << 32);
	n = build_rrq(rrq, 0, 600, home, ha, coa1, ident0 + (1ull << 32), true, 4098,
		      MIP_ALG_HMAC_MD5, &skey); /* wrong key for SPI2 */
	run1(dp_frame_rrq(coa1, ha, 434, rrq, n));
	uint16_t rl = take_reply(got, coa1, 434);

	parse_reply(got, rl, &r);
	cr_assert_eq(r.code, MIP_CODE_MN_FAILED_AUTH);
	cr_assert_eq(r.present & MIP_HAS_MHAE, 0, "no MHAE on an unverified RRQ's reply");
	cr_assert_eq(mipha_sa_last_ident(sa), ident0);
	cr_assert_eq(mipha_binding_load(bnd), before);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_REG_AUTH_FAIL_131], 1);
	/* a replayed and unverified RRQ gets no 133 */
	n = build_rrq(rrq, 0, 600, home, ha, coa1, ident0 - 5, true, 4098, MIP_ALG_HMAC_MD5, &skey);
	run1(dp_frame_rrq(coa1, ha, 434, rrq, n));
	rl = take_reply(got, coa1, 434);
	parse_reply(got, rl, &r);
	cr_assert_eq(r.code, MIP_CODE_MN_FAILED_AUTH);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_REG_REPLAY_133], 0);
}

Test(dp_reg, classes_to_control)
{
	uint8_t rrq[512];
	size_t n;
	struct mipha_ctrl_msg msg;
	uint64_t id;

	/* initial dynamic-key RRQ: unverified, no SA */
	n = dp_vec_hex("initial_rrq", NULL, rrq, sizeof(rrq));
	run1(dp_frame_rrq(coa0, ha, 434, rrq, (uint16_t)n));
	msg = take_msg();
	cr_assert_eq(msg.cls, MIPHA_CTRL_INITIAL);
	cr_assert_null(msg.sa);
	cr_assert_eq(msg.verified_spi, 0);
	cr_assert_eq(msg.rrq_len, n);
	cr_assert_arr_eq(rte_pktmbuf_mtod_offset(msg.m, uint8_t *, msg.rrq_off), rrq, n);
	cr_assert_eq(msg.ha_addr, ha);
	cr_assert_eq(msg.port, DP_PORT_UP);
	rte_pktmbuf_free(msg.m);

	/* rekey (KEY-REQ-S2 under SPI1): verified, replay advanced */
	set_clock_hex(dp_vec_str("rekey", "identification"));
	cr_assert_eq(mip_ident_from_hex(dp_vec_str("rekey", "identification"), &id), 0);
	n = dp_vec_hex("rekey", "rrq", rrq, sizeof(rrq));
	run1(dp_frame_rrq(coa1, ha, 434, rrq, (uint16_t)n));
	msg = take_msg();
	cr_assert_eq(msg.cls, MIPHA_CTRL_REKEY);
	cr_assert_eq(msg.sa, sa);
	cr_assert_eq(msg.verified_spi, 4097);
	cr_assert_eq(mipha_sa_last_ident(sa), id);
	rte_pktmbuf_free(msg.m);

	/* deregistration: lifetime 0, and care-of = home address */
	n = build_rrq(rrq, 0, 0, home, ha, coa1, id + 1, true, 4098, MIP_ALG_HMAC_MD5, &skey2);
	run1(dp_frame_rrq(coa1, ha, 434, rrq, (uint16_t)n));
	msg = take_msg();
	cr_assert_eq(msg.cls, MIPHA_CTRL_DEREG);
	cr_assert_eq(msg.verified_spi, 4098);
	rte_pktmbuf_free(msg.m);
	n = build_rrq(rrq, 0, 600, home, ha, home, id + 2, true, 4098, MIP_ALG_HMAC_MD5, &skey2);
	run1(dp_frame_rrq(home, ha, 434, rrq, (uint16_t)n));
	msg = take_msg();
	cr_assert_eq(msg.cls, MIPHA_CTRL_DEREG);
	rte_pktmbuf_free(msg.m);

	/* first registration with a static SA: no binding yet */
	uint32_t h2 = dp_ip("10.1.0.20");
	struct mip_key k;

	memset(k.b, 0x42, 16);
	struct mipha_sa *s2 = dp_static_sa(h2, 300, MIP_ALG_HMAC_MD5, &k);

	n = build_rrq(rrq, 0, 600, h2, ha, coa0, id, false, 300, MIP_ALG_HMAC_MD5, &k);
	run1(dp_frame_rrq(coa0, ha, 434, rrq, (uint16_t)n));
	msg = take_msg();
	cr_assert_eq(msg.cls, MIPHA_CTRL_NEW_BINDING);
	cr_assert_eq(msg.sa, s2);
	cr_assert_eq(msg.verified_spi, 300);
	rte_pktmbuf_free(msg.m);

	/* unknown SPI */
	n = build_rrq(rrq, 0, 600, h2, ha, coa0, id + 5, false, 999, MIP_ALG_HMAC_MD5, &k);
	run1(dp_frame_rrq(coa0, ha, 434, rrq, (uint16_t)n));
	msg = take_msg();
	cr_assert_eq(msg.cls, MIPHA_CTRL_UNKNOWN_SPI);
	cr_assert_null(msg.sa);
	rte_pktmbuf_free(msg.m);

	/* DYNKEY_SPI without AUTH-PROTOCOL: a conventional RRQ (spec section 3), unknown SPI */
	n = build_rrq(rrq, 0, 600, h2, ha, coa0, id + 6, false, MIP_DEFAULT_DYNKEY_SPI,
		      MIP_ALG_HMAC_MD5, &k);
	run1(dp_frame_rrq(coa0, ha, 434, rrq, (uint16_t)n));
	msg = take_msg();
	cr_assert_eq(msg.cls, MIPHA_CTRL_UNKNOWN_SPI);
	cr_assert_null(msg.sa);
	rte_pktmbuf_free(msg.m);

	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_REG_TO_CTRL], 7);
	cr_assert_eq(rte_ring_count(dp.ring), 0);
	cr_assert_eq(dp.w.tx[DP_PORT_UP].n, 0, "nothing answered by the worker");

	/* ring full (here: no ring): dropped and counted */
	dp.w.p.ctrl_ring = NULL;
	n = dp_vec_hex("initial_rrq", NULL, rrq, sizeof(rrq));
	run1(dp_frame_rrq(coa0, ha, 434, rrq, (uint16_t)n));
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_CTRL_RING_FULL], 1);
	dp.w.p.ctrl_ring = dp.ring;
}

Test(dp_reg, previous_skey2_after_rekey)
{
	uint8_t rrq[512], got[512];
	struct mip_key newk;
	struct mipha_ctrl_msg msg;
	uint64_t now = ident0 + (2ull << 32);
	uint16_t n;

	memset(newk.b, 0x99, 16);
	/* control's rekey: a new struct with the new Skey', the old one kept as prev */
	struct mipha_sa *n_sa = mipha_sa_clone(dp.st, sa);

	n_sa->prev = n_sa->key[MIPHA_SA_KEY2];
	n_sa->prev_valid = 1;
	cr_assert_eq(mipha_sa_set_key(dp.st, n_sa, MIPHA_SA_KEY2, 4098, MIP_ALG_HMAC_MD5, &newk), 0);
	cr_assert_eq(mipha_sa_replace(dp.st, sa, n_sa), 0);
	dp.conf.clock.fixed_ntp = now;

	/* the MN never got the rekey RRP: it still uses the previous Skey' */
	n = build_rrq(rrq, 0, 600, home, ha, coa1, now, true, 4098, MIP_ALG_HMAC_MD5, &skey2);
	run1(dp_frame_rrq(coa1, ha, 434, rrq, n));
	msg = take_msg();
	cr_assert_eq(msg.cls, MIPHA_CTRL_AUTH_PREV);
	cr_assert_eq(msg.sa, n_sa);
	cr_assert_eq(msg.verified_spi, 0);
	rte_pktmbuf_free(msg.m);
	cr_assert_eq(mipha_sa_last_ident(n_sa), ident0, "unverified: no replay state change");

	/* with the new one: accepted here, and control told to wipe prev */
	n = build_rrq(rrq, 0, 600, home, ha, coa1, now + 1, true, 4098, MIP_ALG_HMAC_MD5, &newk);
	run1(dp_frame_rrq(coa1, ha, 434, rrq, n));
	msg = take_msg();
	cr_assert_eq(msg.cls, MIPHA_CTRL_PREV_RETIRED);
	cr_assert_null(msg.m);
	cr_assert_eq(msg.sa, n_sa);
	cr_assert_eq(n_sa->prev_valid, 0);
	struct mip_msg r;
	uint16_t rl = take_reply(got, coa1, 434);

	parse_reply(got, rl, &r);
	cr_assert_eq(r.code, 0);
	cr_assert(mip_auth_verify(&r, MIP_ALG_HMAC_MD5, &newk));
	sa = n_sa;
}

Test(dp_reg, static_keyed_md5_and_simultaneous_bindings_flag)
{
	uint8_t rrq[512], got[512];
	uint32_t h2 = dp_ip("10.1.0.21");
	struct mip_key k;
	struct mip_msg r;

	memset(k.b, 0x17, 16);
	dp_static_sa(h2, 777, MIP_ALG_KEYED_MD5, &k);
	cr_assert_eq(mipha_binding_install(dp.bt, h2, coa0, mip_ntp_sec(ident0) + 60, 0, 0, NULL), 0);
	dp.conf.max_lifetime = 300;
	uint16_t n = build_rrq(rrq, MIP_FLAG_S, 1000, h2, ha, coa1, ident0, false, 777,
			       MIP_ALG_KEYED_MD5, &k);

	run1(dp_frame_rrq(coa1, ha, 434, rrq, n));
	uint16_t rl = take_reply(got, coa1, 434);

	parse_reply(got, rl, &r);
	cr_assert_eq(r.code, MIP_CODE_ACCEPTED_NO_SIMUL);
	cr_assert_eq(r.lifetime, 300, "min(requested, max)");
	cr_assert_eq(r.ident, ident0);
	cr_assert_eq(r.home_addr, h2);
	cr_assert_eq(r.present & MIP_HAS_NAI, 0);
	cr_assert(mip_auth_verify(&r, MIP_ALG_KEYED_MD5, &k));
}

Test(dp_reg, minimal_or_gre_encapsulation_139_authenticated)
{
	uint8_t rrq[512], got[512];
	uint64_t before = mipha_binding_load(bnd);
	static const uint8_t flags[] = { MIP_FLAG_M, MIP_FLAG_G };

	dp.conf.clock.fixed_ntp = ident0 + (1ull << 32);
	for (unsigned int i = 0; i < 2; i++) {
		struct mip_msg r;
		uint16_t n = build_rrq(rrq, flags[i] | MIP_FLAG_T, 600, home, ha, coa1,
				       ident0 + (1ull << 32) + i, true, 4098, MIP_ALG_HMAC_MD5, &skey2);

		run1(dp_frame_rrq(coa1, ha, 434, rrq, n));
		uint16_t rl = take_reply(got, coa1, 434);

		parse_reply(got, rl, &r);
		cr_assert_eq(r.code, 139);
		cr_assert_eq(r.ident, ident0 + (1ull << 32) + i);
		cr_assert(mip_auth_verify(&r, MIP_ALG_HMAC_MD5, &skey2));
	}
	cr_assert_eq(mipha_binding_load(bnd), before, "no binding change on a denial");
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_REG_ENCAP_UNAVAILABLE_139], 2);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_REG_ACCEPTED], 0);
	cr_assert_eq(rte_ring_count(dp.ring), 0);
}

Test(dp_reg, unknown_home_agent_136)
{
	uint8_t rrq[512], got[512];
	struct mip_msg r;
	uint16_t n = build_rrq(rrq, 0, 600, home, dp_ip("10.9.9.9"), coa1, ident0 + 1, true, 4098,
			       MIP_ALG_HMAC_MD5, &skey2);

	run1(dp_frame_rrq(coa1, ha, 434, rrq, n));
	uint16_t rl = take_reply(got, coa1, 434);

	parse_reply(got, rl, &r);
	cr_assert_eq(r.code, MIP_CODE_UNKNOWN_HA);
	cr_assert_eq(r.ha_addr, ha, "136 names this HA");
	cr_assert_eq(mipha_sa_last_ident(sa), ident0);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_REG_UNKNOWN_HA_136], 1);
}

Test(dp_reg, malformed_never_crash_counted_tables_unchanged)
{
	uint8_t rrq[512], mut[600];
	size_t n = dp_vec_hex("rereg", "rrq", rrq, sizeof(rrq));
	uint64_t before = mipha_binding_load(bnd);
	uint64_t replies = 0;

	set_clock_hex(dp_vec_str("rereg", "identification"));
	/* every truncation of the re-registration, in bursts of 32 */
	struct rte_mbuf *burst[MIPHA_BURST];
	unsigned int k = 0;

	for (size_t len = 0; len < n; len++) {
		burst[k++] = dp_frame_rrq(coa1, ha, 434, rrq, (uint16_t)len);
		if (k == MIPHA_BURST || len + 1 == n) {
			mipha_worker_process(&dp.w, burst, (uint16_t)k);
			replies += dp.w.tx[DP_PORT_UP].n;
			for (uint16_t i = 0; i < dp.w.tx[DP_PORT_UP].n; i++) {
				struct mip_msg r;
				uint16_t rl;
				const uint8_t *p = dp_reply_payload(dp.w.tx[DP_PORT_UP].m[i], &rl);

				cr_assert_eq(mip_parse(p, rl, &dp.conf.parse, &r), MIP_OK);
				cr_assert_eq(r.code, MIP_CODE_POORLY_FORMED);
			}
			dp_tx_clear();
			k = 0;
		}
	}
	/* 134 only where the fixed header was readable */
	cr_assert_eq(replies, n - MIP_RRQ_HDR_LEN);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_REG_MALFORMED], n);
	cr_assert_eq(dp.w.cnt.reg_malformed[MIP_E_TRUNCATED], MIP_RRQ_HDR_LEN);

	/* extension length running past the end; reserved flag; a type that is a reply */
	uint64_t overrun = dp.w.cnt.reg_malformed[MIP_E_EXT_OVERRUN];

	memcpy(mut, rrq, n);
	mut[MIP_RRQ_HDR_LEN + 1] = 200;
	run1(dp_frame_rrq(coa1, ha, 434, mut, (uint16_t)n));
	memcpy(mut, rrq, n);
	mut[1] |= MIP_FLAG_x;
	run1(dp_frame_rrq(coa1, ha, 434, mut, (uint16_t)n));
	memcpy(mut, rrq, n);
	mut[0] = 2;
	run1(dp_frame_rrq(coa1, ha, 434, mut, (uint16_t)n));
	cr_assert_eq(dp.w.cnt.reg_malformed[MIP_E_EXT_OVERRUN], overrun + 1);
	cr_assert_eq(dp.w.cnt.reg_malformed[MIP_E_RESERVED_FLAGS], 1);
	cr_assert_eq(dp.w.cnt.reg_malformed[MIP_E_TYPE], 1);
	dp_tx_clear();

	/* bad UDP length, bad UDP checksum, truncated IPv4, fragment */
	struct rte_mbuf *m = dp_frame_rrq(coa1, ha, 434, rrq, (uint16_t)n);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

	udp->dgram_len = rte_cpu_to_be_16(rte_be_to_cpu_16(udp->dgram_len) + 1);
	run1(m);
	m = dp_frame_rrq(coa1, ha, 434, rrq, (uint16_t)n);
	udp = rte_pktmbuf_mtod_offset(m, struct rte_udp_hdr *, 34);
	udp->dgram_cksum ^= 0x0101;
	run1(m);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_UDP_MALFORMED], 2);
	m = dp_frame_rrq(coa1, ha, 434, rrq, (uint16_t)n);
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
	ip->total_length = rte_cpu_to_be_16(rte_be_to_cpu_16(ip->total_length) + 40);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	run1(m);
	m = dp_frame_rrq(coa1, ha, 434, rrq, (uint16_t)n);
	rte_pktmbuf_trim(m, m->data_len - 20); /* cut inside the IPv4 header */
	run1(m);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_IP_MALFORMED], 2);
	m = dp_frame_rrq(coa1, ha, 434, rrq, (uint16_t)n);
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, 14);
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	run1(m);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_IP_FRAGMENT], 1);

	cr_assert_eq(dp.w.tx[DP_PORT_UP].n, 0);
	cr_assert_eq(rte_ring_count(dp.ring), 0);
	cr_assert_eq(mipha_binding_load(bnd), before, "binding changed by malformed input");
	cr_assert_eq(mipha_sa_last_ident(sa), ident0, "replay state changed by malformed input");
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_REG_ACCEPTED], 0);
	/* and the pristine message still works afterwards */
	run1(dp_frame_rrq(coa1, ha, 434, rrq, (uint16_t)n));
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_REG_ACCEPTED], 1);
	/* every mbuf came back to the pool */
	dp_tx_clear();
	cr_assert_eq(rte_mempool_avail_count(dp.mp), 4095);
}

/* One RRQ with extra extensions before the MHAE, signed with Skey'. */
static uint16_t build_with(uint8_t *buf, void (*extra)(struct mip_builder *b))
{
	struct mip_builder b;
	const char *n = dp_vec_str("inputs", "nai");

	mip_builder_init(&b, buf, 512);
	mip_put_rrq_hdr(&b, 0, 600, home, ha, coa1, ident0 + (1ull << 32));
	mip_put_nai(&b, n, strlen(n));
	extra(&b);
	size_t off = mip_put_auth(&b, MIP_EXT_MHAE, 4098, 16);

	cr_assert_eq(b.err, 0);
	cr_assert_eq(mip_auth_sign(buf, off, MIP_ALG_HMAC_MD5, &skey2), 0);
	return (uint16_t)b.len;
}

static void ext_unknown_vendor(struct mip_builder *b)
{
	mip_put_cvse(b, 9999, 1, "x", 1);
}

static void ext_unknown_type(struct mip_builder *b)
{
	mip_put_ext(b, 5, "abcd", 4);
}

static void ext_second_nai(struct mip_builder *b)
{
	mip_put_nai(b, "other@example.net", 17);
}

static void ext_none(struct mip_builder *b)
{
}

Test(dp_reg, malformed_extensions_get_134_or_140_unauthenticated)
{
	static const struct {
		void (*extra)(struct mip_builder *b);
		enum mip_err err;
		uint8_t code;
	} cases[] = {
		{ ext_unknown_vendor, MIP_E_CVSE_VENDOR, MIP_CODE_UNSUPPORTED_VSE },
		{ ext_unknown_type, MIP_E_EXT_UNKNOWN, MIP_CODE_POORLY_FORMED },
		{ ext_second_nai, MIP_E_EXT_DUPLICATE, MIP_CODE_POORLY_FORMED },
	};
	uint8_t rrq[512], got[512];
	uint64_t before = mipha_binding_load(bnd);

	dp.conf.clock.fixed_ntp = ident0 + (1ull << 32);
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint16_t n = build_with(rrq, cases[i].extra);
		struct mip_msg r;

		run1(dp_frame_rrq(coa1, ha, 434, rrq, n));
		uint16_t rl = take_reply(got, coa1, 434);

		parse_reply(got, rl, &r);
		cr_assert_eq(r.code, cases[i].code, "case %u: code %u", i, r.code);
		cr_assert_eq(r.present & MIP_HAS_MHAE, 0);
		cr_assert_eq(r.ident, ident0 + (1ull << 32));
		cr_assert_eq(dp.w.cnt.reg_malformed[cases[i].err], 1, "case %u: %s", i,
			     mip_err_name(cases[i].err));
	}
	/* no MHAE at all */
	struct mip_builder b;

	mip_builder_init(&b, rrq, sizeof(rrq));
	mip_put_rrq_hdr(&b, 0, 600, home, ha, coa1, ident0 + (1ull << 32));
	run1(dp_frame_rrq(coa1, ha, 434, rrq, (uint16_t)b.len));
	dp_tx_clear();
	cr_assert_eq(dp.w.cnt.reg_malformed[MIP_E_NO_MHAE], 1);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_REG_POORLY_FORMED], 4);
	cr_assert_eq(mipha_binding_load(bnd), before);
	cr_assert_eq(mipha_sa_last_ident(sa), ident0);
	/* and a well-formed one with the same builder is accepted */
	uint16_t n = build_with(rrq, ext_none);

	run1(dp_frame_rrq(coa1, ha, 434, rrq, n));
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_REG_ACCEPTED], 1);
}

Test(dp_reg, mixed_burst)
{
	uint8_t rereg[512], init[512], bad[512];
	size_t nr = dp_vec_hex("rereg", "rrq", rereg, sizeof(rereg));
	size_t ni = dp_vec_hex("initial_rrq", NULL, init, sizeof(init));
	struct rte_mbuf *burst[8];
	uint16_t k = 0;

	set_clock_hex(dp_vec_str("rereg", "identification"));
	memcpy(bad, rereg, nr);
	bad[nr - 1] ^= 0x80; /* authenticator bit */
	burst[k++] = dp_frame_rrq(coa1, ha, 434, bad, (uint16_t)nr);
	burst[k++] = dp_frame_rrq(coa0, ha, 434, init, (uint16_t)ni);
	burst[k++] = dp_frame_rrq(coa1, ha, 434, rereg, (uint16_t)nr);
	burst[k++] = dp_frame_rrq(coa1, ha, 434, rereg, 10);
	burst[k++] = dp_frame_udp(DP_PORT_UP, coa1, ha, 434, 435, rereg, (uint16_t)nr);
	burst[k++] = dp_frame_rrq(coa1, ha, 434, rereg, (uint16_t)nr); /* duplicate in the same burst */
	mipha_worker_process(&dp.w, burst, k);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_REG_AUTH_FAIL_131], 1);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_REG_TO_CTRL], 1);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_REG_ACCEPTED], 1);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_REG_MALFORMED], 1);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_NOT_FOR_US], 1);
	/* the copy in the same burst gets the same reply, not a 133 */
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_REG_DUPLICATE], 1);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_REG_REPLAY_133], 0);
	/* 131, 0, and the copy's reply; none for the 10-byte one (no readable header) */
	cr_assert_eq(dp.w.tx[DP_PORT_UP].n, 3);
	uint16_t l1, l2;
	const uint8_t *p1 = dp_reply_payload(dp.w.tx[DP_PORT_UP].m[1], &l1);
	const uint8_t *p2 = dp_reply_payload(dp.w.tx[DP_PORT_UP].m[2], &l2);
	uint8_t want[512];
	size_t wn = dp_vec_hex("rereg", "rrp", want, sizeof(want));

	cr_assert_eq(l1, wn);
	cr_assert_eq(l2, wn);
	cr_assert_arr_eq(p1, want, wn);
	cr_assert_arr_eq(p2, want, wn);
	cr_assert_eq(dp_ring_drain(), 1);
}

/* The worker rings control's doorbell after a message only while control sleeps. */
Test(dp_reg, ctrl_bell_rung_only_while_control_sleeps)
{
	struct mipha_ctrl_bell bell;
	struct mipha_ctrl_msg msg;
	uint8_t rrq[512];
	uint64_t v;
	size_t n = dp_vec_hex("initial_rrq", NULL, rrq, sizeof(rrq));

	cr_assert_eq(mipha_ctrl_bell_init(&bell), 0);
	dp.w.p.ctrl_bell = &bell;
	/* control awake: no write */
	run1(dp_frame_rrq(coa0, ha, 434, rrq, (uint16_t)n));
	msg = take_msg();
	rte_pktmbuf_free(msg.m);
	cr_assert_eq(read(bell.fd, &v, sizeof(v)), -1, "the bell rang while control was awake");
	cr_assert_eq(bell.rings, 0);
	/* control asleep: one write, and it is marked awake */
	cr_assert(mipha_ctrl_bell_arm(&bell, dp.ring));
	run1(dp_frame_rrq(coa0, ha, 434, rrq, (uint16_t)n));
	cr_assert_eq(bell.sleeping, 0);
	cr_assert_eq(read(bell.fd, &v, sizeof(v)), (ssize_t)sizeof(v));
	cr_assert_eq(v, 1);
	cr_assert_eq(bell.rings, 1);
	/* a message waiting: control must not go to sleep */
	cr_assert_not(mipha_ctrl_bell_arm(&bell, dp.ring));
	cr_assert_eq(bell.sleeping, 0);
	msg = take_msg();
	rte_pktmbuf_free(msg.m);
	dp.w.p.ctrl_bell = NULL;
	mipha_ctrl_bell_fini(&bell);
}
