/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The registration fast path (spec sections 7 and 8): a burst of RRQs is
 * parsed, looked up in bulk, verified in one ipsec-mb batch, checked for
 * duplicates and replay, and the re-registrations of bound MNs are answered
 * here with replies signed in a second batch. Whatever needs AAA, key
 * derivation or table changes goes to control with its mbuf.
 */
#include <string.h>

#include <rte_udp.h>

#include "mip_auth.h"
#include "mip_ntp.h"
#include "mip_wire.h"

#include "binding_table.h"
#include "ctrl_msg.h"
#include "pkt.h"
#include "sa_table.h"

/* RFC 5944 3.4: requested encapsulation unavailable (libmip names only the codes it needs) */
#define MIPHA_CODE_ENCAP_UNAVAILABLE 139

/* One RRQ of the burst and what the stages learnt about it. */
struct mipha_reg_item {
	struct rte_mbuf *m;
	uint8_t *rrq;
	uint16_t rrq_off;
	uint16_t rrq_len;
	uint32_t ha_addr;		/* IPv4 destination: ours */
	struct mip_msg msg;
	struct mipha_sa *sa;
	const struct mipha_sa_key *key;
	struct mipha_binding *binding;	/* looked up in bulk with the SA */
	/* reply to sign (rrp in w->scratch[slot]) */
	uint16_t rrp_len;
	uint16_t auth_off;
	uint8_t code;
	uint16_t lifetime;
	bool store_dup;
};

static void mipha_reg_to_ctrl(struct mipha_worker *w, struct mipha_reg_item *it,
			      enum mipha_ctrl_class cls, struct mipha_sa *sa, uint32_t verified_spi)
{
	struct mipha_ctrl_msg msg = {
		.m = it->m,
		.sa = sa,
		.cls = (uint8_t)cls,
		.worker = (uint8_t)w->p.id,
		.port = it->m->port,
		.rrq_off = it->rrq_off,
		.rrq_len = it->rrq_len,
		.ha_addr = it->ha_addr,
		.verified_spi = verified_spi,
	};

	if (w->p.ctrl_ring == NULL || mipha_ctrl_send(w->p.ctrl_ring, &msg) != 0) {
		mipha_drop(w, it->m, MIPHA_CNT_DROP_CTRL_RING_FULL);
		return;
	}
	mipha_ctrl_bell_ring(w->p.ctrl_bell);
	mipha_cnt_inc(&w->cnt, MIPHA_CNT_REG_TO_CTRL);
}

static void mipha_reg_prev_retired(struct mipha_worker *w, struct mipha_sa *sa)
{
	struct mipha_ctrl_msg msg = {
		.sa = sa,
		.cls = MIPHA_CTRL_PREV_RETIRED,
		.worker = (uint8_t)w->p.id,
	};

	mipha_cnt_inc(&w->cnt, MIPHA_CNT_PREV_KEY_RETIRED);
	/* a full ring only delays the wipe to the binding's end (spec section 7) */
	if (w->p.ctrl_ring != NULL && mipha_ctrl_send(w->p.ctrl_ring, &msg) == 0)
		mipha_ctrl_bell_ring(w->p.ctrl_bell);
}

/* Frames the RRP in scratch (rrp_len bytes) and queues it on the rx port. */
static void mipha_reg_send(struct mipha_worker *w, struct mipha_reg_item *it, const uint8_t *rrp,
			   uint16_t rrp_len)
{
	if (mipha_reply_frame(it->m, it->rrq_off, rrp, rrp_len, it->ha_addr) != 0) {
		mipha_drop(w, it->m, MIPHA_CNT_DROP_TOO_BIG);
		return;
	}
	mipha_tx_put(w, it->m->port, it->m);
}

uint16_t mipha_rrp_build(uint8_t *buf, size_t cap, const struct mip_msg *q, uint8_t code,
			 uint16_t lifetime, uint32_t ha, uint64_t ident, uint32_t spi,
			 uint16_t *auth_off)
{
	struct mip_builder b;
	size_t off = 0;

	mip_builder_init(&b, buf, cap);
	mip_put_rrp_hdr(&b, code, lifetime, q->home_addr, ha, ident);
	if ((q->present & MIP_HAS_NAI) != 0)
		mip_put_nai(&b, (const char *)q->nai.p, q->nai.len);
	if (spi != 0)
		off = mip_put_auth(&b, MIP_EXT_MHAE, spi, MIP_MD5_AUTH_LEN);
	if (b.err != 0)
		return 0;
	*auth_off = (uint16_t)off;
	return (uint16_t)b.len;
}

/* An unauthenticated denial (131, 136) built from the parsed RRQ, sent now. */
static void mipha_reg_deny(struct mipha_worker *w, struct mipha_reg_item *it, uint8_t code,
			   uint32_t ha, uint8_t *scratch)
{
	uint16_t auth_off, len;

	len = mipha_rrp_build(scratch, sizeof(w->scratch[0]), &it->msg, code, 0, ha, it->msg.ident,
			      0, &auth_off);
	if (len == 0) {
		mipha_drop(w, it->m, MIPHA_CNT_DROP_TOO_BIG);
		return;
	}
	mipha_reg_send(w, it, scratch, len);
}

/*
 * A poorly formed RRQ: 134 (or 140 for vendor extensions) when its fixed
 * header is readable, from the raw bytes; otherwise only counted.
 */
static void mipha_reg_malformed(struct mipha_worker *w, struct mipha_reg_item *it,
				enum mip_err err, uint8_t *scratch)
{
	struct mip_builder b;
	const uint8_t *q = it->rrq;
	uint32_t home;
	uint64_t ident;

	mipha_cnt_inc(&w->cnt, MIPHA_CNT_DROP_REG_MALFORMED);
	w->cnt.reg_malformed[err]++;
	if (it->rrq_len < MIP_RRQ_HDR_LEN || q[0] != MIP_TYPE_RRQ) {
		rte_pktmbuf_free(it->m);
		return;
	}
	memcpy(&home, q + 4, 4);
	memcpy(&ident, q + 16, 8);
	ident = rte_be_to_cpu_64(ident);
	mip_builder_init(&b, scratch, sizeof(w->scratch[0]));
	mip_put_rrp_hdr(&b, mip_err_code(err), 0, home, it->ha_addr, ident);
	if (b.err != 0) {
		rte_pktmbuf_free(it->m);
		return;
	}
	mipha_cnt_inc(&w->cnt, MIPHA_CNT_REG_POORLY_FORMED);
	mipha_reg_send(w, it, scratch, (uint16_t)b.len);
}

/* UDP sane (length = IP payload, checksum when present); sets the RRQ's place. */
static bool mipha_reg_udp_ok(struct mipha_reg_item *it)
{
	struct rte_mbuf *m = it->m;
	struct rte_ipv4_hdr *ip = mipha_pkt_ip(m);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)((uint8_t *)ip + m->l3_len);
	uint16_t total = rte_be_to_cpu_16(ip->total_length);
	uint16_t ulen = rte_be_to_cpu_16(udp->dgram_len);

	if (ulen < sizeof(*udp) || ulen != total - m->l3_len)
		return false;
	if (udp->dgram_cksum != 0 && !mipha_ipv4_l4_cksum_ok(ip, udp))
		return false;
	m->l4_len = sizeof(*udp);
	it->rrq_off = m->l2_len + m->l3_len + sizeof(*udp);
	it->rrq_len = ulen - sizeof(*udp);
	it->rrq = rte_pktmbuf_mtod_offset(m, uint8_t *, it->rrq_off);
	it->ha_addr = ip->dst_addr;
	return true;
}

/*
 * Stage 1: parse and sort. Returns true when the item still needs its SA
 * (everything else was answered, dropped or sent to control here).
 */
static bool mipha_reg_parse(struct mipha_worker *w, struct mipha_reg_item *it, uint8_t *scratch)
{
	enum mip_err err;

	if (!mipha_reg_udp_ok(it)) {
		mipha_drop(w, it->m, MIPHA_CNT_DROP_UDP_MALFORMED);
		return false;
	}
	err = mip_parse(it->rrq, it->rrq_len, &w->conf->parse, &it->msg);
	if (err != MIP_OK) {
		mipha_reg_malformed(w, it, err, scratch);
		return false;
	}
	if (it->msg.type != MIP_TYPE_RRQ) {
		mipha_drop(w, it->m, MIPHA_CNT_DROP_REG_NOT_RRQ);
		return false;
	}
	if (!mipha_is_ha_addr(w->conf, it->msg.ha_addr)) {
		mipha_cnt_inc(&w->cnt, MIPHA_CNT_REG_UNKNOWN_HA_136);
		mipha_reg_deny(w, it, MIP_CODE_UNKNOWN_HA, it->ha_addr, scratch);
		return false;
	}
	if (mip_is_dynkey_initial(&it->msg, &w->conf->parse)) {
		mipha_reg_to_ctrl(w, it, MIPHA_CTRL_INITIAL, NULL, 0);
		return false;
	}
	return true;
}

/*
 * After verification: duplicate, replay, then the action. Returns true when
 * a reply was prepared in scratch and waits for the signing batch.
 */
static bool mipha_reg_verified(struct mipha_worker *w, struct mipha_reg_item *it, uint8_t *scratch)
{
	struct mipha_sa *sa = it->sa;
	const struct mip_msg *q = &it->msg;
	uint32_t spi = it->key->spi;
	struct mipha_sa_dup dup;
	uint64_t last;
	enum mip_replay r;
	uint32_t tol = sa->replay_tolerance != 0 ? sa->replay_tolerance : w->conf->replay_tolerance;

	if (it->key == &sa->key[MIPHA_SA_KEY2] &&
	    __atomic_load_n(&sa->prev_valid, __ATOMIC_ACQUIRE) != 0) {
		uint8_t one = 1;

		if (__atomic_compare_exchange_n(&sa->prev_valid, &one, 0, false, __ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED))
			mipha_reg_prev_retired(w, sa);
	}

	/* spec section 8: an exact copy of the last accepted RRQ gets the same RRP, first */
	switch (mipha_sa_dup_match(sa, it->rrq, it->rrq_len, q->ident, &dup)) {
	case MIPHA_DUP_FAST: {
		uint16_t auth_off, len;

		len = mipha_rrp_build(scratch, sizeof(w->scratch[0]), q, dup.code, dup.lifetime,
				      q->ha_addr, q->ident, dup.spi, &auth_off);
		if (len == 0) {
			mipha_drop(w, it->m, MIPHA_CNT_DROP_TOO_BIG);
			return false;
		}
		memcpy(scratch + auth_off, dup.auth, MIP_MD5_AUTH_LEN);
		mipha_cnt_inc(&w->cnt, MIPHA_CNT_REG_DUPLICATE);
		mipha_reg_send(w, it, scratch, len);
		return false;
	}
	case MIPHA_DUP_CTRL:
		mipha_reg_to_ctrl(w, it, MIPHA_CTRL_DUPLICATE, sa, spi);
		return false;
	default:
		break;
	}

	/* replay: one last-accepted Identification per MN, moved forward by CAS */
	for (;;) {
		last = mipha_sa_last_ident(sa);
		r = mip_replay_check(q->ident, w->now, last, tol);
		if (r != MIP_REPLAY_OK || mipha_sa_replay_advance(sa, last, q->ident))
			break;
	}
	if (r != MIP_REPLAY_OK) {
		/* 133 with the HA's time, authenticated with the verifying key */
		it->code = MIP_CODE_ID_MISMATCH;
		it->lifetime = 0;
		it->store_dup = false;
		it->rrp_len = mipha_rrp_build(scratch, sizeof(w->scratch[0]), q, it->code, 0,
					      q->ha_addr, mip_ntp_resync_ident(w->now, q->ident),
					      spi, &it->auth_off);
		mipha_cnt_inc(&w->cnt, MIPHA_CNT_REG_REPLAY_133);
		goto built;
	}

	if (q->lifetime == 0 || q->coa == q->home_addr) {
		mipha_reg_to_ctrl(w, it, MIPHA_CTRL_DEREG, sa, spi);
		return false;
	}
	if ((q->flags & (MIP_FLAG_M | MIP_FLAG_G)) != 0) {
		/* RFC 5944 3.8.3.1: this HA tunnels with IP-in-IP only */
		it->code = MIPHA_CODE_ENCAP_UNAVAILABLE;
		it->lifetime = 0;
		it->store_dup = false;
		it->rrp_len = mipha_rrp_build(scratch, sizeof(w->scratch[0]), q, it->code, 0,
					      q->ha_addr, q->ident, spi, &it->auth_off);
		mipha_cnt_inc(&w->cnt, MIPHA_CNT_REG_ENCAP_UNAVAILABLE_139);
		goto built;
	}
	if ((q->present & (MIP_HAS_KEY_REQ_S | MIP_HAS_KEY_REQ_S2)) != 0) {
		mipha_reg_to_ctrl(w, it, MIPHA_CTRL_REKEY, sa, spi);
		return false;
	}
	struct mipha_binding *b = it->binding;

	if (b == NULL) {
		mipha_reg_to_ctrl(w, it, MIPHA_CTRL_NEW_BINDING, sa, spi);
		return false;
	}
	/* the fast path: refresh in place, reply 0 (1: this HA keeps one binding per MN) */
	uint16_t granted = RTE_MIN(q->lifetime, w->conf->max_lifetime);

	mipha_binding_refresh(b, q->coa, mip_ntp_sec(w->now) + granted, q->flags);
	it->code = (q->flags & MIP_FLAG_S) != 0 ? MIP_CODE_ACCEPTED_NO_SIMUL : MIP_CODE_ACCEPTED;
	it->lifetime = granted;
	it->store_dup = true;
	it->rrp_len = mipha_rrp_build(scratch, sizeof(w->scratch[0]), q, it->code, granted,
				      q->ha_addr, q->ident, spi, &it->auth_off);
	mipha_cnt_inc(&w->cnt, MIPHA_CNT_REG_ACCEPTED);
built:
	if (it->rrp_len == 0) {
		mipha_drop(w, it->m, MIPHA_CNT_DROP_TOO_BIG);
		return false;
	}
	return true;
}

/*
 * The item among the first ns to sign whose accepted RRQ is byte for byte
 * it's (same SA), or -1: spec section 8 wants the same reply for it, and the
 * duplicate cache is written only once the burst's replies are signed.
 */
static int16_t mipha_reg_copy_in_burst(const struct mipha_reg_item *items, const uint16_t *idx,
				       uint16_t ns, const struct mipha_reg_item *it)
{
	for (uint16_t s = 0; s < ns; s++) {
		const struct mipha_reg_item *o = &items[idx[s]];

		if (o->store_dup && o->sa == it->sa && o->msg.ident == it->msg.ident &&
		    o->rrq_len == it->rrq_len && memcmp(o->rrq, it->rrq, it->rrq_len) == 0)
			return (int16_t)idx[s];
	}
	return -1;
}

static void mipha_reg_chunk(struct mipha_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	struct mipha_reg_item items[MIPHA_BURST];
	struct mipha_sa_hkey keys[MIPHA_BURST];
	struct mipha_sa *sas[MIPHA_BURST];
	uint32_t homes[MIPHA_BURST];
	struct mipha_binding *binds[MIPHA_BURST];
	struct mipha_auth_req reqs[MIPHA_BURST];
	const uint8_t *expect[MIPHA_BURST];
	bool ok[MIPHA_BURST];
	uint16_t idx[MIPHA_BURST];	/* item of each key / request */
	uint16_t copies[MIPHA_BURST], copy_of[MIPHA_BURST];
	uint16_t nk = 0, nr = 0, nc = 0;

	/* 1. parse */
	for (uint16_t i = 0; i < n; i++) {
		struct mipha_reg_item *it = &items[i];

		it->m = pkts[i];
		it->sa = NULL;
		if (!mipha_reg_parse(w, it, w->scratch[i]))
			continue;
		keys[nk].home_addr = it->msg.home_addr;
		keys[nk].spi = it->msg.mhae.spi;
		idx[nk++] = i;
	}
	/*
	 * 2. SAs and bindings in bulk. With many MNs both are cold: each bulk
	 * lookup prefetches what it found (the SAs' replay state and keys, the
	 * bindings), so the burst's misses overlap with each other and with the
	 * second lookup instead of stalling item by item below.
	 */
	if (nk != 0) {
		mipha_sa_lookup_bulk(w->p.sas, keys, nk, sas);
		for (uint16_t k = 0; k < nk; k++)
			homes[k] = keys[k].home_addr;
		mipha_binding_lookup_bulk(w->p.bindings, homes, nk, binds);
	}
	for (uint16_t k = 0; k < nk; k++) {
		struct mipha_reg_item *it = &items[idx[k]];

		it->sa = sas[k];
		it->binding = binds[k];
		it->key = it->sa != NULL ? mipha_sa_key_for(it->sa, it->msg.mhae.spi) : NULL;
		if (it->key == NULL || it->msg.mhae.auth.len != MIP_MD5_AUTH_LEN) {
			mipha_reg_to_ctrl(w, it, MIPHA_CTRL_UNKNOWN_SPI, NULL, 0);
			continue;
		}
		if (it->key->alg != MIP_ALG_HMAC_MD5 && it->key->alg != MIP_ALG_KEYED_MD5) {
			mipha_drop(w, it->m, MIPHA_CNT_DROP_AUTH_ALG);
			continue;
		}
		reqs[nr] = (struct mipha_auth_req){
			.data = it->rrq,
			.len = it->msg.mhae.protected_len,
			.key = it->key,
		};
		expect[nr] = it->msg.mhae.auth.p;
		idx[nr++] = idx[k];
	}
	/* 3. verify in one batch */
	mipha_auth_verify_burst(&w->auth, reqs, expect, nr, ok);
	uint16_t ns = 0;

	for (uint16_t r = 0; r < nr; r++) {
		struct mipha_reg_item *it = &items[idx[r]];
		struct mipha_sa *sa = it->sa;

		if (!ok[r]) {
			if (it->key == &sa->key[MIPHA_SA_KEY2] &&
			    __atomic_load_n(&sa->prev_valid, __ATOMIC_ACQUIRE) != 0) {
				mipha_reg_to_ctrl(w, it, MIPHA_CTRL_AUTH_PREV, sa, 0);
				continue;
			}
			/*
			 * SAs by NAI alone often share one SPI, and their addresses
			 * come from the pool: an MN asking for an address another NAI
			 * now holds fails here under that MN's key. Control checks
			 * the RRQ's NAI against its own SA: a verified one gets 129,
			 * signed, not a 131 that reads as a wrong key.
			 */
			if (w->conf->nai_sas && (it->msg.present & MIP_HAS_NAI) != 0) {
				mipha_reg_to_ctrl(w, it, MIPHA_CTRL_AUTH_NAI, NULL, 0);
				continue;
			}
			mipha_cnt_inc(&w->cnt, MIPHA_CNT_REG_AUTH_FAIL_131);
			mipha_reg_deny(w, it, MIP_CODE_MN_FAILED_AUTH, it->msg.ha_addr,
				       w->scratch[idx[r]]);
			continue;
		}
		/*
		 * An exact copy of an RRQ accepted earlier in this burst gets its
		 * reply too. Such an original moved the SA's last Identification to
		 * this one; when it is elsewhere no search is needed (the common
		 * case), and a copy of an RRQ that is no longer the last accepted
		 * falls to the replay check, as with the duplicate cache.
		 */
		int16_t orig = mipha_sa_last_ident(sa) == it->msg.ident
				       ? mipha_reg_copy_in_burst(items, idx, ns, it)
				       : -1;

		if (orig >= 0) {
			copy_of[nc] = orig;
			copies[nc++] = idx[r];
			continue;
		}
		/* 4. duplicate, replay, action; replies to sign are gathered */
		if (!mipha_reg_verified(w, it, w->scratch[idx[r]]))
			continue;
		reqs[ns] = (struct mipha_auth_req){
			.data = w->scratch[idx[r]],
			.len = it->auth_off,
			.key = it->key,
		};
		idx[ns++] = idx[r];
	}
	/* 5. sign in one batch, then send */
	mipha_auth_compute_burst(&w->auth, reqs, ns);
	for (uint16_t s = 0; s < ns; s++) {
		struct mipha_reg_item *it = &items[idx[s]];
		uint8_t *rrp = w->scratch[idx[s]];

		if (reqs[s].status != 0) {
			mipha_drop(w, it->m, MIPHA_CNT_DROP_AUTH_ALG);
			continue;
		}
		memcpy(rrp + it->auth_off, reqs[s].out, MIP_MD5_AUTH_LEN);
		if (it->store_dup)
			mipha_sa_dup_store(it->sa, MIPHA_DUP_FAST, it->rrq, it->rrq_len,
					   it->msg.ident, it->code, it->lifetime, it->key->spi,
					   reqs[s].out);
		mipha_reg_send(w, it, rrp, it->rrp_len);
	}
	for (uint16_t c = 0; c < nc; c++) {
		struct mipha_reg_item *o = &items[copy_of[c]];

		mipha_cnt_inc(&w->cnt, MIPHA_CNT_REG_DUPLICATE);
		mipha_reg_send(w, &items[copies[c]], w->scratch[copy_of[c]], o->rrp_len);
	}
}

void mipha_reg_burst(struct mipha_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	for (uint16_t off = 0; off < n; off += MIPHA_BURST)
		mipha_reg_chunk(w, pkts + off, RTE_MIN(n - off, MIPHA_BURST));
}
