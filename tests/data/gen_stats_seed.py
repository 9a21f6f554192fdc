#!/usr/bin/env python3
# Writes a syslog file that reproduces the figures of seed 002 (the CESNET
# IPv6 mail test talk, 2016): 303 test mails from 217 unique addresses in
# 138 domains; 39 IPv6 bounces from 26 addresses: 34 "no AAAA record for
# MX", 4 "invalid recipient", 1 "protocol error".  Around them: Postfix's
# own lines, deferred test mails (retried, so not counted), dropped DSNs,
# delay notices, warnings, in four time-stamp formats (RFC 3164, RFC 5424,
# short-iso, the daemons' log_file) and journal JSON lines.
# Usage: gen_stats_seed.py OUT  (the year of the RFC 3164 stamps is the
# file's: touch it into 2026-12 after writing)
import json
import sys

out = open(sys.argv[1], "w")
domains = ["d%03d.example" % i for i in range(138)]
addrs = ["u0@" + d for d in domains] + ["u1@" + domains[i] for i in range(79)]
assert len(addrs) == 217
mails = list(addrs) + [addrs[i] for i in range(86)]
assert len(mails) == 303
n = 0


def stamp(i):
    day = 1 + i // 120            # 2026-12-01 .. 2026-12-03
    h, m, s = (i // 6) % 24, (i * 7) % 60, i % 60
    return day, h, m, s


def emit(i, prog, pid, msg):
    global n
    n += 1
    day, h, m, s = stamp(i)
    k = i % 5
    if k == 0:      # journalctl -o json
        us = ((((20787 + day) * 24 + h) * 60 + m) * 60 + s) * 1000000
        out.write(json.dumps({"__REALTIME_TIMESTAMP": str(us), "SYSLOG_IDENTIFIER": prog,
                              "_PID": str(pid), "MESSAGE": msg, "PRIORITY": "5"}) + "\n")
    elif k == 1:    # RFC 5424
        out.write("<21>1 2026-12-%02dT%02d:%02d:%02d.123Z mx %s %d - - %s\n" % (day, h, m, s, prog, pid, msg))
    elif k == 2:    # journalctl -o short-iso
        out.write("2026-12-%02dT%02d:%02d:%02d+0000 mx %s[%d]: %s\n" % (day, h, m, s, prog, pid, msg))
    elif k == 3:    # the daemons' own log_file
        out.write("2026-12-%02dT%02d:%02d:%02d.500 %s[%d]: notice: %s\n" % (day, h, m, s, prog, pid, msg))
    else:           # RFC 3164 (traditional syslog file)
        out.write("Dec %2d %02d:%02d:%02d mx %s[%d]: %s\n" % (day, h, m, s, prog, pid, msg))


def postfix(i, text):
    global n
    n += 1
    day, h, m, s = stamp(i)
    out.write("Dec %2d %02d:%02d:%02d mx postfix/%s\n" % (day, h, m, s, text))


suppress = ["precedence"] * 10 + ["rate-limit"] * 8 + ["backscatter"] * 5
for i, a in enumerate(mails):
    q = "T%08X" % i
    sender = a if i < 217 else a.upper()     # repeated senders in capitals
    client = "2001:db8:%x::25" % i if i % 3 else "192.0.2.%d" % (i % 250 + 1)
    postfix(i, "smtpd[100]: connect from mail.%s[%s]" % (a.split("@")[1], client))
    postfix(i, "cleanup[101]: %s: message-id=<%d@%s>" % (q, i, a.split("@")[1]))
    if i % 70 == 5:   # a deferred decision: Postfix retries, the retry counts
        emit(i, "mxready-responder", 300 + i, "%s: mode=test sender=%s client=%s decision=deferred reason=state-store-error" % (q, sender, client))
    if i >= 280:
        r = suppress[i - 280]
        extra = " limit=address" if r == "rate-limit" else ""
        emit(i, "mxready-responder", 300 + i, "%s: mode=test sender=%s client=%s decision=suppressed reason=%s%s spf=pass dkim=none" % (q, sender, client, r, extra))
    else:
        fam = "ipv6" if ":" in client else "ipv4"
        emit(i, "mxready-responder", 300 + i, "%s: mode=test sender=%s client=%s decision=replied reply_id=%012x reply_a=sent reply_b=%s family=%s spf=pass dkim=none dmarc=none ready=fail" % (q, sender, client, i, "failed" if i == 7 else "sent", fam))
        if i == 7:
            emit(i, "mxready-responder", 300 + i, "%s: reply B: 451 4.3.0 try again later" % q)
    postfix(i, "local[102]: %s: to=<test@v6only.example>, relay=local, delay=0.1, dsn=2.0.0, status=sent (delivered to command: mxready-responder test)" % q)

classes = ["no-aaaa"] * 34 + ["invalid-recipient"] * 4 + ["protocol"]
status = {"no-aaaa": "5.4.4", "invalid-recipient": "5.1.1", "protocol": "5.5.0"}
for j, c in enumerate(classes):
    i = 10 + j * 7
    q = "B%08X" % j
    emit(i, "mxready-responder", 900 + j, "%s: mode=dsn recipient=bounce+%040x@dual.example reply_id=%012x sender=%s action=failed status=%s class=%s decision=forwarded" % (q, j, j, addrs[j % 26], status[c], c))
for j in range(3):
    emit(200 + j, "mxready-responder", 950 + j, "D%08X: mode=dsn recipient=bounce+%040x@dual.example reply_id=%012x decision=dropped reason=unknown-or-forged-token" % (j, j, j))
for j in range(2):
    emit(210 + j, "mxready-responder", 960 + j, "E%08X: mode=dsn recipient=bounce+%040x@dual.example reply_id=%012x sender=%s action=delayed status=4.4.1 class=refused decision=delay-notice-sent" % (j, j, j, addrs[40 + j]))
emit(220, "mxready-responder", 970, "F0000000: mode=dsn recipient=bounce+%040x@dual.example reply_id=%012x decision=deferred reason=state-store-error" % (1, 1))
out.close()
print(n)
