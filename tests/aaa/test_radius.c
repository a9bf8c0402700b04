/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RADIUS packets (control/aaa/radius.c): the spec example's Access-Request
 * byte for byte, Status-Server, and every check of a reply (spec section 5
 * step 4) with a reason of its own. No sockets.
 */
#include <sys/random.h>

#include "aaa_test.h"

static json_t *vec;
static struct aaa_nas nas;

static void setup(void)
{
	vec = aaa_test_load_vectors();
	memset(&nas, 0, sizeof(nas));
	nas.ip = vec_ip(vec, "inputs", "home_agent");
	snprintf(nas.id, sizeof(nas.id), "mipha");
}

static void teardown(void)
{
	json_decref(vec);
}

TestSuite(radius, .init = setup, .fini = teardown, .timeout = 30);

struct exp {
	uint8_t b[1024];
	size_t len;
};

static void ex_bytes(struct exp *e, const void *p, size_t n)
{
	memcpy(e->b + e->len, p, n);
	e->len += n;
}

static void ex_attr(struct exp *e, uint8_t type, const void *p, size_t n)
{
	uint8_t h[2] = { type, (uint8_t)(n + 2) };

	ex_bytes(e, h, 2);
	ex_bytes(e, p, n);
}

static void ex_ms(struct exp *e, uint8_t type, const void *p, size_t n)
{
	uint8_t h[8] = { 26, (uint8_t)(n + 8), 0, 0, 0x01, 0x37, type, (uint8_t)(n + 2) };

	ex_bytes(e, h, 8);
	ex_bytes(e, p, n);
}

/* The bytes the spec's section 5 step 3 table asks for, assembled here by hand. */
static void expected_request(struct exp *e, uint8_t id, const uint8_t auth[16],
			     const uint8_t ma[16], const char *user)
{
	uint8_t auth_challenge[16], peer[16], nt[24], resp[50] = { 0 };
	uint8_t nas_ip[4] = { 10, 1, 0, 1 }, framed[4] = { 10, 1, 0, 10 };
	uint8_t service[4] = { 0, 0, 0, 2 };
	const char *coa = vec_str(vec, "inputs", "care_of");

	vec_hex(vec, "inputs", "auth_challenge", auth_challenge, 16);
	vec_hex(vec, NULL, "peer_challenge", peer, 16);
	vec_hex(vec, NULL, "nt_response", nt, 24);
	cr_assert_eq(vec_ip(vec, "inputs", "home_agent"), *(uint32_t *)nas_ip);
	cr_assert_eq(vec_ip(vec, "inputs", "home_address"), *(uint32_t *)framed);
	memcpy(resp + 2, peer, 16);
	memcpy(resp + 26, nt, 24);

	e->len = 0;
	ex_bytes(e, (uint8_t[]){ 1, id, 0, 0 }, 4);
	ex_bytes(e, auth, 16);
	ex_attr(e, 80, ma, 16);
	ex_attr(e, 1, user, strlen(user));
	ex_attr(e, 4, nas_ip, 4);
	ex_attr(e, 32, "mipha", 5);
	ex_attr(e, 6, service, 4);
	ex_attr(e, 8, framed, 4);
	ex_attr(e, 31, coa, strlen(coa));
	ex_ms(e, 11, auth_challenge, 16);
	ex_ms(e, 25, resp, 50);
	e->b[2] = (uint8_t)(e->len >> 8);
	e->b[3] = (uint8_t)e->len;
}

static void check_example(const char *domain, const char *user)
{
	struct aaa_access_req req;
	const struct aaa_secret s = test_secret();
	uint8_t auth[16], buf[AAA_RADIUS_REQ_MAX];
	struct exp e;
	int len;

	vec_access_req(vec, &req);
	snprintf(req.domain, sizeof(req.domain), "%s", domain);
	for (int i = 0; i < 16; i++)
		auth[i] = (uint8_t)(0xa0 + i);
	len = aaa_radius_encode_access_request(buf, sizeof(buf), 0x42, auth, &nas, &req, &s);
	cr_assert_gt(len, 0);
	/* The MA checked with nettle's HMAC here, then the rest byte for byte. */
	cr_assert(request_ma_ok(buf, (size_t)len), "Message-Authenticator wrong");
	cr_assert_eq(buf[20], 80);
	expected_request(&e, 0x42, auth, buf + 22, user);
	cr_assert_eq((size_t)len, e.len, "length %d, want %zu", len, e.len);
	cr_assert_arr_eq(buf, e.b, e.len);
}

Test(radius, spec_example_access_request_bytes)
{
	check_example("", vec_str(vec, "inputs", "nai"));
}

Test(radius, domain_prefixes_user_name)
{
	char user[300];

	snprintf(user, sizeof(user), "EXAMPLE\\%s", vec_str(vec, "inputs", "nai"));
	check_example("EXAMPLE", user);
}

Test(radius, no_framed_ip_when_home_address_zero)
{
	struct aaa_access_req req;
	const struct aaa_secret s = test_secret();
	uint8_t auth[16] = { 1 }, buf[AAA_RADIUS_REQ_MAX];
	size_t off = 20;
	struct aaa_attr a;
	int len, n = 0;

	vec_access_req(vec, &req);
	req.home_addr = 0;
	len = aaa_radius_encode_access_request(buf, sizeof(buf), 7, auth, &nas, &req, &s);
	cr_assert_gt(len, 0);
	while (aaa_radius_next_attr(buf, (size_t)len, &off, &a) > 0) {
		cr_assert_neq(a.type, AAA_ATTR_FRAMED_IP_ADDRESS);
		n++;
	}
	cr_assert_eq(n, 8);
	cr_assert(request_ma_ok(buf, (size_t)len));
}

Test(radius, encode_refuses_bad_names)
{
	struct aaa_access_req req;
	const struct aaa_secret s = test_secret();
	const struct aaa_secret empty = { (const uint8_t *)"", 0 };
	uint8_t auth[16] = { 0 }, buf[AAA_RADIUS_REQ_MAX];
	struct aaa_nas bad_nas = nas;

	vec_access_req(vec, &req);
	req.nai[0] = '\0';
	cr_assert_eq(aaa_radius_encode_access_request(buf, sizeof(buf), 1, auth, &nas, &req, &s),
		     -EINVAL);
	/* DOMAIN\NAI over 253 bytes. */
	vec_access_req(vec, &req);
	memset(req.domain, 'D', 240);
	req.domain[240] = '\0';
	cr_assert_eq(aaa_radius_encode_access_request(buf, sizeof(buf), 1, auth, &nas, &req, &s),
		     -EINVAL);
	/* 253 bytes exactly is fine. */
	req.domain[253 - 1 - strlen(req.nai)] = '\0';
	cr_assert_gt(aaa_radius_encode_access_request(buf, sizeof(buf), 1, auth, &nas, &req, &s), 0);
	/* Not NUL-terminated within 253: refused. */
	vec_access_req(vec, &req);
	memset(req.nai, 'n', sizeof(req.nai));
	cr_assert_eq(aaa_radius_encode_access_request(buf, sizeof(buf), 1, auth, &nas, &req, &s),
		     -EINVAL);
	vec_access_req(vec, &req);
	bad_nas.id[0] = '\0';
	cr_assert_eq(aaa_radius_encode_access_request(buf, sizeof(buf), 1, auth, &bad_nas, &req, &s),
		     -EINVAL);
	cr_assert_eq(aaa_radius_encode_access_request(buf, sizeof(buf), 1, auth, &nas, &req, &empty),
		     -EINVAL);
	cr_assert_eq(aaa_radius_encode_access_request(buf, 100, 1, auth, &nas, &req, &s), -ENOSPC);
}

Test(radius, status_server_bytes)
{
	const struct aaa_secret s = test_secret();
	uint8_t auth[16], buf[256];
	struct exp e = { .len = 0 };
	uint8_t nas_ip[4] = { 10, 1, 0, 1 };
	int len;

	cr_assert_eq(aaa_radius_random_auth(auth), 0);
	len = aaa_radius_encode_status_server(buf, sizeof(buf), 9, auth, &nas, &s);
	cr_assert_eq(len, 20 + 18 + 6 + 7);
	cr_assert(request_ma_ok(buf, (size_t)len));
	ex_bytes(&e, (uint8_t[]){ 12, 9, 0, (uint8_t)len }, 4);
	ex_bytes(&e, auth, 16);
	ex_attr(&e, 80, buf + 22, 16);
	ex_attr(&e, 4, nas_ip, 4);
	ex_attr(&e, 32, "mipha", 5);
	cr_assert_arr_eq(buf, e.b, e.len);
}

Test(radius, random_authenticators_differ)
{
	uint8_t a[16], b[16];

	cr_assert_eq(aaa_radius_random_auth(a), 0);
	cr_assert_eq(aaa_radius_random_auth(b), 0);
	cr_assert_arr_neq(a, b, 16);
}

/* ---- replies ---- */

static const uint8_t req_auth[16] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
				      0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01 };
static const struct mip_key kpp = { { 0x86, 0x44, 0x67, 0x90, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 } };

static void accept_reply(struct rbuild *rb)
{
	uint8_t framed[4] = { 10, 1, 0, 77 }, st[4] = { 0, 0, 2, 88 };

	rb_init(rb, AAA_CODE_ACCESS_ACCEPT, 5);
	rb_ma(rb);
	rb_success(rb, "S=279D9B1121FFDED59933DE5BC671502B8F901004");
	rb_mppe(rb, AAA_MS_MPPE_RECV_KEY, &kpp, 0x8001, req_auth);
	rb_mppe(rb, AAA_MS_MPPE_SEND_KEY, &kpp, 0x8002, req_auth);
	rb_attr(rb, AAA_ATTR_FRAMED_IP_ADDRESS, framed, 4);
	rb_attr(rb, AAA_ATTR_SESSION_TIMEOUT, st, 4);
	rb_attr(rb, AAA_ATTR_REPLY_MESSAGE, "hello", 5);
	rb_sign(rb, req_auth);
}

static enum aaa_reason verify(const struct rbuild *rb)
{
	const struct aaa_secret s = test_secret();

	return aaa_radius_verify_reply(rb->b, rb->len, req_auth, &s);
}

static enum aaa_reason decode(const struct rbuild *rb, struct aaa_reply *out)
{
	const struct aaa_secret s = test_secret();

	return aaa_radius_decode_reply(rb->b, rb->len, req_auth, &s, 0, out);
}

Test(radius, accept_verifies_and_decodes)
{
	struct rbuild rb;
	struct aaa_reply out;

	accept_reply(&rb);
	cr_assert_eq(verify(&rb), AAA_REASON_OK);
	cr_assert_eq(decode(&rb, &out), AAA_REASON_OK);
	cr_assert_eq(out.code, AAA_CODE_ACCESS_ACCEPT);
	cr_assert(out.has_success && out.has_recv_key && out.has_send_key);
	cr_assert_arr_eq(out.recv_key.b, kpp.b, 16);
	cr_assert_arr_eq(out.auth_response, "S=279D9B1121FFDED59933DE5BC671502B8F901004", 42);
	cr_assert(out.has_framed_ip);
	cr_assert_eq(out.framed_ip, htonl(0x0a01004d));
	cr_assert(out.has_session_timeout);
	cr_assert_eq(out.session_timeout, 600);
	cr_assert_str_eq(out.reply_message, "hello");
}

Test(radius, any_flipped_byte_fails)
{
	struct rbuild rb, bad;

	accept_reply(&rb);
	for (size_t i = 0; i < rb.len; i++) {
		if (i == 1)
			continue;	/* the Identifier is the caller's to match */
		bad = rb;
		bad.b[i] ^= 0x01;
		cr_assert_neq(verify(&bad), AAA_REASON_OK, "byte %zu", i);
	}
	/* The whole reply with another request's authenticator. */
	{
		const struct aaa_secret s = test_secret();
		uint8_t other[16];

		memcpy(other, req_auth, 16);
		other[15] ^= 0x80;
		cr_assert_eq(aaa_radius_verify_reply(rb.b, rb.len, other, &s),
			     AAA_REASON_BAD_RESPONSE_AUTH);
	}
}

Test(radius, wrong_secret_fails_response_auth)
{
	struct rbuild rb;
	const struct aaa_secret s = { (const uint8_t *)"another secret", 14 };

	accept_reply(&rb);
	cr_assert_eq(aaa_radius_verify_reply(rb.b, rb.len, req_auth, &s),
		     AAA_REASON_BAD_RESPONSE_AUTH);
}

Test(radius, missing_duplicate_and_wrong_ma)
{
	struct rbuild rb;

	/* No MA at all, Response Authenticator right. */
	rb_init(&rb, AAA_CODE_ACCESS_REJECT, 1);
	rb_sign(&rb, req_auth);
	cr_assert_eq(verify(&rb), AAA_REASON_NO_MA);
	/* Two MAs. */
	rb_init(&rb, AAA_CODE_ACCESS_REJECT, 1);
	rb_ma(&rb);
	rb_ma(&rb);
	rb_sign(&rb, req_auth);
	cr_assert_eq(verify(&rb), AAA_REASON_DUP_MA);
	/* MA wrong, Response Authenticator recomputed over it (right). */
	rb_init(&rb, AAA_CODE_ACCESS_REJECT, 1);
	rb_ma(&rb);
	rb_sign(&rb, req_auth);
	rb.b[30] ^= 0x40;
	rb_sign_ra_only(&rb, req_auth);
	cr_assert_eq(verify(&rb), AAA_REASON_BAD_MA);
	/* MA of the wrong length is garbage. */
	rb_init(&rb, AAA_CODE_ACCESS_REJECT, 1);
	rb_attr(&rb, AAA_ATTR_MESSAGE_AUTHENTICATOR, "0123456789abcde", 15);
	rb_sign(&rb, req_auth);
	cr_assert_eq(verify(&rb), AAA_REASON_BAD_ATTR);
}

Test(radius, garbled_attributes)
{
	struct rbuild rb;
	uint8_t vsa[12] = { 0, 0, 1, 0x37, 17, 9, 1, 2, 3, 4, 5, 6 };	/* sub-length past the end */

	rb_init(&rb, AAA_CODE_ACCESS_ACCEPT, 1);
	rb_ma(&rb);
	rb_attr(&rb, AAA_ATTR_VENDOR_SPECIFIC, vsa, sizeof(vsa));
	rb_sign(&rb, req_auth);
	cr_assert_eq(verify(&rb), AAA_REASON_BAD_ATTR);

	/* An attribute whose length runs past the packet. */
	rb_init(&rb, AAA_CODE_ACCESS_ACCEPT, 1);
	rb_ma(&rb);
	rb.b[rb.len++] = 18;
	rb.b[rb.len++] = 9;
	rb.b[rb.len++] = 'x';
	rb_sign(&rb, req_auth);
	cr_assert_eq(verify(&rb), AAA_REASON_BAD_ATTR);

	/* Length byte 1, and 0. */
	for (uint8_t l = 0; l < 2; l++) {
		rb_init(&rb, AAA_CODE_ACCESS_ACCEPT, 1);
		rb_ma(&rb);
		rb.b[rb.len++] = 18;
		rb.b[rb.len++] = l;
		rb_sign(&rb, req_auth);
		cr_assert_eq(verify(&rb), AAA_REASON_BAD_ATTR);
	}
	/* Framed-IP-Address of 3 bytes. */
	rb_init(&rb, AAA_CODE_ACCESS_ACCEPT, 1);
	rb_ma(&rb);
	rb_attr(&rb, AAA_ATTR_FRAMED_IP_ADDRESS, "abc", 3);
	rb_sign(&rb, req_auth);
	cr_assert_eq(verify(&rb), AAA_REASON_BAD_ATTR);
}

Test(radius, lengths)
{
	uint8_t pkt[AAA_RADIUS_MAX_LEN + 8] = { 2, 1, 0, 20 };
	size_t len = 0;

	cr_assert_eq(aaa_radius_check_length(pkt, 19, &len), AAA_REASON_SHORT);
	cr_assert_eq(aaa_radius_check_length(pkt, 20, &len), AAA_REASON_OK);
	cr_assert_eq(len, 20);
	/* Bytes past Length are padding (RFC 2865 section 3). */
	cr_assert_eq(aaa_radius_check_length(pkt, 64, &len), AAA_REASON_OK);
	cr_assert_eq(len, 20);
	pkt[3] = 19;
	cr_assert_eq(aaa_radius_check_length(pkt, 64, &len), AAA_REASON_BAD_LENGTH);
	pkt[3] = 65;
	cr_assert_eq(aaa_radius_check_length(pkt, 64, &len), AAA_REASON_BAD_LENGTH);
	pkt[2] = 0x10;
	pkt[3] = 0x01;	/* 4097 */
	cr_assert_eq(aaa_radius_check_length(pkt, sizeof(pkt), &len), AAA_REASON_BAD_LENGTH);
}

Test(radius, unusable_accepts)
{
	struct rbuild rb;
	struct aaa_reply out;
	uint8_t junk[34];

	/* No keys. */
	rb_init(&rb, AAA_CODE_ACCESS_ACCEPT, 1);
	rb_ma(&rb);
	rb_success(&rb, "S=279D9B1121FFDED59933DE5BC671502B8F901004");
	rb_sign(&rb, req_auth);
	cr_assert_eq(verify(&rb), AAA_REASON_OK);
	cr_assert_eq(decode(&rb, &out), AAA_REASON_NO_RECV_KEY);
	/* No MS-CHAP2-Success. */
	rb_init(&rb, AAA_CODE_ACCESS_ACCEPT, 1);
	rb_ma(&rb);
	rb_mppe(&rb, AAA_MS_MPPE_RECV_KEY, &kpp, 0x8001, req_auth);
	rb_sign(&rb, req_auth);
	cr_assert_eq(decode(&rb, &out), AAA_REASON_NO_SUCCESS);
	cr_assert_not(out.has_recv_key);
	for (int i = 0; i < 16; i++)
		cr_assert_eq(out.recv_key.b[i], 0, "k'' not wiped");
	/* Lower-case hex in the Success. */
	rb_init(&rb, AAA_CODE_ACCESS_ACCEPT, 1);
	rb_ma(&rb);
	rb_success(&rb, "S=279d9B1121FFDED59933DE5BC671502B8F901004");
	rb_mppe(&rb, AAA_MS_MPPE_RECV_KEY, &kpp, 0x8001, req_auth);
	rb_sign(&rb, req_auth);
	cr_assert_eq(decode(&rb, &out), AAA_REASON_BAD_SUCCESS);
	/* A Recv-Key that is not an encryption of 16 bytes with zero padding. */
	memset(junk, 0x5a, sizeof(junk));
	junk[0] = 0x80;
	rb_init(&rb, AAA_CODE_ACCESS_ACCEPT, 1);
	rb_ma(&rb);
	rb_success(&rb, "S=279D9B1121FFDED59933DE5BC671502B8F901004");
	rb_ms(&rb, AAA_MS_MPPE_RECV_KEY, junk, sizeof(junk));
	rb_sign(&rb, req_auth);
	cr_assert_eq(decode(&rb, &out), AAA_REASON_BAD_RECV_KEY);
	/* Two Recv-Keys. */
	rb_init(&rb, AAA_CODE_ACCESS_ACCEPT, 1);
	rb_ma(&rb);
	rb_success(&rb, "S=279D9B1121FFDED59933DE5BC671502B8F901004");
	rb_mppe(&rb, AAA_MS_MPPE_RECV_KEY, &kpp, 0x8001, req_auth);
	rb_mppe(&rb, AAA_MS_MPPE_RECV_KEY, &kpp, 0x8003, req_auth);
	rb_sign(&rb, req_auth);
	cr_assert_eq(decode(&rb, &out), AAA_REASON_DUP_ATTR);
	/* Access-Challenge. */
	rb_init(&rb, AAA_CODE_ACCESS_CHALLENGE, 1);
	rb_ma(&rb);
	rb_sign(&rb, req_auth);
	cr_assert_eq(decode(&rb, &out), AAA_REASON_CHALLENGE);
}

Test(radius, reject_decodes_reply_message)
{
	struct rbuild rb;
	struct aaa_reply out;

	rb_init(&rb, AAA_CODE_ACCESS_REJECT, 1);
	rb_ma(&rb);
	rb_attr(&rb, AAA_ATTR_REPLY_MESSAGE, "go away", 7);
	rb_sign(&rb, req_auth);
	cr_assert_eq(verify(&rb), AAA_REASON_OK);
	cr_assert_eq(decode(&rb, &out), AAA_REASON_OK);
	cr_assert_eq(out.code, AAA_CODE_ACCESS_REJECT);
	cr_assert_str_eq(out.reply_message, "go away");
}

Test(radius, reason_names_distinct)
{
	for (int i = 0; i < AAA_REASON_MAX; i++) {
		cr_assert_not_null(aaa_reason_name(i));
		cr_assert_not_null(aaa_reason_text(i));
		for (int j = 0; j < i; j++)
			cr_assert_str_neq(aaa_reason_name(i), aaa_reason_name(j));
	}
	cr_assert_str_eq(aaa_reason_name(AAA_REASON_BAD_MA), "BAD_MA");
	cr_assert_str_eq(aaa_reason_name(AAA_REASON_MAX), "?");
}

/* ---- secrets ---- */

static int load(const char *content, size_t *len, uint8_t **buf)
{
	char path[64];
	int error;

	write_temp(path, content);
	error = aaa_secret_load(path, buf, len);
	unlink(path);
	return error;
}

Test(radius, secret_file)
{
	uint8_t *b = NULL;
	size_t len = 0;
	char big[300];

	cr_assert_eq(load("abc\n", &len, &b), 0);
	cr_assert_eq(len, 3);
	cr_assert_arr_eq(b, "abc", 3);
	mip_secret_free(b, AAA_SECRET_MAX);
	cr_assert_eq(load("abc\r\n", &len, &b), 0);
	cr_assert_eq(len, 3);
	mip_secret_free(b, AAA_SECRET_MAX);
	cr_assert_eq(load("a b c", &len, &b), 0);
	cr_assert_eq(len, 5);
	mip_secret_free(b, AAA_SECRET_MAX);
	/* Only one newline goes: a secret may end in whitespace. */
	cr_assert_eq(load("abc \n\n", &len, &b), 0);
	cr_assert_eq(len, 5);
	mip_secret_free(b, AAA_SECRET_MAX);
	cr_assert_eq(load("", &len, &b), -EINVAL);
	cr_assert_eq(load("\n", &len, &b), -EINVAL);
	memset(big, 'x', 256);
	big[256] = '\n';
	big[257] = '\0';
	cr_assert_eq(load(big, &len, &b), 0);
	cr_assert_eq(len, 256);
	mip_secret_free(b, AAA_SECRET_MAX);
	big[256] = 'x';
	cr_assert_eq(load(big, &len, &b), -EINVAL);
	cr_assert_eq(aaa_secret_load("/nonexistent/secret", &b, &len), -ENOENT);
}

/* ---- an independent decoder: Wireshark ---- */

static void pcap_put(FILE *f, const uint8_t *payload, size_t n, uint16_t sport, uint16_t dport,
		     unsigned seq)
{
	uint8_t ip[28] = { 0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 17, 0, 0, 127, 0, 0, 1, 127, 0, 0, 2 };
	uint32_t rec[4] = { 1700000000u + seq, 0, (uint32_t)(n + 28), (uint32_t)(n + 28) };
	uint32_t sum = 0;

	ip[2] = (uint8_t)((n + 28) >> 8);
	ip[3] = (uint8_t)(n + 28);
	if (dport == 1812) {
		ip[15] = 2;	/* requests 127.0.0.2 -> 127.0.0.1 */
		ip[19] = 1;
	}
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)ip[i] << 8 | ip[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ip[10] = (uint8_t)(~sum >> 8);
	ip[11] = (uint8_t)~sum;
	ip[20] = (uint8_t)(sport >> 8);
	ip[21] = (uint8_t)sport;
	ip[22] = (uint8_t)(dport >> 8);
	ip[23] = (uint8_t)dport;
	ip[24] = (uint8_t)((n + 8) >> 8);
	ip[25] = (uint8_t)(n + 8);	/* UDP checksum 0: none (IPv4) */
	fwrite(rec, sizeof(rec), 1, f);
	fwrite(ip, sizeof(ip), 1, f);
	fwrite(payload, n, 1, f);
}

Test(radius, tshark_decodes_and_validates)
{
	const char *pcap = "/tmp/aaa-test-radius.pcap";
	uint32_t hdr[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 101 };	/* LINKTYPE_RAW */
	struct aaa_access_req req;
	const struct aaa_secret s = test_secret();
	uint8_t auth[16], rq[AAA_RADIUS_REQ_MAX], ss[128];
	struct rbuild acc;
	struct mip_key k = { { 1, 2, 3 } };
	char cmd[512], line[512];
	int len, slen, n_ok = 0, bad = 0, ra_ok = 0;
	FILE *f, *p;

	if (system("command -v tshark >/dev/null 2>&1") != 0)
		cr_skip_test("tshark not installed");
	vec_access_req(vec, &req);
	cr_assert_eq(aaa_radius_random_auth(auth), 0);
	len = aaa_radius_encode_access_request(rq, sizeof(rq), 77, auth, &nas, &req, &s);
	cr_assert_gt(len, 0);
	rb_genuine_accept(&acc, rq, &k);
	slen = aaa_radius_encode_status_server(ss, sizeof(ss), 78, auth, &nas, &s);
	cr_assert_gt(slen, 0);

	f = fopen(pcap, "wb");
	cr_assert_not_null(f);
	fwrite(hdr, sizeof(hdr), 1, f);
	pcap_put(f, rq, (size_t)len, 40000, 1812, 0);
	pcap_put(f, acc.b, acc.len, 1812, 40000, 1);
	pcap_put(f, ss, (size_t)slen, 40001, 1812, 2);
	fclose(f);

	snprintf(cmd, sizeof(cmd),
		 "tshark -r %s -V -o radius.shared_secret:%s -o radius.validate_authenticator:TRUE 2>&1",
		 pcap, TEST_SECRET);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	while (fgets(line, sizeof(line), p) != NULL) {
		if (strstr(line, "Malformed") || strstr(line, "Expert Info (Error") ||
		    strstr(line, "Expert Info (Warning") || strstr(line, "[incorrect]") ||
		    strstr(line, "Incorrect"))
			bad++;
		if (strstr(line, "Code: Access-Request") || strstr(line, "Code: Access-Accept") ||
		    strstr(line, "Code: Status-Server"))
			n_ok++;
		/* Wireshark checks a reply's Response Authenticator given the secret. */
		if (strstr(line, "Valid Authenticator: True"))
			ra_ok++;
		if (bad > 0 && bad < 5)
			cr_log_error("tshark: %s", line);
	}
	cr_assert_eq(pclose(p), 0);
	if (getenv("AAA_KEEP_PCAP") == NULL)
		unlink(pcap);
	cr_assert_eq(bad, 0);
	cr_assert_eq(n_ok, 3);
	cr_assert_eq(ra_ok, 1);
}

/* Signed garbage: thousands of mutated replies through verify and decode (run under valgrind too). */
Test(radius, mutated_signed_replies_are_handled)
{
	struct rbuild rb, m;
	struct aaa_reply out;
	const struct aaa_secret s = test_secret();
	uint8_t rnd[8];
	unsigned ok = 0, accepted = 0;

	accept_reply(&rb);
	for (int i = 0; i < 20000; i++) {
		m = rb;
		cr_assert_eq(getrandom(rnd, sizeof(rnd), 0), (ssize_t)sizeof(rnd));
		for (int j = 0; j < 1 + (rnd[0] & 3); j++)
			m.b[20 + (rnd[1 + j] % (rb.len - 20))] ^= rnd[5 + (j % 3)] | 1;
		if (rnd[4] & 1)
			m.len = 20 + (size_t)rnd[4] % (rb.len - 20);
		rb_sign(&m, req_auth);
		if (aaa_radius_verify_reply(m.b, m.len, req_auth, &s) != AAA_REASON_OK)
			continue;
		ok++;
		if (aaa_radius_decode_reply(m.b, m.len, req_auth, &s, 0, &out) == AAA_REASON_OK &&
		    out.code == AAA_CODE_ACCESS_ACCEPT) {
			cr_assert(out.has_recv_key && out.has_success);
			accepted++;
		}
	}
	cr_log_info("%u of 20000 mutations verified, %u decoded to an accept", ok, accepted);
}
