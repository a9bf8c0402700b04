/* SPDX-License-Identifier: BSD-3-Clause */
/* libmip: everything in one include. See docs/libmip.md. */
#ifndef MIP_H
#define MIP_H

#include "mip_auth.h"
#include "mip_dynkey.h"
#include "mip_mschap.h"
#include "mip_ntp.h"
#include "mip_secret.h"
#include "mip_wire.h"

/* Hex helpers shared by tools and tests. */
#include <stddef.h>
#include <stdint.h>
/* Decodes hex (even length, no separators) into out; returns bytes or -EINVAL/-ENOSPC. */
long mip_hex_decode(const char *hex, uint8_t *out, size_t cap);
/* Encodes n bytes as lower-case hex into out (2n+1 bytes with NUL). */
void mip_hex_encode(const uint8_t *in, size_t n, char *out);

#endif /* MIP_H */
