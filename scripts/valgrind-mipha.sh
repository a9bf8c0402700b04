#!/usr/bin/env bash
# Runs mipha under valgrind memcheck, in place of mipha itself: point an e2e
# run's MIPHA at this script (scripts/valgrind.sh does). Each process writes
# $VALGRIND_LOG_DIR/mipha.PID.log. The real binary is $VALGRIND_MIPHA.
# Reviewed suppressions: scripts/valgrind-dpdk.supp (DPDK's only; each says why).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
: "${VALGRIND_MIPHA:?set VALGRIND_MIPHA to the mipha binary}"
: "${VALGRIND_LOG_DIR:?set VALGRIND_LOG_DIR}"
exec valgrind --tool=memcheck --leak-check=full \
	--show-leak-kinds=definite,indirect,possible \
	--errors-for-leak-kinds=definite,indirect \
	--error-exitcode=99 --num-callers=30 \
	--suppressions="$here/scripts/valgrind-dpdk.supp" \
	--log-file="$VALGRIND_LOG_DIR/mipha.%p.log" \
	"$VALGRIND_MIPHA" "$@"
