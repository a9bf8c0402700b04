#!/usr/bin/env bash
# A wrong password: FreeRADIUS rejects the MS-CHAPv2 response, mipha answers
# 131 without MHAE, installs nothing; mipmn backs off, retries, and after the
# 5th unauthenticated denial reports `denied` with action stop (exit 3).
. "$(dirname "$0")/lib.sh"

e2e_dyn_setup
mn_start mn --nai "$E2E_NAI" --password-file "$E2E_WORK/wrong-password" \
	--home-agent "$HA_ADDR" --home-address 0.0.0.0 --care-of-if mn0 --no-tunnel \
	--retry-min-ms 200 --retry-max-ms 400
mn_wait mn 20 '.event == "denied"' || fail "no denied event"
eq "reply code" "$(ev code)" 131
eq "authenticated" "$(ev authenticated)" false
eq "no binding" "$(binding_count)" 0
mn_wait mn 30 '.event == "denied" and .action == "stop"' || fail "mipmn did not stop"
wait "$(mn_pid mn)"
eq "mipmn exit code" "$?" 3
eq "denials" "$(mn_events mn '.event == "denied" and .code == 131' | wc -l)" 5
cnt_ge "AAA rejects" dk_aaa_rejects 5
eq "no binding" "$(binding_count)" 0
eq "only the static SA" "$(tele /mipha/sa | jq -r '.[].installed')" 1
e2e_check_captures
ge "Access-Rejects" "$(pcap_count aaa 'radius.code == 3')" 5
eq "no Access-Accept" "$(pcap_count aaa 'radius.code == 2 && radius.MS_CHAP2_Success')" 0
ge "131 replies on the uplink" "$(pcap_count uplink 'mip.code == 131')" 5
say "PASS"
