#!/usr/bin/env bash
# Handover: the MN moves from foreign network A to B (its route changes, its
# care-of file is rewritten, SIGUSR1); it re-registers from the new care-of
# address under Skey' and the correspondent's pings, running across the move,
# follow it.
. "$(dirname "$0")/lib.sh"

e2e_dyn_setup
echo "$COA_A" >"$E2E_WORK/care-of"
# shellcheck disable=SC2046
mn_start mn $(mn_args) --care-of-file "$E2E_WORK/care-of" --lifetime 60 --reverse-tunnel
mn_registered mn 20
home=$(ev home_address)
wait_for 5 mn_tunnel_up "$home" || fail "no tunnel device"
eq "before the move" "$(cn_ping "$home" 3)" 3

ip netns exec "$NS_CN" ping -n -c 40 -i 0.1 -W 1 -I "$CN_FAR" "$home" >"$E2E_WORK/ping.out" 2>&1 &
ping_pid=$!
sleep 1
say "the MN moves to $COA_B"
topo_move_mn_to_b
echo "$COA_B" >"$E2E_WORK/care-of"
kill -USR1 "$(mn_pid mn)"
mn_wait mn 10 '.event == "handover"' || fail "no handover event"
say "ok: handover: code $(ev code) care-of $(ev care_of) latency $(ev latency_ms) ms"
eq "handover care-of" "$(ev care_of)" "$COA_B"
eq "binding care-of" "$(binding "$home" care_of_address)" "$COA_B"
wait "$ping_pid"
got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$E2E_WORK/ping.out")
ge "pings answered across the handover (of 40)" "$got" 34
eq "after the move: reverse tunnel from the new care-of" "$(mn_ping "$home" "$CN_FAR" 3)" 3
cnt_eq "AAA requests" dk_aaa_requests 1
mn_stop mn
eq "mipmn exits 0" "$MN_RC" 0
e2e_check_captures
ge "IP-in-IP to the new care-of" "$(pcap_count uplink "ip.proto == 4 && ip.dst == $COA_B")" 5
say "PASS"
