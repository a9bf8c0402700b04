/* SPDX-License-Identifier: BSD-3-Clause */
/* mipmn: the Mobile Node. Dispatches to its subcommands. */
#include <stdio.h>
#include <string.h>

#include "build_cmd.h"
#include "mn_run.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: mipmn build {initial|check-reply|rereg|rekey} [options]\n"
		   "       mipmn run --nai NAI --password-file PATH --home-agent A --home-address A\n"
		   "                 --care-of A [options]\n"
		   "       mipmn load --home-agent A --password-file PATH --count N [options]\n"
		   "       mipmn {build|run|load} --help\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "build") == 0)
		return mipmn_build_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "run") == 0)
		return mipmn_run_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "load") == 0)
		return mipmn_load_main(argc - 1, argv + 1);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "mipmn: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
