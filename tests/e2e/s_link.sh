#!/usr/bin/env bash
# Port links (control/link.h), on net_memif ports shared by the worker and
# the control lcore ([port] tx_queues = 1): the memif client
# (tests/e2e/port_wire) goes away and comes back, as a VPP or a container
# restarting would. A static MN is bound and its traffic tunnelled; with the
# client gone mipha sees both links down (counted, printed, /mipha/stats
# link_up 0) and the tunnel stops; with a new client the links come up,
# mipha announces the HA address and the bound home address again by
# gratuitous ARP on the home link, and the correspondent's pings reach the
# MN again, with no re-registration and the same mipha.
# The memif client opens one ring each way (as VPP does by default), so
# mipha's ports have tx_queues = 1: its worker and control lcore share it.
export TOPO_PORTS=memif TOPO_TX_QUEUES=1 TOPO_WIRE_RXQ=1
. "$(dirname "$0")/lib.sh"

e2e_setup
e2e_mipha_start

home=$E2E_STATIC_HOME
check "mipha says what a memif client must open" \
	grep -q '^mipha: port home (net_memif0): memif: the client must open 1 ring towards itself' "$E2E_WORK/mipha.log"
link_up() {
	tele /mipha/stats | jq -r --arg p "$1" '.["/mipha/stats"].ports[$p].link_up'
}
say "a static MN registers from care-of $COA_A; the correspondent reaches it"
e2e_static_register 120
e2e_ipip_echo "$home" 60
eq "echo replies at the correspondent" "$(cn_ping "$home" 3)" 3
eq "home link up" "$(link_up home)" 1
eq "uplink up" "$(link_up uplink)" 1
# memif links come up once the client connects, after mipha started: the
# HA address was announced then (a first link up on the home port).
cnt_eq "no link down yet" ctrl_port_link_down 0
ups0=$(stat ctrl_port_link_up)
lgarps0=$(stat ctrl_link_gratuitous_arps)
garps0=$(stat ctrl_gratuitous_arps)

say "the memif client goes away"
kill -TERM "$TOPO_WIRE_PID"
wait "$TOPO_WIRE_PID" 2>/dev/null
check "both links counted down" cnt_wait ctrl_port_link_down 2 4
eq "home link down" "$(link_up home)" 0
eq "uplink down" "$(link_up uplink)" 0
check "printed" grep -q '^mipha: port home (net_memif0): link down$' "$E2E_WORK/mipha.log"
eq "no echo reply while the links are down" "$(cn_ping "$home" 2)" 0
eq "binding kept" "$(binding "$home" state)" bound

say "a new memif client connects"
topo_ports_attach "$E2E_WORK/ports2" || fail "port_wire did not connect again"
check "both links counted up" cnt_wait ctrl_port_link_up $((ups0 + 2)) 4
eq "home link up" "$(link_up home)" 1
eq "uplink up" "$(link_up uplink)" 1
check "printed" grep -q '^mipha: port home (net_memif0): link up: announcing' "$E2E_WORK/mipha.log"
check "HA and home address announced again" cnt_wait ctrl_link_gratuitous_arps $((lgarps0 + 2)) 4
sleep 0.2
eq "exactly those two" "$(cnt_delta ctrl_link_gratuitous_arps "$lgarps0")" 2
eq "no new-binding announcement" "$(stat ctrl_gratuitous_arps)" "$garps0"
eq "link changes of the home port" \
	"$(tele /mipha/stats | jq -r '.["/mipha/stats"].ports.home.link_changes')" $((ups0 / 2 + 2))
eq "echo replies at the correspondent again" "$(cn_ping "$home" 3)" 3
eq "same mipha" "$(kill -0 "$E2E_MIPHA_PID" && echo alive)" alive

e2e_check_captures
ge "gratuitous ARPs for the home address on the home link" \
	"$(pcap_count home "arp.isgratuitous == 1 && arp.src.proto_ipv4 == $home")" 2
ge "and for the HA address" "$(pcap_count home "arp.isgratuitous == 1 && arp.src.proto_ipv4 == $HA_ADDR")" 1
say "PASS"
