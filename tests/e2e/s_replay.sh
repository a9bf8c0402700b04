#!/usr/bin/env bash
# Replays (spec section 8), with RRQs built by `mipmn build` so the test knows
# the keys (check-reply --show-keys derives them the way the MN does):
# - a captured re-registration RRQ replayed after a newer one: 133,
#   authenticated with Skey', binding unchanged;
# - the captured initial RRQ replayed: dropped and counted, no AAA exchange.
. "$(dirname "$0")/lib.sh"

e2e_dyn_setup
nai=$E2E_NAI
pw=$E2E_WORK/password
challenge=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')

say "initial registration (mipmn build initial)"
init=$("$MIPMN" build initial --nai "$nai" --password-file "$pw" --home-address 0.0.0.0 \
	--home-agent "$HA_ADDR" --care-of "$COA_A" --identification "$(ntp_now)" \
	--challenge "$challenge" --spi1 4097 --spi2 4098 --lifetime 60)
rrp=$(rrq_send "$COA_A" --timeout 5 "$init")
e2e_dynkey_gate
eq "reply code" "$(rrp_code "$rrp")" 0
keys=$("$MIPMN" build check-reply --nai "$nai" --password-file "$pw" --request "$init" \
	--reply "$rrp" --show-keys)
eq "the reply verifies (MHAE under SPI1, AUTH-RESPONSE)" "$(head -n 1 <<<"$keys")" ok
skey2=$(sed -n 's/^skey2=//p' <<<"$keys")
home=$(printf '%d.%d.%d.%d' "0x${rrp:8:2}" "0x${rrp:10:2}" "0x${rrp:12:2}" "0x${rrp:14:2}")
say "home address $home"
aaa0=$(stat dk_aaa_requests)

rereg() {
	"$MIPMN" build rereg --nai "$nai" --home-address "$home" --home-agent "$HA_ADDR" \
		--care-of "$1" --identification "$(ntp_now)" --lifetime 60 --spi 4098 --key "$skey2"
}
say "re-registration 1 from $COA_A, then re-registration 2 from $COA_B"
r1=$(rereg "$COA_A")
rrp=$(rrq_send "$COA_A" "$r1")
eq "re-registration 1" "$(rrp_code "$rrp")" 0
sleep 0.1
r2=$(rereg "$COA_B")
rrp=$(rrq_send "$COA_A" "$r2")
eq "re-registration 2" "$(rrp_code "$rrp")" 0
eq "reply verifies with Skey'" "$("$MIPMN" build check-reply --key "$skey2" --request "$r2" --reply "$rrp")" ok
eq "binding care-of" "$(binding "$home" care_of_address)" "$COA_B"

# captured_rrq HEX: the RRQ as the uplink capture holds it (empty if absent).
# The capture is still running: dumpcap writes what libpcap hands it a block
# at a time (250 ms at most), so look a few times.
captured_rrq() {
	local i got
	for i in 1 2 3 4 5 6 7 8 9 10; do
		got=$(tshark -r "$E2E_WORK/uplink.pcapng" -Y "mip.type == 1" -T fields -e udp.payload 2>/dev/null |
			tr -d ':' | grep -x "$1" | head -n 1)
		[ -z "$got" ] || break
		sleep 0.3
	done
	echo "$got"
}
say "re-registration 1 (as captured on the uplink) replayed"
cap=$(captured_rrq "$r1")
eq "re-registration 1 is in the capture" "$cap" "$r1"
rrp=$(rrq_send "$COA_A" "$cap")
eq "reply code" "$(rrp_code "$rrp")" 133
eq "the 133 is authenticated with Skey'" \
	"$("$MIPMN" build check-reply --key "$skey2" --request "$r1" --reply "$rrp")" "denied 133 (authenticated)"
eq "binding unchanged" "$(binding "$home" care_of_address)" "$COA_B"

say "the initial RRQ (as captured) replayed"
cap=$(captured_rrq "$init")
eq "the initial RRQ is in the capture" "$cap" "$init"
stale0=$(stat dk_drop_stale_ident)
rrp=$(rrq_send "$COA_A" --timeout 2 "$cap")
eq "no reply" "$rrp" -
cnt_eq "dropped and counted" dk_drop_stale_ident $((stale0 + 1))
cnt_eq "no AAA exchange" dk_aaa_requests "$aaa0"
eq "binding unchanged" "$(binding "$home" care_of_address)" "$COA_B"

say "deregistration"
d=$("$MIPMN" build rereg --nai "$nai" --home-address "$home" --home-agent "$HA_ADDR" \
	--care-of "$COA_B" --identification "$(ntp_now)" --lifetime 0 --spi 4098 --key "$skey2")
eq "deregistration" "$(rrp_code "$(rrq_send "$COA_A" "$d")")" 0
eq "binding" "$(binding "$home" state)" "not bound"

e2e_check_captures
eq "Access-Requests: only the first initial RRQ" "$(radius_requests aaa)" 1
say "PASS"
