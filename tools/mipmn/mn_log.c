/* SPDX-License-Identifier: BSD-3-Clause */
/* Event lines of `mipmn run` (see mn_log.h and docs/mipmn.md). */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <string.h>
#include <time.h>

#include "mn_log.h"

char *mipmn_json_str(const char *s, size_t len, char *out, size_t cap)
{
	size_t o = 0;

	if (cap < 3) {
		if (cap > 0)
			out[0] = '\0';
		return out;
	}
	out[o++] = '"';
	for (size_t i = 0; i < len && o + 8 < cap; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '"' || ch == '\\') {
			out[o++] = '\\';
			out[o++] = (char)ch;
		} else if (ch < 0x20 || ch == 0x7f) {
			o += (size_t)snprintf(out + o, cap - o, "\\u%04x", ch);
		} else {
			out[o++] = (char)ch;
		}
	}
	out[o++] = '"';
	out[o] = '\0';
	return out;
}

static const char *addr_str(uint32_t a, char *buf)
{
	struct in_addr in = { .s_addr = a };

	return inet_ntop(AF_INET, &in, buf, INET_ADDRSTRLEN);
}

static double wall_time(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void log_json(FILE *f, const char *nai, const struct mipmn_event *ev)
{
	char n[2 * MIP_NAI_MAX + 16], home[INET_ADDRSTRLEN], coa[INET_ADDRSTRLEN];

	fprintf(f, "{\"event\":\"%s\",\"time\":%.3f,\"nai\":%s,\"exchange\":\"%s\"",
		mipmn_event_name(ev->kind), wall_time(), mipmn_json_str(nai, strlen(nai), n, sizeof(n)),
		mipmn_xkind_name(ev->xkind));
	if (ev->code >= 0)
		fprintf(f, ",\"code\":%d", ev->code);
	fprintf(f, ",\"home_address\":\"%s\",\"care_of\":\"%s\"", addr_str(ev->home_addr, home),
		addr_str(ev->coa, coa));
	switch (ev->kind) {
	case MIPMN_EV_REGISTERED:
	case MIPMN_EV_REREGISTERED:
	case MIPMN_EV_REKEYED:
	case MIPMN_EV_HANDOVER:
		fprintf(f, ",\"lifetime\":%u,\"latency_ms\":%" PRIu64 ",\"attempts\":%u",
			ev->lifetime, ev->latency_ms, ev->attempt);
		break;
	case MIPMN_EV_DEREGISTERED:
		fprintf(f, ",\"latency_ms\":%" PRIu64, ev->latency_ms);
		break;
	case MIPMN_EV_DENIED:
		fprintf(f, ",\"authenticated\":%s,\"action\":\"%s\",\"attempt\":%u",
			ev->authenticated ? "true" : "false", mipmn_deny_action_name(ev->action),
			ev->attempt);
		if (ev->action == MIPMN_DENY_RESYNC)
			fprintf(f, ",\"clock_offset\":%" PRId64, ev->clock_offset);
		break;
	case MIPMN_EV_RETRYING:
		fprintf(f, ",\"attempt\":%u,\"after_ms\":%u", ev->attempt, ev->delay_ms);
		break;
	default:
		break;
	}
	if (ev->reason != NULL)
		fprintf(f, ",\"reason\":%s", mipmn_json_str(ev->reason, strlen(ev->reason), n, sizeof(n)));
	fputs("}\n", f);
}

static void log_text(FILE *f, const char *nai, const struct mipmn_event *ev)
{
	char home[INET_ADDRSTRLEN], coa[INET_ADDRSTRLEN];

	fprintf(f, "%s %s", mipmn_event_name(ev->kind), nai);
	if (ev->code >= 0)
		fprintf(f, " code=%d", ev->code);
	fprintf(f, " home=%s care-of=%s", addr_str(ev->home_addr, home), addr_str(ev->coa, coa));
	switch (ev->kind) {
	case MIPMN_EV_REGISTERED:
	case MIPMN_EV_REREGISTERED:
	case MIPMN_EV_REKEYED:
	case MIPMN_EV_HANDOVER:
		fprintf(f, " lifetime=%u latency=%" PRIu64 "ms", ev->lifetime, ev->latency_ms);
		if (ev->xkind == MIPMN_X_CONTINUE)
			fputs(" (key continuation)", f);
		break;
	case MIPMN_EV_DENIED:
		fprintf(f, " %s action=%s", ev->authenticated ? "authenticated" : "unauthenticated",
			mipmn_deny_action_name(ev->action));
		break;
	case MIPMN_EV_RETRYING:
		fprintf(f, " %s attempt=%u after=%ums", mipmn_xkind_name(ev->xkind), ev->attempt,
			ev->delay_ms);
		break;
	default:
		break;
	}
	if (ev->reason != NULL)
		fprintf(f, ": %s", ev->reason);
	fputc('\n', f);
}

void mipmn_log_event(FILE *f, bool json, const char *nai, const struct mipmn_event *ev)
{
	if (json)
		log_json(f, nai, ev);
	else
		log_text(f, nai, ev);
	fflush(f);
}

void mipmn_log_error(FILE *f, bool json, const char *nai, const char *reason)
{
	struct mipmn_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = MIPMN_EV_ERROR;
	ev.code = -1;
	ev.reason = reason;
	mipmn_log_event(f, json, nai, &ev);
}
