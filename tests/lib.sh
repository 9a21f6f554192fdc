# Sourced by every tests/e2e/*.sh script.  Each assertion prints one line,
# "PASS: <script>: <what>" or "FAIL: <script>: <what> (<detail>)"; tests/run.sh
# counts them.  A script exits non-zero if any of its assertions failed.
T_NAME=${T_NAME:-$(basename "$0" .sh)}
T_FAILS=0
T_COUNT=0
MXR_BUILD=${MXR_BUILD:-build-san}
MXR_TOP=${MXR_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
MXR=${MXR:-$MXR_TOP/$MXR_BUILD/mxready}
# Sanitizers: leaks fail, UB aborts.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=99}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=98}

pass() { T_COUNT=$((T_COUNT+1)); echo "PASS: $T_NAME: $1"; }
fail() { T_COUNT=$((T_COUNT+1)); T_FAILS=$((T_FAILS+1)); echo "FAIL: $T_NAME: $1${2:+ ($2)}"; }
# check_eq ACTUAL EXPECTED WHAT
check_eq() { if [ "$1" = "$2" ]; then pass "$3"; else fail "$3" "got '$1', want '$2'"; fi; }
# check_match STRING REGEX WHAT (grep -E)
check_match() { if printf '%s' "$1" | grep -Eq -- "$2"; then pass "$3"; else fail "$3" "'$(printf '%s' "$1" | head -c 300)' !~ /$2/"; fi; }
check_nomatch() { if printf '%s' "$1" | grep -Eq -- "$2"; then fail "$3" "unexpected /$2/"; else pass "$3"; fi; }
# check_jq FILE JQ-EXPR EXPECTED WHAT
check_jq() { v=$(jq -r "$2" "$1" 2>&1); check_eq "$v" "$3" "$4"; }
# finish: call last.
finish() { [ "$T_COUNT" -gt 0 ] || fail "no assertion ran"; [ "$T_FAILS" -eq 0 ]; exit $?; }
# The DNS test world (tests/world/start.sh) writes world.env into $MXR_WORLD.
world_env() {
	[ -n "${MXR_WORLD:-}" ] && [ -f "$MXR_WORLD/world.env" ] || { fail "test world not running"; finish; }
	. "$MXR_WORLD/world.env"
}
