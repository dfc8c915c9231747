#!/usr/bin/env bash
# SIPp UAC (uac_register_aka.xml, SIPp's own AKA) registering and
# de-registering against the SIPp S-CSCF stand-in (scscf.xml) on 127.0.0.1,
# with vectors from akavec for the UAC's K/OP/AMF. No P-CSCF, no IPsec: the
# baseline of the registration benchmark, and a check that the scenarios,
# akavec and SIPp's Milenage agree (SIPp refuses an AUTN whose MAC-A it cannot
# reproduce, so every 200 OK proves RAND/AUTN/keys were right).
#
#   tests/sipp/selftest.sh [COUNT [RATE]]     (BUILD=build by default)
# Prints "registrations done: N of COUNT (R/s)" and one TAP line ("ok - ..."),
# so tests/run.sh can run it; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${PCSCF_BUILD:-${BUILD:-build}}
COUNT=${1:-100}
RATE=${2:-200}
UAS_PORT=${UAS_PORT:-5070}
UAC_PORT=${UAC_PORT:-5071}
IMPI=001010000000001
DOMAIN=ims.example.com
# The UAC's AKA credentials as text (see uac_register_aka.xml) and their hex.
K=73697070416b614b6579303132333435   # "sippAkaKey012345"
OP=73697070416b614f70657261746f7231  # "sippAkaOperator1"
AMF=414d                             # "AM"

command -v sipp >/dev/null || { echo "selftest: sipp not installed (apt install sip-tester)"; exit 1; }
[ -x "$BUILD/tools/akavec" ] || { echo "selftest: $BUILD/tools/akavec missing (make tests)"; exit 1; }

work=$(mktemp -d /tmp/sipp-selftest.XXXXXX)
uas_pid=
cleanup() {
	[ -n "$uas_pid" ] && kill "$uas_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
sf=$PWD/tests/sipp

"$BUILD/tools/akavec" --k $K --op $OP --amf $AMF --per-line 3 --count "$COUNT" >"$work/vectors.csv"

(cd "$work" && exec sipp -sf "$sf/scscf.xml" -inf vectors.csv -i 127.0.0.1 -p "$UAS_PORT" \
	-m "$COUNT" -nostdin -trace_err >uas.log 2>&1) &
uas_pid=$!
sleep 0.5

start=$(date +%s.%N)
rc=0
(cd "$work" && sipp 127.0.0.1:"$UAS_PORT" -sf "$sf/uac_register_aka.xml" -key domain $DOMAIN \
	-s $IMPI -au $IMPI@$DOMAIN -i 127.0.0.1 -p "$UAC_PORT" -m "$COUNT" -r "$RATE" \
	-timeout 60 -timeout_error -nostdin -trace_err >uac.log 2>&1) || rc=$?
end=$(date +%s.%N)

ok=$(grep -E '^ +Successful call' "$work/uac.log" | tail -1 | awk -F'|' '{gsub(/ /,"",$3); print $3}')
bad=$(grep -E '^ +Failed call' "$work/uac.log" | tail -1 | awk -F'|' '{gsub(/ /,"",$3); print $3}')
ok=${ok:-0}
bad=${bad:-0}
wait "$uas_pid" || rc=$((rc ? rc : 1))
uas_pid=
rate=$(echo "$ok $start $end" | awk '{ d = $3 - $2; printf "%.0f", (d > 0 ? $1 / d : 0) }')
echo "registrations done: $ok of $COUNT ($rate/s incl. de-registration), failed: $bad"
if [ "$rc" -ne 0 ] || [ "$ok" -ne "$COUNT" ]; then
	echo "not ok - SIPp UAC AKA registrations against scscf.xml: $ok of $COUNT (uac rc $rc)"
	cat "$work"/*errors.log 2>/dev/null | head -40
	exit 1
fi
echo "ok - SIPp UAC AKA registrations against scscf.xml: $ok of $COUNT"
