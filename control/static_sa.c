/* SPDX-License-Identifier: BSD-3-Clause */
/* Installs the configuration's static SAs (static_sa.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "sa_table.h"
#include "static_sa.h"

/* Sets the next free key slot of sa from c; -ENOSPC when both are used. */
static int add_key(struct mipha_sa_table *t, struct mipha_sa *sa, const struct mipha_cfg_sa *c)
{
	unsigned int i;

	for (i = 0; i < MIPHA_SA_NKEYS; i++)
		if (sa->key[i].spi == 0)
			return mipha_sa_set_key(t, sa, i, c->spi, c->alg, &c->key);
	return -ENOSPC;
}

/* Builds and installs the struct of one home address from every SA naming it. */
static int install_home(struct mipha_sa_table *t, const struct mipha_config *cfg, unsigned int first,
			char *err, size_t errlen)
{
	const struct mipha_cfg_sa *f = &cfg->sa[first];
	struct mipha_sa *sa = mipha_sa_alloc(t);
	unsigned int i;
	int error;

	if (sa == NULL) {
		snprintf(err, errlen, "%s:%u: [sa.%s]: SA table full", cfg->path, f->line, f->name);
		return -1;
	}
	sa->home_addr = f->home_addr;
	sa->kind = MIPHA_SA_STATIC;
	sa->replay_tolerance = (uint16_t)f->replay_tolerance;
	for (i = first; i < cfg->n_sa; i++) {
		const struct mipha_cfg_sa *s = &cfg->sa[i];

		if (s->home_addr != f->home_addr)
			continue;
		error = add_key(t, sa, s);
		if (error != 0) {
			snprintf(err, errlen, "%s:%u: [sa.%s]: %s", cfg->path, s->line, s->name,
				 error == -ENOSPC ? "more than 2 SAs for one home address"
						  : "key not accepted by the SA table");
			mipha_sa_discard(t, sa);
			return -1;
		}
	}
	error = mipha_sa_install(t, sa);
	if (error != 0) {
		snprintf(err, errlen, "%s:%u: [sa.%s]: cannot install: %s", cfg->path, f->line,
			 f->name, strerror(-error));
		mipha_sa_discard(t, sa);
		return -1;
	}
	return 0;
}

int mipha_static_sa_install(struct mipha_sa_table *t, const struct mipha_config *cfg, char *err,
			    size_t errlen)
{
	unsigned int i, j;

	for (i = 0; i < cfg->n_sa; i++) {
		const struct mipha_cfg_sa *s = &cfg->sa[i];
		bool seen = false;

		if (s->home_addr == 0)
			continue;	/* by NAI alone: installed at registration (ctl_nai.c) */
		for (j = 0; j < i; j++)
			if (cfg->sa[j].home_addr == s->home_addr)
				seen = true;
		if (!seen && install_home(t, cfg, i, err, errlen) != 0)
			return -1;
	}
	return 0;
}
