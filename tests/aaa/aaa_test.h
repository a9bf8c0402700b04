/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers shared by the AAA tests: the spec vectors, secret files, a reply
 * builder for fake servers, a result collector. Header-only (static), one
 * copy per test executable.
 */
#ifndef AAA_TEST_H
#define AAA_TEST_H

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>
#include <nettle/hmac.h>
#include <nettle/md5.h>

#include "aaa_client.h"
#include "mip.h"
#include "radius.h"

/* ---- the spec vectors ---- */

static inline json_t *aaa_test_load_vectors(void)
{
	const char *dir = getenv("MIP_SHARED_DIR");
	char path[1024];
	json_error_t jerr;
	json_t *v;

	if (dir == NULL || dir[0] == '\0')
		dir = "/work/shared";
	snprintf(path, sizeof(path), "%s/spec/vectors/dynkey-example.json", dir);
	v = json_load_file(path, 0, &jerr);
	cr_assert_not_null(v, "%s: line %d: %s", path, jerr.line, jerr.text);
	return v;
}

static inline const char *vec_str(json_t *vec, const char *sub, const char *key)
{
	json_t *o = sub != NULL ? json_object_get(vec, sub) : vec;
	json_t *v = json_object_get(o, key);

	cr_assert(json_is_string(v), "no string %s.%s", sub ? sub : "", key);
	return json_string_value(v);
}

static inline void vec_hex(json_t *vec, const char *sub, const char *key, uint8_t *out, size_t n)
{
	long got = mip_hex_decode(vec_str(vec, sub, key), out, n);

	cr_assert_eq(got, (long)n, "%s: %ld bytes, want %zu", key, got, n);
}

static inline uint32_t vec_ip(json_t *vec, const char *sub, const char *key)
{
	struct in_addr a;

	cr_assert_eq(inet_pton(AF_INET, vec_str(vec, sub, key), &a), 1);
	return a.s_addr;
}

/* The spec example's Access-Request inputs (spec section 5 step 3). */
static inline void vec_access_req(json_t *vec, struct aaa_access_req *req)
{
	memset(req, 0, sizeof(*req));
	snprintf(req->nai, sizeof(req->nai), "%s", vec_str(vec, "inputs", "nai"));
	req->home_addr = vec_ip(vec, "inputs", "home_address");
	req->care_of = vec_ip(vec, "inputs", "care_of");
	vec_hex(vec, "inputs", "auth_challenge", req->auth_challenge, 16);
	vec_hex(vec, NULL, "peer_challenge", req->peer_challenge, 16);
	vec_hex(vec, NULL, "nt_response", req->nt_response, 24);
}

/* ---- secrets ---- */

#define TEST_SECRET "t3st-s3cret-0123456789abcdef"

/* Writes content to a new temporary file; returns its path (static buffer per call site). */
static inline void write_temp(char path[64], const char *content)
{
	int fd;

	snprintf(path, 64, "/tmp/aaa-test-XXXXXX");
	fd = mkstemp(path);
	cr_assert(fd >= 0, "mkstemp: %s", strerror(errno));
	cr_assert_eq(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
}

static inline struct aaa_secret test_secret(void)
{
	struct aaa_secret s = { (const uint8_t *)TEST_SECRET, strlen(TEST_SECRET) };

	return s;
}

/* ---- a reply builder for fake servers ---- */

struct rbuild {
	uint8_t b[AAA_RADIUS_MAX_LEN];
	size_t len;
};

static inline void rb_init(struct rbuild *rb, uint8_t code, uint8_t id)
{
	memset(rb, 0, sizeof(*rb));
	rb->b[0] = code;
	rb->b[1] = id;
	rb->len = AAA_RADIUS_HDR_LEN;
}

static inline void rb_attr(struct rbuild *rb, uint8_t type, const void *val, size_t n)
{
	cr_assert(n <= 253 && rb->len + 2 + n <= sizeof(rb->b));
	rb->b[rb->len] = type;
	rb->b[rb->len + 1] = (uint8_t)(2 + n);
	memcpy(rb->b + rb->len + 2, val, n);
	rb->len += 2 + n;
}

static inline void rb_ma(struct rbuild *rb)
{
	uint8_t zero[16] = { 0 };

	rb_attr(rb, AAA_ATTR_MESSAGE_AUTHENTICATOR, zero, 16);
}

static inline void rb_ms(struct rbuild *rb, uint8_t ms_type, const void *val, size_t n)
{
	uint8_t v[253];

	cr_assert(n + 6 <= sizeof(v));
	v[0] = 0;
	v[1] = 0;
	v[2] = AAA_VENDOR_MICROSOFT >> 8;
	v[3] = AAA_VENDOR_MICROSOFT & 0xff;
	v[4] = ms_type;
	v[5] = (uint8_t)(2 + n);
	memcpy(v + 6, val, n);
	rb_attr(rb, AAA_ATTR_VENDOR_SPECIFIC, v, n + 6);
}

static inline void rb_success(struct rbuild *rb, const char *s42)
{
	uint8_t v[43];

	v[0] = 0;
	memcpy(v + 1, s42, 42);
	rb_ms(rb, AAA_MS_CHAP2_SUCCESS, v, 43);
}

static inline void rb_mppe(struct rbuild *rb, uint8_t ms_type, const struct mip_key *k,
			   uint16_t salt, const uint8_t req_auth[16])
{
	uint8_t v[34];
	const struct aaa_secret s = test_secret();

	cr_assert_eq(mip_mppe_encrypt_key(k, salt, s.b, s.len, req_auth, v), 34);
	rb_ms(rb, ms_type, v, 34);
}

/* Length, Message-Authenticator (when present) and Response Authenticator. */
static inline void rb_sign(struct rbuild *rb, const uint8_t req_auth[16])
{
	const struct aaa_secret s = test_secret();

	cr_assert_eq(aaa_radius_sign_reply(rb->b, rb->len, req_auth, &s), 0);
}

/* The Response Authenticator only, computed here with nettle (independent of radius.c). */
static inline void rb_sign_ra_only(struct rbuild *rb, const uint8_t req_auth[16])
{
	struct md5_ctx ctx;

	rb->b[2] = (uint8_t)(rb->len >> 8);
	rb->b[3] = (uint8_t)rb->len;
	md5_init(&ctx);
	md5_update(&ctx, 4, rb->b);
	md5_update(&ctx, 16, req_auth);
	md5_update(&ctx, rb->len - 20, rb->b + 20);
	md5_update(&ctx, strlen(TEST_SECRET), (const uint8_t *)TEST_SECRET);
	md5_digest(&ctx, 16, rb->b + 4);
}

/* A complete, genuine Access-Accept for the request req (bytes of an Access-Request). */
static inline void rb_genuine_accept(struct rbuild *rb, const uint8_t *req, const struct mip_key *k)
{
	rb_init(rb, AAA_CODE_ACCESS_ACCEPT, req[1]);
	rb_ma(rb);
	rb_success(rb, "S=279D9B1121FFDED59933DE5BC671502B8F901004");
	rb_mppe(rb, AAA_MS_MPPE_RECV_KEY, k, 0x8123, req + 4);
	rb_mppe(rb, AAA_MS_MPPE_SEND_KEY, k, 0x8456, req + 4);
	rb_sign(rb, req + 4);
}

/* HMAC-MD5 Message-Authenticator check of a request, with nettle directly. */
static inline int request_ma_ok(const uint8_t *pkt, size_t len)
{
	uint8_t copy[AAA_RADIUS_MAX_LEN], got[16], want[16];
	struct hmac_md5_ctx h;
	size_t off = 20;
	int found = 0;

	memcpy(copy, pkt, len);
	while (off + 2 <= len && copy[off + 1] >= 2) {
		if (copy[off] == AAA_ATTR_MESSAGE_AUTHENTICATOR && copy[off + 1] == 18) {
			memcpy(got, copy + off + 2, 16);
			memset(copy + off + 2, 0, 16);
			found = 1;
		}
		off += copy[off + 1];
	}
	if (!found)
		return 0;
	hmac_md5_set_key(&h, strlen(TEST_SECRET), (const uint8_t *)TEST_SECRET);
	hmac_md5_update(&h, len, copy);
	hmac_md5_digest(&h, 16, want);
	return memcmp(got, want, 16) == 0;
}

/* ---- a result collector ---- */

#define RESULTS_MAX 1024
struct results {
	unsigned n;
	void *cookie[RESULTS_MAX];
	struct aaa_result r[RESULTS_MAX];
};

static inline void collect(void *cookie, const struct aaa_result *res, void *arg)
{
	struct results *rs = arg;

	cr_assert_lt(rs->n, RESULTS_MAX);
	rs->cookie[rs->n] = cookie;
	rs->r[rs->n] = *res;
	rs->n++;
}

static inline unsigned count_status(const struct results *rs, enum aaa_status st)
{
	unsigned n = 0;

	for (unsigned i = 0; i < rs->n; i++)
		n += rs->r[i].status == st;
	return n;
}

/* ---- helpers of the tests that run real servers ---- */

static inline uint64_t aaa_test_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A loopback port free right now (SOCK_DGRAM or SOCK_STREAM). */
static inline uint16_t aaa_test_free_port(int type)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, type, 0);

	cr_assert(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	close(fd);
	return ntohs(a.sin_port);
}

/* Path of scripts/NAME under MIP_SOURCE_ROOT (two results may be in use at once). */
static inline const char *aaa_test_script(const char *name)
{
	static char path[2][1024];
	static int which;
	const char *root = getenv("MIP_SOURCE_ROOT");

	which ^= 1;
	snprintf(path[which], sizeof(path[which]), "%s/scripts/%s", root ? root : ".", name);
	return path[which];
}

/* An MS-CHAPv2 Access-Request for nai/pw as the MN computes it, fresh challenges. */
static inline void aaa_test_make_req(struct aaa_access_req *req, const char *nai, const char *pw)
{
	struct mip_key nt;

	memset(req, 0, sizeof(*req));
	snprintf(req->nai, sizeof(req->nai), "%s", nai);
	req->care_of = htonl(0xc6336409);
	cr_assert_eq(getrandom(req->auth_challenge, 16, 0), 16);
	cr_assert_eq(getrandom(req->peer_challenge, 16, 0), 16);
	cr_assert_eq(mip_nt_password_hash(pw, strlen(pw), &nt), 0);
	mip_generate_nt_response(req->auth_challenge, req->peer_challenge, req->nai,
				 strlen(req->nai), &nt, req->nt_response);
	mip_wipe(&nt, sizeof(nt));
}

/* Drives c until rs holds want results or limit_ms passes; sleeps at most to c's next timer. */
static inline void aaa_test_wait_results(struct aaa_client *c, struct results *rs, unsigned want,
					 uint64_t limit_ms)
{
	uint64_t end = aaa_test_now_ms() + limit_ms;
	struct pollfd p[64];
	int fds[64];
	unsigned n;

	while (rs->n < want && aaa_test_now_ms() < end) {
		uint64_t d = aaa_client_next_deadline(c), t = aaa_test_now_ms();
		int ms = d <= t ? 0 : (d - t > 10 ? 10 : (int)(d - t));

		n = aaa_client_fds(c, fds, 64);
		for (unsigned i = 0; i < n; i++)
			p[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
		poll(p, n, ms);
		aaa_client_poll(c, aaa_test_now_ms(), collect, rs);
	}
}

#endif /* AAA_TEST_H */
