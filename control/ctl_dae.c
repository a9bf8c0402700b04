/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 5176 Dynamic Authorization on the control lcore: the AAA server (or
 * an operator with radclient) ends a dynamic-key MN's session with a
 * Disconnect-Request to [aaa] dae_listen. The MN's binding and SAs go and
 * every key is wiped, with no key continuation, so its next registration is
 * an initial one through AAA, which may refuse it. Without this, a session
 * outlives a password change or a disabled account for as long as the MN
 * keeps rekeying (spec section 7 needs no AAA server).
 *
 * A request is acted on only when it comes from a dae_clients address with
 * a valid Request Authenticator, exactly one valid Message-Authenticator
 * and an Event-Timestamp within dae_window seconds (radius.c); anything else
 * is dropped and counted (dae_invalid_*). Retransmissions (same source,
 * Identifier and authenticator) get the cached answer again rather than a
 * second action. The socket is non-blocking and read at most DAE_BUDGET
 * datagrams a poll: the control lcore never waits on it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <rte_telemetry.h>

#include "aaa_client.h"
#include "config.h"
#include "ctl.h"
#include "mip_secret.h"
#include "radius.h"

#define DAE_BUDGET 16		/* datagrams read per poll */
#define DAE_CACHE 256		/* answers kept for retransmissions */
#define DAE_CACHE_REPLY 512	/* longest answer kept (Proxy-States make it long) */
#define DAE_CHECK_MS 10		/* read at least this often while the lcore is busy */

/* Counters beside the discard reasons (radius.h), as dae_<name>. */
#define DAE_COUNTERS(X)                                                                 \
	X(REQUESTS, "requests", "datagrams received on dae_listen")                     \
	X(DISCONNECTS, "disconnects", "sessions ended (Disconnect-ACK)")                \
	X(DUPLICATES, "duplicates", "retransmissions answered from the cache")          \
	X(NAK_401, "nak_unsupported_attribute", "Disconnect-NAK 401: an attribute not taken") \
	X(NAK_402, "nak_missing_attribute", "Disconnect-NAK 402: neither User-Name nor Framed-IP-Address") \
	X(NAK_403, "nak_nas_mismatch", "Disconnect-NAK 403: NAS-IP-Address or NAS-Identifier not ours") \
	X(NAK_405, "nak_unsupported_service", "CoA-NAK 405: CoA-Request (not supported)") \
	X(NAK_503, "nak_session_not_found", "Disconnect-NAK 503: no such dynamic-key session") \
	X(SEND_ERRORS, "send_errors", "answers the socket did not take")                \
	X(RECV_ERRORS, "recv_errors", "socket errors on read")

enum dae_counter {
#define DAE_CNT_ENUM(id, name, help) DAE_CNT_##id,
	DAE_COUNTERS(DAE_CNT_ENUM)
#undef DAE_CNT_ENUM
	DAE_CNT__COUNT
};

static const char *const dae_counter_names[] = {
#define DAE_CNT_NAME(id, name, help) "dae_" name,
	DAE_COUNTERS(DAE_CNT_NAME)
#undef DAE_CNT_NAME
};

/* A request answered: who asked, which request, and the answer's bytes. */
struct dae_cached {
	uint32_t addr;			/* network order; 0: empty */
	uint16_t port;
	uint8_t id;
	uint8_t auth[AAA_RADIUS_AUTH_LEN];
	uint16_t len;
	uint8_t reply[DAE_CACHE_REPLY];
};

struct mipha_ctl_dae {
	int fd;
	char listen[32];		/* "ADDR:PORT", for /mipha/aaa */
	struct aaa_secret secret;
	uint8_t *secret_buf;
	uint32_t clients[MIPHA_CFG_MAX_DAE_CLIENTS];
	unsigned int n_clients;
	uint32_t window;
	uint32_t ha_addr;		/* NAS-IP-Address, network order */
	char nas_id[254];		/* NAS-Identifier ([ha] name) */
	uint64_t next_check_ms;
	struct dae_cached *cache;
	unsigned int cache_next;
	uint64_t cnt[DAE_CNT__COUNT];
	uint64_t invalid[AAA_DAE_MAX];
	uint8_t rx[AAA_RADIUS_MAX_LEN + 1];
	uint8_t tx[AAA_RADIUS_MAX_LEN];
};

static void dae_print_error(const struct mipha_ctl_dae *d, const char *what, int error)
{
	fprintf(stderr, "mipha: [aaa] dae_listen %s: %s: %s\n", d->listen, what, strerror(error));
}

struct mipha_ctl_dae *mipha_ctl_dae_create(const struct mipha_config *cfg, int *error)
{
	const struct mipha_cfg_aaa *a = &cfg->aaa;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	const char *secret_file;
	struct mipha_ctl_dae *d;
	size_t len;

	*error = 0;
	if (a->dae_listen.port == 0)
		return NULL;
	d = calloc(1, sizeof(*d));
	if (d == NULL || (d->cache = calloc(DAE_CACHE, sizeof(*d->cache))) == NULL) {
		free(d);
		*error = -ENOMEM;
		return NULL;
	}
	d->fd = -1;
	mipha_ctl_aaa_addr(&a->dae_listen, d->listen, sizeof(d->listen));
	secret_file = a->dae_secret_file[0] != '\0' ? a->dae_secret_file : a->secret_file;
	*error = aaa_secret_load(secret_file, &d->secret_buf, &len);
	if (*error != 0) {
		fprintf(stderr, "mipha: [aaa] dae secret file %s: %s\n", secret_file,
			*error == -EINVAL ? "empty or too long" : strerror(-*error));
		goto fail;
	}
	d->secret.b = d->secret_buf;
	d->secret.len = len;
	/* Who may ask: dae_clients, else the UDP AAA servers. */
	for (unsigned int i = 0; i < a->n_dae_clients; i++)
		d->clients[d->n_clients++] = a->dae_clients[i];
	for (unsigned int i = 0; a->n_dae_clients == 0 && i < a->n_servers; i++)
		if (!a->servers[i].tls && d->n_clients < MIPHA_CFG_MAX_DAE_CLIENTS)
			d->clients[d->n_clients++] = a->servers[i].addr;
	d->window = a->dae_window;
	d->ha_addr = cfg->ha.address;
	snprintf(d->nas_id, sizeof(d->nas_id), "%s", cfg->ha.name);
	d->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (d->fd < 0) {
		*error = -errno;
		dae_print_error(d, "socket", errno);
		goto fail;
	}
	sin.sin_addr.s_addr = a->dae_listen.addr;
	sin.sin_port = htons(a->dae_listen.port);
	if (bind(d->fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		*error = -errno;
		dae_print_error(d, "cannot listen", errno);
		goto fail;
	}
	return d;
fail:
	mipha_ctl_dae_destroy(d);
	return NULL;
}

void mipha_ctl_dae_destroy(struct mipha_ctl_dae *d)
{
	if (d == NULL)
		return;
	if (d->fd >= 0)
		close(d->fd);
	if (d->secret_buf != NULL)
		mip_secret_free(d->secret_buf, AAA_SECRET_MAX);
	free(d->cache);
	mip_wipe(d->rx, sizeof(d->rx));
	free(d);
}

int mipha_ctl_dae_fd(const struct mipha_ctl_dae *d)
{
	return d != NULL ? d->fd : -1;
}

static bool client_allowed(const struct mipha_ctl_dae *d, uint32_t addr)
{
	for (unsigned int i = 0; i < d->n_clients; i++)
		if (d->clients[i] == addr)
			return true;
	return false;
}

static struct dae_cached *cache_find(struct mipha_ctl_dae *d, const struct sockaddr_in *from,
				     const uint8_t *pkt)
{
	for (unsigned int i = 0; i < DAE_CACHE; i++) {
		struct dae_cached *e = &d->cache[i];

		if (e->addr == from->sin_addr.s_addr && e->port == from->sin_port &&
		    e->id == pkt[1] && memcmp(e->auth, pkt + 4, AAA_RADIUS_AUTH_LEN) == 0)
			return e;
	}
	return NULL;
}

static void cache_store(struct mipha_ctl_dae *d, const struct sockaddr_in *from,
			const uint8_t *pkt, const uint8_t *reply, size_t len)
{
	struct dae_cached *e = &d->cache[d->cache_next];

	if (len > sizeof(e->reply))
		return;	/* answered again, then, should it come again */
	d->cache_next = (d->cache_next + 1) % DAE_CACHE;
	e->addr = from->sin_addr.s_addr;
	e->port = from->sin_port;
	e->id = pkt[1];
	memcpy(e->auth, pkt + 4, AAA_RADIUS_AUTH_LEN);
	memcpy(e->reply, reply, len);
	e->len = (uint16_t)len;
}

static void send_to(struct mipha_ctl_dae *d, const struct sockaddr_in *to, const uint8_t *p,
		    size_t len)
{
	if (sendto(d->fd, p, len, 0, (const struct sockaddr *)to, sizeof(*to)) != (ssize_t)len)
		d->cnt[DAE_CNT_SEND_ERRORS]++;
}

/* What the request asks, done: 0 (ACK) or the Error-Cause of the NAK. */
static uint32_t dae_act(struct mipha_ctl *c, struct mipha_ctl_dae *d,
			const struct aaa_dae_request *r, const struct sockaddr_in *from)
{
	const char *nai = r->user_name;
	size_t n = r->user_name_len;
	uint32_t home = r->has_framed_ip ? r->framed_ip : 0;
	const char *bs;
	char who[INET_ADDRSTRLEN], addr[INET_ADDRSTRLEN];
	uint32_t ended;

	if (r->code == AAA_CODE_COA_REQUEST) {
		d->cnt[DAE_CNT_NAK_405]++;
		return AAA_ERR_UNSUPPORTED_SERVICE;
	}
	if (r->unsupported != 0) {
		d->cnt[DAE_CNT_NAK_401]++;
		return AAA_ERR_UNSUPPORTED_ATTRIBUTE;
	}
	if ((r->has_nas_ip && r->nas_ip != d->ha_addr) ||
	    (r->nas_id_len != 0 && strcmp(r->nas_id, d->nas_id) != 0)) {
		d->cnt[DAE_CNT_NAK_403]++;
		return AAA_ERR_NAS_MISMATCH;
	}
	if (n == 0 && home == 0) {
		d->cnt[DAE_CNT_NAK_402]++;
		return AAA_ERR_MISSING_ATTRIBUTE;
	}
	ended = mipha_ctl_dynkey_disconnect(c, nai, n, home);
	/* The User-Name the HA sent with a DOMAIN is "DOMAIN\NAI". */
	bs = n > 0 ? memchr(nai, '\\', n) : NULL;
	if (ended == 0 && bs != NULL)
		ended = mipha_ctl_dynkey_disconnect(c, bs + 1, n - (size_t)(bs + 1 - nai), home);
	if (ended == 0) {
		d->cnt[DAE_CNT_NAK_503]++;
		return AAA_ERR_SESSION_NOT_FOUND;
	}
	d->cnt[DAE_CNT_DISCONNECTS]++;
	inet_ntop(AF_INET, &from->sin_addr, who, sizeof(who));
	inet_ntop(AF_INET, &ended, addr, sizeof(addr));
	printf("mipha: Disconnect-Request from %s: the session of home address %s ended "
	       "(binding, SAs and keys)\n", who, addr);
	fflush(stdout);
	return 0;
}

static void dae_datagram(struct mipha_ctl *c, struct mipha_ctl_dae *d, size_t n,
			 const struct sockaddr_in *from)
{
	struct aaa_dae_request r;
	enum aaa_dae_discard why;
	struct dae_cached *hit;
	size_t len;
	uint32_t cause;
	int out;

	d->cnt[DAE_CNT_REQUESTS]++;
	if (!client_allowed(d, from->sin_addr.s_addr)) {
		d->invalid[AAA_DAE_UNKNOWN_CLIENT]++;
		return;
	}
	switch (aaa_radius_check_length(d->rx, n, &len)) {
	case AAA_REASON_OK:
		break;
	case AAA_REASON_SHORT:
		d->invalid[AAA_DAE_SHORT]++;
		return;
	default:
		d->invalid[AAA_DAE_BAD_LENGTH]++;
		return;
	}
	hit = cache_find(d, from, d->rx);
	if (hit != NULL) {
		d->cnt[DAE_CNT_DUPLICATES]++;
		send_to(d, from, hit->reply, hit->len);
		return;
	}
	why = aaa_dae_verify_request(d->rx, len, (uint32_t)time(NULL), d->window, &d->secret, &r);
	if (why != AAA_DAE_OK) {
		d->invalid[why]++;
		return;
	}
	cause = dae_act(c, d, &r, from);
	out = aaa_dae_encode_reply(d->tx, sizeof(d->tx),
				   r.code == AAA_CODE_COA_REQUEST ? AAA_CODE_COA_NAK
				   : cause == 0 ? AAA_CODE_DISCONNECT_ACK : AAA_CODE_DISCONNECT_NAK,
				   &r, d->rx, cause, &d->secret);
	if (out < 0) {
		d->cnt[DAE_CNT_SEND_ERRORS]++;
		return;
	}
	cache_store(d, from, d->rx, d->tx, (size_t)out);
	send_to(d, from, d->tx, (size_t)out);
}

unsigned int mipha_ctl_dae_poll(struct mipha_ctl *c, struct mipha_ctl_dae *d, bool ready,
				uint64_t now_ms)
{
	unsigned int done = 0;

	if (d == NULL || (!ready && now_ms < d->next_check_ms))
		return 0;
	d->next_check_ms = now_ms + DAE_CHECK_MS;
	while (done < DAE_BUDGET) {
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(d->fd, d->rx, sizeof(d->rx), MSG_TRUNC | MSG_DONTWAIT,
				     (struct sockaddr *)&from, &flen);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				d->cnt[DAE_CNT_RECV_ERRORS]++;
			break;
		}
		done++;
		if (flen != sizeof(from) || from.sin_family != AF_INET)
			continue;
		if ((size_t)n > AAA_RADIUS_MAX_LEN) {
			d->cnt[DAE_CNT_REQUESTS]++;
			d->invalid[AAA_DAE_BAD_LENGTH]++;
			continue;
		}
		dae_datagram(c, d, (size_t)n, &from);
	}
	return done;
}

void mipha_ctl_dae_tel(const struct mipha_ctl_dae *d, struct rte_tel_data *t)
{
	char clients[MIPHA_CFG_MAX_DAE_CLIENTS * (INET_ADDRSTRLEN + 1)] = "";

	rte_tel_data_add_dict_string(t, "dae_listen", d != NULL ? d->listen : "");
	if (d == NULL)
		return;
	for (unsigned int i = 0; i < d->n_clients; i++) {
		char a[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &d->clients[i], a, sizeof(a));
		if (i > 0)
			strcat(clients, ",");
		strcat(clients, a);
	}
	rte_tel_data_add_dict_string(t, "dae_clients", clients);
	rte_tel_data_add_dict_u64(t, "dae_window", d->window);
}

void mipha_ctl_dae_visit(const struct mipha_ctl_dae *d, mipha_ctl_stat_fn fn, void *arg)
{
	char name[64];

	for (int i = 0; i < DAE_CNT__COUNT; i++)
		fn(arg, dae_counter_names[i], d != NULL ? d->cnt[i] : 0);
	for (int i = AAA_DAE_OK + 1; i < AAA_DAE_MAX; i++) {
		snprintf(name, sizeof(name), "dae_invalid_%s", aaa_dae_discard_name(i));
		for (char *p = name; *p != '\0'; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		fn(arg, name, d != NULL ? d->invalid[i] : 0);
	}
}
