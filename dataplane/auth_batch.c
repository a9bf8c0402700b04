/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <intel-ipsec-mb.h>

#include "mip_auth.h"

#include "auth_batch.h"

int mipha_auth_init(struct mipha_auth *a)
{
	IMB_MGR *mgr = alloc_mb_mgr(0);

	if (mgr == NULL)
		return -ENOMEM;
	/* picks AVX2 here; never call the AVX-512 init directly (platform-notes.md) */
	init_mb_mgr_auto(mgr, NULL);
	a->mgr = mgr;
	return 0;
}

void mipha_auth_fini(struct mipha_auth *a)
{
	if (a->mgr != NULL)
		free_mb_mgr(a->mgr);
	a->mgr = NULL;
}

void mipha_auth_precompute(struct mipha_auth *a, const struct mip_key *key, uint8_t ipad[16],
			   uint8_t opad[16])
{
	uint8_t block[64];

	memset(block, 0x36, sizeof(block));
	for (int i = 0; i < MIP_KEY_LEN; i++)
		block[i] ^= key->b[i];
	IMB_MD5_ONE_BLOCK((IMB_MGR *)a->mgr, block, ipad);
	memset(block, 0x5c, sizeof(block));
	for (int i = 0; i < MIP_KEY_LEN; i++)
		block[i] ^= key->b[i];
	IMB_MD5_ONE_BLOCK((IMB_MGR *)a->mgr, block, opad);
	mip_wipe(block, sizeof(block));
}

static void mipha_auth_complete(IMB_JOB *job)
{
	struct mipha_auth_req *r = job->user_data;

	r->status = job->status == IMB_STATUS_COMPLETED ? 0 : -EIO;
}

/* One chunk of at most MIPHA_AUTH_BURST requests (the manager holds more than that). */
static void mipha_auth_chunk(IMB_MGR *mgr, struct mipha_auth_req *reqs, unsigned int n)
{
	IMB_JOB *job;

	for (unsigned int i = 0; i < n; i++) {
		struct mipha_auth_req *r = &reqs[i];

		if (r->key->alg == MIP_ALG_KEYED_MD5) {
			/* no plain MD5 in ipsec-mb: the scalar libmip path */
			mip_keyed_md5(&r->key->key, r->data, r->len, r->out);
			r->status = 0;
			continue;
		}
		if (r->key->alg != MIP_ALG_HMAC_MD5 || r->data == NULL ||
		    r->len > MIPHA_AUTH_MAX_LEN) {
			r->status = -EINVAL;
			continue;
		}
		job = IMB_GET_NEXT_JOB(mgr);
		job->cipher_mode = IMB_CIPHER_NULL;
		job->cipher_direction = IMB_DIR_ENCRYPT;
		job->chain_order = IMB_ORDER_HASH_CIPHER;
		job->src = r->data;
		job->dst = NULL;
		job->cipher_start_src_offset_in_bytes = 0;
		job->msg_len_to_cipher_in_bytes = 0;
		job->iv = NULL;
		job->iv_len_in_bytes = 0;
		job->hash_alg = IMB_AUTH_MD5;
		job->hash_start_src_offset_in_bytes = 0;
		job->msg_len_to_hash_in_bytes = r->len;
		job->auth_tag_output = r->out;
		job->auth_tag_output_len_in_bytes = 16;
		job->u.HMAC._hashed_auth_key_xor_ipad = r->key->ipad;
		job->u.HMAC._hashed_auth_key_xor_opad = r->key->opad;
		job->user_data = r;
		r->status = -EIO;
		/*
		 * Every field the manager's checks look at is set above, to values
		 * they accept (hash-only job, NULL cipher, 16-byte tag, bounded
		 * length): skip its per-job validation (~90 instructions a job).
		 */
		job = IMB_SUBMIT_JOB_NOCHECK(mgr);
		while (job != NULL) {
			mipha_auth_complete(job);
			job = IMB_GET_COMPLETED_JOB(mgr);
		}
	}
	while ((job = IMB_FLUSH_JOB(mgr)) != NULL)
		mipha_auth_complete(job);
}

void mipha_auth_compute_burst(struct mipha_auth *a, struct mipha_auth_req *reqs, unsigned int n)
{
	for (unsigned int i = 0; i < n; i += MIPHA_AUTH_BURST) {
		unsigned int k = n - i < MIPHA_AUTH_BURST ? n - i : MIPHA_AUTH_BURST;

		mipha_auth_chunk(a->mgr, reqs + i, k);
	}
}

unsigned int mipha_auth_verify_burst(struct mipha_auth *a, struct mipha_auth_req *reqs,
				     const uint8_t *const *expect, unsigned int n, bool *ok)
{
	unsigned int good = 0;

	mipha_auth_compute_burst(a, reqs, n);
	for (unsigned int i = 0; i < n; i++) {
		ok[i] = reqs[i].status == 0 && mip_ct_equal(reqs[i].out, expect[i], 16);
		good += ok[i];
	}
	return good;
}
