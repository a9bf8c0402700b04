# shellcheck shell=bash
# The e2e harness: sourced by every scenario (tests/e2e/s_*.sh) and by
# scripts/demo.sh. It builds the topology of topo.sh, starts and stops
# FreeRADIUS, mipha, mipmn and packet captures in it, reads mipha's telemetry,
# checks the captures with tshark, and removes everything it started when the
# script exits, whatever the reason (trap on EXIT, INT, TERM).
#
# Exit codes follow meson: 0 pass, 1 fail, 77 skip (with the reason printed).
#
# Environment (set by tests/meson.build; defaults for a hand run from the
# source tree): MIP_SOURCE_ROOT, MIP_BUILD_ROOT, MIPMN, PYTHON. E2E_KEEP=1
# keeps the work directory (logs, captures, configs) even when the test passes.

set -u
set -o pipefail

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_SRC=${MIP_SOURCE_ROOT:-$(cd "$E2E_DIR/../.." && pwd)}
E2E_BUILD=${MIP_BUILD_ROOT:-$E2E_SRC/build}
MIPMN=${MIPMN:-$E2E_BUILD/tools/mipmn/mipmn}
MIPHA=${MIPHA:-$E2E_BUILD/pipelines/mipha}
PORT_WIRE=${PORT_WIRE:-$E2E_BUILD/tests/e2e/port_wire}
PY=${PYTHON:-/usr/bin/python3}
E2E_NAME=${E2E_NAME:-$(basename "$0" .sh)$([ "${TOPO_PORTS:-pcap}" = pcap ] || echo "-$TOPO_PORTS")}
TOPO_PREFIX=${TOPO_PREFIX:-e2e$$}
# shellcheck source=topo.sh
. "$E2E_DIR/topo.sh"

E2E_T0=$(date +%s.%N)
E2E_WORK=
E2E_PIDS=()		# background processes to stop, in order, at exit
E2E_CAPS=()		# "pid:file" of running captures
E2E_PCAPS=()		# every capture file of this run
E2E_RADIUS_DIRS=()
E2E_MIPHA_PID=
E2E_DYNKEY=0
E2E_SECRET_FILE=
E2E_PASSWORD=clientPass
E2E_NAI=mnuser@example.net
E2E_RADIUS_PORT=18812
E2E_RADIUS_PORT2=18813
# The users file the FreeRADIUS instances get on top of config/freeradius/users.
E2E_LOAD_PASSWORD=loadPass
E2E_LOAD_COUNT=${E2E_LOAD_COUNT:-200}
# E2E_TIME_SCALE=N (a whole number, default 1) stretches what the harness
# waits for by N: wait_for, mn_wait, e2e_wait_pid, telemetry, and mipha's AAA
# timeout (timeout_ms of e2e_mipha_conf). scripts/valgrind.sh sets it, since
# mipha under memcheck answers many times slower; the assertions stay the same.
E2E_TIME_SCALE=${E2E_TIME_SCALE:-1}
case "$E2E_TIME_SCALE" in '' | *[!0-9]* | 0) E2E_TIME_SCALE=1 ;; esac

# --- output and assertions --------------------------------------------------

e2e_elapsed() {
	awk -v a="$E2E_T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%5.1f", b - a }'
}

say() {
	printf '[%s +%ss] %s\n' "$E2E_NAME" "$(e2e_elapsed)" "$*"
}

fail() {
	say "FAIL: $*" >&2
	e2e_dump_logs >&2
	exit 1
}

skip() {
	say "SKIP: $*"
	exit 77
}

# check DESCRIPTION COMMAND...: runs COMMAND; fails the test when it fails.
check() {
	local what=$1
	shift
	if "$@"; then
		say "ok: $what"
	else
		fail "$what"
	fi
}

# eq DESCRIPTION GOT WANT
eq() {
	if [ "$2" = "$3" ]; then
		say "ok: $1 ($2)"
	else
		fail "$1: got '$2', want '$3'"
	fi
}

# ge DESCRIPTION GOT MIN
ge() {
	if [ -n "$2" ] && [ "$2" -ge "$3" ] 2>/dev/null; then
		say "ok: $1 ($2 >= $3)"
	else
		fail "$1: got '$2', want >= $3"
	fi
}

# lt DESCRIPTION GOT LIMIT
lt() {
	if [ -n "$2" ] && [ "$2" -lt "$3" ] 2>/dev/null; then
		say "ok: $1 ($2 < $3)"
	else
		fail "$1: got '$2', want < $3"
	fi
}

# wait_for SECONDS COMMAND...: polls COMMAND every 0.2 s until it succeeds.
wait_for() {
	local n=$(($1 * 5 * E2E_TIME_SCALE))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.2
		n=$((n - 1))
	done
	return 1
}

e2e_dump_logs() {
	local f
	[ -n "$E2E_WORK" ] && [ -d "$E2E_WORK" ] || return 0
	for f in "$E2E_WORK"/*.log "$E2E_WORK"/*.out "$E2E_WORK"/*.err; do
		[ -s "$f" ] || continue
		echo "----- tail of $f"
		tail -n 25 "$f"
	done
	for f in "$E2E_WORK"/radius*/log/radius.log; do
		[ -s "$f" ] || continue
		echo "----- tail of $f"
		tail -n 10 "$f"
	done
	if [ -n "$E2E_MIPHA_PID" ]; then
		echo "----- mipha telemetry"
		tele /mipha/stats 2>/dev/null | jq -c '.["/mipha/stats"] |
			{control: (.control | with_entries(select(.value != 0))),
			 total: (.total | with_entries(select(.value != 0)))}' 2>/dev/null
	fi
}

# --- set-up and tear-down ---------------------------------------------------

e2e_require() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces)"
	[ -x "$MIPHA" ] || skip "no mipha binary at $MIPHA (built with -Ddataplane=disabled?)"
	[ -x "$MIPMN" ] || fail "no mipmn at $MIPMN"
	command -v tshark >/dev/null || skip "tshark not installed"
	command -v dumpcap >/dev/null || skip "dumpcap not installed"
	command -v jq >/dev/null || skip "jq not installed"
	ip netns list >/dev/null 2>&1 || skip "no network namespace support"
}

e2e_cleanup() {
	local rc=$? p i
	trap - EXIT INT TERM
	set +e
	# Mobile Nodes first (they deregister on SIGTERM), then mipha, captures
	# last so that they hold everything.
	for ((i = ${#E2E_PIDS[@]} - 1; i >= 0; i--)); do
		kill "${E2E_PIDS[$i]}" 2>/dev/null
	done
	for p in "${E2E_PIDS[@]}"; do
		e2e_wait_pid "$p" 3 || kill -9 "$p" 2>/dev/null
	done
	e2e_mipha_stop
	for p in "${E2E_RADIUS_DIRS[@]}"; do
		"$E2E_SRC/scripts/freeradius-stop.sh" "$p" >/dev/null 2>&1
	done
	e2e_captures_stop
	topo_down
	rm -rf "/var/run/dpdk/${TOPO_PREFIX}ha"
	if [ -n "$E2E_WORK" ] && [ -d "$E2E_WORK" ]; then
		if [ "$rc" -eq 0 ] && [ "${E2E_KEEP:-0}" != 1 ]; then
			rm -rf "$E2E_WORK"
		else
			say "logs and captures kept in $E2E_WORK"
		fi
	fi
	exit "$rc"
}

# e2e_wait_pid PID SECONDS: waits for PID to end; 1 when it did not.
e2e_wait_pid() {
	local n=$(($2 * 10 * E2E_TIME_SCALE))
	while kill -0 "$1" 2>/dev/null && [ "$n" -gt 0 ]; do
		sleep 0.1
		n=$((n - 1))
	done
	! kill -0 "$1" 2>/dev/null
}

# Namespaces of earlier runs whose script is gone (killed with SIGKILL, e.g.
# by a test runner's timeout, so its trap never ran): their processes and
# namespaces are removed. Only names of the form e2e<PID>-{ha,cn,rt,mn}.
e2e_reap_stale() {
	local ns pid pids
	for ns in $(ip netns list 2>/dev/null | awk '{ print $1 }' | grep -E '^e2e[0-9]+-(ha|cn|rt|mn)$'); do
		pid=${ns#e2e}
		pid=${pid%-*}
		kill -0 "$pid" 2>/dev/null && continue
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -z "$pids" ] || kill -9 $pids 2>/dev/null
		ip netns del "$ns" 2>/dev/null
		rm -rf "/var/run/dpdk/e2e${pid}ha"
		say "removed namespace $ns left by a run that was killed"
	done
}

# e2e_setup: the topology, a work directory, the secret, the captures.
e2e_setup() {
	e2e_require
	e2e_reap_stale
	E2E_WORK=$(mktemp -d "/tmp/mip-e2e-$E2E_NAME.XXXXXX")
	trap e2e_cleanup EXIT
	trap 'exit 143' TERM
	trap 'exit 130' INT
	topo_up || fail "topology"
	E2E_SECRET_FILE=$E2E_WORK/radius.secret
	(umask 077; od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$E2E_SECRET_FILE")
	(umask 077; printf '%s\n' "$E2E_PASSWORD" >"$E2E_WORK/password")
	(umask 077; printf '%s\n' "wrong-$E2E_PASSWORD" >"$E2E_WORK/wrong-password")
	(umask 077; printf '%s\n' "$E2E_LOAD_PASSWORD" >"$E2E_WORK/load-password")
	e2e_users >"$E2E_WORK/users"
	# What crosses the uplink (RRQs, RRPs, both tunnels), the home link, and
	# the AAA link (loopback of the HA's namespace).
	e2e_capture "$NS_RT" rt0 uplink
	e2e_capture "$NS_CN" cn0 home
	e2e_capture "$NS_HA" lo aaa
	say "topology $TOPO_PREFIX up, work directory $E2E_WORK"
}

# Test users: mn0@example.net .. mn<COUNT-1>@example.net for mipmn load.
e2e_users() {
	local i
	for ((i = 0; i < E2E_LOAD_COUNT; i++)); do
		printf 'mn%d@example.net\tCleartext-Password := "%s"\n' "$i" "$E2E_LOAD_PASSWORD"
	done
}

# e2e_capture NS IFACE NAME: dumpcap on IFACE in NS into $E2E_WORK/NAME.pcapng.
e2e_capture() {
	local ns=$1 ifc=$2 f=$E2E_WORK/$3.pcapng pid
	ip netns exec "$ns" dumpcap -q -i "$ifc" -w "$f" >"$E2E_WORK/dumpcap-$3.err" 2>&1 &
	pid=$!
	E2E_CAPS+=("$pid:$f")
	E2E_PCAPS+=("$f")
	wait_for 5 test -s "$f" || fail "dumpcap on $ns/$ifc did not start"
	# dumpcap writes its header before the capture is live: a moment more.
	sleep 0.3
}

e2e_captures_stop() {
	local c pid
	[ ${#E2E_CAPS[@]} -gt 0 ] || return 0
	# libpcap hands dumpcap the kernel's ring a block at a time, a block at
	# the latest after dumpcap's read timeout (250 ms): frames of the last
	# moments before a SIGINT would be lost without this pause.
	sleep 0.6
	for c in "${E2E_CAPS[@]}"; do
		pid=${c%%:*}
		kill -INT "$pid" 2>/dev/null
	done
	for c in "${E2E_CAPS[@]}"; do
		pid=${c%%:*}
		e2e_wait_pid "$pid" 3 || kill -9 "$pid" 2>/dev/null
	done
	E2E_CAPS=()
}

# e2e_radius_start N PORT: FreeRADIUS instance N in the HA's namespace.
e2e_radius_start() {
	local dir=$E2E_WORK/radius$1 pid
	ip netns exec "$NS_HA" "$E2E_SRC/scripts/freeradius-start.sh" "$dir" "$2" \
		--secret-file "$E2E_SECRET_FILE" --users "$E2E_WORK/users" --watch $$ \
		>"$E2E_WORK/radius$1-start.log" 2>&1 || fail "FreeRADIUS $1 did not start"
	pid=$(tail -n 1 "$E2E_WORK/radius$1-start.log")
	case " ${E2E_RADIUS_DIRS[*]} " in *" $dir "*) ;; *) E2E_RADIUS_DIRS+=("$dir") ;; esac
	say "FreeRADIUS $1 on 127.0.0.1:$2 in $NS_HA (pid $pid)"
}

# Stopped: its port is closed, so the kernel answers ICMP port unreachable.
e2e_radius_stop() {
	"$E2E_SRC/scripts/freeradius-stop.sh" "$E2E_WORK/radius$1" >/dev/null 2>&1
	say "FreeRADIUS $1 stopped"
}

# Paused (SIGSTOP): its port stays open and nothing answers, as a hung server
# or a lost link does. e2e_radius_stop (or the end of the test) ends it.
e2e_radius_pause() {
	kill -STOP "$(tail -n 1 "$E2E_WORK/radius$1-start.log")" || fail "cannot pause FreeRADIUS $1"
	say "FreeRADIUS $1 paused: nothing answers"
}

# e2e_mipha_conf [dynkey [two] | nai]: the HA's configuration on stdout: the
# static SA of the static scenario always; with "dynkey" the home-address pool
# and the AAA server (with "two", a second one for failover); with "nai" the
# pool and an SA by NAI alone (E2E_STATIC_NAI*). Short AAA timers
# (500 ms, then 1 s for the one retransmission) keep the AAA-down scenarios
# quick.
e2e_mipha_conf() {
	topo_mipha_conf | if [ "${1:-}" = dynkey ] || [ "${1:-}" = nai ]; then
		sed "/^\[port.home\]/i home_pool = $E2E_POOL_FIRST-$E2E_POOL_LAST\n"
	else
		cat
	fi
	cat <<EOF

[sa.static1]
home_address = $E2E_STATIC_HOME
nai = static1@example.net
spi = $E2E_STATIC_SPI
key = $E2E_STATIC_KEY
EOF
	if [ "${1:-}" = nai ]; then
		cat <<EOF

[sa.bynai]
nai = $E2E_STATIC_NAI
spi = $E2E_STATIC_NAI_SPI
key = $E2E_STATIC_NAI_KEY
EOF
	fi
	[ "${1:-}" = dynkey ] || return 0
	cat <<EOF

[aaa]
server = 127.0.0.1:$E2E_RADIUS_PORT
EOF
	[ "${2:-}" != two ] || echo "server.2 = 127.0.0.1:$E2E_RADIUS_PORT2"
	cat <<EOF
secret_file = $E2E_SECRET_FILE
timeout_ms = $((500 * E2E_TIME_SCALE))
retries = 1
EOF
	# More [aaa] keys from the scenario (one per line), e.g. dae_listen.
	[ -z "${E2E_AAA_EXTRA:-}" ] || printf '%s\n' "$E2E_AAA_EXTRA"
}
E2E_POOL_FIRST=10.1.0.20
E2E_POOL_LAST=10.1.0.250
E2E_STATIC_HOME=10.1.0.9
E2E_STATIC_SPI=4097
E2E_STATIC_KEY=000102030405060708090a0b0c0d0e0f
E2E_STATIC_NAI=bynai@example.net
E2E_STATIC_NAI_SPI=5001
E2E_STATIC_NAI_KEY=f0e1d2c3b4a5968778695a4b3c2d1e0f

# e2e_mipha_start [dynkey [two]]: starts mipha in NS_HA with the
# configuration of e2e_mipha_conf, waits until it runs. With "dynkey", a mipha
# that refuses the [aaa] section skips the test.
e2e_mipha_start() {
	local conf=$E2E_WORK/mipha.ini log=$E2E_WORK/mipha.log
	[ "${1:-}" != dynkey ] || E2E_DYNKEY=1
	e2e_mipha_conf "$@" >"$conf"
	chmod 600 "$conf"
	: >"$log"
	# shellcheck disable=SC2046
	ip netns exec "$NS_HA" "$MIPHA" $(topo_mipha_eal) -- --config "$conf" >>"$log" 2>&1 &
	E2E_MIPHA_PID=$!
	if ! wait_for 20 grep -q '^mipha: running' "$log"; then
		if [ "$E2E_DYNKEY" = 1 ] && grep -q '\[aaa\]\|\[ha\] home_pool\|unknown section' "$log"; then
			E2E_MIPHA_PID=
			skip "this mipha has no dynamic keys yet: it refuses the [aaa] configuration ($(grep '^mipha:' "$log" | tail -n 1))"
		fi
		fail "mipha did not start"
	fi
	tele /mipha/stats >/dev/null || fail "mipha telemetry unreachable"
	topo_ports_attach "$E2E_WORK/ports" || fail "mipha's $TOPO_PORTS ports not joined to the veths"
	say "mipha running in $NS_HA (pid $E2E_MIPHA_PID, $TOPO_PORTS ports)"
}

e2e_mipha_stop() {
	[ -n "$E2E_MIPHA_PID" ] || return 0
	kill "$E2E_MIPHA_PID" 2>/dev/null
	e2e_wait_pid "$E2E_MIPHA_PID" 10 || kill -9 "$E2E_MIPHA_PID" 2>/dev/null
	wait "$E2E_MIPHA_PID" 2>/dev/null
	E2E_MIPHA_LAST_RC=$?
	E2E_MIPHA_PID=
}

# --- telemetry -----------------------------------------------------------

tele() {
	"$PY" "$E2E_SRC/tools/mipha-telemetry" --prefix "${TOPO_PREFIX}ha" --wait $((3 * E2E_TIME_SCALE)) "$@"
}

# stat NAME: a counter of /mipha/stats: the workers' total first, then the
# control lcore's, then the first one of that name anywhere (dynamic keys,
# AAA client). A counter this mipha does not publish (a typo, a renamed
# counter, dynamic keys not configured) or unreachable telemetry fails the
# test: stat runs in a command substitution, so it stops the scenario's shell
# ($$) with SIGTERM (its trap exits 143 and cleans up) instead of printing a
# value an assertion could compare.
stat() {
	local v
	v=$(stat_soft "$1")
	case "$v" in
	'' | *[!0-9]*)
		say "FAIL: counter $1: ${v:-telemetry unreachable}" >&2
		kill -TERM $$
		exit 1
		;;
	esac
	echo "$v"
}

# stat_soft NAME: the counter, "missing" when this mipha has no counter NAME,
# nothing when telemetry does not answer (e2e_dynkey_gate only).
stat_soft() {
	tele /mipha/stats | jq -r --arg k "$1" '.["/mipha/stats"] as $s |
		([$s.total[$k]?, $s.control[$k]?] + [$s | .. | objects | .[$k]? ]) |
		map(select(type == "number")) | (.[0] // "missing")'
}

# stat_exists NAME: does this mipha's telemetry have counter NAME?
stat_exists() {
	tele /mipha/stats | jq -e --arg k "$1" '[.["/mipha/stats"] | .. | objects | has($k)] | any' >/dev/null
}

# cnt_eq / cnt_ge DESCRIPTION NAME VALUE: assert on counter NAME (a counter
# mipha does not publish fails the test, like stat).
cnt_eq() {
	eq "$1 ($2)" "$(stat "$2")" "$3"
}
cnt_ge() {
	ge "$1 ($2)" "$(stat "$2")" "$3"
}

# cnt_wait NAME VALUE SECONDS: true once counter NAME reaches VALUE, within
# SECONDS (scaled by E2E_TIME_SCALE); false after.
cnt_wait() {
	local i
	for i in $(seq $((10 * $3 * E2E_TIME_SCALE))); do
		[ "$(stat "$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# cnt_delta NAME BEFORE: how much counter NAME rose since BEFORE.
cnt_delta() {
	echo $(($(stat "$1") - $2))
}

# binding HOME FIELD: a field of /mipha/binding,HOME ("state", "care_of_address", ...).
binding() {
	tele "/mipha/binding,$1" | jq -r --arg f "$2" '.[] | .[$f] // empty'
}

binding_count() {
	tele /mipha/bindings | jq -r '.["/mipha/bindings"].count'
}

# --- Mobile Nodes ---------------------------------------------------------

# mn_start NAME ARGS...: `mipmn run --json ARGS` in NS_MN; events in $E2E_WORK/NAME.out.
mn_start() {
	local name=$1
	shift
	ip netns exec "$NS_MN" "$MIPMN" run --json "$@" >"$E2E_WORK/$name.out" 2>"$E2E_WORK/$name.err" &
	eval "MN_PID_$name=$!"
	E2E_PIDS+=($!)
}

mn_pid() {
	eval "echo \${MN_PID_$1:-}"
}

# mn_events NAME FILTER: the JSON event lines of NAME that jq FILTER selects.
mn_events() {
	jq -c "select($2)" "$E2E_WORK/$1.out" 2>/dev/null
}

# mn_wait NAME SECONDS FILTER [COUNT]: waits until COUNT (default 1) events
# match; the last one is left in MN_EVENT. A dynamic-key MN refused with the
# placeholder 131 (a mipha without the dynamic-key path) skips the test.
# Not to be called in a subshell (it may exit the test).
mn_wait() {
	local name=$1 filter=$3 count=${4:-1} n=$(($2 * 5 * E2E_TIME_SCALE)) got
	MN_EVENT=
	while [ "$n" -gt 0 ]; do
		got=$(mn_events "$name" "$filter" | wc -l)
		if [ "$got" -ge "$count" ]; then
			MN_EVENT=$(mn_events "$name" "$filter" | tail -n 1)
			return 0
		fi
		e2e_dynkey_gate
		sleep 0.2
		n=$((n - 1))
	done
	return 1
}

# ev FIELD: a field of MN_EVENT.
ev() {
	jq -r --arg f "$1" '.[$f] | select(. != null)' <<<"$MN_EVENT"
}

# Skips when this mipha answers initial RRQs with its placeholder 131.
e2e_dynkey_gate() {
	[ "$E2E_DYNKEY" = 1 ] && [ -n "$E2E_MIPHA_PID" ] || return 0
	local n
	n=$(stat_soft ctrl_replies_131_dynkey 2>/dev/null)
	if [ "${n:-0}" -gt 0 ] 2>/dev/null; then
		skip "this mipha answers initial dynamic-key RRQs with its placeholder 131 (ctrl_replies_131_dynkey=$n): the dynamic-key path is not wired yet"
	fi
}

# mn_stop NAME: SIGTERM (the MN deregisters), waits; its exit code in MN_RC.
# (Not in a subshell: only this shell can wait for its children.)
mn_stop() {
	local pid
	pid=$(mn_pid "$1")
	kill "$pid" 2>/dev/null
	e2e_wait_pid "$pid" 15 || kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	MN_RC=$?
}

# --- scripted RRQs ------------------------------------------------------

ntp_now() {
	"$PY" "$E2E_DIR/rrq.py" ntp "$@"
}

# rrq_send SRC_ADDR HEX...: sends from NS_MN (UDP 434 -> HA:434), prints replies.
rrq_send() {
	local src=$1
	shift
	ip netns exec "$NS_MN" "$PY" "$E2E_DIR/rrq.py" send --to "$HA_ADDR" --src "$src" "$@"
}

# rrp_code HEX
rrp_code() {
	[ "$1" = - ] && { echo none; return; }
	"$PY" "$E2E_DIR/rrq.py" code "$1"
}

# --- traffic ------------------------------------------------------------

# cn_ping DEST COUNT [SRC]: pings from the correspondent (by default from its
# address outside the home prefix); prints the replies received.
cn_ping() {
	ip netns exec "$NS_CN" ping -n -q -c "$2" -i 0.2 -W 1 -I "${3:-$CN_FAR}" "$1" 2>/dev/null |
		sed -n 's/.* \([0-9]*\) received.*/\1/p'
}

# mn_ping SRC DEST COUNT: pings from the MN's namespace, from address SRC.
mn_ping() {
	ip netns exec "$NS_MN" ping -n -q -c "$3" -i 0.2 -W 1 -I "$1" "$2" 2>/dev/null |
		sed -n 's/.* \([0-9]*\) received.*/\1/p'
}

# --- captures -----------------------------------------------------------

E2E_TSHARK_DECODE=(-d "udp.port==$E2E_RADIUS_PORT,radius" -d "udp.port==$E2E_RADIUS_PORT2,radius")

# pcap_count NAME FILTER: frames of capture NAME matching a display filter.
pcap_count() {
	tshark -r "$E2E_WORK/$1.pcapng" "${E2E_TSHARK_DECODE[@]}" \
		-o "radius.shared_secret:$(cat "$E2E_SECRET_FILE")" -Y "$2" 2>/dev/null | wc -l
}

# radius_requests NAME: Access-Requests in capture NAME, a retransmission
# (same bytes, RFC 5080) counted once.
radius_requests() {
	tshark -r "$E2E_WORK/$1.pcapng" "${E2E_TSHARK_DECODE[@]}" -Y 'radius.code == 1' \
		-T fields -e udp.dstport -e radius.authenticator 2>/dev/null | sort -u | wc -l
}

# e2e_check_captures: stops the captures; every Mobile IP and RADIUS packet
# decodes with no malformed packet or expert warning; RADIUS replies'
# authenticators verify with the shared secret. One tshark pass per capture.
# Sets E2E_CAPTURED_MIP, E2E_CAPTURED_RADIUS.
#
# One exception, counted and printed: FreeRADIUS's Access-Reject carries
# MS-CHAP-Error, which RFC 2548 section 2.1.5 lays out as an Ident byte (0)
# then the string "E=691 R=1 ..."; Wireshark 4.0 decodes the attribute as a
# plain string, stops at the 0 byte and warns "Trailing stray characters".
# That warning, on that attribute, is a dissector limitation, not a bad packet.
# A scenario that makes TLS handshakes fail on purpose sets
# E2E_TCP_RST_OK_PORT: TCP resets on that port are then expected (counted).
e2e_check_captures() {
	local f out bad quirks=0 resets=0 v=0 n_mip=0 n_rad=0 counts a b c d e
	e2e_captures_stop
	for f in "${E2E_PCAPS[@]}"; do
		[ -s "$f" ] || fail "capture $f is empty"
		out=$(tshark -r "$f" "${E2E_TSHARK_DECODE[@]}" \
			-o "radius.shared_secret:$(cat "$E2E_SECRET_FILE")" \
			-o radius.validate_authenticator:TRUE -E 'aggregator=|' \
			-T fields -e frame.number -e _ws.malformed -e _ws.expert.severity \
			-e mip.type -e radius.code -e radius.authenticator.invalid \
			-e radius.authenticator.valid -e _ws.expert.message \
			-e radius.avp.vendor_id -e radius.avp.vendor_type -e tcp.port \
			2>"$E2E_WORK/tshark.err") ||
			fail "tshark cannot read $f: $(grep -v 'Running as user' "$E2E_WORK/tshark.err")"
		# Expert severities: 0x00600000 warning, 0x00800000 error.
		bad=$(awk -F '\t' -v rstok="${E2E_TCP_RST_OK_PORT:-}" '{
			n = split($3, sev, "|"); split($8, msg, "|"); why = ""
			# a Microsoft (311) MS-CHAP-Error (2) in an Access-Reject (3)?
			mserr = 0; nv = split($9, vid, "|"); split($10, vty, "|")
			for (i = 1; i <= nv; i++) if (vid[i] == "311" && vty[i] == "2") mserr = 1
			for (i = 1; i <= n; i++) {
				if (sev[i] + 0 < 6291456)
					continue
				if (msg[i] == "Trailing stray characters" && mserr && $5 == "3")
					continue
				if (msg[i] == "Connection reset (RST)" && rstok != "" &&
				    index("|" $11 "|", "|" rstok "|"))
					continue
				why = why " [" msg[i] "]"
			}
			if ($2 != "" || why != "" || $6 == "1")
				print "frame " $1 ":" why ($2 != "" ? " malformed" : "") ($6 == "1" ? " bad RADIUS authenticator" : "")
		}' <<<"$out")
		[ -z "$bad" ] || fail "tshark flags packets in $(basename "$f"): $(head -n 5 <<<"$bad")"
		counts=$(awk -F '\t' -v rstok="${E2E_TCP_RST_OK_PORT:-}" \
			'$4 != "" { m++ } $5 != "" { r++ } $7 == "1" { v++ }
			$5 == "3" && $8 ~ /Trailing stray characters/ { q++ }
			rstok != "" && $8 ~ /Connection reset/ && index("|" $11 "|", "|" rstok "|") { t++ }
			END { print m + 0, r + 0, v + 0, q + 0, t + 0 }' <<<"$out")
		read -r a b c d e <<<"$counts"
		n_mip=$((n_mip + a))
		n_rad=$((n_rad + b))
		v=$((v + c))
		quirks=$((quirks + d))
		resets=$((resets + e))
	done
	say "ok: tshark decodes the captures: $n_mip Mobile IP, $n_rad RADIUS packets ($v replies' authenticators verified with the secret), no malformed packet or warning${quirks:+$([ "$quirks" -gt 0 ] && echo " (except Wireshark's MS-CHAP-Error string warning on $quirks Access-Rejects)")}$([ "$resets" -gt 0 ] && echo " ($resets expected TCP resets on port $E2E_TCP_RST_OK_PORT)")"
	E2E_CAPTURED_MIP=$n_mip
	E2E_CAPTURED_RADIUS=$n_rad
}

# --- dynamic-key scenarios ----------------------------------------------

# e2e_dyn_setup [two]: topology, FreeRADIUS (one, or two for failover),
# mipha with dynamic keys (skips the test when this mipha has none yet).
e2e_dyn_setup() {
	e2e_setup
	e2e_radius_start 1 "$E2E_RADIUS_PORT"
	[ "${1:-}" != two ] || e2e_radius_start 2 "$E2E_RADIUS_PORT2"
	e2e_mipha_start dynkey "$@"
}

# The options of the spec example's MN (NAI mnuser@example.net): a home
# address from the pool, the userspace tunnel (this kernel has no ipip).
mn_args() {
	echo --nai "$E2E_NAI" --password-file "$E2E_WORK/password" \
		--home-agent "$HA_ADDR" --home-address 0.0.0.0 --tunnel-mode userspace
}

# mn_registered NAME SECONDS [COUNT]: waits for registration; fails otherwise.
mn_registered() {
	mn_wait "$1" "$2" '.event == "registered"' "${3:-1}" ||
		fail "$1: no registration (number ${3:-1}) within $2 s"
	say "ok: $1 registered: home $(ev home_address) care-of $(ev care_of) code $(ev code) lifetime $(ev lifetime) latency $(ev latency_ms) ms"
}

# mn_tunnel_up HOME: some device in NS_MN holds HOME (mipmn's tunnel).
mn_tunnel_up() {
	ip -n "$NS_MN" -o addr show to "$1/32" | grep -q .
}

# e2e_static_register LIFETIME: the static MN (E2E_STATIC_*, NAI
# static1@example.net) registers from COA_A with a reverse tunnel (T), by a
# scripted RRQ; the reply must be 0.
e2e_static_register() {
	local rrq
	rrq=$("$MIPMN" build rereg --nai static1@example.net --home-address "$E2E_STATIC_HOME" \
		--home-agent "$HA_ADDR" --care-of "$COA_A" --identification "$(ntp_now)" \
		--lifetime "$1" --spi "$E2E_STATIC_SPI" --key "$E2E_STATIC_KEY" --flags 2)
	eq "static MN's registration" "$(rrp_code "$(rrq_send "$COA_A" "$rrq")")" 0
}

# e2e_ipip_echo HOME SECONDS: the MN's userspace tunnel end in NS_MN
# (ipip_echo.py) answering pings to HOME through the reverse tunnel for
# SECONDS; its log in $E2E_WORK/ipip.out.
e2e_ipip_echo() {
	ip netns exec "$NS_MN" "$PY" "$E2E_DIR/ipip_echo.py" --home "$1" --ha "$HA_ADDR" \
		--duration "$2" >"$E2E_WORK/ipip.out" 2>"$E2E_WORK/ipip.err" &
	E2E_PIDS+=($!)
	wait_for 5 grep -q ready "$E2E_WORK/ipip.out" || fail "ipip_echo did not start"
}
