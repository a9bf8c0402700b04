/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Mobile Node's messages (../shared/spec/dynkey-protocol.md sections 4,
 * 6 and 7): composition of the initial, re-registration/deregistration and
 * rekey RRQs, and the checks of the replies to them. Pure functions over
 * caller buffers: no sockets, no clock, no randomness (the caller supplies
 * Identification and AuthChallenge), so `mipmn build` reproduces the spec's
 * vectors and the MN state machine sends exactly the same bytes.
 *
 * Secrets: every key this file derives is wiped before return except those
 * handed back in struct mipmn_reply; call mipmn_reply_wipe() when done.
 */
#ifndef MIPMN_MN_MSG_H
#define MIPMN_MN_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mip.h"

/* Largest RRQ this file builds: header + NAI + 2 key specs + protocol + domain + challenge + MHAE. */
#define MIPMN_RRQ_MAX 1024

/*
 * Everything an RRQ is made of. Addresses in NETWORK byte order, the rest in
 * host order (as libmip). Which fields each builder reads is said at the
 * builder.
 */
struct mipmn_params {
	const char *nai;	/* user@realm, not NUL-terminated necessarily */
	size_t nai_len;
	struct mip_key nt_hash;	/* MD4(UTF-16LE(password)); initial RRQ only */
	uint32_t home_addr;	/* 0.0.0.0 asks the HA to assign one */
	uint32_t ha_addr;
	uint32_t coa;
	uint64_t ident;		/* NTP timestamp, chosen by the caller */
	uint8_t challenge[MIP_AUTH_CHALLENGE_LEN]; /* AuthChallenge; initial RRQ only */
	uint32_t spi1;		/* SPI of Skey */
	uint32_t spi2;		/* SPI of Skey'; 0 = single-key variant */
	uint16_t lifetime;	/* 0 = deregistration */
	uint8_t flags;		/* RRQ flags byte (MIP_FLAG_*) */
	const char *domain;	/* NULL or "" = no DOMAIN extension */
	size_t domain_len;
	enum mip_alg alg;	/* key-spec algorithm byte and the MHAE algorithm */
	uint32_t vendor_id;	/* DYNKEY_VENDOR_ID */
	uint32_t dynkey_spi;	/* DYNKEY_SPI */
};

/* Zeroes p and sets the spec's defaults: HMAC-MD5, default vendor id and DYNKEY_SPI. */
void mipmn_params_default(struct mipmn_params *p);

/*
 * Builds and signs the initial RRQ (section 4 step 3-5): NAI, KEY-REQ-S(spi1),
 * KEY-REQ-S2(spi2, only when spi2 != 0), AUTH-PROTOCOL, DOMAIN (optional),
 * AUTH-CHALLENGE, MHAE(dynkey_spi, NT-Response). Reads every field of p. No
 * check that the SPIs are legal: the builder also makes bad input for HA
 * tests (see mipmn_params_check()). Returns the length, or -ENOSPC/-EINVAL.
 */
long mipmn_build_initial(const struct mipmn_params *p, uint8_t *buf, size_t cap);

/*
 * Builds a re-registration RRQ (lifetime 0: deregistration): NAI,
 * MHAE(spi, key) with p->alg. Reads nai, addresses, ident, lifetime, flags,
 * alg. Returns the length, or -ENOSPC/-EINVAL.
 */
long mipmn_build_rereg(const struct mipmn_params *p, uint32_t spi, const struct mip_key *key,
		       uint8_t *buf, size_t cap);

/*
 * Builds a rekey RRQ (section 7): NAI, KEY-REQ-S2(spi2, p->alg),
 * MHAE(spi1, skey) with p->alg. Reads nai, addresses, ident, lifetime, flags,
 * spi1, spi2 (must be != 0), alg, vendor_id. Returns the length, or
 * -ENOSPC/-EINVAL.
 */
long mipmn_build_rekey(const struct mipmn_params *p, const struct mip_key *skey, uint8_t *buf,
		       size_t cap);

/*
 * What an MN configuration must respect before it sends (section 3): SPIs >=
 * 256, spi1 != spi2, neither equal to dynkey_spi, NAI 1-255 bytes, domain <=
 * 253 bytes, known alg. NULL when fine, else a one-line reason.
 */
const char *mipmn_params_check(const struct mipmn_params *p);

/*
 * Reasons a reply check gives; each failure is distinct so the state machine
 * can count them and the CLI can print them.
 */
#define MIPMN_CHECK_REASONS(X)                                                  \
	X(MIPMN_R_OK, "ok")                                                    \
	X(MIPMN_R_BAD_REQUEST, "request is not a well-formed RRQ of this kind") \
	X(MIPMN_R_MALFORMED, "malformed reply")                                \
	X(MIPMN_R_NOT_REPLY, "not a registration reply")                       \
	X(MIPMN_R_IDENT, "Identification echo differs")                        \
	X(MIPMN_R_NAI, "NAI echo missing or different")                        \
	X(MIPMN_R_DENIED, "denied (unauthenticated)")                          \
	X(MIPMN_R_DENIED_AUTH, "denied (authenticated)")                       \
	X(MIPMN_R_NO_MHAE, "no MHAE")                                          \
	X(MIPMN_R_MHAE_SPI, "MHAE SPI is not the expected one")                \
	X(MIPMN_R_BAD_MHAE, "bad MHAE")                                        \
	X(MIPMN_R_KEYSPEC_ECHO, "key-spec echo differs")                       \
	X(MIPMN_R_CHALLENGE_ECHO, "AUTH-CHALLENGE echo differs")               \
	X(MIPMN_R_AUTH_RESPONSE, "bad AUTH-RESPONSE")

enum mipmn_reason {
#define MIPMN_R_ENUM(name, text) name,
	MIPMN_CHECK_REASONS(MIPMN_R_ENUM)
#undef MIPMN_R_ENUM
	MIPMN_R__COUNT
};

/* One-line text ("bad MHAE"); never NULL. */
const char *mipmn_reason_str(enum mipmn_reason r);
/* The enum's name ("MIPMN_R_BAD_MHAE"), for counters; never NULL. */
const char *mipmn_reason_name(enum mipmn_reason r);

/*
 * What a checked reply says. Filled as far as the check got: code, ident,
 * lifetime and home_addr are valid from MIPMN_R_IDENT on (i.e. once the reply
 * parsed as an RRP); authenticated also with MIPMN_R_DENIED_AUTH (e.g. an
 * authenticated 133: take the HA's clock from ident); keys only with
 * MIPMN_R_OK (wiped otherwise). parse_err tells why with
 * MIPMN_R_MALFORMED/BAD_REQUEST.
 */
struct mipmn_reply {
	uint8_t code;
	uint16_t lifetime;
	uint32_t home_addr;		/* network order: the address to adopt */
	uint64_t ident;			/* the reply's (133: HA's seconds high) */
	bool authenticated;		/* the MHAE verified */
	bool has_key_continuation;
	uint32_t key_continuation;	/* seconds */
	enum mip_err parse_err;
	bool has_skey;			/* initial only */
	bool has_skey2;			/* initial two-key, or rekey (the new Skey') */
	struct mip_key skey;
	struct mip_key skey2;
};

/* Wipes the keys (and everything else) of r. */
void mipmn_reply_wipe(struct mipmn_reply *r);

/*
 * Checks the reply to an initial RRQ (section 6): the request must parse as a
 * dynamic-key initial RRQ whose NAI is nai; the reply must be an RRP with the
 * same Identification (low 32 bits only for 133) and NAI. k'', Skey and Skey'
 * are derived from nt_hash and the request (k'' wiped). A code other than
 * 0/1 gives MIPMN_R_DENIED_AUTH when an MHAE(SPI1) verifies with Skey, else
 * MIPMN_R_DENIED. Code 0/1 then needs, in this order: MHAE present, SPI =
 * SPI1, verified with Skey under KEY-REQ-S's algorithm; key-spec echoes equal
 * to the request's (KEY-REQ-S2 present exactly when requested); AUTH-CHALLENGE
 * echo equal; AUTH-RESPONSE present and equal to GenerateAuthenticatorResponse.
 */
enum mipmn_reason mipmn_check_initial_reply(const uint8_t *req, size_t req_len,
					    const uint8_t *rep, size_t rep_len, const char *nai,
					    size_t nai_len, const struct mip_key *nt_hash,
					    const struct mip_parse_cfg *cfg,
					    struct mipmn_reply *out);

/*
 * Checks the reply to a re-registration, deregistration or rekey RRQ built by
 * this file: same Identification (low 32 bits for 133) and NAI; the MHAE
 * must carry the request's MHAE SPI and verify with key under alg. Denials
 * give MIPMN_R_DENIED_AUTH when so authenticated, else MIPMN_R_DENIED. When
 * the request carries KEY-REQ-S2 (a rekey), code 0/1 also needs an identical
 * KEY-REQ-S2 echo, and out->skey2 is the new Skey' = HMAC-MD5(key, 0x01 ||
 * request Identification).
 */
enum mipmn_reason mipmn_check_reply(const uint8_t *req, size_t req_len, const uint8_t *rep,
				    size_t rep_len, const struct mip_key *key, enum mip_alg alg,
				    const struct mip_parse_cfg *cfg, struct mipmn_reply *out);

#endif /* MIPMN_MN_MSG_H */
