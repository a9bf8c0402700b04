/* SPDX-License-Identifier: BSD-3-Clause */
/* The /mipha/... telemetry commands (telemetry.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_telemetry.h>

#include "binding_table.h"
#include "config.h"
#include "ctl.h"
#include "dynkey.h"
#include "mip_ntp.h"
#include "sa_table.h"
#include "telemetry.h"

/* How long a command waits for the control lcore. */
#define TEL_TIMEOUT_MS 1000

/*
 * rte_telemetry callbacks take no user pointer: one HA per process. tel_lock
 * is held for the whole of each command, so unregistering waits for the
 * command in flight and the HA is never freed under one.
 */
static pthread_mutex_t tel_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mipha_ctl *tel_ctl;
static struct mipha_tel_port tel_ports[MIPHA_MAX_PORTS];
static unsigned int tel_n_ports;

typedef void (*stat_fn)(void *arg, const char *name, uint64_t v);

/* Every worker counter of cnt, then one per parse error, through fn. */
static void visit_counters(const struct mipha_counters *cnt, bool nonzero_only, stat_fn fn,
			   void *arg)
{
	char name[64];
	int i;

	for (i = 0; i < MIPHA_CNT__COUNT; i++)
		if (!nonzero_only || cnt->v[i] != 0)
			fn(arg, mipha_counter_name(i), cnt->v[i]);
	for (i = 1; i < MIP_E__COUNT; i++)
		if (!nonzero_only || cnt->reg_malformed[i] != 0)
			fn(arg, mipha_counters_malformed_name(i, name, sizeof(name)),
			   cnt->reg_malformed[i]);
}

static void sum_workers(const struct mipha_ctl *c, struct mipha_counters *total)
{
	unsigned int i;

	memset(total, 0, sizeof(*total));
	for (i = 0; i < c->p.n_workers; i++)
		mipha_counters_add(total, &c->p.workers[i]->cnt);
}

static void visit_ctl(const struct mipha_ctl *c, stat_fn fn, void *arg)
{
	int i;

	for (i = 0; i < MIPHA_CTL_CNT__COUNT; i++)
		fn(arg, mipha_ctl_counter_name(i), __atomic_load_n(&c->cnt[i], __ATOMIC_RELAXED));
	/* Wake-ups of the sleeping control lcore by workers and telemetry. */
	if (c->p.bell != NULL)
		fn(arg, "ctrl_doorbell_rings", __atomic_load_n(&c->p.bell->rings, __ATOMIC_RELAXED));
	/* [ha] home_pool, shared by dynamic MNs and SAs by NAI alone. */
	if (c->pool != NULL) {
		fn(arg, "ctrl_pool_size", mipha_pool_size(c->pool));
		fn(arg, "ctrl_pool_free", mipha_pool_free_count(c->pool));
	}
	/* The dynamic-key core's and the AAA client's counters (dk_*, aaa_*). */
	mipha_ctl_dynkey_visit(c, fn, arg);
}

static void dict_u64(void *arg, const char *name, uint64_t v)
{
	rte_tel_data_add_dict_u64(arg, name, v);
}

static void add_port_stats(const struct mipha_ctl *c, struct rte_tel_data *d)
{
	unsigned int i;

	for (i = 0; i < tel_n_ports; i++) {
		struct rte_tel_data *p = rte_tel_data_alloc();
		struct rte_eth_stats st;
		struct rte_eth_link link;

		if (p == NULL)
			return;
		rte_tel_data_start_dict(p);
		rte_tel_data_add_dict_int(p, "port_id", tel_ports[i].port_id);
		if (rte_eth_stats_get(tel_ports[i].port_id, &st) == 0) {
			rte_tel_data_add_dict_u64(p, "rx_packets", st.ipackets);
			rte_tel_data_add_dict_u64(p, "tx_packets", st.opackets);
			rte_tel_data_add_dict_u64(p, "rx_bytes", st.ibytes);
			rte_tel_data_add_dict_u64(p, "tx_bytes", st.obytes);
			rte_tel_data_add_dict_u64(p, "rx_missed", st.imissed);
			rte_tel_data_add_dict_u64(p, "rx_errors", st.ierrors);
			rte_tel_data_add_dict_u64(p, "tx_errors", st.oerrors);
			rte_tel_data_add_dict_u64(p, "rx_nombuf", st.rx_nombuf);
		}
		if (rte_eth_link_get_nowait(tel_ports[i].port_id, &link) == 0) {
			rte_tel_data_add_dict_int(p, "link_up", link.link_status == RTE_ETH_LINK_UP);
			rte_tel_data_add_dict_u64(p, "link_speed_mbps",
						  link.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN
							  ? 0 : link.link_speed);
		}
		if (tel_ports[i].port_id < MIPHA_MAX_PORTS)
			rte_tel_data_add_dict_u64(p, "link_changes",
				__atomic_load_n(&c->link.port[tel_ports[i].port_id].changes,
						__ATOMIC_RELAXED));
		rte_tel_data_add_dict_container(d, tel_ports[i].name, p, 0);
	}
}

/* "/mipha/stats,N": every counter of worker N. */
static int stats_one_worker(const struct mipha_ctl *c, const char *params, struct rte_tel_data *d)
{
	char *end;
	unsigned long w = strtoul(params, &end, 10);

	if (*params == '\0' || *end != '\0' || w >= c->p.n_workers)
		return -EINVAL;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "worker", (int)w);
	visit_counters(&c->p.workers[w]->cnt, false, dict_u64, d);
	return 0;
}

static int stats_all(const struct mipha_ctl *c, const char *params, struct rte_tel_data *d)
{
	struct mipha_counters total;
	struct rte_tel_data *t, *ctl, *ports, *per;
	unsigned int i;

	if (params != NULL && *params != '\0')
		return stats_one_worker(c, params, d);
	t = rte_tel_data_alloc();
	ctl = rte_tel_data_alloc();
	ports = rte_tel_data_alloc();
	per = rte_tel_data_alloc();
	if (t == NULL || ctl == NULL || ports == NULL || per == NULL) {
		rte_tel_data_free(t);
		rte_tel_data_free(ctl);
		rte_tel_data_free(ports);
		rte_tel_data_free(per);
		return -ENOMEM;
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "workers", (int)c->p.n_workers);
	sum_workers(c, &total);
	rte_tel_data_start_dict(t);
	visit_counters(&total, false, dict_u64, t);
	rte_tel_data_add_dict_container(d, "total", t, 0);
	rte_tel_data_start_dict(ctl);
	visit_ctl(c, dict_u64, ctl);
	rte_tel_data_add_dict_container(d, "control", ctl, 0);
	rte_tel_data_start_dict(ports);
	add_port_stats(c, ports);
	rte_tel_data_add_dict_container(d, "ports", ports, 0);
	/* Per worker, non-zero only: every counter of every worker would not fit. */
	rte_tel_data_start_dict(per);
	for (i = 0; i < c->p.n_workers; i++) {
		struct rte_tel_data *w = rte_tel_data_alloc();
		char name[16];

		if (w == NULL)
			break;
		rte_tel_data_start_dict(w);
		visit_counters(&c->p.workers[i]->cnt, true, dict_u64, w);
		snprintf(name, sizeof(name), "%u", i);
		rte_tel_data_add_dict_container(per, name, w, 0);
	}
	rte_tel_data_add_dict_container(d, "per_worker", per, 0);
	return 0;
}

static void addr_str(uint32_t addr, char *buf, size_t cap)
{
	struct in_addr a = { .s_addr = addr };

	inet_ntop(AF_INET, &a, buf, cap);
}

static void flags_str(uint16_t flags, char *buf)
{
	static const char names[] = "SBDMGrTx";
	int i, n = 0;

	for (i = 0; i < 8; i++)
		if (flags & (0x80 >> i))
			buf[n++] = names[i];
	buf[n] = '\0';
}

/* One binding as a dict. */
static void binding_dict(const struct mipha_ctl *c, const struct mipha_binding *b,
			 struct rte_tel_data *d)
{
	uint64_t packed = mipha_binding_load(b);
	uint32_t now = mipha_clock_sec(&c->p.wconf->clock);
	uint32_t expiry = mipha_binding_expiry(packed);
	uint16_t flags = mipha_binding_flags(b);
	char s[INET_ADDRSTRLEN], f[9];

	rte_tel_data_start_dict(d);
	addr_str(b->home_addr, s, sizeof(s));
	rte_tel_data_add_dict_string(d, "home_address", s);
	addr_str(mipha_binding_coa(packed), s, sizeof(s));
	rte_tel_data_add_dict_string(d, "care_of_address", s);
	rte_tel_data_add_dict_int(d, "remaining",
				  mip_ntp_sec_cmp(expiry, now) > 0 ? (int)(expiry - now) : 0);
	rte_tel_data_add_dict_int(d, "flags", flags);
	flags_str(flags, f);
	rte_tel_data_add_dict_string(d, "flag_names", f);
	rte_tel_data_add_dict_int(d, "reverse_tunnel", (flags & MIP_FLAG_T) != 0);
	/* Learned from a fragmentation-needed towards this care-of address; 0: none. */
	rte_tel_data_add_dict_int(d, "path_mtu", mipha_binding_pmtu(b, mipha_binding_coa(packed), now));
}

/* On the control lcore: the live bindings are those with a live expiry entry. */
static int ctl_bindings(struct mipha_ctl *c, const char *params, struct rte_tel_data *d)
{
	struct rte_tel_data *list = rte_tel_data_alloc();
	unsigned int shown = 0;
	uint32_t i;

	if (list == NULL)
		return -ENOMEM;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "count", mipha_binding_table_count(c->p.bindings));
	/*
	 * A dict keyed "0", "1", ...: telemetry cannot nest an array of
	 * containers, and its names allow only letters, digits, '_' and '/'.
	 */
	rte_tel_data_start_dict(list);
	for (i = 0; i < c->expiry.n && shown < MIPHA_TEL_MAX_BINDINGS; i++) {
		struct mipha_binding *b = mipha_ctl_entry_binding(c, &c->expiry.v[i]);
		struct rte_tel_data *one;
		char name[16];

		if (b == NULL)
			continue;
		one = rte_tel_data_alloc();
		if (one == NULL)
			break;
		binding_dict(c, b, one);
		snprintf(name, sizeof(name), "%u", shown);
		rte_tel_data_add_dict_container(list, name, one, 0);
		shown++;
	}
	rte_tel_data_add_dict_int(d, "shown", (int)shown);
	rte_tel_data_add_dict_container(d, "bindings", list, 0);
	return 0;
}

static int ctl_binding(struct mipha_ctl *c, const char *params, struct rte_tel_data *d)
{
	struct in_addr a;
	struct mipha_binding *b;

	if (params == NULL || inet_pton(AF_INET, params, &a) != 1)
		return -EINVAL;
	b = mipha_binding_lookup(c->p.bindings, a.s_addr);
	if (b == NULL) {
		rte_tel_data_start_dict(d);
		rte_tel_data_add_dict_string(d, "home_address", params);
		rte_tel_data_add_dict_string(d, "state", "not bound");
		return 0;
	}
	binding_dict(c, b, d);
	rte_tel_data_add_dict_string(d, "state", "bound");
	return 0;
}

/* Static SAs from the configuration; never a key byte. */
static int ctl_sa(struct mipha_ctl *c, const char *params, struct rte_tel_data *d)
{
	const struct mipha_config *cfg = c->p.cfg;
	struct rte_tel_data *list = rte_tel_data_alloc();
	unsigned int i;

	if (list == NULL)
		return -ENOMEM;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "installed", mipha_sa_table_count(c->p.sas));
	rte_tel_data_add_dict_u64(d, "dynkey_spi", cfg->ha.dynkey_spi);
	rte_tel_data_start_dict(list);
	for (i = 0; i < cfg->n_sa && i < RTE_TEL_MAX_DICT_ENTRIES; i++) {
		const struct mipha_cfg_sa *s = &cfg->sa[i];
		struct rte_tel_data *one = rte_tel_data_alloc();
		char a[INET_ADDRSTRLEN], key[16];

		if (one == NULL)
			break;
		rte_tel_data_start_dict(one);
		rte_tel_data_add_dict_string(one, "name", s->name);
		addr_str(s->home_addr, a, sizeof(a));
		rte_tel_data_add_dict_string(one, "home_address", a);
		if (s->nai[0] != '\0')
			rte_tel_data_add_dict_string(one, "nai", s->nai);
		if (s->home_addr == 0) {
			/* By NAI alone: the address the MN holds now, from [ha] home_pool. */
			uint32_t held = mipha_ctl_nai_home(c, s->nai);

			if (held != 0)
				addr_str(held, a, sizeof(a));
			rte_tel_data_add_dict_string(one, "assigned_address", held != 0 ? a : "none");
		}
		rte_tel_data_add_dict_u64(one, "spi", s->spi);
		rte_tel_data_add_dict_string(one, "algorithm", mipha_alg_name(s->alg));
		rte_tel_data_add_dict_int(one, "replay_tolerance", (int)s->replay_tolerance);
		rte_tel_data_add_dict_string(one, "kind", "static");
		/* Keyed by index: telemetry names cannot hold the '-' a NAME may. */
		snprintf(key, sizeof(key), "%u", i);
		rte_tel_data_add_dict_container(list, key, one, 0);
	}
	rte_tel_data_add_dict_container(d, "static", list, 0);
	return 0;
}

static int cmd_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	int ret = -ENODEV;

	pthread_mutex_lock(&tel_lock);
	if (tel_ctl != NULL)
		ret = stats_all(tel_ctl, params, d);
	pthread_mutex_unlock(&tel_lock);
	return ret;
}

static int call_ctl(mipha_ctl_tel_fn fn, const char *params, struct rte_tel_data *d)
{
	int ret = -ENODEV;

	pthread_mutex_lock(&tel_lock);
	if (tel_ctl != NULL)
		ret = mipha_ctl_call(tel_ctl, fn, params, d, TEL_TIMEOUT_MS);
	pthread_mutex_unlock(&tel_lock);
	return ret;
}

static int cmd_bindings(const char *cmd, const char *params, struct rte_tel_data *d)
{
	return call_ctl(ctl_bindings, params, d);
}

static int cmd_binding(const char *cmd, const char *params, struct rte_tel_data *d)
{
	return call_ctl(ctl_binding, params, d);
}

static int cmd_sa(const char *cmd, const char *params, struct rte_tel_data *d)
{
	return call_ctl(ctl_sa, params, d);
}

static int cmd_aaa(const char *cmd, const char *params, struct rte_tel_data *d)
{
	return call_ctl(mipha_ctl_dynkey_tel_aaa, params, d);
}

int mipha_telemetry_register(struct mipha_ctl *ctl, const struct mipha_tel_port *ports,
			     unsigned int n_ports)
{
	static bool registered;
	int error = 0;

	pthread_mutex_lock(&tel_lock);
	tel_n_ports = n_ports < MIPHA_MAX_PORTS ? n_ports : MIPHA_MAX_PORTS;
	memcpy(tel_ports, ports, tel_n_ports * sizeof(*ports));
	tel_ctl = ctl;
	pthread_mutex_unlock(&tel_lock);
	if (registered)
		return 0;
	error |= rte_telemetry_register_cmd("/mipha/stats", cmd_stats,
		"Counters: totals, control, ports, non-zero per worker. Param: worker index");
	error |= rte_telemetry_register_cmd("/mipha/bindings", cmd_bindings,
		"Binding count and up to 64 bindings. No params");
	error |= rte_telemetry_register_cmd("/mipha/binding", cmd_binding,
		"One binding. Param: home address");
	error |= rte_telemetry_register_cmd("/mipha/sa", cmd_sa,
		"Static SAs: SPI, algorithm, home address (never keys). No params");
	error |= rte_telemetry_register_cmd("/mipha/aaa", cmd_aaa,
		"AAA servers: address, transport, state, latency, TLS name and last error. No params");
	registered = true;
	return error != 0 ? -EINVAL : 0;
}

void mipha_telemetry_unregister(void)
{
	pthread_mutex_lock(&tel_lock);
	tel_ctl = NULL;
	pthread_mutex_unlock(&tel_lock);
}

struct print_arg {
	FILE *f;
	const char *prefix;
};

static void print_stat(void *arg, const char *name, uint64_t v)
{
	struct print_arg *p = arg;

	fprintf(p->f, "stat %s%s %" PRIu64 "\n", p->prefix, name, v);
}

void mipha_stats_print(const struct mipha_ctl *c, FILE *f)
{
	struct mipha_counters total;
	struct print_arg pa = { f, "" };
	unsigned int i;

	sum_workers(c, &total);
	visit_counters(&total, false, print_stat, &pa);
	visit_ctl(c, print_stat, &pa);
	for (i = 0; i < c->p.n_workers; i++) {
		char prefix[24];

		snprintf(prefix, sizeof(prefix), "worker.%u.", i);
		pa.prefix = prefix;
		visit_counters(&c->p.workers[i]->cnt, true, print_stat, &pa);
	}
	fflush(f);
}
