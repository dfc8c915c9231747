#!/usr/bin/env bash
# AF_XDP receive rate of pcscfd's worker against a plain UDP socket receiving
# the same stream in the same run: a generator in the UE namespace floods the
# unprotected SIP port for SECONDS, first with pcscfd (XDP + AF_XDP), then with
# XDP detached and a recvmmsg socket bound to the port.
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
	--ctl "$CTL" --rate 10000000 --burst 10000000 --log-level warn
wait_ctl "$CTL" || { echo "bench_afxdp: pcscfd did not start"; exit 1; }
frames() { json_get "$(pns "$BUILD/pcscfctl" --ctl "$CTL" stats --json)" workers.0.frames; }
b=$(frames)
gen1=$(ue "$BUILD/tools/udpflood" $P4 5060 "$SECONDS_RUN" "$SIZE")
sleep 0.5
a=$(frames)
xsk_pps=$(( (a - b) / SECONDS_RUN ))
kill -TERM "${LAB_PIDS[0]}"; wait "${LAB_PIDS[0]}"; LAB_PIDS=()

pns "$BUILD/tools/udpsink" 5060 "$SECONDS_RUN" >"$LAB_DIR/sink.txt" &
sink=$!
sleep 0.3
gen2=$(ue "$BUILD/tools/udpflood" $P4 5060 "$SECONDS_RUN" "$SIZE")
wait $sink
sock_pps=$(grep -o '([0-9]* pps' "$LAB_DIR/sink.txt" | tr -dc 0-9)

echo "AF_XDP receive vs plain UDP socket, ${SIZE}-byte datagrams, ${SECONDS_RUN}s each, 1 rx queue"
printf "  %-34s %12s pps   (generator: %s)\n" "pcscfd AF_XDP worker (copy mode)" "$xsk_pps" "$gen1"
printf "  %-34s %12s pps   (generator: %s)\n" "plain UDP socket (recvmmsg)" "$sock_pps" "$gen2"
if [ "${sock_pps:-0}" -gt 0 ]; then
	awk -v a="$xsk_pps" -v b="$sock_pps" 'BEGIN { printf "  ratio AF_XDP / socket: %.2fx (goal: > 1)\n", a / b }'
fi
