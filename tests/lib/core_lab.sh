# Settings of the labs where a UE registers with AKA through pcscfd and SIPp
# plays the core. Source after tests/lib/lab.sh.

K=465b5ce8b199b49faa5f0a2ee238a6bc # TS 35.208 test set 1
OPC=cd63cb71954a9f4e48a5994e37a02baf
CTL=$LAB_DIR/ctl.sock

ctl() { pns "$BUILD/pcscfctl" --ctl "$CTL" "$@"; }
stat_of() { json_get "$(ctl stats --json)" "$1"; }

# core_lab_up SCENARIO CONF-TEXT: the lab with its core namespace, AKA vectors
# in $LAB_DIR/vectors.csv, pcscfd (settings from CONF-TEXT, a config file's
# lines, kept in $LAB_DIR/pcscfd.conf; both
# access addresses, protected ports 6100 and 6101-6102) and SIPp running
# SCENARIO as the core, its messages in $LAB_DIR/sipp.msg; CORE_PID is SIPp's.
core_lab_up() {
	lab_up 1 with-core
	printf '%s' "$2" >"$LAB_DIR/pcscfd.conf"
	"$BUILD/tools/akavec" --k $K --opc $OPC --count 8 --per-line 3 >"$LAB_DIR/vectors.csv"
	pns_bg "$BUILD/pcscfd" --config "$LAB_DIR/pcscfd.conf" --iface p0 --addr $P4 --addr $P6 \
		--core $CORE4:5060 --pin-dir "$LAB_DIR/bpffs/pcscf" --ctl "$CTL" --log-level debug \
		--port-ps 6100 --port-pc-pool 6101-6102 2>"$LAB_DIR/pcscfd.log"
	wait_ctl "$CTL" || { fail "pcscfd starts"; cat "$LAB_DIR/pcscfd.log"; exit 1; }
	sipp_bg "$LAB_DIR/sipp.out" -sf "$1" -inf "$LAB_DIR/vectors.csv" \
		-i "$CORE4" -p 5060 -skip_rlimit -trace_err -error_file "$LAB_DIR/sipp.err" \
		-trace_msg -message_file "$LAB_DIR/sipp.msg"
	CORE_PID=$SIPP_PID
	sleep 0.5
}
