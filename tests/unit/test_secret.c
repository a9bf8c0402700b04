/* SPDX-License-Identifier: BSD-3-Clause */
/* Key buffers: wiping, the wiped heap allocator and its test hook, hex keys. */
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>

#include "mip.h"

Test(secret, wipe_zeroes_exactly_n)
{
	uint8_t buf[40];
	size_t i;

	memset(buf, 0xab, sizeof(buf));
	mip_wipe(buf + 4, 32);
	for (i = 0; i < sizeof(buf); i++)
		cr_assert_eq(buf[i], (i >= 4 && i < 36) ? 0 : 0xab, "byte %zu", i);
	mip_wipe(NULL, 0);
	mip_wipe(buf, 0);
	cr_assert_eq(buf[0], 0xab);
}

Test(secret, wipe_a_key)
{
	struct mip_key k;

	memset(&k, 0xff, sizeof(k));
	mip_wipe(&k, sizeof(k));
	cr_assert_arr_eq(k.b, ((uint8_t[MIP_KEY_LEN]){ 0 }), MIP_KEY_LEN);
}

static struct {
	int calls;
	const void *p;
	size_t n;
	int all_zero;
} seen;

static void record_free(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	seen.calls++;
	seen.p = p;
	seen.n = n;
	seen.all_zero = 1;
	for (i = 0; i < n; i++)
		if (b[i] != 0)
			seen.all_zero = 0;
}

static void reset_hook(void)
{
	mip_secret_set_free_hook(NULL);
	memset(&seen, 0, sizeof(seen));
}

TestSuite(secret_heap, .init = reset_hook, .fini = reset_hook);

Test(secret_heap, alloc_is_zeroed)
{
	uint8_t *p = mip_secret_alloc(100);
	size_t i;

	cr_assert_not_null(p);
	for (i = 0; i < 100; i++)
		cr_assert_eq(p[i], 0);
	mip_secret_free(p, 100);
}

Test(secret_heap, free_hook_sees_all_zero)
{
	const size_t sizes[] = { 1, 16, 17, 4096 };
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint8_t *p = mip_secret_alloc(sizes[i]);

		cr_assert_not_null(p);
		memset(p, 0xc3, sizes[i]);
		memset(&seen, 0, sizeof(seen));
		mip_secret_set_free_hook(record_free);
		mip_secret_free(p, sizes[i]);
		cr_assert_eq(seen.calls, 1);
		cr_assert_eq(seen.p, p);
		cr_assert_eq(seen.n, sizes[i]);
		cr_assert(seen.all_zero, "size %zu not wiped before free", sizes[i]);
	}
}

Test(secret_heap, key_in_heap)
{
	struct mip_key *k = mip_secret_alloc(sizeof(*k));

	cr_assert_not_null(k);
	cr_assert_eq(mip_key_from_hex("000102030405060708090a0b0c0d0e0f", k), 0);
	mip_secret_set_free_hook(record_free);
	mip_secret_free(k, sizeof(*k));
	cr_assert_eq(seen.calls, 1);
	cr_assert(seen.all_zero);
}

Test(secret_heap, free_null_and_hook_cleared)
{
	uint8_t *p;

	mip_secret_set_free_hook(record_free);
	mip_secret_free(NULL, 16);
	cr_assert_eq(seen.calls, 0, "NULL is a no-op");
	mip_secret_set_free_hook(NULL);
	p = mip_secret_alloc(8);
	mip_secret_free(p, 8);
	cr_assert_eq(seen.calls, 0, "hook cleared");
}

Test(secret, key_from_hex_good)
{
	struct mip_key k;
	size_t i;

	cr_assert_eq(mip_key_from_hex("000102030405060708090a0b0c0d0e0f", &k), 0);
	for (i = 0; i < 16; i++)
		cr_assert_eq(k.b[i], i);
	cr_assert_eq(mip_key_from_hex("FFfeDDcc00112233445566778899AaBb", &k), 0);
	cr_assert_eq(k.b[0], 0xff);
	cr_assert_eq(k.b[1], 0xfe);
	cr_assert_eq(k.b[3], 0xcc);
	cr_assert_eq(k.b[15], 0xbb);
}

Test(secret, key_from_hex_bad_leaves_key)
{
	static const char *bad[] = {
		"",
		"000102030405060708090a0b0c0d0e0",	/* 31 */
		"000102030405060708090a0b0c0d0e0f0",	/* 33 */
		"000102030405060708090a0b0c0d0e0f00",	/* 34 */
		"000102030405060708090a0b0c0d0e0g",
		"00010203040506070809 a0b0c0d0e0f",
		"0x0102030405060708090a0b0c0d0e0f",
		"000102030405060708090a0b0c0d0e-f",
	};
	struct mip_key k;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&k, 0x99, sizeof(k));
		cr_assert_eq(mip_key_from_hex(bad[i], &k), -EINVAL, "case %zu", i);
		cr_assert_eq(k.b[0], 0x99, "case %zu wrote the key", i);
		cr_assert_eq(k.b[15], 0x99, "case %zu wrote the key", i);
	}
	cr_assert_eq(mip_key_from_hex(NULL, &k), -EINVAL);
}
