/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <string.h>

#include "harness.h"

uint64_t h_ntp(const struct harness *h, int32_t skew)
{
	uint64_t ms = h->now_ms;

	return h->ntp_base + ((uint64_t)(int64_t)skew << 32) + ((ms / 1000) << 32) +
	       (((ms % 1000) << 32) / 1000);
}

static uint64_t mn_clock(void *ctx)
{
	struct harness *h = ctx;

	if (h->fixed_ident != 0) {
		uint64_t id = h->fixed_ident;

		h->fixed_ident = 0;
		return id;
	}
	return h_ntp(h, h->mn_skew);
}

static int mn_random(void *ctx, void *buf, size_t len)
{
	struct harness *h = ctx;
	uint8_t *p = buf;

	if (h->fixed_challenge != NULL) {
		memcpy(buf, h->fixed_challenge, len);
		h->fixed_challenge = NULL;
		return 0;
	}
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(h->rnd * 31u + i * 7u + 1u);
	h->rnd++;
	return 0;
}

static void mn_send(void *ctx, struct mipmn_fsm *fsm, const uint8_t *buf, size_t len)
{
	struct harness *h = ctx;

	if (h->nsent < H_MAX_SENT) {
		h->sent_ms[h->nsent] = h->now_ms;
		memcpy(h->sent[h->nsent], buf, len);
		h->sent_len[h->nsent] = len;
		h->nsent++;
	}
	if (h->nq < 8) {
		memcpy(h->q[h->nq], buf, len);
		h->qlen[h->nq] = len;
		h->nq++;
	}
}

static void mn_event(void *ctx, struct mipmn_fsm *fsm, const struct mipmn_event *ev)
{
	struct harness *h = ctx;

	if (h->nev < H_MAX_EV)
		h->ev[h->nev++] = *ev;
}

void h_init(struct harness *h, struct mipmn_cfg *cfg)
{
	memset(h, 0, sizeof(*h));
	h->ntp_base = 0xed0f6b4a00000000ull;
	test_ha_init(&h->ha, inet_addr("10.1.0.1"), H_PASSWORD);
	mipmn_cfg_default(cfg);
	strcpy(cfg->nai, H_NAI);
	cfg->nai_len = strlen(H_NAI);
	mip_nt_password_hash(H_PASSWORD, strlen(H_PASSWORD), &cfg->nt_hash);
	cfg->ha_addr = inet_addr("10.1.0.1");
	cfg->home_addr = inet_addr("10.1.0.10");
	cfg->coa = inet_addr("192.0.2.77");
	cfg->lifetime = 100;
}

void h_start(struct harness *h, const struct mipmn_cfg *cfg)
{
	struct mipmn_io io = {
		.ctx = h,
		.send = mn_send,
		.event = mn_event,
		.ntp_now = mn_clock,
		.random = mn_random,
	};

	mipmn_fsm_init(&h->fsm, cfg, &io);
	mipmn_fsm_start(&h->fsm, h->now_ms);
	h_pump(h);
}

void h_pump(struct harness *h)
{
	uint8_t out[THA_MSG_MAX];

	while (h->nq > 0 && !h->hold) {
		uint8_t rrq[MIPMN_RRQ_MAX];
		size_t len = h->qlen[0], r;

		memcpy(rrq, h->q[0], len);
		memmove(h->q[0], h->q[1], sizeof(h->q[0]) * 7);
		memmove(h->qlen, h->qlen + 1, sizeof(h->qlen[0]) * 7);
		h->nq--;
		r = test_ha_handle(&h->ha, rrq, len, h_ntp(h, 0), out, sizeof(out));
		if (r != 0)
			mipmn_fsm_input(&h->fsm, out, r, h->now_ms);
	}
}

void h_advance(struct harness *h, uint64_t ms)
{
	uint64_t end = h->now_ms + ms;

	for (int guard = 0; guard < 100000; guard++) {
		uint64_t d = mipmn_fsm_deadline(&h->fsm);

		if (d > end)
			break;
		if (d > h->now_ms)
			h->now_ms = d;
		mipmn_fsm_tick(&h->fsm, h->now_ms);
		h_pump(h);
	}
	h->now_ms = end;
}

void h_fini(struct harness *h)
{
	mipmn_fsm_fini(&h->fsm);
	test_ha_fini(&h->ha);
}

int h_count(const struct harness *h, enum mipmn_event_kind k)
{
	int n = 0;

	for (int i = 0; i < h->nev; i++)
		n += h->ev[i].kind == k;
	return n;
}

int h_last(const struct harness *h, enum mipmn_event_kind k)
{
	for (int i = h->nev - 1; i >= 0; i--)
		if (h->ev[i].kind == k)
			return i;
	return -1;
}
