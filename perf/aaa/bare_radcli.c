/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bare_radcli: the AAA benchmark's libradcli client (perf/aaa/run-aaa.sh):
 * the same MS-CHAPv2 Access-Requests as the HA sends (User-Name,
 * NAS-IP-Address, NAS-Identifier, Service-Type, Calling-Station-Id,
 * MS-CHAP-Challenge, MS-CHAP2-Response, Message-Authenticator) through
 * libradcli's blocking rc_aaa_ctx(), --threads threads with one request in
 * flight each; each accept's MS-MPPE-Recv-Key is decrypted (libmip) and its
 * MS-CHAP2-Success checked as the MN checks it.
 *
 * libradcli 1.2.11 neither sends a Message-Authenticator nor checks replies'
 * authenticators (platform-notes.md), and the project's FreeRADIUS drops a
 * request without one (require_message_authenticator = yes). So this
 * program interposes sendto() and recvfrom(), which libradcli calls through
 * the dynamic linker: an Access-Request's Message-Authenticator (added to
 * the pairs as 16 zero bytes) gets its HMAC-MD5 just before it leaves, and
 * every reply gets the checks of spec section 5 step 4 (Response
 * Authenticator, Message-Authenticator: control/aaa's
 * aaa_radius_verify_reply). That is the work a client must do with
 * FreeRADIUS as the project configures it; a reply failing it counts as a
 * failure.
 *
 *	bare_radcli --server 127.0.0.1:18812 --secret-file S --password-file P
 *		    --count N [--threads T] [--nai-pattern 'mn%d@example.net'] ...
 *
 * Prints one JSON line ("event":"load_report"). Exit 0 when every exchange
 * was accepted and verified, 1 otherwise, 2 on bad options.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <radcli/radcli.h>

#include "bare_common.h"
#include "mip_auth.h"
#include "mip_mschap.h"
#include "radius.h"

#define MS_VENDOR 311
#define MS_CHAP_CHALLENGE 11
#define MS_MPPE_RECV_KEY 17
#define MS_CHAP2_RESPONSE 25
#define MS_CHAP2_SUCCESS 26

/* ---- sendto/recvfrom interposed (what libradcli 1.2.11 leaves out) ---- */

static const uint8_t *g_secret;		/* set before any thread starts */
static size_t g_secret_len;
static atomic_ulong g_bad_replies;

/* The Request Authenticator of this thread's request in flight. */
static _Thread_local uint8_t tl_req_auth[16];
static _Thread_local bool tl_have_req;
static _Thread_local bool tl_reply_ok;

/* Offset of the (single) Message-Authenticator's value, or 0. */
static size_t ma_offset(const uint8_t *p, size_t len)
{
	for (size_t off = AAA_RADIUS_HDR_LEN; off + 2 <= len;) {
		uint8_t t = p[off], l = p[off + 1];

		if (l < 2 || off + l > len)
			return 0;
		if (t == AAA_ATTR_MESSAGE_AUTHENTICATOR && l == 18)
			return off + 2;
		off += l;
	}
	return 0;
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
	       socklen_t tolen)
{
	uint8_t pkt[AAA_RADIUS_MAX_LEN];
	size_t off;

	if (g_secret != NULL && len >= AAA_RADIUS_HDR_LEN && len <= sizeof(pkt) &&
	    ((const uint8_t *)buf)[0] == AAA_CODE_ACCESS_REQUEST) {
		memcpy(pkt, buf, len);
		off = ma_offset(pkt, len);
		if (off != 0) {
			/* RFC 3579 3.2: HMAC-MD5 over the packet, the value zeroed
			 * (a retransmission brings the value of the first send) */
			memset(pkt + off, 0, 16);
			mip_hmac_md5(g_secret, g_secret_len, pkt, len, pkt + off);
		}
		memcpy(tl_req_auth, pkt + 4, 16);
		tl_have_req = true;
		tl_reply_ok = false;
		return syscall(SYS_sendto, fd, pkt, len, flags, to, tolen);
	}
	return syscall(SYS_sendto, fd, buf, len, flags, to, tolen);
}

ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
		 socklen_t *fromlen)
{
	ssize_t n = syscall(SYS_recvfrom, fd, buf, len, flags, from, fromlen);
	struct aaa_secret s = {g_secret, g_secret_len};
	size_t plen;

	if (n > 0 && g_secret != NULL && tl_have_req) {
		if (aaa_radius_check_length(buf, (size_t)n, &plen) == AAA_REASON_OK &&
		    aaa_radius_verify_reply(buf, plen, tl_req_auth, &s) == AAA_REASON_OK)
			tl_reply_ok = true;
		else
			atomic_fetch_add(&g_bad_replies, 1);
	}
	return n;
}

/* ---- the client ---- */

struct shared {
	const struct bare_opts *o;
	struct mip_key nt_hash;
	char *secret;
	atomic_uint next;		/* next MN number to start */
	atomic_ulong registered;	/* index into st.lat_ns */
	atomic_ulong started, failed, rejects, timeouts, bad_success;
	uint64_t deadline_ns;
	struct bare_stats st;
	pthread_mutex_t last_lock;
};

static rc_handle *radcli_of(const struct shared *sh)
{
	const struct bare_opts *o = sh->o;
	char server[512], num[16];
	rc_handle *rh = rc_new();

	if (rh == NULL || rc_config_init(rh) == NULL)
		return NULL;
	/* "host:port:secret"; radcli keeps the secret in its handle */
	snprintf(server, sizeof(server), "%s:%u:%s", o->server_addr, o->server_port, sh->secret);
	snprintf(num, sizeof(num), "%u", (o->timeout_ms + 999) / 1000);
	if (rc_add_config(rh, "authserver", server, "bare_radcli", 0) != 0 ||
	    rc_add_config(rh, "dictionary", "/etc/radcli/dictionary", "bare_radcli", 0) != 0 ||
	    rc_add_config(rh, "radius_timeout", num, "bare_radcli", 0) != 0) {
		mip_wipe(server, sizeof(server));
		rc_destroy(rh);
		return NULL;
	}
	mip_wipe(server, sizeof(server));
	snprintf(num, sizeof(num), "%u", o->retries);
	if (rc_add_config(rh, "radius_retries", num, "bare_radcli", 0) != 0 ||
	    rc_apply_config(rh) != 0 ||
	    rc_read_dictionary(rh, "/etc/radcli/dictionary") != 0 ||
	    rc_read_dictionary(rh, "/etc/radcli/dictionary.microsoft") != 0) {
		rc_destroy(rh);
		return NULL;
	}
	return rh;
}

/* The HA's attributes (docs/aaa.md "The wire"). */
static int pairs_of(rc_handle *rh, const struct bare_exchange *x, const struct bare_opts *o,
		    VALUE_PAIR **send)
{
	uint8_t resp[AAA_MS_CHAP2_RESPONSE_LEN] = {0}, zero[16] = {0};
	uint32_t nas_ip = ntohl(o->nas_ip), service = AAA_SERVICE_FRAMED_USER;
	char coa[INET_ADDRSTRLEN];
	int ok;

	/* ident 0, flags 0, PeerChallenge, 8 reserved zero bytes, NT-Response */
	memcpy(resp + 2, x->peer_challenge, 16);
	memcpy(resp + 26, x->nt_response, 24);
	inet_ntop(AF_INET, &o->care_of, coa, sizeof(coa));
	*send = NULL;
	ok = rc_avpair_add(rh, send, PW_MESSAGE_AUTHENTICATOR, zero, 16, 0) != NULL &&
	     rc_avpair_add(rh, send, PW_USER_NAME, x->nai, -1, 0) != NULL &&
	     rc_avpair_add(rh, send, PW_NAS_IP_ADDRESS, &nas_ip, 0, 0) != NULL &&
	     rc_avpair_add(rh, send, PW_NAS_IDENTIFIER, o->nas_id, -1, 0) != NULL &&
	     rc_avpair_add(rh, send, PW_SERVICE_TYPE, &service, 0, 0) != NULL &&
	     rc_avpair_add(rh, send, PW_CALLING_STATION_ID, coa, -1, 0) != NULL &&
	     rc_avpair_add(rh, send, MS_CHAP_CHALLENGE, x->auth_challenge, 16, MS_VENDOR) != NULL &&
	     rc_avpair_add(rh, send, MS_CHAP2_RESPONSE, resp, sizeof(resp), MS_VENDOR) != NULL;
	mip_wipe(resp, sizeof(resp));
	if (!ok) {
		rc_avpair_free(*send);
		*send = NULL;
		return -EINVAL;
	}
	return 0;
}

/* What the MN needs from an accept: k'' decrypts, MS-CHAP2-Success is right. */
static bool accept_ok(struct shared *sh, const struct bare_exchange *x, VALUE_PAIR *recv,
		      RC_AAA_CTX *ctx)
{
	VALUE_PAIR *succ = rc_avpair_get(recv, MS_CHAP2_SUCCESS, MS_VENDOR);
	VALUE_PAIR *rkey = rc_avpair_get(recv, MS_MPPE_RECV_KEY, MS_VENDOR);
	char *sv, *kv;
	unsigned sl, kl;
	struct mip_key k2;
	bool ok;

	if (succ == NULL || rkey == NULL || rc_avpair_get_raw(succ, &sv, &sl) != 0 ||
	    rc_avpair_get_raw(rkey, &kv, &kl) != 0 || sl != 43 || sv[0] != 0)
		return false;
	ok = mip_mppe_decrypt_key((const uint8_t *)kv, kl, (const uint8_t *)sh->secret,
				  strlen(sh->secret), rc_aaa_ctx_get_vector(ctx), &k2) == 0 &&
	     bare_success_ok(x, &sh->nt_hash, sv + 1, 42);
	mip_wipe(&k2, sizeof(k2));
	return ok;
}

static void record_ok(struct shared *sh, uint64_t t0)
{
	uint64_t t = bare_now_ns();
	unsigned long k = atomic_fetch_add(&sh->registered, 1);

	sh->st.lat_ns[k] = t - t0;
	pthread_mutex_lock(&sh->last_lock);
	if (t > sh->st.last_ns)
		sh->st.last_ns = t;
	pthread_mutex_unlock(&sh->last_lock);
}

static void *worker(void *arg)
{
	struct shared *sh = arg;
	const struct bare_opts *o = sh->o;
	rc_handle *rh = radcli_of(sh);
	char msg[PW_MAX_MSG_SIZE];

	if (rh == NULL) {
		fprintf(stderr, "bare_radcli: libradcli configuration failed\n");
		return NULL;
	}
	for (;;) {
		unsigned i = atomic_fetch_add(&sh->next, 1);
		struct bare_exchange x;
		VALUE_PAIR *send = NULL, *recv = NULL;
		RC_AAA_CTX *ctx = NULL;
		int rc;

		if (i >= o->count || bare_now_ns() >= sh->deadline_ns)
			break;
		if (bare_exchange_init(&x, o, o->first_index + i, &sh->nt_hash) != 0 ||
		    pairs_of(rh, &x, o, &send) != 0) {
			atomic_fetch_add(&sh->failed, 1);
			continue;
		}
		atomic_fetch_add(&sh->started, 1);
		tl_have_req = false;
		rc = rc_aaa_ctx(rh, &ctx, 0, send, &recv, msg, 0, PW_ACCESS_REQUEST);
		if (rc == OK_RC && tl_reply_ok && accept_ok(sh, &x, recv, ctx)) {
			record_ok(sh, x.t0_ns);
		} else {
			atomic_fetch_add(&sh->failed, 1);
			if (rc == OK_RC)
				atomic_fetch_add(&sh->bad_success, 1);
			else if (rc == REJECT_RC)
				atomic_fetch_add(&sh->rejects, 1);
			else
				atomic_fetch_add(&sh->timeouts, 1);
		}
		tl_have_req = false;
		rc_avpair_free(send);
		rc_avpair_free(recv);
		if (ctx != NULL)
			rc_aaa_ctx_free(ctx);
		mip_wipe(&x, sizeof(x));
	}
	rc_destroy(rh);
	return NULL;
}

int main(int argc, char **argv)
{
	static struct shared sh;
	struct bare_opts o;
	pthread_t tid[256];
	unsigned started = 0;
	int error;

	bare_opts_parse(&o, argc, argv, "bare_radcli", true);
	o.window = o.threads;
	sh.o = &o;
	pthread_mutex_init(&sh.last_lock, NULL);
	error = bare_nt_hash(o.password_file, &sh.nt_hash);
	if (error == 0)
		error = bare_secret(o.secret_file, &sh.secret);
	if (error == 0 && strchr(sh.secret, ':') != NULL)
		error = -EINVAL;	/* radcli's "host:port:secret" cannot carry it */
	if (error == 0)
		error = bare_stats_init(&sh.st, o.count);
	if (error != 0) {
		fprintf(stderr, "bare_radcli: credentials: %s\n", strerror(-error));
		return 1;
	}
	g_secret = (const uint8_t *)sh.secret;
	g_secret_len = strlen(sh.secret);
	rc_openlog("bare_radcli");
	sh.st.t0_ns = bare_now_ns();
	sh.deadline_ns = sh.st.t0_ns + (uint64_t)o.duration_s * 1000000000u;
	for (unsigned t = 0; t < o.threads; t++) {
		if (pthread_create(&tid[t], NULL, worker, &sh) != 0)
			break;
		started++;
	}
	for (unsigned t = 0; t < started; t++)
		pthread_join(tid[t], NULL);
	sh.st.end_ns = bare_now_ns();
	sh.st.started = sh.started;
	sh.st.registered = sh.registered;
	sh.st.failed = sh.failed;
	sh.st.rejects = sh.rejects;
	sh.st.timeouts = sh.timeouts;
	sh.st.bad_success = sh.bad_success;
	if (atomic_load(&g_bad_replies) != 0)
		fprintf(stderr, "bare_radcli: %lu replies failed the Response Authenticator or Message-Authenticator check\n",
			atomic_load(&g_bad_replies));
	bare_report(&sh.st, &o, "bare_radcli");
	g_secret = NULL;
	mip_secret_free(sh.secret, 258);
	mip_wipe(&sh.nt_hash, sizeof(sh.nt_hash));
	bare_stats_free(&sh.st);
	return sh.st.registered == o.count ? 0 : 1;
}
