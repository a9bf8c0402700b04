/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bare_aaa: the AAA benchmark's reference client (perf/aaa/run-aaa.sh). It
 * sends the HA's MS-CHAPv2 Access-Requests (spec section 5 step 3) through
 * the HA's own RADIUS client library (control/aaa: same encoder, same
 * verification of every reply), --window of them in flight, with the
 * NT-Response computed from the password as the MN computes it, and checks
 * each accept's MS-CHAP2-Success as the MN does. No Mobile IP, no DPDK: what
 * the AAA exchange alone allows, beside which mipha's initial registrations
 * per second are measured.
 *
 *	bare_aaa --server 127.0.0.1:18812 --secret-file S --password-file P
 *		 --count N [--window W] [--nai-pattern 'mn%d@example.net'] ...
 *
 * Prints one JSON line ("event":"load_report", the fields of mipmn load's).
 * Exit 0 when every exchange was accepted and verified, 1 otherwise, 2 on
 * bad options.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aaa_client.h"
#include "bare_common.h"

struct slot {
	struct bare_exchange x;
	unsigned next_free;
};

struct run {
	const struct bare_opts *o;
	struct mip_key nt_hash;
	struct aaa_client *aaa;
	struct slot *slots;
	unsigned free_head;		/* UINT32_MAX: none */
	unsigned in_flight;
	unsigned next_index;		/* next MN number to start */
	struct bare_stats st;
};

static uint64_t now_ms(void)
{
	return bare_now_ns() / 1000000u;
}

static void on_result(void *cookie, const struct aaa_result *res, void *arg)
{
	struct run *r = arg;
	struct slot *s = cookie;
	uint64_t t = bare_now_ns();

	if (res->status == AAA_ACCEPT &&
	    bare_success_ok(&s->x, &r->nt_hash, res->reply.auth_response,
			    sizeof(res->reply.auth_response))) {
		r->st.lat_ns[r->st.registered++] = t - s->x.t0_ns;
		r->st.last_ns = t;
	} else {
		r->st.failed++;
		if (res->status == AAA_ACCEPT)
			r->st.bad_success++;
		else if (res->status == AAA_REJECT)
			r->st.rejects++;
		else
			r->st.timeouts++;
	}
	mip_wipe(&s->x, sizeof(s->x));
	s->next_free = r->free_head;
	r->free_head = (unsigned)(s - r->slots);
	r->in_flight--;
}

static void request_of(const struct bare_exchange *x, const struct bare_opts *o,
		       struct aaa_access_req *req)
{
	memset(req, 0, sizeof(*req));
	snprintf(req->nai, sizeof(req->nai), "%s", x->nai);
	req->home_addr = 0;		/* 0.0.0.0: the MN asks for an address */
	req->care_of = o->care_of;
	memcpy(req->auth_challenge, x->auth_challenge, sizeof(req->auth_challenge));
	memcpy(req->peer_challenge, x->peer_challenge, sizeof(req->peer_challenge));
	memcpy(req->nt_response, x->nt_response, sizeof(req->nt_response));
}

/* Starts exchanges until the window is full or every MN has started. */
static int fill_window(struct run *r)
{
	struct aaa_access_req req;
	int error;

	while (r->in_flight < r->o->window && r->st.started < r->o->count) {
		unsigned k = r->free_head;
		struct slot *s = &r->slots[k];

		error = bare_exchange_init(&s->x, r->o, r->o->first_index + r->next_index,
					   &r->nt_hash);
		if (error != 0)
			return error;
		request_of(&s->x, r->o, &req);
		error = aaa_client_submit(r->aaa, &req, s, now_ms());
		mip_wipe(&req, sizeof(req));
		if (error == -ENOBUFS)
			return 0;	/* the client's table is full: wait for results */
		if (error != 0)
			return error;
		r->free_head = s->next_free;
		r->in_flight++;
		r->next_index++;
		r->st.started++;
	}
	return 0;
}

/* Sleeps in poll() until a reply or the client's next timer (at most 10 ms). */
static void wait_io(struct run *r)
{
	struct pollfd pfd[AAA_MAX_SERVERS * 64];
	int fds[AAA_MAX_SERVERS * 64];
	unsigned n = aaa_client_fds(r->aaa, fds, AAA_MAX_SERVERS * 64);
	uint64_t dl = aaa_client_next_deadline(r->aaa), t = now_ms();
	int timeout = 10;

	if (dl != UINT64_MAX)
		timeout = dl <= t ? 0 : (dl - t < 10 ? (int)(dl - t) : 10);
	for (unsigned i = 0; i < n; i++) {
		pfd[i].fd = fds[i];
		pfd[i].events = POLLIN;
	}
	(void)poll(pfd, n, timeout);
}

static int client_of(const struct bare_opts *o, struct aaa_client **out)
{
	struct aaa_client_cfg cfg;
	int error = 0;

	aaa_client_cfg_defaults(&cfg);
	cfg.nas.ip = o->nas_ip;
	snprintf(cfg.nas.id, sizeof(cfg.nas.id), "%s", o->nas_id);
	cfg.secret_file = o->secret_file;
	cfg.retransmit_ms = o->timeout_ms;
	if (cfg.retransmit_max_ms < cfg.retransmit_ms)
		cfg.retransmit_max_ms = cfg.retransmit_ms;
	cfg.retries = o->retries;
	if (cfg.max_requests < o->window)
		cfg.max_requests = o->window;
	error = aaa_client_cfg_add_server(&cfg, o->server_addr, o->server_port, NULL);
	if (error != 0)
		return error;
	*out = aaa_client_create(&cfg, &error);
	return *out != NULL ? 0 : (error != 0 ? error : -EINVAL);
}

static int run(struct run *r)
{
	uint64_t deadline = bare_now_ns() + (uint64_t)r->o->duration_s * 1000000000u;
	int error;

	r->st.t0_ns = bare_now_ns();
	while (r->st.registered + r->st.failed < r->o->count) {
		if (bare_now_ns() >= deadline) {
			fprintf(stderr, "bare_aaa: --duration reached\n");
			break;
		}
		error = fill_window(r);
		if (error != 0)
			return error;
		if (aaa_client_poll(r->aaa, now_ms(), on_result, r) == 0)
			wait_io(r);
	}
	r->st.end_ns = bare_now_ns();
	return 0;
}

int main(int argc, char **argv)
{
	struct bare_opts o;
	struct aaa_client_counters cnt;
	struct run r;
	int error;

	bare_opts_parse(&o, argc, argv, "bare_aaa", false);
	memset(&r, 0, sizeof(r));
	r.o = &o;
	error = bare_nt_hash(o.password_file, &r.nt_hash);
	if (error != 0) {
		fprintf(stderr, "bare_aaa: %s: %s\n", o.password_file, strerror(-error));
		return 1;
	}
	error = client_of(&o, &r.aaa);
	if (error != 0) {
		fprintf(stderr, "bare_aaa: AAA client: %s\n", strerror(-error));
		return 1;
	}
	r.slots = calloc(o.window, sizeof(r.slots[0]));
	if (r.slots == NULL || bare_stats_init(&r.st, o.count) != 0) {
		fprintf(stderr, "bare_aaa: out of memory\n");
		return 1;
	}
	for (unsigned i = 0; i < o.window; i++)
		r.slots[i].next_free = i + 1 < o.window ? i + 1 : UINT32_MAX;
	error = run(&r);
	if (error != 0)
		fprintf(stderr, "bare_aaa: %s\n", strerror(-error));
	aaa_client_counters(r.aaa, &cnt);
	r.st.retransmissions = cnt.retransmissions;
	bare_report(&r.st, &o, "bare_aaa");
	aaa_client_destroy(r.aaa);	/* requests still in flight end without a callback */
	mip_wipe(&r.nt_hash, sizeof(r.nt_hash));
	for (unsigned i = 0; i < o.window; i++)
		mip_wipe(&r.slots[i].x, sizeof(r.slots[i].x));
	free(r.slots);
	bare_stats_free(&r.st);
	return error == 0 && r.st.registered == o.count ? 0 : 1;
}
