/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Writes the seed corpora of the fuzz targets: the spec's example messages
 * (parsed from the vectors, never pasted) and mutations of them after the
 * malformed-input table of tests/unit/test_malformed.c, plus RADIUS replies
 * built and signed for the fixed request of fuzz_radius_reply.
 *
 *	gen_corpus OUTDIR	writes the seeds into OUTDIR/fuzz_parse,
 *				OUTDIR/fuzz_mn_reply, OUTDIR/fuzz_radius_reply and
 *				OUTDIR/fuzz_reg_stage (directories must exist)
 *
 * The committed fuzz/corpus/ is this program's output (see scripts/fuzz.sh
 * --regen) plus any crash reproducer promoted to a regression input; keep it
 * under 200 files.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_vectors.h"
#include "mip.h"
#include "radius.h"

#define WMAX 2048

struct wmsg {
	uint8_t b[WMAX];
	size_t len;
};

static const char *outdir;
static struct mip_parse_cfg cfg;
static unsigned written;

static void die(const char *what)
{
	fprintf(stderr, "gen_corpus: %s\n", what);
	exit(1);
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void emit(const char *target, const char *name, int mode, const uint8_t *p, size_t n)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", outdir, target, name);
	f = fopen(path, "wb");
	if (f == NULL)
		die(path);
	if (mode >= 0)
		fputc(mode, f);
	if (n != 0 && fwrite(p, 1, n, f) != n)
		die(path);
	if (fclose(f) != 0)
		die(path);
	written++;
}

/* ---- registration messages ---- */

static void load(struct wmsg *w, const char *k1, const char *k2)
{
	w->len = fv_hex(k1, k2, w->b, sizeof(w->b));
}

static size_t hdr_len(const struct wmsg *w)
{
	return w->b[0] == MIP_TYPE_RRQ ? MIP_RRQ_HDR_LEN : MIP_RRP_HDR_LEN;
}

static size_t ext_size(const struct wmsg *w, size_t off)
{
	if (w->b[off] == MIP_EXT_GEN_AUTH || w->b[off] == MIP_EXT_CVSE)
		return 4 + ((size_t)w->b[off + 2] << 8 | w->b[off + 3]);
	return 2 + (size_t)w->b[off + 1];
}

static size_t ext_find(const struct wmsg *w, uint8_t type, uint16_t cvse_type)
{
	for (size_t off = hdr_len(w); off < w->len; off += ext_size(w, off)) {
		if (w->b[off] != type)
			continue;
		if (type == MIP_EXT_CVSE && ((w->b[off + 8] << 8) | w->b[off + 9]) != cvse_type)
			continue;
		return off;
	}
	die("extension not in the example");
	return 0;
}

static void insert(struct wmsg *w, size_t off, const void *p, size_t n)
{
	if (w->len + n > sizeof(w->b))
		die("message too long");
	memmove(w->b + off + n, w->b + off, w->len - off);
	memcpy(w->b + off, p, n);
	w->len += n;
}

static void delete(struct wmsg *w, size_t off, size_t n)
{
	memmove(w->b + off, w->b + off + n, w->len - off - n);
	w->len -= n;
}

static void dup_ext(struct wmsg *w, size_t off)
{
	uint8_t copy[WMAX];
	size_t n = ext_size(w, off);

	memcpy(copy, w->b + off, n);
	insert(w, off + n, copy, n);
}

static void move_to_end(struct wmsg *w, size_t off)
{
	uint8_t copy[WMAX];
	size_t n = ext_size(w, off);

	memcpy(copy, w->b + off, n);
	delete(w, off, n);
	insert(w, w->len, copy, n);
}

static void set_cvse_value(struct wmsg *w, size_t off, const void *v, size_t n)
{
	uint8_t copy[WMAX];

	memcpy(copy, v, n);
	delete(w, off + 10, ext_size(w, off) - 10);
	insert(w, off + 10, copy, n);
	w->b[off + 2] = (uint8_t)((6 + n) >> 8);
	w->b[off + 3] = (uint8_t)(6 + n);
}

static void set_mhae_auth_len(struct wmsg *w, size_t n)
{
	static const uint8_t zero[256];
	size_t off = ext_find(w, MIP_EXT_MHAE, 0);

	delete(w, off + 6, ext_size(w, off) - 6);
	insert(w, off + 6, zero, n);
	w->b[off + 1] = (uint8_t)(4 + n);
}

static uint8_t *keyspec(struct wmsg *w, uint16_t cvse_type)
{
	return w->b + ext_find(w, MIP_EXT_CVSE, cvse_type) + 10;
}

static void cvse(struct wmsg *w, size_t at, uint16_t type, const void *v, size_t n)
{
	uint8_t e[10 + 256] = { MIP_EXT_CVSE, 0, (uint8_t)((6 + n) >> 8), (uint8_t)(6 + n) };

	put_be32(e + 4, cfg.vendor_id);
	e[9] = (uint8_t)type;
	memcpy(e + 10, v, n);
	insert(w, at, e, 10 + n);
}

enum ex { IRRQ, IRRP, RRRQ, RRRP, KRRQ, KRRP };

static void ex(struct wmsg *w, enum ex e)
{
	static const char *const k[][2] = {
		{ "initial_rrq", NULL }, { "initial_rrp", NULL }, { "rereg", "rrq" },
		{ "rereg", "rrp" },	 { "rekey", "rrq" },	  { "rekey", "rrp" },
	};

	load(w, k[e][0], k[e][1]);
}

#define MHAE(w) ext_find(w, MIP_EXT_MHAE, 0)
#define CV(w, t) ext_find(w, MIP_EXT_CVSE, MIP_CVSE_##t)

/* One mutation of the malformed table (and a few well-formed variants). */
struct mutation {
	const char *name;
	enum ex base;
	void (*edit)(struct wmsg *w);
};

static void m_type2(struct wmsg *w) { w->b[0] = 2; }
static void m_flag_r(struct wmsg *w) { w->b[1] |= MIP_FLAG_r; }
static void m_hdr_short(struct wmsg *w) { w->len = hdr_len(w) - 1; }
static void m_nai_overrun(struct wmsg *w) { w->b[ext_find(w, MIP_EXT_NAI, 0) + 1] = 0xff; }
static void m_cvse_overrun(struct wmsg *w) { w->b[CV(w, AUTH_CHALLENGE) + 2] = 0xff; }
static void m_last_cut(struct wmsg *w) { w->len--; }
static void m_unknown_127(struct wmsg *w)
{
	static const uint8_t e[] = { 127, 2, 0, 0 };

	insert(w, MHAE(w), e, sizeof(e));
}
static void m_unknown_35_after(struct wmsg *w)
{
	static const uint8_t e[] = { 35, 1, 0 };

	insert(w, w->len, e, sizeof(e));
}
static void m_dup_nai(struct wmsg *w) { dup_ext(w, ext_find(w, MIP_EXT_NAI, 0)); }
static void m_dup_key_req_s(struct wmsg *w) { dup_ext(w, CV(w, KEY_REQ_S)); }
static void m_dup_mhae(struct wmsg *w) { dup_ext(w, MHAE(w)); }
static void m_nai_empty(struct wmsg *w)
{
	size_t off = ext_find(w, MIP_EXT_NAI, 0);

	delete(w, off + 2, ext_size(w, off) - 2);
	w->b[off + 1] = 0;
}
static void m_mhae_spi_only(struct wmsg *w) { set_mhae_auth_len(w, 0); }
static void m_mhae_spi_255(struct wmsg *w) { put_be32(w->b + MHAE(w) + 2, 255); }
static void m_dynkey_mhae_16(struct wmsg *w) { set_mhae_auth_len(w, 16); }
static void m_no_mhae(struct wmsg *w) { delete(w, MHAE(w), ext_size(w, MHAE(w))); }
static void m_nai_after_mhae(struct wmsg *w) { move_to_end(w, ext_find(w, MIP_EXT_NAI, 0)); }
static void m_cvse_reserved(struct wmsg *w) { w->b[CV(w, AUTH_PROTOCOL) + 1] = 1; }
static void m_cvse_vendor(struct wmsg *w) { w->b[CV(w, AUTH_PROTOCOL) + 7] ^= 1; }
static void m_cvse_type_8(struct wmsg *w) { w->b[CV(w, AUTH_PROTOCOL) + 9] = 8; }
static void m_challenge_15(struct wmsg *w)
{
	size_t off = CV(w, AUTH_CHALLENGE);

	set_cvse_value(w, off, w->b + off + 10, 15);
}
static void m_auth_protocol_2(struct wmsg *w) { w->b[CV(w, AUTH_PROTOCOL) + 10] = 2; }
static void m_keyspec_alg_3(struct wmsg *w) { keyspec(w, MIP_CVSE_KEY_REQ_S2)[4] = 3; }
static void m_keyspec_replay_2(struct wmsg *w) { keyspec(w, MIP_CVSE_KEY_REQ_S)[5] = 2; }
static void m_keyspec_reserved(struct wmsg *w) { keyspec(w, MIP_CVSE_KEY_REQ_S)[7] = 0x80; }
static void m_keyspec_dynkey(struct wmsg *w)
{
	put_be32(keyspec(w, MIP_CVSE_KEY_REQ_S2), cfg.dynkey_spi);
}
static void m_keyspec_s_eq_s2(struct wmsg *w)
{
	memcpy(keyspec(w, MIP_CVSE_KEY_REQ_S2), keyspec(w, MIP_CVSE_KEY_REQ_S), 4);
}
static void m_no_auth_challenge(struct wmsg *w)
{
	delete(w, CV(w, AUTH_CHALLENGE), ext_size(w, CV(w, AUTH_CHALLENGE)));
}
static void m_auth_response_lower(struct wmsg *w) { w->b[CV(w, AUTH_RESPONSE) + 10] = 's'; }
static void m_auth_response_41(struct wmsg *w)
{
	size_t off = CV(w, AUTH_RESPONSE);

	set_cvse_value(w, off, w->b + off + 10, 41);
}
static void m_domain(struct wmsg *w) { cvse(w, CV(w, AUTH_CHALLENGE), MIP_CVSE_DOMAIN, "WORKGROUP", 9); }
static void m_domain_254(struct wmsg *w)
{
	static const uint8_t pad[254];

	cvse(w, CV(w, AUTH_CHALLENGE), MIP_CVSE_DOMAIN, pad, sizeof(pad));
}
static void m_key_continuation(struct wmsg *w)
{
	static const uint8_t v[4] = { 0, 0, 0x0e, 0x10 };

	cvse(w, MHAE(w), MIP_CVSE_KEY_CONTINUATION, v, sizeof(v));
}
static void m_key_continuation_3(struct wmsg *w)
{
	static const uint8_t v[3] = { 0 };

	cvse(w, MHAE(w), MIP_CVSE_KEY_CONTINUATION, v, sizeof(v));
}
static void m_fa_exts(struct wmsg *w)
{
	static const uint8_t e[] = {
		MIP_EXT_MNFA, 20, 0, 0, 0x20, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		MIP_EXT_FA_CHALLENGE, 4, 1, 2, 3, 4,
		MIP_EXT_GEN_AUTH, 1, 0, 20, 0, 0, 0x30, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		MIP_EXT_FAHA, 20, 0, 0, 0x20, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		MIP_EXT_NVSE, 8, 0, 0, 0, 0, 0x7e, 0xd9, 0, 1,
	};

	insert(w, w->len, e, sizeof(e));
}
static void m_nvse_short(struct wmsg *w)
{
	static const uint8_t e[] = { MIP_EXT_NVSE, 7, 0, 0, 0, 0, 0x7e, 0xd9, 0 };

	insert(w, MHAE(w), e, sizeof(e));
}
static void m_gen_auth_short(struct wmsg *w)
{
	static const uint8_t e[] = { MIP_EXT_GEN_AUTH, 1, 0, 3, 0, 0, 0x30 };

	insert(w, w->len, e, sizeof(e));
}

static const struct mutation parse_mutations[] = {
	{ "m_type2", IRRQ, m_type2 },
	{ "m_flag_r", RRRQ, m_flag_r },
	{ "m_rrq_hdr_short", IRRQ, m_hdr_short },
	{ "m_rrp_hdr_short", IRRP, m_hdr_short },
	{ "m_nai_overrun", RRRQ, m_nai_overrun },
	{ "m_cvse_overrun", IRRQ, m_cvse_overrun },
	{ "m_last_byte_cut", IRRQ, m_last_cut },
	{ "m_unknown_127", RRRQ, m_unknown_127 },
	{ "m_unknown_35_after_mhae", RRRQ, m_unknown_35_after },
	{ "m_dup_nai", RRRQ, m_dup_nai },
	{ "m_dup_key_req_s", IRRQ, m_dup_key_req_s },
	{ "m_dup_mhae", RRRQ, m_dup_mhae },
	{ "m_nai_empty", RRRQ, m_nai_empty },
	{ "m_mhae_spi_only", RRRQ, m_mhae_spi_only },
	{ "m_mhae_spi_255", RRRQ, m_mhae_spi_255 },
	{ "m_dynkey_mhae_16", IRRQ, m_dynkey_mhae_16 },
	{ "m_no_mhae", RRRQ, m_no_mhae },
	{ "m_nai_after_mhae", RRRQ, m_nai_after_mhae },
	{ "m_cvse_reserved", IRRQ, m_cvse_reserved },
	{ "m_cvse_vendor", IRRQ, m_cvse_vendor },
	{ "m_cvse_type_8", IRRQ, m_cvse_type_8 },
	{ "m_challenge_15", IRRQ, m_challenge_15 },
	{ "m_auth_protocol_2", IRRQ, m_auth_protocol_2 },
	{ "m_keyspec_alg_3", IRRQ, m_keyspec_alg_3 },
	{ "m_keyspec_replay_2", IRRQ, m_keyspec_replay_2 },
	{ "m_keyspec_reserved", IRRQ, m_keyspec_reserved },
	{ "m_keyspec_dynkey", IRRQ, m_keyspec_dynkey },
	{ "m_keyspec_s_eq_s2", IRRQ, m_keyspec_s_eq_s2 },
	{ "m_dynkey_no_challenge", IRRQ, m_no_auth_challenge },
	{ "m_auth_response_s_lower", IRRP, m_auth_response_lower },
	{ "m_auth_response_41", IRRP, m_auth_response_41 },
	{ "ok_domain", IRRQ, m_domain },
	{ "m_domain_254", IRRQ, m_domain_254 },
	{ "ok_key_continuation", RRRP, m_key_continuation },
	{ "m_key_continuation_3", RRRP, m_key_continuation_3 },
	{ "ok_fa_extensions", RRRQ, m_fa_exts },
	{ "m_nvse_short", RRRQ, m_nvse_short },
	{ "m_gen_auth_short", RRRQ, m_gen_auth_short },
};

static void gen_parse(void)
{
	static const char *const names[] = { "ex_initial_rrq", "ex_initial_rrp", "ex_rereg_rrq",
					     "ex_rereg_rrp",   "ex_rekey_rrq",	 "ex_rekey_rrp" };
	struct wmsg w;
	char name[64];

	for (int e = IRRQ; e <= KRRP; e++) {
		ex(&w, (enum ex)e);
		emit("fuzz_parse", names[e], -1, w.b, w.len);
	}
	/* The initial RRQ cut one byte into each extension header. */
	ex(&w, IRRQ);
	for (size_t off = MIP_RRQ_HDR_LEN, i = 0; off < w.len; off += ext_size(&w, off), i++) {
		snprintf(name, sizeof(name), "cut_initial_rrq_ext%zu", i);
		emit("fuzz_parse", name, -1, w.b, off + 1);
	}
	for (size_t i = 0; i < sizeof(parse_mutations) / sizeof(parse_mutations[0]); i++) {
		ex(&w, parse_mutations[i].base);
		parse_mutations[i].edit(&w);
		emit("fuzz_parse", parse_mutations[i].name, -1, w.b, w.len);
	}
}

/* ---- replies for the MN's checks (mode byte: see fuzz_mn_reply.c) ---- */

enum { MN_INITIAL = 0, MN_REREG = 1, MN_REKEY = 2, MN_REREG_KEYED = 3, MN_SIGN = 4 };

static void m_code_131(struct wmsg *w) { w->b[1] = MIP_CODE_MN_FAILED_AUTH; }
static void m_code_133(struct wmsg *w)
{
	w->b[1] = MIP_CODE_ID_MISMATCH;
	w->b[12] ^= 0x5a; /* the HA's seconds in the high 32 bits */
}
static void m_ident(struct wmsg *w) { w->b[MIP_RRP_HDR_LEN - 1] ^= 1; }
static void m_nai_other(struct wmsg *w) { w->b[ext_find(w, MIP_EXT_NAI, 0) + 2] ^= 0x20; }
static void m_mhae_spi_other(struct wmsg *w) { w->b[MHAE(w) + 5] ^= 3; }
static void m_keyspec_echo(struct wmsg *w) { keyspec(w, MIP_CVSE_KEY_REQ_S)[4] = 2; }
static void m_no_key_req_s2(struct wmsg *w)
{
	delete(w, CV(w, KEY_REQ_S2), ext_size(w, CV(w, KEY_REQ_S2)));
}
static void m_challenge_echo(struct wmsg *w) { w->b[CV(w, AUTH_CHALLENGE) + 12] ^= 1; }
static void m_auth_response_digit(struct wmsg *w)
{
	uint8_t *c = w->b + CV(w, AUTH_RESPONSE) + 10 + 5;

	*c = *c == '0' ? '1' : '0';
}
static void m_no_auth_response(struct wmsg *w)
{
	delete(w, CV(w, AUTH_RESPONSE), ext_size(w, CV(w, AUTH_RESPONSE)));
}
static void m_mhae_flip(struct wmsg *w) { w->b[w->len - 1] ^= 0x80; }

static const struct {
	const char *name;
	enum ex base;
	int mode;
	void (*edit)(struct wmsg *w);
} mn_cases[] = {
	{ "initial_ok", IRRP, MN_INITIAL, NULL },
	{ "initial_ok_resigned", IRRP, MN_INITIAL | MN_SIGN, NULL },
	{ "initial_denied", IRRP, MN_INITIAL, m_code_131 },
	{ "initial_denied_auth", IRRP, MN_INITIAL | MN_SIGN, m_code_131 },
	{ "initial_133_auth", IRRP, MN_INITIAL | MN_SIGN, m_code_133 },
	{ "initial_ident", IRRP, MN_INITIAL, m_ident },
	{ "initial_nai", IRRP, MN_INITIAL, m_nai_other },
	{ "initial_mhae_spi", IRRP, MN_INITIAL | MN_SIGN, m_mhae_spi_other },
	{ "initial_mhae_forged", IRRP, MN_INITIAL, m_mhae_flip },
	{ "initial_no_mhae", IRRP, MN_INITIAL, m_no_mhae },
	{ "initial_keyspec_echo", IRRP, MN_INITIAL | MN_SIGN, m_keyspec_echo },
	{ "initial_no_key_req_s2", IRRP, MN_INITIAL | MN_SIGN, m_no_key_req_s2 },
	{ "initial_challenge_echo", IRRP, MN_INITIAL | MN_SIGN, m_challenge_echo },
	{ "initial_auth_response", IRRP, MN_INITIAL | MN_SIGN, m_auth_response_digit },
	{ "initial_no_auth_response", IRRP, MN_INITIAL | MN_SIGN, m_no_auth_response },
	{ "initial_key_continuation", IRRP, MN_INITIAL | MN_SIGN, m_key_continuation },
	{ "initial_malformed", IRRP, MN_INITIAL, m_dup_nai },
	{ "initial_rrq_as_reply", IRRQ, MN_INITIAL, NULL },
	{ "rereg_ok", RRRP, MN_REREG, NULL },
	{ "rereg_denied", RRRP, MN_REREG, m_code_131 },
	{ "rereg_133_auth", RRRP, MN_REREG | MN_SIGN, m_code_133 },
	{ "rereg_forged", RRRP, MN_REREG, m_mhae_flip },
	{ "rereg_keyed_md5", RRRP, MN_REREG_KEYED | MN_SIGN, NULL },
	{ "rereg_fa_exts", RRRP, MN_REREG | MN_SIGN, m_fa_exts },
	{ "rekey_ok", KRRP, MN_REKEY, NULL },
	{ "rekey_no_echo", KRRP, MN_REKEY | MN_SIGN, m_no_key_req_s2 },
	{ "rekey_continuation", KRRP, MN_REKEY | MN_SIGN, m_key_continuation },
	{ "rekey_denied_auth", KRRP, MN_REKEY | MN_SIGN, m_code_131 },
	{ "rekey_truncated", KRRP, MN_REKEY, m_last_cut },
};

static void gen_mn(void)
{
	struct wmsg w;

	for (size_t i = 0; i < sizeof(mn_cases) / sizeof(mn_cases[0]); i++) {
		ex(&w, mn_cases[i].base);
		if (mn_cases[i].edit != NULL)
			mn_cases[i].edit(&w);
		emit("fuzz_mn_reply", mn_cases[i].name, mn_cases[i].mode, w.b, w.len);
	}
}

/* ---- bursts for the registration stage (records: see fuzz_reg_stage.c) ---- */

enum { REG_RAW = 1, REG_SIGN = 2, REG_NOW = 4 };

struct burst {
	uint8_t b[8192];
	size_t len;
};

static void rec(struct burst *bu, uint8_t flags, const struct wmsg *w)
{
	if (bu->len + 3 + w->len > sizeof(bu->b))
		die("burst too long");
	bu->b[bu->len++] = (uint8_t)(w->len >> 8);
	bu->b[bu->len++] = (uint8_t)w->len;
	bu->b[bu->len++] = flags;
	memcpy(bu->b + bu->len, w->b, w->len);
	bu->len += w->len;
}

static void rec_ex(struct burst *bu, uint8_t flags, enum ex e, void (*edit)(struct wmsg *w))
{
	struct wmsg w;

	ex(&w, e);
	if (edit != NULL)
		edit(&w);
	rec(bu, flags, &w);
}

/* ---- raw frames (REG_RAW): ICMP to the HA, data to the home address ---- */

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* An IPv4 header at p: len total bytes, proto, src, dst (network order as read). */
static void ip_hdr(uint8_t *p, uint16_t len, uint8_t proto, uint32_t src, uint32_t dst, bool df)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[6] = df ? 0x40 : 0;
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, &src, 4);
	memcpy(p + 16, &dst, 4);
	uint16_t c = csum(p, 20);

	p[10] = (uint8_t)(c >> 8);
	p[11] = (uint8_t)c;
}

static uint32_t vec_ip(const char *key)
{
	uint32_t ip;

	if (mip_parse_ipv4(fv_str("inputs", key), &ip) != 0)
		die(key);
	return ip;
}

/*
 * An Ethernet frame to the fixture's uplink: an ICMP message of type/code
 * from a router to the HA; for errors, quoting a tunnel packet of ours
 * (outer HA -> care-of, inner correspondent -> home address, 8 bytes of UDP)
 * with rest (the MTU for 3/4) after the checksum; for echo, 32 bytes of data.
 */
static void icmp_frame(struct wmsg *w, uint8_t type, uint8_t code, uint16_t rest)
{
	uint32_t ha = vec_ip("home_agent"), home = vec_ip("home_address"), coa = vec_ip("care_of");
	/* any router and correspondent: 198.168.100.1 and 203.113.5.9 on a little-endian host */
	uint32_t router = 0x0164a8c6, cn = 0x090571cb;
	uint8_t *e = w->b, *ip = e + 14, *ic = ip + 20;
	uint16_t body = 48, c;

	memset(e, 0, 14);
	e[0] = 0x02; e[5] = 0x02;	/* the fixture's uplink MAC is not checked */
	e[6] = 0x02; e[11] = 0x09;
	e[12] = 0x08;
	memset(ic, 0, 8);
	ic[0] = type;
	ic[1] = code;
	ic[6] = (uint8_t)(rest >> 8);
	ic[7] = (uint8_t)rest;
	if (type == 8) {
		for (int i = 0; i < 32; i++)
			ic[8 + i] = (uint8_t)i;
		body = 32;
	} else {
		ip_hdr(ic + 8, 1470, IPPROTO_IPIP, ha, coa, true);
		ip_hdr(ic + 28, 1450, IPPROTO_UDP, cn, home, true);
		memset(ic + 48, 0xab, 8);
	}
	c = csum(ic, 8 + body);
	ic[2] = (uint8_t)(c >> 8);
	ic[3] = (uint8_t)c;
	ip_hdr(ip, (uint16_t)(20 + 8 + body), IPPROTO_ICMP, router, ha, false);
	w->len = 14 + 20 + 8 + body;
}

static void m_other_ha(struct wmsg *w) { w->b[11] ^= 0x07; }
static void m_dereg(struct wmsg *w) { w->b[2] = 0; w->b[3] = 0; }

static void gen_reg(void)
{
	static const struct {
		const char *name;
		enum ex base;
		uint8_t flags;
		void (*edit)(struct wmsg *w);
	} one[] = {
		{ "rereg_replay_window", RRRQ, 0, NULL },
		{ "rereg_accepted", RRRQ, REG_NOW | REG_SIGN, NULL },
		{ "rereg_forged", RRRQ, REG_NOW, m_mhae_flip },
		{ "rereg_other_ha_136", RRRQ, REG_NOW | REG_SIGN, m_other_ha },
		{ "dereg", RRRQ, REG_NOW | REG_SIGN, m_dereg },
		{ "rekey_to_control", KRRQ, REG_NOW | REG_SIGN, NULL },
		{ "initial_to_control", IRRQ, 0, NULL },
		{ "malformed_dup_nai", RRRQ, REG_NOW | REG_SIGN, m_dup_nai },
		{ "malformed_cvse_vendor_140", IRRQ, 0, m_cvse_vendor },
		{ "malformed_after_mhae", RRRQ, REG_NOW, m_nai_after_mhae },
		{ "rrp_to_ha", RRRP, 0, NULL },
		{ "fa_extensions", RRRQ, REG_NOW | REG_SIGN, m_fa_exts },
	};
	struct burst bu;

	for (size_t i = 0; i < sizeof(one) / sizeof(one[0]); i++) {
		bu.len = 0;
		rec_ex(&bu, one[i].flags, one[i].base, one[i].edit);
		emit("fuzz_reg_stage", one[i].name, -1, bu.b, bu.len);
	}
	/* a mixed burst: accepted, its duplicate, forged, malformed, initial, rekey */
	bu.len = 0;
	rec_ex(&bu, REG_NOW | REG_SIGN, RRRQ, NULL);
	rec_ex(&bu, REG_NOW | REG_SIGN, RRRQ, NULL);
	rec_ex(&bu, REG_NOW, RRRQ, m_mhae_flip);
	rec_ex(&bu, 0, RRRQ, m_nai_overrun);
	rec_ex(&bu, 0, IRRQ, NULL);
	rec_ex(&bu, REG_NOW | REG_SIGN, KRRQ, NULL);
	emit("fuzz_reg_stage", "burst_mixed", -1, bu.b, bu.len);
	/* ICMP to the HA: echo, fragmentation-needed and time exceeded about our tunnel */
	static const struct {
		const char *name;
		uint8_t type, code;
		uint16_t rest;
	} icmp[] = {
		{ "icmp_echo", 8, 0, 7 },
		{ "icmp_tunnel_frag_needed", 3, 4, 1400 },
		{ "icmp_tunnel_frag_needed_no_mtu", 3, 4, 0 },
		{ "icmp_tunnel_time_exceeded", 11, 0, 0 },
		{ "icmp_tunnel_unreachable", 3, 1, 0 },
	};
	struct wmsg w;

	for (size_t i = 0; i < sizeof(icmp) / sizeof(icmp[0]); i++) {
		bu.len = 0;
		icmp_frame(&w, icmp[i].type, icmp[i].code, icmp[i].rest);
		rec(&bu, REG_RAW, &w);
		emit("fuzz_reg_stage", icmp[i].name, -1, bu.b, bu.len);
	}
	/* a flood of forged re-registrations */
	bu.len = 0;
	for (int i = 0; i < 32; i++)
		rec_ex(&bu, REG_NOW, RRRQ, m_mhae_flip);
	emit("fuzz_reg_stage", "burst_forged_flood", -1, bu.b, bu.len);
}

/* ---- RADIUS replies to the fixed request (mode byte: see fuzz_radius_reply.c) ---- */

static const uint8_t req_auth[AAA_RADIUS_AUTH_LEN] = FV_RADIUS_REQ_AUTH;
static const struct aaa_secret secret = {
	.b = (const uint8_t *)FV_RADIUS_SECRET,
	.len = sizeof(FV_RADIUS_SECRET) - 1,
};

struct rpkt {
	uint8_t b[AAA_RADIUS_MAX_LEN];
	size_t len;
};

static void r_hdr(struct rpkt *p, uint8_t code)
{
	memset(p, 0, sizeof(*p));
	p->b[0] = code;
	p->b[1] = FV_RADIUS_ID;
	p->len = AAA_RADIUS_HDR_LEN;
	p->b[3] = AAA_RADIUS_HDR_LEN;
}

static void r_attr(struct rpkt *p, uint8_t type, const void *v, size_t n)
{
	p->b[p->len] = type;
	p->b[p->len + 1] = (uint8_t)(2 + n);
	memcpy(p->b + p->len + 2, v, n);
	p->len += 2 + n;
	p->b[2] = (uint8_t)(p->len >> 8);
	p->b[3] = (uint8_t)p->len;
}

static void r_ms(struct rpkt *p, uint8_t ms_type, const void *v, size_t n)
{
	uint8_t vsa[4 + 2 + 253] = { 0, 0, AAA_VENDOR_MICROSOFT >> 8, AAA_VENDOR_MICROSOFT & 0xff,
				     ms_type, (uint8_t)(2 + n) };

	memcpy(vsa + 6, v, n);
	r_attr(p, AAA_ATTR_VENDOR_SPECIFIC, vsa, 6 + n);
}

static void r_ma(struct rpkt *p)
{
	static const uint8_t zero[16];

	r_attr(p, AAA_ATTR_MESSAGE_AUTHENTICATOR, zero, sizeof(zero));
}

static void r_success(struct rpkt *p, uint8_t ident)
{
	uint8_t v[1 + AAA_AUTH_RESPONSE_LEN];
	const char *s = fv_str("auth_response", NULL);

	if (strlen(s) != AAA_AUTH_RESPONSE_LEN)
		die("auth_response is not 42 characters");
	v[0] = ident;
	memcpy(v + 1, s, AAA_AUTH_RESPONSE_LEN);
	r_ms(p, AAA_MS_CHAP2_SUCCESS, v, sizeof(v));
}

static void r_mppe(struct rpkt *p, uint8_t ms_type, const struct mip_key *key, uint16_t salt)
{
	uint8_t v[34];
	size_t n = mip_mppe_encrypt_key(key, salt, secret.b, secret.len, req_auth, v);

	r_ms(p, ms_type, v, n);
}

/* The Access-Accept FreeRADIUS sends for the example (k'' = its Recv-Key). */
static void r_accept(struct rpkt *p)
{
	struct mip_key k2, send;
	uint32_t ip;
	uint8_t st[4];

	fv_key("k2_ms_mppe_recv_key", NULL, &k2);
	fv_key("skey", NULL, &send); /* any other 16 bytes: the HA ignores the Send-Key */
	if (mip_parse_ipv4(fv_str("inputs", "home_address"), &ip) != 0)
		die("home_address");
	put_be32(st, 3600);
	r_hdr(p, AAA_CODE_ACCESS_ACCEPT);
	r_ma(p);
	r_success(p, 0);
	r_mppe(p, AAA_MS_MPPE_RECV_KEY, &k2, 0x8123);
	r_mppe(p, AAA_MS_MPPE_SEND_KEY, &send, 0x8124);
	r_attr(p, AAA_ATTR_FRAMED_IP_ADDRESS, &ip, 4);
	r_attr(p, AAA_ATTR_SESSION_TIMEOUT, st, 4);
	r_attr(p, AAA_ATTR_REPLY_MESSAGE, "welcome", 7);
	mip_wipe(&k2, sizeof(k2));
	mip_wipe(&send, sizeof(send));
}

static void r_emit(const char *name, int mode, struct rpkt *p, bool sign)
{
	if (sign && aaa_radius_sign_reply(p->b, p->len, req_auth, &secret) != 0)
		die("sign");
	emit("fuzz_radius_reply", name, mode, p->b, p->len);
}

/* An RFC 5176 Disconnect-Request to the HA (mode & 4), at FV_DAE_NOW. */
static void r_dm(struct rpkt *p, uint8_t code, uint32_t ts)
{
	uint8_t t[4];
	uint32_t ip;

	if (mip_parse_ipv4(fv_str("inputs", "home_address"), &ip) != 0)
		die("home_address");
	put_be32(t, ts);
	r_hdr(p, code);
	r_ma(p);
	r_attr(p, AAA_ATTR_USER_NAME, "mnuser@example.net", 18);
	r_attr(p, AAA_ATTR_FRAMED_IP_ADDRESS, &ip, 4);
	r_attr(p, AAA_ATTR_NAS_IDENTIFIER, "ha1", 3);
	r_attr(p, AAA_ATTR_EVENT_TIMESTAMP, t, 4);
	r_attr(p, AAA_ATTR_PROXY_STATE, "ps1", 3);
	r_attr(p, AAA_ATTR_PROXY_STATE, "ps2", 3);
}

static void gen_dae(void)
{
	struct rpkt p;

	r_dm(&p, AAA_CODE_DISCONNECT_REQUEST, FV_DAE_NOW - 10);
	aaa_dae_sign_request(p.b, p.len, &secret);
	emit("fuzz_radius_reply", "dae_disconnect", 4, p.b, p.len);
	r_dm(&p, AAA_CODE_DISCONNECT_REQUEST, FV_DAE_NOW);
	emit("fuzz_radius_reply", "dae_disconnect_resign", 5, p.b, p.len);
	r_dm(&p, AAA_CODE_COA_REQUEST, FV_DAE_NOW);
	emit("fuzz_radius_reply", "dae_coa_resign", 5, p.b, p.len);
	r_dm(&p, AAA_CODE_DISCONNECT_REQUEST, FV_DAE_NOW - 1000);
	emit("fuzz_radius_reply", "dae_stale_resign", 5, p.b, p.len);
	r_dm(&p, AAA_CODE_DISCONNECT_REQUEST, FV_DAE_NOW);
	r_attr(&p, 44, "acct", 4);
	for (int i = 0; i < 8; i++)
		r_attr(&p, AAA_ATTR_PROXY_STATE, "many", 4);
	emit("fuzz_radius_reply", "dae_unsupported_resign", 5, p.b, p.len);
	r_dm(&p, AAA_CODE_DISCONNECT_REQUEST, FV_DAE_NOW);
	aaa_dae_sign_request(p.b, p.len, &secret);
	p.b[p.len - 1] ^= 1;
	emit("fuzz_radius_reply", "dae_forged", 4, p.b, p.len);
}

static void gen_radius(void)
{
	struct rpkt p;

	r_accept(&p);
	r_emit("accept", 0, &p, true);
	r_accept(&p);
	r_emit("accept_resign", 1, &p, false);
	r_accept(&p);
	r_emit("accept_unsigned", 0, &p, false);
	r_accept(&p);
	aaa_radius_sign_reply(p.b, p.len, req_auth, &secret);
	p.b[p.len - 1] ^= 1;	/* forged after signing: bad Response Authenticator */
	r_emit("accept_forged", 0, &p, false);
	r_hdr(&p, AAA_CODE_ACCESS_ACCEPT);
	r_success(&p, 0);
	r_emit("accept_no_ma", 1, &p, false);
	r_accept(&p);
	r_ma(&p);
	r_emit("accept_dup_ma", 1, &p, false);
	r_hdr(&p, AAA_CODE_ACCESS_ACCEPT);
	r_ma(&p);
	r_success(&p, 0);
	r_emit("accept_no_recv_key", 1, &p, false);
	r_hdr(&p, AAA_CODE_ACCESS_ACCEPT);
	r_ma(&p);
	r_emit("accept_empty", 1, &p, false);
	r_accept(&p);
	r_success(&p, 0);
	r_emit("accept_dup_success", 1, &p, false);
	r_hdr(&p, AAA_CODE_ACCESS_ACCEPT);
	r_ma(&p);
	r_success(&p, 7);
	r_emit("accept_success_ident", 1, &p, false);
	r_accept(&p);
	/* header, MA (18), then Success: type, len, vendor(4), ms type, ms len, ident, "S=" */
	p.b[AAA_RADIUS_HDR_LEN + 18 + 2 + 4 + 2 + 1 + 2] = 'a';
	r_emit("accept_success_lower", 1, &p, false);
	r_accept(&p);
	/* after Success (51 bytes): type, len, vendor(4), ms type, ms len, salt(2), cipher */
	p.b[AAA_RADIUS_HDR_LEN + 18 + 51 + 2 + 4 + 2 + 2 + 3] ^= 0x40;
	r_emit("accept_recv_key_garbled", 1, &p, false);
	r_accept(&p);
	r_attr(&p, AAA_ATTR_FRAMED_IP_ADDRESS, "\x0a\x01\x00\x0b", 4);
	r_emit("accept_dup_framed_ip", 1, &p, false);
	r_accept(&p);
	r_attr(&p, AAA_ATTR_FRAMED_IP_ADDRESS, "\x0a\x01", 2);
	r_emit("accept_framed_ip_short", 1, &p, false);
	r_accept(&p);
	p.b[p.len++] = AAA_ATTR_REPLY_MESSAGE;	/* attribute header cut */
	p.b[3]++;
	r_emit("accept_attr_cut", 1, &p, false);
	r_accept(&p);
	aaa_radius_sign_reply(p.b, p.len, req_auth, &secret);
	memset(p.b + p.len, 0xee, 9);	/* bytes past Length are padding */
	p.len += 9;
	r_emit("accept_padded", 0, &p, false);
	r_hdr(&p, AAA_CODE_ACCESS_REJECT);
	r_ma(&p);
	r_attr(&p, AAA_ATTR_REPLY_MESSAGE, "E=691 R=0 V=3", 13);
	r_emit("reject", 0, &p, true);
	r_hdr(&p, AAA_CODE_ACCESS_CHALLENGE);
	r_ma(&p);
	r_emit("challenge", 0, &p, true);
	r_accept(&p);
	p.b[1] ^= 1;
	r_emit("accept_other_id", 0, &p, true);
	r_accept(&p);
	p.b[0] = 5;
	r_emit("accounting_response", 0, &p, true);
	r_accept(&p);
	p.len = AAA_RADIUS_HDR_LEN - 1;
	r_emit("short", 0, &p, false);
	r_accept(&p);
	aaa_radius_sign_reply(p.b, p.len, req_auth, &secret);
	p.b[2] = 0xff;	/* Length past the datagram */
	r_emit("length_past_datagram", 0, &p, false);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gen_corpus OUTDIR\n");
		return 2;
	}
	outdir = argv[1];
	fv_load();
	fv_parse_cfg(&cfg);
	gen_parse();
	gen_mn();
	gen_radius();
	gen_dae();
	gen_reg();
	printf("gen_corpus: %u seeds written under %s\n", written, outdir);
	return 0;
}
