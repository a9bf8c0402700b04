/* SPDX-License-Identifier: BSD-3-Clause */
/* IP-in-IP tunnel of a collocated care-of address, kernel or userspace (see tunnel.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tunnel.h"

extern char **environ;

#define PKT_MAX 65535
#define PUMP_BATCH 64

int mipmn_tunnel_mode_parse(const char *s, enum mipmn_tunnel_mode *mode)
{
	if (strcmp(s, "auto") == 0)
		*mode = MIPMN_TUNNEL_AUTO;
	else if (strcmp(s, "kernel") == 0)
		*mode = MIPMN_TUNNEL_KERNEL;
	else if (strcmp(s, "userspace") == 0)
		*mode = MIPMN_TUNNEL_USER;
	else
		return -EINVAL;
	return 0;
}

int mipmn_ip(const char *const *args)
{
	const char *argv[24];
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int n = 0, status, error;

	argv[n++] = "ip";
	while (args[n - 1] != NULL && n < 23) {
		argv[n] = args[n - 1];
		n++;
	}
	argv[n] = NULL;
	/* ip's own output must not mix with our event lines on stdout. */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO);
	error = posix_spawnp(&pid, "ip", &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (error != 0)
		return -error;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -ECHILD;
}

static void fmt(uint32_t a, char *buf)
{
	struct in_addr in = { .s_addr = a };

	inet_ntop(AF_INET, &in, buf, INET_ADDRSTRLEN);
}

static void home_prefix(const struct mipmn_tunnel *t, char *buf)
{
	fmt(t->home, buf);
	strcat(buf, "/32");
}

static void reverse_down(struct mipmn_tunnel *t)
{
	char home[INET_ADDRSTRLEN + 3], table[16];

	home_prefix(t, home);
	snprintf(table, sizeof(table), "%u", t->table);
	mipmn_ip((const char *const[]){ "rule", "del", "from", home, "table", table, NULL });
	mipmn_ip((const char *const[]){ "route", "flush", "table", table, NULL });
}

void mipmn_tunnel_down(struct mipmn_tunnel *t)
{
	if (!t->up)
		return;
	if (t->reverse)
		reverse_down(t);
	if (t->active == MIPMN_TUNNEL_KERNEL)
		mipmn_ip((const char *const[]){ "link", "del", t->name, NULL });
	/* A TUN device that is not persistent goes with its descriptor. */
	if (t->tun_fd >= 0)
		close(t->tun_fd);
	if (t->raw_fd >= 0)
		close(t->raw_fd);
	t->tun_fd = -1;
	t->raw_fd = -1;
	t->up = false;
}

static int kernel_device(struct mipmn_tunnel *t)
{
	char c[INET_ADDRSTRLEN], r[INET_ADDRSTRLEN];
	int error;

	fmt(t->coa, c);
	fmt(t->ha, r);
	error = mipmn_ip((const char *const[]){ "tunnel", "add", t->name, "mode", "ipip", "local", c,
						"remote", r, NULL });
	if (error != 0)
		return error < 0 ? error : -EOPNOTSUPP;
	t->active = MIPMN_TUNNEL_KERNEL;
	return 0;
}

static int user_device(struct mipmn_tunnel *t)
{
	struct ifreq ifr;
	int on = 1;

	t->tun_fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (t->tun_fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", t->name);
	if (ioctl(t->tun_fd, TUNSETIFF, &ifr) != 0)
		return -errno;
	/* Receives every IP-in-IP packet delivered here (outer header included). */
	t->raw_fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_IPIP);
	if (t->raw_fd < 0)
		return -errno;
	/* We write the outer header ourselves: its source is the care-of address. */
	if (setsockopt(t->raw_fd, IPPROTO_IP, IP_HDRINCL, &on, sizeof(on)) != 0)
		return -errno;
	t->active = MIPMN_TUNNEL_USER;
	return 0;
}

static int addresses_and_routes(struct mipmn_tunnel *t)
{
	char h[INET_ADDRSTRLEN + 3], tb[16];
	int error;

	home_prefix(t, h);
	snprintf(tb, sizeof(tb), "%u", t->table);
	error = mipmn_ip((const char *const[]){ "link", "set", t->name, "up", NULL });
	if (error == 0)
		error = mipmn_ip((const char *const[]){ "addr", "add", h, "dev", t->name, NULL });
	if (error == 0 && t->reverse) {
		error = mipmn_ip((const char *const[]){ "route", "replace", "default", "dev", t->name,
							"table", tb, NULL });
		if (error == 0)
			error = mipmn_ip((const char *const[]){ "rule", "add", "from", h, "table", tb,
								NULL });
	}
	return error == 0 ? 0 : (error < 0 ? error : -EIO);
}

int mipmn_tunnel_up(struct mipmn_tunnel *t, enum mipmn_tunnel_mode mode, const char *name,
		    uint32_t table, uint32_t home, uint32_t coa, uint32_t ha, bool reverse)
{
	int error = -EOPNOTSUPP;

	mipmn_tunnel_down(t);
	memset(t, 0, sizeof(*t));
	t->tun_fd = -1;
	t->raw_fd = -1;
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->table = table;
	t->home = home;
	t->coa = coa;
	t->ha = ha;
	t->reverse = reverse;
	if (mode != MIPMN_TUNNEL_USER)
		error = kernel_device(t);
	if (error != 0 && mode == MIPMN_TUNNEL_AUTO) {
		fprintf(stderr, "mipmn: no kernel ipip tunnel; using the userspace tunnel\n");
		error = user_device(t);
	} else if (mode == MIPMN_TUNNEL_USER) {
		error = user_device(t);
	}
	t->up = true;
	if (error == 0)
		error = addresses_and_routes(t);
	if (error != 0)
		mipmn_tunnel_down(t);
	return error;
}

int mipmn_tunnel_move(struct mipmn_tunnel *t, uint32_t coa)
{
	char c[INET_ADDRSTRLEN], r[INET_ADDRSTRLEN];
	int error;

	if (!t->up)
		return -ENOENT;
	if (t->active == MIPMN_TUNNEL_KERNEL) {
		fmt(coa, c);
		fmt(t->ha, r);
		error = mipmn_ip((const char *const[]){ "tunnel", "change", t->name, "mode", "ipip",
							"local", c, "remote", r, NULL });
		if (error != 0)
			return error < 0 ? error : -EIO;
	}
	t->coa = coa;
	return 0;
}

int mipmn_tunnel_fd_raw(const struct mipmn_tunnel *t)
{
	return t->up && t->active == MIPMN_TUNNEL_USER ? t->raw_fd : -1;
}

int mipmn_tunnel_fd_tun(const struct mipmn_tunnel *t)
{
	return t->up && t->active == MIPMN_TUNNEL_USER ? t->tun_fd : -1;
}

/* HA -> care-of: strip the outer header of what the HA sent us, hand the inner to the stack. */
static void decapsulate(struct mipmn_tunnel *t, uint8_t *pkt, size_t n)
{
	const struct iphdr *outer = (const struct iphdr *)pkt;
	const struct iphdr *inner;
	size_t hl;

	if (n < sizeof(*outer) || outer->version != 4 || outer->protocol != IPPROTO_IPIP) {
		t->dropped++;
		return;
	}
	hl = (size_t)outer->ihl * 4u;
	/* Only from the HA to our care-of address (our own reverse traffic shows up here too). */
	if (hl < sizeof(*outer) || n < hl + sizeof(*inner) || outer->saddr != t->ha ||
	    outer->daddr != t->coa) {
		t->dropped++;
		return;
	}
	inner = (const struct iphdr *)(pkt + hl);
	if (inner->version != 4 || ntohs(inner->tot_len) > n - hl || inner->daddr != t->home) {
		t->dropped++;
		return;
	}
	if (write(t->tun_fd, inner, ntohs(inner->tot_len)) < 0)
		t->dropped++;
	else
		t->decapsulated++;
}

/* Home address -> HA (reverse tunnel): add an outer header from the care-of address. */
static void encapsulate(struct mipmn_tunnel *t, uint8_t *buf, size_t n)
{
	struct iphdr *outer = (struct iphdr *)buf;
	const struct iphdr *inner = (const struct iphdr *)(buf + sizeof(*outer));
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_addr.s_addr = t->ha };

	if (!t->reverse || n < sizeof(*inner) || inner->version != 4 || inner->saddr != t->home ||
	    n + sizeof(*outer) > PKT_MAX) {
		t->dropped++;
		return;
	}
	memset(outer, 0, sizeof(*outer));
	outer->version = 4;
	outer->ihl = 5;
	outer->tos = inner->tos;
	outer->tot_len = htons((uint16_t)(n + sizeof(*outer)));
	outer->frag_off = inner->frag_off & htons(IP_DF);
	outer->ttl = 64;
	outer->protocol = IPPROTO_IPIP;
	outer->saddr = t->coa;
	outer->daddr = t->ha;
	/* With IP_HDRINCL the kernel fills the checksum and, when 0, the id. */
	if (sendto(t->raw_fd, buf, n + sizeof(*outer), 0, (struct sockaddr *)&dst, sizeof(dst)) < 0)
		t->dropped++;
	else
		t->encapsulated++;
}

void mipmn_tunnel_pump(struct mipmn_tunnel *t)
{
	static uint8_t buf[PKT_MAX + sizeof(struct iphdr)];
	ssize_t n;

	if (!t->up || t->active != MIPMN_TUNNEL_USER)
		return;
	for (int i = 0; i < PUMP_BATCH; i++) {
		n = recv(t->raw_fd, buf, PKT_MAX, 0);
		if (n <= 0)
			break;
		decapsulate(t, buf, (size_t)n);
	}
	for (int i = 0; i < PUMP_BATCH; i++) {
		/* Leave room for the outer header in front. */
		n = read(t->tun_fd, buf + sizeof(struct iphdr), PKT_MAX - sizeof(struct iphdr));
		if (n <= 0)
			break;
		encapsulate(t, buf, (size_t)n);
	}
}
