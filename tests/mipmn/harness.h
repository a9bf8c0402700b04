/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The state machine against the test HA, in memory, with a fake clock:
 * every RRQ the machine sends goes straight to test_ha_handle() and its
 * reply (if any) straight back, at the same fake instant.
 */
#ifndef MIPMN_HARNESS_H
#define MIPMN_HARNESS_H

#include <stdbool.h>
#include <stdint.h>

#include "mn_fsm.h"
#include "test_ha.h"

#define H_PASSWORD "clientPass"
#define H_NAI "mnuser@example.net"
#define H_MAX_EV 256
#define H_MAX_SENT 256

struct harness {
	struct mipmn_fsm fsm;
	struct test_ha ha;
	uint64_t now_ms;
	uint64_t ntp_base;		/* the HA's wall clock at now_ms = 0 */
	int32_t mn_skew;		/* the MN's clock minus the HA's, seconds */
	bool hold;			/* queue RRQs instead of answering them */
	uint8_t q[8][MIPMN_RRQ_MAX];
	size_t qlen[8];
	int nq;
	struct mipmn_event ev[H_MAX_EV];
	int nev;
	uint64_t sent_ms[H_MAX_SENT];
	uint8_t sent[H_MAX_SENT][MIPMN_RRQ_MAX];
	size_t sent_len[H_MAX_SENT];
	int nsent;
	unsigned rnd;
	/* Fixed inputs (vectors): when set, used for the next RRQ. */
	uint64_t fixed_ident;
	const uint8_t *fixed_challenge;
};

uint64_t h_ntp(const struct harness *h, int32_t skew);
/* HA 10.1.0.1, home 10.1.0.10, care-of 192.0.2.77, SPIs 4097/4098, lifetime 100. */
void h_init(struct harness *h, struct mipmn_cfg *cfg_out);
void h_start(struct harness *h, const struct mipmn_cfg *cfg);
/* Answers every queued RRQ. */
void h_pump(struct harness *h);
/* Runs the clock forward by ms, ticking the machine at each deadline. */
void h_advance(struct harness *h, uint64_t ms);
void h_fini(struct harness *h);
/* Number of events of kind; index of the last (or -1). */
int h_count(const struct harness *h, enum mipmn_event_kind k);
int h_last(const struct harness *h, enum mipmn_event_kind k);

#endif
