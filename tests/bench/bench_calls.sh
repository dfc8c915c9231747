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
N=${BENCH_CALL_UES:-50}
MSGS=${BENCH_MESSAGES:-400} # per UE
CALLS=${BENCH_CALLS:-60}    # per UE; each dialog's transactions linger 32 s (--max-txns)
K=465b5ce8b199b49faa5f0a2ee238a6bc
OPC=cd63cb71954a9f4e48a5994e37a02baf
CTL=$LAB_DIR/ctl.sock
KAM_PID= UAS_PID=
cleanup() {
	[ -n "$KAM_PID" ] && kill "$(cat "$LAB_DIR/kam.pid" 2>/dev/null)" "$KAM_PID" 2>/dev/null
	sipp_stop "$UAS_PID"
	lab_down
}
trap cleanup EXIT
HZ=$(getconf CLK_TCK)

# ticks PID...: utime+stime of each PID (threads included), summed
ticks() {
	local t=0 p f
	for p in "$@"; do
		f=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null) || continue
		set -- $f
		t=$((t + ${12} + ${13}))
	done
	echo $t
}
kam_pids() { # the Kamailio creator (its pid file) and its children
	local main
	main=$(cat "$LAB_DIR/kam.pid" 2>/dev/null) || return
	echo "$main"
	grep -l "^[0-9]* ([^)]*) . $main " /proc/[0-9]*/stat 2>/dev/null | cut -d/ -f3
}
now() { date +%s.%N; }

lab_up 1 with-core
"$BUILD/tools/akavec" --k $K --opc $OPC --count $((N + 8)) --per-line 1 >"$LAB_DIR/vectors.csv"
sipp_bg "$LAB_DIR/uas.out" -sf tests/sipp/uas_bench.xml -inf "$LAB_DIR/vectors.csv" -i "$CORE4" \
	-p 5060 -buff_size 8388608 -skip_rlimit
UAS_PID=$SIPP_PID
pns_bg "$BUILD/pcscfd" --iface p0 --addr $P4 --core $CORE4:5060 --pin-dir "$LAB_DIR/bpffs/pcscf" \
	--ctl "$CTL" --rate 100000 --burst 100000 --burst-new 100000 --log-level warn 2>"$LAB_DIR/pcscfd.log"
P_PID=${LAB_PIDS[-1]}
wait_ctl "$CTL" || { echo "bench_calls: pcscfd did not start"; exit 1; }

# ours KIND COUNT: register N UEs, then (clock and CPU from here) COUNT each, de-register
ours() {
	local kind=$1 count=$2 go=$LAB_DIR/go-$1 t0 t1 i line
	ue "$BUILD/imsue" --count "$N" --impi "$kind%u@ims.example" --impu "sip:$kind%u@ims.example" \
		--k $K --opc $OPC --domain ims.example --local $UE4 --pcscf $P4 --timeout 10 \
		--port-c 32000 --port-s 32001 --sip-port 6000 --rate 2000 \
		register wait-file "$go" "$kind" "$count" deregister >"$LAB_DIR/imsue-$kind.out" 2>&1 &
	local pid=$!
	for i in $(seq 200); do
		[ "$(pns "$BUILD/pcscfctl" --ctl "$CTL" reg list --json 2>/dev/null |
			grep -o '"state": *"registered"' | wc -l)" -ge "$N" ] && break
		sleep 0.1
	done
	t0=$(ticks "$P_PID")
	touch "$go"
	wait $pid
	t1=$(ticks "$P_PID")
	line=$(grep '^== made:' "$LAB_DIR/imsue-$kind.out")
	OURS_N=$(echo "$line" | sed -n "s/.* \([0-9]*\) calls, [0-9]* cancelled calls, \([0-9]*\) MESSAGEs.*/\1 \2/p")
	OURS_RATE=$(echo "$line" | grep -o "[0-9.]* $([ "$kind" = calls ] && echo calls || echo MESSAGEs)/s" | grep -o '^[0-9.]*')
	OURS_CPU=$((t1 - t0))
	OURS_LINE=$line
}

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

cpu_us() { awk -v t="$1" -v n="$2" -v hz="$HZ" 'BEGIN { if (n > 0) printf "%.1f", t / hz * 1e6 / n; else print "?" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2fx", a / b; else print "?" }'; }

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
