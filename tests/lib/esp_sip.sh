# Helpers of the labs that send large protected SIP (test_bigmsg.sh,
# test_tcp_esp.sh). Source after tests/lib/lab.sh.
source tests/lib/core_lab.sh
source tests/lib/tshark_names.sh

MSGLOG=$LAB_DIR/sipp-messages.log

# esp_uat KEYFILE: ESP_UAT=(-o uat:esp_sa:...) for tshark, one per line
# "spi src dst alg ealg enckey authkey" of scapy_ue.py --keys-out.
esp_uat() {
	local spi src dst alg ealg ek ak proto enc auth
	ESP_UAT=()
	while read -r spi src dst alg ealg ek ak; do
		proto=IPv4
		[[ $src == *:* ]] && proto=IPv6
		enc=$(tshark_enc "$ealg")
		auth=$(tshark_auth "$alg")
		ESP_UAT+=(-o "uat:esp_sa:\"$proto\",\"$src\",\"$dst\",\"$(printf '0x%08x' "$spi")\",\"$enc\",\"${ek:+0x$ek}\",\"$auth\",\"0x${ak:0:40}\"")
	done <"$1"
}

# core_message RURI ROUTE DEST OUT-PREFIX: SIPp as the core sends one 3,000-byte
# MESSAGE (core_message_big.xml); exit 0 on its 200.
core_message() {
	core timeout 20 sipp -sf tests/sipp/core_message_big.xml -m 1 -i "$CORE4" -p 5060 \
		-set ruri "$1" -set route "$2" "$3" -skip_rlimit -nostdin -trace_err \
		-error_file "$4.err" >"$4.out" 2>&1
}
