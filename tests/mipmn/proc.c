/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"

const char *proc_mipmn(void)
{
	const char *m = getenv("MIPMN");

	return m != NULL ? m : "./tools/mipmn/mipmn";
}

int proc_spawn(struct proc *p, char *const argv[])
{
	int out[2], err[2];

	memset(p, 0, sizeof(*p));
	p->status = -1;
	if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0)
		return -errno;
	p->pid = fork();
	if (p->pid < 0)
		return -errno;
	if (p->pid == 0) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		execv(argv[0], argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	p->out_fd = out[0];
	p->err_fd = err[0];
	fcntl(p->out_fd, F_SETFL, O_NONBLOCK);
	fcntl(p->err_fd, F_SETFL, O_NONBLOCK);
	return 0;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void read_some(int fd, char *buf, size_t *len)
{
	ssize_t n;

	while (fd >= 0 && *len + 1 < PROC_OUT_MAX &&
	       (n = read(fd, buf + *len, PROC_OUT_MAX - 1 - *len)) > 0)
		*len += (size_t)n;
	buf[*len] = '\0';
}

void proc_drain(struct proc *p, int ms)
{
	struct pollfd pfd[2] = { { .fd = p->out_fd, .events = POLLIN },
				 { .fd = p->err_fd, .events = POLLIN } };

	poll(pfd, 2, ms);
	read_some(p->out_fd, p->out, &p->out_len);
	read_some(p->err_fd, p->err, &p->err_len);
}

bool proc_wait_for(struct proc *p, const char *needle, int ms)
{
	long end = now_ms() + ms;

	for (;;) {
		read_some(p->out_fd, p->out, &p->out_len);
		if (strstr(p->out, needle) != NULL)
			return true;
		if (now_ms() >= end)
			return false;
		proc_drain(p, 20);
	}
}

int proc_wait(struct proc *p, int ms)
{
	long end = now_ms() + ms;
	int st;

	for (;;) {
		pid_t r = waitpid(p->pid, &st, WNOHANG);

		proc_drain(p, 10);
		if (r == p->pid)
			break;
		if (now_ms() >= end) {
			kill(p->pid, SIGKILL);
			waitpid(p->pid, &st, 0);
			break;
		}
	}
	proc_drain(p, 0);
	close(p->out_fd);
	close(p->err_fd);
	p->out_fd = p->err_fd = -1;
	p->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return p->status;
}

void proc_kill(struct proc *p, int sig)
{
	kill(p->pid, sig);
}

int proc_count(const struct proc *p, const char *needle)
{
	int n = 0;
	const char *s = p->out;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return n;
}

const char *proc_temp_file(int slot, const char *s)
{
	static char paths[4][64];
	int fd;

	snprintf(paths[slot], sizeof(paths[slot]), "/tmp/mipmn-test-XXXXXX");
	fd = mkstemp(paths[slot]);
	if (fd < 0)
		return NULL;
	if (write(fd, s, strlen(s)) < 0) {
		close(fd);
		return NULL;
	}
	close(fd);
	return paths[slot];
}
