/* SPDX-License-Identifier: BSD-3-Clause */
/* RADIUS packets of the dynamic-key exchange: encode, verify, decode. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <nettle/md5.h>

#include "mip_auth.h"
#include "mip_mschap.h"
#include "mip_secret.h"
#include "radius.h"

static const char *const reason_names[] = {
#define AAA_REASON_NAME(name, text) [AAA_REASON_##name] = #name,
	AAA_REASON_LIST(AAA_REASON_NAME)
#undef AAA_REASON_NAME
};
static const char *const reason_texts[] = {
#define AAA_REASON_TEXT(name, text) [AAA_REASON_##name] = text,
	AAA_REASON_LIST(AAA_REASON_TEXT)
#undef AAA_REASON_TEXT
};

const char *aaa_reason_name(enum aaa_reason r)
{
	return (unsigned)r < AAA_REASON_MAX ? reason_names[r] : "?";
}

const char *aaa_reason_text(enum aaa_reason r)
{
	return (unsigned)r < AAA_REASON_MAX ? reason_texts[r] : "?";
}

int aaa_radius_random_auth(uint8_t out[AAA_RADIUS_AUTH_LEN])
{
	ssize_t n = getrandom(out, AAA_RADIUS_AUTH_LEN, 0);

	if (n < 0)
		return -errno;
	return n == AAA_RADIUS_AUTH_LEN ? 0 : -EIO;
}

/* A small builder: every put checks room; the first failure sticks. */
struct pkt_builder {
	uint8_t *buf;
	size_t cap;
	size_t len;
	int error;
};

static uint8_t *put_attr(struct pkt_builder *b, uint8_t type, size_t vlen)
{
	uint8_t *p;

	if (b->error != 0)
		return NULL;
	if (vlen > 253) {
		b->error = -EINVAL;
		return NULL;
	}
	if (b->len + 2 + vlen > b->cap || b->len + 2 + vlen > AAA_RADIUS_MAX_LEN) {
		b->error = -ENOSPC;
		return NULL;
	}
	p = b->buf + b->len;
	p[0] = type;
	p[1] = (uint8_t)(2 + vlen);
	b->len += 2 + vlen;
	return p + 2;
}

static void put_bytes(struct pkt_builder *b, uint8_t type, const void *v, size_t vlen)
{
	uint8_t *p = put_attr(b, type, vlen);

	if (p != NULL)
		memcpy(p, v, vlen);
}

static void put_u32(struct pkt_builder *b, uint8_t type, uint32_t v_host)
{
	uint32_t be = htonl(v_host);

	put_bytes(b, type, &be, 4);
}

/* Vendor-Specific 311 holding one Microsoft attribute (RFC 2548 section 2). */
static uint8_t *put_ms_attr(struct pkt_builder *b, uint8_t ms_type, size_t vlen)
{
	uint8_t *p = put_attr(b, AAA_ATTR_VENDOR_SPECIFIC, 6 + vlen);

	if (p == NULL)
		return NULL;
	p[0] = 0;
	p[1] = 0;
	p[2] = AAA_VENDOR_MICROSOFT >> 8;
	p[3] = AAA_VENDOR_MICROSOFT & 0xff;
	p[4] = ms_type;
	p[5] = (uint8_t)(2 + vlen);
	return p + 6;
}

static void put_header(struct pkt_builder *b, uint8_t code, uint8_t id,
		       const uint8_t auth[AAA_RADIUS_AUTH_LEN])
{
	if (b->cap < AAA_RADIUS_HDR_LEN) {
		b->error = -ENOSPC;
		return;
	}
	b->buf[0] = code;
	b->buf[1] = id;
	memcpy(b->buf + 4, auth, AAA_RADIUS_AUTH_LEN);
	b->len = AAA_RADIUS_HDR_LEN;
}

/*
 * Message-Authenticator first: it is then inside the first MD5 block an
 * attacker would have to control (the Blast-RADIUS hardening of RFC 3579's
 * attribute). Its value is filled in by finish_request().
 */
static size_t put_ma_placeholder(struct pkt_builder *b)
{
	uint8_t *p = put_attr(b, AAA_ATTR_MESSAGE_AUTHENTICATOR, 16);

	if (p == NULL)
		return 0;
	memset(p, 0, 16);
	return (size_t)(p - b->buf);
}

/* Length, then HMAC-MD5 over the whole packet with the MA value zero. */
static int finish_request(struct pkt_builder *b, size_t ma_off, const struct aaa_secret *secret)
{
	if (b->error != 0)
		return b->error;
	b->buf[2] = (uint8_t)(b->len >> 8);
	b->buf[3] = (uint8_t)b->len;
	mip_hmac_md5(secret->b, secret->len, b->buf, b->len, b->buf + ma_off);
	return (int)b->len;
}

static int check_name(const char *s, size_t min)
{
	size_t n = strnlen(s, 254);

	return n >= min && n <= 253 ? (int)n : -EINVAL;
}

static void put_nas(struct pkt_builder *b, const struct aaa_nas *nas, size_t id_len)
{
	put_bytes(b, AAA_ATTR_NAS_IP_ADDRESS, &nas->ip, 4);
	put_bytes(b, AAA_ATTR_NAS_IDENTIFIER, nas->id, id_len);
}

static void put_user_name(struct pkt_builder *b, const struct aaa_access_req *req, size_t nai_len,
			  size_t dom_len)
{
	size_t n = dom_len > 0 ? dom_len + 1 + nai_len : nai_len;
	uint8_t *p = put_attr(b, AAA_ATTR_USER_NAME, n);

	if (p == NULL)
		return;
	if (dom_len > 0) {
		memcpy(p, req->domain, dom_len);
		p[dom_len] = '\\';
		p += dom_len + 1;
	}
	memcpy(p, req->nai, nai_len);
}

static void put_mschap(struct pkt_builder *b, const struct aaa_access_req *req)
{
	uint8_t *p;

	p = put_ms_attr(b, AAA_MS_CHAP_CHALLENGE, 16);
	if (p != NULL)
		memcpy(p, req->auth_challenge, 16);
	/* ident 0, flags 0, PeerChallenge, 8 reserved zero bytes, NT-Response. */
	p = put_ms_attr(b, AAA_MS_CHAP2_RESPONSE, AAA_MS_CHAP2_RESPONSE_LEN);
	if (p != NULL) {
		p[0] = 0;
		p[1] = 0;
		memcpy(p + 2, req->peer_challenge, 16);
		memset(p + 18, 0, 8);
		memcpy(p + 26, req->nt_response, 24);
	}
}

int aaa_radius_encode_access_request(uint8_t *buf, size_t cap, uint8_t id,
				     const uint8_t req_auth[AAA_RADIUS_AUTH_LEN],
				     const struct aaa_nas *nas, const struct aaa_access_req *req,
				     const struct aaa_secret *secret)
{
	struct pkt_builder b = { .buf = buf, .cap = cap };
	int nai_len = check_name(req->nai, 1);
	int dom_len = check_name(req->domain, 0);
	int id_len = check_name(nas->id, 1);
	char coa[INET_ADDRSTRLEN];
	size_t ma_off;

	if (nai_len < 0 || dom_len < 0 || id_len < 0 || secret->len == 0)
		return -EINVAL;
	if (dom_len > 0 && (size_t)dom_len + 1 + (size_t)nai_len > 253)
		return -EINVAL;
	inet_ntop(AF_INET, &req->care_of, coa, sizeof(coa));

	put_header(&b, AAA_CODE_ACCESS_REQUEST, id, req_auth);
	ma_off = put_ma_placeholder(&b);
	put_user_name(&b, req, (size_t)nai_len, (size_t)dom_len);
	put_nas(&b, nas, (size_t)id_len);
	put_u32(&b, AAA_ATTR_SERVICE_TYPE, AAA_SERVICE_FRAMED_USER);
	if (req->home_addr != 0)
		put_bytes(&b, AAA_ATTR_FRAMED_IP_ADDRESS, &req->home_addr, 4);
	put_bytes(&b, AAA_ATTR_CALLING_STATION_ID, coa, strlen(coa));
	put_mschap(&b, req);
	return finish_request(&b, ma_off, secret);
}

int aaa_radius_encode_status_server(uint8_t *buf, size_t cap, uint8_t id,
				    const uint8_t req_auth[AAA_RADIUS_AUTH_LEN],
				    const struct aaa_nas *nas, const struct aaa_secret *secret)
{
	struct pkt_builder b = { .buf = buf, .cap = cap };
	int id_len = check_name(nas->id, 1);
	size_t ma_off;

	if (id_len < 0 || secret->len == 0)
		return -EINVAL;
	put_header(&b, AAA_CODE_STATUS_SERVER, id, req_auth);
	ma_off = put_ma_placeholder(&b);
	put_nas(&b, nas, (size_t)id_len);
	return finish_request(&b, ma_off, secret);
}

enum aaa_reason aaa_radius_check_length(const uint8_t *pkt, size_t n, size_t *len)
{
	size_t l;

	if (n < AAA_RADIUS_HDR_LEN)
		return AAA_REASON_SHORT;
	l = (size_t)pkt[2] << 8 | pkt[3];
	if (l < AAA_RADIUS_HDR_LEN || l > AAA_RADIUS_MAX_LEN || l > n)
		return AAA_REASON_BAD_LENGTH;
	*len = l;
	return AAA_REASON_OK;
}

int aaa_radius_next_attr(const uint8_t *pkt, size_t len, size_t *off, struct aaa_attr *a)
{
	size_t o = *off;

	if (o >= len)
		return 0;
	if (len - o < 2 || pkt[o + 1] < 2 || pkt[o + 1] > len - o)
		return -EINVAL;
	a->type = pkt[o];
	a->len = (uint8_t)(pkt[o + 1] - 2);
	a->val = pkt + o + 2;
	a->off = o;
	*off = o + pkt[o + 1];
	return 1;
}

static uint32_t vsa_vendor(const struct aaa_attr *a)
{
	return (uint32_t)a->val[0] << 24 | (uint32_t)a->val[1] << 16 |
	       (uint32_t)a->val[2] << 8 | a->val[3];
}

/* The sub-attributes of a Microsoft VSA must tile its value exactly. */
static bool ms_vsa_well_formed(const struct aaa_attr *a)
{
	size_t off = 4;
	struct aaa_attr sub;
	int r;

	while ((r = aaa_radius_next_attr(a->val, a->len, &off, &sub)) > 0)
		;
	return r == 0;
}

/* Known attributes with a fixed size; a wrong one is garbage, not data. */
static bool attr_well_formed(const struct aaa_attr *a)
{
	switch (a->type) {
	case AAA_ATTR_MESSAGE_AUTHENTICATOR:
		return a->len == 16;
	case AAA_ATTR_FRAMED_IP_ADDRESS:
	case AAA_ATTR_SESSION_TIMEOUT:
		return a->len == 4;
	case AAA_ATTR_VENDOR_SPECIFIC:
		if (a->len < 5)
			return false;
		return vsa_vendor(a) != AAA_VENDOR_MICROSOFT || ms_vsa_well_formed(a);
	default:
		return true;
	}
}

/* MD5(Code+ID+Length+RequestAuth+Attributes+Secret), RFC 2865 section 3. */
static void response_auth(const uint8_t *pkt, size_t len, const uint8_t req_auth[16],
			  const struct aaa_secret *secret, uint8_t out[16])
{
	struct md5_ctx ctx;

	md5_init(&ctx);
	md5_update(&ctx, 4, pkt);
	md5_update(&ctx, 16, req_auth);
	md5_update(&ctx, len - AAA_RADIUS_HDR_LEN, pkt + AAA_RADIUS_HDR_LEN);
	md5_update(&ctx, secret->len, secret->b);
	md5_digest(&ctx, 16, out);
	mip_wipe(&ctx, sizeof(ctx));
}

/* RFC 3579 3.2: HMAC over the reply with the Request Authenticator in place and MA zero. */
static void reply_ma(const uint8_t *pkt, size_t len, size_t ma_off, const uint8_t req_auth[16],
		     const struct aaa_secret *secret, uint8_t out[16])
{
	uint8_t copy[AAA_RADIUS_MAX_LEN];

	memcpy(copy, pkt, len);
	memcpy(copy + 4, req_auth, 16);
	memset(copy + ma_off + 2, 0, 16);
	mip_hmac_md5(secret->b, secret->len, copy, len, out);
}

/* Walks the attributes: well-formed, and where the one MA is. */
static enum aaa_reason find_ma(const uint8_t *pkt, size_t len, size_t *ma_off)
{
	size_t off = AAA_RADIUS_HDR_LEN;
	struct aaa_attr a;
	unsigned n_ma = 0;
	int r;

	while ((r = aaa_radius_next_attr(pkt, len, &off, &a)) > 0) {
		if (!attr_well_formed(&a))
			return AAA_REASON_BAD_ATTR;
		if (a.type == AAA_ATTR_MESSAGE_AUTHENTICATOR) {
			n_ma++;
			*ma_off = a.off;
		}
	}
	if (r < 0)
		return AAA_REASON_BAD_ATTR;
	if (n_ma == 0)
		return AAA_REASON_NO_MA;
	return n_ma == 1 ? AAA_REASON_OK : AAA_REASON_DUP_MA;
}

enum aaa_reason aaa_radius_verify_reply(const uint8_t *pkt, size_t len,
					const uint8_t req_auth[AAA_RADIUS_AUTH_LEN],
					const struct aaa_secret *secret)
{
	uint8_t want[16];
	size_t ma_off = 0;
	enum aaa_reason r;
	int eq;

	if (len < AAA_RADIUS_HDR_LEN || len > AAA_RADIUS_MAX_LEN)
		return AAA_REASON_BAD_LENGTH;
	response_auth(pkt, len, req_auth, secret, want);
	eq = mip_ct_equal(want, pkt + 4, 16);
	if (!eq)
		return AAA_REASON_BAD_RESPONSE_AUTH;
	r = find_ma(pkt, len, &ma_off);
	if (r != AAA_REASON_OK)
		return r;
	reply_ma(pkt, len, ma_off, req_auth, secret, want);
	eq = mip_ct_equal(want, pkt + ma_off + 2, 16);
	return eq ? AAA_REASON_OK : AAA_REASON_BAD_MA;
}

int aaa_radius_sign_reply(uint8_t *buf, size_t len, const uint8_t req_auth[AAA_RADIUS_AUTH_LEN],
			  const struct aaa_secret *secret)
{
	size_t off = AAA_RADIUS_HDR_LEN;
	struct aaa_attr a;

	if (len < AAA_RADIUS_HDR_LEN || len > AAA_RADIUS_MAX_LEN)
		return -EINVAL;
	buf[2] = (uint8_t)(len >> 8);
	buf[3] = (uint8_t)len;
	/* A test may sign garbled attributes on purpose: the walk just stops. */
	while (aaa_radius_next_attr(buf, len, &off, &a) > 0) {
		if (a.type == AAA_ATTR_MESSAGE_AUTHENTICATOR && a.len == 16)
			reply_ma(buf, len, a.off, req_auth, secret, buf + a.off + 2);
	}
	response_auth(buf, len, req_auth, secret, buf + 4);
	return 0;
}

/* "S=" followed by 40 upper-case hex digits (RFC 2759 section 8.7). */
static bool auth_response_ok(const uint8_t *s)
{
	if (s[0] != 'S' || s[1] != '=')
		return false;
	for (size_t i = 2; i < AAA_AUTH_RESPONSE_LEN; i++) {
		uint8_t c = s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F')))
			return false;
	}
	return true;
}

struct decode_ctx {
	const uint8_t *req_auth;
	const struct aaa_secret *secret;
	uint8_t expect_ident;
	struct aaa_reply *out;
	enum aaa_reason error;
};

static void fail(struct decode_ctx *d, enum aaa_reason r)
{
	if (d->error == AAA_REASON_OK)
		d->error = r;
}

static void decode_mppe(struct decode_ctx *d, const struct aaa_attr *sub, bool *has,
			struct mip_key *key, enum aaa_reason bad)
{
	int error;

	if (*has) {
		fail(d, AAA_REASON_DUP_ATTR);
		return;
	}
	error = mip_mppe_decrypt_key(sub->val, sub->len, d->secret->b, d->secret->len, d->req_auth,
				     key);
	if (error != 0) {
		fail(d, bad);
		return;
	}
	*has = true;
}

static void decode_success(struct decode_ctx *d, const struct aaa_attr *sub)
{
	struct aaa_reply *out = d->out;

	if (out->has_success) {
		fail(d, AAA_REASON_DUP_ATTR);
		return;
	}
	if (sub->len != 1 + AAA_AUTH_RESPONSE_LEN || sub->val[0] != d->expect_ident ||
	    !auth_response_ok(sub->val + 1)) {
		fail(d, AAA_REASON_BAD_SUCCESS);
		return;
	}
	out->has_success = true;
	out->success_ident = sub->val[0];
	memcpy(out->auth_response, sub->val + 1, AAA_AUTH_RESPONSE_LEN);
}

static void decode_ms(struct decode_ctx *d, const struct aaa_attr *a)
{
	size_t off = 4;
	struct aaa_attr sub;

	while (aaa_radius_next_attr(a->val, a->len, &off, &sub) > 0) {
		switch (sub.type) {
		case AAA_MS_CHAP2_SUCCESS:
			decode_success(d, &sub);
			break;
		case AAA_MS_MPPE_RECV_KEY:
			decode_mppe(d, &sub, &d->out->has_recv_key, &d->out->recv_key,
				    AAA_REASON_BAD_RECV_KEY);
			break;
		case AAA_MS_MPPE_SEND_KEY:
			decode_mppe(d, &sub, &d->out->has_send_key, &d->out->send_key,
				    AAA_REASON_BAD_SEND_KEY);
			break;
		default:
			break;
		}
	}
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void decode_attr(struct decode_ctx *d, const struct aaa_attr *a)
{
	struct aaa_reply *out = d->out;

	switch (a->type) {
	case AAA_ATTR_FRAMED_IP_ADDRESS:
		/* verify_reply checks the size (attr_well_formed); decoding is safe alone too. */
		if (a->len != 4) {
			fail(d, AAA_REASON_BAD_ATTR);
			break;
		}
		if (out->has_framed_ip)
			fail(d, AAA_REASON_DUP_ATTR);
		out->has_framed_ip = true;
		memcpy(&out->framed_ip, a->val, 4);
		break;
	case AAA_ATTR_SESSION_TIMEOUT:
		if (a->len != 4) {
			fail(d, AAA_REASON_BAD_ATTR);
			break;
		}
		if (out->has_session_timeout)
			fail(d, AAA_REASON_DUP_ATTR);
		out->has_session_timeout = true;
		out->session_timeout = be32(a->val);
		break;
	case AAA_ATTR_REPLY_MESSAGE:
		if (out->reply_message_len == 0) {
			memcpy(out->reply_message, a->val, a->len);
			out->reply_message[a->len] = '\0';
			out->reply_message_len = a->len;
		}
		break;
	case AAA_ATTR_VENDOR_SPECIFIC:
		if (vsa_vendor(a) == AAA_VENDOR_MICROSOFT)
			decode_ms(d, a);
		break;
	default:
		break;
	}
}

static enum aaa_reason accept_complete(const struct aaa_reply *out)
{
	if (!out->has_success)
		return AAA_REASON_NO_SUCCESS;
	if (!out->has_recv_key)
		return AAA_REASON_NO_RECV_KEY;
	return AAA_REASON_OK;
}

enum aaa_reason aaa_radius_decode_reply(const uint8_t *pkt, size_t len,
					const uint8_t req_auth[AAA_RADIUS_AUTH_LEN],
					const struct aaa_secret *secret, uint8_t expect_ident,
					struct aaa_reply *out)
{
	struct decode_ctx d = { .req_auth = req_auth, .secret = secret,
				.expect_ident = expect_ident, .out = out };
	size_t off = AAA_RADIUS_HDR_LEN;
	struct aaa_attr a;
	int r;

	memset(out, 0, sizeof(*out));
	out->code = pkt[0];
	while ((r = aaa_radius_next_attr(pkt, len, &off, &a)) > 0)
		decode_attr(&d, &a);
	if (r < 0)
		fail(&d, AAA_REASON_BAD_ATTR);
	switch (out->code) {
	case AAA_CODE_ACCESS_ACCEPT:
		fail(&d, accept_complete(out));
		break;
	case AAA_CODE_ACCESS_REJECT:
		/* A reject is a reject, whatever else it carries. */
		d.error = AAA_REASON_OK;
		break;
	case AAA_CODE_ACCESS_CHALLENGE:
		fail(&d, AAA_REASON_CHALLENGE);
		break;
	default:
		fail(&d, AAA_REASON_BAD_CODE);
		break;
	}
	if (d.error != AAA_REASON_OK) {
		mip_wipe(&out->recv_key, sizeof(out->recv_key));
		mip_wipe(&out->send_key, sizeof(out->send_key));
		out->has_recv_key = false;
		out->has_send_key = false;
	}
	return d.error;
}

/* ---- Dynamic Authorization (RFC 5176) ---- */

static const char *const dae_names[] = {
#define AAA_DAE_NAME(name, text) [AAA_DAE_##name] = #name,
	AAA_DAE_DISCARD_LIST(AAA_DAE_NAME)
#undef AAA_DAE_NAME
};
static const char *const dae_texts[] = {
#define AAA_DAE_TEXT(name, text) [AAA_DAE_##name] = text,
	AAA_DAE_DISCARD_LIST(AAA_DAE_TEXT)
#undef AAA_DAE_TEXT
};

const char *aaa_dae_discard_name(enum aaa_dae_discard d)
{
	return (unsigned)d < AAA_DAE_MAX ? dae_names[d] : "?";
}

const char *aaa_dae_discard_text(enum aaa_dae_discard d)
{
	return (unsigned)d < AAA_DAE_MAX ? dae_texts[d] : "?";
}

/* A request's authenticators are computed with a zero one in place (RFC 5176 2.3, RFC 3579 3.2). */
static const uint8_t zero_auth[AAA_RADIUS_AUTH_LEN];

static void dae_unsupported(struct aaa_dae_request *out, uint8_t type)
{
	if (out->unsupported == 0)
		out->unsupported = type;
}

/* The attributes of a verified request into *out. */
static enum aaa_dae_discard dae_decode(const uint8_t *pkt, size_t len,
				       struct aaa_dae_request *out, bool *has_ts)
{
	size_t off = AAA_RADIUS_HDR_LEN;
	struct aaa_attr a;

	while (aaa_radius_next_attr(pkt, len, &off, &a) > 0) {
		switch (a.type) {
		case AAA_ATTR_USER_NAME:
			if (out->user_name_len != 0 || a.len == 0) {
				dae_unsupported(out, a.type);
				break;
			}
			memcpy(out->user_name, a.val, a.len);
			out->user_name[a.len] = '\0';
			out->user_name_len = a.len;
			break;
		case AAA_ATTR_FRAMED_IP_ADDRESS:
			if (out->has_framed_ip) {
				dae_unsupported(out, a.type);
				break;
			}
			memcpy(&out->framed_ip, a.val, 4);
			out->has_framed_ip = true;
			break;
		case AAA_ATTR_NAS_IP_ADDRESS:
			if (a.len != 4)
				return AAA_DAE_BAD_ATTR;
			memcpy(&out->nas_ip, a.val, 4);
			out->has_nas_ip = true;
			break;
		case AAA_ATTR_NAS_IDENTIFIER:
			if (a.len == 0)
				return AAA_DAE_BAD_ATTR;
			memcpy(out->nas_id, a.val, a.len);
			out->nas_id[a.len] = '\0';
			out->nas_id_len = a.len;
			break;
		case AAA_ATTR_EVENT_TIMESTAMP:
			if (a.len != 4)
				return AAA_DAE_BAD_ATTR;
			out->event_timestamp = (uint32_t)a.val[0] << 24 | (uint32_t)a.val[1] << 16 |
					       (uint32_t)a.val[2] << 8 | a.val[3];
			*has_ts = true;
			break;
		case AAA_ATTR_PROXY_STATE:
			if (out->n_proxy_state == AAA_DAE_PROXY_STATES) {
				dae_unsupported(out, a.type);	/* could not all be echoed */
				break;
			}
			out->proxy_state_off[out->n_proxy_state++] = (uint16_t)a.off;
			break;
		case AAA_ATTR_MESSAGE_AUTHENTICATOR:
			break;
		default:
			dae_unsupported(out, a.type);
			break;
		}
	}
	return AAA_DAE_OK;
}

enum aaa_dae_discard aaa_dae_verify_request(const uint8_t *pkt, size_t len, uint32_t now,
					    uint32_t window, const struct aaa_secret *secret,
					    struct aaa_dae_request *out)
{
	uint8_t want[16];
	size_t ma_off = 0;
	enum aaa_dae_discard d;
	bool has_ts = false;
	int64_t skew;

	memset(out, 0, sizeof(*out));
	if (len < AAA_RADIUS_HDR_LEN || len > AAA_RADIUS_MAX_LEN)
		return AAA_DAE_BAD_LENGTH;
	if (pkt[0] != AAA_CODE_DISCONNECT_REQUEST && pkt[0] != AAA_CODE_COA_REQUEST)
		return AAA_DAE_BAD_CODE;
	response_auth(pkt, len, zero_auth, secret, want);
	if (!mip_ct_equal(want, pkt + 4, 16))
		return AAA_DAE_BAD_AUTHENTICATOR;
	switch (find_ma(pkt, len, &ma_off)) {
	case AAA_REASON_OK:
		break;
	case AAA_REASON_NO_MA:
		return AAA_DAE_NO_MA;
	case AAA_REASON_DUP_MA:
		return AAA_DAE_DUP_MA;
	default:
		return AAA_DAE_BAD_ATTR;
	}
	reply_ma(pkt, len, ma_off, zero_auth, secret, want);
	if (!mip_ct_equal(want, pkt + ma_off + 2, 16))
		return AAA_DAE_BAD_MA;
	d = dae_decode(pkt, len, out, &has_ts);
	if (d != AAA_DAE_OK)
		return d;
	if (!has_ts)
		return AAA_DAE_NO_TIMESTAMP;
	skew = (int64_t)now - (int64_t)out->event_timestamp;
	if (skew > (int64_t)window || -skew > (int64_t)window)
		return AAA_DAE_STALE_TIMESTAMP;
	out->code = pkt[0];
	out->id = pkt[1];
	memcpy(out->req_auth, pkt + 4, AAA_RADIUS_AUTH_LEN);
	return AAA_DAE_OK;
}

int aaa_dae_encode_reply(uint8_t *buf, size_t cap, uint8_t code, const struct aaa_dae_request *req,
			 const uint8_t *req_pkt, uint32_t error_cause,
			 const struct aaa_secret *secret)
{
	struct pkt_builder b = { .buf = buf, .cap = cap };

	if (secret->len == 0)
		return -EINVAL;
	put_header(&b, code, req->id, req->req_auth);
	put_ma_placeholder(&b);
	if (error_cause != 0)
		put_u32(&b, AAA_ATTR_ERROR_CAUSE, error_cause);
	for (unsigned int i = 0; i < req->n_proxy_state; i++) {
		const uint8_t *a = req_pkt + req->proxy_state_off[i];

		put_bytes(&b, AAA_ATTR_PROXY_STATE, a + 2, (size_t)a[1] - 2);
	}
	if (b.error != 0)
		return b.error;
	aaa_radius_sign_reply(buf, b.len, req->req_auth, secret);
	return (int)b.len;
}

int aaa_dae_sign_request(uint8_t *buf, size_t len, const struct aaa_secret *secret)
{
	size_t off = AAA_RADIUS_HDR_LEN;
	struct aaa_attr a;

	if (len < AAA_RADIUS_HDR_LEN || len > AAA_RADIUS_MAX_LEN)
		return -EINVAL;
	buf[2] = (uint8_t)(len >> 8);
	buf[3] = (uint8_t)len;
	memset(buf + 4, 0, AAA_RADIUS_AUTH_LEN);
	while (aaa_radius_next_attr(buf, len, &off, &a) > 0) {
		if (a.type == AAA_ATTR_MESSAGE_AUTHENTICATOR && a.len == 16)
			reply_ma(buf, len, a.off, zero_auth, secret, buf + a.off + 2);
	}
	response_auth(buf, len, zero_auth, secret, buf + 4);
	return 0;
}
