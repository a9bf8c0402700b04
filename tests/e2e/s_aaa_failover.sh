#!/usr/bin/env bash
# AAA failover: two FreeRADIUS instances; the first answers the first MN; once
# it is stopped, the next registration times out on it and fails over to the
# second, and succeeds.
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
# 500 + 1000 ms waiting on the dead first server, then the second answers.
ge "registration latency (ms) includes the failover" "$(ev latency_ms | cut -d. -f1)" 1400
cnt_ge "AAA failovers" aaa_failovers 1
eq "bindings" "$(binding_count)" 2
mn_stop a
eq "mipmn a exits 0" "$MN_RC" 0
mn_stop b
eq "mipmn b exits 0" "$MN_RC" 0
e2e_check_captures
eq "first server answered the first MN" "$(pcap_count aaa "radius.code == 2 && radius.MS_CHAP2_Success && udp.srcport == $E2E_RADIUS_PORT")" 1
ge "the second MN's request went to the first server" "$(pcap_count aaa "radius.code == 1 && udp.dstport == $E2E_RADIUS_PORT")" 2
eq "second server answered" "$(pcap_count aaa "radius.code == 2 && radius.MS_CHAP2_Success && udp.srcport == $E2E_RADIUS_PORT2")" 1
say "PASS"
