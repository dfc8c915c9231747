# Network-namespace lab shared by the integration tests, the demo and the
# benchmarks. Source it after tests/lib/tap.sh. Every name carries the PID so
# runs never collide; lab_down runs from the EXIT trap even when a test fails.
#
#   UE namespace  ue0 ---- veth ---- p0  P-CSCF namespace (XDP attached here)
#   192.0.2.2/24                        192.0.2.1/24           (TEST-NET-1)
#   2001:db8:1::2/64                    2001:db8:1::1/64       (documentation)
#   core namespace (optional): c0 ---- pc0 in the P-CSCF namespace
#   198.51.100.2/24                     198.51.100.1/24        (TEST-NET-2)

LAB_ID=${LAB_ID:-$$}
NS_UE=pcscf-ue-$LAB_ID
NS_P=pcscf-p-$LAB_ID
NS_CORE=pcscf-core-$LAB_ID
LAB_DIR=${LAB_DIR:-/tmp/pcscf-lab-$LAB_ID}
UE4=192.0.2.2
P4=192.0.2.1
UE6=2001:db8:1::2
P6=2001:db8:1::1
CORE4=198.51.100.2
PCORE4=198.51.100.1
BUILD=${PCSCF_BUILD:-build}
LAB_PIDS=()

ue() { ip netns exec "$NS_UE" "$@"; }
pns() { ip netns exec "$NS_P" "$@"; }
core() { ip netns exec "$NS_CORE" "$@"; }

# lab_up [rx queues on the P side] [with-core]
lab_up() {
	local nq=${1:-1}
	lab_down_quiet
	mkdir -p "$LAB_DIR/bpffs"
	# A private bpffs for pins: `ip netns exec` remounts /sys, /tmp stays shared.
	mount -t bpf bpf "$LAB_DIR/bpffs"
	export LIBXDP_BPFFS="$LAB_DIR/bpffs"
	ip netns add "$NS_UE"
	ip netns add "$NS_P"
	ip link add ue0 netns "$NS_UE" numtxqueues "$nq" numrxqueues "$nq" type veth \
		peer p0 netns "$NS_P" numtxqueues "$nq" numrxqueues "$nq"
	ue ip link set lo up
	pns ip link set lo up
	ue ip addr add $UE4/24 dev ue0
	pns ip addr add $P4/24 dev p0
	ue ip -6 addr add $UE6/64 dev ue0 nodad
	pns ip -6 addr add $P6/64 dev p0 nodad
	ue ip link set ue0 up
	pns ip link set p0 up
	# Full checksums on the wire: AF_XDP sees frames as sent, and veth would
	# otherwise leave UDP/TCP checksums partial (offloaded).
	ue ethtool -K ue0 tx-checksumming off >/dev/null 2>&1 || true
	pns ethtool -K p0 tx-checksumming off >/dev/null 2>&1 || true
	if [ "${2:-}" = with-core ]; then
		ip netns add "$NS_CORE"
		ip link add c0 netns "$NS_CORE" type veth peer pc0 netns "$NS_P"
		core ip link set lo up
		core ip addr add $CORE4/24 dev c0
		pns ip addr add $PCORE4/24 dev pc0
		core ip link set c0 up
		pns ip link set pc0 up
	fi
}

# Runs a command in the background inside the P namespace; remembers its PID.
pns_bg() {
	ip netns exec "$NS_P" "$@" &
	LAB_PIDS+=($!)
}

# sipp_bg OUT ARGS...: SIPp in the core namespace, detached (-bg), output in
# OUT; the PID it reports is left in SIPP_PID (the lab also ends it at exit).
sipp_bg() {
	local out=$1
	shift
	core sipp "$@" -bg >"$out" 2>&1
	SIPP_PID=$(grep -o 'PID=\[[0-9]*\]' "$out" | grep -o '[0-9]*')
}

# sipp_stop PID: ends a SIPp this test started, waiting up to 2 s before -9.
sipp_stop() {
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	for i in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$pid" 2>/dev/null
	return 0
}

lab_down_quiet() {
	local p
	for p in "${LAB_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${LAB_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	LAB_PIDS=()
	ip netns pids "$NS_P" 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns pids "$NS_UE" 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns pids "$NS_CORE" 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns del "$NS_UE" 2>/dev/null
	ip netns del "$NS_P" 2>/dev/null
	ip netns del "$NS_CORE" 2>/dev/null
	umount "$LAB_DIR/bpffs" 2>/dev/null
	rm -rf "$LAB_DIR"
	return 0
}

lab_down() {
	lab_down_quiet
}

# Waits until pcscfd answers on its control socket (up to ~5 s).
wait_ctl() {
	local ctl=$1 i
	for i in $(seq 50); do
		pns "$BUILD/pcscfctl" --ctl "$ctl" ping >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# json_get JSON PATH: e.g. json_get "$j" xdp.esp_unknown_spi
json_get() {
	/usr/bin/python3 -c '
import json, sys
v = json.loads(sys.argv[1])
for k in sys.argv[2].split("."):
    v = v[int(k)] if isinstance(v, list) else v[k]
print(v)' "$1" "$2"
}

# The pcscfd of a lab: its control socket and the pin directory of its maps.
LAB_CTL=${LAB_CTL:-$LAB_DIR/ctl.sock}
LAB_PIN=${LAB_PIN:-$LAB_DIR/bpffs/pcscf}

# sa_count IMPI [STATE]: how many SAs pcscfd lists for IMPI (in STATE).
sa_count() {
	pns "$BUILD/pcscfctl" --ctl "$LAB_CTL" sa list --json | /usr/bin/python3 -c '
import json, sys
rows = [r for r in json.load(sys.stdin) if r["impi"] == sys.argv[1]
        and (len(sys.argv) < 3 or r["state"] == sys.argv[2])]
print(len(rows))' "$@"
}

# map_entries: how many inbound SAs the classifier's pinned SA map holds
# (live tags: four SPI indices an element, pcscf_maps.h).
map_entries() {
	pns bpftool map dump pinned "$LAB_PIN/pcscf_sa" -j |
		/usr/bin/python3 -c 'import json,sys; print(sum(1 for e in json.load(sys.stdin) for t in e["formatted"]["value"]["tag"] if t))'
}
