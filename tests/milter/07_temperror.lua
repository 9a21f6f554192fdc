-- DNS failures: a sender domain whose servers never answer gives 451 4.4.3
-- (action_temperror = tempfail), never a 5xx and never a pass.
dofile(DIR .. "/common.lua")
mt.set_timeout(30)
local c = open("mx1.good.xtest", "5.0.2.11")
ok(mt.helo(c, "mx1.good.xtest"), "helo")
mail(c, "<alice@dead.xtest>", "T07A")
message(c, {{"From", " alice@dead.xtest"}}, "x\r\n")
local r = mt.getreply(c)
-- the code (451 4.4.3) is asserted on the verdict line by the driver
check(r == SMFIR_REPLYCODE, "dead sender domain: a reply code", r)
mt.disconnect(c)
done()
