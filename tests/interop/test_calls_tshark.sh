#!/usr/bin/env bash
# Interop (issue 9 "Must show"): tshark, given the SA keys, decodes the
# protected SIP of an INVITE dialog and a MESSAGE captured on the access
# veth, both directions. imsue (keys written by its TEST-ONLY
# --export-sa-keys) registers through pcscfd, makes a call and sends a
# MESSAGE to the SIPp S-CSCF/UAS (tests/sipp/scscf_calls.xml); the capture
# is taken on ue0 (the UE end of the access veth: frames redirected to
# AF_XDP on p0 never reach a tap there). tshark's ESP dissector (not our
# code) must authenticate every ESP packet and find, UE -> P-CSCF, the
# protected REGISTER, INVITE, ACK, BYE and MESSAGE, and P-CSCF -> UE, 200
# (REGISTER), 100, 180, 200 (INVITE), 200 (BYE) and 200 (MESSAGE); and the
# terminating direction: a MESSAGE from SIPp in the core (uac_message.xml, by
# the Path token) P-CSCF -> UE on port_us and the UE's 200 back. IPv4 and
# IPv6.
set -uo pipefail
cd "$(dirname "$0")/../.."
LAB_ID=${LAB_ID:-t$$}
source tests/lib/tap.sh
source tests/lib/lab.sh
NS_UE=call-ue-$LAB_ID NS_P=call-p-$LAB_ID NS_CORE=call-core-$LAB_ID
LAB_DIR=/tmp/call-tshark-$LAB_ID
K=465b5ce8b199b49faa5f0a2ee238a6bc
OPC=cd63cb71954a9f4e48a5994e37a02baf
CTL=$LAB_DIR/ctl.sock
CORE_PID= CAP_PID=
cleanup() {
	[ -n "$CAP_PID" ] && kill "$CAP_PID" 2>/dev/null
	sipp_stop "$CORE_PID"
	lab_down
}
trap cleanup EXIT

source tests/lib/tshark_names.sh

lab_up 1 with-core
"$BUILD/tools/akavec" --k $K --opc $OPC --count 8 --per-line 3 >"$LAB_DIR/vectors.csv"
pns_bg "$BUILD/pcscfd" --iface p0 --addr $P4 --addr $P6 --core $CORE4:5060 \
	--pin-dir "$LAB_DIR/bpffs/pcscf" --ctl "$CTL" --log-level warn \
	--port-ps 6100 --port-pc-pool 6101-6102 2>"$LAB_DIR/pcscfd.log"
wait_ctl "$CTL" || { fail "pcscfd starts"; cat "$LAB_DIR/pcscfd.log"; exit 1; }
sipp_bg "$LAB_DIR/sipp.out" -sf tests/sipp/scscf_calls.xml -inf "$LAB_DIR/vectors.csv" \
	-i "$CORE4" -p 5060 -skip_rlimit -trace_msg -message_file "$LAB_DIR/sipp.msg"
CORE_PID=$SIPP_PID
wait_for() { # seconds command...
	local i
	for i in $(seq $(($1 * 10))); do "${@:2}" && return 0; sleep 0.1; done
	return 1
}

for f in 4 6; do
	if [ $f = 4 ]; then UEA=$UE4 PA=$P4 PROTO=IPv4; else UEA=$UE6 PA=$P6 PROTO=IPv6; fi
	cap=$LAB_DIR/access-$f.pcap keys=$LAB_DIR/keys-$f
	ue tshark -q -i ue0 -w "$cap" -f "ip proto 50 or ip6 proto 50" >/dev/null 2>&1 &
	CAP_PID=$!
	# capturing once the file has its header (tshark starts slowly on a loaded machine)
	wait_for 15 test -s "$cap"
	sleep 0.5
	go=$LAB_DIR/go-$f
	ue "$BUILD/imsue" --impi calluser@ims.example --impu sip:calluser@ims.example --k $K \
		--opc $OPC --domain ims.example --local $UEA --pcscf $PA --timeout 5 \
		--port-c $((31000 + 10 * f)) --port-s $((31001 + 10 * f)) --export-sa-keys "$keys" \
		register call message wait-file "$go" deregister >"$LAB_DIR/imsue-$f.log" 2>&1 &
	ue_pid=$!
	wait_for 15 grep -q "waiting for $go" "$LAB_DIR/imsue-$f.log"
	# a terminating MESSAGE from the core, to the UE's contact by the Path token
	host=$UEA
	[ $f = 6 ] && host="\[$UEA\]"
	path=$(grep -o '^Path: <sip:t-[^>]*>' "$LAB_DIR/sipp.msg" | tail -1 | sed 's/^Path: //')
	contact=$(grep -Eo "^Contact: <sip:$host:$((31001 + 10 * f))>" "$LAB_DIR/sipp.msg" | tail -1 |
		sed 's/^Contact: <\(.*\)>/\1/')
	check "IPv$f: a terminating MESSAGE from SIPp in the core is answered 200 through the SAs" \
		core timeout 10 sipp "$PCORE4:5060" -sf tests/sipp/uac_message.xml -i "$CORE4" -p 5070 \
		-m 1 -key path "$path" -key contact "$contact" -key impu sip:calluser@ims.example \
		-skip_rlimit >/dev/null 2>&1
	touch "$go"
	wait $ue_pid
	check "IPv$f: imsue registers, calls, sends a MESSAGE, answers one, de-registers (exit 0)" test $? -eq 0 ||
		sed 's/^/# /' "$LAB_DIR/imsue-$f.log" | tail -20
	sleep 0.5
	kill "$CAP_PID" 2>/dev/null
	wait "$CAP_PID" 2>/dev/null
	CAP_PID=
	check "IPv$f: imsue wrote the keys of its 4 SAs (test-only export)" \
		test "$(grep -c '^sa ' "$keys" 2>/dev/null)" -eq 4
	uat=()
	while read -r _ fam src dst spi alg ealg ekey akey; do
		[ "$ekey" = - ] && ekey= || ekey=0x$ekey
		[ "$akey" = - ] && akey= || akey=0x$akey
		uat+=(-o "uat:esp_sa:\"IPv$fam\",\"$src\",\"$dst\",\"$spi\",\"$(tshark_enc "$ealg")\",\"$ekey\",\"$(tshark_auth "$alg")\",\"$akey\"")
	done <"$keys"
	out=$(tshark -r "$cap" -o esp.enable_encryption_decode:TRUE \
		-o esp.enable_authentication_check:TRUE "${uat[@]}" --enable-heuristic sip_udp \
		-T fields -E separator=, -e ip.src -e ipv6.src -e esp.icv_good -e sip.Method \
		-e sip.Status-Code -e sip.CSeq.method 2>/dev/null)
	# direction: UE -> P-CSCF or P-CSCF -> UE, then what tshark decoded
	got=$(awk -F, -v ue="$UEA" '{src = $1 $2; d = (src == ue) ? "up" : "down";
		print d, $3, ($4 != "" ? $4 : $5 " " $6)}' <<<"$out")
	check "IPv$f: tshark authenticates every ESP packet ($(wc -l <<<"$got") captured, ICV good)" \
		bash -c "! grep -qv '^[a-z]* 1 ' <<<'$got'" || sed 's/^/#   /' <<<"$out"
	for want in "up 1 REGISTER" "up 1 INVITE" "up 1 ACK" "up 1 BYE" "up 1 MESSAGE" \
		"down 1 200 REGISTER" "down 1 100 INVITE" "down 1 180 INVITE" "down 1 200 INVITE" \
		"down 1 200 BYE" "down 1 200 MESSAGE" "down 1 MESSAGE" "up 1 200 MESSAGE"; do
		what=${want/up 1 /UE -> P-CSCF: }
		[ "$want" = "down 1 MESSAGE" ] && what="P-CSCF -> UE: terminating MESSAGE (to port_us)"
		[ "$want" = "up 1 200 MESSAGE" ] && what="UE -> P-CSCF: the UE's 200 (port_us -> port_pc)"
		check "IPv$f: tshark decodes ${what/down 1 /P-CSCF -> UE: }" grep -qx "$want" <<<"$got"
	done
done
tap_done
