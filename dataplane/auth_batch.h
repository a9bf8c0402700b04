/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Batched MN-HA authenticators (spec section 8) for the registration fast
 * path: HMAC-MD5 through intel-ipsec-mb multi-buffer jobs (IMB_AUTH_MD5 with
 * the SA's precomputed ipad/opad; up to 16 AVX2 lanes), keyed-MD5
 * prefix+suffix through libmip's scalar mip_keyed_md5. The result is byte for
 * byte libmip's mip_auth_compute() (tests/dataplane prove it on thousands of
 * random messages and keys).
 *
 * One struct mipha_auth per thread (an IMB_MGR is not thread-safe).
 */
#ifndef MIPHA_DP_AUTH_BATCH_H
#define MIPHA_DP_AUTH_BATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "sa_table.h"

/* Largest batch a call takes; larger arrays are processed in chunks. */
#define MIPHA_AUTH_BURST 64
/* Longest region a request may cover (a registration is far shorter); longer: -EINVAL. */
#define MIPHA_AUTH_MAX_LEN 65535

struct mipha_auth {
	void *mgr;		/* IMB_MGR *, from init_mb_mgr_auto() */
};

/* One authenticator to compute. */
struct mipha_auth_req {
	const uint8_t *data;		/* the protected region */
	uint32_t len;
	const struct mipha_sa_key *key;	/* alg, raw key, ipad/opad */
	uint8_t out[16];		/* result */
	int status;			/* 0, or -EINVAL (unknown alg, no data, too long) / -EIO (ipsec-mb job error) */
};

/* 0, or -ENOMEM. */
int mipha_auth_init(struct mipha_auth *a);
void mipha_auth_fini(struct mipha_auth *a);

/*
 * Precomputes k->ipad/opad for a 16-byte key (HMAC-MD5: one MD5 block over
 * the key zero-padded to 64 bytes xor 0x36 / 0x5c).
 */
void mipha_auth_precompute(struct mipha_auth *a, const struct mip_key *key, uint8_t ipad[16],
			   uint8_t opad[16]);

/* Computes reqs[i].out for i < n (any n; chunks of MIPHA_AUTH_BURST jobs). */
void mipha_auth_compute_burst(struct mipha_auth *a, struct mipha_auth_req *reqs, unsigned int n);

/*
 * Verifies: for each i, ok[i] = reqs[i].status == 0 and reqs[i].out equals
 * expect[i] (16 bytes, constant time). Returns how many verified.
 */
unsigned int mipha_auth_verify_burst(struct mipha_auth *a, struct mipha_auth_req *reqs,
				     const uint8_t *const *expect, unsigned int n, bool *ok);

#endif /* MIPHA_DP_AUTH_BATCH_H */
