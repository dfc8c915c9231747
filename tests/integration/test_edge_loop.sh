#!/usr/bin/env bash
# The signalling loop under abuse (issue 7 items 1, 7, 9), against pcscfd in
# the namespace lab:
#  A (the ASan/UBSan pcscfd when built, via SIP/TCP and the control socket
#    only, which do not pass the AF_XDP workers): a TCP client pipelines
#    REGISTERs that each draw a 494 and never reads; CRLF keep-alive; control
#    clients that leave before their reply (`sa list | head -1`).
#  B (the normal build): control clients that hold their connection and send
#    nothing do not hold back SIP (a REGISTER is answered at once) or another
#    control client; a flood of unparsable datagrams and of REGISTERs that
#    draw 494 leaves a bounded number of log lines.
set -uo pipefail
cd "$(dirname "$0")/../.."
source tests/lib/tap.sh
source tests/lib/lab.sh
trap lab_down EXIT

CTL=$LAB_DIR/ctl.sock
PIN=$LAB_DIR/bpffs/pcscf
LOG=$LAB_DIR/pcscfd.log
SAN=${PCSCF_SAN_BUILD:-$BUILD/san}
ctl() { pns "$BUILD/pcscfctl" --ctl "$CTL" "$@"; }
stat_of() { json_get "$(ctl stats --json)" "$1"; }

# start BINARY [flags]: pcscfd with stdout and stderr in $LOG, its PID in $PID
start() {
	local bin=$1
	shift
	pns_bg "$bin" --iface p0 --addr $P4 --core $CORE4:5060 --pin-dir "$PIN" --ctl "$CTL" "$@" \
		>"$LOG" 2>&1
	PID=${LAB_PIDS[-1]}
	wait_ctl "$CTL" || { fail "pcscfd ($bin) starts"; cat "$LOG"; exit 1; }
}
stop() {
	kill "$PID" 2>/dev/null
	wait "$PID" 2>/dev/null
}
alive() { kill -0 "$PID" 2>/dev/null && ctl ping >/dev/null 2>&1; }

lab_up 1 with-core

# --- A: TCP and control-socket abuse, under the sanitizers when they are built
bin=$BUILD/pcscfd
[ -x "$SAN/pcscfd" ] && bin=$SAN/pcscfd
start "$bin"
ok "pcscfd ($bin) up"

ue /usr/bin/python3 - "$P4" <<'PY'
import socket, sys, time
# A tiny receive window and no reads: pcscfd's 494s back up and their sends fail.
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)
s.connect((sys.argv[1], 5060))
msg = ("REGISTER sip:ims.example SIP/2.0\r\n"
       "Via: SIP/2.0/TCP 192.0.2.2:5555;branch=z9hG4bK-%d\r\n"
       "From: <sip:mallory@ims.example>;tag=%d\r\nTo: <sip:mallory@ims.example>\r\n"
       "Call-ID: pipe-%d\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n")
s.setblocking(False)
data = "".join(msg % (i, i, i) for i in range(600)).encode()
end = time.time() + 3
while data and time.time() < end:
    try:
        data = data[s.send(data):]
    except BlockingIOError:
        time.sleep(0.01)
    except OSError:
        break
time.sleep(0.5)
s.close()
PY
sleep 0.3
check "TCP: a client pipelining REGISTERs that draw 494 and never reading leaves pcscfd running" alive
check "TCP: the answers that could not be written were counted" test "$(stat_of sip.send_errors)" -gt 0

out=$(ue /usr/bin/python3 - "$P4" <<'PY'
import socket, sys
s = socket.create_connection((sys.argv[1], 5060), timeout=2)
pongs = []
for i in range(2):
    s.sendall(b"\r\n\r\n")
    pongs.append(repr(s.recv(16)))
print(" ".join(pongs))
PY
)
check "TCP: RFC 5626 double-CRLF pings answered by CRLF, connection kept ($out)" \
	test "$out" = "b'\\r\\n' b'\\r\\n'"

pns /usr/bin/python3 - "$CTL" <<'PY'
import socket, sys
# Ask and leave before the answer: pcscfd's write meets a closed socket (EPIPE).
for i in range(20):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.sendall(b"sa list\n" if i % 2 else b"stats\n")
    s.close()
PY
sleep 0.3
check "control: clients that leave before their reply leave pcscfd running" alive
ctl sa list | head -1 >/dev/null
check "control: 'pcscfctl sa list | head -1' leaves pcscfd running" alive
if [ "$bin" != "$BUILD/pcscfd" ]; then
	stop
	check "sanitizers: nothing reported" bash -c "! grep -q 'ERROR: AddressSanitizer\|runtime error' '$LOG'"
else
	stop
fi

# --- B: slow control clients, log flood (normal build: UDP goes through the workers)
start "$BUILD/pcscfd" --rate 1000000 --burst 1000000
# Holds 4 control connections that send nothing, times a 'pcscfctl ping' meanwhile.
pns /usr/bin/python3 - "$CTL" "$BUILD/pcscfctl" >"$LAB_DIR/ping_ms" <<'PY' &
import socket, subprocess, sys, time
idle = []
for i in range(4):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    idle.append(s)
time.sleep(0.2)
t = time.time()
subprocess.run([sys.argv[2], "--ctl", sys.argv[1], "ping"], stdout=subprocess.DEVNULL, timeout=20)
print(int((time.time() - t) * 1000), flush=True)
time.sleep(1.5)
PY
holder=$!
sleep 0.3
# udp_register CALL-ID: one REGISTER without Security-Client; prints the ms to its 494, or 99999
udp_register() {
	ue /usr/bin/python3 - "$P4" "$1" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 0))
s.settimeout(3)
port = s.getsockname()[1]
msg = ("REGISTER sip:ims.example SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.2:%d;branch=z9hG4bK-%s\r\n"
       "From: <sip:bob@ims.example>;tag=1\r\nTo: <sip:bob@ims.example>\r\n"
       "Call-ID: %s\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n") % (port, sys.argv[2], sys.argv[2])
t = time.time()
s.sendto(msg.encode(), (sys.argv[1], 5060))
try:
    d = s.recv(4096)
    print(int((time.time() - t) * 1000) if d.startswith(b"SIP/2.0 494") else 99999)
except socket.timeout:
    print(99999)
PY
}
reg_ms=$(udp_register slow-ctl)
check "control: idle control clients connected, a REGISTER is still answered at once (${reg_ms} ms)" \
	test "$reg_ms" -lt 300
wait $holder
ping_ms=$(cat "$LAB_DIR/ping_ms")
check "control: idle control clients connected, another client is answered at once (${ping_ms:-?} ms)" \
	test "${ping_ms:-99999}" -lt 500

before=$(wc -l <"$LOG")
parse0=$(stat_of sip.parse_errors)
ue /usr/bin/python3 - "$P4" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
reg = ("REGISTER sip:ims.example SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.2:5071;branch=z9hG4bK-f%d\r\n"
       "From: <sip:eve@ims.example>;tag=1\r\nTo: <sip:eve@ims.example>\r\n"
       "Call-ID: flood-%d\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n")
for i in range(3000):
    s.sendto(b"\x01 not SIP at all %d\r\n\r\n" % i, (sys.argv[1], 5060))
    s.sendto((reg % (i, i)).encode(), (sys.argv[1], 5060))
PY
sleep 1
lines=$(( $(wc -l <"$LOG") - before ))
parsed=$(( $(stat_of sip.parse_errors) - parse0 ))
check "log flood: the flood arrived (${parsed} unparsable counted)" test "$parsed" -gt 1000
check "log flood: 6000 bad datagrams, ${lines} log lines (bound 60)" test "$lines" -le 60
sleep 1.1
udp_register after-flood >/dev/null
sleep 0.2
check "log flood: the next line reports how many were suppressed" \
	grep -q 'similar messages suppressed' "$LOG"
stop
tap_done
