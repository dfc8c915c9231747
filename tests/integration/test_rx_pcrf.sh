#!/usr/bin/env bash
# Rx against a PCRF that is not our code (tests/tools/pcrf_test.py, written
# from RFC 6733 and TS 29.214), two of them, in a namespace lab; the Rx module
# is driven by build/tools/rx_driver until the INVITE dialogs call it. Our
# AVPs are read back by tshark's Diameter dissector from a capture on the
# PCRFs' side.
#
#   pcscf-rx-p-PID  rxp0 10.99.0.1 ---- veth ---- rxc0 10.99.0.2 (pcrf1), 10.99.0.3 (pcrf2)  pcscf-rx-c-PID
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
BUILD=${PCSCF_BUILD:-build}
DRIVER=$BUILD/tools/rx_driver
[ -x "$DRIVER" ] || DRIVER=$BUILD/san/tools/rx_driver
SDP=tests/integration/rx
NS_P=pcscf-rx-p-$$
NS_C=pcscf-rx-c-$$
work=$(mktemp -d /tmp/pcscf-rx-test.XXXXXX)
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	# what is left in our namespaces is ours (started inside them by this test)
	ip netns pids "$NS_P" 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns pids "$NS_C" 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns del "$NS_P" 2>/dev/null
	ip netns del "$NS_C" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

if [ ! -x "$DRIVER" ] || ! command -v tshark >/dev/null; then
	fail "rx_driver ($DRIVER) and tshark are needed"
	tap_done
	exit 1
fi

pn() { ip netns exec "$NS_P" "$@"; }
cn() { ip netns exec "$NS_C" "$@"; }
ip netns add "$NS_P"
ip netns add "$NS_C"
ip link add rxp0 netns "$NS_P" type veth peer rxc0 netns "$NS_C"
pn ip link set lo up
cn ip link set lo up
pn ip addr add 10.99.0.1/24 dev rxp0
cn ip addr add 10.99.0.2/24 dev rxc0
cn ip addr add 10.99.0.3/24 dev rxc0
pn ip link set rxp0 up
cn ip link set rxc0 up

ip netns exec "$NS_C" tshark -q -i rxc0 -f 'tcp port 3868' -w "$work/rx.pcap" >"$work/tshark.out" 2>&1 &
TSHARK=$!
PIDS+=($TSHARK)
for i in $(seq 50); do grep -q Capturing "$work/tshark.out" 2>/dev/null && break; sleep 0.1; done

pcrf() { # name addr extra...
	local n=$1 a=$2
	shift 2
	# not through cn(): $! must be the PCRF itself, not a subshell
	ip netns exec "$NS_C" python3 tests/tools/pcrf_test.py --listen "$a:3868" --origin-host "$n.test" \
		--log "$work/$n.log" --ctl "$work/$n.ctl" "$@" >"$work/$n.out" 2>&1 &
	PIDS+=($!)
}
pcrf pcrf1 10.99.0.2 --forbid-codec G729
pcrf pcrf2 10.99.0.3
for i in $(seq 50); do grep -q listening "$work/pcrf2.out" 2>/dev/null && grep -q listening "$work/pcrf1.out" && break; sleep 0.1; done

# The driver: one command a line in, one answer line out.
coproc DRV { ip netns exec "$NS_P" "$DRIVER" --peer pcrf1.test,10.99.0.2,3868 \
	--peer pcrf2.test,10.99.0.3,3868 --local 10.99.0.1 --tw 6 --tc 2 --timeout 1500 \
	2>"$work/driver.err"; }
PIDS+=($DRV_PID)
read -r -t 10 line <&"${DRV[0]}"
[ "$line" = ready ] || fail "driver did not start: $(tail -3 "$work/driver.err")"
cmd() {
	echo "$*" >&"${DRV[1]}"
	REPLY=
	read -r -t 60 REPLY <&"${DRV[0]}"
	echo "# $* -> $REPLY"
}
ctl() { echo "$2" >"$work/$1.ctl"; }
# sid_of PCRF N: Session-Id of the Nth AAR (from 1) the PCRF logged
sid_of() {
	python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
aar = [r["sid"] for r in rows if r["cmd"] == "AAR"]
print(aar[int(sys.argv[2]) - 1] if len(aar) >= int(sys.argv[2]) else "")' "$work/$1.log" "$2"
}
# rcs_is WANT PCRF CMD SID: rcs reads WANT within 5 s (the PCRF logs asynchronously)
rcs_is() {
	local want=$1 i
	shift
	for i in $(seq 50); do
		[ "$(rcs "$@")" = "$want" ] && return 0
		sleep 0.1
	done
	echo "# rcs $*: '$(rcs "$@")', not '$want'"
	return 1
}
count_cmd() { grep -c "\"cmd\": \"$2\"" "$work/$1.log" 2>/dev/null; }
# rcs PCRF CMD SID: what the PCRF received of CMD for SID, one word each: its
# Result-Code, or "-" for a request
rcs() {
	python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(" ".join(str(r["rc"] or "-") for r in rows if r["cmd"] == sys.argv[2] and r["sid"] == sys.argv[3]))' \
		"$work/$1.log" "$2" "$3"
}

cmd wait-state pcrf1.test STATE_OPEN 10
check "CER/CEA: pcrf1 open" [ "$REPLY" = "state pcrf1.test STATE_OPEN" ]
cmd wait-state pcrf2.test STATE_OPEN 10
check "CER/CEA: pcrf2 open" [ "$REPLY" = "state pcrf2.test STATE_OPEN" ]

cmd auth a $SDP/offer.sdp $SDP/answer.sdp ue=10.0.0.1 sub=sip:alice@ims.test icid=icid-a
check "session allowed (AAA 2001)" [ "$REPLY" = "a allow 0 rc=2001 exp=0 warning=-" ]
check "AAR went to the first PCRF" [ "$(count_cmd pcrf1 AAR)" = 1 ]
SID_A=$(sid_of pcrf1 1)

cmd update a $SDP/reinvite.sdp $SDP/reinvite_answer.sdp
check "re-INVITE: update allowed" [ "$REPLY" = "a allow 0 rc=2001 exp=0 warning=-" ]

cmd auth b $SDP/g729.sdp ue=10.0.0.5 icid=icid-b
check "forbidden codec refused: 488 with a Warning, Experimental-Result 5063" \
	[ "$REPLY" = 'b deny 488 rc=0 exp=5063 warning=399 pcscf.test "Rx: PCRF refused the media"' ]

cmd auth bad $SDP/bad.sdp
check "SDP that does not parse: 488, nothing sent" [ "${REPLY%% warning*}" = "bad deny 488 rc=0 exp=0" ]

cmd term a
check "STR at terminate" rcs_is - pcrf1 STR "$SID_A"

# RAR: bearer lost ends the session (abort callback), RAA 2001
cmd auth c $SDP/offer.sdp $SDP/answer.sdp icid=icid-c
SID_C=$(sid_of pcrf1 4)
ctl pcrf1 "rar $SID_C 2"
cmd wait-abort c 5
check "RAR (loss of bearer) reported to the proxy" [ "$REPLY" = "c aborted 2" ]
cmd term c
rcs_is 2001 pcrf1 RAA "$SID_C" && rcs_is - pcrf1 STR "$SID_C"
check "RAA 2001 sent, then STR" [ $? -eq 0 ]

cmd auth d $SDP/offer.sdp $SDP/answer.sdp icid=icid-d
SID_D=$(sid_of pcrf1 5)
ctl pcrf1 "asr $SID_D"
cmd wait-abort d 5
check "ASR reported to the proxy" [ "$REPLY" = "d aborted 100" ]
cmd term d
ctl pcrf1 "rar $SID_D 2"
check "RAR for an ended session: RAA 5002" rcs_is 5002 pcrf1 RAA "$SID_D"

# Ended while its AAR is out (a BYE or CANCEL before the AAA): the PCRF may
# create the session, so once its AAA accepts, the STR goes to it.
ctl pcrf1 "delay 400"
sleep 0.2
n_aar=$(count_cmd pcrf1 AAR)
cmd auth early $SDP/offer.sdp $SDP/answer.sdp icid=icid-early nowait
cmd term early
for i in $(seq 50); do [ "$(count_cmd pcrf1 AAR)" -gt "$n_aar" ] && break; sleep 0.1; done
SID_E=$(sid_of pcrf1 $((n_aar + 1)))
cmd sleep 1000
ctl pcrf1 "delay 0"
sleep 0.2
check "ended before its AAA: STR once the PCRF accepted" rcs_is - pcrf1 STR "$SID_E"

cmd sig r ue=10.0.0.7 pcscf=10.99.0.1 sub=sip:carol@ims.test
check "registration: signalling path status subscription allowed" [ "${REPLY%% *}" = r ] && [[ "$REPLY" == "r allow 0 rc=2001"* ]]

# Watchdog: pcrf1 stops answering (DWR too): it must be declared down and
# new sessions go to pcrf2; once it answers again we reconnect and prefer it.
ctl pcrf1 mute
t0=$(date +%s)
cmd wait-not-state pcrf1.test STATE_OPEN 25
check "watchdog: silent pcrf1 left OPEN ($(($(date +%s) - t0)) s)" [ "$REPLY" != "state pcrf1.test STATE_OPEN" ]
cmd auth e $SDP/offer.sdp $SDP/answer.sdp icid=icid-e
check "failover: session allowed by pcrf2" [ "$REPLY" = "e allow 0 rc=2001 exp=0 warning=-" ]
check "failover: the AAR reached pcrf2" [ "$(count_cmd pcrf2 AAR)" = 1 ]
cmd wait-not-state pcrf1.test STATE_SUSPECT 15
ctl pcrf1 unmute
t0=$(date +%s)
cmd wait-state pcrf1.test STATE_OPEN 30
check "reconnection to pcrf1 ($(($(date +%s) - t0)) s)" [ "$REPLY" = "state pcrf1.test STATE_OPEN" ]
n1=$(count_cmd pcrf1 AAR)
cmd auth f $SDP/offer.sdp $SDP/answer.sdp icid=icid-f
check "after reconnection the first PCRF is preferred again" [ "$(count_cmd pcrf1 AAR)" = $((n1 + 1)) ]
cmd term e
cmd term f
cmd stats
STATS=$REPLY
check "stats: results by Result-Code and Experimental-Result" python3 -c '
import json, sys
s = json.loads(sys.argv[1])["rx"]
res = {(k, r[k]): r["n"] for r in s["results"] for k in r if k != "n"}
assert res.get(("result_code", 2001), 0) >= 6, res
assert res.get(("experimental_result", 5063)) == 1, res
assert s["rar"] == 1 and s["asr"] == 1, s
assert [p["state"] for p in s["peers"]] == ["STATE_OPEN", "STATE_OPEN"], s["peers"]' "$STATS"
echo quit >&"${DRV[1]}"
wait "$DRV_PID" 2>/dev/null
check "DPR on shutdown" [ "$(count_cmd pcrf1 DPR)" -ge 1 ] && [ "$(count_cmd pcrf2 DPR)" -ge 1 ]

# Unreachable PCRF (nothing listens): the policy decides.
for policy in reject allow; do
	out=$(printf 'auth u %s %s\nquit\n' $SDP/offer.sdp $SDP/answer.sdp |
		pn "$DRIVER" --peer pcrfx.test,10.99.0.2,3999 --local 10.99.0.1 --unreachable $policy \
			--timeout 800 2>>"$work/driver.err" | grep '^u ')
	echo "# $policy: $out"
	if [ $policy = reject ]; then
		check "PCRF down, policy reject: 503" [ "${out%% warning*}" = "u deny 503 rc=3002 exp=0" ]
	else
		check "PCRF down, policy allow: allowed unchecked" [ "${out%% rc*}" = "u allow_unchecked 0" ]
	fi
done

# A table of one session: the second is refused at once (-EBUSY: 503 now), the slot comes back at STR.
out=$(printf 'wait-state pcrf1.test STATE_OPEN 10\nauth x %s %s\nauth y %s\nterm x\nauth z %s\nquit\n' \
	$SDP/offer.sdp $SDP/answer.sdp $SDP/offer.sdp $SDP/offer.sdp |
	pn "$DRIVER" --peer pcrf1.test,10.99.0.2,3868 --local 10.99.0.1 --max-sessions 1 \
		2>>"$work/driver.err" | grep -E '^[xyz] ' | cut -d' ' -f1-3 | tr '\n' ' ')
check "session table full: refused at once, the slot reused after STR ($out)" \
	[ "$out" = "x allow 0 y error Device x terminated z allow 0 " ]

kill "$TSHARK" 2>/dev/null
wait "$TSHARK" 2>/dev/null
T() { tshark -r "$work/rx.pcap" -d tcp.port==3868,diameter "$@" 2>/dev/null; }

# CER: Rx advertised as Vendor-Specific-Application-Id {3GPP, 16777236}
check "tshark: CER advertises Rx under 3GPP" bash -c '[ -n "$(tshark -r "$1" -d tcp.port==3868,diameter \
	-Y "diameter.cmd.code == 257 && diameter.flags.request == 1 && diameter.Vendor-Specific-Application-Id && diameter.Vendor-Id == 10415 && diameter.Auth-Application-Id == 16777236" \
	-T fields -e frame.number 2>/dev/null)" ]' _ "$work/rx.pcap"

fields() { # session-id, then -e fields
	local sid=$1
	shift
	T -Y "diameter.cmd.code == 265 && diameter.flags.request == 1 && diameter.Session-Id == \"$sid\"" \
		-T fields -E occurrence=a -E aggregator='|' "$@" | head -1
}
got=$(fields "$SID_A" -e diameter.Flow-Description)
want='permit out 17 from 192.0.2.20 40000 to 10.0.0.1 50000|permit out 17 from 10.0.0.1 50000 to 192.0.2.20 40000|permit out 17 from 192.0.2.20 40001 to 10.0.0.1 50001|permit out 17 from 10.0.0.1 50001 to 192.0.2.20 40001'
echo "# Flow-Description: $got"
check "tshark: Flow-Descriptions of RTP and RTCP, both directions" [ "$got" = "$want" ]
got=$(fields "$SID_A" -e diameter.Media-Component-Number -e diameter.Media-Type -e diameter.Flow-Status \
	-e diameter.Max-Requested-Bandwidth-UL -e diameter.Max-Requested-Bandwidth-DL -e diameter.Flow-Number \
	-e diameter.Flow-Usage -e diameter.Framed-IP-Address.IPv4 -e diameter.Subscription-Id-Data \
	-e diameter.Rx-Request-Type -e diameter.Specific-Action -e diameter.Auth-Application-Id)
echo "# MCD: $got"
check "tshark: Media-Component-Description (number, audio, enabled, b=AS UL/DL), flows, UE, identity" \
	[ "$got" = $'1\t0\t2\t49000\t41000\t1|2\t1\t10.0.0.1\tsip:alice@ims.test\t0\t2|4\t16777236' ]
got=$(fields "$SID_A" -e diameter.AF-Charging-Identifier -e diameter.AF-Application-Identifier)
check "tshark: AF-Charging-Identifier is the icid, AF-Application-Identifier set" \
	[ "$got" = "$(printf 'icid-a' | xxd -p)	$(printf 'IMS Services' | xxd -p)" ]
got=$(fields "$SID_A" -e diameter.Codec-Data)
echo "# Codec-Data: $got"
# tshark prints the new-lines inside Codec-Data as \n
want='uplink\noffer\nm=audio 50000 RTP/AVP 96 8 101\na=rtpmap:96 AMR-WB/16000\na=fmtp:96 mode-change-capability=2\na=rtpmap:8 PCMA/8000\na=rtpmap:101 telephone-event/16000\na=sendrecv|downlink\nanswer\nm=audio 40000 RTP/AVP 96 101\na=rtpmap:96 AMR-WB/16000\na=rtpmap:101 telephone-event/16000\na=sendrecv'
check "tshark: Codec-Data of the uplink offer and the downlink answer" [ "$got" = "$want" ]
got=$(T -Y "diameter.cmd.code == 265 && diameter.flags.request == 1 && diameter.Session-Id == \"$SID_A\" && diameter.Rx-Request-Type == 1" \
	-T fields -E occurrence=a -E aggregator='|' -e diameter.Destination-Host -e diameter.Media-Component-Number \
	-e diameter.Flow-Status -e diameter.Max-Requested-Bandwidth-UL)
echo "# update: $got"
check "tshark: re-INVITE is an UPDATE_REQUEST to the same PCRF; sendonly audio is ENABLED-UPLINK, rejected video REMOVED" \
	[ "$got" = $'pcrf1.test\t1|2\t0|4\t49000' ]
got=$(T -Y "diameter.cmd.code == 265 && diameter.flags.request == 1 && diameter.Flow-Usage == 2" -T fields \
	-E occurrence=a -E aggregator='|' -e diameter.Media-Component-Number -e diameter.AF-Signalling-Protocol \
	-e diameter.Flow-Description -e diameter.Specific-Action)
echo "# signalling: $got"
check "tshark: signalling path AAR: component 0, SIP, AF_SIGNALLING flows, bearer loss/release" \
	[ "$got" = $'0\t1\tpermit out 17 from 10.99.0.1 6100 to 10.0.0.7 31000|permit out 17 from 10.0.0.7 31000 to 10.99.0.1 6100|permit out 17 from 10.99.0.1 6101 to 10.0.0.7 31001|permit out 17 from 10.0.0.7 31001 to 10.99.0.1 6101\t2|4' ]
got=$(T -Y "diameter.cmd.code == 275 && diameter.flags.request == 1 && diameter.Session-Id == \"$SID_A\"" \
	-T fields -e diameter.Termination-Cause -e diameter.Destination-Host)
check "tshark: STR with DIAMETER_LOGOUT to the PCRF of the session" [ "$got" = $'1\tpcrf1.test' ]
got=$(T -Y "diameter.cmd.code == 275 && diameter.flags.request == 0 && diameter.Session-Id == \"$SID_A\"" \
	-T fields -e diameter.Result-Code)
check "tshark: its STA 2001" [ "$got" = 2001 ]
got=$(T -Y "diameter.cmd.code == 258 && diameter.flags.request == 0" -T fields -e diameter.Result-Code | tr '\n' ' ')
check "tshark: RAA result codes 2001 then 5002" [ "$got" = "2001 5002 " ]
tap_done
