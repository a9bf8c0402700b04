#!/bin/sh
# Stops an instance started by slapd-start.sh DIR (and its watcher).
# Waits up to ~3 s for a clean exit (slapd flushes its database), then
# SIGKILL. Idempotent.
set -u
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
dir=$(cd "$1" 2>/dev/null && pwd) || exit 0

# Still running: a zombie has exited (its cmdline is empty), whenever the
# init that adopted it gets round to reaping it (here up to ~2 s later).
running() {
	grep -qF -- "$dir" "/proc/$1/cmdline" 2>/dev/null
}

stop_pid() {
	pid=$1
	# Only a process that is this instance's (its command line names DIR).
	running "$pid" || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	i=0
	while [ $i -lt 60 ] && running "$pid"; do
		sleep 0.05
		i=$((i + 1))
	done
	if running "$pid"; then
		kill -KILL "$pid" 2>/dev/null || true
	fi
}

if [ -f "$dir/server.pid" ]; then
	stop_pid "$(cat "$dir/server.pid")"
	rm -f "$dir/server.pid"
fi
if [ -f "$dir/watch.pid" ]; then
	# The watcher's tail (slapd-start.sh --watch): its subshell then exits.
	kill -TERM "$(cat "$dir/watch.pid")" 2>/dev/null || true
	rm -f "$dir/watch.pid"
fi
exit 0
