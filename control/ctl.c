/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control lcore's registration handling (see ctl.h): one function per
 * message class, each ending in exactly one reply or one counted drop.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "binding_table.h"
#include "config.h"
#include "ctl.h"
#include "dynkey.h"
#include "mip_auth.h"
#include "mip_ntp.h"
#include "sa_table.h"

/* RFC 5944 3.4: requested encapsulation unavailable. */
#define MIPHA_CODE_ENCAP_UNAVAILABLE 139
/* Largest RRP control builds: header, NAI, MHAE. */
#define RRP_MAX MIPHA_CTL_RRP_MAX
/* Entries mipha_ctl_expire looks at per poll, so a burst of expiries cannot stall the ring. */
#define EXPIRE_BATCH 256

static const char *const ctl_counter_names[] = {
#define MIPHA_CTL_CNT_NAME(id, name, help) name,
	MIPHA_CTL_COUNTERS(MIPHA_CTL_CNT_NAME)
#undef MIPHA_CTL_CNT_NAME
};

const char *mipha_ctl_counter_name(enum mipha_ctl_counter c)
{
	if ((unsigned int)c >= MIPHA_CTL_CNT__COUNT)
		return "?";
	return ctl_counter_names[c];
}

static inline void cnt(struct mipha_ctl *c, enum mipha_ctl_counter id)
{
	c->cnt[id]++;
}

int mipha_ctl_init(struct mipha_ctl *c, const struct mipha_ctl_params *p)
{
	int error;

	memset(c, 0, sizeof(*c));
	c->p = *p;
	c->gen = 1;
	error = mipha_expiry_init(&c->expiry, 1024);
	if (error != 0)
		return error;
	/* One [ha] home_pool for dynamic MNs and SAs by NAI alone: one owner per address. */
	if (p->cfg != NULL && p->cfg->ha.home_pool_first != 0) {
		c->pool = mipha_pool_create(p->cfg->ha.home_pool_first, p->cfg->ha.home_pool_last,
					    &error);
		if (c->pool == NULL) {
			mipha_expiry_fini(&c->expiry);
			return error;
		}
	}
	error = mipha_ctl_nai_init(c);
	if (error == 0)
		error = mipha_ctl_dynkey_init(c);
	if (error != 0) {
		mipha_ctl_nai_fini(c);
		mipha_pool_destroy(c->pool);
		mipha_expiry_fini(&c->expiry);
		return error;
	}
	mipha_ctl_link_init(c, rte_get_timer_cycles());
	pthread_mutex_init(&c->tel.lock, NULL);
	return 0;
}

void mipha_ctl_fini(struct mipha_ctl *c)
{
	mipha_ctl_link_fini(c);
	mipha_ctl_dynkey_fini(c);
	mipha_ctl_nai_fini(c);
	mipha_pool_destroy(c->pool);
	c->pool = NULL;
	mipha_expiry_fini(&c->expiry);
	/* Wait out a telemetry call still in flight (it times out on its own). */
	pthread_mutex_lock(&c->tel.lock);
	pthread_mutex_unlock(&c->tel.lock);
	pthread_mutex_destroy(&c->tel.lock);
}

bool mipha_ctl_tx(struct mipha_ctl *c, uint16_t port, struct rte_mbuf *m)
{
	if (mipha_port_tx(&c->p.wconf->port[port], port, c->p.txq, &m, 1) == 1) {
		cnt(c, MIPHA_CTL_CNT_TX);
		return true;
	}
	rte_pktmbuf_free(m);
	cnt(c, MIPHA_CTL_CNT_DROP_TX_FULL);
	return false;
}

/* The RRQ bytes of msg, or NULL when the offsets do not fit the mbuf. */
static const uint8_t *rrq_bytes(const struct mipha_ctrl_msg *msg)
{
	if (msg->m == NULL || rte_pktmbuf_data_len(msg->m) < (uint32_t)msg->rrq_off + msg->rrq_len)
		return NULL;
	return rte_pktmbuf_mtod_offset(msg->m, const uint8_t *, msg->rrq_off);
}

static void drop(struct mipha_ctl *c, struct mipha_ctrl_msg *msg, enum mipha_ctl_counter why)
{
	rte_pktmbuf_free(msg->m);
	msg->m = NULL;
	cnt(c, why);
}

/* Turns msg's frame into the reply rrp and sends it back on the rx port. */
static void send_reply(struct mipha_ctl *c, struct mipha_ctrl_msg *msg, const uint8_t *rrp,
		       size_t len)
{
	if (mipha_reply_frame(msg->m, msg->rrq_off, rrp, (uint16_t)len, msg->ha_addr) != 0) {
		drop(c, msg, MIPHA_CTL_CNT_DROP_REPLY);
		return;
	}
	mipha_ctl_tx(c, msg->port, msg->m);
	msg->m = NULL;
}

void mipha_ctl_reply_unsigned(struct mipha_ctl *c, struct mipha_ctrl_msg *msg,
			      const struct mip_msg *rrq, uint8_t code)
{
	uint8_t rrp[RRP_MAX];
	uint16_t off;
	uint16_t len = mipha_rrp_build(rrp, sizeof(rrp), rrq, code, 0, rrq->ha_addr, rrq->ident,
				       0, &off);

	if (len == 0) {
		drop(c, msg, MIPHA_CTL_CNT_DROP_REPLY);
		return;
	}
	send_reply(c, msg, rrp, len);
}

/*
 * A reply signed with the key that verified the RRQ (verified_spi of sa),
 * recorded in the SA's duplicate cache so an exact copy of the RRQ gets it
 * again from the fast path (spec section 8). 0, or -1 when dropped.
 */
int mipha_ctl_reply_keyed(struct mipha_ctl *c, struct mipha_ctrl_msg *msg,
			  const struct mip_msg *rrq, uint8_t code, uint16_t lifetime,
			  uint64_t ident, uint32_t spi, enum mip_alg alg, const struct mip_key *key,
			  struct mipha_sa *dup_sa, uint8_t *copy, uint16_t *copy_len)
{
	uint8_t rrp[RRP_MAX];
	uint16_t off = 0, len;

	len = mipha_rrp_build(rrp, sizeof(rrp), rrq, code, lifetime, rrq->ha_addr, ident, spi,
			      &off);
	if (len == 0 || mip_auth_sign(rrp, off, alg, key) != 0) {
		drop(c, msg, MIPHA_CTL_CNT_DROP_REPLY);
		return -1;
	}
	/* Before the frame is rewritten: the cache keeps the RRQ's CRC. */
	if (dup_sa != NULL)
		mipha_sa_dup_store(dup_sa, MIPHA_DUP_FAST, rrq->buf, rrq->len, rrq->ident, code,
				   lifetime, spi, rrp + off);
	if (copy != NULL) {
		memcpy(copy, rrp, len);
		*copy_len = len;
	}
	send_reply(c, msg, rrp, len);
	return 0;
}

/* The signer of a reply to an RRQ a worker verified (msg->sa, msg->verified_spi). */
static int msg_signer(const struct mipha_ctrl_msg *msg, struct mipha_ctl_signer *s)
{
	const struct mipha_sa_key *k = mipha_sa_key_for(msg->sa, msg->verified_spi);

	memset(s, 0, sizeof(*s));
	if (k == NULL)
		return -1;
	s->spi = msg->verified_spi;
	s->alg = (enum mip_alg)k->alg;
	s->key = &k->key;
	s->dup_sa = msg->sa;
	return 0;
}

static int reply_with(struct mipha_ctl *c, struct mipha_ctrl_msg *msg, const struct mip_msg *rrq,
		      const struct mipha_ctl_signer *s, uint8_t code, uint16_t lifetime)
{
	return mipha_ctl_reply_keyed(c, msg, rrq, code, lifetime, rrq->ident, s->spi, s->alg,
				     s->key, s->dup_sa, s->copy, s->copy_len);
}

/*
 * A reply signed with the key that verified the RRQ (verified_spi of sa),
 * recorded in the SA's duplicate cache so an exact copy of the RRQ gets it
 * again from the fast path (spec section 8). 0, or -1 when dropped.
 */
static int reply_signed(struct mipha_ctl *c, struct mipha_ctrl_msg *msg, const struct mip_msg *rrq,
			uint8_t code, uint16_t lifetime)
{
	struct mipha_ctl_signer s;

	if (msg_signer(msg, &s) != 0) {
		drop(c, msg, MIPHA_CTL_CNT_DROP_REPLY);
		return -1;
	}
	return reply_with(c, msg, rrq, &s, code, lifetime);
}

/* RFC 5944 4.6: tell the home link that home_addr is now at each home port's MAC. */
static void send_garp(struct mipha_ctl *c, uint32_t home_addr)
{
	const struct mipha_worker_conf *wc = c->p.wconf;
	uint16_t port;

	for (port = 0; port < MIPHA_MAX_PORTS; port++) {
		struct rte_mbuf *m;

		if (!(wc->port[port].roles & MIPHA_ROLE_HOME))
			continue;
		m = mipha_arp_gratuitous(c->p.mp, &wc->port[port].mac, home_addr);
		if (m == NULL) {
			cnt(c, MIPHA_CTL_CNT_DROP_NO_MBUF);
			continue;
		}
		mipha_ctl_tx(c, port, m);
		cnt(c, MIPHA_CTL_CNT_GARP);
	}
}

void mipha_ctl_garp(struct mipha_ctl *c, uint32_t home_addr)
{
	send_garp(c, home_addr);
}

void mipha_ctl_send_reply(struct mipha_ctl *c, struct mipha_ctrl_msg *msg, const uint8_t *rrp,
			  size_t len)
{
	send_reply(c, msg, rrp, len);
}

static uint16_t granted_lifetime(const struct mipha_ctl *c, uint16_t asked)
{
	uint32_t max = c->p.cfg->ha.max_lifetime;

	return asked < max ? asked : (uint16_t)max;
}

int mipha_ctl_register(struct mipha_ctl *c, struct mipha_ctrl_msg *msg, const struct mip_msg *rrq,
		       const struct mipha_ctl_signer *s)
{
	uint32_t now = mipha_clock_sec(&c->p.wconf->clock);
	uint16_t lifetime = granted_lifetime(c, rrq->lifetime);
	uint8_t code = (rrq->flags & MIP_FLAG_S) ? MIP_CODE_ACCEPTED_NO_SIMUL : MIP_CODE_ACCEPTED;
	struct mipha_expiry_ent e = {
		.expiry = now + lifetime,
		.home_addr = rrq->home_addr,
		.gen = c->gen,
	};
	bool fresh;
	int error;

	if (rrq->flags & (MIP_FLAG_M | MIP_FLAG_G)) {
		/* Only IP-in-IP is implemented (RFC 5944 3.8.3 code 139). */
		if (reply_with(c, msg, rrq, s, MIPHA_CODE_ENCAP_UNAVAILABLE, 0) != 0)
			return -1;
		cnt(c, MIPHA_CTL_CNT_REPLY_139);
		return MIPHA_CODE_ENCAP_UNAVAILABLE;
	}
	/* The entry first: a binding without one would never expire. */
	if (mipha_expiry_push(&c->expiry, &e) != 0) {
		cnt(c, MIPHA_CTL_CNT_DROP_EXPIRY_NOMEM);
		if (reply_with(c, msg, rrq, s, MIP_CODE_INSUFFICIENT_RESOURCES, 0) != 0)
			return -1;
		cnt(c, MIPHA_CTL_CNT_REPLY_130);
		return MIP_CODE_INSUFFICIENT_RESOURCES;
	}
	c->gen++;	/* used or not, never reused: one live entry per binding */
	fresh = mipha_binding_lookup(c->p.bindings, rrq->home_addr) == NULL;
	error = mipha_binding_install(c->p.bindings, rrq->home_addr, rrq->coa, e.expiry,
				      rrq->flags, e.gen, NULL);
	if (error != 0) {
		/* The pushed entry finds no binding of its generation and dies. */
		if (reply_with(c, msg, rrq, s, MIP_CODE_INSUFFICIENT_RESOURCES, 0) != 0)
			return -1;
		cnt(c, MIPHA_CTL_CNT_REPLY_130);
		return MIP_CODE_INSUFFICIENT_RESOURCES;
	}
	if (fresh)
		cnt(c, MIPHA_CTL_CNT_BINDING_NEW);
	if (reply_with(c, msg, rrq, s, code, lifetime) == 0)
		cnt(c, MIPHA_CTL_CNT_REPLY_ACCEPTED);
	if (fresh)
		send_garp(c, rrq->home_addr);
	return code;
}

/* Verified first registration: install the binding, answer 0/1, announce. */
static void handle_new_binding(struct mipha_ctl *c, struct mipha_ctrl_msg *msg,
			       const struct mip_msg *rrq)
{
	struct mipha_ctl_signer s;

	if (msg_signer(msg, &s) != 0) {
		drop(c, msg, MIPHA_CTL_CNT_DROP_REPLY);
		return;
	}
	mipha_ctl_register(c, msg, rrq, &s);
}

/* Verified deregistration: remove the binding now, answer 0 with lifetime 0. */
static void handle_dereg(struct mipha_ctl *c, struct mipha_ctrl_msg *msg,
			 const struct mip_msg *rrq)
{
	if (mipha_binding_remove(c->p.bindings, rrq->home_addr) == 0)
		cnt(c, MIPHA_CTL_CNT_BINDING_DEREG);
	else
		cnt(c, MIPHA_CTL_CNT_DEREG_UNBOUND);
	if (reply_signed(c, msg, rrq, MIP_CODE_ACCEPTED, 0) == 0)
		cnt(c, MIPHA_CTL_CNT_REPLY_ACCEPTED);
	/* An address assigned to an NAI static MN goes back to the pool (SA removed). */
	mipha_ctl_nai_unbind(c, rrq->home_addr);
}

/* An exact copy of an RRQ whose reply control built: the cached reply again. */
static void handle_duplicate(struct mipha_ctl *c, struct mipha_ctrl_msg *msg,
			     const struct mip_msg *rrq)
{
	struct mipha_sa_dup d;
	uint8_t rrp[RRP_MAX];
	uint16_t off = 0, len;
	uint8_t kind = MIPHA_DUP_NONE;

	if (msg->sa != NULL)
		kind = mipha_sa_dup_match(msg->sa, rrq->buf, rrq->len, rrq->ident, &d);
	if (kind == MIPHA_DUP_CTRL) {
		/* A reply the dynamic-key core built: it keeps the bytes. */
		mipha_ctl_dynkey_duplicate(c, msg, rrq);
		return;
	}
	/* The FAST entries control stores rebuild the reply from what they hold. */
	if (kind != MIPHA_DUP_FAST) {
		drop(c, msg, MIPHA_CTL_CNT_DROP_DUP_MISS);
		return;
	}
	len = mipha_rrp_build(rrp, sizeof(rrp), rrq, d.code, d.lifetime, rrq->ha_addr, rrq->ident,
			      d.spi, &off);
	if (len == 0) {
		drop(c, msg, MIPHA_CTL_CNT_DROP_REPLY);
		return;
	}
	memcpy(rrp + off, d.auth, MIP_MD5_AUTH_LEN);
	cnt(c, MIPHA_CTL_CNT_REPLY_DUPLICATE);
	send_reply(c, msg, rrp, len);
}

void mipha_ctl_handle(struct mipha_ctl *c, struct mipha_ctrl_msg *msg)
{
	struct mip_parse_cfg pc = c->p.wconf->parse;
	const uint8_t *rrq_buf = rrq_bytes(msg);
	struct mip_msg rrq;

	cnt(c, MIPHA_CTL_CNT_MSGS);
	if (msg->cls == MIPHA_CTRL_PREV_RETIRED) {
		mipha_ctl_dynkey_prev_retired(c, msg);
		return;
	}
	if (msg->m == NULL) {
		cnt(c, MIPHA_CTL_CNT_DROP_UNEXPECTED);
		return;
	}
	/* Re-parse rather than trust pointers from another lcore (ctrl_msg.h). */
	if (rrq_buf == NULL || mip_parse(rrq_buf, msg->rrq_len, &pc, &rrq) != MIP_OK ||
	    rrq.type != MIP_TYPE_RRQ) {
		drop(c, msg, MIPHA_CTL_CNT_DROP_MALFORMED);
		return;
	}
	switch (msg->cls) {
	case MIPHA_CTRL_NEW_BINDING:
		if (msg->sa == NULL || msg->verified_spi == 0)
			break;
		if (msg->sa->kind == MIPHA_SA_DYNAMIC) {
			/* Only a rekey re-creates a dynamic binding (spec section 7). */
			mipha_ctl_dynkey_rekey(c, msg, &rrq);
			return;
		}
		handle_new_binding(c, msg, &rrq);
		return;
	case MIPHA_CTRL_DEREG:
		if (msg->sa == NULL || msg->verified_spi == 0)
			break;
		if (msg->sa->kind == MIPHA_SA_DYNAMIC) {
			mipha_ctl_dynkey_dereg(c, msg, &rrq);
			return;
		}
		handle_dereg(c, msg, &rrq);
		return;
	case MIPHA_CTRL_UNKNOWN_SPI:
		if (mipha_ctl_nai_rrq(c, msg, &rrq))
			return;	/* an SA by NAI alone: answered */
		mipha_ctl_reply_unsigned(c, msg, &rrq, MIP_CODE_MN_FAILED_AUTH);
		cnt(c, MIPHA_CTL_CNT_REPLY_131_UNKNOWN_SPI);
		return;
	case MIPHA_CTRL_AUTH_NAI:
		if (mipha_ctl_nai_rrq(c, msg, &rrq))
			return;	/* its NAI's SA by NAI alone: 129, or 131 from there */
		mipha_ctl_reply_unsigned(c, msg, &rrq, MIP_CODE_MN_FAILED_AUTH);
		cnt(c, MIPHA_CTL_CNT_REPLY_131_AUTH_NAI);
		return;
	case MIPHA_CTRL_INITIAL:
		mipha_ctl_dynkey_initial(c, msg, &rrq);
		return;
	case MIPHA_CTRL_REKEY:
		mipha_ctl_dynkey_rekey(c, msg, &rrq);
		return;
	case MIPHA_CTRL_DUPLICATE:
		handle_duplicate(c, msg, &rrq);
		return;
	case MIPHA_CTRL_AUTH_PREV:
		mipha_ctl_dynkey_auth_prev(c, msg, &rrq);
		return;
	default:
		break;
	}
	drop(c, msg, MIPHA_CTL_CNT_DROP_UNEXPECTED);
}

struct mipha_binding *mipha_ctl_entry_binding(const struct mipha_ctl *c,
					      const struct mipha_expiry_ent *e)
{
	struct mipha_binding *b = mipha_binding_lookup(c->p.bindings, e->home_addr);

	return b != NULL && b->cookie == e->gen ? b : NULL;
}

unsigned int mipha_ctl_expire(struct mipha_ctl *c, uint32_t now_sec)
{
	struct mipha_expiry_ent e;
	unsigned int looked = 0;

	while (looked < EXPIRE_BATCH && mipha_expiry_peek(&c->expiry, &e) &&
	       mip_ntp_sec_cmp(e.expiry, now_sec) <= 0) {
		struct mipha_binding *b;
		uint32_t expiry;

		looked++;
		mipha_expiry_pop(&c->expiry);
		b = mipha_ctl_entry_binding(c, &e);
		if (b == NULL)
			continue;	/* removed, or reinstalled with its own entry */
		/* A worker may have extended it in place: re-read, re-arm. */
		expiry = mipha_binding_expiry(mipha_binding_load(b));
		if (mip_ntp_sec_cmp(expiry, now_sec) > 0) {
			e.expiry = expiry;
			if (mipha_expiry_push(&c->expiry, &e) == 0) {
				cnt(c, MIPHA_CTL_CNT_EXPIRY_REARMED);
				continue;
			}
			cnt(c, MIPHA_CTL_CNT_DROP_EXPIRY_NOMEM);
		}
		if (mipha_ctl_dynkey_expired(c, e.home_addr)) {
			/* Keys wiped or continued, binding removed by the core's decision. */
			cnt(c, MIPHA_CTL_CNT_BINDING_EXPIRED);
			continue;
		}
		if (mipha_ctl_nai_unbind(c, e.home_addr)) {
			/* Binding and SA removed, the address back in the pool. */
			cnt(c, MIPHA_CTL_CNT_BINDING_EXPIRED);
			continue;
		}
		if (mipha_binding_remove(c->p.bindings, e.home_addr) == 0)
			cnt(c, MIPHA_CTL_CNT_BINDING_EXPIRED);
	}
	return looked;
}

/* Request states: the caller may withdraw only an "asked" request, never a running one. */
#define TEL_IDLE 0
#define TEL_ASKED 1
#define TEL_DONE 2
#define TEL_RUNNING 3

/* Serves a pending telemetry request, if any. */
static unsigned int serve_telemetry(struct mipha_ctl *c)
{
	int asked = TEL_ASKED;

	if (__atomic_load_n(&c->tel.state, __ATOMIC_ACQUIRE) != TEL_ASKED)
		return 0;
	/* Claim it, so a caller that timed out cannot free d under us. */
	if (!__atomic_compare_exchange_n(&c->tel.state, &asked, TEL_RUNNING, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return 0;
	c->tel.ret = c->tel.fn(c, c->tel.params, c->tel.d);
	cnt(c, MIPHA_CTL_CNT_TELEMETRY);
	__atomic_store_n(&c->tel.state, TEL_DONE, __ATOMIC_RELEASE);
	return 1;
}

int mipha_ctl_call(struct mipha_ctl *c, mipha_ctl_tel_fn fn, const char *params,
		   struct rte_tel_data *d, unsigned int timeout_ms)
{
	unsigned int waited_us = 0;
	int ret = -EBUSY;

	pthread_mutex_lock(&c->tel.lock);
	c->tel.fn = fn;
	c->tel.params = params;
	c->tel.d = d;
	__atomic_store_n(&c->tel.state, TEL_ASKED, __ATOMIC_RELEASE);
	mipha_ctrl_bell_ring(c->p.bell);
	while (waited_us < timeout_ms * 1000u) {
		if (__atomic_load_n(&c->tel.state, __ATOMIC_ACQUIRE) == TEL_DONE) {
			ret = c->tel.ret;
			break;
		}
		rte_delay_us_sleep(100);
		waited_us += 100;
	}
	/* Withdraw an unanswered request; if control took it meanwhile, wait for it. */
	if (ret == -EBUSY) {
		int asked = TEL_ASKED;

		if (!__atomic_compare_exchange_n(&c->tel.state, &asked, TEL_IDLE, false,
						 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			while (__atomic_load_n(&c->tel.state, __ATOMIC_ACQUIRE) != TEL_DONE)
				rte_delay_us_sleep(100);
			ret = c->tel.ret;
		}
	}
	__atomic_store_n(&c->tel.state, TEL_IDLE, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&c->tel.lock);
	return ret;
}

unsigned int mipha_ctl_poll(struct mipha_ctl *c)
{
	struct mipha_ctrl_msg msgs[MIPHA_BURST];
	unsigned int n, i, work;

	n = mipha_ctrl_recv(c->p.ring, msgs, MIPHA_BURST);
	for (i = 0; i < n; i++)
		mipha_ctl_handle(c, &msgs[i]);
	work = n;
	work += mipha_ctl_expire(c, mipha_clock_sec(&c->p.wconf->clock));
	work += serve_telemetry(c);
	work += mipha_ctl_dynkey_poll(c);
	work += mipha_ctl_link_poll(c, rte_get_timer_cycles());
	mipha_binding_table_reclaim(c->p.bindings);
	mipha_sa_table_reclaim(c->p.sas);
	return work;
}

/* Waits up to timeout_us on fd alone (no AAA client): is it readable? */
static bool wait_fd(int fd, uint32_t timeout_us)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct timespec ts = {
		.tv_sec = timeout_us / 1000000,
		.tv_nsec = (long)(timeout_us % 1000000) * 1000,
	};

	return ppoll(&p, 1, &ts, NULL) > 0 && (p.revents & POLLIN) != 0;
}

/*
 * One idle sleep of up to timeout_us. With the doorbell, a worker's message,
 * a telemetry request and a RADIUS reply each end it at once; without (tests
 * that build control without one), ring messages wait for its end.
 */
static void idle_wait(struct mipha_ctl *c, uint32_t timeout_us)
{
	struct mipha_ctrl_bell *b = c->p.bell;
	bool rung = false;

	if (b == NULL || b->fd < 0) {
		if (mipha_ctl_dynkey_idle_wait(c, timeout_us, -1, NULL) < 0)
			rte_delay_us_sleep(timeout_us);
		return;
	}
	if (!mipha_ctrl_bell_arm(b, c->p.ring))
		return;
	if (__atomic_load_n(&c->tel.state, __ATOMIC_ACQUIRE) == TEL_ASKED) {
		mipha_ctrl_bell_disarm(b, false);
		return;
	}
	if (mipha_ctl_dynkey_idle_wait(c, timeout_us, b->fd, &rung) == -ENOTSUP)
		rung = wait_fd(b->fd, timeout_us);
	mipha_ctrl_bell_disarm(b, rung);
	cnt(c, MIPHA_CTL_CNT_IDLE_WAITS);
}

int mipha_ctl_loop(void *arg)
{
	struct mipha_ctl *c = arg;
	const struct mipha_cfg_lcores *lc = c->p.cfg != NULL ? &c->p.cfg->lcores : NULL;
	unsigned int polls = lc != NULL && lc->idle_polls != 0 ? lc->idle_polls : 256;
	uint64_t spin = lc != NULL ? (uint64_t)lc->idle_poll_us * rte_get_timer_hz() / 1000000 : 0;
	uint64_t busy_at = rte_get_timer_cycles();
	bool bell = c->p.bell != NULL && c->p.bell->fd >= 0;
	uint32_t sleep_max = bell ? RTE_MAX(c->p.idle_sleep_max_us, c->p.idle_sleep_us)
				  : c->p.idle_sleep_us;
	uint32_t sleep_us = c->p.idle_sleep_us;
	unsigned int idle = 0;

	while (!*c->p.quit) {
		if (mipha_ctl_poll(c) != 0) {
			idle = 0;
			sleep_us = c->p.idle_sleep_us;
			if (spin != 0)
				busy_at = rte_get_timer_cycles();
			continue;
		}
		/*
		 * The workers' idle policy: idle_polls empty polls or idle_poll_us,
		 * whichever ends first, then sleep. Whatever needs control rings
		 * the doorbell or is a RADIUS reply, so the sleep doubles while
		 * idle up to idle_sleep_max_us: only timers (expiry, key
		 * continuation, each a second or more) are then looked at late,
		 * and the AAA client's timers bound the sleep.
		 */
		if (c->p.idle_sleep_us == 0)
			continue;
		if (++idle < polls && (spin == 0 || rte_get_timer_cycles() - busy_at < spin))
			continue;
		idle = polls;
		idle_wait(c, sleep_us);
		sleep_us = sleep_us < sleep_max / 2 ? sleep_us * 2 : sleep_max;
	}
	return 0;
}

void mipha_ctl_drain(struct mipha_ctl *c)
{
	struct mipha_ctrl_msg msgs[MIPHA_BURST];
	unsigned int n, i;

	while ((n = mipha_ctrl_recv(c->p.ring, msgs, MIPHA_BURST)) != 0)
		for (i = 0; i < n; i++)
			rte_pktmbuf_free(msgs[i].m);
}
