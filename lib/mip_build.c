/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libmip builder: appends RRQ/RRP headers and extensions to a caller's
 * buffer. Errors are sticky (see mip_wire.h) so a sequence of puts needs one
 * check at the end.
 */
#include <errno.h>
#include <string.h>

#include "mip_wire.h"

void mip_builder_init(struct mip_builder *b, uint8_t *buf, size_t cap)
{
	b->buf = buf;
	b->cap = cap;
	b->len = 0;
	b->err = 0;
}

/* Reserves n bytes at the end; NULL (and err set) when there is no room. */
static uint8_t *reserve(struct mip_builder *b, size_t n)
{
	uint8_t *p;

	if (b->err != 0)
		return NULL;
	if (b->buf == NULL || n > b->cap - b->len) {
		b->err = -ENOSPC;
		return NULL;
	}
	p = b->buf + b->len;
	b->len += n;
	return p;
}

static void fail(struct mip_builder *b, int err)
{
	if (b->err == 0)
		b->err = err;
}

static uint8_t *put_u8(uint8_t *p, uint8_t v)
{
	*p = v;
	return p + 1;
}

static uint8_t *put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static uint8_t *put_be32(uint8_t *p, uint32_t v)
{
	p = put_be16(p, (uint16_t)(v >> 16));
	return put_be16(p, (uint16_t)v);
}

static uint8_t *put_be64(uint8_t *p, uint64_t v)
{
	p = put_be32(p, (uint32_t)(v >> 32));
	return put_be32(p, (uint32_t)v);
}

/* Addresses are already in network order: copy their bytes as they are. */
static uint8_t *put_addr(uint8_t *p, uint32_t addr_be)
{
	memcpy(p, &addr_be, 4);
	return p + 4;
}

/* A NULL value stands for len zero bytes (placeholders and tests). */
static uint8_t *put_bytes(uint8_t *p, const void *val, size_t len)
{
	if (len == 0)
		return p;
	if (val != NULL)
		memcpy(p, val, len);
	else
		memset(p, 0, len);
	return p + len;
}

void mip_put_rrq_hdr(struct mip_builder *b, uint8_t flags, uint16_t lifetime, uint32_t home_addr,
		     uint32_t ha_addr, uint32_t coa, uint64_t ident)
{
	uint8_t *p = reserve(b, MIP_RRQ_HDR_LEN);

	if (p == NULL)
		return;
	p = put_u8(p, MIP_TYPE_RRQ);
	p = put_u8(p, flags);
	p = put_be16(p, lifetime);
	p = put_addr(p, home_addr);
	p = put_addr(p, ha_addr);
	p = put_addr(p, coa);
	put_be64(p, ident);
}

void mip_put_rrp_hdr(struct mip_builder *b, uint8_t code, uint16_t lifetime, uint32_t home_addr,
		     uint32_t ha_addr, uint64_t ident)
{
	uint8_t *p = reserve(b, MIP_RRP_HDR_LEN);

	if (p == NULL)
		return;
	p = put_u8(p, MIP_TYPE_RRP);
	p = put_u8(p, code);
	p = put_be16(p, lifetime);
	p = put_addr(p, home_addr);
	p = put_addr(p, ha_addr);
	put_be64(p, ident);
}

void mip_put_ext(struct mip_builder *b, uint8_t type, const void *val, size_t len)
{
	uint8_t *p;

	if (len > UINT8_MAX) {
		fail(b, -EINVAL);
		return;
	}
	p = reserve(b, 2 + len);
	if (p == NULL)
		return;
	p = put_u8(p, type);
	p = put_u8(p, (uint8_t)len);
	put_bytes(p, val, len);
}

void mip_put_nai(struct mip_builder *b, const char *nai, size_t len)
{
	/* An empty NAI is poorly formed on the wire (RFC 2794). */
	if (len == 0 || len > MIP_NAI_MAX || nai == NULL) {
		fail(b, -EINVAL);
		return;
	}
	mip_put_ext(b, MIP_EXT_NAI, nai, len);
}

void mip_put_cvse(struct mip_builder *b, uint32_t vendor, uint16_t cvse_type, const void *val,
		  size_t len)
{
	uint8_t *p;

	/* The 2-byte length counts vendor-id, cvse-type and the value. */
	if (len > UINT16_MAX - 6) {
		fail(b, -EINVAL);
		return;
	}
	p = reserve(b, 4 + 6 + len);
	if (p == NULL)
		return;
	p = put_u8(p, MIP_EXT_CVSE);
	p = put_u8(p, 0);
	p = put_be16(p, (uint16_t)(6 + len));
	p = put_be32(p, vendor);
	p = put_be16(p, cvse_type);
	put_bytes(p, val, len);
}

void mip_put_keyspec(struct mip_builder *b, uint32_t vendor, uint16_t cvse_type,
		     const struct mip_keyspec *ks)
{
	uint8_t v[MIP_KEYSPEC_LEN];
	uint8_t *p = v;

	p = put_be32(p, ks->spi);
	p = put_u8(p, ks->alg);
	p = put_u8(p, ks->replay);
	put_be16(p, 0);
	mip_put_cvse(b, vendor, cvse_type, v, sizeof(v));
}

void mip_put_nvse(struct mip_builder *b, uint32_t vendor, uint16_t nvse_type, const void *val,
		  size_t len)
{
	uint8_t *p;

	/* The 1-byte length counts reserved, vendor-id, nvse-type and the value. */
	if (len > UINT8_MAX - 8) {
		fail(b, -EINVAL);
		return;
	}
	p = reserve(b, 2 + 8 + len);
	if (p == NULL)
		return;
	p = put_u8(p, MIP_EXT_NVSE);
	p = put_u8(p, (uint8_t)(8 + len));
	p = put_be16(p, 0);
	p = put_be32(p, vendor);
	p = put_be16(p, nvse_type);
	put_bytes(p, val, len);
}

void mip_put_gen_auth(struct mip_builder *b, uint8_t subtype, uint32_t spi, const void *auth,
		      size_t auth_len)
{
	uint8_t *p;

	if (auth_len > UINT16_MAX - 4) {
		fail(b, -EINVAL);
		return;
	}
	p = reserve(b, 4 + 4 + auth_len);
	if (p == NULL)
		return;
	p = put_u8(p, MIP_EXT_GEN_AUTH);
	p = put_u8(p, subtype);
	p = put_be16(p, (uint16_t)(4 + auth_len));
	p = put_be32(p, spi);
	put_bytes(p, auth, auth_len);
}

size_t mip_put_auth(struct mip_builder *b, uint8_t type, uint32_t spi, size_t auth_len)
{
	uint8_t *p;

	if (auth_len > UINT8_MAX - 4) {
		fail(b, -EINVAL);
		return 0;
	}
	p = reserve(b, 2 + 4 + auth_len);
	if (p == NULL)
		return 0;
	p = put_u8(p, type);
	p = put_u8(p, (uint8_t)(4 + auth_len));
	p = put_be32(p, spi);
	put_bytes(p, NULL, auth_len);
	return (size_t)(p - b->buf);
}
