/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_rcu_qsbr.h>
#include <rte_udp.h>

#include "mip_wire.h"

#include "pkt.h"
#include "worker.h"

void mipha_worker_conf_default(struct mipha_worker_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->tunnel_mtu = 1500;
	conf->max_lifetime = 1800;
	conf->replay_tolerance = 7;
	conf->idle_polls = 256;
	conf->icmp_rate = 100;
	mip_parse_cfg_default(&conf->parse);
}

bool mipha_is_ha_addr(const struct mipha_worker_conf *conf, uint32_t addr)
{
	for (unsigned int i = 0; i < conf->nb_ha_addrs && i < MIPHA_MAX_HA_ADDRS; i++)
		if (conf->ha_addr[i] == addr)
			return true;
	return false;
}

int mipha_worker_init(struct mipha_worker *w, const struct mipha_worker_params *p)
{
	int error;

	memset(w, 0, sizeof(*w));
	w->p = *p;
	w->conf = p->conf;
	error = mipha_auth_init(&w->auth);
	if (error != 0)
		return error;
	error = mipha_reasm_init(w, p->reasm_flows, p->reasm_timeout_ms, (int)rte_socket_id());
	if (error != 0) {
		mipha_auth_fini(&w->auth);
		return error;
	}
	if (p->qsbr != NULL && rte_rcu_qsbr_thread_register(p->qsbr, p->id) != 0) {
		mipha_reasm_fini(w);
		mipha_auth_fini(&w->auth);
		return -EINVAL;
	}
	return 0;
}

void mipha_worker_fini(struct mipha_worker *w)
{
	for (int p = 0; p < MIPHA_MAX_PORTS; p++) {
		rte_pktmbuf_free_bulk(w->tx[p].m, w->tx[p].n);
		w->tx[p].n = 0;
	}
	if (w->p.qsbr != NULL) {
		rte_rcu_qsbr_thread_offline(w->p.qsbr, w->p.id);
		rte_rcu_qsbr_thread_unregister(w->p.qsbr, w->p.id);
	}
	mipha_reasm_fini(w);
	mipha_auth_fini(&w->auth);
}

void mipha_worker_online(struct mipha_worker *w)
{
	rte_rcu_qsbr_thread_online(w->p.qsbr, w->p.id);
}

void mipha_worker_quiescent(struct mipha_worker *w)
{
	rte_rcu_qsbr_quiescent(w->p.qsbr, w->p.id);
}

void mipha_worker_offline(struct mipha_worker *w)
{
	rte_rcu_qsbr_thread_offline(w->p.qsbr, w->p.id);
}

void mipha_worker_process(struct mipha_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	struct mipha_classes cls;

	w->now = mipha_clock_now(&w->conf->clock);
	for (uint16_t off = 0; off < n; off += MIPHA_BURST) {
		uint16_t k = n - off < MIPHA_BURST ? n - off : MIPHA_BURST;

		mipha_classify(w, pkts + off, k, &cls);
		mipha_arp_burst(w, cls.m[MIPHA_CLS_ARP], cls.n[MIPHA_CLS_ARP]);
		mipha_reg_burst(w, cls.m[MIPHA_CLS_REG], cls.n[MIPHA_CLS_REG]);
		/* before the data: a path MTU learned here applies to this burst's packets */
		mipha_icmp_burst(w, cls.m[MIPHA_CLS_ICMP], cls.n[MIPHA_CLS_ICMP]);
		mipha_encap_burst(w, cls.m[MIPHA_CLS_ENCAP], cls.n[MIPHA_CLS_ENCAP]);
		mipha_decap_burst(w, cls.m[MIPHA_CLS_DECAP], cls.n[MIPHA_CLS_DECAP]);
	}
}

uint16_t mipha_worker_tx_flush(struct mipha_worker *w)
{
	uint16_t total = 0;

	for (uint16_t p = 0; p < MIPHA_MAX_PORTS; p++) {
		struct mipha_txbuf *tb = &w->tx[p];

		if (tb->n == 0)
			continue;
		uint16_t sent = mipha_port_tx(&w->conf->port[p], p, w->p.txq, tb->m, tb->n);

		if (sent < tb->n) {
			mipha_cnt_add(&w->cnt, MIPHA_CNT_DROP_TX_FULL, tb->n - sent);
			rte_pktmbuf_free_bulk(tb->m + sent, tb->n - sent);
		}
		mipha_cnt_add(&w->cnt, MIPHA_CNT_TX, sent);
		total += sent;
		tb->n = 0;
	}
	return total;
}

/* The queues the loop polls: p.rxqs as given, or p.rxq on every port with a role. */
static uint16_t mipha_worker_rxqs(const struct mipha_worker *w, struct mipha_rxq *q)
{
	uint16_t n = 0;

	if (w->p.nb_rxqs != 0) {
		n = RTE_MIN(w->p.nb_rxqs, (uint16_t)MIPHA_MAX_RXQS);
		memcpy(q, w->p.rxqs, n * sizeof(*q));
		return n;
	}
	for (uint16_t port = 0; port < MIPHA_MAX_PORTS; port++) {
		if (w->conf->port[port].roles == 0)
			continue;
		q[n].port = port;
		q[n++].queue = w->p.rxq;
	}
	return n;
}

int mipha_worker_loop(void *arg)
{
	struct mipha_worker *w = arg;
	const struct mipha_worker_conf *c = w->conf;
	uint32_t idle_polls = c->idle_polls != 0 ? c->idle_polls : 256;
	/* Idle policy: poll on for idle_polls empty polls or idle_poll_us, whichever
	 * ends first, then sleep; each further empty poll sleeps twice as long, up
	 * to idle_sleep_max_us; the first packet resets both. */
	uint64_t spin = (uint64_t)c->idle_poll_us * rte_get_timer_hz() / 1000000;
	uint32_t sleep_max = RTE_MAX(c->idle_sleep_max_us, c->idle_sleep_us);
	uint32_t sleep_us = c->idle_sleep_us;
	uint64_t busy_at = rte_get_timer_cycles();
	struct rte_mbuf *pkts[MIPHA_BURST];
	struct mipha_rxq rxq[MIPHA_MAX_RXQS];
	uint16_t nb_rxq = mipha_worker_rxqs(w, rxq);
	uint32_t idle = 0;

	mipha_worker_online(w);
	while (!*w->p.quit) {
		uint32_t got = 0;

		mipha_worker_quiescent(w);
		for (uint16_t i = 0; i < nb_rxq; i++) {
			uint16_t n = rte_eth_rx_burst(rxq[i].port, rxq[i].queue, pkts, MIPHA_BURST);

			if (n == 0)
				continue;
			/*
			 * Stages reply and forward by m->port; not every PMD sets
			 * it on receive (net_ring does not). The first cache line
			 * is touched by classify anyway.
			 */
			for (uint16_t j = 0; j < n; j++)
				pkts[j]->port = rxq[i].port;
			got += n;
			mipha_worker_process(w, pkts, n);
		}
		mipha_worker_tx_flush(w);
		if (got != 0) {
			idle = 0;
			sleep_us = c->idle_sleep_us;
			if (spin != 0)
				busy_at = rte_get_timer_cycles();
			continue;
		}
		if (c->idle_sleep_us == 0)
			continue;
		if (++idle < idle_polls && (spin == 0 || rte_get_timer_cycles() - busy_at < spin))
			continue;
		idle = idle_polls;
		/* offline while asleep, so control's grace periods do not wait for us */
		mipha_worker_offline(w);
		usleep(sleep_us);
		mipha_worker_online(w);
		mipha_cnt_inc(&w->cnt, MIPHA_CNT_IDLE_SLEEPS);
		sleep_us = sleep_us < sleep_max / 2 ? sleep_us * 2 : sleep_max;
	}
	mipha_worker_offline(w);
	return 0;
}

int mipha_reply_frame(struct rte_mbuf *m, uint16_t rrq_off, const uint8_t *rrp, uint16_t rrp_len,
		      uint32_t ha_addr)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = mipha_pkt_ip(m);
	const struct rte_udp_hdr *udp_in =
		rte_pktmbuf_mtod_offset(m, struct rte_udp_hdr *, m->l2_len + m->l3_len);
	uint16_t new_off = m->l2_len + sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_udp_hdr);
	uint16_t new_len = new_off + rrp_len;
	uint32_t dst = ip->src_addr;
	uint16_t dport = udp_in->src_port;
	struct rte_ether_addr mac;

	(void)rrq_off;
	if ((uint32_t)new_len > (uint32_t)m->buf_len - m->data_off || m->nb_segs != 1)
		return -ENOSPC;
	/* the reply has no IP options: its payload moves to just after a 20-byte header */
	memmove(rte_pktmbuf_mtod_offset(m, uint8_t *, new_off), rrp, rrp_len);
	m->data_len = new_len;
	m->pkt_len = new_len;

	mac = eth->dst_addr;
	eth->dst_addr = eth->src_addr;
	eth->src_addr = mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);

	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(new_len - m->l2_len);
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = ha_addr;
	ip->dst_addr = dst;
	ip->hdr_checksum = mipha_ipv4_hdr_cksum(ip);

	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

	udp->src_port = rte_cpu_to_be_16(MIP_UDP_PORT);
	udp->dst_port = dport;
	udp->dgram_len = rte_cpu_to_be_16(sizeof(*udp) + rrp_len);
	udp->dgram_cksum = 0;
	udp->dgram_cksum = mipha_ipv4_udp_cksum(ip, udp);

	m->l3_len = sizeof(*ip);
	m->l4_len = sizeof(*udp);
	m->ol_flags = 0;
	return 0;
}
