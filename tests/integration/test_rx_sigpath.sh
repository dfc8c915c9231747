#!/usr/bin/env bash
# Signalling path status over Rx (issue 11 item 2, registration level; TS
# 29.214 4.4.5a/4.4.6, TS 23.228 5.2.2), pcscfd --rx-signalling-path on.
# Far ends: the scapy UE (tests/integration/scapy_ue.py, its own ESP and
# Milenage), SIPp as the S-CSCF and callee (tests/sipp/scscf_sigpath.xml) and
# as a caller from the core (tests/sipp/core_term_invite.xml), the PCRF
# tests/tools/pcrf_test.py (RFC 6733 / TS 29.214, no code of ours), tshark's
# Diameter dissector. Shown:
#   registration   the PCRF gets an AAR with AF-Signalling-Protocol SIP, the
#                  two SIP flows of the SA set (UE port_c <-> our port_ps, UE
#                  port_s <-> our port_pc) as AF_SIGNALLING, Specific-Action
#                  loss and release of bearer
#   RAR loss of bearer on that session: the UE's call in progress gets a BYE
#                  through its SA and the callee a BYE; RAA, then STR
#   then           a terminating INVITE from the core gets 480 (SIPp checks)
#   REGISTER again a new AAR; the terminating INVITE reaches the UE (200)
#   re-registration with a new SA set: UPDATE_REQUEST with the new flows;
#   de-REGISTER    STR
set -uo pipefail
cd "$(dirname "$0")/../.."
LAB_ID=rxs-$$ # namespaces pcscf-{ue,p,core}-rxs-PID
source tests/lib/tap.sh
source tests/lib/lab.sh
source tests/lib/rx_lab.sh

K=465b5ce8b199b49faa5f0a2ee238a6bc # TS 35.208 test set 1
OPC=cd63cb71954a9f4e48a5994e37a02baf
CORE_PID=
cleanup() {
	[ -n "${KEEP_LAB:-}" ] && rm -rf /tmp/rxs-keep && cp -r "$LAB_DIR" /tmp/rxs-keep 2>/dev/null
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

core python3 tests/tools/pcrf_test.py --listen $CORE4:3868 --origin-host pcrf1.test \
	--log "$LAB_DIR/pcrf.log" --ctl "$LAB_DIR/pcrf.ctl" >"$LAB_DIR/pcrf.out" 2>&1 &
LAB_PIDS+=($!)
for i in $(seq 50); do grep -q listening "$LAB_DIR/pcrf.out" 2>/dev/null && break; sleep 0.1; done

cat >"$LAB_DIR/rx.conf" <<-EOF
rx = yes
rx-pcrf = pcrf1.test,$CORE4,3868
rx-realm = test
rx-origin-host = pcscf.test
rx-origin-realm = test
rx-signalling-path = on
rx-timeout = 1000
EOF
pns_bg "$BUILD/pcscfd" --config "$LAB_DIR/rx.conf" --iface p0 --addr $P4 --addr $P6 \
	--core $CORE4:5060 --pin-dir "$LAB_PIN" --ctl "$LAB_CTL" --log-level debug --max-dialogs 16 \
	--port-ps 6100 --port-pc-pool 6101-6103 2>>"$LAB_DIR/pcscfd.log"
wait_ctl "$LAB_CTL" || { fail "pcscfd starts"; tail -5 "$LAB_DIR/pcscfd.log"; exit 1; }
for i in $(seq 50); do
	STATE=$(json_get "$(ctl rx --json)" rx.peers.0.state 2>/dev/null)
	[ "$STATE" = STATE_OPEN ] && break
	sleep 0.1
done
check "pcscfd with --rx-signalling-path on: PCRF STATE_OPEN ($STATE)" [ "$STATE" = STATE_OPEN ]

sipp_bg "$LAB_DIR/sipp.out" -sf tests/sipp/scscf_sigpath.xml -inf "$LAB_DIR/vectors.csv" \
	-i "$CORE4" -p 5060 -skip_rlimit -deadcall_wait 1 -trace_err -error_file "$LAB_DIR/sipp.err" \
	-trace_msg -message_file "$LAB_DIR/sipp.msg"
CORE_PID=$SIPP_PID

PORT_C=32010 PORT_S=32011
# ue_run LOG ARGS...: the UE sig1 (same IMPI, same ports every time)
ue_run() {
	local log=$1
	shift
	ue timeout 60 /usr/bin/python3 tests/integration/scapy_ue.py --pcscf $P4 --local $UE4 \
		--impi sig1@ims.example --impu sig1@ims.example --k $K --opc $OPC \
		--port-c $PORT_C --port-s $PORT_S "$@" >"$LAB_DIR/$log" 2>&1 && return 0
	sed 's/^/# /' "$LAB_DIR/$log"
	return 1
}
# our port_pc as the UE's Security-Server named it (the last one in LOG)
port_pc_of() { grep -o 'port-c=[0-9]*' "$LAB_DIR/$1" | tail -1 | cut -d= -f2; }
# sig_aars: the signalling AARs (AF-Signalling-Protocol present) as JSON lines
sig() {
	/usr/bin/python3 - "$LAB_DIR/pcrf.log" "$@" <<-'PY'
	import json, sys
	log = [json.loads(l) for l in open(sys.argv[1])]
	def walk(avps):
	    for c, v, val in avps:
	        yield c, v, val
	        if isinstance(val, list):
	            yield from walk(val)
	aars = [m for m in log if m["cmd"] == "AAR" and any(c == 529 for c, _, _ in walk(m["avps"]))]
	what = sys.argv[2]
	if what == "count":
	    print(len(aars))
	elif what == "sid":  # sid N (0-based)
	    print(aars[int(sys.argv[3])]["sid"])
	elif what == "flows":  # flows N: its Flow-Descriptions, sorted, | separated
	    print("|".join(sorted(str(val) for c, _, val in walk(aars[int(sys.argv[3])]["avps"]) if c == 507)))
	elif what == "avp":  # avp N CODE: the values of AVP CODE, anywhere
	    print(" ".join(str(val) for c, _, val in walk(aars[int(sys.argv[3])]["avps"]) if c == int(sys.argv[4])))
	elif what == "cmds":  # cmds SID: the commands logged for that session
	    print(" ".join(m["cmd"] for m in log if m["sid"] == sys.argv[3]))
	PY
}
flows_want() { # PORT_PC [P UE PORT_C PORT_S]: the four flows, sorted, | separated
	local pc=$1 p=${2:-$P4} u=${3:-$UE4} c=${4:-$PORT_C} s=${5:-$PORT_S}
	echo "permit out 17 from $p $pc to $u $s|permit out 17 from $p 6100 to $u $c|permit out 17 from $u $c to $p 6100|permit out 17 from $u $s to $p $pc" |
		tr '|' '\n' | sort | paste -sd'|'
}
# term_invite CODE [RURI]: SIPp (port 5070) sends the UE a terminating INVITE, the final must be CODE
term_invite() {
	sed "s/response=\"480\"/response=\"$1\"/" tests/sipp/core_term_invite.xml >"$LAB_DIR/term-$1.xml"
	core timeout 20 sipp -sf "$LAB_DIR/term-$1.xml" -i "$CORE4" -p 5070 -m 1 -skip_rlimit \
		-key ruri "${2:-sip:$UE4:$PORT_S}" -trace_err -error_file "$LAB_DIR/term-$1.err" \
		"$PCORE4:5060" >"$LAB_DIR/term-$1.out" 2>&1 && return 0
	sed 's/^/# /' "$LAB_DIR/term-$1.err" 2>/dev/null | tail -20
	return 1
}

# 1. registration and a call held up (the UE waits for the network's BYE)
rm -f "$LAB_DIR/up-1"
ue_run ue-1.log --rx-call --await-bye --ready-file "$LAB_DIR/up-1" &
UE1=$!
for i in $(seq 150); do [ -s "$LAB_DIR/up-1" ] && break; sleep 0.1; done
check "the UE registered and its call is up" [ -s "$LAB_DIR/up-1" ]
PC1=$(port_pc_of ue-1.log)
check "one signalling AAR at the registration (PCRF log)" [ "$(sig count)" = 1 ]
SIG1=$(sig sid 0)
got=$(sig flows 0)
echo "# Flow-Description: $got"
check "its Flow-Descriptions: UE $PORT_C <-> our 6100, UE $PORT_S <-> our $PC1, both ways" \
	[ "$got" = "$(flows_want "$PC1")" ]
check "AF-Signalling-Protocol SIP (1), Flow-Usage AF_SIGNALLING (2) twice, Specific-Action 2 and 4" \
	[ "$(sig avp 0 529)/$(sig avp 0 512)/$(sig avp 0 513)" = "1/2 2/2 4" ]
check "Subscription-Id: the first P-Associated-URI; Framed-IP-Address: the UE" \
	bash -c '[[ "$1" == *"sip:sig1@ims.example"* ]] && [ "$2" = "$3" ]' _ "$(sig avp 0 444)" \
	"$(sig avp 0 8)" "$(IFS=. read -r a b c d <<<"$UE4"; echo $((a << 24 | b << 16 | c << 8 | d)))"
check "counters: sig_aar 1, sig_allowed 1" \
	[ "$(stat_of sigpath.sig_aar)/$(stat_of sigpath.sig_allowed)" = 1/1 ]

# 2. RAR loss of bearer on the signalling session: the call is released both ways
CID1=$(cat "$LAB_DIR/up-1")
echo "rar $SIG1 2" >"$LAB_DIR/pcrf.ctl"
wait $UE1
check "RAR on the signalling session: the UE got a BYE through its SA and answered it" [ $? -eq 0 ]
check "the BYE says why (FAILURE_CAUSE 2, release of signalling bearer)" \
	grep -q 'Reason: FAILURE_CAUSE;cause=2' "$LAB_DIR/ue-1.log"
sleep 0.3
check "the callee got a BYE from the P-CSCF ($(far_end "$CID1"))" [ "$(far_end "$CID1")" = "INVITE ACK BYE" ]
# the RAA (freeDiameter's thread) and our STR (the Rx thread) may reach the PCRF in either order
check "the signalling session: AAR, then RAA and STR ($(sig cmds "$SIG1"))" \
	[ "$(sig cmds "$SIG1" | tr ' ' '\n' | sort | paste -sd' ')" = "AAR RAA STR" ]
check "counters: sig_lost 1, sig_dialogs_released 1, sig_str 1; no dialog left" \
	[ "$(stat_of sigpath.sig_lost)/$(stat_of sigpath.sig_dialogs_released)/$(stat_of sigpath.sig_str)/$(stat_of dialogs.live)" = 1/1/1/0 ]

# 3. terminating INVITE while the signalling path is lost: 480
check "a terminating INVITE from the core gets 480 (SIPp)" term_invite 480
check "counted: term_refused_sig_lost 1" [ "$(stat_of sigpath.term_refused_sig_lost)" = 1 ]

# 4. the UE registers again: a new subscription, and terminating INVITEs reach it
ue_run ue-2.log --answer 1 --touch-sa &
UE2=$!
for i in $(seq 100); do [ "$(sig count)" = 2 ] && break; sleep 0.1; done
check "REGISTER again: a second signalling AAR (a new session)" \
	[ "$(sig count)/$([ "$(sig sid 1)" != "$SIG1" ] && echo new)" = 2/new ]
PC2=$(port_pc_of ue-2.log)
check "its flows name the new SA set's ports (our port_pc $PC2)" [ "$(sig flows 1)" = "$(flows_want "$PC2")" ]
sleep 0.3
check "the terminating INVITE reaches the UE now: its 200 gets to SIPp" term_invite 200
wait $UE2
check "... the UE saw it through its SA" grep -q '<- INVITE' "$LAB_DIR/ue-2.log"
check "still counted once: term_refused_sig_lost 1" [ "$(stat_of sigpath.term_refused_sig_lost)" = 1 ]

# 5. re-registration with a new SA set: UPDATE of the same session; de-REGISTER: STR
SIG2=$(sig sid 1)
check "re-registration and de-registration through the new SAs" ue_run ue-3.log --deregister
PC3=$(port_pc_of ue-3.log)
sleep 0.5
check "the re-registration: an UPDATE_REQUEST (AAR-Request-Type 1) with the new flows, the same session" \
	[ "$(sig count)/$(sig sid 2)/$(sig avp 2 533)/$(sig flows 2)" = "3/$SIG2/1/$(flows_want "$PC3")" ]
check "the de-registration: STR ($(sig cmds "$SIG2"))" [ "$(sig cmds "$SIG2")" = "AAR AAR STR" ]
j=$(ctl stats --json)
echo "# sigpath: $(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["sigpath"])' "$j")"
# sig_allowed 2 or 3: the UE de-registers at once, the UPDATE's AAA may come after the STR (stale)
check "counters: sig_aar 2, sig_aar_update 1, sig_allowed 2-3, sig_failed 0, sig_str 2" \
	bash -c '[[ $1 =~ ^2/1/[23]/0/2$ ]]' _ "$(json_get "$j" sigpath.sig_aar)/$(json_get "$j" sigpath.sig_aar_update)/$(json_get "$j" sigpath.sig_allowed)/$(json_get "$j" sigpath.sig_failed)/$(json_get "$j" sigpath.sig_str)"

# 6. no answer from the PCRF: counted, the registration stays
echo mute >"$LAB_DIR/pcrf.ctl"
check "PCRF mute: the UE still registers (200)" ue_run ue-4.log
for i in $(seq 30); do [ "$(stat_of sigpath.sig_failed)" = 1 ] && break; sleep 0.1; done
check "the unanswered AAR is counted (sig_failed 1) and logged once" \
	[ "$(stat_of sigpath.sig_failed)/$(grep -c 'signalling path status not subscribed' "$LAB_DIR/pcscfd.log")" = 1/1 ]
check "... and the registration is kept (its 4 SAs listed)" [ "$(sa_count sig1@ims.example)" = 4 ]
echo unmute >"$LAB_DIR/pcrf.ctl"

# 7. an IPv6 UE: its flows and Framed-IPv6-Prefix; an ASR on its session: 480, STR
check "IPv6 UE: registration" \
	bash -c 'ip netns exec "$1" timeout 30 /usr/bin/python3 tests/integration/scapy_ue.py \
	--pcscf "$2" --local "$3" --impi sig6@ims.example --impu sig6@ims.example --k "$4" --opc "$5" \
	--port-c 33010 --port-s 33011 >"$6" 2>&1' _ "$NS_UE" $P6 $UE6 $K $OPC "$LAB_DIR/ue-6.log"
N6=$(($(sig count) - 1))
got6=$(sig flows $N6)
echo "# IPv6 Flow-Description: $got6"
check "IPv6: the AAR's four flows name the UE's and our IPv6 addresses" \
	[ "$got6" = "$(flows_want "$(port_pc_of ue-6.log)" $P6 $UE6 33010 33011)" ]
check "IPv6: Framed-IPv6-Prefix (97) in the AAR" [ -n "$(sig avp $N6 97)" ]
echo "asr $(sig sid $N6)" >"$LAB_DIR/pcrf.ctl"
for i in $(seq 30); do [ "$(stat_of sigpath.sig_lost)" = 2 ] && break; sleep 0.1; done
check "IPv6: an ASR on its session: ASA and STR ($(sig cmds "$(sig sid $N6)")), sig_lost 2" \
	[ "$(sig cmds "$(sig sid $N6)" | tr ' ' '\n' | sort | paste -sd' ')/$(stat_of sigpath.sig_lost)" = "AAR ASA STR/2" ]
check "IPv6: then a terminating INVITE for it gets 480 (SIPp)" term_invite 480 "sip:[$UE6]:33011"
check "pcscfctl stats (text) shows the section" \
	bash -c 'ip netns exec "$1" "$2" --ctl "$3" stats | grep -q "^  term_refused_sig_lost  *2$"' _ "$NS_P" "$BUILD/pcscfctl" "$LAB_CTL"

# tshark: pcscfd's own first signalling AAR, decoded by Wireshark's dissector
kill "$TSHARK" 2>/dev/null
wait "$TSHARK" 2>/dev/null
got=$(tshark -r "$LAB_DIR/rx.pcap" -d tcp.port==3868,diameter \
	-Y "diameter.cmd.code == 265 && diameter.flags.request == 1 && diameter.Session-Id == \"$SIG1\"" \
	-T fields -E occurrence=a -E aggregator='|' -e diameter.AF-Signalling-Protocol \
	-e diameter.Flow-Usage -e diameter.Specific-Action 2>/dev/null | head -1)
echo "# tshark: $got"
check "tshark: AF-Signalling-Protocol SIP, Flow-Usage AF_SIGNALLING x2, Specific-Action 2|4" \
	[ "$got" = $'1\t2|2\t2|4' ]
got=$(tshark -r "$LAB_DIR/rx.pcap" -d tcp.port==3868,diameter \
	-Y "diameter.cmd.code == 265 && diameter.flags.request == 1 && diameter.Session-Id == \"$SIG1\"" \
	-T fields -E occurrence=a -E aggregator='|' -e diameter.Flow-Description 2>/dev/null | head -1 |
	tr '|' '\n' | sort | paste -sd'|')
check "tshark: the same four Flow-Descriptions" [ "$got" = "$(flows_want "$PC1")" ]

sipp_stop "$CORE_PID"
CORE_PID=
check "SIPp (S-CSCF, callee): no check failed" \
	bash -c "! grep -i -A14 'regexp\|unexpected\|aborted' '$LAB_DIR/sipp.err' 2>/dev/null | sed 's/^/# /' | grep ."

for bad in "--rx-signalling-path maybe" "--rx-signalling-path"; do
	pns "$BUILD/pcscfd" --iface p0 --addr $P4 --core $CORE4:5060 $bad >/dev/null 2>&1
	check "'$bad' refused: exit 2" [ $? -eq 2 ]
done
tap_done
