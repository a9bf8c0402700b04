/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 5176 Disconnect-Requests (control/aaa/radius.c, aaa_dae_*): what makes
 * one acted on (Request Authenticator, one valid Message-Authenticator, a
 * current Event-Timestamp), each reason to discard one, the attributes read,
 * and the ACK/NAK: Error-Cause, Proxy-States echoed in order, signed for the
 * request. No sockets; radclient's side is in e2e_aaa_disconnect.
 */
#include <sys/random.h>

#include "aaa_test.h"

#define NOW 1800000000u

TestSuite(dae, .timeout = 30);

static const uint32_t home = 0x1400010a;	/* 10.1.0.20 */
static const uint32_t ha = 0x0100010a;		/* 10.1.0.1 */

static void ts_attr(struct rbuild *rb, uint32_t t)
{
	uint8_t v[4] = { t >> 24, t >> 16, t >> 8, t };

	rb_attr(rb, AAA_ATTR_EVENT_TIMESTAMP, v, 4);
}

/* Message-Authenticator first, then the session, NAS, time and two Proxy-States. */
static void good_request(struct rbuild *rb, uint8_t code)
{
	const struct aaa_secret s = test_secret();

	rb_init(rb, code, 42);
	rb_ma(rb);
	rb_attr(rb, AAA_ATTR_USER_NAME, "mn1@example.net", 15);
	rb_attr(rb, AAA_ATTR_FRAMED_IP_ADDRESS, &home, 4);
	rb_attr(rb, AAA_ATTR_NAS_IP_ADDRESS, &ha, 4);
	rb_attr(rb, AAA_ATTR_NAS_IDENTIFIER, "ha1", 3);
	ts_attr(rb, NOW - 5);
	rb_attr(rb, AAA_ATTR_PROXY_STATE, "first", 5);
	rb_attr(rb, AAA_ATTR_PROXY_STATE, "second", 6);
	cr_assert_eq(aaa_dae_sign_request(rb->b, rb->len, &s), 0);
}

static enum aaa_dae_discard verify(const struct rbuild *rb, struct aaa_dae_request *r)
{
	const struct aaa_secret s = test_secret();

	return aaa_dae_verify_request(rb->b, rb->len, NOW, 300, &s, r);
}

Test(dae, good_request_verifies_and_decodes)
{
	struct rbuild rb;
	struct aaa_dae_request r;

	good_request(&rb, AAA_CODE_DISCONNECT_REQUEST);
	cr_assert_eq(verify(&rb, &r), AAA_DAE_OK);
	cr_assert_eq(r.code, AAA_CODE_DISCONNECT_REQUEST);
	cr_assert_eq(r.id, 42);
	cr_assert_arr_eq(r.req_auth, rb.b + 4, 16);
	cr_assert_eq(r.user_name_len, 15);
	cr_assert_str_eq(r.user_name, "mn1@example.net");
	cr_assert(r.has_framed_ip);
	cr_assert_eq(r.framed_ip, home);
	cr_assert(r.has_nas_ip);
	cr_assert_eq(r.nas_ip, ha);
	cr_assert_str_eq(r.nas_id, "ha1");
	cr_assert_eq(r.event_timestamp, NOW - 5);
	cr_assert_eq(r.unsupported, 0);
	cr_assert_eq(r.n_proxy_state, 2);
	cr_assert_eq(rb.b[r.proxy_state_off[0]], AAA_ATTR_PROXY_STATE);
	cr_assert_arr_eq(rb.b + r.proxy_state_off[1] + 2, "second", 6);
	/* A CoA-Request passes the same checks (the HA then answers CoA-NAK 405). */
	good_request(&rb, AAA_CODE_COA_REQUEST);
	cr_assert_eq(verify(&rb, &r), AAA_DAE_OK);
	cr_assert_eq(r.code, AAA_CODE_COA_REQUEST);
}

Test(dae, any_flipped_byte_is_discarded)
{
	struct rbuild rb, bad;
	struct aaa_dae_request r;

	good_request(&rb, AAA_CODE_DISCONNECT_REQUEST);
	for (size_t i = 0; i < rb.len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			bad = rb;
			bad.b[i] ^= (uint8_t)(1u << bit);
			cr_assert_neq(verify(&bad, &r), AAA_DAE_OK, "byte %zu bit %d", i, bit);
		}
	}
}

Test(dae, each_reason_to_discard)
{
	const struct aaa_secret s = test_secret();
	const struct aaa_secret other = { (const uint8_t *)"another", 7 };
	struct rbuild rb;
	struct aaa_dae_request r;
	uint8_t zero[16] = { 0 };

	/* Signed with another secret. */
	good_request(&rb, AAA_CODE_DISCONNECT_REQUEST);
	cr_assert_eq(aaa_dae_sign_request(rb.b, rb.len, &other), 0);
	cr_assert_eq(verify(&rb, &r), AAA_DAE_BAD_AUTHENTICATOR);
	/* An Access-Request is not one. */
	good_request(&rb, AAA_CODE_ACCESS_REQUEST);
	cr_assert_eq(verify(&rb, &r), AAA_DAE_BAD_CODE);
	/* No Message-Authenticator (the Request Authenticator alone is not enough). */
	rb_init(&rb, AAA_CODE_DISCONNECT_REQUEST, 1);
	rb_attr(&rb, AAA_ATTR_USER_NAME, "mn1@example.net", 15);
	ts_attr(&rb, NOW);
	cr_assert_eq(aaa_dae_sign_request(rb.b, rb.len, &s), 0);
	cr_assert_eq(verify(&rb, &r), AAA_DAE_NO_MA);
	/* Two. */
	rb_init(&rb, AAA_CODE_DISCONNECT_REQUEST, 1);
	rb_ma(&rb);
	rb_ma(&rb);
	ts_attr(&rb, NOW);
	cr_assert_eq(aaa_dae_sign_request(rb.b, rb.len, &s), 0);
	cr_assert_eq(verify(&rb, &r), AAA_DAE_DUP_MA);
	/* A Message-Authenticator that does not match, under a right Request Authenticator. */
	good_request(&rb, AAA_CODE_DISCONNECT_REQUEST);
	rb.b[AAA_RADIUS_HDR_LEN + 2] ^= 1;
	memset(rb.b + 4, 0, 16);
	{
		struct md5_ctx ctx;

		md5_init(&ctx);
		md5_update(&ctx, rb.len, rb.b);
		md5_update(&ctx, s.len, s.b);
		md5_digest(&ctx, 16, rb.b + 4);
	}
	cr_assert_eq(verify(&rb, &r), AAA_DAE_BAD_MA);
	/* Garbled attributes. */
	rb_init(&rb, AAA_CODE_DISCONNECT_REQUEST, 1);
	rb_ma(&rb);
	rb_attr(&rb, AAA_ATTR_FRAMED_IP_ADDRESS, zero, 3);
	ts_attr(&rb, NOW);
	cr_assert_eq(aaa_dae_sign_request(rb.b, rb.len, &s), 0);
	cr_assert_eq(verify(&rb, &r), AAA_DAE_BAD_ATTR);
	rb_init(&rb, AAA_CODE_DISCONNECT_REQUEST, 1);
	rb_ma(&rb);
	rb_attr(&rb, AAA_ATTR_EVENT_TIMESTAMP, zero, 3);
	cr_assert_eq(aaa_dae_sign_request(rb.b, rb.len, &s), 0);
	cr_assert_eq(verify(&rb, &r), AAA_DAE_BAD_ATTR);
	/* No Event-Timestamp: no replay protection, not taken. */
	rb_init(&rb, AAA_CODE_DISCONNECT_REQUEST, 1);
	rb_ma(&rb);
	rb_attr(&rb, AAA_ATTR_USER_NAME, "mn1@example.net", 15);
	cr_assert_eq(aaa_dae_sign_request(rb.b, rb.len, &s), 0);
	cr_assert_eq(verify(&rb, &r), AAA_DAE_NO_TIMESTAMP);
	/* Outside the window either way; its edges inside. */
	for (int64_t d = -301; d <= 301; d += 1) {
		rb_init(&rb, AAA_CODE_DISCONNECT_REQUEST, 1);
		rb_ma(&rb);
		rb_attr(&rb, AAA_ATTR_USER_NAME, "mn1@example.net", 15);
		ts_attr(&rb, (uint32_t)((int64_t)NOW + d));
		cr_assert_eq(aaa_dae_sign_request(rb.b, rb.len, &s), 0);
		cr_assert_eq(verify(&rb, &r), d < -300 || d > 300 ? AAA_DAE_STALE_TIMESTAMP : AAA_DAE_OK,
			     "skew %lld", (long long)d);
		if (d == -290)
			d = 289;	/* the middle says nothing new */
	}
	/* Lengths: below a header, and past the data. */
	cr_assert_eq(aaa_dae_verify_request(rb.b, 19, NOW, 300, &s, &r), AAA_DAE_BAD_LENGTH);
}

Test(dae, attributes_not_taken_are_named)
{
	const struct aaa_secret s = test_secret();
	struct rbuild rb;
	struct aaa_dae_request r;
	uint32_t v = 0;

	/* Acct-Session-Id (44): mipha has no accounting sessions. */
	rb_init(&rb, AAA_CODE_DISCONNECT_REQUEST, 9);
	rb_ma(&rb);
	rb_attr(&rb, AAA_ATTR_USER_NAME, "mn1@example.net", 15);
	rb_attr(&rb, 44, "abc", 3);
	rb_attr(&rb, AAA_ATTR_SERVICE_TYPE, &v, 4);
	ts_attr(&rb, NOW);
	cr_assert_eq(aaa_dae_sign_request(rb.b, rb.len, &s), 0);
	cr_assert_eq(verify(&rb, &r), AAA_DAE_OK);
	cr_assert_eq(r.unsupported, 44);
	/* A second User-Name: ambiguous, not taken. */
	rb_init(&rb, AAA_CODE_DISCONNECT_REQUEST, 9);
	rb_ma(&rb);
	rb_attr(&rb, AAA_ATTR_USER_NAME, "mn1@example.net", 15);
	rb_attr(&rb, AAA_ATTR_USER_NAME, "mn2@example.net", 15);
	ts_attr(&rb, NOW);
	cr_assert_eq(aaa_dae_sign_request(rb.b, rb.len, &s), 0);
	cr_assert_eq(verify(&rb, &r), AAA_DAE_OK);
	cr_assert_eq(r.unsupported, AAA_ATTR_USER_NAME);
	cr_assert_str_eq(r.user_name, "mn1@example.net");
	/* More Proxy-States than can be echoed. */
	rb_init(&rb, AAA_CODE_DISCONNECT_REQUEST, 9);
	rb_ma(&rb);
	ts_attr(&rb, NOW);
	for (int i = 0; i <= AAA_DAE_PROXY_STATES; i++)
		rb_attr(&rb, AAA_ATTR_PROXY_STATE, "p", 1);
	cr_assert_eq(aaa_dae_sign_request(rb.b, rb.len, &s), 0);
	cr_assert_eq(verify(&rb, &r), AAA_DAE_OK);
	cr_assert_eq(r.unsupported, AAA_ATTR_PROXY_STATE);
}

/* Walks a reply: its Error-Cause (0: none) and its Proxy-States' values, joined. */
static uint32_t reply_attrs(const uint8_t *p, size_t len, char *ps, size_t pslen)
{
	size_t off = AAA_RADIUS_HDR_LEN;
	struct aaa_attr a;
	uint32_t cause = 0;

	ps[0] = '\0';
	while (aaa_radius_next_attr(p, len, &off, &a) > 0) {
		if (a.type == AAA_ATTR_ERROR_CAUSE) {
			cr_assert_eq(a.len, 4);
			cause = (uint32_t)a.val[0] << 24 | (uint32_t)a.val[1] << 16 |
				(uint32_t)a.val[2] << 8 | a.val[3];
		}
		if (a.type == AAA_ATTR_PROXY_STATE) {
			strncat(ps, (const char *)a.val, a.len);
			strncat(ps, "|", pslen - strlen(ps) - 1);
		}
	}
	return cause;
}

Test(dae, ack_and_nak_signed_for_the_request)
{
	const struct aaa_secret s = test_secret();
	struct rbuild rb;
	struct aaa_dae_request r;
	uint8_t out[512];
	char ps[64];
	int n;

	good_request(&rb, AAA_CODE_DISCONNECT_REQUEST);
	cr_assert_eq(verify(&rb, &r), AAA_DAE_OK);
	n = aaa_dae_encode_reply(out, sizeof(out), AAA_CODE_DISCONNECT_ACK, &r, rb.b, 0, &s);
	cr_assert_gt(n, 0);
	cr_assert_eq(out[0], AAA_CODE_DISCONNECT_ACK);
	cr_assert_eq(out[1], 42);
	cr_assert_eq(out[2] << 8 | out[3], n);
	/* The checks a DAC makes: Response Authenticator and Message-Authenticator. */
	cr_assert_eq(aaa_radius_verify_reply(out, (size_t)n, r.req_auth, &s), AAA_REASON_OK);
	cr_assert_eq(out[AAA_RADIUS_HDR_LEN], AAA_ATTR_MESSAGE_AUTHENTICATOR);
	cr_assert_eq(reply_attrs(out, (size_t)n, ps, sizeof(ps)), 0);
	cr_assert_str_eq(ps, "first|second|");

	n = aaa_dae_encode_reply(out, sizeof(out), AAA_CODE_DISCONNECT_NAK, &r, rb.b,
				 AAA_ERR_SESSION_NOT_FOUND, &s);
	cr_assert_gt(n, 0);
	cr_assert_eq(out[0], AAA_CODE_DISCONNECT_NAK);
	cr_assert_eq(aaa_radius_verify_reply(out, (size_t)n, r.req_auth, &s), AAA_REASON_OK);
	cr_assert_eq(reply_attrs(out, (size_t)n, ps, sizeof(ps)), 503);
	cr_assert_str_eq(ps, "first|second|");
	/* For another request it does not verify. */
	{
		uint8_t other[16];

		memcpy(other, r.req_auth, 16);
		other[0] ^= 1;
		cr_assert_eq(aaa_radius_verify_reply(out, (size_t)n, other, &s),
			     AAA_REASON_BAD_RESPONSE_AUTH);
	}
	/* No room: refused, not cut. */
	cr_assert_eq(aaa_dae_encode_reply(out, 30, AAA_CODE_DISCONNECT_ACK, &r, rb.b, 0, &s),
		     -ENOSPC);
}

Test(dae, discard_names_distinct)
{
	for (int i = 0; i < AAA_DAE_MAX; i++) {
		cr_assert_str_neq(aaa_dae_discard_name(i), "?");
		cr_assert_str_neq(aaa_dae_discard_text(i), "?");
		for (int j = 0; j < i; j++)
			cr_assert_str_neq(aaa_dae_discard_name(i), aaa_dae_discard_name(j));
	}
	cr_assert_str_eq(aaa_dae_discard_name(AAA_DAE_MAX), "?");
}

/* Signed garbage: mutated requests through verify never crash nor read past the end. */
Test(dae, mutated_requests_are_handled)
{
	const struct aaa_secret s = test_secret();
	struct rbuild rb, m;
	struct aaa_dae_request r;
	uint8_t rnd[4];

	good_request(&rb, AAA_CODE_DISCONNECT_REQUEST);
	for (int i = 0; i < 5000; i++) {
		m = rb;
		cr_assert_eq(getrandom(rnd, sizeof(rnd), 0), (ssize_t)sizeof(rnd));
		m.b[AAA_RADIUS_HDR_LEN + rnd[0] % (rb.len - AAA_RADIUS_HDR_LEN)] = rnd[1];
		m.len = AAA_RADIUS_HDR_LEN + rnd[2] % (rb.len - AAA_RADIUS_HDR_LEN + 1);
		aaa_dae_sign_request(m.b, m.len, &s);
		(void)verify(&m, &r);
	}
}
