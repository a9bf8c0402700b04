#!/usr/bin/env bash
# Fault injection (issue 8): the HA's pending-registration table full. With
# a table of 8, no rate limits, and an AAA path that does not answer (a
# RADIUS man in the middle, aaa_proxy.py, drops every reply), 30 initial
# RRQs for 30 NAIs put exactly 8 exchanges in flight. Those 8 end in 131 at
# the AAA timeout; the other 22 are dropped, never denied (spec section 5
# step 2). Once the path heals, a new MN registers: the table emptied.
SEC_DIR=$(cd "$(dirname "$0")" && pwd)
. "$SEC_DIR/../e2e/lib.sh" || exit 1

PENDING=8
# The e2e configuration with a small pending table, no rate limits, and a
# 3 s AAA timeout without retransmission (so the table stays full).
eval "e2e_mipha_conf_base() $(declare -f e2e_mipha_conf | tail -n +2)"
e2e_mipha_conf() {
	e2e_mipha_conf_base "$@" | sed 's/^timeout_ms = .*/timeout_ms = 3000/; s/^retries = .*/retries = 0/'
	printf 'pending_max = %d\nrate_nai = 0\nrate_src = 0\n' "$PENDING"
}
initial() {
	"$MIPMN" build initial --nai "$1" --password-file "$E2E_WORK/load-password" \
		--home-address 0.0.0.0 --home-agent "$HA_ADDR" --care-of "$COA_A" \
		--identification "$(ntp_now)" \
		--challenge "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" \
		--spi1 5001 --spi2 5002 --lifetime 1800
}

e2e_setup
mode_file=$E2E_WORK/aaa-mode
echo drop >"$mode_file"
e2e_radius_start 1 "$E2E_RADIUS_PORT2"
ip netns exec "$NS_HA" "$PY" "$SEC_DIR/aaa_proxy.py" \
	--listen "$E2E_RADIUS_PORT" --upstream "$E2E_RADIUS_PORT2" --mode-file "$mode_file" \
	>"$E2E_WORK/aaa-proxy.out" 2>&1 &
E2E_PIDS+=($!)
wait_for 5 grep -q ready "$E2E_WORK/aaa-proxy.out" || fail "aaa_proxy did not start"
e2e_mipha_start dynkey

say "30 initial RRQs for 30 NAIs while the AAA path is silent"
for ((i = 120; i < 150; i++)); do
	initial "mn$i@example.net"
done >"$E2E_WORK/many-nai"
read -r sent replies < <(ip netns exec "$NS_MN" "$PY" "$SEC_DIR/flood.py" --to "$HA_ADDR" \
	--src "$COA_A" --kind list --rrq-file "$E2E_WORK/many-nai" --replies 6)
eq "sent" "$sent" 30
eq "exchanges that reached the AAA server" \
	"$(awk '$1 == "req" && $2 == 1 { print $3 }' "$E2E_WORK/aaa-proxy.out" | sort -u | wc -l)" "$PENDING"
eq "replies: 131 for the $PENDING in the table at their timeout, nothing for the rest" \
	"$replies" "$PENDING"
eq "bindings" "$(binding_count)" 0
cnt_eq "Access-Requests asked for" dk_aaa_requests "$PENDING"
cnt_eq "dropped: pending table full" dk_drop_pending_full $((30 - PENDING))
cnt_eq "AAA timeouts" dk_aaa_timeouts "$PENDING"
cnt_eq "131 replies" dk_replies_131 "$PENDING"
cnt_eq "most exchanges pending at once" dk_pending_high "$PENDING"
cnt_eq "pending table size" dk_pending_max "$PENDING"
cnt_eq "the table is empty again" dk_pending 0

echo pass >"$mode_file"
say "AAA path healthy again"
mn_start b --nai mn150@example.net --password-file "$E2E_WORK/load-password" \
	--home-agent "$HA_ADDR" --home-address 0.0.0.0 --care-of-if mn0 --no-tunnel
mn_registered b 20
eq "bindings" "$(binding_count)" 1
mn_stop b
eq "mipmn b exits 0" "$MN_RC" 0
# mipha stops cleanly on SIGTERM: under ASan or valgrind a finding at exit
# (a leak, an error) makes this exit status non-zero.
e2e_mipha_stop
eq "mipha exits 0" "$E2E_MIPHA_LAST_RC" 0
say "PASS"
