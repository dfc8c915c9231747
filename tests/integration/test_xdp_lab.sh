#!/usr/bin/env bash
# Namespace lab for the data plane (issue 2): UE namespace -- veth -- P-CSCF
# namespace with the classifier attached natively and pcscfd's AF_XDP workers.
# pcscfd here is the ASan+UBSan build (make test builds it in build/san; set
# PCSCF_DAEMON to run another): a sanitizer report in its stderr fails the lab.
set -uo pipefail
cd "$(dirname "$0")/../.."
source tests/lib/tap.sh
source tests/lib/lab.sh
trap lab_down EXIT

CTL=$LAB_DIR/ctl.sock
PIN=$LAB_DIR/bpffs/pcscf
LOG=$LAB_DIR/pcscfd.log
DAEMON=${PCSCF_DAEMON:-$BUILD/san/pcscfd}
PCSCFD="$DAEMON --iface p0 --addr $P4 --addr $P6 --core $CORE4:5060 --pin-dir $PIN --ctl $CTL"

stats() { pns "$BUILD/pcscfctl" --ctl "$CTL" --pin-dir "$PIN" stats --json; }
xdp_attached() { pns ip -d link show p0 | grep -q 'prog/xdp'; }
counter() { json_get "$(stats)" "$1"; }
udp_send() { # ns-runner dst port payload
	local run=$1 dst=$2 port=$3
	printf '%s' "$4" | $run nc -u -w0 "$dst" "$port" 2>/dev/null
}
esp_send() { # dst spi: a raw IP protocol 50 packet, as a UE with a random SPI would
	ue /usr/bin/python3 - "$1" "$2" <<'PY'
import socket, struct, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_RAW, 50)
s.sendto(struct.pack("!II", int(sys.argv[2], 0), 1) + b"\0" * 48, (sys.argv[1], 0))
PY
}

# Frames no socket API sends: IPv6 extension headers and atomic fragments
# around a REGISTER (each must be answered, 494: it has no Security-Client),
# and sources that can never be a UE (each must be dropped by the classifier).
crafted_send() {
	ue /usr/bin/python3 - "$P4" "$P6" "$UE6" "$(pns cat /sys/class/net/p0/address)" <<'PY'
import socket, sys
from scapy.all import (Ether, IP, IPv6, UDP, IPv6ExtHdrHopByHop, IPv6ExtHdrDestOpt,
                       IPv6ExtHdrFragment, sendp)
p4, p6, ue6, mac = sys.argv[1:5]
def register(name):
    return ("REGISTER sip:ims.example SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP [{ue6}]:5070;branch=z9hG4bK-{name}\r\n"
            "Max-Forwards: 70\r\n"
            "From: <sip:ext@ims.example>;tag=1\r\nTo: <sip:ext@ims.example>\r\n"
            f"Call-ID: ext-{name}\r\nCSeq: 1 REGISTER\r\n"
            f"Contact: <sip:ext@[{ue6}]:5070>\r\nContent-Length: 0\r\n\r\n").encode()
rx = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
rx.bind((ue6, 5070))
rx.settimeout(3)
shapes = {"hbh-dstopts": IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt(),
          "dstopts": IPv6ExtHdrDestOpt(),
          "atomic-frag": IPv6ExtHdrFragment(offset=0, m=0, id=7)}
for name, ext in shapes.items():
    sendp(Ether(dst=mac) / IPv6(src=ue6, dst=p6) / ext / UDP(sport=5070, dport=5060) /
          register(name), iface="ue0", verbose=0)
    try:
        data = rx.recv(4096).decode(errors="replace")
        print(name, "answer", data.split("\r\n")[0].replace(" ", "_"),
              "callid" if f"Call-ID: ext-{name}" in data else "other-callid")
    except socket.timeout:
        print(name, "no-answer")
bogus = [IP(src="127.0.0.1", dst=p4), IP(src="198.51.100.9", dst=p4),
         IP(src="224.0.0.9", dst=p4), IPv6(src="::1", dst=p6), IPv6(src=p6, dst=p6),
         IPv6(src="::ffff:192.0.2.2", dst=p6)]
for l3 in bogus:
    sendp(Ether(dst=mac) / l3 / UDP(sport=5070, dport=5060) / register("bogus"),
          iface="ue0", verbose=0)
PY
}
sanitizer_clean() { ! grep -qE 'runtime error|ERROR: (Address|Leak)Sanitizer' "$@"; }

if [ ! -x "$DAEMON" ]; then
	fail "sanitizer build of pcscfd at $DAEMON (make SAN=1 BUILD=$BUILD/san tests)"
	exit 1
fi
lab_up 2 with-core

# Bad input: one line on stderr, exit 2, nothing attached.
out=$(pns "$DAEMON" --iface p0 --addr $P4 --core $CORE4:5060 --bogus 2>&1); rc=$?
check "unknown flag: exit 2 with one line" test "$rc" -eq 2 -a "$(echo "$out" | wc -l)" -eq 1
out=$(pns "$DAEMON" --iface nosuch0 --addr $P4 --core $CORE4:5060 2>&1); rc=$?
check "missing interface: exit 2, says so" test "$rc" -eq 2 -a -n "$(echo "$out" | grep nosuch0)"
out=$(pns "$DAEMON" --iface p0 --addr 300.1.1.1 --core $CORE4:5060 2>&1); rc=$?
check "bad address: exit 2 with one line" test "$rc" -eq 2 -a "$(echo "$out" | wc -l)" -eq 1
for bad in "--rate-prefix6 129" "--rate-prefix4 0" "--core-prefix 10.0.0.0/33" \
	"--core-prefix nonsense" "--burst-new 401" "--rate-all 0" "--port-ps 5060" \
	"--port-pc-pool 6100-6102" "--port-pc-pool 6101-6200" "--port-pc-pool 6105-6101" \
	"--protected-ports 6100-6999" "--core-listen nonsense" "--core-listen 198.51.100.1" \
	"--service-route both" "--orig-ioi a;b" "--icid-node has:colon"; do
	out=$(pns "$DAEMON" --iface p0 --addr $P4 --core $CORE4:5060 $bad 2>&1); rc=$?
	check "$bad: exit 2 with one line" test "$rc" -eq 2 -a "$(echo "$out" | wc -l)" -eq 1
done
printf 'iface = p0\nrate-prefix6 = 48\ncore-prefix = 10.0.0.0/8\ncore-prefix = 2001:db8:f::/48\n' \
	>"$LAB_DIR/limits.conf"
out=$(pns "$DAEMON" --config "$LAB_DIR/limits.conf" --addr $P4 --core $CORE4:5060 \
	--rate-prefix6 65 --burst-new 401 2>&1); rc=$?
check "config file takes the limit names (bad flag after it still refused)" \
	test "$rc" -eq 2 -a -n "$(echo "$out" | grep -- '--burst-new 401 is above --burst 400')"
printf 'iface = p0\nsip-port = 70000\n' >"$LAB_DIR/bad.conf"
out=$(pns "$DAEMON" --config "$LAB_DIR/bad.conf" --addr $P4 --core $CORE4:5060 2>&1); rc=$?
check "config file error names file and line" \
	test "$rc" -eq 2 -a -n "$(echo "$out" | grep 'bad.conf:2')"
check "nothing attached after bad input" bash -c "! ip netns exec $NS_P ip -d link show p0 | grep -q prog/xdp"

pns_bg $PCSCFD --core-prefix 198.51.100.0/24 --log-level debug 2>"$LOG"
if ! wait_ctl "$CTL"; then
	fail "pcscfd starts and answers on $CTL"
	cat "$LOG"
	exit 1
fi
ok "pcscfd starts and answers on its control socket"
check "classifier attached natively to p0" bash -c "ip netns exec $NS_P ip -d link show p0 | grep -q 'prog/xdp'"
check "one AF_XDP worker per rx queue (2)" test "$(json_get "$(stats)" workers.1.queue)" -eq 1

udp_send ue $P4 5060 $'REGISTER sip:ims.example SIP/2.0\r\nCall-ID: lab-v4\r\n\r\n'
udp_send ue $P6 5060 $'REGISTER sip:ims.example SIP/2.0\r\nCall-ID: lab-v6\r\n\r\n'
sleep 0.5
j=$(stats)
sip=$(( $(json_get "$j" workers.0.sip) + $(json_get "$j" workers.1.sip) ))
check "SIP over IPv4 and IPv6 reaches a worker (2 frames)" test "$sip" -eq 2
check "classifier counted 2 unprotected SIP" test "$(json_get "$j" xdp.sip_unprotected)" -eq 2
check "worker read the classifier metadata (bad_meta 0)" \
	test "$(( $(json_get "$j" workers.0.bad_meta) + $(json_get "$j" workers.1.bad_meta) ))" -eq 0
check "worker saw the REGISTER from the UE (IPv4)" grep -q "SIP from $UE4 .*REGISTER" "$LOG"
check "worker saw the REGISTER from the UE (IPv6)" grep -q "SIP from $UE6 .*REGISTER" "$LOG"

# IPv6 extension headers (RFC 8200 4) and atomic fragments (RFC 6946) on SIP:
# classified as SIP, read by the worker at the classifier's offsets, answered.
before=$(( $(json_get "$(stats)" workers.0.sip) + $(json_get "$(stats)" workers.1.sip) ))
crafted_send >"$LAB_DIR/crafted.out" 2>&1
sleep 0.3
j=$(stats)
for shape in hbh-dstopts dstopts atomic-frag; do
	check "SIP with IPv6 $shape header: the worker handled it, the UE got the 494" \
		grep -q "^$shape answer SIP/2.0_494_.* callid" "$LAB_DIR/crafted.out"
done
check "the three reached the workers through AF_XDP (not the kernel)" test \
	$(( $(json_get "$j" workers.0.sip) + $(json_get "$j" workers.1.sip) - before )) -eq 3
check "sources that can never be a UE dropped and counted (6: loopback, core prefix, multicast, ::1, ours, v4-mapped)" \
	test "$(json_get "$j" xdp.bad_source)" -eq 6
check "pcscfctl stats names the new counters" \
	bash -c "ip netns exec $NS_P $BUILD/pcscfctl --ctl $CTL stats | grep -q 'agg_limited' &&
		 ip netns exec $NS_P $BUILD/pcscfctl --ctl $CTL stats | grep -q 'bad_source'"

esp_send $P4 0x12345678
esp_send $P6 0x9abcdef0
sleep 0.3
check "ESP with random SPIs dropped as unknown (2)" test "$(counter xdp.esp_unknown_spi)" -eq 2

before=$(counter xdp.unprotected_on_protected_port)
udp_send ue $P4 6100 "unprotected on a protected port"
ue nc -z -w1 $P4 6101 2>/dev/null
tcp_rc=$?
ue nc -z -w1 $P6 6102 2>/dev/null
after=$(counter xdp.unprotected_on_protected_port)
check "UDP and TCP (v4, v6) to protected ports dropped and counted (>= 3)" test $((after - before)) -ge 3
check "TCP to a protected port does not connect" test "$tcp_rc" -ne 0

check "ICMP still reaches the kernel" ue ping -c1 -W2 -q $P4
check "ICMPv6 still reaches the kernel" ue ping -6 -c1 -W2 -q $P6
pns_bg nc -l -p 2222
sleep 0.3
check "TCP to another port (2222) still reaches the kernel" ue nc -z -w2 $P4 2222
check "pass counted" test "$(counter xdp.pass)" -gt 0

# Stop: our attachment goes, the pinned counters stay readable without pcscfd.
pns "$BUILD/pcscfctl" --ctl "$CTL" stats >"$LAB_DIR/before_stop.txt"
pid=${LAB_PIDS[0]}
kill -TERM "$pid"
wait "$pid"; rc=$?
LAB_PIDS=("${LAB_PIDS[@]:1}")
check "pcscfd exits 0 on SIGTERM" test "$rc" -eq 0
check "no XDP attachment left on p0 after stop" bash -c "! ip netns exec $NS_P ip -d link show p0 | grep -q prog/xdp"
check "no control socket left after stop" test ! -e "$CTL"
out=$(pns "$BUILD/pcscfctl" --ctl "$CTL" --pin-dir "$PIN" stats --json)
check "pcscfctl reads the pinned counters without pcscfd" \
	test "$(json_get "$out" xdp.esp_unknown_spi)" -eq 2

# Adoption: attached by ip link, pcscfd uses it and leaves it attached.
pns sh -c "mount -t bpf bpf /sys/fs/bpf 2>/dev/null; ip link set dev p0 xdpdrv obj $BUILD/pcscf.bpf.o sec xdp"
check "ip link attaches the object natively" xdp_attached
pns_bg $PCSCFD 2>"$LOG.adopt"
if wait_ctl "$CTL"; then
	check "pcscfd adopted the ip-link program" grep -q adopted "$LOG.adopt"
	udp_send ue $P4 5060 $'OPTIONS sip:p SIP/2.0\r\n\r\n'
	sleep 0.5
	j=$(stats)
	check "SIP reaches a worker through the adopted program" \
		test "$(( $(json_get "$j" workers.0.sip) + $(json_get "$j" workers.1.sip) ))" -eq 1
	kill -TERM "${LAB_PIDS[-1]}"
	wait "${LAB_PIDS[-1]}"
	check "adopted program stays attached after pcscfd stops" xdp_attached
	pns ip link set dev p0 xdpdrv off
else
	fail "pcscfd starts on an ip-link attached program"
	cat "$LOG.adopt"
fi
check "no sanitizer report from pcscfd (ASan+UBSan build)" sanitizer_clean "$LOG" "$LOG.adopt"
tap_done
