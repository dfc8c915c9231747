#!/usr/bin/python3
"""An independent UE for the registration lab: its ESP is scapy's
(scapy.layers.ipsec.SecurityAssociation), its Milenage and Digest AKAv1-MD5
are written here in Python from TS 35.206 / RFC 3310, so the P-CSCF's ESP,
key derivation and sec-agree are checked against code that shares nothing
with ours.

    scapy_ue.py --pcscf 192.0.2.1 --local 192.0.2.2 --impi ... --impu ...
                --k HEX --opc HEX [--alg hmac-sha-1-96 --ealg aes-cbc]
                [--tamper-verify] [--expect 200]

Registers (REGISTER, 401, protected REGISTER, 200 OK) and prints each step.
With --tamper-verify the protected REGISTER carries a Security-Verify that
differs from the Security-Server received (a downgrade attempt).
With --resync the UE finds the first challenge's SQN out of range and
answers through the temporary SAs with a real AUTS (f1*/f5*, TS 33.102
6.3.3), then answers the new challenge through the new temporary SAs.
After a 200, --register-as IMPI sends a REGISTER for another subscriber
through this UE's own SAs, and --foreign-from IP sends a valid-ICV ESP packet
on this UE's SA from another address. With
--claim-integrity the UE writes integrity-protected itself ("yes" on the
unprotected REGISTER, in two Authorization headers; "no" on the protected
one): the P-CSCF must overwrite it (the S-CSCF scenario checks). With
--bad-authz a second, unparsable Authorization rides on the first REGISTER:
the P-CSCF must refuse it (400).
With --originate, after the 200 the UE sends, through its SAs, a MESSAGE
preferring its second IMPU (from the 200's P-Associated-URI) with a forged
P-Asserted-Identity and a preloaded Route off the Service-Route, a MESSAGE
preferring another user's identity, a MESSAGE From another user (403
expected), and an INVITE dialog (180, 200 whose Record-Route must name the
P-CSCF's access address and protected server port, ACK and BYE along that
route set).
After a 200, --big-message N sends a
METHOD (--big-method, MESSAGE by default) of N bytes through the SA as IP
fragments of --frag-size bytes (ESP beyond the MTU), and --expect-body M
wants an answer through the SA whose body is M bytes of the same pattern
(the kernel reassembles it, scapy authenticates and decrypts it);
with --frag-overlap a fragment overlapping the first with other bytes rides
along, and no answer is due ("none").
--await-request N waits after the 200 for a request from the core through
the SA pair of the UE's server port (port_pc -> port_us, TS 33.203 7.1)
whose body is the N-byte pattern, and answers it 200 through that pair.
--rx-answer SDP waits after the 200 for INVITEs from the core through the
SA pair of the server port and answers them with SDP (rx_answer: the callee
of test_rx_term.sh), --rx-seen the requests it must get, in order.
--keys-out FILE writes both SAs for tshark (spi, src, dst, keys).
--tcp-esp bridges the namespace kernel's TCP through a TUN to scapy's ESP
after the 200 and runs tcp_bridge.py's steps (large INVITEs over TCP,
close and reopen, a terminating MESSAGE on a connection from port_pc).
Exit 0 when the final response is the one expected.
"""
import argparse
import base64
import hashlib
import os
import random
import re
import select
import socket
import sys
import time

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from scapy.layers.inet import IP, UDP, fragment
from scapy.layers.inet6 import IPv6, IPv6ExtHdrFragment, fragment6
from scapy.layers.ipsec import ESP, SecurityAssociation


def aes(k, block):
    enc = Cipher(algorithms.AES(k), modes.ECB()).encryptor()
    return enc.update(block) + enc.finalize()


def xor(a, b):
    return bytes(x ^ y for x, y in zip(a, b))


def rot(b, r):
    return b[r:] + b[:r]


def milenage(k, opc, rand, autn):
    """TS 35.206: returns (res, ck, ik) after checking MAC-A of AUTN."""
    temp = aes(k, xor(rand, opc))
    c = [bytes(16), bytes(15) + b"\x01", bytes(15) + b"\x02", bytes(15) + b"\x04",
         bytes(15) + b"\x08"]
    r = [8, 0, 4, 8, 12]

    def f(i):
        return xor(aes(k, xor(rot(xor(temp, opc), r[i]), c[i])), opc)

    out2 = f(1)
    res, ak = out2[8:16], out2[0:6]
    ck, ik = f(2), f(3)
    sqn = xor(autn[0:6], ak)
    amf = autn[6:8]
    in1 = sqn + amf + sqn + amf
    out1 = xor(aes(k, xor(xor(temp, rot(xor(in1, opc), 8)), c[0])), opc)
    if out1[0:8] != autn[8:16]:
        raise SystemExit("AUTN MAC-A check failed: the network is not who it claims")
    return res, ck, ik


def milenage_auts(k, opc, rand, sqn_ms):
    """TS 33.102 6.3.3 / 35.206: AUTS = SQN_MS xor AK* || MAC-S, AMF* = 0000."""
    temp = aes(k, xor(rand, opc))
    c1, c5 = bytes(16), bytes(15) + b"\x08"
    ak_s = xor(aes(k, xor(rot(xor(temp, opc), 12), c5)), opc)[0:6]
    in1 = sqn_ms + bytes(2) + sqn_ms + bytes(2)
    mac_s = xor(aes(k, xor(xor(temp, rot(xor(in1, opc), 8)), c1)), opc)[8:16]
    return xor(sqn_ms, ak_s) + mac_s


def auts_check(k, opc, rand, auts):
    """The HSS side: SQN_MS from AUTS, and whether MAC-S is right."""
    temp = aes(k, xor(rand, opc))
    ak_s = xor(aes(k, xor(rot(xor(temp, opc), 12), bytes(15) + b"\x08")), opc)[0:6]
    sqn_ms = xor(auts[0:6], ak_s)
    return sqn_ms, milenage_auts(k, opc, rand, sqn_ms) == auts


def md5(s):
    return hashlib.md5(s).hexdigest()


def digest_response(impi, realm, nonce, uri, res, cnonce, nc="00000001"):
    ha1 = md5(impi.encode() + b":" + realm.encode() + b":" + res)
    ha2 = md5(("REGISTER:" + uri).encode())
    return md5(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}".encode())


def header(msg, name):
    m = re.search(r"^" + name + r"\s*:\s*(.*)$", msg, re.I | re.M)
    return m.group(1).strip() if m else None


def headers(msg, name):
    return [m.strip() for m in re.findall(r"^" + name + r"\s*:\s*(.*)$", msg, re.I | re.M)]


def param(value, name):
    m = re.search(r"[;,\s]" + name + r'\s*=\s*"?([^";,]*)"?', " " + value)
    return m.group(1) if m else None


def pattern(n):
    """The bodies of large messages, both ways: byte i is "0123456789abcdef"[i % 16]."""
    return ("0123456789abcdef" * (n // 16 + 1))[:n]


def esp_keys(alg, ealg, ck, ik):
    """TS 33.203 annex I, in scapy's algorithm names."""
    auth = {"hmac-sha-1-96": ("HMAC-SHA1-96", ik + bytes(4)),
            "hmac-md5-96": ("HMAC-MD5-96", ik)}[alg]
    crypt = {"aes-cbc": ("AES-CBC", ck), "null": ("NULL", None),
             "des-ede3-cbc": ("3DES", ck + ck[:8])}[ealg]
    return crypt, auth


class UE:
    def __init__(self, a):
        self.a = a
        self.v6 = ":" in a.pcscf
        fam = socket.AF_INET6 if self.v6 else socket.AF_INET
        self.udp = socket.socket(fam, socket.SOCK_DGRAM)
        self.udp.bind((a.local, 5060))
        self.esp_rx = socket.socket(fam, socket.SOCK_RAW, 50)
        self.raw_tx = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_RAW)
        self.spi_uc = random.randint(0x1000, 0x7fffffff)
        self.spi_us = random.randint(0x1000, 0x7fffffff)
        self.call_id = "scapy-%08x@%s" % (random.getrandbits(32), a.local)
        self.cseq = 1
        self.tag = "%08x" % random.getrandbits(32)
        self.tcp = None
        if a.tcp:
            # The unprotected REGISTER over TCP to port 5060, through the P-CSCF's kernel TCP.
            self.tcp = socket.socket(fam, socket.SOCK_STREAM)
            self.tcp.bind((a.local, 0))
            self.tcp.connect((a.pcscf, 5060))

    def sec_client(self):
        a = self.a
        return (f"ipsec-3gpp;alg={a.alg};ealg={a.ealg};spi-c={self.spi_uc};"
                f"spi-s={self.spi_us};port-c={a.port_c};port-s={a.port_s}")

    def register(self, via_port, extra, expires=None, transport="UDP"):
        a = self.a
        expires = a.reg_expires if expires is None else expires
        host = f"[{a.local}]" if self.v6 else a.local
        pc = f"[{a.pcscf}]" if self.v6 else a.pcscf
        domain = a.impu.split("@")[1]
        msg = (f"REGISTER sip:{domain} SIP/2.0\r\n"
               f"Via: SIP/2.0/{transport} {host}:{via_port};branch=z9hG4bK{random.getrandbits(48):x}\r\n"
               f"Max-Forwards: 70\r\n"
               f"From: <sip:{a.impu}>;tag={self.tag}\r\n"
               f"To: <sip:{a.impu}>\r\n"
               f"Call-ID: {self.call_id}\r\n"
               f"CSeq: {self.cseq} REGISTER\r\n"
               f"Contact: <sip:{host}:{a.port_s}>\r\n"
               f"Expires: {expires}\r\n"
               f"Supported: path\r\n"
               + extra +
               f"Content-Length: 0\r\n\r\n")
        self.cseq += 1
        return msg, pc

    def recv_plain(self):
        sock = self.tcp or self.udp
        data = b""
        while True:
            r, _, _ = select.select([sock], [], [], 5)
            if not r:
                raise SystemExit("no answer from the P-CSCF (plain)")
            chunk = sock.recv(65535)
            if not chunk:
                raise SystemExit("the P-CSCF closed the TCP connection")
            data += chunk
            # UDP: one datagram is one message; TCP: up to the blank line (no bodies here).
            if not self.tcp or b"\r\n\r\n" in data:
                return data.decode(errors="replace")

    def recv_esp(self, sa_in, wait=5):
        while True:
            r, _, _ = select.select([self.esp_rx], [], [], wait)
            if not r:
                raise SystemExit("no ESP answer from the P-CSCF")
            data = self.esp_rx.recv(65535)
            # IPv4 raw sockets hand over the IP header, IPv6 ones only the payload.
            pkt = IP(data) if not self.v6 else IPv6(src=self.a.pcscf, dst=self.a.local,
                                                    nh=50) / ESP(data)
            if pkt[ESP].spi != sa_in.spi:
                continue
            plain = sa_in.decrypt(pkt)
            return bytes(plain[UDP].payload).decode(errors="replace"), plain[UDP]

    def temp_sas(self, server, ck, ik):
        """The UE's pair of SAs for the client port (out on spi_ps, in on spi_uc)."""
        alg, ealg = param(server, "alg"), param(server, "ealg")
        crypt, auth = esp_keys(alg, ealg, ck, ik)
        sa_out = SecurityAssociation(ESP, spi=int(param(server, "spi-s")), crypt_algo=crypt[0],
                                     crypt_key=crypt[1], auth_algo=auth[0], auth_key=auth[1])
        sa_in = SecurityAssociation(ESP, spi=self.spi_uc, crypt_algo=crypt[0],
                                    crypt_key=crypt[1], auth_algo=auth[0], auth_key=auth[1])
        return sa_out, sa_in, int(param(server, "port-s"))

    def send_protected(self, sa_out, port_ps, msg, src=None):
        ipl = IPv6 if self.v6 else IP
        inner = ipl(bytes(ipl(src=src or self.a.local, dst=self.a.pcscf) /
                          UDP(sport=self.a.port_c, dport=port_ps) / msg.encode()))
        self.raw_tx.sendto(bytes(sa_out.encrypt(inner)), (self.a.pcscf, 0))

    def resync(self, www, server):
        """SQN out of range: AUTS through the temporary SAs; returns the new 401."""
        a = self.a
        realm = a.impu.split("@")[1]
        nonce = param(www, "nonce")
        raw = base64.b64decode(nonce)
        k, opc = bytes.fromhex(a.k), bytes.fromhex(a.opc)
        _, ck, ik = milenage(k, opc, raw[:16], raw[16:32])  # MAC-A checked: the network is real
        sqn_ms = bytes.fromhex("00000000ff00")  # the USIM is far ahead of the HSS
        auts = base64.b64encode(milenage_auts(k, opc, raw[:16], sqn_ms)).decode()
        sa_out, sa_in, port_ps = self.temp_sas(server, ck, ik)
        msg, _ = self.register(a.port_c, (
            f'Authorization: Digest username="{a.impi}", realm="{realm}", nonce="{nonce}", '
            f'uri="sip:{realm}", response="", auts="{auts}", algorithm=AKAv1-MD5\r\n'
            f"Security-Client: {self.sec_client()}\r\n"
            f"Security-Verify: {server}\r\n"
            "Require: sec-agree\r\nProxy-Require: sec-agree\r\n"))
        print(f"-> REGISTER with AUTS {auts} (protected, spi 0x{sa_out.spi:08x})")
        self.send_protected(sa_out, port_ps, msg)
        resp, udp = self.recv_esp(sa_in)
        status = resp.split("\r\n")[0]
        print(f"<- {status} (protected, through the first temporary SAs, {udp.sport} -> {udp.dport})")
        if " 401 " not in status:
            raise SystemExit(f"re-synchronisation: expected a new 401, got {status!r}")
        if param(header(resp, "WWW-Authenticate"), "ck"):
            raise SystemExit("the 401 still carries ck/ik: the P-CSCF leaked the keys")
        return resp

    def send_fragmented(self, sa_out, port_ps, msg):
        """ESP beyond the MTU: the encrypted packet cut into IP fragments by scapy."""
        a, ipl = self.a, IPv6 if self.v6 else IP
        inner = ipl(bytes(ipl(src=a.local, dst=a.pcscf) / UDP(sport=a.port_c, dport=port_ps)
                          / msg.encode()))
        enc = sa_out.encrypt(inner)
        if self.v6:
            whole = (IPv6(src=a.local, dst=a.pcscf) /
                     IPv6ExtHdrFragment(nh=50, id=random.getrandbits(32)) / bytes(enc.payload))
            frags = fragment6(whole, a.frag_size)
        else:
            frags = fragment(enc, fragsize=a.frag_size)
        if a.frag_overlap:
            # A copy of the first fragment's range with other bytes past SPI and sequence
            # number (the classifier must still find the SA): RFC 5722, drop it all.
            bad = frags[0].copy()
            load = bytes(bad.lastlayer().load)
            bad.lastlayer().load = load[:8] + bytes(b ^ 0xff for b in load[8:])
            frags = frags[:1] + [bad] + frags[1:]
        for f in frags:
            self.raw_tx.sendto(bytes(f), (a.pcscf, 0))
        return len(frags)

    def big(self, sa_out, sa_in, port_ps):
        a = self.a
        host = f"[{a.local}]" if self.v6 else a.local
        head = (f"{a.big_method} sip:bob@{a.impu.split('@')[1]} SIP/2.0\r\n"
                f"Via: SIP/2.0/UDP {host}:{a.port_c};branch=z9hG4bKb{random.getrandbits(32):x}\r\n"
                f"Max-Forwards: 70\r\nFrom: <sip:{a.impu}>;tag={self.tag}\r\n"
                f"To: <sip:bob@{a.impu.split('@')[1]}>\r\n"
                f"Call-ID: big-{random.getrandbits(32):x}-{self.call_id}\r\n"
                f"CSeq: 1 {a.big_method}\r\nContact: <sip:{host}:{a.port_s}>\r\n"
                f"Content-Type: text/plain\r\n")
        # Content-Length 5 digits wide, so the header length does not depend on it.
        body_len = a.big_message - len(head) - len("Content-Length: 00000\r\n\r\n")
        msg = head + f"Content-Length: {body_len:05d}\r\n\r\n" + pattern(body_len)
        n = self.send_fragmented(sa_out, port_ps, msg)
        print(f"-> {a.big_method} of {len(msg)} bytes (protected) as {n} IP fragments")
        if a.frag_overlap:
            try:
                resp, _ = self.recv_esp(sa_in, wait=2)
            except SystemExit:
                print("   no answer: the overlapping fragments were dropped")
                return "SIP/2.0 none"
        else:
            resp, _ = self.recv_esp(sa_in)
            # An INVITE gets the P-CSCF's 100 Trying first (RFC 3261 16.2): the final follows.
            while re.match(r"SIP/2\.0 1\d\d ", resp):
                print(f"<- {resp.split(chr(13))[0]} (protected)")
                resp, _ = self.recv_esp(sa_in)
        status = resp.split("\r\n")[0]
        body = resp.split("\r\n\r\n", 1)[1] if "\r\n\r\n" in resp else ""
        print(f"<- {status} (protected, {len(resp)} bytes, body {len(body)})")
        # SIPp ends the last line of a body it sends with CRLF, as every other line.
        if a.expect_body is not None and body != pattern(a.expect_body) + "\r\n":
            raise SystemExit(f"answer body is not the {a.expect_body}-byte pattern")
        if a.expect_body is not None:
            print(f"   answer body: {len(body)} bytes, intact")
        return status

    def terminating(self, server, ck, ik):
        """A request from the core to our server port, answered through the same pair."""
        a = self.a
        crypt, auth = esp_keys(param(server, "alg"), param(server, "ealg"), ck, ik)
        sa_in = SecurityAssociation(ESP, spi=self.spi_us, crypt_algo=crypt[0], crypt_key=crypt[1],
                                    auth_algo=auth[0], auth_key=auth[1])
        sa_out = SecurityAssociation(ESP, spi=int(param(server, "spi-c")), crypt_algo=crypt[0],
                                     crypt_key=crypt[1], auth_algo=auth[0], auth_key=auth[1])
        req, udp = self.recv_esp(sa_in, wait=15)
        body = req.split("\r\n\r\n", 1)[1] if "\r\n\r\n" in req else ""
        print(f"<- {req.split(chr(13))[0]} (protected, {len(req)} bytes, {udp.sport} -> {udp.dport})")
        if udp.dport != a.port_s or body.rstrip("\r\n") != pattern(a.await_request):
            raise SystemExit(f"not the {a.await_request}-byte pattern to port {a.port_s}")
        # every Via, in order (RFC 3261 8.2.6.2): the P-CSCF pops its own, the core's stay
        ans = "SIP/2.0 200 OK\r\n" + "".join(
            f"{h}: {v}\r\n" for h in ("Via", "From", "To", "Call-ID", "CSeq")
            for v in headers(req, h)) + "Content-Length: 0\r\n\r\n"
        ipl = IPv6 if self.v6 else IP
        inner = ipl(bytes(ipl(src=a.local, dst=a.pcscf) / UDP(sport=a.port_s, dport=udp.sport)
                          / ans.encode()))
        self.raw_tx.sendto(bytes(sa_out.encrypt(inner)), (a.pcscf, 0))
        print(f"-> 200 OK (protected, {a.port_s} -> {udp.sport}): request body intact")
        return "SIP/2.0 200 OK"

    def rx_answer(self, server, ck, ik, sa_out=None, sa_in=None, port_ps=None):
        """--rx-answer SDP: the callee of terminating INVITEs (tests/integration/test_rx_term.sh).
        Requests come in through spi_us (P port_pc -> our port_s) and are answered through
        spi_pc: an INVITE gets 180, then (--rx-early: 183 with the SDP first, 200 after
        --rx-early s) 200 with SDP, sent again every 0.5 s until an ACK, BYE or CANCEL
        comes; a re-INVITE or UPDATE 200 with SDP; BYE 200 (the end); CANCEL 200 and 487
        to the INVITE, then its ACK (the end). Prints each request and, at the end,
        "seen: METHOD ..." in order; the final is 200 when that is --rx-seen. With
        --rx-reoffer SDP, once the INVITE is ACKed, the UE re-INVITEs through its client
        SAs along the INVITE's Record-Route and ACKs the answer ("re-INVITE: CODE")."""
        a = self.a
        crypt, auth = esp_keys(param(server, "alg"), param(server, "ealg"), ck, ik)
        s_in = SecurityAssociation(ESP, spi=self.spi_us, crypt_algo=crypt[0], crypt_key=crypt[1],
                                   auth_algo=auth[0], auth_key=auth[1])
        s_out = SecurityAssociation(ESP, spi=int(param(server, "spi-c")), crypt_algo=crypt[0],
                                    crypt_key=crypt[1], auth_algo=auth[0], auth_key=auth[1])
        host = f"[{a.local}]" if self.v6 else a.local
        sdp = open(a.rx_answer).read().replace("\r\n", "\n").replace("\n", "\r\n")
        tag = "ue%08x" % random.getrandbits(32)
        ipl = IPv6 if self.v6 else IP
        seen, invite, pending, port_pc = [], None, None, None

        def answer(req, code, reason, body="", rr=False, cseq=None):
            heads = "".join(f"{h}: {v}\r\n" for h in ("Via", "From") for v in headers(req, h))
            to = header(req, "To")
            if "tag=" not in to:
                to += f";tag={tag}"
            heads += f"To: {to}\r\nCall-ID: {header(req, 'Call-ID')}\r\n"
            heads += f"CSeq: {cseq or header(req, 'CSeq')}\r\n"
            if rr:
                heads += "".join(f"Record-Route: {v}\r\n" for v in headers(req, "Record-Route"))
            if code < 300 and header(req, "CSeq").split()[-1] in ("INVITE", "UPDATE"):
                heads += f"Contact: <sip:{host}:{a.port_s}>\r\n"
            if body:
                heads += "Content-Type: application/sdp\r\n"
            msg = f"SIP/2.0 {code} {reason}\r\n{heads}Content-Length: {len(body)}\r\n\r\n{body}"
            inner = ipl(bytes(ipl(src=a.local, dst=a.pcscf) / UDP(sport=a.port_s, dport=port_pc)
                              / msg.encode()))
            self.raw_tx.sendto(bytes(s_out.encrypt(inner)), (a.pcscf, 0))
            print(f"-> {code} {reason} ({header(req, 'CSeq') if not cseq else cseq})"
                  + (" with SDP" if body else ""))
            return msg

        end = time.time() + a.rx_wait
        next_retx, ok_at, done, cancelled = None, None, False, False
        while time.time() < end and not done:
            timeout = 0.1
            try:
                req, udp = self.recv_esp(s_in, wait=timeout)
            except SystemExit:
                req = None
            now = time.time()
            if req is None:
                if ok_at and now >= ok_at and invite:
                    ok_at = None
                    pending = answer(invite, 200, "OK", sdp, rr=True)
                    next_retx = now + 0.5
                elif pending and next_retx and now >= next_retx:
                    print("   (200 again: no ACK yet)")
                    answer(invite, 200, "OK", sdp, rr=True)
                    next_retx = now + 0.5
                continue
            port_pc = udp.sport
            line = req.split("\r\n")[0]
            m = line.split(" ")[0]
            if line.startswith("SIP/2.0"):
                print(f"<- {line} ({header(req, 'CSeq')}): ignored")
                continue
            print(f"<- {line} (protected, {udp.sport} -> {udp.dport}, CSeq {header(req, 'CSeq')})"
                  + (f", Reason: {header(req, 'Reason')}" if header(req, "Reason") else ""))
            if udp.dport != a.port_s:
                raise SystemExit("terminating request on the wrong port")
            seen.append(m)
            if m == "INVITE" and "tag=" not in header(req, "To"):
                invite = req
                answer(req, 180, "Ringing", rr=True)
                if a.rx_early:
                    answer(req, 183, "Session Progress", sdp, rr=True)
                    ok_at = now + a.rx_early
                else:
                    pending = answer(req, 200, "OK", sdp, rr=True)
                    next_retx = now + 0.5
            elif m in ("INVITE", "UPDATE"):
                answer(req, 200, "OK", open(a.rx_reanswer or a.rx_answer).read()
                       .replace("\r\n", "\n").replace("\n", "\r\n"), rr=m == "INVITE")
            elif m == "ACK":
                pending = next_retx = None
                if a.rx_reoffer and not cancelled and invite and seen.count("ACK") == 1:
                    self.term_reoffer(invite, tag, sa_out, sa_in, port_ps)
                done = cancelled  # the ACK of our 487 ends a CANCELled INVITE
            elif m == "BYE":
                pending = next_retx = ok_at = None
                answer(req, 200, "OK")
                done = True
            elif m == "CANCEL" and a.rx_cross_cancel:
                # --rx-cross-cancel: as if our 200 had crossed the CANCEL (RFC 3261 9.2)
                ok_at = None
                answer(req, 200, "OK")
                pending = answer(invite, 200, "OK", sdp, rr=True)
                next_retx = now + 0.5
            elif m == "CANCEL":
                pending = next_retx = ok_at = None
                answer(req, 200, "OK")
                answer(invite, 487, "Request Terminated")
                cancelled = True
            else:
                answer(req, 200, "OK")
        print("seen: " + " ".join(seen))
        want = a.rx_seen.split()
        return "SIP/2.0 200 as expected" if not a.rx_seen or seen == want else \
            f"SIP/2.0 500 seen {seen}, expected {want}"

    def term_reoffer(self, invite, tag, sa_out, sa_in, port_ps):
        """The UE's re-INVITE in a dialog the core started: From our To, To its From."""
        a = self.a
        host = f"[{a.local}]" if self.v6 else a.local
        rsdp = open(a.rx_reoffer).read().replace("\r\n", "\n").replace("\n", "\r\n")
        ruri = re.search(r"<([^>]+)>", header(invite, "Contact")).group(1)
        route = "".join(f"Route: {v}\r\n" for v in headers(invite, "Record-Route"))
        to = header(invite, "From")
        frm = header(invite, "To") + f";tag={tag}"
        cid = header(invite, "Call-ID")
        branch = "z9hG4bK%x" % random.getrandbits(48)
        msg = (f"INVITE {ruri} SIP/2.0\r\nVia: SIP/2.0/UDP {host}:{a.port_c};branch={branch}\r\n"
               f"Max-Forwards: 70\r\nFrom: {frm}\r\nTo: {to}\r\nCall-ID: {cid}\r\n"
               f"CSeq: 1 INVITE\r\n{route}Contact: <sip:{host}:{a.port_s}>\r\n"
               f"Content-Type: application/sdp\r\nContent-Length: {len(rsdp)}\r\n\r\n{rsdp}")
        print(f"-> re-INVITE {ruri} with SDP ({a.rx_reoffer}) through the client SAs")
        self.send_protected(sa_out, port_ps, msg)
        while True:
            resp, _ = self.recv_esp(sa_in, wait=10)
            code = int(resp.split(" ")[1])
            print(f"<- {resp.split(chr(13))[0]} (protected, CSeq {header(resp, 'CSeq')})")
            if code >= 200:
                break
        print(f"re-INVITE: {code}" + (" with SDP" if "m=audio" in resp else ""))
        ack = (f"ACK {ruri} SIP/2.0\r\nVia: SIP/2.0/UDP {host}:{a.port_c};branch=z9hG4bK"
               f"{random.getrandbits(48):x}\r\nMax-Forwards: 70\r\nFrom: {frm}\r\nTo: {to}\r\n"
               f"Call-ID: {cid}\r\nCSeq: 1 ACK\r\n{route}Content-Length: 0\r\n\r\n")
        self.send_protected(sa_out, port_ps, ack)
        print("-> ACK of the re-INVITE's answer")

    def after_200(self, sa_out, sa_in, port_ps, status):
        a = self.a
        if a.big_message:
            return self.big(sa_out, sa_in, port_ps)
        if a.foreign_from:
            # A valid ICV (our keys), from an address that is not ours: selectors must refuse it.
            msg = (f"OPTIONS sip:{a.impu.split('@')[1]} SIP/2.0\r\nVia: SIP/2.0/UDP "
                   f"{a.foreign_from}:{a.port_c};branch=z9hG4bKf{random.getrandbits(32):x}\r\n"
                   f"From: <sip:{a.impu}>;tag={self.tag}\r\nTo: <sip:{a.impu}>\r\n"
                   f"Call-ID: foreign-{self.call_id}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
            print(f"-> OPTIONS on spi 0x{sa_out.spi:08x} (valid ICV) from {a.foreign_from}")
            self.send_protected(sa_out, port_ps, msg, src=a.foreign_from)
            return status
        # A REGISTER for someone else through our own SAs: refused, never relayed.
        other = a.register_as
        msg, _ = self.register(a.port_c, (
            f'Authorization: Digest username="{other}", realm="{other.split("@")[1]}", '
            f'nonce="", uri="sip:{other.split("@")[1]}", response=""\r\n'
            f"Security-Client: {self.sec_client()}\r\n"
            "Require: sec-agree\r\nProxy-Require: sec-agree\r\n"))
        msg = msg.replace(f"<sip:{a.impu}>", f"<sip:{other}>")
        print(f"-> REGISTER for {other} through our own SAs (spi 0x{sa_out.spi:08x})")
        self.send_protected(sa_out, port_ps, msg)
        try:
            resp, _ = self.recv_esp(sa_in)
        except SystemExit:
            return "no answer"
        status = resp.split("\r\n")[0]
        print(f"<- {status} (protected)")
        return status

    def request(self, sa_out, sa_in, port_ps, method, ruri, extra, from_uri=None, to=None,
                call_id=None, cseq=1, body="", ctype="text/plain"):
        """One protected request; returns (provisional statuses, final response) or None (ACK)."""
        a = self.a
        host = f"[{a.local}]" if self.v6 else a.local
        msg = (f"{method} {ruri} SIP/2.0\r\n"
               f"Via: SIP/2.0/UDP {host}:{a.port_c};branch=z9hG4bK{random.getrandbits(48):x}\r\n"
               "Max-Forwards: 70\r\n"
               f"From: <{from_uri or 'sip:' + a.impu}>;tag={self.tag}\r\n"
               f"To: {to or '<' + ruri + '>'}\r\n"
               f"Call-ID: {call_id or 'orig-%08x@%s' % (random.getrandbits(32), a.local)}\r\n"
               f"CSeq: {cseq} {method}\r\n" + extra +
               (f"Content-Type: {ctype}\r\n" if body else "") +
               f"Content-Length: {len(body)}\r\n\r\n{body}")
        print(f"-> {method} {ruri} (protected, spi 0x{sa_out.spi:08x})")
        self.send_protected(sa_out, port_ps, msg)
        if method == "ACK":
            return None
        prov = []
        while True:
            resp, udp = self.recv_esp(sa_in)
            status = resp.split("\r\n")[0]
            print(f"<- {status} (protected, {udp.sport} -> {udp.dport})")
            if udp.sport != port_ps or udp.dport != a.port_c:
                raise SystemExit(f"{method}: answer on the wrong ports")
            if int(status.split(" ")[1]) >= 200:
                return prov, resp
            prov.append(int(status.split(" ")[1]))

    def cancel_call(self, sa_out, sa_in, port_ps, server):
        """INVITE (sent twice: a retransmission), 180, CANCEL: 200 to it and 487, ACK (issue 9)."""
        a = self.a
        dom = a.impu.split("@")[1]
        host = f"[{a.local}]" if self.v6 else a.local
        pc = f"[{a.pcscf}]" if self.v6 else a.pcscf
        sec = f"Security-Verify: {server}\r\nRequire: sec-agree\r\nProxy-Require: sec-agree\r\n"
        branch = f"z9hG4bK{random.getrandbits(48):x}"
        cid = "cancel-%08x@%s" % (random.getrandbits(32), a.local)

        def req(method):
            return (f"{method} sip:callee@{dom} SIP/2.0\r\n"
                    f"Via: SIP/2.0/UDP {host}:{a.port_c};branch={branch}\r\n"
                    "Max-Forwards: 70\r\n"
                    f"Route: <sip:{pc}:{port_ps};lr>, <sip:orig@scscf.{dom};lr>\r\n"
                    f"From: <sip:{a.impu}>;tag={self.tag}\r\nTo: <sip:callee@{dom}>\r\n"
                    f"Call-ID: {cid}\r\nCSeq: 1 {method}\r\n" +
                    (f"Contact: <sip:{host}:{a.port_s}>\r\n" + sec if method == "INVITE" else "") +
                    "Content-Length: 0\r\n\r\n")

        def recv():
            resp, udp = self.recv_esp(sa_in)
            st = resp.split("\r\n")[0]
            print(f"<- {st} ({header(resp, 'CSeq')})")
            if udp.sport != port_ps or udp.dport != a.port_c:
                raise SystemExit("answer on the wrong ports")
            return int(st.split(" ")[1]), header(resp, "CSeq") or "", resp

        invite = req("INVITE")
        print("-> INVITE, and the same INVITE again (a retransmission)")
        self.send_protected(sa_out, port_ps, invite)
        self.send_protected(sa_out, port_ps, invite)
        seen = []
        while 180 not in seen:
            code, cseq, _ = recv()
            seen.append(code)
            if code >= 200:
                raise SystemExit(f"INVITE: final {code} before the 180")
        print(f"   OK: provisionals {seen} (our 100 Trying first, once per copy at most)")
        if seen[0] != 100:
            raise SystemExit(f"INVITE: the first answer is not our 100 Trying: {seen}")
        print("-> CANCEL under the INVITE's branch")
        self.send_protected(sa_out, port_ps, req("CANCEL"))
        got = {}
        while "INVITE" not in got or "CANCEL" not in got:
            code, cseq, resp = recv()
            if code >= 200:
                got[cseq.split()[-1]] = (code, resp)
        if got["CANCEL"][0] != 200 or got["INVITE"][0] != 487:
            raise SystemExit(f"CANCEL {got['CANCEL'][0]}, INVITE {got['INVITE'][0]}")
        print("   OK: 200 to the CANCEL, 487 to the INVITE")
        ack = req("ACK").replace("To: <sip:callee@" + dom + ">",
                                 "To: " + header(got["INVITE"][1], "To"))
        print("-> ACK of the 487 (hop by hop: it must end at the P-CSCF)")
        self.send_protected(sa_out, port_ps, ack)
        return "SIP/2.0 487 Request Terminated"

    def originate(self, sa_out, sa_in, port_ps, ok, server):
        a = self.a
        dom = a.impu.split("@")[1]
        pc = f"[{a.pcscf}]" if self.v6 else a.pcscf
        pau = [u for h in headers(ok, "P-Associated-URI") for u in re.findall(r"<([^>]+)>", h)]
        alias = next((u for u in pau if ".alias@" in u), None)
        if not alias:
            raise SystemExit(f"no second IMPU in the 200's P-Associated-URI: {pau}")
        sec = f"Security-Verify: {server}\r\nRequire: sec-agree\r\nProxy-Require: sec-agree\r\n"
        ours = f"<sip:{pc}:{port_ps};lr>"
        preload = f"Route: {ours}, <sip:orig@scscf.{dom};lr>\r\n"

        def final(r, want, what):
            st = r[1].split("\r\n")[0]
            if f" {want} " not in st + " ":
                raise SystemExit(f"{what}: {st!r}, expected {want}")
            print(f"   OK: {what}: {want}")
            return r[1]

        final(self.request(sa_out, sa_in, port_ps, "MESSAGE", f"sip:expect-alias@{dom}",
                           preload + sec + f"P-Asserted-Identity: <sip:mallory@{dom}>\r\n"
                           f"P-Preferred-Identity: <{alias}>\r\n", body="own alias"),
              200, "MESSAGE preferring our second IMPU, with a forged PAI")
        final(self.request(sa_out, sa_in, port_ps, "MESSAGE", f"sip:expect-default@{dom}",
                           preload + sec + f"P-Preferred-Identity: <sip:bob@{dom}>\r\n",
                           body="other user"),
              200, "MESSAGE preferring another user's identity")
        final(self.request(sa_out, sa_in, port_ps, "MESSAGE", f"sip:expect-none@{dom}",
                           sec, from_uri=f"sip:bob@{dom}", body="not mine"),
              403, "MESSAGE From another user")
        host = f"[{a.local}]" if self.v6 else a.local
        cid = "call-%08x@%s" % (random.getrandbits(32), a.local)
        prov, ok = self.request(sa_out, sa_in, port_ps, "INVITE", f"sip:callee@{dom}",
                                preload + sec + f"Contact: <sip:{host}:{a.port_s}>\r\n",
                                call_id=cid)
        final((prov, ok), 200, "INVITE")
        if 180 not in prov:
            raise SystemExit(f"INVITE: no 180 before the 200 ({prov})")
        rr = [u for h in headers(ok, "Record-Route") for u in re.findall(r"<[^>]+>", h)]
        print(f"   Record-Route in the 200: {rr}")
        # The far end echoes what it got: our core-side entry alone, which we must see rewritten.
        if rr != [ours]:
            raise SystemExit(f"the 200's Record-Route is not just {ours}: {rr}")
        route = "".join(f"Route: {u}\r\n" for u in reversed(rr))
        to = header(ok, "To")
        self.request(sa_out, sa_in, port_ps, "ACK", f"sip:callee@{dom}", route, to=to,
                     call_id=cid)
        final(self.request(sa_out, sa_in, port_ps, "BYE", f"sip:callee@{dom}", route + sec,
                           to=to, call_id=cid, cseq=2), 200, "BYE along the recorded route")
        return ok.split("\r\n")[0]

    def rx_call(self, sa_out, sa_in, port_ps, server, ck, ik):
        """--rx-call: an INVITE with the SDP of --sdp through the SAs (tests/integration/
        test_rx_dialog.sh). --call-expect 200: ACK, then a BYE of ours, or (--await-bye)
        wait for the network's BYE through port_pc -> port_s and answer it 200. Any
        other final: its Warning is printed, it is ACKed (RFC 3261 17.1.1.3)."""
        a = self.a
        dom = a.impu.split("@")[1]
        pc = f"[{a.pcscf}]" if self.v6 else a.pcscf
        host = f"[{a.local}]" if self.v6 else a.local
        sec = f"Security-Verify: {server}\r\nRequire: sec-agree\r\nProxy-Require: sec-agree\r\n"
        preload = f"Route: <sip:{pc}:{port_ps};lr>\r\n"
        sdp = open(a.sdp).read().replace("\r\n", "\n").replace("\n", "\r\n")
        cid = "rxcall-%08x@%s" % (random.getrandbits(32), a.local)
        branch = "z9hG4bK%x" % random.getrandbits(48)
        ruri = f"sip:{a.callee}@{dom}"
        body = "" if a.late_offer else sdp  # --late-offer: the offer in the 2xx, --sdp in the ACK
        msg = (f"INVITE {ruri} SIP/2.0\r\nVia: SIP/2.0/UDP {host}:{a.port_c};branch={branch}\r\n"
               f"Max-Forwards: 70\r\nFrom: <sip:{a.impu}>;tag={self.tag}\r\nTo: <{ruri}>\r\n"
               f"Call-ID: {cid}\r\nCSeq: 1 INVITE\r\n{preload}{sec}"
               f"Contact: <sip:{host}:{a.port_s}>\r\n" +
               ("Content-Type: application/sdp\r\n" if body else "") +
               f"Content-Length: {len(body)}\r\n\r\n{body}")
        print(f"-> INVITE {ruri} " +
              ("without SDP" if a.late_offer else f"with SDP ({a.sdp})") + f", Call-ID {cid}")
        self.send_protected(sa_out, port_ps, msg)
        while True:
            resp, _ = self.recv_esp(sa_in, wait=15)
            code = int(resp.split(" ")[1])
            print(f"<- {resp.split(chr(13))[0]} (protected)")
            if code >= 200:
                break
        if str(code) != a.call_expect:
            raise SystemExit(f"INVITE: final {code}, expected {a.call_expect}")
        to = header(resp, "To")
        if code >= 300:
            print(f"   Warning: {header(resp, 'Warning')}")
            ack = (f"ACK {ruri} SIP/2.0\r\nVia: SIP/2.0/UDP {host}:{a.port_c};branch={branch}\r\n"
                   f"Max-Forwards: 70\r\nFrom: <sip:{a.impu}>;tag={self.tag}\r\nTo: {to}\r\n"
                   f"Call-ID: {cid}\r\nCSeq: 1 ACK\r\n{preload}Content-Length: 0\r\n\r\n")
            self.send_protected(sa_out, port_ps, ack)
            print("-> ACK of the refusal")
            return resp.split("\r\n")[0]
        if "m=audio" not in resp and not a.no_sdp_200:
            raise SystemExit("the 200 carries no SDP answer")
        rr = [u for h in headers(resp, "Record-Route") for u in re.findall(r"<[^>]+>", h)]
        route = "".join(f"Route: {u}\r\n" for u in reversed(rr))
        # --late-offer: the 200's SDP was the offer, the ACK carries our answer (--sdp)
        answer = sdp if a.late_offer and not a.ack_no_sdp else ""
        if not a.no_ack:
            self.request(sa_out, sa_in, port_ps, "ACK", ruri, route, to=to, call_id=cid,
                         body=answer, ctype="application/sdp")
            time.sleep(a.pause)
        def reinvite(body, what, method="INVITE"):
            """A re-INVITE (or UPDATE, CSeq 2) with body as its SDP ("": none); its final."""
            rb = "z9hG4bK%x" % random.getrandbits(48)
            msg = (f"{method} {ruri} SIP/2.0\r\nVia: SIP/2.0/UDP {host}:{a.port_c};branch={rb}\r\n"
                   f"Max-Forwards: 70\r\nFrom: <sip:{a.impu}>;tag={self.tag}\r\nTo: {to}\r\n"
                   f"Call-ID: {cid}\r\nCSeq: 2 {method}\r\n{route}{sec}"
                   f"Contact: <sip:{host}:{a.port_s}>\r\n" +
                   ("Content-Type: application/sdp\r\n" if body else "") +
                   f"Content-Length: {len(body)}\r\n\r\n{body}")
            print(f"-> re-{method} {what}" if method == "INVITE" else f"-> {method} {what}")
            self.send_protected(sa_out, port_ps, msg)
            while True:
                resp2, _ = self.recv_esp(sa_in, wait=15)
                print(f"<- {resp2.split(chr(13))[0]} (protected)")
                if int(resp2.split(" ")[1]) >= 200:
                    return resp2

        if a.reinvite_late:
            resp2 = reinvite("", "without SDP (the new offer in the 200)")
            if " 200 " not in resp2.split("\r\n")[0] + " " or "m=audio" not in resp2:
                raise SystemExit("re-INVITE: no 200 with a new offer")
            rsdp = open(a.reinvite_late).read().replace("\r\n", "\n").replace("\n", "\r\n")
            self.request(sa_out, sa_in, port_ps, "ACK", ruri, route, to=to, call_id=cid, cseq=2,
                         body=rsdp, ctype="application/sdp")
            time.sleep(a.pause)
            cseq_bye = 3
        elif a.reinvite:
            rsdp = open(a.reinvite).read().replace("\r\n", "\n").replace("\n", "\r\n")
            method = "UPDATE" if a.update else "INVITE"
            resp2 = reinvite(rsdp, f"with SDP ({a.reinvite})", method)
            if " 200 " not in resp2.split("\r\n")[0] + " " or "m=video 0" not in resp2:
                raise SystemExit(f"{method}: no 200 with the new answer")
            if method == "INVITE":
                self.request(sa_out, sa_in, port_ps, "ACK", ruri, route, to=to, call_id=cid,
                             cseq=2)
            cseq_bye = 3
        else:
            cseq_bye = 2
        if a.ready_file:
            open(a.ready_file, "w").write(cid + "\n")
        if a.hold_call:
            time.sleep(a.hold_call)  # no BYE: the registration's end must end the call
            return "SIP/2.0 200 call held"
        if not a.await_bye:
            prov, ok = self.request(sa_out, sa_in, port_ps, "BYE", ruri, route + sec, to=to,
                                    call_id=cid, cseq=cseq_bye)
            return ok.split("\r\n")[0]
        crypt, auth = esp_keys(param(server, "alg"), param(server, "ealg"), ck, ik)
        s_in = SecurityAssociation(ESP, spi=self.spi_us, crypt_algo=crypt[0], crypt_key=crypt[1],
                                   auth_algo=auth[0], auth_key=auth[1])
        s_out = SecurityAssociation(ESP, spi=int(param(server, "spi-c")), crypt_algo=crypt[0],
                                    crypt_key=crypt[1], auth_algo=auth[0], auth_key=auth[1])
        req, udp = self.recv_esp(s_in, wait=30)
        print(f"<- {req.split(chr(13))[0]} (protected, {udp.sport} -> {udp.dport}), "
              f"Reason: {header(req, 'Reason')}")
        while a.answer_reoffer and req.split(" ")[0] in ("INVITE", "ACK"):
            # --answer-reoffer: the far end's re-INVITE answered 200 with that SDP, its ACK taken
            if req.startswith("INVITE "):
                rsdp = open(a.answer_reoffer).read().replace("\r\n", "\n").replace("\n", "\r\n")
                ans = ("SIP/2.0 200 OK\r\n" + "".join(
                    f"{h}: {v}\r\n" for h in ("Via", "From", "To", "Call-ID", "CSeq")
                    for v in headers(req, h)) + f"Contact: <sip:{host}:{a.port_s}>\r\n"
                    f"Content-Type: application/sdp\r\nContent-Length: {len(rsdp)}\r\n\r\n{rsdp}")
                ipl = IPv6 if self.v6 else IP
                inner = ipl(bytes(ipl(src=a.local, dst=a.pcscf) /
                                  UDP(sport=a.port_s, dport=udp.sport) / ans.encode()))
                self.raw_tx.sendto(bytes(s_out.encrypt(inner)), (a.pcscf, 0))
                print(f"-> 200 OK to the far end's re-INVITE, SDP {a.answer_reoffer}")
            req, udp = self.recv_esp(s_in, wait=30)
            print(f"<- {req.split(chr(13))[0]} (protected, {udp.sport} -> {udp.dport}), "
                  f"Reason: {header(req, 'Reason')}")
        if not req.startswith("BYE ") or header(req, "Call-ID") != cid:
            raise SystemExit("not a BYE of our call")
        ans = "SIP/2.0 200 OK\r\n" + "".join(
            f"{h}: {v}\r\n" for h in ("Via", "From", "To", "Call-ID", "CSeq")
            for v in headers(req, h)) + "Content-Length: 0\r\n\r\n"
        ipl = IPv6 if self.v6 else IP
        inner = ipl(bytes(ipl(src=a.local, dst=a.pcscf) / UDP(sport=a.port_s, dport=udp.sport)
                          / ans.encode()))
        self.raw_tx.sendto(bytes(s_out.encrypt(inner)), (a.pcscf, 0))
        print("-> 200 OK to the network's BYE")
        return "SIP/2.0 200 BYE received"

    def run(self):
        a = self.a
        realm = a.impu.split("@")[1]
        claim = extra_authz = ""
        if a.claim_integrity:
            claim = ", INTEGRITY-PROTECTED=yes"
            extra_authz = (f'Authorization: Digest username="{a.impi}", realm="{realm}", '
                           'nonce="", uri="sip:x", response="", integrity-protected="yes"\r\n')
        if a.bad_authz:
            extra_authz = f'Authorization: Digest username="{a.impi}, integrity-protected=yes\r\n'
        msg, pc = self.register(5060, (
            f'Authorization: Digest username="{a.impi}", realm="{realm}", nonce="", '
            f'uri="sip:{realm}", response=""{claim}\r\n' + extra_authz +
            f"Security-Client: {self.sec_client()}\r\n"
            "Require: sec-agree\r\nProxy-Require: sec-agree\r\n"),
            transport="TCP" if self.tcp else "UDP")
        print(f"-> REGISTER (unprotected, {'TCP' if self.tcp else 'UDP'}) to {a.pcscf}:5060, "
              f"Security-Client: {self.sec_client()}")
        if self.tcp:
            self.tcp.sendall(msg.encode())
        else:
            self.udp.sendto(msg.encode(), (a.pcscf, 5060))
        resp = self.recv_plain()
        status = resp.split("\r\n")[0]
        print(f"<- {status}")
        if header(resp, "Retry-After"):
            print(f"   Retry-After: {header(resp, 'Retry-After')}")
        if " 401 " not in status or a.stop_after_401:
            return status
        www = header(resp, "WWW-Authenticate")
        # No ck=/ik= param in any header, any case, and (below) no key text at all.
        if re.search(r"[\s,;](ck|ik)\s*=", resp, re.I):
            raise SystemExit("the 401 still carries ck/ik: the P-CSCF leaked the keys")
        server = header(resp, "Security-Server")
        print(f"   Security-Server: {server}")
        if a.resync:
            resp = self.resync(www, server)
            www, server = header(resp, "WWW-Authenticate"), header(resp, "Security-Server")
            print(f"   new Security-Server: {server}")
        nonce = param(www, "nonce")
        raw = base64.b64decode(nonce)
        res, ck, ik = milenage(bytes.fromhex(a.k), bytes.fromhex(a.opc), raw[:16], raw[16:32])
        if ck.hex() in resp.lower() or ik.hex() in resp.lower():
            raise SystemExit("the 401 holds the text of CK or IK: the P-CSCF leaked the keys")
        spi_pc, spi_ps = int(param(server, "spi-c")), int(param(server, "spi-s"))
        port_pc, port_ps = int(param(server, "port-c")), int(param(server, "port-s"))
        alg, ealg = param(server, "alg"), param(server, "ealg")
        crypt, auth = esp_keys(alg, ealg, ck, ik)
        ipl = IPv6 if self.v6 else IP
        # UE client -> P server on spi_ps; P server -> UE client on spi_uc.
        sa_out = SecurityAssociation(ESP, spi=spi_ps, crypt_algo=crypt[0], crypt_key=crypt[1],
                                     auth_algo=auth[0], auth_key=auth[1])
        sa_in = SecurityAssociation(ESP, spi=self.spi_uc, crypt_algo=crypt[0],
                                    crypt_key=crypt[1], auth_algo=auth[0], auth_key=auth[1])
        print(f"   temporary SAs (scapy): out spi 0x{spi_ps:08x} {a.port_c}->{port_ps}, "
              f"in spi 0x{self.spi_uc:08x}, {alg}/{ealg}")
        cnonce = "%016x" % random.getrandbits(64)
        verify = server if not a.tamper_verify else server.replace(f"ealg={ealg}", "ealg=null")
        msg, _ = self.register(a.port_c, (
            f'Authorization: Digest username="{a.impi}", realm="{realm}", nonce="{nonce}", '
            f'uri="sip:{realm}", response="{digest_response(a.impi, realm, nonce, "sip:" + realm, res, cnonce)}", '
            f'algorithm=AKAv1-MD5, qop=auth, nc=00000001, cnonce="{cnonce}"'
            + (', integrity-protected="no"' if a.claim_integrity else "") + "\r\n"
            f"Security-Client: {self.sec_client()}\r\n"
            f"Security-Verify: {verify}\r\n"
            "Require: sec-agree\r\nProxy-Require: sec-agree\r\n"))
        inner = ipl(src=a.local, dst=a.pcscf) / UDP(sport=a.port_c, dport=port_ps) / msg.encode()
        inner = ipl(bytes(inner))  # computes lengths and the UDP checksum
        enc = sa_out.encrypt(inner)
        print(f"-> REGISTER (protected, scapy ESP spi 0x{spi_ps:08x}) {a.port_c} -> {port_ps}")
        self.raw_tx.sendto(bytes(enc), (a.pcscf, 0))
        resp, udp = self.recv_esp(sa_in)
        status = resp.split("\r\n")[0]
        print(f"<- {status} (protected, decrypted by scapy, {udp.sport} -> {udp.dport})")
        if udp.sport != port_ps or udp.dport != a.port_c:
            raise SystemExit("protected answer on the wrong ports")
        if a.keys_out:
            with open(a.keys_out, "w") as f:
                for spi, src, dst in ((spi_ps, a.local, a.pcscf), (self.spi_uc, a.pcscf, a.local)):
                    f.write(f"{spi} {src} {dst} {alg} {ealg} {(crypt[1] or b'').hex()} "
                            f"{auth[1].hex()}\n")
        if " 200 " in status and a.tcp_esp:
            # SIP over TCP inside ESP through the UE kernel's TCP (tcp_bridge.py)
            import tcp_bridge
            if a.keys_out:
                with open(a.keys_out, "a") as f:
                    for spi, src, dst in ((spi_pc, a.local, a.pcscf), (self.spi_us, a.pcscf, a.local)):
                        f.write(f"{spi} {src} {dst} {alg} {ealg} {(crypt[1] or b'').hex()} "
                                f"{auth[1].hex()}\n")
            sys.stdout.flush()
            if a.tcp_esp == "keys":
                return status  # the benchmark bridges with its own tool
            return tcp_bridge.run(self, spi_ps, spi_pc, port_ps, port_pc, crypt, auth)
        if " 200 " in status and a.rx_answer:
            sys.stdout.flush()
            return self.rx_answer(server, ck, ik, sa_out, sa_in, port_ps)
        if " 200 " in status and a.rx_call:
            return self.rx_call(sa_out, sa_in, port_ps, server, ck, ik)
        if " 200 " in status and a.originate:
            return self.originate(sa_out, sa_in, port_ps, resp, server)
        if " 200 " in status and a.cancel_call:
            return self.cancel_call(sa_out, sa_in, port_ps, server)
        if " 200 " in status and a.await_request:
            sys.stdout.flush()
            return self.terminating(server, ck, ik)
        if " 200 " in status and (a.register_as or a.foreign_from or a.big_message):
            return self.after_200(sa_out, sa_in, port_ps, status)
        if " 200 " in status and a.answer:
            # Terminating requests (24.229 5.2.5): in on spi_us (P port_pc -> our port_s),
            # answered out on spi_pc (our port_s -> P port_pc), TS 33.203 7.1.
            s_in = SecurityAssociation(ESP, spi=self.spi_us, crypt_algo=crypt[0],
                                       crypt_key=crypt[1], auth_algo=auth[0], auth_key=auth[1])
            s_out = SecurityAssociation(ESP, spi=spi_pc, crypt_algo=crypt[0], crypt_key=crypt[1],
                                        auth_algo=auth[0], auth_key=auth[1])
            if a.touch_sa:
                # RFC 5626 CRLF keepalive through the new set: it is used, the old set
                # goes (33.203 7.4), terminating requests leave through the new one
                ka = ipl(bytes(ipl(src=a.local, dst=a.pcscf) /
                               UDP(sport=a.port_c, dport=port_ps) / b"\r\n\r\n"))
                self.raw_tx.sendto(bytes(sa_out.encrypt(ka)), (a.pcscf, 0))
                print("-> CRLF keepalive through the new SA")
            for _ in range(a.answer):
                req, udp = self.recv_esp(s_in)
                line = req.split("\r\n")[0]
                print(f"<- {line} (protected, spi 0x{self.spi_us:08x}, {udp.sport} -> {udp.dport})")
                if udp.sport != port_pc or udp.dport != a.port_s:
                    raise SystemExit("terminating request on the wrong ports")
                heads = [h for h in req.split("\r\n\r\n")[0].split("\r\n")[1:]
                         if h.split(":")[0].strip().lower() in ("via", "from", "to", "call-id", "cseq")]
                heads = [h + ";tag=ue%08x" % random.getrandbits(32)
                         if h.lower().startswith("to:") and "tag=" not in h else h for h in heads]
                resp = "SIP/2.0 200 OK\r\n" + "\r\n".join(heads) + "\r\nContent-Length: 0\r\n\r\n"
                ipl = IPv6 if self.v6 else IP
                inner = ipl(bytes(ipl(src=a.local, dst=a.pcscf) /
                                  UDP(sport=a.port_s, dport=port_pc) / resp.encode()))
                self.raw_tx.sendto(bytes(s_out.encrypt(inner)), (a.pcscf, 0))
                print(f"-> 200 OK (protected, spi 0x{spi_pc:08x}, {a.port_s} -> {port_pc})")
            return "SIP/2.0 200 answered"
        if a.deregister and " 200 " in status:
            # De-registration through the SAs just established (24.229 5.1.1.6).
            msg, _ = self.register(a.port_c, (
                f'Authorization: Digest username="{a.impi}", realm="{realm}", nonce="{nonce}", '
                f'uri="sip:{realm}", response="{digest_response(a.impi, realm, nonce, "sip:" + realm, res, cnonce, "00000002")}", '
                f'algorithm=AKAv1-MD5, qop=auth, nc=00000002, cnonce="{cnonce}"\r\n'
                f"Security-Client: {self.sec_client()}\r\n"
                f"Security-Verify: {server}\r\n"
                "Require: sec-agree\r\nProxy-Require: sec-agree\r\n"), expires=0)
            inner = ipl(bytes(ipl(src=a.local, dst=a.pcscf) / UDP(sport=a.port_c, dport=port_ps)
                              / msg.encode()))
            print(f"-> REGISTER Expires: 0 (protected, spi 0x{spi_ps:08x})")
            self.raw_tx.sendto(bytes(sa_out.encrypt(inner)), (a.pcscf, 0))
            resp, udp = self.recv_esp(sa_in)
            status = resp.split("\r\n")[0]
            print(f"<- {status} (protected: the SA outlived the de-registration's answer)")
        return status


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--pcscf", required=True)
    p.add_argument("--local", required=True)
    p.add_argument("--impi", required=True)
    p.add_argument("--impu", required=True)
    p.add_argument("--k", required=True)
    p.add_argument("--opc", required=True)
    p.add_argument("--alg", default="hmac-sha-1-96")
    p.add_argument("--ealg", default="aes-cbc")
    p.add_argument("--port-c", type=int, default=31100)
    p.add_argument("--port-s", type=int, default=31101)
    p.add_argument("--tamper-verify", action="store_true")
    p.add_argument("--stop-after-401", action="store_true",
                   help="never answer the challenge (the temporary SAs must expire)")
    p.add_argument("--tcp", action="store_true",
                   help="send the unprotected REGISTER over TCP")
    p.add_argument("--deregister", action="store_true",
                   help="after the 200, de-register through the new SAs")
    p.add_argument("--resync", action="store_true",
                   help="answer the first challenge with AUTS (SQN out of range)")
    p.add_argument("--register-as", metavar="IMPI",
                   help="after the 200, REGISTER for IMPI through our own SAs")
    p.add_argument("--foreign-from", metavar="IP",
                   help="after the 200, send ESP with a valid ICV on our SA from IP")
    p.add_argument("--claim-integrity", action="store_true",
                   help="write integrity-protected in the UE's own Authorization headers")
    p.add_argument("--bad-authz", action="store_true",
                   help="add an unparsable Authorization to the first REGISTER")
    p.add_argument("--answer", type=int, default=0, metavar="N",
                   help="after the 200, answer N terminating requests (port_s, spi_us) with 200")
    p.add_argument("--touch-sa", action="store_true",
                   help="--answer: first a CRLF keepalive through the new SA (it counts as used)")
    p.add_argument("--originate", action="store_true",
                   help="after the 200, MESSAGEs and an INVITE dialog through the SAs")
    p.add_argument("--cancel-call", action="store_true",
                   help="after the 200, an INVITE sent twice, CANCELled after the 180 (487)")
    p.add_argument("--big-message", type=int, metavar="N",
                   help="after the 200, send a request of N bytes through the SA as fragments")
    p.add_argument("--big-method", default="MESSAGE")
    p.add_argument("--frag-size", type=int, default=1200)
    p.add_argument("--frag-overlap", action="store_true",
                   help="add a fragment overlapping the first with other bytes (no answer due)")
    p.add_argument("--expect-body", type=int, metavar="M",
                   help="the answer's body must be the M-byte pattern")
    p.add_argument("--keys-out", metavar="FILE", help="write both SAs for tshark")
    p.add_argument("--await-request", type=int, metavar="N",
                   help="after the 200, wait for a request from the core with an N-byte body")
    p.add_argument("--tcp-esp", nargs="?", const="run", metavar="keys",
                   help="after the 200, SIP over TCP inside ESP through a TUN (tcp_bridge.py); "
                   "'keys': only write the four SAs to --keys-out")
    p.add_argument("--rx-call", action="store_true",
                   help="after the 200, an INVITE with --sdp (see rx_call)")
    p.add_argument("--sdp", default="tests/integration/rx/offer.sdp")
    p.add_argument("--call-expect", default="200")
    p.add_argument("--reg-expires", type=int, default=600, help="Expires of the REGISTERs")
    p.add_argument("--hold-call", type=float, default=0, metavar="S",
                   help="--rx-call: keep the call S seconds, then leave without BYE")
    p.add_argument("--callee", default="callee", help="--rx-call: user part of the Request-URI")
    p.add_argument("--await-bye", action="store_true")
    p.add_argument("--answer-reoffer", metavar="SDP",
                   help="--await-bye: answer the far end's re-INVITEs 200 with SDP meanwhile")
    p.add_argument("--reinvite", metavar="SDP", help="--rx-call: a re-INVITE with SDP once up")
    p.add_argument("--update", action="store_true",
                   help="--reinvite: the new offer in an UPDATE (RFC 3311), not a re-INVITE")
    p.add_argument("--ready-file", metavar="PATH", help="written with the Call-ID once up")
    p.add_argument("--late-offer", action="store_true",
                   help="--rx-call: the INVITE without SDP; the 200's SDP is the offer, the "
                   "ACK carries --sdp as the answer")
    p.add_argument("--ack-no-sdp", action="store_true",
                   help="--late-offer: the ACK without the answer (a broken UE)")
    p.add_argument("--no-ack", action="store_true", help="--rx-call: never ACK the 200")
    p.add_argument("--no-sdp-200", action="store_true",
                   help="--rx-call: a 200 without SDP is fine (a broken callee)")
    p.add_argument("--pause", type=float, default=0, metavar="S",
                   help="--rx-call: S seconds after each ACK (an answer in it is with the PCRF)")
    p.add_argument("--reinvite-late", metavar="SDP",
                   help="--rx-call: once up, a re-INVITE without SDP; SDP is the ACK's answer")
    p.add_argument("--rx-answer", metavar="SDP",
                   help="after the 200, answer terminating INVITEs with SDP (see rx_answer)")
    p.add_argument("--rx-reanswer", metavar="SDP", help="--rx-answer: the answer to a re-offer")
    p.add_argument("--rx-reoffer", metavar="SDP",
                   help="--rx-answer: once up, a re-INVITE of the UE's with SDP")
    p.add_argument("--rx-early", type=float, default=0, metavar="S",
                   help="--rx-answer: 183 with the SDP first, the 200 S seconds later")
    p.add_argument("--rx-cross-cancel", action="store_true",
                   help="--rx-answer: a CANCEL gets 200, the INVITE 200 with SDP (not 487)")
    p.add_argument("--rx-seen", default="", help="--rx-answer: the requests due, in order")
    p.add_argument("--rx-wait", type=float, default=20, help="--rx-answer: seconds at most")
    p.add_argument("--expect", default="200")
    a = p.parse_args()
    status = UE(a).run()
    ok = f" {a.expect} " in status + " "
    print(("OK" if ok else "UNEXPECTED") + f": final response {status!r}, expected {a.expect}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
