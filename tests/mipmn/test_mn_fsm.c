/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Mobile Node's state machine (tools/mipmn/mn_fsm.c) against the test HA
 * in memory, with a fake clock: spec sections 4, 6 (each row of the reply
 * table), 7 and 8.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static struct harness H;
static struct mipmn_cfg C;

static void setup(void)
{
	h_init(&H, &C);
}

static void teardown(void)
{
	h_fini(&H);
}

TestSuite(mn_fsm, .init = setup, .fini = teardown, .timeout = 30);

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

static void expect_registered(void)
{
	cr_assert_eq(H.fsm.state, MIPMN_ST_BOUND, "state %s", mipmn_state_name(H.fsm.state));
}

/* The MN's keys equal the HA's: both sides derived the same Skey and Skey'. */
static void expect_keys_agree(void)
{
	struct tha_mn *mn = test_ha_find(&H.ha, H_NAI);

	cr_assert_not_null(mn);
	cr_assert(memcmp(mn->skey.b, H.fsm.skey.b, 16) == 0, "Skey differs");
	if (!C.single_key)
		cr_assert(memcmp(mn->skey2.b, H.fsm.skey2.b, 16) == 0, "Skey' differs");
}

Test(mn_fsm, initial_registration)
{
	h_start(&H, &C);
	expect_registered();
	cr_assert_eq(h_count(&H, MIPMN_EV_REGISTERED), 1);
	cr_assert_eq(H.ev[0].code, 0);
	cr_assert_eq(H.ev[0].lifetime, 100);
	cr_assert_eq(H.ev[0].home_addr, inet_addr("10.1.0.10"));
	cr_assert_eq(H.nsent, 1);
	cr_assert_eq(H.ha.cnt.initial_ok, 1);
	cr_assert_eq(H.fsm.cnt.registrations, 1);
	expect_keys_agree();
	/* The RRQ asked for reverse tunnelling only when configured. */
	cr_assert_eq(H.sent[0][1] & MIP_FLAG_T, 0);
	cr_assert(test_ha_find(&H.ha, H_NAI)->bound);
}

Test(mn_fsm, reverse_tunnel_flag)
{
	C.reverse_tunnel = true;
	h_start(&H, &C);
	expect_registered();
	cr_assert_eq(H.sent[0][1] & MIP_FLAG_T, MIP_FLAG_T);
}

/* The spec's worked example, byte for byte, through the state machine. */
Test(mn_fsm, spec_vector_exchange)
{
	const char *dir = getenv("MIP_SHARED_DIR");
	char path[512];
	json_error_t jerr;
	json_t *root, *in;
	uint8_t rrq[256], rrp[256], ac[16], skey[16], skey2[16];
	long rrq_len, rrp_len;
	uint64_t ident;

	snprintf(path, sizeof(path), "%s/spec/vectors/dynkey-example.json", dir ? dir : "/work/shared");
	root = json_load_file(path, 0, &jerr);
	cr_assert_not_null(root, "%s: %s", path, jerr.text);
	in = json_object_get(root, "inputs");
	cr_assert_eq(mip_ident_from_hex(json_string_value(json_object_get(in, "identification")),
					&ident), 0);
	cr_assert_eq(mip_hex_decode(json_string_value(json_object_get(in, "auth_challenge")), ac,
				    sizeof(ac)), 16);
	rrq_len = mip_hex_decode(json_string_value(json_object_get(root, "initial_rrq")), rrq,
				 sizeof(rrq));
	rrp_len = mip_hex_decode(json_string_value(json_object_get(root, "initial_rrp")), rrp,
				 sizeof(rrp));
	mip_hex_decode(json_string_value(json_object_get(root, "skey")), skey, 16);
	mip_hex_decode(json_string_value(json_object_get(root, "skey2")), skey2, 16);
	cr_assert_gt(rrq_len, 0);
	cr_assert_gt(rrp_len, 0);
	C.lifetime = (uint16_t)json_integer_value(json_object_get(in, "lifetime"));
	C.spi1 = (uint32_t)json_integer_value(json_object_get(in, "spi1"));
	C.spi2 = (uint32_t)json_integer_value(json_object_get(in, "spi2"));
	strcpy(C.nai, json_string_value(json_object_get(in, "nai")));
	C.nai_len = strlen(C.nai);
	mip_parse_ipv4(json_string_value(json_object_get(in, "home_agent")), &C.ha_addr);
	mip_parse_ipv4(json_string_value(json_object_get(in, "home_address")), &C.home_addr);
	mip_parse_ipv4(json_string_value(json_object_get(in, "care_of")), &C.coa);

	H.fixed_ident = ident;
	H.fixed_challenge = ac;
	H.hold = true;
	h_start(&H, &C);
	cr_assert_eq(H.nsent, 1);
	cr_assert_eq(H.sent_len[0], (size_t)rrq_len);
	cr_assert(memcmp(H.sent[0], rrq, (size_t)rrq_len) == 0, "initial RRQ differs from the vector");
	mipmn_fsm_input(&H.fsm, rrp, (size_t)rrp_len, H.now_ms);
	expect_registered();
	cr_assert(memcmp(H.fsm.skey.b, skey, 16) == 0);
	cr_assert(memcmp(H.fsm.skey2.b, skey2, 16) == 0);

	/* The vector's re-registration is a handover to its care-of address. */
	json_t *rr = json_object_get(root, "rereg");
	uint32_t coa2;

	cr_assert_eq(mip_ident_from_hex(json_string_value(json_object_get(rr, "identification")),
					&ident), 0);
	mip_parse_ipv4(json_string_value(json_object_get(rr, "care_of")), &coa2);
	rrq_len = mip_hex_decode(json_string_value(json_object_get(rr, "rrq")), rrq, sizeof(rrq));
	rrp_len = mip_hex_decode(json_string_value(json_object_get(rr, "rrp")), rrp, sizeof(rrp));
	H.fixed_ident = ident;
	mipmn_fsm_set_coa(&H.fsm, coa2, H.now_ms);
	cr_assert_eq(H.nsent, 2);
	cr_assert_eq(H.sent_len[1], (size_t)rrq_len);
	cr_assert(memcmp(H.sent[1], rrq, (size_t)rrq_len) == 0, "rereg RRQ differs from the vector");
	mipmn_fsm_input(&H.fsm, rrp, (size_t)rrp_len, H.now_ms);
	cr_assert_eq(h_count(&H, MIPMN_EV_HANDOVER), 1);

	/* The vector's rekey, and the new Skey'. */
	json_t *rk = json_object_get(root, "rekey");
	uint8_t new_skey2[16];

	cr_assert_eq(mip_ident_from_hex(json_string_value(json_object_get(rk, "identification")),
					&ident), 0);
	rrq_len = mip_hex_decode(json_string_value(json_object_get(rk, "rrq")), rrq, sizeof(rrq));
	rrp_len = mip_hex_decode(json_string_value(json_object_get(rk, "rrp")), rrp, sizeof(rrp));
	mip_hex_decode(json_string_value(json_object_get(rk, "new_skey2")), new_skey2, 16);
	H.fixed_ident = ident;
	mipmn_fsm_rekey(&H.fsm, H.now_ms);
	cr_assert_eq(H.nsent, 3);
	cr_assert_eq(H.sent_len[2], (size_t)rrq_len);
	cr_assert(memcmp(H.sent[2], rrq, (size_t)rrq_len) == 0, "rekey RRQ differs from the vector");
	mipmn_fsm_input(&H.fsm, rrp, (size_t)rrp_len, H.now_ms);
	cr_assert_eq(h_count(&H, MIPMN_EV_REKEYED), 1);
	cr_assert(memcmp(H.fsm.skey2.b, new_skey2, 16) == 0);
	json_decref(root);
}

Test(mn_fsm, reregisters_before_lifetime_ends)
{
	h_start(&H, &C);
	h_advance(&H, 74 * 1000);
	cr_assert_eq(H.nsent, 1, "refreshed too early");
	h_advance(&H, 2 * 1000);
	cr_assert_eq(H.nsent, 2);
	cr_assert_eq(H.sent_ms[1], 75000);
	cr_assert_eq(h_count(&H, MIPMN_EV_REREGISTERED), 1);
	cr_assert_eq(H.ha.cnt.rereg, 1);
	/* A re-registration carries SPI2 and no key spec. */
	struct mip_msg m;
	struct mip_parse_cfg pc;

	mip_parse_cfg_default(&pc);
	cr_assert_eq(mip_parse(H.sent[1], H.sent_len[1], &pc, &m), MIP_OK);
	cr_assert_eq(m.mhae.spi, 4098);
	cr_assert_eq(m.present & MIP_HAS_KEY_REQ_S2, 0);
	/* and keeps refreshing. */
	h_advance(&H, 300 * 1000);
	cr_assert_geq(h_count(&H, MIPMN_EV_REREGISTERED), 4);
	cr_assert_eq(h_count(&H, MIPMN_EV_EXPIRED), 0);
	expect_registered();
}

Test(mn_fsm, rekey_on_interval)
{
	struct mip_key old;

	C.rekey_interval = 10;
	h_start(&H, &C);
	old = H.fsm.skey2;
	h_advance(&H, 9999);
	cr_assert_eq(h_count(&H, MIPMN_EV_REKEYED), 0);
	h_advance(&H, 1);
	cr_assert_eq(h_count(&H, MIPMN_EV_REKEYED), 1);
	cr_assert_eq(H.ha.cnt.rekey, 1);
	cr_assert(memcmp(old.b, H.fsm.skey2.b, 16) != 0, "Skey' not renewed");
	expect_keys_agree();
	/* The rekey RRQ: KEY-REQ-S2 and MHAE under SPI1. */
	struct mip_msg m;
	struct mip_parse_cfg pc;

	mip_parse_cfg_default(&pc);
	cr_assert_eq(mip_parse(H.sent[1], H.sent_len[1], &pc, &m), MIP_OK);
	cr_assert_eq(m.mhae.spi, 4097);
	cr_assert(m.present & MIP_HAS_KEY_REQ_S2);
	/* A re-registration after the rekey verifies with the new Skey'. */
	mipmn_fsm_reregister(&H.fsm, H.now_ms);
	h_pump(&H);
	cr_assert_eq(h_count(&H, MIPMN_EV_REREGISTERED), 1);
	h_advance(&H, 10000);
	cr_assert_eq(h_count(&H, MIPMN_EV_REKEYED), 2);
	mip_wipe(&old, sizeof(old));
}

/* Section 7: a lost rekey reply must not strand the MN. */
Test(mn_fsm, lost_rekey_reply)
{
	struct mip_key old;

	h_start(&H, &C);
	old = H.fsm.skey2;
	H.ha.drop_replies = 1;
	mipmn_fsm_rekey(&H.fsm, H.now_ms);
	h_pump(&H);
	cr_assert_eq(H.fsm.state, MIPMN_ST_REKEY);
	/* The MN keeps the old Skey' until a rekey reply verifies. */
	cr_assert(memcmp(old.b, H.fsm.skey2.b, 16) == 0);
	/* A handover now still works: the HA keeps accepting the previous Skey'. */
	mipmn_fsm_set_coa(&H.fsm, inet_addr("198.51.100.9"), H.now_ms);
	h_pump(&H);
	cr_assert_eq(h_count(&H, MIPMN_EV_HANDOVER), 1);
	cr_assert_eq(H.ha.cnt.prev_key_used, 1);
	/* The next rekey goes through and both sides agree again. */
	H.ha.drop_replies = 1;
	mipmn_fsm_rekey(&H.fsm, H.now_ms);
	h_pump(&H);
	h_advance(&H, 1000);	/* retransmitted: a new RRQ, a new Skey' */
	cr_assert_eq(h_count(&H, MIPMN_EV_RETRYING), 1);
	cr_assert_eq(h_count(&H, MIPMN_EV_REKEYED), 1);
	cr_assert_eq(H.ha.cnt.rekey, 3);
	expect_keys_agree();
	mip_wipe(&old, sizeof(old));
}

Test(mn_fsm, deregistration)
{
	h_start(&H, &C);
	mipmn_fsm_deregister(&H.fsm, true, H.now_ms);
	h_pump(&H);
	cr_assert_eq(H.fsm.state, MIPMN_ST_DONE);
	cr_assert_eq(h_count(&H, MIPMN_EV_DEREGISTERED), 1);
	cr_assert_eq(H.ha.cnt.dereg, 1);
	cr_assert_not(test_ha_find(&H.ha, H_NAI)->bound);
	cr_assert(mipmn_fsm_finished(&H.fsm));
	/* Lifetime 0 in the deregistration RRQ; keys wiped on our side. */
	cr_assert_eq(H.sent[1][2] | H.sent[1][3], 0);
	cr_assert(all_zero(&H.fsm.skey, 16) && all_zero(&H.fsm.skey2, 16));
	cr_assert_eq(mipmn_fsm_deadline(&H.fsm), MIPMN_NO_DEADLINE);
}

Test(mn_fsm, deregistration_unconfirmed)
{
	h_start(&H, &C);
	H.ha.drop_requests = 100;
	mipmn_fsm_deregister(&H.fsm, true, H.now_ms);
	h_advance(&H, 60000);
	cr_assert_eq(H.fsm.state, MIPMN_ST_FAILED);
	cr_assert_eq(H.fsm.fail, MIPMN_FAIL_DEREG);
	cr_assert_eq(mipmn_fail_exit_code(H.fsm.fail), 5);
	cr_assert_eq(H.nsent, 1 + (int)C.dereg_tries);
}

/* RFC 5944 3.6.3: every retransmission a new RRQ, exponential back-off, a cap. */
Test(mn_fsm, backoff_timing)
{
	static const uint64_t want[] = { 0, 1000, 3000, 7000, 15000, 23000, 31000 };

	C.retry_max_ms = 8000;
	C.max_retries = 6;
	H.ha.drop_requests = 1000;
	h_start(&H, &C);
	h_advance(&H, 200000);
	cr_assert_eq(H.nsent, 7);
	for (int i = 0; i < 7; i++)
		cr_assert_eq(H.sent_ms[i], want[i], "RRQ %d at %llu", i,
			     (unsigned long long)H.sent_ms[i]);
	for (int i = 1; i < 7; i++) {
		/* New Identification and new AuthChallenge each time. */
		cr_assert(memcmp(H.sent[i] + 16, H.sent[i - 1] + 16, 8) != 0);
		cr_assert(memcmp(H.sent[i], H.sent[i - 1], H.sent_len[i]) != 0);
	}
	cr_assert_eq(h_count(&H, MIPMN_EV_RETRYING), 6);
	cr_assert_eq(H.ev[h_last(&H, MIPMN_EV_RETRYING)].delay_ms, 8000);
	cr_assert_eq(H.ev[h_last(&H, MIPMN_EV_RETRYING)].attempt, 7);
	cr_assert_eq(H.fsm.state, MIPMN_ST_FAILED);
	cr_assert_eq(H.fsm.fail, MIPMN_FAIL_NO_REPLY);
	cr_assert_eq(mipmn_fail_exit_code(H.fsm.fail), 4);
	cr_assert_eq(H.ev[H.nev - 1].kind, MIPMN_EV_ERROR);
}

Test(mn_fsm, backoff_capped_by_lifetime)
{
	C.lifetime = 3;
	C.max_retries = 4;
	H.ha.drop_requests = 1000;
	h_start(&H, &C);
	h_advance(&H, 60000);
	cr_assert_eq(H.nsent, 5);
	cr_assert_eq(H.sent_ms[4] - H.sent_ms[3], 3000);
	cr_assert_eq(H.sent_ms[3] - H.sent_ms[2], 3000);
}

/* Section 8: an initial RRQ outside the HA's window gets an authenticated 133. */
Test(mn_fsm, resync_133_initial)
{
	H.mn_skew = 100;
	h_start(&H, &C);
	expect_registered();
	cr_assert_eq(H.fsm.clock_offset, -100);
	cr_assert_eq(H.ha.cnt.resync133, 1);
	cr_assert_eq(H.nsent, 2);
	cr_assert_eq(H.sent_ms[1], 0, "133 not retried at once");
	cr_assert_eq(H.ev[0].kind, MIPMN_EV_DENIED);
	cr_assert_eq(H.ev[0].code, 133);
	cr_assert(H.ev[0].authenticated);
	cr_assert_eq(H.ev[0].action, MIPMN_DENY_RESYNC);
	expect_keys_agree();
}

Test(mn_fsm, resync_133_rereg)
{
	h_start(&H, &C);
	H.ha.clock_offset = 50;	/* the HA's clock is 50 s ahead */
	mipmn_fsm_reregister(&H.fsm, H.now_ms);
	h_pump(&H);
	cr_assert_eq(H.ha.cnt.resync133, 1);
	cr_assert_eq(h_count(&H, MIPMN_EV_REREGISTERED), 1);
	cr_assert_eq(H.fsm.clock_offset, 50);
}

/* An unauthenticated 133 only slows the MN down. */
Test(mn_fsm, unauthenticated_133_backs_off)
{
	H.ha.force_count = 1;
	H.ha.force_code = 133;
	H.ha.force_auth = false;
	h_start(&H, &C);
	cr_assert_eq(H.fsm.state, MIPMN_ST_INITIAL);
	cr_assert_eq(H.fsm.clock_offset, 0);
	h_advance(&H, 1000);
	expect_registered();
	cr_assert_eq(H.sent_ms[1], 1000);
}

/* Table row: any denial authenticated with the re-registration key: new initial. */
Test(mn_fsm, authenticated_denial_rereg_restarts_initial)
{
	h_start(&H, &C);
	H.ha.force_count = 1;
	H.ha.force_code = MIP_CODE_ADMIN_PROHIBITED;
	H.ha.force_auth = true;
	mipmn_fsm_reregister(&H.fsm, H.now_ms);
	h_pump(&H);
	int d = h_last(&H, MIPMN_EV_DENIED);

	cr_assert_geq(d, 0);
	cr_assert_eq(H.ev[d].code, 129);
	cr_assert(H.ev[d].authenticated);
	cr_assert_eq(H.ev[d].action, MIPMN_DENY_INITIAL);
	cr_assert_eq(H.ha.cnt.initial_ok, 2);
	cr_assert_eq(h_count(&H, MIPMN_EV_REGISTERED), 2);
	cr_assert_eq(H.fsm.cnt.initial_fallbacks, 1);
	expect_registered();
	expect_keys_agree();
}

Test(mn_fsm, authenticated_denial_rekey_restarts_initial)
{
	h_start(&H, &C);
	H.ha.force_count = 1;
	H.ha.force_code = MIP_CODE_REASON_UNSPECIFIED;
	H.ha.force_auth = true;
	mipmn_fsm_rekey(&H.fsm, H.now_ms);
	h_pump(&H);
	cr_assert_eq(H.fsm.cnt.initial_fallbacks, 1);
	cr_assert_eq(h_count(&H, MIPMN_EV_REGISTERED), 2);
	expect_registered();
}

/* Table row: unauthenticated denials of an initial RRQ: back off, stop after 5. */
Test(mn_fsm, unauthenticated_denials_initial_stop_after_5)
{
	H.ha.force_count = 100;
	H.ha.force_code = MIP_CODE_MN_FAILED_AUTH;
	H.ha.force_auth = false;
	h_start(&H, &C);
	h_advance(&H, 100000);
	cr_assert_eq(H.nsent, 5);
	cr_assert_eq(H.sent_ms[1], 1000, "no back-off after a denial");
	cr_assert_eq(H.sent_ms[2], 3000);
	cr_assert_eq(h_count(&H, MIPMN_EV_DENIED), 5);
	cr_assert_eq(H.ev[h_last(&H, MIPMN_EV_DENIED)].action, MIPMN_DENY_STOP);
	cr_assert_not(H.ev[h_last(&H, MIPMN_EV_DENIED)].authenticated);
	cr_assert_eq(H.fsm.state, MIPMN_ST_FAILED);
	cr_assert_eq(H.fsm.fail, MIPMN_FAIL_DENIED);
	cr_assert_eq(mipmn_fail_exit_code(H.fsm.fail), 3);
}

/* Four denials then an acceptance: the count is "in a row". */
Test(mn_fsm, unauthenticated_denials_initial_then_accept)
{
	H.ha.force_count = 4;
	H.ha.force_code = MIP_CODE_MN_FAILED_AUTH;
	h_start(&H, &C);
	h_advance(&H, 100000);
	expect_registered();
	cr_assert_eq(h_count(&H, MIPMN_EV_DENIED), 4);
}

/* Not in the table: an authenticated denial of an initial RRQ stops at once. */
Test(mn_fsm, authenticated_denial_initial_stops)
{
	H.ha.force_count = 1;
	H.ha.force_code = MIP_CODE_ADMIN_PROHIBITED;
	H.ha.force_auth = true;
	h_start(&H, &C);
	cr_assert_eq(H.fsm.state, MIPMN_ST_FAILED);
	cr_assert_eq(H.fsm.fail, MIPMN_FAIL_DENIED);
	cr_assert(H.ev[0].authenticated);
	cr_assert_eq(H.ev[0].code, 129);
}

/* Table row: unauthenticated denials of a re-registration: new initial after 3. */
Test(mn_fsm, unauthenticated_denials_rereg_initial_after_3)
{
	h_start(&H, &C);
	H.ha.force_count = 3;
	H.ha.force_code = MIP_CODE_REASON_UNSPECIFIED;
	H.ha.force_auth = false;
	mipmn_fsm_reregister(&H.fsm, H.now_ms);
	h_pump(&H);
	h_advance(&H, 1000);
	cr_assert_eq(H.fsm.state, MIPMN_ST_REREG);
	h_advance(&H, 2000);
	/* third denial: initial at once */
	cr_assert_eq(H.fsm.cnt.initial_fallbacks, 1);
	cr_assert_eq(H.ev[h_last(&H, MIPMN_EV_DENIED)].action, MIPMN_DENY_INITIAL);
	expect_registered();
	cr_assert_eq(H.ha.cnt.initial_ok, 2);
}

/* The HA restarted and lost its state: 131 without MHAE to our Skey' RRQs. */
Test(mn_fsm, ha_lost_state)
{
	C.rekey_interval = 30;
	h_start(&H, &C);
	test_ha_forget_all(&H.ha);
	h_advance(&H, 30000 + 3000);
	cr_assert_eq(H.fsm.cnt.initial_fallbacks, 1);
	expect_registered();
	cr_assert_eq(H.ha.cnt.initial_ok, 2);
	expect_keys_agree();
}

/* Table row: anything failing verification is discarded; retransmission goes on. */
Test(mn_fsm, forged_reply_discarded)
{
	H.ha.corrupt_mhae = 1;
	h_start(&H, &C);
	cr_assert_eq(H.fsm.state, MIPMN_ST_INITIAL);
	cr_assert_eq(H.fsm.cnt.discards[MIPMN_DROP_VERIFY], 1);
	cr_assert(all_zero(&H.fsm.skey, 16), "key installed from a forged reply");
	h_advance(&H, 1000);
	expect_registered();
	cr_assert_eq(H.nsent, 2);
}

Test(mn_fsm, wrong_auth_response_discarded)
{
	H.ha.corrupt_auth_response = 1;
	h_start(&H, &C);
	cr_assert_eq(H.fsm.state, MIPMN_ST_INITIAL);
	cr_assert_eq(H.fsm.cnt.discards[MIPMN_DROP_VERIFY], 1);
	cr_assert_eq(h_count(&H, MIPMN_EV_REGISTERED), 0);
	h_advance(&H, 1000);
	expect_registered();
}

Test(mn_fsm, wrong_keyspec_echo_discarded)
{
	H.ha.corrupt_keyspec = 1;
	h_start(&H, &C);
	cr_assert_eq(H.fsm.cnt.discards[MIPMN_DROP_VERIFY], 1);
	h_advance(&H, 1000);
	expect_registered();
	/* On a rekey too: the old Skey' stays. */
	struct mip_key old = H.fsm.skey2;

	H.ha.corrupt_keyspec = 1;
	mipmn_fsm_rekey(&H.fsm, H.now_ms);
	h_pump(&H);
	cr_assert_eq(H.fsm.cnt.discards[MIPMN_DROP_VERIFY], 2);
	cr_assert(memcmp(old.b, H.fsm.skey2.b, 16) == 0);
	mip_wipe(&old, sizeof(old));
}

Test(mn_fsm, forged_rereg_reply_discarded)
{
	h_start(&H, &C);
	H.ha.corrupt_mhae = 1;
	mipmn_fsm_reregister(&H.fsm, H.now_ms);
	h_pump(&H);
	cr_assert_eq(H.fsm.state, MIPMN_ST_REREG);
	cr_assert_eq(H.fsm.cnt.discards[MIPMN_DROP_VERIFY], 1);
	h_advance(&H, 1000);
	expect_registered();
}

/* An acceptance with no MHAE at all: discarded, never "registered". */
Test(mn_fsm, unauthenticated_acceptance_discarded)
{
	uint8_t rrp[128];
	struct mip_builder b;
	struct mip_msg m;
	struct mip_parse_cfg pc;

	H.hold = true;
	h_start(&H, &C);
	mip_parse_cfg_default(&pc);
	cr_assert_eq(mip_parse(H.sent[0], H.sent_len[0], &pc, &m), MIP_OK);
	mip_builder_init(&b, rrp, sizeof(rrp));
	mip_put_rrp_hdr(&b, 0, 100, m.home_addr, m.ha_addr, m.ident);
	mip_put_nai(&b, H_NAI, strlen(H_NAI));
	mipmn_fsm_input(&H.fsm, rrp, b.len, 0);
	cr_assert_eq(H.fsm.state, MIPMN_ST_INITIAL);
	cr_assert_eq(H.fsm.cnt.discards[MIPMN_DROP_ACCEPT_UNAUTH], 1);
	/* A wrong Identification and garbage are discarded too. */
	rrp[19] ^= 1;
	mipmn_fsm_input(&H.fsm, rrp, b.len, 0);
	cr_assert_eq(H.fsm.cnt.discards[MIPMN_DROP_IDENT], 1);
	mipmn_fsm_input(&H.fsm, (const uint8_t *)"\x03\x00", 2, 0);
	cr_assert_eq(H.fsm.cnt.discards[MIPMN_DROP_PARSE], 1);
	cr_assert_eq(h_count(&H, MIPMN_EV_REGISTERED), 0);
}

Test(mn_fsm, reply_when_idle_discarded)
{
	h_start(&H, &C);
	mipmn_fsm_input(&H.fsm, H.sent[0], H.sent_len[0], 0);
	cr_assert_eq(H.fsm.cnt.discards[MIPMN_DROP_UNEXPECTED], 1);
	expect_registered();
}

Test(mn_fsm, handover)
{
	h_start(&H, &C);
	mipmn_fsm_set_coa(&H.fsm, inet_addr("198.51.100.9"), H.now_ms);
	h_pump(&H);
	cr_assert_eq(h_count(&H, MIPMN_EV_HANDOVER), 1);
	cr_assert_eq(H.ev[h_last(&H, MIPMN_EV_HANDOVER)].coa, inet_addr("198.51.100.9"));
	cr_assert_eq(test_ha_find(&H.ha, H_NAI)->coa, inet_addr("198.51.100.9"));
	cr_assert_eq(H.fsm.bound_coa, inet_addr("198.51.100.9"));
	/* The same address again is no handover. */
	mipmn_fsm_set_coa(&H.fsm, inet_addr("198.51.100.9"), H.now_ms);
	cr_assert_eq(H.nsent, 2);
}

Test(mn_fsm, handover_during_initial)
{
	H.ha.drop_requests = 1;
	h_start(&H, &C);
	mipmn_fsm_set_coa(&H.fsm, inet_addr("198.51.100.9"), 10);
	h_pump(&H);
	expect_registered();
	cr_assert_eq(test_ha_find(&H.ha, H_NAI)->coa, inet_addr("198.51.100.9"));
}

Test(mn_fsm, assigned_home_address)
{
	C.home_addr = 0;
	H.ha.pool_first = ntohl(inet_addr("10.1.0.100"));
	H.ha.pool_size = 4;
	h_start(&H, &C);
	expect_registered();
	cr_assert_eq(H.fsm.home_addr, inet_addr("10.1.0.100"));
	cr_assert_eq(H.ev[0].home_addr, inet_addr("10.1.0.100"));
	/* The initial RRQ asked with 0.0.0.0; the next carries the assigned address. */
	cr_assert_eq(H.sent[0][4] | H.sent[0][5] | H.sent[0][6] | H.sent[0][7], 0);
	mipmn_fsm_reregister(&H.fsm, H.now_ms);
	h_pump(&H);
	cr_assert(memcmp(H.sent[1] + 4, &H.fsm.home_addr, 4) == 0);
	cr_assert_eq(h_count(&H, MIPMN_EV_REREGISTERED), 1);
}

Test(mn_fsm, pool_exhausted_denied)
{
	C.home_addr = 0;
	H.ha.pool_size = 0;
	h_start(&H, &C);
	cr_assert_eq(H.fsm.state, MIPMN_ST_FAILED);
	cr_assert_eq(H.ev[0].code, 130);
}

/* Section 7: key continuation after a deregistration, no AAA exchange. */
Test(mn_fsm, key_continuation_after_dereg)
{
	H.ha.key_continuation = 60;
	h_start(&H, &C);
	cr_assert_eq(H.fsm.continuation, 60);
	mipmn_fsm_deregister(&H.fsm, false, H.now_ms);
	h_pump(&H);
	cr_assert_eq(H.fsm.state, MIPMN_ST_IDLE);
	cr_assert(H.fsm.have_next);
	cr_assert(all_zero(&H.fsm.skey2, 16));
	h_advance(&H, 5000);
	mipmn_fsm_start(&H.fsm, H.now_ms);
	h_pump(&H);
	expect_registered();
	cr_assert_eq(H.ha.cnt.continued, 1);
	cr_assert_eq(H.ha.cnt.initial, 1, "continuation went through AAA");
	cr_assert_eq(H.fsm.cnt.continuations, 1);
	cr_assert_eq(H.ev[h_last(&H, MIPMN_EV_REGISTERED)].xkind, MIPMN_X_CONTINUE);
	expect_keys_agree();
	/* The new chain works for re-registration. */
	mipmn_fsm_reregister(&H.fsm, H.now_ms);
	h_pump(&H);
	cr_assert_eq(h_count(&H, MIPMN_EV_REREGISTERED), 1);
}

Test(mn_fsm, key_continuation_after_expiry)
{
	H.ha.key_continuation = 300;
	C.lifetime = 10;
	h_start(&H, &C);
	H.ha.drop_requests = 1000;
	h_advance(&H, 10000);
	cr_assert_eq(h_count(&H, MIPMN_EV_EXPIRED), 1);
	cr_assert_eq(H.fsm.state, MIPMN_ST_CONTINUE);
	H.ha.drop_requests = 0;
	h_advance(&H, 1000);
	expect_registered();
	cr_assert_eq(H.ha.cnt.continued, 1);
	cr_assert_eq(H.ha.cnt.initial, 1);
	expect_keys_agree();
}

Test(mn_fsm, no_continuation_when_not_offered)
{
	h_start(&H, &C);
	mipmn_fsm_deregister(&H.fsm, false, H.now_ms);
	h_pump(&H);
	cr_assert_not(H.fsm.have_next);
	cr_assert(all_zero(&H.fsm.skey, 16));
	mipmn_fsm_start(&H.fsm, H.now_ms);
	h_pump(&H);
	expect_registered();
	cr_assert_eq(H.ha.cnt.initial_ok, 2);
}

Test(mn_fsm, continuation_expires)
{
	H.ha.key_continuation = 5;
	h_start(&H, &C);
	mipmn_fsm_deregister(&H.fsm, false, H.now_ms);
	h_pump(&H);
	h_advance(&H, 6000);
	cr_assert_not(H.fsm.have_next);
	cr_assert(all_zero(&H.fsm.skey, 16));
	mipmn_fsm_start(&H.fsm, H.now_ms);
	h_pump(&H);
	expect_registered();
	cr_assert_eq(H.ha.cnt.initial_ok, 2);
}

Test(mn_fsm, single_key_mode)
{
	struct mip_msg m;
	struct mip_parse_cfg pc;

	C.single_key = true;
	C.rekey_interval = 5;
	h_start(&H, &C);
	expect_registered();
	mip_parse_cfg_default(&pc);
	cr_assert_eq(mip_parse(H.sent[0], H.sent_len[0], &pc, &m), MIP_OK);
	cr_assert_eq(m.present & MIP_HAS_KEY_REQ_S2, 0);
	h_advance(&H, 20000);
	cr_assert_eq(h_count(&H, MIPMN_EV_REKEYED), 0, "rekey in single-key mode");
	mipmn_fsm_reregister(&H.fsm, H.now_ms);
	h_pump(&H);
	cr_assert_eq(mip_parse(H.sent[H.nsent - 1], H.sent_len[H.nsent - 1], &pc, &m), MIP_OK);
	cr_assert_eq(m.mhae.spi, 4097);
	cr_assert_eq(h_count(&H, MIPMN_EV_REREGISTERED), 1);
	expect_keys_agree();
}

Test(mn_fsm, expiry_then_initial)
{
	C.lifetime = 8;
	h_start(&H, &C);
	H.ha.drop_requests = 1000;
	h_advance(&H, 8000);
	cr_assert_eq(h_count(&H, MIPMN_EV_EXPIRED), 1);
	cr_assert_eq(H.fsm.state, MIPMN_ST_INITIAL);
	H.ha.drop_requests = 0;
	h_advance(&H, 2000);
	expect_registered();
}

Test(mn_fsm, fini_wipes_credentials)
{
	h_start(&H, &C);
	mipmn_fsm_fini(&H.fsm);
	cr_assert(all_zero(&H.fsm.skey, 16));
	cr_assert(all_zero(&H.fsm.skey2, 16));
	cr_assert(all_zero(&H.fsm.cfg.nt_hash, 16));
}

Test(mn_fsm, counters_and_names)
{
	h_start(&H, &C);
	cr_assert_str_eq(mipmn_event_name(MIPMN_EV_REGISTERED), "registered");
	cr_assert_str_eq(mipmn_event_name(MIPMN_EV_RETRYING), "retrying");
	cr_assert_eq(H.fsm.cnt.rrq_sent, 1);
	cr_assert_eq(H.fsm.cnt.rrp_received, 1);
	cr_assert_eq(mipmn_fail_exit_code(MIPMN_FAIL_NONE), 0);
}

/* Deployment overrides: vendor id and DYNKEY_SPI as the HA is configured. */
Test(mn_fsm, vendor_and_dynkey_spi_overrides)
{
	struct mip_msg m;
	struct mip_parse_cfg pc = { .vendor_id = 9999, .dynkey_spi = 0x11223344 };

	C.vendor_id = 9999;
	C.dynkey_spi = 0x11223344;
	H.ha.pcfg = pc;
	h_start(&H, &C);
	expect_registered();
	cr_assert_eq(mip_parse(H.sent[0], H.sent_len[0], &pc, &m), MIP_OK);
	cr_assert_eq(m.mhae.spi, 0x11223344);
	cr_assert(mip_is_dynkey_initial(&m, &pc));
}

/* An HA that does not know our vendor id never answers us with keys. */
Test(mn_fsm, vendor_mismatch_not_registered)
{
	C.vendor_id = 9999;
	C.max_retries = 1;
	h_start(&H, &C);
	h_advance(&H, 10000);
	cr_assert_eq(H.fsm.state, MIPMN_ST_FAILED);
	cr_assert_eq(H.ha.cnt.initial_ok, 0);
}

Test(mn_fsm, domain_extension)
{
	struct mip_msg m;
	struct mip_parse_cfg pc;

	strcpy(C.domain, "CORP");
	C.domain_len = 4;
	h_start(&H, &C);
	expect_registered();
	mip_parse_cfg_default(&pc);
	cr_assert_eq(mip_parse(H.sent[0], H.sent_len[0], &pc, &m), MIP_OK);
	cr_assert(m.present & MIP_HAS_DOMAIN);
	cr_assert_eq(m.domain.len, 4);
	cr_assert(memcmp(m.domain.p, "CORP", 4) == 0);
}

/* A 133 loop (the HA's clock went back) does not spin: after 3, normal back-off. */
Test(mn_fsm, resync_loop_is_bounded)
{
	h_start(&H, &C);
	H.ha.clock_offset = -50;
	mipmn_fsm_reregister(&H.fsm, H.now_ms);
	h_pump(&H);
	cr_assert_eq(H.nsent, 1 + 1 + MIPMN_RESYNC_MAX);
	cr_assert_eq(H.ev[h_last(&H, MIPMN_EV_DENIED)].action, MIPMN_DENY_RETRY);
	cr_assert_eq(H.fsm.state, MIPMN_ST_REREG);
}

/* Every retransmission of a re-registration is a new RRQ too (new Identification). */
Test(mn_fsm, rereg_retransmission_is_new_rrq)
{
	h_start(&H, &C);
	H.ha.drop_replies = 2;
	mipmn_fsm_reregister(&H.fsm, H.now_ms);
	h_pump(&H);
	h_advance(&H, 3000);
	cr_assert_eq(H.nsent, 4);
	cr_assert(memcmp(H.sent[1] + 16, H.sent[2] + 16, 8) != 0);
	cr_assert(memcmp(H.sent[2] + 16, H.sent[3] + 16, 8) != 0);
	cr_assert_eq(h_count(&H, MIPMN_EV_REREGISTERED), 1);
	cr_assert_eq(H.ev[h_last(&H, MIPMN_EV_REREGISTERED)].attempt, 3);
}
