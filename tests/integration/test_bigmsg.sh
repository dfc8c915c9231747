#!/usr/bin/env bash
# Large protected messages (issue 10): UE namespace (the scapy UE of
# scapy_ue.py: scapy's ESP and IP fragmentation, the namespace kernel's
# reassembly) -- pcscfd -- SIPp as the S-CSCF. Per family:
#   - a registered UE sends a 3,000-byte MESSAGE and a 20,000-byte INVITE
#     through its SA as IP fragments (ESP beyond the MTU): pcscfd's worker
#     reassembles and decrypts them, and the SIPp core gets them byte for
#     byte (its message log, compared here); one whose fragments overlap
#     (RFC 5722) is dropped, counted, unanswered;
#   - the core's 200 with a 3,008-byte body leaves pcscfd as IP fragments of
#     one ESP packet (a UDP-only UE), which the UE's kernel reassembles and
#     scapy authenticates and decrypts; a capture on the UE side shows the
#     fragments, and tshark, given the SA keys, reassembles and decrypts the
#     protected stream both ways and finds the SIP inside.
# Then the core
# sends a registered UE a 3,000-byte MESSAGE by its Path; the UE gets it
# through its server-port SA pair whole and answers 200 through it (UDP: the UE
# never connected over TCP, so the large request is not sent on TCP). SIP over
# TCP inside ESP is in test_tcp_esp.sh.
set -uo pipefail
cd "$(dirname "$0")/../.."
source tests/lib/tap.sh
LAB_ID=bigmsg-$$ # namespaces pcscf-{ue,p,core}-bigmsg-PID
source tests/lib/lab.sh
source tests/lib/esp_sip.sh
trap "${KEEP_LAB:+:} lab_down" EXIT

scapy_ue() { # name local pcscf [args]: output in $LAB_DIR/ue-name.log
	local name=$1 local=$2 pcscf=$3
	shift 3
	ue timeout 30 /usr/bin/python3 tests/integration/scapy_ue.py --pcscf "$pcscf" \
		--local "$local" --impi "$name@ims.example" --impu "$name@ims.example" \
		--k $K --opc $OPC "$@" >"$LAB_DIR/ue-$name.log" 2>&1
}

# The request SIPp logged for Call-ID prefix big-... of METHOD: its body is the pattern, whole.
core_got_intact() { # method total-bytes
	/usr/bin/python3 - "$MSGLOG" "$1" "$2" <<-'PY'
	import re, sys
	log = open(sys.argv[1], errors="replace", newline="").read()
	method, total = sys.argv[2], int(sys.argv[3])
	for m in re.finditer(r"message received \[(\d+)\] bytes :\n\n", log):
	    text = log[m.end():m.end() + int(m.group(1))]
	    if not text.startswith(method + " "):
	        continue
	    head, body = text.split("\r\n\r\n", 1)
	    want = ("0123456789abcdef" * (len(body) // 16 + 1))[:len(body)]
	    cl = int(re.search(r"^Content-Length:\s*(\d+)", head, re.M | re.I).group(1))
	    # The UE's message was `total` bytes; the P-CSCF adds a Via, the rest is the UE's.
	    ok = body == want and cl == len(body) and len(text) > total - 100
	    print(f"# core got {method}: {len(text)} bytes, body {len(body)} {'intact' if ok else 'CHANGED'}")
	    sys.exit(0 if ok else 1)
	print(f"# core never logged a {method}")
	sys.exit(1)
	PY
}

# tshark on the UE-side capture, given both SAs: reassembled, decrypted, SIP found.
tshark_sees() { # pcap keys-file: "icv,method,status,cseq-method" per decoded SIP message
	local pcap=$1
	esp_uat "$2"
	tshark -r "$pcap" -o esp.enable_encryption_decode:TRUE -o esp.enable_authentication_check:TRUE \
		"${ESP_UAT[@]}" -d udp.port==6100,sip -d udp.port==31100,sip \
		-Y sip -T fields -E separator=, -e esp.icv_good -e sip.Method -e sip.Status-Code -e sip.CSeq.method 2>/dev/null
}

lab_up 1 with-core
"$BUILD/tools/akavec" --k $K --opc $OPC --count 16 --per-line 3 >"$LAB_DIR/vectors.csv"
pns_bg "$BUILD/pcscfd" --iface p0 --addr $P4 --addr $P6 --core $CORE4:5060 \
	--pin-dir "$LAB_DIR/bpffs/pcscf" --ctl "$CTL" --log-level info \
	--port-ps 6100 --port-pc-pool 6101-6102 2>"$LAB_DIR/pcscfd.log"
wait_ctl "$CTL" || { fail "pcscfd starts"; cat "$LAB_DIR/pcscfd.log"; exit 1; }
sipp_bg "$LAB_DIR/sipp.out" -sf tests/sipp/scscf.xml -inf "$LAB_DIR/vectors.csv" \
	-i "$CORE4" -p 5060 -skip_rlimit -trace_msg -message_file "$MSGLOG"
CORE_PID=$SIPP_PID
sleep 0.5

for f in 4 6; do
	if [ $f = 4 ]; then UEA=$UE4 PA=$P4; else UEA=$UE6 PA=$P6; fi
	fam=IPv$f
	frags_before=$(stat_of workers.0.reasm_done)
	out_before=$(stat_of sip.fragmented)
	# ip netns exec execs dumpcap: $! is dumpcap itself, to be stopped by its PID.
	ip netns exec "$NS_UE" dumpcap -q -i ue0 -w "$LAB_DIR/ue$f.pcap" >/dev/null 2>&1 &
	CAP_PID=$!
	sleep 0.5
	check "$fam: a 3,000-byte MESSAGE through the SA as fragments, 3,008-byte 200 back intact" \
		scapy_ue msg$f $UEA $PA --big-message 3000 --expect-body 3008 --keys-out "$LAB_DIR/keys$f"
	check "$fam: the SIPp core got the MESSAGE byte for byte" core_got_intact MESSAGE 3000
	check "$fam: a 20,000-byte INVITE through the SA as 17 fragments" \
		scapy_ue inv$f $UEA $PA --port-c 31200 --port-s 31201 --big-message 20000 \
		--big-method INVITE --expect-body 3008
	check "$fam: the SIPp core got the INVITE byte for byte" core_got_intact INVITE 20000
	overlap_before=$(stat_of workers.0.reasm_overlap)
	# the two REGISTERs reach the core, and the reg-event SUBSCRIBE after the 200
	core_before=$(($(stat_of sip.to_core) - $(stat_of sip.regev_subscribes)))
	check "$fam: a MESSAGE whose fragments overlap (other bytes) gets no answer" \
		scapy_ue ovl$f $UEA $PA --port-c 31400 --port-s 31401 --big-message 3000 \
		--frag-overlap --expect none
	check "$fam: ... dropped as an overlap (RFC 5722), nothing to the core" \
		test "$(stat_of workers.0.reasm_overlap)" -eq $((overlap_before + 1)) -a \
		$(($(stat_of sip.to_core) - $(stat_of sip.regev_subscribes))) -eq $((core_before + 2))
	check "$fam: the worker reassembled both (reasm_done +2)" \
		test "$(stat_of workers.0.reasm_done)" -eq $((frags_before + 2))
	check "$fam: both 200s left as IP fragments (fragmented +2)" \
		test "$(stat_of sip.fragmented)" -eq $((out_before + 2))
	sleep 0.5
	kill "$CAP_PID" 2>/dev/null
	wait "$CAP_PID" 2>/dev/null
	if [ $f = 4 ]; then
		nfrag=$(tshark -r "$LAB_DIR/ue$f.pcap" -Y "ip.src==$PA && (ip.flags.mf==1 || ip.frag_offset>0)" 2>/dev/null | wc -l)
	else
		nfrag=$(tshark -r "$LAB_DIR/ue$f.pcap" -Y "ipv6.src==$PA && ipv6.fraghdr" 2>/dev/null | wc -l)
	fi
	check "$fam: the UE's link saw the P-CSCF's ESP as fragments ($nfrag)" test "$nfrag" -ge 4
	seen=$(tshark_sees "$LAB_DIR/ue$f.pcap" "$LAB_DIR/keys$f" | sort | uniq -c | tr -s ' ' | tr '\n' ';')
	echo "# tshark decoded: $seen"
	check "$fam: tshark reassembles and decrypts the MESSAGE and its 200 (ICV good)" \
		bash -c "grep -q '1,MESSAGE,,MESSAGE' <<<'$seen' && grep -q '1,,200,MESSAGE' <<<'$seen'"
done

terminating() { # family: a core-originated 3,000-byte MESSAGE through the UE's port_us SA pair
	local f=$1 UEA=$UE4 PA=$P4 host=$UE4 path dest uepid i
	[ "$f" = 6 ] && UEA=$UE6 PA=$P6 host="[$UE6]"
	PYTHONUNBUFFERED=1 scapy_ue term$f $UEA $PA --port-c 31300 --port-s 31301 --await-request 3000 &
	uepid=$!
	for i in $(seq 50); do grep -q "200 OK (protected" "$LAB_DIR/ue-term$f.log" && break; sleep 0.2; done
	# the Path of the protected REGISTER, which the S-CSCF keeps: its token names the registration
	path=$(grep -o '<sip:t-[^>]*>' "$MSGLOG" | tail -1)
	dest=$(sed 's/^<sip:[^@]*@//; s/;lr>$//' <<<"$path")
	sipp_stop "$CORE_PID" # the core's port, to send from it
	check "IPv$f: the core's 3,000-byte MESSAGE by Path $path is answered 200" \
		core_message "sip:term$f@$host:31301" "$path" "$dest" "$LAB_DIR/sipp-term$f"
	check "IPv$f: the UE got it through its SA, whole, and answered" wait "$uepid"
	echo "# pcscfd: from_core $(stat_of sip.from_core), unroutable $(stat_of sip.unroutable)"
	sipp_bg "$LAB_DIR/sipp.out" -sf tests/sipp/scscf.xml -inf "$LAB_DIR/vectors.csv" \
		-i "$CORE4" -p 5060 -skip_rlimit -trace_msg -message_file "$MSGLOG"
	CORE_PID=$SIPP_PID
	sleep 0.5
}
terminating 4
terminating 6

sipp_stop "$CORE_PID"
tap_done
