#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The Linux kernel doing mipha's encapsulation job: IP-in-IP (RFC 2003) to
# each MN's care-of address, in network namespaces this script creates and
# always removes:
#
#   [S] sender s0 10.99.1.2 --veth-- h0 10.99.1.1 [H] kernel "HA": ip_forward,
#       ipip device tun0 (NBMA: remote any), one /32 route per MN home address
#       (10.0.0.1 ...) "via CoA dev tun0 onlink", CoAs 100.64/10 via 198.18.0.2
#   [H] h1 198.18.0.1 --veth-- r0 198.18.0.2 [R] sink (blackhole route: dropped)
#
# The sender (udp_blast, pinned to one CPU) sends bounded UDP traffic to the
# MNs' home addresses. Twice: first with H dropping everything to 10.0.0.0/8
# at its routing step (blackhole: the baseline, sender + veth + H's receive),
# then forwarding through the tunnel. Cost = the sender's user+system time
# plus the softirq time of its CPU (/proc/stat; on a veth, delivery and
# forwarding run in softirq on the sending CPU) - when the kernel charges
# softirq to the task as well (tick accounting), the sum would pass the wall
# time and only the task's time is used (the note says which).
#
# Prints JSON lines in perf/bench.c's format. Usage:
#   kernel_ipip.sh --blast PATH [--mns N] [--packets N] [--seconds S] [--tsc-hz HZ] [--cpu C]
set -euo pipefail

blast=
mns=1000
packets=2000000
seconds=3
tsc_hz=
cpu=$(( $(nproc) - 1 ))
while [ $# -gt 0 ]; do
	case "$1" in
	--blast) blast=$2; shift ;;
	--mns) mns=$2; shift ;;
	--packets) packets=$2; shift ;;
	--seconds) seconds=$2; shift ;;
	--tsc-hz) tsc_hz=$2; shift ;;
	--cpu) cpu=$2; shift ;;
	*) echo "kernel_ipip: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
[ -x "$blast" ] || { echo "kernel_ipip: --blast PATH to udp_blast needed" >&2; exit 2; }
if [ -z "$tsc_hz" ]; then
	# the TSC rate the kernel calibrated (what rte_get_tsc_hz reports too)
	khz=$(cat /sys/devices/system/cpu/cpu0/tsc_freq_khz 2>/dev/null || true)
	if [ -z "$khz" ]; then
		mhz=$(sed -n 's/^cpu MHz[[:space:]]*: \([0-9.]*\)/\1/p' /proc/cpuinfo | head -1)
		khz=$(awk -v m="$mhz" 'BEGIN { printf "%d", m * 1000 }')
	fi
	tsc_hz=$(( khz * 1000 ))
fi

p=mphk$$
S=${p}s H=${p}h R=${p}r
cleanup() {
	for ns in $S $H $R; do ip netns del "$ns" 2>/dev/null || true; done
}
trap cleanup EXIT

ip netns add $S
ip netns add $H
ip netns add $R
ip link add s0 netns $S type veth peer name h0 netns $H
ip link add h1 netns $H type veth peer name r0 netns $R
ip -n $S link set lo up
ip -n $S addr add 10.99.1.2/24 dev s0
ip -n $S link set s0 up
ip -n $S route add 10.0.0.0/8 via 10.99.1.1
ip -n $H link set lo up
ip -n $H addr add 10.99.1.1/24 dev h0
ip -n $H link set h0 up
ip -n $H addr add 198.18.0.1/24 dev h1
ip -n $H link set h1 up
ip -n $R link set lo up
ip -n $R addr add 198.18.0.2/24 dev r0
ip -n $R link set r0 up
ip -n $R route add blackhole 100.64.0.0/10
ip -n $R route add blackhole 10.0.0.0/8
ip netns exec $H sysctl -qw net.ipv4.ip_forward=1
ip netns exec $H sysctl -qw net.ipv4.conf.all.rp_filter=0
# Some kernels (this project's VMs among them) are built without IP-in-IP:
# then the kernel's closest job is measured, plain IPv4 forwarding of the same
# packets to the same sink, a lower bound of what IP-in-IP would cost it.
if ip -n $H link add tun0 type ipip local 198.18.0.1 remote any ttl 64 2>/dev/null; then
	mode=ipip
	ip -n $H link set tun0 up
	out_dev=tun0
else
	mode=plain
	out_dev=h1
	echo "kernel_ipip: this kernel has no ipip device: measuring plain IPv4 forwarding" >&2
fi
ip -n $H route add 100.64.0.0/10 via 198.18.0.2 dev h1
ip -n $H route add blackhole 10.0.0.0/8
# resolve the neighbours once, outside the measurement
ip netns exec $S ping -c 1 -W 1 10.99.1.1 >/dev/null
ip netns exec $H ping -c 1 -W 1 198.18.0.2 >/dev/null

# MN i: home 10.0.0.1 + i, care-of 100.64.0.0 + i (as bench_home / bench_coa)
routes=$(mktemp /tmp/mphk-routes.XXXXXX)
awk -v n="$mns" -v mode="$mode" 'BEGIN {
	for (i = 0; i < n; i++) {
		h = 167772161 + i; c = 1681915904 + i
		if (mode == "ipip")
			printf "route add %d.%d.%d.%d/32 via %d.%d.%d.%d dev tun0 onlink\n",
				int(h / 16777216) % 256, int(h / 65536) % 256, int(h / 256) % 256,
				h % 256, int(c / 16777216) % 256, int(c / 65536) % 256,
				int(c / 256) % 256, c % 256
		else
			printf "route add %d.%d.%d.%d/32 via 198.18.0.2 dev h1\n",
				int(h / 16777216) % 256, int(h / 65536) % 256, int(h / 256) % 256,
				h % 256
	}
}' >"$routes"

counter() { # counter NS DEV rx|tx (packets)
	ip -n "$1" -s -j link show "$2" |
		/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"][sys.argv[1]]["packets"])' "$3"
}
softirq() { # jiffies of softirq + irq on $cpu
	awk -v c="cpu$cpu" '$1 == c { print $7 + $8 }' /proc/stat
}
clk=$(getconf CLK_TCK)

# measure NAME NS DEV DIR: runs the sender, prints "packets cpu_sec wall note"
measure() {
	local before after s0 s1 out sent wall user sys task sirq cpu_s note
	before=$(counter "$2" "$3" "$4")
	s0=$(softirq)
	out=$(ip netns exec $S taskset -c "$cpu" "$blast" --base 10.0.0.1 --mns "$mns" \
		--packets "$packets" --seconds "$seconds")
	s1=$(softirq)
	sleep 0.2
	after=$(counter "$2" "$3" "$4")
	read -r sent wall user sys < <(echo "$out" | /usr/bin/python3 -c \
		'import json,sys; d=json.load(sys.stdin); print(d["sent"], d["wall"], d["user"], d["sys"])')
	task=$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')
	sirq=$(awk -v a="$s0" -v b="$s1" -v t="$clk" 'BEGIN { print (b - a) / t }')
	cpu_s=$(awk -v t="$task" -v q="$sirq" -v w="$wall" 'BEGIN {
		if (t + q > w * 1.05) print t; else print t + q }')
	note=$(awk -v t="$task" -v q="$sirq" -v w="$wall" 'BEGIN {
		if (t + q > w * 1.05) print "task time only (softirq charged to the task)";
		else print "task time + softirq time of its CPU" }')
	echo "$(( after - before )) $cpu_s $wall $sent $note"
}

emit() { # emit CASE UNIT VALUE BASELINE BASE_VALUE NOTE
	/usr/bin/python3 - "$@" "$mns" "$tsc_hz" <<'EOF'
import json, sys
case, unit, v, base, bv, note, mns, hz = sys.argv[1:9]
v = float(v)
bv = float(bv) if bv != "" else None
print(json.dumps({
    "bench": "kernel", "case": case, "unit": unit, "x_name": "mns", "x": int(mns),
    "fixed": "frame=64 sendmmsg", "reps": 1, "min": v, "median": v,
    "baseline": base or None, "baseline_min": bv, "baseline_median": bv,
    "ratio_median": v / bv if bv else None, "ratio_min": v / bv if bv else None,
    "tsc_hz": int(hz), "hugepages": False, "ok": v > 0, "note": note or None,
}, separators=(",", ":")))
EOF
}

# 1. baseline: H drops everything at its routing step
read -r base_pk base_cpu _ base_sent base_note < <(measure base $H h0 rx)
# 2. forwarding through the tunnel
ip -n $H -batch "$routes"
rm -f "$routes"
read -r fwd_pk fwd_cpu fwd_wall fwd_sent fwd_note < <(measure fwd $H $out_dev tx)

if [ "$base_pk" -le 0 ] || [ "$fwd_pk" -le 0 ]; then
	echo "kernel_ipip: no packets counted (baseline $base_pk, forwarded $fwd_pk)" >&2
	exit 1
fi
cyc() { awk -v c="$1" -v n="$2" -v hz="$tsc_hz" 'BEGIN { printf "%.2f", c * hz / n }'; }
fwd_c=$(cyc "$fwd_cpu" "$fwd_pk")
base_c=$(cyc "$base_cpu" "$base_pk")
net_c=$(awk -v a="$fwd_c" -v b="$base_c" 'BEGIN { d = a - b; printf "%.2f", (d > 0 ? d : 0.01) }')
if [ $mode = ipip ]; then
	what="ipip encap"
	k=kernel_forward
else
	what="NO ipip in this kernel: plain IPv4 forwarding, a lower bound of the ipip cost"
	k=kernel_plain_forward
fi
emit ${k}_total cycles/pkt "$fwd_c" kernel_drop_at_ha "$base_c" \
	"sender + veth + route + forward ($what) + veth out; $fwd_pk of $fwd_sent sent forwarded; $fwd_note"
emit kernel_drop_at_ha cycles/pkt "$base_c" "" "" \
	"sender + veth + route lookup + drop; $base_pk of $base_sent received; $base_note"
emit ${k}_net cycles/pkt "$net_c" "" "" "forwarding alone = total - drop ($what)"
emit ${k}_pps packets/s "$(awk -v n="$fwd_pk" -v w="$fwd_wall" 'BEGIN { printf "%.0f", n / w }')" \
	"" "" "forwarded per second of wall time, one sending core ($what)"
