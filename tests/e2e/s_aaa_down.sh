#!/usr/bin/env bash
# AAA down (spec section 10): with FreeRADIUS stopped, a bound MN keeps its
# binding and its traffic (re-registrations need no AAA); a new MN's initial
# registration gets 131 at once, since the stopped server's port answers ICMP
# port unreachable (no timers are waited out; the silent case is
# s_aaa_failover.sh); refusals mark the server dead; once FreeRADIUS is back,
# a probe finds it and a new registration succeeds.
. "$(dirname "$0")/lib.sh"

e2e_dyn_setup
# shellcheck disable=SC2046
mn_start a $(mn_args) --care-of-if mn0 --lifetime 6 --reverse-tunnel
mn_registered a 20
home=$(ev home_address)
wait_for 5 mn_tunnel_up "$home" || fail "no tunnel device"

e2e_radius_stop 1
eq "bound MN: echo replies with AAA down" "$(cn_ping "$home" 5)" 5
mn_wait a 10 '.event == "reregistered"' || fail "no re-registration with AAA down"
say "ok: the bound MN re-registered with AAA down (code $(ev code))"

say "a new MN (mn0@example.net) registers while AAA is down"
t_b=$(date +%s.%N)
mn_start b --nai mn0@example.net --password-file "$E2E_WORK/load-password" \
	--home-agent "$HA_ADDR" --home-address 0.0.0.0 --care-of-if mn0 --no-tunnel \
	--retry-min-ms 1000 --retry-max-ms 2000
mn_wait b 10 '.event == "denied"' || fail "no denial while AAA is down"
eq "reply code" "$(ev code)" 131
eq "authenticated" "$(ev authenticated)" false
# [aaa] timeout_ms = 500, retries = 1: a silent server costs 500 + 1000 ms;
# a refusing one nothing.
lt "ms from start to the 131 (refused: no timer waited out)" "$(awk -v a="$t_b" -v b="$(ev time)" 'BEGIN { printf "%d", (b - a) * 1000 }')" 1400
cnt_ge "AAA timeouts" dk_aaa_timeouts 1
cnt_ge "refusals (ICMP port unreachable)" aaa_server0_refused 1
cnt_eq "no retransmission to a refusing server" aaa_retransmissions 0
eq "still forwarding for the bound MN" "$(cn_ping "$home" 3)" 3
say "its retries are refused too: after 3 in a row the server is marked dead"
check "server 1 marked dead" cnt_wait aaa_server0_marked_dead 1 15
check "and mipha says why" wait_for 3 grep -q "^mipha: AAA server 1 127.0.0.1:$E2E_RADIUS_PORT (udp): dead (refused: ICMP port unreachable, nothing listens there; 3 requests in a row failed)" "$E2E_WORK/mipha.log"

say "FreeRADIUS back"
e2e_radius_start 1 "$E2E_RADIUS_PORT"
mn_registered b 20
eq "the new MN's binding" "$(binding "$(ev home_address)" state)" bound
cnt_eq "server 1 recovered by a probe" aaa_server0_recovered 1
check "and mipha says so" wait_for 3 grep -q "^mipha: AAA server 1 127.0.0.1:$E2E_RADIUS_PORT (udp): alive again" "$E2E_WORK/mipha.log"
eq "bindings" "$(binding_count)" 2
mn_stop a
eq "mipmn a exits 0" "$MN_RC" 0
mn_stop b
eq "mipmn b exits 0" "$MN_RC" 0
e2e_check_captures
say "PASS"
