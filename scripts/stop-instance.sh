#!/bin/sh
# Stops a private server instance started by freeradius-start.sh or
# slapd-start.sh DIR (and its --watch watcher): the server in DIR/server.pid
# gets SIGTERM (and SIGCONT, should it be paused), up to ~3 s for a clean exit (slapd flushes its database),
# then SIGKILL. Idempotent.
#
#   stop-instance.sh DIR
set -u
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
dir=$(cd "$1" 2>/dev/null && pwd) || exit 0

# True while pid is this instance's server (its command line names DIR). A
# zombie that its parent has not reaped yet has an empty command line, so it
# counts as gone (kill -0 would wait on it for seconds).
is_ours() {
	grep -qF -- "$dir" "/proc/$1/cmdline" 2>/dev/null
}

stop_pid() {
	pid=$1
	is_ours "$pid" || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	kill -CONT "$pid" 2>/dev/null	# a paused one (SIGSTOP) acts on it now
	i=0
	while [ $i -lt 60 ] && is_ours "$pid"; do
		sleep 0.05
		i=$((i + 1))
	done
	if is_ours "$pid"; then
		kill -KILL "$pid" 2>/dev/null || true
	fi
}

if [ -f "$dir/server.pid" ]; then
	stop_pid "$(cat "$dir/server.pid")"
	rm -f "$dir/server.pid"
fi
if [ -f "$dir/watch.pid" ]; then
	# The start script's watcher (--watch): its subshell then exits.
	kill -TERM "$(cat "$dir/watch.pid")" 2>/dev/null || true
	rm -f "$dir/watch.pid"
fi
exit 0
