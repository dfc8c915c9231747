#!/usr/bin/env python3
"""A small PCRF for the Rx tests, written from RFC 6733 and TS 29.214 with
the standard library only (it shares no code with the P-CSCF's client).

It answers CER (advertising Rx, 3GPP 16777236), DWR, DPR, AAR and STR; it
refuses an AAR whose Codec-Data names a --forbid-codec with
Experimental-Result-Code 5063 (REQUESTED_SERVICE_NOT_AUTHORIZED). Commands
come through --ctl FIFO, one a line:
  mute | unmute          stop/resume answering anything (DWR included)
  delay MS               answer each AAR MS ms late (0: at once)
  rar SESSION-ID [ACTION] send RAR (Specific-Action, default 2 = loss of bearer)
  asr SESSION-ID         send ASR
Every message received is one JSON line in --log: {"cmd", "request", "sid",
"rc", "avps"} with AVPs as [code, vendor, value] (groups nested).
"""
import argparse
import json
import os
import socket
import struct
import sys
import threading
import time

RX_APP = 16777236
V3GPP = 10415
GROUPED = {260, 297, 443, 517, 519, 628}
CMD = {257: "CE", 280: "DW", 282: "DP", 265: "AA", 275: "ST", 258: "RA", 274: "AS"}
TEXT = {263, 264, 296, 283, 293, 269, 444, 504, 507, 524, 505}


def avp(code, data, vendor=0, mandatory=True):
    if isinstance(data, int):
        data = struct.pack("!I", data)
    elif isinstance(data, str):
        data = data.encode()
    flags = (0x80 if vendor else 0) | (0x40 if mandatory else 0)
    hlen = 12 if vendor else 8
    n = hlen + len(data)
    b = struct.pack("!IB", code, flags) + n.to_bytes(3, "big")
    if vendor:
        b += struct.pack("!I", vendor)
    return b + data + b"\0" * (-n % 4)


def parse_avps(buf):
    out, i = [], 0
    while i + 8 <= len(buf):
        code, flags = struct.unpack("!IB", buf[i:i + 5])
        n = int.from_bytes(buf[i + 5:i + 8], "big")
        if n < 8 or i + n > len(buf):
            raise ValueError("bad AVP length")
        vendor, h = 0, 8
        if flags & 0x80:
            vendor, h = struct.unpack("!I", buf[i + 8:i + 12])[0], 12
        data = buf[i + h:i + n]
        if code in GROUPED:
            val = parse_avps(data)
        elif code in TEXT:
            val = data.decode(errors="replace")
        elif len(data) == 4:
            val = struct.unpack("!I", data)[0]
        else:
            val = data.hex()
        out.append([code, vendor, val])
        i += n + (-n % 4)
    return out


def find(avps, code, default=None):
    for c, _v, val in avps:
        if c == code:
            return val
    return default


def find_all(avps, code):
    return [val for c, _v, val in avps if c == code]


class Pcrf:
    def __init__(self, a):
        self.a = a
        self.muted = False
        self.aar_delay = 0.0
        self.lock = threading.Lock()
        self.log = open(a.log, "a", buffering=1) if a.log else None
        self.sessions = {}  # live sid -> (conn, af origin host)
        self.known = {}  # every sid ever authorised, for RAR/ASR after the AF ended it
        self.hbh = 1
        self.aar_n = 0

    def record(self, cmd, req, sid, rc, avps):
        if self.log:
            with self.lock:
                self.log.write(json.dumps({"cmd": cmd, "request": req, "sid": sid, "rc": rc,
                                           "avps": avps}) + "\n")

    def origin(self):
        return avp(264, self.a.origin_host) + avp(296, self.a.origin_realm)

    @staticmethod
    def header(flags, code, app, hbh, e2e, body):
        n = 20 + len(body)
        return (bytes([1]) + n.to_bytes(3, "big") + bytes([flags]) + code.to_bytes(3, "big") +
                struct.pack("!III", app, hbh, e2e) + body)

    def send(self, conn, data):
        with self.lock:
            conn.sendall(data)

    def answer(self, conn, hdr, body):
        flags = hdr["flags"] & 0x40  # keep P, clear R
        self.send(conn, self.header(flags, hdr["code"], hdr["app"], hdr["hbh"], hdr["e2e"], body))

    def on_message(self, conn, hdr, avps):
        code, req = hdr["code"], bool(hdr["flags"] & 0x80)
        sid = find(avps, 263)
        rc = find(avps, 268)
        self.record(CMD.get(code, str(code)) + ("R" if req else "A"), req, sid, rc, avps)
        if not req or (self.muted and code != 282):
            return
        if code == 257:
            body = (avp(268, 2001) + self.origin() + avp(257, b"\x00\x01" + socket.inet_aton(
                self.a.host_ip)) + avp(266, V3GPP) + avp(269, "pcrf_test.py", mandatory=False) +
                avp(265, V3GPP) + avp(260, avp(266, V3GPP) + avp(258, RX_APP)))
            self.answer(conn, hdr, body)
        elif code == 280:
            self.answer(conn, hdr, avp(268, 2001) + self.origin())
        elif code == 282:
            self.answer(conn, hdr, avp(268, 2001) + self.origin())
            time.sleep(0.05)
            conn.shutdown(socket.SHUT_RDWR)
        elif code == 265:
            self.on_aar(conn, hdr, avps, sid)
        elif code == 275:
            known = self.sessions.pop(sid, None) is not None
            self.answer(conn, hdr, avp(263, sid) + avp(268, 2001 if known else 5002) +
                        self.origin() + avp(258, RX_APP))
        else:
            self.answer(conn, hdr, avp(268, 3001) + self.origin())

    def on_aar(self, conn, hdr, avps, sid):
        self.aar_n += 1
        if self.aar_delay:  # this connection's next requests (an STR) wait behind it
            time.sleep(self.aar_delay)
        refuse = False
        for mcd in find_all(avps, 517):
            for codec in find_all(mcd, 524):
                text = str(codec)
                for name in self.a.forbid_codec:
                    if (" " + name.lower() + "/") in text.lower():
                        refuse = True
        body = avp(263, sid) + avp(258, RX_APP) + self.origin()
        if refuse:
            body += avp(297, avp(266, V3GPP) + avp(298, 5063))
        else:
            body += avp(268, 2001)
            self.sessions[sid] = self.known[sid] = (conn, find(avps, 264))
        self.answer(conn, hdr, body)

    def request(self, sid, code, extra):
        ent = self.known.get(sid)
        if not ent:
            print("pcrf_test: no session " + sid, file=sys.stderr)
            return
        conn, af_host = ent
        self.hbh += 1
        body = (avp(263, sid) + self.origin() + avp(283, self.a.af_realm) + avp(293, af_host) +
                avp(258, RX_APP) + extra)
        self.send(conn, self.header(0x80 | 0x40, code, RX_APP, self.hbh, self.hbh, body))

    def control(self, path):
        while True:
            with open(path) as f:
                for line in f:
                    w = line.split()
                    if not w:
                        continue
                    if w[0] == "mute":
                        self.muted = True
                    elif w[0] == "unmute":
                        self.muted = False
                    elif w[0] == "delay" and len(w) == 2:
                        self.aar_delay = int(w[1]) / 1000.0
                    elif w[0] == "rar" and len(w) >= 2:
                        act = int(w[2]) if len(w) > 2 else 2
                        self.request(w[1], 258, avp(285, 0) + avp(513, act, V3GPP))
                    elif w[0] == "asr" and len(w) >= 2:
                        self.request(w[1], 274, avp(500, 0, V3GPP))

    def serve_conn(self, conn):
        buf = b""
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    return
                buf += data
                while len(buf) >= 20:
                    n = int.from_bytes(buf[1:4], "big")
                    if buf[0] != 1 or n < 20:
                        return
                    if len(buf) < n:
                        break
                    m, buf = buf[:n], buf[n:]
                    hdr = {"flags": m[4], "code": int.from_bytes(m[5:8], "big")}
                    hdr["app"], hdr["hbh"], hdr["e2e"] = struct.unpack("!III", m[8:20])
                    self.on_message(conn, hdr, parse_avps(m[20:]))
        except (OSError, ValueError):
            return
        finally:
            conn.close()


def bench_client(a):
    """Baseline for bench_rx.sh: this process as the AF, AAR then STR per
    session, WINDOW AARs in flight, with a body the size of ours."""
    host, port = a.bench_client.rsplit(":", 1)
    s = socket.create_connection((host, int(port)))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    org = avp(264, "raw.bench") + avp(296, "test")
    hdr = Pcrf.header
    s.sendall(hdr(0x80, 257, 0, 1, 1, org + avp(257, b"\x00\x01" + socket.inet_aton(
        s.getsockname()[0])) + avp(266, 0) + avp(269, "raw") + avp(260, avp(266, V3GPP) +
                                                                    avp(258, RX_APP))))
    buf = b""

    def read_one():
        nonlocal buf
        while len(buf) < 20 or len(buf) < int.from_bytes(buf[1:4], "big"):
            d = s.recv(65536)
            if not d:
                raise SystemExit("bench: connection closed")
            buf += d
        n = int.from_bytes(buf[1:4], "big")
        m, buf = buf[:n], buf[n:]
        return int.from_bytes(m[5:8], "big"), struct.unpack("!I", m[12:16])[0]

    read_one()  # CEA
    flow = "permit out 17 from 192.0.2.20 40000 to 10.0.0.1 50000"
    mcd = avp(517, avp(518, 1, V3GPP) + avp(519, avp(509, 1, V3GPP) + avp(507, flow, V3GPP) +
                                             avp(507, flow, V3GPP), V3GPP) +
              avp(519, avp(509, 2, V3GPP) + avp(507, flow, V3GPP) + avp(507, flow, V3GPP),
                  V3GPP) + avp(520, 0, V3GPP) + avp(524, "x" * 300, V3GPP) +
              avp(524, "y" * 200, V3GPP), V3GPP)

    def req(code, i):
        sid = "raw.bench;1;%d;rx" % i
        extra = mcd + avp(8, socket.inet_aton("10.0.0.1")) if code == 265 else avp(295, 1)
        return hdr(0x80 | 0x40, code, RX_APP, i * 2 + (code == 275), i,
                   avp(263, sid) + avp(258, RX_APP) + org + avp(283, "test") + extra)

    n, w = a.bench_n, a.bench_window
    t0 = time.monotonic()
    sent = done = 0
    while sent < min(w, n):
        s.sendall(req(265, sent))
        sent += 1
    # as rx_driver's bench: a session counts at its AAA, its STR goes out
    # then and the next session starts; STAs are read, not waited for
    while done < n:
        code, hbh = read_one()
        if code == 265:
            done += 1
            s.sendall(req(275, hbh // 2))
            if sent < n:
                s.sendall(req(265, sent))
                sent += 1
    dt = time.monotonic() - t0
    print("raw %d sessions %.3f s %.0f aar/s" % (n, dt, n / dt))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--listen", default="127.0.0.1:3868")
    p.add_argument("--origin-host", default="pcrf.test")
    p.add_argument("--origin-realm", default="test")
    p.add_argument("--af-realm", default="test")
    p.add_argument("--forbid-codec", action="append", default=[])
    p.add_argument("--log")
    p.add_argument("--ctl")
    p.add_argument("--bench-client", help="ADDR:PORT: be the AF, measure the raw rate")
    p.add_argument("--bench-n", type=int, default=2000)
    p.add_argument("--bench-window", type=int, default=32)
    a = p.parse_args()
    if a.bench_client:
        bench_client(a)
        return
    host, port = a.listen.rsplit(":", 1)
    a.host_ip = host
    pcrf = Pcrf(a)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, int(port)))
    s.listen(16)
    if a.ctl:
        if not os.path.exists(a.ctl):
            os.mkfifo(a.ctl)
        threading.Thread(target=pcrf.control, args=(a.ctl,), daemon=True).start()
    print("pcrf_test listening on " + a.listen, flush=True)
    while True:
        conn, _ = s.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=pcrf.serve_conn, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
