/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A main() for a fuzz target without libFuzzer: runs the target once on every
 * file named (a directory: every regular file in it, in name order). Lets any
 * compiler and any sanitizer build replay the committed corpus (seeds and
 * crash reproducers) as an ordinary test; see tests/security/meson.build.
 * Prints "replayed N inputs"; a finding aborts, as under libFuzzer.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX (1u << 20)

static unsigned replayed;

static int replay_file(const char *path)
{
	uint8_t *buf = malloc(REPLAY_MAX);
	FILE *f = fopen(path, "rb");
	size_t n;

	if (buf == NULL || f == NULL) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		free(buf);
		if (f != NULL)
			fclose(f);
		return -1;
	}
	n = fread(buf, 1, REPLAY_MAX, f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	replayed++;
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int replay_dir(const char *dir)
{
	struct dirent **names;
	char path[4096];
	struct stat st;
	int n, rc = 0;

	n = scandir(dir, &names, NULL, by_name);
	if (n < 0) {
		fprintf(stderr, "replay: cannot list %s\n", dir);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && replay_file(path) != 0)
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	struct stat st;
	int rc = 0;

	LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: no such file %s\n", argv[i]);
			rc = 1;
		} else if (S_ISDIR(st.st_mode) ? replay_dir(argv[i]) != 0
					       : replay_file(argv[i]) != 0) {
			rc = 1;
		}
	}
	printf("replayed %u inputs\n", replayed);
	return replayed == 0 ? 1 : rc;
}
