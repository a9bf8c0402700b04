/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `mipmn run`: one Mobile Node. The state machine (mn_fsm.c) plus what it
 * leaves out: the UDP socket, the clock, signals (SIGTERM/SIGINT deregister,
 * SIGUSR1/SIGHUP re-read the care-of address), watching the care-of
 * interface, the kernel tunnel and the event lines.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mn_fsm.h"
#include "mn_log.h"
#include "mn_opts.h"
#include "mn_run.h"
#include "tunnel.h"

/* How often the care-of interface is looked at anyway (netlink tells us at once). */
#define COA_POLL_MS 1000u

struct run_ctx {
	struct mipmn_opts o;
	struct mipmn_fsm fsm;
	struct sockaddr_in ha;
	int fd;
	int sigfd;
	int nlfd;		/* address changes, with --care-of-if */
	struct mipmn_tunnel tun;
	bool tunnel_failed;
	bool stopping;
	uint64_t foreign;	/* datagrams not from the HA's address and port */
};

uint64_t mipmn_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void run_send(void *ctx, struct mipmn_fsm *fsm, const uint8_t *buf, size_t len)
{
	struct run_ctx *r = ctx;

	/* A failed send is a lost RRQ: the retransmission timer covers it. */
	if (sendto(r->fd, buf, len, 0, (struct sockaddr *)&r->ha, sizeof(r->ha)) < 0)
		fprintf(stderr, "mipmn: send to the home agent: %s\n", strerror(errno));
}

static void tunnel_follow(struct run_ctx *r, const struct mipmn_event *ev)
{
	int error = 0;

	if (r->o.no_tunnel || r->tunnel_failed)
		return;
	switch (ev->kind) {
	case MIPMN_EV_REGISTERED:
	case MIPMN_EV_REREGISTERED:
	case MIPMN_EV_REKEYED:
	case MIPMN_EV_HANDOVER:
		if (!r->tun.up || r->tun.home != ev->home_addr)
			error = mipmn_tunnel_up(&r->tun, r->o.tunnel_mode, r->o.tunnel_name,
						r->o.tunnel_table,
						ev->home_addr, ev->coa, r->o.cfg.ha_addr,
						r->o.cfg.reverse_tunnel);
		else if (r->tun.coa != ev->coa)
			error = mipmn_tunnel_move(&r->tun, ev->coa);
		break;
	case MIPMN_EV_DEREGISTERED:
		mipmn_tunnel_down(&r->tun);
		break;
	default:
		break;
	}
	if (error != 0) {
		r->tunnel_failed = true;
		mipmn_log_error(stdout, r->o.json, r->o.cfg.nai, "cannot set up the kernel tunnel");
	}
}

static void run_event(void *ctx, struct mipmn_fsm *fsm, const struct mipmn_event *ev)
{
	struct run_ctx *r = ctx;

	/* Tunnel first: whoever reads "registered" may use it at once. */
	tunnel_follow(r, ev);
	mipmn_log_event(stdout, r->o.json, r->o.cfg.nai, ev);
}

static void run_discard(void *ctx, struct mipmn_fsm *fsm, enum mipmn_discard why,
			const char *detail)
{
	fprintf(stderr, "mipmn: reply discarded: %s%s%s\n", mipmn_discard_str(why),
		detail ? ": " : "", detail ? detail : "");
}

static uint64_t run_clock(void *ctx)
{
	struct run_ctx *r = ctx;

	return mip_ntp_now(r->o.clock_offset);
}

static int open_socket(struct run_ctx *r)
{
	struct sockaddr_in a = { .sin_family = AF_INET };

	r->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (r->fd < 0)
		return -errno;
	a.sin_addr.s_addr = r->o.bind_addr;
	a.sin_port = htons(r->o.bind_port);
	if ((r->o.bind_addr != 0 || r->o.bind_port != 0) &&
	    bind(r->fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		return -errno;
	r->ha.sin_family = AF_INET;
	r->ha.sin_addr.s_addr = r->o.cfg.ha_addr;
	r->ha.sin_port = htons(r->o.ha_port);
	return 0;
}

static int open_signals(struct run_ctx *r)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return -errno;
	r->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return r->sigfd < 0 ? -errno : 0;
}

/* Netlink notifications of IPv4 address changes: a hint to look at the interface now. */
static void open_netlink(struct run_ctx *r)
{
	struct sockaddr_nl a = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_IPV4_IFADDR };

	r->nlfd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (r->nlfd >= 0 && bind(r->nlfd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(r->nlfd);
		r->nlfd = -1;	/* the periodic look still works */
	}
}

static void drain_netlink(struct run_ctx *r)
{
	char buf[8192];

	while (recv(r->nlfd, buf, sizeof(buf), 0) > 0)
		;
}

/* The care-of address as configured now (interface or file); 0 if unknown. */
static uint32_t current_coa(struct run_ctx *r)
{
	uint32_t a = 0;

	if (r->o.coa_if[0] != '\0' && mipmn_if_addr(r->o.coa_if, &a) == 0)
		return a;
	if (r->o.coa_file[0] != '\0' && mipmn_read_addr_file(r->o.coa_file, &a) == 0)
		return a;
	return 0;
}

static void check_coa(struct run_ctx *r, uint64_t now)
{
	uint32_t a = current_coa(r);

	if (a != 0 && a != r->fsm.cfg.coa)
		mipmn_fsm_set_coa(&r->fsm, a, now);
}

static void stop(struct run_ctx *r, uint64_t now)
{
	if (r->stopping)
		return;
	r->stopping = true;
	mipmn_fsm_deregister(&r->fsm, true, now);
}

static bool read_signals(struct run_ctx *r, uint64_t now)
{
	struct signalfd_siginfo si;

	while (read(r->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			if (r->stopping)
				return false;	/* a second one: leave now */
			stop(r, now);
			break;
		default:
			check_coa(r, now);
			break;
		}
	}
	return true;
}

static void read_socket(struct run_ctx *r)
{
	uint8_t buf[2048];
	struct sockaddr_in src;
	socklen_t sl;
	ssize_t n;

	for (int i = 0; i < 64; i++) {
		sl = sizeof(src);
		n = recvfrom(r->fd, buf, sizeof(buf), 0, (struct sockaddr *)&src, &sl);
		if (n < 0)
			return;
		if (src.sin_addr.s_addr != r->ha.sin_addr.s_addr || src.sin_port != r->ha.sin_port) {
			r->foreign++;
			continue;
		}
		mipmn_fsm_input(&r->fsm, buf, (size_t)n, mipmn_mono_ms());
	}
}

static int poll_timeout(struct run_ctx *r, uint64_t now, uint64_t end, uint64_t next_coa)
{
	uint64_t d = mipmn_fsm_deadline(&r->fsm);

	if (end != 0 && !r->stopping && end < d)
		d = end;
	if (r->o.coa_if[0] != '\0' && next_coa < d)
		d = next_coa;
	if (d == MIPMN_NO_DEADLINE)
		return -1;
	if (d <= now)
		return 0;
	return d - now > 60000 ? 60000 : (int)(d - now);
}

static int loop(struct run_ctx *r)
{
	uint64_t now = mipmn_mono_ms();
	uint64_t end = r->o.duration != 0 ? now + (uint64_t)r->o.duration * 1000u : 0;
	uint64_t next_coa = now + COA_POLL_MS;

	mipmn_fsm_start(&r->fsm, now);
	while (!mipmn_fsm_finished(&r->fsm)) {
		struct pollfd pfd[5] = { { .fd = r->fd, .events = POLLIN },
					 { .fd = r->sigfd, .events = POLLIN },
					 { .fd = mipmn_tunnel_fd_raw(&r->tun), .events = POLLIN },
					 { .fd = mipmn_tunnel_fd_tun(&r->tun), .events = POLLIN },
					 { .fd = r->nlfd, .events = POLLIN } };

		if (r->tunnel_failed)
			stop(r, now);
		if (poll(pfd, 5, poll_timeout(r, now, end, next_coa)) < 0 && errno != EINTR)
			return -errno;
		now = mipmn_mono_ms();
		if ((pfd[2].revents | pfd[3].revents) & POLLIN)
			mipmn_tunnel_pump(&r->tun);
		if (pfd[0].revents & POLLIN)
			read_socket(r);
		if ((pfd[1].revents & POLLIN) && !read_signals(r, now))
			break;
		if (end != 0 && now >= end)
			stop(r, now);
		if (pfd[4].revents & POLLIN) {
			drain_netlink(r);
			next_coa = now;
		}
		if (r->o.coa_if[0] != '\0' && now >= next_coa) {
			next_coa = now + COA_POLL_MS;
			check_coa(r, now);
		}
		mipmn_fsm_tick(&r->fsm, now);
	}
	return 0;
}

static int exit_code(const struct run_ctx *r)
{
	if (r->tunnel_failed)
		return MIPMN_EXIT_TUNNEL;
	switch (r->fsm.state) {
	case MIPMN_ST_DONE:
		return MIPMN_EXIT_OK;
	case MIPMN_ST_FAILED:
		return mipmn_fail_exit_code(r->fsm.fail);
	default:
		/* Left on a second signal before the HA confirmed. */
		return mipmn_fail_exit_code(MIPMN_FAIL_DEREG);
	}
}

int mipmn_run_main(int argc, char **argv)
{
	static struct run_ctx r;
	struct mipmn_io io = {
		.ctx = &r,
		.send = run_send,
		.event = run_event,
		.discard = run_discard,
		.ntp_now = run_clock,
	};
	int error, code;

	memset(&r, 0, sizeof(r));
	r.fd = -1;
	r.sigfd = -1;
	r.nlfd = -1;
	r.tun.tun_fd = -1;
	r.tun.raw_fd = -1;
	mipmn_opts_default(&r.o);
	error = mipmn_opts_parse(&r.o, MIPMN_OPTS_RUN, argc, argv);
	if (error != 0) {
		mip_wipe(&r.o.cfg.nt_hash, sizeof(r.o.cfg.nt_hash));
		return error > 0 ? MIPMN_EXIT_OK : MIPMN_EXIT_USAGE;
	}
	if (r.o.coa_if[0] != '\0' && mipmn_if_addr(r.o.coa_if, &r.o.cfg.coa) != 0) {
		fprintf(stderr, "mipmn: --care-of-if %s: no IPv4 address\n", r.o.coa_if);
		mip_wipe(&r.o.cfg.nt_hash, sizeof(r.o.cfg.nt_hash));
		return MIPMN_EXIT_USAGE;
	}
	error = open_socket(&r);
	if (error == 0)
		error = open_signals(&r);
	if (error != 0) {
		fprintf(stderr, "mipmn: %s\n", strerror(-error));
		mip_wipe(&r.o.cfg.nt_hash, sizeof(r.o.cfg.nt_hash));
		return MIPMN_EXIT_SYSTEM;
	}
	if (r.o.coa_if[0] != '\0')
		open_netlink(&r);
	mipmn_fsm_init(&r.fsm, &r.o.cfg, &io);
	mip_wipe(&r.o.cfg.nt_hash, sizeof(r.o.cfg.nt_hash));
	error = loop(&r);
	code = error != 0 ? MIPMN_EXIT_SYSTEM : exit_code(&r);
	if (error != 0)
		fprintf(stderr, "mipmn: %s\n", strerror(-error));
	mipmn_tunnel_down(&r.tun);
	if (r.fsm.state == MIPMN_ST_FAILED)
		fprintf(stderr, "mipmn: stopped: %s\n", mipmn_fail_str(r.fsm.fail));
	mipmn_fsm_fini(&r.fsm);
	close(r.fd);
	close(r.sigfd);
	if (r.nlfd >= 0)
		close(r.nlfd);
	return code;
}
