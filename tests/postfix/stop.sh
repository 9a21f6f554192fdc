#!/bin/sh
# Stops the private Postfix instance of DIR (tests/postfix/start.sh) and
# waits until its master process is gone.  Leaves DIR for inspection.
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
D=$1
[ -f "$D/etc/main.cf" ] || { echo "$0: no instance in $D" >&2; exit 1; }
pidf=$D/spool/pid/master.pid
pid=$(tr -d ' ' <"$pidf" 2>/dev/null)
postfix -c "$D/etc" stop >/dev/null 2>&1
# "postfix stop" returns before master has reaped its children
if [ -n "$pid" ]; then
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	if kill -0 "$pid" 2>/dev/null; then
		postfix -c "$D/etc" abort >/dev/null 2>&1
		kill -9 "$pid" 2>/dev/null
	fi
fi
exit 0
