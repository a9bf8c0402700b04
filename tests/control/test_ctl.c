/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control lcore (control/ctl.c) on real tables, a real worker and two
 * net_ring ports, with the HA clock fixed so lifetimes are exact: a worker
 * hands over a first registration, control installs the binding, answers
 * (the spec's reply byte for byte) on its own tx queue, announces the home
 * address on the home port, and removes the binding exactly when its
 * lifetime ends, or later when a worker extended it. Also: table full (130),
 * deregistration without binding, a duplicate handed to control, initial
 * dynamic-key RRQs (131), messages control must drop. EAL --no-huge; the
 * dataplane tests' harness (tests/dataplane/dp_test.c) builds the rest.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_arp.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "mip.h"

#include "config.h"
#include "ctl.h"
#include "dp_ctl.h"
#include "port.h"


static struct mipha_config cfg;
static struct mipha_ctl ctl;
static uint32_t home, coa, ha;
static uint64_t t0;			/* the rereg's Identification: the HA clock */
static struct mip_key skey2;
static uint8_t rereg_rrq[128], rereg_rrp[128];
static size_t rereg_rrq_len, rereg_rrp_len;

static void setup(void)
{
	dp_setup("ctl");
	dp_ctl_ports("ctl");
	home = dp_ip(dp_vec_str("inputs", "home_address"));
	ha = dp_ip(dp_vec_str("inputs", "home_agent"));
	coa = dp_ip(dp_vec_str("rereg", "care_of"));
	cr_assert_eq(mip_ident_from_hex(dp_vec_str("rereg", "identification"), &t0), 0);
	dp.conf.clock.fixed_ntp = t0;
	cr_assert_eq(dp_vec_hex("skey2", NULL, skey2.b, sizeof(skey2.b)), 16);
	rereg_rrq_len = dp_vec_hex("rereg", "rrq", rereg_rrq, sizeof(rereg_rrq));
	rereg_rrp_len = dp_vec_hex("rereg", "rrp", rereg_rrp, sizeof(rereg_rrp));
	dp_static_sa(home, (uint32_t)dp_vec_u64("inputs", "spi2"), MIP_ALG_HMAC_MD5, &skey2);

	memset(&cfg, 0, sizeof(cfg));
	cfg.ha.max_lifetime = 3600;
	dp_ctl_init(&ctl, &cfg);
}

static void teardown(void)
{
	mipha_ctl_drain(&ctl);
	mipha_ctl_fini(&ctl);
	dp_ctl_ports_fini();
	dp_teardown();
}

TestSuite(ctl, .init = setup, .fini = teardown);

/* The worker takes frame; returns how many messages it gave control. */
static unsigned int worker_takes(struct rte_mbuf *m)
{
	unsigned int before = rte_ring_count(dp.ring);

	mipha_worker_process(&dp.w, &m, 1);
	return rte_ring_count(dp.ring) - before;
}

static void set_clock(uint64_t ntp)
{
	dp.conf.clock.fixed_ntp = ntp;
}

static uint64_t sec(uint32_t s)
{
	return (uint64_t)s << 32;
}

/* Registers the spec's MN through the worker and control; checks the reply. */
static void register_mn(void)
{
	struct rte_mbuf *m;
	const uint8_t *p;
	uint16_t len;

	cr_assert_eq(worker_takes(dp_frame_rrq(coa, ha, 434, rereg_rrq, (uint16_t)rereg_rrq_len)), 1);
	cr_assert_geq(mipha_ctl_poll(&ctl), 1);
	m = dp_ctl_sent(DP_PORT_UP);
	cr_assert_not_null(m, "no reply on the uplink's control queue");
	p = dp_reply_payload(m, &len);
	cr_assert_eq(len, rereg_rrp_len);
	cr_assert_arr_eq(p, rereg_rrp, len, "reply differs from the spec's rereg RRP");
	rte_pktmbuf_free(m);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_BINDING_NEW], 1);
}

Test(ctl, first_registration_installs_answers_and_announces)
{
	struct mipha_binding *b;
	struct rte_mbuf *m;
	const struct rte_arp_hdr *arp;

	register_mn();
	b = mipha_binding_lookup(dp.bt, home);
	cr_assert_not_null(b);
	cr_assert_eq(mipha_binding_coa(mipha_binding_load(b)), coa);
	cr_assert_eq(mipha_binding_expiry(mipha_binding_load(b)), (uint32_t)(t0 >> 32) + 1800);
	/* Gratuitous ARP on the home port, from control's queue. */
	m = dp_ctl_sent(DP_PORT_HOME);
	cr_assert_not_null(m, "no gratuitous ARP on the home port");
	arp = rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *, sizeof(struct rte_ether_hdr));
	cr_assert_eq(arp->arp_data.arp_sip, home);
	cr_assert_eq(arp->arp_data.arp_tip, home);
	cr_assert(rte_is_same_ether_addr(&arp->arp_data.arp_sha, &dp_mac_home));
	rte_pktmbuf_free(m);
	cr_assert_null(dp_ctl_sent(DP_PORT_HOME));
	cr_assert_null(dp_ctl_sent(DP_PORT_UP));
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_GARP], 1);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_REPLY_ACCEPTED], 1);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = ntohl(*(const uint32_t *)a), y = ntohl(*(const uint32_t *)b);

	return x < y ? -1 : x > y;
}

/* Every frame control sent on port: gratuitous ARPs (checked), by sender address. */
static unsigned int garps_sent(int port, const struct rte_ether_addr *mac, uint32_t *sip,
			       unsigned int cap)
{
	struct rte_mbuf *m;
	unsigned int n = 0;

	while ((m = dp_ctl_sent(port)) != NULL) {
		const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		const struct rte_arp_hdr *arp =
			rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *, sizeof(*eh));

		cr_assert_eq(eh->ether_type, rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP));
		cr_assert_eq(arp->arp_data.arp_sip, arp->arp_data.arp_tip, "not gratuitous");
		cr_assert(rte_is_same_ether_addr(&arp->arp_data.arp_sha, mac));
		if (n < cap)
			sip[n] = arp->arp_data.arp_sip;
		n++;
		rte_pktmbuf_free(m);
	}
	return n;
}

/*
 * net_ring's link can be set down and up. control reads links once a period:
 * each change counted, and a home port coming back announces the HA address
 * and every bound home address again; an uplink does not.
 */
Test(ctl, link_changes_counted_and_home_link_up_announces_again)
{
	struct mipha_link *k = &ctl.link;
	uint32_t sip[8];
	uint64_t t;

	register_mn();
	cr_assert_eq(garps_sent(DP_PORT_HOME, &dp_mac_home, sip, 8), 1);
	cr_assert(k->port[DP_PORT_HOME].watched && k->port[DP_PORT_HOME].up);
	cr_assert(k->port[DP_PORT_UP].watched && k->port[DP_PORT_UP].up);
	t = k->next_check;
	cr_assert_eq(mipha_ctl_link_poll(&ctl, t - 1), 0, "read before its period");

	cr_assert_eq(rte_eth_dev_set_link_down(DP_PORT_HOME), 0);
	cr_assert_eq(mipha_ctl_link_poll(&ctl, t), 1);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_LINK_DOWN], 1);
	cr_assert_not(k->port[DP_PORT_HOME].up);
	cr_assert_eq(garps_sent(DP_PORT_HOME, &dp_mac_home, sip, 8), 0);
	/* Up again, seen at the next period: counted, and the announcement's first burst. */
	cr_assert_eq(rte_eth_dev_set_link_up(DP_PORT_HOME), 0);
	cr_assert_eq(mipha_ctl_link_poll(&ctl, t + k->period / 2), 0);
	cr_assert_eq(dp.conf.nb_ha_addrs, 2);
	cr_assert_eq(mipha_ctl_link_poll(&ctl, t + k->period), 1 + 3);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_LINK_UP], 1);
	cr_assert_eq(k->port[DP_PORT_HOME].changes, 2);
	cr_assert_eq(garps_sent(DP_PORT_HOME, &dp_mac_home, sip, 8), 3);
	cr_assert_eq(sip[0], dp.conf.ha_addr[0], "the HA addresses first");
	cr_assert_eq(sip[1], dp.conf.ha_addr[1]);
	cr_assert_eq(sip[2], home, "then the bound home address");
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_LINK_GARP], 3);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_GARP], 1, "new-binding announcements apart");
	cr_assert_null(dp_ctl_sent(DP_PORT_UP));
	cr_assert_eq(k->n, 0, "announcement over");

	/* The uplink: counted both ways, nothing announced. */
	t += k->period;
	cr_assert_eq(rte_eth_dev_set_link_down(DP_PORT_UP), 0);
	cr_assert_eq(mipha_ctl_link_poll(&ctl, t + k->period), 1);
	cr_assert_eq(rte_eth_dev_set_link_up(DP_PORT_UP), 0);
	cr_assert_eq(mipha_ctl_link_poll(&ctl, t + 2 * k->period), 1);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_LINK_DOWN], 2);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_LINK_UP], 2);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_LINK_GARP], 3);
	cr_assert_null(dp_ctl_sent(DP_PORT_UP));
	cr_assert_null(dp_ctl_sent(DP_PORT_HOME));
}

/*
 * Many bindings: the announcement goes out MIPHA_LINK_GARP_BURST a
 * millisecond, skips a binding removed meanwhile, sends each address once,
 * and when the tx queue is full it stops and goes on from that address at
 * the next burst (nothing skipped).
 */
Test(ctl, home_link_announcement_is_paced_and_skips_removed_bindings)
{
	struct mipha_link *k = &ctl.link;
	struct rte_ring *txr = dp_ctl_tx_ring(DP_PORT_HOME);
	const unsigned int nb = 150, room = 10;
	uint64_t t, ms = rte_get_timer_hz() / 1000;
	unsigned int total = 0, burst, fill;
	uint32_t sip[MIPHA_LINK_GARP_BURST], seen[2 + 150];
	struct rte_mbuf *dummy = rte_pktmbuf_alloc(dp.mp);

	cr_assert_not_null(dummy);
	for (unsigned int i = 0; i < nb; i++) {
		struct mipha_expiry_ent e = { .expiry = (uint32_t)(t0 >> 32) + 600,
					      .home_addr = htonl(0x0a020000 + i), .gen = 1000 + i };

		cr_assert_eq(mipha_binding_install(dp.bt, e.home_addr, coa, e.expiry, 0, e.gen, NULL), 0);
		cr_assert_eq(mipha_expiry_push(&ctl.expiry, &e), 0);
	}
	cr_assert_eq(rte_eth_dev_set_link_down(DP_PORT_HOME), 0);
	t = k->next_check;
	mipha_ctl_link_poll(&ctl, t);
	cr_assert_eq(rte_eth_dev_set_link_up(DP_PORT_HOME), 0);
	/* The tx queue has room for 10 frames only. */
	fill = rte_ring_free_count(txr) - room;
	for (unsigned int i = 0; i < fill; i++)
		cr_assert_eq(rte_ring_enqueue(txr, dummy), 0);
	t += k->period;
	mipha_ctl_link_poll(&ctl, t);
	cr_assert_eq(k->n, 2 + nb);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_LINK_GARP], room);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_DROP_TX_FULL], 1);
	for (unsigned int i = 0; i < fill; i++)
		cr_assert_eq(dp_ctl_sent(DP_PORT_HOME), dummy);
	rte_pktmbuf_free(dummy);
	total = garps_sent(DP_PORT_HOME, &dp_mac_home, seen, room);
	cr_assert_eq(total, room);
	/* Not before a millisecond has passed. */
	cr_assert_eq(mipha_ctl_link_poll(&ctl, t + ms - 1), 0);
	/* Removed meanwhile: not announced. */
	cr_assert_eq(mipha_binding_remove(dp.bt, htonl(0x0a020000 + nb - 1)), 0);
	for (unsigned int i = 1; i < 10 && k->n != 0; i++) {
		mipha_ctl_link_poll(&ctl, t + i * ms);
		burst = garps_sent(DP_PORT_HOME, &dp_mac_home, sip, MIPHA_LINK_GARP_BURST);
		cr_assert_leq(burst, MIPHA_LINK_GARP_BURST);
		for (unsigned int j = 0; j < burst; j++)
			seen[total + j] = sip[j];
		total += burst;
	}
	cr_assert_eq(k->n, 0);
	cr_assert_eq(total, 2 + nb - 1);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_LINK_GARP], 2 + nb - 1);
	/* The HA addresses first, then every binding but the removed one, each once. */
	cr_assert_eq(seen[0], dp.conf.ha_addr[0]);
	cr_assert_eq(seen[1], dp.conf.ha_addr[1]);
	qsort(seen + 2, nb - 1, sizeof(seen[0]), cmp_u32);
	for (unsigned int i = 0; i < nb - 1; i++)
		cr_assert_eq(ntohl(seen[2 + i]), 0x0a020000 + i, "address %u missing or twice", i);
}

/*
 * [port] tx_queues = 1 (a memif peer with one ring, a NIC with few queues):
 * the worker and the control lcore share queue 0 under its lock. Control's
 * reply and gratuitous ARP, and the worker's fast-path reply, all leave on
 * queue 0; nothing goes to queue 1, which the peer would not read.
 */
Test(ctl, lcores_share_a_tx_queue_under_its_lock)
{
	static rte_spinlock_t locks[2][1];
	struct rte_mbuf *m;
	const uint8_t *p;
	uint16_t len;

	for (int port = 0; port < 2; port++) {
		rte_spinlock_init(&locks[port][0]);
		dp.conf.port[port].nb_txq = 1;
		dp.conf.port[port].txq_lock = locks[port];
	}
	cr_assert_eq(worker_takes(dp_frame_rrq(coa, ha, 434, rereg_rrq, (uint16_t)rereg_rrq_len)), 1);
	cr_assert_geq(mipha_ctl_poll(&ctl), 1);
	cr_assert_null(dp_ctl_sent(DP_PORT_UP), "on control's own queue");
	cr_assert_null(dp_ctl_sent(DP_PORT_HOME));
	m = dp_ctl_sent_q(DP_PORT_UP, 0);
	cr_assert_not_null(m, "control's reply not on the shared queue");
	p = dp_reply_payload(m, &len);
	cr_assert_eq(len, rereg_rrp_len);
	cr_assert_arr_eq(p, rereg_rrp, len);
	rte_pktmbuf_free(m);
	m = dp_ctl_sent_q(DP_PORT_HOME, 0);
	cr_assert_not_null(m, "the gratuitous ARP not on the shared queue");
	cr_assert_eq(rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->ether_type,
		     rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP));
	rte_pktmbuf_free(m);
	/* The worker's own reply to an exact copy, flushed to the same queue. */
	mipha_worker_process(&dp.w, (struct rte_mbuf *[]){ dp_frame_rrq(coa, ha, 434, rereg_rrq,
							 (uint16_t)rereg_rrq_len) }, 1);
	cr_assert_eq(mipha_worker_tx_flush(&dp.w), 1);
	m = dp_ctl_sent_q(DP_PORT_UP, 0);
	cr_assert_not_null(m, "the worker's reply not on queue 0");
	rte_pktmbuf_free(m);
	cr_assert_null(dp_ctl_sent_q(DP_PORT_UP, 1));
	cr_assert_null(dp_ctl_sent_q(DP_PORT_HOME, 1));
	for (int port = 0; port < 2; port++) {
		cr_assert_not(rte_spinlock_is_locked(&locks[port][0]), "lock left held");
		dp.conf.port[port].nb_txq = 0;
		dp.conf.port[port].txq_lock = NULL;
	}
}

Test(ctl, binding_expires_exactly_at_its_lifetime)
{
	uint32_t s0 = (uint32_t)(t0 >> 32);

	register_mn();
	set_clock(sec(s0 + 1799));
	mipha_ctl_poll(&ctl);
	cr_assert_not_null(mipha_binding_lookup(dp.bt, home), "removed a second early");
	set_clock(sec(s0 + 1800));
	mipha_ctl_poll(&ctl);
	cr_assert_null(mipha_binding_lookup(dp.bt, home), "not removed at its expiry");
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_BINDING_EXPIRED], 1);
	cr_assert_eq(ctl.expiry.n, 0, "expiry entry left behind");
}

Test(ctl, refreshed_binding_is_rearmed_not_removed)
{
	uint32_t s0 = (uint32_t)(t0 >> 32);
	struct mipha_binding *b;

	register_mn();
	b = mipha_binding_lookup(dp.bt, home);
	/* What a worker's fast-path re-registration does. */
	mipha_binding_refresh(b, coa, s0 + 2500, 0);
	set_clock(sec(s0 + 1800));
	mipha_ctl_poll(&ctl);
	cr_assert_not_null(mipha_binding_lookup(dp.bt, home), "removed a refreshed binding");
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_EXPIRY_REARMED], 1);
	set_clock(sec(s0 + 2499));
	mipha_ctl_poll(&ctl);
	cr_assert_not_null(mipha_binding_lookup(dp.bt, home));
	set_clock(sec(s0 + 2500));
	mipha_ctl_poll(&ctl);
	cr_assert_null(mipha_binding_lookup(dp.bt, home));
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_BINDING_EXPIRED], 1);
}

Test(ctl, stale_expiry_entry_does_not_remove_a_reinstalled_binding)
{
	uint32_t s0 = (uint32_t)(t0 >> 32);

	register_mn();
	/* Removed and installed again by someone else: the old entry is stale. */
	cr_assert_eq(mipha_binding_remove(dp.bt, home), 0);
	cr_assert_eq(mipha_binding_install(dp.bt, home, coa, s0 + 5000, 0, 999999, NULL), 0);
	set_clock(sec(s0 + 1800));
	mipha_ctl_poll(&ctl);
	cr_assert_not_null(mipha_binding_lookup(dp.bt, home));
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_BINDING_EXPIRED], 0);
}

Test(ctl, table_full_gets_130_signed)
{
	struct rte_mbuf *m;
	const uint8_t *p;
	uint16_t len;
	uint32_t i, filled = 0;

	for (i = 0; i < 100000; i++) {
		uint32_t a = htonl(0x0a020000u + i); /* 10.2.x.y: never the MN */

		if (mipha_binding_install(dp.bt, a, coa, 0xffffffffu, 0, 0, NULL) != 0)
			break;
		filled++;
	}
	cr_assert_lt(i, 100000, "binding table never filled");
	cr_assert_eq(worker_takes(dp_frame_rrq(coa, ha, 434, rereg_rrq, (uint16_t)rereg_rrq_len)), 1);
	mipha_ctl_poll(&ctl);
	m = dp_ctl_sent(DP_PORT_UP);
	cr_assert_not_null(m);
	p = dp_reply_payload(m, &len);
	cr_assert_eq(p[0], MIP_TYPE_RRP);
	cr_assert_eq(p[1], MIP_CODE_INSUFFICIENT_RESOURCES);
	/* Signed with the SA: the MHAE closes the reply and verifies. */
	struct mip_msg r;
	struct mip_parse_cfg pc;

	mip_parse_cfg_default(&pc);
	cr_assert_eq(mip_parse(p, len, &pc, &r), MIP_OK);
	cr_assert(mip_auth_verify(&r, MIP_ALG_HMAC_MD5, &skey2));
	rte_pktmbuf_free(m);
	cr_assert_null(mipha_binding_lookup(dp.bt, home));
	cr_assert_null(dp_ctl_sent(DP_PORT_HOME), "announced a binding that does not exist");
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_REPLY_130], 1);
	cr_assert_gt(filled, 0);
}

Test(ctl, deregistration_without_binding_is_accepted)
{
	uint8_t buf[128];
	struct mip_builder b;
	struct mip_msg r;
	struct mip_parse_cfg pc;
	const char *nai = dp_vec_str("inputs", "nai");
	uint64_t ident = t0 + sec(1);
	size_t off;
	struct rte_mbuf *m;
	const uint8_t *p;
	uint16_t len;

	mip_builder_init(&b, buf, sizeof(buf));
	mip_put_rrq_hdr(&b, 0, 0, home, ha, coa, ident);
	mip_put_nai(&b, nai, strlen(nai));
	off = mip_put_auth(&b, MIP_EXT_MHAE, (uint32_t)dp_vec_u64("inputs", "spi2"), 16);
	cr_assert_eq(b.err, 0);
	cr_assert_eq(mip_auth_sign(buf, off, MIP_ALG_HMAC_MD5, &skey2), 0);
	set_clock(ident);
	cr_assert_eq(worker_takes(dp_frame_rrq(coa, ha, 434, buf, (uint16_t)b.len)), 1);
	mipha_ctl_poll(&ctl);
	m = dp_ctl_sent(DP_PORT_UP);
	cr_assert_not_null(m);
	p = dp_reply_payload(m, &len);
	mip_parse_cfg_default(&pc);
	cr_assert_eq(mip_parse(p, len, &pc, &r), MIP_OK);
	cr_assert_eq(r.code, MIP_CODE_ACCEPTED);
	cr_assert_eq(r.lifetime, 0);
	cr_assert_eq(r.ident, ident);
	cr_assert(r.present & MIP_HAS_NAI);
	cr_assert(mip_auth_verify(&r, MIP_ALG_HMAC_MD5, &skey2));
	rte_pktmbuf_free(m);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_DEREG_UNBOUND], 1);
}

Test(ctl, duplicate_handed_to_control_gets_the_same_reply)
{
	struct mipha_ctrl_msg msg;
	struct rte_mbuf *m, *copy;
	const uint8_t *p;
	uint16_t len;

	register_mn();
	m = dp_ctl_sent(DP_PORT_HOME); /* the gratuitous ARP */
	rte_pktmbuf_free(m);
	/* As a worker would hand over an exact copy. */
	copy = dp_frame_rrq(coa, ha, 434, rereg_rrq, (uint16_t)rereg_rrq_len);
	copy->l2_len = sizeof(struct rte_ether_hdr); /* the classifier's work (ctrl_msg.h) */
	copy->l3_len = sizeof(struct rte_ipv4_hdr);
	copy->l4_len = sizeof(struct rte_udp_hdr);
	memset(&msg, 0, sizeof(msg));
	msg.m = copy;
	msg.sa = mipha_sa_lookup(dp.st, home, (uint32_t)dp_vec_u64("inputs", "spi2"));
	msg.cls = MIPHA_CTRL_DUPLICATE;
	msg.port = DP_PORT_UP;
	msg.rrq_off = sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) +
		      sizeof(struct rte_udp_hdr);
	msg.rrq_len = (uint16_t)rereg_rrq_len;
	msg.ha_addr = ha;
	cr_assert_not_null(msg.sa);
	mipha_ctl_handle(&ctl, &msg);
	m = dp_ctl_sent(DP_PORT_UP);
	cr_assert_not_null(m);
	p = dp_reply_payload(m, &len);
	cr_assert_eq(len, rereg_rrp_len);
	cr_assert_arr_eq(p, rereg_rrp, len);
	rte_pktmbuf_free(m);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_REPLY_DUPLICATE], 1);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_BINDING_NEW], 1, "a duplicate installed again");
}

Test(ctl, initial_dynkey_rrq_gets_131_without_mhae)
{
	uint8_t rrq[256];
	size_t len = dp_vec_hex("initial_rrq", NULL, rrq, sizeof(rrq));
	uint32_t src = dp_ip(dp_vec_str("inputs", "care_of"));
	struct mip_parse_cfg pc = dp.conf.parse;
	struct mip_msg r;
	struct rte_mbuf *m;
	const uint8_t *p;
	uint16_t plen;

	cr_assert_eq(worker_takes(dp_frame_rrq(src, ha, 434, rrq, (uint16_t)len)), 1);
	mipha_ctl_poll(&ctl);
	m = dp_ctl_sent(DP_PORT_UP);
	cr_assert_not_null(m);
	p = dp_reply_payload(m, &plen);
	cr_assert_eq(mip_parse(p, plen, &pc, &r), MIP_OK);
	cr_assert_eq(r.code, MIP_CODE_MN_FAILED_AUTH);
	cr_assert_not(r.present & MIP_HAS_MHAE, "131 must not carry an MHAE");
	cr_assert(r.present & MIP_HAS_NAI);
	rte_pktmbuf_free(m);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_REPLY_131_DYNKEY], 1);
	cr_assert_null(mipha_binding_lookup(dp.bt, home));
}

Test(ctl, bad_messages_are_dropped_and_counted)
{
	struct mipha_ctrl_msg msg;

	/* RRQ length past the frame: not re-parsed from beyond the mbuf. */
	memset(&msg, 0, sizeof(msg));
	msg.m = dp_frame_rrq(coa, ha, 434, rereg_rrq, (uint16_t)rereg_rrq_len);
	msg.cls = MIPHA_CTRL_NEW_BINDING;
	msg.rrq_off = 42;
	msg.rrq_len = 2000;
	mipha_ctl_handle(&ctl, &msg);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_DROP_MALFORMED], 1);
	/* A "verified" class without its SA. */
	msg.m = dp_frame_rrq(coa, ha, 434, rereg_rrq, (uint16_t)rereg_rrq_len);
	msg.rrq_len = (uint16_t)rereg_rrq_len;
	msg.sa = NULL;
	mipha_ctl_handle(&ctl, &msg);
	cr_assert_eq(ctl.cnt[MIPHA_CTL_CNT_DROP_UNEXPECTED], 1);
	/* Nothing was sent, nothing installed, every mbuf went back to the pool. */
	cr_assert_null(dp_ctl_sent(DP_PORT_UP));
	cr_assert_null(mipha_binding_lookup(dp.bt, home));
	cr_assert_eq(rte_mempool_in_use_count(dp.mp), 0);
}

static void *ctl_thread(void *arg)
{
	(void)arg;
	mipha_ctl_loop(&ctl);
	return NULL;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/*
 * The idle control lcore sleeps on its doorbell, 2 s a sleep here: a worker
 * that hands it a first registration rings the bell, and the reply comes
 * long before the sleep would have ended; the bell ends the last sleep too,
 * as telemetry's does. Without the bell the reply would wait out the sleep
 * (the bound of 1 s catches it; nothing here measures speed).
 */
Test(ctl, doorbell_wakes_the_sleeping_control_lcore)
{
	struct mipha_ctrl_bell bell;
	struct rte_mbuf *m = NULL;
	pthread_t th;
	uint64_t t;

	cr_assert_eq(mipha_ctrl_bell_init(&bell), 0);
	ctl.p.bell = &bell;
	ctl.p.idle_sleep_us = 2000000;
	ctl.p.idle_sleep_max_us = 2000000;
	dp.w.p.ctrl_bell = &bell;
	dp.quit = false;
	cr_assert_eq(pthread_create(&th, NULL, ctl_thread, NULL), 0);
	/* Asleep: waiting on the bell (after idle_polls empty polls). */
	t = now_us();
	while (__atomic_load_n(&bell.sleeping, __ATOMIC_ACQUIRE) == 0 && now_us() - t < 1000000)
		usleep(1000);
	cr_assert_eq(__atomic_load_n(&bell.sleeping, __ATOMIC_ACQUIRE), 1,
		     "control is not waiting on its doorbell");

	/* Control runs meanwhile: count what the worker handed over, not the ring. */
	m = dp_frame_rrq(coa, ha, 434, rereg_rrq, (uint16_t)rereg_rrq_len);
	mipha_worker_process(&dp.w, &m, 1);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_REG_TO_CTRL], 1);
	m = NULL;
	t = now_us();
	while ((m = dp_ctl_sent(DP_PORT_UP)) == NULL && now_us() - t < 1000000)
		usleep(200);
	cr_assert_not_null(m, "no reply within 1 s: the doorbell did not wake control");
	rte_pktmbuf_free(m);
	m = dp_ctl_sent(DP_PORT_HOME);	/* the gratuitous ARP */
	rte_pktmbuf_free(m);
	cr_assert_eq(__atomic_load_n(&bell.rings, __ATOMIC_RELAXED), 1);
	cr_assert_eq(__atomic_load_n(&ctl.cnt[MIPHA_CTL_CNT_BINDING_NEW], __ATOMIC_RELAXED), 1);

	/* Asleep again: the bell ends that sleep at once too. */
	t = now_us();
	while (__atomic_load_n(&bell.sleeping, __ATOMIC_ACQUIRE) == 0 && now_us() - t < 1000000)
		usleep(1000);
	__atomic_store_n(&dp.quit, true, __ATOMIC_RELEASE);
	t = now_us();
	mipha_ctrl_bell_ring(&bell);
	pthread_join(th, NULL);
	cr_assert_lt(now_us() - t, 1000000, "the bell did not end the sleep");
	cr_assert_eq(__atomic_load_n(&bell.rings, __ATOMIC_RELAXED), 2);
	dp.quit = false;
	dp.w.p.ctrl_bell = NULL;
	ctl.p.bell = NULL;
	mipha_ctrl_bell_fini(&bell);
}
