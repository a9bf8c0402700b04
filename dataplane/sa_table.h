/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The MN-HA security association table: (home address, SPI) -> struct mipha_sa.
 *
 * One struct mipha_sa is one MN's security context: its keys (a static SA has
 * one; a dynamic MN has Skey under SPI1 and Skey' under SPI2, both hash keys
 * pointing at the same struct), its replay state (one last-accepted
 * Identification per MN, spec section 8) and the duplicate-reply cache.
 *
 * Same concurrency model as binding_table.h: rte_hash with lock-free readers
 * and integrated RCU for key slots; workers only look up, verify, advance the
 * replay state (CAS) and write the duplicate cache; the control lcore is the
 * only caller of alloc/set_key/install/replace/remove/reclaim. Key material
 * never changes under a reader: a rekey builds a new struct (mipha_sa_clone,
 * then set_key) and swaps it in with mipha_sa_replace(). A removed or replaced
 * struct is wiped (keys, ipad/opad, everything) and reused only after every
 * worker has been quiescent (mipha_sa_table_reclaim()).
 *
 * Sizing: struct mipha_sa is 256 bytes. Measured (rte_malloc heap): 1M MNs
 * with two SPIs each and a binding take 447 MiB: SA table 362 MiB (256 MiB of
 * structs, 2M-key hash with ext buckets and its RCU queue), binding table
 * 85 MiB. Under the 512 MiB target.
 */
#ifndef MIPHA_DP_SA_TABLE_H
#define MIPHA_DP_SA_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "mip_secret.h"
#include "mip_wire.h"

struct rte_rcu_qsbr;

/* The hash key. Both fields as they appear in the RRQ. */
struct mipha_sa_hkey {
	uint32_t home_addr;	/* network order */
	uint32_t spi;		/* host order */
};

/* One MN-HA key. */
struct mipha_sa_key {
	uint32_t spi;		/* host order; 0 = slot unused */
	uint8_t alg;		/* enum mip_alg */
	uint8_t pad[3];
	struct mip_key key;	/* raw key (keyed-MD5, scalar path, control's derivations) */
	uint8_t ipad[16];	/* MD5 state after the block key ^ 0x36 (IMB_MD5_ONE_BLOCK) */
	uint8_t opad[16];	/* MD5 state after the block key ^ 0x5c */
};

#define MIPHA_SA_STATIC 0	/* configured (RFC 5944 / spec section 9) */
#define MIPHA_SA_DYNAMIC 1	/* derived through the AAA server (spec sections 5-7) */

/* Index of a key inside struct mipha_sa. */
#define MIPHA_SA_KEY1 0		/* static key, or Skey under SPI1 */
#define MIPHA_SA_KEY2 1		/* Skey' under SPI2 (two-key dynamic variant) */
#define MIPHA_SA_NKEYS 2

/* What the duplicate cache holds (spec section 8: exact copy -> same RRP). */
#define MIPHA_DUP_NONE 0
#define MIPHA_DUP_FAST 1	/* worker-built reply: rebuilt from the copy + the fields below */
#define MIPHA_DUP_CTRL 2	/* control-built reply: the copy goes to control (MIPHA_CTRL_DUPLICATE) */

/*
 * The last accepted RRQ and enough of its RRP to resend it. Written under a
 * sequence counter (odd while writing); a reader that sees it change treats
 * the cache as a miss. A FAST reply is: RRP header (dup_code, dup_lifetime,
 * the RRQ's home address, HA address and Identification), the RRQ's NAI
 * extension echoed when it had one, then MHAE(dup_spi, dup_auth).
 */
struct mipha_sa_dup {
	uint32_t seq;		/* atomic */
	uint32_t rrq_crc;	/* CRC32C of the whole RRQ */
	uint64_t ident;		/* its Identification */
	uint16_t rrq_len;
	uint16_t lifetime;	/* the RRP's */
	uint8_t kind;		/* MIPHA_DUP_* */
	uint8_t code;		/* the RRP's */
	uint8_t pad[2];
	uint32_t spi;		/* the RRP MHAE's SPI */
	uint8_t auth[16];	/* the RRP MHAE's authenticator */
};

struct mipha_sa {
	uint32_t home_addr;	/* network order */
	uint8_t kind;		/* MIPHA_SA_STATIC / _DYNAMIC */
	uint8_t prev_valid;	/* atomic: prev holds the Skey' before the last rekey */
	uint16_t replay_tolerance; /* seconds; 0 = the worker conf's default */
	uint64_t last_ident;	/* atomic; replay state, 0 = none accepted yet */
	uint64_t cookie;	/* control's own (its MN record: NAI, lifetimes, ...) */
	struct mipha_sa_dup dup;
	struct mipha_sa_key key[MIPHA_SA_NKEYS];
	/*
	 * The Skey' a rekey replaced (spec section 7: still accepted until an
	 * RRQ verifies with the new one). Workers never read these bytes: an RRQ
	 * under SPI2 that fails with key[KEY2] while prev_valid is set goes to
	 * control (MIPHA_CTRL_AUTH_PREV); one that verifies with key[KEY2]
	 * clears prev_valid and tells control (MIPHA_CTRL_PREV_RETIRED), which
	 * wipes prev.
	 */
	struct mipha_sa_key prev;
} __attribute__((aligned(64)));

/* Worker: the key slot of sa for spi, or NULL. */
static inline const struct mipha_sa_key *mipha_sa_key_for(const struct mipha_sa *sa, uint32_t spi)
{
	for (int i = 0; i < MIPHA_SA_NKEYS; i++)
		if (sa->key[i].spi == spi && spi != 0)
			return &sa->key[i];
	return NULL;
}

/* Worker: starts loading what verification reads (replay state, duplicate cache, keys). */
static inline void mipha_sa_prefetch(const struct mipha_sa *sa)
{
	const char *p = (const char *)sa;

	__builtin_prefetch(p, 1, 3);		/* last_ident (CAS), dup */
	__builtin_prefetch(p + 64, 0, 3);	/* key[0] */
	__builtin_prefetch(p + 128, 0, 3);	/* key[1] */
}

/* Worker or control: replay state. */
static inline uint64_t mipha_sa_last_ident(const struct mipha_sa *sa)
{
	return __atomic_load_n(&sa->last_ident, __ATOMIC_ACQUIRE);
}

/* Worker or control: last_ident old -> new; false when another thread moved it first. */
static inline bool mipha_sa_replay_advance(struct mipha_sa *sa, uint64_t old, uint64_t new_ident)
{
	return __atomic_compare_exchange_n(&sa->last_ident, &old, new_ident, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/*
 * Worker or control: records the RRQ just accepted with ident and its reply.
 * For MIPHA_DUP_CTRL, code/lifetime/spi/auth are ignored (control keeps its
 * own RRP bytes).
 */
void mipha_sa_dup_store(struct mipha_sa *sa, uint8_t kind, const uint8_t *rrq, uint16_t rrq_len,
			uint64_t ident, uint8_t code, uint16_t lifetime, uint32_t spi,
			const uint8_t auth[16]);
/*
 * Worker: copies the cache into *out when rrq (len bytes) is an exact copy of
 * the cached RRQ and that one is still the last accepted (ident ==
 * last_ident); returns its kind, or MIPHA_DUP_NONE on a miss or when a writer
 * was busy. So control must advance last_ident (it is, for verified classes)
 * and store MIPHA_DUP_CTRL for each RRQ it accepts.
 */
uint8_t mipha_sa_dup_match(const struct mipha_sa *sa, const uint8_t *rrq, uint16_t len,
			   uint64_t ident, struct mipha_sa_dup *out);

struct mipha_sa_table;

/* As mipha_binding_table_create; max is the number of structs (MNs), hash keys are 2*max. */
struct mipha_sa_table *mipha_sa_table_create(const char *name, uint32_t max, int socket,
					     struct rte_rcu_qsbr *qsbr);
void mipha_sa_table_free(struct mipha_sa_table *t);

/* Worker: the SA for (home, spi), or NULL. */
struct mipha_sa *mipha_sa_lookup(const struct mipha_sa_table *t, uint32_t home_addr, uint32_t spi);
/* Worker: n (<= 64) lookups, each hit prefetched; out[i] NULL on a miss; returns hits. */
unsigned int mipha_sa_lookup_bulk(const struct mipha_sa_table *t, const struct mipha_sa_hkey *keys,
				  unsigned int n, struct mipha_sa **out);

/* Control: a zeroed struct from the table's pool, not yet visible. NULL when exhausted. */
struct mipha_sa *mipha_sa_alloc(struct mipha_sa_table *t);
/* Control: a new struct with everything of sa copied (for a rekey). NULL when exhausted. */
struct mipha_sa *mipha_sa_clone(struct mipha_sa_table *t, const struct mipha_sa *sa);
/* Control: gives back a struct that was never installed (wiped). */
void mipha_sa_discard(struct mipha_sa_table *t, struct mipha_sa *sa);
/*
 * Control: sets key slot idx (MIPHA_SA_KEY1/2) of a struct not yet installed:
 * spi, alg and key, plus HMAC ipad/opad precomputed with ipsec-mb. -EINVAL for
 * a bad idx, alg or an SPI below 256. Copy: key may be wiped right after.
 */
int mipha_sa_set_key(struct mipha_sa_table *t, struct mipha_sa *sa, unsigned int idx,
		     uint32_t spi, enum mip_alg alg, const struct mip_key *key);
/*
 * Control: makes sa visible under (home_addr, spi) for each used key slot.
 * -EEXIST when one of those is already installed (nothing changed), -ENOSPC.
 */
int mipha_sa_install(struct mipha_sa_table *t, struct mipha_sa *sa);
/*
 * Control: swaps new_sa in for old (same home address): its keys point at
 * new_sa, old's keys that new_sa lacks are removed, and old is reclaimed
 * after a grace period. The replay state and duplicate cache are copied from
 * old at the swap (use mipha_sa_clone to build new_sa).
 */
int mipha_sa_replace(struct mipha_sa_table *t, struct mipha_sa *old, struct mipha_sa *new_sa);
/* Control: removes all of sa's keys; wiped and reused after a grace period. */
int mipha_sa_remove(struct mipha_sa_table *t, struct mipha_sa *sa);
/* Control: wipes and frees what every reader has stopped seeing; returns how many. */
unsigned int mipha_sa_table_reclaim(struct mipha_sa_table *t);
/* Installed structs (not counting those awaiting reclaim). */
uint32_t mipha_sa_table_count(const struct mipha_sa_table *t);

/*
 * A QSBR variable for max_threads readers (workers), zeroed and initialised
 * (rte_zmalloc; free with rte_free). NULL on error.
 */
struct rte_rcu_qsbr *mipha_rcu_create(uint32_t max_threads);

#endif /* MIPHA_DP_SA_TABLE_H */
