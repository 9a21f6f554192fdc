# DKIM keys of the dkim-*.xtest scenario zones (tests/e2e/21_dkim.sh), made
# afresh at every world start: the private keys go to $WORLD/keys/dkim-*.pem
# (the e2e script signs with them), the public keys into the zones.
set -eu
K=$WORLD/keys
mkdir -p "$K"
gen_rsa() {   # NAME BITS
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:"$2" -out "$K/dkim-$1.pem" 2>/dev/null
}
gen_rsa rsa 2048
gen_rsa small 512
openssl genpkey -algorithm ed25519 -out "$K/dkim-ed.pem" 2>/dev/null
# p= of an RSA key: the SubjectPublicKeyInfo in base64, split into quoted
# strings of at most 250 octets (a TXT string holds 255).
rsa_txt() {
	p=$(openssl pkey -in "$K/dkim-$1.pem" -pubout -outform DER | base64 -w0)
	printf '"v=DKIM1; k=rsa; "'
	printf '%s' "$p" | fold -w 250 | sed 's/^/ "p=/; 1!s/^ "p=/ "/; s/$/"/' | tr -d '\n'
}
ED=$(openssl pkey -in "$K/dkim-ed.pem" -pubout -outform DER | tail -c 32 | base64 -w0)
RSA=$(rsa_txt rsa)
SMALL=$(rsa_txt small)
{
	echo "rsa._domainkey TXT $RSA"
	echo "ed._domainkey TXT \"v=DKIM1; k=ed25519; p=$ED\""
	echo "small._domainkey TXT $SMALL"
	echo "revoked._domainkey TXT \"v=DKIM1; k=rsa; p=\""
} >>"$ZONES/dkim-ok.xtest.zone"
echo "rsa._domainkey TXT $RSA" >>"$ZONES/dkim-insecure.xtest.zone"
echo "rsa._domainkey TXT $RSA" >>"$ZONES/dkim-bogus.xtest.zone"
