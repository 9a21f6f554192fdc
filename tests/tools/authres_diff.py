#!/usr/bin/python3
"""Differential test of core/authres.c's parser against Debian's
python3-authres (an independent RFC 8601 parser).
  authres_diff.py [--random N] DUMP-TOOL CORPUS [RENDERED]
CORPUS: tests/data/authres/corpus.txt (its header says what each tag
asserts).  RENDERED: fields test_authres wrote (MXR_AUTHRES_DUMP), one
"Authentication-Results:" field each, folds "\\n\\t": each must read the
same in both.  --random N adds N fields generated from the RFC 8601
grammar with a fixed seed (comments nested up to 6 deep with quoted-pairs
and "; dkim=pass" text, quoted reasons and values with quoted-pairs, CFWS
wherever the grammar allows it), within what python3-authres reads
correctly (ptypes smtp, header, body, policy; a quoted pvalue only last
in its result; no keyword starting with "none" or "reason"; no white
space after a comment that follows white space; no empty reason): each must read the same in both.  For every field python3-authres reads as carrying our
authserv-id (mx.test.example), authres_claims_id() must claim it.
Prints "ok NAME" / "bad NAME: why" per field, then a summary; exits 1 if
any field is bad."""
import codecs
import json
import random
import re
import subprocess
import sys

import authres

OURS = "mx.test.example"


def corpus(path):
    with open(path, encoding="ascii") as f:
        lines = f.read().split("\n")
    for n, line in enumerate(lines, 1):
        if not line or line.startswith("#"):
            continue
        tag, val = line.split("\t", 1)
        yield ("line %d" % n, tag, codecs.decode(val, "unicode_escape").encode("latin-1"))


def rendered(path):
    with open(path, encoding="ascii") as f:
        text = f.read()
    for i, f in enumerate(re.split(r"\n(?!\t)", text), 1):
        if f:
            yield ("rendered %d" % i, "same", f[len("Authentication-Results:"):].encode("latin-1"))


CTEXT = [chr(c) for c in range(0x21, 0x7f) if chr(c) not in "()\\"]
QTEXT = [chr(c) for c in range(0x21, 0x7f) if chr(c) not in '"\\']
VCHAR = [chr(c) for c in range(0x21, 0x7f)]
TRAPS = ["; dkim=pass", "dkim=pass;", "spf=pass smtp.mailfrom=x@y.example", "=", ";", "x=\\\""]


def gen_comment(r, depth):
    out = "("
    for _ in range(r.randrange(4)):
        k = r.randrange(6)
        if k == 0 and depth < 6:
            out += gen_comment(r, depth + 1)
        elif k == 1:
            out += "\\" + r.choice(VCHAR)
        elif k == 2:
            out += r.choice(TRAPS).replace("(", "").replace(")", "").replace("\\", "")
        elif k == 3:
            out += " "
        else:
            out += "".join(r.choice(CTEXT) for _ in range(r.randrange(1, 6)))
    return out + ")"


def gen_cfws(r, need=False):
    k = r.randrange(8)
    if k == 0:   # not "FWS comment FWS": python3-authres stops after the comment
        return " " + gen_comment(r, 1)
    if k == 1:
        return "\r\n\t"
    if k == 2:
        return gen_comment(r, 1)
    return " " if need or k < 5 else ""


def gen_quoted(r, least=0):
    out = '"'
    for _ in range(r.randrange(least, 6)):
        k = r.randrange(5)
        if k == 0:
            out += "\\" + r.choice(VCHAR + [" "])
        elif k == 1:
            out += r.choice(TRAPS).replace("\\", "\\\\").replace('"', '\\"')
        elif k == 2:
            out += " "
        else:
            out += "".join(r.choice(QTEXT) for _ in range(r.randrange(1, 5)))
    return out + '"'


def gen_keyword(r):
    while True:
        w = r.choice("abcdefghijklmnopqrstuvwxyz") + "".join(
            r.choice("abcdefghijklmnopqrstuvwxyz0123456789-") for _ in range(r.randrange(6)))
        w = w.rstrip("-")
        if not w.startswith(("none", "reason")):
            return w if r.randrange(4) else w.upper()


def gen_token(r):
    return "".join(r.choice("abcdefghijklmnopqrstuvwxyzABC0123456789!#$%&'*+-.^_`{|}~")
                   for _ in range(r.randrange(1, 10)))


def gen_plain_value(r):
    dom = ".".join(gen_keyword(r).lower() for _ in range(r.randrange(1, 4)))
    k = r.randrange(3)
    if k == 0:
        return "%s@%s" % (gen_keyword(r).lower(), dom)
    if k == 1:
        return dom
    t = gen_token(r)
    return t if "@" not in t and not t.startswith(".") else "x" + t.replace("@", "")


def gen_field(r):
    c = lambda need=False: gen_cfws(r, need)
    f = c() + ".".join(gen_keyword(r).lower() for _ in range(r.randrange(1, 4)))
    if r.randrange(3) == 0:
        f += c(True) + "1"
    n = r.randrange(5)
    if n == 0:
        return f + c() + ";" + c() + "none" + c()
    for _ in range(n):
        f += c() + ";" + c() + gen_keyword(r)
        if r.randrange(4) == 0:
            f += c() + "/" + c() + str(r.randrange(10))
        f += c() + "=" + c() + gen_keyword(r)
        if r.randrange(2):
            f += c(True) + "reason" + c() + "=" + c() + (gen_quoted(r, 1) if r.randrange(3) else gen_token(r))
        props = r.randrange(4)
        for i in range(props):
            quoted = i == props - 1 and r.randrange(2)
            ptype = r.choice(["smtp", "header", "body", "policy", "SMTP", "Header"])
            f += c(True) + ptype + c() + "." + c() + gen_keyword(r) + c() + "=" + c() + \
                (gen_quoted(r) if quoted else gen_plain_value(r))
    return f + c()


def plain(s):
    """A python3-authres value as ours: quoted-pairs undone, folds removed."""
    if s is None:
        return None
    return re.sub(r"\\(.)", r"\1", re.sub(r"\r?\n", "", s), flags=re.S)


def py_read(value):
    try:
        # python3-authres expects an unfolded field (RFC 5322 2.2.3)
        text = re.sub(r"\r?\n(?=[ \t])", "", value.decode("latin-1"))
        h = authres.all_features().parse("Authentication-Results:" + text)
    except Exception:  # authres.core.SyntaxError and its kin
        return None
    res = []
    for r in h.results:
        res.append({"method": r.method, "version": int(r.version or 0), "result": r.result,
                    "reason": plain(r.reason),
                    "props": [[p.type, p.name, plain(p.value) or ""] for p in r.properties]})
    return {"id": h.authserv_id, "version": int(h.version or 0), "results": res}


def main():
    args = sys.argv[1:]
    nrandom = 0
    if args[:1] == ["--random"]:
        nrandom, args = int(args[1]), args[2:]
    tool, cpath = args[0], args[1]
    fields = list(corpus(cpath))
    if len(args) > 2:
        fields += list(rendered(args[2]))
    r = random.Random(14)
    fields += [("random %d" % i, "same", gen_field(r).encode("latin-1")) for i in range(1, nrandom + 1)]
    hexes = "".join(v.hex() + "\n" for _, _, v in fields)
    out = subprocess.run([tool, OURS], input=hexes.encode(), stdout=subprocess.PIPE, check=True).stdout
    ours = [json.loads(l) for l in out.decode("latin-1").splitlines()]
    bad = claimed = 0
    for (name, tag, value), o in zip(fields, ours):
        p = py_read(value)
        why = None
        if p is not None and p["id"] == OURS:
            claimed += 1
            if not o["claims"]:
                why = "python3-authres reads it as ours, authres_claims_id() does not"
        if why is None and tag in ("same", "results"):
            if not o["ok"] or p is None:
                why = "ours %s, python3-authres %s" % ("parses" if o["ok"] else "refuses",
                                                        "parses" if p else "refuses")
            elif o["id"].lower() != p["id"]:
                why = "authserv-id %r vs %r" % (o["id"], p["id"])
            elif tag == "same" and (o["version"] != p["version"] or o["results"] != p["results"]):
                why = "ours %r\n    python3-authres %r" % (o["results"], p["results"])
            elif [(r["method"], r["result"]) for r in o["results"]] != \
                    [(r["method"], r["result"]) for r in p["results"]]:
                why = "results differ: ours %r, python3-authres %r" % (o["results"], p["results"])
        elif why is None and tag == "refuse" and o["ok"]:
            why = "parsed, must be refused: %r" % o
        elif why is None and tag not in ("same", "results", "refuse"):
            why = "unknown tag %r" % tag
        if why:
            bad += 1
            print("bad %s: %s\n    %r" % (name, why, value))
        else:
            print("ok %s" % name)
    print("python3-authres read %d as carrying %s, all claimed" % (claimed, OURS) if not bad else
          "python3-authres read %d as carrying %s" % (claimed, OURS))
    print("%d fields, %d bad" % (len(fields), bad))
    sys.exit(1 if bad or not fields else 0)


main()
