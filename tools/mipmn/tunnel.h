/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Mobile Node's side of a collocated care-of address: packets the HA
 * tunnels (IP-in-IP, RFC 2003) to the care-of address are decapsulated and
 * delivered to the home address; with reverse tunnelling (T), traffic from
 * the home address goes back to the HA encapsulated.
 *
 * Two ways to do it:
 *  - kernel: an ipip device (local care-of, remote HA) holding the home
 *    address, set up with iproute2 (`ip`, run without a shell);
 *  - userspace, for kernels without ipip (CONFIG_NET_IPIP unset): a TUN
 *    device holding the home address and a raw IPPROTO_IPIP socket; mipmn
 *    moves packets between them (mipmn_tunnel_pump()).
 * auto tries the kernel first. Either way, with T a policy rule sends
 * traffic from the home address to a table whose default route is the device.
 */
#ifndef MIPMN_TUNNEL_H
#define MIPMN_TUNNEL_H

#include <stdbool.h>
#include <stdint.h>

enum mipmn_tunnel_mode {
	MIPMN_TUNNEL_AUTO,
	MIPMN_TUNNEL_KERNEL,
	MIPMN_TUNNEL_USER,
};

struct mipmn_tunnel {
	char name[16];
	uint32_t table;		/* policy routing table for the reverse tunnel */
	uint32_t home, coa, ha;	/* network order */
	bool reverse;
	bool up;
	enum mipmn_tunnel_mode active;	/* KERNEL or USER once up */
	int tun_fd;		/* USER: the TUN device */
	int raw_fd;		/* USER: raw IPPROTO_IPIP socket */
	uint64_t decapsulated, encapsulated, dropped;
};

/* Parses "auto", "kernel" or "userspace". 0 or -EINVAL. */
int mipmn_tunnel_mode_parse(const char *s, enum mipmn_tunnel_mode *mode);

/* Creates the device, adds the home address, and the reverse route when asked. 0 or -errno. */
int mipmn_tunnel_up(struct mipmn_tunnel *t, enum mipmn_tunnel_mode mode, const char *name,
		    uint32_t table, uint32_t home, uint32_t coa, uint32_t ha, bool reverse);
/* A handover: the tunnel's local end becomes the new care-of address. */
int mipmn_tunnel_move(struct mipmn_tunnel *t, uint32_t coa);
/* Removes everything mipmn_tunnel_up() added (idempotent). */
void mipmn_tunnel_down(struct mipmn_tunnel *t);

/* USER mode: the descriptors to poll (-1 when none). */
int mipmn_tunnel_fd_raw(const struct mipmn_tunnel *t);
int mipmn_tunnel_fd_tun(const struct mipmn_tunnel *t);
/* USER mode: moves what is waiting (bounded batch) in both directions. */
void mipmn_tunnel_pump(struct mipmn_tunnel *t);

/* Runs `ip` with args (NULL-terminated, without "ip"); its exit status or -errno. */
int mipmn_ip(const char *const *args);

#endif
