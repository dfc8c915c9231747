#!/usr/bin/env bash
# Registration end to end (issue 4): UE namespace -- pcscfd (XDP + AF_XDP +
# our ESP) -- core namespace with SIPp as the S-CSCF. The UE here is
# tests/integration/scapy_ue.py: scapy's ESP and a Python Milenage, so our
# ESP, key derivation and sec-agree are checked against independent code.
# Each case is one row: subscriber, UE side, S-CSCF scenario, expectation.
set -uo pipefail
cd "$(dirname "$0")/../.."
source tests/lib/tap.sh
source tests/lib/lab.sh
trap lab_down EXIT

K=465b5ce8b199b49faa5f0a2ee238a6bc # TS 35.208 test set 1
OPC=cd63cb71954a9f4e48a5994e37a02baf
CTL=$LAB_DIR/ctl.sock
RAA=3 # reg-await-auth for this lab, seconds
CORE6=2001:db8:2::2

ctl() { pns "$BUILD/pcscfctl" --ctl "$CTL" "$@"; }
stat_of() { json_get "$(ctl stats --json)" "$1"; }
sa_spis() { ctl sa list --json | /usr/bin/python3 -c '
import json, sys
print(" ".join(sorted(str(r["spi"]) for r in json.load(sys.stdin)
      if r["impi"] == sys.argv[1] and r["dir"] == "in")))' "$1"; }
map_has_spis() { # "spi spi ...": how many of them the classifier map still holds
	pns bpftool map dump pinned "$LAB_DIR/bpffs/pcscf/pcscf_sa" -j | /usr/bin/python3 -c '
import json, sys
# four SPI indices an element, tag = 0x8000 | the SPI above its index (pcscf_maps.h)
keys = {(t & 0x7fff) << 23 | (e["formatted"]["key"] * 4 + i) for e in json.load(sys.stdin)
        for i, t in enumerate(e["formatted"]["value"]["tag"]) if t}
print(sum(int(s) in keys for s in sys.argv[1].split()))' "$1"
}

# The S-CSCF scenarios check every REGISTER for what the P-CSCF must add and
# remove. SIPp logs a failed check ("Failed regexp match", "Regexp matched but
# should not") and carries on with the call, so each run's error file is read
# when that SIPp stops.
CORE_PID= CORE_SCN= CORE_RUN=0
stop_core() {
	[ -n "$CORE_PID" ] || return 0
	sipp_stop "$CORE_PID"
	CORE_PID=
	check "S-CSCF run $CORE_RUN ($CORE_SCN): every REGISTER passed the scenario's checks" \
		core_checks_ok "$LAB_DIR/sipp-$CORE_RUN.err"
}
core_checks_ok() { # error file: fails, showing the failed checks and their messages
	! grep -i -A14 regexp "$1" 2>/dev/null | sed 's/^/# /' | grep .
}
start_core() { # scenario
	stop_core
	CORE_RUN=$((CORE_RUN + 1)) CORE_SCN=$1
	sipp_bg "$LAB_DIR/sipp-$1.out" -sf "tests/sipp/$1.xml" -inf "$LAB_DIR/vectors.csv" \
		-i "$CORE4" -p 5060 -skip_rlimit -trace_err -error_file "$LAB_DIR/sipp-$CORE_RUN.err"
	CORE_PID=$SIPP_PID
	sleep 0.5
}

scapy_ue() { # name local pcscf [args]: runs the UE, output in $LAB_DIR/ue-name.log
	local name=$1 local=$2 pcscf=$3
	shift 3
	ue timeout 20 /usr/bin/python3 tests/integration/scapy_ue.py --pcscf "$pcscf" \
		--local "$local" --impi "$name@ims.example" --impu "$name@ims.example" \
		--k $K --opc $OPC "$@" >"$LAB_DIR/ue-$name.log" 2>&1
}

lab_up 1 with-core
core ip -6 addr add $CORE6/64 dev c0 nodad
pns ip -6 addr add 2001:db8:2::1/64 dev pc0 nodad
ue ip addr add 192.0.2.3/24 dev ue0
ue ip -6 addr add 2001:db8:1::3/64 dev ue0 nodad
"$BUILD/tools/akavec" --k $K --opc $OPC --count 64 --per-line 3 >"$LAB_DIR/vectors.csv"
pns_bg "$BUILD/pcscfd" --iface p0 --addr $P4 --addr $P6 --core $CORE4:5060 \
	--pin-dir "$LAB_DIR/bpffs/pcscf" --ctl "$CTL" --reg-await-auth $RAA --log-level debug \
	--port-ps 6100 --port-pc-pool 6101-6102 2>"$LAB_DIR/pcscfd.log"
wait_ctl "$CTL" || { fail "pcscfd starts"; cat "$LAB_DIR/pcscfd.log"; exit 1; }
start_core scscf

# --- initial registration, IPv4 and IPv6, through scapy's ESP
check "IPv4: REGISTER/401/REGISTER/200 with a scapy-ESP UE" scapy_ue alice4 $UE4 $P4
check "IPv4: the 401 reached the UE without ck/ik" bash -c "! grep -q leaked $LAB_DIR/ue-alice4.log"
check "IPv4: four SAs in state new" test "$(sa_count alice4@ims.example new)" -eq 4
check "IPv4: registration listed with its IMPU" bash -c "ip netns exec $NS_P $BUILD/pcscfctl --ctl $CTL reg list | grep -q 'alice4@ims.example.*sip:alice4@ims.example'"
check "IPv4: classifier map holds the two inbound SAs" test "$(map_entries)" -eq 2
check "IPv6: REGISTER/401/REGISTER/200 with a scapy-ESP UE" scapy_ue alice6 $UE6 $P6
check "IPv6: four SAs in state new" test "$(sa_count alice6@ims.example new)" -eq 4
check "IPv6: classifier map holds 4 inbound SAs in all" test "$(map_entries)" -eq 4

# The cases below run once per family: f=4 or 6.
cases() {
	local f=$1 fam="IPv$1" UEA=$2 PA=$3 FOREIGN=$4 spi before before_err before_ue first second dave_spis
	start_core scscf
	# --- a UE sending through another UE's SA: ESP with alice's SPI from another address
	spi=$(sa_spis alice$f@ims.example | cut -d' ' -f1)
	before_err=$(json_get "$(ctl stats --json)" workers.0.esp_errors)
	before_ue=$(stat_of sip.from_ue)
	ue /usr/bin/python3 - "$spi" "$FOREIGN" "$PA" <<-'PY'
	import socket, sys
	from scapy.layers.inet import IP
	from scapy.layers.inet6 import IPv6
	from scapy.layers.ipsec import ESP
	from scapy.packet import Raw
	v6 = ":" in sys.argv[3]
	s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
	ip = (IPv6 if v6 else IP)(src=sys.argv[2], dst=sys.argv[3])
	s.sendto(bytes(ip / ESP(spi=int(sys.argv[1]), seq=1) / Raw(b"\x00" * 96)), (sys.argv[3], 0))
	PY
	sleep 0.5
	check "$fam: foreign UE on alice's SPI: rejected by our ESP (worker esp_errors +1)" \
		test "$(json_get "$(ctl stats --json)" workers.0.esp_errors)" -eq $((before_err + 1))
	check "$fam: foreign UE on alice's SPI: nothing reached SIP" test "$(stat_of sip.from_ue)" -eq "$before_ue"

	# --- downgrade attempt: Security-Verify differs from the Security-Server sent
	before=$(stat_of sip.verify_mismatch)
	scapy_ue mallory$f $UEA $PA --port-c 31200 --port-s 31201 --tamper-verify --expect 494
	check "$fam: Security-Verify mismatch: UE gets 494" grep -q "OK: final response.*494" "$LAB_DIR/ue-mallory$f.log"
	check "$fam: Security-Verify mismatch: counted" test "$(stat_of sip.verify_mismatch)" -eq $((before + 1))

	# --- de-registration: the 200 goes through the SA, then the sets go
	check "$fam: de-registration: protected 200 to Expires: 0" \
		scapy_ue bob$f $UEA $PA --port-c 31300 --port-s 31301 --deregister
	check "$fam: de-registration: answer arrived through the SA" grep -q "outlived" "$LAB_DIR/ue-bob$f.log"
	check "$fam: de-registration: bob's SAs deleted" test "$(sa_count bob$f@ims.example)" -eq 0

	# --- reg-await-auth expiry of an unanswered challenge
	scapy_ue dave$f $UEA $PA --port-c 31400 --port-s 31401 --stop-after-401
	check "$fam: unanswered 401: four temporary SAs" test "$(sa_count dave$f@ims.example temporary)" -eq 4
	dave_spis=$(sa_spis dave$f@ims.example)
	check "$fam: unanswered 401: its two inbound SAs are in the map" test "$(map_has_spis "$dave_spis")" -eq 2
	sleep $((RAA + 2))
	check "$fam: unanswered 401: temporary set gone after reg-await-auth (${RAA}s)" \
		test "$(sa_count dave$f@ims.example)" -eq 0
	check "$fam: unanswered 401: its map entries gone too" test "$(map_has_spis "$dave_spis")" -eq 0

	# --- re-synchronisation: a second 401 replaces the temporary set
	scapy_ue erin$f $UEA $PA --port-c 31500 --port-s 31501 --stop-after-401
	first=$(sa_spis erin$f@ims.example)
	scapy_ue erin$f $UEA $PA --port-c 31500 --port-s 31501 --stop-after-401
	second=$(sa_spis erin$f@ims.example)
	check "$fam: second 401: still exactly four temporary SAs" test "$(sa_count erin$f@ims.example temporary)" -eq 4
	check "$fam: second 401: the temporary set was replaced (new SPIs)" test "$first" != "$second"

	# --- failed authentication: 403 deletes the temporary set
	start_core scscf_403
	scapy_ue carol$f $UEA $PA --port-c 31600 --port-s 31601 --expect 403
	check "$fam: 403 from the core reaches the UE" grep -q "OK: final response.*403" "$LAB_DIR/ue-carol$f.log"
	check "$fam: 403: carol's temporary SAs deleted" test "$(sa_count carol$f@ims.example)" -eq 0

	# --- a 200 whose expiry cannot be used (Expires: 2^32): state kept, never a de-registration
	start_core scscf_badexp
	before=$(stat_of sip.bad_expires_200)
	check "$fam: 200 with Expires 2^32: reaches the UE" \
		scapy_ue kim$f $UEA $PA --port-c 32200 --port-s 32201
	check "$fam: 200 with Expires 2^32: counted, logged" \
		test "$(stat_of sip.bad_expires_200)" -eq $((before + 1)) -a -n "$(grep "kim$f@.*expiry unparsable" "$LAB_DIR/pcscfd.log")"
	check "$fam: 200 with Expires 2^32: the temporary set is kept, not de-registered" \
		test "$(sa_count kim$f@ims.example temporary)" -eq 4

	# --- a 401 without ck/ik: a clear error to the UE, a log line, no SAs
	start_core scscf_nokeys
	before=$(stat_of sip.no_keys_401)
	scapy_ue frank$f $UEA $PA --port-c 31700 --port-s 31701 --expect 500 ||
		{ cat "$LAB_DIR/ue-frank$f.log" "$LAB_DIR/sipp-scscf_nokeys.out"; tail -5 "$LAB_DIR/pcscfd.log"; }
	check "$fam: 401 without ck/ik: UE gets 500" grep -q "OK: final response.*500" "$LAB_DIR/ue-frank$f.log"
	check "$fam: 401 without ck/ik: counted and logged" \
		test "$(stat_of sip.no_keys_401)" -eq $((before + 1)) -a -n "$(grep 'ck/ik missing' "$LAB_DIR/pcscfd.log")"
	check "$fam: 401 without ck/ik: no SAs" test "$(sa_count frank$f@ims.example)" -eq 0

	# --- the unprotected REGISTER over TCP to the same port, through the kernel
	start_core scscf
	check "$fam: REGISTER over TCP: 401 back on the connection, then protected 200" \
		scapy_ue tess$f $UEA $PA --port-c 31800 --port-s 31801 --tcp
	check "$fam: REGISTER over TCP: four SAs in state new" test "$(sa_count tess$f@ims.example new)" -eq 4

	# --- the UE writes integrity-protected itself: overwritten in every Authorization
	#     (scscf.xml fails the call on anything but "no", then "yes")
	check "$fam: UE claims integrity-protected=yes unprotected (two headers), no protected: rewritten" \
		scapy_ue ivan$f $UEA $PA --port-c 32000 --port-s 32001 --claim-integrity
	scapy_ue judy$f $UEA $PA --port-c 32100 --port-s 32101 --bad-authz --expect 400
	check "$fam: an unparsable second Authorization: 400, nothing forwarded" \
		grep -q "OK: final response.*400" "$LAB_DIR/ue-judy$f.log"
	check "$fam: an unparsable second Authorization: no SAs" test "$(sa_count judy$f@ims.example)" -eq 0

	# --- no Security-Client: 494
	before=$(stat_of sip.rejected_494)
	ue /usr/bin/python3 - "$UEA" "$PA" <<-'PY'
	import socket, sys
	s = socket.socket(socket.AF_INET6 if ":" in sys.argv[2] else socket.AF_INET, socket.SOCK_DGRAM)
	s.bind((sys.argv[1], 5070)); s.settimeout(3)
	s.sendto(b"REGISTER sip:ims.example SIP/2.0\r\nVia: SIP/2.0/UDP ue.example:5070;branch=z9hG4bKx1\r\n"
	         b"From: <sip:gina$f@ims.example>;tag=1\r\nTo: <sip:gina$f@ims.example>\r\nCall-ID: nosec-1\r\n"
	         b"CSeq: 1 REGISTER\r\nRequire: sec-agree\r\nProxy-Require: sec-agree\r\n"
	         b"Content-Length: 0\r\n\r\n", (sys.argv[2], 5060))
	r = s.recv(2000).decode()
	print(r.split("\r\n")[0])
	# RFC 3329: the 494 lists what we support
	sys.exit(0 if " 494 " in r and "\r\nSecurity-Server: ipsec-3gpp;" in r else 1)
	PY
	check "$fam: REGISTER without Security-Client: 494 with our Security-Server" test $? -eq 0
	check "$fam: REGISTER without Security-Client: 494 counted" test "$(stat_of sip.rejected_494)" -eq $((before + 1))

	# --- a REGISTER larger than the MTU: IP fragments pass to the kernel, which
	#     reassembles them for pcscfd's socket on the SIP port
	before=$(stat_of xdp.pass_fragment)
	ue /usr/bin/python3 - "$UEA" "$PA" "frag$f" <<-'PY'
	import socket, sys
	s = socket.socket(socket.AF_INET6 if ":" in sys.argv[2] else socket.AF_INET, socket.SOCK_DGRAM)
	s.bind((sys.argv[1], 5072)); s.settimeout(3)
	u = sys.argv[3] + "@ims.example"
	msg = ("REGISTER sip:ims.example SIP/2.0\r\nVia: SIP/2.0/UDP ue.example:5072;branch=z9hG4bKf1\r\n"
	       f"From: <sip:{u}>;tag=1\r\nTo: <sip:{u}>\r\nCall-ID: frag-{u}\r\nCSeq: 1 REGISTER\r\n"
	       f'Authorization: Digest username="{u}", realm="ims.example", nonce="", uri="sip:ims.example", response=""\r\n'
	       "Security-Client: ipsec-3gpp;alg=hmac-sha-1-96;ealg=aes-cbc;spi-c=7001;spi-s=7002;port-c=31900;port-s=31901\r\n"
	       "Require: sec-agree\r\nProxy-Require: sec-agree\r\nX-Padding: " + "p" * 1300 + "\r\n"
	       "Content-Length: 0\r\n\r\n")
	assert len(msg) > 1500
	s.sendto(msg.encode(), (sys.argv[2], 5060))
	print(s.recv(4000).split(b"\r\n")[0].decode())
	PY
	check "$fam: fragmented REGISTER: reassembled by the kernel, answered (401)" \
		test "$(sa_count frag$f@ims.example temporary)" -eq 4
	check "$fam: fragmented REGISTER: fragments counted as pass_fragment" \
		test "$(stat_of xdp.pass_fragment)" -gt "$before"

	# --- any other request outside ESP: dropped and counted, never answered (no reflection)
	before=$(stat_of sip.unprotected_request)
	ue /usr/bin/python3 - "$UEA" "$PA" <<-'PY'
	import socket, sys
	s = socket.socket(socket.AF_INET6 if ":" in sys.argv[2] else socket.AF_INET, socket.SOCK_DGRAM)
	s.bind((sys.argv[1], 5071)); s.settimeout(1)
	s.sendto(b"OPTIONS sip:ims.example SIP/2.0\r\nVia: SIP/2.0/UDP ue.example:5071;branch=z9hG4bKo1\r\n"
	         b"From: <sip:x@ims.example>;tag=1\r\nTo: <sip:ims.example>\r\nCall-ID: unprot-1\r\n"
	         b"CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", (sys.argv[2], 5060))
	try:
	    s.recv(2000)
	    sys.exit(1)
	except socket.timeout:
	    sys.exit(0)
	PY
	check "$fam: unprotected OPTIONS: no answer" test $? -eq 0
	check "$fam: unprotected OPTIONS: counted" test "$(stat_of sip.unprotected_request)" -eq $((before + 1))
}

cases 4 $UE4 $P4 192.0.2.3
cases 6 $UE6 $P6 2001:db8:1::3

# --- shared protected ports: every UE on port_ps 6100, port_pc from the pool of two
#     (the old per-UE scheme would have needed two private ports per UE)
ports=$(ctl sa list --json | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)
ps = {x["dport"] for x in r if x["sa"] == "ps"}
pc = {x["dport"] for x in r if x["sa"] == "pc"}
print(len({x["impi"] for x in r}), sorted(ps), sorted(pc))')
check "shared ports: more UEs than a 4-port private range held, all on port_ps 6100 ($ports)" \
	/usr/bin/python3 -c 'import sys; n, rest = sys.argv[1].split(" ", 1); sys.exit(not (int(n) > 2 and rest.startswith("[6100] ") and set(eval(rest.split("] ", 1)[1])) <= {6101, 6102}))' "$ports"

# --- pcscfctl without a daemon to ask: the pinned classifier map
n_pinned=$(pns "$BUILD/pcscfctl" --ctl "$LAB_DIR/none.sock" --pin-dir "$LAB_DIR/bpffs/pcscf" sa list --json |
	/usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
check "pcscfctl sa list from the pins lists every inbound SA of the map" \
	test "$n_pinned" -eq "$(map_entries)" -a "$n_pinned" -gt 0

# --- stopping pcscfd removes every SA from the classifier map
kill -TERM "${LAB_PIDS[0]}"
wait "${LAB_PIDS[0]}"
LAB_PIDS=("${LAB_PIDS[@]:1}")
check "pcscfd stop: SA map left empty" test "$(map_entries)" -eq 0
# --- a full registration table: 503 with Retry-After, the log names the table.
#     A second pcscfd holding one registration: pia4 registers, quin4 finds it full.
pns_bg "$BUILD/pcscfd" --iface p0 --addr $P4 --core $CORE4:5060 --max-regs 1 \
	--pin-dir "$LAB_DIR/bpffs/pcscf" --ctl "$CTL" --reg-await-auth 30 --log-level debug \
	2>"$LAB_DIR/pcscfd-full.log"
if wait_ctl "$CTL"; then
	start_core scscf
	scapy_ue pia4 $UE4 $P4 --port-c 32300 --port-s 32301
	scapy_ue quin4 $UE4 $P4 --port-c 32400 --port-s 32401 --expect 503
	check "registration table full: the UE gets 503 with Retry-After" \
		test -n "$(grep 'Retry-After: [0-9]' "$LAB_DIR/ue-quin4.log")" -a \
		-n "$(grep 'final response.*503' "$LAB_DIR/ue-quin4.log")"
	check "registration table full: logged as such, counted" \
		test -n "$(grep 'quin4@.*registration or SA set table full' "$LAB_DIR/pcscfd-full.log")" -a "$(stat_of sip.busy_503)" -eq 1
else
	fail "pcscfd with --max-regs 1 starts"
	sed 's/^/# /' "$LAB_DIR/pcscfd-full.log" | tail -5
fi
stop_core
for f in "$LAB_DIR"/ue-*.log; do sed "s|^|# $(basename "$f" .log): |" "$f"; done
tap_done
