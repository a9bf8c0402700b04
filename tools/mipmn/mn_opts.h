/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Options of `mipmn run` and `mipmn load`: one table of names serves the
 * command line (--name value) and the config file (name value), so both
 * accept exactly the same settings.
 */
#ifndef MIPMN_OPTS_H
#define MIPMN_OPTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "mn_fsm.h"
#include "tunnel.h"

#define MIPMN_PATH_MAX 512
#define MIPMN_IFNAME_MAX 16

struct mipmn_opts {
	struct mipmn_cfg cfg;
	bool have_nai, have_credential, have_ha, have_home, have_coa;
	uint16_t ha_port;
	uint32_t bind_addr;		/* network order */
	uint16_t bind_port;
	bool json;
	bool no_tunnel;
	enum mipmn_tunnel_mode tunnel_mode;
	char tunnel_name[MIPMN_IFNAME_MAX];
	uint32_t tunnel_table;
	char coa_if[MIPMN_IFNAME_MAX];	/* take the care-of address from here */
	char coa_file[MIPMN_PATH_MAX];	/* or re-read it from here on SIGUSR1 */
	uint32_t duration;		/* s; 0: until a signal */
	int32_t clock_offset;		/* s; tests only */

	/* load */
	char nai_pattern[MIP_NAI_MAX + 1];
	char home_pattern[64];
	uint32_t home_first;		/* host order; 0: none */
	bool home_assign;
	uint32_t count;
	double rate;			/* initial registrations started per second; 0: window */
	uint32_t window;		/* exchanges in flight when rate is 0 */
	uint32_t rereg;
	uint32_t rekeys;
	bool dereg;
	uint32_t first_index;
	uint32_t sources;		/* source addresses (sockets) from --bind's up */
};

#define MIPMN_LOAD_SOURCES_MAX 64

enum mipmn_opts_mode {
	MIPMN_OPTS_RUN,
	MIPMN_OPTS_LOAD,
};

void mipmn_opts_default(struct mipmn_opts *o);
/*
 * Parses argv (argv[0] is the subcommand). Prints one clear error to stderr
 * and returns -EINVAL on bad input, 1 after --help, 0 when fine. The
 * credential is kept only as its NT hash in o->cfg.nt_hash.
 */
int mipmn_opts_parse(struct mipmn_opts *o, enum mipmn_opts_mode mode, int argc, char **argv);
/* Reads the password file (UTF-8, one trailing newline ignored) into an NT hash. */
int mipmn_read_password_file(const char *path, struct mip_key *nt_hash);
/* Reads a care-of address file (one dotted quad). */
int mipmn_read_addr_file(const char *path, uint32_t *addr);
/* The first IPv4 address of an interface. 0 or -errno. */
int mipmn_if_addr(const char *ifname, uint32_t *addr);
void mipmn_opts_usage(enum mipmn_opts_mode mode, FILE *f);

#endif
