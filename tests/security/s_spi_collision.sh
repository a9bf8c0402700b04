#!/usr/bin/env bash
# SPI and address collisions between static and dynamic SAs (issue 8, spec
# section 9), through mipha with dynamic keys beside the e2e static SA
# (home 10.1.0.9, SPI 4097). A bound static MN keeps its binding, key and
# traffic through all of it:
#  - an initial RRQ for the static home address whose SPI1 or SPI2 is the
#    static SA's: 134 before any AAA exchange (dk_replies_134);
#  - one for the static home address under other SPIs: 129 (the address is
#    not the dynamic path's to give; dk_replies_129);
#  - the AAA server assigning the static home address (Framed-IP-Address):
#    134 when an SPI collides, 129 otherwise; nothing installed;
#  - a configuration whose static SPI is the DYNKEY_SPI, or whose static home
#    address lies in home_pool: mipha refuses to start, naming file:line.
SEC_DIR=$(cd "$(dirname "$0")" && pwd)
. "$SEC_DIR/../e2e/lib.sh" || exit 1

home=$E2E_STATIC_HOME
key=$E2E_STATIC_KEY
spi=$E2E_STATIC_SPI
FRAMED_NAI=framed9@example.net
# initial NAI HOME SPI1 SPI2: a signed initial RRQ (hex), the load password.
initial() {
	"$MIPMN" build initial --nai "$1" --password-file "$E2E_WORK/load-password" \
		--home-address "$2" --home-agent "$HA_ADDR" --care-of "$COA_B" \
		--identification "$(ntp_now)" \
		--challenge "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" \
		--spi1 "$3" --spi2 "$4" --lifetime 600
}
rereg() {
	"$MIPMN" build rereg --nai static1@example.net --home-address "$home" \
		--home-agent "$HA_ADDR" --care-of "$1" --identification "$(ntp_now)" \
		--lifetime "$2" --spi "$spi" --key "$key" --flags 2
}
static_untouched() {
	eq "static binding care-of ($1)" "$(binding "$home" care_of_address)" "$COA_A"
	eq "echo replies to the static MN ($1)" "$(cn_ping "$home" 3)" 3
	eq "dynamic installs ($1)" "$(stat dk_installs)" 0
	eq "bindings ($1)" "$(binding_count)" 1
}
# expect WHAT CODE AAA_REQUESTS_DELTA HEX: sends HEX from COA_B, checks the
# reply code, dk_replies_CODE (dk_replies_accepted for 0) +1, and how many
# Access-Requests it cost.
expect() {
	local c0 r0 rrp cnt=dk_replies_$2
	[ "$2" != 0 ] || cnt=dk_replies_accepted
	c0=$(stat "$cnt")
	r0=$(stat dk_aaa_requests)
	rrp=$(rrq_send "$COA_B" --timeout 5 "$4")
	eq "$1: reply code" "$(rrp_code "$rrp")" "$2"
	eq "$1: counted ($cnt)" "$(cnt_delta "$cnt" "$c0")" 1
	eq "$1: Access-Requests" "$(cnt_delta dk_aaa_requests "$r0")" "$3"
}

e2e_setup
# A user to whom the AAA server assigns the static home address.
printf '%s\tCleartext-Password := "%s"\n\tFramed-IP-Address = %s\n' \
	"$FRAMED_NAI" "$E2E_LOAD_PASSWORD" "$home" >>"$E2E_WORK/users"
e2e_radius_start 1 "$E2E_RADIUS_PORT"
e2e_mipha_start dynkey

say "the static MN registers from $COA_A"
eq "reply code" "$(rrp_code "$(rrq_send "$COA_A" "$(rereg "$COA_A" 300)")")" 0
e2e_ipip_echo "$home" 120
eq "echo replies to the static MN" "$(cn_ping "$home" 3)" 3

expect "SPI1 is the static SA's" 134 0 "$(initial mn1@example.net "$home" "$spi" 5002)"
expect "SPI2 is the static SA's" 134 0 "$(initial mn2@example.net "$home" 5001 "$spi")"
static_untouched "after the SPI collisions"
expect "the static home address under other SPIs" 129 1 \
	"$(initial mn3@example.net "$home" 5001 5002)"
static_untouched "after asking for the static address"
expect "Framed-IP-Address is the static home address, SPI1 collides" 134 1 \
	"$(initial "$FRAMED_NAI" 0.0.0.0 "$spi" 5002)"
expect "Framed-IP-Address is the static home address, other SPIs" 129 1 \
	"$(initial "$FRAMED_NAI" 0.0.0.0 5001 5002)"
static_untouched "after the AAA server assigned the static address"
eq "SA table: the static SA only" "$(tele /mipha/sa | jq -r '.[].installed')" 1

say "the static key is untouched: a fresh RRQ under it still registers"
rrq=$(rereg "$COA_A" 60)
rrp=$(rrq_send "$COA_A" "$rrq")
eq "reply code" "$(rrp_code "$rrp")" 0
eq "reply verifies with the key" \
	"$("$MIPMN" build check-reply --key "$key" --request "$rrq" --reply "$rrp")" ok
say "a dynamic MN still registers beside it"
expect "a pool address, other SPIs" 0 1 "$(initial mn4@example.net 0.0.0.0 5001 5002)"
eq "bindings" "$(binding_count)" 2
e2e_mipha_stop
eq "mipha exits 0" "$E2E_MIPHA_LAST_RC" 0

# refused_conf ID WHAT SED WANT: mipha with the dynamic-key configuration
# edited by SED must exit non-zero, saying "FILE:LINE: " then WANT.
refused_conf() {
	local conf=$E2E_WORK/$1.ini out=$E2E_WORK/$1.log st
	e2e_mipha_conf dynkey | sed "$3" >"$conf"
	chmod 600 "$conf"
	# shellcheck disable=SC2046
	timeout 60 ip netns exec "$NS_HA" "$MIPHA" $(topo_mipha_eal) -- --config "$conf" >"$out" 2>&1
	st=$?
	check "$2: mipha refuses to start (exit $st)" test "$st" -ne 0 -a "$st" -ne 124
	check "$2: says $(grep -o "$conf:[0-9]*: $4" "$out" | head -n 1)" \
		grep -q "$conf:[0-9]*: $4" "$out"
}
refused_conf dynkey_spi "static SPI = DYNKEY_SPI" "s/^spi = $spi\$/spi = 0x4D534332/" \
	"\[sa.static1\] spi: 1297302322 is \[ha\] dynkey_spi"
refused_conf in_pool "static home address inside home_pool" \
	"s/^home_pool = .*/home_pool = $home-$E2E_POOL_LAST/" \
	"\[sa.static1\] home_address: inside \[ha\] home_pool"
say "PASS"
