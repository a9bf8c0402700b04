#!/usr/bin/env bash
# Tunnelled traffic both ways: the correspondent pings the MN's home address
# (proxy ARP, IP-in-IP to the care-of address, decapsulated by mipmn's
# userspace tunnel) and the MN pings the correspondent from its home address
# through the reverse tunnel (T flag), which mipha decapsulates onto the home
# link.
. "$(dirname "$0")/lib.sh"

e2e_dyn_setup
# shellcheck disable=SC2046
mn_start mn $(mn_args) --care-of-if mn0 --lifetime 60 --reverse-tunnel
mn_registered mn 20
home=$(ev home_address)
eq "binding reverse tunnel" "$(binding "$home" reverse_tunnel)" 1
# mipmn sets the tunnel up right after the reply: give it a moment.
wait_for 5 mn_tunnel_up "$home" ||
	fail "no tunnel device holds $home"

enc0=$(stat encap_packets)
dec0=$(stat decap_packets)
eq "correspondent -> home address: echo replies" "$(cn_ping "$home" 10)" 10
eq "home address -> correspondent (reverse tunnel): echo replies" "$(mn_ping "$home" "$CN_FAR" 10)" 10
ge "encap_packets" "$(stat encap_packets)" $((enc0 + 20))
ge "decap_packets" "$(stat decap_packets)" $((dec0 + 20))
# A full 1500-byte packet without DF: 1520 bytes once encapsulated, over the
# uplink's 1500, so mipha sends it as two outer fragments (RFC 2003 5.1).
# (mipmn's userspace tunnel does not answer a packet that big, so only the
# HA's side is counted.)
frag0=$(stat encap_fragmented)
ip netns exec "$NS_CN" ping -n -q -c 3 -i 0.2 -W 1 -M dont -s 1472 -I "$CN_FAR" "$home" \
	>/dev/null 2>&1 || true
ge "encap_fragmented (1500-byte packets without DF)" "$(stat encap_fragmented)" $((frag0 + 3))
# The other way: a reverse-tunnelled datagram that reaches the HA as three
# outer fragments, out of order, is reassembled and decapsulated onto the
# home link whole.
rea0=$(stat reasm_datagrams)
ip netns exec "$NS_MN" /usr/bin/python3 - "$COA_A" "$HA_ADDR" "$home" "$CN_FAR" <<'PY'
import sys
from scapy.all import IP, UDP, Raw, conf, fragment, send
conf.verb = 0
coa, ha, home, cn = sys.argv[1:5]
inner = IP(src=home, dst=cn, ttl=64) / UDP(sport=40000, dport=9) / Raw(bytes(range(256)) * 5 + b"E2E-REASM")
frags = fragment(IP(src=coa, dst=ha, proto=4, id=4242) / inner, fragsize=504)
assert len(frags) == 3, len(frags)
send([frags[2], frags[0], frags[1]])
PY
reasm_grew() { [ "$(stat reasm_datagrams)" -gt "$rea0" ]; }
wait_for 5 reasm_grew || fail "the HA did not reassemble the reverse-tunnelled fragments"
eq "reasm_datagrams" "$(stat reasm_datagrams)" $((rea0 + 1))
eq "proxy ARP: the home address is at the HA's MAC" \
	"$(ip -n "$NS_CN" neigh show "$home" | awk '{ print $5 }')" "$HA_HOME_MAC"

mn_stop mn
eq "mipmn exits 0" "$MN_RC" 0
e2e_check_captures
ge "IP-in-IP HA -> care-of" "$(pcap_count uplink "ip.proto == 4 && ip.src == $HA_ADDR && ip.dst == $COA_A")" 20
ge "IP-in-IP care-of -> HA" "$(pcap_count uplink "ip.proto == 4 && ip.src == $COA_A && ip.dst == $HA_ADDR")" 20
ge "decapsulated on the home link" "$(pcap_count home "icmp && ip.src == $home")" 10
ge "outer first fragments HA -> care-of (MF set)" \
	"$(pcap_count uplink "ip.src == $HA_ADDR && ip.dst == $COA_A && ip.flags.mf == 1 && ip.frag_offset == 0")" 3
eq "reassembled datagram decapsulated on the home link, whole" \
	"$(pcap_count home "eth.src == $HA_HOME_MAC && ip.src == $home && ip.dst == $CN_FAR && udp.dstport == 9 && ip.len == 1317 && ip.flags.mf == 0 && ip.frag_offset == 0")" 1
ge "outer last fragments HA -> care-of" \
	"$(pcap_count uplink "ip.src == $HA_ADDR && ip.dst == $COA_A && ip.flags.mf == 0 && ip.frag_offset > 0")" 3
say "PASS"
