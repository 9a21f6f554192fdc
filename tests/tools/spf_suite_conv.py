#!/usr/bin/python3
"""Converts the RFC 7208 test suite (YAML) into the input of spf_suite:
per scenario, table-DNS lines (core/dns.h table backend) and the cases.

    spf_suite_conv.py rfc7208-tests.yml > suite.txt

Output lines:
    @scenario DESCRIPTION
    NAME TYPE DATA                 a table line
    @ddd NAME TXT "..."            a table line that needs \\DDD escapes
                                   (control characters); spf_suite uses it
                                   only if the table backend decodes them
    @unrep NAME TYPE DATA          a line the table cannot hold (blanks in
                                   the name, written as \\032)
    @case<TAB>NAME<TAB>HOST<TAB>HELO<TAB>MAILFROM<TAB>RESULTS<TAB>EXPLANATION

Zone data follows the suite's own driver (pyspf testspf.py):
  - type SPF records are served as TXT only when the name has no TXT entry;
    "TXT: NONE" just suppresses that (RFC 7208 dropped the SPF RR type);
  - TIMEOUT after a record of the asked type does not time out that type:
    the only such name (spftimeout) is asked for TXT only, so its TIMEOUT is
    dropped; a TIMEOUT before any record makes every lookup of the name
    time out (the table's "NAME TIMEOUT");
  - a name whose entries all vanish still exists (answers NODATA).
"""
import os
import sys
import yaml


def txt_quote(parts):
    """Quoted strings; returns (text, needs_ddd)."""
    out, ddd = [], False
    for s in parts:
        b = s.encode('utf-8')
        q = []
        for c in b:
            if c in (0x22, 0x5c):
                q.append('\\' + chr(c))
            elif c < 0x20 or c == 0x7f:
                q.append('\\%03d' % c)
                ddd = True
            else:
                q.append(bytes([c]).decode('latin-1'))
        out.append('"' + ''.join(q) + '"')
    # latin-1 above keeps each octet; re-encode the line as octets later
    return ' '.join(out), ddd


def emit_name(w, name, entries):
    has_txt = any(isinstance(e, dict) and 'TXT' in e for e in entries)
    lines, timeout = [], False
    for e in entries:
        if e == 'TIMEOUT':
            if not lines:
                timeout = True
            continue
        for t, v in e.items():
            if t == 'SPF':
                if has_txt:
                    continue
                t = 'TXT'
            if t == 'TXT':
                if v == 'NONE':
                    continue
                parts = v if isinstance(v, list) else [v]
                text, ddd = txt_quote(parts)
                lines.append(('@ddd ' if ddd else '') + '%s TXT %s' % (name, text))
            elif t == 'MX':
                pref, host = v
                lines.append('%s MX %d %s' % (name, pref, host if host else '.'))
            elif t in ('A', 'AAAA', 'PTR', 'CNAME'):
                lines.append('%s %s %s' % (name, t, v))
            else:
                raise SystemExit('unknown type %s' % t)
    if any(c.isspace() for c in name):
        # The table format splits on blanks; \032 keeps the line usable by
        # spf_libspf2_suite, whose zone layer takes such names.
        enc = name.replace(' ', '\\032')
        for line in lines:
            w('@unrep ' + enc + line[len(name):] + '\n')
        return
    if timeout:
        w('%s TIMEOUT\n' % name)
        return
    if not lines:
        w('%s DNSSEC insecure\n' % name)   # exists, no records
        return
    for line in lines:
        w(line + '\n')


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'data', 'spf', 'rfc7208-tests.yml')
    out = sys.stdout.buffer
    def w(s):
        out.write(s.encode('latin-1'))
    for doc in yaml.safe_load_all(open(src, encoding='utf-8')):
        w('@scenario %s\n' % doc['description'])
        for name, entries in doc.get('zonedata', {}).items():
            emit_name(w, name, entries)
        for cname, t in doc['tests'].items():
            res = t['result']
            res = res if isinstance(res, list) else [res]
            exp = t.get('explanation')
            fields = [cname, t['host'], t['helo'], t['mailfrom'], ','.join(res),
                      '-' if exp is None else exp]
            for f in fields:
                if '\t' in f or '\n' in f:
                    raise SystemExit('tab or newline in a field of ' + cname)
            w('@case\t' + '\t'.join(fields) + '\n')


if __name__ == '__main__':
    main()
