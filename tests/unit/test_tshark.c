/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An independent check of what the builder puts on the wire: every message
 * shape this project sends is built, wrapped in Ethernet/IPv4/UDP(434) with
 * correct checksums in a pcap file, and decoded by Wireshark's dissector
 * (tshark). No "Malformed", no expert warning or error, one mip packet per
 * message, and tshark's message type, code and extension list agree with
 * ours. Skipped when tshark is not installed.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mip.h"

#define MSG_MAX 1024
#define MAX_PKTS 32
#define MN_PORT 49152

/* ---- the example, read without a JSON library (as in test_malformed) ---- */

static char *vec_text;
static struct mip_parse_cfg cfg;

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s;
	long n;

	cr_assert_not_null(f, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	cr_assert_geq(n, 0);
	s = calloc(1, (size_t)n + 1);
	cr_assert_not_null(s);
	cr_assert_eq(fread(s, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return s;
}

/* The string value of "k2" inside "k1" (k2 NULL: of "k1"). */
static size_t vec_hex(const char *k1, const char *k2, uint8_t *out, size_t cap)
{
	char key[64], hex[2 * MSG_MAX + 1];
	const char *p, *q;
	long r;

	snprintf(key, sizeof(key), "\"%s\"", k1);
	p = strstr(vec_text, key);
	cr_assert_not_null(p, "vector %s missing", k1);
	p += strlen(key);
	if (k2 != NULL) {
		snprintf(key, sizeof(key), "\"%s\"", k2);
		p = strstr(p, key);
		cr_assert_not_null(p, "vector %s.%s missing", k1, k2);
		p += strlen(key);
	}
	while (*p == ' ' || *p == ':')
		p++;
	cr_assert_eq(*p, '"');
	q = strchr(++p, '"');
	cr_assert_not_null(q);
	cr_assert_lt((size_t)(q - p), sizeof(hex));
	memcpy(hex, p, (size_t)(q - p));
	hex[q - p] = '\0';
	r = mip_hex_decode(hex, out, cap);
	cr_assert_gt(r, 0, "vector %s is not hex", k1);
	return (size_t)r;
}

static uint32_t vec_u32(const char *k)
{
	char key[64];
	const char *p;

	snprintf(key, sizeof(key), "\"%s\"", k);
	p = strstr(vec_text, key);
	cr_assert_not_null(p, "input %s missing", k);
	p += strlen(key);
	while (*p == ' ' || *p == ':')
		p++;
	return (uint32_t)strtoul(p, NULL, 10);
}

static bool have_tshark(void)
{
	const char *path = getenv("PATH");
	char dir[4096], exe[4200];
	char *save = NULL, *d;

	snprintf(dir, sizeof(dir), "%s", path != NULL ? path : "/usr/bin:/bin");
	for (d = strtok_r(dir, ":", &save); d != NULL; d = strtok_r(NULL, ":", &save)) {
		snprintf(exe, sizeof(exe), "%s/tshark", d);
		if (access(exe, X_OK) == 0)
			return true;
	}
	return false;
}

static void setup(void)
{
	const char *dir = getenv("MIP_SHARED_DIR");
	char path[512];

	snprintf(path, sizeof(path), "%s/spec/vectors/dynkey-example.json",
		 dir != NULL ? dir : "/work/shared");
	vec_text = read_file(path);
	mip_parse_cfg_default(&cfg);
	cfg.vendor_id = vec_u32("vendor_id");
	cfg.dynkey_spi = vec_u32("dynkey_spi");
}

struct tshark_ctx;
static struct tshark_ctx *live_ctx;
static void tshark_cleanup(struct tshark_ctx *t);

static void teardown(void)
{
	/* An assertion ends a test early: the temporary pcap goes anyway. */
	if (live_ctx != NULL)
		tshark_cleanup(live_ctx);
	free(vec_text);
}

TestSuite(tshark, .init = setup, .fini = teardown, .timeout = 90);

/* ---- messages ---- */

struct pkt {
	const char *name;
	uint8_t b[MSG_MAX];
	size_t len;
};

static struct pkt pkts[MAX_PKTS];
static size_t n_pkts;

/* What a message carries besides what the example gives it. */
struct extras {
	const char *domain;
	bool key_continuation;
	bool nvse_before, nvse_after;
	bool fa_challenge, mnfa, faha, gen_auth;
	bool no_mhae;
};

/*
 * Rebuilds a parsed example message with the builder, in the spec's order
 * (sections 4 and 5), plus extras; header fields come from hdr.
 */
static void rebuild(struct pkt *p, const struct mip_msg *hdr, const struct mip_msg *ex,
		    const struct extras *x)
{
	static const uint8_t fa_chal[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t fa_auth[16] = { 0xfa };
	uint8_t proto = MIP_AUTH_PROTOCOL_MSCHAPV2, kc[4] = { 0, 0, 0x0e, 0x10 };
	struct mip_builder b;
	size_t off;

	mip_builder_init(&b, p->b, sizeof(p->b));
	if (hdr->type == MIP_TYPE_RRQ)
		mip_put_rrq_hdr(&b, hdr->flags, hdr->lifetime, hdr->home_addr, hdr->ha_addr,
				hdr->coa, hdr->ident);
	else
		mip_put_rrp_hdr(&b, hdr->code, hdr->lifetime, hdr->home_addr, hdr->ha_addr,
				hdr->ident);
	if (ex->present & MIP_HAS_NAI)
		mip_put_nai(&b, (const char *)ex->nai.p, ex->nai.len);
	if (ex->present & MIP_HAS_KEY_REQ_S)
		mip_put_keyspec(&b, cfg.vendor_id, MIP_CVSE_KEY_REQ_S, &ex->key_s);
	if (ex->present & MIP_HAS_KEY_REQ_S2)
		mip_put_keyspec(&b, cfg.vendor_id, MIP_CVSE_KEY_REQ_S2, &ex->key_s2);
	if (ex->present & MIP_HAS_AUTH_PROTOCOL)
		mip_put_cvse(&b, cfg.vendor_id, MIP_CVSE_AUTH_PROTOCOL, &proto, 1);
	if (x->domain != NULL)
		mip_put_cvse(&b, cfg.vendor_id, MIP_CVSE_DOMAIN, x->domain, strlen(x->domain));
	if (ex->present & MIP_HAS_AUTH_CHALLENGE)
		mip_put_cvse(&b, cfg.vendor_id, MIP_CVSE_AUTH_CHALLENGE, ex->auth_challenge,
			     MIP_AUTH_CHALLENGE_LEN);
	if (ex->present & MIP_HAS_AUTH_RESPONSE)
		mip_put_cvse(&b, cfg.vendor_id, MIP_CVSE_AUTH_RESPONSE, ex->auth_response,
			     MIP_AUTH_RESPONSE_LEN);
	if (x->key_continuation)
		mip_put_cvse(&b, cfg.vendor_id, MIP_CVSE_KEY_CONTINUATION, kc, sizeof(kc));
	if (x->nvse_before)
		mip_put_nvse(&b, cfg.vendor_id, 1, "nv", 2);
	if (!x->no_mhae && (ex->present & MIP_HAS_MHAE)) {
		off = mip_put_auth(&b, MIP_EXT_MHAE, ex->mhae.spi, ex->mhae.auth.len);
		if (off != 0)
			memcpy(p->b + off, ex->mhae.auth.p, ex->mhae.auth.len);
	}
	if (x->nvse_after)
		mip_put_nvse(&b, cfg.vendor_id, 2, NULL, 0);
	if (x->fa_challenge)
		mip_put_ext(&b, MIP_EXT_FA_CHALLENGE, fa_chal, sizeof(fa_chal));
	if (x->gen_auth)
		mip_put_gen_auth(&b, 1, 0x1234, fa_auth, sizeof(fa_auth));
	if (x->mnfa) {
		off = mip_put_auth(&b, MIP_EXT_MNFA, 0x2000, sizeof(fa_auth));
		if (off != 0)
			memcpy(p->b + off, fa_auth, sizeof(fa_auth));
	}
	if (x->faha) {
		off = mip_put_auth(&b, MIP_EXT_FAHA, 0x3000, sizeof(fa_auth));
		if (off != 0)
			memcpy(p->b + off, fa_auth, sizeof(fa_auth));
	}
	cr_assert_eq(b.err, 0, "%s: builder error %d", p->name, b.err);
	p->len = b.len;
}

static struct pkt *add(const char *name)
{
	cr_assert_lt(n_pkts, MAX_PKTS);
	memset(&pkts[n_pkts], 0, sizeof(pkts[0]));
	pkts[n_pkts].name = name;
	return &pkts[n_pkts++];
}

/* Parses one example message (kept in bufs so its views stay valid). */
static void example(const char *k1, const char *k2, uint8_t *buf, struct mip_msg *m)
{
	size_t len = vec_hex(k1, k2, buf, MSG_MAX);
	enum mip_err err = mip_parse(buf, len, &cfg, m);

	cr_assert_eq(err, MIP_OK, "%s: %s", k1, mip_err_name(err));
}

static void build_all(void)
{
	static uint8_t b_irrq[MSG_MAX], b_irrp[MSG_MAX], b_rrq[MSG_MAX], b_rrp[MSG_MAX];
	static uint8_t b_krrq[MSG_MAX], b_krrp[MSG_MAX];
	struct mip_msg irrq, irrp, rrq, rrp, krrq, krrp, h;
	const struct extras none = { 0 };
	struct extras x;

	n_pkts = 0;
	example("initial_rrq", NULL, b_irrq, &irrq);
	example("initial_rrp", NULL, b_irrp, &irrp);
	example("rereg", "rrq", b_rrq, &rrq);
	example("rereg", "rrp", b_rrp, &rrp);
	example("rekey", "rrq", b_krrq, &krrq);
	example("rekey", "rrp", b_krrp, &krrp);

	rebuild(add("initial RRQ"), &irrq, &irrq, &none);
	rebuild(add("initial RRP"), &irrp, &irrp, &none);
	rebuild(add("re-registration RRQ"), &rrq, &rrq, &none);
	rebuild(add("re-registration RRP"), &rrp, &rrp, &none);
	rebuild(add("rekey RRQ"), &krrq, &krrq, &none);
	rebuild(add("rekey RRP"), &krrp, &krrp, &none);
	x = none;
	x.key_continuation = true;
	rebuild(add("rekey RRP with KEY-CONTINUATION"), &krrp, &krrp, &x);
	x = none;
	x.domain = "EXAMPLE";
	rebuild(add("initial RRQ with DOMAIN"), &irrq, &irrq, &x);

	h = rrq;
	h.lifetime = 0;
	rebuild(add("deregistration RRQ"), &h, &rrq, &none);
	h = rrp;
	h.lifetime = 0;
	rebuild(add("deregistration RRP"), &h, &rrp, &none);
	h = rrq;
	h.flags = MIP_FLAG_S | MIP_FLAG_B | MIP_FLAG_D | MIP_FLAG_T;
	rebuild(add("RRQ with S B D T flags"), &h, &rrq, &none);

	x = none;
	x.no_mhae = true;
	h = irrp;
	h.code = MIP_CODE_MN_FAILED_AUTH;
	h.lifetime = 0;
	rebuild(add("131 denial"), &h, &rrp, &x);
	h.code = MIP_CODE_ADMIN_PROHIBITED;
	rebuild(add("129 denial"), &h, &rrp, &x);
	h = rrp;
	h.code = MIP_CODE_ID_MISMATCH;
	h.lifetime = 0;
	h.ident = mip_ntp_resync_ident(rrp.ident + (5ull << 32), rrp.ident);
	rebuild(add("133 reply"), &h, &rrp, &none);

	x = none;
	x.fa_challenge = true;
	x.mnfa = true;
	rebuild(add("RRQ with FA challenge and MN-FA"), &rrq, &rrq, &x);
	x = none;
	x.faha = true;
	rebuild(add("RRQ with FA-HA"), &rrq, &rrq, &x);
	x = none;
	x.nvse_before = true;
	x.nvse_after = true;
	rebuild(add("RRQ with NVSEs"), &rrq, &rrq, &x);
	x = none;
	x.fa_challenge = true;
	x.gen_auth = true;
	rebuild(add("RRQ with generalized auth"), &rrq, &rrq, &x);
	x = none;
	x.fa_challenge = true;
	x.mnfa = true;
	x.faha = true;
	x.nvse_after = true;
	rebuild(add("initial RRQ relayed by an FA"), &irrq, &irrq, &x);
}

/* ---- pcap ---- */

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static void w16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void le32(FILE *f, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	cr_assert_eq(fwrite(b, 1, 4, f), 4);
}

static void le16(FILE *f, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	cr_assert_eq(fwrite(b, 1, 2, f), 2);
}

static bool negative_control;

/* One frame: Ethernet, IPv4 (no options), UDP, the message. */
static size_t frame(const struct pkt *p, uint8_t *f, uint16_t ip_id)
{
	static const uint8_t mac_mn[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	static const uint8_t mac_ha[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	struct mip_msg m;
	uint8_t *ip = f + 14, *udp = ip + 20;
	uint32_t src, dst, sum;
	uint16_t sport, dport, ulen = (uint16_t)(8 + p->len);
	enum mip_err err = mip_parse(p->b, p->len, &cfg, &m);

	/* The negative control is cut short on purpose: its header still parses. */
	if (err != MIP_OK && !negative_control)
		cr_assert_fail("%s: we cannot parse our own message: %s", p->name,
			       mip_err_name(err));
	if (err != MIP_OK)
		mip_parse(p->b, MIP_RRQ_HDR_LEN, &cfg, &m);
	if (m.type == MIP_TYPE_RRQ) {
		src = m.coa;
		dst = m.ha_addr;
		sport = MN_PORT;
		dport = MIP_UDP_PORT;
	} else {
		src = m.ha_addr;
		dst = m.home_addr != 0 ? m.home_addr : m.ha_addr;
		sport = MIP_UDP_PORT;
		dport = MN_PORT;
	}
	memcpy(f, m.type == MIP_TYPE_RRQ ? mac_ha : mac_mn, 6);
	memcpy(f + 6, m.type == MIP_TYPE_RRQ ? mac_mn : mac_ha, 6);
	w16(f + 12, 0x0800);

	memset(ip, 0, 20);
	ip[0] = 0x45;
	w16(ip + 2, (uint16_t)(20 + ulen));
	w16(ip + 4, ip_id);
	ip[6] = 0x40; /* DF */
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	w16(ip + 10, csum_fold(csum_add(0, ip, 20)));

	w16(udp, sport);
	w16(udp + 2, dport);
	w16(udp + 4, ulen);
	w16(udp + 6, 0);
	memcpy(udp + 8, p->b, p->len);
	/* Pseudo-header: addresses, protocol, UDP length. */
	sum = csum_add(0, ip + 12, 8);
	sum += 17 + ulen;
	sum = csum_add(sum, udp, ulen);
	sum = csum_fold(sum);
	w16(udp + 6, sum == 0 ? 0xffff : (uint16_t)sum);
	return 14 + 20 + ulen;
}

static void write_pcap(const char *path)
{
	uint8_t f[MSG_MAX + 64];
	FILE *out = fopen(path, "wb");
	size_t i, n;

	cr_assert_not_null(out, "cannot write %s", path);
	le32(out, 0xa1b2c3d4);
	le16(out, 2);
	le16(out, 4);
	le32(out, 0);
	le32(out, 0);
	le32(out, 65535);
	le32(out, 1); /* LINKTYPE_ETHERNET */
	for (i = 0; i < n_pkts; i++) {
		n = frame(&pkts[i], f, (uint16_t)(i + 1));
		le32(out, 1800000000u + (uint32_t)i);
		le32(out, 0);
		le32(out, (uint32_t)n);
		le32(out, (uint32_t)n);
		cr_assert_eq(fwrite(f, 1, n, out), n);
	}
	cr_assert_eq(fclose(out), 0);
}

/* ---- running tshark ---- */

static char *run(const char *cmd)
{
	size_t cap = 1 << 16, len = 0, n;
	char *s = malloc(cap);
	FILE *p = popen(cmd, "r");
	int st;

	cr_assert_not_null(s);
	cr_assert_not_null(p, "popen %s", cmd);
	while ((n = fread(s + len, 1, cap - len - 1, p)) > 0) {
		len += n;
		if (cap - len < 4096) {
			cap *= 2;
			s = realloc(s, cap);
			cr_assert_not_null(s);
		}
	}
	s[len] = '\0';
	st = pclose(p);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s failed (%d): %s", cmd, st, s);
	return s;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* Extension types of a message, comma-separated, from the test's own walk. */
static void ext_list(const struct pkt *p, char *out, size_t cap)
{
	size_t off = p->b[0] == MIP_TYPE_RRQ ? MIP_RRQ_HDR_LEN : MIP_RRP_HDR_LEN;
	size_t used = 0;

	out[0] = '\0';
	while (off < p->len) {
		uint8_t t = p->b[off];

		used += (size_t)snprintf(out + used, cap - used, "%s%u", used ? "," : "", t);
		cr_assert_lt(used, cap);
		if (t == MIP_EXT_CVSE || t == MIP_EXT_GEN_AUTH)
			off += 4 + ((size_t)p->b[off + 2] << 8 | p->b[off + 3]);
		else
			off += 2 + (size_t)p->b[off + 1];
	}
}

struct tshark_ctx {
	char dir[64];
	char pcap[128];
	char cmd[512];
};

static void tshark_prepare(struct tshark_ctx *t)
{
	if (!have_tshark())
		cr_skip_test("tshark is not installed: Wireshark cross-check skipped");
	snprintf(t->dir, sizeof(t->dir), "/tmp/mip-tshark-XXXXXX");
	cr_assert_not_null(mkdtemp(t->dir));
	live_ctx = t;
	snprintf(t->pcap, sizeof(t->pcap), "%s/mip.pcap", t->dir);
	build_all();
	write_pcap(t->pcap);
}

static void tshark_cleanup(struct tshark_ctx *t)
{
	if (t->dir[0] == '\0')
		return;
	unlink(t->pcap);
	rmdir(t->dir);
	t->dir[0] = '\0';
}

/* Checksum validation on, so a wrong IP or UDP checksum is an expert error. */
#define TSHARK "tshark -n -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE "

Test(tshark, decodes_every_message_cleanly)
{
	static struct tshark_ctx t;
	char *out;

	tshark_prepare(&t);
	cr_assert_geq(n_pkts, 19);

	snprintf(t.cmd, sizeof(t.cmd), TSHARK "-r %s -V -Y mip 2>/dev/null", t.pcap);
	out = run(t.cmd);
	cr_expect_eq(count(out, "Mobile IP"), n_pkts, "tshark decoded %zu of %zu messages",
		     count(out, "Mobile IP"), n_pkts);
	cr_expect_eq(count(out, "Malformed"), 0, "tshark: malformed:\n%s", out);
	cr_expect_eq(count(out, "Expert Info (Warning"), 0, "tshark warnings:\n%s", out);
	cr_expect_eq(count(out, "Expert Info (Error"), 0, "tshark errors:\n%s", out);
	cr_expect_eq(count(out, "[Header checksum status: Good]"), n_pkts,
		     "IP checksums not all good:\n%s", out);
	cr_expect_eq(count(out, "[Checksum Status: Good]"), n_pkts,
		     "UDP checksums not all good:\n%s", out);
	free(out);

	snprintf(t.cmd, sizeof(t.cmd), TSHARK "-r %s -q -z expert 2>/dev/null", t.pcap);
	out = run(t.cmd);
	cr_expect_eq(count(out, "Errors ("), 0, "tshark expert errors:\n%s", out);
	cr_expect_eq(count(out, "Warnings ("), 0, "tshark expert warnings:\n%s", out);
	cr_expect_eq(count(out, "Malformed"), 0, "%s", out);
	free(out);
	tshark_cleanup(&t);
}

/* tshark's reading of each message agrees with ours: type, code, extension list. */
Test(tshark, fields_agree_with_ours)
{
	static struct tshark_ctx t;
	char *out, *line, *save = NULL;
	size_t i = 0;

	tshark_prepare(&t);
	snprintf(t.cmd, sizeof(t.cmd),
		 TSHARK "-r %s -Y mip -T fields -E separator='|' -e mip.type -e mip.code "
			"-e mip.life -e mip.ext.type 2>/dev/null",
		 t.pcap);
	out = run(t.cmd);
	for (line = strtok_r(out, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		const struct pkt *p;
		struct mip_msg m;
		char want[512], exts[256];

		cr_assert_lt(i, n_pkts, "tshark printed more packets than were written");
		p = &pkts[i++];
		cr_assert_eq(mip_parse(p->b, p->len, &cfg, &m), MIP_OK);
		ext_list(p, exts, sizeof(exts));
		if (m.type == MIP_TYPE_RRQ)
			snprintf(want, sizeof(want), "1||%u|%s", m.lifetime, exts);
		else
			snprintf(want, sizeof(want), "3|%u|%u|%s", m.code, m.lifetime, exts);
		cr_expect_str_eq(line, want, "%s: tshark '%s', ours '%s'", p->name, line, want);
	}
	cr_expect_eq(i, n_pkts, "tshark printed %zu of %zu packets", i, n_pkts);
	free(out);
	tshark_cleanup(&t);
}

/* The checks above are not vacuous: a message cut short inside its MHAE is flagged. */
Test(tshark, truncated_message_is_flagged)
{
	static struct tshark_ctx t;
	char *out;

	tshark_prepare(&t);
	pkts[0] = pkts[2]; /* the re-registration RRQ */
	pkts[0].len -= 3;
	n_pkts = 1;
	negative_control = true;
	write_pcap(t.pcap);
	snprintf(t.cmd, sizeof(t.cmd), TSHARK "-r %s -q -z expert 2>/dev/null", t.pcap);
	out = run(t.cmd);
	cr_expect_gt(count(out, "Errors ("), 0, "tshark found no error in:\n%s", out);
	cr_expect_gt(count(out, "Malformed"), 0, "%s", out);
	free(out);
	tshark_cleanup(&t);
}
