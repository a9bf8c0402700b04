/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * MHAE verification cost per message (spec section 8, HMAC-MD5), by message
 * size and by batch size:
 *   ipsecmb_batch   dataplane/auth_batch.h (ipsec-mb multi-buffer jobs, the
 *                   SA's precomputed ipad/opad), bursts of --burst
 *   libmip_scalar   lib/mip_auth.h mip_auth_verify() (nettle, key set per message)
 *   nettle_precomp  nettle HMAC-MD5 from a per-SA precomputed context (the best scalar)
 *   openssl_hmac    OpenSSL HMAC() one-shot + CRYPTO_memcmp
 *   ipsecmb_raw_jobs the same jobs straight to ipsec-mb's job API (no wrapper):
 *                   ipsec-mb's own floor on this CPU
 * Every message is a real RRQ (header, NAI, padding extension, MHAE) signed
 * with its own SA's key (--keys distinct keys); every verification must
 * succeed, or the line says ok=false. The cases run interleaved in each
 * repetition.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/hmac.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <intel-ipsec-mb.h>

#include "mip_auth.h"
#include "mip_wire.h"

#include "auth_batch.h"
#include "sa_table.h"

#include "bench.h"

#define AUTH_MAX_SIZE 640	/* a multiple of 64 */

enum auth_case { C_BATCH, C_SCALAR, C_PRECOMP, C_OPENSSL, C_RAW, C__COUNT };

static const char *const case_name[C__COUNT] = {
	[C_BATCH] = "ipsecmb_batch",
	[C_RAW] = "ipsecmb_raw_jobs",
	[C_SCALAR] = "libmip_scalar",
	[C_PRECOMP] = "nettle_precomp",
	[C_OPENSSL] = "openssl_hmac",
};

struct auth_ctx {
	unsigned int nmsg;
	unsigned int nkeys;
	uint8_t *buf;			/* nmsg messages back to back, 64-byte aligned */
	struct mip_msg *msg;
	struct mipha_sa_key *keys;
	struct hmac_md5_ctx *pre;	/* per key: set_key done once */
	struct mipha_auth auth;
	IMB_MGR *raw;			/* the raw-jobs case's own manager */
	uint8_t (*out)[16];		/* per message */
};

/*
 * An RRQ of exactly size bytes: header, NAI (up to 255 bytes), a skippable
 * padding extension for the rest, MHAE; signed with key. Fills msg as
 * mip_parse would for the MHAE (all that verification reads).
 */
static int auth_build(uint8_t *buf, unsigned int size, unsigned int i,
		      const struct mip_key *key, struct mip_msg *msg)
{
	const unsigned int fixed = MIP_RRQ_HDR_LEN + 2 + 22;
	char nai[256];
	uint8_t pad[256];
	struct mip_builder b;
	unsigned int rest = size - fixed, nai_len, pad_len = 0;
	size_t auth_off;

	if (size < fixed || size > AUTH_MAX_SIZE)
		return -1;
	nai_len = rest > 255 ? 255 : rest;
	rest -= nai_len;
	if (rest > 0) {
		if (rest < 2 || rest - 2 > 255)
			return -1;
		pad_len = rest - 2;
	}
	for (unsigned int k = 0; k < nai_len; k++)
		nai[k] = (char)('a' + (i + k) % 26);
	memset(pad, 0, sizeof(pad));
	mip_builder_init(&b, buf, size);
	mip_put_rrq_hdr(&b, 0, 600, rte_cpu_to_be_32(0x0a000000u + i), rte_cpu_to_be_32(0xc0000201u),
			rte_cpu_to_be_32(0xc6336401u), ((uint64_t)0xec000000u << 32) | i);
	mip_put_nai(&b, nai, nai_len);
	if (pad_len != 0 || rest == 2)
		mip_put_ext(&b, 200, pad, pad_len); /* >= 128: skippable */
	auth_off = mip_put_auth(&b, MIP_EXT_MHAE, 1000 + i, MIP_MD5_AUTH_LEN);
	if (b.err != 0 || auth_off == 0 || b.len != size)
		return -1;
	if (mip_auth_sign(buf, auth_off, MIP_ALG_HMAC_MD5, key) != 0)
		return -1;
	memset(msg, 0, sizeof(*msg));
	msg->buf = buf;
	msg->len = (uint16_t)size;
	msg->type = MIP_TYPE_RRQ;
	msg->present = MIP_HAS_MHAE | MIP_HAS_NAI;
	msg->mhae.protected_len = (uint16_t)(auth_off);
	msg->mhae.spi = 1000 + i;
	msg->mhae.auth.p = buf + auth_off;
	msg->mhae.auth.len = MIP_MD5_AUTH_LEN;
	return 0;
}

/*
 * Messages of size bytes, back to back on 64-byte boundaries (as a burst of
 * received frames would be packed in cache), each signed with its SA's key.
 */
static int auth_setup(struct auth_ctx *c, unsigned int size, uint64_t *seed)
{
	size_t stride = (size + 63) & ~(size_t)63;

	for (unsigned int i = 0; i < c->nmsg; i++) {
		const struct mipha_sa_key *k = &c->keys[i % c->nkeys];

		if (auth_build(c->buf + i * stride, size, i, &k->key, &c->msg[i]) != 0) {
			fprintf(stderr, "bench_auth: cannot build a %u-byte RRQ\n", size);
			return -1;
		}
	}
	(void)seed;
	return 0;
}

/*
 * ipsec-mb's own floor: the same HMAC-MD5 jobs (precomputed ipad/opad)
 * submitted straight to the job API in bursts and flushed, with nothing of
 * the dataplane's wrapper; returns how many verified.
 */
static unsigned int auth_raw_burst(struct auth_ctx *c, unsigned int first, unsigned int n)
{
	IMB_JOB *job;
	unsigned int g = 0;

	for (unsigned int j = 0; j < n; j++) {
		const struct mip_msg *m = &c->msg[first + j];
		const struct mipha_sa_key *k = &c->keys[(first + j) % c->nkeys];

		job = IMB_GET_NEXT_JOB(c->raw);
		job->cipher_mode = IMB_CIPHER_NULL;
		job->cipher_direction = IMB_DIR_ENCRYPT;
		job->chain_order = IMB_ORDER_HASH_CIPHER;
		job->src = m->buf;
		job->hash_alg = IMB_AUTH_MD5;
		job->hash_start_src_offset_in_bytes = 0;
		job->msg_len_to_hash_in_bytes = m->mhae.protected_len;
		job->msg_len_to_cipher_in_bytes = 0;
		job->auth_tag_output = c->out[first + j];
		job->auth_tag_output_len_in_bytes = 16;
		job->u.HMAC._hashed_auth_key_xor_ipad = k->ipad;
		job->u.HMAC._hashed_auth_key_xor_opad = k->opad;
		IMB_SUBMIT_JOB_NOCHECK(c->raw);
	}
	while ((job = IMB_FLUSH_JOB(c->raw)) != NULL)
		;
	for (unsigned int j = 0; j < n; j++)
		g += mip_ct_equal(c->out[first + j], c->msg[first + j].mhae.auth.p, 16);
	return g;
}

/* Cycles per message of one case over every message; *good counts verified ones. */
static double auth_run(struct auth_ctx *c, enum auth_case kase, unsigned int burst,
		       unsigned int *good)
{
	struct mipha_auth_req reqs[MIPHA_AUTH_BURST];
	const uint8_t *expect[MIPHA_AUTH_BURST];
	bool ok[MIPHA_AUTH_BURST];
	uint8_t out[16];
	unsigned int olen, g = 0;
	uint64_t t0, t1;

	t0 = rte_rdtsc_precise();
	switch (kase) {
	case C_BATCH:
		for (unsigned int i = 0; i < c->nmsg; i += burst) {
			unsigned int n = c->nmsg - i < burst ? c->nmsg - i : burst;

			for (unsigned int j = 0; j < n; j++) {
				const struct mip_msg *m = &c->msg[i + j];

				reqs[j].data = m->buf;
				reqs[j].len = m->mhae.protected_len;
				reqs[j].key = &c->keys[(i + j) % c->nkeys];
				expect[j] = m->mhae.auth.p;
			}
			g += mipha_auth_verify_burst(&c->auth, reqs, expect, n, ok);
		}
		break;
	case C_RAW:
		for (unsigned int i = 0; i < c->nmsg; i += burst)
			g += auth_raw_burst(c, i, c->nmsg - i < burst ? c->nmsg - i : burst);
		break;
	case C_SCALAR:
		for (unsigned int i = 0; i < c->nmsg; i++)
			g += mip_auth_verify(&c->msg[i], MIP_ALG_HMAC_MD5,
					     &c->keys[i % c->nkeys].key);
		break;
	case C_PRECOMP:
		for (unsigned int i = 0; i < c->nmsg; i++) {
			struct hmac_md5_ctx ctx = c->pre[i % c->nkeys];
			const struct mip_msg *m = &c->msg[i];

			hmac_md5_update(&ctx, m->mhae.protected_len, m->buf);
			hmac_md5_digest(&ctx, 16, out);
			g += mip_ct_equal(out, m->mhae.auth.p, 16);
		}
		break;
	case C_OPENSSL:
		for (unsigned int i = 0; i < c->nmsg; i++) {
			const struct mip_msg *m = &c->msg[i];

			HMAC(EVP_md5(), c->keys[i % c->nkeys].key.b, MIP_KEY_LEN, m->buf,
			     m->mhae.protected_len, out, &olen);
			g += CRYPTO_memcmp(out, m->mhae.auth.p, 16) == 0;
		}
		break;
	default:
		break;
	}
	t1 = rte_rdtsc_precise();
	*good = g;
	return (double)(t1 - t0) / c->nmsg;
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s EAL-ARGS -- [--sizes 64,128,...] [--burst 32] [--bursts 1,4,...]\n"
		"       [--burst-size 96] [--msgs 4096] [--keys 1024] [--reps 11]\n", prog);
	exit(2);
}

static void auth_emit(const char *x_name, double x, const char *fixed, enum auth_case kase,
		      enum auth_case base, struct bench_samples *s, bool ok)
{
	struct bench_point p = {
		.bench = "auth", .kase = case_name[kase], .unit = "cycles/msg",
		.x_name = x_name, .x = x, .fixed = fixed, .s = &s[kase],
		.baseline = case_name[base], .base = &s[base], .ok = ok,
	};

	bench_emit(&p);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sizes", required_argument, NULL, 's' },
		{ "burst", required_argument, NULL, 'b' },
		{ "bursts", required_argument, NULL, 'B' },
		{ "burst-size", required_argument, NULL, 'z' },
		{ "msgs", required_argument, NULL, 'm' },
		{ "keys", required_argument, NULL, 'k' },
		{ "reps", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench_list sizes, bursts;
	unsigned int burst = 32, burst_size = 96, reps = 11;
	struct auth_ctx c = { .nmsg = 4096, .nkeys = 1024 };
	uint64_t seed = 42;
	int first, o;
	char fixed[96];

	bench_list_parse("64,96,128,192,256,384,512", &sizes);
	bench_list_parse("1,2,4,8,16,32,64", &bursts);
	first = bench_eal_init(argc, argv);
	argc -= first - 1;
	argv += first - 1;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 's':
			if (bench_list_parse(optarg, &sizes) != 0)
				usage(argv[0]);
			break;
		case 'B':
			if (bench_list_parse(optarg, &bursts) != 0)
				usage(argv[0]);
			break;
		case 'b': burst = (unsigned int)bench_num(optarg); break;
		case 'z': burst_size = (unsigned int)bench_num(optarg); break;
		case 'm': c.nmsg = (unsigned int)bench_num(optarg); break;
		case 'k': c.nkeys = (unsigned int)bench_num(optarg); break;
		case 'r': reps = (unsigned int)bench_num(optarg); break;
		default: usage(argv[0]);
		}
	}
	if (burst == 0 || burst > MIPHA_AUTH_BURST || c.nmsg == 0 || c.nkeys == 0 ||
	    reps == 0 || reps > BENCH_MAX_REPS)
		usage(argv[0]);

	c.buf = aligned_alloc(64, (size_t)c.nmsg * AUTH_MAX_SIZE);
	c.msg = calloc(c.nmsg, sizeof(*c.msg));
	c.keys = calloc(c.nkeys, sizeof(*c.keys));
	c.pre = calloc(c.nkeys, sizeof(*c.pre));
	c.out = calloc(c.nmsg, sizeof(*c.out));
	c.raw = alloc_mb_mgr(0);
	if (c.out == NULL || c.raw == NULL) {
		fprintf(stderr, "bench_auth: out of memory\n");
		return 1;
	}
	init_mb_mgr_auto(c.raw, NULL); /* AVX2 here; never the AVX-512 init directly */
	if (c.buf == NULL || c.msg == NULL || c.keys == NULL || c.pre == NULL ||
	    mipha_auth_init(&c.auth) != 0) {
		fprintf(stderr, "bench_auth: out of memory\n");
		return 1;
	}
	for (unsigned int k = 0; k < c.nkeys; k++) {
		for (int j = 0; j < MIP_KEY_LEN; j++)
			c.keys[k].key.b[j] = (uint8_t)bench_rand(&seed);
		c.keys[k].spi = 1000 + k;
		c.keys[k].alg = MIP_ALG_HMAC_MD5;
		mipha_auth_precompute(&c.auth, &c.keys[k].key, c.keys[k].ipad, c.keys[k].opad);
		hmac_md5_set_key(&c.pre[k], MIP_KEY_LEN, c.keys[k].key.b);
	}

	/* by message size, burst fixed */
	for (unsigned int si = 0; si < sizes.n; si++) {
		struct bench_samples s[C__COUNT] = { 0 };
		unsigned int good;
		bool ok = true;

		if (auth_setup(&c, (unsigned int)sizes.v[si], &seed) != 0)
			return 1;
		for (int k = 0; k < C__COUNT; k++)
			(void)auth_run(&c, (enum auth_case)k, burst, &good); /* warm-up */
		for (unsigned int r = 0; r < reps; r++) {
			for (int k = 0; k < C__COUNT; k++) {
				bench_sample_add(&s[k], auth_run(&c, (enum auth_case)k, burst,
								 &good));
				ok = ok && good == c.nmsg;
			}
		}
		snprintf(fixed, sizeof(fixed), "burst=%u msgs=%u keys=%u", burst, c.nmsg, c.nkeys);
		auth_emit("size", (double)sizes.v[si], fixed, C_BATCH, C_SCALAR, s, ok);
		auth_emit("size", (double)sizes.v[si], fixed, C_SCALAR, C_BATCH, s, ok);
		auth_emit("size", (double)sizes.v[si], fixed, C_PRECOMP, C_BATCH, s, ok);
		auth_emit("size", (double)sizes.v[si], fixed, C_OPENSSL, C_BATCH, s, ok);
		auth_emit("size", (double)sizes.v[si], fixed, C_RAW, C_BATCH, s, ok);
	}

	/* by batch size, message size fixed; the scalar path measured alongside */
	if (auth_setup(&c, burst_size, &seed) != 0)
		return 1;
	for (unsigned int bi = 0; bi < bursts.n; bi++) {
		struct bench_samples s[C__COUNT] = { 0 };
		unsigned int good, b = (unsigned int)bursts.v[bi];
		bool ok = true;

		if (b == 0 || b > MIPHA_AUTH_BURST)
			continue;
		(void)auth_run(&c, C_BATCH, b, &good);
		for (unsigned int r = 0; r < reps; r++) {
			bench_sample_add(&s[C_BATCH], auth_run(&c, C_BATCH, b, &good));
			ok = ok && good == c.nmsg;
			bench_sample_add(&s[C_SCALAR], auth_run(&c, C_SCALAR, b, &good));
			ok = ok && good == c.nmsg;
		}
		snprintf(fixed, sizeof(fixed), "size=%u msgs=%u keys=%u", burst_size, c.nmsg,
			 c.nkeys);
		auth_emit("burst", b, fixed, C_BATCH, C_SCALAR, s, ok);
	}
	mipha_auth_fini(&c.auth);
	free_mb_mgr(c.raw);
	/* Benchmark keys are random, not secrets; wiped anyway, as every key is. */
	mip_wipe(c.keys, (size_t)c.nkeys * sizeof(*c.keys));
	mip_wipe(c.pre, (size_t)c.nkeys * sizeof(*c.pre));
	free(c.buf);
	free(c.msg);
	free(c.keys);
	free(c.pre);
	free(c.out);
	rte_eal_cleanup();
	return 0;
}
