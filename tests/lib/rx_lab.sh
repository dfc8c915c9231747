# shellcheck shell=bash
# What the Rx labs (test_rx_dialog.sh, test_rx_sigpath.sh, test_rx_late_offer.sh)
# share; after tap.sh and lab.sh. The readers work on what the far ends logged
# in $LAB_DIR: the scapy UE's ue-N.log, SIPp's sipp.msg (-trace_msg) and
# tests/tools/pcrf_test.py's pcrf.log.

# rx_lab_needs: tshark and SIPp, or a failed test and exit 1
rx_lab_needs() {
	command -v tshark >/dev/null && command -v sipp >/dev/null && return 0
	fail "tshark and sipp are needed"
	tap_done
	exit 1
}

# rx_capture_start: tshark on the core side's Diameter into $LAB_DIR/rx.pcap, its PID in TSHARK
rx_capture_start() {
	local i
	core tshark -q -i c0 -f 'tcp port 3868' -w "$LAB_DIR/rx.pcap" >"$LAB_DIR/tshark.out" 2>&1 &
	TSHARK=$!
	LAB_PIDS+=($TSHARK)
	for i in $(seq 50); do grep -q Capturing "$LAB_DIR/tshark.out" 2>/dev/null && break; sleep 0.1; done
}

# far_end CID: the requests SIPp received in that call ($LAB_DIR/sipp.msg), in order ("ACK BYE")
far_end() {
	/usr/bin/python3 - "$LAB_DIR/sipp.msg" "$1" <<-'PY'
	import re, sys
	log, cid = open(sys.argv[1], errors="replace").read(), sys.argv[2]
	got = []
	for m in re.split(r"\n(?=-{10,})", log):
	    if "message received" not in m or not re.search(r"^Call-ID:\s*%s\s*$" % re.escape(cid), m, re.M | re.I):
	        continue
	    first = re.search(r"^([A-Z]+) sip:\S+ SIP/2\.0", m, re.M)
	    if first:
	        got.append(first.group(1))
	print(" ".join(got))
	PY
}

# cid_of N: the Call-ID of UE N's call
cid_of() { grep -o 'Call-ID rxcall-[^ ]*' "$LAB_DIR/ue-$1.log" | head -1 | cut -d' ' -f2; }
# pcrf CMD [SID]: how many CMD (AAR, STR, RAA) the PCRF logged (for SID)
pcrf() {
	/usr/bin/python3 -c '
import json, sys
n = sum(1 for l in open(sys.argv[1]) if json.loads(l)["cmd"] == sys.argv[2]
        and (len(sys.argv) < 4 or json.loads(l)["sid"] == sys.argv[3]))
print(n)' "$LAB_DIR/pcrf.log" "$@"
}
# last_sid: the Session-Id of the latest AAR
last_sid() {
	/usr/bin/python3 -c '
import json, sys
print([json.loads(l)["sid"] for l in open(sys.argv[1]) if json.loads(l)["cmd"] == "AAR"][-1])' \
		"$LAB_DIR/pcrf.log"
}
