#!/usr/bin/python3
"""The experiment behind SIP over TCP inside ESP (issue 10 item 1), kept to re-run:
in a scratch namespace with 192.0.2.1 and 2001:db8:1::1 on a veth, a TUN gets
hand-made segments from "the UE" (as a worker writes decrypted ones) and the
kernel answers into it. Run: ip netns exec NS /usr/bin/python3 tcp_tun_probe.py mark|bind

Found (kernel 6.x): with SO_MARK on the sockets and "ip rule fwmark M lookup T",
T = "default dev TUN", a listener on port_ps accepts, its SYN-ACK and data come
out of the TUN, and a connect() from port_pc sends its SYN there, IPv4 and IPv6,
checksums complete (no offload without IFF_VNET_HDR). SO_BINDTODEVICE alone
works for IPv4 but not IPv6 (no route via the TUN). IPv4 needs rp_filter 0 on
the TUN (TcpExtIPReversePathFilter counts the SYN otherwise). The TUN also
carries the kernel's own IPv6 router solicitations: the reader skips non-TCP.
"""
import fcntl, os, socket, struct, sys, select, time
from scapy.layers.inet import IP, TCP
from scapy.layers.inet6 import IPv6
mode = sys.argv[1]  # mark | bind
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, 0x400454ca, struct.pack("16sH", b"tcpesp-t0", 0x0001 | 0x1000))  # IFF_TUN|IFF_NO_PI
os.system("ip link set tcpesp-t0 up mtu 1400")
os.system("sysctl -qw net.ipv4.conf.tcpesp-t0.rp_filter=0"); os.system("sysctl net.ipv4.conf.tcpesp-t0.rp_filter net.ipv4.conf.default.rp_filter net.ipv4.conf.all.rp_filter")
if mode == "mark":
    for f in ("-4", "-6"):
        os.system(f"ip {f} rule add fwmark 0x70 lookup 170; ip {f} route add default dev tcpesp-t0 table 170")
def rd(t):
    end = time.time() + t
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], max(0, end - time.time()))
        if not r: return None
        d = os.read(fd, 2000)
        p = (IP if d[0] >> 4 == 4 else IPv6)(d)
        if TCP in p: return p
        print("  (skipped non-TCP:", p.summary(), ")")
    return None
res = {}
for fam, P, U, ipl in ((socket.AF_INET, "192.0.2.1", "192.0.2.2", IP), (socket.AF_INET6, "2001:db8:1::1", "2001:db8:1::2", IPv6)):
    l = socket.socket(fam, socket.SOCK_STREAM)
    l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if mode == "mark":
        l.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, 0x70)
    else:
        l.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"tcpesp-t0")
    l.bind((P, 6100)); l.listen(5)
    syn = ipl(src=U, dst=P)/TCP(sport=31100, dport=6100, flags="S", seq=1000)
    os.write(fd, bytes(ipl(bytes(syn))))
    pkt = rd(1)
    if not pkt: print(fam, "no SYN-ACK on tun"); continue
    ck = pkt[TCP].chksum; del pkt[TCP].chksum
    ok = ipl(bytes(pkt))[TCP].chksum == ck
    print(fam, "got", pkt.summary(), "csum ok" , ok)
    sa = pkt[TCP]
    ack = ipl(src=U, dst=P)/TCP(sport=31100, dport=6100, flags="A", seq=1001, ack=sa.seq+1)/b"hello"
    os.write(fd, bytes(ipl(bytes(ack))))
    c, peer = l.accept(); print(" accepted", peer, c.recv(10))
    c.send(b"world")
    while (pkt := rd(0.5)):
        print(" tun out:", pkt.summary(), bytes(pkt[TCP].payload))
    # outgoing connect from port 6101 to UE port 31101
    o = socket.socket(fam, socket.SOCK_STREAM)
    o.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    if mode == "mark": o.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, 0x70)
    else: o.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"tcpesp-t0")
    o.bind((P, 6101)); o.setblocking(False)
    try: o.connect((U, 31101))
    except BlockingIOError: pass
    p = rd(1); print(" connect:", p.summary() if p else "nothing on tun")
    # RST for a closed port
    os.write(fd, bytes(ipl(bytes(ipl(src=U, dst=P)/TCP(sport=31100, dport=6102, flags="S")))))
    p = rd(1); print(" closed port:", p.summary() if p else "nothing on tun (went elsewhere)")
