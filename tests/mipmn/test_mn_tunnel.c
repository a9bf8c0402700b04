/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The collocated care-of address tunnel of `mipmn run`, inside a network
 * namespace each test creates for itself (unshare; Criterion runs every test
 * in its own process): device, home address, reverse route, real IP-in-IP
 * traffic both ways, a handover when the interface's address changes, and
 * teardown on exit. Needs root; skipped otherwise.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"
#include "test_ha.h"

#define NAI "mnuser@example.net"
#define PASSWORD "clientPass"
#define HA_ADDR "10.0.0.1"
#define COA "192.0.2.77"
#define COA2 "198.51.100.9"
#define HOME "10.1.0.10"
#define CN "203.0.113.5"

static struct test_ha HA;
static struct proc P;
static char port[16];
static char pwfile[64];

static void sh(const char *cmd)
{
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

/* stdout of a command, for ip's listings. */
static void sh_out(const char *cmd, char *out, size_t cap)
{
	FILE *f = popen(cmd, "r");
	size_t n;

	cr_assert_not_null(f);
	n = fread(out, 1, cap - 1, f);
	out[n] = '\0';
	pclose(f);
}

static void write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	if (f != NULL) {
		fputs(s, f);
		fclose(f);
	}
}

static void enter_netns(void)
{
	if (geteuid() != 0 || access("/dev/net/tun", R_OK | W_OK) != 0 ||
	    unshare(CLONE_NEWNET) != 0)
		cr_skip_test("needs root, /dev/net/tun and network namespaces");
	sh("ip link set lo up");
	sh("ip addr add " HA_ADDR "/32 dev lo");
	sh("ip link add v0 type veth peer name v1");
	sh("ip addr add " COA "/24 dev v0");
	sh("ip link set v0 up");
	sh("ip link set v1 up");
	/* The decapsulated packets come from a correspondent we have no route to. */
	write_file("/proc/sys/net/ipv4/conf/all/rp_filter", "0");
	write_file("/proc/sys/net/ipv4/conf/default/rp_filter", "0");
	test_ha_init(&HA, inet_addr(HA_ADDR), PASSWORD);
	HA.bind_any = true;
	cr_assert_eq(test_ha_serve(&HA), 0);
	snprintf(port, sizeof(port), "%u", HA.port);
	snprintf(pwfile, sizeof(pwfile), "%s", proc_temp_file(0, PASSWORD "\n"));
}

static void teardown(void)
{
	if (P.pid > 0 && P.status < 0)
		proc_wait(&P, 0);
	test_ha_fini(&HA);
	if (pwfile[0] != '\0')
		unlink(pwfile);
}

TestSuite(mn_tunnel, .fini = teardown, .timeout = 60);

static void spawn_mn(const char *mode, const char *coa_opt, const char *coa_val)
{
	char *argv[] = { (char *)proc_mipmn(), "run", "--nai", NAI, "--password-file", pwfile,
			 "--home-agent", HA_ADDR, "--ha-port", port, "--home-address", HOME,
			 (char *)coa_opt, (char *)coa_val, "--reverse-tunnel", "--tunnel-name",
			 "mipt0", "--tunnel-mode", (char *)mode, "--json", NULL };

	cr_assert_eq(proc_spawn(&P, argv), 0);
}

static uint16_t csum(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (n & 1)
		s += (uint32_t)b[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return htons((uint16_t)~s);
}

static size_t ip_hdr(uint8_t *p, const char *src, const char *dst, uint8_t proto, size_t payload)
{
	struct iphdr *h = (struct iphdr *)p;

	memset(h, 0, sizeof(*h));
	h->version = 4;
	h->ihl = 5;
	h->tot_len = htons((uint16_t)(sizeof(*h) + payload));
	h->ttl = 64;
	h->protocol = proto;
	h->saddr = inet_addr(src);
	h->daddr = inet_addr(dst);
	h->check = csum(h, sizeof(*h));
	return sizeof(*h);
}

/* What the HA does: IP-in-IP from the HA to the care-of address, UDP CN:4444 -> home:5555 inside. */
static void ha_sends_tunnelled(const char *coa, const char *msg)
{
	uint8_t pkt[256];
	size_t len = strlen(msg), off = 0;
	struct udphdr *u;
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_addr.s_addr = inet_addr(coa) };
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);

	cr_assert_geq(fd, 0);
	off += ip_hdr(pkt, HA_ADDR, coa, IPPROTO_IPIP, 20 + 8 + len);
	off += ip_hdr(pkt + off, CN, HOME, IPPROTO_UDP, 8 + len);
	u = (struct udphdr *)(pkt + off);
	u->source = htons(4444);
	u->dest = htons(5555);
	u->len = htons((uint16_t)(8 + len));
	u->check = 0;
	memcpy(pkt + off + 8, msg, len);
	off += 8 + len;
	cr_assert_eq(sendto(fd, pkt, off, 0, (struct sockaddr *)&dst, sizeof(dst)), (ssize_t)off);
	close(fd);
}

static int udp_bound(const char *addr, uint16_t p)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(p),
				 .sin_addr.s_addr = inet_addr(addr) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0, "bind %s", addr);
	return fd;
}

static ssize_t recv_within(int fd, void *buf, size_t cap, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (poll(&pfd, 1, ms) <= 0)
		return -1;
	return recv(fd, buf, cap, 0);
}

static void expect_forward(const char *coa)
{
	char buf[128];
	int fd = udp_bound(HOME, 5555);
	ssize_t n;

	ha_sends_tunnelled(coa, "hello-home");
	n = recv_within(fd, buf, sizeof(buf), 3000);
	cr_assert_eq(n, 10, "nothing decapsulated to the home address (%s)", P.err);
	cr_assert(memcmp(buf, "hello-home", 10) == 0);
	close(fd);
}

/* Reverse tunnel: home -> CN leaves as IP-in-IP from the care-of address to the HA. */
static void expect_reverse(const char *coa)
{
	uint8_t buf[512];
	int raw = socket(AF_INET, SOCK_RAW, IPPROTO_IPIP);
	int fd = udp_bound(HOME, 0);
	struct sockaddr_in cn = { .sin_family = AF_INET, .sin_port = htons(7777),
				  .sin_addr.s_addr = inet_addr(CN) };
	bool seen = false;

	cr_assert_geq(raw, 0);
	cr_assert_eq(sendto(fd, "hello-cn", 8, 0, (struct sockaddr *)&cn, sizeof(cn)), 8);
	for (int i = 0; i < 10 && !seen; i++) {
		ssize_t n = recv_within(raw, buf, sizeof(buf), 1000);
		const struct iphdr *o = (const struct iphdr *)buf, *in = (const struct iphdr *)(buf + 20);

		if (n < 0)
			break;
		if (n < 48 || o->saddr != inet_addr(coa) || o->daddr != inet_addr(HA_ADDR))
			continue;
		cr_assert_eq(in->saddr, inet_addr(HOME));
		cr_assert_eq(in->daddr, inet_addr(CN));
		cr_assert_eq(in->protocol, IPPROTO_UDP);
		cr_assert(memcmp(buf + 48, "hello-cn", 8) == 0);
		seen = true;
	}
	cr_assert(seen, "no reverse-tunnelled packet (%s)", P.err);
	close(fd);
	close(raw);
}

static void expect_torn_down(void)
{
	char out[4096];

	cr_assert_neq(system("ip link show mipt0 >/dev/null 2>&1"), 0, "device left behind");
	sh_out("ip rule", out, sizeof(out));
	cr_assert_null(strstr(out, HOME), "rule left behind: %s", out);
	sh_out("ip route show table 434 2>/dev/null", out, sizeof(out));
	cr_assert_eq(out[0], '\0', "routes left behind: %s", out);
}

Test(mn_tunnel, userspace_tunnel_both_ways_and_teardown)
{
	char out[4096];

	enter_netns();
	spawn_mn("userspace", "--care-of", COA);
	cr_assert(proc_wait_for(&P, "\"registered\"", 5000), "%s / %s", P.out, P.err);
	sh_out("ip addr show dev mipt0", out, sizeof(out));
	cr_assert_not_null(strstr(out, HOME "/32"), "%s", out);
	sh_out("ip rule", out, sizeof(out));
	cr_assert_not_null(strstr(out, "from " HOME " lookup 434"), "%s", out);
	sh_out("ip route show table 434 2>/dev/null", out, sizeof(out));
	cr_assert_not_null(strstr(out, "default dev mipt0"), "%s", out);
	expect_forward(COA);
	expect_reverse(COA);
	proc_kill(&P, SIGTERM);
	cr_assert_eq(proc_wait(&P, 5000), 0, "%s", P.err);
	cr_assert_eq(proc_count(&P, "\"event\":\"deregistered\""), 1);
	expect_torn_down();
}

/* A new address on the care-of interface: handover, and the tunnel follows. */
Test(mn_tunnel, handover_when_interface_address_changes)
{
	enter_netns();
	spawn_mn("userspace", "--care-of-if", "v0");
	cr_assert(proc_wait_for(&P, "\"registered\"", 5000), "%s / %s", P.out, P.err);
	cr_assert_not_null(strstr(P.out, "\"care_of\":\"" COA "\""));
	sh("ip addr del " COA "/24 dev v0");
	sh("ip addr add " COA2 "/24 dev v0");
	/* Netlink tells mipmn at once; the periodic look would take up to a second. */
	cr_assert(proc_wait_for(&P, "\"handover\"", 900), "%s / %s", P.out, P.err);
	cr_assert_not_null(strstr(P.out, "\"care_of\":\"" COA2 "\""));
	cr_assert_eq(test_ha_find(&HA, NAI)->coa, inet_addr(COA2));
	expect_forward(COA2);
	expect_reverse(COA2);
	proc_kill(&P, SIGTERM);
	cr_assert_eq(proc_wait(&P, 5000), 0, "%s", P.err);
	expect_torn_down();
}

/* The kernel ipip device when this kernel has one; else a clear failure (exit 6). */
Test(mn_tunnel, kernel_tunnel_or_clear_failure)
{
	char out[4096];
	bool have_ipip;

	enter_netns();
	have_ipip = system("ip link add probe0 type ipip local 192.0.2.1 remote 10.0.0.9 "
			   ">/dev/null 2>&1 && ip link del probe0") == 0;
	spawn_mn("kernel", "--care-of", COA);
	if (!have_ipip) {
		cr_assert_eq(proc_wait(&P, 10000), 6, "exit %d: %s", P.status, P.err);
		cr_assert_eq(proc_count(&P, "\"event\":\"error\""), 1, "%s", P.out);
		cr_assert_eq(proc_count(&P, "\"event\":\"deregistered\""), 1, "%s", P.out);
		expect_torn_down();
		return;
	}
	cr_assert(proc_wait_for(&P, "\"registered\"", 5000), "%s", P.err);
	sh_out("ip -d link show mipt0", out, sizeof(out));
	cr_assert_not_null(strstr(out, "remote " HA_ADDR " local " COA), "%s", out);
	expect_forward(COA);
	proc_kill(&P, SIGTERM);
	cr_assert_eq(proc_wait(&P, 5000), 0);
	expect_torn_down();
}
