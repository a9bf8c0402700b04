/* SPDX-License-Identifier: BSD-3-Clause */
/* Options of `mipmn run` and `mipmn load` (see mn_opts.h and docs/mipmn.md). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mn_opts.h"

#define RUN (1u << 0)
#define LOAD (1u << 1)

/* name, takes a value, which commands */
#define MIPMN_OPTIONS(X)                                                        \
	X("config", 1, RUN | LOAD)                                              \
	X("nai", 1, RUN)                                                        \
	X("password-file", 1, RUN | LOAD)                                       \
	X("nt-hash-file", 1, RUN | LOAD)                                        \
	X("home-agent", 1, RUN | LOAD)                                          \
	X("ha-port", 1, RUN | LOAD)                                             \
	X("home-address", 1, RUN)                                               \
	X("care-of", 1, RUN | LOAD)                                             \
	X("care-of-if", 1, RUN)                                                 \
	X("care-of-file", 1, RUN)                                               \
	X("lifetime", 1, RUN | LOAD)                                            \
	X("rekey-interval", 1, RUN | LOAD)                                      \
	X("single-key", 0, RUN | LOAD)                                          \
	X("domain", 1, RUN | LOAD)                                              \
	X("vendor-id", 1, RUN | LOAD)                                           \
	X("dynkey-spi", 1, RUN | LOAD)                                          \
	X("spi1", 1, RUN | LOAD)                                                \
	X("spi2", 1, RUN | LOAD)                                                \
	X("reverse-tunnel", 0, RUN | LOAD)                                      \
	X("no-tunnel", 0, RUN)                                                  \
	X("tunnel-mode", 1, RUN)                                                \
	X("tunnel-name", 1, RUN)                                                \
	X("tunnel-table", 1, RUN)                                               \
	X("json", 0, RUN | LOAD)                                                \
	X("bind", 1, RUN | LOAD)                                                \
	X("max-retries", 1, RUN | LOAD)                                         \
	X("retry-min-ms", 1, RUN | LOAD)                                        \
	X("retry-max-ms", 1, RUN | LOAD)                                        \
	X("duration", 1, RUN | LOAD)                                            \
	X("clock-offset", 1, RUN | LOAD)                                        \
	X("nai-pattern", 1, LOAD)                                               \
	X("home-pattern", 1, LOAD)                                              \
	X("home-first", 1, LOAD)                                                \
	X("home-assign", 0, LOAD)                                               \
	X("count", 1, LOAD)                                                     \
	X("rate", 1, LOAD)                                                      \
	X("window", 1, LOAD)                                                    \
	X("rereg", 1, LOAD)                                                     \
	X("rekeys", 1, LOAD)                                                    \
	X("dereg", 0, LOAD)                                                     \
	X("first-index", 1, LOAD)                                               \
	X("sources", 1, LOAD)                                                   \
	X("help", 0, RUN | LOAD)

struct opt_def {
	const char *name;
	int has_arg;
	unsigned modes;
};

static const struct opt_def opt_defs[] = {
#define MIPMN_OPT_DEF(n, a, m) { n, a, m },
	MIPMN_OPTIONS(MIPMN_OPT_DEF)
#undef MIPMN_OPT_DEF
};
#define N_OPTS (sizeof(opt_defs) / sizeof(opt_defs[0]))

void mipmn_opts_default(struct mipmn_opts *o)
{
	memset(o, 0, sizeof(*o));
	mipmn_cfg_default(&o->cfg);
	o->ha_port = MIP_UDP_PORT;
	strcpy(o->tunnel_name, "mip0");
	o->tunnel_table = 434;
	strcpy(o->nai_pattern, "mn%d@example.net");
	o->count = 1;
	o->sources = 1;
	o->window = 64;
}

void mipmn_opts_usage(enum mipmn_opts_mode mode, FILE *f)
{
	unsigned m = mode == MIPMN_OPTS_RUN ? RUN : LOAD;

	if (mode == MIPMN_OPTS_RUN)
		fprintf(f, "usage: mipmn run --nai NAI --password-file PATH --home-agent A "
			   "--home-address A --care-of A [options]\n");
	else
		fprintf(f, "usage: mipmn load --home-agent A --password-file PATH --count N "
			   "[--rate R] [options]\n");
	fprintf(f, "options (also accepted as 'name value' lines in --config FILE):\n");
	for (size_t i = 0; i < N_OPTS; i++)
		if (opt_defs[i].modes & m)
			fprintf(f, "  --%s%s\n", opt_defs[i].name, opt_defs[i].has_arg ? " VALUE" : "");
	fprintf(f, "see docs/mipmn.md\n");
}

static int bad(const char *name, const char *value, const char *why)
{
	fprintf(stderr, "mipmn: --%s %s: %s\n", name, value ? value : "", why);
	return -EINVAL;
}

static int parse_u32(const char *name, const char *v, uint64_t max, uint32_t *out)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(v, &end, 0);
	if (errno != 0 || end == v || *end != '\0' || v[0] == '-' || x > max)
		return bad(name, v, "not a number in range");
	*out = (uint32_t)x;
	return 0;
}

static int parse_addr(const char *name, const char *v, uint32_t *out)
{
	if (mip_parse_ipv4(v, out) != 0)
		return bad(name, v, "not a dotted-quad IPv4 address");
	return 0;
}

static int copy_str(const char *name, const char *v, char *dst, size_t cap, size_t *len)
{
	size_t n = strlen(v);

	if (n == 0 || n >= cap)
		return bad(name, v, "empty or too long");
	memcpy(dst, v, n + 1);
	if (len != NULL)
		*len = n;
	return 0;
}

int mipmn_read_password_file(const char *path, struct mip_key *nt_hash)
{
	/* RFC 2759: at most 256 characters, at most 4 bytes each in UTF-8. */
	char buf[1026];
	ssize_t n;
	size_t len;
	int fd, error;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		return -errno;
	if ((size_t)n == sizeof(buf)) {
		mip_wipe(buf, sizeof(buf));
		return -E2BIG;
	}
	len = (size_t)n;
	if (len > 0 && buf[len - 1] == '\n')
		len--;	/* one trailing newline is ignored */
	error = len == 0 ? -EINVAL : mip_nt_password_hash(buf, len, nt_hash);
	mip_wipe(buf, sizeof(buf));
	return error;
}

static int read_nt_hash_file(const char *path, struct mip_key *nt_hash)
{
	char buf[66];
	ssize_t n;
	int fd, error;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	error = mip_key_from_hex(buf, nt_hash);
	mip_wipe(buf, sizeof(buf));
	return error;
}

int mipmn_read_addr_file(const char *path, uint32_t *addr)
{
	char buf[64];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	return mip_parse_ipv4(buf, addr);
}

int mipmn_if_addr(const char *ifname, uint32_t *addr)
{
	struct ifaddrs *ifa, *i;
	int error = -EADDRNOTAVAIL;

	if (getifaddrs(&ifa) != 0)
		return -errno;
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET ||
		    strcmp(i->ifa_name, ifname) != 0)
			continue;
		*addr = ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr;
		error = 0;
		break;
	}
	freeifaddrs(ifa);
	return error;
}

static int parse_bind(const char *name, const char *v, struct mipmn_opts *o)
{
	char host[32];
	const char *colon = strrchr(v, ':');
	uint32_t port = 0;

	if (colon == NULL || (size_t)(colon - v) >= sizeof(host))
		return bad(name, v, "expected ADDR:PORT");
	memcpy(host, v, (size_t)(colon - v));
	host[colon - v] = '\0';
	if (parse_addr(name, host, &o->bind_addr) != 0 ||
	    parse_u32(name, colon + 1, 65535, &port) != 0)
		return -EINVAL;
	o->bind_port = (uint16_t)port;
	return 0;
}

static int load_config(struct mipmn_opts *o, enum mipmn_opts_mode mode, const char *path);

static const struct opt_def *find_opt(const char *name, enum mipmn_opts_mode mode)
{
	unsigned m = mode == MIPMN_OPTS_RUN ? RUN : LOAD;

	for (size_t i = 0; i < N_OPTS; i++)
		if (strcmp(opt_defs[i].name, name) == 0 && (opt_defs[i].modes & m))
			return &opt_defs[i];
	return NULL;
}

/* One setting, from the command line or the config file. */
static int set_opt(struct mipmn_opts *o, enum mipmn_opts_mode mode, const char *n, const char *v)
{
	struct mipmn_cfg *c = &o->cfg;
	uint32_t x;
	int error;

	if (strcmp(n, "config") == 0)
		return load_config(o, mode, v);
	if (strcmp(n, "nai") == 0) {
		o->have_nai = true;
		return copy_str(n, v, c->nai, sizeof(c->nai), &c->nai_len);
	}
	if (strcmp(n, "password-file") == 0 || strcmp(n, "nt-hash-file") == 0) {
		error = n[0] == 'p' ? mipmn_read_password_file(v, &c->nt_hash)
				    : read_nt_hash_file(v, &c->nt_hash);
		if (error != 0)
			return bad(n, v, error == -EINVAL ? "empty or not valid" : strerror(-error));
		o->have_credential = true;
		return 0;
	}
	if (strcmp(n, "home-agent") == 0) {
		o->have_ha = true;
		return parse_addr(n, v, &c->ha_addr);
	}
	if (strcmp(n, "ha-port") == 0) {
		error = parse_u32(n, v, 65535, &x);
		o->ha_port = (uint16_t)x;
		return error != 0 ? error : (x == 0 ? bad(n, v, "port 0") : 0);
	}
	if (strcmp(n, "home-address") == 0) {
		o->have_home = true;
		return parse_addr(n, v, &c->home_addr);
	}
	if (strcmp(n, "care-of") == 0) {
		o->have_coa = true;
		return parse_addr(n, v, &c->coa);
	}
	if (strcmp(n, "care-of-if") == 0) {
		o->have_coa = true;
		return copy_str(n, v, o->coa_if, sizeof(o->coa_if), NULL);
	}
	if (strcmp(n, "care-of-file") == 0) {
		o->have_coa = true;
		error = copy_str(n, v, o->coa_file, sizeof(o->coa_file), NULL);
		if (error == 0 && mipmn_read_addr_file(v, &c->coa) != 0)
			return bad(n, v, "cannot read a dotted-quad address from it");
		return error;
	}
	if (strcmp(n, "lifetime") == 0) {
		error = parse_u32(n, v, 65535, &x);
		c->lifetime = (uint16_t)x;
		return error != 0 ? error : (x == 0 ? bad(n, v, "0 would deregister") : 0);
	}
	if (strcmp(n, "rekey-interval") == 0)
		return parse_u32(n, v, UINT32_MAX / 1000, &c->rekey_interval);
	if (strcmp(n, "single-key") == 0) {
		c->single_key = true;
		return 0;
	}
	if (strcmp(n, "domain") == 0)
		return copy_str(n, v, c->domain, sizeof(c->domain), &c->domain_len);
	if (strcmp(n, "vendor-id") == 0)
		return parse_u32(n, v, UINT32_MAX, &c->vendor_id);
	if (strcmp(n, "dynkey-spi") == 0)
		return parse_u32(n, v, UINT32_MAX, &c->dynkey_spi);
	if (strcmp(n, "spi1") == 0)
		return parse_u32(n, v, UINT32_MAX, &c->spi1);
	if (strcmp(n, "spi2") == 0)
		return parse_u32(n, v, UINT32_MAX, &c->spi2);
	if (strcmp(n, "reverse-tunnel") == 0) {
		c->reverse_tunnel = true;
		return 0;
	}
	if (strcmp(n, "no-tunnel") == 0) {
		o->no_tunnel = true;
		return 0;
	}
	if (strcmp(n, "tunnel-mode") == 0) {
		if (mipmn_tunnel_mode_parse(v, &o->tunnel_mode) != 0)
			return bad(n, v, "auto, kernel or userspace");
		return 0;
	}
	if (strcmp(n, "tunnel-name") == 0)
		return copy_str(n, v, o->tunnel_name, sizeof(o->tunnel_name), NULL);
	if (strcmp(n, "tunnel-table") == 0)
		return parse_u32(n, v, 0xfffffffe, &o->tunnel_table);
	if (strcmp(n, "json") == 0) {
		o->json = true;
		return 0;
	}
	if (strcmp(n, "bind") == 0)
		return parse_bind(n, v, o);
	if (strcmp(n, "max-retries") == 0)
		return parse_u32(n, v, 1000000, &c->max_retries);
	if (strcmp(n, "retry-min-ms") == 0) {
		error = parse_u32(n, v, 3600000, &c->retry_initial_ms);
		if (error == 0 && c->retry_initial_ms == 0)
			return bad(n, v, "must be at least 1");
		return error;
	}
	if (strcmp(n, "retry-max-ms") == 0)
		return parse_u32(n, v, 3600000, &c->retry_max_ms);
	if (strcmp(n, "duration") == 0)
		return parse_u32(n, v, 100000000, &o->duration);
	if (strcmp(n, "clock-offset") == 0) {
		char *end;
		long s = strtol(v, &end, 0);

		if (end == v || *end != '\0' || s < -86400 || s > 86400)
			return bad(n, v, "seconds in -86400..86400");
		o->clock_offset = (int32_t)s;
		return 0;
	}
	if (strcmp(n, "nai-pattern") == 0) {
		const char *p = strstr(v, "%d");

		if (p == NULL || strchr(p + 2, '%') != NULL || strchr(v, '%') != p)
			return bad(n, v, "needs exactly one %d and no other %");
		return copy_str(n, v, o->nai_pattern, sizeof(o->nai_pattern), NULL);
	}
	if (strcmp(n, "home-pattern") == 0) {
		const char *p = strstr(v, "%d");

		if (p == NULL || strchr(p + 2, '%') != NULL || strchr(v, '%') != p)
			return bad(n, v, "needs exactly one %d and no other %");
		return copy_str(n, v, o->home_pattern, sizeof(o->home_pattern), NULL);
	}
	if (strcmp(n, "home-first") == 0) {
		error = parse_addr(n, v, &x);
		o->home_first = ntohl(x);
		return error;
	}
	if (strcmp(n, "home-assign") == 0) {
		o->home_assign = true;
		return 0;
	}
	if (strcmp(n, "count") == 0) {
		error = parse_u32(n, v, 1000000, &o->count);
		return error != 0 ? error : (o->count == 0 ? bad(n, v, "0") : 0);
	}
	if (strcmp(n, "rate") == 0) {
		char *end;

		o->rate = strtod(v, &end);
		if (end == v || *end != '\0' || o->rate < 0 || o->rate > 1e7)
			return bad(n, v, "registrations per second, 0 for as fast as possible");
		return 0;
	}
	if (strcmp(n, "window") == 0) {
		error = parse_u32(n, v, 1000000, &o->window);
		return error != 0 ? error : (o->window == 0 ? bad(n, v, "0") : 0);
	}
	if (strcmp(n, "rereg") == 0)
		return parse_u32(n, v, 1000000, &o->rereg);
	if (strcmp(n, "rekeys") == 0)
		return parse_u32(n, v, 1000000, &o->rekeys);
	if (strcmp(n, "dereg") == 0) {
		o->dereg = true;
		return 0;
	}
	if (strcmp(n, "sources") == 0) {
		error = parse_u32(n, v, MIPMN_LOAD_SOURCES_MAX, &o->sources);
		return error != 0 ? error : (o->sources == 0 ? bad(n, v, "at least 1") : 0);
	}
	if (strcmp(n, "first-index") == 0)
		return parse_u32(n, v, INT32_MAX, &o->first_index);
	return bad(n, v, "unknown option");
}

/* `name value` or `name = value` lines; # comments; the same names as the options. */
static int load_config(struct mipmn_opts *o, enum mipmn_opts_mode mode, const char *path)
{
	char line[1024];
	FILE *f = fopen(path, "re");
	int lineno = 0, error = 0;

	if (f == NULL)
		return bad("config", path, strerror(errno));
	while (error == 0 && fgets(line, sizeof(line), f) != NULL) {
		char *name, *value, *end;
		const struct opt_def *d;

		lineno++;
		end = strchr(line, '#');
		if (end != NULL)
			*end = '\0';
		name = line + strspn(line, " \t\r\n");
		if (*name == '\0')
			continue;
		value = name + strcspn(name, " \t=\r\n");
		if (*value != '\0')
			*value++ = '\0';
		value += strspn(value, " \t=");
		end = value + strlen(value);
		while (end > value && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ' ||
				       end[-1] == '\t'))
			*--end = '\0';
		d = find_opt(name, mode);
		if (d == NULL || strcmp(name, "config") == 0 || strcmp(name, "help") == 0) {
			fprintf(stderr, "mipmn: %s:%d: unknown setting '%s'\n", path, lineno, name);
			error = -EINVAL;
		} else if (d->has_arg && *value == '\0') {
			fprintf(stderr, "mipmn: %s:%d: '%s' needs a value\n", path, lineno, name);
			error = -EINVAL;
		} else {
			error = set_opt(o, mode, name, d->has_arg ? value : NULL);
		}
	}
	mip_wipe(line, sizeof(line));
	fclose(f);
	return error;
}

static int check_run(struct mipmn_opts *o)
{
	if (!o->have_nai)
		return bad("nai", NULL, "required");
	if (!o->have_credential)
		return bad("password-file", NULL, "required (or --nt-hash-file)");
	if (!o->have_ha)
		return bad("home-agent", NULL, "required");
	if (!o->have_home)
		return bad("home-address", NULL, "required (0.0.0.0 to have one assigned)");
	if (!o->have_coa)
		return bad("care-of", NULL, "required (or --care-of-if / --care-of-file)");
	return 0;
}

static int check_cfg(struct mipmn_opts *o)
{
	struct mipmn_params p;
	const char *why;

	mipmn_params_default(&p);
	p.nai = o->cfg.nai_len != 0 ? o->cfg.nai : "x@y";
	p.nai_len = o->cfg.nai_len != 0 ? o->cfg.nai_len : 3;
	p.spi1 = o->cfg.spi1;
	p.spi2 = o->cfg.single_key ? 0 : o->cfg.spi2;
	p.domain = o->cfg.domain;
	p.domain_len = o->cfg.domain_len;
	p.vendor_id = o->cfg.vendor_id;
	p.dynkey_spi = o->cfg.dynkey_spi;
	why = mipmn_params_check(&p);
	if (why != NULL) {
		fprintf(stderr, "mipmn: %s\n", why);
		return -EINVAL;
	}
	return 0;
}

int mipmn_opts_parse(struct mipmn_opts *o, enum mipmn_opts_mode mode, int argc, char **argv)
{
	struct option lopts[N_OPTS + 1];
	unsigned m = mode == MIPMN_OPTS_RUN ? RUN : LOAD;
	size_t k = 0;
	int c, idx, error;

	for (size_t i = 0; i < N_OPTS; i++) {
		if (!(opt_defs[i].modes & m))
			continue;
		lopts[k].name = opt_defs[i].name;
		lopts[k].has_arg = opt_defs[i].has_arg ? required_argument : no_argument;
		lopts[k].flag = NULL;
		lopts[k].val = 0;
		k++;
	}
	memset(&lopts[k], 0, sizeof(lopts[k]));
	optind = 1;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "h", lopts, &idx)) != -1) {
		if (c == 'h' || (c == 0 && strcmp(lopts[idx].name, "help") == 0)) {
			mipmn_opts_usage(mode, stdout);
			return 1;
		}
		if (c != 0) {
			mipmn_opts_usage(mode, stderr);
			return -EINVAL;
		}
		error = set_opt(o, mode, lopts[idx].name, optarg);
		if (error != 0)
			return error;
	}
	if (optind != argc) {
		fprintf(stderr, "mipmn: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (mode == MIPMN_OPTS_RUN) {
		error = check_run(o);
		if (error != 0)
			return error;
	} else {
		if (!o->have_credential)
			return bad("password-file", NULL, "required (or --nt-hash-file)");
		if (!o->have_ha)
			return bad("home-agent", NULL, "required");
		if (o->sources > 1 && o->bind_addr == 0)
			return bad("sources", NULL, "needs --bind ADDR:PORT (the first source address)");
	}
	return check_cfg(o);
}
