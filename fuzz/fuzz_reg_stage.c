/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the HA's registration stage on a burst of mbufs, through
 * the worker's entry point (mipha_worker_process: classify, then
 * mipha_reg_burst) under EAL --no-huge, with the state after the spec
 * example's initial registration: one dynamic SA (SPI1/Skey, SPI2/Skey') and
 * the binding of its home address. The state is reset before every input.
 *
 * Input: up to MIPHA_BURST records, each len(2, big-endian) | flags(1) |
 * len bytes.
 *   flags & 1: the bytes are a whole Ethernet frame; else they are the UDP
 *              payload of a well-formed frame from the care-of address to the
 *              HA's port 434 (checksums set).
 *   flags & 2: re-sign the MHAE with the SA's key for its SPI (HMAC-MD5).
 *   flags & 4: put the HA's clock in the Identification's seconds (past the
 *              replay window check), before re-signing.
 * Traps when an mbuf is lost or freed twice (the pool is full again after
 * the burst's output is freed), when the worker changes a key, and when a
 * burst in which no frame carries a valid MHAE changes the binding or the
 * replay state (a forged flood must leave both untouched).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "binding_table.h"
#include "ctrl_msg.h"
#include "fuzz_vectors.h"
#include "mip.h"
#include "sa_table.h"
#include "worker.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                \
	do {                                                                    \
		if (!(c))                                                       \
			__builtin_trap();                                       \
	} while (0)

#define POOL_SIZE 1023
#define PAYLOAD_MAX 1400
#define PORT_HOME 0
#define PORT_UP 1

static const struct rte_ether_addr mac_home = { { 0x02, 0, 0, 0, 0, 0x01 } };
static const struct rte_ether_addr mac_up = { { 0x02, 0, 0, 0, 0, 0x02 } };
static const struct rte_ether_addr mac_gw = { { 0x02, 0, 0, 0, 0, 0xfe } };
static const struct rte_ether_addr mac_peer = { { 0x02, 0, 0, 0, 0, 0x77 } };

static struct {
	struct rte_mempool *mp;
	struct rte_rcu_qsbr *qsbr;
	struct mipha_binding_table *bt;
	struct mipha_sa_table *st;
	struct rte_ring *ring;
	struct mipha_worker_conf conf;
	struct mipha_worker w;
	volatile bool quit;
	struct mipha_sa *sa;
	uint32_t home, ha, coa, spi1, spi2;
	uint64_t ident0;
	struct mip_key skey, skey2;
	bool trace;	/* MIP_FUZZ_TRACE set: print each input's counter changes */
} f;

static uint32_t ip4(const char *dotted)
{
	uint32_t a;

	CHECK(mip_parse_ipv4(dotted, &a) == 0);
	return a;
}

static void eal(void)
{
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "mipha_fuzz_reg_%d", (int)getpid());
	char *argv[] = { "fuzz_reg_stage", "-l", "0", "--no-pci", "--no-huge", "-m", "256",
			 "--file-prefix", prefix, "--log-level", "error", "--no-shconf", NULL };

	CHECK(rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) >= 0);
}

static void tables(void)
{
	struct mipha_worker_conf *c = &f.conf;

	f.mp = rte_pktmbuf_pool_create("fuzz_pool", POOL_SIZE, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       SOCKET_ID_ANY);
	f.qsbr = mipha_rcu_create(4);
	f.bt = mipha_binding_table_create("fuzz_bind", 64, SOCKET_ID_ANY, f.qsbr);
	f.st = mipha_sa_table_create("fuzz_sa", 64, SOCKET_ID_ANY, f.qsbr);
	f.ring = mipha_ctrl_ring_create("fuzz_ring", 256, SOCKET_ID_ANY);
	CHECK(f.mp && f.qsbr && f.bt && f.st && f.ring);

	mipha_worker_conf_default(c);
	c->ha_addr[0] = f.ha;
	c->nb_ha_addrs = 1;
	c->home_prefix = f.home & ip4("255.255.255.0");
	c->home_mask = ip4("255.255.255.0");
	c->port[PORT_HOME].roles = MIPHA_ROLE_HOME;
	c->port[PORT_HOME].mac = mac_home;
	c->port[PORT_HOME].next_hop = mac_gw;
	c->port[PORT_UP].roles = MIPHA_ROLE_UPLINK;
	c->port[PORT_UP].mac = mac_up;
	c->port[PORT_UP].next_hop = mac_gw;
	fv_parse_cfg(&c->parse);
	c->clock.fixed_ntp = f.ident0;

	struct mipha_worker_params p = {
		.conf = c, .bindings = f.bt, .sas = f.st, .ctrl_ring = f.ring,
		.qsbr = f.qsbr, .id = 0, .quit = &f.quit,
	};
	CHECK(mipha_worker_init(&f.w, &p) == 0);
	mipha_worker_online(&f.w);

	f.sa = mipha_sa_alloc(f.st);
	CHECK(f.sa != NULL);
	f.sa->home_addr = f.home;
	f.sa->kind = MIPHA_SA_DYNAMIC;
	CHECK(mipha_sa_set_key(f.st, f.sa, MIPHA_SA_KEY1, f.spi1, MIP_ALG_HMAC_MD5, &f.skey) == 0);
	CHECK(mipha_sa_set_key(f.st, f.sa, MIPHA_SA_KEY2, f.spi2, MIP_ALG_HMAC_MD5, &f.skey2) == 0);
	CHECK(mipha_sa_install(f.st, f.sa) == 0);
}

/* At exit (before LeakSanitizer's check): what tables() took, as mipha frees it. */
static void teardown(void)
{
	mipha_worker_offline(&f.w);
	mipha_worker_fini(&f.w);
	mipha_binding_table_free(f.bt);
	mipha_sa_table_free(f.st);
	rte_ring_free(f.ring);
	rte_free(f.qsbr);
	rte_mempool_free(f.mp);
	rte_eal_cleanup();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	f.trace = getenv("MIP_FUZZ_TRACE") != NULL;
	f.home = ip4(fv_str("inputs", "home_address"));
	f.ha = ip4(fv_str("inputs", "home_agent"));
	f.coa = ip4(fv_str("inputs", "care_of"));
	f.spi1 = fv_u32("inputs", "spi1");
	f.spi2 = fv_u32("inputs", "spi2");
	fv_key("skey", NULL, &f.skey);
	fv_key("skey2", NULL, &f.skey2);
	CHECK(mip_ident_from_hex(fv_str("inputs", "identification"), &f.ident0) == 0);
	eal();
	tables();
	atexit(teardown);
	return 0;
}

/* The state after the example's initial registration, before every input. */
static void reset_state(void)
{
	f.w.now = f.ident0;
	__atomic_store_n(&f.sa->last_ident, f.ident0, __ATOMIC_RELEASE);
	__atomic_store_n(&f.sa->prev_valid, 0, __ATOMIC_RELEASE);
	memset(&f.sa->dup, 0, sizeof(f.sa->dup));
	CHECK(mipha_binding_install(f.bt, f.home, f.coa, mip_ntp_sec(f.ident0) + 1800, MIP_FLAG_T,
				    0, NULL) == 0);
}

static const struct mip_key *key_for(uint32_t spi)
{
	if (spi == f.spi1)
		return &f.skey;
	if (spi == f.spi2)
		return &f.skey2;
	return NULL;
}

/* True when the len bytes at p parse and carry an MHAE valid under the SA. */
static bool authentic(const uint8_t *p, size_t len)
{
	const struct mip_key *k;
	struct mip_msg m;

	if (mip_parse(p, len, &f.conf.parse, &m) != MIP_OK || !(m.present & MIP_HAS_MHAE))
		return false;
	k = key_for(m.mhae.spi);
	return k != NULL && (mip_auth_verify(&m, MIP_ALG_HMAC_MD5, k) ||
			     mip_auth_verify(&m, MIP_ALG_KEYED_MD5, k));
}

/* Identification seconds := the HA's, then the MHAE re-signed (flags 4, 2). */
static void edit_payload(uint8_t *p, size_t len, uint8_t flags)
{
	struct mip_msg m;
	const struct mip_key *k;
	size_t auth_off;

	if ((flags & 4) && len >= MIP_RRQ_HDR_LEN && p[0] == MIP_TYPE_RRQ) {
		uint32_t sec = htonl(mip_ntp_sec(f.ident0));

		memcpy(p + 16, &sec, 4);
	}
	if (!(flags & 2) || mip_parse(p, len, &f.conf.parse, &m) != MIP_OK ||
	    !(m.present & MIP_HAS_MHAE) || m.mhae.auth.len != MIP_MD5_AUTH_LEN)
		return;
	k = key_for(m.mhae.spi);
	auth_off = (size_t)(m.mhae.auth.p - p);
	if (k != NULL && auth_off == m.mhae.protected_len)
		CHECK(mip_auth_sign(p, auth_off, MIP_ALG_HMAC_MD5, k) == 0);
}

static struct rte_mbuf *frame_udp(const uint8_t *payload, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(f.mp);
	uint16_t ip_len = (uint16_t)(sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_udp_hdr) + len);
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;

	CHECK(m != NULL);
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, RTE_ETHER_HDR_LEN + ip_len);
	CHECK(eth != NULL);
	eth->dst_addr = mac_up;
	eth->src_addr = mac_peer;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(ip_len);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = f.coa;
	ip->dst_addr = f.ha;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp = (struct rte_udp_hdr *)(ip + 1);
	udp->src_port = rte_cpu_to_be_16(MIP_UDP_PORT);
	udp->dst_port = rte_cpu_to_be_16(MIP_UDP_PORT);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*udp) + len));
	udp->dgram_cksum = 0;
	memcpy(udp + 1, payload, len);
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	m->port = PORT_UP;
	return m;
}

static struct rte_mbuf *frame_raw(const uint8_t *bytes, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(f.mp);
	uint8_t *p;

	CHECK(m != NULL);
	p = (uint8_t *)rte_pktmbuf_append(m, len);
	CHECK(p != NULL || len == 0);
	if (len != 0)
		memcpy(p, bytes, len);
	m->port = PORT_UP;
	return m;
}

/* Could the raw frame carry an authentic RRQ under any length the stage may take? */
static bool raw_authentic(const uint8_t *b, size_t len)
{
	size_t ihl, off, cand[3];

	if (len < RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr))
		return false;
	ihl = (size_t)(b[RTE_ETHER_HDR_LEN] & 0x0f) * 4;
	off = RTE_ETHER_HDR_LEN + ihl + sizeof(struct rte_udp_hdr);
	if (off > len)
		return false;
	cand[0] = len - off;
	cand[1] = (size_t)(b[RTE_ETHER_HDR_LEN + 2] << 8 | b[RTE_ETHER_HDR_LEN + 3]);
	cand[1] = cand[1] + RTE_ETHER_HDR_LEN > off ? cand[1] + RTE_ETHER_HDR_LEN - off : 0;
	cand[2] = (size_t)(b[off - 4] << 8 | b[off - 3]);
	cand[2] = cand[2] >= sizeof(struct rte_udp_hdr) ? cand[2] - sizeof(struct rte_udp_hdr) : 0;
	for (int i = 0; i < 3; i++)
		if (cand[i] <= len - off && authentic(b + off, cand[i]))
			return true;
	return false;
}

static void trace_counters(const struct mipha_counters *before, bool any_authentic)
{
	fprintf(stderr, "reg stage:%s", any_authentic ? " (authentic)" : "");
	for (int c = 0; c < MIPHA_CNT__COUNT; c++)
		if (f.w.cnt.v[c] != before->v[c])
			fprintf(stderr, " %s+%llu", mipha_counter_name((enum mipha_counter)c),
				(unsigned long long)(f.w.cnt.v[c] - before->v[c]));
	fprintf(stderr, " tx=%u ring=%u\n", f.w.tx[PORT_UP].n + f.w.tx[PORT_HOME].n,
		rte_ring_count(f.ring));
}

static void drain_output(void)
{
	struct mipha_ctrl_msg msg[32];
	unsigned int n;

	for (int p = 0; p < MIPHA_MAX_PORTS; p++) {
		rte_pktmbuf_free_bulk(f.w.tx[p].m, f.w.tx[p].n);
		f.w.tx[p].n = 0;
	}
	while ((n = mipha_ctrl_recv(f.ring, msg, 32)) != 0)
		for (unsigned int i = 0; i < n; i++)
			rte_pktmbuf_free(msg[i].m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rte_mbuf *pkts[MIPHA_BURST];
	uint8_t payload[PAYLOAD_MAX];
	struct mipha_sa_key keys_before[MIPHA_SA_NKEYS];
	struct mipha_counters cnt_before;
	struct mipha_binding *b;
	uint64_t bind_before, ident_before;
	uint16_t n = 0, flags_before;
	bool any_authentic = false;
	size_t off = 0;

	reset_state();
	while (off + 3 <= size && n < MIPHA_BURST) {
		size_t len = (size_t)data[off] << 8 | data[off + 1];
		uint8_t flags = data[off + 2];

		off += 3;
		if (len > size - off)
			len = size - off;
		if (len > PAYLOAD_MAX)
			len = PAYLOAD_MAX;
		memcpy(payload, data + off, len);
		off += len;
		if (flags & 1) {
			any_authentic |= raw_authentic(payload, len);
			pkts[n++] = frame_raw(payload, (uint16_t)len);
		} else {
			edit_payload(payload, len, flags);
			any_authentic |= authentic(payload, len);
			pkts[n++] = frame_udp(payload, (uint16_t)len);
		}
	}
	b = mipha_binding_lookup(f.bt, f.home);
	CHECK(b != NULL);
	bind_before = mipha_binding_load(b);
	flags_before = mipha_binding_flags(b);
	ident_before = mipha_sa_last_ident(f.sa);
	memcpy(keys_before, f.sa->key, sizeof(keys_before));

	if (f.trace)
		cnt_before = f.w.cnt;
	if (n != 0)
		mipha_worker_process(&f.w, pkts, n);
	if (f.trace)
		trace_counters(&cnt_before, any_authentic);

	CHECK(memcmp(keys_before, f.sa->key, sizeof(keys_before)) == 0);
	CHECK(mipha_binding_lookup(f.bt, f.home) == b);
	if (!any_authentic) {
		CHECK(mipha_binding_load(b) == bind_before);
		CHECK(mipha_binding_flags(b) == flags_before);
		CHECK(mipha_sa_last_ident(f.sa) == ident_before);
	}
	drain_output();
	CHECK(rte_mempool_avail_count(f.mp) == POOL_SIZE);
	mip_wipe(payload, sizeof(payload));
	return 0;
}
