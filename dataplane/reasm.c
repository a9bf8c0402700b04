/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reassembly of outer fragments addressed to the HA (RFC 2003 5.1: the
 * decapsulator reassembles before decapsulating). A reverse-tunnelled packet
 * arrives fragmented when a link between the care-of address and the HA has
 * a smaller MTU than the MN assumed. Each worker keeps its own DPDK
 * reassembly table (RSS sends one care-of -> HA flow to one worker): bounded
 * flows, fragments held at most the configured time, then freed through the
 * death row. A reassembled datagram goes on as one buffer to decapsulation.
 */
#include <errno.h>

#include <rte_cycles.h>
#include <rte_ip_frag.h>

#include "pkt.h"

int mipha_reasm_init(struct mipha_worker *w, uint32_t flows, uint32_t timeout_ms, int socket)
{
	uint64_t cycles = (rte_get_tsc_hz() + 999) / 1000 * (timeout_ms != 0 ? timeout_ms : 1);
	uint32_t buckets = 1;

	if (flows == 0)
		return 0;
	/* 16-way buckets, as DPDK's examples; a power of two of them */
	while (buckets * 16 < flows * 2)
		buckets <<= 1;
	w->frag_tbl = rte_ip_frag_table_create(buckets, 16, flows, cycles, socket);
	return w->frag_tbl != NULL ? 0 : -ENOMEM;
}

void mipha_reasm_fini(struct mipha_worker *w)
{
	if (w->frag_tbl == NULL)
		return;
	rte_ip_frag_free_death_row(&w->frag_dr, 0);
	rte_ip_frag_table_destroy(w->frag_tbl);
	w->frag_tbl = NULL;
}

struct rte_mbuf *mipha_reasm(struct mipha_worker *w, struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = mipha_pkt_ip(m);
	struct rte_mbuf *r;

	if (w->frag_tbl == NULL) {
		mipha_drop(w, m, MIPHA_CNT_DROP_IP_FRAGMENT);
		return NULL;
	}
	mipha_cnt_inc(&w->cnt, MIPHA_CNT_REASM_FRAGMENTS);
	/* held (NULL), or the whole datagram as a chain; bad or stale fragments go to the death row */
	r = rte_ipv4_frag_reassemble_packet(w->frag_tbl, &w->frag_dr, m, rte_rdtsc(), ip);
	if (r == NULL)
		return NULL;
	mipha_cnt_inc(&w->cnt, MIPHA_CNT_REASM_DATAGRAMS);
	/*
	 * The stages after this one read single buffers. The outer header's
	 * checksum is left stale (DPDK rewrote its length and offset): it was
	 * checked on every fragment, and decapsulation removes that header.
	 */
	if (r->nb_segs > 1 && rte_pktmbuf_linearize(r) != 0) {
		mipha_drop(w, r, MIPHA_CNT_DROP_REASM_TOO_BIG);
		return NULL;
	}
	return r;
}

void mipha_reasm_reap(struct mipha_worker *w)
{
	if (w->frag_tbl != NULL && w->frag_dr.cnt != 0)
		rte_ip_frag_free_death_row(&w->frag_dr, 3);
}
