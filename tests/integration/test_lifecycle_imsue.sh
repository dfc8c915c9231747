#!/usr/bin/env bash
# The demo's five steps as a test, over IPv4 and over IPv6, with imsue as the
# UE: initial registration, re-registration (old set beside the new), first
# use of the new set removing the old one, an unanswered challenge expiring,
# de-registration. Every check is an "ok"/"not ok" line of tests/demo.sh.
set -uo pipefail
cd "$(dirname "$0")/../.."
rc=0
for fam in 4 6; do
	echo "# IPv$fam"
	DEMO_FAMILY=$fam LAB_ID=$$-$fam bash tests/demo.sh 2>&1 |
		grep -E '^(ok|not ok) - ' | sed "s/^\(ok\|not ok\) - /\1 - IPv$fam /"
	[ "${PIPESTATUS[0]}" -eq 0 ] || rc=1
done
exit $rc
