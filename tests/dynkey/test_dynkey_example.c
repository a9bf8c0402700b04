/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The spec's worked example (spec/vectors/dynkey-example.json) through the
 * HA's dynamic-key core: the initial RRQ with a fake AAA accept carrying the
 * example's k'' and AUTH-RESPONSE must give exactly the example's RRP and
 * keys; the rekey RRQ exactly its RRP and new Skey'; a deregistration with key
 * continuation exactly its Skey_next.
 */
#include "dk_test.h"

TestSuite(example, .init = dk_load_vectors, .fini = dk_free_vectors, .timeout = 30);

static struct mipha_dk *make_dk(uint32_t kc)
{
	struct mipha_dk_cfg cfg;
	struct mipha_dk *dk;
	int err = 0;

	mipha_dk_cfg_defaults(&cfg);
	cfg.vendor_id = (uint32_t)vint("inputs", "vendor_id");
	cfg.dynkey_spi = (uint32_t)vint("inputs", "dynkey_spi");
	cfg.pool_first = ip("10.1.0.10");
	cfg.pool_last = ip("10.1.0.20");
	cfg.key_continuation = kc;
	dk = mipha_dk_create(&cfg, &err);
	cr_assert_not_null(dk, "create: %d", err);
	return dk;
}

static void vec_accept(struct aaa_result *res)
{
	struct mip_key k2;

	vkey(NULL, "k2_ms_mppe_recv_key", &k2);
	dk_accept(res, &k2, vstr(NULL, "auth_response"));
	mip_wipe(&k2, sizeof(k2));
}

/* Initial RRQ -> AAA request fields -> accept -> install + RRP. */
static void run_initial(struct mipha_dk *dk, struct mipha_dk_out *out)
{
	struct dk_rrq q;
	struct aaa_result res;
	uint64_t ident = vident("inputs", "identification");
	uint8_t want[32];
	int user = 7;

	dk_rrq_from_vec(&q, NULL, "initial_rrq");
	cr_assert_eq(mipha_dk_initial(dk, &q.m, vip("inputs", "care_of"), ident, &user, out),
		     MIPHA_DK_AAA);
	cr_assert_str_eq(out->req.nai, vstr("inputs", "nai"));
	cr_assert_str_eq(out->req.domain, "");
	cr_assert_eq(out->req.home_addr, vip("inputs", "home_address"));
	cr_assert_eq(out->req.care_of, vip("inputs", "care_of"));
	vhex("inputs", "auth_challenge", want, 16);
	cr_assert_arr_eq(out->req.auth_challenge, want, 16);
	vhex(NULL, "peer_challenge", want, 16);
	cr_assert_arr_eq(out->req.peer_challenge, want, 16);
	vhex(NULL, "nt_response", want, 24);
	cr_assert_arr_eq(out->req.nt_response, want, 24);
	cr_assert_eq(dk_gauge(dk, MIPHA_DK_GAUGE_PENDING), 1);

	vec_accept(&res);
	{
		uint64_t cookie = out->cookie;

		cr_assert_eq(mipha_dk_aaa_result(dk, cookie, &res, ident, out), MIPHA_DK_APPLY);
	}
	mip_wipe(&res, sizeof(res));
	cr_assert_eq(out->user, &user);
	cr_assert_eq(dk_gauge(dk, MIPHA_DK_GAUGE_PENDING), 0);
}

Test(example, initial_rekey_exact_bytes)
{
	struct mipha_dk *dk = make_dk(0);
	struct mipha_dk_out out;
	struct dk_rrq q;
	struct mip_key k;
	uint8_t want[DK_MSG_MAX];
	size_t n;

	run_initial(dk, &out);
	n = vhex(NULL, "initial_rrp", want, sizeof(want));
	cr_assert_eq(out.rrp_len, n, "RRP %u bytes, example %zu", out.rrp_len, n);
	cr_assert_arr_eq(out.rrp, want, n, "initial RRP differs from the example");
	cr_assert_eq(out.code, MIP_CODE_ACCEPTED);
	cr_assert_eq(out.binding_op, MIPHA_DK_OP_SET);
	cr_assert_eq(out.sa_op, MIPHA_DK_OP_SET);
	cr_assert_eq(out.old_home, 0);
	vkey(NULL, "skey", &k);
	cr_assert_arr_eq(out.inst.skey.b, k.b, 16, "Skey");
	vkey(NULL, "skey2", &k);
	cr_assert_arr_eq(out.inst.skey2.b, k.b, 16, "Skey'");
	cr_assert_eq(out.inst.spi1, (uint32_t)vint("inputs", "spi1"));
	cr_assert_eq(out.inst.spi2, (uint32_t)vint("inputs", "spi2"));
	cr_assert_eq(out.inst.alg, MIP_ALG_HMAC_MD5);
	cr_assert_eq(out.inst.alg2, MIP_ALG_HMAC_MD5);
	cr_assert_not(out.inst.single_key);
	cr_assert_not(out.inst.has_prev);
	cr_assert_eq(out.inst.home_addr, vip("inputs", "home_address"));
	cr_assert_eq(out.inst.coa, vip("inputs", "care_of"));
	cr_assert_eq(out.inst.ha_addr, vip("inputs", "home_agent"));
	cr_assert_eq(out.inst.lifetime, (uint16_t)vint("inputs", "lifetime"));
	cr_assert_eq(out.inst.expiry_sec,
		     mip_ntp_sec(vident("inputs", "identification")) + out.inst.lifetime);
	cr_assert_eq(out.inst.last_ident, vident("inputs", "identification"));
	cr_assert_str_eq(out.inst.nai, vstr("inputs", "nai"));
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_INSTALLS), 1);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_AAA_ACCEPTS), 1);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_REPLY_ACCEPTED), 1);
	cr_assert_eq(dk_gauge(dk, MIPHA_DK_GAUGE_POOL_USED), 1);
	mipha_dk_out_wipe(&out);

	/* The rekey, at the HA clock of its Identification. */
	dk_rrq_from_vec(&q, "rekey", "rrq");
	cr_assert_eq(mipha_dk_rekey(dk, &q.m, vident("rekey", "identification"), &out),
		     MIPHA_DK_APPLY);
	n = vhex("rekey", "rrp", want, sizeof(want));
	cr_assert_eq(out.rrp_len, n, "rekey RRP %u bytes, example %zu", out.rrp_len, n);
	cr_assert_arr_eq(out.rrp, want, n, "rekey RRP differs from the example");
	vkey("rekey", "new_skey2", &k);
	cr_assert_arr_eq(out.inst.skey2.b, k.b, 16, "new Skey'");
	cr_assert(out.inst.has_prev);
	vkey(NULL, "skey2", &k);
	cr_assert_arr_eq(out.inst.prev.b, k.b, 16, "previous Skey' kept");
	vkey(NULL, "skey", &k);
	cr_assert_arr_eq(out.inst.skey.b, k.b, 16, "Skey unchanged");
	cr_assert_eq(out.inst.coa, ip("198.51.100.9"));
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_REKEYS), 1);
	mipha_dk_out_wipe(&out);
	mip_wipe(&k, sizeof(k));
	mipha_dk_destroy(dk);
}

/* The same exchange with key continuation offered, then a deregistration. */
Test(example, key_continuation_skey_next)
{
	struct mipha_dk *dk = make_dk(300);
	struct mipha_dk_out out;
	struct mipha_dk_mn_view v;
	struct mip_msg rrp;
	struct dk_rrq q;
	struct dk_later_spec ls;
	struct mip_key skey, new2, next, zero = { { 0 } };
	uint64_t rekey_id = vident("rekey", "identification");
	uint64_t dereg_id = dk_at(rekey_id, 10);
	const char *nai = vstr("inputs", "nai");

	vkey(NULL, "skey", &skey);
	vkey("rekey", "new_skey2", &new2);
	vkey(NULL, "skey_next_after_rekey_rrq", &next);

	run_initial(dk, &out);
	dk_parse_rrp(&out, &rrp);
	cr_assert(rrp.present & MIP_HAS_KEY_CONTINUATION);
	cr_assert_eq(rrp.key_continuation, 300);
	cr_assert(mip_auth_verify(&rrp, MIP_ALG_HMAC_MD5, &skey));
	mipha_dk_out_wipe(&out);

	dk_rrq_from_vec(&q, "rekey", "rrq");
	cr_assert_eq(mipha_dk_rekey(dk, &q.m, rekey_id, &out), MIPHA_DK_APPLY);
	dk_parse_rrp(&out, &rrp);
	cr_assert(rrp.present & MIP_HAS_KEY_CONTINUATION);
	cr_assert(mip_auth_verify(&rrp, MIP_ALG_HMAC_MD5, &skey));
	cr_assert_arr_eq(out.inst.skey2.b, new2.b, 16);
	mipha_dk_out_wipe(&out);

	/* Deregistration under SPI2 with the new Skey'. */
	memset(&ls, 0, sizeof(ls));
	ls.nai = nai;
	ls.home = vip("inputs", "home_address");
	ls.coa = ip("198.51.100.9");
	ls.ident = dereg_id;
	ls.lifetime = 0;
	ls.spi = (uint32_t)vint("inputs", "spi2");
	ls.alg = MIP_ALG_HMAC_MD5;
	ls.key = &new2;
	dk_build_later(&q, &ls);
	cr_assert_eq(mipha_dk_dereg(dk, &q.m, dereg_id, &out), MIPHA_DK_APPLY);
	dk_parse_rrp(&out, &rrp);
	cr_assert_eq(rrp.code, MIP_CODE_ACCEPTED);
	cr_assert_eq(rrp.lifetime, 0);
	cr_assert_eq(rrp.mhae.spi, ls.spi);
	cr_assert(mip_auth_verify(&rrp, MIP_ALG_HMAC_MD5, &new2), "dereg RRP signed with Skey'");
	cr_assert_eq(out.binding_op, MIPHA_DK_OP_REMOVE);
	cr_assert_eq(out.sa_op, MIPHA_DK_OP_SET);
	cr_assert_eq(out.inst.spi1, (uint32_t)vint("inputs", "spi1"));
	cr_assert_eq(out.inst.spi2, 0, "only SPI1 survives");
	cr_assert_arr_eq(out.inst.skey.b, next.b, 16, "Skey_next of the example");
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_CONTINUATIONS_KEPT), 1);
	mipha_dk_out_wipe(&out);

	cr_assert(mipha_dk_mn_view(dk, nai, &v));
	cr_assert(v.continuing);
	cr_assert_arr_eq(v.skey->b, next.b, 16);
	cr_assert_arr_eq(v.skey2->b, zero.b, 16, "Skey' wiped");
	cr_assert_arr_eq(v.prev->b, zero.b, 16, "previous Skey' wiped");
	cr_assert_eq(v.continuation_end, mip_ntp_sec(dereg_id) + 300);

	/* Within retention: a rekey under SPI1 with Skey_next re-creates the binding, no AAA. */
	memset(&ls, 0, sizeof(ls));
	ls.nai = nai;
	ls.home = vip("inputs", "home_address");
	ls.coa = ip("203.0.113.5");
	ls.ident = dk_at(dereg_id, 100);
	ls.lifetime = 600;
	ls.ks2_spi = (uint32_t)vint("inputs", "spi2");
	ls.ks2_alg = MIP_ALG_HMAC_MD5;
	ls.spi = (uint32_t)vint("inputs", "spi1");
	ls.alg = MIP_ALG_HMAC_MD5;
	ls.key = &next;
	dk_build_later(&q, &ls);
	cr_assert_eq(mipha_dk_rekey(dk, &q.m, ls.ident, &out), MIPHA_DK_APPLY);
	dk_parse_rrp(&out, &rrp);
	cr_assert_eq(rrp.code, MIP_CODE_ACCEPTED);
	cr_assert_eq(rrp.lifetime, 600);
	cr_assert(mip_auth_verify(&rrp, MIP_ALG_HMAC_MD5, &next), "signed with Skey_next");
	cr_assert_eq(out.binding_op, MIPHA_DK_OP_SET);
	cr_assert_eq(out.inst.coa, ip("203.0.113.5"));
	cr_assert_arr_eq(out.inst.skey.b, next.b, 16);
	{
		struct mip_key s2;

		mip_derive_skey2(&next, ls.ident, &s2);
		cr_assert_arr_eq(out.inst.skey2.b, s2.b, 16);
		mip_wipe(&s2, sizeof(s2));
	}
	cr_assert_not(out.inst.has_prev);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_KEY_CONTINUATIONS), 1);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_AAA_REQUESTS), 1, "no second AAA exchange");
	cr_assert_eq(dk_gauge(dk, MIPHA_DK_GAUGE_CONTINUATIONS), 0);
	mipha_dk_out_wipe(&out);

	mip_wipe(&skey, sizeof(skey));
	mip_wipe(&new2, sizeof(new2));
	mip_wipe(&next, sizeof(next));
	mipha_dk_destroy(dk);
}

/* Outside the replay tolerance: AAA still asked, 133 signed with the Skey, nothing kept. */
Test(example, out_of_window_133)
{
	struct mipha_dk *dk = make_dk(0);
	struct mipha_dk_out out;
	struct aaa_result res;
	struct mip_msg rrp;
	struct dk_rrq q;
	struct mip_key skey;
	uint64_t ident = vident("inputs", "identification");
	uint64_t now = dk_at(ident, 60);
	uint64_t cookie;

	dk_hook_on();
	dk_rrq_from_vec(&q, NULL, "initial_rrq");
	cr_assert_eq(mipha_dk_initial(dk, &q.m, 1, now, NULL, &out), MIPHA_DK_AAA);
	cookie = out.cookie;
	vec_accept(&res);
	cr_assert_eq(mipha_dk_aaa_result(dk, cookie, &res, now, &out), MIPHA_DK_APPLY);
	mip_wipe(&res, sizeof(res));
	cr_assert_eq(out.code, MIP_CODE_ID_MISMATCH);
	cr_assert_eq(out.binding_op, MIPHA_DK_OP_NONE);
	cr_assert_eq(out.sa_op, MIPHA_DK_OP_NONE);
	dk_parse_rrp(&out, &rrp);
	cr_assert_eq(rrp.code, MIP_CODE_ID_MISMATCH);
	cr_assert_eq(rrp.ident, mip_ntp_resync_ident(now, ident));
	cr_assert_eq(rrp.mhae.spi, (uint32_t)vint("inputs", "spi1"));
	vkey(NULL, "skey", &skey);
	cr_assert(mip_auth_verify(&rrp, MIP_ALG_HMAC_MD5, &skey), "133 signed with the derived Skey");
	mip_wipe(&skey, sizeof(skey));
	cr_assert(rrp.present & MIP_HAS_AUTH_CHALLENGE);
	cr_assert_eq(out.inst.skey.b[0] | out.inst.skey.b[7] | out.inst.skey2.b[3], 0);
	{
		struct mipha_dk_mn_view v;

		cr_assert_not(mipha_dk_mn_view(dk, vstr("inputs", "nai"), &v), "nothing installed");
	}
	cr_assert_eq(dk_gauge(dk, MIPHA_DK_GAUGE_MNS), 0);
	cr_assert_eq(dk_gauge(dk, MIPHA_DK_GAUGE_POOL_USED), 0);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_REPLY_133), 1);
	cr_assert_eq(dk_cnt(dk, MIPHA_DK_CNT_INSTALLS), 0);
	cr_assert_eq(dk_frees, 0, "no MN record was even made");
	dk_hook_off();
	mipha_dk_out_wipe(&out);
	mipha_dk_destroy(dk);
}
