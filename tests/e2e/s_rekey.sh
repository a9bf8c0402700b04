#!/usr/bin/env bash
# Re-registration and rekey without the AAA server (spec section 7): a short
# lifetime makes mipmn re-register under SPI2 with Skey', and a short rekey
# interval makes it rekey under SPI1 with Skey; the binding stays, traffic
# flows, and FreeRADIUS sees only the initial exchange.
. "$(dirname "$0")/lib.sh"

e2e_dyn_setup
# shellcheck disable=SC2046
mn_start mn $(mn_args) --care-of-if mn0 --lifetime 4 --rekey-interval 4 --reverse-tunnel
mn_registered mn 20
home=$(ev home_address)
mn_wait mn 20 '.event == "rekeyed"' 2 || fail "fewer than 2 rekeys"
say "ok: two rekeys"
# Lifetime 4: a refresh 3 s after each exchange; rekeys 4 s after the last
# one: re-registration (3 s), rekey (4 s), re-registration under the new
# Skey' (7 s), rekey (8 s).
mn_wait mn 20 '.event == "reregistered"' 2 || fail "fewer than 2 re-registrations"
say "ok: two re-registrations"
cnt_ge "rekeys at the HA" dk_rekeys 2
ge "previous Skey' retired once the MN used the new one" "$(stat reg_prev_key_retired)" 1
ge "re-registrations answered on the fast path" "$(stat reg_accepted)" 1
eq "binding" "$(binding "$home" state)" bound
eq "traffic after the rekeys" "$(cn_ping "$home" 5)" 5
cnt_eq "AAA requests: only the initial registration" dk_aaa_requests 1
mn_stop mn
eq "mipmn exits 0" "$MN_RC" 0
e2e_check_captures
eq "Access-Requests" "$(radius_requests aaa)" 1
say "PASS"
