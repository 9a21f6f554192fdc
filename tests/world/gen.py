#!/usr/bin/env python3
"""Builds the zone files of the DNS test world (see tests/world/README.md).

  gen.py build SRC DIR   keys, assembled unsigned zones, DIR/zones.list, DIR/ta.ds
  gen.py ptr DIR         adds PTR records to the reverse zones of the world
  gen.py sign DIR        signs the zones (per mode), checks every zone file

Standard library only.  Zone templates are plain zone-file text with one
record per line (no parentheses); a line starting with blank space reuses the
previous owner.  Names are relative to the zone unless they end with a dot.
"""
import concurrent.futures
import ipaddress
import os
import secrets
import subprocess
import sys
import time

MODES = ("signed", "unsigned", "bogus", "expired", "dead")
SIGNED_MODES = ("signed", "bogus", "expired")
DEFAULT_NS = ("ns1.xtest.", "ns2.xtest.")
DEFAULT_TTL = 300


def die(msg):
    sys.stderr.write("gen.py: %s\n" % msg)
    sys.exit(1)


def fqdn(name, origin):
    """Absolute lower-case name with final dot."""
    if name == "@":
        return origin
    if name.endswith("."):
        return name.lower()
    return (name + "." + origin).lower()


def tokens(line):
    """Splits a zone-file line into tokens; quoted strings stay one token
    (with their quotes); a ';' outside quotes starts a comment."""
    out, cur, inq, i = [], "", False, 0
    while i < len(line):
        c = line[i]
        if inq:
            cur += c
            if c == "\\" and i + 1 < len(line):
                cur += line[i + 1]
                i += 1
            elif c == '"':
                inq = False
        elif c == '"':
            cur += c
            inq = True
        elif c == ";":
            break
        elif c in " \t":
            if cur:
                out.append(cur)
                cur = ""
        else:
            cur += c
        i += 1
    if cur:
        out.append(cur)
    return out


def parse(text, origin):
    """Yields (owner, type, rdata-tokens) of the records of zone text."""
    owner = origin
    for raw in text.splitlines():
        t = tokens(raw)
        if not t:
            continue
        if t[0].upper() == "$ORIGIN":
            origin = fqdn(t[1], origin)
            continue
        if t[0].startswith("$"):
            continue
        if raw[0] not in " \t":
            owner = fqdn(t[0], origin)
            t = t[1:]
        while t and (t[0].isdigit() or t[0].upper() in ("IN", "CH", "HS")):
            t = t[1:]
        if not t:
            continue
        rtype = t[0].upper()
        rdata = t[1:]
        if rtype in ("NS", "CNAME", "PTR", "DNAME") and rdata:
            rdata = [fqdn(rdata[0], origin)]
        elif rtype == "MX" and len(rdata) == 2:
            rdata = [rdata[0], fqdn(rdata[1], origin)]
        yield owner, rtype, rdata


def read_manifest(src):
    zones = []
    path = os.path.join(src, "zones", "manifest")
    with open(path) as f:
        for n, line in enumerate(f, 1):
            t = line.split("#", 1)[0].split()
            if not t:
                continue
            if len(t) < 2 or t[1] not in MODES:
                die("%s:%d: want 'ZONE MODE [OPTION...]', MODE one of %s" % (path, n, "|".join(MODES)))
            name = t[0].lower().rstrip(".") + "."
            if any(z["name"] == name for z in zones):
                die("%s:%d: zone %s listed twice" % (path, n, name))
            zones.append({"name": name, "mode": t[1], "opts": t[2:]})
    return zones


def parent_of(zone, zones):
    best = None
    for z in zones:
        if z is zone:
            continue
        if zone["name"].endswith("." + z["name"]) and (best is None or len(z["name"]) > len(best["name"])):
            best = z
    return best


def keygen(keydir, name, ksk=True):
    args = ["ldns-keygen", "-r", "/dev/urandom", "-a", "ECDSAP256SHA256"]
    if ksk:
        args.append("-k")
    r = subprocess.run(args + [name], cwd=keydir, capture_output=True, text=True)
    if r.returncode != 0:
        die("ldns-keygen %s: %s" % (name, r.stderr.strip()))
    return os.path.join(keydir, r.stdout.strip())


def ds_of(keybase):
    """The DS (SHA-256) ldns-keygen wrote next to the key."""
    with open(keybase + ".ds") as f:
        ds = f.read().split(";")[0].strip()
    if " DS " not in ds.replace("\t", " ") or " 2 " not in ds.replace("\t", " "):
        die("unexpected DS in %s.ds: %s" % (keybase, ds))
    return ds


def build(src, world):
    zones = read_manifest(src)
    if not any(z["name"] == "xtest." for z in zones):
        die("the manifest must list the zone xtest")
    zdir = os.path.join(world, "zones")
    kdir = os.path.join(world, "keys")
    os.makedirs(zdir, exist_ok=True)
    os.makedirs(kdir, exist_ok=True)
    token = secrets.token_hex(8)

    # Keys (in parallel: one process each).
    signed = [z for z in zones if z["mode"] in SIGNED_MODES]
    jobs = [(z, "key") for z in signed] + [(z, "decoy") for z in signed if z["mode"] == "bogus"]
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
        for (z, what), base in zip(jobs, ex.map(lambda j: keygen(kdir, j[0]["name"]), jobs)):
            z[what] = base
            z[what + "_ds"] = ds_of(base)

    # Templates, apex NS.
    for z in zones:
        tpl = os.path.join(src, "zones", z["name"].rstrip(".") + ".zone")
        z["text"] = open(tpl).read() if os.path.exists(tpl) else ""
        recs = list(parse(z["text"], z["name"]))
        z["recs"] = recs
        z["ns"] = [r[2][0] for r in recs if r[0] == z["name"] and r[1] == "NS"]
        z["has_soa"] = any(r[1] == "SOA" for r in recs)
        z["parent"] = parent_of(z, zones)
        if z["mode"] in SIGNED_MODES:
            # bogus: the parent publishes the DS of a key the zone never uses
            z["ds"] = z["decoy_ds"] if z["mode"] == "bogus" else z["key_ds"]
        if z["mode"] == "signed" and z["parent"] and z["parent"]["mode"] not in SIGNED_MODES:
            sys.stderr.write("gen.py: note: %s is signed below the unsigned %s (an island)\n"
                             % (z["name"], z["parent"]["name"]))

    # Delegations: the child's apex NS (and in-bailiwick glue) and DS go to the parent.
    for z in zones:
        z["extra"] = []
    for z in zones:
        p = z["parent"]
        if p is None:
            continue
        ns = z["ns"] or list(DEFAULT_NS)
        for n in ns:
            p["extra"].append("%s %d IN NS %s" % (z["name"], DEFAULT_TTL, n))
            if n.endswith("." + z["name"]) or n == z["name"]:
                for owner, rtype, rdata in z["recs"]:
                    if owner == n and rtype in ("A", "AAAA"):
                        p["extra"].append("%s %d IN %s %s" % (n, DEFAULT_TTL, rtype, " ".join(rdata)))
        if "ds" in z:
            p["extra"].append(z["ds"])

    with open(os.path.join(world, "world.id"), "w") as f:
        f.write(token + "\n")
    with open(os.path.join(world, "zones.list"), "w") as lst:
        for z in zones:
            name = z["name"]
            lst.write("%s %s %s\n" % (name.rstrip("."), z["mode"], ",".join(z["opts"]) or "-"))
            if z["mode"] == "dead":
                continue
            out = ["; generated by tests/world/gen.py from zones/%s.zone" % name.rstrip("."),
                   "$ORIGIN %s" % name, "$TTL %d" % DEFAULT_TTL]
            if not z["has_soa"]:
                out.append("@ IN SOA ns1.xtest. hostmaster.xtest. 1 3600 600 86400 60")
            if not z["ns"]:
                out += ["@ IN NS %s" % n for n in DEFAULT_NS]
            if name == "xtest.":
                out.append('world-id IN TXT "%s"' % token)
            out.append("; --- template")
            out.append(z["text"].rstrip("\n"))
            out.append("; --- delegations (generated)")
            out += z["extra"]
            out.append("$ORIGIN %s" % name)
            out.append("; --- hooks (gen.d) append below")
            with open(os.path.join(zdir, name.rstrip(".") + ".zone"), "w") as f:
                f.write("\n".join(out) + "\n")
            if "key" in z:
                with open(os.path.join(zdir, name.rstrip(".") + ".key"), "w") as f:
                    f.write(z["key"] + "\n")
    top = next(z for z in zones if z["name"] == "xtest.")
    if top["mode"] not in SIGNED_MODES:
        die("xtest must be signed (it is the trust anchor)")
    with open(os.path.join(world, "ta.ds"), "w") as f:
        f.write(top["ds"] + "\n")
    # Trust anchor in DNSKEY form too.
    with open(top["key"] + ".key") as k, open(os.path.join(world, "ta.key"), "w") as f:
        f.write(k.read().split(";")[0].strip() + "\n")


def world_zones(world):
    out = []
    with open(os.path.join(world, "zones.list")) as f:
        for line in f:
            t = line.split()
            if t:
                out.append((t[0] + ".", t[1], [] if t[2] == "-" else t[2].split(",")))
    return out


def zone_text(world, name):
    return open(os.path.join(world, "zones", name.rstrip(".") + ".zone")).read()


def reverse_network(name):
    """The network of a reverse zone name, or None."""
    labels = name.rstrip(".").split(".")
    if name.endswith(".in-addr.arpa."):
        octets = list(reversed(labels[:-2]))
        if not 1 <= len(octets) <= 4:
            return None
        return ipaddress.ip_network("%s/%d" % (".".join(octets + ["0"] * (4 - len(octets))), 8 * len(octets)))
    if name.endswith(".ip6.arpa."):
        nib = "".join(reversed(labels[:-2]))
        if not 1 <= len(nib) <= 32:
            return None
        full = (nib + "0" * 32)[:32]
        addr = ":".join(full[i:i + 4] for i in range(0, 32, 4))
        return ipaddress.ip_network("%s/%d" % (addr, 4 * len(nib)))
    return None


def ptr(world):
    """Adds a PTR for every A/AAAA of a forward zone whose address lies in a
    reverse zone of the world, unless that reverse name already has one.  The
    first owner (in manifest order) of an address wins."""
    zones = world_zones(world)
    rev = [(n, reverse_network(n)) for n, mode, _ in zones if reverse_network(n) and mode != "dead"]
    if not rev:
        return
    have = set()
    for n, _ in rev:
        for owner, rtype, _ in parse(zone_text(world, n), n):
            if rtype == "PTR":
                have.add(owner)
    add = {n: [] for n, _ in rev}
    for n, mode, _ in zones:
        if mode == "dead" or reverse_network(n):
            continue
        for owner, rtype, rdata in parse(zone_text(world, n), n):
            if rtype not in ("A", "AAAA") or not rdata:
                continue
            # Skip delegation glue: the owner belongs to a child zone.
            if any(owner.endswith("." + c) or owner == c for c, _, _ in zones
                   if c != n and c.endswith("." + n)):
                continue
            try:
                ip = ipaddress.ip_address(rdata[0])
            except ValueError:
                continue
            rname = ip.reverse_pointer + "."
            if rname in have:
                continue
            for zn, net in rev:
                if ip.version == net.version and ip in net:
                    add[zn].append("%s %d IN PTR %s" % (rname, DEFAULT_TTL, owner))
                    have.add(rname)
                    break
    for zn, lines in add.items():
        if lines:
            with open(os.path.join(world, "zones", zn.rstrip(".") + ".zone"), "a") as f:
                f.write("; --- PTR records (gen.py ptr)\n" + "\n".join(lines) + "\n")


def run(args):
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        die("%s: %s" % (" ".join(args), (r.stderr or r.stdout).strip()))
    return r


def sign(world):
    jobs = [z for z in world_zones(world) if z[1] != "dead"]
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
        list(ex.map(lambda z: sign_zone(world, *z), jobs))


def sign_zone(world, name, mode, opts):
    now = int(time.time())
    zfile = os.path.join(world, "zones", name.rstrip(".") + ".zone")
    if mode in SIGNED_MODES:
        key = open(zfile[:-5] + ".key").read().strip()
        if mode == "expired":
            inc, exp = now - 60 * 86400, now - 30 * 86400
        else:
            inc, exp = now - 3600, now + 30 * 86400
        args = ["ldns-signzone", "-o", name, "-i", str(inc), "-e", str(exp), "-f", zfile + ".signed"]
        if "nsec3" in opts:
            args += ["-n", "-t", "0"]
        run(args + [zfile, key])
        zfile += ".signed"
    run(["nsd-checkzone", name, zfile])


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "build":
        build(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "ptr":
        ptr(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "sign":
        sign(sys.argv[2])
    else:
        die("usage: gen.py build SRC DIR | ptr DIR | sign DIR")


if __name__ == "__main__":
    main()
