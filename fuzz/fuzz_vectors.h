/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The spec's example exchange (../shared/spec/vectors/dynkey-example.json),
 * read once when a fuzz target or the corpus generator starts, so that the
 * fixed requests, keys and passwords of the targets are the spec's and never
 * numbers pasted into source. The file is found through $MIP_SHARED_DIR, else
 * the shared_dir meson was configured with. Any failure aborts: a fuzz target
 * without its fixed inputs would fuzz nothing useful.
 */
#ifndef MIP_FUZZ_VECTORS_H
#define MIP_FUZZ_VECTORS_H

#include <stddef.h>
#include <stdint.h>

#include "mip.h"

/* Loads the example file once; later calls do nothing. */
void fv_load(void);

/* The string at k1 (k2 NULL) or k1.k2; aborts when missing. */
const char *fv_str(const char *k1, const char *k2);
/* The integer at k1.k2; aborts when missing. */
uint32_t fv_u32(const char *k1, const char *k2);
/* The hex string at k1 (k2 NULL) or k1.k2 decoded into out; returns its length. */
size_t fv_hex(const char *k1, const char *k2, uint8_t *out, size_t cap);
/* A 16-byte key from hex at k1 (k2 NULL) or k1.k2. */
void fv_key(const char *k1, const char *k2, struct mip_key *key);
/* The parser configuration of the example (its vendor id and DYNKEY_SPI). */
void fv_parse_cfg(struct mip_parse_cfg *cfg);

/*
 * The RADIUS fixture of fuzz_radius_reply and of its seeds: the request is the
 * spec example's Access-Request, sent with this Identifier and Request
 * Authenticator under this shared secret. Test choices, not spec values.
 */
#define FV_RADIUS_SECRET "mipha-fuzz-shared-secret"
#define FV_RADIUS_ID 0x2a
/* The HA clock (UNIX seconds) for Disconnect-Requests' Event-Timestamp. */
#define FV_DAE_NOW 1800000000u
#define FV_RADIUS_REQ_AUTH                                                      \
	{ 0x52, 0x65, 0x71, 0x75, 0x65, 0x73, 0x74, 0x20,                       \
	  0x41, 0x75, 0x74, 0x68, 0x20, 0x66, 0x75, 0x7a }

/* A copy of n bytes in a heap buffer of exactly n bytes (an over-read then shows). */
uint8_t *fv_dup(const uint8_t *p, size_t n);

#endif /* MIP_FUZZ_VECTORS_H */
