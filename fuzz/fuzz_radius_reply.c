/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the HA's handling of a RADIUS reply (control/aaa), in the
 * order the client applies it to a datagram (aaa_client.c handle_datagram):
 * aaa_radius_check_length, the Identifier of the request in flight, the code,
 * aaa_radius_verify_reply, then aaa_radius_decode_reply. The secret and the
 * request (the spec example's Access-Request) are fixed.
 *
 * Input: one mode byte, then the datagram.
 *   mode & 1: re-sign the datagram as the server would (aaa_radius_sign_reply)
 *             so that mutations reach the attribute decoding and MPPE key
 *             decryption behind the authenticators.
 *   mode & 2: force the Identifier to the request's.
 *   mode & 4: the datagram is an RFC 5176 request to the HA instead
 *             (aaa_dae_verify_request at FV_DAE_NOW, then the ACK and NAK it
 *             gets, checked as a DAC would); mode & 1 then signs it as a DAC
 *             would (aaa_dae_sign_request).
 * Traps when a re-signed reply fails its authenticators, when an unverified
 * reply reaches decode, or when a reply that is not OK leaves key bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_vectors.h"
#include "mip.h"
#include "radius.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                \
	do {                                                                    \
		if (!(c))                                                       \
			__builtin_trap();                                       \
	} while (0)

static const uint8_t req_auth[AAA_RADIUS_AUTH_LEN] = FV_RADIUS_REQ_AUTH;
static const struct aaa_secret secret = {
	.b = (const uint8_t *)FV_RADIUS_SECRET,
	.len = sizeof(FV_RADIUS_SECRET) - 1,
};

/* MIP_FUZZ_TRACE set: print each input's outcome (triage of a corpus). */
static bool trace;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	trace = getenv("MIP_FUZZ_TRACE") != NULL;
	fv_load();
	return 0;
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= b[i];
	return acc == 0;
}

static bool code_expected(uint8_t code)
{
	return code == AAA_CODE_ACCESS_ACCEPT || code == AAA_CODE_ACCESS_REJECT ||
	       code == AAA_CODE_ACCESS_CHALLENGE;
}

static void check_decoded(enum aaa_reason r, const struct aaa_reply *out)
{
	CHECK((unsigned)r < AAA_REASON_MAX);
	CHECK(aaa_reason_name(r) != NULL && aaa_reason_text(r) != NULL);
	/* Decode only sees verified replies: the first group cannot come back. */
	CHECK(r == AAA_REASON_OK || r >= AAA_REASON_FIRST_UNUSABLE || r == AAA_REASON_BAD_CODE ||
	      r == AAA_REASON_BAD_ATTR);
	if (r != AAA_REASON_OK) {
		CHECK(!out->has_recv_key && !out->has_send_key);
		CHECK(all_zero(&out->recv_key, sizeof(out->recv_key)));
		CHECK(all_zero(&out->send_key, sizeof(out->send_key)));
		return;
	}
	CHECK(out->reply_message_len < sizeof(out->reply_message));
	CHECK(out->reply_message[out->reply_message_len] == '\0');
	if (out->code == AAA_CODE_ACCESS_ACCEPT) {
		CHECK(out->has_success && out->has_recv_key);
		CHECK(out->success_ident == 0);
		CHECK(out->auth_response[0] == 'S' && out->auth_response[1] == '=');
	} else {
		CHECK(out->code == AAA_CODE_ACCESS_REJECT);
	}
}

/* What the client does with one datagram of n bytes. */
static enum aaa_reason handle(uint8_t *pkt, size_t n, bool signed_here, int *stage)
{
	struct aaa_reply out;
	enum aaa_reason r;
	size_t len = 0;

	*stage = 0;
	r = aaa_radius_check_length(pkt, n, &len);
	if (r != AAA_REASON_OK) {
		CHECK(r == AAA_REASON_SHORT || r == AAA_REASON_BAD_LENGTH);
		return r;
	}
	CHECK(len >= AAA_RADIUS_HDR_LEN && len <= n && len <= AAA_RADIUS_MAX_LEN);
	if (pkt[1] != FV_RADIUS_ID)
		return AAA_REASON_BAD_ID;
	if (!code_expected(pkt[0]))
		return AAA_REASON_BAD_CODE;
	*stage = 1;
	r = aaa_radius_verify_reply(pkt, len, req_auth, &secret);
	if (signed_here && len == n)
		CHECK(r != AAA_REASON_BAD_RESPONSE_AUTH && r != AAA_REASON_BAD_MA);
	if (r != AAA_REASON_OK)
		return r;
	*stage = 2;
	r = aaa_radius_decode_reply(pkt, len, req_auth, &secret, 0, &out);
	check_decoded(r, &out);
	mip_wipe(&out, sizeof(out));
	return r;
}

/* What ctl_dae.c does with a request of n bytes (after its source check). */
static enum aaa_dae_discard handle_dae(const uint8_t *pkt, size_t n, bool signed_here)
{
	uint8_t out[AAA_RADIUS_MAX_LEN];
	struct aaa_dae_request r;
	enum aaa_dae_discard d;
	size_t len = 0;
	int m;

	if (aaa_radius_check_length(pkt, n, &len) != AAA_REASON_OK)
		return AAA_DAE_BAD_LENGTH;
	d = aaa_dae_verify_request(pkt, len, FV_DAE_NOW, 300, &secret, &r);
	CHECK((unsigned)d < AAA_DAE_MAX && aaa_dae_discard_name(d) != NULL);
	if (signed_here && len == n)
		CHECK(d != AAA_DAE_BAD_AUTHENTICATOR && d != AAA_DAE_BAD_MA);
	if (d != AAA_DAE_OK)
		return d;
	CHECK(r.code == AAA_CODE_DISCONNECT_REQUEST || r.code == AAA_CODE_COA_REQUEST);
	CHECK(r.user_name_len < sizeof(r.user_name) && r.user_name[r.user_name_len] == '\0');
	CHECK(r.nas_id_len < sizeof(r.nas_id) && r.nas_id[r.nas_id_len] == '\0');
	CHECK(r.n_proxy_state <= AAA_DAE_PROXY_STATES);
	for (unsigned int i = 0; i < r.n_proxy_state; i++)
		CHECK(pkt[r.proxy_state_off[i]] == AAA_ATTR_PROXY_STATE &&
		      r.proxy_state_off[i] + (size_t)pkt[r.proxy_state_off[i] + 1] <= len);
	/* Both answers fit (8 Proxy-States at most) and verify for this request. */
	m = aaa_dae_encode_reply(out, sizeof(out), AAA_CODE_DISCONNECT_ACK, &r, pkt, 0, &secret);
	CHECK(m > 0 && aaa_radius_verify_reply(out, (size_t)m, r.req_auth, &secret) ==
			       AAA_REASON_OK);
	m = aaa_dae_encode_reply(out, sizeof(out), AAA_CODE_DISCONNECT_NAK, &r, pkt,
				 AAA_ERR_SESSION_NOT_FOUND, &secret);
	CHECK(m > 0 && aaa_radius_verify_reply(out, (size_t)m, r.req_auth, &secret) ==
			       AAA_REASON_OK);
	return d;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t mode, *pkt;
	enum aaa_reason r;
	int stage;
	size_t n;
	bool sign;

	if (size < 1)
		return 0;
	mode = data[0];
	n = size - 1;
	pkt = fv_dup(data + 1, n);
	sign = (mode & 1) != 0 && n >= AAA_RADIUS_HDR_LEN && n <= AAA_RADIUS_MAX_LEN;
	if ((mode & 4) != 0) {
		enum aaa_dae_discard d;

		if (sign)
			CHECK(aaa_dae_sign_request(pkt, n, &secret) == 0);
		d = handle_dae(pkt, n, sign);
		if (trace)
			fprintf(stderr, "dae request: %s\n", aaa_dae_discard_name(d));
		free(pkt);
		return 0;
	}
	if ((mode & 2) != 0 && n >= 2)
		pkt[1] = FV_RADIUS_ID;
	if (sign)
		CHECK(aaa_radius_sign_reply(pkt, n, req_auth, &secret) == 0);
	r = handle(pkt, n, sign, &stage);
	if (trace)
		fprintf(stderr, "radius reply: %s at %s\n", aaa_reason_name(r),
			stage == 0 ? "header" : stage == 1 ? "verify" : "decode");
	free(pkt);
	return 0;
}
