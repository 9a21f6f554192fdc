-- Malformed input: header without value, 1000 headers, a huge header, NUL
-- bytes, no From, two From fields, odd names.  (No empty field name and no
-- zero-length body chunk: libmilter itself drops the connection on those,
-- and Postfix never sends them.)  The milter must answer every
-- message (and the driver checks that it is still alive afterwards).
dofile(DIR .. "/common.lua")
local c = open("mx1.good.xtest", "5.0.2.11")
ok(mt.helo(c, "mx1.good.xtest"), "helo")

mail(c, "<alice@good.xtest>", "T03A")
message(c, {{"From", ""}, {"Subject", ""}, {"X-Empty", " "}}, "x\r\n")
check(accepted(c), "header without value")

mail(c, "<alice@good.xtest>", "T03B")
local hs = {{"From", " alice@good.xtest"}}
for i = 1, 1000 do hs[#hs + 1] = {"X-Many-" .. i, " value " .. i} end
message(c, hs, "x\r\n")
check(accepted(c), "1000 headers")
check(has(inserted(c, AR), "header.from=good.xtest"), "1000 headers: From still seen")

mail(c, "<alice@good.xtest>", "T03C")
-- miltertest itself overflows a 1 KB stack buffer on longer fields ("stack
-- smashing detected"): fields of 64 KB and more are sent by
-- tests/tools/milter_bench.c in the driver script
message(c, {{"From", " alice@good.xtest"}, {"X-Huge", " " .. string.rep("a", 1000)},
	{"Subject", " " .. string.rep("fold\n\t", 150)}}, "x\r\n")
check(accepted(c), "long and much folded fields")

mail(c, "<alice@good.xtest>", "T03D")
message(c, {{"From", " alice@good.xtest\0evil@bad.example"}, {"X-Nul", " a\0b"},
	{"Subject", " \1\2\3\27[31m\r\n injected: yes"}}, "a\0b\r\n\0\0\r\n")
check(accepted(c), "NUL and control bytes")

mail(c, "<alice@good.xtest>", "T03E")
message(c, {{"To", " bob@example.net"}, {"Subject", " no from"}}, "x\r\n")
check(accepted(c), "no From")
check(not has(inserted(c, AR), "header.from="), "no From: no header.from")

mail(c, "<alice@good.xtest>", "T03F")
message(c, {{"From", " alice@good.xtest"}, {"From", " mallory@bad.xtest"}}, "x\r\n")
check(accepted(c) or mt.getreply(c) == SMFIR_REPLYCODE, "two From fields answered")

mail(c, "<alice@good.xtest>", "T03G")
message(c, {{"From", " \"a@b\" <alice@good.xtest> (c) , <x@y"}, {"From:", " x"},
	{"X-!#$%&'*+", " odd name"}, {"X-\255\254", " high bytes \255"}}, "")
check(accepted(c), "odd names and From syntax, empty body")

-- huge body in many chunks
mail(c, "<alice@good.xtest>", "T03H")
for _, h in ipairs({{"From", " alice@good.xtest"}}) do ok(mt.header(c, h[1], h[2]), "header") end
ok(mt.eoh(c), "eoh")
for i = 1, 200 do ok(mt.bodystring(c, string.rep("0123456789abcdef", 4000) .. "\r\n"), "body chunk") end
ok(mt.eom(c), "eom")
check(accepted(c), "12 MB body")

-- an envelope sender that is not an address (From a domain without DMARC
-- record, so that nothing but the envelope is in question)
mail(c, "<not an address>", "T03I")
message(c, {{"From", " alice@dmarc-missing.xtest"}}, "x\r\n")
check(accepted(c), "invalid envelope sender")
check(has(inserted(c, AR), "dmarc=none"), "invalid envelope sender: no DMARC record, dmarc=none", inserted(c, AR))
mt.disconnect(c)
done()
