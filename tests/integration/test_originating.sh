#!/usr/bin/env bash
# Originating requests end to end (issue 9 items 2 and 3): the scapy UE
# (tests/integration/scapy_ue.py, its own ESP and Milenage) registers through
# pcscfd with SIPp as the S-CSCF (tests/sipp/scscf_orig.xml: the 200 grants
# two IMPUs and a two-entry Service-Route), then through its SAs sends a
# MESSAGE preferring its second IMPU with a forged P-Asserted-Identity, a
# MESSAGE preferring another user's identity, a MESSAGE From another user
# (403, never relayed) and an INVITE dialog (180, 200, ACK, BYE). SIPp, as the
# far end, fails the call on anything the P-CSCF should have added or removed
# (regexp checks); the UE checks the Record-Route it sees in the 200 (our
# access address and protected server port) and routes ACK and BYE by it; the
# test reads SIPp's message log for the exact asserted identities. IPv4 and
# IPv6 on the access side.
set -uo pipefail
cd "$(dirname "$0")/../.."
LAB_ID=route$$ # namespaces pcscf-*-route<pid>
source tests/lib/tap.sh
source tests/lib/lab.sh
source tests/lib/core_lab.sh

CORE_PID=
cleanup() {
	[ -n "${KEEP_LAB:-}" ] && cp -r "$LAB_DIR" /tmp/route-scratch/lab 2>/dev/null
	sipp_stop "$CORE_PID"
	lab_down
}
trap cleanup EXIT

# charging settings from a config file: its keys are the flag names
core_lab_up tests/sipp/scscf_orig.xml $'visited-network = Visited Net 1\norig-ioi = pcscf.lab.example\n'

# far_end USER: what SIPp received for USER, checked exactly (python reads the message log)
far_end() {
	/usr/bin/python3 - "$LAB_DIR/sipp.msg" "$1" <<-'PY'
	import re, sys
	log, user = open(sys.argv[1], errors="replace").read(), sys.argv[2]
	# each request up to its blank line (the log goes on with what SIPp sent back)
	msgs = [re.split(r"\r?\n\r?\n", m)[0] for m in re.split(r"\n(?=[A-Z]+ sip:\S+ SIP/2\.0\r?\n)", log)]
	msgs = [m for m in msgs
	        if re.search(r"^From:\s*<sip:%s@" % re.escape(user), m, re.M | re.I)]
	def hdrs(m, name):
	    return [v.strip() for v in re.findall(r"^%s\s*:\s*(.*?)\r?$" % name, m, re.M | re.I)]
	def one(start):
	    ms = [m for m in msgs if m.lstrip().startswith(start)]
	    if len(ms) != 1:
	        sys.exit(f"{len(ms)} requests starting {start!r} from {user}")
	    return ms[0]
	alias, default, invite = (one("MESSAGE sip:expect-alias@"), one("MESSAGE sip:expect-default@"),
	                          one("INVITE "))
	want = {"alias": (alias, f"<sip:{user}.alias@ims.example>"),
	        "default": (default, f"<sip:{user}@ims.example>"),
	        "invite": (invite, f"<sip:{user}@ims.example>")}
	for what, (m, pai) in want.items():
	    if hdrs(m, "P-Asserted-Identity") != [pai]:
	        sys.exit(f"{what}: P-Asserted-Identity {hdrs(m, 'P-Asserted-Identity')}, want [{pai}]")
	    routes = [u for h in hdrs(m, "Route") for u in re.findall(r"<[^>]+>", h)]
	    if routes != ["<sip:orig@scscf.ims.example;lr>", "<sip:as1@as.ims.example;lr>"]:
	        sys.exit(f"{what}: Route {routes}")
	    if not re.fullmatch(r"icid-value=[0-9a-f]+\.[0-9a-f]+\.[0-9a-f]{32};orig-ioi=pcscf\.lab\.example",
	                        " ".join(hdrs(m, "P-Charging-Vector"))):
	        sys.exit(f"{what}: P-Charging-Vector {hdrs(m, 'P-Charging-Vector')}")
	    if hdrs(m, "P-Visited-Network-ID") != ['"Visited Net 1"']:
	        sys.exit(f"{what}: P-Visited-Network-ID {hdrs(m, 'P-Visited-Network-ID')}")
	rr = hdrs(invite, "Record-Route")
	if len(rr) != 1 or not re.fullmatch(r"<sip:198\.51\.100\.1:\d+;lr>", rr[0]):
	    sys.exit(f"INVITE Record-Route {rr}")
	if any(m.lstrip().startswith("MESSAGE sip:expect-none@") for m in re.split(r"\n(?=[A-Z]+ sip:)", log)
	       if f"{user}" in m):
	    sys.exit("the MESSAGE From another user reached the core")
	for meth in ("ACK ", "BYE "):
	    one(meth)
	print(f"{user}: identities, Route, icid, Record-Route as expected")
	PY
}

originate() { # family UE-address P-CSCF-address: the UE's run, its log shown when it fails
	local f=$1
	ue timeout 30 /usr/bin/python3 tests/integration/scapy_ue.py --pcscf "$3" --local "$2" \
		--impi orig$f@ims.example --impu orig$f@ims.example --k $K --opc $OPC \
		--port-c $((31100 + 10 * f)) --port-s $((31101 + 10 * f)) --originate \
		>"$LAB_DIR/ue-$f.log" 2>&1 && return 0
	sed 's/^/# /' "$LAB_DIR/ue-$f.log"
	return 1
}

for f in 4 6; do
	if [ $f = 4 ]; then UEA=$UE4 PA=$P4; else UEA=$UE6 PA=$P6; fi
	forbidden=$(stat_of sip.orig_forbidden)
	removed=$(stat_of sip.pai_removed)
	check "IPv$f: registration, MESSAGEs, a 403, an INVITE dialog through the SAs (scapy UE)" \
		originate $f $UEA $PA
	check "IPv$f: the far end got the registered identities, the Service-Route, icid, our Record-Route" \
		far_end orig$f
	check "IPv$f: the MESSAGE From another user: refused and counted (orig_forbidden +1)" \
		test "$(stat_of sip.orig_forbidden)" -eq $((forbidden + 1))
	check "IPv$f: the UE's forged P-Asserted-Identity: removed and counted" \
		test "$(stat_of sip.pai_removed)" -ge $((removed + 1))
done

sipp_stop "$CORE_PID"
CORE_PID=
check "SIPp's checks (regexp actions) passed on every request" \
	bash -c "! grep -i -A14 regexp '$LAB_DIR/sipp.err' 2>/dev/null | sed 's/^/# /' | grep ."
tap_done
