"""SIP over TCP inside ESP for the scapy UE (scapy_ue.py --tcp-esp): the UE
namespace's own kernel TCP, bridged through a TUN device to scapy's ESP.

    UE kernel TCP --(ip rule: TCP to the P-CSCF)--> TUN --> this script:
        scapy SecurityAssociation.encrypt, by the segment's ports
        (port_uc -> port_ps: spi_ps; port_us -> port_pc: spi_pc) --> raw socket
    raw ESP socket --> scapy decrypt (spi_uc or spi_us) --> TUN --> UE kernel TCP

So the TCP stack on the UE side is Linux's and the ESP is scapy's: neither is
the P-CSCF's code. Then, over real TCP sockets: a 3,000-byte and a
20,000-byte INVITE on one connection from port_uc to port_ps (each answered
200 with the core's 3,008-byte body on that connection), the UE closes it,
reopens it from the same port and sends a MESSAGE (200), and finally waits
for the core's MESSAGE to arrive on a connection the P-CSCF opens to
port_us (it answers 200 on it). Each step prints "PASS name" or exits 1.
"""
import errno
import fcntl
import os
import random
import re
import select
import socket
import struct
import subprocess
import sys
import threading
import time

from scapy.layers.inet import IP, TCP
from scapy.layers.inet6 import IPv6
from scapy.layers.ipsec import ESP, SecurityAssociation

TUN = "tcpesp-u0"
TABLE = "7100"


def pattern(n):
    return ("0123456789abcdef" * (n // 16 + 1))[:n]


def tun_open(name):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, 0x400454ca, struct.pack("16sH", name.encode(), 0x0001 | 0x1000))
    return fd


class Bridge:
    def __init__(self, ue, sas_out, sas_in):
        """sas_out: {(sport, dport): SA}; sas_in: {spi: SA}."""
        self.ue, self.sas_out, self.sas_in = ue, sas_out, sas_in
        self.v6 = ue.v6
        self.fd = tun_open(TUN)
        fam = "-6" if self.v6 else "-4"
        for cmd in (f"ip link set {TUN} up mtu 1400",
                    f"sysctl -qw net.ipv4.conf.{TUN}.rp_filter=0",
                    f"ip {fam} route replace default dev {TUN} table {TABLE}",
                    f"ip {fam} rule add to {ue.a.pcscf} ipproto tcp lookup {TABLE} prio 100"):
            subprocess.run(cmd.split(), check=True)
        self.stop = False
        self.out = self.inn = self.dropped = 0
        for f in (self.tun_to_esp, self.esp_to_tun):
            threading.Thread(target=f, daemon=True).start()

    def tun_to_esp(self):
        ipl = IPv6 if self.v6 else IP
        while not self.stop:
            r, _, _ = select.select([self.fd], [], [], 0.2)
            if not r:
                continue
            data = os.read(self.fd, 65535)
            if data[0] >> 4 != (6 if self.v6 else 4):
                continue
            pkt = ipl(data)
            if TCP not in pkt:
                continue  # the kernel's own IPv6 chatter on a new link
            sa = self.sas_out.get((pkt[TCP].sport, pkt[TCP].dport))
            if not sa:
                self.dropped += 1
                continue
            self.ue.raw_tx.sendto(bytes(sa.encrypt(pkt)), (self.ue.a.pcscf, 0))
            self.out += 1

    def esp_to_tun(self):
        ue = self.ue
        while not self.stop:
            r, _, _ = select.select([ue.esp_rx], [], [], 0.2)
            if not r:
                continue
            data = ue.esp_rx.recv(65535)
            pkt = IP(data) if not self.v6 else IPv6(src=ue.a.pcscf, dst=ue.a.local,
                                                    nh=50) / ESP(data)
            sa = self.sas_in.get(pkt[ESP].spi)
            if not sa:
                continue
            plain = sa.decrypt(pkt)
            if TCP not in plain:
                continue  # UDP through the SA: not this test's
            ipl = IPv6 if self.v6 else IP
            os.write(self.fd, bytes(ipl(bytes(plain))))
            self.inn += 1

    def close(self):
        self.stop = True
        fam = "-6" if self.v6 else "-4"
        subprocess.run(f"ip {fam} rule del to {self.ue.a.pcscf} ipproto tcp lookup {TABLE} "
                       "prio 100".split())
        time.sleep(0.3)
        os.close(self.fd)


def read_msg(sock, buf, timeout=8):
    """One SIP message off a stream, framed by Content-Length; (msg, rest)."""
    end = time.time() + timeout
    while True:
        if b"\r\n\r\n" in buf:
            head, rest = buf.split(b"\r\n\r\n", 1)
            m = re.search(rb"^(?:Content-Length|l)\s*:\s*(\d+)", head, re.I | re.M)
            n = int(m.group(1)) if m else 0
            if len(rest) >= n:
                return (head + b"\r\n\r\n" + rest[:n]).decode(errors="replace"), rest[n:]
        left = end - time.time()
        if left <= 0:
            raise SystemExit("no (whole) SIP message on the TCP connection in time")
        r, _, _ = select.select([sock], [], [], left)
        if not r:
            continue
        chunk = sock.recv(65536)
        if not chunk:
            raise SystemExit("the P-CSCF closed the TCP connection")
        buf += chunk


def request(ue, method, total, tag):
    a = ue.a
    host = f"[{a.local}]" if ue.v6 else a.local
    dom = a.impu.split("@")[1]
    fam = 6 if ue.v6 else 4
    head = (f"{method} sip:bob@{dom} SIP/2.0\r\n"
            f"Via: SIP/2.0/TCP {host}:{a.port_c};branch=z9hG4bKt{random.getrandbits(32):x}\r\n"
            f"Max-Forwards: 70\r\nFrom: <sip:{a.impu}>;tag={ue.tag}\r\n"
            f"To: <sip:bob@{dom}>\r\n"
            f"Call-ID: {tag}-{fam}-{random.getrandbits(32):x}@{host}\r\n"
            f"CSeq: 1 {method}\r\nContact: <sip:{host}:{a.port_s};transport=tcp>\r\n"
            f"Content-Type: text/plain\r\n")
    body_len = total - len(head) - len("Content-Length: 00000\r\n\r\n")
    return head + f"Content-Length: {body_len:05d}\r\n\r\n" + pattern(body_len)


def transact(sock, msg, what, want_body=None):
    sock.sendall(msg.encode())
    buf = b""
    while True:
        resp, buf = read_msg(sock, buf)
        status = resp.split("\r\n")[0]
        print(f"<- {status} on the TCP connection ({len(resp)} bytes) for {what}")
        code = int(status.split(" ")[1])
        if code >= 200:
            break
    if code != 200:
        raise SystemExit(f"{what}: {status!r}")
    body = resp.split("\r\n\r\n", 1)[1]
    if want_body is not None and body != pattern(want_body) + "\r\n":
        raise SystemExit(f"{what}: the answer's body is not the {want_body}-byte pattern")
    print(f"PASS {what}")


def connect(ue, port_ps):
    fam = socket.AF_INET6 if ue.v6 else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((ue.a.local, ue.a.port_c))
    for i in range(30):
        try:
            s.connect((ue.a.pcscf, port_ps))
            return s
        except OSError as e:
            # the port is still in TIME_WAIT from our own close (tcp_tw_reuse waits 1 s)
            if e.errno != errno.EADDRNOTAVAIL or i == 29:
                raise
            time.sleep(0.2)


def run(ue, spi_ps, spi_pc, port_ps, port_pc, crypt, auth):
    a = ue.a

    def sa(spi):
        return SecurityAssociation(ESP, spi=spi, crypt_algo=crypt[0], crypt_key=crypt[1],
                                   auth_algo=auth[0], auth_key=auth[1])
    # TS 33.203 7.1: UE client -> P server on spi_ps, P server -> UE client on spi_uc;
    # P client -> UE server on spi_us, UE server -> P client on spi_pc.
    br = Bridge(ue, {(a.port_c, port_ps): sa(spi_ps), (a.port_s, port_pc): sa(spi_pc)},
                {ue.spi_uc: sa(ue.spi_uc), ue.spi_us: sa(ue.spi_us)})
    fam = socket.AF_INET6 if ue.v6 else socket.AF_INET
    lsn = socket.socket(fam, socket.SOCK_STREAM)
    lsn.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsn.bind((a.local, a.port_s))
    lsn.listen(4)
    try:
        s = connect(ue, port_ps)
        print(f"-> TCP connected {a.port_c} -> {port_ps} (UE kernel TCP, scapy ESP)")
        for n in (3000, 20000):
            transact(s, request(ue, "INVITE", n, f"tcp{n}"), f"invite{n}", 3008)
        s.close()
        print("-> the UE closed its connection")
        time.sleep(1.2)
        s = connect(ue, port_ps)
        print(f"-> TCP reopened {a.port_c} -> {port_ps}")
        transact(s, request(ue, "MESSAGE", 600, "tcpreopen"), "reopen", 3008)
        print(f"READY-TERM listening on {a.port_s}")
        sys.stdout.flush()
        r, _, _ = select.select([lsn], [], [], 25)
        if not r:
            raise SystemExit("no connection from the P-CSCF to port_us")
        c, peer = lsn.accept()
        print(f"<- TCP connection from {peer[0]} port {peer[1]} to {a.port_s}")
        req, _ = read_msg(c, b"")
        line = req.split("\r\n")[0]
        print(f"<- {line} over TCP ({len(req)} bytes)")
        if peer[1] != port_pc:
            raise SystemExit(f"terminating connection from port {peer[1]}, not port_pc {port_pc}")
        via = re.search(r"^Via:\s*(.*)$", req, re.M | re.I).group(1)
        if not via.startswith("SIP/2.0/TCP"):
            raise SystemExit(f"the P-CSCF's Via does not say TCP: {via}")
        body = req.split("\r\n\r\n", 1)[1]
        if body.rstrip("\r\n") != pattern(len(body.rstrip("\r\n"))) or len(body) < 3000:
            raise SystemExit(f"the terminating MESSAGE's body is not the pattern ({len(body)})")
        heads = [h for h in req.split("\r\n\r\n")[0].split("\r\n")[1:]
                 if h.split(":")[0].strip().lower() in ("via", "from", "to", "call-id", "cseq")]
        heads = [h + ";tag=ue%08x" % random.getrandbits(32)
                 if h.lower().startswith("to:") and "tag=" not in h else h for h in heads]
        c.sendall(("SIP/2.0 200 OK\r\n" + "\r\n".join(heads) +
                   "\r\nContent-Length: 0\r\n\r\n").encode())
        print("-> 200 OK on the P-CSCF's connection")
        print("PASS term")
        time.sleep(1)
        c.close()
        s.close()
        time.sleep(0.5)
    finally:
        print(f"# bridge: {br.out} segments out, {br.inn} in, {br.dropped} without an SA")
        br.close()
    return "SIP/2.0 200 tcp-esp"
