#!/usr/bin/env bash
# Terminating INVITE dialogs authorised over Rx (issue 11 item 2, the far
# end's offers). SIPp is the S-CSCF and the caller (tests/sipp/scscf_rxterm.xml):
# it registers each scapy UE (tests/integration/scapy_ue.py --rx-answer, its
# own ESP and Milenage), then sends it an INVITE with an SDP offer by the
# Path the P-CSCF wrote; the UE answers through its SAs. The PCRF is
# tests/tools/pcrf_test.py (RFC 6733 / TS 29.214, no code of ours), refusing
# G.729. Shown, each at the far ends:
#   allowed         one AAR with the core's offer (downlink) and the UE's answer
#                   (uplink), Flow-Status, the UE's Framed-IP, the icid the
#                   INVITE carried; SIPp gets the 200, ACK and BYE reach the UE;
#                   STR at the BYE
#   forbidden codec (the UE's 200 with G.729) SIPp gets 488 with a Warning and
#                   its ACK ends at the P-CSCF; the UE gets ACK + BYE through
#                   its SA; no STR
#   refused at 183  SIPp gets 488; the UE gets CANCEL, its 487 is ACKed; a 200
#                   of the UE crossing the CANCEL gets ACK + BYE, never reaches SIPp
#   core re-INVITE  an UPDATE AAR at the UE's 200; refused: 488 to SIPp, BYE
#                   to both sides, STR
#   UE re-INVITE    (in the dialog the core started) an UPDATE AAR at SIPp's 200
#   far re-INVITE   (in a dialog the UE started) an UPDATE AAR at the UE's 200
#   RAR             BYE to the UE and to SIPp (with the INVITE's Record-Route)
#   hold buffers full  (one buffer, a silent PCRF) a second answer: 503 to
#                   SIPp, ACK + BYE to its UE; the held one goes on at the
#                   AAR's timeout (policy allow), its UE's 200s absorbed meanwhile
#   registration ends (NOTIFY) with the answer held: 480 to SIPp
set -uo pipefail
cd "$(dirname "$0")/../.."
LAB_ID=rxt-$$ # namespaces pcscf-{ue,p,core}-rxt-PID
source tests/lib/tap.sh
source tests/lib/lab.sh
source tests/lib/rx_lab.sh # pcrf, last_sid

K=465b5ce8b199b49faa5f0a2ee238a6bc # TS 35.208 test set 1
OPC=cd63cb71954a9f4e48a5994e37a02baf
CORE_PID=
cleanup() {
	[ -n "${KEEP_LAB:-}" ] && rm -rf /tmp/rxt-keep && cp -r "$LAB_DIR" /tmp/rxt-keep 2>/dev/null
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

PID=
# start POLICY ARGS...: pcscfd with Rx towards the test PCRF; STATE its peer state (open or after 5 s)
start() {
	printf '%s\n' "rx = yes" "rx-pcrf = pcrf1.test,$CORE4,3868" "rx-realm = test" \
		"rx-origin-host = pcscf.test" "rx-origin-realm = test" "rx-unreachable = $1" \
		"rx-timeout = 1000" >"$LAB_DIR/rx.conf"
	pns_bg "$BUILD/pcscfd" --config "$LAB_DIR/rx.conf" --iface p0 --addr $P4 --addr $P6 \
		--core $CORE4:5060 --pin-dir "$LAB_PIN" --ctl "$LAB_CTL" --log-level debug \
		--max-dialogs 64 --port-ps 6100 --port-pc-pool 6101-6110 "${@:2}" 2>>"$LAB_DIR/pcscfd.log"
	PID=${LAB_PIDS[-1]}
	wait_ctl "$LAB_CTL" || { fail "pcscfd starts"; tail -5 "$LAB_DIR/pcscfd.log"; exit 1; }
	STATE=
	for i in $(seq 50); do
		STATE=$(json_get "$(ctl rx --json)" rx.peers.0.state 2>/dev/null)
		[ "$STATE" = STATE_OPEN ] && break
		sleep 0.1
	done
}
start reject
check "pcscfd: PCRF STATE_OPEN ($STATE)" [ "$STATE" = STATE_OPEN ]

sipp_bg "$LAB_DIR/sipp.out" -sf tests/sipp/scscf_rxterm.xml -inf "$LAB_DIR/vectors.csv" \
	-i "$CORE4" -p 5060 -skip_rlimit -trace_err -error_file "$LAB_DIR/sipp.err" \
	-trace_msg -message_file "$LAB_DIR/sipp.msg" -trace_screen -screen_file "$LAB_DIR/sipp.screen"
CORE_PID=$SIPP_PID

# callee USER N ARGS...: UE USER registers and answers the core's INVITE; its log in ue-USER.log
# (from $CU to $CP, default IPv4)
callee() {
	local u=$1 n=$2
	shift 2
	ue timeout 40 /usr/bin/python3 tests/integration/scapy_ue.py --pcscf ${CP:-$P4} --local ${CU:-$UE4} \
		--impi $u@ims.example --impu $u@ims.example --k $K --opc $OPC \
		--port-c $((33000 + 10 * n)) --port-s $((33001 + 10 * n)) "$@" \
		>"$LAB_DIR/ue-$u.log" 2>&1 && return 0
	sed 's/^/# /' "$LAB_DIR/ue-$u.log"
	return 1
}
callee6() { CP=$P6 CU=$UE6 callee "$@"; }
OFFER=tests/integration/rx/offer.sdp
G729=tests/integration/rx/g729.sdp
aar_types() { # SID: the AARs' Rx-Request-Types (0 initial, 1 update)
	/usr/bin/python3 -c '
import json, sys
print(" ".join(str(v) for l in open(sys.argv[1]) if json.loads(l)["cmd"] == "AAR"
               and json.loads(l)["sid"] == sys.argv[2] for c, _, v in json.loads(l)["avps"] if c == 533))' \
		"$LAB_DIR/pcrf.log" "$1"
}
# sipp_got USER: what SIPp received in that UE's call after its REGISTERs, in order
# (status codes, request methods), and with -v the whole messages
sipp_got() {
	/usr/bin/python3 - "$LAB_DIR/sipp.msg" "$@" <<-'PY'
	import re, sys
	log, user = open(sys.argv[1], errors="replace").read(), sys.argv[2]
	msgs = re.split(r"\n(?=-{10,})", log)
	cid = None
	for m in msgs:
	    if "message received" in m and re.search(r"^REGISTER sip:\S+ SIP/2\.0", m, re.M) and \
	            re.search(r"^To:.*sip:%s@" % re.escape(user), m, re.M | re.I):
	        cid = re.search(r"^Call-ID:\s*(\S+)", m, re.M | re.I).group(1)
	got = []
	for m in msgs:
	    if "message received" not in m or not cid or \
	            not re.search(r"^Call-ID:\s*%s\s*$" % re.escape(cid), m, re.M | re.I):
	        continue
	    first = re.search(r"^(?:SIP/2\.0 (\d+)|([A-Z]+) sip:\S+ SIP/2\.0)", m, re.M)
	    cseq = re.search(r"^CSeq:\s*\d+\s+(\S+)", m, re.M | re.I)
	    if first and cseq and cseq.group(1) != "REGISTER":
	        got.append(m if len(sys.argv) > 3 else first.group(1) or first.group(2))
	print(("\n" if len(sys.argv) > 3 else " ").join(got))
	PY
}

# 1. allowed
check "allowed: the core's INVITE reaches the UE, its 200 with SDP, then the core's ACK and BYE" \
	callee rxt1 1 --rx-answer $OFFER --rx-seen "INVITE ACK BYE"
SID1=$(last_sid)
check "allowed: SIPp got 100, 180, the 200 (held while the PCRF was asked), the BYE's 200 ($(sipp_got rxt1))" \
	[ "$(sipp_got rxt1)" = "100 180 200 200" ]
check "allowed: one AAR: the core's offer downlink, the UE's answer uplink, Flow-Status, flows, Framed-IP, icid, identity" \
	/usr/bin/python3 -c '
import json, sys, ipaddress
aar = [json.loads(l) for l in open(sys.argv[1]) if json.loads(l)["cmd"] == "AAR" and json.loads(l)["sid"] == sys.argv[2]]
assert len(aar) == 1, len(aar)
avps = aar[0]["avps"]
mcd = [v for c, _, v in avps if c == 517]
codec = " ".join(str(v) for c, _, v in mcd[0] if c == 524)
assert "downlink\noffer\nm=audio 40000" in codec and "uplink\nanswer\nm=audio 50000" in codec, codec
assert [v for c, _, v in mcd[0] if c == 511] == [2], "Flow-Status %r" % mcd[0]
flows = [v for sc in (v for c, _, v in mcd[0] if c == 519) for c, _, v in sc if c == 507]
assert "permit out 17 from %s 40000 to 10.0.0.1 50000" % sys.argv[4] in flows and \
    "permit out 17 from 10.0.0.1 50000 to %s 40000" % sys.argv[4] in flows, flows
fip = [v for c, _, v in avps if c == 8]
assert fip == [int(ipaddress.IPv4Address(sys.argv[3]))], "Framed-IP %r" % fip
icid = [v for c, _, v in avps if c == 505]
assert icid and icid[0].startswith("5eed") and icid[0].endswith("cafe"), icid
sub = json.dumps([v for c, _, v in avps if c == 443])
assert "sip:rxt1@ims.example" in sub, sub' "$LAB_DIR/pcrf.log" "$SID1" "$UE4" "$CORE4"
sleep 0.3
check "allowed: STR for the session at the BYE" [ "$(pcrf STR "$SID1")" = 1 ]

# 2. the UE answers with a forbidden codec
check "forbidden codec: the UE's 200 (G.729) answered by the P-CSCF's ACK + BYE through its SA" \
	callee rxt2 2 --rx-answer $G729 --rx-seen "INVITE ACK BYE"
SID2=$(last_sid)
grep -e "<- BYE" "$LAB_DIR/ue-rxt2.log" | sed 's/^/# UE: /'
check "forbidden codec: the BYE to the UE names the cause (Reason: SIP;cause=488)" \
	grep -q "<- BYE .*Reason: SIP;cause=488" "$LAB_DIR/ue-rxt2.log"
check "forbidden codec: SIPp got 488, never the 200 ($(sipp_got rxt2))" \
	[ "$(sipp_got rxt2)" = "100 180 488" ]
check "forbidden codec: the 488 carries the PCRF's Warning" \
	bash -c 'grep -A20 "^SIP/2.0 488" <<<"$1" | grep -q "^Warning: 3"' _ "$(sipp_got rxt2 -v)"
check "forbidden codec: no STR (the session was never authorised)" [ "$(pcrf STR "$SID2")" = 0 ]

# 3. refused at the UE's 183 with SDP: CANCEL to the UE
check "refused at the 183: the UE gets CANCEL (its 487 then ACKed by the P-CSCF)" \
	callee rxt3 3 --rx-answer $G729 --rx-early 2 --rx-seen "INVITE CANCEL ACK"
check "refused at the 183: SIPp got 488 and nothing else ($(sipp_got rxt3))" \
	[ "$(sipp_got rxt3)" = "100 180 488" ]

# 3b. the UE's 200 crosses that CANCEL: the P-CSCF ACKs and BYEs it (the core has its 488)
check "refused at the 183, the UE's 200 crossing the CANCEL: ACK + BYE from the P-CSCF" \
	callee rxt12 12 --rx-answer $G729 --rx-early 2 --rx-cross-cancel --rx-seen "INVITE CANCEL ACK BYE"
check "crossing 200: the BYE names the cancel (Reason: SIP;cause=487)" \
	grep -q "<- BYE .*Reason: SIP;cause=487" "$LAB_DIR/ue-rxt12.log"
check "crossing 200: SIPp got the 488 and never the 200 ($(sipp_got rxt12))" \
	[ "$(sipp_got rxt12)" = "100 180 488" ]

# 4. a core re-INVITE with a new offer: the UPDATE AAR at the UE's 200
check "core re-INVITE: INVITE, ACK, re-INVITE (200 with the new answer), ACK, BYE at the UE" \
	callee rxreinv4 4 --rx-answer $OFFER --rx-reanswer tests/integration/rx/reinvite.sdp \
	--rx-seen "INVITE ACK INVITE ACK BYE"
SID4=$(last_sid)
check "core re-INVITE: SIPp got both 200s and the BYE's ($(sipp_got rxreinv4))" \
	[ "$(sipp_got rxreinv4)" = "100 180 200 100 200 200" ]
sleep 0.3
check "core re-INVITE: two AARs for one session (INITIAL, UPDATE), one STR" \
	[ "$(aar_types "$SID4")/$(pcrf STR "$SID4")" = "0 1/1" ]

# 5. a core re-INVITE answered with a forbidden codec: 488, the dialog ends both ways
check "re-offer refused: the UE's 200 is ACKed and the dialog ended (BYE) by the P-CSCF" \
	callee rxreinv5 5 --rx-answer $OFFER --rx-reanswer $G729 --rx-seen "INVITE ACK INVITE ACK BYE"
SID5=$(last_sid)
check "re-offer refused: SIPp got 488 to the re-INVITE, then the P-CSCF's BYE ($(sipp_got rxreinv5))" \
	[ "$(sipp_got rxreinv5)" = "100 180 200 100 488 BYE" ]
sleep 0.3
check "re-offer refused: STR for the session" [ "$(pcrf STR "$SID5")" = 1 ]

# 5b. the UE re-INVITEs in the dialog the core started (found by its To tag): an UPDATE AAR
check "UE re-INVITE in a terminating dialog: its re-offer through the client SAs, SIPp's 200 held and let through" \
	callee rxuereinv9 9 --rx-answer $OFFER --rx-reoffer tests/integration/rx/reinvite.sdp \
	--rx-seen "INVITE ACK BYE"
SID9=$(last_sid)
check "UE re-INVITE: the UE got the 200 with SDP" grep -q "^re-INVITE: 200 with SDP" "$LAB_DIR/ue-rxuereinv9.log"
check "UE re-INVITE: SIPp got the UE's re-INVITE and ACK ($(sipp_got rxuereinv9))" \
	[ "$(sipp_got rxuereinv9)" = "100 180 200 INVITE ACK 200" ]
sleep 0.3
check "UE re-INVITE: INITIAL then UPDATE AAR, one STR" [ "$(aar_types "$SID9")/$(pcrf STR "$SID9")" = "0 1/1" ]

# 5c. the far end re-INVITEs in an originating dialog (the UE called): an UPDATE AAR at the UE's 200
caller() { # USER N ARGS...: UE USER registers and calls SIPp (--rx-call); its log in ue-USER.log
	local u=$1 n=$2
	shift 2
	ue timeout 40 /usr/bin/python3 tests/integration/scapy_ue.py --pcscf $P4 --local $UE4 \
		--impi $u@ims.example --impu $u@ims.example --k $K --opc $OPC \
		--port-c $((33000 + 10 * n)) --port-s $((33001 + 10 * n)) --rx-call "$@" \
		>"$LAB_DIR/ue-$u.log" 2>&1 && return 0
	sed 's/^/# /' "$LAB_DIR/ue-$u.log"
	return 1
}
check "far-end re-INVITE in an originating dialog: the UE calls, answers SIPp's re-INVITE 200 with SDP, gets SIPp's BYE" \
	caller rxorig10 10 --await-bye --answer-reoffer tests/integration/rx/reinvite_answer.sdp
SID10=$(last_sid)
check "far-end re-INVITE: the UE got it through its SA and answered" \
	grep -q "^-> 200 OK to the far end's re-INVITE" "$LAB_DIR/ue-rxorig10.log"
sleep 0.3
check "far-end re-INVITE: INITIAL then UPDATE AAR (the far end's offer, the UE's answer), one STR" \
	[ "$(aar_types "$SID10")/$(pcrf STR "$SID10")" = "0 1/1" ]
check "far-end re-INVITE: the UPDATE AAR's offer is SIPp's (downlink), the answer the UE's (uplink)" \
	/usr/bin/python3 -c '
import json, sys
aar = [json.loads(l) for l in open(sys.argv[1]) if json.loads(l)["cmd"] == "AAR" and json.loads(l)["sid"] == sys.argv[2]]
codec = " ".join(str(v) for m in aar[1]["avps"] if m[0] == 517 for c, _, v in m[2] if c == 524)
assert "downlink\noffer\nm=audio 40000" in codec and "uplink\nanswer" in codec, codec' "$LAB_DIR/pcrf.log" "$SID10"

# 6. RAR (bearer lost): BYE to both sides, from what the dialog kept
callee rxwait6 6 --rx-answer $OFFER --rx-seen "INVITE ACK BYE" &
WAIT6=$!
for i in $(seq 100); do [ "$(json_get "$(ctl rx --json)" dialogs.0.state 2>/dev/null)" = active ] && break; sleep 0.1; done
SID6=$(last_sid)
j=$(ctl rx --json)
check "pcscfctl rx --json lists the terminating call: active, with its Rx session" \
	[ "$(json_get "$j" dialogs.0.state)/$(json_get "$j" dialogs.0.rx_session)/$(json_get "$j" dialogs.0.ue)" = "active/True/$UE4" ]
echo "rar $SID6" >"$LAB_DIR/pcrf.ctl"
wait $WAIT6
check "RAR: the UE got a BYE through its SA" [ $? -eq 0 ]
check "RAR: the BYE to the UE names the release cause" \
	grep -q "<- BYE .*Reason: RELEASE_CAUSE;cause=3" "$LAB_DIR/ue-rxwait6.log"
sleep 0.3
check "RAR: SIPp got the P-CSCF's BYE ($(sipp_got rxwait6))" [ "$(sipp_got rxwait6)" = "100 180 200 BYE" ]
check "RAR: that BYE goes to the caller's Contact by the INVITE's Record-Route" \
	bash -c 'grep -A12 "^BYE sip:caller@" <<<"$1" | grep -q "^Route: <sip:scscf@$2:5060;lr>"' _ \
	"$(sipp_got rxwait6 -v)" "$CORE4"
check "RAR: answered (RAA), then STR" [ "$(pcrf RAA "$SID6")/$(pcrf STR "$SID6")" = 1/1 ]

j=$(ctl stats --json)
d() { json_get "$j" dialogs.$1; }
echo "# dialogs: $(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["dialogs"])' "$j")"
check "counters: created 9, aar 9, aar_update 4, allowed 9, denied 4, rar_ended 1, none live or held" \
	[ "$(d created)/$(d aar)/$(d aar_update)/$(d allowed)/$(d denied)/$(d rar_ended)/$(d live)/$(d held_now)" = 9/9/4/9/4/1/0/0 ]
check "every 488 of ours ACKed by SIPp, the ACK ending at the P-CSCF (txn_no_ack 0)" \
	[ "$(json_get "$j" sip.txn_no_ack)" = 0 ]

# 7. one hold buffer, a PCRF that does not answer: a second answer meanwhile is 503 to the core
kill "$PID"
wait "$PID" 2>/dev/null
start allow --rx-max-held 1 --rx-timeout 4000
echo mute >"$LAB_DIR/pcrf.ctl" # the peer stays open, AARs go unanswered
callee rxt7 7 --rx-answer $OFFER --rx-seen "INVITE ACK BYE" &
WAIT7=$!
for i in $(seq 100); do [ "$(stat_of dialogs.held_now)" = 1 ] && break; sleep 0.05; done
check "hold buffers full: a second UE's 200 (IPv6: the UE port 5060 is taken) is ACKed and BYEd by the P-CSCF" \
	callee6 rxt8 8 --rx-answer $OFFER --rx-seen "INVITE ACK BYE"
check "hold buffers full: SIPp got 503 for it ($(sipp_got rxt8))" [ "$(sipp_got rxt8)" = "100 180 503" ]
wait $WAIT7
check "... while the held one goes on once the AAR times out (policy allow; the UE's 200 again meanwhile)" [ $? -eq 0 ]
j=$(ctl stats --json)
check "hold buffers full: counted (held_full 1, unchecked 1, retransmissions absorbed)" \
	[ "$(d held_full)/$(d unchecked)/$(( $(d absorbed) > 0 ))" = 1/1/1 ]
check "the unchecked call: SIPp got its 200 once the AAR timed out, then its BYE's ($(sipp_got rxt7))" \
	[ "$(sipp_got rxt7)" = "100 180 200 200" ]

# 8. the registration ends (the S-CSCF's NOTIFY) while the UE's answer is held: 480 to the core
callee rxgone11 11 --rx-answer $OFFER --rx-wait 5 --rx-seen "INVITE" >/dev/null
sleep 0.5
check "registration ended while the answer was held: SIPp got 480 on its INVITE, ACKed ($(sipp_got rxgone11))" \
	[ "$(sipp_got rxgone11)" = "100 180 480" ]
check "registration ended: counted (reg_ended 1), no dialog or hold buffer left" \
	[ "$(stat_of dialogs.reg_ended)/$(stat_of dialogs.live)/$(stat_of dialogs.held_now)" = 1/0/0 ]

sipp_stop "$CORE_PID"
CORE_PID=
check "SIPp's checks passed (Path token, Warning on the 488s, SDP in the 200s; no call failed)" \
	bash -c "! grep -i -A14 'regexp\|timeout\|unexpected\|aborted' '$LAB_DIR/sipp.err' 2>/dev/null | sed 's/^/# /' | grep ."
tap_done
