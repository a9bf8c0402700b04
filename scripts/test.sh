#!/usr/bin/env bash
# Runs the whole test suite: installs what is missing, builds, runs every
# suite (unit, aaa, mipmn, dataplane, pcap, e2e), and ends with one line
# "tests: N passed, N failed" counting every Criterion test case (and every
# non-Criterion test program as one). Exit 0 only when nothing failed.
#
#   scripts/test.sh [--no-install] [--build-dir DIR] [-- extra meson test args]
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build="$here/build"
install=1
extra=()
while [ $# -gt 0 ]; do
	case "$1" in
	--no-install) install=0 ;;
	--build-dir) build="$2"; shift ;;
	--) shift; extra=("$@"); break ;;
	*) echo "test.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done

if [ "$install" -eq 1 ]; then
	"$here/scripts/install-deps.sh"
fi

if [ -f "$build/build.ninja" ]; then
	meson setup --reconfigure "$build" "$here" >/dev/null
else
	meson setup "$build" "$here"
fi
ninja -C "$build"

rc=0
meson test -C "$build" --print-errorlogs --num-processes 2 "${extra[@]}" || rc=$?

# Sum the Criterion synthesis lines of every test program.
/usr/bin/python3 - "$build/meson-logs/testlog.json" <<'PY' || rc=1
import json, re, sys
passed = failed = 0
syn = re.compile(r"Synthesis: Tested: (\d+) \| Passing: (\d+) \| Failing: (\d+) \| Crashing: (\d+)")
for line in open(sys.argv[1]):
    t = json.loads(line)
    out = (t.get("stdout") or "") + (t.get("stderr") or "")
    m = syn.search(out)
    ok = t.get("result") in ("OK", "EXPECTEDFAIL", "SKIP")
    if m:
        passed += int(m.group(2))
        failed += int(m.group(3)) + int(m.group(4))
        if not ok and int(m.group(3)) + int(m.group(4)) == 0:
            failed += 1  # the program failed outside its test cases
    elif ok:
        passed += 1
    else:
        failed += 1
print(f"tests: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
exit $rc
