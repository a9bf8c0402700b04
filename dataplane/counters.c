/* SPDX-License-Identifier: BSD-3-Clause */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "counters.h"

static const char *const mipha_counter_names[] = {
#define MIPHA_CNT_NAME(id, name, help) [MIPHA_CNT_##id] = name,
	MIPHA_COUNTERS(MIPHA_CNT_NAME)
#undef MIPHA_CNT_NAME
};

static const char *const mipha_counter_helps[] = {
#define MIPHA_CNT_HELP(id, name, help) [MIPHA_CNT_##id] = help,
	MIPHA_COUNTERS(MIPHA_CNT_HELP)
#undef MIPHA_CNT_HELP
};

const char *mipha_counter_name(enum mipha_counter c)
{
	return (unsigned int)c < MIPHA_CNT__COUNT ? mipha_counter_names[c] : "unknown";
}

const char *mipha_counter_help(enum mipha_counter c)
{
	return (unsigned int)c < MIPHA_CNT__COUNT ? mipha_counter_helps[c] : "unknown";
}

char *mipha_counters_malformed_name(enum mip_err err, char *buf, size_t cap)
{
	const char *n = mip_err_name(err);
	size_t o;

	if (strncmp(n, "MIP_E_", 6) == 0)
		n += 6;
	o = (size_t)snprintf(buf, cap, "reg_malformed_");
	for (; *n != '\0' && o + 1 < cap; n++)
		buf[o++] = (char)tolower((unsigned char)*n);
	if (o < cap)
		buf[o] = '\0';
	return buf;
}

void mipha_counters_add(struct mipha_counters *dst, const struct mipha_counters *src)
{
	for (int i = 0; i < MIPHA_CNT__COUNT; i++)
		dst->v[i] += src->v[i];
	for (int i = 0; i < MIP_E__COUNT; i++)
		dst->reg_malformed[i] += src->reg_malformed[i];
}
