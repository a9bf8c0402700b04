#!/usr/bin/env bash
# A Mobile Node with a static SA (RFC 5944, spec section 9), registered by
# scripted RRQs from `mipmn build rereg`: registration with the reverse tunnel
# (T), proxy ARP, the correspondent's pings tunnelled to the care-of address
# and answered through the reverse tunnel, a move to the second care-of
# address, a replayed RRQ (133, authenticated, binding unchanged), a wrong key
# (131, binding unchanged), deregistration, and expiry of a short lifetime.
# No AAA server is involved.
. "$(dirname "$0")/lib.sh"

e2e_setup
e2e_mipha_start
eq "/mipha/aaa without [aaa]" "$(tele /mipha/aaa | jq -c '.["/mipha/aaa"]')" '{"enabled":0}'

home=$E2E_STATIC_HOME
key=$E2E_STATIC_KEY
nai=static1@example.net

# rereg COA LIFETIME [KEY]: a signed RRQ for the static MN, T flag set.
rereg() {
	"$MIPMN" build rereg --nai "$nai" --home-address "$home" --home-agent "$HA_ADDR" \
		--care-of "$1" --identification "$(ntp_now)" --lifetime "$2" \
		--spi "$E2E_STATIC_SPI" --key "${3:-$key}" --flags 2
}
check_reply() {
	"$MIPMN" build check-reply --key "$key" --request "$1" --reply "$2"
}

say "registration from care-of $COA_A"
rrq1=$(rereg "$COA_A" 60)
rrp=$(rrq_send "$COA_A" "$rrq1")
eq "reply code" "$(rrp_code "$rrp")" 0
eq "reply verifies with the SA's key" "$(check_reply "$rrq1" "$rrp")" ok
eq "binding state" "$(binding "$home" state)" bound
eq "binding care-of" "$(binding "$home" care_of_address)" "$COA_A"
eq "binding reverse tunnel" "$(binding "$home" reverse_tunnel)" 1

say "the correspondent pings the home address; the MN answers through the reverse tunnel"
e2e_ipip_echo "$home" 60
enc0=$(stat encap_packets)
dec0=$(stat decap_packets)
eq "echo replies at the correspondent" "$(cn_ping "$home" 5)" 5
eq "proxy ARP: the correspondent reaches the home address at the HA's MAC" \
	"$(ip -n "$NS_CN" neigh show "$home" | awk '{ print $5 }')" "$HA_HOME_MAC"
ge "proxy ARP replies" "$(stat arp_proxy_replies)" 1
ge "tunnelled to the care-of address" "$(grep -c "^rx $HA_ADDR $COA_A $CN_FAR $home" "$E2E_WORK/ipip.out")" 5
ge "encap_packets" "$(stat encap_packets)" $((enc0 + 5))
ge "decap_packets" "$(stat decap_packets)" $((dec0 + 5))

say "the MN moves to care-of $COA_B"
topo_move_mn_to_b
rrq2=$(rereg "$COA_B" 60)
rrp=$(rrq_send "$COA_B" "$rrq2")
eq "reply code" "$(rrp_code "$rrp")" 0
eq "binding care-of" "$(binding "$home" care_of_address)" "$COA_B"
eq "echo replies at the correspondent" "$(cn_ping "$home" 3)" 3
ge "tunnelled to the new care-of address" "$(grep -c "^rx $HA_ADDR $COA_B " "$E2E_WORK/ipip.out")" 3

say "the first RRQ replayed"
rrp=$(rrq_send "$COA_B" "$rrq1")
eq "reply code" "$(rrp_code "$rrp")" 133
eq "the 133 is authenticated" "$(check_reply "$rrq1" "$rrp")" "denied 133 (authenticated)"
eq "binding unchanged" "$(binding "$home" care_of_address)" "$COA_B"

say "an RRQ under the wrong key"
bad=$(rereg "$COA_A" 60 ffeeddccbbaa99887766554433221100)
rrp=$(rrq_send "$COA_B" "$bad")
eq "reply code" "$(rrp_code "$rrp")" 131
eq "binding unchanged" "$(binding "$home" care_of_address)" "$COA_B"

say "deregistration"
rrq3=$(rereg "$COA_B" 0)
rrp=$(rrq_send "$COA_B" "$rrq3")
eq "reply code" "$(rrp_code "$rrp")" 0
eq "reply verifies" "$(check_reply "$rrq3" "$rrp")" ok
eq "binding state" "$(binding "$home" state)" "not bound"
ge "ctrl_bindings_deregistered" "$(stat ctrl_bindings_deregistered)" 1
eq "no echo reply once deregistered" "$(cn_ping "$home" 2)" 0

say "a 2-second registration expires"
rrq4=$(rereg "$COA_B" 2)
rrp=$(rrq_send "$COA_B" "$rrq4")
eq "reply code" "$(rrp_code "$rrp")" 0
eq "granted lifetime" "$((16#${rrp:4:4}))" 2
check "binding removed at expiry" wait_for 6 sh -c "[ \"\$(\"$PY\" \"$E2E_SRC/tools/mipha-telemetry\" --prefix ${TOPO_PREFIX}ha /mipha/binding,$home | jq -r '.[].state')\" = 'not bound' ]"
ge "ctrl_bindings_expired" "$(stat ctrl_bindings_expired)" 1

e2e_check_captures
ge "Mobile IP packets captured" "$E2E_CAPTURED_MIP" 12
say "PASS"
