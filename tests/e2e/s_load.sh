#!/usr/bin/env bash
# 200 Mobile Nodes from `mipmn load`, each with its own NAI and an address
# from the pool, registered through FreeRADIUS at once; then the correspondent
# sends to every home address and each datagram arrives IP-in-IP at the
# care-of address.
. "$(dirname "$0")/lib.sh"

n=$E2E_LOAD_COUNT
e2e_dyn_setup
# 40 care-of addresses, 5 MNs behind each: the HA's per-source rate limit
# (spec section 5 step 2; 20/s, burst 40 by default) is not what is tested.
for i in $(seq 100 139); do
	ip -n "$NS_MN" addr add "192.0.2.$i/24" dev mn0
done
ip netns exec "$NS_MN" "$MIPMN" load --home-agent "$HA_ADDR" \
	--password-file "$E2E_WORK/load-password" --count "$n" \
	--bind 192.0.2.100:434 --sources 40 \
	--nai-pattern 'mn%d@example.net' --lifetime 300 --duration 60 --json \
	>"$E2E_WORK/load.out" 2>"$E2E_WORK/load.err" &
load_pid=$!
E2E_PIDS+=("$load_pid")
e2e_wait_pid "$load_pid" 70 || fail "mipmn load did not finish"
wait "$load_pid"
rc=$?
e2e_dynkey_gate
report=$(grep load_report "$E2E_WORK/load.out" | tail -n 1)
say "load report: $(jq -c '{registered, failed, incomplete, elapsed_s, registrations_per_s, latency_ms, retransmissions, denied}' <<<"$report")"
eq "mipmn load exit code" "$rc" 0
eq "registered" "$(jq -r .registered <<<"$report")" "$n"
eq "bindings at the HA" "$(binding_count)" "$n"
cnt_ge "AAA accepts" dk_aaa_accepts "$n"

say "the correspondent sends one datagram to each of the $n home addresses"
ip netns exec "$NS_MN" "$PY" "$E2E_DIR/ipip_echo.py" --home-prefix "$HOME_PREFIX" --ha "$HA_ADDR" \
	--any-proto --no-reply --duration 30 >"$E2E_WORK/ipip.out" 2>"$E2E_WORK/ipip.err" &
echo_pid=$!
E2E_PIDS+=("$echo_pid")
wait_for 5 grep -q ready "$E2E_WORK/ipip.out" || fail "ipip_echo did not start"
enc0=$(stat encap_packets)
ip netns exec "$NS_CN" "$PY" - "$E2E_POOL_FIRST" "$n" <<'PY'
import ipaddress, socket, sys, time
first = ipaddress.ip_address(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for rnd in range(3):  # the first round also resolves 200 neighbours (proxy ARP)
    for i in range(int(sys.argv[2])):
        try:
            s.sendto(b"e2e", (str(first + i), 9))
        except OSError:
            pass
    time.sleep(1)
PY
sleep 1
kill "$echo_pid" 2>/dev/null
got=$(awk '$1 == "rx" { print $5 }' "$E2E_WORK/ipip.out" | sort -u | wc -l)
eq "home addresses reached through the tunnel" "$got" "$n"
ge "encap_packets" "$(stat encap_packets)" $((enc0 + n))
e2e_check_captures
ge "Access-Accepts" "$(pcap_count aaa 'radius.code == 2 && radius.MS_CHAP2_Success')" "$n"
say "PASS"
