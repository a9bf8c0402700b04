/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dynamic-key keys of the HA configuration ([aaa]; [ha] home_pool,
 * dynamic_algorithms, key_continuation): every value read, and each mistake
 * gives exactly "file:line: [section] key: what is wrong". No EAL.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

static const char *const base =
	"[ha]\n"				/* 1 */
	"address = 10.1.0.1\n"			/* 2 */
	"home_prefix = 10.1.0.0/24\n"		/* 3 */
	"name = ha1\n"				/* 4 */
	"%s"					/* 5..: extra [ha] lines */
	"[port.net0]\n"
	"device = net_pcap0\n"
	"role = both\n"
	"gateway = 192.0.2.254\n"
	"%s";					/* extra sections */

static char dir[64], path[128], err[MIPHA_CFG_ERR_LEN];
static struct mipha_config *cfg;

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/mipha-dkcfg-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ha.ini", dir);
	err[0] = '\0';
	cfg = NULL;
}

static void teardown(void)
{
	mipha_config_free(cfg);
	unlink(path);
	rmdir(dir);
}

TestSuite(dkcfg, .init = setup, .fini = teardown, .timeout = 30);

static int load(const char *ha_extra, const char *tail)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	fprintf(f, base, ha_extra, tail);
	fclose(f);
	return mipha_config_load(path, &cfg, err, sizeof(err));
}

static void expect_error(const char *ha_extra, const char *tail, unsigned int line,
			 const char *what)
{
	char want[MIPHA_CFG_ERR_LEN];

	cr_assert_eq(load(ha_extra, tail), -1, "accepted a bad file");
	cr_assert_null(cfg);
	snprintf(want, sizeof(want), "%s:%u: %s", path, line, what);
	cr_assert_str_eq(err, want);
}

static uint32_t ip(const char *s)
{
	struct in_addr a;

	cr_assert_eq(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

#define AAA_OK "[aaa]\nserver = 127.0.0.1:18812\nsecret_file = /etc/mipha/radius.secret\n"

Test(dkcfg, defaults_without_aaa)
{
	cr_assert_eq(load("", ""), 0, "%s", err);
	cr_assert_eq(cfg->aaa.n_servers, 0, "no [aaa]: dynamic keys off");
	cr_assert_eq(cfg->ha.home_pool_first, 0);
	cr_assert_eq(cfg->ha.dynamic_algorithms, 1u << MIP_ALG_HMAC_MD5);
	cr_assert_eq(cfg->ha.key_continuation, 0);
}

Test(dkcfg, every_value)
{
	cr_assert_eq(load("home_pool = 10.1.0.100-10.1.0.199\n"
			  "dynamic_algorithms = hmac-md5,keyed-md5\n"
			  "key_continuation = 300\n",
			  "[aaa]\n"
			  "server = 127.0.0.1:18812\n"
			  "server.2 = 127.0.0.2:1812\n"
			  "secret_file = /etc/mipha/radius.secret\n"
			  "timeout_ms = 500\n"
			  "retries = 3\n"
			  "pending_max = 64\n"
			  "rate_nai = 2\n"
			  "burst_nai = 4\n"
			  "rate_src = 10\n"
			  "burst_src = 20\n"),
		     0, "%s", err);
	cr_assert_eq(cfg->ha.home_pool_first, ip("10.1.0.100"));
	cr_assert_eq(cfg->ha.home_pool_last, ip("10.1.0.199"));
	cr_assert_eq(cfg->ha.dynamic_algorithms,
		     (1u << MIP_ALG_HMAC_MD5) | (1u << MIP_ALG_KEYED_MD5));
	cr_assert_eq(cfg->ha.key_continuation, 300);
	cr_assert_eq(cfg->aaa.n_servers, 2);
	cr_assert_eq(cfg->aaa.servers[0].addr, ip("127.0.0.1"));
	cr_assert_eq(cfg->aaa.servers[0].port, 18812);
	cr_assert_eq(cfg->aaa.servers[1].addr, ip("127.0.0.2"));
	cr_assert_eq(cfg->aaa.servers[1].port, 1812);
	cr_assert_str_eq(cfg->aaa.secret_file, "/etc/mipha/radius.secret");
	cr_assert_eq(cfg->aaa.timeout_ms, 500);
	cr_assert_eq(cfg->aaa.retries, 3);
	cr_assert_eq(cfg->aaa.pending_max, 64);
	cr_assert_eq(cfg->aaa.rate_nai, 2);
	cr_assert_eq(cfg->aaa.burst_nai, 4);
	cr_assert_eq(cfg->aaa.rate_src, 10);
	cr_assert_eq(cfg->aaa.burst_src, 20);
}

Test(dkcfg, aaa_defaults)
{
	cr_assert_eq(load("", AAA_OK), 0, "%s", err);
	cr_assert_eq(cfg->aaa.n_servers, 1);
	cr_assert_eq(cfg->aaa.timeout_ms, MIPHA_DEFAULT_AAA_TIMEOUT_MS);
	cr_assert_eq(cfg->aaa.retries, MIPHA_DEFAULT_AAA_RETRIES);
	cr_assert_eq(cfg->aaa.pending_max, MIPHA_DEFAULT_PENDING_MAX);
	cr_assert_eq(cfg->aaa.rate_nai, MIPHA_DEFAULT_RATE_NAI);
	cr_assert_eq(cfg->aaa.rate_src, MIPHA_DEFAULT_RATE_SRC);
}

Test(dkcfg, ha_key_errors)
{
	expect_error("home_pool = 10.1.0.100\n", "", 5,
		     "[ha] home_pool: '10.1.0.100' is not FIRST-LAST");
	expect_error("home_pool = 10.1.0.200-10.1.0.100\n", "", 5,
		     "[ha] home_pool: '10.1.0.200-10.1.0.100': FIRST is above LAST");
	expect_error("home_pool = 10.2.0.1-10.2.0.9\n", "", 5,
		     "[ha] home_pool: not inside home_prefix");
	expect_error("home_pool = 10.1.0.1-10.1.0.9\n", "", 5,
		     "[ha] home_pool: holds the HA's own address");
	expect_error("dynamic_algorithms = sha1\n", "", 5,
		     "[ha] dynamic_algorithms: 'sha1' is not a list of hmac-md5, keyed-md5");
	expect_error("dynamic_algorithms = hmac-md5,\n", "", 5,
		     "[ha] dynamic_algorithms: 'hmac-md5,' is not a list of hmac-md5, keyed-md5");
	expect_error("key_continuation = 100000\n", "", 5,
		     "[ha] key_continuation: '100000' is out of range 0..86400");
}

Test(dkcfg, aaa_errors)
{
	/* [aaa] starts at line 9. */
	expect_error("", "[aaa]\nsecret_file = /x\n", 9, "[aaa]: missing key 'server'");
	expect_error("", "[aaa]\nserver = 127.0.0.1:18812\n", 9,
		     "[aaa]: missing key 'secret_file'");
	expect_error("", "[aaa]\nserver = localhost:1812\nsecret_file = /x\n", 10,
		     "[aaa] server: 'localhost:1812' is not [tls://]ADDRESS:PORT (numeric IPv4, port "
		     "1-65535)");
	expect_error("", "[aaa]\nserver = 127.0.0.1:0\nsecret_file = /x\n", 10,
		     "[aaa] server: '127.0.0.1:0' is not [tls://]ADDRESS:PORT (numeric IPv4, port "
		     "1-65535)");
	expect_error("", "[aaa]\nserver = 127.0.0.1:1812\nserver.3 = 127.0.0.1:1813\n"
		     "secret_file = /x\n", 11, "[aaa] server.3: without server.2 before it");
	expect_error("", AAA_OK "pending_max = 0\n", 12,
		     "[aaa] pending_max: '0' is out of range 1..1048576");
	expect_error("", AAA_OK "rate = 3\n", 12, "[aaa] rate: unknown key");
}

/* Disconnect-Requests (RFC 5176): dae_listen and its companions. */
Test(dkcfg, aaa_dae)
{
	cr_assert_eq(load("", AAA_OK), 0, "%s", err);
	cr_assert_eq(cfg->aaa.dae_listen.port, 0, "off by default");
	cr_assert_eq(cfg->aaa.dae_window, 300);
	mipha_config_free(cfg);
	cfg = NULL;
	cr_assert_eq(load("", AAA_OK "dae_listen = 127.0.0.1:3799\n"
			  "dae_clients = 127.0.0.1, 192.0.2.7,10.9.9.9\n"
			  "dae_window = 60\n"), 0, "%s", err);
	cr_assert_eq(cfg->aaa.dae_listen.addr, ip("127.0.0.1"));
	cr_assert_eq(cfg->aaa.dae_listen.port, 3799);
	cr_assert_eq(cfg->aaa.n_dae_clients, 3);
	cr_assert_eq(cfg->aaa.dae_clients[0], ip("127.0.0.1"));
	cr_assert_eq(cfg->aaa.dae_clients[1], ip("192.0.2.7"));
	cr_assert_eq(cfg->aaa.dae_clients[2], ip("10.9.9.9"));
	cr_assert_eq(cfg->aaa.dae_window, 60);
	cr_assert_str_eq(cfg->aaa.dae_secret_file, "", "secret_file is used");
	mipha_config_free(cfg);
	cfg = NULL;

	expect_error("", AAA_OK "dae_clients = 127.0.0.1\n", 12,
		     "[aaa] dae_clients: without dae_listen");
	expect_error("", AAA_OK "dae_listen = tls://127.0.0.1:3799\n", 12,
		     "[aaa] dae_listen: Disconnect-Requests come over UDP: no tls://");
	expect_error("", AAA_OK "dae_listen = 127.0.0.1\n", 12,
		     "[aaa] dae_listen: '127.0.0.1' is not [tls://]ADDRESS:PORT (numeric IPv4, "
		     "port 1-65535)");
	expect_error("", AAA_OK "dae_listen = 127.0.0.1:3799\ndae_clients = 127.0.0.1, nas\n", 13,
		     "[aaa] dae_clients: '127.0.0.1, nas' is not a list of 1-8 numeric IPv4 "
		     "addresses");
	expect_error("", AAA_OK "dae_listen = 127.0.0.1:3799\ndae_clients = 1.1.1.1,1.1.1.2,"
		     "1.1.1.3,1.1.1.4,1.1.1.5,1.1.1.6,1.1.1.7,1.1.1.8,1.1.1.9\n", 13,
		     "[aaa] dae_clients: '1.1.1.1,1.1.1.2,1.1.1.3,1.1.1.4,1.1.1.5,1.1.1.6,1.1.1.7,"
		     "1.1.1.8,1.1.1.9' is not a list of 1-8 numeric IPv4 addresses");
	expect_error("", AAA_OK "dae_listen = 127.0.0.1:3799\ndae_window = 0\n", 13,
		     "[aaa] dae_window: '0' is out of range 1..3600");
	expect_error("", AAA_OK "dae_listen = 127.0.0.1:3799\n"
		     "dae_secret_file = /nonexistent/dae.secret\n", 13,
		     "[aaa] dae_secret_file: cannot read '/nonexistent/dae.secret': No such file "
		     "or directory");
}

/* RADIUS over TLS (RFC 6614): tls:// servers, their CA, and the keys' pairing. */
Test(dkcfg, aaa_tls)
{
	/* a readable file stands for the PEM files: the loader only checks access */
	const char *pem = "/etc/passwd";

	/* tls:// alone needs no secret file ("radsec"), but a CA */
	cr_assert_eq(load("", "[aaa]\nserver = tls://127.0.0.1:2083\ntls_ca_file = /etc/passwd\n"),
		     0, "%s", err);
	cr_assert(cfg->aaa.servers[0].tls);
	cr_assert_eq(cfg->aaa.servers[0].port, 2083);
	cr_assert_str_eq(cfg->aaa.tls_ca_file, pem);
	mipha_config_free(cfg);
	cfg = NULL;
	/* mixed with a UDP server: udp:// is the default, spelled or not */
	cr_assert_eq(load("", "[aaa]\nserver = udp://127.0.0.1:1812\nserver.2 = tls://127.0.0.2:2083\n"
			  "secret_file = /x\ntls_ca_file = /etc/passwd\n"
			  "tls_server_name = radius.example.net\n"),
		     0, "%s", err);
	cr_assert(!cfg->aaa.servers[0].tls);
	cr_assert(cfg->aaa.servers[1].tls);
	cr_assert_str_eq(cfg->aaa.tls_server_name, "radius.example.net");
	cr_assert_str_eq(cfg->aaa.tls_crl_file, "", "no CRL unless configured");
	mipha_config_free(cfg);
	cfg = NULL;
	cr_assert_eq(load("", "[aaa]\nserver = tls://127.0.0.1:2083\ntls_ca_file = /etc/passwd\n"
			  "tls_crl_file = /etc/passwd\n"),
		     0, "%s", err);
	cr_assert_str_eq(cfg->aaa.tls_crl_file, pem);
	mipha_config_free(cfg);
	cfg = NULL;

	expect_error("", "[aaa]\nserver = tls://127.0.0.1:2083\n", 10,
		     "[aaa] server: tls:// needs tls_ca_file (the CA of the AAA servers' "
		     "certificates)");
	expect_error("", AAA_OK "tls_ca_file = /etc/passwd\n", 12,
		     "[aaa] tls_ca_file: without a tls:// server");
	expect_error("", AAA_OK "tls_crl_file = /etc/passwd\n", 12,
		     "[aaa] tls_crl_file: without a tls:// server");
	expect_error("", "[aaa]\nserver = tls://127.0.0.1:2083\ntls_ca_file = /etc/passwd\n"
		     "tls_crl_file = /nonexistent-crl.pem\n", 12,
		     "[aaa] tls_crl_file: cannot read '/nonexistent-crl.pem': No such file or "
		     "directory");
	expect_error("", "[aaa]\nserver = tls://127.0.0.1:2083\ntls_ca_file = /nonexistent.pem\n", 11,
		     "[aaa] tls_ca_file: cannot read '/nonexistent.pem': No such file or directory");
	expect_error("", "[aaa]\nserver = tls://127.0.0.1:2083\ntls_ca_file = /etc/passwd\n"
		     "tls_key_file = /etc/passwd\n", 12,
		     "[aaa] tls_key_file: without tls_cert_file");
	expect_error("", "[aaa]\nserver = tls://127.0.0.1:2083\nserver.2 = 127.0.0.1:1812\n"
		     "tls_ca_file = /etc/passwd\n", 9, "[aaa]: missing key 'secret_file'");
}

/* tls_server_name.N: the name of server.N's certificate, instead of tls_server_name. */
Test(dkcfg, aaa_tls_server_name_per_server)
{
	cr_assert_eq(load("", "[aaa]\nserver = tls://127.0.0.1:2083\nserver.2 = tls://127.0.0.2:2083\n"
			  "server.3 = tls://127.0.0.3:2083\ntls_ca_file = /etc/passwd\n"
			  "tls_server_name = radius1.example.net\n"
			  "tls_server_name.3 = radius3.example.net\n"),
		     0, "%s", err);
	cr_assert_str_eq(cfg->aaa.tls_server_name, "radius1.example.net");
	cr_assert_str_eq(cfg->aaa.servers[0].tls_server_name, "");
	cr_assert_str_eq(cfg->aaa.servers[1].tls_server_name, "", "server.2: the default");
	cr_assert_str_eq(cfg->aaa.servers[2].tls_server_name, "radius3.example.net");
	mipha_config_free(cfg);
	cfg = NULL;

	expect_error("", "[aaa]\nserver = tls://127.0.0.1:2083\ntls_ca_file = /etc/passwd\n"
		     "tls_server_name.2 = radius2.example.net\n", 12,
		     "[aaa] tls_server_name.2: without server.2");
	expect_error("", "[aaa]\nserver = tls://127.0.0.1:2083\nserver.2 = 127.0.0.1:1812\n"
		     "secret_file = /x\ntls_ca_file = /etc/passwd\n"
		     "tls_server_name.2 = radius2.example.net\n", 14,
		     "[aaa] tls_server_name.2: server.2 is not tls://");
	expect_error("", "[aaa]\nserver = tls://127.0.0.1:2083\nserver.2 = tls://127.0.0.2:2083\n"
		     "tls_ca_file = /etc/passwd\ntls_server_name.2 = radius_2.example.net\n", 13,
		     "[aaa] tls_server_name.2: 'radius_2.example.net' is not a DNS name");
}

Test(dkcfg, static_sa_inside_the_pool)
{
	expect_error("home_pool = 10.1.0.100-10.1.0.199\n",
		     "[sa.mn1]\nhome_address = 10.1.0.150\nspi = 4097\n"
		     "key = 000102030405060708090a0b0c0d0e0f\n",
		     11, "[sa.mn1] home_address: inside [ha] home_pool (dynamic MNs get those)");
}
