/* SPDX-License-Identifier: BSD-3-Clause */
/* The dynamic-key core's records (private to control/dynkey). */
#ifndef MIPHA_DK_INTERNAL_H
#define MIPHA_DK_INTERNAL_H

#include <stddef.h>

#include <nettle/hmac.h>

#include "dk_table.h"
#include "dynkey.h"

#define DK_HASH_LEN 32	/* SHA-256 of an RRQ, for the duplicate cache */

/* One MN with dynamic keys (spec sections 5 and 7). Heap: mip_secret_alloc. */
struct dk_mn {
	struct dk_hnode by_nai;
	struct dk_hnode by_home;	/* in the index while home != 0 */
	struct dk_heap_node timer;	/* continuation end */
	uint64_t id;
	uint32_t home;			/* network order */
	uint32_t coa;
	uint32_t ha_addr;
	uint16_t flags;
	bool continuing;		/* binding cleared, skey holds Skey_next */
	bool single_key;
	uint8_t alg1, alg2;
	uint32_t spi1, spi2;		/* spi2 = 0 in the single-key variant */
	struct mip_key skey;		/* Skey, or Skey_next while continuing */
	struct mip_key skey2;		/* Skey' */
	struct mip_key prev;		/* Skey' before the last rekey */
	bool has_prev;
	uint32_t prev_until;		/* prev accepted until (NTP seconds) */
	uint64_t last_ident;		/* replay state per NAI */
	uint64_t skey2_ident;		/* exchange that last installed Skey' */
	bool has_session;
	uint32_t session_end;		/* NTP seconds: AAA Session-Timeout from its exchange */
	uint32_t expiry;		/* binding expiry, NTP seconds */
	uint32_t kc;			/* retention offered with the current Skey' */
	/* Duplicate cache: the last accepted RRQ and its reply. */
	bool dup_valid;
	uint16_t dup_len;
	uint64_t dup_ident;		/* the cached RRQ's Identification */
	uint8_t dup_hash[DK_HASH_LEN];
	uint8_t dup_code;
	uint16_t rrp_len;
	uint8_t rrp[MIPHA_DK_RRP_MAX];
	uint8_t nai_len;
	char nai[MIP_NAI_MAX + 1];
};

/* One AAA exchange in flight; cookie = gen << 32 | index. */
struct dk_pending {
	struct dk_hnode by_nai;
	bool used;
	bool out_of_window;		/* answer 133 when the AAA accepts */
	bool has_ks2;
	uint8_t flags;
	uint32_t gen;
	uint32_t next_free;
	void *user;
	uint32_t home, ha_addr, coa;
	uint16_t lifetime;
	uint16_t rrq_len;
	uint64_t ident;
	struct mip_keyspec ks, ks2;
	uint8_t auth_challenge[MIP_AUTH_CHALLENGE_LEN];
	uint8_t nt_response[MIP_NT_RESPONSE_LEN];
	uint8_t rrq_hash[DK_HASH_LEN];
	uint8_t nai_len;
	char nai[MIP_NAI_MAX + 1];
};

struct mipha_dk {
	struct mipha_dk_cfg cfg;
	struct mip_key hkey;		/* keys the hash index and rate tags */
	struct hmac_md5_ctx hctx;	/* HMAC-MD5 under hkey, pads computed once */
	uint64_t cnt[MIPHA_DK_CNT__COUNT];
	uint64_t pending_high;
	uint64_t next_id;
	uint32_t n_mns;
	uint32_t n_continuing;
	struct dk_hash mn_by_nai;
	struct dk_hash mn_by_home;
	struct dk_hash pend_by_nai;
	struct dk_pending *pend;
	uint32_t pend_free;		/* head of the free list, UINT32_MAX = none */
	uint32_t n_pending;
	struct dk_rate rate_nai;
	struct dk_rate rate_src;
	struct dk_pool own_pool;	/* when cfg.pool is NULL */
	struct dk_pool *pool;		/* own_pool or the shared one */
	struct dk_heap timers;
};

/* Reply builders (dk_rrp.c). Each returns the length, 0 on error. */

/* Header and the NAI echo; code, lifetime 0, no MHAE (a denial nothing verified). */
size_t dk_rrp_unsigned(uint8_t *buf, size_t cap, uint8_t code, uint32_t home, uint32_t ha,
		       uint64_t ident, const char *nai, size_t nai_len);

/* The parts of a signed reply that vary between exchanges. */
struct dk_rrp {
	uint8_t code;
	uint16_t lifetime;
	uint32_t home, ha;
	uint64_t ident;
	const char *nai;
	size_t nai_len;
	uint32_t vendor;
	const struct mip_keyspec *ks;	/* KEY-REQ-S echo or NULL */
	const struct mip_keyspec *ks2;	/* KEY-REQ-S2 echo or NULL */
	const uint8_t *auth_challenge;	/* or NULL */
	const char *auth_response;	/* 42 bytes or NULL */
	uint32_t kc;			/* KEY-CONTINUATION seconds, 0 = none */
	uint32_t spi;			/* MHAE */
	uint8_t alg;
	const struct mip_key *key;
};

/* Extensions in the order of spec sections 5 step 7 and 7, MHAE signed last. */
size_t dk_rrp_signed(uint8_t *buf, size_t cap, const struct dk_rrp *r);

#define container_of(p, type, member) ((type *)((char *)(p) - offsetof(type, member)))

static inline void dk_count(struct mipha_dk *dk, enum mipha_dk_counter c)
{
	dk->cnt[c]++;
}

static inline uint32_t dk_now_sec(uint64_t now)
{
	return mip_ntp_sec(now);
}

static inline uint64_t dk_now_ms(uint64_t now)
{
	return (now >> 32) * 1000 + (((now & 0xffffffffull) * 1000) >> 32);
}

static inline uint16_t dk_min_lifetime(uint32_t a, uint32_t b)
{
	uint32_t v = a < b ? a : b;

	return (uint16_t)(v > 0xffff ? 0xffff : v);
}

static inline uint8_t dk_accept_code(uint8_t flags)
{
	return (flags & MIP_FLAG_S) ? MIP_CODE_ACCEPTED_NO_SIMUL : MIP_CODE_ACCEPTED;
}

/* dynkey.c: keyed hashes, outputs and replies shared by the stages. */
uint64_t dk_nai_hash(const struct mipha_dk *dk, const char *nai, size_t n);
uint64_t dk_addr_hash(const struct mipha_dk *dk, uint8_t domain, uint32_t addr);
/* SHA-256 of the whole RRQ, for the duplicate cache. */
void dk_rrq_hash(const struct mip_msg *m, uint8_t out[DK_HASH_LEN]);
void dk_out_init(struct mipha_dk_out *out);
/* out->action = DROP, counted in why. */
enum mipha_dk_action dk_drop(struct mipha_dk *dk, struct mipha_dk_out *out,
			     enum mipha_dk_counter why);
enum mipha_dk_action dk_apply(struct mipha_dk_out *out);
/* An unsigned denial (header and NAI) into out, counted by its code. */
enum mipha_dk_action dk_deny(struct mipha_dk *dk, struct mipha_dk_out *out, uint8_t code,
			     uint32_t home, uint32_t ha, uint64_t ident, const char *nai,
			     size_t nai_len);
/* A signed reply into out, counted by its code. */
enum mipha_dk_action dk_reply(struct mipha_dk *dk, struct mipha_dk_out *out,
			      const struct dk_rrp *r);

/* dk_mn.c: MN records. */
struct dk_mn *dk_mn_by_nai(const struct mipha_dk *dk, const char *nai, size_t n);
struct dk_mn *dk_mn_by_home(const struct mipha_dk *dk, uint32_t home);
/* The record an RRQ names (NAI, else home address); NULL when they disagree. */
struct dk_mn *dk_mn_of_rrq(const struct mipha_dk *dk, const struct mip_msg *m);
/* Re-indexes mn under home; its old address goes back to the pool. */
void dk_mn_set_home(struct mipha_dk *dk, struct dk_mn *mn, uint32_t home);
void dk_mn_wipe_keys(struct dk_mn *mn);
void dk_mn_stop_continuing(struct mipha_dk *dk, struct dk_mn *mn);
/* A zeroed record indexed by NAI, or NULL (max_mns reached, no memory). */
struct dk_mn *dk_mn_new(struct mipha_dk *dk, const char *nai, size_t n);
/* Unindexes, releases the home address, wipes and frees. */
void dk_mn_free(struct mipha_dk *dk, struct dk_mn *mn);
/* The last Identification accepted for mn by the core or the dataplane. */
uint64_t dk_mn_last_accepted(const struct mipha_dk *dk, const struct dk_mn *mn);
void dk_mn_dup_store(struct dk_mn *mn, const struct mip_msg *m, const struct mipha_dk_out *out);
/*
 * True and out = the cached reply when m is an exact copy of the last RRQ
 * accepted for mn (not when a newer one was accepted since, even by a worker).
 */
bool dk_mn_dup_match(struct mipha_dk *dk, const struct dk_mn *mn, const struct mip_msg *m,
		     struct mipha_dk_out *out);
/* What the tables must hold for mn now. */
void dk_fill_inst(const struct dk_mn *mn, struct mipha_dk_install *in);
/* min(requested, HA maximum, what is left of the AAA session). */
uint16_t dk_grant_lifetime(const struct mipha_dk *dk, const struct dk_mn *mn,
			   uint16_t requested, uint64_t now);
/* The binding ends: Skey_next kept (key continuation) or the MN forgotten. May free mn. */
void dk_clear_binding(struct mipha_dk *dk, struct dk_mn *mn, uint64_t now,
		      struct mipha_dk_out *out);

#endif /* MIPHA_DK_INTERNAL_H */
