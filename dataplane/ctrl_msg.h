/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one worker -> control message, and its ring (multi-producer: every
 * worker; single consumer: the control lcore). Messages travel by value in an
 * rte_ring of elements (no allocation); the mbuf travels with them and
 * control owns it from then on (it may turn it into the reply and transmit it
 * on its own tx queue, or free it). When the ring is full the worker frees
 * the mbuf and counts drop_ctrl_ring_full: the MN retransmits.
 *
 * The RRQ is at rte_pktmbuf_mtod_offset(m, uint8_t *, rrq_off), rrq_len
 * bytes; the frame's Ethernet/IPv4/UDP headers are in front of it
 * (m->l2_len, m->l3_len, m->l4_len set), so the reply goes to the IPv4
 * source address and UDP source port found there. Control re-parses the RRQ
 * with mip_parse() (cheap) rather than trusting pointers into the mbuf.
 *
 * Verified classes (sa != NULL, verified_spi != 0): the worker has checked the
 * MHAE with sa's key for verified_spi, checked replay (spec section 8) and
 * advanced sa->last_ident to the RRQ's Identification. Control must not
 * re-check replay for them. sa stays valid for control (the only writer).
 * The worker answers 133 (replay) and 139 (M or G flag: minimal or GRE
 * encapsulation asked; this HA does IP-in-IP only) itself, so REKEY and
 * NEW_BINDING never carry those.
 */
#ifndef MIPHA_DP_CTRL_MSG_H
#define MIPHA_DP_CTRL_MSG_H

#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>

#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

struct mipha_sa;

enum mipha_ctrl_class {
	MIPHA_CTRL_NONE = 0,
	MIPHA_CTRL_INITIAL,	 /* initial dynamic-key RRQ (mip_is_dynkey_initial): unverified, sa NULL */
	MIPHA_CTRL_REKEY,	 /* carries KEY-REQ-S2 (or KEY-REQ-S) under a known SA, e.g. SPI1 of a dynamic SA: verified */
	MIPHA_CTRL_DEREG,	 /* lifetime 0 or care-of = home address: verified */
	MIPHA_CTRL_NEW_BINDING,	 /* verified, but no binding for the home address yet */
	MIPHA_CTRL_UNKNOWN_SPI,	 /* no SA for (home address, SPI): control looks further or answers 131 */
	MIPHA_CTRL_DUPLICATE,	 /* exact copy of the last RRQ accepted, answered by control: resend its RRP; sa set, not re-verified */
	MIPHA_CTRL_AUTH_PREV,	 /* failed under SPI2's Skey' while sa->prev_valid: control tries sa->prev; unverified */
	MIPHA_CTRL_PREV_RETIRED, /* m NULL: an RRQ verified with the new Skey', worker cleared prev_valid: wipe sa->prev */
	MIPHA_CTRL_AUTH_NAI,	 /* failed under the SA found, carries an NAI, SAs by NAI alone exist: control checks that NAI's own SA (129 when it verifies), else 131; unverified, sa NULL */
	MIPHA_CTRL__COUNT
};

/* Operator-facing name ("rekey") of a class; never NULL. */
const char *mipha_ctrl_class_name(enum mipha_ctrl_class cls);

struct mipha_ctrl_msg {
	struct rte_mbuf *m;	/* the whole frame (NULL for MIPHA_CTRL_PREV_RETIRED) */
	struct mipha_sa *sa;	/* see above; NULL when unverified and unknown */
	uint8_t cls;		/* enum mipha_ctrl_class */
	uint8_t worker;		/* index of the sending worker */
	uint16_t port;		/* rx port (reply on the same link) */
	uint16_t rrq_off;	/* offset of the RRQ in the frame */
	uint16_t rrq_len;	/* RRQ length (the UDP payload) */
	uint32_t ha_addr;	/* the HA address the RRQ was sent to (network order) */
	uint32_t verified_spi;	/* SPI whose key verified the MHAE, 0 when unverified */
};

/* Creates the ring: count (power of 2) messages, MP enqueue / SC dequeue. NULL + rte_errno. */
struct rte_ring *mipha_ctrl_ring_create(const char *name, unsigned int count, int socket);

/* Worker: 0, or -ENOBUFS when the ring is full (the caller frees m and counts). */
static inline int mipha_ctrl_send(struct rte_ring *r, const struct mipha_ctrl_msg *msg)
{
	return rte_ring_mp_enqueue_elem(r, (void *)(uintptr_t)msg, sizeof(*msg)) == 0 ? 0 : -ENOBUFS;
}

/*
 * The control lcore's doorbell. An idle control lcore sleeps on an eventfd
 * (and on the AAA client's sockets) instead of waking every idle_sleep_us to
 * look at the ring: a worker that hands it a message while it sleeps rings
 * the bell (one write), telemetry too. The handshake is Dekker's: control
 * sets sleeping, then looks at the ring once more before it waits; a worker
 * enqueues, then looks at sleeping; seq_cst fences on both sides, so one of
 * the two sees the other.
 */
struct mipha_ctrl_bell {
	int fd;			/* eventfd (non-blocking); -1: no bell, control polls */
	uint32_t sleeping;	/* 1 while control waits on fd */
	uint64_t rings;		/* writes to fd (relaxed; any thread) */
};

/* An eventfd bell: 0 or -errno. */
int mipha_ctrl_bell_init(struct mipha_ctrl_bell *b);
void mipha_ctrl_bell_fini(struct mipha_ctrl_bell *b);

/* Worker, telemetry: after handing control work; wakes it if it sleeps. NULL is fine. */
static inline void mipha_ctrl_bell_ring(struct mipha_ctrl_bell *b)
{
	const uint64_t one = 1;

	if (b == NULL || b->fd < 0)
		return;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&b->sleeping, __ATOMIC_RELAXED) == 0 ||
	    __atomic_exchange_n(&b->sleeping, 0, __ATOMIC_ACQ_REL) == 0)
		return;
	/* Cannot fail but for a counter at its maximum: control wakes anyway. */
	if (write(b->fd, &one, sizeof(one)) == (ssize_t)sizeof(one))
		__atomic_fetch_add(&b->rings, 1, __ATOMIC_RELAXED);
}

/*
 * Control, before it waits on b->fd: true when it may (sleeping is set, and
 * nothing arrived on r in the meantime); false: work came, do not wait.
 */
static inline bool mipha_ctrl_bell_arm(struct mipha_ctrl_bell *b, struct rte_ring *r)
{
	__atomic_store_n(&b->sleeping, 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (r != NULL && rte_ring_count(r) != 0) {
		__atomic_store_n(&b->sleeping, 0, __ATOMIC_RELAXED);
		return false;
	}
	return true;
}

/* Control, after waiting: no longer asleep; when the bell rang, its count is consumed. */
static inline void mipha_ctrl_bell_disarm(struct mipha_ctrl_bell *b, bool rung)
{
	uint64_t v;

	__atomic_store_n(&b->sleeping, 0, __ATOMIC_RELAXED);
	/* Reads the count back to 0; EAGAIN (nothing left) is as good. */
	if (rung)
		(void)!read(b->fd, &v, sizeof(v));
}

/* Control: up to n messages into msgs; returns how many. */
static inline unsigned int mipha_ctrl_recv(struct rte_ring *r, struct mipha_ctrl_msg *msgs,
					   unsigned int n)
{
	return rte_ring_sc_dequeue_burst_elem(r, msgs, sizeof(*msgs), n, NULL);
}

#endif /* MIPHA_DP_CTRL_MSG_H */
