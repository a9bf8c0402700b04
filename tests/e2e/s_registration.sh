#!/usr/bin/env bash
# Initial registration through AAA (spec sections 4-6): `mipmn run` sends the
# initial RRQ, mipha asks FreeRADIUS (MS-CHAPv2), derives the keys, installs
# the binding and answers 0 with AUTH-RESPONSE, which mipmn verifies. Then a
# deregistration on SIGTERM.
. "$(dirname "$0")/lib.sh"

e2e_dyn_setup
# shellcheck disable=SC2046
mn_start mn $(mn_args) --care-of-if mn0 --lifetime 60 --no-tunnel
mn_registered mn 20
eq "reply code" "$(ev code)" 0
eq "exchange" "$(ev exchange)" initial
eq "care-of address" "$(ev care_of)" "$COA_A"
home=$(ev home_address)
eq "home address from the pool" "$home" "$E2E_POOL_FIRST"
eq "binding at the HA" "$(binding "$home" state)" bound
eq "binding care-of" "$(binding "$home" care_of_address)" "$COA_A"
cnt_ge "AAA requests" dk_aaa_requests 1
cnt_ge "AAA accepts" dk_aaa_accepts 1
cnt_ge "dynamic-key installs" dk_installs 1
eq "SA entries: the static one and this MN's" "$(tele /mipha/sa | jq -r '.[].installed')" 2

mn_stop mn
eq "mipmn exits 0 after deregistering" "$MN_RC" 0
mn_wait mn 1 '.event == "deregistered"' || fail "no deregistered event"
eq "binding after deregistration" "$(binding "$home" state)" "not bound"

e2e_check_captures
eq "Access-Requests" "$(radius_requests aaa)" 1
eq "Access-Accepts" "$(pcap_count aaa 'radius.code == 2 && radius.MS_CHAP2_Success')" 1
ge "initial RRQ and its RRP on the uplink" "$(pcap_count uplink 'mip.type == 3 && mip.code == 0')" 2
say "PASS"
