#!/usr/bin/env bash
# Interop: packets from our ESP engine must be decrypted and authenticated by
# tshark's ESP dissector (an independent implementation), for every algorithm
# pair tshark 4.0 knows (HMAC-SHA-1-96/HMAC-MD5-96 x NULL/AES-CBC/3DES, AES-GCM),
# IPv4 and IPv6. Keys come from our 33.203 annex I derivation (esptool keys).
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
BUILD=${PCSCF_BUILD:-build}
ESPTOOL=$BUILD/tools/esptool
# `make test` builds the tools only into the sanitizer tree
[ -x "$ESPTOOL" ] || ESPTOOL=$BUILD/san/tools/esptool
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ ! -x "$ESPTOOL" ] || ! command -v tshark >/dev/null; then
	fail "esptool ($ESPTOOL) and tshark are needed"
	tap_done
	exit 1
fi

source tests/lib/tshark_names.sh

MSG='REGISTER sip:ims.example SIP/2.0'
N=3

# one pair, one family: encap N packets, ask tshark for ICV status, sequence, ports, SIP method
check_pair() { # auth enc family
	local a=$1 e=$2 f=$3 src dst proto keys ekey akey out want got spi=0x0000c0de
	if [ "$f" = 4 ]; then src=10.0.0.1 dst=10.0.0.2 proto=IPv4; else src=2001:db8::1 dst=2001:db8::2 proto=IPv6; fi
	keys=$("$ESPTOOL" keys -a "$a" -e "$e") || return 1
	ekey=$(sed -n 's/.*enc=\([0-9a-f]*\).*/\1/p' <<<"$keys")
	akey=$(sed -n 's/.*auth=\([0-9a-f]*\).*/\1/p' <<<"$keys")
	# tshark takes the RFC 4106 keying material: key || 4-byte salt
	[ "$e" = aes-gcm ] && ekey=$ekey$(sed -n 's/.*salt=\([0-9a-f]*\).*/\1/p' <<<"$keys")
	"$ESPTOOL" encap -a "$a" -e "$e" -f "$f" -s $src -d $dst -p $spi -n $N \
		-m "$MSG" -o "$work/p.pcap" || return 1
	out=$(tshark -r "$work/p.pcap" -o esp.enable_encryption_decode:TRUE \
		-o esp.enable_authentication_check:TRUE -o udp.check_checksum:TRUE \
		-o "uat:esp_sa:\"$proto\",\"$src\",\"$dst\",\"$spi\",\"$(tshark_enc "$e")\",\"${ekey:+0x$ekey}\",\"$(tshark_auth "$a")\",\"${akey:+0x$akey}\"" \
		-d udp.port==5064,sip -T fields -E separator=, \
		-e esp.icv_good -e esp.sequence -e udp.srcport -e udp.dstport \
		-e udp.checksum.status -e sip.Method 2>/dev/null)
	# every packet: ICV good, sequence 1..N, inner ports, inner UDP checksum good, SIP inside
	want=""
	for i in $(seq 1 $N); do
		want+="1,$i,5062,5064,1,REGISTER"$'\n'
	done
	got=$out$'\n'
	if [ "$got" != "$want" ]; then
		echo "# tshark said:"; sed 's/^/#   /' <<<"$out"
		return 1
	fi
}

for f in 4 6; do
	for a in hmac-sha-1-96 hmac-md5-96; do
		for e in null aes-cbc des-ede3-cbc; do
			check "tshark decrypts+authenticates IPv$f alg=$a ealg=$e" check_pair $a $e $f
		done
	done
	check "tshark decrypts+authenticates IPv$f alg=null ealg=aes-gcm (RFC 4106, KDF salt)" \
		check_pair null aes-gcm $f
done

# negative control: a wrong authentication key must make tshark report a bad ICV
"$ESPTOOL" encap -a hmac-sha-1-96 -e aes-cbc -p 0x0000c0de -n 1 -o "$work/n.pcap"
bad=$(tshark -r "$work/n.pcap" -o esp.enable_encryption_decode:TRUE \
	-o esp.enable_authentication_check:TRUE \
	-o 'uat:esp_sa:"IPv4","10.0.0.1","10.0.0.2","0x0000c0de","AES-CBC [RFC3602]","0xb40ba9a3c58b2a05bbf0d987b21bf8cb","HMAC-SHA-1-96 [RFC2404]","0x0000000000000000000000000000000000000000"' \
	-T fields -e esp.icv_good -e esp.icv_bad 2>/dev/null)
check "tshark flags our packet as ICV-bad under a wrong key (control)" test "$bad" = $'0\t1'
[ "$bad" = $'0\t1' ] || echo "# tshark printed [$bad]"

# and for AES-GCM a wrong salt (e.g. the OpenSIPS "no KDF" mistake) must fail too
"$ESPTOOL" encap -a null -e aes-gcm -p 0x0000c0de -n 1 -o "$work/g.pcap"
bad=$(tshark -r "$work/g.pcap" -o esp.enable_encryption_decode:TRUE \
	-o esp.enable_authentication_check:TRUE \
	-o 'uat:esp_sa:"IPv4","10.0.0.1","10.0.0.2","0x0000c0de","AES-GCM with 16 octet ICV [RFC4106]","0xb40ba9a3c58b2a05bbf0d987b21bf8cb00000000","NULL",""' \
	-T fields -e esp.icv_good -e esp.icv_bad 2>/dev/null)
check "tshark flags our AES-GCM packet as ICV-bad under a zero salt (control)" test "$bad" = $'0\t1'
[ "$bad" = $'0\t1' ] || echo "# tshark printed [$bad]"

tap_done
