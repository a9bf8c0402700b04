/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The HA's telemetry commands (rte_telemetry; socket
 * /var/run/dpdk/<file-prefix>/dpdk_telemetry.v2):
 *   /mipha/stats            totals of every worker counter and drop reason,
 *                           control counters, per-port ethdev counters, and
 *                           each worker's non-zero counters
 *   /mipha/stats,<worker>   every counter of one worker
 *   /mipha/bindings         count, and up to MIPHA_TEL_MAX_BINDINGS bindings
 *                           (keyed "0", "1", ...: telemetry names allow no '.')
 *   /mipha/binding,<addr>   one binding: care-of, remaining lifetime, flags
 *   /mipha/sa               the static SAs: SPI, algorithm, home address (never keys)
 * Stats are read from the telemetry thread (plain loads of counters with one
 * writer each); bindings and SAs are read on the control lcore, which is the
 * tables' only writer (mipha_ctl_call).
 */
#ifndef MIPHA_CTL_TELEMETRY_H
#define MIPHA_CTL_TELEMETRY_H

#include <stdint.h>
#include <stdio.h>

struct mipha_ctl;

#define MIPHA_TEL_MAX_BINDINGS 64

/* Port names for /mipha/stats: the config's [port.NAME] for each port id. */
struct mipha_tel_port {
	uint16_t port_id;
	const char *name;
};

/* Registers the commands for ctl (one HA per process). 0 or a negative errno. */
int mipha_telemetry_register(struct mipha_ctl *ctl, const struct mipha_tel_port *ports,
			     unsigned int n_ports);
/* Stops answering (commands then fail): before ctl is freed. */
void mipha_telemetry_unregister(void);

/*
 * Prints every total counter as "stat NAME VALUE" lines, then each worker's
 * non-zero ones as "stat worker.N.NAME VALUE" (for tests and operators; the
 * process prints it on exit).
 */
void mipha_stats_print(const struct mipha_ctl *ctl, FILE *f);

#endif /* MIPHA_CTL_TELEMETRY_H */
