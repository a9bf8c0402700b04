/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control lcore's expiry heap (control/expiry.c): entries come out in
 * expiry order, serial arithmetic across the NTP era wrap, growth beyond the
 * initial capacity. No EAL.
 */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "expiry.h"

static struct mipha_expiry h;

static void setup(void)
{
	cr_assert_eq(mipha_expiry_init(&h, 4), 0);
}

static void teardown(void)
{
	mipha_expiry_fini(&h);
}

TestSuite(expiry, .init = setup, .fini = teardown);

static void push(uint32_t expiry, uint32_t home, uint64_t gen)
{
	struct mipha_expiry_ent e = { .expiry = expiry, .home_addr = home, .gen = gen };

	cr_assert_eq(mipha_expiry_push(&h, &e), 0);
}

Test(expiry, empty)
{
	struct mipha_expiry_ent e;

	cr_assert_not(mipha_expiry_peek(&h, &e));
	mipha_expiry_pop(&h); /* no-op */
	cr_assert_eq(h.n, 0);
}

Test(expiry, comes_out_in_order_and_grows)
{
	struct mipha_expiry_ent e;
	uint32_t last = 0;
	unsigned int i;

	srand(7);
	for (i = 0; i < 1000; i++)
		push(1000 + (uint32_t)(rand() % 5000), i, i);
	cr_assert_eq(h.n, 1000);
	cr_assert_geq(h.cap, 1000);
	for (i = 0; i < 1000; i++) {
		cr_assert(mipha_expiry_peek(&h, &e));
		cr_assert_geq(e.expiry, last, "out of order at %u", i);
		cr_assert_eq(e.gen, e.home_addr, "entry fields kept together");
		last = e.expiry;
		mipha_expiry_pop(&h);
	}
	cr_assert_not(mipha_expiry_peek(&h, &e));
}

Test(expiry, serial_order_across_era_wrap)
{
	struct mipha_expiry_ent e;

	/* 2036: seconds wrap; 0x00000010 is after 0xfffffff0. */
	push(0x00000010, 2, 2);
	push(0xfffffff0, 1, 1);
	push(0x00000020, 3, 3);
	cr_assert(mipha_expiry_peek(&h, &e));
	cr_assert_eq(e.home_addr, 1);
	mipha_expiry_pop(&h);
	cr_assert(mipha_expiry_peek(&h, &e));
	cr_assert_eq(e.home_addr, 2);
	mipha_expiry_pop(&h);
	cr_assert(mipha_expiry_peek(&h, &e));
	cr_assert_eq(e.home_addr, 3);
}

Test(expiry, equal_expiries_all_come_out)
{
	struct mipha_expiry_ent e;
	uint64_t seen = 0;
	unsigned int i;

	for (i = 0; i < 10; i++)
		push(500, i, i);
	for (i = 0; i < 10; i++) {
		cr_assert(mipha_expiry_peek(&h, &e));
		cr_assert_eq(e.expiry, 500);
		seen |= 1ull << e.gen;
		mipha_expiry_pop(&h);
	}
	cr_assert_eq(seen, 0x3ff);
}
