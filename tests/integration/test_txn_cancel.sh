#!/usr/bin/env bash
# Transactions end to end (issue 9 item 1): the scapy UE (its own ESP and
# Milenage) registers through pcscfd with SIPp as the S-CSCF and far end
# (tests/sipp/scscf_invite_cancel.xml), then through its SAs sends an INVITE
# twice (a retransmission), gets our 100 Trying and the far end's 180, sends
# a CANCEL: it must get 200 to the CANCEL and the 487, and its ACK of the 487
# must end at the P-CSCF. SIPp fails the call unless the CANCEL comes under
# the P-CSCF's branch after the 180 and the P-CSCF itself ACKs the 487; the
# test reads SIPp's message log: one INVITE (the retransmission absorbed),
# one ACK (ours, not the UE's as well). IPv4 and IPv6 on the access side.
set -uo pipefail
cd "$(dirname "$0")/../.."
LAB_ID=txn$$ # namespaces pcscf-*-txn<pid>
source tests/lib/tap.sh
source tests/lib/lab.sh
source tests/lib/core_lab.sh

CORE_PID=
cleanup() {
	sipp_stop "$CORE_PID"
	lab_down
}
trap cleanup EXIT

core_lab_up tests/sipp/scscf_invite_cancel.xml $'visited-network = Visited Net 1\norig-ioi = pcscf.lab.example\nmax-txns = 5000\n'

call() { # family UE-address P-CSCF-address
	local f=$1
	ue timeout 30 /usr/bin/python3 tests/integration/scapy_ue.py --pcscf "$3" --local "$2" \
		--impi txn$f@ims.example --impu txn$f@ims.example --k $K --opc $OPC \
		--port-c $((32100 + 10 * f)) --port-s $((32101 + 10 * f)) --cancel-call \
		--expect 487 >"$LAB_DIR/ue-$f.log" 2>&1 && return 0
	sed 's/^/# /' "$LAB_DIR/ue-$f.log"
	return 1
}

# far_end USER METHOD N: SIPp received exactly N requests METHOD from USER
far_end() {
	/usr/bin/python3 - "$LAB_DIR/sipp.msg" "$1" "$2" "$3" <<-'PY'
	import re, sys
	log, user, meth, n = open(sys.argv[1], errors="replace").read(), sys.argv[2], sys.argv[3], int(sys.argv[4])
	msgs = [re.split(r"\r?\n\r?\n", m)[0] for m in re.split(r"\n(?=[A-Z]+ sip:\S+ SIP/2\.0\r?\n)", log)]
	got = [m for m in msgs if m.lstrip().startswith(meth + " ")
	       and re.search(r"^From:\s*<sip:%s@" % re.escape(user), m, re.M | re.I)]
	if len(got) != n:
	    sys.exit(f"{len(got)} {meth} from {user}, want {n}")
	PY
}

for f in 4 6; do
	if [ $f = 4 ]; then UEA=$UE4 PA=$P4; else UEA=$UE6 PA=$P6; fi
	retx=$(stat_of sip.retransmissions)
	cancels=$(stat_of sip.txn_cancels_sent)
	acks=$(stat_of sip.txn_absorbed_ack)
	check "IPv$f: INVITE twice, 100 and 180, CANCEL: 200 and 487 reach the UE through its SAs" \
		call $f $UEA $PA
	sleep 0.3
	check "IPv$f: the far end got one INVITE (the UE's retransmission absorbed, counted)" \
		bash -c "$(declare -f far_end); LAB_DIR=$LAB_DIR far_end txn$f INVITE 1 && \
			test $(stat_of sip.retransmissions) -ge $((retx + 1))"
	check "IPv$f: the far end got one CANCEL (ours, after the 180) and one ACK (ours, hop by hop)" \
		bash -c "$(declare -f far_end); LAB_DIR=$LAB_DIR far_end txn$f CANCEL 1 && \
			LAB_DIR=$LAB_DIR far_end txn$f ACK 1"
	check "IPv$f: counters: CANCEL sent downstream, the UE's ACK of the 487 absorbed" \
		test "$(stat_of sip.txn_cancels_sent)" -eq $((cancels + 1)) -a \
		"$(stat_of sip.txn_absorbed_ack)" -eq $((acks + 1))
done

sipp_stop "$CORE_PID"
CORE_PID=
check "SIPp's checks (regexp actions) passed on every request" \
	bash -c "! grep -i -A14 regexp '$LAB_DIR/sipp.err' 2>/dev/null | sed 's/^/# /' | grep ."
tap_done
