# The names tshark's ESP preferences (esp_sa UAT) give the 33.203 algorithms.
# Source it; tshark_auth ALG and tshark_enc ALG print the name for our ALG.
tshark_auth() {
	case $1 in
	hmac-sha-1-96) echo "HMAC-SHA-1-96 [RFC2404]" ;;
	hmac-md5-96) echo "HMAC-MD5-96 [RFC2403]" ;;
	null) echo "NULL" ;;
	esac
}
tshark_enc() {
	case $1 in
	null) echo "NULL" ;;
	aes-cbc) echo "AES-CBC [RFC3602]" ;;
	des-ede3-cbc) echo "TripleDES-CBC [RFC2451]" ;;
	aes-gcm) echo "AES-GCM with 16 octet ICV [RFC4106]" ;;
	esac
}
