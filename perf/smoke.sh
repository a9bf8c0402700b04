#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# meson test 'perf_smoke' (suite perf): every benchmark runs with tiny counts
# (EAL --no-huge) and must print well-formed JSON lines whose work was checked
# (ok=true). Speed is never asserted. Usage: smoke.sh BUILD/perf
set -euo pipefail

bin=${1:?usage: smoke.sh BUILD_DIR/perf}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
py=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d /tmp/mipha-perf-smoke.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
eal() { echo "-l 0 --no-pci --no-huge -m $2 --file-prefix perfsmoke$$$1 --log-level=warning"; }

run() { # run NAME MEM_MB ARGS...
	local name=$1 mem=$2
	shift 2
	# shellcheck disable=SC2046
	if ! timeout 40 "$bin/$name" $(eal "$name" "$mem") -- "$@" >"$tmp/$name.jsonl" \
		2>"$tmp/$name.err"; then
		echo "$name failed:"
		cat "$tmp/$name.err"
		exit 1
	fi
	"$py" "$here/report.py" --check "$tmp/$name.jsonl" --expect "${name#bench_}"
}

run bench_auth 128 --sizes 64,512 --bursts 1,32 --msgs 64 --keys 16 --reps 2
run bench_reg 256 --mns 1k --burst-mns 1k --bursts 1,32 --window 256 --reps 2
run bench_tunnel 256 --bindings 1k --window 256 --reps 2
run bench_mem 256 --bindings 10k
# the kernel comparison (root and network namespaces only; skipped elsewhere)
if [ "$(id -u)" = 0 ] && [ -x "$bin/udp_blast" ] && ip netns list >/dev/null 2>&1; then
	if ! timeout 30 "$here/kernel_ipip.sh" --blast "$bin/udp_blast" --mns 10 --packets 20000 \
		--seconds 1 >"$tmp/kernel.jsonl" 2>"$tmp/kernel.err"; then
		echo "kernel_ipip.sh failed:"
		cat "$tmp/kernel.err"
		exit 1
	fi
	"$py" "$here/report.py" --check "$tmp/kernel.jsonl" --expect kernel
else
	echo "perf smoke: kernel comparison skipped (not root or no ip netns)"
fi
# the aggregation and report path, on these lines (plots only when gnuplot exists)
mkdir -p "$tmp/raw"
for f in "$tmp"/*.jsonl; do
	cp "$f" "$tmp/raw/$(basename "$f" .jsonl | sed 's/^bench_//')-1.jsonl"
done
"$py" "$here/report.py" --raw "$tmp/raw" --out "$tmp/out" --report "$tmp/out/report.md" \
	--meta quick=1 --meta runs=1
"$py" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["results"]) > 10, d' \
	"$tmp/out/results.json"
grep -q "^## Issue 3 targets" "$tmp/out/report.md"
echo "perf smoke: ok"
