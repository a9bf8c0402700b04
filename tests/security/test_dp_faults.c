/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Issue 8, fault injection on the worker (EAL --no-huge, the dataplane
 * tests' harness tests/dataplane/dp_test.c, read from there):
 *  - the worker-to-control ring full: what does not fit is dropped and
 *    counted, no mbuf is lost, and the MN's retransmission gets through once
 *    control has drained the ring;
 *  - the HA's clock stepped forward and back under a bound MN with a static
 *    SA: every answer is an authenticated 133 carrying the HA's time, the
 *    binding and the replay state never move backwards, and the MN
 *    registers again as soon as the spec's rules allow.
 */
#include <criterion/criterion.h>
#include <string.h>

#include <rte_mempool.h>
#include <rte_ring.h>

#include "dp_test.h"
#include "mip.h"

static uint32_t home, ha, coa;
static uint64_t ident0;

static void setup(void)
{
	dp_setup("sec_dp_faults");
	home = dp_ip(dp_vec_str("inputs", "home_address"));
	ha = dp_ip(dp_vec_str("inputs", "home_agent"));
	coa = dp_ip(dp_vec_str("inputs", "care_of"));
	cr_assert_eq(mip_ident_from_hex(dp_vec_str("inputs", "identification"), &ident0), 0);
}

TestSuite(dp_faults, .init = setup, .fini = dp_teardown, .timeout = 60);

/* ---- the control ring full ---- */

static struct rte_mbuf *initial_frame(uint16_t sport)
{
	uint8_t rrq[1024];
	size_t n = dp_vec_hex("initial_rrq", NULL, rrq, sizeof(rrq));

	return dp_frame_rrq(coa, ha, sport, rrq, (uint16_t)n);
}

static unsigned int drain(struct rte_ring *r)
{
	struct mipha_ctrl_msg msg[32];
	unsigned int n, total = 0;

	while ((n = mipha_ctrl_recv(r, msg, 32)) != 0) {
		for (unsigned int i = 0; i < n; i++)
			rte_pktmbuf_free(msg[i].m);
		total += n;
	}
	return total;
}

Test(dp_faults, control_ring_full_drops_counted_then_retransmission_passes)
{
	struct rte_ring *small = mipha_ctrl_ring_create("sec_small_ring", 4, SOCKET_ID_ANY);
	struct rte_mbuf *burst[8];
	unsigned int avail0 = rte_mempool_avail_count(dp.mp), cap;
	uint64_t full0 = dp.w.cnt.v[MIPHA_CNT_DROP_CTRL_RING_FULL];

	cr_assert_not_null(small);
	cap = rte_ring_get_capacity(small);
	cr_assert_lt(cap, 8);
	dp.w.p.ctrl_ring = small;
	/* 8 initial RRQs (each a new exchange for control) at once */
	for (uint16_t i = 0; i < 8; i++)
		burst[i] = initial_frame((uint16_t)(40000 + i));
	mipha_worker_process(&dp.w, burst, 8);
	cr_assert_eq(rte_ring_count(small), cap, "ring holds %u, capacity %u",
		     rte_ring_count(small), cap);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_CTRL_RING_FULL] - full0, 8 - cap);
	cr_assert_eq(dp.w.tx[DP_PORT_UP].n, 0, "a dropped RRQ is not answered");
	/* control drains; no mbuf was lost or freed twice */
	cr_assert_eq(drain(small), cap);
	dp_tx_clear();
	cr_assert_eq(rte_mempool_avail_count(dp.mp), avail0, "mbufs lost");
	/* the MN's retransmission (a new RRQ) gets through */
	burst[0] = initial_frame(40100);
	mipha_worker_process(&dp.w, burst, 1);
	cr_assert_eq(rte_ring_count(small), 1);
	cr_assert_eq(dp.w.cnt.v[MIPHA_CNT_DROP_CTRL_RING_FULL] - full0, 8 - cap);
	cr_assert_eq(drain(small), 1);
	dp.w.p.ctrl_ring = dp.ring;
	rte_ring_free(small);
	cr_assert_eq(rte_mempool_avail_count(dp.mp), avail0, "mbufs lost");
}

/* ---- the HA's clock stepped ---- */

static struct mip_key key;

static uint16_t rrq(uint8_t *buf, uint64_t ident)
{
	struct mip_builder b;
	const char *nai = dp_vec_str("inputs", "nai");
	size_t off;

	mip_builder_init(&b, buf, 512);
	mip_put_rrq_hdr(&b, 0, 600, home, ha, coa, ident);
	mip_put_nai(&b, nai, strlen(nai));
	off = mip_put_auth(&b, MIP_EXT_MHAE, 4097, 16);
	cr_assert_eq(b.err, 0);
	cr_assert_eq(mip_auth_sign(buf, off, MIP_ALG_HMAC_MD5, &key), 0);
	return (uint16_t)b.len;
}

/* Sends one RRQ at HA time now; returns the reply (checked authentic). */
static void exchange(uint64_t now, uint64_t ident, struct mip_msg *r, uint8_t *got)
{
	uint8_t q[512];
	uint16_t n = rrq(q, ident), len;
	struct rte_mbuf *m = dp_frame_rrq(coa, ha, 434, q, n);
	struct mip_parse_cfg cfg;
	const uint8_t *p;

	dp.conf.clock.fixed_ntp = now;
	mipha_worker_process(&dp.w, &m, 1);
	cr_assert_eq(dp.w.tx[DP_PORT_UP].n, 1, "no reply");
	p = dp_reply_payload(dp.w.tx[DP_PORT_UP].m[0], &len);
	memcpy(got, p, len);
	dp_tx_clear();
	mip_parse_cfg_default(&cfg);
	cr_assert_eq(mip_parse(got, len, &cfg, r), MIP_OK);
	cr_assert(mip_auth_verify(r, MIP_ALG_HMAC_MD5, &key), "reply not authenticated");
}

static uint64_t at(uint64_t base, int64_t sec)
{
	return (uint64_t)((int64_t)(base >> 32) + sec) << 32 | (base & 0xffffffffull);
}

Test(dp_faults, ha_clock_stepped_forward_and_back)
{
	uint8_t got[512];
	struct mip_msg r;
	struct mipha_binding *b;
	struct mipha_sa *sa;
	uint64_t t = ident0, packed, last;

	memset(key.b, 0x3c, sizeof(key.b));
	sa = dp_static_sa(home, 4097, MIP_ALG_HMAC_MD5, &key);
	cr_assert_eq(mipha_binding_install(dp.bt, home, coa, mip_ntp_sec(t) + 600, 0, 0, &b), 0);

	/* in step: accepted */
	exchange(t, at(t, 1), &r, got);
	cr_assert_eq(r.code, MIP_CODE_ACCEPTED);
	last = mipha_sa_last_ident(sa);
	cr_assert_eq(last, at(t, 1));

	/* the HA's clock jumps 1000 s ahead: the MN's RRQ is out of the window */
	exchange(at(t, 1000), at(t, 2), &r, got);
	cr_assert_eq(r.code, MIP_CODE_ID_MISMATCH);
	cr_assert_eq(r.ident >> 32, at(t, 1000) >> 32, "133 without the HA's time");
	cr_assert_eq(mipha_sa_last_ident(sa), last, "replay state moved on a 133");
	/* the MN takes the HA's time from the 133 and registers */
	exchange(at(t, 1000), at(t, 1000) + 1, &r, got);
	cr_assert_eq(r.code, MIP_CODE_ACCEPTED);
	last = mipha_sa_last_ident(sa);
	packed = mipha_binding_load(b);

	/* the HA's clock steps back 990 s: the MN's next RRQ is ahead of it */
	exchange(at(t, 10), at(t, 1001), &r, got);
	cr_assert_eq(r.code, MIP_CODE_ID_MISMATCH);
	cr_assert_eq(r.ident >> 32, at(t, 10) >> 32);
	/*
	 * The MN resyncs to the HA's time, but that is below the last accepted
	 * Identification: spec section 8 refuses it (133 again) until the HA's
	 * clock passes that Identification. The binding and the replay state
	 * stay as they were; nothing moves backwards.
	 */
	exchange(at(t, 10), at(t, 10) + 1, &r, got);
	cr_assert_eq(r.code, MIP_CODE_ID_MISMATCH);
	cr_assert_eq(mipha_sa_last_ident(sa), last);
	cr_assert_eq(mipha_binding_load(b), packed, "binding changed by a refused RRQ");
	/* once the HA's clock passes it, the MN registers again */
	exchange(at(t, 1002), at(t, 1002) + 1, &r, got);
	cr_assert_eq(r.code, MIP_CODE_ACCEPTED);
	cr_assert_gt(mipha_sa_last_ident(sa), last);
}
