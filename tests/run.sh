#!/usr/bin/env bash
# The test runner behind `make test`. Runs, in order:
#   unit tests (ASan/UBSan build), the ThreadSanitizer build of the
#   concurrency tests, fuzz harnesses over their seed corpora,
#   interop tests (tshark, scapy), namespace lab integration tests.
# Every case prints "ok - ..." or "not ok - ..."; a suite that dies without
# reporting counts as one failure. Ends with one line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SAN=$BUILD/san
LOG=$BUILD/test-logs
mkdir -p "$LOG"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export PCSCF_BUILD=$BUILD

passed=0
failed=0

run_suite() { # name, command...
	local name=$1 out rc p f
	shift
	out=$LOG/$(echo "$name" | tr '/ ' '__').log
	echo "=== $name"
	timeout --kill-after=10 "${SUITE_TIMEOUT:-300}" "$@" >"$out" 2>&1
	rc=$?
	grep -E '^(ok|not ok) - ' "$out" | sed 's/^/  /'
	p=$(grep -c '^ok - ' "$out")
	f=$(grep -c '^not ok - ' "$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "  not ok - $name exited $rc without a failing case (log: $out)"
		tail -n 20 "$out" | sed 's/^/    | /'
		f=1
	elif [ "$f" -gt 0 ]; then
		grep -E '^#|ERROR|error' "$out" | tail -n 20 | sed 's/^/    | /'
	fi
	passed=$((passed + p))
	failed=$((failed + f))
}

for t in "$SAN"/tests/test_*; do
	[ -x "$t" ] && run_suite "unit/$(basename "$t")" "$t"
done

# A TSan report fails the suite (exit code 66) even when every case passed.
for t in "$BUILD"/tsan/tests/test_*; do
	[ -x "$t" ] && TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:exitcode=66} \
		run_suite "tsan/$(basename "$t")" "$t"
done

for f in "$BUILD"/fuzz/bin/fuzz_*; do
	[ -x "$f" ] || continue
	n=$(basename "$f")
	run_suite "fuzz/$n" bash tests/fuzz/run_one.sh "$f" "tests/fuzz/corpus/${n#fuzz_}"
done

for t in tests/interop/test_*.sh tests/integration/test_*.sh; do
	[ -f "$t" ] && run_suite "$t" bash "$t"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
