-- Authentication-Results and MXReady-Report fields carrying our
-- authserv-id are deleted (RFC 8601 5), foreign ones are kept.
dofile(DIR .. "/common.lua")
local c = open("mx1.good.xtest", "5.0.2.11")
ok(mt.helo(c, "mx1.good.xtest"), "helo")
mail(c, "<alice@good.xtest>", "T02A")
message(c, {
	{"Authentication-Results", " " .. AUTHSERV .. "; dmarc=pass header.from=good.xtest"},
	{"Authentication-Results", " other.example; spf=pass"},
	{"authentication-results", " (forged) \"MX.Test.Example\" 1; dkim=pass"},
	{"MXReady-Report", " " .. AUTHSERV .. "; action=accept"},
	{"From", " alice@good.xtest"}}, "x\r\n")
check(accepted(c), "accepted")
check(mt.eom_check(c, MT_HDRDELETE, AR), "our A-R deleted")
check(mt.eom_check(c, MT_HDRDELETE, REP), "our MXReady-Report deleted")
check(mt.eom_check(c, MT_HDRINSERT, AR), "new A-R inserted")

-- only a foreign A-R: nothing deleted
mail(c, "<alice@good.xtest>", "T02B")
message(c, {{"Authentication-Results", " other.example; spf=pass"},
	{"Authentication-Results", " mx.test.example.evil; spf=pass"},
	{"Authentication-Results", ""},
	{"Authentication-Results", " ; spf=pass"},
	{"From", " alice@good.xtest"}}, "x\r\n")
check(accepted(c), "accepted (foreign)")
check(not mt.eom_check(c, MT_HDRDELETE), "foreign and malformed A-R kept")
mt.disconnect(c)
done()
