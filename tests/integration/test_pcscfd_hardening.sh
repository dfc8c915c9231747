#!/usr/bin/env bash
# pcscfd holds SA keys: no core file, memory locked; --debug-dumpable (or
# "debug-dumpable = yes" in the config file) leaves the core limit alone.
set -uo pipefail
cd "$(dirname "$0")/../.."
source tests/lib/tap.sh
source tests/lib/lab.sh
trap lab_down EXIT

PCSCFD="$BUILD/pcscfd --iface p0 --addr $P4 --core $CORE4:5060 --pin-dir $LAB_PIN --ctl $LAB_CTL"

core_limit() { awk '/^Max core file size/ { print $5 "/" $6 }' "/proc/$1/limits"; }
vm_locked_kb() { awk '/^VmLck:/ { print $2 }' "/proc/$1/status"; }

# start [args...]: runs pcscfd, sets PID once its control socket answers
start() {
	pns_bg $PCSCFD "$@"
	PID=${LAB_PIDS[-1]}
	wait_ctl "$LAB_CTL"
}
stop() {
	kill "$PID" 2>/dev/null
	wait "$PID" 2>/dev/null
}

lab_up 1 with-core
ulimit -c unlimited
shell_core=$(ulimit -c)

start
check "pcscfd up" kill -0 "$PID"
check "no core file: RLIMIT_CORE 0/0 (was $shell_core)" test "$(core_limit "$PID")" = "0/0"
locked=$(vm_locked_kb "$PID")
check "memory locked (mlockall): VmLck ${locked:-?} kB" test "${locked:-0}" -gt 0
stop

start --debug-dumpable
check "--debug-dumpable: RLIMIT_CORE unchanged" test "$(core_limit "$PID")" = "unlimited/unlimited"
stop

printf 'debug-dumpable = yes\n' >"$LAB_DIR/dbg.conf"
start --config "$LAB_DIR/dbg.conf"
check "debug-dumpable = yes in the config file: RLIMIT_CORE unchanged" \
	test "$(core_limit "$PID")" = "unlimited/unlimited"
stop
printf 'debug-dumpable = maybe\n' >"$LAB_DIR/bad.conf"
out=$(pns $PCSCFD --config "$LAB_DIR/bad.conf" 2>&1); rc=$?
check "debug-dumpable = maybe: exit 2" test "$rc" -eq 2

tap_done
