#!/usr/bin/env bash
# mipha restarted: it loses every binding and key. The MN's next
# re-registration gets unauthenticated 131s (no SA any more); after the 3rd in
# a row it starts a new initial registration through AAA (spec section 6's
# reply table) and traffic resumes.
. "$(dirname "$0")/lib.sh"

e2e_dyn_setup
# shellcheck disable=SC2046
mn_start mn $(mn_args) --care-of-if mn0 --lifetime $((12 * E2E_TIME_SCALE)) --reverse-tunnel \
	--retry-min-ms $((500 * E2E_TIME_SCALE)) --retry-max-ms $((1000 * E2E_TIME_SCALE))
mn_registered mn 20
home=$(ev home_address)
wait_for 5 mn_tunnel_up "$home" || fail "no tunnel device"
eq "before the restart" "$(cn_ping "$home" 3)" 3

say "mipha restarted"
e2e_mipha_stop
eq "mipha exit code after SIGTERM" "$E2E_MIPHA_LAST_RC" 0
e2e_mipha_start dynkey
eq "no binding after the restart" "$(binding_count)" 0
mn_wait mn 30 '.event == "denied" and .action == "initial"' ||
	fail "the MN did not fall back to an initial registration"
say "ok: the MN noticed (denied code $(ev code), action initial)"
mn_registered mn 30 2
eq "second registration is an initial one" "$(ev exchange)" initial
eq "same home address again" "$(ev home_address)" "$home"
eq "binding" "$(binding "$home" state)" bound
wait_for 5 mn_tunnel_up "$home" || fail "no tunnel device"
eq "traffic resumes: correspondent -> MN" "$(cn_ping "$home" 5)" 5
eq "traffic resumes: MN -> correspondent" "$(mn_ping "$home" "$CN_FAR" 3)" 3
mn_stop mn
eq "mipmn exits 0" "$MN_RC" 0
e2e_check_captures
eq "Access-Requests: one per initial registration" "$(radius_requests aaa)" 2
say "PASS"
