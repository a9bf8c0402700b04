#!/usr/bin/env bash
# The harness checks itself: a truncated Mobile IP packet on the uplink must
# make the capture check fail (so a clean check elsewhere means something),
# and a garbage RRQ must be counted by mipha, not answered.
. "$(dirname "$0")/lib.sh"

e2e_setup
e2e_mipha_start
bad0=$(stat drop_reg_not_rrq)
mal0=$(stat drop_reg_malformed)
# An RRQ cut after 3 bytes, and one with a truncated extension.
ip netns exec "$NS_MN" "$PY" - "$HA_ADDR" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 434))
s.sendto(bytes.fromhex("010000"), (sys.argv[1], 434))
s.sendto(bytes.fromhex("0100003c0a0100090a010001c000024d" "0000000000000001" "20ff"), (sys.argv[1], 434))
PY
wait_for 5 sh -c "[ \$(\"$PY\" \"$E2E_SRC/tools/mipha-telemetry\" --prefix ${TOPO_PREFIX}ha /mipha/stats | jq '.[].total.class_reg') -ge 2 ]" ||
	fail "mipha did not see the two datagrams"
ge "garbage counted (drop_reg_not_rrq + drop_reg_malformed)" \
	$(($(stat drop_reg_not_rrq) + $(stat drop_reg_malformed) - bad0 - mal0)) 2
# The check must fail, naming the frame; run it in a subshell so that its
# exit does not end this test.
out=$( (e2e_check_captures) 2>&1 )
rc=$?
eq "capture check fails on a malformed packet" "$rc" 1
check "the failure names the malformed frame" grep -q "tshark flags packets in uplink.pcapng: frame [0-9]*: \[Malformed Packet" <<<"$out"
say "PASS"
