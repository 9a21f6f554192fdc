#!/usr/bin/env python3
"""A tiny SMTP server with the STARTTLS command injection flaw's signature:
its 220 reply to STARTTLS is followed, in the same write, by a plaintext
"250" line (what a vulnerable server would later read as a TLS-protected
reply).  Then it does TLS and answers EHLO/MAIL/RCPT/QUIT.  For
tests/e2e/70_probe.sh; usage: inject.py ADDR PORT CHAIN_PEM."""
import socket
import ssl
import sys


def lines(f):
    for line in f:
        yield line.rstrip(b"\r\n").upper()


def session(conn, ctx):
    conn.settimeout(10)
    f = conn.makefile("rb")
    conn.sendall(b"220 inject.test ESMTP\r\n")
    for cmd in lines(f):
        if cmd.startswith(b"EHLO"):
            conn.sendall(b"250-inject.test\r\n250 STARTTLS\r\n")
        elif cmd == b"STARTTLS":
            conn.sendall(b"220 2.0.0 go ahead\r\n250 injected\r\n")
            f.close()
            tls = ctx.wrap_socket(conn, server_side=True)
            tf = tls.makefile("rb")
            for c in lines(tf):
                if c.startswith(b"QUIT"):
                    tls.sendall(b"221 bye\r\n")
                    break
                tls.sendall(b"250 ok\r\n")
            return
        elif cmd.startswith(b"QUIT"):
            conn.sendall(b"221 bye\r\n")
            return
        else:
            conn.sendall(b"250 ok\r\n")


def main():
    addr, port, chain = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(chain)
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(8)
    while True:
        conn, _ = s.accept()
        try:
            session(conn, ctx)
        except (OSError, ssl.SSLError):
            pass
        finally:
            conn.close()


main()
