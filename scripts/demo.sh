#!/usr/bin/env bash
# The main job. Installs what is missing, builds, and shows the Mobile Node's
# side of the dynamic-key exchange on the spec's worked example: the initial
# RRQ it builds from the password, the HA's reply checked and the session keys
# derived on the MN, a re-registration and a rekey; tshark decodes each.
# (The full demo with FreeRADIUS, mipha and tunnelled traffic replaces this
# once those parts land; see the README.)
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
shared=${MIP_SHARED_DIR:-$here/../shared}
build="$here/build"
vec="$shared/spec/vectors/dynkey-example.json"

[ "${1:-}" = "--no-install" ] || "$here/scripts/install-deps.sh"
[ -f "$build/build.ninja" ] || meson setup "$build" "$here" >/dev/null
ninja -C "$build" tools/mipmn/mipmn >/dev/null
mipmn="$build/tools/mipmn/mipmn"

v() { /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): d=d[k]
print(d)' "$vec" "$1"; }

step() { printf '\n== %s\n' "$*"; }
decode() {	# hex RRQ/RRP -> a one-packet pcap -> tshark's Mobile IP summary
	/usr/bin/python3 - "$1" "$2" <<'PY'
import sys
from scapy.all import Ether, IP, UDP, Raw, wrpcap
src, dst = ("192.0.2.77", "10.1.0.1") if sys.argv[1][:2] == "01" else ("10.1.0.1", "192.0.2.77")
wrpcap(sys.argv[2], [Ether()/IP(src=src, dst=dst)/UDP(sport=434, dport=434)/Raw(bytes.fromhex(sys.argv[1]))])
PY
	tshark -r "$2" -V -Y mip 2>/dev/null | sed -n '/Mobile IP/,$p' | head -40
}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf '%s\n' "$(v inputs.password)" > "$tmp/pw"

step "The MN builds its initial RRQ from NAI $(v inputs.nai) and its password (MS-CHAPv2 NT-Response in the MHAE)"
rrq=$("$mipmn" build initial --nai "$(v inputs.nai)" --password-file "$tmp/pw" \
	--home-address "$(v inputs.home_address)" --home-agent "$(v inputs.home_agent)" \
	--care-of "$(v inputs.care_of)" --identification "$(v inputs.identification)" \
	--challenge "$(v inputs.auth_challenge)" --spi1 "$(v inputs.spi1)" --spi2 "$(v inputs.spi2)" \
	--lifetime "$(v inputs.lifetime)")
echo "$rrq"
[ "$rrq" = "$(v initial_rrq)" ] && echo "(identical to the spec's independently computed vector)"
decode "$rrq" "$tmp/rrq.pcap"

step "The HA's reply (from the spec's vector) checked by the MN: Skey and Skey' derived, MHAE and AUTH-RESPONSE verified"
"$mipmn" build check-reply --nai "$(v inputs.nai)" --password-file "$tmp/pw" \
	--request "$rrq" --reply "$(v initial_rrp)"
decode "$(v initial_rrp)" "$tmp/rrp.pcap"

step "A re-registration from a new care-of address, signed with Skey' (no AAA)"
"$mipmn" build rereg --nai "$(v inputs.nai)" --home-address "$(v inputs.home_address)" \
	--home-agent "$(v inputs.home_agent)" --care-of "$(v rereg.care_of)" \
	--identification "$(v rereg.identification)" --lifetime "$(v inputs.lifetime)" \
	--spi "$(v inputs.spi2)" --key "$(v skey2)"

step "A rekey signed with Skey (no AAA): both sides derive a new Skey'"
"$mipmn" build rekey --nai "$(v inputs.nai)" --home-address "$(v inputs.home_address)" \
	--home-agent "$(v inputs.home_agent)" --care-of "$(v rereg.care_of)" \
	--identification "$(v rekey.identification)" --lifetime "$(v inputs.lifetime)" \
	--spi1 "$(v inputs.spi1)" --key "$(v skey)" --spi2 "$(v inputs.spi2)"
echo; echo "demo: ok"
