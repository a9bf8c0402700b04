/* SPDX-License-Identifier: BSD-3-Clause */
/* Start-up, run and shut-down of the Home Agent (app.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "app.h"
#include "binding_table.h"
#include "clock.h"
#include "ctrl_msg.h"
#include "neigh.h"
#include "port.h"
#include "sa_table.h"
#include "static_sa.h"

#define CTRL_RING_SIZE 4096
#define GATEWAY_ARP_TIMEOUT_MS 3000

static int app_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Control on the main lcore; workers on the configured (or first N) worker lcores. */
static int assign_lcores(struct mipha_app *app, char *err, size_t errlen)
{
	const struct mipha_cfg_lcores *lc = &app->cfg->lcores;
	unsigned int main_lcore = rte_get_main_lcore();
	unsigned int i, lcore;

	if (lc->control != main_lcore)
		return app_error(err, errlen,
				 "%s: [lcores] control = %u is not the EAL main lcore %u "
				 "(start with --main-lcore %u, or set control = %u)",
				 app->cfg->path, lc->control, main_lcore, lc->control, main_lcore);
	app->n_workers = 0;
	if (lc->explicit_ids) {
		for (i = 0; i < lc->n_workers; i++) {
			lcore = lc->workers[i];
			if (lcore >= RTE_MAX_LCORE || !rte_lcore_is_enabled(lcore))
				return app_error(err, errlen,
						 "%s: [lcores] workers: lcore %u is not enabled in "
						 "EAL (-l / --lcores)",
						 app->cfg->path, lcore);
			app->worker_lcore[app->n_workers++] = lcore;
		}
		return 0;
	}
	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (app->n_workers == lc->n_workers)
			break;
		app->worker_lcore[app->n_workers++] = lcore;
	}
	if (app->n_workers < lc->n_workers)
		return app_error(err, errlen,
				 "%s: [lcores] workers = %u needs %u EAL lcores besides control; "
				 "EAL has %u (-l / --lcores)",
				 app->cfg->path, lc->n_workers, lc->n_workers, app->n_workers);
	return 0;
}

/* DPDK port ids of the configured devices, and their queue counts. */
static int find_ports(struct mipha_app *app, char *err, size_t errlen)
{
	unsigned int i, j;

	for (i = 0; i < app->cfg->n_ports; i++) {
		const struct mipha_cfg_port *cp = &app->cfg->ports[i];
		struct rte_eth_dev_info di;
		unsigned int nb_txq;
		uint16_t id;

		if (rte_eth_dev_get_port_by_name(cp->device, &id) != 0)
			return app_error(err, errlen,
					 "%s:%u: [port.%s] device '%s': no such DPDK port (give "
					 "it with --vdev, or allow its PCI address)",
					 app->cfg->path, cp->line, cp->name, cp->device);
		if (id >= MIPHA_MAX_PORTS)
			return app_error(err, errlen, "%s:%u: [port.%s]: DPDK port id %u above %d",
					 app->cfg->path, cp->line, cp->name, id,
					 MIPHA_MAX_PORTS - 1);
		for (j = 0; j < i; j++)
			if (app->ports[j].id == id)
				return app_error(err, errlen, "%s:%u: [port.%s]: same port as [port.%s]",
						 app->cfg->path, cp->line, cp->name,
						 app->ports[j].cfg->name);
		if (rte_eth_dev_info_get(id, &di) != 0)
			return app_error(err, errlen, "%s:%u: [port.%s]: no device info",
					 app->cfg->path, cp->line, cp->name);
		if (cp->tx_queues > app->n_workers + 1)
			return app_error(err, errlen,
					 "%s:%u: [port.%s] tx_queues: %u is more than the lcores that "
					 "send (%u: workers + control)",
					 app->cfg->path, cp->line, cp->name, cp->tx_queues,
					 app->n_workers + 1);
		nb_txq = cp->tx_queues != 0 ? cp->tx_queues : app->n_workers + 1;
		if (di.max_rx_queues < app->n_workers || di.max_tx_queues < nb_txq)
			return app_error(err, errlen,
					 "%s:%u: [port.%s] device '%s': needs %u rx queues (one per "
					 "worker) and %u tx queues (%s); it offers "
					 "%u and %u (net_pcap: give rx_pcap/tx_pcap once per queue)",
					 app->cfg->path, cp->line, cp->name, cp->device,
					 app->n_workers, nb_txq,
					 cp->tx_queues != 0 ? "tx_queues" : "workers + control",
					 di.max_rx_queues, di.max_tx_queues);
		app->ports[i].id = id;
		app->ports[i].cfg = cp;
		app->ports[i].nb_txq = (uint16_t)nb_txq;
		app->ports[i].nb_rxq = mipha_port_nb_rxq(&di, app->n_workers, (uint16_t)nb_txq);
	}
	app->n_ports = app->cfg->n_ports;
	return 0;
}

/*
 * DPDK 22.11's memif server trusts its client to open a ring for each of its
 * tx queues; one without a ring writes into the client's first ring
 * (docs/config.md). mipha cannot see what a client opened: it says, once,
 * what the client needs.
 */
static void memif_notice(const struct mipha_app_port *p)
{
	struct rte_eth_dev_info di;

	if (rte_eth_dev_info_get(p->id, &di) != 0 || di.driver_name == NULL ||
	    strcmp(di.driver_name, "net_memif") != 0)
		return;
	printf("mipha: port %s (%s): memif: the client must open %u ring%s towards itself "
	       "(its rx queues: one per tx queue of mipha's) and at most %u towards mipha\n",
	       p->cfg->name, p->cfg->device, p->nb_txq, p->nb_txq == 1 ? "" : "s", p->nb_rxq);
}

static int start_ports(struct mipha_app *app, char *err, size_t errlen)
{
	unsigned int n_queues = 0;
	unsigned int n_mbufs, i;

	for (i = 0; i < app->n_ports; i++)
		n_queues += app->ports[i].nb_rxq + app->ports[i].nb_txq;
	n_mbufs = n_queues * 1024 + 8192;

	app->mp = mipha_pktmbuf_pool("mipha_mbufs", n_mbufs, (int)rte_socket_id());
	if (app->mp == NULL)
		return app_error(err, errlen, "mbuf pool of %u: %s", n_mbufs,
				 rte_strerror(rte_errno));
	for (i = 0; i < app->n_ports; i++) {
		struct mipha_app_port *p = &app->ports[i];
		struct mipha_port_conf pc = {
			.nb_rxq = p->nb_rxq,
			.nb_txq = p->nb_txq,
			.mp = app->mp,
			.socket = rte_eth_dev_socket_id(p->id),
		};
		struct mipha_port_info info;
		int error = mipha_port_init(p->id, &pc, &info);

		if (error != 0)
			return app_error(err, errlen, "%s:%u: [port.%s]: cannot start: %s",
					 app->cfg->path, p->cfg->line, p->cfg->name,
					 strerror(error < 0 ? -error : error));
		p->started = true;
		memif_notice(p);
		/* Fewer tx queues than sending lcores: they share them under locks. */
		if (p->nb_txq < app->n_workers + 1) {
			p->txq_lock = rte_zmalloc("mipha_txq_lock", p->nb_txq * sizeof(*p->txq_lock),
						  RTE_CACHE_LINE_SIZE);
			if (p->txq_lock == NULL)
				return app_error(err, errlen, "tx queue locks: out of memory");
			for (uint16_t q = 0; q < p->nb_txq; q++)
				rte_spinlock_init(&p->txq_lock[q]);
		}
		app->wconf.port[p->id].nb_txq = p->nb_txq;
		app->wconf.port[p->id].txq_lock = p->txq_lock;
		app->wconf.port[p->id].roles = (uint8_t)p->cfg->role;
		app->wconf.port[p->id].mac = info.mac;
		app->wconf.port[p->id].multi_seg_tx = info.multi_seg_tx;
	}
	/* outer fragments (RFC 2003 5.1): their payload is referenced, not copied */
	app->mp_indirect = mipha_indirect_pool("mipha_indirect", 8192, (int)rte_socket_id());
	if (app->mp_indirect == NULL)
		return app_error(err, errlen, "indirect mbuf pool: %s", rte_strerror(rte_errno));
	return 0;
}

/* Next hops: configured gateway_mac, or ARP before the workers start. */
static int resolve_gateways(struct mipha_app *app, char *err, size_t errlen)
{
	unsigned int i;

	for (i = 0; i < app->n_ports; i++) {
		const struct mipha_cfg_port *cp = app->ports[i].cfg;
		struct mipha_port_role *r = &app->wconf.port[app->ports[i].id];
		struct mipha_neigh_query q = {
			.port = app->ports[i].id,
			.txq = (uint16_t)(app->n_workers % app->ports[i].nb_txq), /* workers not started */
			.nb_rxq = app->ports[i].nb_rxq,
			.mac = r->mac,
			.src_ip = app->cfg->ha.address,
			.target_ip = cp->gateway,
			.timeout_ms = GATEWAY_ARP_TIMEOUT_MS,
			.mp = app->mp,
		};
		char gw[INET_ADDRSTRLEN];

		r->gateway = cp->gateway;
		if (cp->has_gateway_mac) {
			memcpy(r->next_hop.addr_bytes, cp->gateway_mac, RTE_ETHER_ADDR_LEN);
			continue;
		}
		if (mipha_neigh_resolve(&q, &r->next_hop) != 0) {
			inet_ntop(AF_INET, &cp->gateway, gw, sizeof(gw));
			return app_error(err, errlen,
					 "%s:%u: [port.%s]: gateway %s did not answer ARP within "
					 "%u ms (set gateway_mac)",
					 app->cfg->path, cp->line, cp->name, gw,
					 GATEWAY_ARP_TIMEOUT_MS);
		}
	}
	return 0;
}

static void fill_worker_conf(struct mipha_app *app)
{
	const struct mipha_cfg_ha *ha = &app->cfg->ha;
	struct mipha_worker_conf *wc = &app->wconf;
	uint32_t mask = ha->home_prefix.len == 0 ? 0 : ~(uint32_t)0 << (32 - ha->home_prefix.len);

	wc->ha_addr[0] = ha->address;
	wc->nb_ha_addrs = 1;
	wc->home_prefix = ha->home_prefix.addr;
	wc->home_mask = htonl(mask);
	wc->tunnel_mtu = (uint16_t)ha->tunnel_mtu;
	wc->max_lifetime = (uint16_t)ha->max_lifetime;
	wc->replay_tolerance = ha->replay_tolerance;
	wc->parse.vendor_id = ha->vendor_id;
	wc->parse.dynkey_spi = ha->dynkey_spi;
	wc->idle_sleep_us = app->cfg->lcores.idle_sleep_us;
	wc->idle_polls = app->cfg->lcores.idle_polls;
	wc->idle_poll_us = app->cfg->lcores.idle_poll_us;
	wc->idle_sleep_max_us = app->cfg->lcores.idle_sleep_max_us;
	wc->nai_sas = mipha_config_nai_sa_count(app->cfg) != 0;
}

static int create_tables(struct mipha_app *app, char *err, size_t errlen)
{
	uint32_t max = app->cfg->ha.max_bindings;

	app->qsbr = mipha_rcu_create(app->n_workers);
	if (app->qsbr == NULL)
		return app_error(err, errlen, "RCU: %s", rte_strerror(rte_errno));
	app->bindings = mipha_binding_table_create("mipha_bindings", max, (int)rte_socket_id(),
						   app->qsbr);
	if (app->bindings == NULL)
		return app_error(err, errlen, "binding table of %u: %s", max,
				 rte_strerror(rte_errno));
	app->sas = mipha_sa_table_create("mipha_sas", max + app->cfg->n_sa, (int)rte_socket_id(),
					 app->qsbr);
	if (app->sas == NULL)
		return app_error(err, errlen, "SA table of %u: %s", max + app->cfg->n_sa,
				 rte_strerror(rte_errno));
	app->ring = mipha_ctrl_ring_create("mipha_ctrl", CTRL_RING_SIZE, (int)rte_socket_id());
	if (app->ring == NULL)
		return app_error(err, errlen, "control ring: %s", rte_strerror(rte_errno));
	if (mipha_ctrl_bell_init(&app->bell) != 0)
		return app_error(err, errlen, "control doorbell (eventfd): %s", strerror(errno));
	return mipha_static_sa_install(app->sas, app->cfg, err, errlen);
}

static int create_workers(struct mipha_app *app, char *err, size_t errlen)
{
	unsigned int i;

	for (i = 0; i < app->n_workers; i++) {
		struct mipha_worker_params wp = {
			.conf = &app->wconf,
			.bindings = app->bindings,
			.sas = app->sas,
			.ctrl_ring = app->ring,
			.ctrl_bell = &app->bell,
			.qsbr = app->qsbr,
			.id = i,
			.rxq = (uint16_t)i,
			.txq = (uint16_t)i,
			.quit = &app->quit,
			.frag_direct = app->mp,
			.frag_indirect = app->mp_indirect,
			.reasm_flows = MIPHA_REASM_FLOWS,
			.reasm_timeout_ms = MIPHA_REASM_TIMEOUT_MS,
		};
		struct mipha_worker *w;
		int error;

		for (unsigned int j = 0; j < app->n_ports; j++)
			wp.nb_rxqs += mipha_port_worker_rxqs(app->ports[j].id, app->ports[j].nb_rxq,
							     i, app->n_workers,
							     wp.rxqs + wp.nb_rxqs,
							     MIPHA_MAX_RXQS - wp.nb_rxqs);
		w = rte_zmalloc_socket("mipha_worker", sizeof(*w), RTE_CACHE_LINE_SIZE,
				       (int)rte_lcore_to_socket_id(app->worker_lcore[i]));
		if (w == NULL)
			return app_error(err, errlen, "worker %u: out of memory", i);
		error = mipha_worker_init(w, &wp);
		if (error != 0) {
			rte_free(w);
			return app_error(err, errlen, "worker %u: %s", i, strerror(-error));
		}
		app->workers[i] = w;
	}
	return 0;
}

static int create_control(struct mipha_app *app, char *err, size_t errlen)
{
	struct mipha_ctl_params cp = {
		.cfg = app->cfg,
		.wconf = &app->wconf,
		.bindings = app->bindings,
		.sas = app->sas,
		.ring = app->ring,
		.bell = &app->bell,
		.mp = app->mp,
		.txq = (uint16_t)app->n_workers,
		.idle_sleep_us = app->cfg->lcores.idle_sleep_us,
		.idle_sleep_max_us = MIPHA_CTL_IDLE_SLEEP_MAX_US,
		.quit = &app->quit,
		.workers = app->workers,
		.n_workers = app->n_workers,
	};
	int error = mipha_ctl_init(&app->ctl, &cp);

	if (error != 0)
		return app_error(err, errlen, "control: %s", strerror(-error));
	app->ctl_ready = true;
	return 0;
}

int mipha_app_start(struct mipha_app *app, struct mipha_config *cfg, const char *clock_hex,
		    char *err, size_t errlen)
{
	int error;

	memset(app, 0, sizeof(*app));
	app->bell.fd = -1;
	app->cfg = cfg;
	mipha_worker_conf_default(&app->wconf);
	fill_worker_conf(app);
	if (clock_hex != NULL && mipha_clock_set_hex(&app->wconf.clock, clock_hex) != 0)
		return app_error(err, errlen, "--clock '%s': not 16 hex digits", clock_hex);
	error = assign_lcores(app, err, errlen);
	if (error == 0)
		error = find_ports(app, err, errlen);
	if (error == 0)
		error = start_ports(app, err, errlen);
	if (error == 0)
		error = resolve_gateways(app, err, errlen);
	if (error == 0)
		error = create_tables(app, err, errlen);
	if (error == 0)
		error = create_workers(app, err, errlen);
	if (error == 0)
		error = create_control(app, err, errlen);
	return error;
}

int mipha_app_run(struct mipha_app *app)
{
	struct mipha_tel_port tp[MIPHA_CFG_MAX_PORTS];
	unsigned int i;
	int error;

	for (i = 0; i < app->n_workers; i++) {
		error = rte_eal_remote_launch(mipha_worker_loop, app->workers[i],
					      app->worker_lcore[i]);
		if (error != 0) {
			app->quit = true;
			rte_eal_mp_wait_lcore();
			return error;
		}
	}
	app->launched = true;
	for (i = 0; i < app->n_ports; i++) {
		tp[i].port_id = app->ports[i].id;
		tp[i].name = app->ports[i].cfg->name;
	}
	mipha_telemetry_register(&app->ctl, tp, app->n_ports);
	mipha_ctl_loop(&app->ctl);
	rte_eal_mp_wait_lcore();
	app->launched = false;
	return 0;
}

void mipha_app_stop(struct mipha_app *app)
{
	unsigned int i;

	app->quit = true;
	if (app->launched) {
		rte_eal_mp_wait_lcore();
		app->launched = false;
	}
	mipha_telemetry_unregister();
	if (app->ctl_ready) {
		mipha_ctl_drain(&app->ctl);
		mipha_ctl_fini(&app->ctl);
		app->ctl_ready = false;
	}
	for (i = 0; i < app->n_workers; i++) {
		if (app->workers[i] == NULL)
			continue;
		mipha_worker_fini(app->workers[i]);
		rte_free(app->workers[i]);
		app->workers[i] = NULL;
	}
	/* Table free wipes every key (sa_table.h). */
	mipha_sa_table_free(app->sas);
	app->sas = NULL;
	mipha_binding_table_free(app->bindings);
	app->bindings = NULL;
	rte_ring_free(app->ring);
	app->ring = NULL;
	mipha_ctrl_bell_fini(&app->bell);
	rte_free(app->qsbr);
	app->qsbr = NULL;
	for (i = 0; i < app->n_ports; i++) {
		if (app->ports[i].started)
			mipha_port_fini(app->ports[i].id);
		app->ports[i].started = false;
		rte_free(app->ports[i].txq_lock);
		app->ports[i].txq_lock = NULL;
	}
	rte_mempool_free(app->mp_indirect);
	rte_mempool_free(app->mp);
	app->mp = NULL;
}
