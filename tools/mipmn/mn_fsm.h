/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Mobile Node's registration state machine (spec sections 4, 6, 7, 8) as
 * a pure function of events and a clock: no sockets, no timers, no signals.
 * The caller feeds it received datagrams, the monotonic time in ms, and
 * commands (start, care-of change, rekey now, deregister); it answers through
 * callbacks (send a datagram, report an event) and tells when it next wants
 * to be ticked. mn_run.c drives one of these, load.c drives thousands, and
 * the tests drive it against an in-memory Home Agent with a fake clock.
 */
#ifndef MIPMN_FSM_H
#define MIPMN_FSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mip.h"
#include "mn_msg.h"

/* Defaults (RFC 5944 3.6.3: at least 1 s, doubling, never above the lifetime). */
#define MIPMN_RETRY_INITIAL_MS 1000u
#define MIPMN_RETRY_MAX_MS 32000u
#define MIPMN_MAX_RETRIES 8u
#define MIPMN_DEREG_TRIES 3u
/* Spec section 6 reply table. */
#define MIPMN_INITIAL_UNAUTH_DENIALS 5u
#define MIPMN_RENEW_UNAUTH_DENIALS 3u
/* A 133 is retried at once, but only this many times in a row. */
#define MIPMN_RESYNC_MAX 3u

struct mipmn_cfg {
	char nai[MIP_NAI_MAX + 1];
	size_t nai_len;
	char domain[MIP_DOMAIN_MAX + 1];
	size_t domain_len;		/* 0: no DOMAIN extension */
	struct mip_key nt_hash;		/* the credential; wiped by mipmn_fsm_fini */
	uint32_t ha_addr;		/* network order */
	uint32_t home_addr;		/* network order; 0: have one assigned */
	uint32_t coa;			/* network order */
	uint16_t lifetime;		/* requested, seconds */
	uint32_t rekey_interval;	/* seconds; 0: never rekey */
	bool single_key;		/* no KEY-REQ-S2: Skey under SPI1 for everything */
	bool reverse_tunnel;		/* T flag */
	uint8_t extra_flags;		/* more RRQ flags (D for a collocated care-of) */
	uint32_t vendor_id;
	uint32_t dynkey_spi;
	uint32_t spi1, spi2;
	uint32_t retry_initial_ms;
	uint32_t retry_max_ms;
	uint32_t max_retries;		/* retransmissions of one initial exchange; 0: forever */
	uint32_t dereg_tries;
};

/* Fills the defaults: vendor, DYNKEY_SPI, SPIs 4097/4098, lifetime 1800, back-off. */
void mipmn_cfg_default(struct mipmn_cfg *cfg);

enum mipmn_state {
	MIPMN_ST_IDLE,		/* nothing bound, nothing in flight */
	MIPMN_ST_INITIAL,	/* initial RRQ outstanding */
	MIPMN_ST_CONTINUE,	/* rekey RRQ under Skey_next outstanding (key continuation) */
	MIPMN_ST_BOUND,		/* registered, nothing in flight */
	MIPMN_ST_REREG,		/* re-registration (refresh or handover) outstanding */
	MIPMN_ST_REKEY,		/* rekey RRQ under Skey outstanding */
	MIPMN_ST_DEREG,		/* deregistration outstanding */
	MIPMN_ST_DONE,		/* deregistered by request: stopped */
	MIPMN_ST_FAILED,	/* gave up: see mipmn_fsm.fail */
};

/* Why the machine stopped (MIPMN_ST_FAILED), with the exit code mipmn run uses. */
#define MIPMN_FAILS(X)                                                          \
	X(MIPMN_FAIL_NONE, 0, "none")                                           \
	X(MIPMN_FAIL_DENIED, 3, "registration denied")                          \
	X(MIPMN_FAIL_NO_REPLY, 4, "no reply from the home agent")               \
	X(MIPMN_FAIL_DEREG, 5, "deregistration not confirmed")                  \
	X(MIPMN_FAIL_INTERNAL, 1, "internal error")

enum mipmn_fail {
#define MIPMN_FAIL_ENUM(name, exit, text) name,
	MIPMN_FAILS(MIPMN_FAIL_ENUM)
#undef MIPMN_FAIL_ENUM
};
int mipmn_fail_exit_code(enum mipmn_fail f);
const char *mipmn_fail_str(enum mipmn_fail f);

/* Events: the words of `mipmn run --json`. */
#define MIPMN_EVENTS(X)                                                         \
	X(MIPMN_EV_REGISTERED, "registered")                                    \
	X(MIPMN_EV_REREGISTERED, "reregistered")                                \
	X(MIPMN_EV_REKEYED, "rekeyed")                                          \
	X(MIPMN_EV_HANDOVER, "handover")                                        \
	X(MIPMN_EV_DEREGISTERED, "deregistered")                                \
	X(MIPMN_EV_DENIED, "denied")                                            \
	X(MIPMN_EV_RETRYING, "retrying")                                        \
	X(MIPMN_EV_EXPIRED, "expired")                                          \
	X(MIPMN_EV_ERROR, "error")

enum mipmn_event_kind {
#define MIPMN_EV_ENUM(name, text) name,
	MIPMN_EVENTS(MIPMN_EV_ENUM)
#undef MIPMN_EV_ENUM
	MIPMN_EV__COUNT
};
const char *mipmn_event_name(enum mipmn_event_kind k);

/* What an exchange is, for events and the next RRQ to build. */
enum mipmn_xkind {
	MIPMN_X_NONE,
	MIPMN_X_INITIAL,
	MIPMN_X_CONTINUE,
	MIPMN_X_REREG,
	MIPMN_X_HANDOVER,
	MIPMN_X_REKEY,
	MIPMN_X_DEREG,
};
const char *mipmn_xkind_name(enum mipmn_xkind x);

/* What the machine does after a denial. */
enum mipmn_deny_action {
	MIPMN_DENY_RETRY,	/* back off and send a new RRQ */
	MIPMN_DENY_RESYNC,	/* 133: clock offset learned, retried at once */
	MIPMN_DENY_INITIAL,	/* falls back to a new initial registration */
	MIPMN_DENY_STOP,	/* gives up */
};
const char *mipmn_deny_action_name(enum mipmn_deny_action a);

struct mipmn_event {
	enum mipmn_event_kind kind;
	enum mipmn_xkind xkind;
	int code;			/* reply code, -1 when no reply is involved */
	bool authenticated;		/* denied: the reply carried a verified MHAE */
	enum mipmn_deny_action action;	/* denied */
	uint32_t home_addr;		/* network order */
	uint32_t coa;			/* network order */
	uint16_t lifetime;		/* granted (registered...) */
	uint32_t attempt;		/* retrying: the RRQ number within this exchange */
	uint32_t delay_ms;		/* retrying: the wait that ran out */
	uint64_t latency_ms;		/* success: first RRQ of the exchange to the reply */
	int64_t clock_offset;		/* seconds, after a 133 */
	const char *reason;		/* error / denied: short text, never a secret */
};

/* Why a received datagram was discarded: one counter each. */
#define MIPMN_DISCARDS(X)                                                       \
	X(MIPMN_DROP_PARSE, "malformed reply")                                  \
	X(MIPMN_DROP_NOT_RRP, "not a registration reply")                      \
	X(MIPMN_DROP_UNEXPECTED, "no exchange outstanding")                     \
	X(MIPMN_DROP_IDENT, "identification does not match the outstanding RRQ") \
	X(MIPMN_DROP_NAI, "NAI does not match")                                \
	X(MIPMN_DROP_VERIFY, "reply failed verification")                       \
	X(MIPMN_DROP_ACCEPT_UNAUTH, "acceptance without a valid MHAE")

enum mipmn_discard {
#define MIPMN_DROP_ENUM(name, text) name,
	MIPMN_DISCARDS(MIPMN_DROP_ENUM)
#undef MIPMN_DROP_ENUM
	MIPMN_DROP__COUNT
};
const char *mipmn_discard_str(enum mipmn_discard d);

#define MIPMN_COUNTERS(X)                                                       \
	X(rrq_sent)                                                             \
	X(rrp_received)                                                         \
	X(retransmissions)                                                      \
	X(registrations)                                                        \
	X(reregistrations)                                                      \
	X(rekeys)                                                               \
	X(handovers)                                                            \
	X(deregistrations)                                                      \
	X(continuations)                                                        \
	X(denials)                                                              \
	X(resyncs)                                                              \
	X(initial_fallbacks)                                                    \
	X(expiries)

struct mipmn_counters {
#define MIPMN_CNT_FIELD(name) uint64_t name;
	MIPMN_COUNTERS(MIPMN_CNT_FIELD)
#undef MIPMN_CNT_FIELD
	uint64_t discards[MIPMN_DROP__COUNT];
};

struct mipmn_fsm;

struct mipmn_io {
	void *ctx;
	/* Sends one RRQ to the HA. */
	void (*send)(void *ctx, struct mipmn_fsm *fsm, const uint8_t *buf, size_t len);
	/* Reports an event (may be NULL). */
	void (*event)(void *ctx, struct mipmn_fsm *fsm, const struct mipmn_event *ev);
	/* Reports a discarded datagram (may be NULL). */
	void (*discard)(void *ctx, struct mipmn_fsm *fsm, enum mipmn_discard why,
			const char *detail);
	/* Wall clock as an NTP timestamp, before the learned offset (NULL: mip_ntp_now). */
	uint64_t (*ntp_now)(void *ctx);
	/* Cryptographic random bytes; 0 or negative errno (NULL: getrandom). */
	int (*random)(void *ctx, void *buf, size_t len);
};

#define MIPMN_NO_DEADLINE UINT64_MAX

/* The state of one outstanding exchange. */
struct mipmn_exchange {
	enum mipmn_xkind kind;
	uint64_t ident;			/* of the last RRQ sent */
	uint32_t coa;			/* care-of address in it */
	uint16_t lifetime;		/* requested in it */
	uint8_t rrq[MIPMN_RRQ_MAX];	/* the last RRQ sent: replies are checked against it */
	size_t rrq_len;
	uint32_t tries;			/* RRQs sent */
	uint32_t unauth_denials;	/* in a row */
	uint32_t resyncs;		/* 133s in a row */
	uint32_t backoff_ms;		/* the wait after the last RRQ */
	uint64_t first_ms;		/* when the first RRQ went out */
	uint64_t sent_ms;		/* when the last went out */
	uint64_t deadline_ms;		/* retransmission time */
};

struct mipmn_fsm {
	struct mipmn_cfg cfg;
	struct mipmn_io io;
	enum mipmn_state state;
	enum mipmn_fail fail;
	struct mipmn_exchange x;
	int64_t clock_offset;		/* seconds added to the wall clock (133) */
	uint64_t last_ident;		/* Identifications only grow */

	/* Keys. Skey is SPI1's key (Skey_next after a continuation). */
	struct mip_key skey, skey2;
	bool have_skey, have_skey2;
	uint64_t install_ident;		/* the exchange that last installed Skey' */
	uint32_t continuation;		/* KEY-CONTINUATION offered with it (s), 0: none */
	bool have_next;			/* Skey holds Skey_next, valid until next_until_ms */
	uint64_t next_until_ms;

	/* Binding. */
	uint32_t home_addr;		/* adopted from the RRP */
	uint32_t bound_coa;
	uint16_t granted;		/* lifetime the HA granted */
	uint64_t bound_ms;		/* when the RRQ that refreshed it went out */
	uint64_t expiry_ms;
	uint64_t refresh_ms;
	uint64_t rekey_ms;		/* MIPMN_NO_DEADLINE when no rekey is due */
	bool ever_bound;
	bool stop_after_dereg;		/* deregistration then DONE (else IDLE) */

	struct mipmn_counters cnt;
	void *user;			/* the caller's, untouched */
};

/* Copies cfg (and the NT hash in it) and io. */
void mipmn_fsm_init(struct mipmn_fsm *fsm, const struct mipmn_cfg *cfg,
		    const struct mipmn_io *io);
/* Wipes every key and the credential. */
void mipmn_fsm_fini(struct mipmn_fsm *fsm);

/* Starts registering (initial, or key continuation when Skey_next is held). */
void mipmn_fsm_start(struct mipmn_fsm *fsm, uint64_t now_ms);
/* A received datagram (from the HA's address and port). */
void mipmn_fsm_input(struct mipmn_fsm *fsm, const uint8_t *buf, size_t len, uint64_t now_ms);
/* Runs whatever timer is due. */
void mipmn_fsm_tick(struct mipmn_fsm *fsm, uint64_t now_ms);
/* When the next tick is wanted (absolute ms), or MIPMN_NO_DEADLINE. */
uint64_t mipmn_fsm_deadline(const struct mipmn_fsm *fsm);

/* The care-of address changed: hand over (re-register from the new one). */
void mipmn_fsm_set_coa(struct mipmn_fsm *fsm, uint32_t coa, uint64_t now_ms);
/* Re-register now / rekey now (no-op unless bound and idle, or in single-key mode). */
void mipmn_fsm_reregister(struct mipmn_fsm *fsm, uint64_t now_ms);
void mipmn_fsm_rekey(struct mipmn_fsm *fsm, uint64_t now_ms);
/*
 * Deregisters. With stop, the machine ends in DONE (or FAILED when the HA
 * never confirms); without, it ends IDLE and keeps Skey_next when the HA
 * offered key continuation, so a later mipmn_fsm_start() uses it.
 */
void mipmn_fsm_deregister(struct mipmn_fsm *fsm, bool stop, uint64_t now_ms);

/* True in DONE or FAILED. */
bool mipmn_fsm_finished(const struct mipmn_fsm *fsm);
const char *mipmn_state_name(enum mipmn_state s);

#endif /* MIPMN_FSM_H */
