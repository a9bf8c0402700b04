/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration parser (control/config.c): a good file gives every value,
 * and each mistake gives exactly "file:line: [section] key: what is wrong".
 * No EAL: rte_cfgfile needs none.
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "mip_secret.h"

/* The good file; tests replace, delete or append lines (1-based). */
static const char *const good[] = {
	"; mipha test configuration",		/* 1 */
	"[ha]",					/* 2 */
	"address = 10.1.0.1",			/* 3 */
	"home_prefix = 10.1.0.0/24",		/* 4 */
	"name = ha1 ; NAS-Identifier",		/* 5 */
	"max_lifetime = 3600",			/* 6 */
	"replay_tolerance = 7",			/* 7 */
	"dynkey_spi = 0x4D534332",		/* 8 */
	"vendor_id = 32473",			/* 9 */
	"",					/* 10 */
	"[port.net0]",				/* 11 */
	"device = net_pcap0",			/* 12 */
	"role = both",				/* 13 */
	"gateway = 192.0.2.254",		/* 14 */
	"gateway_mac = 02:00:00:00:00:fe",	/* 15 */
	"",					/* 16 */
	"[lcores]",				/* 17 */
	"control = 0",				/* 18 */
	"workers = 1",				/* 19 */
	"idle_sleep_us = 0",			/* 20 */
	"",					/* 21 */
	"[sa.mn1]",				/* 22 */
	"home_address = 10.1.0.10",		/* 23 */
	"spi = 4097",				/* 24 */
	"key = 000102030405060708090a0b0c0d0e0f", /* 25 */
	"algorithm = hmac-md5",			/* 26 */
};
#define N_GOOD (sizeof(good) / sizeof(good[0]))
#define KEY_HEX "000102030405060708090a0b0c0d0e0f"

static char dir[64];
static char path[128];
static char err[MIPHA_CFG_ERR_LEN];
static struct mipha_config *cfg;

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/mipha-cfg-XXXXXX");
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

TestSuite(config, .init = setup, .fini = teardown);

/*
 * Writes the good file with line `line` replaced by `text` (NULL: deleted;
 * line 0: nothing replaced), then `append` (may be NULL) at the end.
 */
static void write_file2(unsigned int line, const char *text, unsigned int line2,
			const char *text2, const char *append)
{
	FILE *f = fopen(path, "w");
	size_t i;

	cr_assert_not_null(f);
	for (i = 0; i < N_GOOD; i++) {
		if (i + 1 == line) {
			if (text != NULL)
				fprintf(f, "%s\n", text);
		} else if (i + 1 == line2) {
			if (text2 != NULL)
				fprintf(f, "%s\n", text2);
		} else {
			fprintf(f, "%s\n", good[i]);
		}
	}
	if (append != NULL)
		fputs(append, f);
	fclose(f);
}

static void write_file(unsigned int line, const char *text, const char *append)
{
	write_file2(line, text, 0, NULL, append);
}

static void write_raw(const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

/* Loading must fail with exactly "PATH" + suffix, and leave no config. */
static void expect_error(const char *suffix)
{
	char want[MIPHA_CFG_ERR_LEN];
	int error = mipha_config_load(path, &cfg, err, sizeof(err));

	snprintf(want, sizeof(want), "%s%s", path, suffix);
	cr_assert_eq(error, -1, "loaded a bad file");
	cr_assert_null(cfg);
	cr_assert_str_eq(err, want);
	/* No error ever quotes a key. */
	cr_assert_null(strstr(err, KEY_HEX));
}

static void expect_ok(void)
{
	int error = mipha_config_load(path, &cfg, err, sizeof(err));

	cr_assert_eq(error, 0, "refused: %s", err);
	cr_assert_not_null(cfg);
}

static uint32_t ip(const char *s)
{
	struct in_addr a;

	cr_assert_eq(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

Test(config, good_file_gives_every_value)
{
	static const uint8_t key[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };

	write_file(0, NULL, NULL);
	expect_ok();
	cr_assert_eq(cfg->ha.address, ip("10.1.0.1"));
	cr_assert_eq(cfg->ha.home_prefix.addr, ip("10.1.0.0"));
	cr_assert_eq(cfg->ha.home_prefix.len, 24);
	cr_assert_str_eq(cfg->ha.name, "ha1");
	cr_assert_eq(cfg->ha.max_lifetime, 3600);
	cr_assert_eq(cfg->ha.default_lifetime, 3600);
	cr_assert_eq(cfg->ha.replay_tolerance, 7);
	cr_assert_eq(cfg->ha.dynkey_spi, 0x4D534332u);
	cr_assert_eq(cfg->ha.vendor_id, 32473);
	cr_assert_eq(cfg->ha.tunnel_mtu, 1500);
	cr_assert_eq(cfg->n_ports, 1);
	cr_assert_str_eq(cfg->ports[0].name, "net0");
	cr_assert_str_eq(cfg->ports[0].device, "net_pcap0");
	cr_assert_eq(cfg->ports[0].role, MIPHA_CFG_ROLE_BOTH);
	cr_assert_eq(cfg->ports[0].gateway, ip("192.0.2.254"));
	cr_assert(cfg->ports[0].has_gateway_mac);
	cr_assert_arr_eq(cfg->ports[0].gateway_mac, ((uint8_t[]){ 2, 0, 0, 0, 0, 0xfe }), 6);
	cr_assert_eq(cfg->ports[0].line, 11);
	cr_assert_eq(cfg->lcores.control, 0);
	cr_assert_not(cfg->lcores.explicit_ids);
	cr_assert_eq(cfg->lcores.n_workers, 1);
	cr_assert_eq(cfg->lcores.idle_sleep_us, 0);
	cr_assert_eq(cfg->n_sa, 1);
	cr_assert_str_eq(cfg->sa[0].name, "mn1");
	cr_assert_eq(cfg->sa[0].home_addr, ip("10.1.0.10"));
	cr_assert_str_eq(cfg->sa[0].nai, "");
	cr_assert_eq(cfg->sa[0].spi, 4097);
	cr_assert_eq(cfg->sa[0].alg, MIP_ALG_HMAC_MD5);
	cr_assert_eq(cfg->sa[0].replay_tolerance, 7);
	cr_assert_arr_eq(cfg->sa[0].key.b, key, 16);
	cr_assert_eq(cfg->sa[0].line, 22);
}

Test(config, minimal_file_gets_defaults)
{
	write_raw("[ha]\naddress=10.1.0.1\nhome_prefix=10.1.0.0/16\n"
		  "[port.a]\ndevice=net_null0\nrole=home\ngateway=10.1.0.254\n"
		  "[port.b]\ndevice=0000:00:04.0\nrole=uplink\ngateway=192.0.2.1\n");
	expect_ok();
	cr_assert_str_eq(cfg->ha.name, MIPHA_DEFAULT_NAME);
	cr_assert_eq(cfg->ha.max_lifetime, MIPHA_DEFAULT_MAX_LIFETIME);
	cr_assert_eq(cfg->ha.replay_tolerance, 7);
	cr_assert_eq(cfg->ha.dynkey_spi, 0x4D534332u);
	cr_assert_eq(cfg->ha.vendor_id, 32473);
	cr_assert_eq(cfg->lcores.control, 0);
	cr_assert_eq(cfg->lcores.n_workers, 1);
	cr_assert_eq(cfg->lcores.idle_sleep_us, MIPHA_DEFAULT_IDLE_SLEEP_US);
	cr_assert_eq(cfg->n_ports, 2);
	cr_assert_eq(cfg->ports[1].role, MIPHA_CFG_ROLE_UPLINK);
	cr_assert_eq(cfg->ports[1].gateway, ip("192.0.2.1"));
	cr_assert_eq(cfg->ha.max_bindings, MIPHA_DEFAULT_MAX_BINDINGS);
	cr_assert_not(cfg->ports[1].has_gateway_mac);
	cr_assert_eq(cfg->n_sa, 0);
}

Test(config, nai_sa_keyed_md5_and_worker_list)
{
	/* Line 10: an SA by NAI alone (mn3) needs the pool its address comes from. */
	write_file2(26, "algorithm = keyed-md5", 10, "home_pool = 10.1.0.100-10.1.0.199",
		   "replay_tolerance = 3\n[sa.mn2]\nhome_address = 10.1.0.11\nnai = b@r\n"
		   "spi = 256\nkey = ffffffffffffffffffffffffffffffff\n"
		   "[sa.mn3]\nnai = mnuser@example.net\nspi = 4097\n"
		   "key = ffffffffffffffffffffffffffffffff\n");
	expect_ok();
	cr_assert_eq(cfg->n_sa, 3);
	cr_assert_eq(cfg->sa[0].alg, MIP_ALG_KEYED_MD5);
	cr_assert_eq(cfg->sa[0].replay_tolerance, 3);
	cr_assert_eq(cfg->sa[1].home_addr, ip("10.1.0.11"));
	cr_assert_str_eq(cfg->sa[1].nai, "b@r");
	cr_assert_eq(cfg->sa[1].spi, 256);
	cr_assert_eq(cfg->sa[2].home_addr, 0);
	cr_assert_str_eq(cfg->sa[2].nai, "mnuser@example.net");
	mipha_config_free(cfg);
	cfg = NULL;

	write_file(19, "workers = 1-2,4", NULL);
	expect_ok();
	cr_assert(cfg->lcores.explicit_ids);
	cr_assert_eq(cfg->lcores.n_workers, 3);
	cr_assert_eq(cfg->lcores.workers[0], 1);
	cr_assert_eq(cfg->lcores.workers[1], 2);
	cr_assert_eq(cfg->lcores.workers[2], 4);
}

Test(config, missing_file)
{
	char want[256];
	int error = mipha_config_load("/nonexistent/ha.ini", &cfg, err, sizeof(err));

	snprintf(want, sizeof(want), "/nonexistent/ha.ini: cannot open: No such file or directory");
	cr_assert_eq(error, -1);
	cr_assert_str_eq(err, want);
}

/* ---- syntax (the line scan) ---- */

Test(config, line_without_equals_is_refused)
{
	write_file(3, "address 10.1.0.1", NULL);
	expect_error(":3: neither a [section] nor a key = value line");
}

Test(config, section_without_bracket)
{
	write_file(11, "[port.net0", NULL);
	expect_error(":11: section header without ']'");
}

Test(config, text_after_section)
{
	write_file(17, "[lcores] x", NULL);
	expect_error(":17: text after the section header's ']'");
}

Test(config, key_before_section)
{
	write_raw("address = 10.1.0.1\n[ha]\n");
	expect_error(":1: key 'address' before any [section]");
}

Test(config, empty_value)
{
	write_file(5, "name =", NULL);
	expect_error(":5: [ha] name: empty value");
}

Test(config, repeated_key)
{
	write_file(0, NULL, "spi = 4098\n");
	expect_error(":27: [sa.mn1] spi: key repeated (first at line 24)");
}

Test(config, repeated_section)
{
	write_file(0, NULL, "[lcores]\ncontrol = 1\n");
	expect_error(":27: section [lcores] repeated (first at line 17)");
}

Test(config, line_too_long)
{
	char line[400];

	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	memcpy(line, "name=", 5);
	write_file(5, line, NULL);
	expect_error(":5: line longer than 322 characters");
}

/* ---- unknown names ---- */

Test(config, unknown_key)
{
	write_file(0, NULL, "algoritm = hmac-md5\n");
	expect_error(":27: [sa.mn1] algoritm: unknown key");
}

Test(config, unknown_section)
{
	write_file(0, NULL, "[radius]\nserver = 127.0.0.1\n");
	expect_error(":27: [radius]: unknown section");
}

Test(config, section_without_name)
{
	write_file(22, "[sa.]", NULL);
	expect_error(":22: [sa.]: needs a name of letters, digits, '_' or '-' after the dot: "
		     "[port.NAME] or [sa.NAME]");
}

/* ---- [ha] ---- */

Test(config, missing_ha)
{
	write_raw("[port.a]\ndevice=x\nrole=both\ngateway=192.0.2.1\n");
	expect_error(": missing section [ha]");
}

Test(config, missing_key)
{
	write_file(3, NULL, NULL);
	expect_error(":2: [ha]: missing key 'address'");
}

Test(config, bad_address)
{
	write_file(3, "address = 10.1.0.256", NULL);
	expect_error(":3: [ha] address: '10.1.0.256' is not an IPv4 address");
}

Test(config, short_address)
{
	write_file(3, "address = 10.1", NULL);
	expect_error(":3: [ha] address: '10.1' is not an IPv4 address");
}

Test(config, multicast_address)
{
	write_file(3, "address = 224.0.0.1", NULL);
	expect_error(":3: [ha] address: '224.0.0.1' is not a unicast address");
}

Test(config, address_outside_prefix)
{
	write_file(3, "address = 10.2.0.1", NULL);
	expect_error(":3: [ha] address: not inside home_prefix");
}

Test(config, bad_prefix_length)
{
	write_file(4, "home_prefix = 10.1.0.0/33", NULL);
	expect_error(":4: [ha] home_prefix: '10.1.0.0/33': prefix length must be 1..32");
}

Test(config, prefix_without_length)
{
	write_file(4, "home_prefix = 10.1.0.0", NULL);
	expect_error(":4: [ha] home_prefix: '10.1.0.0' is not ADDRESS/LENGTH");
}

Test(config, prefix_host_bits)
{
	write_file(4, "home_prefix = 10.1.0.1/24", NULL);
	expect_error(":4: [ha] home_prefix: '10.1.0.1/24' has host bits set");
}

Test(config, bad_number)
{
	write_file(6, "max_lifetime = 36OO", NULL);
	expect_error(":6: [ha] max_lifetime: '36OO' is not a number");
}

Test(config, number_out_of_range)
{
	write_file(6, "max_lifetime = 65535", NULL);
	expect_error(":6: [ha] max_lifetime: '65535' is out of range 1..65534");
}

Test(config, default_above_max)
{
	write_file(6, "max_lifetime = 600\ndefault_lifetime = 700", NULL);
	expect_error(":7: [ha] default_lifetime: 700 is above max_lifetime 600");
}

Test(config, dynkey_spi_reserved)
{
	write_file(8, "dynkey_spi = 255", NULL);
	expect_error(":8: [ha] dynkey_spi: '255' is out of range 256..4294967295");
}

/* ---- [port.NAME] ---- */

Test(config, bad_role)
{
	write_file(13, "role = homeward", NULL);
	expect_error(":13: [port.net0] role: 'homeward' is not one of home, uplink, both");
}

Test(config, port_missing_device)
{
	write_file(12, NULL, NULL);
	expect_error(":11: [port.net0]: missing key 'device'");
}

Test(config, bad_mac)
{
	write_file(15, "gateway_mac = 02:00:00:00:00", NULL);
	expect_error(":15: [port.net0] gateway_mac: '02:00:00:00:00' is not a MAC address "
		     "xx:xx:xx:xx:xx:xx");
}

Test(config, port_tx_queues)
{
	write_file(15, "tx_queues = 1", NULL);
	expect_ok();
	cr_assert_eq(cfg->ports[0].tx_queues, 1);
	cr_assert_eq(cfg->ports[1].tx_queues, 0, "unset: one per sending lcore");
	mipha_config_free(cfg);
	cfg = NULL;
	write_file(15, "tx_queues = 0", NULL);
	expect_error(":15: [port.net0] tx_queues: '0' is out of range 1..64");
}

Test(config, port_missing_gateway)
{
	write_file(14, NULL, NULL);
	expect_error(":11: [port.net0]: missing key 'gateway'");
}

Test(config, duplicate_device)
{
	write_file(0, NULL, "[port.net1]\ndevice = net_pcap0\nrole = home\ngateway = 10.1.0.254\n");
	expect_error(":28: [port.net1] device: 'net_pcap0' already used by [port.net0]");
}

Test(config, no_uplink_port)
{
	write_file(13, "role = home", NULL);
	expect_error(": no port with role uplink (or both)");
}

Test(config, no_port)
{
	write_raw("[ha]\naddress=10.1.0.1\nhome_prefix=10.1.0.0/16\n");
	expect_error(": no [port.NAME] section");
}

/* ---- [lcores] ---- */

Test(config, workers_include_control)
{
	write_file(19, "workers = 0-1", NULL);
	expect_error(":19: [lcores] workers: lcore 0 is also the control lcore");
}

Test(config, workers_bad_list)
{
	write_file(19, "workers = 1,,2", NULL);
	expect_error(":19: [lcores] workers: '1,,2' is neither a count nor a list of lcore ids "
		     "like 1,2 or 1-3");
}

Test(config, workers_twice)
{
	write_file(19, "workers = 1,2,1", NULL);
	expect_error(":19: [lcores] workers: lcore 1 listed twice");
}

Test(config, workers_zero)
{
	write_file(19, "workers = 0", NULL);
	expect_error(":19: [lcores] workers: '0' is out of range 1..64");
}

/* ---- [sa.NAME] ---- */

Test(config, bad_hex_key)
{
	write_file(25, "key = 000102030405060708090a0b0c0d0e0g", NULL);
	expect_error(":25: [sa.mn1] key: not 32 hex digits (value not shown)");
	cr_assert_null(strstr(err, "0e0g"));
}

Test(config, short_key)
{
	write_file(25, "key = 0001020304", NULL);
	expect_error(":25: [sa.mn1] key: not 32 hex digits (value not shown)");
	cr_assert_null(strstr(err, "0001020304"));
}

Test(config, sa_missing_key)
{
	write_file(25, NULL, NULL);
	expect_error(":22: [sa.mn1]: missing key 'key'");
}

Test(config, sa_missing_identity)
{
	write_file(23, NULL, NULL);
	expect_error(":22: [sa.mn1]: missing key 'home_address' (or 'nai')");
}

Test(config, bad_algorithm)
{
	write_file(26, "algorithm = hmac-sha1", NULL);
	expect_error(":26: [sa.mn1] algorithm: 'hmac-sha1' is not one of hmac-md5, keyed-md5");
}

Test(config, spi_reserved)
{
	write_file(24, "spi = 255", NULL);
	expect_error(":24: [sa.mn1] spi: 255 is reserved (SPIs 0-255)");
}

Test(config, spi_is_dynkey_spi)
{
	write_file(24, "spi = 1297302322", NULL);
	expect_error(":24: [sa.mn1] spi: 1297302322 is [ha] dynkey_spi");
}

Test(config, spi_is_configured_dynkey_spi)
{
	write_file(8, "dynkey_spi = 4097", NULL);
	expect_error(":24: [sa.mn1] spi: 4097 is [ha] dynkey_spi");
}

/* Issue 8: static SPIs colliding with the dynamic path, refused at load with file:line. */
Test(config, spi_is_dynkey_spi_in_hex)
{
	write_file(24, "spi = 0x4D534332", NULL);
	expect_error(":24: [sa.mn1] spi: 1297302322 is [ha] dynkey_spi");
}

Test(config, dynkey_spi_checked_whatever_the_section_order)
{
	/* [sa] before [ha]: the SA is still checked against [ha]'s dynkey_spi. */
	write_raw("[sa.mn1]\nhome_address = 10.1.0.10\nspi = 5000\n"
		  "key = " KEY_HEX "\n\n"
		  "[ha]\naddress = 10.1.0.1\nhome_prefix = 10.1.0.0/24\ndynkey_spi = 5000\n\n"
		  "[port.net0]\ndevice = net_pcap0\nrole = both\ngateway = 192.0.2.254\n");
	expect_error(":3: [sa.mn1] spi: 5000 is [ha] dynkey_spi");
}

Test(config, second_sa_of_an_mn_is_dynkey_spi)
{
	/* The second key of mn1 (same home address) may not be the DYNKEY_SPI either. */
	write_file(0, NULL,
		   "[sa.mn1b]\nhome_address = 10.1.0.10\nspi = 1297302322\n"
		   "key = ffffffffffffffffffffffffffffffff\n");
	expect_error(":29: [sa.mn1b] spi: 1297302322 is [ha] dynkey_spi");
}

Test(config, sa_home_address_inside_home_pool)
{
	/* Each end of the pool is inside; the address just outside is fine. */
	write_file(10, "home_pool = 10.1.0.10-10.1.0.20", NULL);
	expect_error(":23: [sa.mn1] home_address: inside [ha] home_pool (dynamic MNs get those)");
	write_file(10, "home_pool = 10.1.0.2-10.1.0.10", NULL);
	expect_error(":23: [sa.mn1] home_address: inside [ha] home_pool (dynamic MNs get those)");
	write_file(10, "home_pool = 10.1.0.11-10.1.0.20", NULL);
	expect_ok();
	cr_assert_eq(cfg->ha.home_pool_first, ip("10.1.0.11"));
}

Test(config, nai_sa_with_dynkey_spi)
{
	write_file(0, NULL,
		   "[sa.bynai]\nnai = mn9@example.net\nspi = 1297302322\n"
		   "key = ffffffffffffffffffffffffffffffff\n");
	expect_error(":29: [sa.bynai] spi: 1297302322 is [ha] dynkey_spi");
}

/* ---- SAs by NAI alone ---- */

#define POOL_LINE "home_pool = 10.1.0.100-10.1.0.199"
#define NAI_SA(name, nai, spi) \
	"[sa." name "]\nnai = " nai "\nspi = " spi "\nkey = ffffffffffffffffffffffffffffffff\n"

Test(config, nai_only_sa_without_home_pool)
{
	/* Lines 27-28: the section header, then its nai key (the line reported). */
	write_file(0, NULL, NAI_SA("bynai", "mn9@example.net", "5001"));
	expect_error(":28: [sa.bynai] nai: an SA by nai alone needs [ha] home_pool (its home "
		     "address is assigned from there)");
}

Test(config, nai_only_sas_accepted_with_home_pool)
{
	write_file(10, POOL_LINE,
		   NAI_SA("a1", "mn9@example.net", "5001") NAI_SA("a2", "mn9@example.net", "5002")
		   NAI_SA("b1", "mn8@example.net", "5001"));
	expect_ok();
	cr_assert_eq(cfg->n_sa, 4);
	cr_assert_eq(cfg->sa[1].home_addr, 0);
	cr_assert_str_eq(cfg->sa[1].nai, "mn9@example.net");
	cr_assert_eq(cfg->sa[2].spi, 5002);
	cr_assert_eq(cfg->sa[3].home_addr, 0);
	cr_assert_eq(cfg->ha.home_pool_first, ip("10.1.0.100"));
}

Test(config, third_nai_only_sa_of_an_nai)
{
	write_file(10, POOL_LINE,
		   NAI_SA("a1", "mn9@example.net", "5001") NAI_SA("a2", "mn9@example.net", "5002")
		   NAI_SA("a3", "mn9@example.net", "5003"));
	expect_error(":36: [sa.a3] nai: more than 2 SAs for this NAI");
}

Test(config, nai_only_sa_same_spi_twice)
{
	write_file(10, POOL_LINE,
		   NAI_SA("a1", "mn9@example.net", "5001") NAI_SA("a2", "mn9@example.net", "5001"));
	expect_error(":33: [sa.a2] spi: 5001 already used for this mobile node by [sa.a1] "
		     "(line 27)");
}

Test(config, nai_with_and_without_home_address)
{
	/* mn9 by NAI alone, then with a home address: one way or the other per NAI. */
	write_file(10, POOL_LINE,
		   NAI_SA("a1", "mn9@example.net", "5001")
		   "[sa.a2]\nhome_address = 10.1.0.12\nnai = mn9@example.net\nspi = 5002\n"
		   "key = ffffffffffffffffffffffffffffffff\n");
	expect_error(":32: [sa.a2] home_address: [sa.a1] (line 27) gives this NAI none: give "
		     "every SA of an NAI a home_address, or none");
	write_file(10, POOL_LINE,
		   "[sa.a2]\nhome_address = 10.1.0.12\nnai = mn9@example.net\nspi = 5002\n"
		   "key = ffffffffffffffffffffffffffffffff\n"
		   NAI_SA("a1", "mn9@example.net", "5001"));
	expect_error(":33: [sa.a1] nai: [sa.a2] (line 27) gives this NAI a home_address: give "
		     "every SA of an NAI a home_address, or none");
}

Test(config, duplicate_sa_spi)
{
	write_file(0, NULL,
		   "[sa.mn1b]\nhome_address = 10.1.0.10\nspi = 4097\n"
		   "key = ffffffffffffffffffffffffffffffff\n");
	expect_error(":29: [sa.mn1b] spi: 4097 already used for this mobile node by [sa.mn1] "
		     "(line 22)");
}

Test(config, same_spi_other_mn_is_fine)
{
	write_file(0, NULL,
		   "[sa.mn2]\nhome_address = 10.1.0.11\nspi = 4097\n"
		   "key = ffffffffffffffffffffffffffffffff\n");
	expect_ok();
	cr_assert_eq(cfg->n_sa, 2);
}

Test(config, sa_outside_prefix)
{
	write_file(23, "home_address = 10.9.0.10", NULL);
	expect_error(":23: [sa.mn1] home_address: not inside [ha] home_prefix");
}

Test(config, sa_is_ha_address)
{
	write_file(23, "home_address = 10.1.0.1", NULL);
	expect_error(":23: [sa.mn1] home_address: is the HA's own address");
}

Test(config, bad_nai)
{
	write_file(23, "nai = nobody", NULL);
	expect_error(":23: [sa.mn1] nai: 'nobody' is not user@realm");
}

/* ---- secrets ---- */

static bool freed_zero;
static size_t freed_big;

static void check_wiped(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	if (n < sizeof(struct mipha_cfg_sa))
		return;
	freed_big++;
	for (i = 0; i < n; i++)
		if (b[i] != 0)
			freed_zero = false;
}

Test(config, free_wipes_keys)
{
	write_file(0, NULL, NULL);
	expect_ok();
	freed_zero = true;
	freed_big = 0;
	mip_secret_set_free_hook(check_wiped);
	mipha_config_free(cfg);
	cfg = NULL;
	mip_secret_set_free_hook(NULL);
	cr_assert_geq(freed_big, 1);
	cr_assert(freed_zero, "SA table not wiped before free");
}

/* The documented example must itself be a valid configuration. */
Test(config, example_file_loads)
{
	const char *root = getenv("MIP_SOURCE_ROOT");
	char example[512];
	int error;

	if (root == NULL)
		root = MIPHA_SOURCE_ROOT; /* run by hand, outside meson test */
	snprintf(example, sizeof(example), "%s/config/mipha.example.ini", root);
	error = mipha_config_load(example, &cfg, err, sizeof(err));
	cr_assert_eq(error, 0, "example refused: %s", err);
	cr_assert_eq(cfg->n_ports, 2);
	cr_assert_eq(cfg->n_sa, 2);
	cr_assert_eq(cfg->sa[1].alg, MIP_ALG_KEYED_MD5);
	cr_assert_str_eq(cfg->sa[1].nai, "mn2@example.net");
}

/* True when the n bytes of needle are anywhere in this process's [heap]. */
static bool heap_contains(const void *needle, size_t n)
{
	FILE *maps = fopen("/proc/self/maps", "r");
	char line[512];
	bool found = false;

	cr_assert_not_null(maps);
	while (fgets(line, sizeof(line), maps) != NULL) {
		unsigned long lo, hi;

		if (strstr(line, "[heap]") == NULL || sscanf(line, "%lx-%lx", &lo, &hi) != 2)
			continue;
		found = memmem((const void *)lo, hi - lo, needle, n) != NULL;
	}
	fclose(maps);
	return found;
}

/*
 * After load and free, the key's hex is nowhere on the heap: not in
 * rte_cfgfile's entries, not in its stdio buffer, not in the SA table.
 */
Test(config, no_key_left_on_the_heap)
{
	/* A key no other test uses, written without stdio (no buffer of ours). */
	static const char text[] =
		"[ha]\naddress=10.1.0.1\nhome_prefix=10.1.0.0/24\n"
		"[port.p]\ndevice=d\nrole=both\ngateway=192.0.2.1\n"
		"[sa.s]\nhome_address=10.1.0.10\nspi=300\nkey=5ec2e75ec2e75ec2e75ec2e75ec2e7aa\n";
	char needle[33];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
	close(fd);
	expect_ok();
	mipha_config_free(cfg);
	cfg = NULL;
	/* Built on the stack, so the needle itself is not what is found. */
	memcpy(needle, "5ec2e75ec2e75ec2e75ec2", 22);
	memcpy(needle + 22, "e75ec2e7aa", 10);
	needle[32] = '\0';
	cr_assert_not(heap_contains(needle, 32), "the key's hex is still on the heap");
	/* And the raw key bytes neither (the SA table was wiped). */
	static const uint8_t raw[16] = { 0x5e, 0xc2, 0xe7, 0x5e, 0xc2, 0xe7, 0x5e, 0xc2,
					 0xe7, 0x5e, 0xc2, 0xe7, 0x5e, 0xc2, 0xe7, 0xaa };
	cr_assert_not(heap_contains(raw, 16), "the key is still on the heap");
}
