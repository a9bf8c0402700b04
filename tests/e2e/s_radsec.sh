#!/usr/bin/env bash
# Initial registration with the AAA over TLS (RFC 6614, docs/aaa.md): a
# throwaway PKI (scripts/radsec-certs.sh), FreeRADIUS with its TLS listener
# (freeradius-start.sh --tls), mipha with `server = tls://...` verifying the
# server's certificate by name and against its CA's CRL, and presenting its own.
# Two tls:// servers, both this FreeRADIUS: the first expects another name
# (tls_server_name) and its handshake fails, the second has its own
# (tls_server_name.2) and answers: the request fails over. The MN registers as in
# s_registration; the capture of the AAA link shows a TLS handshake and
# application data, and no RADIUS in clear: no Access-Request, Reject or
# MS-CHAP attribute decodes, and neither the NAI nor the NAS-Identifier is
# anywhere in its bytes.
. "$(dirname "$0")/lib.sh"

E2E_RADSEC_PORT=18823
# The first server's handshakes fail on purpose: their TCP resets are expected.
# shellcheck disable=SC2034  # read by lib.sh's e2e_check_captures
E2E_TCP_RST_OK_PORT=$E2E_RADSEC_PORT

# The HA's configuration: lib.sh's, with the AAA server over TLS.
eval "$(declare -f e2e_mipha_conf | sed '1s/^e2e_mipha_conf/e2e_mipha_conf_udp/')"
e2e_mipha_conf() {
	e2e_mipha_conf_udp "$@" |
		sed -e "s|^server = 127.0.0.1:$E2E_RADIUS_PORT\$|server = tls://127.0.0.1:$E2E_RADSEC_PORT\nserver.2 = tls://127.0.0.1:$E2E_RADSEC_PORT|" \
			-e '/^secret_file = /d'
	if [ "${1:-}" = dynkey ]; then
		cat <<EOF
tls_ca_file = $E2E_WORK/pki/ca.pem
tls_cert_file = $E2E_WORK/pki/client.pem
tls_key_file = $E2E_WORK/pki/client.key
tls_server_name = other.example.net
tls_server_name.2 = radius.example.net
tls_crl_file = $E2E_WORK/pki/crl.pem
EOF
	fi
}

e2e_setup
"$E2E_SRC/scripts/radsec-certs.sh" "$E2E_WORK/pki" >"$E2E_WORK/pki.log" 2>&1 ||
	fail "certificates: $(tail -n 3 "$E2E_WORK/pki.log")"
dir=$E2E_WORK/radius1
E2E_RADIUS_DIRS+=("$dir")
ip netns exec "$NS_HA" "$E2E_SRC/scripts/freeradius-start.sh" "$dir" "$E2E_RADIUS_PORT" \
	--secret-file "$E2E_SECRET_FILE" --users "$E2E_WORK/users" --watch $$ \
	--tls "$E2E_WORK/pki" --tls-port "$E2E_RADSEC_PORT" \
	>"$E2E_WORK/radius1-start.log" 2>&1 || fail "FreeRADIUS (TLS) did not start: $(tail -n 3 "$E2E_WORK/radius1-start.log")"
say "FreeRADIUS with RADIUS over TLS on 127.0.0.1:$E2E_RADSEC_PORT in $NS_HA"
e2e_mipha_start dynkey
grep -q "^server = tls://" "$E2E_WORK/mipha.ini" || fail "mipha.ini has no tls:// server"

# shellcheck disable=SC2046
mn_start mn $(mn_args) --care-of-if mn0 --lifetime 60 --no-tunnel
mn_registered mn 20
eq "reply code" "$(ev code)" 0
eq "exchange" "$(ev exchange)" initial
home=$(ev home_address)
eq "binding at the HA" "$(binding "$home" state)" bound
cnt_ge "AAA accepts" dk_aaa_accepts 1
cnt_ge "server 1 (expects other.example.net): TLS handshake failures" \
	aaa_server0_tls_handshake_failures 1
cnt_eq "server 1: TLS handshakes" aaa_server0_tls_handshakes 0
cnt_ge "failovers" aaa_failovers 1
cnt_ge "server 2 (tls_server_name.2): TLS handshakes" aaa_server1_tls_handshakes 1
cnt_eq "server 2: TLS handshake failures" aaa_server1_tls_handshake_failures 0
cnt_eq "CRL file changes refused" aaa_server1_tls_crl_reload_failures 0
cnt_ge "records received over TLS" aaa_server1_tls_records_in 1
cnt_eq "retransmissions (none over TLS)" aaa_retransmissions 0
aaa=$(tele /mipha/aaa)
srv() { jq -r ".[\"/mipha/aaa\"].servers[\"$1\"].$2" <<<"$aaa"; }
eq "/mipha/aaa server 1" "$(srv 1 server) $(srv 1 transport) $(srv 1 tls_server_name)" \
	"127.0.0.1:$E2E_RADSEC_PORT tls other.example.net"
eq "/mipha/aaa server 1: why its handshakes fail" \
	"$(srv 1 tls_last_error | grep -o 'hostname mismatch')" "hostname mismatch"
eq "/mipha/aaa server 2" "$(srv 2 tls_server_name) $(srv 2 state) $(srv 2 tls_last_error)" \
	"radius.example.net alive "

mn_stop mn
eq "mipmn exits 0 after deregistering" "$MN_RC" 0

e2e_check_captures
aaa=$E2E_WORK/aaa.pcapng
# frames ARGS...: frames of the AAA capture tshark selects with ARGS; a
# tshark error (a filter it does not know) stops the test (as lib.sh's stat).
frames() {
	local out
	if ! out=$(tshark -r "$aaa" "$@" 2>"$E2E_WORK/tshark-radsec.err"); then
		say "FAIL: tshark $*: $(grep -v 'Running as user' "$E2E_WORK/tshark-radsec.err" | head -n 2)" >&2
		kill -TERM $$
		exit 1
	fi
	if [ -z "$out" ]; then echo 0; else wc -l <<<"$out"; fi
}
tls=(-d "tcp.port==$E2E_RADSEC_PORT,tls")
# The start script's readiness check is a Status-Server over UDP; nothing of
# the MN's exchange may decode as RADIUS (tshark has no RADIUS over TCP to
# try on the TLS port: the searches for the NAI and NAS-Identifier cover it).
eq "Access-Requests/Rejects or MS-CHAP in clear on the AAA link" \
	"$(frames "${E2E_TSHARK_DECODE[@]}" \
		-Y 'radius.code == 1 || radius.code == 3 || radius.MS_CHAP2_Success || radius.User_Name')" 0
eq "frames holding the NAI in clear" "$(frames -Y "frame contains \"$E2E_NAI\"")" 0
eq "frames holding the NAS-Identifier in clear" "$(frames -Y 'frame contains "ha-e2e"')" 0
ge "TLS ClientHello from the HA" \
	"$(frames "${tls[@]}" -Y "tls.handshake.type == 1 && tcp.dstport == $E2E_RADSEC_PORT")" 1
ge "TLS application data (request and reply)" "$(frames "${tls[@]}" -Y 'tls.app_data')" 2
say "PASS"
