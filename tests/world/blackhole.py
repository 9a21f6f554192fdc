#!/usr/bin/env python3
"""A DNS server that never answers: reads UDP queries and TCP connections on
ADDR:PORT and drops them.  Writes PIDFILE once listening.
Usage: blackhole.py ADDR PORT PIDFILE"""
import os
import selectors
import signal
import socket
import sys

addr, port, pidfile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
sel = selectors.DefaultSelector()
udp = socket.socket(fam, socket.SOCK_DGRAM)
udp.bind((addr, port))
tcp = socket.socket(fam, socket.SOCK_STREAM)
tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
tcp.bind((addr, port))
tcp.listen(64)
sel.register(udp, selectors.EVENT_READ)
sel.register(tcp, selectors.EVENT_READ)
signal.signal(signal.SIGHUP, signal.SIG_IGN)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
try:
    os.setsid()
except OSError:
    pass
with open(pidfile + ".tmp", "w") as f:
    f.write("%d\n" % os.getpid())
os.rename(pidfile + ".tmp", pidfile)
held = []
while True:
    for key, _ in sel.select():
        s = key.fileobj
        if s is udp:
            udp.recvfrom(65535)
        elif s is tcp:
            c, _ = tcp.accept()
            held.append(c)
            sel.register(c, selectors.EVENT_READ)
            if len(held) > 200:
                old = held.pop(0)
                sel.unregister(old)
                old.close()
        else:
            try:
                data = s.recv(65535)
            except OSError:
                data = b""
            if not data:
                sel.unregister(s)
                held.remove(s)
                s.close()
