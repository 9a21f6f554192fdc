#!/usr/bin/env python3
# bench/genlog_stats.py LINES OUT: a syslog file of LINES lines as a Postfix
# mail server with mxready-milter writes it: per message smtpd connect,
# client=, cleanup, qmgr from=, delivery, removed, disconnect, and the
# milter's verdict line; some RCPT rejects (NOQUEUE: reject), a
# mxready-responder test mail and its DSN now and then, anvil/postscreen
# noise.  20000 sender domains, 30% of the clients over IPv6, realistic
# result mixes.  Deterministic (fixed seed).
import random
import sys

N = int(sys.argv[1])
out = open(sys.argv[2], "w", buffering=1 << 20)
r = random.Random(11)
doms = ["d%05d.example" % i for i in range(20000)]
res = ["pass"] * 70 + ["fail"] * 5 + ["softfail"] * 5 + ["none"] * 15 + ["temperror"] * 2 + ["neutral"] * 3
st = ["pass"] * 6 + ["fail"] * 2 + ["warn", "info", "-"]
mon = ["Dec"]
n = 0
i = 0
w = out.write
while n < N:
    i += 1
    t = i * 2
    day, rem = 1 + (t // 86400) % 28, t % 86400
    stamp = "Dec %2d %02d:%02d:%02d" % (day, rem // 3600, rem // 60 % 60, rem % 60)
    q = "%010X" % (i * 7919)
    d = doms[int(r.paretovariate(1.2) * 10) % 20000]
    v6 = r.random() < 0.3
    ip = "2001:db8:%x::%x" % (i % 65536, i % 251 + 1) if v6 else "198.51.%d.%d" % (i % 256, i % 251 + 1)
    h = "mail%d.%s" % (i % 7, d)
    pid = 1000 + i % 500
    w("%s mx postfix/smtpd[%d]: connect from %s[%s]\n" % (stamp, pid, h, ip))
    if r.random() < 0.08:
        w("%s mx postfix/smtpd[%d]: NOQUEUE: reject: RCPT from %s[%s]: 554 5.7.1 <x@our.example>: Relay access denied; from=<u@%s> to=<x@our.example> proto=ESMTP helo=<%s>\n" % (stamp, pid, h, ip, d, h))
        w("%s mx postfix/smtpd[%d]: disconnect from %s[%s] ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4\n" % (stamp, pid, h, ip))
        n += 3
        continue
    w("%s mx postfix/smtpd[%d]: %s: client=%s[%s]\n" % (stamp, pid, q, h, ip))
    w("%s mx postfix/cleanup[%d]: %s: message-id=<%d.%d@%s>\n" % (stamp, pid + 1, q, i, pid, d))
    spf, dkim, dmarc, iprev = r.choice(res), r.choice(res), r.choice(res), r.choice(res)
    action, reason, reply = "accept", "-", "-"
    if dmarc == "fail" and r.random() < 0.5:
        action, reason, reply = "reject", "dmarc_reject", '"550 5.7.1"'
    elif spf == "temperror":
        action, reason, reply = "tempfail", "temperror_spf", '"451 4.7.24"'
    via = "-" if dmarc != "pass" else r.choice(["dkim", "spf", "both", "both"])
    w("%s mx mxready-milter[77]: %s: client=%s family=%s client_name=%s helo=%s helo_check=pass iprev=%s spf=%s dkim=%s dmarc=%s dmarc_via=%s mail_from=%s header_from=%s mx=pass mx_ipv6=%s dnssec=%s dane=%s readiness=pass auth=no trusted=no action=%s reason=%s reply=%s dns_queries=%d ms=%d\n"
      % (stamp, q, ip, "ipv6" if v6 else "ipv4", h, h, iprev, spf, dkim, dmarc, via, d, d, r.choice(st), r.choice(st), r.choice(st), action, reason, reply, r.randint(3, 30), r.randint(1, 90)))
    n += 4
    if action == "accept":
        w("%s mx postfix/qmgr[99]: %s: from=<u%d@%s>, size=%d, nrcpt=1 (queue active)\n" % (stamp, q, i % 1000, d, r.randint(900, 90000)))
        w("%s mx postfix/local[%d]: %s: to=<user%d@our.example>, relay=local, delay=0.2, delays=0.1/0.01/0/0.05, dsn=2.0.0, status=sent (delivered to mailbox)\n" % (stamp, pid + 2, q, i % 50))
        w("%s mx postfix/qmgr[99]: %s: removed\n" % (stamp, q))
        n += 3
    w("%s mx postfix/smtpd[%d]: disconnect from %s[%s] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5\n" % (stamp, pid, h, ip))
    n += 1
    if i % 50 == 0:
        w("%s mx mxready-responder[88]: T%s: mode=test sender=u%d@%s client=%s decision=replied reply_id=%012x reply_a=sent reply_b=sent family=%s spf=pass dkim=none dmarc=none ready=pass\n" % (stamp, q, i % 300, d, ip, i, "ipv6" if v6 else "ipv4"))
        n += 1
    if i % 400 == 0:
        w("%s mx mxready-responder[88]: B%s: mode=dsn recipient=bounce+%040x@dual.example reply_id=%012x sender=u%d@%s action=failed status=5.4.4 class=no-aaaa decision=forwarded\n" % (stamp, q, i, i, i % 300, d))
        n += 1
out.close()
