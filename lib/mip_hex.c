/* SPDX-License-Identifier: BSD-3-Clause */
/* Hex helpers shared by tools and tests (declared in mip.h). */
#include <errno.h>
#include <string.h>

#include "mip.h"

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

long mip_hex_decode(const char *hex, uint8_t *out, size_t cap)
{
	size_t n, i;

	if (hex == NULL)
		return -EINVAL;
	n = strlen(hex);
	if (n % 2 != 0)
		return -EINVAL;
	/* Validate every digit before writing, so a bad string leaves out untouched. */
	for (i = 0; i < n; i++) {
		if (hex_nibble(hex[i]) < 0)
			return -EINVAL;
	}
	if (n / 2 > cap)
		return -ENOSPC;
	for (i = 0; i < n / 2; i++)
		out[i] = (uint8_t)(hex_nibble(hex[2 * i]) << 4 | hex_nibble(hex[2 * i + 1]));
	return (long)(n / 2);
}

void mip_hex_encode(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * n] = '\0';
}
