#!/usr/bin/env bash
# The tunnel's path MTU (RFC 2003 5.1, RFC 1191; dataplane/icmp.c): the
# router's link to the MN's foreign network carries 1400 bytes. A DF packet
# the correspondent sends to the MN's home address, 1450 bytes, becomes a
# 1470-byte tunnel packet the router cannot forward: it tells mipha
# (fragmentation-needed, MTU 1400, to the HA address). mipha keeps 1400 as
# the binding's path MTU and answers the correspondent's next such packet
# with its own fragmentation-needed (1380); packets that fit then reach the
# MN and its replies come back. Then the router loses the MN's link: its
# network unreachable about a tunnel packet reaches the correspondent as a
# host unreachable from the HA (RFC 2003 4.1). Also: mipha answers pings to
# its address.
. "$(dirname "$0")/lib.sh"

e2e_setup
e2e_mipha_start
home=$E2E_STATIC_HOME

say "the HA address answers pings"
eq "echo replies from the HA" "$(cn_ping "$HA_ADDR" 3 "$CN_ADDR")" 3
cnt_eq "echo replies sent" icmp_echo_replies_sent 3

say "a static MN registers from care-of $COA_A; the router's link to it carries 1400 bytes"
ip -n "$NS_RT" link set rt1 mtu 1400
e2e_static_register 120
e2e_ipip_echo "$home" 60
eq "small pings reach the MN" "$(cn_ping "$home" 2)" 2
eq "no path MTU yet" "$(binding "$home" path_mtu)" 0

df_ping() {	# df_ping SIZE: ping -M do with SIZE bytes of payload, its output
	ip netns exec "$NS_CN" ping -n -c 1 -W 1 -M do -s "$1" -I "$CN_FAR" "$home" 2>&1 || true
}

say "a 1450-byte DF packet: the router reports 1400 to mipha"
df_ping 1422 >"$E2E_WORK/ping1.out"
check "the router's report learned" wait_for 3 sh -c "[ \"\$(\"$PY\" \"$E2E_SRC/tools/mipha-telemetry\" --prefix ${TOPO_PREFIX}ha /mipha/binding,$home | jq -r '.[].path_mtu')\" = 1400 ]"
cnt_eq "icmp_tunnel_mtu_learned" icmp_tunnel_mtu_learned 1

say "the next one gets mipha's fragmentation-needed (1380); 1380 bytes go through"
df_ping 1422 >"$E2E_WORK/ping2.out"
check "the correspondent told 'mtu = 1380'" grep -q 'mtu = 1380' "$E2E_WORK/ping2.out"
ge "fragmentation-needed sent" "$(stat icmp_frag_needed_sent)" 1
out=$(df_ping 1352)
check "a 1380-byte DF packet reaches the MN and its reply comes back" \
	grep -q '1 received' <<<"$out"
ge "the MN saw it" "$(grep -c "^rx $HA_ADDR $COA_A $CN_FAR $home" "$E2E_WORK/ipip.out")" 3

say "the MN's foreign link goes down: the router's unreachable is relayed to the correspondent"
ip -n "$NS_RT" link set rt1 down
out=$(ip netns exec "$NS_CN" ping -n -c 1 -W 2 -I "$CN_FAR" "$home" 2>&1 || true)
check "the correspondent told 'Destination Host Unreachable' by the HA" \
	grep -q "From $HA_ADDR .*Destination Host Unreachable" <<<"$out"
cnt_ge "icmp_tunnel_unreachable_relayed" icmp_tunnel_unreachable_relayed 1

e2e_check_captures
ge "the router's fragmentation-needed on the uplink" \
	"$(pcap_count uplink "icmp.type == 3 && icmp.code == 4 && ip.dst == $HA_ADDR && icmp.mtu == 1400")" 1
ge "mipha's on the home link" \
	"$(pcap_count home "icmp.type == 3 && icmp.code == 4 && ip.src == $HA_ADDR && icmp.mtu == 1380")" 1
say "PASS"
