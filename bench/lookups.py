"""The lookups of one full mxready readiness check of a domain, as issue 2
specifies them, shared by bench/peer_check.py (peers doing the same work)
and bench/depth.py (the longest chain of dependent lookups).

A lookup is (name, type, tag); the tag says what its answer leads to:
  mx     MX of the domain      -> A, AAAA, TLSA _25._tcp of each host (<= 10)
  ns     NS                    -> AAAA of each name server (<= 10); no NS
                                  (not a zone apex) -> NS of the parent
  spf    TXT holding SPF       -> include:/redirect= TXT, a -> A+AAAA,
                                  mx -> MX (tag spfmx), exists -> A
  spfmx  MX of an SPF mx term  -> A, AAAA of each host (<= 10)
  dmarc  TXT at _dmarc         -> none found: _dmarc of the organizational
                                  domain; external rua/ruf -> authorization
                                  TXT at D._report._dmarc.E (RFC 7489 7.1)
Organizational domain: the last two labels (what libpsl's "*" rule gives in
the xtest. world).  Answers are {"outcome": answer|nxdomain|nodata|error,
"rrs": [presentation text, ...]}.
"""

MAX_HOSTS = 10   # MX hosts examined (internet.nl); NS hosts likewise


def wave1(d):
    return [(d, "MX", "mx"), (d, "A", ""), (d, "AAAA", ""), (d, "NS", "ns"),
            (d, "SOA", ""), ("_domainkey." + d, "TXT", ""),
            ("_25._tcp." + d, "TLSA", ""), (d, "TXT", "spf"),
            ("_dmarc." + d, "TXT", "dmarc")]


def org(name):
    return ".".join(name.split(".")[-2:])


def unquote_txt(rr):
    """'"a" "b"' (presentation TXT) -> 'ab'."""
    out, inq, esc = [], False, False
    for c in rr:
        if esc:
            out.append(c)
            esc = False
        elif c == "\\" and inq:
            esc = True
        elif c == '"':
            inq = not inq
        elif inq:
            out.append(c)
    return "".join(out) if '"' in rr else rr


def host(rr):
    """Target of an MX ("10 mx1.x.") or NS/CNAME rdata, no final dot."""
    return rr.split()[-1].rstrip(".").lower()


def followups(name, typ, tag, ans):
    out = []
    rrs = ans.get("rrs", []) if ans.get("outcome") == "answer" else []
    if tag in ("mx", "spfmx"):
        hosts = [host(r) for r in sorted(rrs, key=lambda r: int(r.split()[0]))]
        for h in [h for h in hosts if h][:MAX_HOSTS]:
            out += [(h, "A", ""), (h, "AAAA", "")]
            if tag == "mx":
                out.append(("_25._tcp." + h, "TLSA", ""))
    elif tag == "ns":
        if ans.get("outcome") in ("nodata", "nxdomain") and name.count(".") >= 2:
            out.append((name.split(".", 1)[1], "NS", "ns"))
        for h in [host(r) for r in rrs][:MAX_HOSTS]:
            out.append((h, "AAAA", ""))
    elif tag == "spf":
        recs = [t for t in map(unquote_txt, rrs) if t.lower().split()[:1] == ["v=spf1"]]
        if len(recs) == 1:
            for term in recs[0].split()[1:]:
                t = term.lstrip("+-~?").lower()
                if "%" in t:
                    continue   # macros need the client: not part of the check
                mech, _, arg = t.partition(":")
                if mech.startswith("redirect="):
                    mech, arg = "redirect", t.split("=", 1)[1]
                arg = arg.split("/")[0] or name
                if mech.split("/")[0] in ("a",):
                    out += [(arg, "A", ""), (arg, "AAAA", "")]
                elif mech.split("/")[0] == "mx":
                    out.append((arg, "MX", "spfmx"))
                elif mech in ("include", "redirect"):
                    out.append((arg, "TXT", "spf"))
                elif mech == "exists":
                    out.append((arg, "A", ""))
    elif tag == "dmarc":
        dom = name.split(".", 1)[1]
        recs = [t for t in map(unquote_txt, rrs) if t.replace(" ", "").lower().startswith("v=dmarc1")]
        if not recs and dom != org(dom):
            out.append(("_dmarc." + org(dom), "TXT", "dmarc"))
        for rec in recs[:1]:
            for part in rec.split(";"):
                k, _, v = part.strip().partition("=")
                if k.strip().lower() in ("rua", "ruf"):
                    for uri in v.split(","):
                        uri = uri.strip()
                        if uri.lower().startswith("mailto:") and "@" in uri:
                            e = uri.split("@", 1)[1].split("!")[0].rstrip(".").lower()
                            if org(e) != org(dom):
                                out.append((dom + "._report._dmarc." + e, "TXT", ""))
    return out


def run_waves(domain, resolve_many):
    """Does every lookup of a check, wave by wave, with resolve_many(list of
    (name, type)) -> {(name, type): answer}.  Returns the number of lookups."""
    answers, expanded = {}, set()
    wave = wave1(domain)
    while wave:
        need = sorted({(n, t) for n, t, _ in wave} - answers.keys())
        answers.update(resolve_many(need))
        nxt = []
        for q in wave:
            if q in expanded:
                continue
            expanded.add(q)
            if q[2]:
                nxt += followups(q[0], q[1], q[2], answers[(q[0], q[1])])
        wave = [q for q in nxt if q not in expanded]
    return len(answers)
