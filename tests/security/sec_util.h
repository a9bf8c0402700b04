/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers of the security tests: the spec vectors (parsed at test time, never
 * pasted), the list of secrets of the example exchange, running a program
 * with its output captured under a time bound, and searching output for any
 * form of a secret (raw bytes, lower- and upper-case hex).
 */
#ifndef SEC_UTIL_H
#define SEC_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mip.h"

/* The string at k1 (k2 NULL) or k1.k2 of the example file; asserts it exists. */
const char *sec_vec(const char *k1, const char *k2);
/* The integer at k1.k2, as a decimal string in a static buffer of its own. */
const char *sec_vec_num(const char *k1, const char *k2);
void sec_vec_key(const char *k1, const char *k2, struct mip_key *key);
void sec_vec_free(void);

/* One secret and the name it is reported under. */
struct sec_secret {
	const char *name;
	uint8_t b[64];
	size_t n;
};

/* The secrets of the example exchange, in the order of enum sec_id. */
enum sec_id {
	SEC_PASSWORD,
	SEC_NT_HASH,
	SEC_NT_HASH_HASH,
	SEC_K2,
	SEC_SKEY,
	SEC_SKEY2,
	SEC_NEW_SKEY2,
	SEC_SKEY_NEXT,
	SEC__COUNT
};
#define SEC_BIT(id) (1u << (id))

/* Fills the secret list from the vectors (the NT hashes computed by libmip). */
void sec_secrets_load(struct sec_secret out[SEC__COUNT]);

/*
 * Asserts that none of the secrets whose bit is not in allowed appears in
 * text (len bytes) in any of its forms; what names the stream in messages.
 */
void sec_assert_no_secret(const struct sec_secret s[SEC__COUNT], unsigned allowed,
			  const char *what, const char *text, size_t len);
/* True when the n bytes p appear in text raw, or as lower/upper-case hex. */
bool sec_contains(const char *text, size_t len, const uint8_t *p, size_t n);

/* A finished child: exit status (or 128+signal) and its whole output. */
struct sec_run {
	int status;
	char *out;
	size_t out_len;
	char *err;
	size_t err_len;
};

/*
 * Runs path with argv (argv[0] included, NULL-terminated), stdin /dev/null,
 * extra environment assignments env (NULL-terminated, may be NULL), kills it
 * after timeout_s. Output strings are NUL-terminated. Free with sec_run_free.
 */
void sec_run(struct sec_run *r, const char *path, char *const argv[], char *const env[],
	     unsigned timeout_s);
void sec_run_free(struct sec_run *r);

#endif /* SEC_UTIL_H */
