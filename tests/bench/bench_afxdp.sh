#!/usr/bin/env bash
# AF_XDP receive rate against a plain UDP socket receiving the same stream in
# the same run: a generator in the UE namespace floods the unprotected SIP
# port for SECONDS, (1) into the classifier + one AF_XDP socket (xskrecv: the
# receive path alone), (2) with XDP detached, into a recvmmsg socket bound to
# the port, (3) into pcscfd itself, where every datagram also goes to the
# signalling thread and through libosip2 (for scale, not for the ratio).
set -uo pipefail
cd "$(dirname "$0")/../.."
source tests/lib/tap.sh
source tests/lib/lab.sh
trap lab_down EXIT
SECONDS_RUN=${BENCH_SECONDS:-3}
SIZE=${BENCH_SIZE:-200}
CTL=$LAB_DIR/ctl.sock

lab_up 1 with-core
# The generator's own sends must not be throttled by the token bucket here.
pns_bg "$BUILD/pcscfd" --iface p0 --addr $P4 --core $CORE4:5060 --pin-dir "$LAB_DIR/bpffs/pcscf" \
	--ctl "$CTL" --rate 10000000 --burst 10000000 --burst-new 10000000 \
	--rate-all 100000000 --burst-all 100000000 --log-level warn
wait_ctl "$CTL" || { echo "bench_afxdp: pcscfd did not start"; exit 1; }
frames() { json_get "$(pns "$BUILD/pcscfctl" --ctl "$CTL" stats --json)" workers.0.frames; }
b=$(frames)
gen1=$(ue "$BUILD/tools/udpflood" $P4 5060 "$SECONDS_RUN" "$SIZE")
sleep 0.5
a=$(frames)
xsk_pps=$(( (a - b) / SECONDS_RUN ))
kill -TERM "${LAB_PIDS[0]}"; wait "${LAB_PIDS[0]}"; LAB_PIDS=()

pns "$BUILD/tools/xskrecv" p0 $P4 "$LAB_DIR/bpffs/xskrecv" "$SECONDS_RUN" >"$LAB_DIR/xsk.txt" &
xsk=$!
for i in $(seq 50); do grep -q ready "$LAB_DIR/xsk.txt" && break; sleep 0.1; done
gen0=$(ue "$BUILD/tools/udpflood" $P4 5060 "$SECONDS_RUN" "$SIZE")
wait $xsk
raw_pps=$(grep -o '([0-9]* pps' "$LAB_DIR/xsk.txt" | tr -dc 0-9)

pns "$BUILD/tools/udpsink" 5060 "$SECONDS_RUN" >"$LAB_DIR/sink.txt" &
sink=$!
sleep 0.3
gen2=$(ue "$BUILD/tools/udpflood" $P4 5060 "$SECONDS_RUN" "$SIZE")
wait $sink
sock_pps=$(grep -o '([0-9]* pps' "$LAB_DIR/sink.txt" | tr -dc 0-9)

echo "AF_XDP receive vs plain UDP socket, ${SIZE}-byte datagrams, ${SECONDS_RUN}s each, 1 rx queue"
printf "  %-40s %10s pps   (generator: %s)\n" "classifier + AF_XDP socket (copy mode)" "$raw_pps" "$gen0"
printf "  %-40s %10s pps   (generator: %s)\n" "plain UDP socket (recvmmsg)" "$sock_pps" "$gen2"
if [ "${sock_pps:-0}" -gt 0 ]; then
	awk -v a="$raw_pps" -v b="$sock_pps" 'BEGIN { printf "  ratio AF_XDP / socket: %.2fx (goal: > 1)\n", a / b }'
fi
printf "  %-40s %10s pps   (generator: %s)\n" "pcscfd, every datagram parsed as SIP" "$xsk_pps" "$gen1"
