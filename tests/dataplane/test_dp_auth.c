/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The batched authenticators (ipsec-mb multi-buffer HMAC-MD5, scalar
 * keyed-MD5) against libmip's scalar reference, on thousands of random
 * messages and keys of 40-512 bytes, plus every one-bit change of a few.
 * No EAL needed: auth_batch is plain ipsec-mb.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "mip.h"

#include "auth_batch.h"
#include "dp_test.h"

static struct mipha_auth auth;

static void setup(void)
{
	cr_assert_eq(mipha_auth_init(&auth), 0);
}

static void teardown(void)
{
	mipha_auth_fini(&auth);
}

TestSuite(dp_auth, .init = setup, .fini = teardown);

/* xorshift64*: reproducible random bytes without libc state */
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ull;
}

static void rnd_bytes(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

static void key_init(struct mipha_sa_key *k, enum mip_alg alg)
{
	memset(k, 0, sizeof(*k));
	k->spi = 256 + (uint32_t)(rnd() % 100000);
	k->alg = (uint8_t)alg;
	rnd_bytes(k->key.b, sizeof(k->key.b));
	mipha_auth_precompute(&auth, &k->key, k->ipad, k->opad);
}

#define NMSG 4096

Test(dp_auth, batched_equals_scalar_on_random_messages)
{
	static uint8_t msgs[NMSG][512];
	static struct mipha_sa_key keys[NMSG];
	static struct mipha_auth_req reqs[NMSG];
	unsigned int done = 0;

	for (unsigned int i = 0; i < NMSG; i++) {
		uint32_t len = 40 + (uint32_t)(rnd() % (512 - 40 + 1));

		/* one in eight keyed-MD5, as a static SA may be */
		key_init(&keys[i], (i % 8) == 7 ? MIP_ALG_KEYED_MD5 : MIP_ALG_HMAC_MD5);
		rnd_bytes(msgs[i], len);
		reqs[i] = (struct mipha_auth_req){ .data = msgs[i], .len = len, .key = &keys[i] };
	}
	/* batches of every size from 1 to 80 (more than one chunk), in sequence */
	for (unsigned int b = 1; done < NMSG; b = b % 80 + 1) {
		unsigned int n = NMSG - done < b ? NMSG - done : b;

		mipha_auth_compute_burst(&auth, reqs + done, n);
		done += n;
	}
	for (unsigned int i = 0; i < NMSG; i++) {
		uint8_t ref[16];

		cr_assert_eq(reqs[i].status, 0, "message %u: status %d", i, reqs[i].status);
		cr_assert_eq(mip_auth_compute(keys[i].alg, &keys[i].key, msgs[i], reqs[i].len, ref),
			     0);
		cr_assert_arr_eq(reqs[i].out, ref, 16, "message %u (len %u, alg %u) differs", i,
				 reqs[i].len, keys[i].alg);
	}
}

Test(dp_auth, rfc2202_hmac_md5_case1)
{
	/* RFC 2202 section 2, test case 1: key 0x0b x 16, "Hi There" */
	static const uint8_t want[16] = { 0x92, 0x94, 0x72, 0x7a, 0x36, 0x38, 0xbb, 0x1c,
					  0x13, 0xf4, 0x8e, 0xf8, 0x15, 0x8b, 0xfc, 0x9d };
	struct mipha_sa_key k = { .spi = 256, .alg = MIP_ALG_HMAC_MD5 };
	struct mipha_auth_req r = { .data = (const uint8_t *)"Hi There", .len = 8, .key = &k };

	memset(k.key.b, 0x0b, 16);
	mipha_auth_precompute(&auth, &k.key, k.ipad, k.opad);
	mipha_auth_compute_burst(&auth, &r, 1);
	cr_assert_eq(r.status, 0);
	cr_assert_arr_eq(r.out, want, 16);
}

Test(dp_auth, rejects_every_one_bit_change)
{
	static const uint32_t lens[] = { 40, 64, 119, 512 };

	for (unsigned int t = 0; t < 4; t++) {
		uint32_t len = lens[t];
		uint8_t msg[512], good[16];
		struct mipha_sa_key k;
		struct mipha_auth_req reqs[64];
		const uint8_t *expect[64];
		bool ok[64];

		key_init(&k, t == 2 ? MIP_ALG_KEYED_MD5 : MIP_ALG_HMAC_MD5);
		rnd_bytes(msg, len);
		cr_assert_eq(mip_auth_compute(k.alg, &k.key, msg, len, good), 0);
		/* the unchanged message verifies */
		reqs[0] = (struct mipha_auth_req){ .data = msg, .len = len, .key = &k };
		expect[0] = good;
		cr_assert_eq(mipha_auth_verify_burst(&auth, reqs, expect, 1, ok), 1);
		cr_assert(ok[0]);
		/* each bit of the message flipped: 64 copies per batch */
		static uint8_t copies[64][512];
		uint32_t bits = len * 8;

		for (uint32_t base = 0; base < bits; base += 64) {
			unsigned int n = bits - base < 64 ? bits - base : 64;

			for (unsigned int i = 0; i < n; i++) {
				memcpy(copies[i], msg, len);
				copies[i][(base + i) / 8] ^= (uint8_t)(1u << ((base + i) % 8));
				reqs[i] = (struct mipha_auth_req){ .data = copies[i], .len = len,
								   .key = &k };
				expect[i] = good;
			}
			cr_assert_eq(mipha_auth_verify_burst(&auth, reqs, expect, n, ok), 0,
				     "a one-bit change near bit %u verified", base);
		}
		/* each bit of the authenticator flipped */
		static uint8_t bad[128][16];

		for (unsigned int i = 0; i < 128; i++) {
			memcpy(bad[i], good, 16);
			bad[i][i / 8] ^= (uint8_t)(1u << (i % 8));
		}
		for (unsigned int base = 0; base < 128; base += 64) {
			for (unsigned int i = 0; i < 64; i++) {
				reqs[i] = (struct mipha_auth_req){ .data = msg, .len = len, .key = &k };
				expect[i] = bad[base + i];
			}
			cr_assert_eq(mipha_auth_verify_burst(&auth, reqs, expect, 64, ok), 0);
		}
	}
}

Test(dp_auth, spec_vectors_rereg_mhae_and_keyed_md5)
{
	uint8_t rrq[512], skey2[16], kmd5[16];
	size_t len;
	struct mip_parse_cfg cfg;
	struct mip_msg m;
	struct mipha_sa_key k = { .spi = 4098 };
	bool ok;

	(void)dp; /* no EAL here: only the vector reader of dp_test.c */
	dp_vectors_load_for_tests();
	len = dp_vec_hex("rereg", "rrq", rrq, sizeof(rrq));
	mip_parse_cfg_default(&cfg);
	cr_assert_eq(mip_parse(rrq, len, &cfg, &m), MIP_OK);
	cr_assert_eq(dp_vec_hex("skey2", NULL, skey2, 16), 16);
	memcpy(k.key.b, skey2, 16);
	k.alg = MIP_ALG_HMAC_MD5;
	mipha_auth_precompute(&auth, &k.key, k.ipad, k.opad);
	struct mipha_auth_req r = { .data = rrq, .len = m.mhae.protected_len, .key = &k };
	const uint8_t *expect = m.mhae.auth.p;

	cr_assert_eq(mipha_auth_verify_burst(&auth, &r, &expect, 1, &ok), 1);
	/* keyed-MD5 prefix+suffix over the same protected region with Skey' */
	k.alg = MIP_ALG_KEYED_MD5;
	cr_assert_eq(dp_vec_hex("keyed_md5_prefix_suffix_over_rereg_protected_with_skey2", NULL,
				kmd5, 16), 16);
	mipha_auth_compute_burst(&auth, &r, 1);
	cr_assert_arr_eq(r.out, kmd5, 16);
	(void)len;
}
