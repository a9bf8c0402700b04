/* SPDX-License-Identifier: BSD-3-Clause */
/* The test Home Agent: see test_ha.h. Simple over fast; every rule from the spec. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test_ha.h"

void test_ha_init(struct test_ha *ha, uint32_t ha_addr, const char *password)
{
	memset(ha, 0, sizeof(*ha));
	ha->ha_addr = ha_addr;
	mip_nt_password_hash(password, strlen(password), &ha->nt_hash);
	mip_parse_cfg_default(&ha->pcfg);
	ha->tolerance = 7;
	ha->max_lifetime = 1800;
	ha->fd = -1;
	pthread_mutex_init(&ha->lock, NULL);
}

void test_ha_fini(struct test_ha *ha)
{
	test_ha_stop(ha);
	mip_wipe(ha->mn, sizeof(ha->mn));
	mip_wipe(&ha->nt_hash, sizeof(ha->nt_hash));
	pthread_mutex_destroy(&ha->lock);
}

static struct tha_mn *find(struct test_ha *ha, const uint8_t *nai, size_t len)
{
	for (unsigned i = 0; i < ha->n_mn; i++)
		if (ha->mn[i].nai_len == len && memcmp(ha->mn[i].nai, nai, len) == 0)
			return &ha->mn[i];
	return NULL;
}

struct tha_mn *test_ha_find(struct test_ha *ha, const char *nai)
{
	return find(ha, (const uint8_t *)nai, strlen(nai));
}

static struct tha_mn *find_or_add(struct test_ha *ha, const uint8_t *nai, size_t len)
{
	struct tha_mn *mn = find(ha, nai, len);

	if (mn != NULL || ha->n_mn == THA_MAX_MN || len > MIP_NAI_MAX)
		return mn;
	mn = &ha->mn[ha->n_mn++];
	memset(mn, 0, sizeof(*mn));
	memcpy(mn->nai, nai, len);
	mn->nai_len = len;
	return mn;
}

void test_ha_forget_all(struct test_ha *ha)
{
	mip_wipe(ha->mn, sizeof(ha->mn));
	ha->n_mn = 0;
}

static bool home_taken(struct test_ha *ha, uint32_t home, const struct tha_mn *self)
{
	for (unsigned i = 0; i < ha->n_mn; i++)
		if (&ha->mn[i] != self && ha->mn[i].bound && ha->mn[i].home == home)
			return true;
	return false;
}

static uint32_t pool_assign(struct test_ha *ha, const struct tha_mn *self)
{
	uint32_t slot = (uint32_t)(self - ha->mn);

	if (self->home != 0 && !home_taken(ha, self->home, self))
		return self->home;
	/* Usually the MN's own slot is free: O(n) rather than O(n * pool). */
	if (slot < ha->pool_size && !home_taken(ha, htonl(ha->pool_first + slot), self))
		return htonl(ha->pool_first + slot);
	for (uint32_t i = 0; i < ha->pool_size; i++) {
		uint32_t a = htonl(ha->pool_first + i);

		if (!home_taken(ha, a, self))
			return a;
	}
	return 0;
}

/* The binding's lifetime ran out: clear it, keeping Skey_next when offered. */
static void expire_if_due(struct tha_mn *mn, uint32_t now_sec)
{
	if (!mn->bound || mip_ntp_sec_cmp(now_sec, mn->expiry_sec) < 0)
		return;
	mn->bound = false;
	if (mn->continuation != 0 && mn->have_skey2) {
		struct mip_key next;

		mip_derive_skey_next(&mn->skey, mn->install_ident, &next);
		mn->skey = next;
		mip_wipe(&next, sizeof(next));
		mn->have_next = true;
	} else {
		mip_wipe(&mn->skey, sizeof(mn->skey));
		mn->have_skey = false;
	}
	mip_wipe(&mn->skey2, sizeof(mn->skey2));
	mip_wipe(&mn->skey2_prev, sizeof(mn->skey2_prev));
	mn->have_skey2 = false;
	mn->have_prev = false;
}

static size_t finish(struct test_ha *ha, struct mip_builder *b, size_t auth_off,
		     const struct mip_key *key)
{
	if (auth_off != 0 && key != NULL) {
		mip_auth_sign(b->buf, auth_off, MIP_ALG_HMAC_MD5, key);
		if (ha->corrupt_mhae > 0) {
			ha->corrupt_mhae--;
			b->buf[auth_off + 3] ^= 0x40;
		}
	}
	return b->err == 0 ? b->len : 0;
}

/* An RRP with only the NAI and, when key is given, an MHAE under spi. */
static size_t short_reply(struct test_ha *ha, const struct mip_msg *m, uint8_t code,
			  uint64_t ident, uint32_t spi, const struct mip_key *key, uint8_t *out,
			  size_t cap)
{
	struct mip_builder b;
	size_t off = 0;

	mip_builder_init(&b, out, cap);
	mip_put_rrp_hdr(&b, code, 0, m->home_addr, ha->ha_addr, ident);
	if (m->present & MIP_HAS_NAI)
		mip_put_nai(&b, (const char *)m->nai.p, m->nai.len);
	if (key != NULL)
		off = mip_put_auth(&b, MIP_EXT_MHAE, spi, MIP_MD5_AUTH_LEN);
	if (code >= 128)
		ha->cnt.denied++;
	return finish(ha, &b, off, key);
}

static void remember(struct tha_mn *mn, const uint8_t *rrq, size_t len, const uint8_t *rrp,
		     size_t rlen)
{
	if (len > sizeof(mn->last_rrq) || rlen > sizeof(mn->last_rrp))
		return;
	memcpy(mn->last_rrq, rrq, len);
	mn->last_rrq_len = len;
	memcpy(mn->last_rrp, rrp, rlen);
	mn->last_rrp_len = rlen;
}

static size_t handle_initial(struct test_ha *ha, const struct mip_msg *m, uint64_t now,
			     uint8_t *out, size_t cap)
{
	struct tha_mn *mn = find_or_add(ha, m->nai.p, m->nai.len);
	uint8_t peer[16], ntr[24];
	struct mip_key k2, skey, skey2;
	char auth_resp[MIP_AUTH_RESPONSE_LEN];
	struct mip_builder b;
	uint8_t code = (m->flags & MIP_FLAG_S) ? MIP_CODE_ACCEPTED_NO_SIMUL : MIP_CODE_ACCEPTED;
	uint32_t home;
	uint16_t life;
	size_t off, len;
	bool single = (m->present & MIP_HAS_KEY_REQ_S2) == 0;

	ha->cnt.initial++;
	if (mn == NULL)
		return 0;
	if (mn->last_ident != 0 && mip_ntp_cmp(m->ident, mn->last_ident) <= 0) {
		ha->cnt.dropped++;	/* section 8: dropped, no AAA exchange */
		return 0;
	}
	/* "AAA": MS-CHAPv2 with the password, then k'' and AUTH-RESPONSE. */
	mip_peer_challenge(m, peer);
	mip_generate_nt_response(m->auth_challenge, peer, (const char *)m->nai.p, m->nai.len,
				 &ha->nt_hash, ntr);
	if (m->mhae.auth.len != 24 || !mip_ct_equal(ntr, m->mhae.auth.p, 24)) {
		ha->cnt.bad_auth++;
		return short_reply(ha, m, MIP_CODE_MN_FAILED_AUTH, m->ident, 0, NULL, out, cap);
	}
	mip_k2_from_nt_hash(&ha->nt_hash, ntr, &k2);
	mip_generate_authenticator_response(&ha->nt_hash, ntr, peer, m->auth_challenge,
					    (const char *)m->nai.p, m->nai.len, auth_resp);
	mip_derive_skey(&k2, m->auth_challenge, ntr, &skey);
	mip_wipe(&k2, sizeof(k2));
	if (!single)
		mip_derive_skey2(&skey, m->ident, &skey2);

	if (mip_ntp_sec_distance(m->ident, now) > ha->tolerance) {
		/* Section 8: the MN learns the clock from an authenticated 133. */
		ha->cnt.resync133++;
		len = short_reply(ha, m, MIP_CODE_ID_MISMATCH, mip_ntp_resync_ident(now, m->ident),
				  m->key_s.spi, &skey, out, cap);
		goto out;
	}
	if (ha->force_count > 0) {
		ha->force_count--;
		len = short_reply(ha, m, ha->force_code, m->ident, m->key_s.spi,
				  ha->force_auth ? &skey : NULL, out, cap);
		goto out;
	}
	home = m->home_addr;
	if (home == 0) {
		home = pool_assign(ha, mn);
		if (home == 0) {
			len = short_reply(ha, m, MIP_CODE_INSUFFICIENT_RESOURCES, m->ident,
					  m->key_s.spi, &skey, out, cap);
			goto out;
		}
	} else if (home_taken(ha, home, mn)) {
		len = short_reply(ha, m, MIP_CODE_ADMIN_PROHIBITED, m->ident, m->key_s.spi, &skey,
				  out, cap);
		goto out;
	}
	life = m->lifetime < ha->max_lifetime ? m->lifetime : ha->max_lifetime;

	/* Install. */
	mn->bound = true;
	mn->single = single;
	mn->home = home;
	mn->coa = m->coa;
	mn->lifetime = life;
	mn->expiry_sec = mip_ntp_sec(now) + life;
	mn->spi1 = m->key_s.spi;
	mn->spi2 = single ? 0 : m->key_s2.spi;
	mn->skey = skey;
	mn->have_skey = true;
	mn->have_next = false;
	mn->have_prev = false;
	mn->have_skey2 = !single;
	if (!single)
		mn->skey2 = skey2;
	mn->last_ident = m->ident;
	mn->install_ident = m->ident;
	mn->continuation = single ? 0 : ha->key_continuation;
	ha->cnt.initial_ok++;

	mip_builder_init(&b, out, cap);
	mip_put_rrp_hdr(&b, code, life, home, ha->ha_addr, m->ident);
	mip_put_nai(&b, (const char *)m->nai.p, m->nai.len);
	{
		struct mip_keyspec ks = m->key_s;

		mip_put_keyspec(&b, ha->pcfg.vendor_id, MIP_CVSE_KEY_REQ_S, &ks);
	}
	if (!single) {
		struct mip_keyspec ks2 = m->key_s2;

		if (ha->corrupt_keyspec > 0) {
			ha->corrupt_keyspec--;
			ks2.spi++;
		}
		mip_put_keyspec(&b, ha->pcfg.vendor_id, MIP_CVSE_KEY_REQ_S2, &ks2);
	}
	mip_put_cvse(&b, ha->pcfg.vendor_id, MIP_CVSE_AUTH_CHALLENGE, m->auth_challenge, 16);
	if (ha->corrupt_auth_response > 0) {
		ha->corrupt_auth_response--;
		auth_resp[5] = auth_resp[5] == 'A' ? 'B' : 'A';
	}
	mip_put_cvse(&b, ha->pcfg.vendor_id, MIP_CVSE_AUTH_RESPONSE, auth_resp, sizeof(auth_resp));
	if (mn->continuation != 0) {
		uint8_t kc[4] = { mn->continuation >> 24, mn->continuation >> 16,
				  mn->continuation >> 8, mn->continuation };

		mip_put_cvse(&b, ha->pcfg.vendor_id, MIP_CVSE_KEY_CONTINUATION, kc, 4);
	}
	off = mip_put_auth(&b, MIP_EXT_MHAE, mn->spi1, MIP_MD5_AUTH_LEN);
	len = finish(ha, &b, off, &skey);
	remember(mn, m->buf, m->len, out, len);
out:
	mip_wipe(&skey, sizeof(skey));
	mip_wipe(&skey2, sizeof(skey2));
	mip_wipe(auth_resp, sizeof(auth_resp));
	return len;
}

static size_t handle_keyed(struct test_ha *ha, const struct mip_msg *m, uint64_t now,
			   uint8_t *out, size_t cap)
{
	struct tha_mn *mn = (m->present & MIP_HAS_NAI) ? find(ha, m->nai.p, m->nai.len) : NULL;
	const struct mip_key *key = NULL;
	struct mip_builder b;
	enum mip_replay rp;
	bool rekey, dereg, prev = false;
	uint16_t life;
	size_t off, len;

	if (mn == NULL) {
		ha->cnt.bad_auth++;
		return short_reply(ha, m, MIP_CODE_MN_FAILED_AUTH, m->ident, 0, NULL, out, cap);
	}
	expire_if_due(mn, mip_ntp_sec(now));
	rekey = (m->present & MIP_HAS_KEY_REQ_S2) != 0;
	if (m->mhae.spi == mn->spi1 && mn->have_skey && (mn->bound || mn->have_next) &&
	    (rekey || mn->single || !mn->have_next))
		key = &mn->skey;
	else if (mn->bound && mn->have_skey2 && m->mhae.spi == mn->spi2) {
		key = &mn->skey2;
		if (!mip_auth_verify(m, MIP_ALG_HMAC_MD5, key) && mn->have_prev) {
			key = &mn->skey2_prev;
			prev = true;
		}
	}
	if (key == NULL || !mip_auth_verify(m, MIP_ALG_HMAC_MD5, key)) {
		ha->cnt.bad_auth++;
		return short_reply(ha, m, MIP_CODE_MN_FAILED_AUTH, m->ident, 0, NULL, out, cap);
	}
	rp = mip_replay_check(m->ident, now, mn->last_ident, ha->tolerance);
	if (rp != MIP_REPLAY_OK) {
		ha->cnt.resync133++;
		return short_reply(ha, m, MIP_CODE_ID_MISMATCH, mip_ntp_resync_ident(now, m->ident),
				   m->mhae.spi, key, out, cap);
	}
	mn->last_ident = m->ident;
	if (ha->force_count > 0) {
		ha->force_count--;
		return short_reply(ha, m, ha->force_code, m->ident, m->mhae.spi,
				   ha->force_auth ? key : NULL, out, cap);
	}
	if (prev)
		ha->cnt.prev_key_used++;
	else if (key == &mn->skey2 && mn->have_prev) {
		/* The new Skey' verified: the previous one goes (section 7). */
		mip_wipe(&mn->skey2_prev, sizeof(mn->skey2_prev));
		mn->have_prev = false;
	}
	dereg = m->lifetime == 0 || m->coa == mn->home;
	life = m->lifetime < ha->max_lifetime ? m->lifetime : ha->max_lifetime;
	mip_builder_init(&b, out, cap);
	mip_put_rrp_hdr(&b, MIP_CODE_ACCEPTED, dereg ? 0 : life, mn->home, ha->ha_addr, m->ident);
	mip_put_nai(&b, (const char *)m->nai.p, m->nai.len);
	if (rekey && key == &mn->skey && !mn->single) {
		struct mip_keyspec ks2 = m->key_s2;

		if (mn->have_next)
			ha->cnt.continued++;
		else
			ha->cnt.rekey++;
		if (mn->have_skey2 && !mn->have_next) {
			mn->skey2_prev = mn->skey2;
			mn->have_prev = true;
		}
		mip_derive_skey2(&mn->skey, m->ident, &mn->skey2);
		mn->have_skey2 = true;
		mn->have_next = false;
		mn->install_ident = m->ident;
		mn->spi2 = m->key_s2.spi;
		mn->continuation = ha->key_continuation;
		if (ha->corrupt_keyspec > 0) {
			ha->corrupt_keyspec--;
			ks2.spi++;
		}
		mip_put_keyspec(&b, ha->pcfg.vendor_id, MIP_CVSE_KEY_REQ_S2, &ks2);
		if (mn->continuation != 0) {
			uint8_t kc[4] = { mn->continuation >> 24, mn->continuation >> 16,
					  mn->continuation >> 8, mn->continuation };

			mip_put_cvse(&b, ha->pcfg.vendor_id, MIP_CVSE_KEY_CONTINUATION, kc, 4);
		}
	} else if (dereg) {
		ha->cnt.dereg++;
	} else {
		ha->cnt.rereg++;
	}
	off = mip_put_auth(&b, MIP_EXT_MHAE, m->mhae.spi, MIP_MD5_AUTH_LEN);
	len = finish(ha, &b, off, key);
	remember(mn, m->buf, m->len, out, len);
	if (dereg) {
		mn->expiry_sec = mip_ntp_sec(now);
		mn->bound = true;
		expire_if_due(mn, mip_ntp_sec(now));
	} else {
		mn->bound = true;
		mn->coa = m->coa;
		mn->lifetime = life;
		mn->expiry_sec = mip_ntp_sec(now) + life;
	}
	return len;
}

size_t test_ha_handle(struct test_ha *ha, const uint8_t *rrq, size_t len, uint64_t now_ntp,
		      uint8_t *out, size_t cap)
{
	struct mip_msg m;
	struct tha_mn *mn;
	uint64_t now = now_ntp + ((uint64_t)(int64_t)ha->clock_offset << 32);
	size_t rlen;

	ha->cnt.rrq++;
	if (ha->drop_requests > 0) {
		ha->drop_requests--;
		return 0;
	}
	if (mip_parse(rrq, len, &ha->pcfg, &m) != MIP_OK || m.type != MIP_TYPE_RRQ ||
	    (m.present & MIP_HAS_NAI) == 0) {
		ha->cnt.dropped++;
		return 0;
	}
	if (m.ha_addr != ha->ha_addr)
		return short_reply(ha, &m, MIP_CODE_UNKNOWN_HA, m.ident, 0, NULL, out, cap);
	mn = find(ha, m.nai.p, m.nai.len);
	if (mn != NULL && mn->last_rrq_len == len && memcmp(mn->last_rrq, rrq, len) == 0) {
		ha->cnt.duplicate++;
		memcpy(out, mn->last_rrp, mn->last_rrp_len);
		rlen = mn->last_rrp_len;
	} else if (mip_is_dynkey_initial(&m, &ha->pcfg)) {
		rlen = handle_initial(ha, &m, now, out, cap);
	} else {
		rlen = handle_keyed(ha, &m, now, out, cap);
	}
	if (rlen != 0 && ha->drop_replies > 0) {
		ha->drop_replies--;
		return 0;
	}
	return rlen;
}

/* ---- UDP -------------------------------------------------------------- */

static void *serve(void *arg)
{
	struct test_ha *ha = arg;
	uint8_t in[2048], out[THA_MSG_MAX];

	while (!ha->stop) {
		struct pollfd pfd = { .fd = ha->fd, .events = POLLIN };
		struct sockaddr_in src;
		socklen_t sl = sizeof(src);
		ssize_t n;
		size_t r;

		if (poll(&pfd, 1, 50) <= 0)
			continue;
		n = recvfrom(ha->fd, in, sizeof(in), 0, (struct sockaddr *)&src, &sl);
		if (n <= 0)
			continue;
		pthread_mutex_lock(&ha->lock);
		r = test_ha_handle(ha, in, (size_t)n, mip_ntp_now(0), out, sizeof(out));
		pthread_mutex_unlock(&ha->lock);
		if (r != 0)
			sendto(ha->fd, out, r, 0, (struct sockaddr *)&src, sl);
	}
	return NULL;
}

int test_ha_serve(struct test_ha *ha)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof(a);

	a.sin_addr.s_addr = ha->bind_any ? htonl(INADDR_ANY) : htonl(INADDR_LOOPBACK);
	ha->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ha->fd < 0)
		return -errno;
	if (bind(ha->fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(ha->fd, (struct sockaddr *)&a, &al) != 0) {
		close(ha->fd);
		ha->fd = -1;
		return -errno;
	}
	ha->port = ntohs(a.sin_port);
	ha->stop = false;
	if (pthread_create(&ha->thread, NULL, serve, ha) != 0) {
		close(ha->fd);
		ha->fd = -1;
		return -EAGAIN;
	}
	ha->running = true;
	return 0;
}

void test_ha_stop(struct test_ha *ha)
{
	if (!ha->running)
		return;
	ha->stop = true;
	pthread_join(ha->thread, NULL);
	close(ha->fd);
	ha->fd = -1;
	ha->running = false;
}
