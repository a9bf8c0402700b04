#!/usr/bin/env bash
# Fault injection on the AAA path (issue 8), through mipha in the e2e
# topology: a RADIUS man in the middle (aaa_proxy.py) between mipha and
# FreeRADIUS answers with garbage and forged replies, late, or not at all.
# Garbage never registers anyone and never stops a real reply behind it from
# being taken; a slow server within the timeout still registers; a silent
# one ends in 131 after the timeouts; and the bound MN's traffic flows the
# whole time; once the path is healthy again, a new MN registers. (Each
# phase uses a new MN: one denied over and over gives up, spec section 6.)
SEC_DIR=$(cd "$(dirname "$0")" && pwd)
. "$SEC_DIR/../e2e/lib.sh" || exit 1

mode_file=
mode() {
	echo "$*" >"$mode_file"
	say "AAA path: $*"
}
# mn_load NAME INDEX: Mobile Node mnINDEX@example.net (load users' password).
mn_load() {
	mn_start "$1" --nai "mn$2@example.net" --password-file "$E2E_WORK/load-password" \
		--home-agent "$HA_ADDR" --home-address 0.0.0.0 --care-of-if mn0 --no-tunnel \
		--retry-min-ms 500 --retry-max-ms 1000
}

e2e_setup
mode_file=$E2E_WORK/aaa-mode
echo pass >"$mode_file"
e2e_radius_start 1 "$E2E_RADIUS_PORT2"
ip netns exec "$NS_HA" "$PY" "$SEC_DIR/aaa_proxy.py" \
	--listen "$E2E_RADIUS_PORT" --upstream "$E2E_RADIUS_PORT2" --mode-file "$mode_file" \
	>"$E2E_WORK/aaa-proxy.out" 2>&1 &
E2E_PIDS+=($!)
wait_for 5 grep -q ready "$E2E_WORK/aaa-proxy.out" || fail "aaa_proxy did not start"
e2e_mipha_start dynkey

# shellcheck disable=SC2046
mn_start a $(mn_args) --care-of-if mn0 --lifetime 30 --reverse-tunnel
mn_registered a 20
home=$(ev home_address)
wait_for 5 mn_tunnel_up "$home" || fail "no tunnel device"
eq "bound MN: echo replies" "$(cn_ping "$home" 3)" 3

mode garbage
acc0=$(stat dk_aaa_accepts)
inv0=$(stat aaa_replies_invalid)
to0=$(stat dk_aaa_timeouts)
mn_load b 0
mn_wait b 20 '.event == "denied"' || fail "garbage replies: no denial"
eq "reply code" "$(ev code)" 131
eq "authenticated" "$(ev authenticated)" false
mn_stop b
ge "garbage replies sent by the proxy" "$(awk '$1 == "garbage" { n += $2 } END { print n + 0 }' "$E2E_WORK/aaa-proxy.out")" 7
garbage=$(awk '$1 == "garbage" { n += $2 } END { print n + 0 }' "$E2E_WORK/aaa-proxy.out")
ge "garbage is discarded as if never received: AAA timeouts" "$(cnt_delta dk_aaa_timeouts "$to0")" 1
eq "every garbage reply discarded and counted (aaa_replies_invalid)" \
	"$(cnt_delta aaa_replies_invalid "$inv0")" "$garbage"
eq "discarded replies by reason (aaa_reason_*) add up to aaa_replies_invalid" \
	"$(tele /mipha/stats | jq '[.["/mipha/stats"].control | to_entries[] |
		select(.key | test("^aaa_reason_(SHORT|BAD_LENGTH|BAD_ID|BAD_CODE|BAD_RESPONSE_AUTH|NO_MA|DUP_MA|BAD_MA|BAD_ATTR)$")) | .value] | add')" \
	"$(stat aaa_replies_invalid)"
eq "no AAA accept from garbage (dk_aaa_accepts)" "$(stat dk_aaa_accepts)" "$acc0"
eq "no binding from garbage" "$(binding_count)" 1
eq "still forwarding for the bound MN" "$(cn_ping "$home" 3)" 3

mode garbage+real
mn_load c 1
mn_registered c 30
eq "bindings" "$(binding_count)" 2

mode delay 120
mn_load d 2
mn_registered d 20
ge "a slow AAA server within the timeout: latency (ms)" "$(ev latency_ms)" 120

mode drop
to0=$(stat dk_aaa_timeouts)
inv0=$(stat dk_aaa_invalid)
acc0=$(stat dk_aaa_accepts)
d0=$(stat dk_replies_131)
mn_load e 3
mn_wait e 20 '.event == "denied"' || fail "silent AAA: no denial"
eq "reply code" "$(ev code)" 131
eq "authenticated" "$(ev authenticated)" false
mn_stop e
ge "AAA timeouts (dk_aaa_timeouts)" "$(cnt_delta dk_aaa_timeouts "$to0")" 1
# (a slow HA, under valgrind, lets the MN try again after the server was
# marked dead: that try is refused at once, a dk_aaa_invalid)
eq "each 131 is an AAA timeout or a request refused with no server left (dk_replies_131)" \
	"$(cnt_delta dk_replies_131 "$d0")" \
	$(($(cnt_delta dk_aaa_timeouts "$to0") + $(cnt_delta dk_aaa_invalid "$inv0")))
eq "no AAA accept (dk_aaa_accepts)" "$(stat dk_aaa_accepts)" "$acc0"

mode delay 1500
mn_load f 4
sleep 5
eq "answers after the timeout register no one" "$(binding_count)" 3
eq "mn f not registered" "$(mn_events f '.event == "registered"' | wc -l)" 0
eq "still forwarding for the bound MN" "$(cn_ping "$home" 3)" 3
mn_stop f

mode pass
mn_load g 5
mn_registered g 30
eq "bindings" "$(binding_count)" 4
for n in a c d g; do
	mn_stop "$n"
	eq "mipmn $n exits 0" "$MN_RC" 0
done
# mipha stops cleanly on SIGTERM: under ASan or valgrind a finding at exit
# (a leak, an error) makes this exit status non-zero.
e2e_mipha_stop
eq "mipha exits 0" "$E2E_MIPHA_LAST_RC" 0
say "PASS"
