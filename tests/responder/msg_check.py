#!/usr/bin/python3
"""Checks a message the responder sent, with python3-dkim and the email
package (independent of the C code that built it).  Usage:
  msg_check.py [--key DOMAIN:SELECTOR:PEM]... [--dig SERVER] FILE...
Prints one line per file:
  FILE dkim=pass|fail|none longest=N nul=0|1 crlf=0|1 utf8=0|1 parts=TYPE,...
dkim: the DKIM-Signature verified with python3-dkim; the public key comes
from a --key PEM private key given for d=/s= (derived by openssl), or from DNS
TXT through `dig @SERVER` (--dig).  longest: the longest line in octets
(CRLF not counted); nul: a NUL octet anywhere; crlf: every line ends in
CRLF; utf8: every text/* part decodes as strict UTF-8 (its charset);
parts: the MIME types in order.  With --dump-attachment PATH the decoded
content of the first attachment is written to PATH."""
import base64
import email
import subprocess
import sys
from email import policy

import dkim


def pubkey_txt(pem):
    der = subprocess.run(['openssl', 'pkey', '-in', pem, '-pubout', '-outform', 'DER'],
                         capture_output=True, check=True).stdout
    return b'v=DKIM1; k=rsa; p=' + base64.b64encode(der)


def main():
    keys, server, files, dump = {}, None, [], None
    a = sys.argv[1:]
    while a:
        x = a.pop(0)
        if x == '--key':
            d, s, pem = a.pop(0).split(':', 2)
            keys[('%s._domainkey.%s.' % (s, d)).lower()] = pubkey_txt(pem)
        elif x == '--dig':
            server = a.pop(0)
        elif x == '--dump-attachment':
            dump = a.pop(0)
        else:
            files.append(x)

    def dnsfunc(name, timeout=5):
        n = name.decode() if isinstance(name, bytes) else name
        n = n.lower().rstrip('.') + '.'
        if n in keys:
            return keys[n]
        if server is None:
            return None
        out = subprocess.run(['dig', '+short', '+time=3', '@' + server, n, 'TXT'],
                             capture_output=True, text=True).stdout
        return ''.join(p for p in out.replace('\n', ' ').split('"')[1::2]).encode() or None

    rc = 0
    for f in files:
        raw = open(f, 'rb').read()
        # a delivered copy starts with the fields the delivery added
        # (Return-Path, Delivered-To, Received): DKIM ignores them
        if b'DKIM-Signature:' not in raw:
            res = 'none'
        else:
            try:
                res = 'pass' if dkim.verify(raw, dnsfunc=dnsfunc) else 'fail'
            except Exception as e:   # noqa: BLE001 (any verifier error is a failure)
                res = 'fail(%s)' % type(e).__name__
        lines = raw.split(b'\n')
        longest = max(len(l.rstrip(b'\r')) for l in lines)
        crlf = int(all(l.endswith(b'\r') for l in lines[:-1]))
        m = email.message_from_bytes(raw, policy=policy.compat32)
        types, utf8 = [], 1
        for p in m.walk():
            types.append(p.get_content_type())
            if p.get_content_maintype() == 'text' and not p.is_multipart():
                try:
                    p.get_payload(decode=True).decode(p.get_content_charset() or 'us-ascii', 'strict')
                except (UnicodeDecodeError, LookupError):
                    utf8 = 0
            if dump and p.get('Content-Disposition', '').startswith('attachment'):
                if p.get_content_type() == 'message/rfc822':
                    inner = p.get_payload()[0]
                    body = b''.join(q.get_payload(decode=True) or b'' for q in inner.walk()
                                    if not q.is_multipart())
                    open(dump, 'wb').write(inner.as_bytes() + b'\n--decoded--\n' + body)
                else:
                    open(dump, 'wb').write(p.get_payload(decode=True))
                dump = None
        if res != 'pass':
            rc = 1
        print('%s dkim=%s longest=%d nul=%d crlf=%d utf8=%d parts=%s' % (
            f, res, longest, int(b'\0' in raw), crlf, utf8, ','.join(types)))
    sys.exit(rc)


main()
