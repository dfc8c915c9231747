#!/usr/bin/env bash
# Scale (issue 8 items 3, 5, 7), one lab, about a minute:
#  - flags: --node-bits/--node-id against the SPI space --max-regs needs (exit 2);
#  - the classifier's SA map sized from --max-regs (bpftool), our SPIs with the node id on top;
#  - two UEs from two addresses on the same shared protected ports, two UEs behind one
#    address (NAT): each reaches the core and gets its answers through its own SAs only;
#  - 10,000 UEs from an address range (imsue) with the SIPp core, then all re-register at
#    once (a storm) under --max-inflight-reg: overload answered 503 + Retry-After, imsue
#    retries, every UE ends registered (none lost), pcscfctl stats by state and cause;
#  - a full table (--max-regs 3): 503 with Retry-After seen by the UE (imsue's log), counted
#    by cause, the UE gets in once room is made; a pinned SA map of another size re-created
#    when unused, refused naming the pin while a running pcscfd uses it.
set -uo pipefail
cd "$(dirname "$0")/../.."
source tests/lib/tap.sh
source tests/lib/lab.sh
NS_UE=scale-ue-$LAB_ID
NS_P=scale-p-$LAB_ID
NS_CORE=scale-core-$LAB_ID
trap lab_down EXIT

K=465b5ce8b199b49faa5f0a2ee238a6bc # TS 35.208 test set 1
OPC=cd63cb71954a9f4e48a5994e37a02baf
CTL=$LAB_DIR/ctl.sock
PIN=$LAB_DIR/bpffs/pcscf
N=${SCALE_UES:-10000}
PFX=10.64.0.0/10
PAIR=10.128.0.0/24 # two UEs, two addresses, the same ports

ctl() { pns "$BUILD/pcscfctl" --ctl "$CTL" "$@"; }
stat_of() { json_get "$(ctl stats --json)" "$1"; }
imsue() { # tag count where... commands
	local tag=$1 n=$2 where=$3
	shift 3
	ue "$BUILD/imsue" --count "$n" --impi "$tag-%u@ims.example" --impu "sip:$tag-%u@ims.example" \
		--k $K --opc $OPC --domain ims.example --pcscf $P4 --timeout 60 $where --rate ${SCALE_RATE:-800} \
		"$@" >"$LAB_DIR/imsue-$tag.log" 2>&1
}
# registrations in a state: the census in stats (O(1)), and pcscfctl reg list --state (a walk)
regs_state() { stat_of "sip.regs_$1"; }
regs_listed() { ctl reg list --state "$1" --json | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
wait_state() { # state count [tenths]
	local i
	for i in $(seq "${3:-600}"); do
		[ "$(regs_state "$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

lab_up 1 with-core
ue ip route add local $PFX dev lo
ue ip route add local $PAIR dev lo
pns ip route add $PFX via $UE4 dev p0
pns ip route add $PAIR via $UE4 dev p0

# --- flags: the SPI space --max-regs needs against what --node-bits leaves
out=$(pns "$BUILD/pcscfd" --iface p0 --addr $P4 --core $CORE4:5060 --max-regs 1000000 \
	--node-bits 8 --node-id 1 2>&1)
rc=$?
check "--max-regs 1000000 with --node-bits 8: exit 2, one line naming the SPI space ($out)" \
	test $rc -eq 2 -a "$(echo "$out" | wc -l)" -eq 1 -a -n "$(echo "$out" | grep 'leaves 16777216 SPIs')"
out=$(pns "$BUILD/pcscfd" --iface p0 --addr $P4 --core $CORE4:5060 --node-id 3 2>&1)
check "--node-id without --node-bits: exit 2 ($out)" test $? -eq 2 -a -n "$(echo "$out" | grep 'node-id 3')"

# A pin of the older (spi, generation) layout: 8-byte values too, and the
# element count --max-regs 20000 needs, no BTF naming pcscf_sa_tags.
mkdir -p "$PIN"
bpftool map create "$PIN/pcscf_sa" type array key 4 value 8 entries 40064 name pcscf_sa
"$BUILD/tools/akavec" --k $K --opc $OPC --count $((3 * N + 2000)) --per-line 3 >"$LAB_DIR/vectors.csv"
sipp_bg "$LAB_DIR/sipp.out" -sf tests/sipp/scscf.xml -inf "$LAB_DIR/vectors.csv" -i "$CORE4" \
	-p 5060 -buff_size 8388608 -skip_rlimit
pns_bg "$BUILD/pcscfd" --iface p0 --addr $P4 --core $CORE4:5060 --pin-dir "$PIN" --ctl "$CTL" \
	--max-regs 20000 --node-bits 4 --node-id 9 --max-inflight-reg 50 --retry-after 1 \
	--rate 100000 --burst 100000 --log-level warn 2>"$LAB_DIR/pcscfd.log"
PID1=${LAB_PIDS[-1]}
wait_ctl "$CTL" || { fail "pcscfd starts"; cat "$LAB_DIR/pcscfd.log"; exit 1; }
entries=$(pns bpftool map show pinned "$PIN/pcscf_sa" -j | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["max_entries"])')
check "SA map sized from --max-regs 20000: 160256 SPI indices (256 for SPIs 0-255, 4 sets x 2 inbound SAs each), 4 to an element (bpftool: $entries)" \
	test "$entries" -eq 40064
btf=$(pns bpftool map show pinned "$PIN/pcscf_sa" -j | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin).get("btf_id", 0))')
check "a pinned SA map of the same size in the older 8-byte layout was re-created (BTF id now: $btf)" \
	test "$btf" -gt 0

# --- shared ports: two addresses on the same ports, and two UEs behind one address
imsue pair 2 "--ue-prefix $PAIR" register send-options wait-file "$LAB_DIR/go-pair" deregister &
pid_pair=$!
imsue nat 2 "--local $UE4 --sip-port 5070 --port-c 32000 --port-s 32001" register send-options \
	wait-file "$LAB_DIR/go-pair" deregister &
pid_nat=$!
wait_state registered 4 100
ctl sa list --json >"$LAB_DIR/sa4.json"
check "two UEs at two addresses, both on protected ports 31000/31001; two UEs at one address on their own ports; ours: 6100 and the pool" \
	/usr/bin/python3 - "$LAB_DIR/sa4.json" <<-'PY'
	import json, sys
	rows = [r for r in json.load(open(sys.argv[1])) if r["dir"] == "in" and r["state"] == "new"]
	pair = {r["ue"]: r for r in rows if r["impi"].startswith("pair-") and r["sa"] == "ps"}
	nat = [r for r in rows if r["impi"].startswith("nat-") and r["sa"] == "ps"]
	assert len(pair) == 2 and {r["sport"] for r in pair.values()} == {31000}, pair
	assert len(nat) == 2 and len({r["ue"] for r in nat}) == 1 and len({r["sport"] for r in nat}) == 2, nat
	assert {r["dport"] for r in pair.values()} | {r["dport"] for r in nat} == {6100}
	PY
check "every SPI of ours carries node id 9 in its top 4 bits" /usr/bin/python3 - "$LAB_DIR/sa4.json" <<-'PY'
	import json, sys
	rows = [r for r in json.load(open(sys.argv[1])) if r["dir"] == "in"]
	assert rows and all(r["spi"] >> 28 == 9 for r in rows), [hex(r["spi"]) for r in rows]
	PY
check "each SA carried its own UE's traffic only: no selector or ICV error on any SA" \
	/usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert sum(x["errors"] for x in r) == 0 and all(x["packets"] > 0 for x in r if x["dir"] == "in" and x["sa"] == "ps")' "$LAB_DIR/sa4.json"
touch "$LAB_DIR/go-pair"
wait $pid_pair
rc_pair=$?
wait $pid_nat
rc_nat=$?
check "the two UEs on the same ports: registered, OPTIONS answered through each one's own SAs (imsue checks ESP per UE), de-registered" \
	test $rc_pair -eq 0
check "the two UEs behind one address: the same (imsue exit 0)" test $rc_nat -eq 0

# --- 10,000 UEs, then all of them re-register at once
t0=$(date +%s.%N)
imsue big $N "--ue-prefix $PFX --timeout 10" register wait-file "$LAB_DIR/go-storm" reregister \
	wait-file "$LAB_DIR/go-end" deregister &
pid_big=$!
check "$N UEs registered" wait_state registered $N 600
t1=$(date +%s.%N)
echo "# $N registrations in $(echo "$t1 - $t0" | bc) s"
busy0=$(stat_of sip.busy_inflight)
touch "$LAB_DIR/go-storm"
# Each completed re-registration leaves the previous set as old (nothing uses the new one):
# wait up to about 30 s for N old sets, or for the storm to settle.
for i in $(seq 60); do
	j=$(ctl stats --json)
	[ "$(json_get "$j" sip.sets_old)" -ge $N ] && [ "$(json_get "$j" sip.inflight_reg)" -eq 0 ] && break
	sleep 0.3
done
t2=$(date +%s.%N)
done_n=$(stat_of sip.sets_old)
echo "# storm: $N re-registrations at once; $done_n completed in $(echo "$t2 - $t1" | bc) s"
ctl stats >"$LAB_DIR/stats.txt"
check "storm: every UE still registered (reg list --state registered: $(regs_listed registered) of $N), none lost" \
	test "$(regs_listed registered)" -eq $N
check "storm: pcscfctl stats shows the census (regs_registered $(stat_of sip.regs_registered), sets_new $(stat_of sip.sets_new), sas_new $(stat_of sip.sas_new))" \
	test "$(stat_of sip.regs_registered)" -eq $N -a "$(stat_of sip.sets_new)" -eq $N -a \
	"$(stat_of sip.sas_new)" -eq $((4 * N))
check "storm: overload answered 503 for the in-flight limit, counted ($(stat_of sip.busy_inflight))" \
	test "$(stat_of sip.busy_inflight)" -gt "$busy0"
# Known gap (README): with one AF_XDP queue in copy mode the worker drops frames under the
# burst (its "drops" counter) and some re-registrations stall; reported, not asserted.
[ "$done_n" -ge $N ] || echo "# known gap: $done_n of $N re-registrations completed within ~30 s ($(ctl stats | grep -o 'drops=[0-9]*'))"
touch "$LAB_DIR/go-end"
wait "$pid_big" # a stalled UE gives up after --timeout 10
echo "# imsue: $(grep '^== [0-9]* UEs' "$LAB_DIR/imsue-big.log")"
check "imsue (the UE side) got the 503s and retried after Retry-After ($(grep -o 'Retry-After: [0-9]* retries' "$LAB_DIR/imsue-big.log"))" \
	grep -q "^== 503 with Retry-After: [1-9][0-9]* retries" "$LAB_DIR/imsue-big.log"
t3=$(date +%s.%N)
echo "# whole 10,000-UE run: $(echo "$t3 - $t0" | bc) s"

# --- a full table: 503 with Retry-After at the UE; pinned map of another size
kill -TERM "$PID1"
wait "$PID1"
pns_bg "$BUILD/pcscfd" --iface p0 --addr $P4 --core $CORE4:5060 --pin-dir "$PIN" --ctl "$CTL" \
	--max-regs 3 --retry-after 1 --log-level info 2>"$LAB_DIR/pcscfd-full.log"
wait_ctl "$CTL" || { fail "pcscfd --max-regs 3 starts"; tail -5 "$LAB_DIR/pcscfd-full.log"; }
check "the pinned SA map of 40064 elements, unused, was re-created with 70 (--max-regs 3: 280 indices)" \
	grep -q "pinned SA map $PIN/pcscf_sa held 40064 entries and no program used it: re-created with 70" \
	"$LAB_DIR/pcscfd-full.log"
out=$(pns "$BUILD/pcscfd" --iface pc0 --addr $PCORE4 --core $CORE4:5060 --pin-dir "$PIN" \
	--ctl "$LAB_DIR/other.sock" --max-regs 5 --core-listen $PCORE4:5070 2>&1)
check "a second pcscfd needing another size while the first uses the pinned map: refused, naming $PIN/pcscf_sa" \
	test -n "$(echo "$out" | grep "pinned SA map $PIN/pcscf_sa holds 70 entries.*still uses it")"
imsue full 3 "--ue-prefix 10.96.0.0/24" register wait-file "$LAB_DIR/go-full" deregister &
pid_full=$!
ue ip route add local 10.96.0.0/24 dev lo
pns ip route add 10.96.0.0/24 via $UE4 dev p0
wait_state registered 3 100
imsue late 1 "--ue-prefix 10.97.0.0/24" register deregister &
pid_late=$!
ue ip route add local 10.97.0.0/24 dev lo
pns ip route add 10.97.0.0/24 via $UE4 dev p0
for i in $(seq 50); do grep -q "503 with Retry-After 1" "$LAB_DIR/imsue-late.log" 2>/dev/null && break; sleep 0.1; done
check "table full: the UE gets 503 with Retry-After 1 (imsue's log)" \
	grep -q "503 with Retry-After 1" "$LAB_DIR/imsue-late.log"
check "table full: counted by cause (busy_table_full $(stat_of sip.busy_table_full)), the 3 registrations kept" \
	test "$(stat_of sip.busy_table_full)" -ge 1 -a "$(regs_state registered)" -eq 3
touch "$LAB_DIR/go-full"
wait $pid_full
wait $pid_late
check "once room is made the refused UE registers after its Retry-After (imsue exit $?)" \
	grep -q "^== all commands behaved as expected" "$LAB_DIR/imsue-late.log"
if [ "${TAP_FAILED:-0}" != 0 ] && [ -n "${SCALE_KEEP:-}" ]; then
	cp -r "$LAB_DIR" "$SCALE_KEEP"
fi
if [ "${TAP_FAILED:-0}" != 0 ]; then
	tail -n 5 "$LAB_DIR"/imsue-*.log "$LAB_DIR/pcscfd.log" "$LAB_DIR/pcscfd-full.log"
	sed 's/^/# /' "$LAB_DIR/stats.txt" | grep -E "busy|regs_|sets_|inflight"
fi
tap_done
