/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_udp.h>

#include "mip.h"

#include "dp_test.h"

struct dp_env dp;
static json_t *dp_vectors;

const struct rte_ether_addr dp_mac_home = { { 0x02, 0, 0, 0, 0, 0x01 } };
const struct rte_ether_addr dp_mac_up = { { 0x02, 0, 0, 0, 0, 0x02 } };
const struct rte_ether_addr dp_mac_gw_up = { { 0x02, 0, 0, 0, 0, 0xfe } };
const struct rte_ether_addr dp_mac_gw_home = { { 0x02, 0, 0, 0, 0, 0xfd } };
const struct rte_ether_addr dp_mac_peer = { { 0x02, 0, 0, 0, 0, 0x77 } };

uint32_t dp_ip(const char *dotted)
{
	struct in_addr a;

	cr_assert_eq(inet_pton(AF_INET, dotted, &a), 1, "bad address %s", dotted);
	return a.s_addr;
}

const char *dp_lcores = "0";

static void dp_eal(const char *name)
{
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "mipha_%s_%d", name, (int)getpid());
	char *argv[] = { (char *)name, "-l", (char *)dp_lcores, "--no-pci", "--no-huge", "-m", "512",
			 "--file-prefix", prefix, "--log-level", "error", "--no-shconf",
			 NULL };
	int argc = (int)(sizeof(argv) / sizeof(argv[0])) - 1;

	cr_assert_geq(rte_eal_init(argc, argv), 0, "rte_eal_init failed");
}

static void dp_vectors_load(void)
{
	const char *dir = getenv("MIP_SHARED_DIR");
	char path[512];
	json_error_t jerr;

	snprintf(path, sizeof(path), "%s/spec/vectors/dynkey-example.json",
		 dir != NULL ? dir : "/work/shared");
	dp_vectors = json_load_file(path, 0, &jerr);
	cr_assert_not_null(dp_vectors, "cannot load %s: %s", path, jerr.text);
}

void dp_vectors_load_for_tests(void);
void dp_vectors_load_for_tests(void)
{
	if (dp_vectors == NULL)
		dp_vectors_load();
}

void dp_setup(const char *name)
{
	struct mipha_worker_conf *c = &dp.conf;

	memset(&dp, 0, sizeof(dp));
	dp_eal(name);
	dp_vectors_load();
	dp.mp = rte_pktmbuf_pool_create("dp_pool", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					SOCKET_ID_ANY);
	cr_assert_not_null(dp.mp);
	dp.qsbr = mipha_rcu_create(4);
	cr_assert_not_null(dp.qsbr);
	dp.bt = mipha_binding_table_create("dp_bind", 1024, SOCKET_ID_ANY, dp.qsbr);
	cr_assert_not_null(dp.bt);
	dp.st = mipha_sa_table_create("dp_sa", 1024, SOCKET_ID_ANY, dp.qsbr);
	cr_assert_not_null(dp.st);
	dp.ring = mipha_ctrl_ring_create("dp_ring", 256, SOCKET_ID_ANY);
	cr_assert_not_null(dp.ring);

	mipha_worker_conf_default(c);
	c->ha_addr[0] = dp_ip("10.1.0.1");
	c->ha_addr[1] = dp_ip("10.1.0.2");
	c->nb_ha_addrs = 2;
	c->home_prefix = dp_ip("10.1.0.0");
	c->home_mask = dp_ip("255.255.255.0");
	c->port[DP_PORT_HOME].roles = MIPHA_ROLE_HOME;
	c->port[DP_PORT_HOME].mac = dp_mac_home;
	c->port[DP_PORT_HOME].next_hop = dp_mac_gw_home;
	c->port[DP_PORT_UP].roles = MIPHA_ROLE_UPLINK;
	c->port[DP_PORT_UP].mac = dp_mac_up;
	c->port[DP_PORT_UP].next_hop = dp_mac_gw_up;
	c->parse.vendor_id = (uint32_t)dp_vec_u64("inputs", "vendor_id");
	c->parse.dynkey_spi = (uint32_t)dp_vec_u64("inputs", "dynkey_spi");
	/* the HA's clock: the example's Identification, unless a test moves it */
	cr_assert_eq(mip_ident_from_hex(dp_vec_str("inputs", "identification"),
					&c->clock.fixed_ntp), 0);

	struct mipha_worker_params p = {
		.conf = c,
		.bindings = dp.bt,
		.sas = dp.st,
		.ctrl_ring = dp.ring,
		.qsbr = dp.qsbr,
		.id = 0,
		.quit = &dp.quit,
	};
	cr_assert_eq(mipha_worker_init(&dp.w, &p), 0);
	mipha_worker_online(&dp.w);
	dp.w.now = mipha_clock_now(&c->clock);
}

void dp_teardown(void)
{
	dp_tx_clear();
	dp_ring_drain();
	mipha_worker_fini(&dp.w);
	mipha_binding_table_free(dp.bt);
	mipha_sa_table_free(dp.st);
	rte_ring_free(dp.ring);
	rte_free(dp.qsbr);
	json_decref(dp_vectors);
	rte_eal_cleanup();
}

static void dp_eth(struct rte_mbuf *m, uint16_t port, uint16_t type)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	eth->dst_addr = port == DP_PORT_HOME ? dp_mac_home : dp_mac_up;
	eth->src_addr = dp_mac_peer;
	eth->ether_type = rte_cpu_to_be_16(type);
	m->port = port;
}

struct rte_mbuf *dp_frame_ip(uint16_t port, uint8_t proto, uint32_t src, uint32_t dst,
			     const void *payload, uint16_t len, uint8_t tos, uint8_t ttl, bool df)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.mp);
	uint16_t total = sizeof(struct rte_ipv4_hdr) + len;

	cr_assert_not_null(m);
	cr_assert_not_null(rte_pktmbuf_append(m, RTE_ETHER_HDR_LEN + total));
	dp_eth(m, port, RTE_ETHER_TYPE_IPV4);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
							   RTE_ETHER_HDR_LEN);

	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = tos;
	ip->total_length = rte_cpu_to_be_16(total);
	ip->packet_id = rte_cpu_to_be_16(0x1234);
	ip->fragment_offset = df ? rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG) : 0;
	ip->time_to_live = ttl;
	ip->next_proto_id = proto;
	ip->src_addr = src;
	ip->dst_addr = dst;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	if (len != 0)
		memcpy(ip + 1, payload, len);
	return m;
}

struct rte_mbuf *dp_frame_udp(uint16_t port, uint32_t src, uint32_t dst, uint16_t sport,
			      uint16_t dport, const void *payload, uint16_t len)
{
	uint8_t buf[2048];
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)buf;

	cr_assert_leq(len + sizeof(*udp), sizeof(buf));
	udp->src_port = rte_cpu_to_be_16(sport);
	udp->dst_port = rte_cpu_to_be_16(dport);
	udp->dgram_len = rte_cpu_to_be_16(sizeof(*udp) + len);
	udp->dgram_cksum = 0;
	memcpy(udp + 1, payload, len);
	struct rte_mbuf *m = dp_frame_ip(port, IPPROTO_UDP, src, dst, buf, sizeof(*udp) + len, 0,
					 64, false);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
							   RTE_ETHER_HDR_LEN);
	udp = (struct rte_udp_hdr *)(ip + 1);
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	return m;
}

struct rte_mbuf *dp_frame_rrq(uint32_t src, uint32_t dst, uint16_t sport, const uint8_t *rrq,
			      uint16_t len)
{
	return dp_frame_udp(DP_PORT_UP, src, dst, sport, MIP_UDP_PORT, rrq, len);
}

const uint8_t *dp_reply_payload(struct rte_mbuf *m, uint16_t *len)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
							   RTE_ETHER_HDR_LEN);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

	cr_assert_eq(ip->version_ihl, RTE_IPV4_VHL_DEF);
	cr_assert_eq(rte_raw_cksum(ip, sizeof(*ip)), 0xffff, "IPv4 header checksum");
	cr_assert_eq(ip->next_proto_id, IPPROTO_UDP);
	cr_assert_eq(rte_be_to_cpu_16(ip->total_length) + RTE_ETHER_HDR_LEN, m->data_len);
	cr_assert_eq(rte_be_to_cpu_16(udp->dgram_len) + sizeof(*ip), rte_be_to_cpu_16(ip->total_length));
	cr_assert_eq(rte_ipv4_udptcp_cksum_verify(ip, udp), 0, "UDP checksum");
	cr_assert_eq(udp->src_port, rte_cpu_to_be_16(MIP_UDP_PORT));
	*len = rte_be_to_cpu_16(udp->dgram_len) - sizeof(*udp);
	return (const uint8_t *)(udp + 1);
}

void dp_tx_clear(void)
{
	for (int p = 0; p < MIPHA_MAX_PORTS; p++) {
		rte_pktmbuf_free_bulk(dp.w.tx[p].m, dp.w.tx[p].n);
		dp.w.tx[p].n = 0;
	}
}

unsigned int dp_ring_drain(void)
{
	struct mipha_ctrl_msg msg[32];
	unsigned int n, total = 0;

	if (dp.ring == NULL)
		return 0;
	while ((n = mipha_ctrl_recv(dp.ring, msg, 32)) != 0) {
		for (unsigned int i = 0; i < n; i++)
			rte_pktmbuf_free(msg[i].m);
		total += n;
	}
	return total;
}

static json_t *dp_vec_get(const char *k1, const char *k2)
{
	json_t *v = json_object_get(dp_vectors, k1);

	if (v != NULL && k2 != NULL)
		v = json_object_get(v, k2);
	cr_assert_not_null(v, "vector %s.%s missing", k1, k2 != NULL ? k2 : "");
	return v;
}

const char *dp_vec_str(const char *k1, const char *k2)
{
	json_t *v = dp_vec_get(k1, k2);

	cr_assert(json_is_string(v));
	return json_string_value(v);
}

size_t dp_vec_hex(const char *k1, const char *k2, uint8_t *out, size_t cap)
{
	long n = mip_hex_decode(dp_vec_str(k1, k2), out, cap);

	cr_assert_gt(n, 0, "vector %s not hex", k1);
	return (size_t)n;
}

uint64_t dp_vec_u64(const char *k1, const char *k2)
{
	json_t *v = dp_vec_get(k1, k2);

	cr_assert(json_is_integer(v));
	return (uint64_t)json_integer_value(v);
}

struct mipha_sa *dp_static_sa(uint32_t home, uint32_t spi, enum mip_alg alg,
			      const struct mip_key *key)
{
	struct mipha_sa *sa = mipha_sa_alloc(dp.st);

	cr_assert_not_null(sa);
	sa->home_addr = home;
	sa->kind = MIPHA_SA_STATIC;
	cr_assert_eq(mipha_sa_set_key(dp.st, sa, MIPHA_SA_KEY1, spi, alg, key), 0);
	cr_assert_eq(mipha_sa_install(dp.st, sa), 0);
	return sa;
}

struct mipha_sa *dp_dynamic_sa(uint32_t home, uint32_t spi1, const struct mip_key *skey,
			       uint32_t spi2, const struct mip_key *skey2)
{
	struct mipha_sa *sa = mipha_sa_alloc(dp.st);

	cr_assert_not_null(sa);
	sa->home_addr = home;
	sa->kind = MIPHA_SA_DYNAMIC;
	cr_assert_eq(mipha_sa_set_key(dp.st, sa, MIPHA_SA_KEY1, spi1, MIP_ALG_HMAC_MD5, skey), 0);
	cr_assert_eq(mipha_sa_set_key(dp.st, sa, MIPHA_SA_KEY2, spi2, MIP_ALG_HMAC_MD5, skey2), 0);
	cr_assert_eq(mipha_sa_install(dp.st, sa), 0);
	return sa;
}
