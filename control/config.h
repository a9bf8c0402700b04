/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Home Agent's configuration: an INI file read once at start-up with
 * rte_cfgfile (see docs/config.md for every key). A file with any mistake is
 * refused whole, with "file:line: [section] key: what is wrong"; nothing is
 * guessed. Needs no EAL, so the parser is unit-tested on its own.
 */
#ifndef MIPHA_CONFIG_H
#define MIPHA_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mip_secret.h"
#include "mip_wire.h"

#define MIPHA_CFG_MAX_PORTS 8
#define MIPHA_CFG_MAX_WORKERS 64
#define MIPHA_CFG_MAX_SA 65536
#define MIPHA_CFG_NAME_LEN 64	/* section suffixes, device names, HA name */
#define MIPHA_CFG_ERR_LEN 512	/* room for any message of mipha_config_load */

/* Defaults of optional keys. */
#define MIPHA_DEFAULT_NAME "mipha"
#define MIPHA_DEFAULT_MAX_LIFETIME 3600
#define MIPHA_DEFAULT_REPLAY_TOLERANCE 7
#define MIPHA_DEFAULT_TUNNEL_MTU 1500
#define MIPHA_DEFAULT_IDLE_SLEEP_US 50
#define MIPHA_DEFAULT_IDLE_POLLS 256
#define MIPHA_DEFAULT_IDLE_POLL_US 20
#define MIPHA_DEFAULT_IDLE_SLEEP_MAX_US 200
#define MIPHA_DEFAULT_WORKERS 1
#define MIPHA_DEFAULT_MAX_BINDINGS 65536
/* [aaa] (dynamic keys, spec section 5) */
#define MIPHA_CFG_MAX_AAA_SERVERS 8
#define MIPHA_CFG_MAX_DAE_CLIENTS 8
#define MIPHA_CFG_PATH_LEN 256
#define MIPHA_DEFAULT_AAA_TIMEOUT_MS 250
#define MIPHA_DEFAULT_AAA_RETRIES 2
#define MIPHA_DEFAULT_PENDING_MAX 1024
#define MIPHA_DEFAULT_RATE_NAI 1	/* initial RRQs per second per NAI */
#define MIPHA_DEFAULT_BURST_NAI 3
#define MIPHA_DEFAULT_RATE_SRC 20	/* initial RRQs per second per source address */
#define MIPHA_DEFAULT_BURST_SRC 40

enum mipha_cfg_role {
	MIPHA_CFG_ROLE_HOME = 1,	/* faces the home network: MNs' correspondents, ARP */
	MIPHA_CFG_ROLE_UPLINK = 2,	/* faces care-of addresses: tunnels, registrations */
	MIPHA_CFG_ROLE_BOTH = MIPHA_CFG_ROLE_HOME | MIPHA_CFG_ROLE_UPLINK,
};

struct mipha_prefix {
	uint32_t addr;	/* network order, host bits zero */
	uint8_t len;
};

/* True when addr (network order) lies in p. */
bool mipha_prefix_contains(const struct mipha_prefix *p, uint32_t addr);

struct mipha_cfg_ha {
	uint32_t address;		/* network order */
	struct mipha_prefix home_prefix;
	char name[MIPHA_CFG_NAME_LEN];	/* NAS-Identifier */
	uint32_t max_lifetime;		/* seconds, 1..65534 (65535 would mean infinite) */
	uint32_t default_lifetime;	/* seconds, <= max_lifetime */
	uint32_t replay_tolerance;	/* seconds */
	uint32_t dynkey_spi;
	uint32_t vendor_id;
	uint32_t tunnel_mtu;		/* outer IPv4 MTU of the tunnels */
	uint32_t max_bindings;		/* sizes the binding and SA tables */
	/* Dynamic keys (spec sections 5 and 7) */
	uint32_t home_pool_first;	/* network order; 0 = no pool */
	uint32_t home_pool_last;	/* network order */
	uint32_t dynamic_algorithms;	/* bit (1 << enum mip_alg) per allowed algorithm */
	uint32_t key_continuation;	/* retention offered, seconds; 0 = not offered */
};

#define MIPHA_CFG_DNS_NAME_LEN 254

/* One AAA server, in order of preference. */
struct mipha_cfg_aaa_server {
	uint32_t addr;			/* network order */
	uint16_t port;
	bool tls;			/* tls://: RADIUS over TLS (RFC 6614), TCP port */
	/* tls_server_name.N of server.N ("": [aaa] tls_server_name applies) */
	char tls_server_name[MIPHA_CFG_DNS_NAME_LEN];
};

/* [aaa]: the RADIUS client of the dynamic-key exchange. */
struct mipha_cfg_aaa {
	unsigned int n_servers;		/* 0: no [aaa] section, dynamic keys off */
	struct mipha_cfg_aaa_server servers[MIPHA_CFG_MAX_AAA_SERVERS];
	char secret_file[MIPHA_CFG_PATH_LEN];
	uint32_t timeout_ms;		/* first retransmission timer (it doubles) */
	uint32_t retries;		/* retransmissions per server before failover */
	uint32_t pending_max;		/* AAA exchanges pending at once */
	uint32_t rate_nai, burst_nai;	/* token bucket per NAI (rate 0: no limit) */
	uint32_t rate_src, burst_src;	/* token bucket per source address */
	/* tls:// servers: CA file (required), client certificate and key, the
	 * name the server certificates must carry ("": their IP address). */
	char tls_ca_file[MIPHA_CFG_PATH_LEN];
	char tls_cert_file[MIPHA_CFG_PATH_LEN];
	char tls_key_file[MIPHA_CFG_PATH_LEN];
	char tls_crl_file[MIPHA_CFG_PATH_LEN];	/* "": no revocation check */
	char tls_server_name[MIPHA_CFG_DNS_NAME_LEN];
	/* RFC 5176 Disconnect-Requests (docs/aaa.md): dae_listen.port 0 = off. */
	struct mipha_cfg_aaa_server dae_listen;
	unsigned int n_dae_clients;	/* 0: the UDP servers' addresses */
	uint32_t dae_clients[MIPHA_CFG_MAX_DAE_CLIENTS];	/* network order */
	char dae_secret_file[MIPHA_CFG_PATH_LEN];	/* "": secret_file */
	uint32_t dae_window;		/* Event-Timestamp tolerance, seconds */
	unsigned int line;		/* of its section header */
};

struct mipha_cfg_port {
	char name[MIPHA_CFG_NAME_LEN];	/* NAME of [port.NAME] */
	char device[MIPHA_CFG_NAME_LEN];	/* DPDK device name */
	enum mipha_cfg_role role;
	uint32_t gateway;		/* network order: next hop off this port */
	bool has_gateway_mac;		/* else ARP resolves gateway at start */
	uint8_t gateway_mac[6];
	uint32_t tx_queues;		/* 0: one per sending lcore (workers + control) */
	unsigned int line;		/* of its section header */
};

struct mipha_cfg_lcores {
	unsigned int control;
	/* Either a count (workers = N: the first N enabled lcores other than
	 * control) or explicit ids (workers = 1,2 or 1-3). */
	bool explicit_ids;
	unsigned int n_workers;
	unsigned int workers[MIPHA_CFG_MAX_WORKERS];	/* when explicit_ids */
	uint32_t idle_sleep_us;	/* 0 = busy poll */
	uint32_t idle_polls;	/* empty polls before sleeping ... */
	uint32_t idle_poll_us;	/* ... or this long without work, if sooner (0: polls only) */
	uint32_t idle_sleep_max_us; /* workers: sleeps double up to this while idle */
};

/* A static security association (section 9 of the spec). */
struct mipha_cfg_sa {
	char name[MIPHA_CFG_NAME_LEN];	/* NAME of [sa.NAME] */
	uint32_t home_addr;		/* network order; 0 when given by NAI only */
	char nai[MIP_NAI_MAX + 1];	/* "" when given by home address only */
	uint32_t spi;
	enum mip_alg alg;
	uint32_t replay_tolerance;	/* seconds; [ha] replay_tolerance unless set */
	struct mip_key key;		/* secret: never logged; wiped by mipha_config_free */
	unsigned int line;
};

struct mipha_config {
	char path[256];
	struct mipha_cfg_ha ha;
	unsigned int n_ports;
	struct mipha_cfg_port ports[MIPHA_CFG_MAX_PORTS];
	struct mipha_cfg_lcores lcores;
	struct mipha_cfg_aaa aaa;
	unsigned int n_sa;
	struct mipha_cfg_sa *sa;	/* mip_secret_alloc'd: holds keys */
	unsigned int sa_cap;		/* entries allocated */
};

/*
 * Reads and checks path. 0 with *out set (free with mipha_config_free), or -1
 * with one line in err ("path:line: [section] key: what is wrong", or "path:
 * ..." for what has no line, such as a missing section). Key values never
 * appear in err.
 */
int mipha_config_load(const char *path, struct mipha_config **out, char *err, size_t errlen);

/* Wipes the SA keys and frees. NULL is fine. */
void mipha_config_free(struct mipha_config *cfg);
/* How many [sa.*] sections name an NAI and no home address (SAs by NAI alone). */
unsigned int mipha_config_nai_sa_count(const struct mipha_config *cfg);

const char *mipha_role_name(enum mipha_cfg_role role);
const char *mipha_alg_name(enum mip_alg alg);

#endif /* MIPHA_CONFIG_H */
