# Helpers for tests that use a private Postfix (tests/postfix/start.sh).
# Source after tests/lib.sh; pf_start sets the PF_* variables of
# DIR/postfix.env.  Every helper times out instead of hanging.
PF_TOP=${MXR_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}

# pf_start DIR [start.sh options]: starts the instance, sources its env.
pf_start() {
	sh "$PF_TOP/tests/postfix/start.sh" "$@" || return 1
	. "$1/postfix.env"
}
# pf_stop DIR
pf_stop() { sh "$PF_TOP/tests/postfix/stop.sh" "$1"; }

# pf_mails: the number of delivered messages in the maildir.
pf_mails() { find "$PF_MAILDIR/new" "$PF_MAILDIR/cur" -type f 2>/dev/null | wc -l; }
# pf_wait_mails N [SECONDS]: waits until at least N messages were delivered.
pf_wait_mails() {
	_i=0; _max=$(( ${2:-20} * 10 ))
	while [ "$(pf_mails)" -lt "$1" ] && [ $_i -lt $_max ]; do sleep 0.1; _i=$((_i + 1)); done
	[ "$(pf_mails)" -ge "$1" ]
}
# pf_mail_grep REGEX: the path of the newest delivered message matching
# REGEX (grep -E on the whole file), or nothing.
pf_mail_grep() {
	_f=$(grep -lE -- "$1" "$PF_MAILDIR"/new/* "$PF_MAILDIR"/cur/* 2>/dev/null | xargs -r ls -t 2>/dev/null | head -n 1)
	[ -n "$_f" ] && echo "$_f"
}
# pf_wait_mail REGEX [SECONDS]: waits for a delivered message matching REGEX
# and prints its path.
pf_wait_mail() {
	_i=0; _max=$(( ${2:-20} * 10 ))
	while [ $_i -lt $_max ]; do
		pf_mail_grep "$1" && return 0
		sleep 0.1; _i=$((_i + 1))
	done
	return 1
}
# pf_headers FILE: the header section of a message, unfolded (one field a
# line), CRs removed.
pf_headers() { sed -e 's/\r$//' -e '/^$/q' "$1" | awk '/^[ \t]/ { sub(/^[ \t]+/, " "); line = line $0; next } { if (line != "") print line; line = $0 } END { if (line != "") print line }' | sed '/^$/d'; }
# pf_wait_log REGEX [SECONDS]: waits until the maillog has a line matching
# REGEX (grep -E) and prints the last such line.
pf_wait_log() {
	_i=0; _max=$(( ${2:-20} * 10 ))
	while [ $_i -lt $_max ]; do
		if grep -Eq -- "$1" "$PF_MAILLOG" 2>/dev/null; then grep -E -- "$1" "$PF_MAILLOG" | tail -n 1; return 0; fi
		sleep 0.1; _i=$((_i + 1))
	done
	return 1
}
# pf_queue: the number of messages in the instance's queue (any state).
pf_queue() { postqueue -c "$PF_CONF" -j 2>/dev/null | wc -l; }
# pf_queue_ids: their queue ids, one a line.
pf_queue_ids() { postqueue -c "$PF_CONF" -j 2>/dev/null | sed -n 's/.*"queue_id": *"\([^"]*\)".*/\1/p'; }
# pf_flush: asks the queue manager to retry every deferred message now.
pf_flush() { postqueue -c "$PF_CONF" -f >/dev/null 2>&1; }
# pf_postconf NAME=VALUE...: changes main.cf and reloads the instance.
pf_postconf() { postconf -c "$PF_CONF" -e "$@" && postfix -c "$PF_CONF" reload >/dev/null 2>&1; }
