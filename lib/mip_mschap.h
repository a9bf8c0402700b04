/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MS-CHAPv2 (RFC 2759), MPPE key derivation (RFC 3079) and MS-MPPE-Send/
 * Recv-Key decryption (RFC 2548). Built on nettle's MD4, SHA-1 and DES.
 * Every intermediate buffer holding password-derived material is wiped.
 */
#ifndef MIP_MSCHAP_H
#define MIP_MSCHAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mip_secret.h"

/*
 * NtPasswordHash: MD4(UTF-16LE(password)). password is UTF-8 (RFC 2759 limits
 * it to 256 characters). -EINVAL for invalid UTF-8 or an over-long password.
 */
int mip_nt_password_hash(const char *password, size_t len, struct mip_key *nt_hash);
/* HashNtPasswordHash: MD4(nt_hash). */
void mip_hash_nt_password_hash(const struct mip_key *nt_hash, struct mip_key *out);

/* ChallengeHash (RFC 2759 8.2): first 8 bytes of SHA1(peer || auth || user). */
void mip_challenge_hash(const uint8_t peer_challenge[16], const uint8_t auth_challenge[16],
			const char *user, size_t user_len, uint8_t out[8]);

/* GenerateNTResponse (RFC 2759 8.1). */
void mip_generate_nt_response(const uint8_t auth_challenge[16], const uint8_t peer_challenge[16],
			      const char *user, size_t user_len, const struct mip_key *nt_hash,
			      uint8_t nt_response[24]);

/* GenerateAuthenticatorResponse (RFC 2759 8.7): "S=" + 40 upper-case hex, no NUL. */
void mip_generate_authenticator_response(const struct mip_key *nt_hash,
					 const uint8_t nt_response[24],
					 const uint8_t peer_challenge[16],
					 const uint8_t auth_challenge[16], const char *user,
					 size_t user_len, char out[42]);

/* GetMasterKey (RFC 3079 3.4). */
void mip_mppe_master_key(const struct mip_key *password_hash_hash, const uint8_t nt_response[24],
			 struct mip_key *master);
/* GetAsymmetricStartKey (RFC 3079 3.4), 16-byte session key. */
void mip_mppe_asymmetric_start_key(const struct mip_key *master, bool is_send, bool is_server,
				   struct mip_key *out);

/*
 * Decrypts an MS-MPPE-Send-Key or MS-MPPE-Recv-Key attribute value
 * (salt(2) | encrypted string) per RFC 2548 2.4.2/2.4.3 with the RADIUS
 * shared secret and the Request Authenticator of the Access-Request. Strict:
 * the salt's high bit must be set, the encrypted string a non-zero multiple of
 * 16 bytes, the key-length byte exactly 16, and every padding byte zero.
 * 0 and the key in *key, or -EINVAL (*key wiped).
 */
int mip_mppe_decrypt_key(const uint8_t *attr, size_t attr_len, const uint8_t *secret,
			 size_t secret_len, const uint8_t request_auth[16], struct mip_key *key);
/*
 * The inverse, for tests and fake servers: encrypts a 16-byte key with the
 * given salt (high bit forced on). out must hold 2 + 32 bytes; returns 34.
 */
size_t mip_mppe_encrypt_key(const struct mip_key *key, uint16_t salt, const uint8_t *secret,
			    size_t secret_len, const uint8_t request_auth[16], uint8_t out[34]);

#endif /* MIP_MSCHAP_H */
