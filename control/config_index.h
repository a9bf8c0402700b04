/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A line index of an INI file, built by one scan before rte_cfgfile reads it.
 * rte_cfgfile keeps no line numbers and passes some mistakes silently (a line
 * with neither "[" nor "=", text after "]", a repeated section or key); the
 * scan splits lines exactly as rte_cfgfile does, refuses those with file:line,
 * and remembers where each section and key is so later errors can point there.
 */
#ifndef MIPHA_CONFIG_INDEX_H
#define MIPHA_CONFIG_INDEX_H

#include <stddef.h>

#include <rte_cfgfile.h>

struct mipha_cfg_line {
	char section[CFG_NAME_LEN];
	char key[CFG_NAME_LEN];	/* "" for the section's own header line */
	unsigned int line;
};

struct mipha_cfg_index {
	struct mipha_cfg_line *v;
	size_t n;
	size_t cap;
	unsigned int n_lines;	/* lines in the file */
};

/*
 * Scans path once. 0, or -1 with "path:line: what is wrong" in err. On error
 * the index is freed.
 */
int mipha_cfg_index_build(const char *path, struct mipha_cfg_index *idx, char *err,
			  size_t errlen);

/* Line of key in section (key NULL or "": the section header); 0 if absent. */
unsigned int mipha_cfg_index_line(const struct mipha_cfg_index *idx, const char *section,
				  const char *key);

void mipha_cfg_index_free(struct mipha_cfg_index *idx);

#endif /* MIPHA_CONFIG_INDEX_H */
