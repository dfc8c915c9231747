#!/usr/bin/env bash
# Registrations per second through the P-CSCF (imsue as N UEs: REGISTER, 401,
# SAs installed in ESP + the classifier map, protected REGISTER, 200, then
# de-registration through the SAs), next to the same flow run by SIPp straight
# against the same SIPp S-CSCF with no P-CSCF in between, in the same run.
# The ratio is what the front end costs. Both count registrations completed
# per second of wall time, de-registration included, both started at up to
# 5000 new subscribers/s (a burst of hundreds at once overflows the receive
# buffer of SIPp's socket, and then UDP timer E dominates the figure).
set -uo pipefail
cd "$(dirname "$0")/../.."
source tests/lib/tap.sh
source tests/lib/lab.sh
trap lab_down EXIT
N=${BENCH_UES:-1000}
K=465b5ce8b199b49faa5f0a2ee238a6bc
OPC=cd63cb71954a9f4e48a5994e37a02baf
CTL=$LAB_DIR/ctl.sock

lab_up 1 with-core
"$BUILD/tools/akavec" --k $K --opc $OPC --count $((N + 8)) --per-line 3 >"$LAB_DIR/vectors.csv"
sipp_bg "$LAB_DIR/sipp.out" -sf tests/sipp/scscf.xml -inf "$LAB_DIR/vectors.csv" -i "$CORE4" \
	-p 5060 -buff_size 8388608 -trace_err -error_file "$LAB_DIR/sipp.err" -skip_rlimit
pns_bg "$BUILD/pcscfd" --iface p0 --addr $P4 --core $CORE4:5060 --pin-dir "$LAB_DIR/bpffs/pcscf" \
	--ctl "$CTL" --rate 100000 --burst 100000 --burst-new 100000 --log-level warn
wait_ctl "$CTL" || { echo "bench_registration: pcscfd did not start"; exit 1; }
out=$(ue "$BUILD/imsue" --count "$N" --impi "ue%u@ims.example" --impu "sip:ue%u@ims.example" \
	--k $K --opc $OPC --domain ims.example --local $UE4 --pcscf $P4 --timeout 10 --rate 5000 \
	register deregister 2>&1 | tee "$LAB_DIR/imsue.out" | grep "^== ")
ours=$(echo "$out" | grep -o '= [0-9.]* registrations/s' | grep -o '[0-9.]*')
sipp_stop "$SIPP_PID"
[ -n "${BENCH_DEBUG:-}" ] && { grep -v "^==" "$LAB_DIR/imsue.out" | sort | uniq -c | sort -rn | head; pns "$BUILD/pcscfctl" --ctl "$CTL" stats; grep -c Aborting "$LAB_DIR/sipp.err"; grep -m3 -A3 "event" "$LAB_DIR/sipp.err"; }

base_out=$(core bash tests/sipp/selftest.sh "$N" 5000 2>&1 | grep 'registrations done')
base=$(echo "$base_out" | grep -o '([0-9]*/s' | tr -dc 0-9)

echo "Registrations/s ($N subscribers, register + de-register, IMS AKA, UDP)"
printf "  %-52s %10s /s   %s\n" "imsue -> pcscfd (XDP, AF_XDP, ESP) -> SIPp S-CSCF" "${ours:-?}" "$out"
printf "  %-52s %10s /s   %s\n" "SIPp UAC -> SIPp S-CSCF (no P-CSCF, no IPsec)" "${base:-?}" "$base_out"
if [ -n "${ours:-}" ] && [ -n "${base:-}" ] && [ "${base:-0}" != 0 ]; then
	awk -v a="$ours" -v b="$base" 'BEGIN { printf "  ratio with P-CSCF / without: %.2fx\n", a / b }'
fi
