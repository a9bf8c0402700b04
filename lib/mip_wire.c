/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libmip parser: RRQ/RRP and their extensions (spec sections 2-3) as
 * zero-copy views. Every length is checked against the message before a
 * byte it covers is read; the first violation ends the parse with one
 * distinct enum mip_err.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "mip_wire.h"

/* ---- error table (X-macro) ---- */

static const struct {
	uint8_t code;
	const char *text;
	const char *name;
} mip_err_table[MIP_E__COUNT] = {
#define MIP_ERR_ROW(name, code, text) [name] = { code, text, #name },
	MIP_ERRORS(MIP_ERR_ROW)
#undef MIP_ERR_ROW
};

uint8_t mip_err_code(enum mip_err err)
{
	if ((unsigned)err >= MIP_E__COUNT)
		return MIP_CODE_REASON_UNSPECIFIED;
	return mip_err_table[err].code;
}

const char *mip_err_str(enum mip_err err)
{
	if ((unsigned)err >= MIP_E__COUNT)
		return "unknown parse error";
	return mip_err_table[err].text;
}

const char *mip_err_name(enum mip_err err)
{
	if ((unsigned)err >= MIP_E__COUNT)
		return "MIP_E_UNKNOWN";
	return mip_err_table[err].name;
}

void mip_parse_cfg_default(struct mip_parse_cfg *cfg)
{
	cfg->vendor_id = MIP_DEFAULT_VENDOR_ID;
	cfg->dynkey_spi = MIP_DEFAULT_DYNKEY_SPI;
}

int mip_parse_ipv4(const char *s, uint32_t *addr_be)
{
	struct in_addr a;

	/* inet_pton takes exactly a dotted quad: no shorthand, no octal. */
	if (s == NULL || inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*addr_be = a.s_addr;
	return 0;
}

/* ---- byte helpers: callers have checked the bounds ---- */

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

static uint32_t get_addr(const uint8_t *p)
{
	uint32_t a;

	memcpy(&a, p, 4);
	return a;
}

/* ---- one extension's framing ---- */

struct mip_ext {
	uint16_t off;	   /* offset of the type byte */
	uint8_t type;
	uint8_t byte1;	   /* subtype (36) or reserved (38); 0 for short forms */
	uint16_t hdr_len;  /* 2 or 4 */
	const uint8_t *val;
	uint16_t vlen;
	uint16_t next;	   /* offset just past the extension */
};

static bool ext_long_length(uint8_t type)
{
	return type == MIP_EXT_GEN_AUTH || type == MIP_EXT_CVSE;
}

/* Reads the TLV header at off and checks the value fits inside the message. */
static enum mip_err ext_frame(const uint8_t *buf, size_t len, size_t off, struct mip_ext *e)
{
	size_t vlen;

	e->off = (uint16_t)off;
	e->type = buf[off];
	if (ext_long_length(e->type)) {
		if (len - off < 4)
			return MIP_E_EXT_TRUNCATED;
		e->hdr_len = 4;
		e->byte1 = buf[off + 1];
		vlen = get_be16(buf + off + 2);
	} else {
		if (len - off < 2)
			return MIP_E_EXT_TRUNCATED;
		e->hdr_len = 2;
		e->byte1 = 0;
		vlen = buf[off + 1];
	}
	if (vlen > len - off - e->hdr_len)
		return MIP_E_EXT_OVERRUN;
	e->vlen = (uint16_t)vlen;
	e->val = buf + off + e->hdr_len;
	e->next = (uint16_t)(off + e->hdr_len + vlen);
	return MIP_OK;
}

static struct mip_view view_of(const uint8_t *p, size_t len)
{
	struct mip_view v = { p, (uint16_t)len };

	return v;
}

/* ---- per-extension parsers ---- */

/* MHAE, MN-FA, FA-HA: SPI(4) then a non-empty authenticator. */
static enum mip_err parse_short_auth(const struct mip_ext *e, struct mip_auth *a)
{
	if (e->vlen < 4)
		return MIP_E_AUTH_SHORT;
	if (e->vlen == 4)
		return MIP_E_AUTH_EMPTY;
	a->offset = e->off;
	a->protected_len = (uint16_t)(e->off + 2 + 4);
	a->spi = get_be32(e->val);
	a->subtype = 0;
	a->auth = view_of(e->val + 4, e->vlen - 4u);
	return MIP_OK;
}

static enum mip_err parse_mhae(const struct mip_ext *e, const struct mip_parse_cfg *cfg,
			       struct mip_msg *m)
{
	size_t want;
	enum mip_err err;

	err = parse_short_auth(e, &m->mhae);
	if (err != MIP_OK)
		return err;
	if (m->mhae.spi < MIP_SPI_MIN)
		return MIP_E_SPI_RESERVED;
	/*
	 * Every SPI carries an MD5 digest, but DYNKEY_SPI in an initial
	 * dynamic-key RRQ the NT-Response: that needs AUTH-PROTOCOL, which may
	 * come before or after, so DYNKEY_SPI's length waits for check_message.
	 */
	want = MIP_MD5_AUTH_LEN;
	if (m->mhae.spi != cfg->dynkey_spi && m->mhae.auth.len != want)
		return MIP_E_AUTH_LEN;
	m->ext_end_mhae = e->next;
	return MIP_OK;
}

/* Generalized authentication (RFC 3012): subtype, len(2), SPI(4), authenticator. */
static enum mip_err parse_gen_auth(const struct mip_ext *e, struct mip_auth *a)
{
	if (e->vlen < 4)
		return MIP_E_GEN_AUTH_SHORT;
	if (e->vlen == 4)
		return MIP_E_AUTH_EMPTY;
	a->offset = e->off;
	a->protected_len = (uint16_t)(e->off + 4 + 4);
	a->spi = get_be32(e->val);
	a->subtype = e->byte1;
	a->auth = view_of(e->val + 4, e->vlen - 4u);
	return MIP_OK;
}

/* NVSE: reserved(2), vendor-id(4), nvse-type(2), value. Checked for shape only. */
static enum mip_err parse_nvse(const struct mip_ext *e)
{
	if (e->vlen < 8)
		return MIP_E_NVSE_SHORT;
	return MIP_OK;
}

static enum mip_err parse_keyspec(const uint8_t *v, const struct mip_parse_cfg *cfg,
				  struct mip_keyspec *ks)
{
	ks->spi = get_be32(v);
	ks->alg = v[4];
	ks->replay = v[5];
	if (ks->spi < MIP_SPI_MIN || ks->spi == cfg->dynkey_spi)
		return MIP_E_KEYSPEC_SPI;
	if (ks->alg != MIP_ALG_HMAC_MD5 && ks->alg != MIP_ALG_KEYED_MD5)
		return MIP_E_KEYSPEC_ALG;
	if (ks->replay != MIP_REPLAY_TIMESTAMPS)
		return MIP_E_KEYSPEC_REPLAY;
	if (v[6] != 0 || v[7] != 0)
		return MIP_E_KEYSPEC_RESERVED;
	return MIP_OK;
}

/* "S=" and exactly 40 upper-case hex digits (RFC 2759 8.7). */
static bool auth_response_ok(const uint8_t *v)
{
	size_t i;

	if (v[0] != 'S' || v[1] != '=')
		return false;
	for (i = 2; i < MIP_AUTH_RESPONSE_LEN; i++) {
		if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'A' && v[i] <= 'F')))
			return false;
	}
	return true;
}

/* Value lengths of the contract's CVSE types (section 3), and their present bit. */
static const struct {
	uint32_t bit;
	uint16_t min;
	uint16_t max;
} cvse_rules[] = {
	[MIP_CVSE_AUTH_PROTOCOL] = { MIP_HAS_AUTH_PROTOCOL, 1, 1 },
	[MIP_CVSE_AUTH_CHALLENGE] = { MIP_HAS_AUTH_CHALLENGE, MIP_AUTH_CHALLENGE_LEN,
				      MIP_AUTH_CHALLENGE_LEN },
	[MIP_CVSE_KEY_REQ_S] = { MIP_HAS_KEY_REQ_S, MIP_KEYSPEC_LEN, MIP_KEYSPEC_LEN },
	[MIP_CVSE_KEY_REQ_S2] = { MIP_HAS_KEY_REQ_S2, MIP_KEYSPEC_LEN, MIP_KEYSPEC_LEN },
	[MIP_CVSE_DOMAIN] = { MIP_HAS_DOMAIN, 1, MIP_DOMAIN_MAX },
	[MIP_CVSE_AUTH_RESPONSE] = { MIP_HAS_AUTH_RESPONSE, MIP_AUTH_RESPONSE_LEN,
				     MIP_AUTH_RESPONSE_LEN },
	[MIP_CVSE_KEY_CONTINUATION] = { MIP_HAS_KEY_CONTINUATION, 4, 4 },
};
#define MIP_CVSE_TYPE_MAX MIP_CVSE_KEY_CONTINUATION

static enum mip_err cvse_store(uint16_t type, const uint8_t *v, uint16_t vlen,
			       const struct mip_parse_cfg *cfg, struct mip_msg *m)
{
	switch (type) {
	case MIP_CVSE_AUTH_PROTOCOL:
		m->auth_protocol = v[0];
		if (v[0] != MIP_AUTH_PROTOCOL_MSCHAPV2)
			return MIP_E_AUTH_PROTOCOL;
		return MIP_OK;
	case MIP_CVSE_AUTH_CHALLENGE:
		m->auth_challenge = v;
		return MIP_OK;
	case MIP_CVSE_KEY_REQ_S:
		return parse_keyspec(v, cfg, &m->key_s);
	case MIP_CVSE_KEY_REQ_S2:
		return parse_keyspec(v, cfg, &m->key_s2);
	case MIP_CVSE_DOMAIN:
		m->domain = view_of(v, vlen);
		return MIP_OK;
	case MIP_CVSE_AUTH_RESPONSE:
		if (!auth_response_ok(v))
			return MIP_E_AUTH_RESPONSE;
		m->auth_response = v;
		return MIP_OK;
	case MIP_CVSE_KEY_CONTINUATION:
		m->key_continuation = get_be32(v);
		return MIP_OK;
	}
	return MIP_E_CVSE_TYPE;
}

/*
 * CVSE: reserved(1)=0 in the header, then vendor-id(4), cvse-type(2), value.
 * Shape is checked before vendor and type, so a garbled CVSE is 134 and only
 * a well-formed one we do not implement is 140.
 */
static enum mip_err parse_cvse(const struct mip_ext *e, const struct mip_parse_cfg *cfg,
			       struct mip_msg *m)
{
	uint32_t vendor;
	uint16_t type, vlen;
	const uint8_t *v;

	if (e->byte1 != 0)
		return MIP_E_CVSE_RESERVED;
	if (e->vlen < 6)
		return MIP_E_CVSE_SHORT;
	vendor = get_be32(e->val);
	type = get_be16(e->val + 4);
	v = e->val + 6;
	vlen = (uint16_t)(e->vlen - 6);
	if (vendor != cfg->vendor_id)
		return MIP_E_CVSE_VENDOR;
	if (type < 1 || type > MIP_CVSE_TYPE_MAX)
		return MIP_E_CVSE_TYPE;
	if (m->present & cvse_rules[type].bit)
		return MIP_E_EXT_DUPLICATE;
	if (vlen == 0)
		return MIP_E_CVSE_EMPTY;
	if (vlen < cvse_rules[type].min || vlen > cvse_rules[type].max)
		return MIP_E_CVSE_LEN;
	m->present |= cvse_rules[type].bit;
	return cvse_store(type, v, vlen, cfg, m);
}

/* Sets a singleton's present bit; a second copy is poorly formed. */
static enum mip_err claim(struct mip_msg *m, uint32_t bit)
{
	if (m->present & bit)
		return MIP_E_EXT_DUPLICATE;
	m->present |= bit;
	return MIP_OK;
}

/*
 * Extensions the HA (or, in a reply, the MN) must read are only trusted when
 * the MHAE covers them; what may follow the MHAE is what an FA adds (MN-FA,
 * FA-HA, generalized auth, FA challenge) and skippable extensions.
 */
static bool ext_must_precede_mhae(uint8_t type)
{
	return type == MIP_EXT_NAI || type == MIP_EXT_CVSE;
}

static enum mip_err parse_ext(const struct mip_ext *e, const struct mip_parse_cfg *cfg,
			      struct mip_msg *m)
{
	enum mip_err err;

	if ((m->present & MIP_HAS_MHAE) && ext_must_precede_mhae(e->type))
		return MIP_E_AFTER_MHAE;
	switch (e->type) {
	case MIP_EXT_MHAE:
		err = claim(m, MIP_HAS_MHAE);
		return err != MIP_OK ? err : parse_mhae(e, cfg, m);
	case MIP_EXT_MNFA:
		err = claim(m, MIP_HAS_MNFA);
		return err != MIP_OK ? err : parse_short_auth(e, &m->mnfa);
	case MIP_EXT_FAHA:
		err = claim(m, MIP_HAS_FAHA);
		return err != MIP_OK ? err : parse_short_auth(e, &m->faha);
	case MIP_EXT_GEN_AUTH:
		err = claim(m, MIP_HAS_GEN_AUTH);
		return err != MIP_OK ? err : parse_gen_auth(e, &m->gen_auth);
	case MIP_EXT_CVSE:
		return parse_cvse(e, cfg, m);
	case MIP_EXT_NAI:
		err = claim(m, MIP_HAS_NAI);
		if (err != MIP_OK)
			return err;
		if (e->vlen == 0)
			return MIP_E_NAI_EMPTY;
		m->nai = view_of(e->val, e->vlen);
		return MIP_OK;
	case MIP_EXT_FA_CHALLENGE:
		err = claim(m, MIP_HAS_FA_CHALLENGE);
		if (err != MIP_OK)
			return err;
		m->fa_challenge = view_of(e->vlen ? e->val : NULL, e->vlen);
		return MIP_OK;
	case MIP_EXT_NVSE:
		return parse_nvse(e);
	}
	/* RFC 5944 1.9: 0-127 must be understood, 128-255 may be skipped. */
	return e->type < 128 ? MIP_E_EXT_UNKNOWN : MIP_OK;
}

/* ---- the message ---- */

static enum mip_err parse_header(const uint8_t *buf, size_t len, struct mip_msg *m)
{
	if (len < 1)
		return MIP_E_TRUNCATED;
	m->type = buf[0];
	if (m->type == MIP_TYPE_RRQ) {
		if (len < MIP_RRQ_HDR_LEN)
			return MIP_E_TRUNCATED;
		m->flags = buf[1];
		m->lifetime = get_be16(buf + 2);
		m->home_addr = get_addr(buf + 4);
		m->ha_addr = get_addr(buf + 8);
		m->coa = get_addr(buf + 12);
		m->ident = get_be64(buf + 16);
		if (m->flags & (MIP_FLAG_r | MIP_FLAG_x))
			return MIP_E_RESERVED_FLAGS;
		return MIP_OK;
	}
	if (m->type == MIP_TYPE_RRP) {
		if (len < MIP_RRP_HDR_LEN)
			return MIP_E_TRUNCATED;
		m->code = buf[1];
		m->lifetime = get_be16(buf + 2);
		m->home_addr = get_addr(buf + 4);
		m->ha_addr = get_addr(buf + 8);
		m->ident = get_be64(buf + 12);
		return MIP_OK;
	}
	return MIP_E_TYPE;
}

/* Rules over the whole message, once every extension has been read. */
static enum mip_err check_message(const struct mip_parse_cfg *cfg, const struct mip_msg *m)
{
	const uint32_t dynkey_needs = MIP_HAS_NAI | MIP_HAS_KEY_REQ_S | MIP_HAS_AUTH_CHALLENGE;
	bool dynkey;

	if ((m->present & MIP_HAS_KEY_REQ_S) && (m->present & MIP_HAS_KEY_REQ_S2) &&
	    m->key_s.spi == m->key_s2.spi)
		return MIP_E_KEYSPEC_SPI;
	if (m->type == MIP_TYPE_RRQ && !(m->present & MIP_HAS_MHAE))
		return MIP_E_NO_MHAE;
	if (!(m->present & MIP_HAS_MHAE) || m->mhae.spi != cfg->dynkey_spi)
		return MIP_OK;
	/*
	 * Spec section 3: DYNKEY_SPI together with AUTH-PROTOCOL asks for dynamic
	 * keys; without both the RRQ is a conventional one (its SPI is then
	 * looked up like any other and found in no SA: 131), and a reply never
	 * carries the NT-Response.
	 */
	dynkey = m->type == MIP_TYPE_RRQ && (m->present & MIP_HAS_AUTH_PROTOCOL);
	if (m->mhae.auth.len != (dynkey ? MIP_NT_RESPONSE_LEN : MIP_MD5_AUTH_LEN))
		return MIP_E_AUTH_LEN;
	if (dynkey && (m->present & dynkey_needs) != dynkey_needs)
		return MIP_E_DYNKEY_INCOMPLETE;
	return MIP_OK;
}

enum mip_err mip_parse(const uint8_t *buf, size_t len, const struct mip_parse_cfg *cfg,
		       struct mip_msg *out)
{
	struct mip_ext e;
	size_t off;
	enum mip_err err;

	memset(out, 0, sizeof(*out));
	if (buf == NULL)
		len = 0;
	/* Offsets in struct mip_msg are 16-bit; no UDP payload is longer. */
	if (len > UINT16_MAX)
		return MIP_E_TOO_LONG;
	out->buf = buf;
	out->len = (uint16_t)len;
	err = parse_header(buf, len, out);
	if (err != MIP_OK)
		return err;
	off = out->type == MIP_TYPE_RRQ ? MIP_RRQ_HDR_LEN : MIP_RRP_HDR_LEN;
	while (off < len) {
		err = ext_frame(buf, len, off, &e);
		if (err != MIP_OK)
			return err;
		err = parse_ext(&e, cfg, out);
		if (err != MIP_OK)
			return err;
		off = e.next;
	}
	return check_message(cfg, out);
}

bool mip_is_dynkey_initial(const struct mip_msg *m, const struct mip_parse_cfg *cfg)
{
	return m->type == MIP_TYPE_RRQ && (m->present & MIP_HAS_MHAE) &&
	       m->mhae.spi == cfg->dynkey_spi && (m->present & MIP_HAS_AUTH_PROTOCOL);
}
