#!/usr/bin/env bash
# Protected MESSAGE transactions/s and INVITE dialogs/s through pcscfd, next
# to Kamailio relaying the same plain SIP in the same run (issue 9).
#
#   ours:     imsue (N UEs, each registered, its own SAs) -- ESP both ways --
#             pcscfd (XDP, AF_XDP, userspace ESP) -- SIPp UAS (uas_bench.xml)
#   baseline: SIPp UAC (-l N calls at once) -- plain UDP -- Kamailio (Debian
#             package, tests/bench/kamailio.cfg: tm, record-route, loose
#             routing) -- the same SIPp UAS scenario
#
# A MESSAGE transaction is MESSAGE/200; a dialog is INVITE (SDP), 100, 180,
# 200, ACK, BYE, 200. Both sides keep N exchanges in flight (imsue: N UEs
# back to back; SIPp: -l N) and count completed ones per second of wall time.
# CPU per transaction is the relay's utime+stime (/proc/PID/stat, every
# Kamailio process summed) over the run divided by the transactions done.
# Kamailio: `apt-get install kamailio` (not in .ci/packages: CI runs no bench);
# without it only our side is printed.
set -uo pipefail
cd "$(dirname "$0")/../.."
source tests/lib/tap.sh
source tests/lib/lab.sh
LAB_ID=b$$
NS_UE=call-ue-$LAB_ID NS_P=call-p-$LAB_ID NS_CORE=call-core-$LAB_ID
LAB_DIR=/tmp/call-bench-$LAB_ID
MSGS=${BENCH_MESSAGES:-400} # per UE
CALLS=${BENCH_CALLS:-60}    # per UE
source tests/lib/bench_calls.sh
KAM_PID=
cleanup() {
	[ -n "$KAM_PID" ] && kill "$(cat "$LAB_DIR/kam.pid" 2>/dev/null)" "$KAM_PID" 2>/dev/null
	sipp_stop "$UAS_PID"
	lab_down
}
trap cleanup EXIT
kam_pids() { # the Kamailio creator (its pid file) and its children
	local main
	main=$(cat "$LAB_DIR/kam.pid" 2>/dev/null) || return
	echo "$main"
	grep -l "^[0-9]* ([^)]*) . $main " /proc/[0-9]*/stat 2>/dev/null | cut -d/ -f3
}

calls_lab_up
calls_pcscfd_up || { echo "bench_calls: pcscfd did not start"; exit 1; }

# kam SCENARIO TOTAL: the same load through Kamailio
kam() {
	local sc=$1 total=$2 t0 t1 w0 w1 ok
	t0=$(ticks $(kam_pids))
	w0=$(now)
	core timeout 120 sipp "$CORE4:5080" -sf "tests/sipp/$sc.xml" -i "$CORE4" -p 5090 -m "$total" \
		-l "$N" -r 100000 -rp 1000 -buff_size 8388608 -skip_rlimit -nostdin -trace_screen \
		-screen_file "$LAB_DIR/$sc.screen" >"$LAB_DIR/$sc.out" 2>&1
	w1=$(now)
	t1=$(ticks $(kam_pids))
	ok=$(grep -E "Successful call" "$LAB_DIR/$sc.screen" | tail -1 | awk -F'|' '{print $3}' | tr -dc 0-9)
	KAM_N=${ok:-0}
	KAM_RATE=$(awk -v n="$KAM_N" -v a="$w0" -v b="$w1" 'BEGIN { printf "%.1f", n / (b - a) }')
	KAM_CPU=$((t1 - t0))
}

ours messages "$MSGS"
m_n=$(echo "$OURS_N" | cut -d' ' -f2) m_rate=${OURS_RATE:-0} m_cpu=$OURS_CPU m_line=$OURS_LINE
ours calls "$CALLS"
c_n=$(echo "$OURS_N" | cut -d' ' -f1) c_rate=${OURS_RATE:-0} c_cpu=$OURS_CPU c_line=$OURS_LINE

have_kam=
if command -v kamailio >/dev/null; then
	sed "s/@LISTEN@/$CORE4:5080/; s/@UAS@/$CORE4:5060/" tests/bench/kamailio.cfg >"$LAB_DIR/kamailio.cfg"
	core kamailio -f "$LAB_DIR/kamailio.cfg" -DD -E -m 512 -M 16 -P "$LAB_DIR/kam.pid" \
		-Y "$LAB_DIR" >"$LAB_DIR/kamailio.log" 2>&1 &
	KAM_PID=$!
	sleep 1.5
	if kill -0 "$KAM_PID" 2>/dev/null; then
		have_kam=1
		kam uac_bench_message $((N * MSGS))
		km_n=$KAM_N km_rate=$KAM_RATE km_cpu=$KAM_CPU
		kam uac_bench_invite $((N * CALLS))
		kc_n=$KAM_N kc_rate=$KAM_RATE kc_cpu=$KAM_CPU
	else
		sed 's/^/  kamailio: /' "$LAB_DIR/kamailio.log" | tail -5
	fi
fi

echo "SIP transactions through the relay ($N in flight, one UDP hop each side; $(nproc) CPUs"
echo "shared by UE emulator, relay and SIPp: noisy, compare ratios of the same run)"
printf "  %-58s %10s /s %9s us CPU each\n" "MESSAGE/200: imsue -> pcscfd (ESP both ways) -> SIPp" "$m_rate" "$(cpu_us "$m_cpu" "$m_n")"
[ -n "$have_kam" ] && printf "  %-58s %10s /s %9s us CPU each\n" "MESSAGE/200: SIPp -> Kamailio (tm, plain UDP) -> SIPp" "$km_rate" "$(cpu_us "$km_cpu" "$km_n")"
printf "  %-58s %10s /s %9s us CPU each\n" "INVITE dialog: imsue -> pcscfd (ESP both ways) -> SIPp" "$c_rate" "$(cpu_us "$c_cpu" "$c_n")"
[ -n "$have_kam" ] && printf "  %-58s %10s /s %9s us CPU each\n" "INVITE dialog: SIPp -> Kamailio (tm, rr) -> SIPp" "$kc_rate" "$(cpu_us "$kc_cpu" "$kc_n")"
echo "  (imsue: $m_line)"
echo "  (imsue: $c_line)"
if [ -n "$have_kam" ]; then
	echo "  ratio pcscfd / Kamailio: MESSAGE/s $(ratio "$m_rate" "$km_rate"), dialogs/s $(ratio "$c_rate" "$kc_rate");" \
		"CPU per MESSAGE $(ratio "$(cpu_us "$m_cpu" "$m_n")" "$(cpu_us "$km_cpu" "$km_n")")," \
		"per dialog $(ratio "$(cpu_us "$c_cpu" "$c_n")" "$(cpu_us "$kc_cpu" "$kc_n")")"
	echo "  (Kamailio: $km_n of $((N * MSGS)) MESSAGEs, $kc_n of $((N * CALLS)) dialogs completed)"
else
	echo "  no Kamailio baseline (not installed: apt-get install kamailio, or it did not start)"
fi
