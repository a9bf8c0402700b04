/* SPDX-License-Identifier: BSD-3-Clause */
/* Port links watched by the control lcore: see link.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "binding_table.h"
#include "config.h"
#include "ctl.h"
#include "link.h"

static inline void cnt(struct mipha_ctl *c, enum mipha_ctl_counter id)
{
	c->cnt[id]++;
}

/* "NAME (DEVICE)" of the [port.NAME] section whose device is port id, else "port N". */
static void port_name(const struct mipha_ctl *c, uint16_t id, char *out, size_t len)
{
	const struct mipha_config *cfg = c->p.cfg;
	uint16_t pid;

	for (unsigned int i = 0; cfg != NULL && i < cfg->n_ports; i++) {
		if (rte_eth_dev_get_port_by_name(cfg->ports[i].device, &pid) == 0 && pid == id) {
			snprintf(out, len, "%s (%s)", cfg->ports[i].name, cfg->ports[i].device);
			return;
		}
	}
	snprintf(out, len, "%u", id);
}

static bool link_up(uint16_t port)
{
	struct rte_eth_link l;

	memset(&l, 0, sizeof(l));
	return rte_eth_link_get_nowait(port, &l) == 0 && l.link_status == RTE_ETH_LINK_UP;
}

void mipha_ctl_link_init(struct mipha_ctl *c, uint64_t now_tsc)
{
	struct mipha_link *k = &c->link;

	memset(k, 0, sizeof(*k));
	k->period = rte_get_timer_hz() / 1000 * MIPHA_LINK_CHECK_MS;
	k->next_check = now_tsc + k->period;
	for (uint16_t id = 0; id < MIPHA_MAX_PORTS; id++) {
		struct mipha_link_port *p = &k->port[id];

		if (c->p.wconf->port[id].roles == 0 || !rte_eth_dev_is_valid_port(id))
			continue;
		p->watched = true;
		p->up = link_up(id);
		port_name(c, id, p->name, sizeof(p->name));
	}
}

static void announce_end(struct mipha_link *k);

void mipha_ctl_link_fini(struct mipha_ctl *c)
{
	announce_end(&c->link);
}

/*
 * Snapshot of what to announce: the HA addresses, then every bound home
 * address (the expiry heap lists each binding once under its current
 * generation, and may hold stale entries too). Without memory the
 * announcement is skipped (counted in ctrl_drop_no_mbuf).
 */
static void announce_start(struct mipha_ctl *c, uint16_t port)
{
	struct mipha_link *k = &c->link;
	const struct mipha_worker_conf *wc = c->p.wconf;
	uint32_t cap = wc->nb_ha_addrs + c->expiry.n, n = 0;
	uint32_t *a = malloc((cap != 0 ? cap : 1) * sizeof(*a));

	if (a == NULL) {
		cnt(c, MIPHA_CTL_CNT_DROP_NO_MBUF);
		return;
	}
	for (unsigned int i = 0; i < wc->nb_ha_addrs; i++)
		a[n++] = wc->ha_addr[i];
	for (uint32_t i = 0; i < c->expiry.n; i++)
		if (mipha_ctl_entry_binding(c, &c->expiry.v[i]) != NULL)
			a[n++] = c->expiry.v[i].home_addr;
	free(k->addrs);
	k->addrs = a;
	k->n = n;
	k->next = 0;
	k->ports |= 1u << port;	/* a port already being announced on starts over too */
	k->next_burst = 0;
}

static void announce_end(struct mipha_link *k)
{
	free(k->addrs);
	k->addrs = NULL;
	k->n = k->next = 0;
	k->ports = 0;
}

static unsigned int announce_burst(struct mipha_ctl *c, uint64_t now_tsc)
{
	struct mipha_link *k = &c->link;
	const struct mipha_worker_conf *wc = c->p.wconf;
	unsigned int sent = 0;

	if (k->n == 0 || now_tsc < k->next_burst)
		return 0;
	k->next_burst = now_tsc + rte_get_timer_hz() / 1000;
	while (k->next < k->n && sent < MIPHA_LINK_GARP_BURST) {
		uint32_t i = k->next++, addr = k->addrs[i];
		bool full = false;

		/* A binding removed since the snapshot is no longer announced. */
		if (i >= wc->nb_ha_addrs && mipha_binding_lookup(c->p.bindings, addr) == NULL)
			continue;
		for (uint16_t port = 0; port < MIPHA_MAX_PORTS; port++) {
			struct rte_mbuf *m;

			if (!(k->ports & (1u << port)) || !k->port[port].up)
				continue;
			m = mipha_arp_gratuitous(c->p.mp, &wc->port[port].mac, addr);
			if (m == NULL) {
				cnt(c, MIPHA_CTL_CNT_DROP_NO_MBUF);
				full = true;
				continue;
			}
			if (!mipha_ctl_tx(c, port, m)) {
				full = true;
				continue;
			}
			cnt(c, MIPHA_CTL_CNT_LINK_GARP);
			sent++;
		}
		/* Out of mbufs or tx room: this address again at the next burst. */
		if (full) {
			k->next = i;
			break;
		}
	}
	if (k->next >= k->n)
		announce_end(k);
	return sent;
}

static unsigned int check_links(struct mipha_ctl *c)
{
	struct mipha_link *k = &c->link;
	unsigned int changed = 0;

	for (uint16_t id = 0; id < MIPHA_MAX_PORTS; id++) {
		struct mipha_link_port *p = &k->port[id];
		bool up;

		if (!p->watched)
			continue;
		up = link_up(id);
		if (up == p->up)
			continue;
		p->up = up;
		__atomic_fetch_add(&p->changes, 1, __ATOMIC_RELAXED);
		changed++;
		cnt(c, up ? MIPHA_CTL_CNT_LINK_UP : MIPHA_CTL_CNT_LINK_DOWN);
		if (up)
			printf("mipha: port %s: link up%s\n", p->name,
			       (c->p.wconf->port[id].roles & MIPHA_ROLE_HOME) != 0
				       ? ": announcing the HA and home addresses again"
				       : "");
		else
			printf("mipha: port %s: link down\n", p->name);
		fflush(stdout);
		if (up && (c->p.wconf->port[id].roles & MIPHA_ROLE_HOME) != 0)
			announce_start(c, id);
	}
	return changed;
}

unsigned int mipha_ctl_link_poll(struct mipha_ctl *c, uint64_t now_tsc)
{
	struct mipha_link *k = &c->link;
	unsigned int work = 0;

	if (k->period != 0 && now_tsc >= k->next_check) {
		k->next_check = now_tsc + k->period;
		work += check_links(c);
	}
	return work + announce_burst(c, now_tsc);
}
