#!/usr/bin/python3
"""MESSAGE load over one TCP connection, for bench_tcp_esp.sh: MESSAGEs of
--size bytes, --window of them outstanding, each a new Call-ID, for
--seconds; counts the 200s and prints "rate N/s (M answered, E errors)".
Framing by Content-Length; the answer's body is not looked at (the tests
check contents, this only counts)."""
import argparse
import random
import re
import select
import socket
import time

p = argparse.ArgumentParser()
p.add_argument("--local", required=True)
p.add_argument("--bind-port", type=int, default=0)
p.add_argument("--dst", required=True)
p.add_argument("--dport", type=int, required=True)
p.add_argument("--from-uri", default="sip:bench@ims.example")
p.add_argument("--size", type=int, default=3000)
p.add_argument("--window", type=int, default=8)
p.add_argument("--seconds", type=float, default=5)
a = p.parse_args()

fam = socket.AF_INET6 if ":" in a.dst else socket.AF_INET
host = f"[{a.local}]" if ":" in a.local else a.local
s = socket.socket(fam, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((a.local, a.bind_port))
s.connect((a.dst, a.dport))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
port = s.getsockname()[1]
tag = "%08x" % random.getrandbits(32)


def message(i):
    head = (f"MESSAGE sip:bob@ims.example SIP/2.0\r\n"
            f"Via: SIP/2.0/TCP {host}:{port};branch=z9hG4bKl{tag}{i}\r\n"
            f"Max-Forwards: 70\r\nFrom: <{a.from_uri}>;tag={tag}\r\n"
            f"To: <sip:bob@ims.example>\r\nCall-ID: load-{tag}-{i}@{host}\r\n"
            f"CSeq: 1 MESSAGE\r\nContent-Type: text/plain\r\n")
    n = a.size - len(head) - len("Content-Length: 00000\r\n\r\n")
    return (head + f"Content-Length: {n:05d}\r\n\r\n" + "x" * n).encode()


sent = answered = errors = 0
buf = b""
start = time.time()
end = start + a.seconds
while time.time() < end or answered + errors < sent:
    while sent - answered - errors < a.window and time.time() < end:
        s.sendall(message(sent))
        sent += 1
    r, _, _ = select.select([s], [], [], 5)
    if not r:
        break
    chunk = s.recv(262144)
    if not chunk:
        break
    buf += chunk
    while b"\r\n\r\n" in buf:
        head, rest = buf.split(b"\r\n\r\n", 1)
        m = re.search(rb"^(?:Content-Length|l)\s*:\s*(\d+)", head, re.I | re.M)
        n = int(m.group(1)) if m else 0
        if len(rest) < n:
            break
        buf = rest[n:]
        code = int(head.split(b" ", 2)[1])
        if code >= 200:
            if code == 200:
                answered += 1
            else:
                errors += 1
elapsed = time.time() - start
print(f"rate {answered / elapsed:.0f}/s ({answered} answered, {errors} errors, {sent} sent, "
      f"{elapsed:.1f} s)")
