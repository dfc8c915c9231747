#!/usr/bin/env bash
# Run one libFuzzer harness over its seed corpus, then fuzz for a short bounded
# time (FUZZ_SECONDS, default 10) in a scratch corpus. A crash fails the case;
# the input that caused it is kept in FUZZ_ARTIFACTS (default
# $PCSCF_BUILD/fuzz/artifacts, or build/fuzz/artifacts).
set -uo pipefail
bin=$1
seeds=$2
name=$(basename "$bin")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$seeds"
if "$bin" -runs=0 "$seeds" >"$work/replay.log" 2>&1; then
	echo "ok - $name replays its seed corpus ($(ls "$seeds" | wc -l) inputs)"
else
	tail -n 30 "$work/replay.log"
	echo "not ok - $name replays its seed corpus"
	exit 1
fi
cp -r "$seeds"/. "$work/" 2>/dev/null
# A fixed seed by default (FUZZ_SEED; 0 draws one) keeps a test run reproducible.
if "$bin" -max_total_time="${FUZZ_SECONDS:-10}" -max_len=4096 -print_final_stats=1 \
	-seed="${FUZZ_SEED:-1}" \
	-artifact_prefix="$work/" "$work" >"$work/fuzz.log" 2>&1; then
	runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/fuzz.log" | grep -o '[0-9]*$')
	echo "ok - $name fuzzed ${FUZZ_SECONDS:-10}s without a crash (${runs:-?} executions)"
else
	tail -n 40 "$work/fuzz.log"
	keep=${FUZZ_ARTIFACTS:-${PCSCF_BUILD:-build}/fuzz/artifacts}
	mkdir -p "$keep"
	for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
		[ -e "$a" ] && cp "$a" "$keep/$name-$(basename "$a")"
	done
	echo "not ok - $name found a crash (inputs kept in $keep)"
	exit 1
fi
