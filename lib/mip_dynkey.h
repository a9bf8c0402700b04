/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dynamic-key derivations of ../shared/spec/dynkey-protocol.md:
 * PeerChallenge (section 4), k'' on the MN (section 6), Skey and Skey'
 * (section 5 step 6), Skey' on rekey and Skey_next (section 7).
 */
#ifndef MIP_DYNKEY_H
#define MIP_DYNKEY_H

#include <stddef.h>
#include <stdint.h>

#include "mip_secret.h"
#include "mip_wire.h"

/*
 * PeerChallenge = MD5(rrq[0 .. mhae end) with the MHAE's 24 authenticator
 * bytes taken as zero, whatever the buffer holds there). m must be a parsed
 * dynamic-key RRQ of buf.
 */
void mip_peer_challenge(const struct mip_msg *m, uint8_t out[16]);

/* k'' as the MN computes it: GetAsymmetricStartKey(GetMasterKey(MD4(nt_hash), nt_response), send, client). */
void mip_k2_from_nt_hash(const struct mip_key *nt_hash, const uint8_t nt_response[24],
			 struct mip_key *k2);
/* Skey = HMAC-MD5(k'', AuthChallenge || NT-Response). */
void mip_derive_skey(const struct mip_key *k2, const uint8_t auth_challenge[16],
		     const uint8_t nt_response[24], struct mip_key *skey);
/* Skey' = HMAC-MD5(Skey, 0x01 || Identification), Identification big-endian. */
void mip_derive_skey2(const struct mip_key *skey, uint64_t ident, struct mip_key *skey2);
/* Skey_next = HMAC-MD5(Skey, 0x02 || Identification). */
void mip_derive_skey_next(const struct mip_key *skey, uint64_t ident, struct mip_key *skey_next);

/*
 * The MN's whole initial exchange in one call, for tools and tests: given the
 * built RRQ (MHAE authenticator still zero), computes PeerChallenge and the
 * NT-Response and writes the NT-Response into the MHAE. m must be the parse
 * of buf. Returns 0.
 */
int mip_sign_initial_rrq(uint8_t *buf, const struct mip_msg *m, const char *user,
			 size_t user_len, const struct mip_key *nt_hash,
			 uint8_t peer_challenge_out[16]);

#endif /* MIP_DYNKEY_H */
