#!/usr/bin/env bash
# RFC 5176 Disconnect-Request: FreeRADIUS's radclient, as the AAA server's
# operator would, ends a registered MN's session at mipha's dae_listen port.
# The binding, both SAs and the keys go (no key continuation); the MN's next
# re-registration is refused and it registers again through AAA. Unknown
# sessions get a NAK 503, a CoA-Request a CoA-NAK 405; a stale Event-Timestamp,
# a wrong secret, no Message-Authenticator or a stranger's address get no
# answer at all, each counted.
. "$(dirname "$0")/lib.sh"

DAE_PORT=3799
E2E_AAA_EXTRA="dae_listen = 127.0.0.1:$DAE_PORT"
e2e_dyn_setup
command -v radclient >/dev/null || skip "radclient (freeradius-utils) not installed"

# dm KIND SECRET ATTRIBUTE...: radclient's answer (or its complaint), from the HA's namespace.
dm() {
	local kind=$1 secret=$2
	shift 2
	printf '%s\n' "$@" | ip netns exec "$NS_HA" timeout 10 radclient -x -r 1 -t 1 \
		"127.0.0.1:$DAE_PORT" "$kind" "$secret" 2>&1 || true
}
secret=$(cat "$E2E_SECRET_FILE")
aaa=$(tele /mipha/aaa)
eq "/mipha/aaa: where and from whom" "$(jq -r '.["/mipha/aaa"] | "\(.dae_listen) \(.dae_clients) \(.dae_window)"' <<<"$aaa")" \
	"127.0.0.1:$DAE_PORT 127.0.0.1 300"

# shellcheck disable=SC2046
mn_start a $(mn_args) --care-of-if mn0 --lifetime 20 --reverse-tunnel \
	--retry-min-ms 300 --retry-max-ms 600
mn_registered a 20
home=$(ev home_address)
wait_for 5 mn_tunnel_up "$home" || fail "no tunnel device"
eq "echo replies through the tunnel" "$(cn_ping "$home" 3)" 3
eq "SAs: the static one and the MN's" "$(tele /mipha/sa | jq -r '.[].installed')" 2

say "a Disconnect-Request for a session mipha does not have"
out=$(dm disconnect "$secret" 'User-Name = "nobody@example.net"' "Event-Timestamp = $(date +%s)" \
	'Message-Authenticator = 0x00')
check "radclient: Disconnect-NAK" grep -q 'Received Disconnect-NAK' <<<"$out"
check "with Error-Cause Session-Context-Not-Found" grep -q 'Error-Cause = Session-Context-Not-Found' <<<"$out"
cnt_eq "NAK 503 counted" dae_nak_session_not_found 1
eq "the MN's binding untouched" "$(binding "$home" state)" bound

say "requests mipha does not act on, nor answer"
out=$(dm disconnect "$secret" "User-Name = \"$E2E_NAI\"" "Event-Timestamp = $(($(date +%s) - 400))" \
	'Message-Authenticator = 0x00')
check "stale Event-Timestamp: no reply" grep -q 'No reply from server' <<<"$out"
cnt_ge "counted" dae_invalid_stale_timestamp 1
out=$(dm disconnect "wrong-secret" "User-Name = \"$E2E_NAI\"" "Event-Timestamp = $(date +%s)" \
	'Message-Authenticator = 0x00')
check "wrong secret: no reply" grep -q 'No reply from server' <<<"$out"
cnt_ge "counted" dae_invalid_bad_authenticator 1
out=$(dm disconnect "$secret" "User-Name = \"$E2E_NAI\"" "Event-Timestamp = $(date +%s)")
check "no Message-Authenticator: no reply" grep -q 'No reply from server' <<<"$out"
cnt_ge "counted" dae_invalid_no_ma 1
eq "the MN's binding still there" "$(binding "$home" state)" bound

say "a CoA-Request"
out=$(dm coa "$secret" "User-Name = \"$E2E_NAI\"" "Event-Timestamp = $(date +%s)" \
	'Message-Authenticator = 0x00' 'Session-Timeout = 10')
check "radclient: CoA-NAK" grep -q 'Received CoA-NAK' <<<"$out"
check "with Error-Cause Unsupported-Service" grep -q 'Error-Cause = Unsupported-Service' <<<"$out"

say "the Disconnect-Request for the MN's session"
out=$(dm disconnect "$secret" "User-Name = \"$E2E_NAI\"" "Framed-IP-Address = $home" \
	"NAS-Identifier = $(topo_mipha_conf | sed -n 's/^name = //p')" "Event-Timestamp = $(date +%s)" \
	'Message-Authenticator = 0x00' 'Proxy-State = 0x6869')
check "radclient: Disconnect-ACK" grep -q 'Received Disconnect-ACK' <<<"$out"
check "Proxy-State echoed" grep -q 'Proxy-State = 0x6869' <<<"$out"
eq "binding gone" "$(binding "$home" state)" "not bound"
eq "only the static SA left" "$(tele /mipha/sa | jq -r '.[].installed')" 1
cnt_eq "sessions ended" dae_disconnects 1
cnt_eq "dynamic-key disconnects" dk_disconnects 1
check "mipha says so" grep -q "^mipha: Disconnect-Request from 127.0.0.1: the session of home address $home ended" "$E2E_WORK/mipha.log"

say "the MN: its re-registration is refused, then it registers again through AAA"
mn_wait a 30 '.event == "denied"' || fail "no denial after the disconnect"
eq "reply code" "$(ev code)" 131
eq "unauthenticated (its SAs are gone)" "$(ev authenticated)" false
aaa_before=$(stat dk_aaa_requests)
mn_registered a 40 2
ge "a new AAA exchange" "$(stat dk_aaa_requests)" $((aaa_before + 1))
eq "bound again" "$(binding "$(ev home_address)" state)" bound
mn_stop a
eq "mipmn a exits 0" "$MN_RC" 0
e2e_check_captures
say "PASS"
