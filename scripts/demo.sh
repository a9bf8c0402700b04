#!/usr/bin/env bash
# The main job: installs what is missing, builds mipha and mipmn, and then,
# in network namespaces it creates (tests/e2e/topo.sh), runs the whole system
# and narrates it with what the Home Agent's telemetry says at each step:
#
#   1. a private FreeRADIUS and mipha (DPDK, two ports on veth pairs: the home
#      link with a correspondent node, the uplink towards foreign networks);
#   2. mipmn's initial registration through AAA (MS-CHAPv2, dynamic keys);
#   3. the correspondent pinging the MN's home address: IP-in-IP to the
#      care-of address, replies back through the reverse tunnel;
#   4. a rekey (no AAA);
#   5. a handover to a second care-of address, pings running across it;
#   6. deregistration.
#
# It tears everything down and exits 0 only when every step worked.
#
#   sudo scripts/demo.sh [--no-install] [--build-dir DIR] [--keep]
#
# --keep stops after the handover with everything up (the MN keeps
# re-registering) and prints commands to look around; Enter goes on to the
# deregistration and the teardown (Ctrl-C tears down at once).
set -u

here=$(cd "$(dirname "$0")/.." && pwd)
build=$here/build
install=1
keep=0
while [ $# -gt 0 ]; do
	case "$1" in
	--no-install) install=0 ;;
	--build-dir) build=$2; shift ;;
	--keep) keep=1 ;;
	-h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "demo.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done
[ "$(id -u)" -eq 0 ] || { echo "demo.sh: run as root (network namespaces, DPDK)" >&2; exit 1; }

if [ "$install" -eq 1 ]; then
	"$here/scripts/install-deps.sh" || { echo "demo.sh: installing dependencies failed" >&2; exit 1; }
fi
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$here" >/dev/null || { echo "demo.sh: meson setup failed" >&2; exit 1; }
fi
ninja -C "$build" pipelines/mipha tools/mipmn/mipmn >/dev/null ||
	{ echo "demo.sh: build failed (ninja -C $build)" >&2; exit 1; }

export MIP_SOURCE_ROOT=$here MIP_BUILD_ROOT=$build
export MIPMN=$build/tools/mipmn/mipmn PYTHON=/usr/bin/python3
E2E_NAME=demo
TOPO_PREFIX=mipdemo
# shellcheck source=../tests/e2e/lib.sh
. "$here/tests/e2e/lib.sh"
skip() { fail "$*"; }		# the demo has nothing to skip
[ "$keep" -eq 0 ] || E2E_KEEP=1
t_start=$(date +%s)

step() {
	printf '\n\033[1m== %s\033[0m\n' "$*"
}
# What the HA's telemetry says: the binding of HOME (if given) and the
# non-zero counters named (workers' total and control lcore).
ha_says() {
	local home=$1
	shift
	if [ -n "$home" ]; then
		tele "/mipha/binding,$home" | jq -r '.[] | "   HA binding \(.home_address // "'"$home"'"): \(.state // "bound")" +
			(if .care_of_address then " -> care-of \(.care_of_address), \(.remaining)s left, flags \(.flag_names)" else "" end)'
	fi
	tele /mipha/stats | jq -r --argjson names "$(printf '%s\n' "$@" | jq -R . | jq -s .)" '
		.["/mipha/stats"] as $s | ($s.total + $s.control) as $all |
		"   HA counters: " + ([$names[] | select($all[.] != null) | "\(.)=\($all[.])"] | join(" "))'
}

step "Topology: correspondent [ns $TOPO_PREFIX-cn] -- home link -- mipha [ns $TOPO_PREFIX-ha] -- uplink -- router [ns $TOPO_PREFIX-rt] -- foreign networks A and B -- Mobile Node [ns $TOPO_PREFIX-mn]"
e2e_setup
e2e_radius_start 1 "$E2E_RADIUS_PORT"
e2e_mipha_start dynkey
echo "   $(grep '^mipha: running' "$E2E_WORK/mipha.log")"
echo "   its configuration: $E2E_WORK/mipha.ini (AAA: FreeRADIUS on 127.0.0.1:$E2E_RADIUS_PORT in the HA's namespace)"
ha_says "" rx_packets tx_packets

step "1. The MN ($E2E_NAI) registers from care-of $COA_A: initial RRQ with its MS-CHAPv2 response; mipha asks FreeRADIUS, derives Skey and Skey', answers with AUTH-RESPONSE"
echo "$COA_A" >"$E2E_WORK/care-of"
# shellcheck disable=SC2046
mn_start mn $(mn_args) --care-of-file "$E2E_WORK/care-of" --lifetime 30 \
	--rekey-interval 8 --reverse-tunnel
mn_registered mn 20
home=$(ev home_address)
echo "   MN: $MN_EVENT"
eq "binding at the HA" "$(binding "$home" state)" bound
ha_says "$home" reg_to_control ctrl_replies_accepted dk_aaa_requests dk_aaa_accepts dk_installs
wait_for 5 mn_tunnel_up "$home" || fail "mipmn's tunnel device does not hold $home"

step "2. The correspondent ($CN_FAR) pings the MN's home address $home: mipha answers ARP for it, tunnels to $COA_A; the MN answers through the reverse tunnel"
ip netns exec "$NS_CN" ping -n -c 5 -i 0.2 -W 1 -I "$CN_FAR" "$home" | sed 's/^/   /'
got=$(cn_ping "$home" 5)
eq "echo replies" "$got" 5
ha_says "$home" arp_proxy_replies encap_packets decap_packets

step "3. A rekey: the MN sends KEY-REQ-S2 under SPI1 with Skey; both sides derive a new Skey' (no AAA exchange)"
mn_wait mn 20 '.event == "rekeyed"' || fail "no rekey"
echo "   MN: $MN_EVENT"
ha_says "$home" reg_to_control dk_rekeys dk_aaa_requests
eq "traffic after the rekey" "$(cn_ping "$home" 3)" 3

step "4. Handover: the MN moves to foreign network B ($COA_B) while the correspondent keeps pinging"
ip netns exec "$NS_CN" ping -n -c 30 -i 0.1 -W 1 -I "$CN_FAR" "$home" >"$E2E_WORK/ping.out" 2>&1 &
ping_pid=$!
sleep 1
topo_move_mn_to_b
echo "$COA_B" >"$E2E_WORK/care-of"
kill -USR1 "$(mn_pid mn)"
mn_wait mn 10 '.event == "handover"' || fail "no handover"
echo "   MN: $MN_EVENT"
wait "$ping_pid"
tail -n 2 "$E2E_WORK/ping.out" | sed 's/^/   /'
eq "binding care-of" "$(binding "$home" care_of_address)" "$COA_B"
got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$E2E_WORK/ping.out")
ge "pings answered across the handover (of 30)" "$got" 25
ha_says "$home" reg_accepted encap_packets decap_packets

if [ "$keep" -eq 1 ]; then
	step "The system is up. Look around (as root):"
	cat <<EOF
   $PY $here/tools/mipha-telemetry --prefix ${TOPO_PREFIX}ha /mipha/bindings /mipha/stats /mipha/sa
   ip netns exec $NS_CN ping -I $CN_FAR $home
   ip netns exec $NS_MN ping -I $home $CN_FAR
   ip netns exec $NS_MN ip addr; ip netns exec $NS_MN ip rule; ip netns exec $NS_MN ip route show table 434
   tail -f $E2E_WORK/mn.out                      # the MN's events (JSON)
   tail -f $E2E_WORK/radius1/log/radius.log      # FreeRADIUS
   tshark -r $E2E_WORK/uplink.pcapng -d udp.port==434,mip   # RRQs, RRPs, tunnels (home.pcapng, aaa.pcapng too)
   (the RADIUS shared secret is in $E2E_WORK/radius.secret)
EOF
	if [ -t 0 ]; then
		read -r -p "Press Enter to deregister and tear everything down. " _
	else
		echo "   (stdin is not a terminal: waiting for SIGINT/SIGTERM)"
		while :; do sleep 3600; done
	fi
fi

step "5. Deregistration: the MN sends lifetime 0 under Skey'; mipha removes the binding and the keys"
mn_stop mn
eq "mipmn exit code" "$MN_RC" 0
mn_wait mn 1 '.event == "deregistered"' || fail "no deregistration"
echo "   MN: $MN_EVENT"
eq "binding at the HA" "$(binding "$home" state)" "not bound"
ha_says "" dk_deregs
echo "   HA bindings: $(binding_count)"
eq "no echo reply once deregistered" "$(cn_ping "$home" 2)" 0

step "What crossed the links, decoded by tshark (no malformed packet, no warning)"
e2e_check_captures
tshark -r "$E2E_WORK/uplink.pcapng" -Y mip 2>/dev/null | sed 's/^/   /' | head -n 12
tshark -r "$E2E_WORK/aaa.pcapng" "${E2E_TSHARK_DECODE[@]}" -Y 'radius.code != 12 && !(radius.code == 2 && !radius.MS_CHAP2_Success)' 2>/dev/null |
	sed 's/^/   /' | head -n 6

took=$(($(date +%s) - t_start))
[ "$keep" -eq 1 ] || [ "$took" -lt 120 ] || fail "the demo took $took s (more than two minutes)"
step "demo: ok ($took s); tearing down"
