#!/usr/bin/env bash
# A host on the home link itself (the correspondent's address inside the home
# prefix, 10.1.0.254, not bound to any MN) talking with a Mobile Node through
# the reverse tunnel: what mipha decapsulates for it must be delivered on the
# home link. (Static SA, scripted RRQ: no AAA needed.)
. "$(dirname "$0")/lib.sh"

e2e_setup
e2e_mipha_start
home=$E2E_STATIC_HOME
e2e_static_register 60
e2e_ipip_echo "$home" 30
eq "from a home-link host's own address: echo replies" "$(cn_ping "$home" 5 "$CN_ADDR")" 5
ge "requests tunnelled to the MN" "$(grep -c "^rx $HA_ADDR $COA_A $CN_ADDR $home" "$E2E_WORK/ipip.out")" 5
e2e_check_captures
ge "replies decapsulated onto the home link" "$(pcap_count home "icmp.type == 0 && ip.src == $home && ip.dst == $CN_ADDR")" 5
say "PASS"
