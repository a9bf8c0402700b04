/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the two bare AAA clients of the AAA benchmark share (perf/aaa/): the
 * options, the Mobile Nodes' credential (NT hash of the password, computed
 * once as mipmn does), one exchange's MS-CHAPv2 fields computed as the MN
 * computes them, the check of the server's MS-CHAP2-Success as the MN checks
 * it, and the report, in the shape of `mipmn load --json`'s load_report so
 * that perf/aaa/run-aaa.sh reads every figure the same way.
 */
#ifndef BARE_COMMON_H
#define BARE_COMMON_H

#include <stdbool.h>
#include <stdint.h>

#include "mip_secret.h"

struct bare_opts {
	const char *server;		/* ADDR:PORT */
	char server_addr[64];
	uint16_t server_port;
	const char *secret_file;
	const char *password_file;
	const char *nai_pattern;	/* one %d */
	unsigned first_index;
	unsigned count;
	unsigned window;		/* bare_aaa: requests in flight */
	unsigned threads;		/* bare_radcli: blocking threads */
	unsigned duration_s;		/* bound of the whole run */
	unsigned timeout_ms;		/* first retransmission timer (bare_aaa) */
	unsigned retries;
	const char *nas_id;		/* NAS-Identifier, as the HA's [ha] name */
	uint32_t nas_ip;		/* NAS-IP-Address, network order */
	uint32_t care_of;		/* Calling-Station-Id, network order */
};

/* One exchange's fields, as an MN and the HA would put them in the request. */
struct bare_exchange {
	char nai[254];
	uint8_t auth_challenge[16];	/* the MN's AUTH-CHALLENGE (random) */
	uint8_t peer_challenge[16];	/* the HA's MD5 over the RRQ: random here */
	uint8_t nt_response[24];
	uint64_t t0_ns;
};

struct bare_stats {
	uint64_t started, registered, failed, rejects, timeouts, bad_success, retransmissions;
	uint64_t t0_ns, last_ns, end_ns;
	uint64_t *lat_ns;		/* of each registration, count entries */
};

/* Parses argv (usage on stderr and exit 2 on a mistake). */
void bare_opts_parse(struct bare_opts *o, int argc, char **argv, const char *prog, bool radcli);
/* The NT hash of the password file (one trailing newline ignored). 0 or -errno. */
int bare_nt_hash(const char *path, struct mip_key *nt_hash);
/* Reads the RADIUS secret file (bytes less one trailing newline) into a heap copy. */
int bare_secret(const char *path, char **out);
/* Fills x for MN number i: NAI, fresh challenges (getrandom), NT-Response. */
int bare_exchange_init(struct bare_exchange *x, const struct bare_opts *o, unsigned i,
		       const struct mip_key *nt_hash);
/* The MN's check of MS-CHAP2-Success: "S=..." must be what the password gives. */
bool bare_success_ok(const struct bare_exchange *x, const struct mip_key *nt_hash,
		     const char *auth_response, unsigned len);
uint64_t bare_now_ns(void);
int bare_stats_init(struct bare_stats *s, unsigned count);
void bare_stats_free(struct bare_stats *s);
/* One JSON line: {"event":"load_report","tool":...,...} on stdout. */
void bare_report(const struct bare_stats *s, const struct bare_opts *o, const char *tool);

#endif /* BARE_COMMON_H */
