#!/usr/bin/env bash
# Deregistration (lifetime 0 under Skey' at the end of --duration) removes the
# binding at once; a binding whose MN vanished (SIGKILL: no deregistration)
# is removed when its short lifetime ends, and its keys with it.
. "$(dirname "$0")/lib.sh"

e2e_dyn_setup
# shellcheck disable=SC2046
mn_start mn $(mn_args) --care-of-if mn0 --lifetime 30 --no-tunnel --duration 4
mn_registered mn 20
home=$(ev home_address)
eq "binding" "$(binding "$home" state)" bound
mn_wait mn 15 '.event == "deregistered"' || fail "no deregistration"
eq "deregistration code" "$(ev code)" 0
eq "binding after deregistration" "$(binding "$home" state)" "not bound"
cnt_ge "deregistrations at the HA" dk_deregs 1
wait "$(mn_pid mn)"
eq "mipmn exit code after --duration" "$?" 0

say "a 3-second registration whose MN disappears"
# shellcheck disable=SC2046
mn_start mn2 $(mn_args) --care-of-if mn0 --lifetime 3 --no-tunnel
mn_registered mn2 20
home=$(ev home_address)
eq "granted lifetime" "$(ev lifetime)" 3
kill -9 "$(mn_pid mn2)"
eq "binding" "$(binding "$home" state)" bound
check "binding removed at expiry" wait_for 8 sh -c "[ \"\$(\"$PY\" \"$E2E_SRC/tools/mipha-telemetry\" --prefix ${TOPO_PREFIX}ha /mipha/binding,$home | jq -r '.[].state')\" = 'not bound' ]"
ge "expiries at the HA" "$(stat ctrl_bindings_expired)" 1
cnt_ge "dynamic-key expiries" dk_expiries 1
eq "no binding left" "$(binding_count)" 0
eq "only the static SA left" "$(tele /mipha/sa | jq -r '.[].installed')" 1
e2e_check_captures
say "PASS"
