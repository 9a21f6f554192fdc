-- Many messages on one connection, and several connections at once.
dofile(DIR .. "/common.lua")
local c = open("mx1.good.xtest", "5.0.2.11")
ok(mt.helo(c, "mx1.good.xtest"), "helo")
local good = 0
for i = 1, 100 do
	mail(c, "<alice@good.xtest>", string.format("T05%03d", i))
	message(c, {{"From", " alice@good.xtest"}, {"Subject", " msg " .. i}}, "x\r\n")
	if accepted(c) and has(inserted(c, AR), "iprev=pass") then good = good + 1 end
end
check(good == 100, "100 messages on one connection", good)
local conns = {}
for i = 1, 20 do
	conns[i] = open("mx1.good.xtest", "5.0.2.11")
	ok(mt.helo(conns[i], "mx1.good.xtest"), "helo")
end
local n = 0
for i = 1, 20 do
	mail(conns[i], "<alice@good.xtest>", string.format("T05C%02d", i))
	message(conns[i], {{"From", " alice@good.xtest"}}, "x\r\n")
	if accepted(conns[i]) then n = n + 1 end
end
check(n == 20, "20 interleaved connections", n)
for i = 1, 20 do mt.disconnect(conns[i]) end
mt.disconnect(c)
done()
