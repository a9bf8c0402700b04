#!/usr/bin/env bash
# A host on the home link itself (the correspondent's address inside the home
# prefix, 10.1.0.254, not bound to any MN) talking with a Mobile Node through
# the reverse tunnel: what mipha decapsulates for it must be delivered on the
# home link. (Static SA, scripted RRQ: no AAA needed.)
. "$(dirname "$0")/lib.sh"

e2e_setup
e2e_mipha_start
home=$E2E_STATIC_HOME
rrq=$("$MIPMN" build rereg --nai static1@example.net --home-address "$home" --home-agent "$HA_ADDR" \
	--care-of "$COA_A" --identification "$(ntp_now)" --lifetime 60 \
	--spi "$E2E_STATIC_SPI" --key "$E2E_STATIC_KEY" --flags 2)
eq "registration" "$(rrp_code "$(rrq_send "$COA_A" "$rrq")")" 0
ip netns exec "$NS_MN" "$PY" "$E2E_DIR/ipip_echo.py" --home "$home" --ha "$HA_ADDR" \
	--duration 30 >"$E2E_WORK/ipip.out" 2>"$E2E_WORK/ipip.err" &
E2E_PIDS+=($!)
wait_for 5 grep -q ready "$E2E_WORK/ipip.out" || fail "ipip_echo did not start"
eq "from a home-link host's own address: echo replies" "$(cn_ping "$home" 5 "$CN_ADDR")" 5
ge "requests tunnelled to the MN" "$(grep -c "^rx $HA_ADDR $COA_A $CN_ADDR $home" "$E2E_WORK/ipip.out")" 5
e2e_check_captures
ge "replies decapsulated onto the home link" "$(pcap_count home "icmp.type == 0 && ip.src == $home && ip.dst == $CN_ADDR")" 5
say "PASS"
