#!/usr/bin/python3
"""The depth of the longest chain of dependent lookups of one full mxready
check (bench/ready.sh part b), and a comparison with a measured trace.

  depth.py RESOLVER ZONES_LIST TA_FILE DOMAIN [TRACE]

The lookups are those of bench/lookups.py (issue 2's checks, SPF and DMARC
included).  A lookup sent at round s is answered at s+1.  mxready gets an
answer only once libunbound has validated it, and libunbound's validator
fetches the chain of trust top-down after the answer names its signer: the
trust anchor zone's DNSKEY, then for each zone cut down to the answer's zone
its DS and (if signed) its DNSKEY, one round each; keys fetched once serve
every later answer.  Follow-up lookups leave when the validated answer they
depend on arrives.  Every lookup leaves as early as that allows (the
schedule of a perfectly parallel client of libunbound); the depth is the
round at which the last validated answer arrives.  data_depth is the same
without DNSSEC (answers usable on arrival).

With a TRACE of bench/delayproxy.py, prints where the time went
(resolver_ms: the resolver's own answer time, slowest query of each round;
between_rounds_ms: from the last answer passed on to the next round's first
query, i.e. validation, callbacks, scheduling), then measured_rounds and
the lookups that left in a later round than the schedule allows (where
mxready serialises); a query's round is one more than that of the latest
answer passed on before it left.
"""
import heapq
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lookups  # noqa: E402

import dns.flags  # noqa: E402
import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rdatatype  # noqa: E402

INF = float("inf")


def resolver_fn(resolver):
    ip, _, port = resolver.rpartition("@")

    def one(name, typ):
        q = dns.message.make_query(name, typ, want_dnssec=True)
        r = dns.query.udp(q, ip, port=int(port), timeout=3)
        if r.flags & dns.flags.TC:
            r = dns.query.tcp(q, ip, port=int(port), timeout=3)
        # Owner names of the answer: a CNAME chain crosses zones.
        names = [name] + [rd.target.to_text().rstrip(".").lower() for rs in r.answer
                          if rs.rdtype == dns.rdatatype.CNAME for rd in rs]
        if r.rcode() == dns.rcode.NXDOMAIN:
            return {"outcome": "nxdomain", "names": names}
        if r.rcode() != dns.rcode.NOERROR:
            return {"outcome": "error", "names": names}
        want = dns.rdatatype.from_text(typ)
        rrs = [rd.to_text() for rs in r.answer if rs.rdtype == want for rd in rs]
        return {"outcome": "answer" if rrs else "nodata", "rrs": rrs, "names": names}

    return one


class Model:
    def __init__(self, zones, anchor, validate):
        self.zones, self.anchor, self.validate = zones, anchor, validate
        self.trig, self.memo, self.fetch = {}, {}, {}

    def chain(self, name):
        """Zones from the trust anchor down to the zone holding name."""
        under = [z for z in self.zones if name == z or name.endswith("." + z)]
        under = [z for z in under if z == self.anchor or z.endswith("." + self.anchor)]
        return sorted(under, key=lambda z: z.count("."))

    def ready(self, z, ch):
        """Round at which the validator holds z's key (or its proof of
        insecurity)."""
        if z in self.memo:
            return self.memo[z]
        i = ch.index(z)
        if i == 0:
            r = self.trig[z] + 1
            self.fetch[(z, "DNSKEY")] = r - 1
        else:
            start = max(self.ready(ch[i - 1], ch), self.trig[z])
            self.fetch[(z, "DS")] = start
            if self.zones[z] == "unsigned":
                r = start + 1
            else:
                r = start + 2
                self.fetch[(z, "DNSKEY")] = start + 1
        self.memo[z] = r
        return r

    def validated(self, names, raw):
        if not self.validate:
            return raw
        v = raw
        for n in names:
            ch = self.chain(n)
            for z in ch:
                self.trig[z] = min(self.trig.get(z, INF), raw)
            if ch:
                v = max(v, self.ready(ch[-1], ch))
        return v


def schedule(domain, resolve, model):
    sent, valid, answers, expanded = {}, {}, {}, set()
    heap, seq = [], 0
    for q in lookups.wave1(domain):
        heapq.heappush(heap, (0, seq, q))
        seq += 1
    while heap:
        s, _, q = heapq.heappop(heap)
        if q in expanded:
            continue
        expanded.add(q)
        key = (q[0], q[1])
        if key not in sent:
            sent[key] = s
            answers[key] = resolve(*key)
            valid[key] = model.validated(answers[key]["names"], s + 1)
        if q[2]:
            for c in lookups.followups(q[0], q[1], q[2], answers[key]):
                heapq.heappush(heap, (max(s, valid[key]), seq, c))
                seq += 1
    return sent, valid


def main():
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__)
    resolver, zones_list, ta_file, domain = sys.argv[1:5]
    zones = {}
    for line in open(zones_list):
        f = line.split()
        if len(f) >= 2 and not f[0].startswith("#"):
            zones[f[0].rstrip(".").lower()] = f[1]
    anchor = open(ta_file).read().split()[0].rstrip(".").lower()
    resolve = resolver_fn(resolver)
    m = Model(zones, anchor, True)
    sent, valid = schedule(domain, resolve, m)
    depth = max(valid.values())
    _, dvalid = schedule(domain, resolve, Model(zones, anchor, False))
    print("depth=%d data_depth=%d lookups=%d dnssec_fetches=%d" % (
        depth, max(dvalid.values()), len(sent), len(m.fetch)))
    rows = [(s, valid[k], k[0], k[1], "") for k, s in sent.items()]
    rows += [(s, s + 1, z, t, "(validator)") for (z, t), s in m.fetch.items()]
    rows.sort()
    print("schedule (round sent -> round the validated answer reaches the check):")
    for s, v, n, t, note in rows:
        print("  %d -> %d  %s %s %s" % (s, v, n, t, note))
    if len(sys.argv) == 6:
        trace = sys.argv[5]
        recs, ups = [], {}
        for line in open(trace):
            f = line.split()
            try:
                recs.append((float(f[0]), float(f[2]), f[3].rstrip(".").lower(), f[4]))
                ups[(float(f[0]), f[3].rstrip(".").lower(), f[4])] = float(f[1])
            except (ValueError, IndexError):
                continue
        if not recs:
            print("trace: empty")
            return
        # A query's round: one more than the latest answer passed on before
        # it left (0 if none had), so drift from processing time does not
        # shift rounds.
        recs.sort()
        rnd = []
        for tq, _, _, _ in recs:
            rnd.append(1 + max([rnd[j] for j, r in enumerate(recs[:len(rnd)]) if r[1] <= tq],
                               default=-1))
        real = {}
        for (tq, _, n, typ), r in zip(recs, rnd):
            real.setdefault((n, typ), r)
        # Where the time beyond rounds x delay went: the resolver's own
        # answer time (slowest query of each round), and the time between
        # the last answer a round needed and the round's first query (the
        # checker: libunbound's validation, mxready's callbacks, scheduling).
        up = {}
        for (tq, tp, n, typ), r in zip(recs, rnd):
            up[r] = max(up.get(r, 0.0), ups[(tq, n, typ)] - tq)
        gaps = []
        for r in range(1, max(rnd) + 1):
            first = min(tq for (tq, _, _, _), rr in zip(recs, rnd) if rr == r)
            before = [tp for (_, tp, _, _) in recs if tp <= first]
            if before:
                gaps.append(first - max(before))
        print("resolver_ms=%.1f between_rounds_ms=%.1f max_gap_ms=%.1f" % (
            sum(up.values()) * 1e3, sum(gaps) * 1e3, max(gaps, default=0.0) * 1e3))
        want = dict(((k[0], k[1]), s) for k, s in sent.items())
        want.update({(z, t): s for (z, t), s in m.fetch.items()})
        late = sorted((r - want[k], k, want[k], r) for k, r in real.items()
                      if k in want and r > want[k])
        print("measured_rounds=%d late=%d" % (max(real.values()) + 1, len(late)))
        for d, k, w, r in late:
            print("  late by %d: %s %s left in round %d, could leave in round %d" % (
                d, k[0], k[1], r, w))
        missing = sorted(k for k in want if k not in real)
        if missing:
            print("  not asked by mxready (cached or not implemented): " +
                  ", ".join("%s %s" % k for k in missing))


if __name__ == "__main__":
    main()
