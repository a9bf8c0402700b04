/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The non-blocking client (control/aaa/aaa_client.c) against fake RADIUS
 * servers in this process (UDP sockets on loopback) and an injected clock:
 * every bad reply of spec section 5 step 4 is discarded with its own counter
 * and no accept is delivered; retransmission, failover, dead marking,
 * Status-Server probes and recovery; many requests in flight.
 */
#include <poll.h>
#include <stdint.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>

#include "aaa_test.h"

struct fake {
	int fd;
	uint16_t port;
	struct sockaddr_storage peer;
	socklen_t plen;
	uint8_t req[AAA_RADIUS_MAX_LEN];
	size_t len;
};

static void fake_open(struct fake *f)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof(a);
	int big = 4 << 20;

	memset(f, 0, sizeof(*f));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	cr_assert(f->fd >= 0);
	/* Room for hundreds of requests queued at once. */
	if (setsockopt(f->fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) != 0)
		setsockopt(f->fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	cr_assert_eq(bind(f->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(getsockname(f->fd, (struct sockaddr *)&a, &al), 0);
	f->port = ntohs(a.sin_port);
}

/* One datagram within timeout_ms: true and f->req/len/peer, or false. */
static bool fake_recv(struct fake *f, int timeout_ms)
{
	struct pollfd p = { .fd = f->fd, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, timeout_ms) != 1)
		return false;
	f->plen = sizeof(f->peer);
	n = recvfrom(f->fd, f->req, sizeof(f->req), 0, (struct sockaddr *)&f->peer, &f->plen);
	if (n <= 0)
		return false;
	f->len = (size_t)n;
	return true;
}

/* Nothing waiting (the client sent nothing here). */
static void fake_assert_silent(struct fake *f)
{
	cr_assert_not(fake_recv(f, 0), "unexpected datagram, code %u", f->req[0]);
}

static void fake_reply(struct fake *f, const void *p, size_t n)
{
	cr_assert_eq(sendto(f->fd, p, n, 0, (struct sockaddr *)&f->peer, f->plen), (ssize_t)n);
}

static void fake_close(struct fake *f)
{
	close(f->fd);
}

static char secret_path[64];
static uint64_t now;
static struct results rs;

static void setup(void)
{
	write_temp(secret_path, TEST_SECRET "\n");
	now = 100000;
	memset(&rs, 0, sizeof(rs));
}

static void teardown(void)
{
	unlink(secret_path);
}

TestSuite(client, .init = setup, .fini = teardown, .timeout = 30);

static void base_cfg(struct aaa_client_cfg *cfg)
{
	aaa_client_cfg_defaults(cfg);
	cfg->nas.ip = htonl(0x0a010001);
	snprintf(cfg->nas.id, sizeof(cfg->nas.id), "mipha-test");
	cfg->secret_file = secret_path;
	cfg->retransmit_ms = 100;
	cfg->retransmit_max_ms = 400;
	cfg->retries = 2;
	cfg->dead_after = 2;
	cfg->probe_interval_ms = 1000;
	cfg->probe_timeout_ms = 300;
}

static struct aaa_client *make_client(struct aaa_client_cfg *cfg, struct fake *fs, unsigned n)
{
	struct aaa_client *c;
	int error;

	for (unsigned i = 0; i < n; i++)
		cr_assert_eq(aaa_client_cfg_add_server(cfg, "127.0.0.1", fs[i].port, NULL), 0);
	c = aaa_client_create(cfg, &error);
	cr_assert_not_null(c, "create: %d", error);
	return c;
}

static struct aaa_client *simple_client(struct fake *fs, unsigned n)
{
	struct aaa_client_cfg cfg;

	base_cfg(&cfg);
	return make_client(&cfg, fs, n);
}

static void some_req(struct aaa_access_req *req, unsigned i)
{
	memset(req, 0, sizeof(*req));
	snprintf(req->nai, sizeof(req->nai), "mn%u@example.net", i);
	req->care_of = htonl(0xc000024d);
	memset(req->auth_challenge, (int)i, 16);
	memset(req->peer_challenge, 0x33, 16);
	memset(req->nt_response, 0x44, 24);
}

static void submit(struct aaa_client *c, unsigned i)
{
	struct aaa_access_req req;

	some_req(&req, i);
	cr_assert_eq(aaa_client_submit(c, &req, (void *)(uintptr_t)(i + 1), now), 0);
}

static unsigned poll_at(struct aaa_client *c, uint64_t t)
{
	now = t;
	return aaa_client_poll(c, now, collect, &rs);
}

static struct aaa_client_counters counters(struct aaa_client *c)
{
	struct aaa_client_counters k;

	aaa_client_counters(c, &k);
	return k;
}

static struct aaa_server_stats sstats(struct aaa_client *c, unsigned i)
{
	struct aaa_server_stats s;

	cr_assert_eq(aaa_client_server_stats(c, i, &s), 0);
	return s;
}

/* invalid[reason] == n and every other reason 0. */
static void assert_invalid_only(struct aaa_client *c, enum aaa_reason why, uint64_t n)
{
	struct aaa_client_counters k = counters(c);

	for (int i = 0; i < AAA_REASON_MAX; i++)
		cr_assert_eq(k.invalid[i], i == (int)why ? n : 0, "invalid[%s] = %lu",
			     aaa_reason_name(i), (unsigned long)k.invalid[i]);
}

static void random_key(struct mip_key *k)
{
	cr_assert_eq(getrandom(k->b, 16, 0), 16);
}

/* Runs the clock in 50 ms steps until a result or limit_ms. */
static void run_until_result(struct aaa_client *c, uint64_t limit_ms)
{
	uint64_t end = now + limit_ms;
	unsigned before = rs.n;

	while (rs.n == before && now < end)
		poll_at(c, now + 50);
}

Test(client, accept_delivered)
{
	struct fake f;
	struct aaa_client *c;
	struct rbuild rb;
	struct mip_key k;
	struct aaa_client_counters kc;
	struct aaa_server_stats ss;

	fake_open(&f);
	c = simple_client(&f, 1);
	submit(c, 7);
	cr_assert(fake_recv(&f, 1000));
	cr_assert_eq(f.req[0], AAA_CODE_ACCESS_REQUEST);
	cr_assert(request_ma_ok(f.req, f.len));
	random_key(&k);
	rb_genuine_accept(&rb, f.req, &k);
	fake_reply(&f, rb.b, rb.len);
	cr_assert_eq(poll_at(c, now + 5), 1);
	cr_assert_eq(rs.r[0].status, AAA_ACCEPT);
	cr_assert_eq(rs.cookie[0], (void *)8);
	cr_assert_eq(rs.r[0].server, 0);
	cr_assert_eq(rs.r[0].latency_ms, 5);
	cr_assert_arr_eq(rs.r[0].reply.recv_key.b, k.b, 16);
	cr_assert_arr_eq(rs.r[0].reply.auth_response, "S=279D9B1121FFDED59933DE5BC671502B8F901004", 42);
	kc = counters(c);
	cr_assert_eq(kc.requests, 1);
	cr_assert_eq(kc.transmissions, 1);
	cr_assert_eq(kc.accepts, 1);
	cr_assert_eq(kc.replies_valid, 1);
	cr_assert_eq(kc.replies_invalid, 0);
	cr_assert_eq(kc.retransmissions, 0);
	assert_invalid_only(c, AAA_REASON_OK, 0);
	ss = sstats(c, 0);
	cr_assert_eq(ss.replies, 1);
	cr_assert_eq(ss.latency_sum_ms, 5);
	cr_assert_eq(ss.latency_max_ms, 5);
	cr_assert_eq(ss.in_flight, 0);
	cr_assert_eq(ss.state, AAA_SERVER_ALIVE);
	/* Nothing left: no timer fires later. */
	cr_assert_eq(aaa_client_next_deadline(c), UINT64_MAX);
	cr_assert_eq(poll_at(c, now + 10000), 0);
	aaa_client_destroy(c);
	fake_close(&f);
}

/* A bad reply of each kind: discarded, counted under why, the request still times out. */
enum mutation { M_RESP_AUTH, M_NO_MA, M_BAD_MA, M_WRONG_ID, M_GARBLED, M_LONG, M_SHORT, M_CODE,
		M_DUP_MA };

static size_t build_bad(enum mutation m, const struct fake *f, struct rbuild *rb)
{
	struct mip_key k;
	uint8_t vsa[12] = { 0, 0, 1, 0x37, 17, 9, 1, 2, 3, 4, 5, 6 };

	random_key(&k);
	switch (m) {
	case M_RESP_AUTH:
		rb_genuine_accept(rb, f->req, &k);
		rb->b[9] ^= 0x10;
		return rb->len;
	case M_NO_MA:
		rb_init(rb, AAA_CODE_ACCESS_ACCEPT, f->req[1]);
		rb_success(rb, "S=279D9B1121FFDED59933DE5BC671502B8F901004");
		rb_mppe(rb, AAA_MS_MPPE_RECV_KEY, &k, 0x8123, f->req + 4);
		rb_sign(rb, f->req + 4);
		return rb->len;
	case M_BAD_MA:
		rb_genuine_accept(rb, f->req, &k);
		rb->b[25] ^= 0x01;	/* inside the first attribute's value: the MA */
		rb_sign_ra_only(rb, f->req + 4);
		return rb->len;
	case M_WRONG_ID:
		rb_genuine_accept(rb, f->req, &k);
		rb->b[1] = (uint8_t)(f->req[1] + 1);
		rb_sign(rb, f->req + 4);
		return rb->len;
	case M_GARBLED:
		rb_genuine_accept(rb, f->req, &k);
		rb_attr(rb, AAA_ATTR_VENDOR_SPECIFIC, vsa, sizeof(vsa));
		rb_sign(rb, f->req + 4);
		return rb->len;
	case M_LONG:
		rb_genuine_accept(rb, f->req, &k);
		return rb->len - 1;	/* Length says one byte more than sent */
	case M_SHORT:
		rb_genuine_accept(rb, f->req, &k);
		return 19;
	case M_CODE:
		rb_genuine_accept(rb, f->req, &k);
		rb->b[0] = 5;	/* Accounting-Response */
		rb_sign(rb, f->req + 4);
		return rb->len;
	case M_DUP_MA:
		rb_init(rb, AAA_CODE_ACCESS_ACCEPT, f->req[1]);
		rb_ma(rb);
		rb_ma(rb);
		rb_success(rb, "S=279D9B1121FFDED59933DE5BC671502B8F901004");
		rb_mppe(rb, AAA_MS_MPPE_RECV_KEY, &k, 0x8123, f->req + 4);
		rb_sign(rb, f->req + 4);
		return rb->len;
	}
	return 0;
}

static void check_discarded(enum mutation m, enum aaa_reason why)
{
	struct fake f;
	struct aaa_client *c;
	struct rbuild rb;
	struct aaa_client_counters kc;
	size_t n;

	fake_open(&f);
	c = simple_client(&f, 1);
	submit(c, 1);
	cr_assert(fake_recv(&f, 1000));
	n = build_bad(m, &f, &rb);
	fake_reply(&f, rb.b, n);
	cr_assert_eq(poll_at(c, now + 1), 0);
	kc = counters(c);
	cr_assert_eq(kc.replies_invalid, 1);
	cr_assert_eq(kc.replies_valid, 0);
	assert_invalid_only(c, why, 1);
	cr_assert_eq(sstats(c, 0).invalid, 1);
	/* Discarded as if never received: the retransmissions go on, then a timeout. */
	run_until_result(c, 5000);
	cr_assert_eq(rs.n, 1);
	cr_assert_eq(rs.r[0].status, AAA_TIMEOUT);
	kc = counters(c);
	cr_assert_eq(kc.accepts, 0);
	cr_assert_eq(kc.timeouts, 1);
	cr_assert_eq(kc.retransmissions, 2);
	for (int i = 0; i < 2; i++)
		cr_assert(fake_recv(&f, 0), "retransmission %d", i);
	fake_assert_silent(&f);
	aaa_client_destroy(c);
	fake_close(&f);
}

Test(client, wrong_response_authenticator) { check_discarded(M_RESP_AUTH, AAA_REASON_BAD_RESPONSE_AUTH); }
Test(client, missing_message_authenticator) { check_discarded(M_NO_MA, AAA_REASON_NO_MA); }
Test(client, wrong_message_authenticator) { check_discarded(M_BAD_MA, AAA_REASON_BAD_MA); }
Test(client, two_message_authenticators) { check_discarded(M_DUP_MA, AAA_REASON_DUP_MA); }
Test(client, reply_to_another_request) { check_discarded(M_WRONG_ID, AAA_REASON_BAD_ID); }
Test(client, garbled_attributes) { check_discarded(M_GARBLED, AAA_REASON_BAD_ATTR); }
Test(client, length_past_datagram) { check_discarded(M_LONG, AAA_REASON_BAD_LENGTH); }
Test(client, short_datagram) { check_discarded(M_SHORT, AAA_REASON_SHORT); }
Test(client, unexpected_code) { check_discarded(M_CODE, AAA_REASON_BAD_CODE); }

/* Over 4096 bytes: seen whole (MSG_TRUNC) and refused, not parsed truncated. */
Test(client, oversized_datagram)
{
	struct fake f;
	struct aaa_client *c;
	static uint8_t big[5000];
	struct rbuild rb;
	struct mip_key k;

	fake_open(&f);
	c = simple_client(&f, 1);
	submit(c, 1);
	cr_assert(fake_recv(&f, 1000));
	random_key(&k);
	rb_genuine_accept(&rb, f.req, &k);
	memcpy(big, rb.b, rb.len);
	fake_reply(&f, big, sizeof(big));
	cr_assert_eq(poll_at(c, now + 1), 0);
	assert_invalid_only(c, AAA_REASON_BAD_LENGTH, 1);
	/* The genuine one, with the same bytes but its own size, is taken. */
	fake_reply(&f, rb.b, rb.len);
	cr_assert_eq(poll_at(c, now + 1), 1);
	cr_assert_eq(rs.r[0].status, AAA_ACCEPT);
	aaa_client_destroy(c);
	fake_close(&f);
}

Test(client, retransmissions_are_identical)
{
	struct fake f;
	struct aaa_client *c;
	uint8_t first[AAA_RADIUS_MAX_LEN];
	size_t first_len;

	fake_open(&f);
	c = simple_client(&f, 1);
	submit(c, 3);
	cr_assert(fake_recv(&f, 1000));
	memcpy(first, f.req, f.len);
	first_len = f.len;
	poll_at(c, now + 99);
	fake_assert_silent(&f);
	poll_at(c, now + 1);	/* 100 ms */
	cr_assert(fake_recv(&f, 0));
	cr_assert_eq(f.len, first_len);
	cr_assert_arr_eq(f.req, first, first_len);
	poll_at(c, now + 199);
	fake_assert_silent(&f);
	poll_at(c, now + 1);	/* doubled: 200 ms later */
	cr_assert(fake_recv(&f, 0));
	cr_assert_arr_eq(f.req, first, first_len);
	cr_assert_eq(counters(c).retransmissions, 2);
	cr_assert_eq(sstats(c, 0).transmissions, 3);
	aaa_client_destroy(c);
	fake_close(&f);
}

/* The connected socket: a datagram from any other address never reaches the checks. */
Test(client, reply_from_other_address_ignored)
{
	struct fake f, other;
	struct aaa_client *c;
	struct rbuild rb;
	struct mip_key k;

	fake_open(&f);
	fake_open(&other);
	c = simple_client(&f, 1);
	submit(c, 1);
	cr_assert(fake_recv(&f, 1000));
	random_key(&k);
	rb_genuine_accept(&rb, f.req, &k);
	other.peer = f.peer;
	other.plen = f.plen;
	fake_reply(&other, rb.b, rb.len);
	cr_assert_eq(poll_at(c, now + 1), 0);
	cr_assert_eq(counters(c).replies_invalid, 0);
	fake_reply(&f, rb.b, rb.len);
	cr_assert_eq(poll_at(c, now + 1), 1);
	cr_assert_eq(rs.r[0].status, AAA_ACCEPT);
	aaa_client_destroy(c);
	fake_close(&f);
	fake_close(&other);
}

/* An authentic answer that cannot be used ends the request: REJECT with a reason. */
static void check_unusable(int kind, enum aaa_reason why)
{
	struct fake f;
	struct aaa_client *c;
	struct rbuild rb;
	struct mip_key k;
	uint8_t junk[34];
	struct aaa_client_counters kc;

	fake_open(&f);
	c = simple_client(&f, 1);
	submit(c, 1);
	cr_assert(fake_recv(&f, 1000));
	random_key(&k);
	rb_init(&rb, kind == 3 ? AAA_CODE_ACCESS_CHALLENGE : AAA_CODE_ACCESS_ACCEPT, f.req[1]);
	rb_ma(&rb);
	if (kind != 1)
		rb_success(&rb, "S=279D9B1121FFDED59933DE5BC671502B8F901004");
	if (kind == 1)
		rb_mppe(&rb, AAA_MS_MPPE_RECV_KEY, &k, 0x8123, f.req + 4);
	if (kind == 2) {
		memset(junk, 0x77, sizeof(junk));
		junk[0] = 0x80;
		rb_ms(&rb, AAA_MS_MPPE_RECV_KEY, junk, sizeof(junk));
	}
	rb_sign(&rb, f.req + 4);
	fake_reply(&f, rb.b, rb.len);
	cr_assert_eq(poll_at(c, now + 1), 1);
	cr_assert_eq(rs.r[0].status, AAA_REJECT);
	cr_assert_eq(rs.r[0].reason, why);
	kc = counters(c);
	cr_assert_eq(kc.accepts, 0);
	cr_assert_eq(kc.unusable, 1);
	cr_assert_eq(kc.rejects, 0);
	cr_assert_eq(kc.replies_valid, 1);
	assert_invalid_only(c, why, 1);
	aaa_client_destroy(c);
	fake_close(&f);
}

Test(client, accept_without_mppe_keys) { check_unusable(0, AAA_REASON_NO_RECV_KEY); }
Test(client, accept_without_success) { check_unusable(1, AAA_REASON_NO_SUCCESS); }
Test(client, accept_with_bad_recv_key) { check_unusable(2, AAA_REASON_BAD_RECV_KEY); }
Test(client, access_challenge) { check_unusable(3, AAA_REASON_CHALLENGE); }

Test(client, access_reject)
{
	struct fake f;
	struct aaa_client *c;
	struct rbuild rb;
	struct aaa_client_counters kc;

	fake_open(&f);
	c = simple_client(&f, 1);
	submit(c, 1);
	cr_assert(fake_recv(&f, 1000));
	rb_init(&rb, AAA_CODE_ACCESS_REJECT, f.req[1]);
	rb_ma(&rb);
	rb_attr(&rb, AAA_ATTR_REPLY_MESSAGE, "no", 2);
	rb_sign(&rb, f.req + 4);
	fake_reply(&f, rb.b, rb.len);
	cr_assert_eq(poll_at(c, now + 1), 1);
	cr_assert_eq(rs.r[0].status, AAA_REJECT);
	cr_assert_eq(rs.r[0].reason, AAA_REASON_OK);
	cr_assert_str_eq(rs.r[0].reply.reply_message, "no");
	kc = counters(c);
	cr_assert_eq(kc.rejects, 1);
	cr_assert_eq(kc.accepts, 0);
	cr_assert_eq(kc.unusable, 0);
	aaa_client_destroy(c);
	fake_close(&f);
}

static bool find_ms(const uint8_t *pkt, size_t len, uint8_t type, const uint8_t **val, size_t *vlen)
{
	size_t off = 20, soff;
	struct aaa_attr a, s;

	while (aaa_radius_next_attr(pkt, len, &off, &a) > 0) {
		if (a.type != AAA_ATTR_VENDOR_SPECIFIC || a.len < 4)
			continue;
		soff = 4;
		while (aaa_radius_next_attr(a.val, a.len, &soff, &s) > 0) {
			if (s.type == type) {
				*val = s.val;
				*vlen = s.len;
				return true;
			}
		}
	}
	return false;
}

/*
 * An Access-Accept recorded from an earlier exchange, replayed (Identifier
 * rewritten) against new requests by someone without the secret. Its old
 * MS-MPPE-Recv-Key alone passes the padding check for about 1 request in 256
 * (only the key-length byte depends on the new Request Authenticator); the
 * Response Authenticator stops every one. Runs until at least one replay
 * would have passed the padding check (and at least 300 replays).
 */
Test(client, replayed_old_recv_key_never_accepted, .timeout = 60)
{
	struct fake f;
	struct aaa_client *c;
	struct rbuild old, rb;
	struct mip_key k_old, k, tmp;
	const struct aaa_secret s = test_secret();
	const uint8_t *old_key;
	size_t old_key_len;
	unsigned i, padding_passes = 0;
	struct aaa_client_counters kc;

	fake_open(&f);
	c = simple_client(&f, 1);
	submit(c, 0);
	cr_assert(fake_recv(&f, 1000));
	random_key(&k_old);
	rb_genuine_accept(&old, f.req, &k_old);
	fake_reply(&f, old.b, old.len);
	cr_assert_eq(poll_at(c, now + 1), 1);
	cr_assert_eq(rs.r[0].status, AAA_ACCEPT);
	cr_assert(find_ms(old.b, old.len, AAA_MS_MPPE_RECV_KEY, &old_key, &old_key_len));

	for (i = 1; i <= 4096 && (i <= 300 || padding_passes == 0); i++) {
		rb = old;
		submit(c, i);
		cr_assert(fake_recv(&f, 1000));
		if (mip_mppe_decrypt_key(old_key, old_key_len, s.b, s.len, f.req + 4, &tmp) == 0)
			padding_passes++;
		rb.b[1] = f.req[1];
		fake_reply(&f, rb.b, rb.len);
		cr_assert_eq(poll_at(c, now + 1), 0, "replay %u accepted", i);
		/* The genuine answer still gets through, with its own key. */
		random_key(&k);
		rb_genuine_accept(&rb, f.req, &k);
		fake_reply(&f, rb.b, rb.len);
		cr_assert_eq(poll_at(c, now + 1), 1);
		cr_assert_eq(rs.r[rs.n - 1].status, AAA_ACCEPT);
		cr_assert_arr_eq(rs.r[rs.n - 1].reply.recv_key.b, k.b, 16);
		rs.n = 0;
	}
	i--;
	cr_log_info("%u replays, %u would pass the padding check alone", i, padding_passes);
	cr_assert_geq(padding_passes, 1);
	kc = counters(c);
	cr_assert_eq(kc.accepts, i + 1);
	cr_assert_eq(kc.replies_invalid, i);
	assert_invalid_only(c, AAA_REASON_BAD_RESPONSE_AUTH, i);
	aaa_client_destroy(c);
	fake_close(&f);
}

static void answer(struct fake *f, struct aaa_client *c, unsigned server)
{
	struct rbuild rb;
	struct mip_key k;
	unsigned before = rs.n;

	random_key(&k);
	rb_genuine_accept(&rb, f->req, &k);
	fake_reply(f, rb.b, rb.len);
	cr_assert_eq(poll_at(c, now + 1), 1);
	cr_assert_eq(rs.r[before].status, AAA_ACCEPT);
	cr_assert_eq(rs.r[before].server, (int)server);
}

/* Silence from server 1: three tries, then failover to server 2. */
static void silent_then_failover(struct fake *fs, struct aaa_client *c)
{
	cr_assert(fake_recv(&fs[0], 1000));
	poll_at(c, now + 100);
	cr_assert(fake_recv(&fs[0], 0));
	poll_at(c, now + 200);
	cr_assert(fake_recv(&fs[0], 0));
	fake_assert_silent(&fs[1]);
	poll_at(c, now + 400);
	fake_assert_silent(&fs[0]);
	cr_assert(fake_recv(&fs[1], 0));
	cr_assert(request_ma_ok(fs[1].req, fs[1].len));
	answer(&fs[1], c, 1);
}

Test(client, failover_dead_marking_probe_recovery)
{
	struct fake fs[2];
	struct aaa_client *c;
	struct aaa_server_stats s0;
	struct aaa_client_counters kc;
	struct rbuild rb;
	uint64_t dead_at;

	fake_open(&fs[0]);
	fake_open(&fs[1]);
	c = simple_client(fs, 2);

	/* 1: a timeout on server 0, the request answered by server 1. */
	submit(c, 1);
	silent_then_failover(fs, c);
	s0 = sstats(c, 0);
	cr_assert_eq(s0.timeouts, 1);
	cr_assert_eq(s0.consecutive_timeouts, 1);
	cr_assert_eq(s0.state, AAA_SERVER_ALIVE);
	kc = counters(c);
	cr_assert_eq(kc.failovers, 1);
	cr_assert_eq(kc.retransmissions, 2);

	/* 2: still first in order; a second timeout marks it dead. */
	submit(c, 2);
	silent_then_failover(fs, c);
	dead_at = now - 1;
	s0 = sstats(c, 0);
	cr_assert_eq(s0.state, AAA_SERVER_DEAD);
	cr_assert_eq(s0.marked_dead, 1);
	cr_assert_eq(s0.timeouts, 2);

	/* 3: a dead server gets no requests. */
	submit(c, 3);
	fake_assert_silent(&fs[0]);
	cr_assert(fake_recv(&fs[1], 0));
	answer(&fs[1], c, 1);

	/* A Status-Server every probe interval; unanswered ones keep it dead. */
	poll_at(c, dead_at + 999);
	fake_assert_silent(&fs[0]);
	poll_at(c, dead_at + 1000);
	cr_assert(fake_recv(&fs[0], 0));
	cr_assert_eq(fs[0].req[0], AAA_CODE_STATUS_SERVER);
	cr_assert(request_ma_ok(fs[0].req, fs[0].len));
	poll_at(c, dead_at + 1300);	/* probe timeout */
	cr_assert_eq(sstats(c, 0).state, AAA_SERVER_DEAD);
	poll_at(c, dead_at + 2300);
	cr_assert(fake_recv(&fs[0], 0));
	cr_assert_eq(fs[0].req[0], AAA_CODE_STATUS_SERVER);
	cr_assert_eq(counters(c).probes_sent, 2);

	/* An answer without Message-Authenticator does not revive it. */
	rb_init(&rb, AAA_CODE_ACCESS_ACCEPT, fs[0].req[1]);
	rb_sign(&rb, fs[0].req + 4);
	fake_reply(&fs[0], rb.b, rb.len);
	poll_at(c, now + 1);
	cr_assert_eq(sstats(c, 0).state, AAA_SERVER_DEAD);
	assert_invalid_only(c, AAA_REASON_NO_MA, 1);

	/* A valid one does. */
	rb_init(&rb, AAA_CODE_ACCESS_ACCEPT, fs[0].req[1]);
	rb_ma(&rb);
	rb_sign(&rb, fs[0].req + 4);
	fake_reply(&fs[0], rb.b, rb.len);
	poll_at(c, now + 1);
	s0 = sstats(c, 0);
	cr_assert_eq(s0.state, AAA_SERVER_ALIVE);
	cr_assert_eq(s0.recovered, 1);
	cr_assert_eq(s0.probes_ok, 1);
	cr_assert_eq(s0.consecutive_timeouts, 0);
	cr_assert_eq(counters(c).probes_ok, 1);

	/* 4: server 0 again. */
	submit(c, 4);
	cr_assert(fake_recv(&fs[0], 0));
	cr_assert_eq(fs[0].req[0], AAA_CODE_ACCESS_REQUEST);
	answer(&fs[0], c, 0);
	kc = counters(c);
	cr_assert_eq(kc.accepts, 4);
	cr_assert_eq(kc.timeouts, 0);
	aaa_client_destroy(c);
	fake_close(&fs[0]);
	fake_close(&fs[1]);
}

Test(client, every_server_dead)
{
	struct fake f;
	struct aaa_client_cfg cfg;
	struct aaa_client *c;
	struct aaa_access_req req;

	fake_open(&f);
	base_cfg(&cfg);
	cfg.dead_after = 1;
	c = make_client(&cfg, &f, 1);
	submit(c, 1);
	run_until_result(c, 5000);
	cr_assert_eq(rs.n, 1);
	cr_assert_eq(rs.r[0].status, AAA_TIMEOUT);
	cr_assert_eq(sstats(c, 0).state, AAA_SERVER_DEAD);
	some_req(&req, 2);
	cr_assert_eq(aaa_client_submit(c, &req, NULL, now), -EHOSTUNREACH);
	cr_assert_eq(counters(c).refused_no_server, 1);
	cr_assert_eq(counters(c).requests, 1);
	aaa_client_destroy(c);
	fake_close(&f);
}

/* Marking a server dead moves its other requests at once. */
Test(client, dead_server_requests_fail_over_at_once)
{
	struct fake fs[2];
	struct aaa_client_cfg cfg;
	struct aaa_client *c;
	unsigned got = 0;

	fake_open(&fs[0]);
	fake_open(&fs[1]);
	base_cfg(&cfg);
	cfg.dead_after = 1;
	c = make_client(&cfg, fs, 2);
	uint64_t t0 = now;

	submit(c, 0);
	poll_at(c, t0 + 50);
	for (unsigned i = 1; i < 5; i++)
		submit(c, i);
	/* The first one's timers: 100, 300, 700 ms; the others are 50 ms behind. */
	poll_at(c, t0 + 100);
	poll_at(c, t0 + 300);
	cr_assert_eq(sstats(c, 0).state, AAA_SERVER_ALIVE);
	poll_at(c, t0 + 700);
	cr_assert_eq(sstats(c, 0).state, AAA_SERVER_DEAD);
	cr_assert_eq(sstats(c, 0).in_flight, 0);
	cr_assert_eq(counters(c).failovers, 5);
	while (fake_recv(&fs[1], 0)) {
		cr_assert_eq(fs[1].req[0], AAA_CODE_ACCESS_REQUEST);
		got++;
	}
	cr_assert_eq(got, 5);
	cr_assert_eq(sstats(c, 1).in_flight, 5);
	aaa_client_destroy(c);
	fake_close(&fs[0]);
	fake_close(&fs[1]);
}

/* A port with nothing bound: the kernel answers ICMP port unreachable. */
static void fake_closed(struct fake *f)
{
	fake_open(f);
	fake_close(f);
	f->fd = -1;
}

/* ICMP port unreachable ends the try at once: failover within 1 ms, not 700. */
Test(client, refused_fails_over_at_once)
{
	struct fake fs[2];
	struct aaa_client *c;
	struct aaa_client_counters kc;
	struct aaa_server_stats s0;
	uint64_t t0 = now;

	fake_closed(&fs[0]);
	fake_open(&fs[1]);
	c = simple_client(fs, 2);
	submit(c, 1);
	/* The refusal is read on the next poll, 1 ms later on the client's clock. */
	for (int i = 0; i < 100 && !fake_recv(&fs[1], 10); i++)
		poll_at(c, t0 + 1);
	cr_assert_eq(now, t0 + 1);
	cr_assert_eq(fs[1].req[0], AAA_CODE_ACCESS_REQUEST);
	cr_assert(request_ma_ok(fs[1].req, fs[1].len));
	s0 = sstats(c, 0);
	cr_assert_eq(s0.refused, 1);
	cr_assert_eq(s0.timeouts, 1);
	cr_assert_eq(s0.consecutive_timeouts, 1);
	cr_assert_eq(s0.in_flight, 0);
	kc = counters(c);
	cr_assert_eq(kc.retransmissions, 0);
	cr_assert_eq(kc.failovers, 1);
	answer(&fs[1], c, 1);
	cr_assert_eq(counters(c).accepts, 1);
	aaa_client_destroy(c);
	fake_close(&fs[1]);
}

/*
 * A refusal reported by send() (the error of an earlier datagram) also ends
 * the tries; with one server they end as timeouts, and dead_after of them
 * mark it dead, so later submits fail at once instead of waiting.
 */
Test(client, refused_single_server_dead_at_once)
{
	struct fake f;
	struct aaa_client_cfg cfg;
	struct aaa_client *c;
	struct aaa_access_req req;
	uint64_t t0 = now;

	fake_closed(&f);
	base_cfg(&cfg);
	c = make_client(&cfg, &f, 1);	/* dead_after 2 */
	submit(c, 1);
	usleep(20000);			/* the ICMP error is on the socket */
	submit(c, 2);
	for (int i = 0; i < 100 && rs.n < 2; i++) {
		poll_at(c, t0 + 1);
		usleep(1000);
	}
	cr_assert_eq(rs.n, 2);
	cr_assert_eq(rs.r[0].status, AAA_TIMEOUT);
	cr_assert_eq(rs.r[1].status, AAA_TIMEOUT);
	cr_assert_eq(now, t0 + 1);
	cr_assert_geq(sstats(c, 0).refused, 1);
	cr_assert_eq(sstats(c, 0).timeouts, 2);
	cr_assert_eq(sstats(c, 0).state, AAA_SERVER_DEAD);
	cr_assert_eq(counters(c).timeouts, 2);
	cr_assert_eq(counters(c).retransmissions, 0);
	some_req(&req, 3);
	cr_assert_eq(aaa_client_submit(c, &req, NULL, now), -EHOSTUNREACH);
	/* Probes still go out, refused too, and it stays dead. */
	poll_at(c, t0 + 1 + cfg.probe_interval_ms);
	cr_assert_eq(counters(c).probes_sent, 1);
	for (int i = 0; i < 100 && sstats(c, 0).refused < 2; i++) {
		usleep(1000);
		poll_at(c, now);
	}
	cr_assert_geq(sstats(c, 0).refused, 2);
	cr_assert_eq(sstats(c, 0).state, AAA_SERVER_DEAD);
	aaa_client_destroy(c);
}

struct held {
	struct sockaddr_storage peer;
	socklen_t plen;
	uint8_t req[AAA_RADIUS_REQ_MAX];
};

/* 600 requests in flight to one server: 256 Identifiers a socket, three sockets. */
Test(client, many_in_flight_open_more_sockets)
{
	enum { N = 600 };
	struct fake f;
	struct aaa_client *c;
	static struct held h[N];
	struct rbuild rb;
	struct mip_key k;
	bool seen[N + 1] = { false };
	unsigned n = 0;

	fake_open(&f);
	c = simple_client(&f, 1);
	for (unsigned i = 0; i < N; i++) {
		submit(c, i);
		cr_assert(fake_recv(&f, 1000), "request %u", i);
		h[n].peer = f.peer;
		h[n].plen = f.plen;
		memcpy(h[n].req, f.req, f.len);
		n++;
	}
	cr_assert_eq(sstats(c, 0).sockets, 3);
	cr_assert_eq(sstats(c, 0).in_flight, N);
	random_key(&k);
	for (unsigned i = 0; i < N; i++) {
		rb_genuine_accept(&rb, h[i].req, &k);
		f.peer = h[i].peer;
		f.plen = h[i].plen;
		fake_reply(&f, rb.b, rb.len);
		if (i % 64 == 63)
			poll_at(c, now + 1);
	}
	while (rs.n < N && poll_at(c, now + 1) > 0)
		;
	cr_assert_eq(rs.n, N);
	for (unsigned i = 0; i < N; i++) {
		uintptr_t ck = (uintptr_t)rs.cookie[i];

		cr_assert_eq(rs.r[i].status, AAA_ACCEPT);
		cr_assert(ck >= 1 && ck <= N && !seen[ck]);
		seen[ck] = true;
	}
	cr_assert_eq(counters(c).accepts, N);
	cr_assert_eq(counters(c).replies_invalid, 0);
	cr_assert_eq(sstats(c, 0).in_flight, 0);
	aaa_client_destroy(c);
	fake_close(&f);
}

/* Microseconds of CLOCK_MONOTONIC (the waits below are real time). */
static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Is the wait fd readable right now? */
static bool wait_fd_readable(const struct aaa_client *c)
{
	struct pollfd p = { .fd = aaa_client_wait_fd(c), .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

/*
 * Readiness: replies waiting on several of the client's sockets at once (600
 * in flight: three sockets) are all read by one poll, and the wait fd is
 * quiet once they are.
 */
Test(client, readiness_replies_on_several_sockets)
{
	enum { N = 600, BATCH = 60 };
	struct fake f;
	struct aaa_client *c;
	static struct held h[N];
	struct rbuild rb;
	struct mip_key k;
	bool seen[N + 1] = { false };

	fake_open(&f);
	c = simple_client(&f, 1);
	for (unsigned i = 0; i < N; i++) {
		submit(c, i);
		cr_assert(fake_recv(&f, 1000), "request %u", i);
		h[i].peer = f.peer;
		h[i].plen = f.plen;
		memcpy(h[i].req, f.req, f.len);
	}
	cr_assert_eq(sstats(c, 0).sockets, 3);
	/* Requests 0-255 hold the first socket, 256-511 the second, the rest the
	 * third: 257 apart, consecutive replies land on different sockets. */
	random_key(&k);
	for (unsigned j = 0; j < N; j++) {
		unsigned i = (j * 257) % N;

		rb_genuine_accept(&rb, h[i].req, &k);
		f.peer = h[i].peer;
		f.plen = h[i].plen;
		fake_reply(&f, rb.b, rb.len);
		if (j % BATCH == BATCH - 1) {
			cr_assert_eq(aaa_client_wait(c, 1000000), 1);
			cr_assert(wait_fd_readable(c));
			cr_assert_eq(poll_at(c, now + 1), BATCH, "after reply %u", j);
			cr_assert_not(wait_fd_readable(c));
		}
	}
	cr_assert_eq(rs.n, N);
	for (unsigned i = 0; i < rs.n; i++) {
		uintptr_t ck = (uintptr_t)rs.cookie[i];

		cr_assert_eq(rs.r[i].status, AAA_ACCEPT);
		cr_assert(ck >= 1 && ck <= N && !seen[ck]);
		seen[ck] = true;
	}
	cr_assert_eq(counters(c).replies_invalid, 0);
	cr_assert_eq(sstats(c, 0).in_flight, 0);
	/* Drained: no wakeup left behind for an idle caller. */
	cr_assert_eq(aaa_client_wait(c, 0), 0);
	aaa_client_destroy(c);
	fake_close(&f);
}

/* A reply arriving while the caller sleeps in aaa_client_wait ends the sleep. */
Test(client, readiness_reply_wakes_wait)
{
	struct fake f;
	struct aaa_client *c;
	struct rbuild rb;
	struct mip_key k;
	uint64_t t0;
	pid_t child;
	int status;

	fake_open(&f);
	c = simple_client(&f, 1);
	cr_assert_geq(aaa_client_wait_fd(c), 0);
	submit(c, 1);
	cr_assert(fake_recv(&f, 1000));
	/* Nothing yet: a zero wait says so, and a timed one sleeps it out. */
	cr_assert_eq(aaa_client_wait(c, 0), 0);
	cr_assert_not(wait_fd_readable(c));
	t0 = mono_us();
	cr_assert_eq(aaa_client_wait(c, 20000), 0);
	cr_assert_geq(mono_us() - t0, 19000);
	/* After a timed-out wait the poll has nothing to read. */
	cr_assert_eq(poll_at(c, now + 1), 0);
	/* The fake server answers 50 ms from now, from another process. */
	random_key(&k);
	rb_genuine_accept(&rb, f.req, &k);
	child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) {
		usleep(50000);
		_exit(sendto(f.fd, rb.b, rb.len, 0, (struct sockaddr *)&f.peer, f.plen) ==
		      (ssize_t)rb.len ? 0 : 1);
	}
	t0 = mono_us();
	cr_assert_eq(aaa_client_wait(c, 10000000), 1);
	/* Woken by the reply, long before the 10 s timeout. */
	cr_assert_lt(mono_us() - t0, 5000000);
	cr_assert_eq(waitpid(child, &status, 0), child);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	cr_assert_eq(poll_at(c, now + 1), 1);
	cr_assert_eq(rs.r[0].status, AAA_ACCEPT);
	cr_assert_eq(aaa_client_wait(c, 0), 0);
	aaa_client_destroy(c);
	fake_close(&f);
}

/*
 * Nothing in flight: a poll makes no system call for the sockets, but a late
 * reply that arrives then is still seen by aaa_client_wait, read by the next
 * poll (discarded: its request is gone) and leaves no wakeup behind.
 */
Test(client, readiness_late_reply_while_idle)
{
	struct fake f;
	struct aaa_client *c;
	struct rbuild rb;
	struct mip_key k;

	fake_open(&f);
	c = simple_client(&f, 1);
	submit(c, 1);
	cr_assert(fake_recv(&f, 1000));
	random_key(&k);
	rb_genuine_accept(&rb, f.req, &k);
	fake_reply(&f, rb.b, rb.len);
	cr_assert_eq(poll_at(c, now + 1), 1);
	cr_assert_eq(sstats(c, 0).in_flight, 0);
	/* The same reply again, with nothing in flight. */
	fake_reply(&f, rb.b, rb.len);
	cr_assert_eq(poll_at(c, now + 1), 0);
	cr_assert_eq(counters(c).replies_invalid, 0, "read with nothing in flight");
	cr_assert_eq(aaa_client_wait(c, 1000000), 1);
	cr_assert_eq(poll_at(c, now + 1), 0);
	assert_invalid_only(c, AAA_REASON_BAD_ID, 1);
	cr_assert_eq(aaa_client_wait(c, 0), 0);
	cr_assert_not(wait_fd_readable(c));
	aaa_client_destroy(c);
	fake_close(&f);
}

Test(client, limits_refuse_with_counter)
{
	struct fake f;
	struct aaa_client_cfg cfg;
	struct aaa_client *c;
	struct aaa_access_req req;

	fake_open(&f);
	base_cfg(&cfg);
	cfg.max_requests = 3;
	c = make_client(&cfg, &f, 1);
	for (unsigned i = 0; i < 3; i++)
		submit(c, i);
	some_req(&req, 9);
	cr_assert_eq(aaa_client_submit(c, &req, NULL, now), -ENOBUFS);
	cr_assert_eq(counters(c).refused_busy, 1);
	aaa_client_destroy(c);

	/* One socket: 256 Identifiers, then refused. */
	base_cfg(&cfg);
	cfg.max_sockets = 1;
	c = make_client(&cfg, &f, 1);
	for (unsigned i = 0; i < 256; i++)
		submit(c, i);
	cr_assert_eq(aaa_client_submit(c, &req, NULL, now), -ENOBUFS);
	cr_assert_eq(counters(c).refused_busy, 1);
	cr_assert_eq(counters(c).requests, 256);
	/* A bad request is refused without using anything. */
	req.nai[0] = '\0';
	aaa_client_destroy(c);
	c = simple_client(&f, 1);
	cr_assert_eq(aaa_client_submit(c, &req, NULL, now), -EINVAL);
	cr_assert_eq(counters(c).requests, 0);
	cr_assert_eq(sstats(c, 0).in_flight, 0);
	aaa_client_destroy(c);
	fake_close(&f);
}

static unsigned wiped_ok, wiped_bad;

static void free_hook(const void *p, size_t n)
{
	const uint8_t *b = p;
	bool zero = true;

	for (size_t i = 0; i < n; i++)
		zero = zero && b[i] == 0;
	if (zero)
		wiped_ok++;
	else
		wiped_bad++;
}

Test(client, secret_wiped_on_destroy)
{
	struct fake fs[2];
	struct aaa_client *c;

	fake_open(&fs[0]);
	fake_open(&fs[1]);
	c = simple_client(fs, 2);
	mip_secret_set_free_hook(free_hook);
	aaa_client_destroy(c);
	mip_secret_set_free_hook(NULL);
	cr_assert_eq(wiped_ok, 2);
	cr_assert_eq(wiped_bad, 0);
	fake_close(&fs[0]);
	fake_close(&fs[1]);
}

Test(client, bad_configuration)
{
	struct aaa_client_cfg cfg;
	struct fake f;
	int error = 0;

	fake_open(&f);
	base_cfg(&cfg);
	cr_assert_null(aaa_client_create(&cfg, &error));	/* no server */
	cr_assert_eq(error, -EINVAL);
	cr_assert_eq(aaa_client_cfg_add_server(&cfg, "not-an-address", 1812, NULL), -EINVAL);
	cr_assert_eq(aaa_client_cfg_add_server(&cfg, "127.0.0.1", f.port, "/nonexistent"), 0);
	cr_assert_null(aaa_client_create(&cfg, &error));
	cr_assert_eq(error, -ENOENT);
	base_cfg(&cfg);
	cfg.nas.id[0] = '\0';
	cr_assert_eq(aaa_client_cfg_add_server(&cfg, "::1", f.port, NULL), 0);
	cr_assert_null(aaa_client_create(&cfg, &error));
	cr_assert_eq(error, -EINVAL);
	fake_close(&f);
}

Test(client, counter_names)
{
	cr_assert_eq(aaa_client_counter_count,
		     offsetof(struct aaa_client_counters, invalid) / sizeof(uint64_t));
	cr_assert_str_eq(aaa_client_counter_names[0], "requests");
	cr_assert_eq(aaa_server_counter_count,
		     offsetof(struct aaa_server_stats, state) / sizeof(uint64_t));
}
