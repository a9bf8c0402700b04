/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Dynamic keys through the whole HA path: a worker hands the spec example's
 * initial RRQ to the control lcore, control asks a fake RADIUS server on
 * loopback (a real UDP exchange through control/aaa), and the reply it sends
 * is the example's RRP byte for byte, with Skey and Skey' installed in the SA
 * table and the binding made; then the example's rekey through the worker
 * gives its RRP and new Skey'. Also: Access-Reject and a silent server ->
 * 131 and nothing installed; a deregistration with key continuation keeps
 * Skey_next under SPI1 and a rekey with it re-creates the binding without AAA;
 * expiry removes binding and keys; an exact copy of the rekey gets the same
 * reply through the duplicate cache. EAL --no-huge, net_ring ports, the
 * dataplane tests' harness.
 */
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "../aaa/aaa_test.h"
#include "config.h"
#include "ctl.h"
#include "dp_ctl.h"
#include "dynkey.h"
#include "mip.h"
#include "port.h"


static struct mipha_config cfg;
static struct mipha_ctl ctl;
static uint32_t home, coa, ha;
static uint64_t t0;
static int srv = -1;
static char secret_path[64];
static uint32_t kc;	/* [ha] key_continuation of the suite */
static uint16_t dae_port;	/* [aaa] dae_listen's port, 0: none */

/* The fake AAA server: a UDP socket on 127.0.0.1, any port. */
static uint16_t server_open(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	srv = socket(AF_INET, SOCK_DGRAM, 0);
	cr_assert_geq(srv, 0);
	cr_assert_eq(bind(srv, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(getsockname(srv, (struct sockaddr *)&a, &alen), 0);
	return ntohs(a.sin_port);
}

static void setup(void)
{
	uint16_t port;

	dp_setup("ctl_dynkey");
	dp_ctl_ports("dkc");
	home = dp_ip(dp_vec_str("inputs", "home_address"));
	ha = dp_ip(dp_vec_str("inputs", "home_agent"));
	coa = dp_ip(dp_vec_str("inputs", "care_of"));
	cr_assert_eq(mip_ident_from_hex(dp_vec_str("inputs", "identification"), &t0), 0);
	dp.conf.clock.fixed_ntp = t0;
	port = server_open();
	write_temp(secret_path, TEST_SECRET "\n");

	memset(&cfg, 0, sizeof(cfg));
	cfg.ha.address = ha;
	snprintf(cfg.ha.name, sizeof(cfg.ha.name), "ha1");
	cfg.ha.max_lifetime = 3600;
	cfg.ha.replay_tolerance = 7;
	cfg.ha.vendor_id = (uint32_t)dp_vec_u64("inputs", "vendor_id");
	cfg.ha.dynkey_spi = (uint32_t)dp_vec_u64("inputs", "dynkey_spi");
	cfg.ha.max_bindings = 1024;
	cfg.ha.home_pool_first = dp_ip("10.1.0.10");
	cfg.ha.home_pool_last = dp_ip("10.1.0.20");
	cfg.ha.dynamic_algorithms = 1u << MIP_ALG_HMAC_MD5;
	cfg.ha.key_continuation = kc;
	dp_ctl_aaa(&cfg, port, secret_path);
	if (dae_port != 0) {
		cfg.aaa.dae_listen.addr = htonl(INADDR_LOOPBACK);
		cfg.aaa.dae_listen.port = dae_port;
		cfg.aaa.dae_window = 300;
	}
	dp_ctl_init(&ctl, &cfg);
	cr_assert_not_null(ctl.dynkey, "[aaa] configured: dynamic keys on");
}

static void teardown(void)
{
	mipha_ctl_drain(&ctl);
	mipha_ctl_fini(&ctl);
	dp_ctl_ports_fini();
	dp_teardown();
	if (srv >= 0)
		close(srv);
	unlink(secret_path);
}

TestSuite(ctl_dynkey, .init = setup, .fini = teardown, .timeout = 60);

static void setup_kc(void)
{
	kc = 300;
	setup();
}

TestSuite(ctl_dynkey_kc, .init = setup_kc, .fini = teardown, .timeout = 60);

/* A free UDP port on loopback (bound, read, closed). */
static uint16_t free_port(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	uint16_t p;

	cr_assert_geq(fd, 0);
	p = 0;
	{
		struct sockaddr_in a = { .sin_family = AF_INET };
		socklen_t alen = sizeof(a);

		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
		cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
		p = ntohs(a.sin_port);
	}
	close(fd);
	return p;
}

/* Key continuation offered, and Disconnect-Requests taken on a loopback port. */
static void setup_dae(void)
{
	kc = 300;
	dae_port = free_port();
	setup();
}

TestSuite(ctl_dynkey_dae, .init = setup_dae, .fini = teardown, .timeout = 60);

static unsigned int worker_takes(struct rte_mbuf *m)
{
	unsigned int before = rte_ring_count(dp.ring);

	mipha_worker_process(&dp.w, &m, 1);
	return rte_ring_count(dp.ring) - before;
}

/* The Access-Request control sent (waits at most 2 s); the client's address in *from. */
static size_t server_recv(uint8_t *buf, size_t cap, struct sockaddr_in *from)
{
	struct pollfd pfd = { .fd = srv, .events = POLLIN };
	socklen_t flen = sizeof(*from);
	ssize_t n;

	cr_assert_eq(poll(&pfd, 1, 2000), 1, "no Access-Request within 2 s");
	n = recvfrom(srv, buf, cap, 0, (struct sockaddr *)from, &flen);
	cr_assert_gt(n, AAA_RADIUS_HDR_LEN);
	return (size_t)n;
}

static void server_send(const struct rbuild *rb, const struct sockaddr_in *to)
{
	cr_assert_eq(sendto(srv, rb->b, rb->len, 0, (const struct sockaddr *)to, sizeof(*to)),
		     (ssize_t)rb->len);
}

/* Polls control (at most 2 s) until it sends something on port. */
static struct rte_mbuf *wait_sent(int port)
{
	for (int i = 0; i < 400; i++) {
		struct rte_mbuf *m;

		mipha_ctl_poll(&ctl);
		m = dp_ctl_sent(port);
		if (m != NULL)
			return m;
		usleep(5000);
	}
	return NULL;
}

/* The User-Name of an Access-Request. */
static void user_name(const uint8_t *req, size_t len, char *out, size_t cap)
{
	size_t off = AAA_RADIUS_HDR_LEN;
	struct aaa_attr a;

	out[0] = '\0';
	while (aaa_radius_next_attr(req, len, &off, &a) == 1)
		if (a.type == AAA_ATTR_USER_NAME && a.len < cap) {
			memcpy(out, a.val, a.len);
			out[a.len] = '\0';
		}
}

static void initial_rrq(void)
{
	uint8_t rrq[512];
	size_t n = dp_vec_hex("initial_rrq", NULL, rrq, sizeof(rrq));

	cr_assert_eq(worker_takes(dp_frame_rrq(coa, ha, 434, rrq, (uint16_t)n)), 1,
		     "the worker hands an initial RRQ to control");
	mipha_ctl_poll(&ctl);
}

Test(ctl_dynkey, example_through_aaa_then_rekey)
{
	uint8_t req[AAA_RADIUS_MAX_LEN], want[512];
	struct sockaddr_in from;
	struct rbuild rb;
	struct mip_key k2, skey, skey2, new2;
	struct mipha_sa *sa;
	struct mipha_binding *b;
	struct rte_mbuf *m;
	const uint8_t *p;
	char name[256];
	uint16_t len;
	size_t n, wn;

	initial_rrq();
	n = server_recv(req, sizeof(req), &from);
	cr_assert_eq(req[0], AAA_CODE_ACCESS_REQUEST);
	cr_assert(request_ma_ok(req, n), "Message-Authenticator on the request");
	user_name(req, n, name, sizeof(name));
	cr_assert_str_eq(name, dp_vec_str("inputs", "nai"));

	/* A genuine Access-Accept with the example's k'' and MS-CHAP2-Success. */
	cr_assert_eq(dp_vec_hex("k2_ms_mppe_recv_key", NULL, k2.b, 16), 16);
	rb_init(&rb, AAA_CODE_ACCESS_ACCEPT, req[1]);
	rb_ma(&rb);
	rb_success(&rb, dp_vec_str("auth_response", NULL));
	rb_mppe(&rb, AAA_MS_MPPE_RECV_KEY, &k2, 0x8123, req + 4);
	rb_sign(&rb, req + 4);
	server_send(&rb, &from);
	mip_wipe(&k2, sizeof(k2));

	m = wait_sent(DP_PORT_UP);
	cr_assert_not_null(m, "no reply after the Access-Accept");
	p = dp_reply_payload(m, &len);
	wn = dp_vec_hex("initial_rrp", NULL, want, sizeof(want));
	cr_assert_eq(len, wn);
	cr_assert_arr_eq(p, want, wn, "initial RRP differs from the example");
	rte_pktmbuf_free(m);

	cr_assert_eq(dp_vec_hex("skey", NULL, skey.b, 16), 16);
	cr_assert_eq(dp_vec_hex("skey2", NULL, skey2.b, 16), 16);
	sa = mipha_sa_lookup(dp.st, home, (uint32_t)dp_vec_u64("inputs", "spi1"));
	cr_assert_not_null(sa, "SA under SPI1");
	cr_assert_eq(sa->kind, MIPHA_SA_DYNAMIC);
	cr_assert_arr_eq(sa->key[MIPHA_SA_KEY1].key.b, skey.b, 16);
	cr_assert_eq(mipha_sa_lookup(dp.st, home, (uint32_t)dp_vec_u64("inputs", "spi2")), sa);
	cr_assert_arr_eq(sa->key[MIPHA_SA_KEY2].key.b, skey2.b, 16);
	b = mipha_binding_lookup(dp.bt, home);
	cr_assert_not_null(b);
	cr_assert_eq(mipha_binding_coa(mipha_binding_load(b)), coa);
	cr_assert_eq(mipha_binding_expiry(mipha_binding_load(b)), (uint32_t)(t0 >> 32) + 1800);
	m = dp_ctl_sent(DP_PORT_HOME);
	cr_assert_not_null(m, "gratuitous ARP for the new binding");
	rte_pktmbuf_free(m);

	/* The example's rekey, through the worker (verified with Skey, REKEY to control). */
	{
		uint8_t rrq[512];
		uint64_t id;

		cr_assert_eq(mip_ident_from_hex(dp_vec_str("rekey", "identification"), &id), 0);
		dp.conf.clock.fixed_ntp = id;
		n = dp_vec_hex("rekey", "rrq", rrq, sizeof(rrq));
		cr_assert_eq(worker_takes(dp_frame_rrq(dp_ip("198.51.100.9"), ha, 434, rrq,
						       (uint16_t)n)), 1);
	}
	m = wait_sent(DP_PORT_UP);
	cr_assert_not_null(m, "no rekey reply");
	p = dp_reply_payload(m, &len);
	wn = dp_vec_hex("rekey", "rrp", want, sizeof(want));
	cr_assert_eq(len, wn);
	cr_assert_arr_eq(p, want, wn, "rekey RRP differs from the example");
	rte_pktmbuf_free(m);
	cr_assert_eq(dp_vec_hex("rekey", "new_skey2", new2.b, 16), 16);
	sa = mipha_sa_lookup(dp.st, home, (uint32_t)dp_vec_u64("inputs", "spi2"));
	cr_assert_not_null(sa);
	cr_assert_arr_eq(sa->key[MIPHA_SA_KEY2].key.b, new2.b, 16, "new Skey' installed");
	cr_assert_eq(sa->prev_valid, 1, "previous Skey' still accepted");
	cr_assert_arr_eq(sa->prev.key.b, skey2.b, 16);
	{
		struct mipha_dk_stats st;

		mipha_ctl_dynkey_stats(&ctl, &st);
		cr_assert_eq(st.cnt[MIPHA_DK_CNT_AAA_REQUESTS], 1);
		cr_assert_eq(st.cnt[MIPHA_DK_CNT_INSTALLS], 1);
		cr_assert_eq(st.cnt[MIPHA_DK_CNT_REKEYS], 1);
	}
	mip_wipe(&skey, sizeof(skey));
	mip_wipe(&skey2, sizeof(skey2));
	mip_wipe(&new2, sizeof(new2));
}

static uint64_t seen_131;
static unsigned int seen_names, seen_aaa;
static uint64_t seen_aaa_rejects, seen_aaa_failovers, seen_aaa_state, seen_aaa_replies;

static void see_stat(void *arg, const char *name, uint64_t v)
{
	(void)arg;
	/* telemetry names: no '.' nor '-' */
	cr_assert_null(strpbrk(name, ".-"), "telemetry name '%s'", name);
	if (strncmp(name, "aaa_", 4) == 0) {
		seen_aaa++;
		if (strcmp(name, "aaa_rejects") == 0)
			seen_aaa_rejects = v;
		else if (strcmp(name, "aaa_failovers") == 0)
			seen_aaa_failovers = v;
		else if (strcmp(name, "aaa_server0_state") == 0)
			seen_aaa_state = v;
		else if (strcmp(name, "aaa_server0_replies") == 0)
			seen_aaa_replies = v;
		return;
	}
	if (strncmp(name, "dae_", 4) == 0)
		return;	/* Disconnect-Requests: the ctl_dynkey_dae suite */
	seen_names++;
	if (strcmp(name, "dk_replies_131") == 0)
		seen_131 = v;
}

Test(ctl_dynkey, access_reject_gets_131_and_installs_nothing)
{
	uint8_t req[AAA_RADIUS_MAX_LEN];
	struct sockaddr_in from;
	struct rbuild rb;
	struct rte_mbuf *m;
	const uint8_t *p;
	uint16_t len;
	struct mip_msg r;
	struct mip_parse_cfg pc = dp.conf.parse;

	initial_rrq();
	server_recv(req, sizeof(req), &from);
	rb_init(&rb, AAA_CODE_ACCESS_REJECT, req[1]);
	rb_ma(&rb);
	rb_sign(&rb, req + 4);
	server_send(&rb, &from);
	m = wait_sent(DP_PORT_UP);
	cr_assert_not_null(m, "no reply after the Access-Reject");
	p = dp_reply_payload(m, &len);
	cr_assert_eq(mip_parse(p, len, &pc, &r), MIP_OK);
	cr_assert_eq(r.code, MIP_CODE_MN_FAILED_AUTH);
	cr_assert_not(r.present & MIP_HAS_MHAE);
	rte_pktmbuf_free(m);
	cr_assert_null(mipha_binding_lookup(dp.bt, home));
	cr_assert_null(mipha_sa_lookup(dp.st, home, (uint32_t)dp_vec_u64("inputs", "spi1")));
	cr_assert_null(dp_ctl_sent(DP_PORT_HOME));
	/* What telemetry shows. */
	seen_131 = UINT64_MAX;
	seen_names = seen_aaa = 0;
	seen_aaa_rejects = seen_aaa_failovers = seen_aaa_state = seen_aaa_replies = UINT64_MAX;
	mipha_ctl_dynkey_visit(&ctl, see_stat, NULL);
	cr_assert_eq(seen_131, 1, "dk_replies_131 in telemetry");
	cr_assert_eq(seen_names, MIPHA_DK_CNT__COUNT + MIPHA_DK_GAUGE__COUNT);
	/* and the AAA client's: client-wide, per reason, per server */
	cr_assert_eq(seen_aaa_rejects, 1, "aaa_rejects");
	cr_assert_eq(seen_aaa_failovers, 0, "aaa_failovers");
	cr_assert_eq(seen_aaa_state, 0, "aaa_server0_state: alive");
	cr_assert_eq(seen_aaa_replies, 1, "aaa_server0_replies");
	cr_assert_eq(seen_aaa, aaa_client_counter_count + (AAA_REASON_MAX - 1) +
			       aaa_server_counter_count + 3, "one server configured");
}

Test(ctl_dynkey, silent_server_gets_131_after_the_retries)
{
	uint8_t req[AAA_RADIUS_MAX_LEN];
	struct sockaddr_in from;
	struct rte_mbuf *m;
	const uint8_t *p;
	uint16_t len;

	initial_rrq();
	server_recv(req, sizeof(req), &from);	/* never answered */
	m = wait_sent(DP_PORT_UP);
	cr_assert_not_null(m, "no 131 after the timeouts");
	p = dp_reply_payload(m, &len);
	cr_assert_eq(p[1], MIP_CODE_MN_FAILED_AUTH);
	rte_pktmbuf_free(m);
	cr_assert_null(mipha_binding_lookup(dp.bt, home));
}

/* ---- key continuation, expiry, duplicates ---- */

/* Answers the pending Access-Request with the example's k'' and S=. */
static void server_accepts(void)
{
	uint8_t req[AAA_RADIUS_MAX_LEN];
	struct sockaddr_in from;
	struct rbuild rb;
	struct mip_key k2;

	server_recv(req, sizeof(req), &from);
	cr_assert_eq(dp_vec_hex("k2_ms_mppe_recv_key", NULL, k2.b, 16), 16);
	rb_init(&rb, AAA_CODE_ACCESS_ACCEPT, req[1]);
	rb_ma(&rb);
	rb_success(&rb, dp_vec_str("auth_response", NULL));
	rb_mppe(&rb, AAA_MS_MPPE_RECV_KEY, &k2, 0x8123, req + 4);
	rb_sign(&rb, req + 4);
	server_send(&rb, &from);
	mip_wipe(&k2, sizeof(k2));
}

/* The reply control sends on the uplink, parsed; *m is the frame (caller frees). */
static void reply_of_ctl(struct rte_mbuf **m, struct mip_msg *r)
{
	struct mip_parse_cfg pc = dp.conf.parse;
	const uint8_t *p;
	uint16_t len;

	*m = wait_sent(DP_PORT_UP);
	cr_assert_not_null(*m, "no reply from control");
	p = dp_reply_payload(*m, &len);
	cr_assert_eq(mip_parse(p, len, &pc, r), MIP_OK);
}

/* An RRQ of the example's MN: NAI, [KEY-REQ-S2], MHAE(spi, key), HMAC-MD5. */
static uint16_t later_rrq(uint8_t *buf, size_t cap, uint64_t ident, uint16_t lifetime,
			  bool ks2, uint32_t spi, const struct mip_key *key)
{
	const char *nai = dp_vec_str("inputs", "nai");
	struct mip_keyspec s2 = { (uint32_t)dp_vec_u64("inputs", "spi2"), MIP_ALG_HMAC_MD5,
				  MIP_REPLAY_TIMESTAMPS };
	struct mip_builder b;
	size_t off;

	mip_builder_init(&b, buf, cap);
	mip_put_rrq_hdr(&b, 0, lifetime, home, ha, coa, ident);
	mip_put_nai(&b, nai, strlen(nai));
	if (ks2)
		mip_put_keyspec(&b, dp.conf.parse.vendor_id, MIP_CVSE_KEY_REQ_S2, &s2);
	off = mip_put_auth(&b, MIP_EXT_MHAE, spi, MIP_MD5_AUTH_LEN);
	cr_assert(b.err == 0 && off != 0);
	cr_assert_eq(mip_auth_sign(buf, off, MIP_ALG_HMAC_MD5, key), 0);
	return (uint16_t)b.len;
}

Test(ctl_dynkey_kc, dereg_keeps_skey_next_and_a_rekey_recreates_the_binding)
{
	uint32_t spi1 = (uint32_t)dp_vec_u64("inputs", "spi1");
	uint32_t spi2 = (uint32_t)dp_vec_u64("inputs", "spi2");
	struct mip_key skey, skey2, next, s2;
	struct rte_mbuf *m;
	struct mip_msg r;
	struct mipha_sa *sa;
	uint8_t rrq[256];
	uint16_t n;
	uint64_t id;

	cr_assert_eq(dp_vec_hex("skey", NULL, skey.b, 16), 16);
	cr_assert_eq(dp_vec_hex("skey2", NULL, skey2.b, 16), 16);
	initial_rrq();
	server_accepts();
	reply_of_ctl(&m, &r);
	cr_assert_eq(r.code, MIP_CODE_ACCEPTED);
	cr_assert(r.present & MIP_HAS_KEY_CONTINUATION, "continuation offered");
	cr_assert_eq(r.key_continuation, 300);
	cr_assert(mip_auth_verify(&r, MIP_ALG_HMAC_MD5, &skey));
	rte_pktmbuf_free(m);
	rte_pktmbuf_free(dp_ctl_sent(DP_PORT_HOME));	/* the gratuitous ARP */

	/* Deregistration under SPI2 through the worker. */
	id = t0 + (10ull << 32);
	dp.conf.clock.fixed_ntp = id;
	n = later_rrq(rrq, sizeof(rrq), id, 0, false, spi2, &skey2);
	cr_assert_eq(worker_takes(dp_frame_rrq(coa, ha, 434, rrq, n)), 1);
	reply_of_ctl(&m, &r);
	cr_assert_eq(r.code, MIP_CODE_ACCEPTED);
	cr_assert_eq(r.lifetime, 0);
	cr_assert(mip_auth_verify(&r, MIP_ALG_HMAC_MD5, &skey2));
	rte_pktmbuf_free(m);
	cr_assert_null(mipha_binding_lookup(dp.bt, home), "binding removed");
	cr_assert_null(mipha_sa_lookup(dp.st, home, spi2), "Skey' gone");
	sa = mipha_sa_lookup(dp.st, home, spi1);
	cr_assert_not_null(sa, "SPI1 kept for key continuation");
	mip_derive_skey_next(&skey, t0, &next);
	cr_assert_arr_eq(sa->key[MIPHA_SA_KEY1].key.b, next.b, 16, "Skey_next under SPI1");

	/* Within retention: a rekey under SPI1 with Skey_next, no AAA exchange. */
	id = t0 + (100ull << 32);
	dp.conf.clock.fixed_ntp = id;
	n = later_rrq(rrq, sizeof(rrq), id, 600, true, spi1, &next);
	cr_assert_eq(worker_takes(dp_frame_rrq(coa, ha, 434, rrq, n)), 1);
	reply_of_ctl(&m, &r);
	cr_assert_eq(r.code, MIP_CODE_ACCEPTED);
	cr_assert_eq(r.lifetime, 600);
	cr_assert(mip_auth_verify(&r, MIP_ALG_HMAC_MD5, &next));
	rte_pktmbuf_free(m);
	cr_assert_not_null(mipha_binding_lookup(dp.bt, home), "binding re-created");
	sa = mipha_sa_lookup(dp.st, home, spi2);
	cr_assert_not_null(sa);
	mip_derive_skey2(&next, id, &s2);
	cr_assert_arr_eq(sa->key[MIPHA_SA_KEY2].key.b, s2.b, 16);
	{
		struct mipha_dk_stats st;

		mipha_ctl_dynkey_stats(&ctl, &st);
		cr_assert_eq(st.cnt[MIPHA_DK_CNT_AAA_REQUESTS], 1, "no second AAA exchange");
		cr_assert_eq(st.cnt[MIPHA_DK_CNT_KEY_CONTINUATIONS], 1);
	}
	mip_wipe(&skey, sizeof(skey));
	mip_wipe(&skey2, sizeof(skey2));
	mip_wipe(&next, sizeof(next));
	mip_wipe(&s2, sizeof(s2));
}

Test(ctl_dynkey, expiry_removes_binding_and_keys)
{
	uint32_t spi1 = (uint32_t)dp_vec_u64("inputs", "spi1");
	struct rte_mbuf *m;
	struct mip_msg r;

	initial_rrq();
	server_accepts();
	reply_of_ctl(&m, &r);
	cr_assert_eq(r.code, MIP_CODE_ACCEPTED);
	rte_pktmbuf_free(m);
	dp.conf.clock.fixed_ntp = t0 + (1799ull << 32);
	mipha_ctl_poll(&ctl);
	cr_assert_not_null(mipha_binding_lookup(dp.bt, home), "removed a second early");
	dp.conf.clock.fixed_ntp = t0 + (1800ull << 32);
	mipha_ctl_poll(&ctl);
	cr_assert_null(mipha_binding_lookup(dp.bt, home), "not removed at its expiry");
	cr_assert_null(mipha_sa_lookup(dp.st, home, spi1), "keys not removed");
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_BINDING_EXPIRED], 1);
	{
		struct mipha_dk_stats st;

		mipha_ctl_dynkey_stats(&ctl, &st);
		cr_assert_eq(st.cnt[MIPHA_DK_CNT_EXPIRIES], 1);
		cr_assert_eq(st.gauge[MIPHA_DK_GAUGE_MNS], 0);
		cr_assert_eq(st.gauge[MIPHA_DK_GAUGE_POOL_USED], 0);
	}
}

Test(ctl_dynkey, rekey_copy_gets_the_same_reply_through_the_duplicate_cache)
{
	uint8_t rrq[512], first[512];
	struct rte_mbuf *m;
	struct mip_msg r;
	const uint8_t *p;
	uint16_t len, first_len;
	uint64_t id;
	size_t n;

	initial_rrq();
	server_accepts();
	reply_of_ctl(&m, &r);
	rte_pktmbuf_free(m);
	cr_assert_eq(mip_ident_from_hex(dp_vec_str("rekey", "identification"), &id), 0);
	dp.conf.clock.fixed_ntp = id;
	n = dp_vec_hex("rekey", "rrq", rrq, sizeof(rrq));
	cr_assert_eq(worker_takes(dp_frame_rrq(coa, ha, 434, rrq, (uint16_t)n)), 1);
	m = wait_sent(DP_PORT_UP);
	cr_assert_not_null(m);
	p = dp_reply_payload(m, &len);
	memcpy(first, p, len);
	first_len = len;
	rte_pktmbuf_free(m);
	/* The MN lost the reply and sends the very same bytes. */
	cr_assert_eq(worker_takes(dp_frame_rrq(coa, ha, 434, rrq, (uint16_t)n)), 1,
		     "the worker hands the copy to control (MIPHA_DUP_CTRL)");
	m = wait_sent(DP_PORT_UP);
	cr_assert_not_null(m);
	p = dp_reply_payload(m, &len);
	cr_assert_eq(len, first_len);
	cr_assert_arr_eq(p, first, len);
	rte_pktmbuf_free(m);
	{
		struct mipha_dk_stats st;

		mipha_ctl_dynkey_stats(&ctl, &st);
		cr_assert_eq(st.cnt[MIPHA_DK_CNT_REKEYS], 1, "no second rekey");
		cr_assert_eq(st.cnt[MIPHA_DK_CNT_DUPLICATES], 1);
	}
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_REPLY_DUPLICATE], 1);
}

/* ---- RFC 5176 Disconnect-Requests (ctl_dae.c) ---- */

static uint64_t dae_stat_v;
static const char *dae_stat_name;

static void find_stat(void *arg, const char *name, uint64_t v)
{
	(void)arg;
	if (strcmp(name, dae_stat_name) == 0)
		dae_stat_v = v;
}

static uint64_t ctl_stat(const char *name)
{
	dae_stat_name = name;
	dae_stat_v = UINT64_MAX;
	mipha_ctl_dynkey_visit(&ctl, find_stat, NULL);
	cr_assert_neq(dae_stat_v, UINT64_MAX, "no counter %s", name);
	return dae_stat_v;
}

/* A DAC's socket on addr (host order). */
static int dac_open(uint32_t addr)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	cr_assert_geq(fd, 0);
	a.sin_addr.s_addr = htonl(addr);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

/*
 * Sends rb to dae_listen and polls control until an answer arrives (its
 * length) or wait_ms pass (0).
 */
static size_t dae_exchange(int fd, const struct rbuild *rb, uint8_t *ans, size_t cap, int wait_ms)
{
	struct sockaddr_in to = { .sin_family = AF_INET };

	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	to.sin_port = htons(dae_port);
	cr_assert_eq(sendto(fd, rb->b, rb->len, 0, (struct sockaddr *)&to, sizeof(to)),
		     (ssize_t)rb->len);
	for (int i = 0; i < wait_ms / 5; i++) {
		ssize_t n;

		mipha_ctl_poll(&ctl);
		n = recv(fd, ans, cap, MSG_DONTWAIT);
		if (n > 0)
			return (size_t)n;
		usleep(5000);
	}
	return 0;
}

/* A signed Disconnect-Request: User-Name (when user), Framed-IP (when fip), NAS-Identifier (when nas), now. */
static void dm_build(struct rbuild *rb, uint8_t id, const char *user, uint32_t fip, const char *nas,
		     bool extra)
{
	const struct aaa_secret s = test_secret();
	uint32_t t = (uint32_t)time(NULL);
	uint8_t ts[4] = { t >> 24, t >> 16, t >> 8, t };

	rb_init(rb, AAA_CODE_DISCONNECT_REQUEST, id);
	rb_ma(rb);
	if (user != NULL)
		rb_attr(rb, AAA_ATTR_USER_NAME, user, strlen(user));
	if (fip != 0)
		rb_attr(rb, AAA_ATTR_FRAMED_IP_ADDRESS, &fip, 4);
	if (nas != NULL)
		rb_attr(rb, AAA_ATTR_NAS_IDENTIFIER, nas, strlen(nas));
	if (extra)
		rb_attr(rb, 44, "acct-1", 6);	/* Acct-Session-Id: not taken */
	rb_attr(rb, AAA_ATTR_EVENT_TIMESTAMP, ts, 4);
	rb_attr(rb, AAA_ATTR_PROXY_STATE, "ps", 2);
	cr_assert_eq(aaa_dae_sign_request(rb->b, rb->len, &s), 0);
}

/* The answer's code after checking it is signed for rb; its Error-Cause in *cause. */
static uint8_t dae_answer(const struct rbuild *rb, const uint8_t *ans, size_t n, uint32_t *cause)
{
	const struct aaa_secret s = test_secret();
	size_t off = AAA_RADIUS_HDR_LEN;
	struct aaa_attr a;

	cr_assert_gt(n, 0, "no answer");
	cr_assert_eq(aaa_radius_verify_reply(ans, n, rb->b + 4, &s), AAA_REASON_OK);
	cr_assert_eq(ans[1], rb->b[1]);
	*cause = 0;
	while (aaa_radius_next_attr(ans, n, &off, &a) > 0)
		if (a.type == AAA_ATTR_ERROR_CAUSE)
			*cause = (uint32_t)a.val[2] << 8 | a.val[3];
	return ans[0];
}

Test(ctl_dynkey_dae, disconnect_ends_the_session_without_key_continuation)
{
	uint32_t spi1 = (uint32_t)dp_vec_u64("inputs", "spi1");
	uint32_t spi2 = (uint32_t)dp_vec_u64("inputs", "spi2");
	const char *nai = dp_vec_str("inputs", "nai");
	struct mipha_dk_stats st;
	uint8_t ans[512], again[512];
	char user[300];
	struct rbuild rb;
	struct rte_mbuf *m;
	struct mip_msg r;
	uint32_t cause;
	size_t n;
	int fd = dac_open(INADDR_LOOPBACK);

	initial_rrq();
	server_accepts();
	reply_of_ctl(&m, &r);
	cr_assert_eq(r.code, MIP_CODE_ACCEPTED);
	cr_assert(r.present & MIP_HAS_KEY_CONTINUATION, "continuation offered");
	rte_pktmbuf_free(m);
	rte_pktmbuf_free(dp_ctl_sent(DP_PORT_HOME));	/* the gratuitous ARP */
	cr_assert_not_null(mipha_binding_lookup(dp.bt, home));

	/* Not ours: NAS-Identifier of another HA (403); no session named (402); Acct-Session-Id (401). */
	dm_build(&rb, 1, nai, 0, "ha2", false);
	cr_assert_eq(dae_answer(&rb, ans, dae_exchange(fd, &rb, ans, sizeof(ans), 2000), &cause),
		     AAA_CODE_DISCONNECT_NAK);
	cr_assert_eq(cause, AAA_ERR_NAS_MISMATCH);
	dm_build(&rb, 2, NULL, 0, "ha1", false);
	cr_assert_eq(dae_answer(&rb, ans, dae_exchange(fd, &rb, ans, sizeof(ans), 2000), &cause),
		     AAA_CODE_DISCONNECT_NAK);
	cr_assert_eq(cause, AAA_ERR_MISSING_ATTRIBUTE);
	dm_build(&rb, 3, nai, 0, NULL, true);
	cr_assert_eq(dae_answer(&rb, ans, dae_exchange(fd, &rb, ans, sizeof(ans), 2000), &cause),
		     AAA_CODE_DISCONNECT_NAK);
	cr_assert_eq(cause, AAA_ERR_UNSUPPORTED_ATTRIBUTE);
	/* The right NAI with another MN's home address: not that session (503). */
	dm_build(&rb, 4, nai, home ^ htonl(1), NULL, false);
	cr_assert_eq(dae_answer(&rb, ans, dae_exchange(fd, &rb, ans, sizeof(ans), 2000), &cause),
		     AAA_CODE_DISCONNECT_NAK);
	cr_assert_eq(cause, AAA_ERR_SESSION_NOT_FOUND);
	cr_assert_not_null(mipha_binding_lookup(dp.bt, home), "nothing ended by the NAKs");
	cr_assert_not_null(mipha_sa_lookup(dp.st, home, spi2));

	/* "DOMAIN\NAI", as the HA's Access-Request named it with a DOMAIN; and its home address. */
	snprintf(user, sizeof(user), "EXAMPLE\\%s", nai);
	dm_build(&rb, 5, user, home, "ha1", false);
	n = dae_exchange(fd, &rb, ans, sizeof(ans), 2000);
	cr_assert_eq(dae_answer(&rb, ans, n, &cause), AAA_CODE_DISCONNECT_ACK);
	cr_assert_eq(cause, 0);
	cr_assert_null(mipha_binding_lookup(dp.bt, home), "binding removed");
	cr_assert_null(mipha_sa_lookup(dp.st, home, spi1), "no Skey_next kept under SPI1");
	cr_assert_null(mipha_sa_lookup(dp.st, home, spi2));
	mipha_ctl_dynkey_stats(&ctl, &st);
	cr_assert_eq(st.cnt[MIPHA_DK_CNT_DISCONNECTS], 1);
	cr_assert_eq(st.cnt[MIPHA_DK_CNT_CONTINUATIONS_KEPT], 0);
	cr_assert_eq(st.gauge[MIPHA_DK_GAUGE_MNS], 0, "the MN record is forgotten");
	cr_assert_eq(ctl_stat("dae_disconnects"), 1);

	/* A retransmission gets the same answer, and nothing more happens. */
	cr_assert_eq(dae_exchange(fd, &rb, again, sizeof(again), 2000), n);
	cr_assert_arr_eq(again, ans, n);
	cr_assert_eq(ctl_stat("dae_duplicates"), 1);
	cr_assert_eq(ctl_stat("dae_disconnects"), 1);
	/* A new request for the same session: gone (503). */
	dm_build(&rb, 6, nai, 0, NULL, false);
	cr_assert_eq(dae_answer(&rb, ans, dae_exchange(fd, &rb, ans, sizeof(ans), 2000), &cause),
		     AAA_CODE_DISCONNECT_NAK);
	cr_assert_eq(cause, AAA_ERR_SESSION_NOT_FOUND);
	cr_assert_eq(ctl_stat("dae_nak_session_not_found"), 2);
	cr_assert_eq(ctl_stat("dae_nak_nas_mismatch"), 1);
	cr_assert_eq(ctl_stat("dae_nak_missing_attribute"), 1);
	cr_assert_eq(ctl_stat("dae_nak_unsupported_attribute"), 1);
	cr_assert_eq(ctl_stat("dae_requests"), 7);
	close(fd);
}

/* Only the AAA servers' addresses (no dae_clients) may ask; others get no answer. */
Test(ctl_dynkey_dae, stranger_gets_no_answer)
{
	uint8_t ans[512];
	struct rbuild rb;
	int fd = dac_open(0x7f000002);	/* 127.0.0.2 */

	dm_build(&rb, 1, dp_vec_str("inputs", "nai"), 0, NULL, false);
	cr_assert_eq(dae_exchange(fd, &rb, ans, sizeof(ans), 200), 0);
	cr_assert_eq(ctl_stat("dae_invalid_unknown_client"), 1);
	cr_assert_eq(ctl_stat("dae_requests"), 1);
	close(fd);
}
