#!/bin/sh
# Stops an instance started by freeradius-start.sh DIR (and its watcher). Idempotent.
exec "$(dirname "$0")/stop-instance.sh" "$@"
