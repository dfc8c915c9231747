#!/usr/bin/env bash
# Authentication corner cases end to end (issue 7 item 4): UE namespace --
# pcscfd -- SIPp as the S-CSCF, with the scapy UE (its own ESP and Milenage).
#   - a valid-ICV ESP packet on alice's SA from another address: refused by
#     the selectors, nothing reaches SIP;
#   - two UEs behind one address: bob's SAs cannot carry a REGISTER for alice;
#   - re-synchronisation: a real AUTS through the temporary SAs, the S-CSCF
#     re-challenges, a new temporary set replaces the first, registration
#     completes;
#   - a UE whose address changed registers from the new one; its old sets
#     stay until the new 200, then go;
#   - unanswered challenges beyond --max-pending evict the oldest (IPv4).
# Once per family (IPv4, IPv6).
set -uo pipefail
cd "$(dirname "$0")/../.."
source tests/lib/tap.sh
source tests/lib/lab.sh
trap lab_down EXIT

K=465b5ce8b199b49faa5f0a2ee238a6bc # TS 35.208 test set 1
OPC=cd63cb71954a9f4e48a5994e37a02baf
CTL=$LAB_DIR/ctl.sock

ctl() { pns "$BUILD/pcscfctl" --ctl "$CTL" "$@"; }
stat_of() { json_get "$(ctl stats --json)" "$1"; }
# sa_rows IMPI PYEXPR: PYEXPR over that IMPI's SA rows (list r), e.g. 'len(r)'
sa_rows() {
	ctl sa list --json | /usr/bin/python3 -c '
import json, sys
r = [x for x in json.load(sys.stdin) if x["impi"] == sys.argv[1]]
print(eval(sys.argv[2]))' "$1" "$2"
}

CORE_PID=
start_core() { # scenario [sipp args]
	local sc=$1
	shift
	sipp_stop "$CORE_PID"
	sipp_bg "$LAB_DIR/sipp-$sc.out" -sf "tests/sipp/$sc.xml" -inf "$LAB_DIR/vectors.csv" \
		-i "$CORE4" -p 5060 -skip_rlimit -trace_err -error_file "$LAB_DIR/sipp-$sc.err" "$@"
	CORE_PID=$SIPP_PID
	sleep 0.5
}

scapy_ue() { # name local pcscf [args]: output in $LAB_DIR/ue-name.log (appended)
	local name=$1 local=$2 pcscf=$3
	shift 3
	ue timeout 20 /usr/bin/python3 tests/integration/scapy_ue.py --pcscf "$pcscf" \
		--local "$local" --impi "$name@ims.example" --impu "$name@ims.example" \
		--k $K --opc $OPC "$@" >>"$LAB_DIR/ue-$name.log" 2>&1
}
final_is() { grep -q "OK: final response.*$2" "$LAB_DIR/ue-$1.log"; }

lab_up 1 with-core
ue ip addr add 192.0.2.3/24 dev ue0
ue ip -6 addr add 2001:db8:1::3/64 dev ue0 nodad
"$BUILD/tools/akavec" --k $K --opc $OPC --count 32 --per-line 3 >"$LAB_DIR/vectors.csv"
pns_bg "$BUILD/pcscfd" --iface p0 --addr $P4 --addr $P6 --core $CORE4:5060 \
	--pin-dir "$LAB_DIR/bpffs/pcscf" --ctl "$CTL" --log-level debug --max-pending 2 \
	2>"$LAB_DIR/pcscfd.log"
wait_ctl "$CTL" || { fail "pcscfd starts"; cat "$LAB_DIR/pcscfd.log"; exit 1; }

cases() {
	local f=$1 fam="IPv$1" UEA=$2 UEB=$3 PA=$4 before_ue before_core before_wrong old first second

	start_core scscf
	# --- alice's own keys, sent from another address: the SA's selectors refuse it
	before_ue=$(stat_of sip.from_ue)
	check "$fam: alice registers, then sends a valid-ICV packet on her SA from $UEB" \
		scapy_ue alice$f $UEA $PA --foreign-from $UEB
	sleep 0.5
	check "$fam: foreign UE on alice's SPI (valid ICV): refused by the SA (errors 1)" \
		test "$(sa_rows alice$f@ims.example 'sum(x["errors"] for x in r if x["sa"] == "ps")')" -eq 1
	check "$fam: foreign UE on alice's SPI: nothing reached SIP (only her 2 REGISTERs)" \
		test "$(stat_of sip.from_ue)" -eq $((before_ue + 2))

	# --- bob behind alice's address, own ports: his SAs speak for bob only
	# Our reg-event SUBSCRIBEs go to the core too: only the rest is counted.
	before_core=$(($(stat_of sip.to_core) - $(stat_of sip.regev_subscribes)))
	before_wrong=$(stat_of sip.wrong_sa)
	scapy_ue bob$f $UEA $PA --port-c 32100 --port-s 32101 --register-as alice$f@ims.example \
		--expect 403
	check "$fam: two UEs behind one address: REGISTER for alice through bob's SA gets 403" \
		final_is bob$f 403
	check "$fam: two UEs behind one address: it never reached the core" \
		test $(($(stat_of sip.to_core) - $(stat_of sip.regev_subscribes))) -eq $((before_core + 2))
	check "$fam: two UEs behind one address: counted as wrong_sa" \
		test "$(stat_of sip.wrong_sa)" -eq $((before_wrong + 1))
	check "$fam: two UEs behind one address: alice's and bob's sets untouched" \
		test "$(sa_rows alice$f@ims.example 'len(r)')$(sa_rows bob$f@ims.example 'len(r)')" = 44

	# --- re-synchronisation: AUTS through the temporary set, a new 401, then 200
	start_core scscf_resync -trace_logs -log_file "$LAB_DIR/sipp-resync-$f.log"
	check "$fam: re-synchronisation: AUTS, new challenge, registration completes" \
		scapy_ue erin$f $UEA $PA --port-c 34100 --port-s 34101 --resync
	check "$fam: re-synchronisation: the new 401 left through the first temporary SAs" \
		grep -q "401 Unauthorized (protected, through the first temporary SAs" "$LAB_DIR/ue-erin$f.log"
	check "$fam: re-synchronisation: the AUTS reached the S-CSCF integrity-protected" \
		grep -q "auts=.* integrity-protected=yes" "$LAB_DIR/sipp-resync-$f.log"
	check "$fam: re-synchronisation: the AUTS is right (f1*/f5* as the HSS computes them)" \
		/usr/bin/python3 - "$LAB_DIR/sipp-resync-$f.log" $K $OPC <<-'PY'
	import base64, re, sys
	sys.path.insert(0, "tests/integration")
	from scapy_ue import auts_check
	m = re.search(r"resync nonce=(\S+) auts=(\S+)", open(sys.argv[1]).read())
	rand = base64.b64decode(m.group(1))[:16]
	sqn, ok = auts_check(bytes.fromhex(sys.argv[2]), bytes.fromhex(sys.argv[3]), rand,
	                     base64.b64decode(m.group(2)))
	print(f"SQN_MS {sqn.hex()} MAC-S {'ok' if ok else 'WRONG'}")
	sys.exit(0 if ok and sqn.hex() == "00000000ff00" else 1)
	PY
	first=$(grep -o '^   Security-Server: .*spi-s=[0-9]*' "$LAB_DIR/ue-erin$f.log" | grep -o 'spi-s=[0-9]*$')
	second=$(grep -o '^   new Security-Server: .*spi-s=[0-9]*' "$LAB_DIR/ue-erin$f.log" | grep -o 'spi-s=[0-9]*$')
	check "$fam: re-synchronisation: a new temporary set replaced the first (new SPIs)" \
		test -n "$first" -a -n "$second" -a "$first" != "$second"
	check "$fam: re-synchronisation: exactly the four SAs of the new set remain, state new" \
		test "$(sa_rows erin$f@ims.example 'len(r)')" -eq 4 -a "$(sa_count erin$f@ims.example new)" -eq 4

	# --- the UE moves: registers from its new address, old sets go with the new 200
	start_core scscf
	scapy_ue moe$f $UEA $PA --port-c 35100 --port-s 35101
	old=$(sa_rows moe$f@ims.example '" ".join(sorted(str(x["spi"]) for x in r if x["dir"] == "in"))')
	scapy_ue moe$f $UEB $PA --port-c 35100 --port-s 35101 --stop-after-401
	check "$fam: address change: before the new 200 the old sets stay (4 new + 4 temporary)" \
		test "$(sa_count moe$f@ims.example new)$(sa_count moe$f@ims.example temporary)" = 44
	check "$fam: address change: registration from the new address completes" \
		scapy_ue moe$f $UEB $PA --port-c 35100 --port-s 35101
	check "$fam: address change: after the 200 only the new address's four SAs remain" \
		test "$(sa_rows moe$f@ims.example 'sum(x["ue"] == "'$UEB'" and x["state"] == "new" for x in r) if len(r) == 4 else -1')" -eq 4
	check "$fam: address change: the old inbound SPIs are gone" \
		test "$(sa_rows moe$f@ims.example 'len(set("'"$old"'".split()) & {str(x["spi"]) for x in r})')" -eq 0
}

cases 4 $UE4 192.0.2.3 $P4

# --- --max-pending 2: a third unanswered challenge evicts the oldest, not a registered UE
before=$(stat_of sip.pending_evicted)
# A pending registration younger than the floor (PROXY_PENDING_FLOOR_MS, 4 s)
# is not evicted (a storm must not evict every challenge before its answer):
# the third comes after it.
for n in 1 2 3; do
	[ $n = 3 ] && sleep 4.5
	scapy_ue pend$n $UE4 $P4 --port-c $((36000 + 2 * n)) --port-s $((36001 + 2 * n)) --stop-after-401
done
check "pending cap: the oldest unanswered challenge was evicted" \
	test "$(sa_rows pend1@ims.example 'len(r)')$(sa_rows pend2@ims.example 'len(r)')$(sa_rows pend3@ims.example 'len(r)')" = 044
check "pending cap: eviction counted" test "$(stat_of sip.pending_evicted)" -eq $((before + 1))
check "pending cap: registered UEs keep their sets" \
	test "$(sa_count alice4@ims.example new)$(sa_count moe4@ims.example new)" = 44
check "pending cap: eviction logged" grep -q "pending registrations at the cap (2)" "$LAB_DIR/pcscfd.log"
# pend2 and pend3 hold both pending places until they pass the floor.
sleep 4.5
cases 6 $UE6 2001:db8:1::3 $P6

sipp_stop "$CORE_PID"
for f in "$LAB_DIR"/ue-*.log; do sed "s|^|# $(basename "$f" .log): |" "$f"; done
tap_done
