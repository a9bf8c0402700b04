# shellcheck shell=bash
# The end-to-end topology, shared by scripts/demo.sh and tests/e2e. Source it.
#
#   correspondent        Home Agent (mipha, DPDK)          router             Mobile Node
#   [NS_CN] cn0 ====== hah0 [NS_HA] hau0 ====== rt0 [NS_RT] rt1 ====== mn0 [NS_MN]
#   10.1.0.254/24     home link     uplink     203.0.113.254  192.0.2.254  192.0.2.77 (care-of A)
#                     (no kernel addresses:                   rt2 ====== mn1
#   10.9.0.100/32 (lo) DPDK net_pcap owns them)            198.51.100.254  198.51.100.9 (care-of B)
#
# mipha's ports are net_pcap devices on hah0 and hau0 (one rx queue, two tx
# queues each: the worker's and the control lcore's). TOPO_PORTS chooses
# another kind, on the same veths (tests e2e_static_*):
#   af_packet  net_af_packet on hah0 and hau0 (qpairs=2: mipha polls both rx
#              queues, the kernel spreads frames over them by flow hash).
#   tap        net_tap: mipha creates TAP interfaces (mtaph, mtapu) in NS_HA,
#              and topo_ports_attach bridges each to its veth (brh, bru). The
#              veth ends and the TAPs' kernel sides get MACs of their own: a
#              bridge delivers frames for its ports' own MACs to its host.
#   memif      net_memif, mipha the server; port_wire (tests/e2e/port_wire.c),
#              a memif client, carries frames between each memif and its veth
#              (net_pcap on it, incoming only). FreeRADIUS runs in NS_HA on 127.0.0.1 (the control
# lcore's AAA client uses kernel sockets there). The router reaches the home
# network on-link through rt0, so it ARPs for 10.1.0.1 and for home addresses,
# which mipha answers.
# Every name carries $TOPO_PREFIX so that parallel runs do not collide;
# topo_down removes everything, processes first, and is safe to call twice.

TOPO_PREFIX=${TOPO_PREFIX:-mip$$}
TOPO_PORTS=${TOPO_PORTS:-pcap}
case $TOPO_PORTS in
pcap | af_packet | tap | memif) ;;
*) echo "topo.sh: TOPO_PORTS=$TOPO_PORTS: pcap, af_packet, tap or memif" >&2; return 1 ;;
esac
NS_HA=${TOPO_PREFIX}-ha
NS_CN=${TOPO_PREFIX}-cn
NS_RT=${TOPO_PREFIX}-rt
NS_MN=${TOPO_PREFIX}-mn

HA_ADDR=10.1.0.1
HOME_PREFIX=10.1.0.0/24
CN_ADDR=10.1.0.254
CN_MAC=02:00:00:00:03:64
# A second address of the correspondent, outside the home prefix (a host
# "behind the home network's router"): what leaves the reverse tunnel for it
# goes to the home port's gateway, the correspondent.
CN_FAR=10.9.0.100
MN_HOME=10.1.0.10	# a home address outside the dynamic pool (static tests use 10.1.0.9)
COA_A=192.0.2.77
COA_B=198.51.100.9
RT_UPLINK=203.0.113.254
RT_UPLINK_MAC=02:00:00:00:02:fe
# net_pcap gives its ports the MACs 02:70:63:61:70:NN (NN: the order the
# devices are created in) whatever the interface's own: the veths get the same,
# so that what mipha answers with is the interface's address too.
HA_HOME_MAC=02:70:63:61:70:00
HA_UPLINK_MAC=02:70:63:61:70:01

topo_ns_list() {
	echo "$NS_HA $NS_CN $NS_RT $NS_MN"
}

# veth pair: name in ns1, name in ns2, mac of the first end (optional)
topo_link() {
	local ns1=$1 if1=$2 ns2=$3 if2=$4 mac1=${5:-} mac2=${6:-}
	ip link add "$if1" netns "$ns1" ${mac1:+address "$mac1"} type veth \
		peer name "$if2" netns "$ns2" ${mac2:+address "$mac2"}
	ip -n "$ns1" link set "$if1" up
	ip -n "$ns2" link set "$if2" up
	# pcap sees what the kernel hands it: no offloaded (partial) checksums.
	ip netns exec "$ns1" ethtool -K "$if1" tx off rx off >/dev/null 2>&1 || true
	ip netns exec "$ns2" ethtool -K "$if2" tx off rx off >/dev/null 2>&1 || true
}

topo_up() {
	local ns
	topo_down 2>/dev/null || true
	for ns in $(topo_ns_list); do
		ip netns add "$ns"
		ip -n "$ns" link set lo up
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
	done
	if [ "$TOPO_PORTS" = tap ]; then
		topo_link "$NS_CN" cn0 "$NS_HA" hah0 "$CN_MAC" 02:00:00:00:01:00
		topo_link "$NS_HA" hau0 "$NS_RT" rt0 02:00:00:00:01:01 "$RT_UPLINK_MAC"
		ip -n "$NS_HA" link add brh type bridge
		ip -n "$NS_HA" link add bru type bridge
		ip -n "$NS_HA" link set hah0 master brh
		ip -n "$NS_HA" link set hau0 master bru
		ip -n "$NS_HA" link set brh up
		ip -n "$NS_HA" link set bru up
	else
		topo_link "$NS_CN" cn0 "$NS_HA" hah0 "$CN_MAC" "$HA_HOME_MAC"
		topo_link "$NS_HA" hau0 "$NS_RT" rt0 "$HA_UPLINK_MAC" "$RT_UPLINK_MAC"
	fi
	topo_link "$NS_RT" rt1 "$NS_MN" mn0
	topo_link "$NS_RT" rt2 "$NS_MN" mn1

	ip -n "$NS_CN" addr add "$CN_ADDR/24" dev cn0
	ip -n "$NS_CN" addr add "$CN_FAR/32" dev lo
	ip -n "$NS_CN" route add default via "$HA_ADDR"

	ip netns exec "$NS_RT" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
	ip -n "$NS_RT" addr add "$RT_UPLINK/24" dev rt0
	ip -n "$NS_RT" route add "$HOME_PREFIX" dev rt0
	ip -n "$NS_RT" addr add 192.0.2.254/24 dev rt1
	ip -n "$NS_RT" addr add 198.51.100.254/24 dev rt2

	ip netns exec "$NS_MN" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0
	ip -n "$NS_MN" addr add "$COA_A/24" dev mn0
	ip -n "$NS_MN" addr add "$COA_B/24" dev mn1
	ip -n "$NS_MN" route add default via 192.0.2.254 dev mn0
}

# Moves the MN's default route to foreign network B (the handover's link change).
topo_move_mn_to_b() {
	ip -n "$NS_MN" route replace default via 198.51.100.254 dev mn1
}

# After mipha runs: joins its ports to the veths where the kind needs it
# (tap: the bridges; memif: port_wire, whose pid is set in TOPO_WIRE_PID and
# output in $1.wire.log). Returns non-zero when they do not come up in 10 s.
topo_ports_attach() {
	local log=${1:-/tmp/$TOPO_PREFIX}.wire.log i
	case $TOPO_PORTS in
	tap)
		for i in 0 1; do
			local tap=mtaph br=brh
			[ $i = 1 ] && tap=mtapu br=bru
			ip -n "$NS_HA" link set "$tap" address "02:00:00:00:01:1$i" || return 1
			ip -n "$NS_HA" link set "$tap" master "$br" up || return 1
		done
		;;
	memif)
		: >"$log"
		# shellcheck disable=SC2046
		ip netns exec "$NS_HA" "${PORT_WIRE:-port_wire}" -l 1 --no-pci --no-huge -m 128 \
			--file-prefix "${TOPO_PREFIX}wire" --log-level=warning \
			--vdev "net_memif0,role=client,id=0,socket=$(topo_memif_sock home),socket-abstract=no" \
			--vdev net_pcap0,rx_iface_in=hah0,tx_iface=hah0 \
			--vdev "net_memif1,role=client,id=0,socket=$(topo_memif_sock uplink),socket-abstract=no" \
			--vdev net_pcap1,rx_iface_in=hau0,tx_iface=hau0 \
			-- --rxq ${TOPO_WIRE_RXQ:-2} --seconds 900 >>"$log" 2>&1 &
		TOPO_WIRE_PID=$!
		for i in $(seq $((100 * ${E2E_TIME_SCALE:-1}))); do
			grep -q '^port_wire: ready' "$log" && return 0
			kill -0 "$TOPO_WIRE_PID" 2>/dev/null || break
			sleep 0.1
		done
		echo "topo.sh: port_wire did not connect: $(tail -n 3 "$log")" >&2
		return 1
		;;
	esac
	return 0
}

topo_memif_sock() {
	echo "/tmp/$TOPO_PREFIX-$1.memif"
}

topo_down() {
	local ns pids
	for ns in $(topo_ns_list); do
		pids=$(ip netns pids "$ns" 2>/dev/null || true)
		[ -n "$pids" ] && kill $pids 2>/dev/null
	done
	sleep 0.2
	for ns in $(topo_ns_list); do
		pids=$(ip netns pids "$ns" 2>/dev/null || true)
		[ -n "$pids" ] && kill -9 $pids 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	rm -f "$(topo_memif_sock home)" "$(topo_memif_sock uplink)"
	return 0
}

# mipha's configuration for this topology (static SAs may be appended).
topo_mipha_conf() {
	cat <<EOF
[ha]
address = $HA_ADDR
home_prefix = $HOME_PREFIX
name = ha-e2e
max_lifetime = 3600
replay_tolerance = 7

[port.home]
device = $(topo_port_dev 0)${TOPO_TX_QUEUES:+
tx_queues = $TOPO_TX_QUEUES}
role = home
; Decapsulated (reverse-tunnelled) packets go to the correspondent, the only
; host on the home link.
gateway = $CN_ADDR
gateway_mac = $CN_MAC

[port.uplink]
device = $(topo_port_dev 1)${TOPO_TX_QUEUES:+
tx_queues = $TOPO_TX_QUEUES}
role = uplink
gateway = $RT_UPLINK
gateway_mac = $RT_UPLINK_MAC

[lcores]
control = 0
workers = 1
; Two cores for everything: mipha must not spin on both.
idle_sleep_us = ${TOPO_IDLE_SLEEP_US:-100}
EOF
}

# The DPDK device name of mipha's port N (0 home, 1 uplink).
topo_port_dev() {
	echo "net_$TOPO_PORTS$1"
}

# EAL arguments for mipha in NS_HA.
topo_mipha_eal() {
	echo "-l 0-1 --no-pci --no-huge -m 512 --file-prefix ${TOPO_PREFIX}ha"
	case $TOPO_PORTS in
	pcap)
		echo "--vdev net_pcap0,rx_iface_in=hah0,tx_iface=hah0,tx_iface=hah0" \
			"--vdev net_pcap1,rx_iface_in=hau0,tx_iface=hau0,tx_iface=hau0"
		;;
	af_packet)
		echo "--vdev net_af_packet0,iface=hah0,qpairs=2" \
			"--vdev net_af_packet1,iface=hau0,qpairs=2"
		;;
	tap)
		echo "--vdev net_tap0,iface=mtaph,mac=$HA_HOME_MAC" \
			"--vdev net_tap1,iface=mtapu,mac=$HA_UPLINK_MAC"
		;;
	memif)
		echo "--vdev net_memif0,role=server,id=0,socket=$(topo_memif_sock home),socket-abstract=no,mac=$HA_HOME_MAC" \
			"--vdev net_memif1,role=server,id=0,socket=$(topo_memif_sock uplink),socket-abstract=no,mac=$HA_UPLINK_MAC"
		;;
	esac
}
