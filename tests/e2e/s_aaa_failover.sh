#!/usr/bin/env bash
# AAA failover: two FreeRADIUS instances; the first answers the first MN.
# Stopped, its port answers ICMP port unreachable: the next registration fails
# over to the second at once. Started again and paused (silent, as a hung
# server or a lost link), it costs the next registration its timers
# (500 + 1000 ms) before the failover.
. "$(dirname "$0")/lib.sh"

e2e_dyn_setup two
# shellcheck disable=SC2046
mn_start a $(mn_args) --care-of-if mn0 --lifetime 60 --no-tunnel
mn_registered a 20

e2e_radius_stop 1
mn_start b --nai mn0@example.net --password-file "$E2E_WORK/load-password" \
	--home-agent "$HA_ADDR" --home-address 0.0.0.0 --care-of-if mn0 --no-tunnel --lifetime 60 \
	--retry-min-ms $((3000 * E2E_TIME_SCALE))
mn_registered b 20
eq "reply code" "$(ev code)" 0
lt "registration latency (ms): refused, failed over at once" "$(ev latency_ms | cut -d. -f1)" 1400
cnt_ge "refusals (ICMP port unreachable)" aaa_server0_refused 1
cnt_eq "AAA failovers" aaa_failovers 1
refused=$(stat aaa_server0_refused)

e2e_radius_start 1 "$E2E_RADIUS_PORT"
e2e_radius_pause 1
mn_start c --nai mn1@example.net --password-file "$E2E_WORK/load-password" \
	--home-agent "$HA_ADDR" --home-address 0.0.0.0 --care-of-if mn0 --no-tunnel --lifetime 60 \
	--retry-min-ms $((3000 * E2E_TIME_SCALE))
mn_registered c 20
eq "reply code" "$(ev code)" 0
# 500 + 1000 ms waiting on the silent first server, then the second answers.
ge "registration latency (ms) includes the timers" "$(ev latency_ms | cut -d. -f1)" 1400
cnt_eq "AAA failovers" aaa_failovers 2
cnt_eq "a silent server refuses nothing" aaa_server0_refused "$refused"
cnt_ge "AAA retransmissions to the silent server" aaa_retransmissions 1
eq "bindings" "$(binding_count)" 3
mn_stop a
eq "mipmn a exits 0" "$MN_RC" 0
mn_stop b
eq "mipmn b exits 0" "$MN_RC" 0
mn_stop c
eq "mipmn c exits 0" "$MN_RC" 0
e2e_check_captures
eq "first server answered the first MN" "$(pcap_count aaa "radius.code == 2 && radius.MS_CHAP2_Success && udp.srcport == $E2E_RADIUS_PORT")" 1
ge "the later MNs' requests went to the first server" "$(pcap_count aaa "radius.code == 1 && udp.dstport == $E2E_RADIUS_PORT")" 3
eq "second server answered the later MNs" "$(pcap_count aaa "radius.code == 2 && radius.MS_CHAP2_Success && udp.srcport == $E2E_RADIUS_PORT2")" 2
say "PASS"
