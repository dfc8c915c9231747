#!/usr/bin/env bash
# sudo make demo: the IMS registration of the seed documents, live, in a
# network-namespace lab:
#
#   UE namespace (imsue) --veth-- P-CSCF namespace (pcscfd, XDP) --veth-- core (SIPp S-CSCF)
#
# 1. initial registration: REGISTER, 401, protected REGISTER, 200 OK -> new set
# 2. re-registration: a second set; the first one kept as the old set
# 3. first use of the new set: the old set is deleted
# 4. a failed attempt: a challenge never answered, its temporary set expires
# 5. de-registration: 200 OK through the SAs, then every set deleted
# After each step: pcscfctl's SA table and bpftool's view of the classifier's
# SA map. Exits 0 only if every step behaved. DEMO_FAMILY=6 runs it over IPv6
# (the test suite runs both).
set -uo pipefail
cd "$(dirname "$0")/.."
source tests/lib/tap.sh
source tests/lib/lab.sh
trap lab_down EXIT

K=465b5ce8b199b49faa5f0a2ee238a6bc # TS 35.208 test set 1
OPC=cd63cb71954a9f4e48a5994e37a02baf
RAA=4
CTL=$LAB_DIR/ctl.sock
PIN=$LAB_DIR/bpffs/pcscf
if [ "${DEMO_FAMILY:-4}" = 6 ]; then UEA=$UE6 PA=$P6; else UEA=$UE4 PA=$P4; fi
bold() { printf '\n\033[1m%s\033[0m\n' "$*"; }

show_tables() {
	echo "--- pcscfctl sa list"
	pns "$BUILD/pcscfctl" --ctl "$CTL" sa list
	echo "--- bpftool map dump pinned $PIN/pcscf_sa (inbound SAs the classifier lets through)"
	pns bpftool map dump pinned "$PIN/pcscf_sa" -j | /usr/bin/python3 -c '
import json, sys
# four SPI indices an element, each a tag: 0x8000 | the SPI bits above the index (pcscf_maps.h)
rows = [(e["formatted"]["key"] * 4 + i, t) for e in json.load(sys.stdin)
        for i, t in enumerate(e["formatted"]["value"]["tag"]) if t]
for k, t in rows:
    # slot from the index (pcscf_sa_key_slot); state and ports: pcscfctl sa list above
    print("  [%-5d] spi 0x%08x  slot %-4d" % (k, (t & 0x7fff) << 23 | k, ((k - 256) << 1) + (k & 1)))
print("  (%d live SPIs in the array)" % len(rows))'
}
ue_wait() { # the UE log line that says it reached a pause point
	local i
	for i in $(seq 150); do
		grep -q "waiting for $LAB_DIR/$1" "$LAB_DIR/alice.log" && return 0
		kill -0 "$UE_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
ue_show() { sed -n "$((UE_SHOWN + 1)),\$p" "$LAB_DIR/alice.log"; UE_SHOWN=$(wc -l <"$LAB_DIR/alice.log"); }

bold "Lab: UE $UEA -- P-CSCF $PA (XDP on p0) -- S-CSCF (SIPp) $CORE4"
# --max-regs 16: the classifier's SA array has an entry for every inbound SA
# the table can hold, and every step dumps it with bpftool: a default-sized
# one (80,256 entries) was slow enough on a loaded CI machine to outlast
# reg-await-auth before step 4's check (bob's temporary set already gone).
lab_up 1 with-core
"$BUILD/tools/akavec" --k $K --opc $OPC --count 16 --per-line 3 >"$LAB_DIR/vectors.csv" ||
	{ echo "demo: cannot write AKA vectors ($BUILD/tools/akavec; make tools)"; exit 1; }
sipp_bg "$LAB_DIR/sipp.out" -sf tests/sipp/scscf.xml -inf "$LAB_DIR/vectors.csv" -i "$CORE4" \
	-p 5060 -skip_rlimit
pns_bg "$BUILD/pcscfd" --iface p0 --addr $P4 --addr $P6 --core $CORE4:5060 --pin-dir "$PIN" --ctl "$CTL" \
	--reg-await-auth $RAA --max-regs 16 2>"$LAB_DIR/pcscfd.log"
wait_ctl "$CTL" || { cat "$LAB_DIR/pcscfd.log"; exit 1; }
grep -E 'attached|AF_XDP|core next hop' "$LAB_DIR/pcscfd.log" | sed 's/^[0-9.]* //'

UE_SHOWN=0
ue "$BUILD/imsue" --impi alice@ims.example --impu sip:alice@ims.example --k $K --opc $OPC \
	--domain ims.example --local $UEA --pcscf $PA \
	register wait-file "$LAB_DIR/go1" reregister wait-file "$LAB_DIR/go2" \
	use-new wait-file "$LAB_DIR/go3" deregister >"$LAB_DIR/alice.log" 2>&1 &
UE_PID=$!

bold "1. Initial registration (REGISTER, 401, REGISTER, 200 OK)"
ue_wait go1 && ue_show
show_tables
check "1: four SAs of the new set" test "$(sa_count alice@ims.example new)" -eq 4
check "1: the classifier lets exactly the two inbound SAs in" test "$(map_entries)" -eq 2

bold "2. Re-registration: new SAs negotiated through the established ones"
touch "$LAB_DIR/go1"
ue_wait go2 && ue_show
show_tables
check "2: the new set" test "$(sa_count alice@ims.example new)" -eq 4
check "2: the previous set kept as the old set" test "$(sa_count alice@ims.example old)" -eq 4
check "2: four inbound SAs in the classifier map" test "$(map_entries)" -eq 4
# shared protected ports: port_ps stays, port_pc moves to another pool port (33.203 7.4)
ports=$(pns "$BUILD/pcscfctl" --ctl "$CTL" sa list --json | /usr/bin/python3 -c '
import json, sys
r = {(x["state"], x["sa"]): x["dport"] for x in json.load(sys.stdin) if x["impi"] == "alice@ims.example"}
print(r[("new", "ps")], r[("old", "ps")], r[("new", "pc")], r[("old", "pc")])')
check "2: same port_ps, new port_pc for the new set ($ports)" \
	bash -c 'set -- $0; [ "$1" = "$2" ] && [ "$3" != "$4" ]' "$ports"

bold "3. First use of the new set (a protected OPTIONS): the old set goes"
touch "$LAB_DIR/go2"
ue_wait go3 && ue_show
show_tables
check "3: old set deleted on first use of the new" test "$(sa_count alice@ims.example old)" -eq 0
check "3: new set still there" test "$(sa_count alice@ims.example new)" -eq 4
check "3: the classifier map followed" test "$(map_entries)" -eq 2

bold "4. A failed attempt: bob never answers the challenge (reg-await-auth ${RAA}s here)"
ue "$BUILD/imsue" --impi bob@ims.example --impu sip:bob@ims.example --k $K --opc $OPC \
	--domain ims.example --local $UEA --sip-port 5070 --port-c 32000 --port-s 32001 \
	--pcscf $PA register-unanswered
show_tables
check "4: bob's temporary set exists" test "$(sa_count bob@ims.example temporary)" -eq 4
echo "... waiting $((RAA + 2)) s"
sleep $((RAA + 2))
show_tables
check "4: bob's temporary set expired" test "$(sa_count bob@ims.example temporary)" -eq 0
check "4: and left the classifier map" test "$(map_entries)" -eq 2

bold "5. De-registration: 200 OK through the SAs, then the sets are deleted"
touch "$LAB_DIR/go3"
wait "$UE_PID"
ue_rc=$?
ue_show
show_tables
check "5: alice's UE saw every step behave (imsue exit 0)" test "$ue_rc" -eq 0
check "5: no SA left" test "$(sa_count alice@ims.example new)" -eq 0
check "5: classifier map empty" test "$(map_entries)" -eq 0

bold "Counters"
pns "$BUILD/pcscfctl" --ctl "$CTL" stats
sipp_stop "$SIPP_PID"
echo
if tap_done; then
	bold "demo: every step behaved"
else
	bold "demo: some steps did not behave (see 'not ok' above)"
	exit 1
fi
