#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# CI check of the AAA benchmark's two reference clients (never their speed):
# in a network namespace of its own, a private FreeRADIUS with 40 users;
# bare_aaa and bare_radcli each register all 40 (every accept's
# MS-CHAP2-Success checked, k'' decrypted) and print a well-formed report;
# with a wrong password every exchange is a reject and the exit code is 1.
#
#   smoke-aaa.sh BUILD_DIR_OF_PERF_AAA
#
# Exit 0 pass, 1 fail, 77 skip (not root, no FreeRADIUS, no jq).
set -u
dir=${1:?usage: smoke-aaa.sh DIR}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
n=40
ns=aaasmoke$$
port=18899

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespace)"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: needs jq"; exit 77; }
[ -x /usr/sbin/freeradius ] || { echo "SKIP: no FreeRADIUS"; exit 77; }
work=$(mktemp -d /tmp/aaa-smoke.XXXXXX)
cleanup() {
	"$root/scripts/freeradius-stop.sh" "$work/radius" >/dev/null 2>&1
	ip netns del "$ns" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; tail -n 5 "$work"/*.err 2>/dev/null; exit 1; }

(umask 077
 od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$work/secret"
 printf 'smokePass\n' >"$work/password"
 printf 'wrongPass\n' >"$work/wrong"
 for ((i = 0; i < n; i++)); do
	printf 'sm%d@example.net\tCleartext-Password := "smokePass"\n' "$i"
 done >"$work/users")
ip netns add "$ns" || fail "ip netns add"
ip -n "$ns" link set lo up
ip netns exec "$ns" "$root/scripts/freeradius-start.sh" "$work/radius" "$port" \
	--secret-file "$work/secret" --users "$work/users" --watch $$ >"$work/radius.err" 2>&1 ||
	fail "FreeRADIUS did not start"

# client NAME PASSWORD_FILE ARGS...: runs it (bounded), leaves the report in $work/NAME.json
client() {
	local name=$1 pw=$2 rc
	shift 2
	timeout 60 ip netns exec "$ns" "$dir/$name" --server "127.0.0.1:$port" \
		--secret-file "$work/secret" --password-file "$pw" --count "$n" \
		--nai-pattern 'sm%d@example.net' --duration 30 --retries 0 "$@" \
		>"$work/$name.json" 2>"$work/$name.err"
	rc=$?
	jq -e '.event == "load_report"' "$work/$name.json" >/dev/null ||
		fail "$name: no report: $(cat "$work/$name.json")"
	return $rc
}
field() { jq -r ".$2" "$work/$1.json"; }

for c in "bare_aaa --window 8" "bare_radcli --threads 4"; do
	# shellcheck disable=SC2086
	set -- $c
	name=$1
	shift
	client "$name" "$work/password" "$@" || fail "$name exit code $? ($(cat "$work/$name.json"))"
	[ "$(field "$name" registered)" = "$n" ] || fail "$name registered $(field "$name" registered) of $n"
	[ "$(field "$name" failed)" = 0 ] || fail "$name failed $(field "$name" failed)"
	[ "$(field "$name" bad_success)" = 0 ] || fail "$name bad_success"
	awk -v r="$(field "$name" registrations_per_s)" 'BEGIN { exit !(r > 0) }' ||
		fail "$name registrations_per_s not positive"
	[ "$(field "$name" tool)" = "$name" ] || fail "$name: tool field"
	echo "ok: $name: $n registrations, $(field "$name" registrations_per_s)/s"

	client "$name" "$work/wrong" "$@"
	rc=$?
	[ "$rc" = 1 ] || fail "$name with a wrong password: exit $rc, want 1"
	[ "$(field "$name" registered)" = 0 ] || fail "$name: wrong password registered"
	[ "$(field "$name" rejects)" = "$n" ] || fail "$name: rejects $(field "$name" rejects), want $n"
	echo "ok: $name: wrong password: $n rejects, exit 1"
done
# bad options: exit 2 and a usage line
"$dir/bare_aaa" --count 0 >/dev/null 2>&1
[ $? = 2 ] || fail "bare_aaa --count 0: want exit 2"
"$dir/bare_aaa" --server 127.0.0.1:1 --secret-file x --password-file x --count 1 \
	--nai-pattern 'mn%s' >/dev/null 2>&1
[ $? = 2 ] || fail "bare_aaa --nai-pattern 'mn%s': want exit 2"
echo "ok: bad options refused"
grep -q "$(cat "$work/secret")" "$work"/*.json "$work"/*.err && fail "the secret was printed"
echo "PASS"
