#!/usr/bin/env bash
# make bench: every benchmark prints its figure next to a baseline measured in
# the same run, as a ratio. Output also lands in build/bench/report.txt.
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${PCSCF_BUILD:-build}
export PCSCF_BUILD=$BUILD
report=$BUILD/bench/report.txt
mkdir -p "$BUILD/bench"
{
	echo "xdp-pcscf benchmarks, $(date -u +%FT%TZ), $(nproc) CPUs, kernel $(uname -r)"
	for b in "$BUILD"/bench/bench_*; do
		[ -x "$b" ] || continue
		echo
		echo "=== $(basename "$b")"
		"$b" 2>&1 | grep -v ' info: '
	done
	for s in tests/bench/bench_*.sh; do
		echo
		echo "=== $(basename "$s")"
		bash "$s" 2>&1 | grep -v ' info: '
	done
} | tee "$report"
