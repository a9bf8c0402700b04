/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Static SAs of the configuration ([sa.NAME], spec section 9) into the SA
 * table. One struct mipha_sa per home address holds its SAs (at most
 * MIPHA_SA_NKEYS SPIs), so the replay state is per home address as the spec
 * says for static SAs. An SA configured by NAI alone has no address yet: the
 * control lcore installs it when the MN registers (ctl_nai.c).
 */
#ifndef MIPHA_CTL_STATIC_SA_H
#define MIPHA_CTL_STATIC_SA_H

#include <stddef.h>

struct mipha_config;
struct mipha_sa_table;

/* 0, or -1 with "file:line: [sa.NAME]: why" in err (the caller frees the table). */
int mipha_static_sa_install(struct mipha_sa_table *t, const struct mipha_config *cfg, char *err,
			    size_t errlen);

#endif /* MIPHA_CTL_STATIC_SA_H */
