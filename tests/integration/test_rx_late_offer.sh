#!/usr/bin/env bash
# INVITE dialogs without SDP over Rx (issue 11 item 2): the offer in the 2xx,
# the answer in the ACK (RFC 3264 5, RFC 3261 13.2.1), and the dialog timer.
# The scapy UE (tests/integration/scapy_ue.py --late-offer, its own ESP and
# Milenage) calls through its SAs with no SDP; SIPp is the S-CSCF and the
# callee (tests/sipp/scscf_late_offer.xml: 180, then 200 with an SDP offer;
# sip:ring@ never answers finally); the PCRF is tests/tools/pcrf_test.py
# (written from RFC 6733 / TS 29.214), refusing G.729. Shown, at the far ends:
#   allowed        one AAR at the UE's ACK: the far end's SDP is the offer
#                  (Codec-Data downlink), the UE's the answer (uplink), the
#                  Flow-Descriptions both ways; STR at the UE's BYE
#   re-INVITE without SDP   an update AAR at its ACK, one STR
#   forbidden codec in the ACK  BYE to the callee and, through its SA, to
#                  the UE, with a Reason; no STR
#   ACK without SDP  the ACK goes on first, then BYE to both sides
#   2xx without SDP  (a broken callee) the dialog is dropped, the call goes on
#   dialog timer (--dialog-setup-timeout 4)  an INVITE that only rings: the
#                  P-CSCF CANCELs it, the UE gets the 487; a 200 never ACKed:
#                  BYE to both sides; counted expired, nothing left live
set -uo pipefail
cd "$(dirname "$0")/../.."
LAB_ID=rxl-$$ # namespaces pcscf-{ue,p,core}-rxl-PID
source tests/lib/tap.sh
source tests/lib/lab.sh

K=465b5ce8b199b49faa5f0a2ee238a6bc # TS 35.208 test set 1
OPC=cd63cb71954a9f4e48a5994e37a02baf
SETUP_S=4
CORE_PID=
cleanup() {
	[ -n "${KEEP_LAB:-}" ] && rm -rf /tmp/rxl-keep && cp -r "$LAB_DIR" /tmp/rxl-keep 2>/dev/null
	sipp_stop "$CORE_PID"
	lab_down
}
trap cleanup EXIT

if ! command -v sipp >/dev/null; then
	fail "sipp is needed"
	tap_done
	exit 1
fi
ctl() { pns "$BUILD/pcscfctl" --ctl "$LAB_CTL" "$@"; }
stat_of() { json_get "$(ctl stats --json)" "$1"; }

lab_up 1 with-core
"$BUILD/tools/akavec" --k $K --opc $OPC --count 32 --per-line 3 >"$LAB_DIR/vectors.csv"

ip netns exec "$NS_CORE" python3 tests/tools/pcrf_test.py --listen $CORE4:3868 --origin-host pcrf1.test \
	--forbid-codec G729 --log "$LAB_DIR/pcrf.log" --ctl "$LAB_DIR/pcrf.ctl" \
	>>"$LAB_DIR/pcrf.out" 2>&1 &
LAB_PIDS+=($!)
for i in $(seq 50); do grep -q listening "$LAB_DIR/pcrf.out" 2>/dev/null && break; sleep 0.1; done

cat >"$LAB_DIR/rx.conf" <<-EOF
rx = yes
rx-pcrf = pcrf1.test,$CORE4,3868
rx-realm = test
rx-origin-host = pcscf.test
rx-origin-realm = test
rx-timeout = 1000
EOF
pns_bg "$BUILD/pcscfd" --config "$LAB_DIR/rx.conf" --iface p0 --addr $P4 --core $CORE4:5060 \
	--pin-dir "$LAB_PIN" --ctl "$LAB_CTL" --log-level debug --max-dialogs 64 --port-ps 6100 \
	--port-pc-pool 6101-6110 --dialog-setup-timeout $SETUP_S 2>>"$LAB_DIR/pcscfd.log"
wait_ctl "$LAB_CTL" || { fail "pcscfd starts"; tail -5 "$LAB_DIR/pcscfd.log"; exit 1; }
for i in $(seq 50); do
	STATE=$(json_get "$(ctl rx --json)" rx.peers.0.state 2>/dev/null)
	[ "$STATE" = STATE_OPEN ] && break
	sleep 0.1
done
check "pcscfd --dialog-setup-timeout $SETUP_S: PCRF STATE_OPEN ($STATE)" [ "$STATE" = STATE_OPEN ]

sipp_bg "$LAB_DIR/sipp.out" -sf tests/sipp/scscf_late_offer.xml -inf "$LAB_DIR/vectors.csv" \
	-i "$CORE4" -p 5060 -skip_rlimit -trace_err -error_file "$LAB_DIR/sipp.err" \
	-trace_msg -message_file "$LAB_DIR/sipp.msg"
CORE_PID=$SIPP_PID

# call N ARGS...: UE rxlN registers and calls without SDP; its log in ue-N.log, shown when it fails
call() {
	local n=$1
	shift
	ue timeout 60 /usr/bin/python3 tests/integration/scapy_ue.py --pcscf $P4 --local $UE4 \
		--impi rxl$n@ims.example --impu rxl$n@ims.example --k $K --opc $OPC \
		--port-c $((33000 + 10 * n)) --port-s $((33001 + 10 * n)) --rx-call --late-offer --pause 0.5 "$@" \
		>"$LAB_DIR/ue-$n.log" 2>&1 && return 0
	sed 's/^/# /' "$LAB_DIR/ue-$n.log"
	return 1
}
source tests/lib/rx_lab.sh # cid_of, far_end, pcrf, last_sid
# aar_view SID N: the Nth AAR of SID as the PCRF decoded it: its Codec-Data and Flow-Descriptions
aar_view() {
	/usr/bin/python3 - "$LAB_DIR/pcrf.log" "$1" "$2" <<-'PY'
	import json, sys
	aar = [json.loads(l) for l in open(sys.argv[1])
	       if json.loads(l)["cmd"] == "AAR" and json.loads(l)["sid"] == sys.argv[2]][int(sys.argv[3])]
	def walk(avps, code):
	    for c, _, v in avps:
	        if c == code:
	            yield v
	        if isinstance(v, list):
	            yield from walk(v, code)
	print("codec:", " | ".join(str(v).split("\n")[0] + "," + str(v).split("\n")[1] + "," +
	                           str(v).split("\n")[2] for v in walk(aar["avps"], 524)))
	print("flows:", " | ".join(str(v) for v in walk(aar["avps"], 507)))
	PY
}

# 1. allowed: the 200's SDP is the offer, the ACK's the answer: one AAR at the ACK
check "allowed: INVITE without SDP, 180, 200 with the offer, ACK with the answer, BYE (scapy UE)" call 1
SID1=$(last_sid)
CID1=$(cid_of 1)
check "allowed: the callee got the ACK and the UE's BYE ($(far_end "$CID1"))" \
	[ "$(far_end "$CID1")" = "INVITE ACK BYE" ]
check "allowed: one AAR for the call" [ "$(pcrf AAR "$SID1")" = 1 ]
v=$(aar_view "$SID1" 0)
echo "# $v" | tr '\n' ' '
echo
check "allowed: Codec-Data: the far end's offer sent down to the UE, the UE's answer up" \
	grep -qx "codec: downlink,offer,m=audio 40000 RTP/AVP 96 101 | uplink,answer,m=audio 50000 RTP/AVP 96 8 101" <<<"$v"
want="flows: permit out 17 from $CORE4 40000 to 10.0.0.1 50000 | permit out 17 from 10.0.0.1 50000 to $CORE4 40000 | permit out 17 from $CORE4 40001 to 10.0.0.1 50001 | permit out 17 from 10.0.0.1 50001 to $CORE4 40001"
check "allowed: Flow-Descriptions of RTP and RTCP, both directions, UE 10.0.0.1:50000" \
	grep -qxF "$want" <<<"$v"
sleep 0.3
check "allowed: STR for the session at the BYE (PCRF log)" [ "$(pcrf STR "$SID1")" = 1 ]

# 2. a re-INVITE without SDP: the new offer in its 200, an update AAR at its ACK
check "re-INVITE without SDP: 200 with the new offer, ACK with the answer, BYE" \
	call 2 --reinvite-late tests/integration/rx/offer.sdp
SID2=$(last_sid)
CID2=$(cid_of 2)
check "re-INVITE: the callee got INVITE ACK INVITE ACK BYE ($(far_end "$CID2"))" \
	[ "$(far_end "$CID2")" = "INVITE ACK INVITE ACK BYE" ]
check "re-INVITE: two AARs for one session, the second an UPDATE_REQUEST with the new offer; one STR" \
	/usr/bin/python3 -c '
import json, sys
aar = [json.loads(l) for l in open(sys.argv[1]) if json.loads(l)["cmd"] == "AAR" and json.loads(l)["sid"] == sys.argv[2]]
types = [v for a in aar for c, _, v in a["avps"] if c == 533]
assert types == [0, 1], types
assert "m=audio 40002" in json.dumps(aar[1]), "no new offer in the update"
str_ = [l for l in open(sys.argv[1]) if json.loads(l)["cmd"] == "STR" and json.loads(l)["sid"] == sys.argv[2]]
assert len(str_) == 1, len(str_)' "$LAB_DIR/pcrf.log" "$SID2"

# 3. a forbidden codec in the ACK's answer: the ACK went on, BYE to both sides
check "forbidden codec (G.729) in the ACK: the UE gets a BYE through its SA" \
	call 3 --sdp tests/integration/rx/g729.sdp --await-bye
CID3=$(cid_of 3)
SID3=$(last_sid)
check "forbidden codec: the UE's BYE carries the Reason" \
	grep -q 'Reason: SIP;cause=[0-9]*;text="Refused by the PCRF"' "$LAB_DIR/ue-3.log"
sleep 0.3
check "forbidden codec: the callee got the ACK, then a BYE from the P-CSCF ($(far_end "$CID3"))" \
	[ "$(far_end "$CID3")" = "INVITE ACK BYE" ]
check "forbidden codec: one AAR, no STR (the session was never authorised)" \
	[ "$(pcrf AAR "$SID3")/$(pcrf STR "$SID3")" = 1/0 ]

# 4. an ACK without the answer (a broken UE): the ACK first, then BYE to both sides
naar=$(pcrf AAR)
check "ACK without SDP: the UE gets a BYE" call 4 --ack-no-sdp --await-bye
CID4=$(cid_of 4)
check "ACK without SDP: the BYE says why" grep -q 'Reason: SIP;cause=488;text="No SDP answer in the ACK"' "$LAB_DIR/ue-4.log"
sleep 0.3
check "ACK without SDP: the callee got the ACK before the BYE ($(far_end "$CID4"))" \
	[ "$(far_end "$CID4")" = "INVITE ACK BYE" ]
check "ACK without SDP: no AAR, counted (late_no_answer 1)" \
	[ "$(pcrf AAR)/$(stat_of dialogs.late_no_answer)" = "$naar/1" ]

# 4b. a 2xx without the offer (a broken callee): the dialog is dropped, the call goes on
check "2xx without SDP: the call goes on (INVITE, 200, ACK, BYE)" \
	call 7 --callee nooffer --no-sdp-200 --ack-no-sdp
CID7=$(cid_of 7)
check "2xx without SDP: the callee saw the whole call ($(far_end "$CID7"))" \
	[ "$(far_end "$CID7")" = "INVITE ACK BYE" ]
check "2xx without SDP: no AAR, the dialog dropped (late_no_offer 1, none live)" \
	[ "$(pcrf AAR)/$(stat_of dialogs.late_no_offer)/$(stat_of dialogs.live)" = "$naar/1/0" ]

# 5. dialog timer: an INVITE that only rings is CANCELled, the UE gets the 487
t0=$(date +%s.%N)
check "timer: an INVITE that only rings ends with 487 at the UE" \
	call 5 --callee ring --call-expect 487 --expect 487
t1=$(date +%s.%N)
CID5=$(cid_of 5)
sleep 0.3
check "timer: the callee got the P-CSCF's CANCEL, then the ACK of its 487 ($(far_end "$CID5"))" \
	[ "$(far_end "$CID5")" = "INVITE CANCEL ACK" ]
check "timer: the CANCEL's 200 and the 487 were the transaction's (nothing unroutable)" \
	[ "$(stat_of sip.unroutable)" = 0 ]
took=$(python3 -c "print('%.1f' % ($t1 - $t0))")
check "timer: it took about $SETUP_S s (register + call $took s)" \
	python3 -c "import sys; sys.exit(not $SETUP_S <= $took < $SETUP_S + 6)"
check "timer: counted (expired 1), no dialog left" \
	[ "$(stat_of dialogs.expired)/$(stat_of dialogs.live)" = 1/0 ]

# 6. dialog timer: a 200 the UE never ACKs: BYE to both sides (RFC 3261 13.3.1.4)
rm -f "$LAB_DIR/up-6"
call 6 --no-ack --await-bye --ready-file "$LAB_DIR/up-6" &
UE6=$!
for i in $(seq 100); do [ -s "$LAB_DIR/up-6" ] && break; sleep 0.05; done
check "no ACK: pcscfctl rx lists the dialog waiting for the ACK (late-offered)" \
	[ "$(json_get "$(ctl rx --json)" dialogs.0.state)" = late-offered ]
wait $UE6
check "no ACK: the UE gets a BYE through its SA" [ $? -eq 0 ]
CID6=$(cid_of 6)
sleep 0.3
check "no ACK: the callee got a BYE from the P-CSCF ($(far_end "$CID6"))" \
	[ "$(far_end "$CID6")" = "INVITE BYE" ]
check "no ACK: counted (expired 2), no dialog left" \
	[ "$(stat_of dialogs.expired)/$(stat_of dialogs.live)" = 2/0 ]

j=$(ctl stats --json)
d() { json_get "$j" dialogs.$1; }
echo "# dialogs: $(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["dialogs"])' "$j")"
check "counters: created 7, late_offer 6, aar 3, aar_update 1, allowed 3, denied 1, str 2, none live or held" \
	[ "$(d created)/$(d late_offer)/$(d aar)/$(d aar_update)/$(d allowed)/$(d denied)/$(d str)/$(d live)/$(d held_now)" = 7/6/3/1/3/1/2/0/0 ]

sipp_stop "$CORE_PID"
CORE_PID=
check "SIPp's checks passed (no SDP and an icid on every INVITE, no call failed)" \
	bash -c "! grep -i -A14 'regexp\|timeout' '$LAB_DIR/sipp.err' 2>/dev/null | sed 's/^/# /' | grep ."

for bad in 0 3601 x; do
	pns "$BUILD/pcscfd" --iface p0 --addr $P4 --core $CORE4:5060 --dialog-setup-timeout $bad >/dev/null 2>&1
	check "'--dialog-setup-timeout $bad' refused: exit 2" [ $? -eq 2 ]
done
tap_done
