/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MN-HA authenticators (section 8 of the spec): HMAC-MD5 and keyed-MD5
 * prefix+suffix over the protected region, and constant-time comparison.
 * This is the scalar reference; the dataplane's batched ipsec-mb path must
 * agree with it byte for byte.
 */
#ifndef MIP_AUTH_H
#define MIP_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mip_secret.h"
#include "mip_wire.h"

/* Constant-time equality: 1 when the n bytes are equal, 0 otherwise. */
int mip_ct_equal(const void *a, const void *b, size_t n);

/* HMAC-MD5(key, data) -> out[16]. */
void mip_hmac_md5(const uint8_t *key, size_t key_len, const void *data, size_t len,
		  uint8_t out[16]);
/* MD5(key || data || key) -> out[16] (keyed-MD5 prefix+suffix, RFC 3344). */
void mip_keyed_md5(const struct mip_key *key, const void *data, size_t len, uint8_t out[16]);
/* Plain MD5. */
void mip_md5(const void *data, size_t len, uint8_t out[16]);

/* The authenticator of alg over data: out[16]. -EINVAL for an unknown alg. */
int mip_auth_compute(enum mip_alg alg, const struct mip_key *key, const void *data, size_t len,
		     uint8_t out[16]);

/*
 * Verifies the MHAE of a parsed message with key and alg: computes over
 * [0, mhae.protected_len) and compares in constant time. False when there is
 * no MHAE or its authenticator is not 16 bytes.
 */
bool mip_auth_verify(const struct mip_msg *m, enum mip_alg alg, const struct mip_key *key);

/*
 * Signs a message built with mip_put_auth(): writes the 16-byte authenticator
 * at buf + auth_off computed over [0, auth_off). -EINVAL for an unknown alg.
 */
int mip_auth_sign(uint8_t *buf, size_t auth_off, enum mip_alg alg, const struct mip_key *key);

#endif /* MIP_AUTH_H */
