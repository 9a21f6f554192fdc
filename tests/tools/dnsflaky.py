#!/usr/bin/env python3
"""A DNS forwarder for the tests that can fail on demand: relays every UDP
datagram and TCP connection it gets on 127.0.0.1 to an upstream resolver
(the test world's unbound) and the answers back, except that
  - SIGUSR1 makes it silent: queries are read and dropped, unanswered (a
    forwarder whose network is down); SIGUSR2 makes it answer again;
  - with --slow LABEL=SECONDS, a query whose name has the label LABEL is
    answered only SECONDS later (an attacker's slow name server behind the
    forwarder); the other names are answered at once, concurrently.
The process group is left alone: stopping it is the caller's business
(SIGTERM), and it writes its pid next to the port.

usage: dnsflaky.py [--slow LABEL=SECONDS] UPSTREAM_ADDR UPSTREAM_PORT PORTFILE [PORT]
Binds PORT (default: a free port) on UDP and TCP, writes "PORT PID" to
PORTFILE once listening, serves until killed.
"""
import os
import signal
import socket
import sys
import threading
import time

args = sys.argv[1:]
SLOW = {}
while args and args[0] == "--slow":
    label, secs = args[1].split("=", 1)
    SLOW[label.lower().encode()] = float(secs)
    args = args[2:]
UP = (args[0], int(args[1]))
PORTFILE = args[2]
PORT = int(args[3]) if len(args) > 3 else 0
FAM = socket.AF_INET6 if ":" in UP[0] else socket.AF_INET
silent = threading.Event()
signal.signal(signal.SIGUSR1, lambda *_: silent.set())
signal.signal(signal.SIGUSR2, lambda *_: silent.clear())
signal.signal(signal.SIGTERM, lambda *_: os._exit(0))


def labels(msg):
    """The labels of the question name of a DNS message, lower case."""
    out, i = [], 12
    while i < len(msg):
        n = msg[i]
        if n == 0 or n & 0xC0:
            break
        out.append(msg[i + 1:i + 1 + n].lower())
        i += 1 + n
    return out


def delay_for(msg):
    return max([SLOW.get(lab, 0.0) for lab in labels(msg)] + [0.0])


def udp_one(srv, data, client):
    d = delay_for(data)
    if d:
        time.sleep(d)
    if silent.is_set():
        return
    s = socket.socket(FAM, socket.SOCK_DGRAM)
    s.settimeout(10)
    try:
        s.sendto(data, UP)
        ans, _ = s.recvfrom(65535)
        if not silent.is_set():
            srv.sendto(ans, client)
    except OSError:
        pass
    finally:
        s.close()


def udp_loop(srv):
    while True:
        data, client = srv.recvfrom(65535)
        if silent.is_set():
            continue
        threading.Thread(target=udp_one, args=(srv, data, client), daemon=True).start()


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        d = s.recv(n - len(b))
        if not d:
            return None
        b += d
    return b


def tcp_query(c, lock, hdr, q):
    d = delay_for(q)
    if d:
        time.sleep(d)
    ans = None
    try:
        u = socket.create_connection(UP, timeout=10)
        try:
            u.sendall(hdr + q)
            alen = recv_exact(u, 2)
            ans = alen + recv_exact(u, int.from_bytes(alen, "big")) if alen else None
        finally:
            u.close()
    except (OSError, TypeError):
        ans = None
    if ans is None or silent.is_set():
        return
    with lock:
        try:
            c.sendall(ans)
        except OSError:
            pass


def tcp_one(c):
    """Queries pipelined on one connection are answered concurrently, each
    as soon as its delay allows (as a real resolver does, RFC 7766 6.2.1.1),
    so that the delay and the silence apply to TCP as to UDP."""
    lock = threading.Lock()
    try:
        while True:
            hdr = recv_exact(c, 2)
            if hdr is None:
                break
            q = recv_exact(c, int.from_bytes(hdr, "big"))
            if q is None:
                break
            if silent.is_set():
                continue
            threading.Thread(target=tcp_query, args=(c, lock, hdr, q), daemon=True).start()
    except OSError:
        pass


def tcp_loop(lst):
    while True:
        c, _ = lst.accept()
        if silent.is_set():
            c.close()
            continue
        threading.Thread(target=tcp_one, args=(c,), daemon=True).start()


udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("127.0.0.1", PORT))
port = udp.getsockname()[1]
tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
tcp.bind(("127.0.0.1", port))
tcp.listen(64)
threading.Thread(target=tcp_loop, args=(tcp,), daemon=True).start()
with open(PORTFILE + ".tmp", "w") as f:
    f.write("%d %d\n" % (port, os.getpid()))
os.rename(PORTFILE + ".tmp", PORTFILE)
udp_loop(udp)
