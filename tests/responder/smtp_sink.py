#!/usr/bin/python3
"""A one-port SMTP server for the responder's tests (RFC 5321, no
extensions): it keeps every transaction as it
came over the wire, so that the tests see the exact octets the responder
sent.  Transaction N is written to DIR/N.env ("MAIL FROM:<...>" and
"RCPT TO:<...>" lines) and DIR/N.eml (the data, dot-stuffing removed, line
ends as received).  The reply to the final "." comes from DIR/data-reply if
that file exists (e.g. "554 5.7.1 rejected"), else "250 2.0.0 queued";
a 5xx/4xx data reply still writes the files (with .rejected appended to
the .env).  Usage: smtp_sink.py DIR: listens on a free port of 127.0.0.1,
writes it to DIR/port when ready; runs until killed."""
import os
import socket
import sys


def serve(conn, d, counter):
    f = conn.makefile('rb')
    out = conn.makefile('wb')

    def say(s):
        out.write(s.encode() + b'\r\n')
        out.flush()
    say('220 sink ESMTP')
    env = []
    while True:
        line = f.readline()
        if not line:
            return
        cmd = line.rstrip(b'\r\n').decode('latin-1')
        u = cmd.upper()
        if u.startswith('EHLO') or u.startswith('HELO'):
            say('250 sink')
        elif u.startswith('MAIL FROM:'):
            env = [cmd]
            say('250 2.1.0 ok')
        elif u.startswith('RCPT TO:'):
            env.append(cmd)
            say('250 2.1.5 ok')
        elif u == 'DATA':
            say('354 go ahead')
            data = bytearray()
            while True:
                l = f.readline()
                if not l or l in (b'.\r\n', b'.\n'):
                    break
                if l.startswith(b'.'):
                    l = l[1:]
                data += l
            counter[0] += 1
            n = counter[0]
            reply = '250 2.0.0 queued'
            rp = os.path.join(d, 'data-reply')
            if os.path.exists(rp):
                reply = open(rp).read().strip()
            with open(os.path.join(d, '%d.eml' % n), 'wb') as w:
                w.write(bytes(data))
            with open(os.path.join(d, '%d.env' % n), 'w') as w:
                w.write('\n'.join(env) + '\n' + ('' if reply.startswith('2') else 'rejected\n'))
            say(reply)
        elif u == 'QUIT':
            say('221 bye')
            return
        elif u in ('RSET', 'NOOP'):
            say('250 ok')
        else:
            say('502 5.5.1 not implemented')


def main():
    d = sys.argv[1]
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(('127.0.0.1', 0))
    s.listen(8)
    with open(os.path.join(d, 'port.tmp'), 'w') as w:
        w.write('%d\n' % s.getsockname()[1])
    os.rename(os.path.join(d, 'port.tmp'), os.path.join(d, 'port'))
    counter = [0]
    while True:
        c, _ = s.accept()
        try:
            serve(c, d, counter)
        except OSError:
            pass
        finally:
            c.close()


main()
