#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The AAA benchmark (issue 5's performance figure, issue 7's slot): initial
# registrations per second through mipha and FreeRADIUS (MS-CHAPv2), beside
# bare clients doing the same exchanges against the same FreeRADIUS in the
# same run. See perf/aaa/RESULTS-aaa.md.
#
#   perf/aaa/run-aaa.sh [--build DIR] [--bare-dir DIR] [--count N] [--window W]
#                       [--threads T] [--runs R] [--duration S] [--idle-sleep-us U]
#                       [--lcores KEY=VALUE]... [--raw DIR] [--no-raw] [--keep]
#                       [--profile FILE] [--pause-ha] [--syscalls] [--pin]
#
# One FreeRADIUS instance and one mipha (the e2e topology of tests/e2e/topo.sh,
# its own namespaces) for the whole run; then R rounds, each:
#   mipha      `mipmn load` in the MN's namespace: N MNs, new NAIs each round,
#              home addresses from the pool, W initial registrations
#              outstanding, through the router namespace to mipha (net_pcap on
#              veths), its AAA client, FreeRADIUS; the MN verifies each reply.
#   bare_aaa   the same N NAIs' Access-Requests from control/aaa's client,
#              W in flight, in the HA's namespace to the same FreeRADIUS.
#   bare_radcli the same through libradcli (blocking), T threads.
# (the order rotates from round to round). mipha's rate limits are off
# (rate_nai = rate_src = 0): a benchmark from one source address would
# otherwise measure the limiter. Prints each figure, min/median and the
# ratios; writes aaa-w<window>r<round>.jsonl ("bench":"aaa", perf/report.py's fields)
# into --raw (default perf/results/raw; perf/run empties that directory when it
# starts: run this after it, then perf/report.py). --profile FILE records
# mipha with `perf record` during round 1's mipha phase (where its lcores
# spend their time). mipha stays up, idle, while the bare clients run (its
# idle polling is on the CPU in every phase; the idle CPU it used is printed);
# --pause-ha stops it (SIGSTOP) for the bare phases instead. --lcores adds a
# key to mipha's [lcores] section (idle_polls, idle_poll_us, idle_sleep_max_us;
# docs/config.md); repeat it for several. --syscalls counts mipha's system
# calls and context switches per thread during each mipha phase (perf stat)
# and prints them per registration. --pin gives FreeRADIUS CPU 1 alone and
# puts everything else on CPU 0 (mipha's two lcores, mipmn, the bare
# clients): the AAA server does not share its core with the HA, as in a
# deployment where it runs on its own machine; without it every process
# shares both CPUs. Needs root.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
args="$*"
root=$(cd "$here/../.." && pwd)
build=$root/build-perf
bare_dir=
count=4000
window=64
threads=8
runs=5
duration=60
idle_sleep=50
raw=$root/perf/results/raw
write_raw=1
keep=0
profile=
pause_ha=0
pin=0
lcores_extra=
syscalls=0

while [ $# -gt 0 ]; do
	case "$1" in
	--build) build=$2; shift ;;
	--bare-dir) bare_dir=$2; shift ;;
	--count) count=$2; shift ;;
	--window) window=$2; shift ;;
	--threads) threads=$2; shift ;;
	--runs) runs=$2; shift ;;
	--duration) duration=$2; shift ;;
	--idle-sleep-us) idle_sleep=$2; shift ;;
	--raw) raw=$2; shift ;;
	--no-raw) write_raw=0 ;;
	--keep) keep=1 ;;
	--profile) profile=$2; shift ;;
	--pause-ha) pause_ha=1 ;;
	--pin) pin=1 ;;
	--syscalls) syscalls=1 ;;
	--lcores)
		case $2 in [a-z_]*=[0-9]*) ;; *) echo "run-aaa.sh: --lcores wants KEY=NUMBER" >&2; exit 2 ;; esac
		lcores_extra+="${2%%=*} = ${2#*=}"$'\n'; shift ;;
	-h|--help) sed -n '3,41p' "$0"; exit 0 ;;
	*) echo "run-aaa.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
for v in count window threads runs duration idle_sleep; do
	case ${!v} in ''|*[!0-9]*) echo "run-aaa.sh: --${v//_/-} wants a number" >&2; exit 2 ;; esac
done
[ "$count" -ge 1 ] && [ "$runs" -ge 1 ] && [ $((count * runs)) -le 60000 ] ||
	{ echo "run-aaa.sh: 1 <= count, 1 <= runs, count x runs <= 60000 (the home pool)" >&2; exit 2; }
bare_dir=${bare_dir:-$build/perf/aaa}
MIPHA=$build/pipelines/mipha
MIPMN=$build/tools/mipmn/mipmn
BARE_AAA=$bare_dir/bare_aaa
BARE_RADCLI=$bare_dir/bare_radcli
PY=/usr/bin/python3
say() { echo "run-aaa: $*" >&2; }

[ "$(id -u)" = 0 ] || { say "needs root (network namespaces)"; exit 1; }
for b in "$MIPHA" "$MIPMN" "$BARE_AAA" "$BARE_RADCLI"; do
	[ -x "$b" ] || { say "missing $b (build it: ninja -C $build pipelines/mipha tools/mipmn/mipmn perf/aaa/bare_aaa perf/aaa/bare_radcli)"; exit 1; }
done
command -v jq >/dev/null || { say "needs jq"; exit 1; }

# --- topology (tests/e2e/topo.sh, our own names) ----------------------------
TOPO_PREFIX=aab$$
# shellcheck source=../../tests/e2e/topo.sh
. "$root/tests/e2e/topo.sh"
# A /16 home network: room for count x runs MNs in the pool.
HOME_PREFIX=10.1.0.0/16
POOL="10.1.1.1-10.1.250.254"
RADIUS_PORT=18812

work=$(mktemp -d /tmp/aaa-bench.XXXXXX)
mipha_pid=
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	set +e
	if [ -n "$mipha_pid" ]; then
		kill -CONT "$mipha_pid" 2>/dev/null	# --pause-ha
		kill "$mipha_pid" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$mipha_pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$mipha_pid" 2>/dev/null
	fi
	"$root/scripts/freeradius-stop.sh" "$work/radius" >/dev/null 2>&1
	topo_down
	rm -rf "/var/run/dpdk/${TOPO_PREFIX}ha"
	if [ "$keep" = 1 ] || [ "$rc" != 0 ]; then say "work directory kept: $work"; else rm -rf "$work"; fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
say "load average before: $load_before; work directory $work"
topo_up

(umask 077
 od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$work/radius.secret"
 printf 'loadPass\n' >"$work/password"
 for ((i = 0; i < count * runs; i++)); do
	printf 'mn%d@example.net\tCleartext-Password := "loadPass"\n' "$i"
 done >"$work/users")

ip netns exec "$NS_HA" "$root/scripts/freeradius-start.sh" "$work/radius" "$RADIUS_PORT" \
	--secret-file "$work/radius.secret" --users "$work/users" --watch $$ \
	>"$work/radius-start.log" 2>&1 || { say "FreeRADIUS did not start"; cat "$work/radius-start.log" >&2; exit 1; }
radius_pid=$(tail -n 1 "$work/radius-start.log")
# on_cpu0 CMD...: runs CMD on CPU 0 with --pin, as is without.
on_cpu0() { if [ "$pin" = 1 ]; then taskset -c 0 "$@"; else "$@"; fi; }
if [ "$pin" = 1 ]; then
	taskset -a -p -c 1 "$radius_pid" >"$work/taskset.log"
	cat /proc/"$radius_pid"/task/*/status | grep Cpus_allowed_list | sort | uniq -c >>"$work/taskset.log"
	say "pinned: FreeRADIUS on CPU 1; mipha, mipmn and the bare clients on CPU 0"
fi

# mipha: the e2e configuration with a /16, a pool, the AAA server, no rate limits.
TOPO_IDLE_SLEEP_US=$idle_sleep topo_mipha_conf |
	sed "s#^home_prefix = .*#home_prefix = $HOME_PREFIX\nhome_pool = $POOL\nmax_bindings = 65536#" \
	>"$work/mipha.ini"
printf '%s' "$lcores_extra" >>"$work/mipha.ini"	# [lcores] is the last section
cat >>"$work/mipha.ini" <<EOF

[aaa]
server = 127.0.0.1:$RADIUS_PORT
secret_file = $work/radius.secret
timeout_ms = 250
retries = 2
pending_max = 4096
rate_nai = 0
rate_src = 0
EOF
chmod 600 "$work/mipha.ini"
eal=$(topo_mipha_eal)
[ "$pin" = 0 ] || eal=${eal/-l 0-1/--lcores 0@0,1@0}
# shellcheck disable=SC2086
ip netns exec "$NS_HA" "$MIPHA" $eal -- --config "$work/mipha.ini" \
	>"$work/mipha.log" 2>&1 &
mipha_pid=$!
for _ in $(seq 100); do grep -q '^mipha: running' "$work/mipha.log" && break; sleep 0.2; done
grep -q '^mipha: running' "$work/mipha.log" || { say "mipha did not start"; tail "$work/mipha.log" >&2; exit 1; }
say "FreeRADIUS pid $radius_pid, mipha pid $mipha_pid in $NS_HA"

tele() { "$PY" "$root/tools/mipha-telemetry" --prefix "${TOPO_PREFIX}ha" --wait 3 "$@"; }

# CPU seconds (user + system) of a process, or of one of its threads.
cpu_s() { # cpu_s PID [TID]
	local f=/proc/$1/stat
	[ -z "${2:-}" ] || f=/proc/$1/task/$2/stat
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.3f", ($12 + $13) / hz }' "$f"
}
worker_tid() {
	local t
	for t in /proc/"$mipha_pid"/task/*; do
		case $(cat "$t/comm") in lcore-worker-1*) basename "$t"; return ;; esac
	done
}
wtid=$(worker_tid)

# Every counter of /mipha/stats that is a number, flattened to "path value".
stats_flat() {
	tele /mipha/stats | LC_ALL=C jq -r '.["/mipha/stats"] | del(.per_worker) | paths(numbers) as $p |
		"\($p | map(tostring) | join(".")) \(getpath($p))"' | LC_ALL=C sort
}
stats_diff() { # stats_diff BEFORE AFTER: counters that moved
	LC_ALL=C join "$1" "$2" | awk '$3 != $2 { printf "%s %d\n", $1, $3 - $2 }'
}

# --- the rounds ---------------------------------------------------------------

phase_ha() { # phase_ha ROUND FIRST_INDEX
	local r=$1 first=$2 c0 w0 f0 c1 w1 f1
	stats_flat >"$work/stats-$r-before"
	c0=$(cpu_s "$mipha_pid" "$mipha_pid"); w0=$(cpu_s "$mipha_pid" "$wtid"); f0=$(cpu_s "$radius_pid")
	local perf_pid=
	if [ "$syscalls" = 1 ]; then
		perf stat -e task-clock,raw_syscalls:sys_enter,context-switches --per-thread -x, \
			-p "$mipha_pid" -o "$work/syscalls-ha-$r" >/dev/null 2>&1 &
		perf_pid=$!
		sleep 0.1	# attached; the idle 0.1 s is counted too
	elif [ -n "$profile" ] && [ "$r" = 1 ]; then
		perf record -q -F 4999 -g -p "$mipha_pid" -o "$profile" >"$work/perf.log" 2>&1 &
		perf_pid=$!
		sleep 1
	fi
	on_cpu0 ip netns exec "$NS_MN" /usr/bin/time -f '%U %S' -o "$work/time-ha-$r" \
		"$MIPMN" load --home-agent "$HA_ADDR" --password-file "$work/password" \
		--count "$count" --window "$window" --first-index "$first" \
		--nai-pattern 'mn%d@example.net' --lifetime 3600 --duration "$duration" --json \
		>"$work/ha-$r.out" 2>"$work/ha-$r.err" || true
	if [ -n "$perf_pid" ]; then kill -INT "$perf_pid"; wait "$perf_pid" || true; fi
	c1=$(cpu_s "$mipha_pid" "$mipha_pid"); w1=$(cpu_s "$mipha_pid" "$wtid"); f1=$(cpu_s "$radius_pid")
	stats_flat >"$work/stats-$r-after"
	stats_diff "$work/stats-$r-before" "$work/stats-$r-after" >"$work/stats-$r"
	echo "control $(awk -v a="$c0" -v b="$c1" 'BEGIN{print b-a}') worker $(awk -v a="$w0" -v b="$w1" 'BEGIN{print b-a}') freeradius $(awk -v a="$f0" -v b="$f1" 'BEGIN{print b-a}') client $(awk '{print $1+$2}' "$work/time-ha-$r")" >"$work/cpu-ha-$r"
	grep '"load_report"' "$work/ha-$r.out" | tail -n 1 >"$work/report-ha-$r"
}

phase_bare() { # phase_bare NAME ROUND FIRST_INDEX ARGS...
	local name=$1 r=$2 first=$3 bin f0 f1 m0 m1
	shift 3
	if [ "$name" = aaa ]; then bin=$BARE_AAA; else bin=$BARE_RADCLI; fi
	m0=$(cpu_s "$mipha_pid")
	[ "$pause_ha" = 0 ] || kill -STOP "$mipha_pid"
	f0=$(cpu_s "$radius_pid")
	on_cpu0 ip netns exec "$NS_HA" /usr/bin/time -f '%U %S' -o "$work/time-$name-$r" \
		"$bin" --server "127.0.0.1:$RADIUS_PORT" --secret-file "$work/radius.secret" \
		--password-file "$work/password" --count "$count" --first-index "$first" \
		--nai-pattern 'mn%d@example.net' --nas-id ha-e2e --duration "$duration" "$@" \
		>"$work/$name-$r.out" 2>"$work/$name-$r.err" || true
	f1=$(cpu_s "$radius_pid")
	[ "$pause_ha" = 0 ] || kill -CONT "$mipha_pid"
	m1=$(cpu_s "$mipha_pid")
	echo "freeradius $(awk -v a="$f0" -v b="$f1" 'BEGIN{print b-a}') client $(awk '{print $1+$2}' "$work/time-$name-$r") mipha_idle $(awk -v a="$m0" -v b="$m1" 'BEGIN{print b-a}')" >"$work/cpu-$name-$r"
	grep '"load_report"' "$work/$name-$r.out" | tail -n 1 >"$work/report-$name-$r"
}

rate() { jq -r '.registrations_per_s // 0' "$1" 2>/dev/null || echo 0; }
complete() { # every MN registered and verified?
	[ "$(jq -r '.registered // 0' "$1" 2>/dev/null)" = "$count" ]
}

echo "$0 $args" >"$work/command"
for ((r = 1; r <= runs; r++)); do
	first=$(((r - 1) * count))
	# rotate the order so that neither side always runs first (page cache,
	# FreeRADIUS's thread pool growing, other tenants' bursts)
	case $((r % 3)) in
	1) order="ha aaa radcli" ;;
	2) order="aaa radcli ha" ;;
	0) order="radcli ha aaa" ;;
	esac
	for p in $order; do
		case $p in
		ha) phase_ha "$r" "$first" ;;
		aaa) phase_bare aaa "$r" "$first" --window "$window" ;;
		radcli) phase_bare radcli "$r" "$first" --threads "$threads" ;;
		esac
		sleep 1
	done
	say "round $r/$runs ($order): mipha $(rate "$work/report-ha-$r")/s," \
		"bare_aaa $(rate "$work/report-aaa-$r")/s, bare_radcli $(rate "$work/report-radcli-$r")/s;" \
		"load $(cut -d' ' -f1-3 /proc/loadavg)"
	for p in ha aaa radcli; do
		complete "$work/report-$p-$r" ||
			say "  round $r $p: not every registration completed: $(jq -c '{registered, failed, incomplete, denied, failures, rejects, timeouts}' "$work/report-$p-$r" 2>/dev/null)"
	done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# --- summary and raw lines ----------------------------------------------------

tsc_hz=
if [ -f "$raw/auth-1.jsonl" ]; then
	tsc_hz=$(head -n 1 "$raw/auth-1.jsonl" | jq -r '.tsc_hz // empty' 2>/dev/null || true)
fi
if [ -z "$tsc_hz" ]; then
	tsc_hz=$(awk '/cpu MHz/ { printf "%d", $4 * 1000000; exit }' /proc/cpuinfo)
fi
"$PY" - "$work" "$count" "$window" "$threads" "$runs" "$tsc_hz" "$load_before" "$load_after" \
	"$write_raw" "$raw" "$pause_ha" <<'PY'
import json, os, statistics, sys
work, count, window, threads, runs, tsc_hz = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
    int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
load_before, load_after, write_raw, raw = sys.argv[7], sys.argv[8], sys.argv[9] == "1", sys.argv[10]
pause_ha = sys.argv[11]

def rep(name, r):
    try:
        with open(os.path.join(work, "report-%s-%d" % (name, r))) as f:
            return json.loads(f.read())
    except (OSError, ValueError):
        return {}

def cpu(name, r):
    try:
        w = open(os.path.join(work, "cpu-%s-%d" % (name, r))).read().split()
        return {w[i]: float(w[i + 1]) for i in range(0, len(w), 2)}
    except (OSError, ValueError, IndexError):
        return {}

rounds = []
for r in range(1, runs + 1):
    d = {n: rep(n, r) for n in ("ha", "aaa", "radcli")}
    rounds.append(d)
fixed = "count=%d window=%d radcli_threads=%d rate_limits=off" % (count, window, threads)
if pause_ha == "1":
    fixed += " mipha_stopped_in_bare_phases"
names = {"ha": "mipha_freeradius", "aaa": "bare_aaa", "radcli": "bare_radcli"}
print("\n%-18s %s" % ("round", "  ".join("%12s" % names[n] for n in ("ha", "aaa", "radcli"))) +
      "   ha/aaa  ha/radcli")
ratios_aaa, ratios_rad = [], []
for i, d in enumerate(rounds, 1):
    v = {n: d[n].get("registrations_per_s", 0.0) for n in d}
    ok = {n: d[n].get("registered") == count for n in d}
    ra = v["ha"] / v["aaa"] if v["aaa"] else 0
    rr = v["ha"] / v["radcli"] if v["radcli"] else 0
    ratios_aaa.append(ra)
    ratios_rad.append(rr)
    print("%-18d %s   %6.3f  %6.3f" % (i, "  ".join(
        "%12.0f%s" % (v[n], "" if ok[n] else "!") for n in ("ha", "aaa", "radcli")), ra, rr))
vals = {n: [d[n].get("registrations_per_s", 0.0) for d in rounds] for n in ("ha", "aaa", "radcli")}
allok = {n: all(d[n].get("registered") == count for d in rounds) for n in ("ha", "aaa", "radcli")}
print("%-18s %s   %6.3f  %6.3f" % ("min", "  ".join("%12.0f " % min(vals[n]) for n in vals),
                                    min(ratios_aaa), min(ratios_rad)))
print("%-18s %s   %6.3f  %6.3f" % ("median", "  ".join("%12.0f " % statistics.median(vals[n])
                                                       for n in vals),
                                    statistics.median(ratios_aaa), statistics.median(ratios_rad)))
print("(! = not every registration completed; ratios are per round, same FreeRADIUS)")
print("load average before %s, after %s" % (load_before, load_after))
# CPU seconds per registration, median over rounds
def per_reg(name, key):
    xs = []
    for r in range(1, runs + 1):
        c = cpu(name, r).get(key)
        n = rep(name, r).get("registered", 0)
        if c is not None and n:
            xs.append(c / n * 1e6)
    return statistics.median(xs) if xs else None
print("\nCPU microseconds per registration (median over rounds; mipha's lcores include polling):")
for name, keys in (("ha", ("control", "worker", "freeradius", "client")),
                   ("aaa", ("freeradius", "client", "mipha_idle")),
                   ("radcli", ("freeradius", "client", "mipha_idle"))):
    print("  %-18s %s" % (names[name] + ("" if name == "ha" or pause_ha == "0" else " (mipha stopped)"), "  ".join(
        "%s %s" % (k, "%.1f" % per_reg(name, k) if per_reg(name, k) is not None else "-")
        for k in keys)))
lat = {n: statistics.median([d[n].get("latency_ms", {}).get("p50", 0) for d in rounds])
       for n in ("ha", "aaa", "radcli")}
print("latency p50 ms (median over rounds): " +
      ", ".join("%s %.2f" % (names[n], lat[n]) for n in lat))

if write_raw:
    os.makedirs(raw, exist_ok=True)
    for name in os.listdir(raw):  # this window's lines of an earlier run
        if name.startswith("aaa-w%dr" % window) and name.endswith(".jsonl"):
            os.remove(os.path.join(raw, name))
    def line(case, r, value, base_name, base, note, ok):
        return {"bench": "aaa", "case": case, "unit": "registrations/s", "x_name": "window",
                "x": window, "fixed": fixed, "reps": 1, "min": value, "median": value,
                "baseline": base_name, "baseline_min": base, "baseline_median": base,
                "ratio_median": (value / base) if base else None,
                "ratio_min": (value / base) if base else None,
                "tsc_hz": tsc_hz, "hugepages": False, "ok": ok, "note": note}
    for i, d in enumerate(rounds, 1):
        v = {n: float(d[n].get("registrations_per_s", 0.0)) for n in d}
        ok = {n: d[n].get("registered") == count for n in d}
        load = "load %s -> %s" % (load_before, load_after)
        out = [
            line("mipha_freeradius", i, v["ha"], "bare_aaa", v["aaa"] or None,
                 "initial registrations/s: mipmn load -> router ns -> mipha (net_pcap) -> "
                 "FreeRADIUS MS-CHAPv2 -> RRP verified by the MN; baseline: control/aaa "
                 "client, same NAIs, same FreeRADIUS, same round; target >= 0.8; " + load,
                 ok["ha"] and ok["aaa"]),
            line("mipha_freeradius_vs_radcli", i, v["ha"], "bare_radcli", v["radcli"] or None,
                 "the same mipha figure against a bare libradcli 1.2.11 client (blocking "
                 "rc_aaa_ctx, %d threads; Message-Authenticator added and replies verified "
                 "by interposed sendto/recvfrom); %s" % (threads, load),
                 ok["ha"] and ok["radcli"]),
            line("bare_aaa", i, v["aaa"], None, None,
                 "control/aaa client alone, %d in flight, NT-Response from the password, "
                 "MS-CHAP2-Success checked" % window, ok["aaa"]),
            line("bare_radcli", i, v["radcli"], None, None,
                 "libradcli 1.2.11 rc_aaa_ctx, %d blocking threads, MS-MPPE-Recv-Key "
                 "decrypted, MS-CHAP2-Success checked" % threads, ok["radcli"]),
        ]
        for o in out:
            if o["baseline_median"] is None:
                o["ratio_median"] = o["ratio_min"] = None
        with open(os.path.join(raw, "aaa-w%dr%d.jsonl" % (window, i)), "w") as f:
            for o in out:
                f.write(json.dumps(o) + "\n")
    print("\nraw lines: %s/aaa-w%dr{1..%d}.jsonl" % (raw, window, runs))
PY
if [ "$syscalls" = 1 ]; then
	echo "per registration, mipha phase, per thread (perf stat; mipha = control lcore):"
	for ((r = 1; r <= runs; r++)); do
		n=$(jq -r '.registered // 0' "$work/report-ha-$r" 2>/dev/null || echo 0)
		[ "$n" -gt 0 ] 2>/dev/null || continue
		# task-clock: msec on the CPU (exact, unlike /proc's 10 ms ticks)
		awk -F, -v n="$n" -v r="$r" '$1 ~ /-[0-9]+$/ && $2 ~ /^[0-9.]+$/ && $2 > 0 {
			if ($4 == "task-clock") t[$1] = t[$1] sprintf(" cpu_us %.1f", $2 * 1000 / n)
			else t[$1] = t[$1] sprintf(" %s %.2f", $4, $2 / n) }
			END { for (k in t) printf "  round %d %s:%s\n", r, k, t[k] }' "$work/syscalls-ha-$r" |
			sed 's/raw_syscalls:sys_enter/syscalls/; s/context-switches/ctx_switches/' | sort
	done
fi
if [ "$write_raw" = 1 ]; then
	echo "$0 $args" >>"$raw/commands.txt"
fi
say "per-round telemetry deltas and logs in $work (--keep keeps them)"
