# shellcheck shell=bash
# What the Rx labs (test_rx_dialog.sh, test_rx_sigpath.sh) share; after tap.sh and lab.sh.

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
