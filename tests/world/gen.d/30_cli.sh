# PTRs that do not confirm (iprev fail, RFC 8601 2.7.3) for
# tests/e2e/30_cli_auth.sh: 5.0.2.230 and 2001:67c:1a0::230 ->
# liar.cli-auth.xtest, which has the addresses ...231 only.  Forward zones
# cannot hold reverse names, so the records go straight into the reverse
# zones (gen.py ptr then adds the PTRs of the ...231 addresses).
set -eu
R4=$ZONES/2.0.5.in-addr.arpa.zone
R6=$ZONES/0.a.1.0.c.7.6.0.1.0.0.2.ip6.arpa.zone
for r in "$R4" "$R6"; do
	[ -f "$r" ] || { echo "30_cli.sh: $r missing" >&2; exit 1; }
done
echo "230 PTR liar.cli-auth.xtest." >>"$R4"
echo "0.3.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0 PTR liar.cli-auth.xtest." >>"$R6"
