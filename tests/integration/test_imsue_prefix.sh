#!/usr/bin/env bash
# imsue at scale (issue 8 item 6): UEs drawn from an address range. 200 UEs
# from an IPv4 prefix and 200 from an IPv6 /64 register through pcscfd (XDP,
# AF_XDP, ESP) with the SIPp S-CSCF, every UE on the same protected and SIP
# ports, sent from addresses configured nowhere. The UE namespace routes each
# prefix to itself (AnyIP "local" routes), the P-CSCF namespace routes it to
# the UE veth. pcscfctl reg list must show 200 distinct UE addresses of each
# prefix; then every UE de-registers through its SAs.
set -uo pipefail
cd "$(dirname "$0")/../.."
source tests/lib/tap.sh
source tests/lib/lab.sh
trap lab_down EXIT

K=465b5ce8b199b49faa5f0a2ee238a6bc # TS 35.208 test set 1
OPC=cd63cb71954a9f4e48a5994e37a02baf
CTL=$LAB_DIR/ctl.sock
N=${IMSUE_PREFIX_UES:-200}
PFX4=10.64.0.0/10
PFX6=2001:db8:100::/64

ctl() { pns "$BUILD/pcscfctl" --ctl "$CTL" "$@"; }
# reg_addrs PREFIX: how many distinct UE addresses of PREFIX pcscfd lists
reg_addrs() {
	ctl reg list --json | /usr/bin/python3 -c '
import ipaddress, json, sys
net = ipaddress.ip_network(sys.argv[1])
print(len({r["ue"] for r in json.load(sys.stdin) if ipaddress.ip_address(r["ue"]) in net}))' "$1"
}
# ue_ports: the UE-side (source) ports of the inbound SAs, sorted, distinct
# ("sport" today, "src_port" in reg_json's rows)
ue_ports() {
	ctl sa list --json | /usr/bin/python3 -c '
import json, sys
print(" ".join(str(p) for p in sorted({r.get("sport", r.get("src_port"))
                                      for r in json.load(sys.stdin) if r["dir"] == "in"})))'
}
wait_regs() { # prefix count
	local i
	for i in $(seq 200); do
		[ "$(reg_addrs "$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

lab_up 1 with-core
# UE side: the prefixes are ours (AnyIP); P side: they live behind the UE veth
ue ip route add local $PFX4 dev lo
ue ip -6 route add local $PFX6 dev lo
pns ip route add $PFX4 via $UE4 dev p0
pns ip -6 route add $PFX6 via $UE6 dev p0
"$BUILD/tools/akavec" --k $K --opc $OPC --count $((2 * N + 16)) --per-line 3 >"$LAB_DIR/vectors.csv"
sipp_bg "$LAB_DIR/sipp.out" -sf tests/sipp/scscf.xml -inf "$LAB_DIR/vectors.csv" -i "$CORE4" \
	-p 5060 -buff_size 8388608 -skip_rlimit
# every UE on the shared protected ports (--port-ps, --port-pc-pool defaults)
pns_bg "$BUILD/pcscfd" --iface p0 --addr $P4 --addr $P6 --core $CORE4:5060 \
	--pin-dir "$LAB_DIR/bpffs/pcscf" --ctl "$CTL" \
	--max-regs 10000 --rate 100000 --burst 100000 --log-level warn 2>"$LAB_DIR/pcscfd.log"
wait_ctl "$CTL" || { fail "pcscfd starts"; cat "$LAB_DIR/pcscfd.log"; exit 1; }

run_ues() { # tag prefix pcscf: N UEs, register, wait for the go file, de-register
	ue "$BUILD/imsue" --count "$N" --impi "$1-%u@ims.example" --impu "sip:$1-%u@ims.example" \
		--k $K --opc $OPC --domain ims.example --ue-prefix "$2" --pcscf "$3" --timeout 10 \
		--rate 2000 register wait-file "$LAB_DIR/go-$1" deregister >"$LAB_DIR/imsue-$1.log" 2>&1
}
run_ues v4 $PFX4 $P4 &
pid4=$!
run_ues v6 $PFX6 $P6 &
pid6=$!

check "IPv4: $N UEs from $PFX4 registered" wait_regs $PFX4 "$N"
check "IPv4: pcscfd lists $N distinct UE addresses of $PFX4" test "$(reg_addrs $PFX4)" -eq "$N"
check "IPv6: $N UEs from $PFX6 registered" wait_regs $PFX6 "$N"
check "IPv6: pcscfd lists $N distinct UE addresses of $PFX6" test "$(reg_addrs $PFX6)" -eq "$N"
ports=$(ue_ports)
check "all $((2 * N)) UEs' SAs on the same two protected ports 31000/31001 (got: $ports)" \
	test "$ports" = "31000 31001"
touch "$LAB_DIR/go-v4" "$LAB_DIR/go-v6"
wait $pid4
rc4=$?
wait $pid6
rc6=$?
check "IPv4: every UE registered and de-registered (imsue exit 0)" test $rc4 -eq 0
check "IPv6: every UE registered and de-registered (imsue exit 0)" test $rc6 -eq 0
check "IPv4: imsue counted $N registrations" grep -q "^== $N UEs: $N ok, 0 failed; $N registrations" "$LAB_DIR/imsue-v4.log"
check "IPv6: imsue counted $N registrations" grep -q "^== $N UEs: $N ok, 0 failed; $N registrations" "$LAB_DIR/imsue-v6.log"
check "no registration left after de-registration" test "$(reg_addrs 0.0.0.0/0)$(reg_addrs ::/0)" = 00
if [ "${TAP_FAILED:-0}" != 0 ] || [ -n "${IMSUE_PREFIX_DEBUG:-}" ]; then
	tail -n 5 "$LAB_DIR/imsue-v4.log" "$LAB_DIR/imsue-v6.log" "$LAB_DIR/pcscfd.log"
fi
tap_done
