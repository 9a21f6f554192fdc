-- Shared by the miltertest scripts of tests/milter/ (driven by
-- tests/e2e/40_milter_miltertest.sh).  Globals from miltertest -D:
--   NAME  test name for the PASS/FAIL lines
--   SOCK  the milter's unix socket (the driver starts the milter)
-- Every assertion prints "PASS: NAME: what" or "FAIL: NAME: what".
AR = "Authentication-Results"
REP = "MXReady-Report"
AUTHSERV = "mx.test.example"
fails = 0
io.stdout:setvbuf("line")

function check(cond, what, detail)
	if cond then
		print("PASS: " .. NAME .. ": " .. what)
	else
		fails = fails + 1
		print("FAIL: " .. NAME .. ": " .. what .. (detail and (" (" .. tostring(detail) .. ")") or ""))
	end
end

-- ok(err, what): a miltertest call returned nil (success)
function ok(err, what)
	if err ~= nil then
		check(false, what, err)
		error(NAME .. ": " .. what .. ": " .. tostring(err))
	end
end

-- Opens a connection and sends the connect stage.  macros: extra connect
-- macros as a flat list {name, value, ...}.
function open(host, ip, macros)
	local c = mt.connect("unix:" .. SOCK, 50, 0.1)
	if c == nil then error(NAME .. ": cannot connect to " .. SOCK) end
	local m = macros or {}
	if #m > 0 then mt.macro(c, SMFIC_CONNECT, table.unpack(m)) end
	ok(mt.conninfo(c, host, ip), "conninfo " .. tostring(ip))
	return c
end

-- Sends MAIL FROM with the queue id macro (and optional {auth_authen}).
function mail(c, from, qid, authen)
	if authen then
		mt.macro(c, SMFIC_MAIL, "i", qid, "{auth_authen}", authen)
	else
		mt.macro(c, SMFIC_MAIL, "i", qid)
	end
	ok(mt.mailfrom(c, from), "mailfrom " .. from)
end

-- Sends headers (list of {name, value}), eoh, body, eom.
function message(c, headers, body)
	for _, h in ipairs(headers) do
		ok(mt.header(c, h[1], h[2]), "header " .. h[1])
	end
	ok(mt.eoh(c), "eoh")
	-- an empty body is sent as no body chunk at all, as Postfix and sendmail
	-- do: libmilter itself drops the connection on a zero-length chunk
	if body and body ~= "" then ok(mt.bodystring(c, body), "body") end
	ok(mt.eom(c), "eom")
	return mt.getreply(c)
end

function accepted(c)
	local r = mt.getreply(c)
	return r == SMFIR_CONTINUE or r == SMFIR_ACCEPT
end

-- The value of the inserted field, or "" if none.
function inserted(c, name)
	return mt.getheader(c, name, 0) or ""
end

function has(s, pat)
	return string.find(s, pat, 1, true) ~= nil
end

function done()
	if fails > 0 then os.exit(1) end
end
