#!/usr/bin/env bash
# A Mobile Node with a static SA configured by NAI alone (spec section 9;
# home address rules of section 5 step 5), registered by scripted RRQs from
# `mipmn build rereg`: Home Address 0.0.0.0 gets the first [ha] home_pool
# address in a reply signed with the static key; the binding shows in
# telemetry and /mipha/sa shows the assigned address; a re-registration at
# that address is accepted on a worker's fast path; a wrong key gets 131;
# deregistration frees the address (telemetry "none", pool free again) and
# the first RRQ replayed after it gets 133. No AAA server is involved.
. "$(dirname "$0")/lib.sh"

e2e_setup
e2e_mipha_start nai

nai=$E2E_STATIC_NAI
key=$E2E_STATIC_NAI_KEY

# rereg HOME COA LIFETIME [KEY]: a signed RRQ under the NAI's SA, T flag set.
rereg() {
	"$MIPMN" build rereg --nai "$nai" --home-address "$1" --home-agent "$HA_ADDR" \
		--care-of "$2" --identification "$(ntp_now)" --lifetime "$3" \
		--spi "$E2E_STATIC_NAI_SPI" --key "${4:-$key}" --flags 2
}
check_reply() {
	"$MIPMN" build check-reply --key "$key" --request "$1" --reply "$2"
}
# rrp_home HEX: the reply's Home Address, dotted.
rrp_home() {
	local h=${1:8:8}
	echo "$((16#${h:0:2})).$((16#${h:2:2})).$((16#${h:4:2})).$((16#${h:6:2}))"
}
# The assigned_address /mipha/sa shows for the NAI's SA.
sa_assigned() {
	tele /mipha/sa | jq -r --arg n "$nai" \
		'.["/mipha/sa"].static[] | select(.nai == $n) | .assigned_address'
}

say "the NAI asks for a home address (0.0.0.0)"
eq "/mipha/sa before: no address" "$(sa_assigned)" none
free0=$(stat ctrl_pool_free)
rrq1=$(rereg 0.0.0.0 "$COA_A" 60)
rrp=$(rrq_send "$COA_A" "$rrq1")
eq "reply code" "$(rrp_code "$rrp")" 0
eq "reply verifies with the SA's key" "$(check_reply "$rrq1" "$rrp")" ok
home=$(rrp_home "$rrp")
eq "assigned home address: the pool's first" "$home" "$E2E_POOL_FIRST"
eq "binding state" "$(binding "$home" state)" bound
eq "binding care-of" "$(binding "$home" care_of_address)" "$COA_A"
eq "/mipha/sa: assigned address" "$(sa_assigned)" "$home"
cnt_eq "accepted by control" ctrl_nai_accepted 1
cnt_eq "addresses assigned" ctrl_nai_assigned 1
eq "pool: one address fewer" "$(stat ctrl_pool_free)" $((free0 - 1))
ge "gratuitous ARP" "$(stat ctrl_gratuitous_arps)" 1

say "re-registration at the assigned address: the fast path"
fast0=$(stat reg_accepted)
rrq2=$(rereg "$home" "$COA_A" 60)
rrp=$(rrq_send "$COA_A" "$rrq2")
eq "reply code" "$(rrp_code "$rrp")" 0
eq "reply verifies" "$(check_reply "$rrq2" "$rrp")" ok
eq "reply home address" "$(rrp_home "$rrp")" "$home"
eq "accepted by a worker (reg_accepted)" "$(cnt_delta reg_accepted "$fast0")" 1
cnt_eq "control accepted nothing more" ctrl_nai_accepted 1

say "an RRQ under the wrong key"
bad=$(rereg 0.0.0.0 "$COA_A" 60 ffeeddccbbaa99887766554433221100)
rrp=$(rrq_send "$COA_A" "$bad")
eq "reply code" "$(rrp_code "$rrp")" 131
cnt_eq "bad MHAE counted" ctrl_nai_replies_131_bad_mhae 1
eq "binding unchanged" "$(binding "$home" care_of_address)" "$COA_A"

say "deregistration frees the address"
rrq3=$(rereg "$home" "$COA_A" 0)
rrp=$(rrq_send "$COA_A" "$rrq3")
eq "reply code" "$(rrp_code "$rrp")" 0
eq "reply verifies" "$(check_reply "$rrq3" "$rrp")" ok
eq "binding state" "$(binding "$home" state)" "not bound"
eq "/mipha/sa: no address" "$(sa_assigned)" none
cnt_eq "address released" ctrl_nai_released 1
eq "pool: the address is back" "$(stat ctrl_pool_free)" "$free0"

say "the first RRQ replayed after deregistration"
rrp=$(rrq_send "$COA_A" "$rrq1")
eq "reply code" "$(rrp_code "$rrp")" 133
eq "the 133 is authenticated" "$(check_reply "$rrq1" "$rrp")" "denied 133 (authenticated)"
cnt_eq "replay counted" ctrl_nai_replies_133 1
eq "nothing bound" "$(binding "$home" state)" "not bound"

e2e_check_captures
ge "Mobile IP packets captured" "$E2E_CAPTURED_MIP" 10
say "PASS"
