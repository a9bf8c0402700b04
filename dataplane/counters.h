/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-worker counters, from one X-macro list: a new drop reason is one line.
 * Each worker owns one struct mipha_counters and is its only writer (plain
 * 64-bit stores, no atomics); telemetry on the control lcore reads them with
 * plain loads (64-bit loads are not torn on x86-64) and sums across workers.
 *
 * Names are what an operator sees in telemetry: lower case, "drop_" for every
 * drop reason. Registration parse failures are counted once per enum mip_err
 * in reg_malformed[] (named "reg_malformed_" + mip_err_name(), see
 * mipha_counters_malformed_name()), plus once in drop_reg_malformed.
 */
#ifndef MIPHA_DP_COUNTERS_H
#define MIPHA_DP_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>

#include "mip_wire.h"

#define MIPHA_COUNTERS(X)                                                                \
	X(RX, "rx_packets", "frames received")                                           \
	X(TX, "tx_packets", "frames handed to the NIC")                                  \
	X(IDLE_SLEEPS, "idle_sleeps", "times the worker slept on an empty rx")           \
	/* classes */                                                                    \
	X(CLS_ARP, "class_arp", "ARP frames")                                            \
	X(CLS_REG, "class_reg", "UDP/434 to an HA address")                              \
	X(CLS_ENCAP, "class_encap", "IPv4 to a home-prefix address")                     \
	X(CLS_DECAP, "class_decap", "IP-in-IP to an HA address")                         \
	X(CLS_ICMP, "class_icmp", "ICMP to an HA address")                               \
	/* ARP */                                                                        \
	X(ARP_REPLY, "arp_replies", "ARP replies for an HA address")                     \
	X(ARP_PROXY, "arp_proxy_replies", "proxy ARP replies for away home addresses")   \
	X(ARP_LEARNED, "arp_neigh_learned", "home-link neighbours learned from ARP")     \
	X(ARP_REQUEST, "arp_requests_sent", "ARP requests for unresolved home-link hosts") \
	/* registration */                                                               \
	X(REG_ACCEPTED, "reg_accepted", "re-registrations accepted on the fast path")    \
	X(REG_DUPLICATE, "reg_duplicate_replies", "cached replies sent for exact copies") \
	X(REG_REPLAY_133, "reg_replies_133", "133 replies (identification mismatch)")    \
	X(REG_UNKNOWN_HA_136, "reg_replies_136", "136 replies (unknown home agent)")     \
	X(REG_ENCAP_UNAVAILABLE_139, "reg_replies_139", "139 replies (minimal/GRE asked)") \
	X(REG_POORLY_FORMED, "reg_replies_134_140", "134/140 replies to malformed RRQs") \
	X(REG_TO_CTRL, "reg_to_control", "RRQs handed to the control lcore")             \
	/* tunnels */                                                                    \
	X(ENCAP, "encap_packets", "packets tunnelled to a care-of address")              \
	X(ENCAP_FRAGMENTED, "encap_fragmented", "tunnelled as outer fragments (DF clear, over the tunnel MTU)") \
	X(ENCAP_FRAGMENTS, "encap_fragments", "outer fragments sent")                     \
	X(DECAP, "decap_packets", "reverse-tunnelled packets decapsulated")              \
	X(ICMP_FRAG_NEEDED, "icmp_frag_needed_sent", "ICMP fragmentation-needed sent")   \
	X(ICMP_TIME_EXCEEDED, "icmp_time_exceeded_sent", "ICMP time exceeded sent")      \
	X(ICMP_ECHO_REPLY, "icmp_echo_replies_sent", "ICMP echo replies from an HA address") \
	X(ICMP_TUNNEL_MTU, "icmp_tunnel_mtu_learned", "fragmentation-needed about a tunnel packet: its path MTU lowered") \
	X(ICMP_TUNNEL_RELAYED, "icmp_tunnel_unreachable_relayed", "unreachable or time exceeded from within a tunnel: host unreachable sent to the original sender") \
	/* drops, one per reason */                                                      \
	X(DROP_NOT_IPV4, "drop_not_ipv4", "neither ARP nor IPv4")                        \
	X(DROP_IP_MALFORMED, "drop_ip_malformed", "bad IPv4 header, length or checksum") \
	X(DROP_MULTISEG, "drop_multiseg", "chained mbuf (jumbo) this path does not handle") \
	X(DROP_IP_FRAGMENT, "drop_ip_fragment", "IPv4 fragment where a whole packet is needed") \
	X(DROP_NOT_FOR_US, "drop_not_for_us", "IPv4 matching no class")                  \
	X(DROP_ICMP_MALFORMED, "drop_icmp_malformed", "ICMP to an HA address: truncated or bad checksum") \
	X(DROP_ICMP_RATE, "drop_icmp_rate", "ICMP echo request over the icmp_rate budget") \
	X(DROP_ICMP_TUNNEL_IGNORED, "drop_icmp_tunnel_ignored", "ICMP error not about a current tunnel of ours, or a fragmentation-needed not lowering its MTU") \
	X(DROP_ICMP_OTHER, "drop_icmp_other", "ICMP to an HA address of another type or code, or about a packet no error may be sent for") \
	X(DROP_ARP_MALFORMED, "drop_arp_malformed", "ARP not Ethernet/IPv4 or truncated") \
	X(DROP_ARP_IGNORED, "drop_arp_ignored", "ARP not asking for us or a bound home address") \
	X(DROP_UDP_MALFORMED, "drop_udp_malformed", "UDP header or length wrong")        \
	X(DROP_REG_MALFORMED, "drop_reg_malformed", "RRQ mip_parse rejected (see reg_malformed_*)") \
	X(DROP_REG_NOT_RRQ, "drop_reg_not_rrq", "UDP/434 payload that is not an RRQ")    \
	X(REG_AUTH_FAIL_131, "reg_auth_fail_131", "MN-HA authenticator did not verify: 131 sent") \
	X(DROP_AUTH_ALG, "drop_auth_alg", "SA with an algorithm this path does not do")  \
	X(PREV_KEY_RETIRED, "reg_prev_key_retired", "new Skey' verified after a rekey: previous retired") \
	X(DROP_CTRL_RING_FULL, "drop_ctrl_ring_full", "control ring full (MN retransmits)") \
	X(DROP_NO_BINDING, "drop_no_binding", "data to a home address with no binding")  \
	X(DROP_BINDING_EXPIRED, "drop_binding_expired", "data to a binding past its expiry") \
	X(DROP_TTL, "drop_ttl_expired", "inner TTL reached 0")                           \
	X(DROP_FRAG_NEEDED, "drop_frag_needed", "DF set and too big for the tunnel")     \
	X(DROP_TOO_BIG, "drop_too_big", "no headroom, or over the tunnel MTU with no fragmentation") \
	X(REASM_FRAGMENTS, "reasm_fragments", "outer fragments to the HA taken for reassembly") \
	X(REASM_DATAGRAMS, "reasm_datagrams", "tunnelled datagrams reassembled from them") \
	X(DROP_REASM_TOO_BIG, "drop_reasm_too_big", "reassembled datagram larger than one mbuf") \
	X(DROP_FRAG_FAILED, "drop_frag_failed", "outer fragmentation failed: mbufs exhausted or too many fragments") \
	X(DROP_SPOOFED, "drop_reverse_tunnel_spoofed", "reverse tunnel: inner or outer source not the binding's") \
	X(DROP_NO_REVERSE_TUNNEL, "drop_reverse_tunnel_not_requested", "reverse tunnel for a binding without T") \
	X(DROP_NEIGH_UNRESOLVED, "drop_neigh_unresolved", "for a home-link host whose MAC is not known yet") \
	X(DROP_NO_TX_PORT, "drop_no_tx_port", "no port has the role this packet needs")  \
	X(DROP_TX_FULL, "drop_tx_full", "NIC tx queue full")                             \
	X(DROP_BURST_OVERFLOW, "drop_burst_overflow", "more than MIPHA_BURST frames given to mipha_classify")

enum mipha_counter {
#define MIPHA_CNT_ENUM(id, name, help) MIPHA_CNT_##id,
	MIPHA_COUNTERS(MIPHA_CNT_ENUM)
#undef MIPHA_CNT_ENUM
	MIPHA_CNT__COUNT
};

/* One worker's counters; written only by that worker. */
struct mipha_counters {
	uint64_t v[MIPHA_CNT__COUNT];
	uint64_t reg_malformed[MIP_E__COUNT]; /* by enum mip_err; [MIP_OK] unused */
} __rte_cache_aligned;

/* The operator-facing name ("drop_auth_fail") of c; never NULL. */
const char *mipha_counter_name(enum mipha_counter c);
/* One line of help text for c; never NULL. */
const char *mipha_counter_help(enum mipha_counter c);
/*
 * Writes "reg_malformed_" + lower-case mip_err_name(err) without its "MIP_E_"
 * prefix (e.g. "reg_malformed_ext_overrun") into buf; returns buf.
 */
char *mipha_counters_malformed_name(enum mip_err err, char *buf, size_t cap);

/* Adds src into dst (telemetry sums the workers). */
void mipha_counters_add(struct mipha_counters *dst, const struct mipha_counters *src);

static inline void mipha_cnt_inc(struct mipha_counters *c, enum mipha_counter id)
{
	c->v[id]++;
}

static inline void mipha_cnt_add(struct mipha_counters *c, enum mipha_counter id, uint64_t n)
{
	c->v[id] += n;
}

#endif /* MIPHA_DP_COUNTERS_H */
