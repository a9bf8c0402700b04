/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Mobile Node's registration state machine. See mn_fsm.h; the rules are
 * those of ../shared/spec/dynkey-protocol.md sections 4, 6, 7 and 8, and the
 * reply table of section 6 is mipmn_fsm_input() below, row by row.
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "mn_fsm.h"
#include "mn_msg.h"

void mipmn_cfg_default(struct mipmn_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->lifetime = 1800;
	cfg->vendor_id = MIP_DEFAULT_VENDOR_ID;
	cfg->dynkey_spi = MIP_DEFAULT_DYNKEY_SPI;
	cfg->spi1 = 4097;
	cfg->spi2 = 4098;
	cfg->retry_initial_ms = MIPMN_RETRY_INITIAL_MS;
	cfg->retry_max_ms = MIPMN_RETRY_MAX_MS;
	cfg->max_retries = MIPMN_MAX_RETRIES;
	cfg->dereg_tries = MIPMN_DEREG_TRIES;
}

static const struct {
	int exit_code;
	const char *text;
} fail_info[] = {
#define MIPMN_FAIL_INFO(name, exit, text) [name] = { exit, text },
	MIPMN_FAILS(MIPMN_FAIL_INFO)
#undef MIPMN_FAIL_INFO
};

int mipmn_fail_exit_code(enum mipmn_fail f)
{
	return fail_info[f].exit_code;
}

const char *mipmn_fail_str(enum mipmn_fail f)
{
	return fail_info[f].text;
}

static const char *const event_names[] = {
#define MIPMN_EV_NAME(name, text) [name] = text,
	MIPMN_EVENTS(MIPMN_EV_NAME)
#undef MIPMN_EV_NAME
};

const char *mipmn_event_name(enum mipmn_event_kind k)
{
	return k < MIPMN_EV__COUNT ? event_names[k] : "?";
}

static const char *const discard_names[] = {
#define MIPMN_DROP_NAME(name, text) [name] = text,
	MIPMN_DISCARDS(MIPMN_DROP_NAME)
#undef MIPMN_DROP_NAME
};

const char *mipmn_discard_str(enum mipmn_discard d)
{
	return d < MIPMN_DROP__COUNT ? discard_names[d] : "?";
}

const char *mipmn_xkind_name(enum mipmn_xkind x)
{
	switch (x) {
	case MIPMN_X_INITIAL: return "initial";
	case MIPMN_X_CONTINUE: return "continuation";
	case MIPMN_X_REREG: return "reregistration";
	case MIPMN_X_HANDOVER: return "handover";
	case MIPMN_X_REKEY: return "rekey";
	case MIPMN_X_DEREG: return "deregistration";
	default: return "none";
	}
}

const char *mipmn_deny_action_name(enum mipmn_deny_action a)
{
	switch (a) {
	case MIPMN_DENY_RETRY: return "retry";
	case MIPMN_DENY_RESYNC: return "resync";
	case MIPMN_DENY_INITIAL: return "initial";
	default: return "stop";
	}
}

const char *mipmn_state_name(enum mipmn_state s)
{
	switch (s) {
	case MIPMN_ST_IDLE: return "idle";
	case MIPMN_ST_INITIAL: return "initial";
	case MIPMN_ST_CONTINUE: return "continue";
	case MIPMN_ST_BOUND: return "bound";
	case MIPMN_ST_REREG: return "rereg";
	case MIPMN_ST_REKEY: return "rekey";
	case MIPMN_ST_DEREG: return "dereg";
	case MIPMN_ST_DONE: return "done";
	default: return "failed";
	}
}

/* ---- helpers ---------------------------------------------------------- */

static void emit(struct mipmn_fsm *fsm, struct mipmn_event *ev)
{
	ev->home_addr = fsm->home_addr ? fsm->home_addr : fsm->cfg.home_addr;
	if (ev->coa == 0)
		ev->coa = fsm->cfg.coa;
	ev->clock_offset = fsm->clock_offset;
	if (fsm->io.event != NULL)
		fsm->io.event(fsm->io.ctx, fsm, ev);
}

static struct mipmn_event event_of(enum mipmn_event_kind kind, enum mipmn_xkind xkind)
{
	struct mipmn_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.xkind = xkind;
	ev.code = -1;
	return ev;
}

static void discard(struct mipmn_fsm *fsm, enum mipmn_discard why, const char *detail)
{
	fsm->cnt.discards[why]++;
	if (fsm->io.discard != NULL)
		fsm->io.discard(fsm->io.ctx, fsm, why, detail);
}

static bool exchange_pending(const struct mipmn_fsm *fsm)
{
	switch (fsm->state) {
	case MIPMN_ST_INITIAL:
	case MIPMN_ST_CONTINUE:
	case MIPMN_ST_REREG:
	case MIPMN_ST_REKEY:
	case MIPMN_ST_DEREG:
		return true;
	default:
		return false;
	}
}

static bool is_bound(const struct mipmn_fsm *fsm)
{
	return fsm->state == MIPMN_ST_BOUND || fsm->state == MIPMN_ST_REREG ||
	       fsm->state == MIPMN_ST_REKEY;
}

/* Identification: the wall clock plus the offset a 133 taught, always growing. */
static uint64_t next_ident(struct mipmn_fsm *fsm)
{
	uint64_t raw = fsm->io.ntp_now != NULL ? fsm->io.ntp_now(fsm->io.ctx) : mip_ntp_now(0);
	uint64_t id = raw + ((uint64_t)fsm->clock_offset << 32);

	if (fsm->last_ident != 0 && mip_ntp_cmp(id, fsm->last_ident) <= 0)
		id = fsm->last_ident + 1;
	fsm->last_ident = id;
	return id;
}

static int fill_random(struct mipmn_fsm *fsm, void *buf, size_t len)
{
	ssize_t n;

	if (fsm->io.random != NULL)
		return fsm->io.random(fsm->io.ctx, buf, len);
	n = getrandom(buf, len, 0);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

static void wipe_keys(struct mipmn_fsm *fsm)
{
	mip_wipe(&fsm->skey, sizeof(fsm->skey));
	mip_wipe(&fsm->skey2, sizeof(fsm->skey2));
	fsm->have_skey = false;
	fsm->have_skey2 = false;
	fsm->have_next = false;
	fsm->continuation = 0;
}

/*
 * The binding is cleared (deregistration or expiry). With key continuation
 * offered, Skey_next replaces Skey for the retention time (section 7);
 * otherwise every key goes and the next registration is an initial one.
 */
static void clear_binding(struct mipmn_fsm *fsm, bool allow_continuation, uint64_t now_ms)
{
	struct mip_key next;

	fsm->expiry_ms = MIPMN_NO_DEADLINE;
	fsm->refresh_ms = MIPMN_NO_DEADLINE;
	fsm->rekey_ms = MIPMN_NO_DEADLINE;
	fsm->granted = 0;
	fsm->bound_coa = 0;
	if (allow_continuation && fsm->continuation != 0 && fsm->have_skey && fsm->have_skey2 &&
	    !fsm->cfg.single_key) {
		uint32_t keep = fsm->continuation;

		mip_derive_skey_next(&fsm->skey, fsm->install_ident, &next);
		wipe_keys(fsm);
		fsm->skey = next;
		mip_wipe(&next, sizeof(next));
		fsm->have_skey = true;
		fsm->have_next = true;
		fsm->next_until_ms = now_ms + (uint64_t)keep * 1000u;
		return;
	}
	wipe_keys(fsm);
}

static uint8_t rrq_flags(const struct mipmn_fsm *fsm)
{
	return fsm->cfg.extra_flags | (fsm->cfg.reverse_tunnel ? MIP_FLAG_T : 0);
}

static uint32_t backoff_cap(const struct mipmn_fsm *fsm)
{
	uint32_t cap = fsm->cfg.retry_max_ms;
	uint64_t life_ms = (uint64_t)fsm->cfg.lifetime * 1000u;

	/* RFC 5944 3.6.3: never longer than the requested lifetime. */
	if (life_ms != 0 && life_ms < cap)
		cap = (uint32_t)life_ms;
	if (cap < fsm->cfg.retry_initial_ms)
		cap = fsm->cfg.retry_initial_ms;
	return cap;
}

static void fail(struct mipmn_fsm *fsm, enum mipmn_fail why, const char *reason)
{
	struct mipmn_event ev = event_of(MIPMN_EV_ERROR, fsm->x.kind);

	ev.reason = reason;
	fsm->fail = why;
	fsm->state = MIPMN_ST_FAILED;
	clear_binding(fsm, false, 0);
	emit(fsm, &ev);
}

static void fill_params(const struct mipmn_fsm *fsm, struct mipmn_params *p)
{
	const struct mipmn_cfg *cfg = &fsm->cfg;

	mipmn_params_default(p);
	p->nai = cfg->nai;
	p->nai_len = cfg->nai_len;
	p->ha_addr = cfg->ha_addr;
	p->spi1 = cfg->spi1;
	p->spi2 = cfg->single_key ? 0 : cfg->spi2;
	p->flags = rrq_flags(fsm);
	p->vendor_id = cfg->vendor_id;
	p->dynkey_spi = cfg->dynkey_spi;
	p->alg = MIP_ALG_HMAC_MD5;
	if (cfg->domain_len != 0) {
		p->domain = cfg->domain;
		p->domain_len = cfg->domain_len;
	}
}

/* Builds and sends a new RRQ for the current exchange (every RRQ is new). */
static void send_rrq(struct mipmn_fsm *fsm, uint64_t now_ms)
{
	struct mipmn_exchange *x = &fsm->x;
	struct mipmn_params p;
	long len;

	fill_params(fsm, &p);
	p.coa = x->coa;
	p.lifetime = x->lifetime;
	p.home_addr = x->kind == MIPMN_X_INITIAL ? fsm->cfg.home_addr : fsm->home_addr;
	p.ident = next_ident(fsm);
	switch (x->kind) {
	case MIPMN_X_INITIAL:
		if (fill_random(fsm, p.challenge, sizeof(p.challenge)) != 0) {
			fail(fsm, MIPMN_FAIL_INTERNAL, "no random bytes");
			return;
		}
		p.nt_hash = fsm->cfg.nt_hash;
		len = mipmn_build_initial(&p, x->rrq, sizeof(x->rrq));
		break;
	case MIPMN_X_CONTINUE:
	case MIPMN_X_REKEY:
		len = mipmn_build_rekey(&p, &fsm->skey, x->rrq, sizeof(x->rrq));
		break;
	default:
		if (fsm->cfg.single_key)
			len = mipmn_build_rereg(&p, fsm->cfg.spi1, &fsm->skey, x->rrq,
						sizeof(x->rrq));
		else
			len = mipmn_build_rereg(&p, fsm->cfg.spi2, &fsm->skey2, x->rrq,
						sizeof(x->rrq));
		break;
	}
	mip_wipe(&p.nt_hash, sizeof(p.nt_hash));
	if (len <= 0) {
		x->rrq_len = 0;
		fail(fsm, MIPMN_FAIL_INTERNAL, "cannot build the request");
		return;
	}
	x->rrq_len = (size_t)len;
	x->ident = p.ident;
	x->tries++;
	x->sent_ms = now_ms;
	x->deadline_ms = now_ms + x->backoff_ms;
	fsm->cnt.rrq_sent++;
	fsm->io.send(fsm->io.ctx, fsm, x->rrq, x->rrq_len);
}

static enum mipmn_state state_of(enum mipmn_xkind kind)
{
	switch (kind) {
	case MIPMN_X_INITIAL: return MIPMN_ST_INITIAL;
	case MIPMN_X_CONTINUE: return MIPMN_ST_CONTINUE;
	case MIPMN_X_REKEY: return MIPMN_ST_REKEY;
	case MIPMN_X_DEREG: return MIPMN_ST_DEREG;
	default: return MIPMN_ST_REREG;
	}
}

static void start_exchange(struct mipmn_fsm *fsm, enum mipmn_xkind kind, uint64_t now_ms)
{
	struct mipmn_exchange *x = &fsm->x;

	mip_wipe(x, sizeof(*x));
	x->kind = kind;
	x->coa = fsm->cfg.coa;
	x->lifetime = kind == MIPMN_X_DEREG ? 0 : fsm->cfg.lifetime;
	x->backoff_ms = fsm->cfg.retry_initial_ms;
	x->first_ms = now_ms;
	fsm->state = state_of(kind);
	send_rrq(fsm, now_ms);
}

/* Initial registration, or key continuation while Skey_next is held. */
static void start_registration(struct mipmn_fsm *fsm, uint64_t now_ms)
{
	if (fsm->have_next && now_ms < fsm->next_until_ms) {
		start_exchange(fsm, MIPMN_X_CONTINUE, now_ms);
		return;
	}
	wipe_keys(fsm);
	start_exchange(fsm, MIPMN_X_INITIAL, now_ms);
}

static void fall_back_to_initial(struct mipmn_fsm *fsm, uint64_t now_ms)
{
	clear_binding(fsm, false, now_ms);
	fsm->cnt.initial_fallbacks++;
	start_exchange(fsm, MIPMN_X_INITIAL, now_ms);
}

/* ---- public: life cycle ----------------------------------------------- */

void mipmn_fsm_init(struct mipmn_fsm *fsm, const struct mipmn_cfg *cfg,
		    const struct mipmn_io *io)
{
	memset(fsm, 0, sizeof(*fsm));
	fsm->cfg = *cfg;
	fsm->io = *io;
	fsm->state = MIPMN_ST_IDLE;
	fsm->expiry_ms = MIPMN_NO_DEADLINE;
	fsm->refresh_ms = MIPMN_NO_DEADLINE;
	fsm->rekey_ms = MIPMN_NO_DEADLINE;
}

void mipmn_fsm_fini(struct mipmn_fsm *fsm)
{
	wipe_keys(fsm);
	mip_wipe(&fsm->x, sizeof(fsm->x));
	mip_wipe(&fsm->cfg.nt_hash, sizeof(fsm->cfg.nt_hash));
}

void mipmn_fsm_start(struct mipmn_fsm *fsm, uint64_t now_ms)
{
	if (fsm->state != MIPMN_ST_IDLE)
		return;
	start_registration(fsm, now_ms);
}

bool mipmn_fsm_finished(const struct mipmn_fsm *fsm)
{
	return fsm->state == MIPMN_ST_DONE || fsm->state == MIPMN_ST_FAILED;
}

/* ---- replies ---------------------------------------------------------- */

/* A binding was created or refreshed by the exchange in fsm->x. */
static void binding_refresh(struct mipmn_fsm *fsm, const struct mipmn_reply *rrp,
			    uint64_t now_ms)
{
	struct mipmn_exchange *x = &fsm->x;

	fsm->granted = rrp->lifetime;
	fsm->bound_coa = x->coa;
	fsm->bound_ms = x->sent_ms;
	/* RFC 5944 3.6.2.1: the lifetime runs from when the RRQ was sent. */
	fsm->expiry_ms = x->sent_ms + (uint64_t)rrp->lifetime * 1000u;
	fsm->refresh_ms = x->sent_ms + (uint64_t)rrp->lifetime * 750u;
	fsm->ever_bound = true;
	fsm->state = MIPMN_ST_BOUND;
}

static void schedule_rekey(struct mipmn_fsm *fsm)
{
	if (fsm->cfg.single_key || fsm->cfg.rekey_interval == 0)
		fsm->rekey_ms = MIPMN_NO_DEADLINE;
	else
		fsm->rekey_ms = fsm->x.sent_ms + (uint64_t)fsm->cfg.rekey_interval * 1000u;
}

static void success_event(struct mipmn_fsm *fsm, enum mipmn_event_kind kind,
			  const struct mipmn_reply *rrp, uint64_t now_ms)
{
	struct mipmn_event ev = event_of(kind, fsm->x.kind);

	ev.code = rrp->code;
	ev.authenticated = true;
	ev.lifetime = rrp->lifetime;
	ev.coa = fsm->x.coa;
	ev.latency_ms = now_ms - fsm->x.first_ms;
	ev.attempt = fsm->x.tries;
	emit(fsm, &ev);
}

static void deny_event(struct mipmn_fsm *fsm, const struct mipmn_reply *rrp, bool authenticated,
		       enum mipmn_deny_action action)
{
	struct mipmn_event ev = event_of(MIPMN_EV_DENIED, fsm->x.kind);

	ev.code = rrp->code;
	ev.authenticated = authenticated;
	ev.action = action;
	ev.attempt = fsm->x.tries;
	ev.coa = fsm->x.coa;
	emit(fsm, &ev);
}

/* 133, authenticated: learn the HA's clock and retry at once. */
static void resync(struct mipmn_fsm *fsm, const struct mipmn_reply *rrp, uint64_t now_ms)
{
	struct mipmn_exchange *x = &fsm->x;
	int32_t delta = (int32_t)(mip_ntp_sec(rrp->ident) - mip_ntp_sec(x->ident));

	fsm->cnt.denials++;
	fsm->cnt.resyncs++;
	x->unauth_denials = 0;
	x->resyncs++;
	fsm->clock_offset += delta;
	/* The old clock's Identifications no longer bound the new ones. */
	fsm->last_ident = 0;
	if (x->resyncs > MIPMN_RESYNC_MAX) {
		/* A loop of 133s: fall back to the normal back-off. */
		deny_event(fsm, rrp, true, MIPMN_DENY_RETRY);
		return;
	}
	deny_event(fsm, rrp, true, MIPMN_DENY_RESYNC);
	send_rrq(fsm, now_ms);
}

/* Section 6: any denial without a (valid) MHAE only ever slows the MN down. */
static void unauth_denial(struct mipmn_fsm *fsm, const struct mipmn_reply *rrp, uint64_t now_ms)
{
	struct mipmn_exchange *x = &fsm->x;

	fsm->cnt.denials++;
	x->unauth_denials++;
	x->resyncs = 0;
	switch (x->kind) {
	case MIPMN_X_INITIAL:
		if (x->unauth_denials >= MIPMN_INITIAL_UNAUTH_DENIALS) {
			deny_event(fsm, rrp, false, MIPMN_DENY_STOP);
			fsm->fail = MIPMN_FAIL_DENIED;
			fsm->state = MIPMN_ST_FAILED;
			clear_binding(fsm, false, now_ms);
			return;
		}
		break;
	case MIPMN_X_DEREG:
		break;
	default:
		if (x->unauth_denials >= MIPMN_RENEW_UNAUTH_DENIALS) {
			/* The HA lost its state (a restart, say). */
			deny_event(fsm, rrp, false, MIPMN_DENY_INITIAL);
			fall_back_to_initial(fsm, now_ms);
			return;
		}
		break;
	}
	/* Back off: the retransmission timer already runs. */
	deny_event(fsm, rrp, false, MIPMN_DENY_RETRY);
}

/* A verified acceptance of the initial RRQ: install the keys, adopt the home address. */
static void initial_accept(struct mipmn_fsm *fsm, struct mipmn_reply *rep, uint64_t now_ms)
{
	wipe_keys(fsm);
	fsm->skey = rep->skey;
	fsm->have_skey = true;
	if (!fsm->cfg.single_key && rep->has_skey2) {
		fsm->skey2 = rep->skey2;
		fsm->have_skey2 = true;
		fsm->install_ident = fsm->x.ident;
		if (rep->has_key_continuation)
			fsm->continuation = rep->key_continuation;
	}
	fsm->home_addr = rep->home_addr;
	binding_refresh(fsm, rep, now_ms);
	schedule_rekey(fsm);
	fsm->cnt.registrations++;
	success_event(fsm, MIPMN_EV_REGISTERED, rep, now_ms);
}

/* The key of the exchange in flight: SPI1/Skey for rekeys, else the day-to-day key. */
static void exchange_key(const struct mipmn_fsm *fsm, uint32_t *spi, const struct mip_key **key)
{
	if (fsm->x.kind == MIPMN_X_REKEY || fsm->x.kind == MIPMN_X_CONTINUE ||
	    fsm->cfg.single_key) {
		*spi = fsm->cfg.spi1;
		*key = &fsm->skey;
	} else {
		*spi = fsm->cfg.spi2;
		*key = &fsm->skey2;
	}
}

static void dereg_done(struct mipmn_fsm *fsm, uint64_t now_ms)
{
	clear_binding(fsm, !fsm->stop_after_dereg, now_ms);
	fsm->state = fsm->stop_after_dereg ? MIPMN_ST_DONE : MIPMN_ST_IDLE;
}

static void keyed_accept(struct mipmn_fsm *fsm, const struct mipmn_reply *rrp, uint64_t now_ms)
{
	struct mipmn_exchange *x = &fsm->x;

	switch (x->kind) {
	case MIPMN_X_REREG:
	case MIPMN_X_HANDOVER:
		binding_refresh(fsm, rrp, now_ms);
		if (x->kind == MIPMN_X_HANDOVER) {
			fsm->cnt.handovers++;
			success_event(fsm, MIPMN_EV_HANDOVER, rrp, now_ms);
		} else {
			fsm->cnt.reregistrations++;
			success_event(fsm, MIPMN_EV_REREGISTERED, rrp, now_ms);
		}
		return;
	case MIPMN_X_REKEY:
	case MIPMN_X_CONTINUE:
		/* The new Skey' only now, when its reply verified (section 7). */
		fsm->skey2 = rrp->skey2;
		fsm->have_skey2 = true;
		fsm->have_next = false;
		fsm->install_ident = x->ident;
		fsm->continuation = rrp->has_key_continuation ? rrp->key_continuation : 0;
		binding_refresh(fsm, rrp, now_ms);
		schedule_rekey(fsm);
		if (x->kind == MIPMN_X_CONTINUE) {
			fsm->cnt.continuations++;
			fsm->cnt.registrations++;
			success_event(fsm, MIPMN_EV_REGISTERED, rrp, now_ms);
		} else {
			fsm->cnt.rekeys++;
			success_event(fsm, MIPMN_EV_REKEYED, rrp, now_ms);
		}
		return;
	case MIPMN_X_DEREG:
		fsm->cnt.deregistrations++;
		success_event(fsm, MIPMN_EV_DEREGISTERED, rrp, now_ms);
		dereg_done(fsm, now_ms);
		return;
	default:
		return;
	}
}

/* An authenticated denial under the key of a re-registration, rekey or deregistration. */
static void keyed_denial(struct mipmn_fsm *fsm, const struct mipmn_reply *rrp, uint64_t now_ms)
{
	fsm->cnt.denials++;
	fsm->x.unauth_denials = 0;
	if (fsm->x.kind == MIPMN_X_DEREG) {
		/* The HA refuses to deregister us under our own key. */
		deny_event(fsm, rrp, true, MIPMN_DENY_STOP);
		clear_binding(fsm, false, now_ms);
		if (fsm->stop_after_dereg) {
			fsm->fail = MIPMN_FAIL_DEREG;
			fsm->state = MIPMN_ST_FAILED;
		} else {
			fsm->state = MIPMN_ST_IDLE;
		}
		return;
	}
	/* The HA no longer accepts that key: start a new initial registration. */
	deny_event(fsm, rrp, true, MIPMN_DENY_INITIAL);
	fall_back_to_initial(fsm, now_ms);
}

/*
 * An authenticated denial of an initial registration: an HA vouched for by
 * the AAA server refuses us (129 for a home address, say). Retrying cannot
 * help. (The spec's table has no row for it; see docs/mipmn.md.)
 */
static void initial_denial(struct mipmn_fsm *fsm, const struct mipmn_reply *rrp, uint64_t now_ms)
{
	fsm->cnt.denials++;
	deny_event(fsm, rrp, true, MIPMN_DENY_STOP);
	fsm->fail = MIPMN_FAIL_DENIED;
	fsm->state = MIPMN_ST_FAILED;
	clear_binding(fsm, false, now_ms);
}

static enum mipmn_reason check(struct mipmn_fsm *fsm, const uint8_t *buf, size_t len,
			       struct mipmn_reply *rep)
{
	struct mip_parse_cfg pcfg = { .vendor_id = fsm->cfg.vendor_id,
				      .dynkey_spi = fsm->cfg.dynkey_spi };
	const struct mip_key *key;
	uint32_t spi;

	if (fsm->x.kind == MIPMN_X_INITIAL)
		return mipmn_check_initial_reply(fsm->x.rrq, fsm->x.rrq_len, buf, len,
						 fsm->cfg.nai, fsm->cfg.nai_len,
						 &fsm->cfg.nt_hash, &pcfg, rep);
	exchange_key(fsm, &spi, &key);
	return mipmn_check_reply(fsm->x.rrq, fsm->x.rrq_len, buf, len, key, MIP_ALG_HMAC_MD5,
				 &pcfg, rep);
}

/* The reply table of section 6, row by row. */
void mipmn_fsm_input(struct mipmn_fsm *fsm, const uint8_t *buf, size_t len, uint64_t now_ms)
{
	struct mipmn_reply rep;
	enum mipmn_reason r;

	if (!exchange_pending(fsm)) {
		discard(fsm, MIPMN_DROP_UNEXPECTED, NULL);
		return;
	}
	r = check(fsm, buf, len, &rep);
	if (r != MIPMN_R_MALFORMED && r != MIPMN_R_NOT_REPLY)
		fsm->cnt.rrp_received++;
	switch (r) {
	case MIPMN_R_OK:
		/* 0 or 1, authenticated: registered. */
		if (fsm->x.kind == MIPMN_X_INITIAL)
			initial_accept(fsm, &rep, now_ms);
		else
			keyed_accept(fsm, &rep, now_ms);
		break;
	case MIPMN_R_DENIED_AUTH:
		if (rep.code == MIP_CODE_ID_MISMATCH)
			resync(fsm, &rep, now_ms);
		else if (fsm->x.kind == MIPMN_X_INITIAL)
			initial_denial(fsm, &rep, now_ms);
		else
			keyed_denial(fsm, &rep, now_ms);
		break;
	case MIPMN_R_DENIED:
		unauth_denial(fsm, &rep, now_ms);
		break;
	case MIPMN_R_MALFORMED:
		discard(fsm, MIPMN_DROP_PARSE, mip_err_str(rep.parse_err));
		break;
	case MIPMN_R_NOT_REPLY:
		discard(fsm, MIPMN_DROP_NOT_RRP, NULL);
		break;
	case MIPMN_R_IDENT:
		discard(fsm, MIPMN_DROP_IDENT, NULL);
		break;
	case MIPMN_R_NAI:
		discard(fsm, MIPMN_DROP_NAI, NULL);
		break;
	case MIPMN_R_NO_MHAE:
		discard(fsm, MIPMN_DROP_ACCEPT_UNAUTH, mipmn_reason_str(r));
		break;
	default:
		/* Anything failing verification: discarded; retransmission goes on. */
		discard(fsm, MIPMN_DROP_VERIFY, mipmn_reason_str(r));
		break;
	}
	mipmn_reply_wipe(&rep);
}

/* ---- timers ----------------------------------------------------------- */

static void retransmit(struct mipmn_fsm *fsm, uint64_t now_ms)
{
	struct mipmn_exchange *x = &fsm->x;
	struct mipmn_event ev;
	uint32_t waited = x->backoff_ms;

	switch (x->kind) {
	case MIPMN_X_INITIAL:
		if (fsm->cfg.max_retries != 0 && x->tries > fsm->cfg.max_retries) {
			fail(fsm, MIPMN_FAIL_NO_REPLY, mipmn_fail_str(MIPMN_FAIL_NO_REPLY));
			return;
		}
		break;
	case MIPMN_X_CONTINUE:
		if (x->tries >= MIPMN_RENEW_UNAUTH_DENIALS ||
		    (fsm->cfg.max_retries != 0 && x->tries > fsm->cfg.max_retries) ||
		    now_ms >= fsm->next_until_ms) {
			fall_back_to_initial(fsm, now_ms);
			return;
		}
		break;
	case MIPMN_X_DEREG:
		if (x->tries >= fsm->cfg.dereg_tries) {
			if (fsm->stop_after_dereg) {
				fail(fsm, MIPMN_FAIL_DEREG, mipmn_fail_str(MIPMN_FAIL_DEREG));
			} else {
				clear_binding(fsm, false, now_ms);
				fsm->state = MIPMN_ST_IDLE;
			}
			return;
		}
		break;
	default:
		/* Re-registrations and rekeys go on until the binding expires. */
		break;
	}
	ev = event_of(MIPMN_EV_RETRYING, x->kind);
	ev.attempt = x->tries + 1;
	ev.delay_ms = waited;
	ev.coa = x->coa;
	emit(fsm, &ev);
	x->backoff_ms = waited * 2u;
	if (x->backoff_ms > backoff_cap(fsm) || x->backoff_ms < waited)
		x->backoff_ms = backoff_cap(fsm);
	fsm->cnt.retransmissions++;
	send_rrq(fsm, now_ms);
}

static void expire(struct mipmn_fsm *fsm, uint64_t now_ms)
{
	struct mipmn_event ev = event_of(MIPMN_EV_EXPIRED, fsm->x.kind);

	fsm->cnt.expiries++;
	ev.coa = fsm->bound_coa;
	emit(fsm, &ev);
	clear_binding(fsm, true, now_ms);
	fsm->state = MIPMN_ST_IDLE;
	start_registration(fsm, now_ms);
}

void mipmn_fsm_tick(struct mipmn_fsm *fsm, uint64_t now_ms)
{
	if (is_bound(fsm) && now_ms >= fsm->expiry_ms) {
		expire(fsm, now_ms);
		return;
	}
	if (exchange_pending(fsm) && now_ms >= fsm->x.deadline_ms) {
		retransmit(fsm, now_ms);
		return;
	}
	if (fsm->state == MIPMN_ST_IDLE && fsm->have_next && now_ms >= fsm->next_until_ms) {
		wipe_keys(fsm);
		return;
	}
	if (fsm->state != MIPMN_ST_BOUND)
		return;
	/* A rekey refreshes the binding too, so it goes first. */
	if (now_ms >= fsm->rekey_ms)
		start_exchange(fsm, MIPMN_X_REKEY, now_ms);
	else if (now_ms >= fsm->refresh_ms)
		start_exchange(fsm, MIPMN_X_REREG, now_ms);
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

uint64_t mipmn_fsm_deadline(const struct mipmn_fsm *fsm)
{
	uint64_t d = MIPMN_NO_DEADLINE;

	if (exchange_pending(fsm))
		d = fsm->x.deadline_ms;
	if (is_bound(fsm))
		d = min_u64(d, fsm->expiry_ms);
	if (fsm->state == MIPMN_ST_BOUND)
		d = min_u64(d, min_u64(fsm->refresh_ms, fsm->rekey_ms));
	if (fsm->state == MIPMN_ST_IDLE && fsm->have_next)
		d = min_u64(d, fsm->next_until_ms);
	return d;
}

/* ---- commands --------------------------------------------------------- */

void mipmn_fsm_set_coa(struct mipmn_fsm *fsm, uint32_t coa, uint64_t now_ms)
{
	if (coa == fsm->cfg.coa)
		return;
	fsm->cfg.coa = coa;
	switch (fsm->state) {
	case MIPMN_ST_BOUND:
	case MIPMN_ST_REREG:
	case MIPMN_ST_REKEY:
		/* An abandoned rekey is harmless: the HA keeps the old Skey'. */
		start_exchange(fsm, MIPMN_X_HANDOVER, now_ms);
		return;
	case MIPMN_ST_INITIAL:
	case MIPMN_ST_CONTINUE:
		start_exchange(fsm, fsm->x.kind, now_ms);
		return;
	default:
		return;
	}
}

void mipmn_fsm_reregister(struct mipmn_fsm *fsm, uint64_t now_ms)
{
	if (fsm->state == MIPMN_ST_BOUND)
		start_exchange(fsm, MIPMN_X_REREG, now_ms);
}

void mipmn_fsm_rekey(struct mipmn_fsm *fsm, uint64_t now_ms)
{
	if (fsm->state == MIPMN_ST_BOUND && !fsm->cfg.single_key)
		start_exchange(fsm, MIPMN_X_REKEY, now_ms);
}

void mipmn_fsm_deregister(struct mipmn_fsm *fsm, bool stop, uint64_t now_ms)
{
	fsm->stop_after_dereg = stop;
	switch (fsm->state) {
	case MIPMN_ST_BOUND:
	case MIPMN_ST_REREG:
	case MIPMN_ST_REKEY:
		start_exchange(fsm, MIPMN_X_DEREG, now_ms);
		return;
	case MIPMN_ST_DEREG:
		return;
	case MIPMN_ST_DONE:
	case MIPMN_ST_FAILED:
		return;
	default:
		/* Nothing bound: nothing to tell the HA. */
		if (stop) {
			clear_binding(fsm, false, now_ms);
			fsm->state = MIPMN_ST_DONE;
		} else {
			fsm->state = MIPMN_ST_IDLE;
		}
		return;
	}
}
