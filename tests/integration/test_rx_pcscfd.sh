#!/usr/bin/env bash
# pcscfd with --rx: the Rx client starts with the daemon, talks CER/CEA to the
# test PCRF (in the core namespace), shows up in `pcscfctl rx` and `stats`,
# sends DPR when pcscfd stops; the rx-* keys work from the config file and
# bad ones are refused with exit 2.
set -uo pipefail
cd "$(dirname "$0")/../.."
source tests/lib/tap.sh
LAB_ID=rx$$ # namespaces pcscf-{ue,p,core}-rxPID
source tests/lib/lab.sh
trap lab_down EXIT

PCSCFD="$BUILD/pcscfd --iface p0 --addr $P4 --core $CORE4:5060 --pin-dir $LAB_PIN --ctl $LAB_CTL"
ctl() { pns "$BUILD/pcscfctl" --ctl "$LAB_CTL" "$@"; }

lab_up 1 with-core
mkdir -p "$LAB_DIR"
ip netns exec "$NS_CORE" python3 tests/tools/pcrf_test.py --listen $CORE4:3868 \
	--origin-host pcrf1.test --log "$LAB_DIR/pcrf.log" >"$LAB_DIR/pcrf.out" 2>&1 &
LAB_PIDS+=($!)
for i in $(seq 50); do grep -q listening "$LAB_DIR/pcrf.out" 2>/dev/null && break; sleep 0.1; done

cat >"$LAB_DIR/rx.conf" <<EOF
rx = yes
rx-pcrf = pcrf1.test,$CORE4,3868
rx-realm = test
rx-origin-host = pcscf.test
rx-origin-realm = test
rx-unreachable = allow
EOF
# start ARGS: pcscfd in the lab, PID set, STATE the PCRF's peer state once open (or after 5 s)
start() {
	pns_bg $PCSCFD "$@"
	PID=${LAB_PIDS[-1]}
	wait_ctl "$LAB_CTL"
	STATE=
	for i in $(seq 50); do
		STATE=$(json_get "$(ctl rx --json)" rx.peers.0.state 2>/dev/null)
		[ "$STATE" = STATE_OPEN ] && break
		sleep 0.1
	done
}
start --config "$LAB_DIR/rx.conf"
check "pcscfctl rx: PCRF STATE_OPEN ($STATE)" [ "$STATE" = STATE_OPEN ]
j=$(ctl stats --json)
check "stats --json carries rx: enabled, policy allow, 0 sessions" \
	[ "$(json_get "$j" rx.enabled)/$(json_get "$j" rx.unreachable)/$(json_get "$j" rx.sessions)" = "True/allow/0" ]
check "pcscfctl rx (text) names the peer" bash -c 'ctl() { ip netns exec "$1" "$2" --ctl "$3" rx; }; ctl "$@" | grep -q "pcrf pcrf1.test .* STATE_OPEN"' _ "$NS_P" "$BUILD/pcscfctl" "$LAB_CTL"
check "CER advertised Rx (Vendor-Specific-Application-Id 10415/16777236)" python3 -c '
import json, sys
cer = [json.loads(l) for l in open(sys.argv[1]) if "\"CER\"" in l][0]
vsai = [v for c, _, v in cer["avps"] if c == 260]
assert [[258, 0, 16777236], [266, 0, 10415]] in vsai, vsai' "$LAB_DIR/pcrf.log"
kill "$PID"
wait "$PID" 2>/dev/null
check "DPR when pcscfd stops" grep -q '"cmd": "DPR"' "$LAB_DIR/pcrf.log"

# The operator's own credentials instead of the generated pair
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=pcscf.test \
	-keyout "$LAB_DIR/key.pem" -out "$LAB_DIR/cert.pem" >/dev/null 2>&1
start --config "$LAB_DIR/rx.conf" --rx-tls-cert "$LAB_DIR/cert.pem" --rx-tls-key "$LAB_DIR/key.pem"
check "--rx-tls-cert/--rx-tls-key: PCRF STATE_OPEN ($STATE)" [ "$STATE" = STATE_OPEN ]
kill "$PID"
wait "$PID" 2>/dev/null
timeout 20 ip netns exec "$NS_P" $PCSCFD --config "$LAB_DIR/rx.conf" --rx-tls-cert /nonexistent.pem \
	--rx-tls-key /nonexistent.pem >/dev/null 2>"$LAB_DIR/err"
rc=$?
check "credentials that do not load: pcscfd stops at once (exit $rc), saying why" \
	bash -c '[ "$1" -eq 1 ] && grep -q "rx: cannot start" "$2"' _ "$rc" "$LAB_DIR/err"

for bad in "rx-unreachable = maybe" "rx-pcrf = pcrf1.test" "rx-tw = 2" "rx-local = pcscf"; do
	printf '%s\n' "$bad" >"$LAB_DIR/bad.conf"
	pns $PCSCFD --config "$LAB_DIR/bad.conf" >/dev/null 2>&1
	check "'$bad' refused: exit 2" [ $? -eq 2 ]
done
pns $PCSCFD --rx >/dev/null 2>"$LAB_DIR/err"
rc=$?
check "--rx without PCRF: exit 2 naming what is missing" \
	bash -c '[ "$1" -eq 2 ] && grep -q "needs --rx-pcrf" "$2"' _ "$rc" "$LAB_DIR/err"
tap_done
