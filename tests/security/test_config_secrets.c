/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Issue 8, secrets: the HA's configuration (control/config.h) holds the
 * static SA keys in a mip_secret_alloc'd array. Freeing the configuration
 * wipes every key buffer (seen through the mip_secret_free hook), a refused
 * file leaves nothing unwiped either, and no error line repeats a key's
 * digits, whatever is wrong with the key. Also spec section 9's rule on the
 * configuration: a static SPI equal to DYNKEY_SPI is refused.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "mip.h"

static struct {
	unsigned calls, dirty;
} freed;

static void on_free(const void *p, size_t n)
{
	const uint8_t *b = p;

	freed.calls++;
	for (size_t i = 0; i < n; i++) {
		if (b[i] != 0) {
			freed.dirty++;
			return;
		}
	}
}

static char *example;		/* the example configuration's text */
static char example_path[512];

static void setup(void)
{
	const char *root = getenv("MIP_SOURCE_ROOT");
	FILE *f;
	long n;

	snprintf(example_path, sizeof(example_path), "%s/config/mipha.example.ini",
		 root != NULL ? root : ".");
	f = fopen(example_path, "r");
	cr_assert_not_null(f, "cannot open %s", example_path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	example = calloc(1, (size_t)n + 1);
	cr_assert_eq(fread(example, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	memset(&freed, 0, sizeof(freed));
	mip_secret_set_free_hook(on_free);
}

static void teardown(void)
{
	mip_secret_set_free_hook(NULL);
	free(example);
}

TestSuite(config_secrets, .init = setup, .fini = teardown, .timeout = 30);

/* The nth "key = HEX" value of the example (32 hex digits) into out[33]. */
static const char *nth_key(int nth, char out[33])
{
	const char *p = example;

	for (int i = 0; i <= nth; i++) {
		p = strstr(p, "\nkey = ");
		cr_assert_not_null(p, "the example has fewer than %d keys", nth + 1);
		p += strlen("\nkey = ");
	}
	memcpy(out, p, 32);
	out[32] = '\0';
	return p;
}

Test(config_secrets, free_wipes_every_key)
{
	struct mipha_config *cfg = NULL;
	char err[512] = "", hex[33];
	struct mip_key want;

	cr_assert_eq(mipha_config_load(example_path, &cfg, err, sizeof(err)), 0, "%s", err);
	cr_assert_geq(cfg->n_sa, 2);
	nth_key(0, hex);
	cr_assert_eq(mip_key_from_hex(hex, &want), 0);
	cr_assert_eq(memcmp(cfg->sa[0].key.b, want.b, MIP_KEY_LEN), 0, "first SA key not loaded");
	cr_assert_eq(freed.dirty, 0, "a buffer freed while loading was not wiped");
	freed.calls = 0;
	mipha_config_free(cfg);
	cr_assert_geq(freed.calls, 1, "the SA array did not go back through mip_secret_free");
	cr_assert_eq(freed.dirty, 0, "%u freed key buffers not wiped", freed.dirty);
	mip_wipe(&want, sizeof(want));
}

/* Writes the example with its first key's value replaced by repl; returns the path. */
static const char *variant(const char *repl, char path[64])
{
	char hex[33];
	const char *at = nth_key(0, hex);
	size_t head = (size_t)(at - example);
	int fd;
	FILE *f;

	snprintf(path, 64, "/tmp/mipha-sec-cfg-XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	f = fdopen(fd, "w");
	fwrite(example, 1, head, f);
	fputs(repl, f);
	fputs(at + 32, f);
	fclose(f);
	return path;
}

static void refused_without_digits(const char *repl, const char *digits)
{
	struct mipha_config *cfg = NULL;
	char path[64], err[512] = "";

	cr_assert_neq(mipha_config_load(variant(repl, path), &cfg, err, sizeof(err)), 0,
		      "a config with key = %s was accepted", repl);
	unlink(path);
	cr_assert_gt(strlen(err), 0, "no error line");
	cr_assert_null(strstr(err, digits), "the error line repeats the key: %s", err);
	cr_assert_eq(freed.dirty, 0, "a refused config left %u unwiped buffers", freed.dirty);
}

Test(config_secrets, errors_never_repeat_key_digits)
{
	char hex[33], repl[80], first16[17];

	nth_key(0, hex);
	memcpy(first16, hex, 16);
	first16[16] = '\0';
	snprintf(repl, sizeof(repl), "%s0", hex);	/* 33 digits */
	refused_without_digits(repl, first16);
	snprintf(repl, sizeof(repl), "%.31s", hex);	/* 31 digits */
	refused_without_digits(repl, first16);
	snprintf(repl, sizeof(repl), "%.30szz", hex);	/* not hex */
	refused_without_digits(repl, first16);
	snprintf(repl, sizeof(repl), "%s extra", hex);	/* trailing junk */
	refused_without_digits(repl, first16);
}

/* Spec section 9: a static SA whose SPI is DYNKEY_SPI is refused at load. */
Test(config_secrets, static_spi_equal_to_dynkey_spi_refused)
{
	struct mipha_config *cfg = NULL;
	char path[64], err[512] = "", spi[32];
	const char *at = strstr(example, "\nspi = ");
	const char *dyn = strstr(example, "\ndynkey_spi = ");
	const char *eol;
	size_t head;
	FILE *f;
	int fd;

	cr_assert_not_null(at);
	cr_assert_not_null(dyn, "the example sets no dynkey_spi");
	dyn += strlen("\ndynkey_spi = ");
	eol = strchr(dyn, '\n');
	cr_assert_lt((size_t)(eol - dyn), sizeof(spi));
	memcpy(spi, dyn, (size_t)(eol - dyn));
	spi[eol - dyn] = '\0';
	at += strlen("\nspi = ");
	head = (size_t)(at - example);
	snprintf(path, sizeof(path), "/tmp/mipha-sec-cfg-XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	f = fdopen(fd, "w");
	fwrite(example, 1, head, f);
	fputs(spi, f);				/* the first SA's SPI := dynkey_spi */
	fputs(strchr(at, '\n'), f);
	fclose(f);
	cr_assert_neq(mipha_config_load(path, &cfg, err, sizeof(err)), 0,
		      "a static SA with SPI = dynkey_spi (%s) was accepted", spi);
	unlink(path);
	cr_assert_not_null(strstr(err, "spi"), "the error does not name the SPI: %s", err);
	cr_assert_eq(freed.dirty, 0);
}
