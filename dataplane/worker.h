/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker lcore: configuration that control fills from the config file,
 * the per-lcore context, the main loop, and one entry point per stage. Every
 * stage takes an array of mbufs (a burst), so tests drive each one on
 * hand-built bursts without ports:
 *
 *   rx burst -> mipha_classify -> mipha_arp_burst    (ARP for HA addresses, proxy ARP)
 *                              -> mipha_reg_burst    (UDP/434 to an HA address)
 *                              -> mipha_icmp_burst   (ICMP to an HA address)
 *                              -> mipha_encap_burst  (IPv4 to the home prefix)
 *                              -> mipha_decap_burst  (IP-in-IP to an HA address)
 *            -> mipha_worker_tx_flush
 *
 * A stage consumes every mbuf it is given: it either puts it on w->tx[port]
 * (reused in place as the reply, tunnel or decapsulated packet), hands it to
 * control over the ring, or frees it and counts the reason. Workers never
 * block and never allocate per packet.
 *
 * Addresses are uint32_t in network order, as in libmip.
 */
#ifndef MIPHA_DP_WORKER_H
#define MIPHA_DP_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip_frag.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_spinlock.h>

#include "mip_wire.h"

#include "auth_batch.h"
#include "clock.h"
#include "counters.h"
#include "nbr.h"

struct rte_ring;
struct rte_rcu_qsbr;
struct mipha_binding_table;
struct mipha_sa_table;

#define MIPHA_BURST 32		/* rx burst and largest stage input */
#define MIPHA_REASM_FLOWS 4096	/* fragmented datagrams in progress per worker */
#define MIPHA_REASM_TIMEOUT_MS 2000	/* how long their fragments are held */
#define MIPHA_MAX_PORTS 4	/* DPDK port ids 0..3 */
#define MIPHA_MAX_HA_ADDRS 8
#define MIPHA_TX_BUF 64		/* per-port tx buffer of a worker */
#define MIPHA_PORT_MAX_RXQ 8	/* most rx queues of one port a worker polls */
#define MIPHA_MAX_RXQS (MIPHA_MAX_PORTS * MIPHA_PORT_MAX_RXQ)

/* Port roles (a port may have both). */
#define MIPHA_ROLE_HOME 0x1	/* the home link: proxy ARP; decapsulated packets leave here */
#define MIPHA_ROLE_UPLINK 0x2	/* towards care-of addresses: tunnels leave here */

struct mipha_port_role {
	uint8_t roles;			/* MIPHA_ROLE_*; 0 = port unused */
	struct rte_ether_addr mac;	/* this port's own address */
	struct rte_ether_addr next_hop;	/* gateway MAC: where tunnels (uplink) or
					 * decapsulated packets (home) are sent */
	uint32_t gateway;		/* next_hop's IPv4 address (network order; 0 =
					 * not known): seeds the home link's neighbours */
	bool multi_seg_tx;		/* sends chained mbufs; else fragments are copied flat */
	uint16_t nb_txq;		/* tx queues configured (0: one per sending lcore) */
	rte_spinlock_t *txq_lock;	/* one per queue when lcores share them ([port]
					 * tx_queues), else NULL */
};

/*
 * Sends n frames on port from the lcore whose own tx queue is q (worker i:
 * i, control: workers). On a port whose lcores share fewer queues
 * (txq_lock), q is taken modulo nb_txq under that queue's lock. The frames
 * not sent stay the caller's.
 */
static inline uint16_t mipha_port_tx(const struct mipha_port_role *r, uint16_t port, uint16_t q,
				     struct rte_mbuf **m, uint16_t n)
{
	uint16_t sent;

	if (likely(r->txq_lock == NULL))
		return rte_eth_tx_burst(port, q, m, n);
	q %= r->nb_txq;
	rte_spinlock_lock(&r->txq_lock[q]);
	sent = rte_eth_tx_burst(port, q, m, n);
	rte_spinlock_unlock(&r->txq_lock[q]);
	return sent;
}

/* Filled by control from the configuration before the workers start; read-only after. */
struct mipha_worker_conf {
	uint32_t ha_addr[MIPHA_MAX_HA_ADDRS]; /* ha_addr[0] is the tunnel source */
	unsigned int nb_ha_addrs;
	uint32_t home_prefix;		/* network order, e.g. 10.1.0.0 */
	uint32_t home_mask;		/* network order, e.g. 255.255.255.0 */
	struct mipha_port_role port[MIPHA_MAX_PORTS]; /* indexed by DPDK port id */
	uint16_t tunnel_mtu;		/* largest outer IPv4 packet; 0 = 1500 */
	uint16_t max_lifetime;		/* seconds granted at most */
	uint32_t replay_tolerance;	/* seconds (spec default 7) */
	struct mip_parse_cfg parse;	/* vendor id, DYNKEY_SPI */
	uint32_t idle_sleep_us;		/* sleep this long when rx stays empty; 0 = spin */
	uint32_t idle_polls;		/* empty polls before sleeping; 0 = 256 */
	uint32_t idle_poll_us;		/* or this long without a packet, if sooner; 0 = polls only */
	uint32_t idle_sleep_max_us;	/* sleeps double up to this while idle; <= idle_sleep_us: fixed */
	uint32_t icmp_rate;		/* ICMP errors a worker sends per second at most (0: none) */
	bool nai_sas;			/* static SAs by NAI alone are configured (MIPHA_CTRL_AUTH_NAI) */
	struct mipha_clock clock;	/* HA time (--clock) */
};

/*
 * Fills conf with defaults (tolerance 7, MTU 1500, max lifetime 1800, 100
 * ICMP errors per second, parse defaults).
 */
void mipha_worker_conf_default(struct mipha_worker_conf *conf);

struct mipha_txbuf {
	uint16_t n;
	struct rte_mbuf *m[MIPHA_TX_BUF];
};

/* One rx queue of one port. */
struct mipha_rxq {
	uint16_t port;
	uint16_t queue;
};

/* What mipha_worker_init needs. */
struct mipha_worker_params {
	const struct mipha_worker_conf *conf;
	struct mipha_binding_table *bindings;
	struct mipha_sa_table *sas;
	struct rte_ring *ctrl_ring;	/* see ctrl_msg.h */
	struct mipha_ctrl_bell *ctrl_bell;	/* rung after a message (NULL: none) */
	struct rte_rcu_qsbr *qsbr;	/* the tables' */
	unsigned int id;		/* worker index: RCU thread id, ctrl_msg.worker */
	uint16_t rxq;			/* rx queue polled on every port with a role, */
	struct mipha_rxq rxqs[MIPHA_MAX_RXQS];	/* unless these are given: */
	uint16_t nb_rxqs;		/* exactly these are polled (0: rxq as above) */
	uint16_t txq;			/* tx queue used on every port */
	/*
	 * Outer fragmentation (RFC 2003 5.1) of DF-clear packets that the
	 * tunnel MTU cannot carry whole: fragment headers come from
	 * frag_direct, payload references from frag_indirect (an mbuf pool
	 * without data room); for an uplink without multi-segment tx each
	 * fragment is copied into its header mbuf. NULL: such packets are
	 * dropped (drop_too_big).
	 */
	struct rte_mempool *frag_direct;
	struct rte_mempool *frag_indirect;
	/*
	 * Reassembly of tunnelled (IP-in-IP) fragments addressed to the HA:
	 * at most reasm_flows datagrams in progress, each for reasm_timeout_ms
	 * (0: 1 ms). reasm_flows 0: such fragments are dropped (drop_ip_fragment).
	 */
	uint32_t reasm_flows;
	uint32_t reasm_timeout_ms;
	volatile bool *quit;		/* the loop returns when it becomes true */
};

/* One worker's context (one per lcore; nothing in it is shared). */
struct mipha_worker {
	struct mipha_worker_params p;
	const struct mipha_worker_conf *conf;	/* = p.conf */
	struct mipha_auth auth;
	uint64_t now;				/* HA time (NTP) of the current burst */
	uint16_t ip_id;				/* outer IPv4 Identification when DF is clear */
	uint32_t outer_src;			/* outer header checksum template: for this source, */
	uint32_t outer_sum;			/* the sum of the words that never change */
	struct rte_ip_frag_tbl *frag_tbl;	/* reasm.c; NULL: no reassembly */
	struct rte_ip_frag_death_row frag_dr;	/* fragments to free */
	uint32_t icmp_sec;			/* ICMP error budget: the second it is for */
	uint32_t icmp_left;			/* and what is left of it */
	struct mipha_txbuf tx[MIPHA_MAX_PORTS];	/* to be sent, by port */
	struct mipha_counters cnt;
	struct mipha_nbr nbr;			/* home-link neighbours (nbr.h) */
	/* scratch for replies built in a burst (not a per-packet allocation) */
	uint8_t scratch[MIPHA_BURST][320];
};

/*
 * Initialises w (ipsec-mb manager, counters) and registers it with the RCU
 * QSBR variable (thread id = p->id, left offline until the loop or
 * mipha_worker_online). 0 or a negative errno.
 */
int mipha_worker_init(struct mipha_worker *w, const struct mipha_worker_params *p);
/* Frees what init took; drops anything still buffered. */
void mipha_worker_fini(struct mipha_worker *w);
/* Tests: mark the worker online/quiescent without running the loop. */
void mipha_worker_online(struct mipha_worker *w);
void mipha_worker_quiescent(struct mipha_worker *w);
void mipha_worker_offline(struct mipha_worker *w);

/*
 * lcore function (rte_eal_remote_launch(mipha_worker_loop, w, lcore)): polls
 * p.rxqs (or p.rxq on every port with a role), processes, transmits, reports quiescent
 * state every iteration, sleeps idle_sleep_us (offline) after idle_polls
 * empty polls. Returns 0 when *p.quit becomes true.
 */
int mipha_worker_loop(void *w);

/* Classes of mipha_classify. */
enum mipha_class {
	MIPHA_CLS_ARP,
	MIPHA_CLS_REG,
	MIPHA_CLS_ENCAP,
	MIPHA_CLS_DECAP,
	MIPHA_CLS_ICMP,
	MIPHA_CLS__COUNT
};

struct mipha_classes {
	uint16_t n[MIPHA_CLS__COUNT];
	struct rte_mbuf *m[MIPHA_CLS__COUNT][MIPHA_BURST];
};

/*
 * Sorts n (<= MIPHA_BURST) frames into out by class, after checking the
 * Ethernet and IPv4 headers (version, IHL, lengths, header checksum; frame
 * trimmed to the IPv4 total length; l2_len/l3_len set). What matches no class
 * is freed and counted, as is anything past the first MIPHA_BURST frames
 * (mipha_worker_process passes bursts of at most that).
 */
void mipha_classify(struct mipha_worker *w, struct rte_mbuf **pkts, uint16_t n,
		    struct mipha_classes *out);

/*
 * ARP requests for an HA address, or (home-role port) for an away MN's home
 * address. On the home-role port, the sender of every ARP request or reply
 * from inside the home prefix is learned into w->nbr first.
 */
void mipha_arp_burst(struct mipha_worker *w, struct rte_mbuf **pkts, uint16_t n);
/*
 * Registrations (classified MIPHA_CLS_REG): parse, 136/134 replies, bulk SA
 * lookup, batched MHAE verification, duplicate cache, replay (133), in-place
 * binding refresh with a signed reply (0 or 1); the rest to control (see
 * ctrl_msg.h). Uses w->now as the HA clock.
 */
void mipha_reg_burst(struct mipha_worker *w, struct rte_mbuf **pkts, uint16_t n);
/*
 * ICMP to an HA address (icmp.c): echo requests answered (within
 * icmp_rate); a fragmentation-needed about one of our tunnel packets lowers
 * that binding's path MTU towards its care-of address (RFC 2003 5.1, RFC
 * 1191; mipha_binding_pmtu) for MIPHA_PMTU_AGE seconds; an unreachable or
 * time exceeded about one becomes a host unreachable to the original sender
 * (RFC 2003 4.1); anything else is counted and dropped.
 */
void mipha_icmp_burst(struct mipha_worker *w, struct rte_mbuf **pkts, uint16_t n);
/*
 * Data to the home prefix: IP-in-IP (RFC 2003) to the binding's care-of
 * address; ICMP fragmentation-needed (DF set, over the tunnel MTU: tunnel_mtu,
 * or the path MTU learned for the care-of address when lower) or time
 * exceeded (TTL) back to the sender, rate limited (icmp_rate).
 */
void mipha_encap_burst(struct mipha_worker *w, struct rte_mbuf **pkts, uint16_t n);
/*
 * Reverse tunnel (RFC 3024): checked, decapsulated, sent on the home-role
 * port. Inner packets for a home address with a binding (MN to MN) are
 * tunnelled again; for another home-prefix address, to that host's MAC from
 * w->nbr (or, unknown: an ARP request from ha_addr[0] takes the packet's
 * place, counted drop_neigh_unresolved); anything else to the port's next hop.
 */
void mipha_decap_burst(struct mipha_worker *w, struct rte_mbuf **pkts, uint16_t n);
/*
 * The MAC a packet for dst leaves the home port to: a home-link host's own
 * (w->nbr; the gateway's when dst is the gateway), else the port's gateway.
 * NULL when dst is on the home link but not known yet.
 */
const struct rte_ether_addr *mipha_decap_next_hop(struct mipha_worker *w, int home, uint32_t dst);

/* reasm.c: the worker's fragment table (flows 0: none). 0 or -ENOMEM. */
int mipha_reasm_init(struct mipha_worker *w, uint32_t flows, uint32_t timeout_ms, int socket);
void mipha_reasm_fini(struct mipha_worker *w);
/*
 * An IP-in-IP fragment to an HA address: NULL while its datagram is
 * incomplete (held; or freed later, when stale or bad), else the whole
 * datagram in one buffer (outer length and offset rewritten), for decapsulation.
 */
struct rte_mbuf *mipha_reasm(struct mipha_worker *w, struct rte_mbuf *m);
/* Frees fragments the table let go of (timed out, duplicates, overflow). */
void mipha_reasm_reap(struct mipha_worker *w);

/* Sets w->now from the clock, classifies, runs every stage. Leaves output in w->tx. */
void mipha_worker_process(struct mipha_worker *w, struct rte_mbuf **pkts, uint16_t n);
/* Transmits w->tx on p.txq of each port; frees and counts what the NIC refused. Returns sent. */
uint16_t mipha_worker_tx_flush(struct mipha_worker *w);

/*
 * Builds an RRP to the parsed RRQ q into buf: the header (home address from
 * q, Home Agent ha), the RRQ's NAI echoed when it had one (RFC 2794), then an
 * MHAE of spi when spi != 0 with its authenticator left zero for the caller
 * to sign. Returns the length (0 when it does not fit); *auth_off gets the
 * authenticator's offset (0 when none). Workers and control both use it.
 */
uint16_t mipha_rrp_build(uint8_t *buf, size_t cap, const struct mip_msg *q, uint8_t code,
			 uint16_t lifetime, uint32_t ha, uint64_t ident, uint32_t spi,
			 uint16_t *auth_off);

/*
 * Turns a received RRQ frame into its reply frame, in place: writes rrp
 * (rrp_len bytes; may point into m) at rrq_off, swaps the Ethernet addresses,
 * sends from ha_addr to the RRQ's IPv4 source and UDP source port (from port
 * 434), sets lengths, TTL 64, IPv4 and UDP checksums (software). For control
 * too. 0, or -ENOSPC when the mbuf cannot hold the reply.
 */
int mipha_reply_frame(struct rte_mbuf *m, uint16_t rrq_off, const uint8_t *rrp, uint16_t rrp_len,
		      uint32_t ha_addr);

/*
 * For control, when a binding starts (RFC 5944 4.6): a broadcast gratuitous
 * ARP reply saying home_addr is at mac (sender and target IP = home_addr).
 * NULL when mp is empty. The caller transmits it on the home-role port.
 */
struct rte_mbuf *mipha_arp_gratuitous(struct rte_mempool *mp, const struct rte_ether_addr *mac,
				      uint32_t home_addr);

/*
 * Rewrites m (at least 42 bytes of room) as a broadcast ARP request "who has
 * tip, tell sip (at mac)". Returns false when m cannot hold it.
 */
bool mipha_arp_request_in_place(struct rte_mbuf *m, const struct rte_ether_addr *mac,
				uint32_t sip, uint32_t tip);

/* Whether addr (network order) is one of conf's HA addresses. */
bool mipha_is_ha_addr(const struct mipha_worker_conf *conf, uint32_t addr);

/* The configured tunnel MTU (tunnel_mtu, 1500 when unset). */
static inline uint16_t mipha_conf_tunnel_mtu(const struct mipha_worker_conf *c)
{
	return c->tunnel_mtu != 0 ? c->tunnel_mtu : 1500;
}

#endif /* MIPHA_DP_WORKER_H */
