#!/usr/bin/env bash
# Secrets (issue 8): mipha at its most verbose (every EAL/DPDK log type at
# debug) through an initial registration with dynamic keys, rekeys (which
# also refresh the binding) and a deregistration. Neither its log nor its
# telemetry (stats, bindings, the binding) holds the password, its NT hash
# or the hash of that, or any k'', Skey, Skey' or Skey_next of the run. The keys are
# derived by sec_derive from the password and the RRQs captured on the
# uplink, then searched for in lower- and upper-case hex.
SEC_DIR=$(cd "$(dirname "$0")" && pwd)
. "$SEC_DIR/../e2e/lib.sh" || exit 1

SEC_DERIVE=${SEC_DERIVE:-$E2E_BUILD/tests/security/sec_derive}
[ -x "$SEC_DERIVE" ] || skip "no sec_derive at $SEC_DERIVE"
# mipha's EAL arguments, plus every log type at debug
eval "topo_mipha_eal_quiet() $(declare -f topo_mipha_eal | tail -n +2)"
topo_mipha_eal() {
	echo "$(topo_mipha_eal_quiet) --log-level=*:debug"
}

e2e_dyn_setup
# shellcheck disable=SC2046
mn_start a $(mn_args) --care-of-if mn0 --lifetime 4 --rekey-interval 1 --reverse-tunnel
mn_registered a 20
home=$(ev home_address)
mn_wait a 15 '.event == "rekeyed"' 2 || fail "fewer than two rekeys"
for c in /mipha/stats /mipha/bindings "/mipha/binding,$home"; do
	tele "$c" >>"$E2E_WORK/telemetry.json" || fail "telemetry $c"
done
mn_stop a
eq "mipmn a exits 0" "$MN_RC" 0
# mipha stops cleanly on SIGTERM: under ASan or valgrind a finding at exit
# (a leak, an error) makes this exit status non-zero.
e2e_mipha_stop
eq "mipha exits 0" "$E2E_MIPHA_LAST_RC" 0
e2e_check_captures

mapfile -t rrqs < <(tshark -r "$E2E_WORK/uplink.pcapng" -Y 'mip.type == 1' \
	-T fields -e udp.payload 2>/dev/null | tr -d ':')
ge "RRQs captured" "${#rrqs[@]}" 2
"$SEC_DERIVE" "$E2E_PASSWORD" "${rrqs[@]}" >"$E2E_WORK/secrets" || fail "sec_derive"
ge "initial exchanges found" "$(grep -c '^skey ' "$E2E_WORK/secrets")" 1
# (the capture may miss the last exchanges; the MN's events counted two rekeys)
ge "rekeys found" "$(grep -c '^rekey_skey2 ' "$E2E_WORK/secrets")" 1
ge "debug log lines from mipha's EAL" "$(grep -c 'EAL' "$E2E_WORK/mipha.log")" 10

# found FILE: the secrets that appear in FILE (hex in either case).
found() {
	local label hex
	grep -qF -- "$E2E_PASSWORD" "$1" && echo "password"
	while read -r label hex; do
		grep -qiF -- "$hex" "$1" && echo "$label"
	done <"$E2E_WORK/secrets"
	return 0
}
eq "secrets in mipha's log" "$(found "$E2E_WORK/mipha.log" | tr '\n' ' ')" ""
eq "secrets in mipha's telemetry" "$(found "$E2E_WORK/telemetry.json" | tr '\n' ' ')" ""
say "checked $(wc -l <"$E2E_WORK/secrets") keys and the password against $(wc -l <"$E2E_WORK/mipha.log") log lines and $(wc -c <"$E2E_WORK/telemetry.json") bytes of telemetry"
say "PASS"
