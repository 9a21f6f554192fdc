-- The soft instance (SOCK2: action_null_mx = quarantine,
-- action_dmarc_reject = quarantine, action_temperror = accept,
-- readiness_header = no).  mx-null.xtest also fails SPF (-all) and so
-- DMARC (p=reject): quarantine all the same, the null MX named as reason.
dofile(DIR .. "/common.lua")
SOCK = SOCK2
mt.set_timeout(30)
local c = open("mx1.good.xtest", "5.0.2.11")
ok(mt.helo(c, "mx1.good.xtest"), "helo")
mail(c, "<bounce@mx-null.xtest>", "T08A")
message(c, {{"From", " x@mx-null.xtest"}}, "x\r\n")
check(accepted(c), "null MX sender accepted into quarantine")
check(mt.eom_check(c, MT_QUARANTINE), "quarantined")
check(not mt.eom_check(c, MT_HDRINSERT, REP), "readiness_header = no: no report field")
mail(c, "<alice@dead.xtest>", "T08B")
message(c, {{"From", " alice@dead.xtest"}}, "x\r\n")
check(accepted(c), "temperror accepted (action_temperror = accept)")
local ar = inserted(c, AR)
check(not has(ar, "=pass smtp") and not has(ar, "dmarc=pass"), "temperror is not a pass", ar)
mt.disconnect(c)
done()
