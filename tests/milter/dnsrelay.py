#!/usr/bin/env python3
"""A DNS relay that the end-to-end tests can kill: forwards every UDP
datagram and TCP connection it gets on 127.0.0.1 to an upstream resolver
(the test world's unbound) and relays the answers back.  Killing it makes
every lookup of a milter that uses it fail (a "DNS server stopped" case),
without touching the shared world.

usage: dnsrelay.py UPSTREAM_ADDR UPSTREAM_PORT PORTFILE [PORT]
Binds PORT (default: a free port) on UDP and TCP, writes it to PORTFILE,
serves until killed.  Pass the port of a killed relay to restart it.
"""
import os
import socket
import sys
import threading
import time

UP = (sys.argv[1], int(sys.argv[2]))


def udp_one(srv, data, client):
    s = socket.socket(socket.AF_INET6 if ":" in UP[0] else socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(10)
    try:
        s.sendto(data, UP)
        ans, _ = s.recvfrom(65535)
        srv.sendto(ans, client)
    except OSError:
        pass
    finally:
        s.close()


def udp_loop(srv):
    while True:
        data, client = srv.recvfrom(65535)
        threading.Thread(target=udp_one, args=(srv, data, client), daemon=True).start()


def pipe(a, b):
    try:
        while True:
            d = a.recv(65535)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    finally:
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def tcp_loop(lst):
    while True:
        c, _ = lst.accept()
        try:
            u = socket.create_connection(UP, timeout=10)
        except OSError:
            c.close()
            continue
        threading.Thread(target=pipe, args=(c, u), daemon=True).start()
        threading.Thread(target=pipe, args=(u, c), daemon=True).start()


def main():
    want = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    for _ in range(50):
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            udp.bind(("127.0.0.1", want))
            port = udp.getsockname()[1]
            tcp.bind(("127.0.0.1", port))
            break
        except OSError:
            udp.close()
            tcp.close()
            if want:   # the old relay's sockets may still be closing
                time.sleep(0.1)
    else:
        sys.exit("dnsrelay: cannot bind a port")
    tcp.listen(64)
    threading.Thread(target=tcp_loop, args=(tcp,), daemon=True).start()
    with open(sys.argv[3] + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(sys.argv[3] + ".tmp", sys.argv[3])
    udp_loop(udp)


if __name__ == "__main__":
    main()
