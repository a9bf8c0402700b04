/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Issue 8, secrets: released key buffers are wiped. Heap secrets go back
 * through mip_secret_free, whose test hook sees each buffer after the wipe
 * and before free(); key fields handed back by a failed check are zero.
 * Covered: the RADIUS client's shared secrets (aaa_client_destroy), the
 * RADIUS reply decoder (k'' and the Send-Key on an unusable Accept), the MN's
 * reply checks (Skey, Skey' on every failure) and mipmn_reply_wipe.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aaa_client.h"
#include "mn_msg.h"
#include "radius.h"
#include "sec_util.h"

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

/* ---- mip_secret_free hook ---- */

static struct {
	unsigned calls;
	unsigned dirty;
	size_t bytes;
} freed;

static void on_free(const void *p, size_t n)
{
	freed.calls++;
	freed.bytes += n;
	if (!all_zero(p, n))
		freed.dirty++;
}

static void hook_on(void)
{
	memset(&freed, 0, sizeof(freed));
	mip_secret_set_free_hook(on_free);
}

static void hook_off(void)
{
	mip_secret_set_free_hook(NULL);
	sec_vec_free();
}

TestSuite(key_wipe, .init = hook_on, .fini = hook_off, .timeout = 30);

static void write_file(char *path, const char *content)
{
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
}

Test(key_wipe, aaa_client_destroy_wipes_every_secret)
{
	char f1[] = "/tmp/mipha-sec-s1-XXXXXX", f2[] = "/tmp/mipha-sec-s2-XXXXXX";
	struct aaa_client_cfg cfg;
	struct aaa_client *c;
	int error;

	write_file(f1, "first-shared-secret-0123456789\n");
	write_file(f2, "second-shared-secret-abcdefghij");
	aaa_client_cfg_defaults(&cfg);
	cfg.nas.ip = htonl(0x7f000001);
	snprintf(cfg.nas.id, sizeof(cfg.nas.id), "mipha-sec");
	cfg.secret_file = f1;
	cr_assert_eq(aaa_client_cfg_add_server(&cfg, "127.0.0.1", 9, NULL), 0);
	cr_assert_eq(aaa_client_cfg_add_server(&cfg, "127.0.0.1", 11, f2), 0);
	c = aaa_client_create(&cfg, &error);
	cr_assert_not_null(c, "aaa_client_create: %d", error);
	cr_assert_eq(freed.calls, 0, "a secret was released before destroy");
	aaa_client_destroy(c);
	unlink(f1);
	unlink(f2);
	cr_assert_geq(freed.calls, 2, "destroy released %u secret buffers, want one per server",
		      freed.calls);
	cr_assert_eq(freed.dirty, 0, "%u of %u released secret buffers were not wiped",
		     freed.dirty, freed.calls);
}

Test(key_wipe, aaa_secret_load_failure_releases_nothing_dirty)
{
	char f[] = "/tmp/mipha-sec-s3-XXXXXX";
	uint8_t *b = NULL;
	size_t len = 0;

	write_file(f, "\n");
	cr_assert_eq(aaa_secret_load(f, &b, &len), -EINVAL);
	cr_assert_null(b);
	unlink(f);
	cr_assert_eq(freed.dirty, 0);
}

/* ---- the RADIUS decoder: an unusable Accept leaves no k'' ---- */

static const uint8_t req_auth[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static const struct aaa_secret rsecret = { (const uint8_t *)"wipe-test-secret", 16 };

struct rpkt {
	uint8_t b[1024];
	size_t len;
};

static void r_attr(struct rpkt *p, uint8_t type, const void *v, size_t n)
{
	p->b[p->len] = type;
	p->b[p->len + 1] = (uint8_t)(2 + n);
	memcpy(p->b + p->len + 2, v, n);
	p->len += 2 + n;
}

static void r_ms(struct rpkt *p, uint8_t ms_type, const void *v, size_t n)
{
	uint8_t vsa[300] = { 0, 0, AAA_VENDOR_MICROSOFT >> 8, AAA_VENDOR_MICROSOFT & 0xff, ms_type,
			     (uint8_t)(2 + n) };

	memcpy(vsa + 6, v, n);
	r_attr(p, AAA_ATTR_VENDOR_SPECIFIC, vsa, 6 + n);
}

/* A signed Access-Accept carrying k'' and a Send-Key, with MS-CHAP2-Success ident. */
static void make_accept(struct rpkt *p, uint8_t ident, const struct mip_key *k2)
{
	static const uint8_t zero[16];
	const char *s = sec_vec("auth_response", NULL);
	uint8_t success[1 + AAA_AUTH_RESPONSE_LEN], enc[34];
	size_t n;

	memset(p, 0, sizeof(*p));
	p->b[0] = AAA_CODE_ACCESS_ACCEPT;
	p->b[1] = 7;
	p->len = AAA_RADIUS_HDR_LEN;
	r_attr(p, AAA_ATTR_MESSAGE_AUTHENTICATOR, zero, sizeof(zero));
	success[0] = ident;
	cr_assert_eq(strlen(s), AAA_AUTH_RESPONSE_LEN);
	memcpy(success + 1, s, AAA_AUTH_RESPONSE_LEN);
	r_ms(p, AAA_MS_CHAP2_SUCCESS, success, sizeof(success));
	n = mip_mppe_encrypt_key(k2, 0x8001, rsecret.b, rsecret.len, req_auth, enc);
	r_ms(p, AAA_MS_MPPE_RECV_KEY, enc, n);
	n = mip_mppe_encrypt_key(k2, 0x8002, rsecret.b, rsecret.len, req_auth, enc);
	r_ms(p, AAA_MS_MPPE_SEND_KEY, enc, n);
	cr_assert_eq(aaa_radius_sign_reply(p->b, p->len, req_auth, &rsecret), 0);
	cr_assert_eq(aaa_radius_verify_reply(p->b, p->len, req_auth, &rsecret), AAA_REASON_OK);
}

Test(key_wipe, radius_unusable_accept_leaves_no_key)
{
	struct aaa_reply out;
	struct mip_key k2;
	struct rpkt p;

	sec_vec_key("k2_ms_mppe_recv_key", NULL, &k2);
	/* sanity: the same Accept with the right ident hands k'' back */
	make_accept(&p, 0, &k2);
	cr_assert_eq(aaa_radius_decode_reply(p.b, p.len, req_auth, &rsecret, 0, &out),
		     AAA_REASON_OK);
	cr_assert(out.has_recv_key && memcmp(out.recv_key.b, k2.b, 16) == 0);
	mip_wipe(&out, sizeof(out));
	/* MS-CHAP2-Success for another ident: unusable, and both keys zero */
	make_accept(&p, 9, &k2);
	memset(&out, 0xa5, sizeof(out));
	cr_assert_eq(aaa_radius_decode_reply(p.b, p.len, req_auth, &rsecret, 0, &out),
		     AAA_REASON_BAD_SUCCESS);
	cr_assert(!out.has_recv_key && !out.has_send_key);
	cr_assert(all_zero(&out.recv_key, sizeof(out.recv_key)), "k'' left in a failed decode");
	cr_assert(all_zero(&out.send_key, sizeof(out.send_key)));
	mip_wipe(&k2, sizeof(k2));
}

/* ---- the MN's reply checks ---- */

static size_t vec_bytes(const char *k1, const char *k2, uint8_t *out, size_t cap)
{
	long n = mip_hex_decode(sec_vec(k1, k2), out, cap);

	cr_assert_gt(n, 0);
	return (size_t)n;
}

static void check_initial(uint8_t *rep, size_t rep_len, enum mipmn_reason want,
			  struct mipmn_reply *out)
{
	const char *nai = sec_vec("inputs", "nai"), *pw = sec_vec("inputs", "password");
	uint8_t req[MIPMN_RRQ_MAX];
	size_t req_len = vec_bytes("initial_rrq", NULL, req, sizeof(req));
	struct mip_parse_cfg cfg;
	struct mip_key nt;

	mip_parse_cfg_default(&cfg);
	cr_assert_eq(mip_nt_password_hash(pw, strlen(pw), &nt), 0);
	memset(out, 0xa5, sizeof(*out));
	cr_assert_eq(mipmn_check_initial_reply(req, req_len, rep, rep_len, nai, strlen(nai), &nt,
					       &cfg, out),
		     want);
	mip_wipe(&nt, sizeof(nt));
}

Test(key_wipe, mn_failed_checks_leave_no_key)
{
	uint8_t rep[1024];
	size_t n = vec_bytes("initial_rrp", NULL, rep, sizeof(rep));
	struct mipmn_reply out;
	struct mip_key skey;

	/* sanity: the real reply yields Skey */
	check_initial(rep, n, MIPMN_R_OK, &out);
	sec_vec_key("skey", NULL, &skey);
	cr_assert(out.has_skey && memcmp(out.skey.b, skey.b, 16) == 0);
	mipmn_reply_wipe(&out);
	cr_assert(all_zero(&out, sizeof(out)), "mipmn_reply_wipe left bytes");

	/* forged MHAE: the keys were derived, then wiped */
	rep[n - 1] ^= 1;
	check_initial(rep, n, MIPMN_R_BAD_MHAE, &out);
	cr_assert(!out.has_skey && !out.has_skey2);
	cr_assert(all_zero(&out.skey, 16) && all_zero(&out.skey2, 16), "key left after BAD_MHAE");
	rep[n - 1] ^= 1;

	/* a denial (131) that does not verify */
	rep[1] = MIP_CODE_MN_FAILED_AUTH;
	check_initial(rep, n, MIPMN_R_DENIED, &out);
	cr_assert(all_zero(&out.skey, 16) && all_zero(&out.skey2, 16), "key left after DENIED");
	mip_wipe(&skey, sizeof(skey));
}
