-- Actions of the strict instance (action_null_mx = reject,
-- action_iprev_fail = reject, action_temperror = tempfail): RFC 7372
-- codes, the exemptions for SASL clients and trusted networks.
dofile(DIR .. "/common.lua")
-- miltertest's MT_SMTPREPLY check smashes its stack: the codes themselves
-- are asserted on the verdict line (reply=) by the driver script
local function reply(c, code, xcode)
	return mt.getreply(c) == SMFIR_REPLYCODE
end

local c = open("mx1.good.xtest", "5.0.2.11")
ok(mt.helo(c, "mx1.good.xtest"), "helo")
mail(c, "<bounce@mx-null.xtest>", "T06A")
message(c, {{"From", " x@mx-null.xtest"}}, "x\r\n")
check(reply(c, "550", "5.7.27"), "null MX sender: 550 5.7.27", mt.getreply(c))
check(not mt.eom_check(c, MT_HDRINSERT), "no header added to a rejected message")

mail(c, "<bounce@mx-null.xtest>", "T06B", "alice")
message(c, {{"From", " x@mx-null.xtest"}}, "x\r\n")
check(accepted(c), "null MX sender, SASL-authenticated: accepted")
check(has(inserted(c, REP), "action=tag"), "SASL-authenticated: tagged", inserted(c, REP))
check(has(inserted(c, REP), "mx=fail"), "report shows mx=fail")

mail(c, "<alice@good.xtest>", "T06C")
message(c, {{"From", " alice@good.xtest"}}, "x\r\n")
check(accepted(c), "good message after a reject on the same connection")
mt.disconnect(c)

-- iprev from Postfix's {client_resolve}
c = open("mail.forged.example", "5.0.2.11", {"{client_resolve}", "FORGED", "{client_ptr}", "mail.forged.example"})
ok(mt.helo(c, "mx1.good.xtest"), "helo")
mail(c, "<alice@good.xtest>", "T06D")
message(c, {{"From", " alice@good.xtest"}}, "x\r\n")
check(reply(c, "550", "5.7.25"), "client_resolve=FORGED: 550 5.7.25", mt.getreply(c))
mt.disconnect(c)

-- (5.0.2.11 is mx1.good.xtest in DNS: the name proves the macro was used)
c = open("named.example", "5.0.2.11", {"{client_resolve}", "OK", "{client_name}", "named.example"})
ok(mt.helo(c, "mx1.good.xtest"), "helo")
mail(c, "<alice@good.xtest>", "T06E")
message(c, {{"From", " alice@good.xtest"}}, "x\r\n")
check(accepted(c), "client_resolve=OK reused: accepted")
check(has(inserted(c, AR), "iprev=pass (named.example) policy.iprev=5.0.2.11;"), "iprev from the macro", inserted(c, AR))
mt.disconnect(c)

-- no PTR at all (DNS): permerror counts as an iprev failure
c = open("[5.0.2.250]", "5.0.2.250", {"{client_resolve}", "TEMP"})
ok(mt.helo(c, "unknown.example"), "helo")
mail(c, "<alice@good.xtest>", "T06F")
message(c, {{"From", " alice@good.xtest"}}, "x\r\n")
check(reply(c, "550", "5.7.25"), "no PTR: 550 5.7.25", mt.getreply(c))
mt.disconnect(c)

-- a trusted network is only tagged
c = open("[192.0.2.5]", "192.0.2.5")
ok(mt.helo(c, "client.example"), "helo")
mail(c, "<bounce@mx-null.xtest>", "T06G")
message(c, {{"From", " x@mx-null.xtest"}}, "x\r\n")
check(accepted(c), "trusted network: accepted")
check(has(inserted(c, REP), "action=tag"), "trusted network: tagged")
mt.disconnect(c)

-- IPv6 and IPv4-mapped clients
c = open("mx1.good.xtest", "2001:67c:1a0::11")
ok(mt.helo(c, "mx1.good.xtest"), "helo")
mail(c, "<alice@good.xtest>", "T06H")
message(c, {{"From", " alice@good.xtest"}}, "x\r\n")
check(accepted(c), "IPv6 client accepted")
check(has(inserted(c, AR), "iprev=pass (mx1.good.xtest) policy.iprev=\"2001:67c:1a0::11\""), "IPv6 iprev (quoted value)", inserted(c, AR))
check(has(inserted(c, AR), "spf=pass smtp.mailfrom=alice@good.xtest"), "IPv6 client: spf=pass via the MX's AAAA", inserted(c, AR))
mt.disconnect(c)
c = open("mx1.good.xtest", "::ffff:5.0.2.11")
ok(mt.helo(c, "mx1.good.xtest"), "helo")
mail(c, "<alice@good.xtest>", "T06I")
message(c, {{"From", " alice@good.xtest"}}, "x\r\n")
check(has(inserted(c, AR), "policy.iprev=5.0.2.11;"), "IPv4-mapped address handled as IPv4", inserted(c, AR))
mt.disconnect(c)

-- a different From domain gets its own readiness group (SASL-authenticated:
-- v6-none.xtest's DMARC p=reject fails, which is only tagged then)
c = open("mx1.good.xtest", "5.0.2.11")
ok(mt.helo(c, "mx1.good.xtest"), "helo")
mail(c, "<alice@good.xtest>", "T06J", "alice")
message(c, {{"From", " bob@v6-none.xtest"}}, "x\r\n")
local rep = inserted(c, REP)
check(has(rep, "header-from=v6-none.xtest") and has(rep, "mx_ipv6=fail"), "header-from group with mx_ipv6=fail", rep)
mt.disconnect(c)
done()
