/* SPDX-License-Identifier: BSD-3-Clause */
#include "sec_util.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static json_t *root;

static json_t *vec_get(const char *k1, const char *k2)
{
	json_t *v;

	if (root == NULL) {
		const char *dir = getenv("MIP_SHARED_DIR");
		char path[1024];
		json_error_t jerr;

		snprintf(path, sizeof(path), "%s/spec/vectors/dynkey-example.json",
			 dir != NULL ? dir : "/work/shared");
		root = json_load_file(path, 0, &jerr);
		cr_assert_not_null(root, "%s: %s", path, jerr.text);
	}
	v = json_object_get(root, k1);
	if (v != NULL && k2 != NULL)
		v = json_object_get(v, k2);
	cr_assert_not_null(v, "vector %s%s%s missing", k1, k2 ? "." : "", k2 ? k2 : "");
	return v;
}

const char *sec_vec(const char *k1, const char *k2)
{
	json_t *v = vec_get(k1, k2);

	cr_assert(json_is_string(v), "vector %s is not a string", k1);
	return json_string_value(v);
}

const char *sec_vec_num(const char *k1, const char *k2)
{
	static char bufs[8][24];
	static unsigned next;
	json_t *v = vec_get(k1, k2);
	char *b = bufs[next++ % 8];

	cr_assert(json_is_integer(v), "vector %s.%s is not an integer", k1, k2);
	snprintf(b, sizeof(bufs[0]), "%lld", (long long)json_integer_value(v));
	return b;
}

void sec_vec_key(const char *k1, const char *k2, struct mip_key *key)
{
	cr_assert_eq(mip_key_from_hex(sec_vec(k1, k2), key), 0, "vector %s is not a key", k1);
}

void sec_vec_free(void)
{
	json_decref(root);
	root = NULL;
}

static void put_key(struct sec_secret *s, const char *name, const struct mip_key *k)
{
	s->name = name;
	memcpy(s->b, k->b, MIP_KEY_LEN);
	s->n = MIP_KEY_LEN;
}

void sec_secrets_load(struct sec_secret out[SEC__COUNT])
{
	const char *pw = sec_vec("inputs", "password");
	struct mip_key nt, k;

	memset(out, 0, SEC__COUNT * sizeof(*out));
	out[SEC_PASSWORD].name = "password";
	cr_assert_lt(strlen(pw), sizeof(out[0].b));
	memcpy(out[SEC_PASSWORD].b, pw, strlen(pw));
	out[SEC_PASSWORD].n = strlen(pw);
	cr_assert_eq(mip_nt_password_hash(pw, strlen(pw), &nt), 0);
	put_key(&out[SEC_NT_HASH], "NT hash", &nt);
	mip_hash_nt_password_hash(&nt, &k);
	mip_wipe(&nt, sizeof(nt));
	put_key(&out[SEC_NT_HASH_HASH], "NT hash hash", &k);
	sec_vec_key("k2_ms_mppe_recv_key", NULL, &k);
	put_key(&out[SEC_K2], "k''", &k);
	sec_vec_key("skey", NULL, &k);
	put_key(&out[SEC_SKEY], "skey", &k);
	sec_vec_key("skey2", NULL, &k);
	put_key(&out[SEC_SKEY2], "skey2", &k);
	sec_vec_key("rekey", "new_skey2", &k);
	put_key(&out[SEC_NEW_SKEY2], "new skey2", &k);
	sec_vec_key("skey_next_after_rekey_rrq", NULL, &k);
	put_key(&out[SEC_SKEY_NEXT], "skey_next", &k);
	mip_wipe(&k, sizeof(k));
}

static bool contains_raw(const char *text, size_t len, const void *p, size_t n)
{
	return n != 0 && memmem(text, len, p, n) != NULL;
}

bool sec_contains(const char *text, size_t len, const uint8_t *p, size_t n)
{
	char hex[2 * 64 + 1];

	if (n > 64)
		n = 64;
	if (contains_raw(text, len, p, n))
		return true;
	mip_hex_encode(p, n, hex);
	if (contains_raw(text, len, hex, 2 * n))
		return true;
	for (size_t i = 0; i < 2 * n; i++)
		if (hex[i] >= 'a' && hex[i] <= 'f')
			hex[i] = (char)(hex[i] - 'a' + 'A');
	return contains_raw(text, len, hex, 2 * n);
}

void sec_assert_no_secret(const struct sec_secret s[SEC__COUNT], unsigned allowed,
			  const char *what, const char *text, size_t len)
{
	for (unsigned i = 0; i < SEC__COUNT; i++) {
		if (allowed & SEC_BIT(i))
			continue;
		cr_assert(!sec_contains(text, len, s[i].b, s[i].n), "%s shows the %s:\n%.*s", what,
			  s[i].name, (int)(len < 2000 ? len : 2000), text);
	}
}

/* Appends what fd has to *buf; false at EOF. */
static bool drain(int fd, char **buf, size_t *len, size_t *cap)
{
	char tmp[4096];
	ssize_t n = read(fd, tmp, sizeof(tmp));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	if (*len + (size_t)n + 1 > *cap) {
		*cap = (*len + (size_t)n + 1) * 2;
		*buf = realloc(*buf, *cap);
		cr_assert_not_null(*buf);
	}
	memcpy(*buf + *len, tmp, (size_t)n);
	*len += (size_t)n;
	(*buf)[*len] = '\0';
	return true;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void child(const char *path, char *const argv[], char *const env[], int out, int err)
{
	int null = open("/dev/null", O_RDONLY);

	if (null >= 0)
		dup2(null, 0);
	dup2(out, 1);
	dup2(err, 2);
	for (size_t i = 0; env != NULL && env[i] != NULL; i++)
		putenv(env[i]);
	execv(path, argv);
	_exit(127);
}

void sec_run(struct sec_run *r, const char *path, char *const argv[], char *const env[],
	     unsigned timeout_s)
{
	int po[2], pe[2], st = 0;
	size_t ocap = 0, ecap = 0;
	bool oo = true, eo = true;
	uint64_t deadline = now_ms() + (uint64_t)timeout_s * 1000;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	r->out = calloc(1, 1);
	r->err = calloc(1, 1);
	cr_assert(r->out && r->err);
	cr_assert_eq(pipe(po), 0);
	cr_assert_eq(pipe(pe), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		child(path, argv, env, po[1], pe[1]);
	close(po[1]);
	close(pe[1]);
	while ((oo || eo) && now_ms() < deadline) {
		struct pollfd p[2] = { { oo ? po[0] : -1, POLLIN, 0 }, { eo ? pe[0] : -1, POLLIN, 0 } };

		if (poll(p, 2, 100) <= 0)
			continue;
		if (oo && (p[0].revents & (POLLIN | POLLHUP)))
			oo = drain(po[0], &r->out, &r->out_len, &ocap);
		if (eo && (p[1].revents & (POLLIN | POLLHUP)))
			eo = drain(pe[0], &r->err, &r->err_len, &ecap);
	}
	if (oo || eo)
		kill(pid, SIGKILL);
	close(po[0]);
	close(pe[0]);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert(!(oo || eo), "%s did not finish within %u s", path, timeout_s);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

void sec_run_free(struct sec_run *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}
