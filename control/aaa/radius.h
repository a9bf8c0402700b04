/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RADIUS packets for the dynamic-key exchange (spec section 5 steps 3-4):
 * the Access-Request and Status-Server the HA sends, and the verification and
 * decoding of a reply. Pure functions over byte buffers: no sockets, no state.
 * RFC 2865 (RADIUS), RFC 3579 (Message-Authenticator), RFC 2548 (Microsoft
 * attributes), RFC 5997 (Status-Server).
 */
#ifndef AAA_RADIUS_H
#define AAA_RADIUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mip_secret.h"

#define AAA_RADIUS_HDR_LEN 20
#define AAA_RADIUS_MAX_LEN 4096		/* RFC 2865 section 3 */
#define AAA_RADIUS_AUTH_LEN 16
/* The largest Access-Request encoded here (253-byte names and identifiers). */
#define AAA_RADIUS_REQ_MAX 1024

enum aaa_radius_code {
	AAA_CODE_ACCESS_REQUEST = 1,
	AAA_CODE_ACCESS_ACCEPT = 2,
	AAA_CODE_ACCESS_REJECT = 3,
	AAA_CODE_ACCESS_CHALLENGE = 11,
	AAA_CODE_STATUS_SERVER = 12,
	/* RFC 5176 Dynamic Authorization */
	AAA_CODE_DISCONNECT_REQUEST = 40,
	AAA_CODE_DISCONNECT_ACK = 41,
	AAA_CODE_DISCONNECT_NAK = 42,
	AAA_CODE_COA_REQUEST = 43,
	AAA_CODE_COA_ACK = 44,
	AAA_CODE_COA_NAK = 45,
};

enum aaa_radius_attr {
	AAA_ATTR_USER_NAME = 1,
	AAA_ATTR_NAS_IP_ADDRESS = 4,
	AAA_ATTR_SERVICE_TYPE = 6,
	AAA_ATTR_FRAMED_IP_ADDRESS = 8,
	AAA_ATTR_REPLY_MESSAGE = 18,
	AAA_ATTR_VENDOR_SPECIFIC = 26,
	AAA_ATTR_SESSION_TIMEOUT = 27,
	AAA_ATTR_CALLING_STATION_ID = 31,
	AAA_ATTR_NAS_IDENTIFIER = 32,
	AAA_ATTR_PROXY_STATE = 33,
	AAA_ATTR_EVENT_TIMESTAMP = 55,
	AAA_ATTR_MESSAGE_AUTHENTICATOR = 80,
	AAA_ATTR_ERROR_CAUSE = 101,
};

#define AAA_VENDOR_MICROSOFT 311
enum aaa_ms_attr {
	AAA_MS_CHAP_ERROR = 2,
	AAA_MS_MPPE_SEND_KEY = 16,
	AAA_MS_MPPE_RECV_KEY = 17,
	AAA_MS_CHAP_CHALLENGE = 11,
	AAA_MS_CHAP2_RESPONSE = 25,
	AAA_MS_CHAP2_SUCCESS = 26,
};
#define AAA_SERVICE_FRAMED_USER 2
#define AAA_MS_CHAP2_RESPONSE_LEN 50
#define AAA_AUTH_RESPONSE_LEN 42	/* "S=" + 40 upper-case hex digits */

/*
 * Why a reply was not taken. The first group makes a datagram invalid: it is
 * discarded as if never received and the request keeps waiting (spec section
 * 5 step 4). The second group is an authentic answer that cannot be used: the
 * request ends (the MN gets 131). One line per reason; the names are the
 * counters' names.
 */
#define AAA_REASON_LIST(X) \
	X(OK, "ok") \
	X(SHORT, "shorter than a RADIUS header") \
	X(BAD_LENGTH, "Length field below 20, above 4096 or past the datagram") \
	X(BAD_ID, "no request in flight with this Identifier") \
	X(BAD_CODE, "code not expected for this request") \
	X(BAD_RESPONSE_AUTH, "Response Authenticator does not match") \
	X(BAD_ATTR, "garbled attributes") \
	X(NO_MA, "no Message-Authenticator") \
	X(DUP_MA, "more than one Message-Authenticator") \
	X(BAD_MA, "Message-Authenticator does not match") \
	/* authentic but unusable: */ \
	X(CHALLENGE, "Access-Challenge (not supported)") \
	X(NO_SUCCESS, "Access-Accept without MS-CHAP2-Success") \
	X(BAD_SUCCESS, "MS-CHAP2-Success not ident + S= and 40 upper-case hex digits") \
	X(NO_RECV_KEY, "Access-Accept without MS-MPPE-Recv-Key") \
	X(BAD_RECV_KEY, "MS-MPPE-Recv-Key does not decrypt to 16 bytes with zero padding") \
	X(BAD_SEND_KEY, "MS-MPPE-Send-Key present but does not decrypt") \
	X(DUP_ATTR, "a singleton attribute appears twice")

enum aaa_reason {
#define AAA_REASON_ENUM(name, text) AAA_REASON_##name,
	AAA_REASON_LIST(AAA_REASON_ENUM)
#undef AAA_REASON_ENUM
	AAA_REASON_MAX
};
/* The first reason of the "authentic but unusable" group. */
#define AAA_REASON_FIRST_UNUSABLE AAA_REASON_CHALLENGE

/* "bad_response_auth" etc.: counter names. */
const char *aaa_reason_name(enum aaa_reason r);
/* A sentence for logs. */
const char *aaa_reason_text(enum aaa_reason r);

/* What the HA is (from its configuration), sent in every request. */
struct aaa_nas {
	uint32_t ip;			/* NAS-IP-Address, network order */
	char id[254];			/* NAS-Identifier, NUL-terminated, 1..253 bytes */
};

/* One initial registration's Access-Request (spec section 5 step 3). */
struct aaa_access_req {
	char nai[254];			/* NUL-terminated, 1..253 bytes */
	char domain[254];		/* "" when the RRQ carried no DOMAIN */
	uint32_t home_addr;		/* Framed-IP-Address when not 0, network order */
	uint32_t care_of;		/* Calling-Station-Id (dotted quad), network order */
	uint8_t auth_challenge[16];
	uint8_t peer_challenge[16];
	uint8_t nt_response[24];
};

/* The shared secret of one server. */
struct aaa_secret {
	const uint8_t *b;
	size_t len;
};

/* 16 random bytes (getrandom): a Request Authenticator. 0 or -errno. */
int aaa_radius_random_auth(uint8_t out[AAA_RADIUS_AUTH_LEN]);

/*
 * Encodes an Access-Request with Identifier id and Request Authenticator
 * req_auth into buf. Attributes: Message-Authenticator first (computed last,
 * over the whole packet), then the spec's table in its order. Returns the
 * length, or -EINVAL (empty or over-long NAI, domain or NAS-Identifier; the
 * User-Name "DOMAIN\NAI" over 253 bytes) or -ENOSPC.
 */
int aaa_radius_encode_access_request(uint8_t *buf, size_t cap, uint8_t id,
				     const uint8_t req_auth[AAA_RADIUS_AUTH_LEN],
				     const struct aaa_nas *nas, const struct aaa_access_req *req,
				     const struct aaa_secret *secret);

/*
 * Encodes a Status-Server (RFC 5997): Message-Authenticator, NAS-IP-Address,
 * NAS-Identifier. Returns the length or -EINVAL/-ENOSPC.
 */
int aaa_radius_encode_status_server(uint8_t *buf, size_t cap, uint8_t id,
				    const uint8_t req_auth[AAA_RADIUS_AUTH_LEN],
				    const struct aaa_nas *nas, const struct aaa_secret *secret);

/*
 * Header sanity of a received datagram of n bytes: the RADIUS length in *len
 * (bytes past it are padding, RFC 2865 section 3). SHORT or BAD_LENGTH or OK.
 */
enum aaa_reason aaa_radius_check_length(const uint8_t *pkt, size_t n, size_t *len);

/*
 * The checks of spec section 5 step 4 on a reply of len bytes (from
 * aaa_radius_check_length) to the request with req_auth: Response
 * Authenticator (constant time), attributes well-formed, exactly one
 * Message-Authenticator and it is valid (computed with the Request
 * Authenticator in place). The Identifier and the code are the caller's to
 * match. OK or the first failing reason.
 */
enum aaa_reason aaa_radius_verify_reply(const uint8_t *pkt, size_t len,
					const uint8_t req_auth[AAA_RADIUS_AUTH_LEN],
					const struct aaa_secret *secret);

/* What the HA takes from a verified reply. Wipe it (mip_wipe) when done. */
struct aaa_reply {
	uint8_t code;
	bool has_success;
	uint8_t success_ident;
	char auth_response[AAA_AUTH_RESPONSE_LEN];	/* "S=..." (not NUL-terminated) */
	bool has_recv_key;
	struct mip_key recv_key;	/* k'' */
	bool has_send_key;
	struct mip_key send_key;
	bool has_framed_ip;
	uint32_t framed_ip;		/* network order */
	bool has_session_timeout;
	uint32_t session_timeout;	/* seconds */
	uint16_t reply_message_len;
	char reply_message[254];	/* NUL-terminated (the first Reply-Message) */
};

/*
 * Decodes a reply already verified by aaa_radius_verify_reply. For an
 * Access-Accept, OK only with a well-formed MS-CHAP2-Success whose ident is
 * expect_ident and an MS-MPPE-Recv-Key that decrypts strictly (and a
 * Send-Key, when present, too). An Access-Reject decodes OK (the caller reads
 * out->code). Access-Challenge: CHALLENGE. On anything but OK, the keys in
 * *out are wiped.
 */
enum aaa_reason aaa_radius_decode_reply(const uint8_t *pkt, size_t len,
					const uint8_t req_auth[AAA_RADIUS_AUTH_LEN],
					const struct aaa_secret *secret, uint8_t expect_ident,
					struct aaa_reply *out);

/*
 * Signs a reply for tests and fake servers: buf holds a reply of len bytes
 * whose Message-Authenticator value (if any) is zero and whose authenticator
 * field is anything; writes the Message-Authenticator (when present) and the
 * Response Authenticator for the request with req_auth. 0 or -EINVAL.
 */
int aaa_radius_sign_reply(uint8_t *buf, size_t len, const uint8_t req_auth[AAA_RADIUS_AUTH_LEN],
			  const struct aaa_secret *secret);

/* Attribute walking, shared with tests: the next attribute at *off. */
struct aaa_attr {
	uint8_t type;
	uint8_t len;			/* value length */
	const uint8_t *val;
	size_t off;			/* offset of the attribute's type byte */
};
/* 1 and *a filled, 0 at the end, -EINVAL when the attribute is garbled. */
int aaa_radius_next_attr(const uint8_t *pkt, size_t len, size_t *off, struct aaa_attr *a);

/*
 * ---- Dynamic Authorization (RFC 5176): the Disconnect-Request ----
 * The HA is a Dynamic Authorization Server: its AAA server (or an operator's
 * radclient) may end a session. A request is taken only when it comes with
 * a Request Authenticator (RFC 5176 2.3: MD5 over the packet with a zero
 * authenticator and the secret), exactly one valid Message-Authenticator
 * (computed with the authenticator zero) and a current Event-Timestamp.
 */

/* Why a Dynamic Authorization request is silently discarded; names are counters. */
#define AAA_DAE_DISCARD_LIST(X) \
	X(OK, "ok") \
	X(SHORT, "shorter than a RADIUS header") \
	X(BAD_LENGTH, "Length field below 20, above 4096 or past the datagram") \
	X(BAD_CODE, "neither a Disconnect-Request nor a CoA-Request") \
	X(BAD_AUTHENTICATOR, "Request Authenticator does not match") \
	X(BAD_ATTR, "garbled attributes") \
	X(NO_MA, "no Message-Authenticator") \
	X(DUP_MA, "more than one Message-Authenticator") \
	X(BAD_MA, "Message-Authenticator does not match") \
	X(NO_TIMESTAMP, "no Event-Timestamp") \
	X(STALE_TIMESTAMP, "Event-Timestamp outside the window") \
	X(UNKNOWN_CLIENT, "source address not a configured dae_client")

enum aaa_dae_discard {
#define AAA_DAE_ENUM(name, text) AAA_DAE_##name,
	AAA_DAE_DISCARD_LIST(AAA_DAE_ENUM)
#undef AAA_DAE_ENUM
	AAA_DAE_MAX
};
const char *aaa_dae_discard_name(enum aaa_dae_discard d);
const char *aaa_dae_discard_text(enum aaa_dae_discard d);

/* Error-Cause values (RFC 5176 3.6) the HA sends. */
enum aaa_error_cause {
	AAA_ERR_UNSUPPORTED_ATTRIBUTE = 401,
	AAA_ERR_MISSING_ATTRIBUTE = 402,
	AAA_ERR_NAS_MISMATCH = 403,
	AAA_ERR_UNSUPPORTED_SERVICE = 405,
	AAA_ERR_SESSION_NOT_FOUND = 503,
};

#define AAA_DAE_PROXY_STATES 8

/* What the HA reads from a verified request (no secret in it). */
struct aaa_dae_request {
	uint8_t code;
	uint8_t id;
	uint8_t req_auth[AAA_RADIUS_AUTH_LEN];
	uint8_t user_name_len;		/* 0: no User-Name */
	char user_name[254];		/* NUL-terminated */
	bool has_framed_ip;
	uint32_t framed_ip;		/* network order */
	bool has_nas_ip;
	uint32_t nas_ip;		/* network order */
	uint8_t nas_id_len;		/* 0: no NAS-Identifier */
	char nas_id[254];		/* NUL-terminated */
	uint32_t event_timestamp;	/* UNIX seconds */
	uint8_t unsupported;		/* the first attribute type not taken here, 0: none */
	unsigned int n_proxy_state;	/* echoed in order in the reply (RFC 5176 3.3) */
	uint16_t proxy_state_off[AAA_DAE_PROXY_STATES];	/* offsets of the attributes */
};

/*
 * The checks on a request of len bytes (aaa_radius_check_length): code 40
 * or 43, Request Authenticator (constant time), attributes well-formed, one
 * valid Message-Authenticator, an Event-Timestamp within window seconds of
 * now (UNIX seconds); then *out decoded. OK or why it is discarded.
 */
enum aaa_dae_discard aaa_dae_verify_request(const uint8_t *pkt, size_t len, uint32_t now,
					    uint32_t window, const struct aaa_secret *secret,
					    struct aaa_dae_request *out);

/*
 * The answer to req (whose bytes are req_pkt): code (ACK or NAK),
 * Message-Authenticator, Error-Cause when error_cause is not 0, the
 * request's Proxy-States in order; signed for it. Length or -ENOSPC/-EINVAL.
 */
int aaa_dae_encode_reply(uint8_t *buf, size_t cap, uint8_t code, const struct aaa_dae_request *req,
			 const uint8_t *req_pkt, uint32_t error_cause,
			 const struct aaa_secret *secret);

/*
 * Signs a request for tests and clients: buf holds len bytes whose
 * Message-Authenticator (if any) is zero; writes its length, the
 * Message-Authenticator (authenticator zero) and the Request Authenticator.
 */
int aaa_dae_sign_request(uint8_t *buf, size_t len, const struct aaa_secret *secret);

#endif /* AAA_RADIUS_H */
