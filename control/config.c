/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mipha_config_load: the line scan (config_index.c) first, then rte_cfgfile
 * reads the values, then each section is checked against its table of keys
 * below. One table per section kind: a new key is one line there plus its
 * line in docs/config.md.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stddef.h>
#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cfgfile.h>

#include "config.h"
#include "config_index.h"
#include "mip_auth.h"
#include "mip_secret.h"

#define MAX_KEYS_PER_SECTION 32

struct cfg_ctx {
	const char *path;
	const struct mipha_cfg_index *idx;
	char *err;
	size_t errlen;
};

/* Why a value is wrong, filled by the value parsers. */
struct why {
	char s[192];
};

typedef int (*value_parse_fn)(const char *v, void *dst, uint32_t min, uint32_t max,
			      struct why *why);

struct key_def {
	const char *name;
	bool required;
	value_parse_fn parse;
	size_t off;		/* of the destination in the section's struct */
	uint32_t min, max;	/* for numbers */
	bool secret;		/* value never echoed, wiped from rte_cfgfile */
};

static void why_set(struct why *why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why->s, sizeof(why->s), fmt, ap);
	va_end(ap);
}

/* "path:line: [section] key: msg" (key NULL: "[section]: msg"). */
static int cfg_error(const struct cfg_ctx *c, const char *section, const char *key,
		     const char *fmt, ...)
{
	unsigned int line = 0;
	va_list ap;
	int n;

	if (section != NULL) {
		if (key != NULL)
			line = mipha_cfg_index_line(c->idx, section, key);
		if (line == 0)
			line = mipha_cfg_index_line(c->idx, section, NULL);
	}
	if (line != 0)
		n = snprintf(c->err, c->errlen, "%s:%u: ", c->path, line);
	else
		n = snprintf(c->err, c->errlen, "%s: ", c->path);
	if (n < 0 || (size_t)n >= c->errlen)
		return -1;
	if (section != NULL && key != NULL)
		n += snprintf(c->err + n, c->errlen - n, "[%s] %s: ", section, key);
	else if (section != NULL)
		n += snprintf(c->err + n, c->errlen - n, "[%s]: ", section);
	if (n < 0 || (size_t)n >= c->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errlen - n, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- value parsers ---- */

/* Decimal, or hex with 0x; no sign, no spaces, no octal surprises. */
static int parse_u32(const char *v, void *dst, uint32_t min, uint32_t max, struct why *why)
{
	unsigned long long x = 0;
	const char *p = v;
	int base = 10;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (*p == '\0') {
		why_set(why, "'%s' is not a number", v);
		return -1;
	}
	for (; *p != '\0'; p++) {
		int d;

		if (isdigit((unsigned char)*p))
			d = *p - '0';
		else if (base == 16 && isxdigit((unsigned char)*p))
			d = tolower((unsigned char)*p) - 'a' + 10;
		else {
			why_set(why, "'%s' is not a number", v);
			return -1;
		}
		x = x * base + d;
		if (x > UINT32_MAX) {
			why_set(why, "'%s' is out of range %u..%u", v, min, max);
			return -1;
		}
	}
	if (x < min || x > max) {
		why_set(why, "'%s' is out of range %u..%u", v, min, max);
		return -1;
	}
	*(uint32_t *)dst = (uint32_t)x;
	return 0;
}

static int parse_ipv4(const char *v, void *dst, uint32_t min, uint32_t max, struct why *why)
{
	struct in_addr a;

	/* inet_pton takes exactly a dotted quad: no "10.1", no octal. */
	if (inet_pton(AF_INET, v, &a) != 1) {
		why_set(why, "'%s' is not an IPv4 address", v);
		return -1;
	}
	if (a.s_addr == 0 || a.s_addr == INADDR_BROADCAST ||
	    IN_MULTICAST(ntohl(a.s_addr)) || (ntohl(a.s_addr) >> 24) == 127) {
		why_set(why, "'%s' is not a unicast address", v);
		return -1;
	}
	*(uint32_t *)dst = a.s_addr;
	return 0;
}

static int parse_prefix(const char *v, void *dst, uint32_t min, uint32_t max, struct why *why)
{
	struct mipha_prefix *p = dst;
	char addr[32];
	const char *slash = strchr(v, '/');
	struct in_addr a;
	uint32_t len, mask;
	struct why dummy;

	if (slash == NULL || (size_t)(slash - v) >= sizeof(addr)) {
		why_set(why, "'%s' is not ADDRESS/LENGTH", v);
		return -1;
	}
	memcpy(addr, v, slash - v);
	addr[slash - v] = '\0';
	if (inet_pton(AF_INET, addr, &a) != 1) {
		why_set(why, "'%s' is not ADDRESS/LENGTH (bad address)", v);
		return -1;
	}
	if (parse_u32(slash + 1, &len, 1, 32, &dummy) != 0) {
		why_set(why, "'%s': prefix length must be 1..32", v);
		return -1;
	}
	mask = htonl(len == 32 ? 0xffffffffu : ~(0xffffffffu >> len));
	if ((a.s_addr & ~mask) != 0) {
		why_set(why, "'%s' has host bits set", v);
		return -1;
	}
	p->addr = a.s_addr;
	p->len = (uint8_t)len;
	return 0;
}

static int parse_name(const char *v, void *dst, uint32_t min, uint32_t max, struct why *why)
{
	const char *p;

	if (strlen(v) >= MIPHA_CFG_NAME_LEN) {
		why_set(why, "longer than %d characters", MIPHA_CFG_NAME_LEN - 1);
		return -1;
	}
	for (p = v; *p != '\0'; p++) {
		if (!isgraph((unsigned char)*p)) {
			why_set(why, "'%s' has a space or control character", v);
			return -1;
		}
	}
	snprintf(dst, MIPHA_CFG_NAME_LEN, "%s", v);
	return 0;
}

static int parse_nai(const char *v, void *dst, uint32_t min, uint32_t max, struct why *why)
{
	const char *at = strchr(v, '@');
	const char *p;

	for (p = v; *p != '\0'; p++) {
		if (!isgraph((unsigned char)*p)) {
			why_set(why, "'%s' has a space or control character", v);
			return -1;
		}
	}
	if (at == NULL || at == v || at[1] == '\0' || strchr(at + 1, '@') != NULL) {
		why_set(why, "'%s' is not user@realm", v);
		return -1;
	}
	if (strlen(v) > MIP_NAI_MAX) {
		why_set(why, "longer than %d characters", MIP_NAI_MAX);
		return -1;
	}
	snprintf(dst, MIP_NAI_MAX + 1, "%s", v);
	return 0;
}

static int parse_mac(const char *v, void *dst, uint32_t min, uint32_t max, struct why *why)
{
	uint8_t *mac = dst;
	const char *p = v;
	int i;

	for (i = 0; i < 6; i++) {
		if (!isxdigit((unsigned char)p[0]) || !isxdigit((unsigned char)p[1]) ||
		    p[2] != (i < 5 ? ':' : '\0'))
			goto bad;
		mac[i] = (uint8_t)strtoul((char[3]){ p[0], p[1], '\0' }, NULL, 16);
		p += 3;
	}
	if (mac[0] & 1) {
		why_set(why, "'%s' is a multicast address", v);
		return -1;
	}
	return 0;
bad:
	why_set(why, "'%s' is not a MAC address xx:xx:xx:xx:xx:xx", v);
	return -1;
}

static int parse_role(const char *v, void *dst, uint32_t min, uint32_t max, struct why *why)
{
	enum mipha_cfg_role *r = dst;

	if (strcmp(v, "home") == 0)
		*r = MIPHA_CFG_ROLE_HOME;
	else if (strcmp(v, "uplink") == 0)
		*r = MIPHA_CFG_ROLE_UPLINK;
	else if (strcmp(v, "both") == 0)
		*r = MIPHA_CFG_ROLE_BOTH;
	else {
		why_set(why, "'%s' is not one of home, uplink, both", v);
		return -1;
	}
	return 0;
}

static int parse_alg(const char *v, void *dst, uint32_t min, uint32_t max, struct why *why)
{
	enum mip_alg *a = dst;

	if (strcmp(v, "hmac-md5") == 0)
		*a = MIP_ALG_HMAC_MD5;
	else if (strcmp(v, "keyed-md5") == 0)
		*a = MIP_ALG_KEYED_MD5;
	else {
		why_set(why, "'%s' is not one of hmac-md5, keyed-md5", v);
		return -1;
	}
	return 0;
}

static int parse_key(const char *v, void *dst, uint32_t min, uint32_t max, struct why *why)
{
	/* The value is a secret: the message must not quote it. */
	if (mip_key_from_hex(v, dst) != 0) {
		why_set(why, "not %d hex digits (value not shown)", 2 * MIP_KEY_LEN);
		return -1;
	}
	return 0;
}

/* "N" (a count) or a list of ids and ranges: "1,2", "1-3", "1-2,5". */
static int parse_workers(const char *v, void *dst, uint32_t min, uint32_t max, struct why *why)
{
	struct mipha_cfg_lcores *lc = dst;
	const char *p = v;
	struct why dummy;

	if (strpbrk(v, ",-") == NULL) {
		if (parse_u32(v, &lc->n_workers, 1, MIPHA_CFG_MAX_WORKERS, why) != 0)
			return -1;
		lc->explicit_ids = false;
		return 0;
	}
	lc->explicit_ids = true;
	lc->n_workers = 0;
	while (*p != '\0') {
		char item[24];
		size_t n = strcspn(p, ",");
		uint32_t lo, hi, id;
		char *dash;

		if (n == 0 || n >= sizeof(item))
			goto bad;
		memcpy(item, p, n);
		item[n] = '\0';
		dash = strchr(item, '-');
		if (dash != NULL)
			*dash = '\0';
		if (parse_u32(item, &lo, 0, 1023, &dummy) != 0)
			goto bad;
		hi = lo;
		if (dash != NULL && parse_u32(dash + 1, &hi, lo, 1023, &dummy) != 0)
			goto bad;
		for (id = lo; id <= hi; id++) {
			unsigned int i;

			for (i = 0; i < lc->n_workers; i++) {
				if (lc->workers[i] == id) {
					why_set(why, "lcore %u listed twice", id);
					return -1;
				}
			}
			if (lc->n_workers == MIPHA_CFG_MAX_WORKERS) {
				why_set(why, "more than %d workers", MIPHA_CFG_MAX_WORKERS);
				return -1;
			}
			lc->workers[lc->n_workers++] = id;
		}
		p += n;
		if (*p == ',')
			p++;
		if (*p == '\0' && p[-1] == ',')
			goto bad;
	}
	return 0;
bad:
	why_set(why, "'%s' is neither a count nor a list of lcore ids like 1,2 or 1-3", v);
	return -1;
}

/* "FIRST-LAST": two unicast addresses, FIRST <= LAST (network order pair). */
static int parse_pool(const char *v, void *dst, uint32_t min, uint32_t max, struct why *why)
{
	uint32_t *pool = dst;
	const char *dash = strchr(v, '-');
	char first[32];
	struct why dummy;

	if (dash == NULL || (size_t)(dash - v) >= sizeof(first)) {
		why_set(why, "'%s' is not FIRST-LAST", v);
		return -1;
	}
	memcpy(first, v, dash - v);
	first[dash - v] = '\0';
	if (parse_ipv4(first, &pool[0], 0, 0, &dummy) != 0 ||
	    parse_ipv4(dash + 1, &pool[1], 0, 0, &dummy) != 0) {
		why_set(why, "'%s' is not FIRST-LAST of two unicast addresses", v);
		return -1;
	}
	if (ntohl(pool[0]) > ntohl(pool[1])) {
		why_set(why, "'%s': FIRST is above LAST", v);
		return -1;
	}
	return 0;
}

/* "hmac-md5" or a comma list of hmac-md5, keyed-md5 (a bit per algorithm). */
static int parse_algs(const char *v, void *dst, uint32_t min, uint32_t max, struct why *why)
{
	uint32_t bits = 0;
	const char *p = v;

	while (*p != '\0') {
		char item[16];
		size_t n = strcspn(p, ",");
		enum mip_alg a;
		struct why dummy;

		if (n == 0 || n >= sizeof(item) || (p[n] == ',' && p[n + 1] == '\0'))
			goto bad;
		memcpy(item, p, n);
		item[n] = '\0';
		if (parse_alg(item, &a, 0, 0, &dummy) != 0)
			goto bad;
		bits |= 1u << a;
		p += n;
		if (*p == ',')
			p++;
	}
	*(uint32_t *)dst = bits;
	return 0;
bad:
	why_set(why, "'%s' is not a list of hmac-md5, keyed-md5", v);
	return -1;
}

/*
 * "[udp://|tls://]ADDRESS:PORT", numeric IPv4 (the AAA client resolves no
 * names); tls:// is RADIUS over TLS (RFC 6614).
 */
static int parse_server(const char *v, void *dst, uint32_t min, uint32_t max, struct why *why)
{
	struct mipha_cfg_aaa_server *s = dst;
	const char *all = v;
	const char *colon;
	char addr[32];
	struct in_addr a;
	uint32_t port;
	struct why dummy;

	s->tls = strncmp(v, "tls://", 6) == 0;
	if (s->tls || strncmp(v, "udp://", 6) == 0)
		v += 6;
	colon = strrchr(v, ':');
	if (colon == NULL || (size_t)(colon - v) >= sizeof(addr))
		goto bad;
	memcpy(addr, v, colon - v);
	addr[colon - v] = '\0';
	if (inet_pton(AF_INET, addr, &a) != 1 || a.s_addr == 0 ||
	    parse_u32(colon + 1, &port, 1, 65535, &dummy) != 0)
		goto bad;
	s->addr = a.s_addr;
	s->port = (uint16_t)port;
	return 0;
bad:
	why_set(why, "'%s' is not [tls://]ADDRESS:PORT (numeric IPv4, port 1-65535)", all);
	return -1;
}

/* "ADDR[, ADDR...]": up to MIPHA_CFG_MAX_DAE_CLIENTS numeric IPv4 addresses. */
static int parse_dae_clients(const char *v, void *dst, uint32_t min, uint32_t max,
			     struct why *why)
{
	/* The key writes the count and the list: dst is n_dae_clients. */
	struct mipha_cfg_aaa *a =
		(struct mipha_cfg_aaa *)((char *)dst - offsetof(struct mipha_cfg_aaa, n_dae_clients));
	const char *p = v;

	a->n_dae_clients = 0;
	while (*p != '\0') {
		char one[32];
		size_t n;
		struct in_addr in;

		while (*p == ' ' || *p == ',')
			p++;
		n = strcspn(p, ", ");
		if (n == 0)
			break;
		if (n >= sizeof(one) || a->n_dae_clients == MIPHA_CFG_MAX_DAE_CLIENTS)
			goto bad;
		memcpy(one, p, n);
		one[n] = '\0';
		if (inet_pton(AF_INET, one, &in) != 1 || in.s_addr == 0)
			goto bad;
		a->dae_clients[a->n_dae_clients++] = in.s_addr;
		p += n;
	}
	if (a->n_dae_clients > 0)
		return 0;
bad:
	why_set(why, "'%s' is not a list of 1-%d numeric IPv4 addresses", v,
		MIPHA_CFG_MAX_DAE_CLIENTS);
	return -1;
}

/* A DNS name for certificate checks: letters, digits, '.', '-'. */
static int parse_dns_name(const char *v, void *dst, uint32_t min, uint32_t max, struct why *why)
{
	const char *p;

	if (strlen(v) >= MIPHA_CFG_DNS_NAME_LEN) {
		why_set(why, "longer than %d characters", MIPHA_CFG_DNS_NAME_LEN - 1);
		return -1;
	}
	for (p = v; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-') {
			why_set(why, "'%s' is not a DNS name", v);
			return -1;
		}
	}
	snprintf(dst, MIPHA_CFG_DNS_NAME_LEN, "%s", v);
	return 0;
}

static int parse_path(const char *v, void *dst, uint32_t min, uint32_t max, struct why *why)
{
	if (strlen(v) >= MIPHA_CFG_PATH_LEN) {
		why_set(why, "longer than %d characters", MIPHA_CFG_PATH_LEN - 1);
		return -1;
	}
	snprintf(dst, MIPHA_CFG_PATH_LEN, "%s", v);
	return 0;
}

/* ---- section tables ---- */

#define KEY(n, req, fn, type, field, lo, hi) \
	{ n, req, fn, offsetof(type, field), lo, hi, false }

static const struct key_def ha_keys[] = {
	KEY("address", true, parse_ipv4, struct mipha_cfg_ha, address, 0, 0),
	KEY("home_prefix", true, parse_prefix, struct mipha_cfg_ha, home_prefix, 0, 0),
	KEY("name", false, parse_name, struct mipha_cfg_ha, name, 0, 0),
	KEY("max_lifetime", false, parse_u32, struct mipha_cfg_ha, max_lifetime, 1, 65534),
	KEY("default_lifetime", false, parse_u32, struct mipha_cfg_ha, default_lifetime, 1, 65534),
	KEY("replay_tolerance", false, parse_u32, struct mipha_cfg_ha, replay_tolerance, 1, 3600),
	KEY("dynkey_spi", false, parse_u32, struct mipha_cfg_ha, dynkey_spi, MIP_SPI_MIN,
	    UINT32_MAX),
	KEY("vendor_id", false, parse_u32, struct mipha_cfg_ha, vendor_id, 1, 0xffffff),
	KEY("tunnel_mtu", false, parse_u32, struct mipha_cfg_ha, tunnel_mtu, 576, 9600),
	KEY("max_bindings", false, parse_u32, struct mipha_cfg_ha, max_bindings, 1, 16777216),
	KEY("home_pool", false, parse_pool, struct mipha_cfg_ha, home_pool_first, 0, 0),
	KEY("dynamic_algorithms", false, parse_algs, struct mipha_cfg_ha, dynamic_algorithms, 0, 0),
	KEY("key_continuation", false, parse_u32, struct mipha_cfg_ha, key_continuation, 0, 86400),
	{ .name = NULL },
};

#define AAA_SERVER(n, i) \
	KEY(n, false, parse_server, struct mipha_cfg_aaa, servers[i], 0, 0)
/* The name server.N's certificate must carry, instead of tls_server_name. */
#define AAA_TLS_NAME(n, i) \
	KEY(n, false, parse_dns_name, struct mipha_cfg_aaa, servers[i].tls_server_name, 0, 0)

static const struct key_def aaa_keys[] = {
	AAA_SERVER("server", 0), AAA_SERVER("server.2", 1), AAA_SERVER("server.3", 2),
	AAA_SERVER("server.4", 3), AAA_SERVER("server.5", 4), AAA_SERVER("server.6", 5),
	AAA_SERVER("server.7", 6), AAA_SERVER("server.8", 7),
	/* Required unless every server is tls:// (checked in parse_aaa). */
	KEY("secret_file", false, parse_path, struct mipha_cfg_aaa, secret_file, 0, 0),
	KEY("timeout_ms", false, parse_u32, struct mipha_cfg_aaa, timeout_ms, 1, 60000),
	KEY("retries", false, parse_u32, struct mipha_cfg_aaa, retries, 0, 10),
	KEY("pending_max", false, parse_u32, struct mipha_cfg_aaa, pending_max, 1, 1048576),
	KEY("rate_nai", false, parse_u32, struct mipha_cfg_aaa, rate_nai, 0, 1000000),
	KEY("burst_nai", false, parse_u32, struct mipha_cfg_aaa, burst_nai, 1, 1000000),
	KEY("rate_src", false, parse_u32, struct mipha_cfg_aaa, rate_src, 0, 1000000),
	KEY("burst_src", false, parse_u32, struct mipha_cfg_aaa, burst_src, 1, 1000000),
	KEY("tls_ca_file", false, parse_path, struct mipha_cfg_aaa, tls_ca_file, 0, 0),
	KEY("tls_cert_file", false, parse_path, struct mipha_cfg_aaa, tls_cert_file, 0, 0),
	KEY("tls_key_file", false, parse_path, struct mipha_cfg_aaa, tls_key_file, 0, 0),
	KEY("tls_crl_file", false, parse_path, struct mipha_cfg_aaa, tls_crl_file, 0, 0),
	KEY("tls_server_name", false, parse_dns_name, struct mipha_cfg_aaa, tls_server_name, 0, 0),
	AAA_TLS_NAME("tls_server_name.2", 1), AAA_TLS_NAME("tls_server_name.3", 2),
	AAA_TLS_NAME("tls_server_name.4", 3), AAA_TLS_NAME("tls_server_name.5", 4),
	AAA_TLS_NAME("tls_server_name.6", 5), AAA_TLS_NAME("tls_server_name.7", 6),
	AAA_TLS_NAME("tls_server_name.8", 7),
	KEY("dae_listen", false, parse_server, struct mipha_cfg_aaa, dae_listen, 0, 0),
	KEY("dae_clients", false, parse_dae_clients, struct mipha_cfg_aaa, n_dae_clients, 0, 0),
	KEY("dae_secret_file", false, parse_path, struct mipha_cfg_aaa, dae_secret_file, 0, 0),
	KEY("dae_window", false, parse_u32, struct mipha_cfg_aaa, dae_window, 1, 3600),
	{ .name = NULL },
};

static const struct key_def port_keys[] = {
	KEY("device", true, parse_name, struct mipha_cfg_port, device, 0, 0),
	KEY("role", true, parse_role, struct mipha_cfg_port, role, 0, 0),
	KEY("gateway", true, parse_ipv4, struct mipha_cfg_port, gateway, 0, 0),
	KEY("gateway_mac", false, parse_mac, struct mipha_cfg_port, gateway_mac, 0, 0),
	KEY("tx_queues", false, parse_u32, struct mipha_cfg_port, tx_queues, 1, 64),
	{ .name = NULL },
};

static const struct key_def lcores_keys[] = {
	KEY("control", false, parse_u32, struct mipha_cfg_lcores, control, 0, 1023),
	{ "workers", false, parse_workers, 0, 0, 0, false },	/* fills the whole struct */
	KEY("idle_sleep_us", false, parse_u32, struct mipha_cfg_lcores, idle_sleep_us, 0,
	    1000000),
	KEY("idle_polls", false, parse_u32, struct mipha_cfg_lcores, idle_polls, 1, 1000000),
	KEY("idle_poll_us", false, parse_u32, struct mipha_cfg_lcores, idle_poll_us, 0, 1000000),
	KEY("idle_sleep_max_us", false, parse_u32, struct mipha_cfg_lcores, idle_sleep_max_us, 0,
	    1000000),
	{ .name = NULL },
};

static const struct key_def sa_keys[] = {
	KEY("home_address", false, parse_ipv4, struct mipha_cfg_sa, home_addr, 0, 0),
	KEY("nai", false, parse_nai, struct mipha_cfg_sa, nai, 0, 0),
	KEY("spi", true, parse_u32, struct mipha_cfg_sa, spi, 0, UINT32_MAX),
	{ "key", true, parse_key, offsetof(struct mipha_cfg_sa, key), 0, 0, true },
	KEY("algorithm", false, parse_alg, struct mipha_cfg_sa, alg, 0, 0),
	KEY("replay_tolerance", false, parse_u32, struct mipha_cfg_sa, replay_tolerance, 1, 3600),
	{ .name = NULL },
};

/* Which keys of the table a section set, by index. */
struct seen {
	bool k[MAX_KEYS_PER_SECTION];
};

static bool seen_key(const struct key_def *keys, const struct seen *seen, const char *name)
{
	unsigned int i;

	for (i = 0; keys[i].name != NULL; i++)
		if (strcmp(keys[i].name, name) == 0)
			return seen->k[i];
	return false;
}

/*
 * Parses the entries of one section into base with its key table: every key
 * must be known and valid, every required key present.
 */
static int parse_section(const struct cfg_ctx *c, struct rte_cfgfile *file, int sec_index,
			 const char *section, const struct key_def *keys, void *base,
			 struct seen *seen)
{
	struct rte_cfgfile_entry *e;
	char name[CFG_NAME_LEN];
	int n, i, error = 0;
	size_t esize;

	memset(seen, 0, sizeof(*seen));
	n = rte_cfgfile_section_num_entries_by_index(file, name, sec_index);
	if (n < 0)
		return cfg_error(c, section, NULL, "rte_cfgfile lost the section");
	esize = (size_t)(n > 0 ? n : 1) * sizeof(*e);
	/* The entries hold key hex: a secret buffer, wiped on free. */
	e = mip_secret_alloc(esize);
	if (e == NULL)
		return cfg_error(c, section, NULL, "out of memory");
	n = rte_cfgfile_section_entries_by_index(file, sec_index, name, e, n);
	for (i = 0; i < n && error == 0; i++) {
		const struct key_def *k;
		struct why why = { "" };
		unsigned int j;

		for (j = 0; keys[j].name != NULL; j++)
			if (strcmp(keys[j].name, e[i].name) == 0)
				break;
		k = &keys[j];
		if (k->name == NULL) {
			error = cfg_error(c, section, e[i].name, "unknown key");
			break;
		}
		if (k->parse(e[i].value, (char *)base + k->off, k->min, k->max, &why) != 0)
			error = cfg_error(c, section, e[i].name, "%s", why.s);
		seen->k[j] = true;
		if (k->secret) {
			/* Overwrite rte_cfgfile's copy of the secret. */
			char blank[CFG_VALUE_LEN];
			size_t len = strlen(e[i].value);

			memset(blank, 'x', len);
			blank[len] = '\0';
			rte_cfgfile_set_entry(file, section, e[i].name, blank);
		}
	}
	mip_secret_free(e, esize);
	if (error != 0)
		return error;
	for (i = 0; keys[i].name != NULL; i++)
		if (keys[i].required && !seen->k[i])
			return cfg_error(c, section, NULL, "missing key '%s'", keys[i].name);
	return 0;
}

bool mipha_prefix_contains(const struct mipha_prefix *p, uint32_t addr)
{
	uint32_t mask = p->len == 0 ? 0 : htonl(~(uint32_t)0 << (32 - p->len));

	return (addr & mask) == p->addr;
}

/* [port.NAME] and [sa.NAME] suffixes: letters, digits, '_' and '-'. */
static bool valid_suffix(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return false;
	return true;
}

static void ha_defaults(struct mipha_cfg_ha *ha)
{
	snprintf(ha->name, sizeof(ha->name), "%s", MIPHA_DEFAULT_NAME);
	ha->max_lifetime = MIPHA_DEFAULT_MAX_LIFETIME;
	ha->default_lifetime = 0;
	ha->replay_tolerance = MIPHA_DEFAULT_REPLAY_TOLERANCE;
	ha->dynkey_spi = MIP_DEFAULT_DYNKEY_SPI;
	ha->vendor_id = MIP_DEFAULT_VENDOR_ID;
	ha->tunnel_mtu = MIPHA_DEFAULT_TUNNEL_MTU;
	ha->max_bindings = MIPHA_DEFAULT_MAX_BINDINGS;
	ha->dynamic_algorithms = 1u << MIP_ALG_HMAC_MD5;
}

static int parse_ha(const struct cfg_ctx *c, struct rte_cfgfile *file, int i,
		    struct mipha_config *cfg)
{
	struct mipha_cfg_ha *ha = &cfg->ha;
	struct seen seen;
	int error;

	error = parse_section(c, file, i, "ha", ha_keys, ha, &seen);
	if (error != 0)
		return error;
	if (ha->default_lifetime == 0)
		ha->default_lifetime = ha->max_lifetime;
	if (ha->default_lifetime > ha->max_lifetime)
		return cfg_error(c, "ha", "default_lifetime", "%u is above max_lifetime %u",
				 ha->default_lifetime, ha->max_lifetime);
	if (!mipha_prefix_contains(&ha->home_prefix, ha->address))
		return cfg_error(c, "ha", "address", "not inside home_prefix");
	if (ha->home_pool_first != 0) {
		uint32_t first = ntohl(ha->home_pool_first), last = ntohl(ha->home_pool_last);

		if (!mipha_prefix_contains(&ha->home_prefix, ha->home_pool_first) ||
		    !mipha_prefix_contains(&ha->home_prefix, ha->home_pool_last))
			return cfg_error(c, "ha", "home_pool", "not inside home_prefix");
		if (ntohl(ha->address) >= first && ntohl(ha->address) <= last)
			return cfg_error(c, "ha", "home_pool", "holds the HA's own address");
		if (last - first >= (1u << 24))
			return cfg_error(c, "ha", "home_pool", "more than 2^24 addresses");
	}
	return 0;
}

static void aaa_defaults(struct mipha_cfg_aaa *a)
{
	memset(a, 0, sizeof(*a));
	a->timeout_ms = MIPHA_DEFAULT_AAA_TIMEOUT_MS;
	a->retries = MIPHA_DEFAULT_AAA_RETRIES;
	a->pending_max = MIPHA_DEFAULT_PENDING_MAX;
	a->rate_nai = MIPHA_DEFAULT_RATE_NAI;
	a->burst_nai = MIPHA_DEFAULT_BURST_NAI;
	a->rate_src = MIPHA_DEFAULT_RATE_SRC;
	a->burst_src = MIPHA_DEFAULT_BURST_SRC;
	a->dae_window = 300;	/* RFC 5176 3.5's default */
}

/* A file the HA will open at start: unreadable is an error here, with its line. */
static int aaa_check_file(const struct cfg_ctx *c, const char *key, const char *path)
{
	if (path[0] != '\0' && access(path, R_OK) != 0)
		return cfg_error(c, "aaa", key, "cannot read '%s': %s", path, strerror(errno));
	return 0;
}

/* Disconnect-Requests: a UDP listen address; a secret (dae_secret_file or secret_file). */
static int aaa_check_dae(const struct cfg_ctx *c, const struct mipha_cfg_aaa *a)
{
	static const char *const keys[] = { "dae_clients", "dae_secret_file", "dae_window" };

	if (a->dae_listen.port == 0) {
		for (unsigned int k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (mipha_cfg_index_line(c->idx, "aaa", keys[k]) != 0)
				return cfg_error(c, "aaa", keys[k], "without dae_listen");
		return 0;
	}
	if (a->dae_listen.tls)
		return cfg_error(c, "aaa", "dae_listen", "Disconnect-Requests come over UDP: "
				 "no tls://");
	if (a->dae_secret_file[0] == '\0' && a->secret_file[0] == '\0')
		return cfg_error(c, "aaa", "dae_listen", "needs dae_secret_file (or secret_file)");
	return aaa_check_file(c, "dae_secret_file", a->dae_secret_file);
}

/*
 * The secret file for UDP servers (tls:// ones use "radsec", RFC 6614 2.3);
 * for tls:// servers a CA file, and a key only with its certificate.
 */
static int aaa_check_transports(const struct cfg_ctx *c, const struct mipha_cfg_aaa *a)
{
	bool udp = false, tls = false;
	const char *first_tls = NULL;

	for (unsigned int j = 0; j < a->n_servers; j++) {
		if (a->servers[j].tls && first_tls == NULL)
			first_tls = aaa_keys[j].name;
		tls |= a->servers[j].tls;
		udp |= !a->servers[j].tls;
	}
	if (udp && a->secret_file[0] == '\0')
		return cfg_error(c, "aaa", NULL, "missing key 'secret_file'");
	for (unsigned int j = 1; j < MIPHA_CFG_MAX_AAA_SERVERS; j++) {
		char key[32];

		snprintf(key, sizeof(key), "tls_server_name.%u", j + 1);
		if (mipha_cfg_index_line(c->idx, "aaa", key) == 0)
			continue;
		if (j >= a->n_servers)
			return cfg_error(c, "aaa", key, "without server.%u", j + 1);
		if (!a->servers[j].tls)
			return cfg_error(c, "aaa", key, "server.%u is not tls://", j + 1);
	}
	if (!tls) {
		static const char *const keys[] = { "tls_ca_file", "tls_cert_file", "tls_key_file",
						    "tls_crl_file", "tls_server_name" };

		for (unsigned int k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (mipha_cfg_index_line(c->idx, "aaa", keys[k]) != 0)
				return cfg_error(c, "aaa", keys[k], "without a tls:// server");
		return 0;
	}
	if (a->tls_ca_file[0] == '\0')
		return cfg_error(c, "aaa", first_tls, "tls:// needs tls_ca_file (the CA of the "
				 "AAA servers' certificates)");
	if (a->tls_key_file[0] != '\0' && a->tls_cert_file[0] == '\0')
		return cfg_error(c, "aaa", "tls_key_file", "without tls_cert_file");
	if (aaa_check_file(c, "tls_ca_file", a->tls_ca_file) != 0 ||
	    aaa_check_file(c, "tls_cert_file", a->tls_cert_file) != 0 ||
	    aaa_check_file(c, "tls_key_file", a->tls_key_file) != 0 ||
	    aaa_check_file(c, "tls_crl_file", a->tls_crl_file) != 0)
		return -1;
	return 0;
}

/* [aaa]: server, server.2, ... in order without gaps; the secret file named. */
static int parse_aaa(const struct cfg_ctx *c, struct rte_cfgfile *file, int i,
		     struct mipha_config *cfg)
{
	struct mipha_cfg_aaa *a = &cfg->aaa;
	struct seen seen;
	unsigned int j;
	int error;

	aaa_defaults(a);
	a->line = mipha_cfg_index_line(c->idx, "aaa", NULL);
	error = parse_section(c, file, i, "aaa", aaa_keys, a, &seen);
	if (error != 0)
		return error;
	for (j = 0; j < MIPHA_CFG_MAX_AAA_SERVERS && seen.k[j]; j++)
		;
	a->n_servers = j;
	if (a->n_servers == 0)
		return cfg_error(c, "aaa", NULL, "missing key 'server'");
	for (; j < MIPHA_CFG_MAX_AAA_SERVERS; j++)
		if (seen.k[j])
			return cfg_error(c, "aaa", aaa_keys[j].name, "without %s before it",
					 aaa_keys[j - 1].name);
	error = aaa_check_transports(c, a);
	return error != 0 ? error : aaa_check_dae(c, a);
}

static int parse_port(const struct cfg_ctx *c, struct rte_cfgfile *file, int i,
		      const char *section, struct mipha_config *cfg)
{
	struct mipha_cfg_port *port;
	struct seen seen;
	unsigned int j;
	int error;

	if (cfg->n_ports == MIPHA_CFG_MAX_PORTS)
		return cfg_error(c, section, NULL, "more than %d ports", MIPHA_CFG_MAX_PORTS);
	port = &cfg->ports[cfg->n_ports];
	memset(port, 0, sizeof(*port));
	snprintf(port->name, sizeof(port->name), "%s", section + strlen("port."));
	port->line = mipha_cfg_index_line(c->idx, section, NULL);
	error = parse_section(c, file, i, section, port_keys, port, &seen);
	if (error != 0)
		return error;
	port->has_gateway_mac = seen_key(port_keys, &seen, "gateway_mac");
	for (j = 0; j < cfg->n_ports; j++)
		if (strcmp(cfg->ports[j].device, port->device) == 0)
			return cfg_error(c, section, "device", "'%s' already used by [port.%s]",
					 port->device, cfg->ports[j].name);
	cfg->n_ports++;
	return 0;
}

static int parse_lcores(const struct cfg_ctx *c, struct rte_cfgfile *file, int i,
			struct mipha_config *cfg)
{
	struct mipha_cfg_lcores *lc = &cfg->lcores;
	struct seen seen;
	unsigned int j;
	int error;

	error = parse_section(c, file, i, "lcores", lcores_keys, lc, &seen);
	if (error != 0)
		return error;
	if (lc->explicit_ids)
		for (j = 0; j < lc->n_workers; j++)
			if (lc->workers[j] == lc->control)
				return cfg_error(c, "lcores", "workers",
						 "lcore %u is also the control lcore",
						 lc->control);
	return 0;
}

static bool sa_same_mn(const struct mipha_cfg_sa *a, const struct mipha_cfg_sa *b)
{
	if (a->home_addr != 0 && a->home_addr == b->home_addr)
		return true;
	return a->nai[0] != '\0' && strcmp(a->nai, b->nai) == 0;
}

static int check_sa(const struct cfg_ctx *c, const char *section, const struct seen *seen,
		    const struct mipha_config *cfg, const struct mipha_cfg_sa *sa)
{
	unsigned int j, same_nai = 0;

	if (sa->home_addr == 0 && sa->nai[0] == '\0')
		return cfg_error(c, section, NULL, "missing key 'home_address' (or 'nai')");
	if (sa->spi < MIP_SPI_MIN)
		return cfg_error(c, section, "spi", "%u is reserved (SPIs 0-255)", sa->spi);
	if (sa->spi == cfg->ha.dynkey_spi)
		return cfg_error(c, section, "spi", "%u is [ha] dynkey_spi", sa->spi);
	if (sa->home_addr != 0 && !mipha_prefix_contains(&cfg->ha.home_prefix, sa->home_addr))
		return cfg_error(c, section, "home_address", "not inside [ha] home_prefix");
	if (sa->home_addr == cfg->ha.address)
		return cfg_error(c, section, "home_address", "is the HA's own address");
	if (sa->home_addr != 0 && cfg->ha.home_pool_first != 0 &&
	    ntohl(sa->home_addr) >= ntohl(cfg->ha.home_pool_first) &&
	    ntohl(sa->home_addr) <= ntohl(cfg->ha.home_pool_last))
		return cfg_error(c, section, "home_address",
				 "inside [ha] home_pool (dynamic MNs get those)");
	/* By NAI alone: the home address comes from the pool at registration (ctl_nai.c). */
	if (sa->home_addr == 0 && cfg->ha.home_pool_first == 0)
		return cfg_error(c, section, "nai",
				 "an SA by nai alone needs [ha] home_pool (its home address is "
				 "assigned from there)");
	for (j = 0; j < cfg->n_sa; j++) {
		const struct mipha_cfg_sa *o = &cfg->sa[j];

		if (sa->nai[0] != '\0' && strcmp(sa->nai, o->nai) == 0 &&
		    (sa->home_addr == 0) != (o->home_addr == 0))
			return cfg_error(c, section, sa->home_addr != 0 ? "home_address" : "nai",
					 "[sa.%s] (line %u) gives this NAI %s: give every SA of an "
					 "NAI a home_address, or none",
					 o->name, o->line, o->home_addr != 0 ? "a home_address" : "none");
		if (sa->home_addr == 0 && o->home_addr == 0 && strcmp(sa->nai, o->nai) == 0 &&
		    ++same_nai >= 2)
			return cfg_error(c, section, "nai", "more than 2 SAs for this NAI");
		if (sa_same_mn(sa, o) && o->spi == sa->spi)
			return cfg_error(c, section, "spi",
					 "%u already used for this mobile node by [sa.%s] (line %u)",
					 sa->spi, o->name, o->line);
		if (sa->home_addr != 0 && sa->home_addr == o->home_addr &&
		    strcmp(sa->nai, o->nai) != 0)
			return cfg_error(c, section, "home_address",
					 "already given to another NAI by [sa.%s] (line %u)",
					 o->name, o->line);
	}
	(void)seen;
	return 0;
}

static int parse_sa(const struct cfg_ctx *c, struct rte_cfgfile *file, int i,
		    const char *section, struct mipha_config *cfg, unsigned int cap)
{
	struct mipha_cfg_sa *sa;
	struct seen seen;
	int error;

	if (cfg->n_sa == cap)
		return cfg_error(c, section, NULL, "more than %u SAs", cap);
	sa = &cfg->sa[cfg->n_sa];
	mip_wipe(sa, sizeof(*sa));
	snprintf(sa->name, sizeof(sa->name), "%s", section + strlen("sa."));
	sa->line = mipha_cfg_index_line(c->idx, section, NULL);
	sa->alg = MIP_ALG_HMAC_MD5;
	sa->replay_tolerance = cfg->ha.replay_tolerance;
	error = parse_section(c, file, i, section, sa_keys, sa, &seen);
	if (error == 0)
		error = check_sa(c, section, &seen, cfg, sa);
	if (error != 0) {
		mip_wipe(sa, sizeof(*sa));
		return error;
	}
	cfg->n_sa++;
	return 0;
}

static int check_whole(const struct cfg_ctx *c, const struct mipha_config *cfg)
{
	unsigned int i, roles = 0;

	if (cfg->n_ports == 0)
		return cfg_error(c, NULL, NULL, "no [port.NAME] section");
	for (i = 0; i < cfg->n_ports; i++)
		roles |= cfg->ports[i].role;
	if (!(roles & MIPHA_CFG_ROLE_HOME))
		return cfg_error(c, NULL, NULL, "no port with role home (or both)");
	if (!(roles & MIPHA_CFG_ROLE_UPLINK))
		return cfg_error(c, NULL, NULL, "no port with role uplink (or both)");
	return 0;
}

static unsigned int count_prefix(struct rte_cfgfile *file, const char *prefix)
{
	return (unsigned int)rte_cfgfile_num_sections(file, prefix, strlen(prefix));
}

/* Every section of the file, [ha] first (the others check against it). */
static int parse_file(const struct cfg_ctx *c, struct rte_cfgfile *file, struct mipha_config *cfg)
{
	int n = rte_cfgfile_num_sections(file, NULL, 0);
	unsigned int sa_cap = count_prefix(file, "sa.");
	int i, ha = -1, error = 0;

	for (i = 0; i < n; i++) {
		char name[CFG_NAME_LEN];

		rte_cfgfile_section_num_entries_by_index(file, name, i);
		if (strcmp(name, "ha") == 0)
			ha = i;
	}
	if (ha < 0)
		return cfg_error(c, NULL, NULL, "missing section [ha]");
	error = parse_ha(c, file, ha, cfg);
	if (error != 0)
		return error;
	if (sa_cap > MIPHA_CFG_MAX_SA)
		return cfg_error(c, NULL, NULL, "more than %d [sa.NAME] sections",
				 MIPHA_CFG_MAX_SA);
	cfg->sa = mip_secret_alloc((sa_cap ? sa_cap : 1) * sizeof(*cfg->sa));
	if (cfg->sa == NULL)
		return cfg_error(c, NULL, NULL, "out of memory");
	cfg->sa_cap = sa_cap;

	for (i = 0; i < n && error == 0; i++) {
		char name[CFG_NAME_LEN];

		rte_cfgfile_section_num_entries_by_index(file, name, i);
		if (i == ha)
			continue;
		if (strcmp(name, "lcores") == 0)
			error = parse_lcores(c, file, i, cfg);
		else if (strcmp(name, "aaa") == 0)
			error = parse_aaa(c, file, i, cfg);
		else if (strncmp(name, "port.", 5) == 0 && valid_suffix(name + 5))
			error = parse_port(c, file, i, name, cfg);
		else if (strncmp(name, "sa.", 3) == 0 && valid_suffix(name + 3))
			error = parse_sa(c, file, i, name, cfg, sa_cap);
		else if (strcmp(name, "port") == 0 || strcmp(name, "sa") == 0 ||
			 strncmp(name, "port.", 5) == 0 || strncmp(name, "sa.", 3) == 0)
			error = cfg_error(c, name, NULL,
					  "needs a name of letters, digits, '_' or '-' after the "
					  "dot: [port.NAME] or [sa.NAME]");
		else
			error = cfg_error(c, name, NULL, "unknown section");
	}
	if (error == 0)
		error = check_whole(c, cfg);
	return error;
}

static void lcores_defaults(struct mipha_cfg_lcores *lc)
{
	lc->control = 0;
	lc->explicit_ids = false;
	lc->n_workers = MIPHA_DEFAULT_WORKERS;
	lc->idle_sleep_us = MIPHA_DEFAULT_IDLE_SLEEP_US;
	lc->idle_polls = MIPHA_DEFAULT_IDLE_POLLS;
	lc->idle_poll_us = MIPHA_DEFAULT_IDLE_POLL_US;
	lc->idle_sleep_max_us = MIPHA_DEFAULT_IDLE_SLEEP_MAX_US;
}

/* Wipes stack below the caller, where rte_cfgfile_load left its last line buffer. */
static void __attribute__((noinline)) burn_stack(void)
{
	char junk[2 * (CFG_NAME_LEN + CFG_VALUE_LEN + 4) + 4096];

	mip_wipe(junk, sizeof(junk));
}

/*
 * rte_cfgfile_load reads the file through its own stdio buffer, which sees
 * the SA keys and is freed unwiped. While glibc's M_PERTURB is set, free()
 * overwrites what it frees (a 4 KiB buffer is never a tcache chunk, which
 * would be skipped).
 */
static struct rte_cfgfile *load_wiping(const char *path)
{
	struct rte_cfgfile *file;

#ifdef M_PERTURB
	mallopt(M_PERTURB, 0x5a);
#endif
	file = rte_cfgfile_load(path, 0);
#ifdef M_PERTURB
	mallopt(M_PERTURB, 0);
#endif
	burn_stack();
	return file;
}

int mipha_config_load(const char *path, struct mipha_config **out, char *err, size_t errlen)
{
	struct mipha_cfg_index idx;
	struct mipha_config *cfg;
	struct rte_cfgfile *file;
	struct cfg_ctx c = { .path = path, .idx = &idx, .err = err, .errlen = errlen };
	int error;

	*out = NULL;
	error = mipha_cfg_index_build(path, &idx, err, errlen);
	if (error != 0)
		return -1;
	file = load_wiping(path);
	if (file == NULL) {
		snprintf(err, errlen, "%s: rte_cfgfile cannot read it", path);
		mipha_cfg_index_free(&idx);
		return -1;
	}
	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		error = -1;
		goto out;
	}
	snprintf(cfg->path, sizeof(cfg->path), "%s", path);
	ha_defaults(&cfg->ha);
	lcores_defaults(&cfg->lcores);
	error = parse_file(&c, file, cfg);
	if (error != 0) {
		mipha_config_free(cfg);
		cfg = NULL;
	}
out:
	rte_cfgfile_close(file);
	mipha_cfg_index_free(&idx);
	*out = cfg;
	return error != 0 ? -1 : 0;
}

void mipha_config_free(struct mipha_config *cfg)
{
	if (cfg == NULL)
		return;
	if (cfg->sa != NULL) {
		/* Wipes the whole allocation, not only the n_sa in use. */
		mip_secret_free(cfg->sa, (cfg->sa_cap ? cfg->sa_cap : 1) * sizeof(*cfg->sa));
	}
	free(cfg);
}

const char *mipha_role_name(enum mipha_cfg_role role)
{
	switch (role) {
	case MIPHA_CFG_ROLE_HOME:
		return "home";
	case MIPHA_CFG_ROLE_UPLINK:
		return "uplink";
	case MIPHA_CFG_ROLE_BOTH:
		return "both";
	}
	return "?";
}

const char *mipha_alg_name(enum mip_alg alg)
{
	switch (alg) {
	case MIP_ALG_HMAC_MD5:
		return "hmac-md5";
	case MIP_ALG_KEYED_MD5:
		return "keyed-md5";
	}
	return "?";
}

unsigned int mipha_config_nai_sa_count(const struct mipha_config *cfg)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < cfg->n_sa; i++)
		if (cfg->sa[i].home_addr == 0 && cfg->sa[i].nai[0] != '\0')
			n++;
	return n;
}
