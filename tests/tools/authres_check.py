#!/usr/bin/python3
"""Parses every Authentication-Results field of FILE (one field a record;
folds are "\\n\\t") with Debian's python3-authres and compares it with what
the text says: authserv-id, each method=result in order, the number of
properties of each method (python3-authres drops some silently, so this
is checked too).  Prints one "ok N" / "bad N: why" line per field; exits 1
if any field is bad or FILE holds none.
  authres_check.py FILE"""
import re
import sys

import authres

text = open(sys.argv[1], encoding="ascii").read()
fields = [f for f in re.split(r"\n(?!\t)", text) if f]
fc = authres.all_features()
bad = 0
for n, f in enumerate(fields, 1):
    why = None
    try:
        if not f.startswith("Authentication-Results:"):
            raise ValueError("not an Authentication-Results field")
        value = f[len("Authentication-Results:"):]
        h = fc.parse(f)
        want_id = value.split(";", 1)[0].strip()
        if h.authserv_id != want_id:
            raise ValueError("authserv-id %r, want %r" % (h.authserv_id, want_id))
        # our methods: each starts a line after ";\n\t"
        methods = re.findall(r";\n\t([a-z0-9-]+)=([a-z]+)", value)
        if re.search(r";\s*none\s*$", value):
            if h.results:
                raise ValueError("'none' parsed as %d results" % len(h.results))
        else:
            got = [(r.method, r.result) for r in h.results]
            if got != methods:
                raise ValueError("results %r, want %r" % (got, methods))
            chunks = re.split(r";\n\t", value)[1:]
            for r, chunk in zip(h.results, chunks):
                # properties: ptype.name= outside quoted strings
                unq = re.sub(r'"(?:[^"\\]|\\.)*"', '""', chunk)
                want = len(re.findall(r"\b(?:smtp|header|body|policy)\.[a-z]+=", unq))
                if len(r.properties) != want:
                    raise ValueError("%s: %d properties parsed, %d written" % (r.method, len(r.properties), want))
                if ("reason=" in unq) != (r.reason is not None):
                    raise ValueError("%s: reason lost" % r.method)
    except Exception as e:  # authres.core.SyntaxError and our checks
        why = "%s: %s" % (type(e).__name__, e)
    if why:
        bad += 1
        print("bad %d: %s\n    %r" % (n, why, f))
    else:
        print("ok %d" % n)
print("%d fields, %d bad" % (len(fields), bad))
sys.exit(1 if bad or not fields else 0)
