/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Event lines of `mipmn run`: one line per event on stdout, human-readable
 * or one JSON object per line (--json). Never a key, a password or a hash:
 * only what struct mipmn_event holds, which has none.
 */
#ifndef MIPMN_LOG_H
#define MIPMN_LOG_H

#include <stdbool.h>
#include <stdio.h>

#include "mn_fsm.h"

/* A JSON string literal of s[0..len) (quotes included) into out; returns out. */
char *mipmn_json_str(const char *s, size_t len, char *out, size_t cap);
void mipmn_log_event(FILE *f, bool json, const char *nai, const struct mipmn_event *ev);
/* An event of our own (e.g. a tunnel failure): "error" with a reason. */
void mipmn_log_error(FILE *f, bool json, const char *nai, const char *reason);

#endif
