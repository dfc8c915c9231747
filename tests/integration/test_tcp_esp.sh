#!/usr/bin/env bash
# SIP over TCP inside ESP (issue 10 item 1, TS 33.203 7.1): UE namespace --
# pcscfd (--tcp-tun) -- SIPp as the S-CSCF. The UE is scapy_ue.py with
# --tcp-esp: it registers over UDP, then bridges its namespace kernel's TCP
# through a TUN to scapy's ESP (tcp_bridge.py), so neither the UE's TCP nor
# its ESP is our code. Per family:
#   - a 3,000-byte and a 20,000-byte INVITE from port_uc to port_ps on one
#     connection through the SA pair reach the SIPp core byte for byte (its
#     message log, compared here) and the core's 200s (3,008-byte bodies)
#     come back on that connection;
#   - the UE closes the connection, reopens it from the same port, and a
#     MESSAGE on the new one is answered;
#   - the core's 3,000-byte MESSAGE by the Path goes to the UE over a TCP
#     connection pcscfd opens from port_pc to port_us through spi_us (over
#     1,300 bytes: TCP, TS 24.229 / RFC 3261 18.1.1), Via ".../TCP", and the
#     UE's 200 on it reaches the core;
#   - tshark, given the four SAs' keys, decrypts the capture of the access
#     link and finds the SIP inside the TCP streams both ways;
#   - the counters: segments into the TUN (workers), out of it (encrypted),
#     connections accepted and opened, nothing without an SA.
# (A connection ending with its SA set is shown in tests/unit/test_tcp_esp.c.)
set -uo pipefail
cd "$(dirname "$0")/../.."
source tests/lib/tap.sh
LAB_ID=tcpesp-$$ # namespaces pcscf-{ue,p,core}-tcpesp-PID
source tests/lib/lab.sh
source tests/lib/esp_sip.sh
trap "${KEEP_LAB:+:} lab_down" EXIT

# The request SIPp logged with Call-ID prefix CID: its body is the pattern, whole, and
# all but our Via is the UE's (total bytes).
core_got_intact() { # call-id-prefix total-bytes
	/usr/bin/python3 - "$MSGLOG" "$1" "$2" <<-'PY'
	import re, sys
	log = open(sys.argv[1], errors="replace", newline="").read()
	cid, total = sys.argv[2], int(sys.argv[3])
	for m in re.finditer(r"message received \[(\d+)\] bytes :\n\n", log):
	    text = log[m.end():m.end() + int(m.group(1))]
	    if not re.search(r"^Call-ID:\s*" + re.escape(cid), text, re.M | re.I):
	        continue
	    head, body = text.split("\r\n\r\n", 1)
	    want = ("0123456789abcdef" * (len(body) // 16 + 1))[:len(body)]
	    cl = int(re.search(r"^Content-Length:\s*(\d+)", head, re.M | re.I).group(1))
	    ok = body == want and cl == len(body) and len(text) > total - 100
	    print(f"# core got {cid}: {len(text)} bytes, body {len(body)} {'intact' if ok else 'CHANGED'}")
	    sys.exit(0 if ok else 1)
	print(f"# core never logged Call-ID {cid}")
	sys.exit(1)
	PY
}

# tshark on the UE-side capture, given the four SAs: "icv,method,status" per SIP message in TCP.
tshark_tcp_sip() { # pcap keys-file
	local pcap=$1
	esp_uat "$2"
	tshark -r "$pcap" -o esp.enable_encryption_decode:TRUE -o esp.enable_authentication_check:TRUE \
		"${ESP_UAT[@]}" -d tcp.port==6100,sip -d tcp.port==31101,sip -d tcp.port==31111,sip \
		-Y "sip && tcp" -T fields -E separator=, -e esp.icv_good -e sip.Method -e sip.Status-Code \
		-e sip.CSeq.method 2>/dev/null
}

lab_up 1 with-core
"$BUILD/tools/akavec" --k $K --opc $OPC --count 16 --per-line 3 >"$LAB_DIR/vectors.csv"
# The UE is the active closer: reopening from the same port waits out TIME_WAIT by reuse.
ue sysctl -qw net.ipv4.tcp_tw_reuse=1
# A TUN that cannot be made (the name of the access veth) stops pcscfd with one clear line.
pns timeout 10 "$BUILD/pcscfd" --iface p0 --addr $P4 --core $CORE4:5060 \
	--pin-dir "$LAB_DIR/bpffs/pcscf" --ctl "$CTL" --tcp-tun p0 >"$LAB_DIR/badtun.log" 2>&1
rc=$?
check "--tcp-tun naming a device that is no TUN: exit 1, the step and --tcp-tun off named" \
	bash -c "[ $rc = 1 ] && grep -q -- '--tcp-tun p0: TUNSETIFF' '$LAB_DIR/badtun.log' && grep -q -- '--tcp-tun off' '$LAB_DIR/badtun.log'"
check "... and nothing of it left: no XDP on p0, no rule to table 7063" \
	bash -c "! ip netns exec $NS_P ip -d link show p0 | grep -q prog/xdp && ! ip netns exec $NS_P ip rule | grep -q 7063"
pns "$BUILD/pcscfd" --iface p0 --addr $P4 --core $CORE4:5060 --tcp-tun "a/b" >/dev/null 2>&1
check "--tcp-tun with a slash: refused as a bad value (exit 2)" test $? = 2
pns_bg "$BUILD/pcscfd" --iface p0 --addr $P4 --addr $P6 --core $CORE4:5060 \
	--pin-dir "$LAB_DIR/bpffs/pcscf" --ctl "$CTL" --log-level info \
	--port-ps 6100 --port-pc-pool 6101-6102 --tcp-tun tcpesp-p0 2>"$LAB_DIR/pcscfd.log"
wait_ctl "$CTL" || { fail "pcscfd starts"; cat "$LAB_DIR/pcscfd.log"; exit 1; }
check "pcscfd made its TUN (tcpesp-p0) and the rules that feed it" \
	bash -c "ip netns exec $NS_P ip link show tcpesp-p0 >/dev/null && ip netns exec $NS_P ip rule | grep -q 'fwmark 0x70637063 lookup 7063' && ip netns exec $NS_P ip -6 rule | grep -q 'ipproto tcp sport 6100 lookup 7063'"
core_sipp() {
	sipp_bg "$LAB_DIR/sipp.out" -sf tests/sipp/scscf.xml -inf "$LAB_DIR/vectors.csv" \
		-i "$CORE4" -p 5060 -skip_rlimit -trace_msg -message_file "$MSGLOG"
	CORE_PID=$SIPP_PID
	sleep 0.5
}
core_sipp

for f in 4 6; do
	if [ $f = 4 ]; then UEA=$UE4 PA=$P4 host=$UE4; else UEA=$UE6 PA=$P6 host="[$UE6]"; fi
	fam=IPv$f
	portc=$((31100 + 10 * (f - 4) / 2)) ports=$((portc + 1))
	log=$LAB_DIR/ue-tcp$f.log
	in_before=$(stat_of workers.0.tcp_in)
	out_before=$(stat_of sip.tcp_esp_out)
	ip netns exec "$NS_UE" dumpcap -q -i ue0 -w "$LAB_DIR/ue$f.pcap" >/dev/null 2>&1 &
	CAP_PID=$!
	sleep 0.5
	PYTHONUNBUFFERED=1 ue timeout 60 /usr/bin/python3 tests/integration/scapy_ue.py \
		--pcscf "$PA" --local "$UEA" --impi "tcp$f@ims.example" --impu "tcp$f@ims.example" \
		--k $K --opc $OPC --port-c $portc --port-s $ports --tcp-esp \
		--keys-out "$LAB_DIR/keys$f" >"$log" 2>&1 &
	uepid=$!
	for i in $(seq 150); do grep -q "READY-TERM\|^Traceback\|SystemExit\|UNEXPECTED" "$log" && break; sleep 0.2; done
	check "$fam: a 3,000-byte INVITE over TCP through the SA, the 200 back on the connection" \
		grep -q "PASS invite3000" "$log"
	check "$fam: the SIPp core got it byte for byte" core_got_intact "tcp3000-$f-" 3000
	check "$fam: a 20,000-byte INVITE on the same connection, the 200 back on it" \
		grep -q "PASS invite20000" "$log"
	check "$fam: the SIPp core got it byte for byte" core_got_intact "tcp20000-$f-" 20000
	check "$fam: the UE closed and reopened its connection; a MESSAGE on the new one passes" \
		grep -q "PASS reopen" "$log"
	path=$(grep -o '<sip:t-[^>]*>' "$MSGLOG" | tail -1)
	dest=$(sed 's/^<sip:[^@]*@//; s/;lr>$//' <<<"$path")
	sipp_stop "$CORE_PID" # the core's port, to send from it
	check "$fam: the core's 3,000-byte MESSAGE by Path is answered 200 (over TCP to the UE)" \
		core_message "sip:tcp$f@$host:$ports" "$path" "$dest" "$LAB_DIR/sipp-term$f"
	wait "$uepid"
	rc=$?
	check "$fam: ... on a connection from port_pc to port_us, Via TCP, body whole" \
		bash -c "[ $rc = 0 ] && grep -q 'PASS term' '$log'"
	sed 's/^/# ue: /' "$log" | grep -v "^# ue: *$" | tail -25
	core_sipp
	check "$fam: the workers wrote the UE's segments into the TUN" \
		test "$(stat_of workers.0.tcp_in)" -gt "$in_before"
	check "$fam: the kernel's segments left encrypted through the outbound SAs" \
		test "$(stat_of sip.tcp_esp_out)" -gt "$out_before"
	sleep 0.3
	kill "$CAP_PID" 2>/dev/null
	wait "$CAP_PID" 2>/dev/null
	seen=$(tshark_tcp_sip "$LAB_DIR/ue$f.pcap" "$LAB_DIR/keys$f" | sort | uniq -c | tr -s ' ' | tr '\n' ';')
	echo "# tshark decoded (SIP over TCP): $seen"
	check "$fam: tshark decrypts the TCP streams: both INVITEs and their 200s (ICV good)" \
		bash -c "grep -q ' 2 1,INVITE,,INVITE' <<<'$seen' && grep -q ' 2 1,,200,INVITE' <<<'$seen'"
	check "$fam: ... the MESSAGEs both ways and their 200s" \
		bash -c "grep -q ' 2 1,MESSAGE,,MESSAGE' <<<'$seen' && grep -q ' 2 1,,200,MESSAGE' <<<'$seen'"
done
check "TCP inside ESP: 4 connections accepted on port_ps, 2 opened to port_us, none refused" \
	test "$(stat_of sip.tcp_esp_accepted)/$(stat_of sip.tcp_esp_connects)/$(stat_of sip.tcp_esp_refused)" = 4/2/0
echo "# pcscfd: tcp_esp_no_sa $(stat_of sip.tcp_esp_no_sa), tcp_esp_bad $(stat_of sip.tcp_esp_bad), tcp_drops $(stat_of workers.0.tcp_drops)"

sipp_stop "$CORE_PID"
tap_done
