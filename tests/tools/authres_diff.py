#!/usr/bin/python3
"""Differential test of core/authres.c's parser against Debian's
python3-authres (an independent RFC 8601 parser).
  authres_diff.py DUMP-TOOL CORPUS [RENDERED]
CORPUS: tests/data/authres/corpus.txt (its header says what each tag
asserts).  RENDERED: fields test_authres wrote (MXR_AUTHRES_DUMP), one
"Authentication-Results:" field each, folds "\\n\\t": each must read the
same in both.  For every field python3-authres reads as carrying our
authserv-id (mx.test.example), authres_claims_id() must claim it.
Prints "ok NAME" / "bad NAME: why" per field, then a summary; exits 1 if
any field is bad."""
import codecs
import json
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
    tool, cpath = sys.argv[1], sys.argv[2]
    fields = list(corpus(cpath))
    if len(sys.argv) > 3:
        fields += list(rendered(sys.argv[3]))
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
