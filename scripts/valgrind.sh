#!/usr/bin/env bash
# mipha under valgrind memcheck through end-to-end scenarios (issue 8; CI
# runs it). Builds a plain (unsanitized) tree, runs each scenario of
# tests/e2e with MIPHA pointing at scripts/valgrind-mipha.sh, then reads
# every mipha process's memcheck log: a pass needs "ERROR SUMMARY: 0 errors"
# (invalid accesses, uninitialised use, definite or indirect leaks) beyond
# the reviewed suppressions of scripts/valgrind-dpdk.supp. Needs root
# (network namespaces), like the e2e suite.
#
#   scripts/valgrind.sh [--build-dir DIR] [SCENARIO...]
#	SCENARIO	a scenario name: tests/e2e/s_NAME.sh, or
#			tests/security/s_NAME.sh (flood, aaa_faults, ...); default:
#			every scenario of both but load (200 MNs: a rate test)
# E2E_TIME_SCALE (default 4) stretches the harness's waits and mipha's AAA
# timeout (tests/e2e/lib.sh): every scenario but load passes under memcheck
# with it (8 to 11 minutes for all of them on 2 cores; docs/security.md).
# Logs: DIR/valgrind/<scenario>/mipha.PID.log
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build="$here/build-valgrind"
scenarios=()
while [ $# -gt 0 ]; do
	case "$1" in
	--build-dir) build="$2"; shift ;;
	-h|--help) sed -n '2,19p' "$0"; exit 0 ;;
	-*) echo "valgrind.sh: unknown option $1" >&2; exit 2 ;;
	*) scenarios+=("$1") ;;
	esac
	shift
done
if [ ${#scenarios[@]} -eq 0 ]; then
	for f in "$here"/tests/e2e/s_*.sh "$here"/tests/security/s_*.sh; do
		s=$(basename "$f" .sh)
		s=${s#s_}
		[ "$s" = load ] || scenarios+=("$s")
	done
fi

if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$here"
fi
ninja -C "$build" -j2 pipelines/mipha tools/mipmn/mipmn tests/security/sec_derive tests/e2e/port_wire

export MIP_SHARED_DIR=${MIP_SHARED_DIR:-$(cd "$here/../shared" && pwd)}
export MIP_SOURCE_ROOT="$here" MIP_BUILD_ROOT="$build" PYTHON=/usr/bin/python3
export MIPMN="$build/tools/mipmn/mipmn"
export VALGRIND_MIPHA="$build/pipelines/mipha"
export MIPHA="$here/scripts/valgrind-mipha.sh"
export SEC_DERIVE="$build/tests/security/sec_derive"
# mipha under memcheck answers many times slower: the harness waits longer
# and mipha's AAA timeout grows by this factor (tests/e2e/lib.sh).
export E2E_TIME_SCALE=${E2E_TIME_SCALE:-4}

rc=0
summary=()
for s in "${scenarios[@]}"; do
	script="$here/tests/e2e/s_$s.sh"
	if [ ! -f "$script" ]; then
		script="$here/tests/security/s_$s.sh"
	fi
	if [ ! -f "$script" ]; then
		echo "valgrind.sh: no scenario $script" >&2
		exit 2
	fi
	export VALGRIND_LOG_DIR="$build/valgrind/$s"
	rm -rf "$VALGRIND_LOG_DIR"
	mkdir -p "$VALGRIND_LOG_DIR"
	echo "== $s"
	t0=$(date +%s)
	set +e
	timeout 600 bash "$script" >"$VALGRIND_LOG_DIR/scenario.log" 2>&1
	st=$?
	set -e
	secs=$(($(date +%s) - t0))
	if [ "$st" -eq 77 ]; then
		summary+=("$s: skipped ($(tail -n 1 "$VALGRIND_LOG_DIR/scenario.log"))")
		continue
	fi
	logs=("$VALGRIND_LOG_DIR"/mipha.*.log)
	if [ ! -e "${logs[0]}" ]; then
		rc=1
		summary+=("$s: FAILED (scenario exit $st, mipha never ran)")
		continue
	fi
	bad=0
	for l in "${logs[@]}"; do
		if ! grep -q 'ERROR SUMMARY: 0 errors' "$l"; then
			bad=1
			echo "---- $l"
			sed -n '/HEAP SUMMARY/,$p' "$l" | head -120
		fi
	done
	if [ "$bad" -ne 0 ] || [ "$st" -ne 0 ]; then
		rc=1
		summary+=("$s: FAILED (scenario exit $st, memcheck errors: $bad, ${secs} s)")
		[ "$st" -eq 0 ] || tail -n 30 "$VALGRIND_LOG_DIR/scenario.log"
	else
		summary+=("$s: ok, ${#logs[@]} mipha process(es), 0 errors, ${secs} s")
	fi
done
printf 'valgrind: %s\n' "${summary[@]}"
exit "$rc"
