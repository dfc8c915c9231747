#!/usr/bin/env bash
# INVITE dialogs/s through pcscfd with Rx on, next to the same dialogs with
# Rx off, in the same run (issue 11, "Must show"). The lab is bench_calls.sh's
# (tests/lib/bench_calls.sh): N imsue UEs, each registered with its own SAs,
# call back to back through ESP; SIPp (uas_bench.xml) is the core and callee.
# Each dialog is INVITE (SDP offer), 100, 180, 200 (SDP answer), ACK, BYE.
#   Rx off: pcscfd as in bench_calls.sh
#   Rx on:  pcscfd --rx towards tests/tools/pcrf_test.py in the core namespace
#           (allows every codec): one AAR/AAA held before the 200 goes to the
#           UE, one STR at the BYE, per dialog
# AAR/AAA per second: pcscfd's dialogs.allowed counter over imsue's calling
# time (registration excluded). CPU per dialog: pcscfd's utime+stime (freeDiameter threads included)
# over the dialogs completed. The PCRF's CPU is printed apart.
set -uo pipefail
cd "$(dirname "$0")/../.."
source tests/lib/tap.sh
source tests/lib/lab.sh
LAB_ID=rxb$$
NS_UE=rxbench-ue-$LAB_ID NS_P=rxbench-p-$LAB_ID NS_CORE=rxbench-core-$LAB_ID
LAB_DIR=/tmp/rxbench-$LAB_ID
CALLS=${BENCH_RX_CALLS:-200} # per UE: 10,000 dialogs, 20,000 transactions lingering 32 s
source tests/lib/bench_calls.sh
PCRF_PID=
cleanup() {
	sipp_stop "$UAS_PID"
	lab_down
}
trap cleanup EXIT
ctl_stat() { json_get "$(pns "$BUILD/pcscfctl" --ctl "$CTL" stats --json)" "$1"; }
stop_pcscfd() {
	kill "$P_PID" 2>/dev/null
	wait "$P_PID" 2>/dev/null
}

calls_lab_up
ip netns exec "$NS_CORE" python3 tests/tools/pcrf_test.py --listen $CORE4:3868 --origin-host pcrf1.test \
	>"$LAB_DIR/pcrf.out" 2>&1 &
PCRF_PID=$!
LAB_PIDS+=($PCRF_PID)
for i in $(seq 50); do grep -q listening "$LAB_DIR/pcrf.out" 2>/dev/null && break; sleep 0.1; done

# 1. Rx off
calls_pcscfd_up || { echo "bench_rx_dialogs: pcscfd did not start"; exit 1; }
ours calls "$CALLS"
off_n=$(echo "$OURS_N" | cut -d' ' -f1) off_rate=${OURS_RATE:-0} off_cpu=$OURS_CPU off_line=$OURS_LINE
stop_pcscfd

# 2. Rx on (reject if the PCRF does not answer: a dialog counts only if authorised)
calls_pcscfd_up --rx --rx-pcrf pcrf1.test,$CORE4,3868 --rx-realm test --rx-origin-host pcscf.test \
	--rx-origin-realm test --rx-unreachable reject ||
	{ echo "bench_rx_dialogs: pcscfd --rx did not start"; exit 1; }
for i in $(seq 50); do
	[ "$(json_get "$(pns "$BUILD/pcscfctl" --ctl "$CTL" rx --json)" rx.peers.0.state 2>/dev/null)" = STATE_OPEN ] && break
	sleep 0.1
done
p0=$(ticks "$PCRF_PID")
ours calls "$CALLS"
p1=$(ticks "$PCRF_PID")
on_n=$(echo "$OURS_N" | cut -d' ' -f1) on_rate=${OURS_RATE:-0} on_cpu=$OURS_CPU on_line=$OURS_LINE
sleep 0.3 # the last STRs
aar=$(ctl_stat dialogs.aar) allowed=$(ctl_stat dialogs.allowed) str=$(ctl_stat dialogs.str)
denied=$(ctl_stat dialogs.denied) unchecked=$(ctl_stat dialogs.unchecked) held_full=$(ctl_stat dialogs.held_full)
stop_pcscfd

echo "INVITE dialogs through pcscfd, Rx on vs off ($N UEs calling back to back through ESP; $(nproc) CPUs"
echo "shared by UE emulator, relay, PCRF and SIPp: noisy, compare ratios of the same run)"
printf "  %-52s %9s /s %9s us CPU each\n" "INVITE dialog, Rx off: imsue -> pcscfd -> SIPp" "$off_rate" "$(cpu_us "$off_cpu" "$off_n")"
printf "  %-52s %9s /s %9s us CPU each\n" "INVITE dialog, Rx on (AAR/AAA + STR, pcrf_test.py)" "$on_rate" "$(cpu_us "$on_cpu" "$on_n")"
# the AAAs came in the calling time imsue measured (on_n / on_rate seconds)
echo "  AAR/AAA: $(awk -v a="$allowed" -v n="$on_n" -v r="$on_rate" 'BEGIN { if (n > 0) printf "%.1f", a * r / n; else print "?" }') /s" \
	"(dialogs counters: aar $aar, allowed $allowed, str $str, denied $denied, unchecked $unchecked, held_full $held_full);" \
	"PCRF CPU $(cpu_us $((p1 - p0)) "$allowed") us per AAR+STR"
echo "  ratio Rx on / off: dialogs/s $(ratio "$on_rate" "$off_rate"), pcscfd CPU per dialog" \
	"$(ratio "$(cpu_us "$on_cpu" "$on_n")" "$(cpu_us "$off_cpu" "$off_n")")"
echo "  (Rx off, imsue: $off_line)"
echo "  (Rx on,  imsue: $on_line)"
if [ "${aar:-0}" = 0 ] || [ "${on_n:-0}" = 0 ] || [ "${off_n:-0}" = 0 ]; then
	echo "  not ok - no AAR or no dialog completed: the figures above do not measure Rx"
	tail -5 "$LAB_DIR/pcscfd.log" | sed 's/^/  # /'
	exit 1
fi
if [ "$allowed" -lt "$on_n" ]; then
	echo "  not ok - $on_n dialogs completed but only $allowed authorised"
	exit 1
fi
