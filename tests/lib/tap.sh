# Shell side of the TAP-style reporting (see tests/unit/tap.h).
# Source it; call ok/fail/check; end with tap_done.
TAP_PASSED=0
TAP_FAILED=0
ok() { echo "ok - $*"; TAP_PASSED=$((TAP_PASSED + 1)); }
fail() { echo "not ok - $*"; TAP_FAILED=$((TAP_FAILED + 1)); }
# check "name" command...: passes when the command exits 0
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else fail "$name"; fi
}
tap_done() {
	echo "# $TAP_PASSED passed, $TAP_FAILED failed"
	[ "$TAP_FAILED" -eq 0 ]
}
