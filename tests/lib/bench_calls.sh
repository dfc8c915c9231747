# The INVITE-dialog bench lab shared by tests/bench/bench_calls.sh and
# tests/bench/bench_rx_dialogs.sh. Source after tests/lib/tap.sh and
# tests/lib/lab.sh, with NS_UE/NS_P/NS_CORE/LAB_DIR set, then:
#   calls_lab_up               lab with core, vectors, SIPp UAS (uas_bench.xml:
#                              INVITE with SDP, 100, 180, 200 with SDP, ACK, BYE)
#   calls_pcscfd_up ARGS...    pcscfd (bench rate limits) on $CTL; P_PID is its PID
#   ours KIND COUNT            N imsue UEs register, COUNT KIND each, de-register:
#                              OURS_N, OURS_RATE, OURS_CPU (ticks of P_PID), OURS_LINE
N=${BENCH_CALL_UES:-50}
K=465b5ce8b199b49faa5f0a2ee238a6bc
OPC=cd63cb71954a9f4e48a5994e37a02baf
CTL=$LAB_DIR/ctl.sock
UAS_PID= P_PID=
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
now() { date +%s.%N; }
cpu_us() { awk -v t="$1" -v n="$2" -v hz="$HZ" 'BEGIN { if (n > 0) printf "%.1f", t / hz * 1e6 / n; else print "?" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2fx", a / b; else print "?" }'; }

calls_lab_up() {
	lab_up 1 with-core
	"$BUILD/tools/akavec" --k $K --opc $OPC --count $((N + 8)) --per-line 1 >"$LAB_DIR/vectors.csv"
	sipp_bg "$LAB_DIR/uas.out" -sf tests/sipp/uas_bench.xml -inf "$LAB_DIR/vectors.csv" -i "$CORE4" \
		-p 5060 -buff_size 8388608 -skip_rlimit
	UAS_PID=$SIPP_PID
}

calls_pcscfd_up() {
	pns_bg "$BUILD/pcscfd" --iface p0 --addr $P4 --core $CORE4:5060 --pin-dir "$LAB_DIR/bpffs/pcscf" \
		--ctl "$CTL" --rate 100000 --burst 100000 --burst-new 100000 --log-level warn "$@" \
		2>>"$LAB_DIR/pcscfd.log"
	P_PID=${LAB_PIDS[-1]}
	wait_ctl "$CTL"
}

ours() {
	local kind=$1 count=$2 go=$LAB_DIR/go-$1 t0 t1 i line
	rm -f "$go"
	ue "$BUILD/imsue" --count "$N" --impi "$kind%u@ims.example" --impu "sip:$kind%u@ims.example" \
		--k $K --opc $OPC --domain ims.example --local $UE4 --pcscf $P4 --timeout 10 \
		--port-c 32000 --port-s 32001 --sip-port 6000 --rate 2000 \
		register wait-file "$go" "$kind" "$count" deregister >"$LAB_DIR/imsue-$kind.out" 2>&1 &
	local pid=$!
	for i in $(seq 200); do
		[ "$(pns "$BUILD/pcscfctl" --ctl "$CTL" reg list --json 2>/dev/null |
			grep -o '"registered":true' | wc -l)" -ge "$N" ] && break
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
