#!/usr/bin/env bash
# Interop with scapy's ESP (scapy.layers.ipsec.SecurityAssociation), both ways:
# scapy decrypts+verifies what we send, we accept what scapy sends. Every pair
# both implement, IPv4 and IPv6. scapy has no AES-GMAC (RFC 4543), so that one
# is checked against python3-cryptography's AES-GCM with an empty plaintext.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
BUILD=${PCSCF_BUILD:-build}
ESPTOOL=$BUILD/tools/esptool
# `make test` builds the tools only into the sanitizer tree
[ -x "$ESPTOOL" ] || ESPTOOL=$BUILD/san/tools/esptool
PY=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ ! -x "$ESPTOOL" ] || ! "$PY" -c 'import scapy.layers.ipsec' 2>/dev/null; then
	fail "esptool ($ESPTOOL) and python3-scapy are needed"
	tap_done
	exit 1
fi

# One python process for all cases (scapy imports slowly); it prints ok/not ok lines.
"$PY" - "$ESPTOOL" "$work" >"$work/out" 2>"$work/err" <<'PYEOF'
import subprocess, sys, os, struct
from scapy.all import IP, IPv6, UDP, Raw, rdpcap, wrpcap, conf
from scapy.layers.ipsec import SecurityAssociation, ESP
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

esptool, work = sys.argv[1], sys.argv[2]
conf.verb = 0
MSG = b"REGISTER sip:ims.example SIP/2.0"
N = 3
SPI = 0x2000
AUTH = {"hmac-sha-1-96": "HMAC-SHA1-96", "hmac-md5-96": "HMAC-MD5-96", "null": "NULL"}
ENC = {"null": "NULL", "aes-cbc": "AES-CBC", "des-ede3-cbc": "3DES", "aes-gcm": "AES-GCM",
       "chacha20-poly1305": "CHACHA20-POLY1305"}
PAIRS = [(a, e) for a in ("hmac-sha-1-96", "hmac-md5-96") for e in ("null", "aes-cbc", "des-ede3-cbc")]
PAIRS += [("null", "aes-gcm"), ("null", "chacha20-poly1305")]
ADDR = {4: ("10.0.0.1", "10.0.0.2"), 6: ("2001:db8::1", "2001:db8::2")}

def report(ok, name, why=""):
    print(("ok - " if ok else "not ok - ") + name)
    if not ok and why:
        print("# " + str(why).replace("\n", "\n# "))
    sys.stdout.flush()

def keys(a, e):
    out = subprocess.run([esptool, "keys", "-a", a, "-e", e], capture_output=True, text=True,
                         check=True).stdout
    kv = dict(x.split("=", 1) for x in out.split())
    return bytes.fromhex(kv["enc"]), bytes.fromhex(kv["auth"]), bytes.fromhex(kv["salt"])

def scapy_sa(a, e, fam):
    ek, ak, salt = keys(a, e)
    if e in ("aes-gcm", "chacha20-poly1305"):
        ek += salt  # RFC 4106 / RFC 7634 keying material: key || salt
    ipcls = IP if fam == 4 else IPv6
    return SecurityAssociation(ESP, spi=SPI, crypt_algo=ENC[e], crypt_key=ek or None,
                               auth_algo=AUTH[a], auth_key=ak or None), ipcls

def args(a, e, fam):
    s, d = ADDR[fam]
    return ["-a", a, "-e", e, "-f", str(fam), "-s", s, "-d", d, "-p", hex(SPI)]

def ours_to_scapy(a, e, fam):
    pcap = os.path.join(work, "o.pcap")
    subprocess.run([esptool, "encap", *args(a, e, fam), "-n", str(N), "-m", MSG.decode(),
                    "-o", pcap], check=True)
    sa, ipcls = scapy_sa(a, e, fam)
    pkts = rdpcap(pcap)
    if len(pkts) != N:
        return False, "got %d packets" % len(pkts)
    for i, raw in enumerate(pkts, 1):
        p = ipcls(bytes(raw))
        if p[ESP].seq != i:
            return False, "seq %d" % p[ESP].seq
        inner = sa.decrypt(p)  # raises on a bad ICV or bad padding
        u = inner[UDP]
        if (u.sport, u.dport, bytes(u.payload)) != (5062, 5064, MSG):
            return False, inner.show(dump=True)
        # the inner UDP checksum (pseudo header = outer addresses) must survive intact
        c = ipcls(bytes(inner))
        del c[UDP].chksum
        if ipcls(bytes(c))[UDP].chksum != u.chksum:
            return False, "inner UDP checksum %#x" % u.chksum
    return True, ""

def scapy_to_ours(a, e, fam):
    sa, ipcls = scapy_sa(a, e, fam)
    s, d = ADDR[fam]
    pkts = []
    for i in range(1, N + 1):
        p = ipcls(src=s, dst=d) / UDP(sport=5062, dport=5064) / Raw(MSG)
        p = ipcls(bytes(p))
        pkts.append(sa.encrypt(p, seq_num=i))
    pcap = os.path.join(work, "s.pcap")
    wrpcap(pcap, pkts)
    r = subprocess.run([esptool, "decap", *args(a, e, fam), "-i", pcap], capture_output=True,
                       text=True)
    want = "".join("ok %d %s\n" % (i, MSG.decode()) for i in range(1, N + 1))
    return r.returncode == 0 and r.stdout == want, r.stdout + r.stderr

for fam in (4, 6):
    for a, e in PAIRS:
        for name, fn in (("ours -> scapy", ours_to_scapy), ("scapy -> ours", scapy_to_ours)):
            try:
                ok, why = fn(a, e, fam)
            except Exception as ex:
                ok, why = False, repr(ex)
            report(ok, "%s IPv%d alg=%s ealg=%s" % (name, fam, a, e), why)

# AES-GMAC (RFC 4543): ICV = GCM tag over SPI||seq||IV||payload||trailer, nothing encrypted.
def gmac_ours_to_py(fam):
    ek, _, salt = keys("aes-gmac", "null")
    pcap = os.path.join(work, "g.pcap")
    subprocess.run([esptool, "encap", *args("aes-gmac", "null", fam), "-n", str(N),
                    "-m", MSG.decode(), "-o", pcap], check=True)
    hl = 20 if fam == 4 else 40
    for raw in rdpcap(pcap):
        b = bytes(raw)[hl:]
        esp, icv = b[:-16], b[-16:]
        if AESGCM(ek).encrypt(salt + esp[8:16], b"", esp) != icv:
            return False, "tag mismatch"
        body = esp[16:]
        padlen, nh = body[-2], body[-1]
        if nh != 17 or body[8:len(body) - 2 - padlen] != MSG:
            return False, body.hex()
    return True, ""

def gmac_py_to_ours(fam):
    ek, _, salt = keys("aes-gmac", "null")
    s, d = ADDR[fam]
    ipcls = IP if fam == 4 else IPv6
    pkts = []
    for i in range(1, N + 1):
        udp = bytes(ipcls(bytes(ipcls(src=s, dst=d) / UDP(sport=5062, dport=5064) / Raw(MSG)))[UDP])
        pad = (-(len(udp) + 2)) % 4
        body = udp + bytes(range(1, pad + 1)) + bytes([pad, 17])
        iv = struct.pack(">Q", 0x1122334455660000 + i)
        esp = struct.pack(">II", SPI, i) + iv + body
        esp += AESGCM(ek).encrypt(salt + iv, b"", esp)
        if fam == 4:
            pkts.append(IP(src=s, dst=d, proto=50) / Raw(esp))
        else:
            pkts.append(IPv6(src=s, dst=d, nh=50) / Raw(esp))
    pcap = os.path.join(work, "h.pcap")
    wrpcap(pcap, pkts)
    r = subprocess.run([esptool, "decap", *args("aes-gmac", "null", fam), "-i", pcap],
                       capture_output=True, text=True)
    want = "".join("ok %d %s\n" % (i, MSG.decode()) for i in range(1, N + 1))
    return r.returncode == 0 and r.stdout == want, r.stdout + r.stderr

for fam in (4, 6):
    for name, fn in (("ours -> python-cryptography", gmac_ours_to_py),
                     ("python-cryptography -> ours", gmac_py_to_ours)):
        try:
            ok, why = fn(fam)
        except Exception as ex:
            ok, why = False, repr(ex)
        report(ok, "%s IPv%d alg=aes-gmac ealg=null (RFC 4543)" % (name, fam), why)
PYEOF
rc=$?
while IFS= read -r line; do
	case $line in
	"ok - "*) ok "${line#ok - }" ;;
	"not ok - "*) fail "${line#not ok - }" ;;
	*) echo "$line" ;;
	esac
done <"$work/out"
if [ $rc -ne 0 ]; then
	sed 's/^/# /' "$work/err" | tail -n 20
	fail "scapy interop script exited $rc"
fi
tap_done
