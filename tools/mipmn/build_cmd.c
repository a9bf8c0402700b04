/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `mipmn build ...`: the deterministic packet builder (docs/mipmn-build.md).
 * Every input that a live MN would draw from the clock or the random
 * generator is an argument, so the spec's vectors can be reproduced byte for
 * byte. Argument errors exit 2 with one line naming the option; a reply that
 * fails its check exits 1 with one line saying why.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build_cmd.h"
#include "mip.h"
#include "mn_msg.h"

#define EXIT_CHECK_FAILED 1
#define EXIT_USAGE 2

/* RFC 2759: at most 256 Unicode characters, so at most 1024 bytes of UTF-8. */
#define PASSWORD_MAX 1024
#define MSG_MAX 4096

/* name, takes a value */
#define BUILD_OPTIONS(X)                          \
	X(OPT_NAI, "nai", true)                   \
	X(OPT_PASSWORD, "password", true)         \
	X(OPT_PASSWORD_FILE, "password-file", true) \
	X(OPT_NT_HASH, "nt-hash", true)           \
	X(OPT_HOME_ADDRESS, "home-address", true) \
	X(OPT_HOME_AGENT, "home-agent", true)     \
	X(OPT_CARE_OF, "care-of", true)           \
	X(OPT_IDENTIFICATION, "identification", true) \
	X(OPT_CHALLENGE, "challenge", true)       \
	X(OPT_SPI1, "spi1", true)                 \
	X(OPT_SPI2, "spi2", true)                 \
	X(OPT_SPI, "spi", true)                   \
	X(OPT_KEY, "key", true)                   \
	X(OPT_LIFETIME, "lifetime", true)         \
	X(OPT_FLAGS, "flags", true)               \
	X(OPT_DOMAIN, "domain", true)             \
	X(OPT_ALG, "alg", true)                   \
	X(OPT_VENDOR_ID, "vendor-id", true)       \
	X(OPT_DYNKEY_SPI, "dynkey-spi", true)     \
	X(OPT_REQUEST, "request", true)           \
	X(OPT_REPLY, "reply", true)               \
	X(OPT_SHOW_KEYS, "show-keys", false)

enum build_opt {
#define OPT_ENUM(id, name, value) id,
	BUILD_OPTIONS(OPT_ENUM)
#undef OPT_ENUM
	OPT__COUNT
};

struct opt_def {
	const char *name;
	bool takes_value;
};

static const struct opt_def opt_defs[OPT__COUNT] = {
#define OPT_DEF(id, name, value) [id] = { name, value },
	BUILD_OPTIONS(OPT_DEF)
#undef OPT_DEF
};

#define BIT(o) (1u << (o))
#define SECRET_OPTS (BIT(OPT_PASSWORD) | BIT(OPT_PASSWORD_FILE) | BIT(OPT_NT_HASH))
#define ADDR_OPTS (BIT(OPT_HOME_ADDRESS) | BIT(OPT_HOME_AGENT) | BIT(OPT_CARE_OF))

/* The parsed command line: one value per option (NULL when absent). */
struct cli {
	const char *sub;
	char *val[OPT__COUNT];
};

static int usage_error(const char *opt, const char *what)
{
	if (opt != NULL)
		fprintf(stderr, "mipmn build: --%s: %s\n", opt, what);
	else
		fprintf(stderr, "mipmn build: %s\n", what);
	return EXIT_USAGE;
}

static int opt_error(int o, const char *what)
{
	return usage_error(opt_defs[o].name, what);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mipmn build initial --nai NAI (--password PW | --password-file PATH | --nt-hash HEX32)\n"
		"         --home-address A --home-agent A --care-of A --identification HEX16\n"
		"         --challenge HEX32 --spi1 N [--spi2 N] --lifetime N [--domain D]\n"
		"         [--alg hmac-md5|keyed-md5] [--flags N] [--vendor-id N] [--dynkey-spi N]\n"
		"       mipmn build check-reply --nai NAI (--password PW | --password-file PATH | --nt-hash HEX32)\n"
		"         --request HEX --reply HEX [--show-keys] [--vendor-id N] [--dynkey-spi N]\n"
		"       mipmn build check-reply --key HEX32 [--alg A] --request HEX --reply HEX [--show-keys]\n"
		"       mipmn build rereg --nai NAI --home-address A --home-agent A --care-of A\n"
		"         --identification HEX16 --lifetime N --spi N --key HEX32 [--alg A] [--flags N]\n"
		"       mipmn build rekey --nai NAI --home-address A --home-agent A --care-of A\n"
		"         --identification HEX16 --lifetime N --spi1 N --key HEX32 --spi2 N [--alg A]\n"
		"         [--flags N] [--vendor-id N]\n");
}

static int find_opt(const char *name, size_t len)
{
	for (int o = 0; o < OPT__COUNT; o++) {
		if (strlen(opt_defs[o].name) == len && strncmp(opt_defs[o].name, name, len) == 0)
			return o;
	}
	return -1;
}

/* --name VALUE, --name=VALUE or --flag; each option at most once. */
static int parse_args(int argc, char **argv, struct cli *c)
{
	for (int i = 2; i < argc; i++) {
		const char *arg = argv[i];
		const char *eq;
		size_t len;
		int o;

		if (strncmp(arg, "--", 2) != 0)
			return usage_error(NULL, "unexpected argument (options start with --)");
		arg += 2;
		eq = strchr(arg, '=');
		len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
		o = find_opt(arg, len);
		if (o < 0) {
			fprintf(stderr, "mipmn build: --%.*s: unknown option\n", (int)len, arg);
			return EXIT_USAGE;
		}
		if (c->val[o] != NULL)
			return opt_error(o, "given twice");
		if (!opt_defs[o].takes_value) {
			if (eq != NULL)
				return opt_error(o, "takes no value");
			c->val[o] = argv[i];
			continue;
		}
		if (eq != NULL) {
			c->val[o] = (char *)eq + 1;
			continue;
		}
		if (i + 1 >= argc)
			return opt_error(o, "needs a value");
		c->val[o] = argv[++i];
	}
	return 0;
}

/* Each subcommand names what it needs and what it allows. */
static int check_opts(const struct cli *c, uint32_t required, uint32_t allowed)
{
	for (int o = 0; o < OPT__COUNT; o++) {
		if (c->val[o] != NULL && (allowed & BIT(o)) == 0) {
			fprintf(stderr, "mipmn build: --%s: not an option of '%s'\n",
				opt_defs[o].name, c->sub);
			return EXIT_USAGE;
		}
	}
	for (int o = 0; o < OPT__COUNT; o++) {
		if ((required & BIT(o)) != 0 && c->val[o] == NULL)
			return opt_error(o, "missing");
	}
	return 0;
}

/* Decimal or 0x hex, no sign, no trailing text, at most max. */
static int parse_uint(const struct cli *c, enum build_opt o, uint64_t max, uint64_t *out)
{
	const char *s = c->val[o];
	int base = 10;
	char *end;
	unsigned long long v;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (*s == '\0' || !(base == 16 ? isxdigit((unsigned char)*s) : (*s >= '0' && *s <= '9')))
		return opt_error(o, "not a number (decimal or 0x hex)");
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno != 0 || *end != '\0')
		return opt_error(o, "not a number (decimal or 0x hex)");
	if (v > max)
		return opt_error(o, "out of range");
	*out = v;
	return 0;
}

static int parse_u32(const struct cli *c, enum build_opt o, uint32_t *out)
{
	uint64_t v;
	int error = parse_uint(c, o, UINT32_MAX, &v);

	if (error == 0)
		*out = (uint32_t)v;
	return error;
}

static int parse_addr(const struct cli *c, enum build_opt o, uint32_t *out)
{
	if (mip_parse_ipv4(c->val[o], out) != 0)
		return opt_error(o, "not a dotted-quad IPv4 address");
	return 0;
}

/* A secret given on the command line is wiped there once read (it also leaves /proc/PID/cmdline). */
static void wipe_arg(struct cli *c, enum build_opt o)
{
	if (c->val[o] != NULL)
		mip_wipe(c->val[o], strlen(c->val[o]));
}

static int parse_key(struct cli *c, enum build_opt o, struct mip_key *key)
{
	int error = mip_key_from_hex(c->val[o], key);

	wipe_arg(c, o);
	if (error != 0)
		return opt_error(o, "needs exactly 32 hex digits");
	return 0;
}

static int parse_alg(const struct cli *c, enum mip_alg *alg)
{
	const char *s = c->val[OPT_ALG];

	if (s == NULL)
		return 0;
	if (strcmp(s, "hmac-md5") == 0)
		*alg = MIP_ALG_HMAC_MD5;
	else if (strcmp(s, "keyed-md5") == 0)
		*alg = MIP_ALG_KEYED_MD5;
	else
		return opt_error(OPT_ALG, "must be hmac-md5 or keyed-md5");
	return 0;
}

/* Reads the file into buf (cap bytes); one trailing newline is not part of the password. */
static int file_error(const char *path, int err)
{
	fprintf(stderr, "mipmn build: --password-file: %s: %s\n", path, strerror(err));
	return EXIT_USAGE;
}

static int read_password_file(const char *path, char *buf, size_t cap, size_t *len)
{
	size_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return file_error(path, errno);
	while (n < cap) {
		ssize_t r = read(fd, buf + n, cap - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int saved = errno;

			close(fd);
			return file_error(path, saved);
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n == cap)
		return opt_error(OPT_PASSWORD_FILE, "password longer than 1024 bytes");
	*len = n;
	return 0;
}

static int hash_password(enum build_opt o, const char *pw, size_t len, struct mip_key *nt)
{
	if (len == 0)
		return opt_error(o, "empty password");
	if (mip_nt_password_hash(pw, len, nt) != 0)
		return opt_error(o, "password is not valid UTF-8 or longer than 256 characters");
	return 0;
}

/* The NT hash from exactly one of --password, --password-file, --nt-hash. */
static int load_nt_hash(struct cli *c, struct mip_key *nt)
{
	char buf[PASSWORD_MAX + 2];
	size_t len = 0;
	int given = 0;
	int error;

	for (int o = 0; o < OPT__COUNT; o++)
		given += (SECRET_OPTS & BIT(o)) != 0 && c->val[o] != NULL;
	if (given != 1) {
		wipe_arg(c, OPT_PASSWORD);
		wipe_arg(c, OPT_NT_HASH);
		return usage_error(NULL, given == 0 ?
			"--password: missing (or --password-file or --nt-hash)" :
			"--password: give only one of --password, --password-file, --nt-hash");
	}
	if (c->val[OPT_NT_HASH] != NULL)
		return parse_key(c, OPT_NT_HASH, nt);
	if (c->val[OPT_PASSWORD] != NULL) {
		error = hash_password(OPT_PASSWORD, c->val[OPT_PASSWORD],
				      strlen(c->val[OPT_PASSWORD]), nt);
		wipe_arg(c, OPT_PASSWORD);
		return error;
	}
	/* cap PASSWORD_MAX + 1: a longer file is detected, a trailing newline still fits. */
	error = read_password_file(c->val[OPT_PASSWORD_FILE], buf, PASSWORD_MAX + 1, &len);
	if (error == 0)
		error = hash_password(OPT_PASSWORD_FILE, buf, len, nt);
	mip_wipe(buf, sizeof(buf));
	return error;
}

static int parse_nai(const struct cli *c, struct mipmn_params *p)
{
	p->nai = c->val[OPT_NAI];
	p->nai_len = strlen(p->nai);
	if (p->nai_len == 0 || p->nai_len > MIP_NAI_MAX)
		return opt_error(OPT_NAI, "must be 1-255 bytes");
	return 0;
}

/* What every RRQ has: NAI, addresses, Identification, lifetime, flags, algorithm, vendor. */
static int parse_rrq_common(const struct cli *c, struct mipmn_params *p)
{
	uint64_t v;
	int error;

	mipmn_params_default(p);
	error = parse_nai(c, p);
	if (error == 0)
		error = parse_addr(c, OPT_HOME_ADDRESS, &p->home_addr);
	if (error == 0)
		error = parse_addr(c, OPT_HOME_AGENT, &p->ha_addr);
	if (error == 0)
		error = parse_addr(c, OPT_CARE_OF, &p->coa);
	if (error == 0 && mip_ident_from_hex(c->val[OPT_IDENTIFICATION], &p->ident) != 0)
		error = opt_error(OPT_IDENTIFICATION, "needs exactly 16 hex digits");
	if (error == 0)
		error = parse_uint(c, OPT_LIFETIME, UINT16_MAX, &v);
	if (error == 0)
		p->lifetime = (uint16_t)v;
	if (error == 0 && c->val[OPT_FLAGS] != NULL) {
		error = parse_uint(c, OPT_FLAGS, UINT8_MAX, &v);
		p->flags = (uint8_t)v;
	}
	if (error == 0)
		error = parse_alg(c, &p->alg);
	if (error == 0 && c->val[OPT_VENDOR_ID] != NULL)
		error = parse_u32(c, OPT_VENDOR_ID, &p->vendor_id);
	if (error == 0 && c->val[OPT_DYNKEY_SPI] != NULL)
		error = parse_u32(c, OPT_DYNKEY_SPI, &p->dynkey_spi);
	return error;
}

static int print_msg(long len, const uint8_t *buf)
{
	char hex[2 * MIPMN_RRQ_MAX + 1];

	if (len < 0 || (size_t)len > MIPMN_RRQ_MAX)
		return usage_error(NULL, "message does not fit (NAI or domain too long?)");
	mip_hex_encode(buf, (size_t)len, hex);
	printf("%s\n", hex);
	return 0;
}

#define INITIAL_REQUIRED (BIT(OPT_NAI) | ADDR_OPTS | BIT(OPT_IDENTIFICATION) | \
			  BIT(OPT_CHALLENGE) | BIT(OPT_SPI1) | BIT(OPT_LIFETIME))
#define INITIAL_ALLOWED (INITIAL_REQUIRED | SECRET_OPTS | BIT(OPT_SPI2) | BIT(OPT_DOMAIN) | \
			 BIT(OPT_ALG) | BIT(OPT_FLAGS) | BIT(OPT_VENDOR_ID) | \
			 BIT(OPT_DYNKEY_SPI))

static int parse_initial(struct cli *c, struct mipmn_params *p)
{
	int error = parse_rrq_common(c, p);

	if (error == 0 && (mip_hex_decode(c->val[OPT_CHALLENGE], p->challenge,
					  sizeof(p->challenge)) != MIP_AUTH_CHALLENGE_LEN ||
			   strlen(c->val[OPT_CHALLENGE]) != 2 * MIP_AUTH_CHALLENGE_LEN))
		error = opt_error(OPT_CHALLENGE, "needs exactly 32 hex digits");
	if (error == 0)
		error = parse_u32(c, OPT_SPI1, &p->spi1);
	if (error == 0 && c->val[OPT_SPI2] != NULL)
		error = parse_u32(c, OPT_SPI2, &p->spi2);
	if (error == 0 && c->val[OPT_DOMAIN] != NULL) {
		p->domain = c->val[OPT_DOMAIN];
		p->domain_len = strlen(p->domain);
		if (p->domain_len == 0 || p->domain_len > MIP_DOMAIN_MAX)
			error = opt_error(OPT_DOMAIN, "must be 1-253 bytes");
	}
	return error;
}

static int cmd_initial(struct cli *c)
{
	struct mipmn_params p;
	uint8_t buf[MIPMN_RRQ_MAX];
	int error;

	error = check_opts(c, INITIAL_REQUIRED, INITIAL_ALLOWED);
	if (error == 0)
		error = parse_initial(c, &p);
	if (error == 0)
		error = load_nt_hash(c, &p.nt_hash);
	if (error == 0)
		error = print_msg(mipmn_build_initial(&p, buf, sizeof(buf)), buf);
	wipe_arg(c, OPT_PASSWORD);
	wipe_arg(c, OPT_NT_HASH);
	mip_wipe(&p.nt_hash, sizeof(p.nt_hash));
	return error;
}

#define REREG_REQUIRED (BIT(OPT_NAI) | ADDR_OPTS | BIT(OPT_IDENTIFICATION) | \
			BIT(OPT_LIFETIME) | BIT(OPT_SPI) | BIT(OPT_KEY))
#define REREG_ALLOWED (REREG_REQUIRED | BIT(OPT_ALG) | BIT(OPT_FLAGS))

static int cmd_rereg(struct cli *c)
{
	struct mipmn_params p;
	struct mip_key key = { { 0 } };
	uint8_t buf[MIPMN_RRQ_MAX];
	uint32_t spi = 0;
	int error;

	error = check_opts(c, REREG_REQUIRED, REREG_ALLOWED);
	if (error == 0)
		error = parse_rrq_common(c, &p);
	if (error == 0)
		error = parse_u32(c, OPT_SPI, &spi);
	if (error == 0)
		error = parse_key(c, OPT_KEY, &key);
	if (error == 0)
		error = print_msg(mipmn_build_rereg(&p, spi, &key, buf, sizeof(buf)), buf);
	wipe_arg(c, OPT_KEY);
	mip_wipe(&key, sizeof(key));
	return error;
}

#define REKEY_REQUIRED (BIT(OPT_NAI) | ADDR_OPTS | BIT(OPT_IDENTIFICATION) | \
			BIT(OPT_LIFETIME) | BIT(OPT_SPI1) | BIT(OPT_SPI2) | BIT(OPT_KEY))
#define REKEY_ALLOWED (REKEY_REQUIRED | BIT(OPT_ALG) | BIT(OPT_FLAGS) | BIT(OPT_VENDOR_ID))

static int cmd_rekey(struct cli *c)
{
	struct mipmn_params p;
	struct mip_key skey = { { 0 } };
	uint8_t buf[MIPMN_RRQ_MAX];
	int error;

	error = check_opts(c, REKEY_REQUIRED, REKEY_ALLOWED);
	if (error == 0)
		error = parse_rrq_common(c, &p);
	if (error == 0)
		error = parse_u32(c, OPT_SPI1, &p.spi1);
	if (error == 0)
		error = parse_u32(c, OPT_SPI2, &p.spi2);
	if (error == 0 && p.spi2 == 0)
		error = opt_error(OPT_SPI2, "must not be 0 (a rekey asks for a new Skey')");
	if (error == 0)
		error = parse_key(c, OPT_KEY, &skey);
	if (error == 0)
		error = print_msg(mipmn_build_rekey(&p, &skey, buf, sizeof(buf)), buf);
	wipe_arg(c, OPT_KEY);
	mip_wipe(&skey, sizeof(skey));
	return error;
}

static int parse_msg_hex(const struct cli *c, enum build_opt o, uint8_t *buf, size_t *len)
{
	long n = mip_hex_decode(c->val[o], buf, MSG_MAX);

	if (n == -ENOSPC)
		return opt_error(o, "message longer than 4096 bytes");
	if (n <= 0)
		return opt_error(o, "needs an even number of hex digits");
	*len = (size_t)n;
	return 0;
}

static void print_key(const char *name, const struct mip_key *key)
{
	char hex[2 * MIP_KEY_LEN + 1];

	mip_hex_encode(key->b, sizeof(key->b), hex);
	printf("%s=%s\n", name, hex);
	mip_wipe(hex, sizeof(hex));
}

/* One line on stdout for the outcome; keys only on success and only when asked. */
static int report_check(enum mipmn_reason r, const struct mipmn_reply *out, bool show_keys)
{
	switch (r) {
	case MIPMN_R_OK:
		printf("ok\n");
		if (show_keys && out->has_skey)
			print_key("skey", &out->skey);
		if (show_keys && out->has_skey2)
			print_key("skey2", &out->skey2);
		return 0;
	case MIPMN_R_BAD_REQUEST:
		if (out->parse_err != MIP_OK)
			fprintf(stderr, "mipmn build: --request: %s: %s\n", mipmn_reason_str(r),
				mip_err_str(out->parse_err));
		else
			fprintf(stderr, "mipmn build: --request: %s\n", mipmn_reason_str(r));
		return EXIT_USAGE;
	case MIPMN_R_MALFORMED:
		printf("%s: %s\n", mipmn_reason_str(r), mip_err_str(out->parse_err));
		return EXIT_CHECK_FAILED;
	case MIPMN_R_DENIED:
		printf("denied %u\n", out->code);
		return EXIT_CHECK_FAILED;
	case MIPMN_R_DENIED_AUTH:
		printf("denied %u (authenticated)\n", out->code);
		return EXIT_CHECK_FAILED;
	default:
		printf("%s\n", mipmn_reason_str(r));
		return EXIT_CHECK_FAILED;
	}
}

#define CHECK_REQUIRED (BIT(OPT_REQUEST) | BIT(OPT_REPLY))
#define CHECK_ALLOWED (CHECK_REQUIRED | BIT(OPT_SHOW_KEYS) | BIT(OPT_VENDOR_ID) | \
		       BIT(OPT_DYNKEY_SPI))
#define CHECK_INITIAL_REQUIRED (CHECK_REQUIRED | BIT(OPT_NAI))
#define CHECK_INITIAL_ALLOWED (CHECK_ALLOWED | BIT(OPT_NAI) | SECRET_OPTS)
#define CHECK_KEYED_REQUIRED (CHECK_REQUIRED | BIT(OPT_KEY))
#define CHECK_KEYED_ALLOWED (CHECK_ALLOWED | BIT(OPT_KEY) | BIT(OPT_ALG))

static int parse_check_common(const struct cli *c, struct mip_parse_cfg *cfg, uint8_t *req,
			      size_t *req_len, uint8_t *rep, size_t *rep_len)
{
	int error;

	mip_parse_cfg_default(cfg);
	error = parse_msg_hex(c, OPT_REQUEST, req, req_len);
	if (error == 0)
		error = parse_msg_hex(c, OPT_REPLY, rep, rep_len);
	if (error == 0 && c->val[OPT_VENDOR_ID] != NULL)
		error = parse_u32(c, OPT_VENDOR_ID, &cfg->vendor_id);
	if (error == 0 && c->val[OPT_DYNKEY_SPI] != NULL)
		error = parse_u32(c, OPT_DYNKEY_SPI, &cfg->dynkey_spi);
	return error;
}

/*
 * check-reply: with a password (or NT hash) the reply to an initial RRQ;
 * with --key the reply to a re-registration, deregistration or rekey.
 */
static int cmd_check_reply(struct cli *c)
{
	static uint8_t req[MSG_MAX], rep[MSG_MAX];
	struct mip_parse_cfg cfg;
	struct mipmn_reply out;
	struct mip_key key = { { 0 } };
	enum mip_alg alg = MIP_ALG_HMAC_MD5;
	size_t req_len = 0, rep_len = 0;
	bool keyed = c->val[OPT_KEY] != NULL;
	enum mipmn_reason r;
	int error;

	memset(&out, 0, sizeof(out));
	if (keyed)
		error = check_opts(c, CHECK_KEYED_REQUIRED, CHECK_KEYED_ALLOWED);
	else
		error = check_opts(c, CHECK_INITIAL_REQUIRED, CHECK_INITIAL_ALLOWED);
	if (error == 0)
		error = parse_check_common(c, &cfg, req, &req_len, rep, &rep_len);
	if (error == 0 && keyed)
		error = parse_alg(c, &alg);
	if (error == 0)
		error = keyed ? parse_key(c, OPT_KEY, &key) : load_nt_hash(c, &key);
	if (error == 0) {
		if (keyed)
			r = mipmn_check_reply(req, req_len, rep, rep_len, &key, alg, &cfg, &out);
		else
			r = mipmn_check_initial_reply(req, req_len, rep, rep_len, c->val[OPT_NAI],
						      strlen(c->val[OPT_NAI]), &key, &cfg, &out);
		error = report_check(r, &out, c->val[OPT_SHOW_KEYS] != NULL);
	}
	wipe_arg(c, OPT_PASSWORD);
	wipe_arg(c, OPT_NT_HASH);
	wipe_arg(c, OPT_KEY);
	mip_wipe(&key, sizeof(key));
	mipmn_reply_wipe(&out);
	return error;
}

int mipmn_build_main(int argc, char **argv)
{
	struct cli c;
	int error;

	memset(&c, 0, sizeof(c));
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	c.sub = argv[1];
	if (strcmp(c.sub, "--help") == 0 || strcmp(c.sub, "-h") == 0) {
		usage(stdout);
		return 0;
	}
	error = parse_args(argc, argv, &c);
	if (error == 0) {
		if (strcmp(c.sub, "initial") == 0)
			error = cmd_initial(&c);
		else if (strcmp(c.sub, "check-reply") == 0)
			error = cmd_check_reply(&c);
		else if (strcmp(c.sub, "rereg") == 0)
			error = cmd_rereg(&c);
		else if (strcmp(c.sub, "rekey") == 0)
			error = cmd_rekey(&c);
		else
			error = usage_error(NULL, "unknown subcommand (initial, check-reply, rereg, rekey)");
	}
	/* An early argument error must not leave a secret in argv either. */
	wipe_arg(&c, OPT_PASSWORD);
	wipe_arg(&c, OPT_NT_HASH);
	wipe_arg(&c, OPT_KEY);
	fflush(stdout);
	return error;
}
