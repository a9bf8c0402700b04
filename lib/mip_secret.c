/* SPDX-License-Identifier: BSD-3-Clause */
/* Key buffers: wiping that the compiler cannot elide, wiped heap buffers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mip_secret.h"

/* Tests only; a plain pointer is enough (set before any thread frees). */
static mip_secret_free_hook secret_free_hook;

void mip_wipe(void *p, size_t n)
{
	if (p == NULL || n == 0)
		return;
	explicit_bzero(p, n);
}

void *mip_secret_alloc(size_t n)
{
	if (n == 0)
		return NULL;
	return calloc(1, n);
}

void mip_secret_free(void *p, size_t n)
{
	if (p == NULL)
		return;
	mip_wipe(p, n);
	if (secret_free_hook != NULL)
		secret_free_hook(p, n);
	free(p);
}

void mip_secret_set_free_hook(mip_secret_free_hook hook)
{
	secret_free_hook = hook;
}

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int mip_key_from_hex(const char *hex, struct mip_key *key)
{
	struct mip_key tmp;
	size_t i;

	if (hex == NULL || key == NULL)
		return -EINVAL;
	/* strnlen: exactly 32 digits, and never read past a 33rd byte. */
	if (strnlen(hex, 2 * MIP_KEY_LEN + 1) != 2 * MIP_KEY_LEN)
		return -EINVAL;
	for (i = 0; i < MIP_KEY_LEN; i++) {
		int hi = hex_nibble(hex[2 * i]);
		int lo = hex_nibble(hex[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			mip_wipe(&tmp, sizeof(tmp));
			return -EINVAL;
		}
		tmp.b[i] = (uint8_t)(hi << 4 | lo);
	}
	*key = tmp;
	mip_wipe(&tmp, sizeof(tmp));
	return 0;
}
