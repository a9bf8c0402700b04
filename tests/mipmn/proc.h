/* SPDX-License-Identifier: BSD-3-Clause */
/* Running $MIPMN from a test: spawn with pipes, read lines with a deadline, reap. */
#ifndef MIPMN_PROC_H
#define MIPMN_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define PROC_OUT_MAX 65536

struct proc {
	pid_t pid;
	int out_fd, err_fd;
	char out[PROC_OUT_MAX];
	size_t out_len;
	char err[PROC_OUT_MAX];
	size_t err_len;
	size_t line_pos;	/* where proc_next_line continues */
	int status;		/* exit code, or 128 + signal; -1 while running */
};

/* $MIPMN (or the build tree's) */
const char *proc_mipmn(void);
/* Spawns argv[0] with argv; 0 or -errno. */
int proc_spawn(struct proc *p, char *const argv[]);
/* Reads what is available within ms. */
void proc_drain(struct proc *p, int ms);
/* Waits until stdout holds a line containing needle (ms bound); true if found. */
bool proc_wait_for(struct proc *p, const char *needle, int ms);
/* Waits for exit (ms bound, then SIGKILL); returns the exit code (128+sig when killed). */
int proc_wait(struct proc *p, int ms);
void proc_kill(struct proc *p, int sig);
/* Counts lines of stdout containing needle. */
int proc_count(const struct proc *p, const char *needle);
/* Writes s to a new temp file; returns its path (static buffer per slot 0..3). */
const char *proc_temp_file(int slot, const char *s);

#endif
