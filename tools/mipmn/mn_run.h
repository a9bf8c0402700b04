/* SPDX-License-Identifier: BSD-3-Clause */
/* `mipmn run` and `mipmn load` (see docs/mipmn.md). */
#ifndef MIPMN_RUN_H
#define MIPMN_RUN_H

#include <stdint.h>

/* Exit codes of `mipmn run` (the state machine's are in MIPMN_FAILS). */
#define MIPMN_EXIT_OK 0		/* clean deregistration (or stopped with nothing bound) */
#define MIPMN_EXIT_SYSTEM 1	/* socket, signal or internal failure */
#define MIPMN_EXIT_USAGE 2	/* bad option or configuration */
/* 3 denied, 4 no reply, 5 deregistration not confirmed: enum mipmn_fail */
#define MIPMN_EXIT_TUNNEL 6	/* the kernel tunnel could not be set up */
/* `mipmn load`: 0 when every Mobile Node did all it was asked, else this. */
#define MIPMN_EXIT_LOAD_INCOMPLETE 7

/* argv[0] is "run" / "load". Return the process exit code. */
int mipmn_run_main(int argc, char **argv);
int mipmn_load_main(int argc, char **argv);

/* CLOCK_MONOTONIC in ms. */
uint64_t mipmn_mono_ms(void);

#endif
