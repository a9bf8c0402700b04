/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the Mobile Node's reply checks (tools/mipmn/mn_msg.h)
 * with the request and the password fixed to the spec's example exchange.
 *
 * Input: one mode byte, then the reply.
 *   mode & 3: 0 the initial RRQ (mipmn_check_initial_reply, the password's
 *             NT hash), 1 the re-registration (Skey', HMAC-MD5), 2 the rekey
 *             (Skey, HMAC-MD5), 3 the re-registration under keyed-MD5.
 *   mode & 4: re-sign the reply's MHAE with the key the check expects before
 *             checking, so mutations reach the checks behind the MHAE
 *             (key-spec and challenge echoes, AUTH-RESPONSE, Skey' derivation).
 * Traps when a failed check leaves any key byte in the reply, when a key
 * handed back differs from the spec's, or when "authenticated" disagrees
 * with the reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_vectors.h"
#include "mip.h"
#include "mn_msg.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                \
	do {                                                                    \
		if (!(c))                                                       \
			__builtin_trap();                                       \
	} while (0)

static struct mip_parse_cfg cfg;
static uint8_t initial_rrq[MIPMN_RRQ_MAX], rereg_rrq[MIPMN_RRQ_MAX], rekey_rrq[MIPMN_RRQ_MAX];
static size_t initial_len, rereg_len, rekey_len;
static struct mip_key nt_hash, skey, skey2, new_skey2;
static const char *nai;
/* MIP_FUZZ_TRACE set: print each input's outcome (triage of a corpus). */
static bool trace;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *password;

	trace = getenv("MIP_FUZZ_TRACE") != NULL;
	fv_parse_cfg(&cfg);
	initial_len = fv_hex("initial_rrq", NULL, initial_rrq, sizeof(initial_rrq));
	rereg_len = fv_hex("rereg", "rrq", rereg_rrq, sizeof(rereg_rrq));
	rekey_len = fv_hex("rekey", "rrq", rekey_rrq, sizeof(rekey_rrq));
	fv_key("skey", NULL, &skey);
	fv_key("skey2", NULL, &skey2);
	fv_key("rekey", "new_skey2", &new_skey2);
	nai = fv_str("inputs", "nai");
	password = fv_str("inputs", "password");
	CHECK(mip_nt_password_hash(password, strlen(password), &nt_hash) == 0);
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

/* Writes the authenticator an honest HA would put in the reply's MHAE. */
static void resign(uint8_t *rep, size_t len, enum mip_alg alg, const struct mip_key *key)
{
	struct mip_msg m;
	size_t auth_off;

	if (mip_parse(rep, len, &cfg, &m) != MIP_OK || (m.present & MIP_HAS_MHAE) == 0 ||
	    m.mhae.auth.len != MIP_MD5_AUTH_LEN)
		return;
	auth_off = (size_t)(m.mhae.auth.p - rep);
	if (auth_off == m.mhae.protected_len)
		CHECK(mip_auth_sign(rep, auth_off, alg, key) == 0);
}

static void check_out(enum mipmn_reason r, const struct mipmn_reply *out)
{
	CHECK((unsigned)r < MIPMN_R__COUNT);
	CHECK(mipmn_reason_str(r) != NULL && mipmn_reason_name(r) != NULL);
	if (trace)
		fprintf(stderr, "mn reply: %s (%s)\n", mipmn_reason_name(r),
			mip_err_name(out->parse_err));
	if (r != MIPMN_R_OK) {
		CHECK(!out->has_skey && !out->has_skey2);
		CHECK(all_zero(&out->skey, sizeof(out->skey)));
		CHECK(all_zero(&out->skey2, sizeof(out->skey2)));
	}
	if (out->authenticated)
		CHECK(r == MIPMN_R_OK || r == MIPMN_R_DENIED_AUTH);
	if (r == MIPMN_R_OK || r == MIPMN_R_DENIED_AUTH)
		CHECK(out->authenticated);
}

static void check_initial(uint8_t *rep, size_t len, bool sign)
{
	struct mipmn_reply out;
	enum mipmn_reason r;

	if (sign)
		resign(rep, len, MIP_ALG_HMAC_MD5, &skey);
	r = mipmn_check_initial_reply(initial_rrq, initial_len, rep, len, nai, strlen(nai),
				      &nt_hash, &cfg, &out);
	check_out(r, &out);
	if (r == MIPMN_R_OK) {
		CHECK(out.has_skey && out.has_skey2);
		CHECK(mip_ct_equal(&out.skey, &skey, sizeof(skey)));
		CHECK(mip_ct_equal(&out.skey2, &skey2, sizeof(skey2)));
	}
	mipmn_reply_wipe(&out);
}

static void check_other(const uint8_t *req, size_t req_len, uint8_t *rep, size_t len,
			const struct mip_key *key, enum mip_alg alg, bool sign,
			const struct mip_key *want_skey2)
{
	struct mipmn_reply out;
	enum mipmn_reason r;

	if (sign)
		resign(rep, len, alg, key);
	r = mipmn_check_reply(req, req_len, rep, len, key, alg, &cfg, &out);
	check_out(r, &out);
	if (r == MIPMN_R_OK) {
		CHECK(!out.has_skey);
		CHECK(out.has_skey2 == (want_skey2 != NULL));
		if (want_skey2 != NULL)
			CHECK(mip_ct_equal(&out.skey2, want_skey2, sizeof(*want_skey2)));
	}
	mipmn_reply_wipe(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t mode, *rep;
	bool sign;

	if (size < 1)
		return 0;
	mode = data[0];
	sign = (mode & 4) != 0;
	rep = fv_dup(data + 1, size - 1);
	switch (mode & 3) {
	case 0:
		check_initial(rep, size - 1, sign);
		break;
	case 1:
		check_other(rereg_rrq, rereg_len, rep, size - 1, &skey2, MIP_ALG_HMAC_MD5, sign,
			    NULL);
		break;
	case 2:
		check_other(rekey_rrq, rekey_len, rep, size - 1, &skey, MIP_ALG_HMAC_MD5, sign,
			    &new_skey2);
		break;
	default:
		check_other(rereg_rrq, rereg_len, rep, size - 1, &skey2, MIP_ALG_KEYED_MD5, sign,
			    NULL);
		break;
	}
	free(rep);
	return 0;
}
