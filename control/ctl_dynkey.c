/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Dynamic-key registrations on the control lcore (spec sections 5-8): the
 * glue between the ring's messages, the AAA client (control/aaa) and the
 * dynamic-key core (control/dynkey), which decides; this file applies its
 * decisions to the binding and SA tables and sends the replies. Without an
 * [aaa] section an initial or rekey RRQ is answered 131 without MHAE and
 * counted in ctrl_replies_131_dynkey, so an MN backs off (spec section 6).
 *
 * A pending AAA exchange keeps a heap copy of its ring message (and so the
 * mbuf the reply is built in) until its result arrives or a newer initial RRQ
 * of the same NAI supersedes it: at most [aaa] pending_max mbufs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>

#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_telemetry.h>

#include "aaa_client.h"
#include "binding_table.h"
#include "config.h"
#include "ctl.h"
#include "dynkey.h"
#include "radsec.h"
#include "sa_table.h"

struct mipha_ctl_dynkey {
	struct mipha_dk *dk;
	struct aaa_client *aaa;
	struct mipha_dk_assign *assign;
	unsigned int n_assign;
	struct mipha_ctl_dae *dae;	/* [aaa] dae_listen, or NULL */
	bool dae_ready;			/* the idle wait saw its socket readable */
	/* Each server's state as last printed (servers_watch). */
	uint8_t dead[AAA_MAX_SERVERS];
	uint64_t refused[AAA_MAX_SERVERS];	/* each server's refusals at its last change */
	uint64_t next_watch_ms;
};

void mipha_ctl_aaa_addr(const struct mipha_cfg_aaa_server *cs, char *out, size_t len)
{
	char a4[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &cs->addr, a4, sizeof(a4));
	snprintf(out, len, "%s:%u", a4, cs->port);
}

/*
 * A server marked dead or back alive is printed, once, with why (every
 * 100 ms at most): the counters say how often, this says when.
 */
static void servers_watch(struct mipha_ctl *c, uint64_t now_ms)
{
	struct mipha_ctl_dynkey *d = c->dynkey;

	if (now_ms < d->next_watch_ms)
		return;
	d->next_watch_ms = now_ms + 100;
	for (unsigned int i = 0; i < c->p.cfg->aaa.n_servers && i < AAA_MAX_SERVERS; i++) {
		const struct mipha_cfg_aaa_server *cs = &c->p.cfg->aaa.servers[i];
		struct aaa_server_stats s;
		bool dead;
		char addr[32];

		if (aaa_client_server_stats(d->aaa, i, &s) != 0)
			continue;
		dead = s.state == AAA_SERVER_DEAD;
		if (dead == (d->dead[i] != 0))
			continue;
		d->dead[i] = dead;
		mipha_ctl_aaa_addr(cs, addr, sizeof(addr));
		if (dead && s.refused > d->refused[i])
			printf("mipha: AAA server %u %s (%s): dead (refused: ICMP port unreachable, "
			       "nothing listens there; %u requests in a row failed); requests go to "
			       "the next live server, this one is probed with Status-Server\n",
			       i + 1, addr, cs->tls ? "tls" : "udp", s.consecutive_timeouts);
		else if (dead)
			printf("mipha: AAA server %u %s (%s): dead (no answer to %u requests in a "
			       "row); requests go to the next live server, this one is probed with "
			       "Status-Server\n", i + 1, addr, cs->tls ? "tls" : "udp",
			       s.consecutive_timeouts);
		else
			printf("mipha: AAA server %u %s (%s): alive again (answered a Status-Server "
			       "probe)\n", i + 1, addr, cs->tls ? "tls" : "udp");
		fflush(stdout);
		d->refused[i] = s.refused;
	}
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t ha_now(const struct mipha_ctl *c)
{
	return mipha_clock_now(&c->p.wconf->clock);
}

static void free_msg(struct mipha_ctl *c, struct mipha_ctrl_msg *msg, enum mipha_ctl_counter why)
{
	rte_pktmbuf_free(msg->m);
	msg->m = NULL;
	c->cnt[why]++;
}

/*
 * The dynamic core asks: is there a static SA for (home, spi), or one of the
 * NAI configured by NAI alone under spi? spi 0: under any SPI (the address is
 * a static MN's). (spec section 9)
 */
static bool static_sa_exists(uint32_t home, const char *nai, size_t nai_len, uint32_t spi,
			     void *arg)
{
	struct mipha_ctl *c = arg;
	const struct mipha_sa *sa;

	if (spi != 0 && nai != NULL && mipha_ctl_nai_has_spi(c, nai, nai_len, spi))
		return true;
	if (home == 0)
		return false;
	if (spi == 0) {
		for (unsigned int i = 0; c->p.cfg != NULL && i < c->p.cfg->n_sa; i++)
			if (c->p.cfg->sa[i].home_addr == home)
				return true;
		return false;
	}
	sa = mipha_sa_lookup(c->p.sas, home, spi);
	return sa != NULL && sa->kind == MIPHA_SA_STATIC;
}

/* The SA's replay state: workers accept re-registrations the core never sees. */
static uint64_t dp_last_ident(uint32_t home, uint32_t spi1, uint32_t spi2, void *arg)
{
	struct mipha_ctl *c = arg;
	const struct mipha_sa *sa = mipha_sa_lookup(c->p.sas, home, spi1);

	if (sa == NULL && spi2 != 0)
		sa = mipha_sa_lookup(c->p.sas, home, spi2);
	return sa != NULL && sa->kind == MIPHA_SA_DYNAMIC ? mipha_sa_last_ident(sa) : 0;
}

/* A superseded exchange's message: its mbuf is never answered. */
static void release_msg(void *user, void *arg)
{
	struct mipha_ctrl_msg *msg = user;
	struct mipha_ctl *c = arg;

	free_msg(c, msg, MIPHA_CTL_CNT_DYNKEY_SUPERSEDED);
	free(msg);
}

/* ---- table operations ---- */

/* The SA of home under one of the given SPIs. */
static struct mipha_sa *find_sa(const struct mipha_ctl *c, uint32_t home, uint32_t spi1,
				uint32_t spi2)
{
	struct mipha_sa *sa = spi1 != 0 ? mipha_sa_lookup(c->p.sas, home, spi1) : NULL;

	if (sa == NULL && spi2 != 0)
		sa = mipha_sa_lookup(c->p.sas, home, spi2);
	return sa;
}

/* Makes the SA of in->home_addr hold exactly in's keys (a new struct swapped in). */
static int sa_set(struct mipha_ctl *c, const struct mipha_dk_install *in)
{
	struct mipha_sa *old = find_sa(c, in->home_addr, in->spi1, in->spi2), *sa;
	int error;

	if (old != NULL && old->kind != MIPHA_SA_DYNAMIC)
		return -EEXIST;
	sa = mipha_sa_alloc(c->p.sas);
	if (sa == NULL)
		return -ENOSPC;
	sa->home_addr = in->home_addr;
	sa->kind = MIPHA_SA_DYNAMIC;
	sa->cookie = in->cookie;
	sa->last_ident = in->last_ident;
	error = mipha_sa_set_key(c->p.sas, sa, MIPHA_SA_KEY1, in->spi1, (enum mip_alg)in->alg,
				 &in->skey);
	if (error == 0 && in->spi2 != 0)
		error = mipha_sa_set_key(c->p.sas, sa, MIPHA_SA_KEY2, in->spi2,
					 (enum mip_alg)in->alg2, &in->skey2);
	if (error == 0 && in->has_prev) {
		/* Workers never read prev: control verifies with it (AUTH_PREV). */
		sa->prev.spi = in->spi2;
		sa->prev.alg = in->alg2;
		sa->prev.key = in->prev;
		sa->prev_valid = 1;
	}
	if (error == 0)
		error = old != NULL ? mipha_sa_replace(c->p.sas, old, sa)
				    : mipha_sa_install(c->p.sas, sa);
	if (error != 0)
		mipha_sa_discard(c->p.sas, sa);
	return error;
}

static void sa_remove(struct mipha_ctl *c, uint32_t home, uint32_t spi1, uint32_t spi2)
{
	struct mipha_sa *sa = find_sa(c, home, spi1, spi2);

	if (sa != NULL && sa->kind == MIPHA_SA_DYNAMIC)
		mipha_sa_remove(c->p.sas, sa);
}

/* Installs or refreshes the binding with its expiry entry. *fresh: it was not bound. */
static int binding_set(struct mipha_ctl *c, const struct mipha_dk_install *in, bool *fresh)
{
	struct mipha_expiry_ent e = {
		.expiry = in->expiry_sec,
		.home_addr = in->home_addr,
		.gen = c->gen,
	};

	*fresh = mipha_binding_lookup(c->p.bindings, in->home_addr) == NULL;
	/* The entry first: a binding without one would never expire. */
	if (mipha_expiry_push(&c->expiry, &e) != 0) {
		c->cnt[MIPHA_CTL_CNT_DROP_EXPIRY_NOMEM]++;
		return -ENOMEM;
	}
	c->gen++;
	return mipha_binding_install(c->p.bindings, in->home_addr, in->coa, in->expiry_sec,
				     in->flags, e.gen, NULL);
}

/* The RRQ bytes of msg (NULL when it has none). */
static const uint8_t *rrq_of(const struct mipha_ctrl_msg *msg)
{
	if (msg == NULL || msg->m == NULL ||
	    rte_pktmbuf_data_len(msg->m) < (uint32_t)msg->rrq_off + msg->rrq_len)
		return NULL;
	return rte_pktmbuf_mtod_offset(msg->m, const uint8_t *, msg->rrq_off);
}

/*
 * Applies one decision of the core: tables, then the duplicate cache (an
 * exact copy of this RRQ comes back as MIPHA_CTRL_DUPLICATE), then the reply.
 * msg may be NULL (expiry, timers). out is wiped.
 */
static void apply(struct mipha_ctl *c, struct mipha_ctrl_msg *msg, struct mipha_dk_out *out)
{
	struct mipha_ctl_dynkey *d = c->dynkey;
	const struct mipha_dk_install *in = &out->inst;
	const uint8_t *rrq = rrq_of(msg);
	bool fresh = false;
	int error = 0;

	if (out->old_home != 0) {
		mipha_binding_remove(c->p.bindings, out->old_home);
		sa_remove(c, out->old_home, out->old_spi, 0);
	}
	if (out->sa_op == MIPHA_DK_OP_SET)
		error = sa_set(c, in);
	else if (out->sa_op == MIPHA_DK_OP_REMOVE)
		sa_remove(c, in->home_addr, in->spi1, in->spi2);
	if (error == 0 && out->binding_op == MIPHA_DK_OP_SET)
		error = binding_set(c, in, &fresh);
	else if (out->binding_op == MIPHA_DK_OP_REMOVE)
		mipha_binding_remove(c->p.bindings, in->home_addr);
	if (error != 0) {
		/* The tables are full: nothing of this MN stays; it gets 130. */
		mipha_binding_remove(c->p.bindings, in->home_addr);
		sa_remove(c, in->home_addr, in->spi1, in->spi2);
		mipha_dk_abort_install(d->dk, out);
		c->cnt[MIPHA_CTL_CNT_REPLY_130]++;
		fresh = false;
	} else if (rrq != NULL && out->rrp_len > 0 && out->sa_op == MIPHA_DK_OP_SET) {
		struct mipha_sa *sa = find_sa(c, in->home_addr, in->spi1, in->spi2);
		struct mip_parse_cfg pc = c->p.wconf->parse;
		struct mip_msg m;

		if (sa != NULL && mip_parse(rrq, msg->rrq_len, &pc, &m) == MIP_OK)
			mipha_sa_dup_store(sa, MIPHA_DUP_CTRL, rrq, msg->rrq_len, m.ident, 0, 0, 0,
					   NULL);
	}
	if (msg != NULL && msg->m != NULL) {
		if (out->rrp_len > 0) {
			mipha_ctl_send_reply(c, msg, out->rrp, out->rrp_len);
			c->cnt[out->code <= MIP_CODE_ACCEPTED_NO_SIMUL ? MIPHA_CTL_CNT_REPLY_ACCEPTED
								      : MIPHA_CTL_CNT_DYNKEY_DENIED]++;
		} else {
			free_msg(c, msg, MIPHA_CTL_CNT_DYNKEY_DROPPED);
		}
	}
	if (fresh)
		mipha_ctl_garp(c, in->home_addr);
	mipha_dk_out_wipe(out);
}

/* A DROP or APPLY decision on a ring message. */
static void finish(struct mipha_ctl *c, struct mipha_ctrl_msg *msg, enum mipha_dk_action a,
		   struct mipha_dk_out *out)
{
	if (a == MIPHA_DK_APPLY) {
		apply(c, msg, out);
		return;
	}
	free_msg(c, msg, MIPHA_CTL_CNT_DYNKEY_DROPPED);
	mipha_dk_out_wipe(out);
}

/* ---- AAA ---- */

static void on_result(void *cookie, const struct aaa_result *res, void *arg)
{
	struct mipha_ctl *c = arg;
	struct mipha_dk_out out;
	struct mipha_ctrl_msg *msg;

	if (mipha_dk_aaa_result(c->dynkey->dk, (uint64_t)(uintptr_t)cookie, res, ha_now(c), &out) !=
	    MIPHA_DK_APPLY) {
		mipha_dk_out_wipe(&out);
		return;	/* superseded: its message was released then */
	}
	msg = out.user;
	apply(c, msg, &out);
	free(msg);
}

/* The IPv4 source of the frame (the rate limits' source address). */
static uint32_t src_addr(const struct mipha_ctrl_msg *msg)
{
	const struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(msg->m, const struct rte_ipv4_hdr *, msg->m->l2_len);

	return ip->src_addr;
}

/* ---- the hooks ---- */

void mipha_ctl_dynkey_initial(struct mipha_ctl *c, struct mipha_ctrl_msg *msg,
			      const struct mip_msg *rrq)
{
	struct mipha_ctl_dynkey *d = c->dynkey;
	struct mipha_ctrl_msg *keep;
	struct mipha_dk_out out;
	enum mipha_dk_action a;
	uint64_t cookie;

	if (d == NULL) {
		mipha_ctl_reply_unsigned(c, msg, rrq, MIP_CODE_MN_FAILED_AUTH);
		c->cnt[MIPHA_CTL_CNT_REPLY_131_DYNKEY]++;
		return;
	}
	keep = malloc(sizeof(*keep));
	if (keep == NULL) {
		free_msg(c, msg, MIPHA_CTL_CNT_DYNKEY_DROPPED);
		return;
	}
	*keep = *msg;
	a = mipha_dk_initial(d->dk, rrq, src_addr(msg), ha_now(c), keep, &out);
	if (a != MIPHA_DK_AAA) {
		free(keep);
		finish(c, msg, a, &out);
		return;
	}
	msg->m = NULL;	/* keep owns the frame now */
	cookie = out.cookie;
	if (aaa_client_submit(d->aaa, &out.req, (void *)(uintptr_t)cookie, mono_ms()) != 0) {
		struct aaa_result res = { .status = AAA_FAILED, .server = -1 };

		on_result((void *)(uintptr_t)cookie, &res, c);
	}
	mipha_dk_out_wipe(&out);
}

void mipha_ctl_dynkey_rekey(struct mipha_ctl *c, struct mipha_ctrl_msg *msg,
			    const struct mip_msg *rrq)
{
	struct mipha_dk_out out;

	if (c->dynkey == NULL) {
		mipha_ctl_reply_unsigned(c, msg, rrq, MIP_CODE_MN_FAILED_AUTH);
		c->cnt[MIPHA_CTL_CNT_REPLY_131_DYNKEY]++;
		return;
	}
	finish(c, msg, mipha_dk_rekey(c->dynkey->dk, rrq, ha_now(c), &out), &out);
}

void mipha_ctl_dynkey_dereg(struct mipha_ctl *c, struct mipha_ctrl_msg *msg,
			    const struct mip_msg *rrq)
{
	struct mipha_dk_out out;

	if (c->dynkey == NULL) {
		free_msg(c, msg, MIPHA_CTL_CNT_DROP_UNEXPECTED);
		return;
	}
	finish(c, msg, mipha_dk_dereg(c->dynkey->dk, rrq, ha_now(c), &out), &out);
}

void mipha_ctl_dynkey_auth_prev(struct mipha_ctl *c, struct mipha_ctrl_msg *msg,
				const struct mip_msg *rrq)
{
	struct mipha_dk_out out;

	if (c->dynkey == NULL) {
		free_msg(c, msg, MIPHA_CTL_CNT_DROP_UNEXPECTED);
		return;
	}
	finish(c, msg, mipha_dk_auth_prev(c->dynkey->dk, rrq, ha_now(c), &out), &out);
}

void mipha_ctl_dynkey_duplicate(struct mipha_ctl *c, struct mipha_ctrl_msg *msg,
				const struct mip_msg *rrq)
{
	struct mipha_dk_out out;

	if (c->dynkey == NULL) {
		free_msg(c, msg, MIPHA_CTL_CNT_DROP_DUP_MISS);
		return;
	}
	if (mipha_dk_duplicate(c->dynkey->dk, rrq, &out) != MIPHA_DK_APPLY) {
		free_msg(c, msg, MIPHA_CTL_CNT_DROP_DUP_MISS);
		return;
	}
	c->cnt[MIPHA_CTL_CNT_REPLY_DUPLICATE]++;
	mipha_ctl_send_reply(c, msg, out.rrp, out.rrp_len);
	mipha_dk_out_wipe(&out);
}

void mipha_ctl_dynkey_prev_retired(struct mipha_ctl *c, struct mipha_ctrl_msg *msg)
{
	if (msg->sa == NULL || c->dynkey == NULL) {
		c->cnt[MIPHA_CTL_CNT_DROP_UNEXPECTED]++;
		return;
	}
	/* The worker cleared prev_valid; control is the only writer of the bytes. */
	mip_wipe(&msg->sa->prev, sizeof(msg->sa->prev));
	mipha_dk_prev_retired(c->dynkey->dk, msg->sa->home_addr);
}

bool mipha_ctl_dynkey_expired(struct mipha_ctl *c, uint32_t home_addr)
{
	struct mipha_dk_out out;

	if (c->dynkey == NULL || !mipha_dk_owns(c->dynkey->dk, home_addr))
		return false;
	if (mipha_dk_expire(c->dynkey->dk, home_addr, ha_now(c), &out) == MIPHA_DK_APPLY)
		apply(c, NULL, &out);
	else
		mipha_dk_out_wipe(&out);
	return true;
}

unsigned int mipha_ctl_dynkey_poll(struct mipha_ctl *c)
{
	struct mipha_ctl_dynkey *d = c->dynkey;
	struct mipha_dk_out out;
	unsigned int work;
	uint64_t now, ms;

	if (d == NULL)
		return 0;
	ms = mono_ms();
	work = aaa_client_poll(d->aaa, ms, on_result, c);
	work += mipha_ctl_dae_poll(c, d->dae, d->dae_ready, ms);
	d->dae_ready = false;
	servers_watch(c, ms);
	now = ha_now(c);
	while (work < 256 && mipha_dk_timers(d->dk, now, &out)) {
		apply(c, NULL, &out);
		work++;
	}
	return work;
}

int mipha_ctl_dynkey_idle_wait(struct mipha_ctl *c, uint32_t timeout_us, int fd, bool *fd_ready)
{
	struct mipha_ctl_dynkey *d = c->dynkey;
	uint64_t deadline, now;

	if (d == NULL)
		return -ENOTSUP;
	/* Not past the AAA client's next timer (retransmission, probe). */
	deadline = aaa_client_next_deadline(d->aaa);
	if (deadline != UINT64_MAX) {
		now = mono_ms();
		if (deadline <= now)
			timeout_us = 0;
		else if (deadline - now < timeout_us / 1000 + 1)
			timeout_us = (uint32_t)(deadline - now) * 1000;
	}
	{
		int fds[2] = { fd, mipha_ctl_dae_fd(d->dae) };
		bool ready[2] = { false, false };
		int r = aaa_client_wait_also(d->aaa, timeout_us, fds, 2, ready);

		if (fd_ready != NULL)
			*fd_ready = ready[0];
		d->dae_ready = ready[1];
		return r;
	}
}

uint32_t mipha_ctl_dynkey_disconnect(struct mipha_ctl *c, const char *nai, size_t n,
				     uint32_t home)
{
	struct mipha_dk_out out;
	uint32_t ended;

	if (c->dynkey == NULL)
		return 0;
	if (mipha_dk_disconnect(c->dynkey->dk, nai, n, home, &out) != MIPHA_DK_APPLY) {
		mipha_dk_out_wipe(&out);
		return 0;
	}
	ended = out.inst.home_addr;
	apply(c, NULL, &out);
	return ended;
}

void mipha_ctl_dynkey_stats(const struct mipha_ctl *c, struct mipha_dk_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (c->dynkey != NULL)
		mipha_dk_stats(c->dynkey->dk, out);
}

/*
 * The AAA client's counters as aaa_* (telemetry names: no '.' nor '-'):
 * client-wide (aaa_failovers, ...), one per reason a reply was discarded or
 * an answer unusable (aaa_reason_<reason>), and per configured server i
 * (aaa_server<i>_<counter>, aaa_server<i>_state: 0 alive, 1 dead,
 * aaa_server<i>_latency_avg_ms, aaa_server<i>_in_flight).
 */
/* A tls:// server's connection counters: aaa_server<i>_tls_<counter> (radsec.h). */
static void aaa_visit_tls(const struct aaa_client *aaa, unsigned int i, mipha_ctl_stat_fn fn,
			  void *arg)
{
	struct radsec_counters t;
	char name[64];

	if (aaa_client_server_tls_stats(aaa, i, &t, NULL) != 0)
		return;
#define AAA_VISIT_TLS(field, text)                                              \
	snprintf(name, sizeof(name), "aaa_server%u_tls_" #field, i);            \
	fn(arg, name, t.field);
	RADSEC_COUNTERS(AAA_VISIT_TLS)
#undef AAA_VISIT_TLS
}

static void aaa_visit(const struct aaa_client *aaa, mipha_ctl_stat_fn fn, void *arg)
{
	struct aaa_client_counters cc;
	struct aaa_server_stats ss;
	char name[64];

	aaa_client_counters(aaa, &cc);
#define AAA_VISIT_CLIENT(field, text) fn(arg, "aaa_" #field, cc.field);
	AAA_CLIENT_COUNTERS(AAA_VISIT_CLIENT)
#undef AAA_VISIT_CLIENT
	for (int r = 0; r < AAA_REASON_MAX; r++) {
		if (r == AAA_REASON_OK)
			continue;
		snprintf(name, sizeof(name), "aaa_reason_%s", aaa_reason_name(r));
		fn(arg, name, cc.invalid[r]);
	}
	for (unsigned int i = 0; i < AAA_MAX_SERVERS; i++) {
		if (aaa_client_server_stats(aaa, i, &ss) != 0)
			break;
#define AAA_VISIT_SERVER(field, text)                                           \
	snprintf(name, sizeof(name), "aaa_server%u_" #field, i);                \
	fn(arg, name, ss.field);
		AAA_SERVER_COUNTERS(AAA_VISIT_SERVER)
#undef AAA_VISIT_SERVER
		snprintf(name, sizeof(name), "aaa_server%u_state", i);
		fn(arg, name, ss.state == AAA_SERVER_DEAD ? 1 : 0);
		snprintf(name, sizeof(name), "aaa_server%u_latency_avg_ms", i);
		fn(arg, name, ss.latency_count != 0 ? ss.latency_sum_ms / ss.latency_count : 0);
		snprintf(name, sizeof(name), "aaa_server%u_in_flight", i);
		fn(arg, name, ss.in_flight);
		aaa_visit_tls(aaa, i, fn, arg);
	}
}

void mipha_ctl_dynkey_visit(const struct mipha_ctl *c, mipha_ctl_stat_fn fn, void *arg)
{
	struct mipha_dk_stats st;

	mipha_ctl_dynkey_stats(c, &st);
	for (int i = 0; i < MIPHA_DK_CNT__COUNT; i++)
		fn(arg, mipha_dk_counter_name(i), st.cnt[i]);
	for (int i = 0; i < MIPHA_DK_GAUGE__COUNT; i++)
		fn(arg, mipha_dk_gauge_name(i), st.gauge[i]);
	if (c->dynkey != NULL && c->dynkey->aaa != NULL)
		aaa_visit(c->dynkey->aaa, fn, arg);
	mipha_ctl_dae_visit(c->dynkey != NULL ? c->dynkey->dae : NULL, fn, arg);
}

/* ---- set-up ---- */

static int aaa_cfg(const struct mipha_config *cfg, struct aaa_client_cfg *ac)
{
	const struct mipha_cfg_aaa *a = &cfg->aaa;

	aaa_client_cfg_defaults(ac);
	ac->nas.ip = cfg->ha.address;
	snprintf(ac->nas.id, sizeof(ac->nas.id), "%s", cfg->ha.name);
	ac->secret_file = a->secret_file;
	if (a->timeout_ms != 0)
		ac->retransmit_ms = a->timeout_ms;
	if (ac->retransmit_max_ms < ac->retransmit_ms)
		ac->retransmit_max_ms = ac->retransmit_ms;
	ac->retries = a->retries;
	for (unsigned int i = 0; i < a->n_servers; i++) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ac->servers[i].addr;

		memset(sin, 0, sizeof(*sin));
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = a->servers[i].addr;
		sin->sin_port = htons(a->servers[i].port);
		ac->servers[i].addr_len = sizeof(*sin);
		ac->servers[i].transport = a->servers[i].tls ? AAA_TRANSPORT_TLS : AAA_TRANSPORT_UDP;
		ac->servers[i].tls_server_name = a->servers[i].tls_server_name;
	}
	ac->n_servers = a->n_servers;
	/* RADIUS over TLS (docs/aaa.md): "" is unset. */
	ac->tls.ca_file = a->tls_ca_file;
	ac->tls.cert_file = a->tls_cert_file;
	ac->tls.key_file = a->tls_key_file;
	ac->tls.crl_file = a->tls_crl_file;
	ac->tls_server_name = a->tls_server_name;
	return 0;
}

static void dk_cfg(struct mipha_ctl *c, const struct mipha_config *cfg, struct mipha_dk_cfg *dc)
{
	const struct mipha_cfg_aaa *a = &cfg->aaa;

	mipha_dk_cfg_defaults(dc);
	dc->vendor_id = cfg->ha.vendor_id;
	dc->dynkey_spi = cfg->ha.dynkey_spi;
	dc->max_lifetime = cfg->ha.max_lifetime;
	dc->replay_tolerance = cfg->ha.replay_tolerance;
	dc->max_mns = cfg->ha.max_bindings;
	dc->pending_max = a->pending_max;
	dc->rate_nai = a->rate_nai;
	dc->burst_nai = a->burst_nai;
	dc->rate_src = a->rate_src;
	dc->burst_src = a->burst_src;
	dc->dynamic_algorithms = cfg->ha.dynamic_algorithms;
	dc->pool_first = cfg->ha.home_pool_first;
	dc->pool_last = cfg->ha.home_pool_last;
	dc->pool = c->pool;	/* shared with the SAs by NAI alone (ctl_nai.c) */
	dc->key_continuation = cfg->ha.key_continuation;
	dc->static_sa_exists = static_sa_exists;
	dc->static_sa_arg = c;
	dc->last_ident = dp_last_ident;
	dc->last_ident_arg = c;
	dc->release = release_msg;
	dc->release_arg = c;
}

int mipha_ctl_dynkey_init(struct mipha_ctl *c)
{
	const struct mipha_config *cfg = c->p.cfg;
	struct mipha_ctl_dynkey *d;
	struct aaa_client_cfg ac;
	struct mipha_dk_cfg dc;
	int error = 0;

	c->dynkey = NULL;
	if (cfg == NULL || cfg->aaa.n_servers == 0)
		return 0;	/* no [aaa]: dynamic keys off (131) */
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return -ENOMEM;
	aaa_cfg(cfg, &ac);
	d->aaa = aaa_client_create(&ac, &error);
	if (d->aaa == NULL) {
		free(d);
		return error != 0 ? error : -EINVAL;
	}
	dk_cfg(c, cfg, &dc);
	d->dk = mipha_dk_create(&dc, &error);
	if (d->dk == NULL) {
		aaa_client_destroy(d->aaa);
		free(d);
		return error != 0 ? error : -EINVAL;
	}
	d->dae = mipha_ctl_dae_create(cfg, &error);
	if (d->dae == NULL && error != 0) {
		mipha_dk_destroy(d->dk);
		aaa_client_destroy(d->aaa);
		free(d);
		return error;
	}
	c->dynkey = d;
	return 0;
}

void mipha_ctl_dynkey_fini(struct mipha_ctl *c)
{
	struct mipha_ctl_dynkey *d = c->dynkey;

	if (d == NULL)
		return;
	mipha_ctl_dae_destroy(d->dae);
	aaa_client_destroy(d->aaa);
	mipha_dk_destroy(d->dk);	/* releases the pending messages' mbufs */
	free(d);
	c->dynkey = NULL;
}

/*
 * /mipha/aaa (on the control lcore): each configured AAA server with what
 * the counters of /mipha/stats cannot say: its address, transport, state and,
 * for tls://, the name its certificate must carry and the last connection
 * error ("handshake: certificate: certificate revoked", ...). No secret.
 */
int mipha_ctl_dynkey_tel_aaa(struct mipha_ctl *c, const char *params, struct rte_tel_data *d)
{
	const struct mipha_cfg_aaa *a = &c->p.cfg->aaa;
	struct rte_tel_data *list;

	(void)params;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "enabled", c->dynkey != NULL);
	if (c->dynkey == NULL)
		return 0;
	list = rte_tel_data_alloc();
	if (list == NULL)
		return -ENOMEM;
	rte_tel_data_start_dict(list);
	for (unsigned int i = 0; i < a->n_servers; i++) {
		const struct mipha_cfg_aaa_server *cs = &a->servers[i];
		struct rte_tel_data *one = rte_tel_data_alloc();
		struct aaa_server_stats s;
		struct radsec_counters t;
		const char *why = "";
		char buf[32], key[16];

		if (one == NULL)
			break;
		rte_tel_data_start_dict(one);
		mipha_ctl_aaa_addr(cs, buf, sizeof(buf));
		rte_tel_data_add_dict_string(one, "server", buf);
		rte_tel_data_add_dict_string(one, "transport", cs->tls ? "tls" : "udp");
		if (aaa_client_server_stats(c->dynkey->aaa, i, &s) == 0) {
			rte_tel_data_add_dict_string(one, "state",
						     s.state == AAA_SERVER_DEAD ? "dead" : "alive");
			rte_tel_data_add_dict_u64(one, "in_flight", s.in_flight);
			rte_tel_data_add_dict_u64(one, "consecutive_timeouts", s.consecutive_timeouts);
			rte_tel_data_add_dict_u64(one, "latency_avg_ms",
						  s.latency_count != 0 ? s.latency_sum_ms / s.latency_count : 0);
			rte_tel_data_add_dict_u64(one, "latency_max_ms", s.latency_max_ms);
		}
		if (cs->tls) {
			const char *name = cs->tls_server_name[0] != '\0' ? cs->tls_server_name
									   : a->tls_server_name;

			rte_tel_data_add_dict_string(one, "tls_server_name",
						     name[0] != '\0' ? name : "(its IP address)");
			if (aaa_client_server_tls_stats(c->dynkey->aaa, i, &t, &why) == 0) {
				rte_tel_data_add_dict_u64(one, "tls_handshakes", t.handshakes);
				rte_tel_data_add_dict_u64(one, "tls_handshake_failures",
							  t.handshake_failures);
				rte_tel_data_add_dict_string(one, "tls_last_error", why);
			}
		}
		snprintf(key, sizeof(key), "%u", i + 1);
		rte_tel_data_add_dict_container(list, key, one, 0);
	}
	rte_tel_data_add_dict_container(d, "servers", list, 0);
	mipha_ctl_dae_tel(c->dynkey->dae, d);
	return 0;
}
