/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libmip wire codec: Registration Request/Reply (RFC 5944 3.3/3.4) and the
 * extensions of ../shared/spec/dynkey-protocol.md, as zero-copy views over a
 * caller's byte buffer. No allocation, no globals, no DPDK.
 *
 * Conventions:
 *  - IPv4 addresses are uint32_t in NETWORK byte order (as struct in_addr).
 *  - SPIs, lifetimes, vendor ids and Identifications are in HOST byte order.
 *  - Pointers in a parsed struct mip_msg point into the parsed buffer and are
 *    valid only while it is.
 */
#ifndef MIP_WIRE_H
#define MIP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MIP_UDP_PORT 434

/* Message types */
#define MIP_TYPE_RRQ 1
#define MIP_TYPE_RRP 3

#define MIP_RRQ_HDR_LEN 24
#define MIP_RRP_HDR_LEN 20

/* RRQ flags (byte 1): S B D M G r T x */
#define MIP_FLAG_S 0x80 /* simultaneous bindings */
#define MIP_FLAG_B 0x40 /* broadcast datagrams */
#define MIP_FLAG_D 0x20 /* decapsulation by MN (collocated care-of) */
#define MIP_FLAG_M 0x10 /* minimal encapsulation */
#define MIP_FLAG_G 0x08 /* GRE */
#define MIP_FLAG_r 0x04 /* reserved, must be 0 */
#define MIP_FLAG_T 0x02 /* reverse tunnelling (RFC 3024) */
#define MIP_FLAG_x 0x01 /* reserved, must be 0 */

/* Extension types */
#define MIP_EXT_MHAE 32		/* MN-HA Authentication */
#define MIP_EXT_MNFA 33		/* MN-FA Authentication */
#define MIP_EXT_FAHA 34		/* FA-HA Authentication */
#define MIP_EXT_GEN_AUTH 36	/* Generalized Authentication (2-byte length) */
#define MIP_EXT_CVSE 38		/* Critical Vendor/Org Specific (2-byte length) */
#define MIP_EXT_NAI 131		/* MN-NAI (RFC 2794) */
#define MIP_EXT_FA_CHALLENGE 132 /* MN-FA Challenge (RFC 4721) */
#define MIP_EXT_NVSE 134	/* Normal Vendor/Org Specific */

/* CVSE types of the dynamic-key contract (vendor DYNKEY_VENDOR_ID) */
#define MIP_CVSE_AUTH_PROTOCOL 1
#define MIP_CVSE_AUTH_CHALLENGE 2
#define MIP_CVSE_KEY_REQ_S 3
#define MIP_CVSE_KEY_REQ_S2 4
#define MIP_CVSE_DOMAIN 5
#define MIP_CVSE_AUTH_RESPONSE 6
#define MIP_CVSE_KEY_CONTINUATION 7

#define MIP_DEFAULT_VENDOR_ID 32473u	    /* RFC 5612 documentation number */
#define MIP_DEFAULT_DYNKEY_SPI 0x4D534332u /* "MSC2" */

#define MIP_AUTH_PROTOCOL_MSCHAPV2 1
#define MIP_KEYSPEC_LEN 8
#define MIP_AUTH_CHALLENGE_LEN 16
#define MIP_AUTH_RESPONSE_LEN 42 /* "S=" + 40 upper-case hex digits */
#define MIP_NT_RESPONSE_LEN 24
#define MIP_MD5_AUTH_LEN 16
#define MIP_DOMAIN_MAX 253
#define MIP_NAI_MAX 255
#define MIP_SPI_MIN 256 /* SPIs 0-255 are reserved */

/* Authentication algorithms, as in the key spec's algorithm byte */
enum mip_alg {
	MIP_ALG_HMAC_MD5 = 1,
	MIP_ALG_KEYED_MD5 = 2, /* prefix+suffix, RFC 3344 */
};
#define MIP_REPLAY_TIMESTAMPS 1

/* RRP codes (RFC 5944 3.4) used by this project */
#define MIP_CODE_ACCEPTED 0
#define MIP_CODE_ACCEPTED_NO_SIMUL 1
#define MIP_CODE_REASON_UNSPECIFIED 128
#define MIP_CODE_ADMIN_PROHIBITED 129
#define MIP_CODE_INSUFFICIENT_RESOURCES 130
#define MIP_CODE_MN_FAILED_AUTH 131
#define MIP_CODE_FA_FAILED_AUTH 132
#define MIP_CODE_ID_MISMATCH 133
#define MIP_CODE_POORLY_FORMED 134
#define MIP_CODE_TOO_MANY_BINDINGS 135
#define MIP_CODE_UNKNOWN_HA 136
#define MIP_CODE_UNSUPPORTED_VSE 140 /* RFC 3115: HA: unsupported vendor ext */

/*
 * Parse errors. Each is distinct so tests and counters can tell them apart;
 * mip_err_code() maps each to the reply code an HA answers with.
 */
#define MIP_ERRORS(X)                                                           \
	X(MIP_OK, 0, "ok")                                                      \
	X(MIP_E_TRUNCATED, 134, "message shorter than its fixed header")        \
	X(MIP_E_TYPE, 134, "not a registration request or reply")              \
	X(MIP_E_RESERVED_FLAGS, 134, "reserved flag bits set")                  \
	X(MIP_E_EXT_TRUNCATED, 134, "extension header runs past the message")   \
	X(MIP_E_EXT_OVERRUN, 134, "extension length runs past the message")     \
	X(MIP_E_EXT_UNKNOWN, 134, "unknown non-skippable extension")            \
	X(MIP_E_EXT_DUPLICATE, 134, "second copy of a singleton extension")     \
	X(MIP_E_NAI_EMPTY, 134, "NAI extension with no NAI")                   \
	X(MIP_E_AUTH_SHORT, 134, "authentication extension shorter than its SPI") \
	X(MIP_E_AUTH_EMPTY, 134, "authentication extension with no authenticator") \
	X(MIP_E_AUTH_LEN, 134, "authenticator length wrong for its SPI")        \
	X(MIP_E_SPI_RESERVED, 134, "SPI in the reserved range 0-255")           \
	X(MIP_E_NO_MHAE, 134, "no MN-HA authentication extension")             \
	X(MIP_E_AFTER_MHAE, 134, "extension for the HA after the MN-HA authenticator") \
	X(MIP_E_GEN_AUTH_SHORT, 134, "generalized authentication extension too short") \
	X(MIP_E_CVSE_SHORT, 134, "CVSE shorter than vendor-id and type")        \
	X(MIP_E_CVSE_RESERVED, 134, "CVSE reserved byte not zero")              \
	X(MIP_E_CVSE_VENDOR, 140, "CVSE from a vendor this HA does not implement") \
	X(MIP_E_CVSE_TYPE, 140, "CVSE type this HA does not implement")         \
	X(MIP_E_CVSE_LEN, 134, "CVSE value length wrong for its type")          \
	X(MIP_E_CVSE_EMPTY, 134, "CVSE with no value where one is required")    \
	X(MIP_E_NVSE_SHORT, 134, "NVSE shorter than vendor-id and type")        \
	X(MIP_E_AUTH_PROTOCOL, 134, "unsupported AUTH-PROTOCOL")                \
	X(MIP_E_KEYSPEC_SPI, 134, "key spec SPI reserved, equal to DYNKEY_SPI or to the other SPI") \
	X(MIP_E_KEYSPEC_ALG, 134, "key spec algorithm unknown")                 \
	X(MIP_E_KEYSPEC_REPLAY, 134, "key spec replay method not timestamps")  \
	X(MIP_E_KEYSPEC_RESERVED, 134, "key spec reserved bytes not zero")      \
	X(MIP_E_AUTH_RESPONSE, 134, "AUTH-RESPONSE is not S= and 40 hex digits") \
	X(MIP_E_DYNKEY_INCOMPLETE, 134, "dynamic-key request (DYNKEY_SPI and AUTH-PROTOCOL) missing NAI, KEY-REQ-S or AUTH-CHALLENGE") \
	X(MIP_E_TOO_LONG, 134, "message longer than 65535 bytes")

enum mip_err {
#define MIP_ERR_ENUM(name, code, text) name,
	MIP_ERRORS(MIP_ERR_ENUM)
#undef MIP_ERR_ENUM
	MIP_E__COUNT
};

/* The reply code an HA answers a message that failed with err (0 for MIP_OK). */
uint8_t mip_err_code(enum mip_err err);
/* One-line human text; never NULL. */
const char *mip_err_str(enum mip_err err);
/* The enum's name ("MIP_E_EXT_OVERRUN"), for counters and tests; never NULL. */
const char *mip_err_name(enum mip_err err);

/* A view of bytes inside the parsed message. len 0 and p NULL when absent. */
struct mip_view {
	const uint8_t *p;
	uint16_t len;
};

/* Key spec (section 3): SPI(4) | algorithm(1) | replay(1) | reserved(2)=0 */
struct mip_keyspec {
	uint32_t spi;
	uint8_t alg;
	uint8_t replay;
};

/* An authentication extension: MHAE, MN-FA, FA-HA or Generalized (36). */
struct mip_auth {
	uint16_t offset;	  /* offset of the extension's type byte */
	uint16_t protected_len;	  /* bytes from message start through the SPI */
	uint32_t spi;
	uint8_t subtype;	  /* type 36 only */
	struct mip_view auth;	  /* the authenticator bytes */
};

/* Bits of mip_msg.present */
#define MIP_HAS_NAI (1u << 0)
#define MIP_HAS_MHAE (1u << 1)
#define MIP_HAS_KEY_REQ_S (1u << 2)
#define MIP_HAS_KEY_REQ_S2 (1u << 3)
#define MIP_HAS_AUTH_PROTOCOL (1u << 4)
#define MIP_HAS_AUTH_CHALLENGE (1u << 5)
#define MIP_HAS_DOMAIN (1u << 6)
#define MIP_HAS_AUTH_RESPONSE (1u << 7)
#define MIP_HAS_KEY_CONTINUATION (1u << 8)
#define MIP_HAS_MNFA (1u << 9)
#define MIP_HAS_FAHA (1u << 10)
#define MIP_HAS_GEN_AUTH (1u << 11)
#define MIP_HAS_FA_CHALLENGE (1u << 12)

/* A parsed RRQ or RRP. Fields that belong to one type only are 0 in the other. */
struct mip_msg {
	const uint8_t *buf;	/* the whole message */
	uint16_t len;
	uint8_t type;		/* MIP_TYPE_RRQ or MIP_TYPE_RRP */
	uint8_t flags;		/* RRQ */
	uint8_t code;		/* RRP */
	uint16_t lifetime;
	uint32_t home_addr;	/* network order */
	uint32_t ha_addr;	/* network order */
	uint32_t coa;		/* network order; RRQ only */
	uint64_t ident;		/* host order */

	uint32_t present;	/* MIP_HAS_* */
	struct mip_view nai;
	struct mip_keyspec key_s;
	struct mip_keyspec key_s2;
	uint8_t auth_protocol;
	struct mip_view domain;
	const uint8_t *auth_challenge;	/* 16 bytes */
	const uint8_t *auth_response;	/* 42 bytes */
	uint32_t key_continuation;	/* seconds */
	struct mip_auth mhae;
	struct mip_auth mnfa;
	struct mip_auth faha;
	struct mip_auth gen_auth;
	struct mip_view fa_challenge;
	uint16_t ext_end_mhae;	/* offset just past the MHAE (0 if none) */
};

/* What the parser must know of the local configuration. */
struct mip_parse_cfg {
	uint32_t vendor_id;	/* DYNKEY_VENDOR_ID */
	uint32_t dynkey_spi;	/* DYNKEY_SPI: with AUTH-PROTOCOL, its MHAE carries a 24-byte NT-Response */
};

/* Fills cfg with the contract's defaults. */
void mip_parse_cfg_default(struct mip_parse_cfg *cfg);

/*
 * Parses a registration message. Checks every length before use, every
 * singleton for duplicates, key specs, CVSE vendor/type/length, reserved
 * SPIs, and, for an RRQ, that an MHAE exists and that nothing the HA must read
 * follows it (only MN-FA, FA-HA, MN-FA challenge, NVSE and other skippable
 * extensions may). A dynamic-key RRQ (MHAE SPI = dynkey_spi and
 * AUTH-PROTOCOL) must carry NAI, KEY-REQ-S and AUTH-CHALLENGE and a 24-byte
 * NT-Response; without AUTH-PROTOCOL an MHAE under dynkey_spi is a
 * conventional one (16 bytes), as under any SPI (spec section 3). On error,
 * *out is partially filled and must not be used.
 */
enum mip_err mip_parse(const uint8_t *buf, size_t len, const struct mip_parse_cfg *cfg,
		       struct mip_msg *out);

/* True when m is an initial dynamic-key RRQ (MHAE SPI = DYNKEY_SPI and AUTH-PROTOCOL). */
bool mip_is_dynkey_initial(const struct mip_msg *m, const struct mip_parse_cfg *cfg);

/*
 * Builder: appends to a caller's buffer. The first failure (no room, value too
 * long) sets err and makes every later call a no-op, so a sequence of puts
 * needs one check at the end.
 */
struct mip_builder {
	uint8_t *buf;
	size_t cap;
	size_t len;
	int err;	/* 0 or -ENOSPC / -EINVAL */
};

void mip_builder_init(struct mip_builder *b, uint8_t *buf, size_t cap);

void mip_put_rrq_hdr(struct mip_builder *b, uint8_t flags, uint16_t lifetime, uint32_t home_addr,
		     uint32_t ha_addr, uint32_t coa, uint64_t ident);
void mip_put_rrp_hdr(struct mip_builder *b, uint8_t code, uint16_t lifetime, uint32_t home_addr,
		     uint32_t ha_addr, uint64_t ident);
/* A short-form extension: type, length(1), value (len <= 255). */
void mip_put_ext(struct mip_builder *b, uint8_t type, const void *val, size_t len);
void mip_put_nai(struct mip_builder *b, const char *nai, size_t len);
/* CVSE: type 38, reserved 0, length(2), vendor-id(4), cvse-type(2), value. */
void mip_put_cvse(struct mip_builder *b, uint32_t vendor, uint16_t cvse_type, const void *val,
		  size_t len);
void mip_put_keyspec(struct mip_builder *b, uint32_t vendor, uint16_t cvse_type,
		     const struct mip_keyspec *ks);
/* NVSE: type 134, length(1), reserved(2)=0, vendor-id(4), nvse-type(2), value. */
void mip_put_nvse(struct mip_builder *b, uint32_t vendor, uint16_t nvse_type, const void *val,
		  size_t len);
/* Generalized authentication (type 36): subtype, length(2), SPI, authenticator. */
void mip_put_gen_auth(struct mip_builder *b, uint8_t subtype, uint32_t spi, const void *auth,
		      size_t auth_len);
/*
 * An authentication extension (type MHAE/MNFA/FAHA) with auth_len zero bytes
 * as authenticator. Returns the offset of the authenticator, so the caller
 * can compute it over [0, offset) (the protected region) and write it there;
 * returns 0 on error.
 */
size_t mip_put_auth(struct mip_builder *b, uint8_t type, uint32_t spi, size_t auth_len);

/* Host-order helpers for addresses given as dotted quads in tools and tests. */
int mip_parse_ipv4(const char *s, uint32_t *addr_be);	/* 0 or -EINVAL */

#endif /* MIP_WIRE_H */
