#!/usr/bin/python3
"""Peers of mxready's readiness check for bench/ready.sh: the same lookups
(bench/lookups.py) through the same resolver, done by other tools.

  peer_check.py ENGINE RESOLVER TA DOMAIN THREADS ITERATIONS

ENGINE:
  dnspython  Python + dnspython stub queries (DO bit, no validation), one
             UDP socket a query; the resolver's cache is warm
  libunbound Python + python3-unbound: validating libunbound context with
             the same forwarder and trust anchor as mxready, shared by the
             threads (warm in-process cache), one ub_resolve() a lookup
  dig        one dig(1) process a wave of lookups (shell-script style; DO
             bit, no validation)
  delv       one delv(1) process a lookup (validating; no cache survives)
After one warm-up check (timed: first_check_seconds, the cold latency when
caches are empty), THREADS threads run ITERATIONS checks.  Prints
  peer=ENGINE checks=N threads=T seconds=S rate=R lookups_per_check=L
  cpu_us_per_check=C first_check_seconds=F
(C counts this process and its dig/delv children, not the resolver.)
"""
import os
import resource
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lookups  # noqa: E402

import dns.flags  # noqa: E402
import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rdata  # noqa: E402
import dns.rdataclass  # noqa: E402
import dns.rdatatype  # noqa: E402


def split(a):
    host, _, port = a.rpartition("@")
    return host, int(port)


def engine_dnspython(resolver, ta):
    ip, port = split(resolver)

    def one(name, typ):
        q = dns.message.make_query(name, typ, want_dnssec=True)
        try:
            r = dns.query.udp(q, ip, port=port, timeout=3)
            if r.flags & dns.flags.TC:
                r = dns.query.tcp(q, ip, port=port, timeout=3)
        except Exception:   # timeouts, malformed answers: a temperror
            return {"outcome": "error"}
        if r.rcode() == dns.rcode.NXDOMAIN:
            return {"outcome": "nxdomain"}
        if r.rcode() != dns.rcode.NOERROR:
            return {"outcome": "error"}
        want = dns.rdatatype.from_text(typ)
        rrs = [rd.to_text() for rs in r.answer if rs.rdtype == want for rd in rs]
        return {"outcome": "answer", "rrs": rrs} if rrs else {"outcome": "nodata"}

    return lambda need: {(n, t): one(n, t) for n, t in need}


def engine_libunbound(resolver, ta):
    import unbound
    ctx = unbound.ub_ctx()
    ctx.set_fwd(resolver)
    ctx.add_ta_file(ta)
    # Same built-in local zone treatment as mxready is irrelevant here: the
    # world lives under xtest., which is no special-use name.

    def one(name, typ):
        t = dns.rdatatype.from_text(typ)
        status, res = ctx.resolve(name, int(t), unbound.RR_CLASS_IN)
        if status != 0 or res is None or res.bogus:
            return {"outcome": "error"}
        if res.nxdomain:
            return {"outcome": "nxdomain"}
        if res.rcode != 0:
            return {"outcome": "error"}
        if not res.havedata:
            return {"outcome": "nodata"}
        rrs = []
        for raw in res.data.raw:
            wire = bytes(raw)
            rd = dns.rdata.from_wire(dns.rdataclass.IN, t, wire, 0, len(wire))
            rrs.append(rd.to_text())
        return {"outcome": "answer", "rrs": rrs}

    return lambda need: {(n, t): one(n, t) for n, t in need}


def engine_dig(resolver, ta):
    ip, port = split(resolver)

    def many(need):
        if not need:
            return {}
        args = ["dig", "@" + ip, "-p", str(port), "+dnssec", "+noall", "+answer",
                "+time=3", "+tries=1"]
        for n, t in need:
            args += [n, t]
        out = subprocess.run(args, capture_output=True, text=True).stdout
        got = {}
        for line in out.splitlines():
            f = line.split(None, 4)
            if len(f) == 5 and not line.startswith(";"):
                got.setdefault((f[0].rstrip(".").lower(), f[3]), []).append(f[4])
        return {(n, t): ({"outcome": "answer", "rrs": got[(n, t)]} if (n, t) in got
                         else {"outcome": "nodata"}) for n, t in need}

    return many


def engine_delv(resolver, ta):
    ip, port = split(resolver)

    def one(name, typ):
        p = subprocess.run(["delv", "@" + ip, "-p", str(port), "-a", ta, "+root=xtest",
                            "+nodnssec", "+nocomments",
                            name, typ], capture_output=True, text=True)
        rrs = []
        for line in p.stdout.splitlines():
            f = line.split(None, 4)
            if len(f) == 5 and not line.startswith(";") and f[3] == typ:
                rrs.append(f[4])
        return {"outcome": "answer", "rrs": rrs} if rrs else {"outcome": "nodata"}

    return lambda need: {(n, t): one(n, t) for n, t in need}


ENGINES = {"dnspython": engine_dnspython, "libunbound": engine_libunbound,
           "dig": engine_dig, "delv": engine_delv}


def cpu():
    """CPU seconds of this process and of the tools it ran (dig, delv)."""
    t = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        r = resource.getrusage(who)
        t += r.ru_utime + r.ru_stime
    return t


def main():
    if len(sys.argv) != 7 or sys.argv[1] not in ENGINES:
        sys.exit(__doc__)
    eng, resolver, ta, domain = sys.argv[1:5]
    threads, iterations = int(sys.argv[5]), int(sys.argv[6])
    resolve_many = ENGINES[eng](resolver, ta)
    t0 = time.monotonic()
    per_check = lookups.run_waves(domain, resolve_many)   # warm-up
    first = time.monotonic() - t0
    counts = [iterations // threads + (1 if i < iterations % threads else 0)
              for i in range(threads)]

    def work(n):
        for _ in range(n):
            lookups.run_waves(domain, resolve_many)

    ts = [threading.Thread(target=work, args=(n,)) for n in counts]
    c0 = cpu()
    t0 = time.monotonic()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    el = time.monotonic() - t0
    us = (cpu() - c0) * 1e6 / iterations if iterations else 0.0
    print("peer=%s checks=%d threads=%d seconds=%.4f rate=%.1f lookups_per_check=%d "
          "cpu_us_per_check=%.0f first_check_seconds=%.4f" % (
              eng, iterations, threads, el, iterations / el if el > 0 else 0.0, per_check,
              us, first))


if __name__ == "__main__":
    main()
