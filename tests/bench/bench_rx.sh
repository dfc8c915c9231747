#!/usr/bin/env bash
# Rx sessions per second (AAR/AAA, then STR/STA) through the Rx module
# (rx_driver: SDP offer/answer parsed, AAR built and sent by freeDiameter,
# the answer handed back to the calling thread) against the test PCRF,
# next to the same PCRF driven by a raw Diameter client that sends
# pre-built messages of the same size (pcrf_test.py --bench-client), in the
# same run: the ratio is what our client costs over the PCRF's own rate.
# The dialog-level figure (INVITE dialogs through pcscfd with Rx on and off)
# is bench_rx_dialogs.sh.
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${PCSCF_BUILD:-build}
N=${BENCH_RX_SESSIONS:-3000}
W=${BENCH_RX_WINDOW:-32}
NS_P=pcscf-rx-bp-$$
NS_C=pcscf-rx-bc-$$
work=$(mktemp -d /tmp/pcscf-rx-bench.XXXXXX)
PCRF=
cleanup() {
	[ -n "$PCRF" ] && kill "$PCRF" 2>/dev/null && wait "$PCRF" 2>/dev/null
	ip netns pids "$NS_C" 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns del "$NS_P" 2>/dev/null
	ip netns del "$NS_C" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$NS_P"
ip netns add "$NS_C"
ip link add rxp0 netns "$NS_P" type veth peer rxc0 netns "$NS_C"
ip netns exec "$NS_P" ip addr add 10.99.0.1/24 dev rxp0
ip netns exec "$NS_C" ip addr add 10.99.0.2/24 dev rxc0
ip netns exec "$NS_P" ip link set rxp0 up
ip netns exec "$NS_C" ip link set rxc0 up
ip netns exec "$NS_C" python3 tests/tools/pcrf_test.py --listen 10.99.0.2:3868 \
	--origin-host pcrf1.test >"$work/pcrf.out" 2>&1 &
PCRF=$!
for i in $(seq 50); do grep -q listening "$work/pcrf.out" 2>/dev/null && break; sleep 0.1; done

base_out=$(ip netns exec "$NS_P" python3 tests/tools/pcrf_test.py --bench-client 10.99.0.2:3868 \
	--bench-n "$N" --bench-window "$W" 2>&1 | grep '^raw')
base=$(echo "$base_out" | grep -o '[0-9]* aar/s' | grep -o '[0-9]*')
ours_out=$(printf 'wait-state pcrf1.test STATE_OPEN 10\nbench %s %s %s %s\nquit\n' "$N" "$W" \
	tests/integration/rx/offer.sdp tests/integration/rx/answer.sdp |
	ip netns exec "$NS_P" "$BUILD/tools/rx_driver" --peer pcrf1.test,10.99.0.2,3868 \
		--local 10.99.0.1 2>"$work/driver.err" | grep '^bench')
ours=$(echo "$ours_out" | grep -o '[0-9]* aar/s' | grep -o '[0-9]*')

echo "Rx sessions/s ($N sessions, $W AARs in flight; each counts at its AAA, then STR; TCP over veth)"
printf "  %-58s %8s /s   %s\n" "rx module (SDP -> AAR, freeDiameter) -> pcrf_test.py" "${ours:-?}" "$ours_out"
printf "  %-58s %8s /s   %s\n" "raw pre-built Diameter client -> pcrf_test.py (baseline)" "${base:-?}" "$base_out"
if [ -n "${ours:-}" ] && [ -n "${base:-}" ] && [ "${base:-0}" != 0 ]; then
	echo "  ratio rx module / raw client: $(awk -v a="$ours" -v b="$base" 'BEGIN { printf "%.2f", a / b }')"
fi
echo "  dialog level (INVITE through pcscfd, Rx on vs off): bench_rx_dialogs.sh"
