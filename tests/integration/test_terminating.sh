#!/usr/bin/env bash
# Terminating requests and network-initiated de-registration (issue 9 items 4
# and 5), IPv4 and IPv6: UE namespace (tests/integration/scapy_ue.py: scapy's
# ESP, independent of ours) -- pcscfd -- core namespace with SIPp as the
# S-CSCF (tests/sipp/scscf_term.xml). The S-CSCF registers the UE, gets the
# reg-event SUBSCRIBE (Event: reg, Accept reginfo), sends a MESSAGE to the
# Path it got: the UE receives it through its SA on port_us and answers 200,
# which must reach SIPp; then a NOTIFY that terminates the registration
# (answered 200: the SAs leave pcscfctl and the classifier map), then a
# MESSAGE for the de-registered UE, which must be answered 404.
set -uo pipefail
cd "$(dirname "$0")/../.."
LAB_ID=${LAB_ID:-term$$} # namespaces pcscf-*-termPID: apart from other labs
source tests/lib/tap.sh
source tests/lib/lab.sh
trap lab_down EXIT

K=465b5ce8b199b49faa5f0a2ee238a6bc # TS 35.208 test set 1
OPC=cd63cb71954a9f4e48a5994e37a02baf
CTL=$LAB_DIR/ctl.sock
LAB_CTL=$CTL
CORE6=2001:db8:2::2 PCORE6=2001:db8:2::1

ctl() { pns "$BUILD/pcscfctl" --ctl "$CTL" "$@"; }
stat_of() { json_get "$(ctl stats --json)" "sip.$1"; }
wait_pid() { # pid seconds
	local i
	for i in $(seq $(($2 * 10))); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
	return 1
}
scapy_ue() { # log [args]: the UE, its output in log
	local log=$1
	shift
	ue timeout 15 /usr/bin/python3 tests/integration/scapy_ue.py --impi alice@ims.example \
		--impu alice@ims.example --k $K --opc $OPC "$@" >"$log" 2>&1
}
sipp_done() { # SIPp exits after its 2 calls (-m 2); its final screen counts them
	wait_pid "$CORE_PID" 8 && grep -Eq "Successful call +\| +[0-9]+ +\| +2" "$LAB_DIR/sipp-$1.screen" &&
		grep -Eq "Failed call +\| +[0-9]+ +\| +0" "$LAB_DIR/sipp-$1.screen" ||
		{ sed 's/^/# /' "$LAB_DIR/sipp-$1.err" "$LAB_DIR/sipp-$1.screen" | tail -30; false; }
}

run() { # family P UE CORE PCORE PORT [--core-listen ...]
	local f=$1 p=$2 u=$3 c=$4 pc=$5 port=$6 cb=$4
	shift 6
	[ "$f" = IPv6 ] && cb="[$c]"
	pns_bg "$BUILD/pcscfd" --iface p0 --addr $p --core "$cb:5060" "$@" \
		--pin-dir "$LAB_DIR/bpffs/pcscf" --ctl "$CTL" --log-level debug \
		--port-ps 6100 --port-pc-pool 6101-6102 2>"$LAB_DIR/pcscfd-$f.log"
	P_PID=$!
	wait_ctl "$CTL" || { fail "$f: pcscfd starts"; cat "$LAB_DIR/pcscfd-$f.log"; return; }
	check "$f: core socket on the stable address $pc port $port (Path and Via)" \
		grep -q "from $pc port $port" "$LAB_DIR/pcscfd-$f.log"
	sipp_bg "$LAB_DIR/sipp-$f.out" -sf tests/sipp/scscf_term.xml -inf "$LAB_DIR/vectors.csv" \
		-i "$c" -p 5060 -m 2 -skip_rlimit -trace_err -trace_msg -trace_screen \
		-message_file "$LAB_DIR/sipp-$f.msg" -error_file "$LAB_DIR/sipp-$f.err" \
		-screen_file "$LAB_DIR/sipp-$f.screen"
	CORE_PID=$SIPP_PID
	sleep 0.5
	check "$f: the scapy UE registers, gets the MESSAGE through spi_us on port_us, answers 200" \
		scapy_ue "$LAB_DIR/ue-$f.log" --pcscf $p --local $u --answer 1 ||
		sed 's/^/# /' "$LAB_DIR/ue-$f.log"
	grep -e "<- MESSAGE" -e "-> 200 OK (protected" "$LAB_DIR/ue-$f.log" | sed 's/^/# UE: /'
	# The NOTIFY comes 2 s after the SUBSCRIBE: the registration is still whole here.
	check "$f: before the NOTIFY: 4 SAs listed, 2 inbound in the classifier map" \
		test "$(sa_count alice@ims.example)/$(map_entries)" = 4/2
	check "$f: SIPp: both calls passed (the UE's 200, SUBSCRIBE 200, NOTIFY 200, then 404)" \
		sipp_done "$f"
	local hp=$pc
	[ "$f" = IPv6 ] && hp="\[$pc\]"
	check "$f: the Path SIPp stored names $pc port $port with a token (not an ephemeral port)" \
		grep -Eq "^Path: <sip:t-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{16}@$hp:$port;lr>" "$LAB_DIR/sipp-$f.msg"
	check "$f: the SUBSCRIBE reached the S-CSCF with Event: reg" \
		grep -q "^Event: reg" "$LAB_DIR/sipp-$f.msg"
	check "$f: the NOTIFY removed the registration: no SA left in pcscfctl sa list" \
		test "$(sa_count alice@ims.example)" -eq 0
	check "$f: ... nor in the classifier map" test "$(map_entries)" -eq 0
	check "$f: counters: 1 terminating request, 1 response, 1 network de-registration, 1 404" \
		test "$(stat_of term_requests)/$(stat_of term_responses)/$(stat_of regev_deregs)/$(stat_of term_not_found)" = 1/1/1/1
	sipp_stop "$CORE_PID"
	kill "$P_PID" 2>/dev/null
	wait_pid "$P_PID" 5
}

lab_up 1 with-core
core ip -6 addr add $CORE6/64 dev c0 nodad
pns ip -6 addr add $PCORE6/64 dev pc0 nodad
"$BUILD/tools/akavec" --k $K --opc $OPC --count 8 --per-line 1 >"$LAB_DIR/vectors.csv"
run IPv4 $P4 $UE4 $CORE4 $PCORE4 5060                             # the default
run IPv6 $P6 $UE6 $CORE6 $PCORE6 5070 --core-listen "[$PCORE6]:5070" # the flag
tap_done
