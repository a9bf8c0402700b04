#!/usr/bin/env bash
# The whole test suite under AddressSanitizer + UndefinedBehaviorSanitizer
# (issue 8; CI runs it). Configures build-asan with
# -Db_sanitize=address,undefined -Db_lundef=false, builds everything that
# builds (-k 0: one broken target does not hide the others' findings), runs
# every suite, and ends with "asan: N tests ok, N failed".
#
#   scripts/asan.sh [--build-dir DIR] [-- extra meson test args]
#	e.g. scripts/asan.sh -- --suite unit --suite aaa
#	    scripts/asan.sh -- --suite e2e     (the scenarios, as root)
#
# Sanitizer settings (docs/security.md explains each):
#   ASAN_OPTIONS: abort_on_error, detect_leaks=1, strict_string_checks,
#     detect_stack_use_after_return, check_initialization_order;
#     LSAN_OPTIONS points at scripts/lsan-dpdk.supp, which holds only what
#     DPDK's EAL keeps for the life of the process.
#   UBSAN_OPTIONS: halt_on_error=1, print_stacktrace=1 (a UB report fails the test).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build="$here/build-asan"
extra=()
while [ $# -gt 0 ]; do
	case "$1" in
	--build-dir) build="$2"; shift ;;
	-h|--help) sed -n '2,18p' "$0"; exit 0 ;;
	--) shift; extra=("$@"); break ;;
	*) echo "asan.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done

opts=(-Db_sanitize=address,undefined -Db_lundef=false)
if [ -f "$build/build.ninja" ]; then
	meson setup --reconfigure "$build" "$here" "${opts[@]}" >/dev/null
else
	meson setup "$build" "$here" "${opts[@]}"
fi

build_rc=0
ninja -C "$build" -j2 -k 0 || build_rc=$?
if [ "$build_rc" -ne 0 ]; then
	echo "asan: some targets did not build (ninja exit $build_rc); their tests will fail" >&2
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:print_summary=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$here/scripts/lsan-dpdk.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1:print_summary=1}
# The e2e scenarios (suite e2e) run a mipha built with the sanitizers, a few
# times slower: the harness waits twice as long (tests/e2e/lib.sh).
export E2E_TIME_SCALE=${E2E_TIME_SCALE:-2}

rc=0
meson test -C "$build" --no-rebuild --print-errorlogs --num-processes 2 \
	--timeout-multiplier 4 "${extra[@]}" || rc=$?

/usr/bin/python3 - "$build/meson-logs/testlog.json" <<'PY' || rc=1
import json, re, sys
ok = bad = 0
findings = []
for line in open(sys.argv[1]):
    t = json.loads(line)
    if t.get("result") in ("OK", "EXPECTEDFAIL", "SKIP"):
        ok += 1
        continue
    bad += 1
    out = (t.get("stdout") or "") + (t.get("stderr") or "")
    for m in re.finditer(r"(ERROR: (?:Address|Leak)Sanitizer: [^\n]*|SUMMARY: [^\n]*|runtime error: [^\n]*)", out):
        findings.append("%s: %s" % (t["name"], m.group(1)))
for f in sorted(set(findings)):
    print("asan finding:", f)
print("asan: %d tests ok, %d failed" % (ok, bad))
sys.exit(1 if bad else 0)
PY
if [ "$build_rc" -ne 0 ]; then
	rc=1
fi
exit "$rc"
