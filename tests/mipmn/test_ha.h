/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A small Home Agent for the Mobile Node's tests, built from libmip only: it
 * plays the HA of spec sections 5, 7 and 8 and, in place of the AAA server,
 * checks the NT-Response and computes k'' and AUTH-RESPONSE from the password
 * (as FreeRADIUS would). Knobs inject the faults the MN must survive. Pure:
 * test_ha_handle() maps one RRQ and the HA's clock to at most one RRP, so the
 * state-machine tests run it in memory with a fake clock; test_ha_serve()
 * runs the same thing on a loopback UDP socket in a thread.
 */
#ifndef MIPMN_TEST_HA_H
#define MIPMN_TEST_HA_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mip.h"

#define THA_MAX_MN 4096
#define THA_MSG_MAX 1024

struct tha_mn {
	char nai[MIP_NAI_MAX + 1];
	size_t nai_len;
	bool bound;
	bool single;
	uint32_t home, coa;
	uint16_t lifetime;
	uint32_t expiry_sec;		/* NTP seconds */
	uint32_t spi1, spi2;
	struct mip_key skey, skey2, skey2_prev;
	bool have_skey, have_skey2, have_prev;
	bool have_next;			/* skey is Skey_next (key continuation) */
	uint64_t last_ident;
	uint64_t install_ident;
	uint32_t continuation;		/* offered with the last Skey' */
	uint8_t last_rrq[THA_MSG_MAX];
	size_t last_rrq_len;
	uint8_t last_rrp[THA_MSG_MAX];
	size_t last_rrp_len;
};

#define THA_COUNTERS(X)                                                         \
	X(rrq)                                                                  \
	X(initial)                                                              \
	X(initial_ok)                                                           \
	X(rereg)                                                                \
	X(rekey)                                                                \
	X(dereg)                                                                \
	X(continued)                                                            \
	X(resync133)                                                            \
	X(denied)                                                               \
	X(dropped)                                                              \
	X(duplicate)                                                            \
	X(prev_key_used)                                                        \
	X(bad_auth)

struct tha_counters {
#define THA_CNT(n) unsigned n;
	THA_COUNTERS(THA_CNT)
#undef THA_CNT
};

struct test_ha {
	uint32_t ha_addr;		/* network order */
	struct mip_key nt_hash;		/* every NAI's password ("the AAA server") */
	struct mip_parse_cfg pcfg;
	uint32_t tolerance;		/* replay window, seconds (default 7) */
	uint16_t max_lifetime;
	uint32_t pool_first;		/* host order; 0: no pool */
	uint32_t pool_size;
	uint32_t key_continuation;	/* offered retention (s); 0: not offered */
	int32_t clock_offset;		/* seconds added to the clock the caller gives */

	/* Fault knobs: each applies to the next RRQs and counts down. */
	unsigned drop_replies;		/* process the RRQ, drop its reply */
	unsigned drop_requests;		/* drop the RRQ unprocessed */
	unsigned force_count;		/* answer with force_code, installing nothing */
	uint8_t force_code;
	bool force_auth;		/* ... authenticated with the RRQ's key */
	unsigned corrupt_mhae;		/* flip a bit of the reply's MHAE authenticator */
	unsigned corrupt_auth_response;	/* a wrong AUTH-RESPONSE in an initial reply */
	unsigned corrupt_keyspec;	/* a changed KEY-REQ-S2 echo */

	struct tha_counters cnt;
	struct tha_mn mn[THA_MAX_MN];
	unsigned n_mn;

	/* UDP mode */
	bool bind_any;			/* 0.0.0.0 instead of 127.0.0.1 (in a test's netns) */
	pthread_mutex_t lock;
	pthread_t thread;
	int fd;
	uint16_t port;
	volatile bool stop;
	bool running;
};

/* Defaults: HA 127.0.0.1... (ha_addr given), password, tolerance 7, lifetime max 1800. */
void test_ha_init(struct test_ha *ha, uint32_t ha_addr, const char *password);
void test_ha_fini(struct test_ha *ha);

/*
 * One RRQ in, at most one RRP out (returns its length, 0 for none).
 * now_ntp is the HA's wall clock (before clock_offset).
 */
size_t test_ha_handle(struct test_ha *ha, const uint8_t *rrq, size_t len, uint64_t now_ntp,
		      uint8_t *out, size_t cap);

/* The MN's entry, or NULL. */
struct tha_mn *test_ha_find(struct test_ha *ha, const char *nai);
/* Forgets every MN (an HA restart). */
void test_ha_forget_all(struct test_ha *ha);

/* UDP on 127.0.0.1, an ephemeral port (ha->port), the real clock. 0 or -errno. */
int test_ha_serve(struct test_ha *ha);
void test_ha_stop(struct test_ha *ha);

#endif /* MIPMN_TEST_HA_H */
