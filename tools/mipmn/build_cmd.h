/* SPDX-License-Identifier: BSD-3-Clause */
/* `mipmn build ...`: the deterministic packet builder (see docs/mipmn.md). */
#ifndef MIPMN_BUILD_CMD_H
#define MIPMN_BUILD_CMD_H

/* argv[0] is "build". Returns the process exit code. */
int mipmn_build_main(int argc, char **argv);

#endif
