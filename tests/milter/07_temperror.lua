-- DNS failures: a sender domain whose servers never answer, or whose
-- DNSSEC is bogus, gives 451 4.4.3 (action_temperror = tempfail), never a
-- 5xx and never a pass.
dofile(DIR .. "/common.lua")
mt.set_timeout(30)
local c = open("mx1.good.xtest", "5.0.2.11")
ok(mt.helo(c, "mx1.good.xtest"), "helo")
mail(c, "<alice@dead.xtest>", "T07A")
message(c, {{"From", " alice@dead.xtest"}}, "x\r\n")
local r = mt.getreply(c)
-- the code (451 4.4.3) is asserted on the verdict line by the driver
check(r == SMFIR_REPLYCODE, "dead sender domain: a reply code", r)
-- DNSSEC bogus: the readiness report fails it ("not tested" for the rest),
-- the milter still answers 451: the sender may be fixing it
mail(c, "<alice@bogus.xtest>", "T07B")
message(c, {{"From", " alice@bogus.xtest"}}, "x\r\n")
r = mt.getreply(c)
check(r == SMFIR_REPLYCODE, "bogus sender domain: a reply code", r)
mt.disconnect(c)
done()
