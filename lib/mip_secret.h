/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Key material: fixed-size key buffers and wiping. Every buffer that held a
 * key, k'', a password or an NT hash is wiped with mip_wipe() before it goes
 * out of scope or is freed; heap secrets come from mip_secret_alloc() and go
 * back through mip_secret_free(), which wipes first.
 */
#ifndef MIP_SECRET_H
#define MIP_SECRET_H

#include <stddef.h>
#include <stdint.h>

#define MIP_KEY_LEN 16

/* A 128-bit key (Skey, Skey', Skey_next, k'', a static SA key, an NT hash). */
struct mip_key {
	uint8_t b[MIP_KEY_LEN];
};

/* Wipes n bytes in a way the compiler may not elide (explicit_bzero). */
void mip_wipe(void *p, size_t n);

/* Heap buffer for secrets: zeroed on allocation, wiped on free. NULL on failure. */
void *mip_secret_alloc(size_t n);
void mip_secret_free(void *p, size_t n);

/*
 * Hook for tests: when set, mip_secret_free() calls it with the buffer after
 * wiping and before freeing, so a test can assert that it is all zero.
 * Process-wide; tests only.
 */
typedef void (*mip_secret_free_hook)(const void *p, size_t n);
void mip_secret_set_free_hook(mip_secret_free_hook hook);

/* Parses exactly 32 hex digits into a key; 0 or -EINVAL. */
int mip_key_from_hex(const char *hex, struct mip_key *key);

#endif /* MIP_SECRET_H */
