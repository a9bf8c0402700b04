#!/usr/bin/env bash
# Runs every libFuzzer target for a bounded time (CI and by hand). Builds
# build-fuzz with clang and -Dfuzz=true when needed. Each target starts from
# its committed corpus fuzz/corpus/<target>/ (read only: new inputs go to
# build-fuzz/fuzz-work/<target>/). A crash, leak, sanitizer report or broken
# invariant stops that target, keeps its reproducer in
# build-fuzz/fuzz-artifacts/<target>/ and makes the script exit 1; promote
# the reproducer to a regression input by copying it into
# fuzz/corpus/<target>/ (the meson suite 'fuzz' and tests/security replay
# every committed input).
#
#   scripts/fuzz.sh [-t SECONDS] [--build-dir DIR] [--regen] [TARGET...]
#	-t SECONDS	time per target (default 20, or $FUZZ_SECONDS)
#	--regen		rewrite the generated seeds of fuzz/corpus/ from the spec
#			vectors (gen_corpus), then fuzz
#	TARGET		fuzz_parse, fuzz_mn_reply, fuzz_radius_reply, fuzz_reg_stage
#			(default: every one whose source exists)
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build="$here/build-fuzz"
seconds=${FUZZ_SECONDS:-20}
regen=0
targets=()
while [ $# -gt 0 ]; do
	case "$1" in
	-t) seconds="$2"; shift ;;
	--build-dir) build="$2"; shift ;;
	--regen) regen=1 ;;
	-h|--help) sed -n '2,18p' "$0"; exit 0 ;;
	-*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
	*) targets+=("$1") ;;
	esac
	shift
done
case "$seconds" in
''|*[!0-9]*) echo "fuzz.sh: -t needs whole seconds" >&2; exit 2 ;;
esac

if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" "$here" -Dfuzz=true
fi
if [ ${#targets[@]} -eq 0 ]; then
	for t in fuzz_parse fuzz_mn_reply fuzz_radius_reply fuzz_reg_stage; do
		if [ -f "$here/fuzz/$t.c" ]; then
			targets+=("$t")
		fi
	done
fi
ninja -C "$build" -j2 $(printf 'fuzz/%s ' "${targets[@]}") fuzz/gen_corpus

if [ "$regen" -eq 1 ]; then
	for t in fuzz_parse fuzz_mn_reply fuzz_radius_reply fuzz_reg_stage; do
		mkdir -p "$here/fuzz/corpus/$t"
	done
	"$build/fuzz/gen_corpus" "$here/fuzz/corpus"
fi

export MIP_SHARED_DIR=${MIP_SHARED_DIR:-$(cd "$here/../shared" && pwd)}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

rc=0
summary=()
for t in "${targets[@]}"; do
	work="$build/fuzz-work/$t"
	art="$build/fuzz-artifacts/$t"
	mkdir -p "$work" "$art" "$here/fuzz/corpus/$t"
	echo "== $t: ${seconds}s"
	log="$build/fuzz-work/$t.log"
	set +e
	# -timeout: one input over 10 s is a hang; -rss_limit_mb: a leak or a
	# runaway allocation is a finding too. nice: the machine is shared.
	nice -n 10 "$build/fuzz/$t" -max_total_time="$seconds" -timeout=10 \
		-rss_limit_mb=1024 -max_len=4200 -print_final_stats=1 \
		-artifact_prefix="$art/" "$work" "$here/fuzz/corpus/$t" >"$log" 2>&1
	status=$?
	set -e
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
	if [ "$status" -ne 0 ]; then
		rc=1
		tail -40 "$log"
		echo "== $t: FAILED (exit $status); reproducers in $art:"
		ls -1 "$art"
		summary+=("$t: FAILED")
	else
		summary+=("$t: ok, ${execs:-?} runs, ${cov:-cov ?}")
	fi
done
printf 'fuzz: %s\n' "${summary[@]}"
exit "$rc"
