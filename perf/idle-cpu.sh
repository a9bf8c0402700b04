#!/usr/bin/env bash
# perf/idle-cpu.sh BUILD [SECONDS]: the CPU mipha takes while idle: the e2e
# topology (tests/e2e/topo.sh: net_pcap on veths, the default [lcores] idle
# policy), no traffic, its user+system time from /proc over SECONDS (10).
# Needs root. Prints one line.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$1; secs=${2:-10}
TOPO_PREFIX=idl$$
. "$root/tests/e2e/topo.sh"
work=$(mktemp -d)
pid=
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null; sleep 1; topo_down; rm -rf "$work" /var/run/dpdk/${TOPO_PREFIX}ha' EXIT
topo_up
topo_mipha_conf >"$work/mipha.ini"
# shellcheck disable=SC2046  # EAL arguments, split on purpose
ip netns exec "$NS_HA" "$root/$build/pipelines/mipha" $(topo_mipha_eal) -- --config "$work/mipha.ini" >"$work/log" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q '^mipha: running' "$work/log" && break; sleep 0.2; done
sleep 2
hz=$(getconf CLK_TCK)
cpu() { awk -v hz="$hz" '{ sub(/^.*\) /, ""); printf "%.3f", ($12 + $13) / hz }' "/proc/$pid/stat"; }
c0=$(cpu); sleep "$secs"; c1=$(cpu)
echo "$build: mipha idle CPU $(awk -v a="$c0" -v b="$c1" -v s="$secs" 'BEGIN{printf "%.1f%%", (b-a)/s*100}') of one core over $secs s"
