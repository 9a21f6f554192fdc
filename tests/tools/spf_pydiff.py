#!/usr/bin/python3
"""Differential run: python3-spf (pyspf, Debian) on the SPF scenarios of the
DNS test world, against our evaluator (tests/tools/spf_check).

    spf_pydiff.py CASES RESOLVER_ADDR@PORT SPF_CHECK TRUST_ANCHOR

Prints one line per case, "agree: ..." or "DISAGREE: ...", and a last line
"pyspf differential: N agree, M disagree".  pyspf asks the world's resolver
directly (dnspython); a HELO-scope case is pyspf's check with an empty
sender, which is how pyspf evaluates postmaster@HELO.
"""
import json
import subprocess
import sys

import dns.resolver
import spf


def main():
    cases, resolver, spf_check, ta = sys.argv[1:5]
    addr, port = resolver.split('@')
    r = dns.resolver.Resolver(configure=False)
    r.nameservers = [addr]
    r.port = int(port)
    r.lifetime = 3
    dns.resolver.default_resolver = r
    agree = disagree = 0
    for line in open(cases):
        line = line.rstrip('\n')
        if not line or line.startswith('#'):
            continue
        scope, ip, helo, mfrom, want, what = line.split('|')
        out = subprocess.run([spf_check, '--resolver', resolver, '--trust-anchor', ta,
                              '--timeout', '3', '--client-ip', ip, '--helo', helo,
                              '--mail-from', mfrom, '--scope', scope],
                             capture_output=True, text=True)
        ours = json.loads(out.stdout)['result'] if out.returncode == 0 else 'error'
        sender = '' if scope == 'helo' else mfrom
        try:
            theirs, _ = spf.check2(i=ip, s=sender, h=helo, timeout=3, querytime=3)
        except Exception as e:  # pyspf raising is a disagreement too
            theirs = 'exception:%s' % type(e).__name__
        tag = 'agree' if ours == theirs else 'DISAGREE'
        if ours == theirs:
            agree += 1
        else:
            disagree += 1
        print('%s: %s %s helo=%s from=%s: ours %s, pyspf %s (%s)'
              % (tag, scope, ip, helo, mfrom or '<>', ours, theirs, what))
    print('pyspf differential: %d agree, %d disagree' % (agree, disagree))


if __name__ == '__main__':
    main()
