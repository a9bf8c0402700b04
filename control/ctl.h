/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control lcore: drains the worker -> control ring (dataplane/ctrl_msg.h),
 * installs and removes bindings, answers what the workers hand over, expires
 * bindings at the end of their lifetime, serves the telemetry commands that
 * need the tables, and reclaims table memory. It transmits through its own tx
 * queue on every port. It is the only writer of the binding and SA tables.
 *
 * What it answers today (issue 3):
 *  - first registration under a static SA (verified by a worker): binding
 *    installed, reply 0 (1 when S was asked for) signed with that SA,
 *    gratuitous ARP on the home-role ports;
 *  - deregistration (verified): binding removed at once, reply 0, signed;
 *  - unknown SPI: 131, no MHAE, unless the RRQ names an NAI with an SA
 *    configured by NAI alone under that SPI (ctl_nai.c): verified here with
 *    the static key, a home address assigned from [ha] home_pool, the SA
 *    installed under it, binding and reply as for a first registration;
 *  - dynamic keys (spec sections 5-8), with an [aaa] section: the
 *    mipha_ctl_dynkey_*() hooks below (ctl_dynkey.c) drive the AAA client
 *    and the dynamic-key core (control/dynkey) and apply its decisions;
 *    without [aaa], initial and rekey RRQs get 131 without MHAE, counted in
 *    ctrl_replies_131_dynkey.
 */
#ifndef MIPHA_CTL_H
#define MIPHA_CTL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_mempool.h>

#include "ctrl_msg.h"
#include "expiry.h"
#include "link.h"
#include "worker.h"

struct mipha_config;
struct mipha_ctl;
struct mipha_ctl_dynkey;
struct mipha_ctl_nai;
struct mipha_dk_stats;
struct mipha_pool;
struct mipha_sa;
struct rte_tel_data;

/* Control lcore counters: one X-macro list, names as telemetry shows them. */
#define MIPHA_CTL_COUNTERS(X)                                                           \
	X(MSGS, "ctrl_msgs", "messages taken from the worker ring")                    \
	X(BINDING_NEW, "ctrl_bindings_installed", "first registrations accepted")      \
	X(BINDING_DEREG, "ctrl_bindings_deregistered", "bindings removed by deregistration") \
	X(DEREG_UNBOUND, "ctrl_dereg_unbound", "deregistrations for an MN with no binding") \
	X(BINDING_EXPIRED, "ctrl_bindings_expired", "bindings removed at the end of their lifetime") \
	X(EXPIRY_REARMED, "ctrl_expiry_rearmed", "expiry checks that found a refreshed binding") \
	X(REPLY_ACCEPTED, "ctrl_replies_accepted", "replies 0 or 1 sent")               \
	X(REPLY_130, "ctrl_replies_130", "130 replies (binding table full)")            \
	X(REPLY_131_UNKNOWN_SPI, "ctrl_replies_131_unknown_spi", "131 replies: no SA for (home address, SPI)") \
	X(REPLY_131_AUTH_NAI, "ctrl_replies_131_auth_nai", "131 replies: MHAE failed under the SA found, and the NAI has no SA by NAI alone that verifies it") \
	X(REPLY_131_DYNKEY, "ctrl_replies_131_dynkey", "131 replies: dynamic keys not configured yet") \
	X(REPLY_139, "ctrl_replies_139", "139 replies: minimal or GRE encapsulation asked") \
	X(REPLY_DUPLICATE, "ctrl_duplicate_replies", "cached replies resent by control") \
	X(GARP, "ctrl_gratuitous_arps", "gratuitous ARPs sent for new bindings")        \
	X(LINK_DOWN, "ctrl_port_link_down", "port links seen going down (control/link.h)") \
	X(LINK_UP, "ctrl_port_link_up", "port links seen coming up")                    \
	X(LINK_GARP, "ctrl_link_gratuitous_arps", "gratuitous ARPs re-announcing the HA and home addresses on a home port whose link came up") \
	X(TX, "ctrl_tx_packets", "frames sent on the control tx queue")                 \
	X(TELEMETRY, "ctrl_telemetry_requests", "telemetry requests served on the control lcore") \
	X(IDLE_WAITS, "ctrl_idle_waits", "idle sleeps on the doorbell (ended by work or their timeout)") \
	X(DROP_MALFORMED, "ctrl_drop_malformed", "ring message whose RRQ no longer parses") \
	X(DROP_UNEXPECTED, "ctrl_drop_unexpected", "ring message of a class with nothing to do") \
	X(DROP_DUP_MISS, "ctrl_drop_duplicate_miss", "duplicate whose cached reply was gone") \
	X(DROP_REPLY, "ctrl_drop_reply", "reply that could not be built or framed")     \
	X(DROP_NO_MBUF, "ctrl_drop_no_mbuf", "no mbuf for a gratuitous ARP")            \
	X(DROP_TX_FULL, "ctrl_drop_tx_full", "control tx queue full")                   \
	X(DROP_EXPIRY_NOMEM, "ctrl_drop_expiry_nomem", "binding refused: no memory for its expiry entry") \
	X(DYNKEY_SUPERSEDED, "ctrl_dynkey_superseded", "initial RRQs superseded by a newer one") \
	X(DYNKEY_DENIED, "ctrl_dynkey_denied", "dynamic-key denials sent (see dk_replies_*)") \
	X(DYNKEY_DROPPED, "ctrl_dynkey_dropped", "dynamic-key RRQs dropped (see dk_drop_*)") \
	X(NAI_ACCEPTED, "ctrl_nai_accepted", "registrations accepted by control under an SA by NAI alone") \
	X(NAI_ASSIGNED, "ctrl_nai_assigned", "home_pool addresses given to an MN with an SA by NAI alone") \
	X(NAI_RELEASED, "ctrl_nai_released", "addresses those MNs gave back (deregistration, expiry, move)") \
	X(NAI_DEREG, "ctrl_nai_deregistrations", "deregistrations answered by control under an SA by NAI alone") \
	X(NAI_DUPLICATE, "ctrl_nai_duplicates", "exact copies answered with the NAI's cached reply") \
	X(NAI_REPLY_129, "ctrl_nai_replies_129", "129 replies: address held by another MN or not in home_pool") \
	X(NAI_REPLY_130, "ctrl_nai_replies_130", "130 replies: home_pool exhausted or tables full") \
	X(NAI_REPLY_131, "ctrl_nai_replies_131_bad_mhae", "131 replies: MHAE does not verify with the NAI's key") \
	X(NAI_REPLY_133, "ctrl_nai_replies_133", "133 replies: Identification outside tolerance or not newer")

enum mipha_ctl_counter {
#define MIPHA_CTL_CNT_ENUM(id, name, help) MIPHA_CTL_CNT_##id,
	MIPHA_CTL_COUNTERS(MIPHA_CTL_CNT_ENUM)
#undef MIPHA_CTL_CNT_ENUM
	MIPHA_CTL_CNT__COUNT
};

const char *mipha_ctl_counter_name(enum mipha_ctl_counter c);

/*
 * The idle control lcore's longest sleep: whatever needs it rings the
 * doorbell or is a RADIUS reply, its own timers are a second or more.
 */
#define MIPHA_CTL_IDLE_SLEEP_MAX_US 10000

struct mipha_ctl_params {
	const struct mipha_config *cfg;
	const struct mipha_worker_conf *wconf;	/* clock, ports, HA addresses, parse cfg */
	struct mipha_binding_table *bindings;
	struct mipha_sa_table *sas;
	struct rte_ring *ring;			/* worker -> control */
	struct mipha_ctrl_bell *bell;		/* rung with the ring (NULL: control polls) */
	struct rte_mempool *mp;			/* for frames control creates */
	uint16_t txq;				/* control's tx queue on every port */
	uint32_t idle_sleep_us;			/* 0 = busy poll */
	uint32_t idle_sleep_max_us;		/* with a bell: idle sleeps double up to this */
	volatile bool *quit;
	/* For telemetry: the workers' counters (read with plain loads). */
	struct mipha_worker *const *workers;
	unsigned int n_workers;
};

/* A telemetry request handed from the telemetry thread to the control lcore. */
typedef int (*mipha_ctl_tel_fn)(struct mipha_ctl *c, const char *params, struct rte_tel_data *d);

struct mipha_ctl {
	struct mipha_ctl_params p;
	uint64_t cnt[MIPHA_CTL_CNT__COUNT];	/* written by the control lcore only */
	struct mipha_expiry expiry;
	uint64_t gen;				/* next binding generation (cookie) */
	struct mipha_ctl_dynkey *dynkey;	/* NULL without [aaa]: dynamic keys off */
	struct mipha_pool *pool;		/* [ha] home_pool, shared (NULL without one) */
	struct mipha_ctl_nai *nai;		/* SAs by NAI alone (NULL when none) */
	struct mipha_link link;			/* port links (link.h) */
	struct {
		pthread_mutex_t lock;		/* one request at a time */
		int state;			/* atomic: idle, asked, running, done (ctl.c) */
		mipha_ctl_tel_fn fn;
		const char *params;
		struct rte_tel_data *d;
		int ret;
	} tel;
};

/* 0 or a negative errno. Tables, ring, mempool must exist. */
int mipha_ctl_init(struct mipha_ctl *c, const struct mipha_ctl_params *p);
/* After the loop returned: frees what init took. */
void mipha_ctl_fini(struct mipha_ctl *c);

/* Handles one ring message (consumes its mbuf). Tests call it directly. */
void mipha_ctl_handle(struct mipha_ctl *c, struct mipha_ctrl_msg *msg);
/* Removes bindings whose lifetime has ended by now_sec; returns how many entries it looked at. */
unsigned int mipha_ctl_expire(struct mipha_ctl *c, uint32_t now_sec);
/* One iteration: ring, expiry, telemetry, reclaim. Returns the work done (0 = idle). */
unsigned int mipha_ctl_poll(struct mipha_ctl *c);
/* lcore function: mipha_ctl_poll until *quit, sleeping idle_sleep_us when idle. */
int mipha_ctl_loop(void *ctl);
/* After the loop: frees the mbufs of messages still in the ring. */
void mipha_ctl_drain(struct mipha_ctl *c);

/*
 * Telemetry thread: runs fn on the control lcore and waits for it (at most
 * timeout_ms). fn's return value, or -EBUSY when control did not answer.
 */
int mipha_ctl_call(struct mipha_ctl *c, mipha_ctl_tel_fn fn, const char *params,
		   struct rte_tel_data *d, unsigned int timeout_ms);

/*
 * The binding an expiry entry stands for while it is that binding's live
 * entry; NULL once the binding was removed or installed again (with an entry
 * of its own). The expiry heap so lists the live bindings.
 */
struct mipha_binding *mipha_ctl_entry_binding(const struct mipha_ctl *c,
					      const struct mipha_expiry_ent *e);

/* Sends one frame on port through control's tx queue: true, or false (freed, counted) when refused. */
bool mipha_ctl_tx(struct mipha_ctl *c, uint16_t port, struct rte_mbuf *m);

/*
 * The dynamic-key hooks, in ctl_dynkey.c: the one place the dynamic-key work
 * fills (control/dynkey/ is its core). Today: initial and rekey RRQs get 131
 * without MHAE (counted in ctrl_replies_131_dynkey); the classes that only
 * dynamic SAs produce are dropped and counted in ctrl_drop_unexpected; poll
 * does nothing.
 */
void mipha_ctl_dynkey_initial(struct mipha_ctl *c, struct mipha_ctrl_msg *msg,
			      const struct mip_msg *rrq);
void mipha_ctl_dynkey_rekey(struct mipha_ctl *c, struct mipha_ctrl_msg *msg,
			    const struct mip_msg *rrq);
/* A verified deregistration under a dynamic SA (keys to wipe or continue). */
void mipha_ctl_dynkey_dereg(struct mipha_ctl *c, struct mipha_ctrl_msg *msg,
			    const struct mip_msg *rrq);
/* An RRQ under SPI2 that failed with the new Skey' while the previous one is kept. */
void mipha_ctl_dynkey_auth_prev(struct mipha_ctl *c, struct mipha_ctrl_msg *msg,
				const struct mip_msg *rrq);
/* msg->sa's previous Skey' may be wiped (msg->m is NULL). */
void mipha_ctl_dynkey_prev_retired(struct mipha_ctl *c, struct mipha_ctrl_msg *msg);
/* Every control loop: AAA results, dynamic timers. Returns the work done. */
unsigned int mipha_ctl_dynkey_poll(struct mipha_ctl *c);
/*
 * The idle control loop's sleep: until a RADIUS reply (or socket error) is
 * waiting, fd (the doorbell; -1: none) is readable (*fd_ready), timeout_us,
 * or the AAA client's next timer. 1 reply ready, 0 otherwise, -ENOTSUP
 * without [aaa] (the caller waits on fd alone), other -errno.
 */
int mipha_ctl_dynkey_idle_wait(struct mipha_ctl *c, uint32_t timeout_us, int fd, bool *fd_ready);
/* An exact copy of an RRQ whose reply the dynamic-key core built (MIPHA_DUP_CTRL). */
void mipha_ctl_dynkey_duplicate(struct mipha_ctl *c, struct mipha_ctrl_msg *msg,
				const struct mip_msg *rrq);
/* A binding's lifetime ended: true when it was dynamic (the core removed it). */
bool mipha_ctl_dynkey_expired(struct mipha_ctl *c, uint32_t home_addr);
/* From mipha_ctl_init/fini: the AAA client and the core from [aaa]. 0 or -errno. */
int mipha_ctl_dynkey_init(struct mipha_ctl *c);
void mipha_ctl_dynkey_fini(struct mipha_ctl *c);
/* The core's counters and gauges (all zero when dynamic keys are off). */
void mipha_ctl_dynkey_stats(const struct mipha_ctl *c, struct mipha_dk_stats *out);
/* Calls fn with each dk_* counter and gauge (telemetry: plain loads, one writer). */
typedef void (*mipha_ctl_stat_fn)(void *arg, const char *name, uint64_t v);
void mipha_ctl_dynkey_visit(const struct mipha_ctl *c, mipha_ctl_stat_fn fn, void *arg);
/*
 * Ends the dynamic-key session of nai (n bytes; n 0: of home, network order;
 * with both, both must name it): binding, SAs and keys, no key continuation.
 * The home address it had, or 0 when there is no such session.
 */
uint32_t mipha_ctl_dynkey_disconnect(struct mipha_ctl *c, const char *nai, size_t n,
				     uint32_t home);

/*
 * RFC 5176 Disconnect-Requests ([aaa] dae_listen), in ctl_dae.c; driven by
 * ctl_dynkey.c. create: NULL with *error 0 when not configured, NULL with
 * -errno (printed) when the socket or secret cannot be had. poll reads the
 * socket when ready (the idle wait saw it readable) or every 10 ms.
 */
struct mipha_ctl_dae;
struct mipha_config;
struct mipha_cfg_aaa_server;
/* "127.0.0.1:18812" of an [aaa] server, or of dae_listen (ctl_dynkey.c). */
void mipha_ctl_aaa_addr(const struct mipha_cfg_aaa_server *cs, char *out, size_t len);
struct mipha_ctl_dae *mipha_ctl_dae_create(const struct mipha_config *cfg, int *error);
void mipha_ctl_dae_destroy(struct mipha_ctl_dae *d);
int mipha_ctl_dae_fd(const struct mipha_ctl_dae *d);
unsigned int mipha_ctl_dae_poll(struct mipha_ctl *c, struct mipha_ctl_dae *d, bool ready,
				uint64_t now_ms);
/* /mipha/aaa: dae_listen ("" when off), dae_clients, dae_window. */
struct rte_tel_data;
void mipha_ctl_dae_tel(const struct mipha_ctl_dae *d, struct rte_tel_data *t);
/* dae_* counters (and dae_invalid_<reason>), 0 when d is NULL. */
void mipha_ctl_dae_visit(const struct mipha_ctl_dae *d, mipha_ctl_stat_fn fn, void *arg);
/* /mipha/aaa: the AAA servers' addresses, state and TLS status (control lcore). */
int mipha_ctl_dynkey_tel_aaa(struct mipha_ctl *c, const char *params, struct rte_tel_data *d);

/* Turns msg's frame into the reply rrp and sends it back on the rx port. */
void mipha_ctl_send_reply(struct mipha_ctl *c, struct mipha_ctrl_msg *msg, const uint8_t *rrp,
			  size_t len);
/* Gratuitous ARP for home_addr on every home-role port (a binding starts). */
void mipha_ctl_garp(struct mipha_ctl *c, uint32_t home_addr);

/*
 * A reply to rrq signed with (alg, key) under spi: header from rrq (its Home
 * Address: pass a copy to answer with another), NAI echoed, Identification
 * ident. Recorded in dup_sa's duplicate cache when not NULL; the reply bytes
 * copied to copy (MIPHA_CTL_RRP_MAX bytes) when not NULL. 0, or -1 when dropped.
 */
#define MIPHA_CTL_RRP_MAX (MIP_RRP_HDR_LEN + 2 + MIP_NAI_MAX + 6 + MIP_MD5_AUTH_LEN)
int mipha_ctl_reply_keyed(struct mipha_ctl *c, struct mipha_ctrl_msg *msg,
			  const struct mip_msg *rrq, uint8_t code, uint16_t lifetime,
			  uint64_t ident, uint32_t spi, enum mip_alg alg, const struct mip_key *key,
			  struct mipha_sa *dup_sa, uint8_t *copy, uint16_t *copy_len);
/*
 * A verified registration of rrq->home_addr: installs or refreshes the
 * binding, answers 0 (1 when S was asked for) signed as s says, announces a
 * new binding; 139 for M or G, 130 when the tables are full. Returns the code
 * sent, or -1 when the reply was dropped.
 */
struct mipha_ctl_signer {
	uint32_t spi;
	enum mip_alg alg;
	const struct mip_key *key;
	struct mipha_sa *dup_sa;	/* duplicate cache to record the reply in, or NULL */
	uint8_t *copy;			/* as mipha_ctl_reply_keyed */
	uint16_t *copy_len;
};
int mipha_ctl_register(struct mipha_ctl *c, struct mipha_ctrl_msg *msg, const struct mip_msg *rrq,
		       const struct mipha_ctl_signer *s);

/*
 * SAs configured by NAI alone (ctl_nai.c, spec section 9 with the home
 * address rules of section 5 step 5): the MN asks for an address with its
 * NAI and an MHAE under its static SPI; control assigns one from the shared
 * [ha] home_pool and installs the SA under it, so re-registrations take the
 * workers' fast path. Replay state per NAI, kept across registrations.
 */
/* From mipha_ctl_init (after the pool, before the dynamic-key core). 0 or -errno. */
int mipha_ctl_nai_init(struct mipha_ctl *c);
void mipha_ctl_nai_fini(struct mipha_ctl *c);
/* An RRQ with no SA under (home address, SPI): true when it was an NAI static MN's (answered). */
bool mipha_ctl_nai_rrq(struct mipha_ctl *c, struct mipha_ctrl_msg *msg, const struct mip_msg *rrq);
/*
 * home's binding ended (deregistration, expiry): when an NAI static MN held
 * it, removes binding and SA (its replay state read back first) and gives
 * the address back to the pool; true then.
 */
bool mipha_ctl_nai_unbind(struct mipha_ctl *c, uint32_t home);
/* Has the NAI (n bytes) an SA of NAI alone under spi? */
bool mipha_ctl_nai_has_spi(const struct mipha_ctl *c, const char *nai, size_t n, uint32_t spi);
/* The address an NAI static MN holds now (0: none). */
uint32_t mipha_ctl_nai_home(const struct mipha_ctl *c, const char *nai);

/* Replies without MHAE (the RRQ could not be verified): code, lifetime 0. */
void mipha_ctl_reply_unsigned(struct mipha_ctl *c, struct mipha_ctrl_msg *msg,
			      const struct mip_msg *rrq, uint8_t code);

#endif /* MIPHA_CTL_H */
