#!/usr/bin/env bash
# INVITE dialogs authorised over Rx (issue 11 item 2 in dialogs). The scapy UE
# (tests/integration/scapy_ue.py, its own ESP and Milenage) registers through
# pcscfd and calls through its SAs with an SDP offer; SIPp is the S-CSCF and
# the callee (tests/sipp/scscf_rxcall.xml: 180, then 200 with an SDP answer);
# the PCRF is tests/tools/pcrf_test.py (written from RFC 6733 / TS 29.214, no
# code of ours), refusing G.729. Shown, each at the far ends:
#   allowed        the PCRF saw an AAR with the Media-Component-Description of
#                  offer and answer; the call completes; STR at the UE's BYE
#   forbidden codec  the UE gets 488 with a Warning; the callee got ACK + BYE
#                  from the P-CSCF (no half dialog); no STR (never authorised)
#   RAR bearer lost  both the UE (through its SA) and the callee get a BYE
#   PCRF down      reject: 503 to the UE (callee ACK + BYE); allow: call goes on
# and tshark's Diameter dissector decodes pcscfd's own AAR from a capture in
# the core namespace (Media-Component-Description, Flow-Description strings).
set -uo pipefail
cd "$(dirname "$0")/../.."
LAB_ID=rxd-$$ # namespaces pcscf-{ue,p,core}-rxd-PID
source tests/lib/tap.sh
source tests/lib/lab.sh
source tests/lib/rx_lab.sh

K=465b5ce8b199b49faa5f0a2ee238a6bc # TS 35.208 test set 1
OPC=cd63cb71954a9f4e48a5994e37a02baf
CORE_PID=
TSHARK=
cleanup() {
	[ -n "${KEEP_LAB:-}" ] && rm -rf /tmp/rxd-keep && cp -r "$LAB_DIR" /tmp/rxd-keep 2>/dev/null
	sipp_stop "$CORE_PID"
	lab_down
}
trap cleanup EXIT

rx_lab_needs
ctl() { pns "$BUILD/pcscfctl" --ctl "$LAB_CTL" "$@"; }
stat_of() { json_get "$(ctl stats --json)" "$1"; }

lab_up 1 with-core
"$BUILD/tools/akavec" --k $K --opc $OPC --count 32 --per-line 3 >"$LAB_DIR/vectors.csv"
rx_capture_start

PCRF_PID=
pcrf_up() {
	ip netns exec "$NS_CORE" python3 tests/tools/pcrf_test.py --listen $CORE4:3868 --origin-host pcrf1.test \
		--forbid-codec G729 --log "$LAB_DIR/pcrf.log" --ctl "$LAB_DIR/pcrf.ctl" \
		>>"$LAB_DIR/pcrf.out" 2>&1 &
	PCRF_PID=$!
	LAB_PIDS+=($PCRF_PID)
	for i in $(seq 50); do grep -q listening "$LAB_DIR/pcrf.out" 2>/dev/null && break; sleep 0.1; done
}
pcrf_up

PID=
# start POLICY [ARGS]: pcscfd with Rx towards the test PCRF; STATE its peer state (open or after 5 s)
start() {
	cat >"$LAB_DIR/rx.conf" <<-EOF
	rx = yes
	rx-pcrf = pcrf1.test,$CORE4,3868
	rx-realm = test
	rx-origin-host = pcscf.test
	rx-origin-realm = test
	rx-unreachable = $1
	rx-timeout = 1000
	EOF
	pns_bg "$BUILD/pcscfd" --config "$LAB_DIR/rx.conf" --iface p0 --addr $P4 --addr $P6 \
		--core $CORE4:5060 --pin-dir "$LAB_PIN" --ctl "$LAB_CTL" --log-level debug \
		--max-dialogs 64 --port-ps 6100 --port-pc-pool 6101-6110 "${@:2}" \
		2>>"$LAB_DIR/pcscfd.log"
	PID=${LAB_PIDS[-1]}
	wait_ctl "$LAB_CTL" || { fail "pcscfd starts"; tail -5 "$LAB_DIR/pcscfd.log"; exit 1; }
	STATE=
	for i in $(seq 50); do
		STATE=$(json_get "$(ctl rx --json)" rx.peers.0.state 2>/dev/null)
		[ "$STATE" = STATE_OPEN ] && break
		sleep 0.1
	done
}
stop() {
	kill "$PID" 2>/dev/null
	wait "$PID" 2>/dev/null
}

sipp_bg "$LAB_DIR/sipp.out" -sf tests/sipp/scscf_rxcall.xml -inf "$LAB_DIR/vectors.csv" \
	-i "$CORE4" -p 5060 -skip_rlimit -trace_err -error_file "$LAB_DIR/sipp.err" \
	-trace_msg -message_file "$LAB_DIR/sipp.msg"
CORE_PID=$SIPP_PID

# call N ARGS...: UE rxdN registers and calls (from $CU to $CP, default IPv4); its log in ue-N.log, shown when it fails
call() {
	local n=$1
	shift
	ue timeout 60 /usr/bin/python3 tests/integration/scapy_ue.py --pcscf ${CP:-$P4} --local ${CU:-$UE4} \
		--impi rxd$n@ims.example --impu rxd$n@ims.example --k $K --opc $OPC \
		--port-c $((32000 + 10 * n)) --port-s $((32001 + 10 * n)) --rx-call "$@" \
		>"$LAB_DIR/ue-$n.log" 2>&1 && return 0
	sed 's/^/# /' "$LAB_DIR/ue-$n.log"
	return 1
}
call6() { CP=$P6 CU=$UE6 call "$@"; }

start reject --rx-max-held 8 --reg-await-auth 5
check "pcscfd (policy reject): PCRF STATE_OPEN ($STATE)" [ "$STATE" = STATE_OPEN ]

# 1. allowed: AAR with both SDPs, call completes, STR at BYE
check "allowed: INVITE with SDP, 180, 200 with the answer, ACK, BYE (scapy UE)" call 1
SID1=$(last_sid)
CID1=$(cid_of 1)
check "allowed: the callee got ACK and the UE's BYE ($(far_end "$CID1"))" \
	[ "$(far_end "$CID1")" = "INVITE ACK BYE" ]
check "allowed: the PCRF got one AAR whose Media-Component-Description holds offer and answer" \
	/usr/bin/python3 -c '
import json, sys
aar = [json.loads(l) for l in open(sys.argv[1]) if json.loads(l)["cmd"] == "AAR" and json.loads(l)["sid"] == sys.argv[2]]
assert len(aar) == 1, len(aar)
mcd = [v for c, _, v in aar[0]["avps"] if c == 517]
codec = " ".join(str(v) for c, _, v in mcd[0] if c == 524)
assert "uplink\noffer\nm=audio 50000" in codec and "downlink\nanswer\nm=audio 40000" in codec, codec
assert [v for c, _, v in aar[0]["avps"] if c == 443], "no Subscription-Id"' "$LAB_DIR/pcrf.log" "$SID1"
sleep 0.3
check "allowed: STR for the session at the BYE (PCRF log)" [ "$(pcrf STR "$SID1")" = 1 ]

# 1b. re-INVITE with a new offer: an update AAR (the same session) at its 200
check "re-INVITE: INVITE, re-INVITE with SDP (200 with the new answer), BYE" \
	call 6 --reinvite tests/integration/rx/reinvite.sdp
SID6=$(last_sid)
check "re-INVITE: two AARs for one session, the second an UPDATE_REQUEST; one STR" \
	/usr/bin/python3 -c '
import json, sys
aar = [json.loads(l) for l in open(sys.argv[1]) if json.loads(l)["cmd"] == "AAR" and json.loads(l)["sid"] == sys.argv[2]]
types = [v for a in aar for c, _, v in a["avps"] if c == 533]
assert types == [0, 1], types
str_ = [l for l in open(sys.argv[1]) if json.loads(l)["cmd"] == "STR" and json.loads(l)["sid"] == sys.argv[2]]
assert len(str_) == 1, len(str_)' "$LAB_DIR/pcrf.log" "$SID6"

# 1c. the same new offer in an UPDATE (RFC 3311): an update AAR at the UPDATE's 200
check "UPDATE: INVITE, UPDATE with SDP (200 with the new answer), BYE" \
	call 17 --reinvite tests/integration/rx/reinvite.sdp --update
SID6U=$(last_sid)
check "UPDATE: two AARs for one session, the second an UPDATE_REQUEST; one STR" \
	/usr/bin/python3 -c '
import json, sys
aar = [json.loads(l) for l in open(sys.argv[1]) if json.loads(l)["cmd"] == "AAR" and json.loads(l)["sid"] == sys.argv[2]]
types = [v for a in aar for c, _, v in a["avps"] if c == 533]
assert types == [0, 1], types
str_ = [l for l in open(sys.argv[1]) if json.loads(l)["cmd"] == "STR" and json.loads(l)["sid"] == sys.argv[2]]
assert len(str_) == 1, len(str_)' "$LAB_DIR/pcrf.log" "$SID6U"

# 2. forbidden codec: 488 + Warning to the UE, ACK + BYE to the callee, no STR
check "forbidden codec (G.729): the UE gets 488" call 2 --sdp tests/integration/rx/g729.sdp \
	--call-expect 488 --expect 488
check "forbidden codec: the 488 carries a Warning" grep -q 'Warning: 3' "$LAB_DIR/ue-2.log"
CID2=$(cid_of 2)
check "forbidden codec: the callee's 200 got ACK + BYE from the P-CSCF ($(far_end "$CID2"))" \
	[ "$(far_end "$CID2")" = "INVITE ACK BYE" ]
SID2=$(last_sid)
check "forbidden codec: no STR (the session was never authorised)" [ "$(pcrf STR "$SID2")" = 0 ]

# 2b. refused at a 183 with SDP (early media): CANCEL to the callee, its 487 ACKed by us
check "refused at the 183: the UE gets 488" call 7 --callee early --sdp tests/integration/rx/g729.sdp \
	--call-expect 488 --expect 488
CID7=$(cid_of 7)
sleep 0.5
check "refused at the 183: the callee got CANCEL, then the ACK of its 487 ($(far_end "$CID7"))" \
	[ "$(far_end "$CID7")" = "INVITE CANCEL ACK" ]
check "refused at the 183: the dialog is gone (far_cancel 1, none live)" \
	[ "$(stat_of dialogs.far_cancel)/$(stat_of dialogs.live)" = 1/0 ]

# 3. RAR (bearer lost) ends the call: BYE to the UE and to the callee
rm -f "$LAB_DIR/up-3"
call 3 --await-bye --ready-file "$LAB_DIR/up-3" &
UE3=$!
for i in $(seq 150); do [ -s "$LAB_DIR/up-3" ] && break; sleep 0.1; done
SID3=$(last_sid)
j=$(ctl rx --json)
check "pcscfctl rx --json lists the call: active, with its Rx session" \
	[ "$(json_get "$j" dialogs.0.state)/$(json_get "$j" dialogs.0.rx_session)/$(json_get "$j" dialogs.0.ue)" = "active/True/$UE4" ]
check "pcscfctl rx (text) lists it too" bash -c 'ip netns exec "$1" "$2" --ctl "$3" rx | grep -q "^  active .* rx yes "' _ "$NS_P" "$BUILD/pcscfctl" "$LAB_CTL"
echo "rar $SID3" >"$LAB_DIR/pcrf.ctl"
wait $UE3
rc=$?
check "RAR bearer lost: the UE got a BYE through its SA and answered it" [ $rc -eq 0 ]
check "RAR: the BYE names the release cause" grep -q 'Reason: RELEASE_CAUSE;cause=3' "$LAB_DIR/ue-3.log"
CID3=$(cid_of 3)
sleep 0.3
check "RAR: the callee got a BYE from the P-CSCF ($(far_end "$CID3"))" \
	[ "$(far_end "$CID3")" = "INVITE ACK BYE" ]
check "RAR: answered (RAA), then STR for the session" \
	[ "$(pcrf RAA "$SID3")/$(pcrf STR "$SID3")" = 1/1 ]

j=$(ctl stats --json)
d() { json_get "$j" dialogs.$1; }
echo "# dialogs: $(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["dialogs"])' "$j")"
check "counters: aar 6, aar_update 2, allowed 6, denied 2, rar_ended 1, str 4, none live" \
	[ "$(d aar)/$(d aar_update)/$(d allowed)/$(d denied)/$(d rar_ended)/$(d str)/$(d live)/$(d held_now)" = 6/2/6/2/1/4/0/0 ]

# 3b. the registration ends (expires) during a call: STR, BYE to the callee
check "registration of 3 s with a call held up (no BYE from the UE)" call 10 --reg-expires 3 --hold-call 2
SID10=$(last_sid)
CID10=$(cid_of 10)
# the registration (and its SAs) go REG_SA_GRACE_MS (30 s) after its expiry
for i in $(seq 450); do [ "$(stat_of dialogs.reg_ended)" = 1 ] && break; sleep 0.1; done
check "registration end: STR for the call's session (PCRF log)" [ "$(pcrf STR "$SID10")" = 1 ]
check "registration end: the callee got a BYE from the P-CSCF ($(far_end "$CID10"))" \
	[ "$(far_end "$CID10")" = "INVITE ACK BYE" ]
check "registration end: counted (reg_ended 1), no dialog left" \
	[ "$(stat_of dialogs.reg_ended)/$(stat_of dialogs.live)" = 1/0 ]

# 4. PCRF down, policy reject: 503
kill "$PCRF_PID"
wait "$PCRF_PID" 2>/dev/null
for i in $(seq 100); do
	[ "$(json_get "$(ctl rx --json)" rx.peers.0.state 2>/dev/null)" != STATE_OPEN ] && break
	sleep 0.1
done
check "PCRF down, policy reject: the UE gets 503" call 4 --call-expect 503 --expect 503
CID4=$(cid_of 4)
check "PCRF down, reject: the callee's 200 got ACK + BYE ($(far_end "$CID4"))" \
	[ "$(far_end "$CID4")" = "INVITE ACK BYE" ]
stop

# 5. PCRF down, policy allow: the call goes on
start allow
check "PCRF down, policy allow: the call completes" call 5
CID5=$(cid_of 5)
check "PCRF down, allow: the callee saw the whole call ($(far_end "$CID5"))" \
	[ "$(far_end "$CID5")" = "INVITE ACK BYE" ]
check "PCRF down, allow: counted unchecked" [ "$(stat_of dialogs.unchecked)" = 1 ]
stop

# 6. one hold buffer, a PCRF that does not answer: the second call meanwhile gets 503
pcrf_up
start allow --rx-max-held 1 --rx-timeout 6000
echo mute >"$LAB_DIR/pcrf.ctl" # after CER/CEA: the peer stays open, AARs go unanswered
call 8 &
UE8=$!
for i in $(seq 100); do [ "$(stat_of dialogs.held_now)" = 1 ] && break; sleep 0.05; done
check "hold buffers full: a second call (IPv6, the UE port 5060 is taken) gets 503 at once" call6 9 --call-expect 503 --expect 503
wait $UE8
check "... while the held one goes on once the AAR times out (policy allow)" [ $? -eq 0 ]
check "hold buffers full: counted (held_full 1, unchecked 1)" \
	[ "$(stat_of dialogs.held_full)/$(stat_of dialogs.unchecked)" = 1/1 ]
stop

sipp_stop "$CORE_PID"
CORE_PID=
check "SIPp's checks passed (SDP offer and icid on every INVITE, no call failed)" \
	bash -c "! grep -i -A14 'regexp\|timeout' '$LAB_DIR/sipp.err' 2>/dev/null | sed 's/^/# /' | grep ."

# tshark on the capture of the core side: pcscfd's own AAR (call 1)
kill "$TSHARK" 2>/dev/null
wait "$TSHARK" 2>/dev/null
fields() {
	tshark -r "$LAB_DIR/rx.pcap" -d tcp.port==3868,diameter \
		-Y "diameter.cmd.code == 265 && diameter.flags.request == 1 && diameter.Session-Id == \"$SID1\"" \
		-T fields -E occurrence=a -E aggregator='|' "$@" 2>/dev/null | head -1
}
got=$(fields -e diameter.Flow-Description)
echo "# Flow-Description: $got"
want="permit out 17 from $CORE4 40000 to 10.0.0.1 50000|permit out 17 from 10.0.0.1 50000 to $CORE4 40000|permit out 17 from $CORE4 40001 to 10.0.0.1 50001|permit out 17 from 10.0.0.1 50001 to $CORE4 40001"
check "tshark: our AAR's Flow-Descriptions, RTP and RTCP, both directions" [ "$got" = "$want" ]
got=$(fields -e diameter.Media-Component-Number -e diameter.Media-Type -e diameter.Flow-Status \
	-e diameter.Max-Requested-Bandwidth-UL -e diameter.Max-Requested-Bandwidth-DL \
	-e diameter.Framed-IP-Address.IPv4 -e diameter.Subscription-Id-Data)
echo "# MCD: $got"
check "tshark: Media-Component-Description (1, audio, enabled, b=AS UL/DL), UE address, identity" \
	[ "$got" = $'1\t0\t2\t49000\t41000\t'"$UE4"$'\tsip:rxd1@ims.example' ]
got=$(fields -e diameter.AF-Charging-Identifier)
check "tshark: AF-Charging-Identifier is an icid the INVITE carried" \
	bash -c 'grep -q "icid-value=$(echo "$1" | xxd -r -p)" "$2"' _ "$got" "$LAB_DIR/sipp.msg"

for bad in "--max-dialogs 0" "--max-dialogs 2000000" "--max-dialogs 10 --rx-max-held 11" "--rx-max-held x"; do
	pns "$BUILD/pcscfd" --iface p0 --addr $P4 --core $CORE4:5060 $bad >/dev/null 2>&1
	check "'$bad' refused: exit 2" [ $? -eq 2 ]
done
tap_done
