/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The binding table: home address -> care-of address, tunnel flags, expiry.
 *
 * rte_hash (key: the home address, 4 bytes) with lock-free readers
 * (RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF) and the hash's integrated RCU for
 * its key slots. Threads:
 *  - workers call only mipha_binding_lookup*() and mipha_binding_refresh();
 *    they must be registered and online on the table's rte_rcu_qsbr and
 *    report quiescent state between bursts (mipha_worker_loop does).
 *  - the control lcore is the only caller of install/remove/reclaim/free.
 * A removed binding's memory is reused only after every worker has been
 * quiescent (own defer queue, drained by mipha_binding_table_reclaim()), so a
 * pointer a worker got from lookup stays readable until its next quiescent
 * report.
 *
 * In-place refresh: care-of address and expiry share one 64-bit word written
 * with one atomic store, so a reader sees either the old pair or the new one.
 * Control's lifetime timer must therefore re-read the expiry when it fires
 * (a worker may have extended it) and re-arm instead of removing.
 */
#ifndef MIPHA_DP_BINDING_TABLE_H
#define MIPHA_DP_BINDING_TABLE_H

#include <stdbool.h>
#include <stdint.h>

struct rte_rcu_qsbr;

struct mipha_binding {
	uint32_t home_addr;	/* network order; fixed while installed */
	uint16_t flags;		/* atomic; MIP_FLAG_* of the accepted RRQ (T = reverse tunnel) */
	uint16_t spi;		/* SPI that last authenticated this binding (informational) */
	uint64_t coa_expiry;	/* atomic; see mipha_binding_pack() */
	uint64_t cookie;	/* control's own (e.g. its MN record); workers never read it */
	uint64_t path_mtu;	/* atomic; see mipha_binding_pmtu_pack(); 0 = none learned */
};
/* Two to a cache line; bench_mem and the 512 MiB per 1M bindings budget count on it. */
_Static_assert(sizeof(struct mipha_binding) == 32, "struct mipha_binding grew");

/* care-of (network order) in the low 32 bits, expiry (HA NTP seconds) in the high 32. */
static inline uint64_t mipha_binding_pack(uint32_t coa, uint32_t expiry_sec)
{
	return ((uint64_t)expiry_sec << 32) | coa;
}

static inline uint64_t mipha_binding_load(const struct mipha_binding *b)
{
	return __atomic_load_n(&b->coa_expiry, __ATOMIC_ACQUIRE);
}

static inline uint32_t mipha_binding_coa(uint64_t packed)
{
	return (uint32_t)packed;
}

static inline uint32_t mipha_binding_expiry(uint64_t packed)
{
	return (uint32_t)(packed >> 32);
}

static inline uint16_t mipha_binding_flags(const struct mipha_binding *b)
{
	return __atomic_load_n(&b->flags, __ATOMIC_RELAXED);
}

/*
 * Worker or control: new care-of address and expiry in one atomic store, then
 * the flags (a reader may briefly pair the new care-of with the old T flag;
 * both were authorised by the same MN).
 */
static inline void mipha_binding_refresh(struct mipha_binding *b, uint32_t coa,
					 uint32_t expiry_sec, uint16_t flags)
{
	__atomic_store_n(&b->coa_expiry, mipha_binding_pack(coa, expiry_sec), __ATOMIC_RELEASE);
	__atomic_store_n(&b->flags, flags, __ATOMIC_RELAXED);
}

/*
 * The tunnel's path MTU towards one care-of address, learned by a worker from
 * an ICMP fragmentation-needed about a tunnel packet (RFC 2003 5.1, RFC 1191;
 * dataplane/icmp.c): care-of address (low 32 bits), MTU (16) and the end of
 * its validity in units of 4 s of the HA clock (16 bits, compared as serial
 * numbers: entries live MIPHA_PMTU_AGE seconds, far below the 36 h that
 * allows). A binding whose care-of changes no longer matches it: no reset
 * needed on refresh.
 */
#define MIPHA_PMTU_AGE 600	/* seconds a learned path MTU is used (RFC 1191: 10 min) */

static inline uint64_t mipha_binding_pmtu_pack(uint32_t coa, uint16_t mtu, uint32_t until_sec)
{
	return (uint64_t)coa | (uint64_t)mtu << 32 | (uint64_t)((until_sec >> 2) & 0xffff) << 48;
}

/* The path MTU learned for coa, valid at now_sec, or 0. */
static inline uint16_t mipha_binding_pmtu(const struct mipha_binding *b, uint32_t coa,
					  uint32_t now_sec)
{
	uint64_t v = __atomic_load_n(&b->path_mtu, __ATOMIC_RELAXED);
	uint16_t until = (uint16_t)(v >> 48), now = (uint16_t)(now_sec >> 2);

	if (v == 0 || (uint32_t)v != coa || (int16_t)(until - now) <= 0)
		return 0;
	return (uint16_t)(v >> 32);
}

static inline void mipha_binding_set_pmtu(struct mipha_binding *b, uint32_t coa, uint16_t mtu,
					  uint32_t until_sec)
{
	__atomic_store_n(&b->path_mtu, mipha_binding_pmtu_pack(coa, mtu, until_sec),
			 __ATOMIC_RELAXED);
}

struct mipha_binding_table;

/*
 * Creates a table for max bindings on socket (SOCKET_ID_ANY is fine) whose
 * readers report to qsbr. name must be unique in the process. NULL on error
 * (rte_errno set).
 */
struct mipha_binding_table *mipha_binding_table_create(const char *name, uint32_t max,
						       int socket, struct rte_rcu_qsbr *qsbr);
/* Control, after the workers stopped. NULL is a no-op. */
void mipha_binding_table_free(struct mipha_binding_table *t);

/* Worker: the binding of home_addr (network order) or NULL. */
struct mipha_binding *mipha_binding_lookup(const struct mipha_binding_table *t,
					   uint32_t home_addr);
/*
 * Worker: n (<= 64) lookups at once, each hit prefetched; out[i] is NULL on a miss. Returns the
 * number of hits.
 */
unsigned int mipha_binding_lookup_bulk(const struct mipha_binding_table *t,
				       const uint32_t *home_addrs, unsigned int n,
				       struct mipha_binding **out);

/*
 * Control: installs or, when home_addr is already bound, refreshes it in
 * place (care-of, expiry, flags; cookie replaced). *out (may be NULL) gets the
 * entry. 0, or -ENOSPC when the table is full.
 */
int mipha_binding_install(struct mipha_binding_table *t, uint32_t home_addr, uint32_t coa,
			  uint32_t expiry_sec, uint16_t flags, uint64_t cookie,
			  struct mipha_binding **out);
/* Control: removes the binding; memory reused after a grace period. 0 or -ENOENT. */
int mipha_binding_remove(struct mipha_binding_table *t, uint32_t home_addr);
/* Control: frees what every reader has stopped seeing; returns how many. Call often. */
unsigned int mipha_binding_table_reclaim(struct mipha_binding_table *t);
/* Installed bindings (not counting those awaiting reclaim). */
uint32_t mipha_binding_table_count(const struct mipha_binding_table *t);

#endif /* MIPHA_DP_BINDING_TABLE_H */
