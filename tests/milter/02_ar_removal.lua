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

-- only foreign A-R fields: nothing deleted
mail(c, "<alice@good.xtest>", "T02B")
message(c, {{"Authentication-Results", " other.example; spf=pass"},
	{"Authentication-Results", " mx.test.example.evil; spf=pass"},
	{"Authentication-Results", " other.example; spf=pass smtp.helo=mx.test.example (mx.test.example)"},
	{"From", " alice@good.xtest"}}, "x\r\n")
check(accepted(c), "accepted (foreign)")
check(not mt.eom_check(c, MT_HDRDELETE), "foreign A-R kept")

-- fields without a readable authserv-id, or with ours behind what a
-- lenient reader skips (issue 14 item 3): each one deleted
local deep = string.rep("(", 100) .. string.rep(")", 100)
local forged = {
	{"empty", ""},
	{"no id", " ; spf=pass"},
	{"100 nested comments", deep .. " " .. AUTHSERV .. "; dkim=pass"},
	{"VT", "\11" .. AUTHSERV .. "; dkim=pass"},
	{"FF", "\12" .. AUTHSERV .. "; dkim=pass"},
	{"0x1c", "\28" .. AUTHSERV .. "; dkim=pass"},
	{"0xA0", "\160" .. AUTHSERV .. "; dkim=pass"},
	{"UTF-8 NBSP", "\194\160" .. AUTHSERV .. "; dkim=pass"},
	{"unclosed comment", " (x " .. AUTHSERV .. "; dkim=pass"},
}
for i, f in ipairs(forged) do
	mail(c, "<alice@good.xtest>", "T02C" .. i)
	message(c, {{"Authentication-Results", f[2]}, {"From", " alice@good.xtest"}}, "x\r\n")
	check(accepted(c), "accepted (" .. f[1] .. ")")
	check(mt.eom_check(c, MT_HDRDELETE, AR), "forged A-R deleted: " .. f[1])
end
mt.disconnect(c)
done()
