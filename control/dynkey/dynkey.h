/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Home Agent's dynamic-key logic (spec sections 5, 7 and 8), as a core
 * with no DPDK, no sockets and no clock of its own: the control lcore feeds
 * it RRQs and AAA results and applies what it decides to the dataplane
 * tables. Every entry point takes now, the HA's clock as a 64-bit NTP
 * timestamp, so tests drive time.
 *
 *	dk = mipha_dk_create(&cfg, &error);
 *	initial RRQ  -> mipha_dk_initial()    -> AAA: submit out.req with out.cookie
 *	AAA result   -> mipha_dk_aaa_result() -> APPLY: binding/SA ops, send out.rrp
 *	rekey RRQ    -> mipha_dk_rekey()      -> APPLY
 *	dereg RRQ    -> mipha_dk_dereg()      -> APPLY
 *	lifetime end -> mipha_dk_expire()     -> APPLY (no reply)
 *	every loop   -> mipha_dk_timers()     -> APPLY while it returns true
 *
 * Single-threaded: every call from the control lcore. Keys in a struct
 * mipha_dk_out are the caller's to wipe (mipha_dk_out_wipe) once applied.
 */
#ifndef MIPHA_DYNKEY_H
#define MIPHA_DYNKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mip.h"
#include "radius.h"

struct aaa_result;

/* Counters: one X-macro list, names as telemetry shows them. */
#define MIPHA_DK_COUNTERS(X)                                                            \
	X(AAA_REQUESTS, "dk_aaa_requests", "Access-Requests asked for")                 \
	X(AAA_ACCEPTS, "dk_aaa_accepts", "AAA results: usable Access-Accept")           \
	X(AAA_REJECTS, "dk_aaa_rejects", "AAA results: Access-Reject")                  \
	X(AAA_TIMEOUTS, "dk_aaa_timeouts", "AAA results: no valid reply in time")       \
	X(AAA_INVALID, "dk_aaa_invalid", "AAA results: unusable accept or local failure") \
	X(AAA_DISCARDED, "dk_aaa_discarded", "AAA results of superseded exchanges, dropped") \
	X(SUPERSEDED, "dk_superseded", "pending exchanges superseded by a newer initial RRQ") \
	X(DROP_PENDING_FULL, "dk_drop_pending_full", "initial RRQs dropped: pending table full") \
	X(DROP_RATE_NAI, "dk_drop_rate_nai", "initial RRQs dropped: per-NAI rate limit")   \
	X(DROP_RATE_SRC, "dk_drop_rate_src", "initial RRQs dropped: per-source rate limit") \
	X(RATE_NO_SLOT, "dk_rate_no_slot", "initial RRQs admitted without a rate bucket (table busy)") \
	X(DROP_STALE_IDENT, "dk_drop_stale_ident", "initial RRQs dropped: Identification not newer") \
	X(DROP_UNKNOWN_MN, "dk_drop_unknown_mn", "RRQs for an NAI or home address with no record") \
	X(DROP_BAD_MHAE, "dk_drop_bad_mhae", "RRQs whose MHAE does not verify with the record's key") \
	X(DROP_REPLAY, "dk_drop_replay", "verified RRQs not newer than the last accepted") \
	X(DROP_MALFORMED, "dk_drop_malformed", "RRQs missing what their class needs")  \
	X(DUPLICATES, "dk_duplicates", "exact copies answered with the cached reply")   \
	X(INSTALLS, "dk_installs", "initial registrations installed")                   \
	X(REKEYS, "dk_rekeys", "rekeys (new Skey')")                                    \
	X(KEY_CONTINUATIONS, "dk_key_continuations", "bindings re-created from Skey_next") \
	X(CONTINUATIONS_KEPT, "dk_continuations_kept", "Skey_next kept at a binding's end") \
	X(CONTINUATIONS_ENDED, "dk_continuations_ended", "Skey_next wiped at the end of retention") \
	X(PREV_ACCEPTED, "dk_prev_accepted", "re-registrations verified with the previous Skey'") \
	X(PREV_RETIRED, "dk_prev_retired", "previous Skey' wiped (the new one was used)") \
	X(DEREGS, "dk_deregs", "deregistrations")                                       \
	X(EXPIRIES, "dk_expiries", "bindings ended by their lifetime")                  \
	X(DISCONNECTS, "dk_disconnects", "sessions ended by an AAA Disconnect-Request") \
	X(SESSION_ENDED, "dk_session_ended", "rekeys refused: Session-Timeout reached") \
	X(INSTALL_ABORTED, "dk_install_aborted", "installs the tables refused (130 sent)") \
	X(REPLY_ACCEPTED, "dk_replies_accepted", "replies 0 or 1")                      \
	X(REPLY_129, "dk_replies_129", "129 replies (home address not allowed)")        \
	X(REPLY_130, "dk_replies_130", "130 replies (no home address or record left)")  \
	X(REPLY_131, "dk_replies_131", "131 replies (AAA reject, timeout, invalid)")    \
	X(REPLY_133, "dk_replies_133", "133 replies (Identification outside tolerance)") \
	X(REPLY_134, "dk_replies_134", "134 replies (key spec refused)")

enum mipha_dk_counter {
#define MIPHA_DK_CNT_ENUM(id, name, help) MIPHA_DK_CNT_##id,
	MIPHA_DK_COUNTERS(MIPHA_DK_CNT_ENUM)
#undef MIPHA_DK_CNT_ENUM
	MIPHA_DK_CNT__COUNT
};

/* Gauges: current values, not counts. */
#define MIPHA_DK_GAUGES(X)                                                              \
	X(PENDING, "dk_pending", "AAA exchanges pending")                               \
	X(PENDING_MAX, "dk_pending_max", "pending table size")                          \
	X(PENDING_HIGH, "dk_pending_high", "most exchanges pending at once")            \
	X(MNS, "dk_mns", "MN records")                                                  \
	X(CONTINUATIONS, "dk_continuations", "MN records holding only Skey_next")       \
	X(POOL_USED, "dk_pool_used", "home_pool addresses in use")                      \
	X(POOL_FREE, "dk_pool_free", "home_pool addresses free")

enum mipha_dk_gauge {
#define MIPHA_DK_GAUGE_ENUM(id, name, help) MIPHA_DK_GAUGE_##id,
	MIPHA_DK_GAUGES(MIPHA_DK_GAUGE_ENUM)
#undef MIPHA_DK_GAUGE_ENUM
	MIPHA_DK_GAUGE__COUNT
};

const char *mipha_dk_counter_name(enum mipha_dk_counter c);
const char *mipha_dk_counter_help(enum mipha_dk_counter c);
const char *mipha_dk_gauge_name(enum mipha_dk_gauge g);

/* A home address the configuration gives one NAI. */
struct mipha_dk_assign {
	const char *nai;
	uint32_t home_addr;		/* network order */
};

/*
 * Does a static SA exist for (home address, SPI), or for the NAI (nai_len
 * bytes, not NUL-terminated; NULL when unknown) by an SA configured by NAI
 * alone? (spec section 9) spi 0: under any SPI (the home address is a static
 * MN's: never given out); home 0: by NAI only.
 */
typedef bool (*mipha_dk_static_fn)(uint32_t home_addr, const char *nai, size_t nai_len,
				   uint32_t spi, void *arg);

/*
 * The [ha] home_pool as an object of its own, so the core and the SAs
 * configured by NAI alone (control/ctl_nai.c) share one: an address is
 * handed to one of them at a time. Addresses in network order.
 */
struct mipha_pool;
/* NULL and *error = -EINVAL/-ENOMEM on failure; first_be 0 gives an empty pool. */
struct mipha_pool *mipha_pool_create(uint32_t first_be, uint32_t last_be, int *error);
void mipha_pool_destroy(struct mipha_pool *p);
/* Takes addr out of the free set: 0, or -EBUSY when it is not free, -EINVAL outside. */
int mipha_pool_take(struct mipha_pool *p, uint32_t addr_be);
/* The lowest free address (first use), or 0 when none is left. */
uint32_t mipha_pool_alloc(struct mipha_pool *p);
/* Gives addr back (no-op outside the pool or when already free). */
void mipha_pool_release(struct mipha_pool *p, uint32_t addr_be);
uint32_t mipha_pool_size(const struct mipha_pool *p);
uint32_t mipha_pool_free_count(const struct mipha_pool *p);
/*
 * The dataplane's replay state of an MN (the SA's last accepted
 * Identification, 0 when none): workers accept re-registrations the core
 * never sees, and section 8's rules concern the last RRQ accepted by anyone.
 */
typedef uint64_t (*mipha_dk_last_ident_fn)(uint32_t home_addr, uint32_t spi1, uint32_t spi2,
					   void *arg);
/* The core no longer needs the caller's pointer of a pending exchange. */
typedef void (*mipha_dk_release_fn)(void *user, void *arg);

/* Policy bit of an algorithm in mipha_dk_cfg.dynamic_algorithms. */
#define MIPHA_DK_ALG_BIT(alg) (1u << (alg))

struct mipha_dk_cfg {
	uint32_t vendor_id;		/* DYNKEY_VENDOR_ID */
	uint32_t dynkey_spi;		/* DYNKEY_SPI */
	uint32_t max_lifetime;		/* seconds, [ha] max_lifetime */
	uint32_t replay_tolerance;	/* seconds, [ha] replay_tolerance */
	uint32_t max_mns;		/* MN records (bounded like the tables) */
	uint32_t pending_max;		/* AAA exchanges pending at once */
	/* Token buckets: rate RRQs per second, burst at once; rate 0 = no limit. */
	uint32_t rate_nai;
	uint32_t burst_nai;
	uint32_t rate_src;
	uint32_t burst_src;
	uint32_t rate_slots;		/* buckets per limit (power of 2 rounded up) */
	uint32_t dynamic_algorithms;	/* MIPHA_DK_ALG_BIT() of the algorithms allowed */
	uint32_t pool_first;		/* [ha] home_pool, network order; 0 = no pool */
	uint32_t pool_last;
	struct mipha_pool *pool;	/* shared pool (pool_first/last unused), or NULL: own */
	const struct mipha_dk_assign *assign;	/* configured per-NAI home addresses */
	unsigned int n_assign;
	uint32_t key_continuation;	/* retention offered, seconds; 0 = not offered */
	mipha_dk_static_fn static_sa_exists;	/* NULL: no static SAs */
	void *static_sa_arg;
	mipha_dk_last_ident_fn last_ident;	/* NULL: only what the core saw */
	void *last_ident_arg;
	mipha_dk_release_fn release;	/* NULL: nothing to release */
	void *release_arg;
};

/* Defaults: HMAC-MD5 only, 3600 s, 7 s, 65536 MNs, 1024 pending, 1/s burst 3
 * per NAI, 20/s burst 40 per source, 4096 slots, no pool, no continuation. */
void mipha_dk_cfg_defaults(struct mipha_dk_cfg *cfg);

struct mipha_dk;

/* NULL and *error = -EINVAL/-ENOMEM on failure. */
struct mipha_dk *mipha_dk_create(const struct mipha_dk_cfg *cfg, int *error);
/* Wipes every key, releases every pending user. NULL is fine. */
void mipha_dk_destroy(struct mipha_dk *dk);
/* Changes the retention offered from now on (0: no longer offered). */
void mipha_dk_set_key_continuation(struct mipha_dk *dk, uint32_t seconds);

enum mipha_dk_action {
	MIPHA_DK_DROP = 0,	/* nothing to send or apply (counted) */
	MIPHA_DK_AAA,		/* submit out.req to the AAA client with out.cookie */
	MIPHA_DK_APPLY,		/* apply out.binding_op/sa_op (if any), then send out.rrp */
};

enum mipha_dk_op {
	MIPHA_DK_OP_NONE = 0,
	MIPHA_DK_OP_SET,	/* install or replace with exactly what out.inst says */
	MIPHA_DK_OP_REMOVE,	/* remove the binding / the SA of inst.home_addr (under inst.spi1 or spi2) */
};

/* What the tables must hold for one MN after an APPLY. */
struct mipha_dk_install {
	uint64_t cookie;		/* the MN record (mipha_sa.cookie, mipha_binding.cookie) */
	uint32_t home_addr;		/* network order */
	uint32_t coa;			/* network order */
	uint32_t ha_addr;		/* network order */
	uint32_t expiry_sec;		/* binding expiry, HA NTP seconds */
	uint16_t lifetime;		/* seconds granted */
	uint16_t flags;			/* the RRQ's MIP_FLAG_* */
	uint8_t alg;			/* enum mip_alg of Skey (SPI1) */
	uint8_t alg2;			/* enum mip_alg of Skey' and prev (SPI2) */
	bool single_key;		/* no SPI2 */
	uint32_t spi1;			/* Skey (or Skey_next while continuing) */
	struct mip_key skey;
	uint32_t spi2;			/* 0 when there is no Skey' */
	struct mip_key skey2;
	bool has_prev;			/* previous Skey' still accepted under SPI2 */
	struct mip_key prev;
	uint64_t last_ident;		/* replay state to carry into the SA */
	uint8_t nai_len;
	char nai[MIP_NAI_MAX + 1];	/* NUL-terminated */
};

#define MIPHA_DK_RRP_MAX 640

struct mipha_dk_out {
	enum mipha_dk_action action;
	enum mipha_dk_counter why;	/* DROP: the counter it went to */
	void *user;			/* the pending exchange's pointer (results), or NULL */
	/* AAA */
	uint64_t cookie;
	struct aaa_access_req req;
	/* APPLY */
	uint8_t binding_op;		/* enum mipha_dk_op */
	uint8_t sa_op;			/* enum mipha_dk_op */
	uint32_t old_home;		/* non-zero: also remove this home's binding and SAs */
	uint32_t old_spi;		/* an SPI of old_home's SA (for the lookup) */
	struct mipha_dk_install inst;
	uint8_t code;			/* the reply's code (when rrp_len) */
	uint16_t rrp_len;		/* 0: nothing to send */
	uint8_t rrp[MIPHA_DK_RRP_MAX];
};

/* Wipes the keys of an out (and everything else). */
void mipha_dk_out_wipe(struct mipha_dk_out *out);

/*
 * An initial dynamic-key RRQ (mip_is_dynkey_initial) of len bytes, parsed in
 * m, from source address src (network order). user is kept with a pending
 * exchange and given back with its result (or to cfg.release when the core
 * drops it); on DROP or APPLY it stays the caller's. Returns out->action.
 */
enum mipha_dk_action mipha_dk_initial(struct mipha_dk *dk, const struct mip_msg *m, uint32_t src,
				      uint64_t now, void *user, struct mipha_dk_out *out);

/*
 * The AAA client's result for the exchange with cookie. A stale cookie
 * (superseded exchange) gives DROP. res's k'' is copied and wiped here;
 * out->user is the exchange's pointer.
 */
enum mipha_dk_action mipha_dk_aaa_result(struct mipha_dk *dk, uint64_t cookie,
					 const struct aaa_result *res, uint64_t now,
					 struct mipha_dk_out *out);

/*
 * The caller could not apply an install of out (tables full): the MN record
 * is forgotten (keys wiped) and out becomes an unsigned 130 reply.
 */
void mipha_dk_abort_install(struct mipha_dk *dk, struct mipha_dk_out *out);

/*
 * A rekey RRQ (KEY-REQ-S2, MHAE under SPI1), already verified by a worker.
 * The core checks the MHAE again with its own copy of the key (Skey, or
 * Skey_next while continuing), then derives the new Skey'.
 */
enum mipha_dk_action mipha_dk_rekey(struct mipha_dk *dk, const struct mip_msg *m, uint64_t now,
				    struct mipha_dk_out *out);

/* A deregistration (lifetime 0 or care-of = home) verified under SPI1 or SPI2. */
enum mipha_dk_action mipha_dk_dereg(struct mipha_dk *dk, const struct mip_msg *m, uint64_t now,
				    struct mipha_dk_out *out);

/*
 * An RRQ under SPI2 that failed with the current Skey' while a previous one
 * is kept (MIPHA_CTRL_AUTH_PREV): verified with the previous Skey', replay
 * checked here. A re-registration or deregistration signed with it, or DROP.
 */
enum mipha_dk_action mipha_dk_auth_prev(struct mipha_dk *dk, const struct mip_msg *m,
					uint64_t now, struct mipha_dk_out *out);

/* An RRQ verified with the new Skey' (MIPHA_CTRL_PREV_RETIRED): the previous is wiped. */
void mipha_dk_prev_retired(struct mipha_dk *dk, uint32_t home_addr);

/*
 * An exact copy of the last RRQ accepted for its MN (by NAI, else home
 * address): APPLY with the cached reply and no table op, or DROP on a miss.
 */
enum mipha_dk_action mipha_dk_duplicate(struct mipha_dk *dk, const struct mip_msg *m,
					struct mipha_dk_out *out);

/* The binding of home_addr reached the end of its lifetime. APPLY with no reply, or DROP. */
enum mipha_dk_action mipha_dk_expire(struct mipha_dk *dk, uint32_t home_addr, uint64_t now,
				     struct mipha_dk_out *out);

/*
 * The AAA server ended a session (RFC 5176 Disconnect-Request): the MN of
 * nai (n bytes; n 0: of home_addr) loses its binding, its SAs and every key,
 * with no key continuation, and is forgotten: its next registration is an
 * initial one through AAA. With both nai and home_addr, both must name it.
 * APPLY with no reply, or DROP (DROP_UNKNOWN_MN) when there is no such MN.
 */
enum mipha_dk_action mipha_dk_disconnect(struct mipha_dk *dk, const char *nai, size_t n,
					 uint32_t home_addr, struct mipha_dk_out *out);

/* One due timer (a key continuation's end): true and out filled, false when none is due. */
bool mipha_dk_timers(struct mipha_dk *dk, uint64_t now, struct mipha_dk_out *out);

/* Is home_addr (network order) bound to a dynamic MN? */
bool mipha_dk_owns(const struct mipha_dk *dk, uint32_t home_addr);

struct mipha_dk_stats {
	uint64_t cnt[MIPHA_DK_CNT__COUNT];
	uint64_t gauge[MIPHA_DK_GAUGE__COUNT];
};
void mipha_dk_stats(const struct mipha_dk *dk, struct mipha_dk_stats *out);

/*
 * For tests: a read-only view of an MN record's keys (NULL when unknown).
 * Never log what it returns.
 */
struct mipha_dk_mn_view {
	uint32_t home_addr;
	bool continuing;		/* binding cleared, Skey_next kept as skey */
	bool single_key;
	bool has_prev;
	uint64_t last_ident;
	uint64_t skey2_ident;
	uint32_t session_end;		/* HA NTP seconds, 0 = none */
	uint32_t continuation_end;
	const struct mip_key *skey;
	const struct mip_key *skey2;
	const struct mip_key *prev;
};
bool mipha_dk_mn_view(const struct mipha_dk *dk, const char *nai, struct mipha_dk_mn_view *out);

#endif /* MIPHA_DYNKEY_H */
