/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The secrets of a captured exchange, for tests that look for them in logs
 * (s_secrets_mipha.sh):
 *
 *	sec_derive PASSWORD RRQ_HEX...
 *
 * prints "label hex" lines: the password's NT hash and its hash; for each
 * initial dynamic-key RRQ, k'' (from its NT-Response), Skey and Skey'; for
 * each later rekey RRQ (KEY-REQ-S2 under the current Skey), the new Skey'
 * and the Skey_next it would give. RRQs in the order they were sent. Exit 0,
 * or 2 on bad input. Uses libmip only (no spec numbers).
 */
#include <stdio.h>
#include <string.h>

#include "mip.h"

static void put(const char *label, const struct mip_key *k)
{
	char hex[2 * MIP_KEY_LEN + 1];

	mip_hex_encode(k->b, MIP_KEY_LEN, hex);
	printf("%s %s\n", label, hex);
	mip_wipe(hex, sizeof(hex));
}

int main(int argc, char **argv)
{
	struct mip_key nt, nthh, k2, skey, skey2, next;
	struct mip_parse_cfg cfg;
	uint8_t buf[2048];
	bool have_skey = false;

	if (argc < 2) {
		fprintf(stderr, "usage: sec_derive PASSWORD RRQ_HEX...\n");
		return 2;
	}
	mip_parse_cfg_default(&cfg);
	if (mip_nt_password_hash(argv[1], strlen(argv[1]), &nt) != 0)
		return 2;
	put("nt_hash", &nt);
	mip_hash_nt_password_hash(&nt, &nthh);
	put("nt_hash_hash", &nthh);
	for (int i = 2; i < argc; i++) {
		long n = mip_hex_decode(argv[i], buf, sizeof(buf));
		struct mip_msg m;

		if (n <= 0 || mip_parse(buf, (size_t)n, &cfg, &m) != MIP_OK || m.type != MIP_TYPE_RRQ)
			continue;
		if (mip_is_dynkey_initial(&m, &cfg)) {
			mip_k2_from_nt_hash(&nt, m.mhae.auth.p, &k2);
			put("k2", &k2);
			mip_derive_skey(&k2, m.auth_challenge, m.mhae.auth.p, &skey);
			put("skey", &skey);
			mip_derive_skey2(&skey, m.ident, &skey2);
			put("skey2", &skey2);
			have_skey = true;
		} else if (have_skey && (m.present & MIP_HAS_KEY_REQ_S2)) {
			mip_derive_skey2(&skey, m.ident, &skey2);
			put("rekey_skey2", &skey2);
			mip_derive_skey_next(&skey, m.ident, &next);
			put("skey_next", &next);
		}
	}
	mip_wipe(&nt, sizeof(nt));
	mip_wipe(&nthh, sizeof(nthh));
	mip_wipe(&k2, sizeof(k2));
	mip_wipe(&skey, sizeof(skey));
	mip_wipe(&skey2, sizeof(skey2));
	mip_wipe(&next, sizeof(next));
	return 0;
}
