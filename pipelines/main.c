/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mipha: the Mobile IPv4 Home Agent.
 *
 *   mipha [EAL args] -- --config FILE [--clock NTPHEX]
 *
 * Exit status: 0 after SIGINT/SIGTERM (ports stopped and closed, tables freed
 * and keys wiped; the final counters printed as "stat NAME VALUE" lines on
 * stdout), 1 when start-up fails (one line on stderr saying why, with
 * file:line for configuration mistakes), 2 for a bad command line.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "app.h"
#include "config.h"
#include "telemetry.h"

static struct mipha_app app;

static void on_signal(int sig)
{
	(void)sig;
	app.quit = true;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mipha [EAL options] -- --config FILE [--clock NTPHEX]\n"
		"  --config FILE    the HA configuration (docs/config.md)\n"
		"  --clock NTPHEX   for tests: start the HA clock at this NTP time\n"
		"                   (16 hex digits, as an Identification), running from there\n");
}

struct args {
	const char *config;
	const char *clock;
};

/* 0, 1 for --help, or -1 (usage printed). */
static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "clock", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	memset(a, 0, sizeof(*a));
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			a->config = optarg;
			break;
		case 't':
			a->clock = optarg;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "mipha: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return -1;
	}
	if (a->config == NULL) {
		fprintf(stderr, "mipha: --config FILE is required\n");
		usage(stderr);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	char err[MIPHA_CFG_ERR_LEN];
	struct mipha_config *cfg = NULL;
	struct args a;
	int ret, status = 0;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "mipha: EAL: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= ret;
	argv += ret;
	ret = parse_args(argc, argv, &a);
	if (ret != 0) {
		rte_eal_cleanup();
		return ret > 0 ? 0 : 2;
	}
	if (mipha_config_load(a.config, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "mipha: %s\n", err);
		rte_eal_cleanup();
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (mipha_app_start(&app, cfg, a.clock, err, sizeof(err)) != 0) {
		fprintf(stderr, "mipha: %s\n", err);
		status = 1;
	} else {
		printf("mipha: running: %u worker(s), %u port(s), %u static SA(s)\n", app.n_workers,
		       app.n_ports, cfg->n_sa);
		fflush(stdout);
		if (mipha_app_run(&app) != 0) {
			fprintf(stderr, "mipha: cannot launch the workers\n");
			status = 1;
		}
		mipha_stats_print(&app.ctl, stdout);
	}
	mipha_app_stop(&app);
	mipha_config_free(cfg);
	rte_eal_cleanup();
	if (status == 0)
		printf("mipha: stopped\n");
	return status;
}
