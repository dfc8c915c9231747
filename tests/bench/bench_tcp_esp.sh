#!/usr/bin/env bash
# Protected MESSAGE/s of 3,000 bytes over TCP inside ESP, beside the same
# messages over plain TCP straight to SIPp, in the same run (ratio).
#
#   protected: UE namespace kernel TCP -> TUN -> esp_tun_bridge (ESP, C) ->
#              pcscfd (worker decrypt -> TUN -> kernel TCP -> SIP -> core UDP;
#              answers back through its TUN, encrypted) -> SIPp (scscf.xml)
#   baseline:  the same client and messages over TCP from the P namespace to
#              a SIPp running the same scenario with -t t1
# One connection, BENCH_WINDOW (default 8) MESSAGEs outstanding, BENCH_SECONDS
# (default 5) each; pcscfd's CPU time per protected MESSAGE is printed too.
# BENCH_PERF=FILE records pcscfd with perf during the protected run.
set -uo pipefail
cd "$(dirname "$0")/../.."
source tests/lib/tap.sh
LAB_ID=tcpesp-bench-$$
source tests/lib/lab.sh
trap "${KEEP_LAB:+:} lab_down" EXIT
K=465b5ce8b199b49faa5f0a2ee238a6bc
OPC=cd63cb71954a9f4e48a5994e37a02baf
CTL=$LAB_DIR/ctl.sock
SECS=${BENCH_SECONDS:-5}
WIN=${BENCH_WINDOW:-8}
PORT_C=31100 PORT_S=31101

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

lab_up 1 with-core
"$BUILD/tools/akavec" --k $K --opc $OPC --count 16 --per-line 3 >"$LAB_DIR/vectors.csv"
pns_bg "$BUILD/pcscfd" --iface p0 --addr $P4 --core $CORE4:5060 --pin-dir "$LAB_DIR/bpffs/pcscf" \
	--ctl "$CTL" --log-level warn --tcp-tun tcpesp-p0 2>"$LAB_DIR/pcscfd.log"
PCSCFD_PID=${LAB_PIDS[-1]}
wait_ctl "$CTL" || { echo "pcscfd did not start"; cat "$LAB_DIR/pcscfd.log"; exit 1; }
sipp_bg "$LAB_DIR/sipp.out" -sf tests/sipp/scscf.xml -inf "$LAB_DIR/vectors.csv" -i "$CORE4" \
	-p 5060 -skip_rlimit
CORE_PID=$SIPP_PID
sipp_bg "$LAB_DIR/sipp-tcp.out" -sf tests/sipp/scscf.xml -inf "$LAB_DIR/vectors.csv" -i "$CORE4" \
	-p 5070 -t t1 -skip_rlimit -max_socket 100
TCP_PID=$SIPP_PID
sleep 0.5

ue timeout 30 /usr/bin/python3 tests/integration/scapy_ue.py --pcscf $P4 --local $UE4 \
	--impi bench@ims.example --impu bench@ims.example --k $K --opc $OPC --port-c $PORT_C \
	--port-s $PORT_S --tcp-esp keys --keys-out "$LAB_DIR/keys" >"$LAB_DIR/ue.log" 2>&1 ||
	{ echo "registration failed"; cat "$LAB_DIR/ue.log"; exit 1; }
ue "$BUILD/tools/esp_tun_bridge" tcpesp-u0 "$LAB_DIR/keys" $PORT_C $PORT_S >"$LAB_DIR/bridge.log" 2>&1 &
BRIDGE_PID=$!
for i in $(seq 50); do grep -q ready "$LAB_DIR/bridge.log" && break; sleep 0.1; done
ue ip link set tcpesp-u0 up mtu 1400
ue sysctl -qw net.ipv4.conf.tcpesp-u0.rp_filter=0
ue ip route add default dev tcpesp-u0 table 7100
ue ip rule add to $P4 ipproto tcp lookup 7100 prio 100

t0=$(cpu_ticks "$PCSCFD_PID")
[ -n "${BENCH_PERF:-}" ] && { perf record -g -o "$BENCH_PERF" -p "$PCSCFD_PID" -- sleep 4 >/dev/null 2>&1 & }
prot=$(ue /usr/bin/python3 tests/bench/tcp_msg_load.py --local $UE4 --bind-port $PORT_C --dst $P4 \
	--dport 6100 --from-uri sip:bench@ims.example --seconds "$SECS" --window "$WIN" 2>&1)
t1=$(cpu_ticks "$PCSCFD_PID")
plain=$(pns /usr/bin/python3 tests/bench/tcp_msg_load.py --local $PCORE4 --dst $CORE4 --dport 5070 \
	--seconds "$SECS" --window "$WIN" 2>&1)
kill "$BRIDGE_PID" 2>/dev/null
wait "$BRIDGE_PID" 2>/dev/null
pr=$(sed -n 's/^rate \([0-9]*\)\/s.*/\1/p' <<<"$prot")
pl=$(sed -n 's/^rate \([0-9]*\)\/s.*/\1/p' <<<"$plain")
n=$(sed -n 's/.*(\([0-9]*\) answered.*/\1/p' <<<"$prot")
hz=$(getconf CLK_TCK)
echo "3,000-byte MESSAGEs over one TCP connection, window $WIN, ${SECS}s each:"
echo "  through pcscfd, TCP inside ESP:  $prot"
echo "  plain TCP straight to SIPp:      $plain"
echo "  $(tail -1 "$LAB_DIR/bridge.log")"
if [ -n "$pr" ] && [ -n "$pl" ] && [ "$pl" -gt 0 ] && [ "${n:-0}" -gt 0 ]; then
	awk -v a="$pr" -v b="$pl" 'BEGIN { printf "  ratio protected/plain: %.2f\n", a / b }'
	awk -v t=$((t1 - t0)) -v hz="$hz" -v n="$n" \
		'BEGIN { printf "  pcscfd CPU per protected MESSAGE: %.0f us (both directions, ESP both ways)\n", t * 1e6 / hz / n }'
else
	echo "  ratio: not measured (a run failed)"
	tail -5 "$LAB_DIR/pcscfd.log"
fi
sipp_stop "$CORE_PID"
sipp_stop "$TCP_PID"
