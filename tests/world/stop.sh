#!/bin/sh
# Stops the DNS test world running in DIR (started by tests/world/start.sh):
# the processes of DIR's pidfiles, TERM then KILL.  Leaves the files.
[ $# -eq 1 ] && [ -d "$1" ] || { echo "usage: $0 DIR" >&2; exit 2; }
DIR=$(cd "$1" && pwd)
rc=0
for name in unbound blackhole nsd; do
	f=$DIR/$name.pid
	[ -s "$f" ] || continue
	pid=$(cat "$f")
	case $pid in ''|*[!0-9]*) rm -f "$f"; continue ;; esac
	# Only a process of this world: its command line names DIR.
	if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$DIR"; then
		kill -TERM "$pid" 2>/dev/null
		i=0
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
		if kill -0 "$pid" 2>/dev/null; then
			echo "world: $name ($pid) ignored TERM; killing" >&2
			kill -KILL "$pid" 2>/dev/null
			sleep 0.2
			kill -0 "$pid" 2>/dev/null && { echo "world: $name ($pid) still running" >&2; rc=1; }
		fi
	fi
	rm -f "$f"
done
[ $rc = 0 ] && echo "world: stopped ($DIR)"
exit $rc
