/*
 * preport: the checks of the active probe and its JSON evidence.  Rules:
 * internet.nl's mail test (reachability over both families, STARTTLS,
 * TLS versions, suites, key exchange, certificate, DANE), the NCSC-NL 2025
 * tables of tlsgrade.h, RFC 7672 (DANE for SMTP: a secure TLSA RRset with
 * usages 2/3 must match), RFC 5321 4.5.1 (postmaster) and 4.2.5 /
 * greylisting (a temporary refusal must be 4xx).  A temporary failure
 * (rate limiting, a session that could not run) never becomes a pass.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "preport.h"

static const char *const ids[PREPORT_COUNT] = {
	"mx_reach", "starttls", "tls_version", "tls_cipher", "tls_kex", "cert",
	"dane_valid", "postmaster"
};

const char *preport_id_str(preport_id id)
{
	return (unsigned)id < PREPORT_COUNT ? ids[id] : "?";
}

/* "host address" into buf. */
static const char *who(const probe_addr *a, char *buf, size_t len)
{
	snprintf(buf, len, "%s %s", a->host, a->address);
	return buf;
}

/* Adds "host address: text" to the item's evidence list "addresses". */
__attribute__((format(printf, 3, 4)))
static void note(ready_item *it, const probe_addr *a, const char *fmt, ...)
{
	char line[600], w[400];
	va_list ap;
	int n = snprintf(line, sizeof line, "%s: ", who(a, w, sizeof w));
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof line)
		vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	va_end(ap);
	json_object *arr;
	if (!json_object_object_get_ex(it->data, "addresses", &arr)) {
		arr = json_object_new_array();
		json_object_object_add(it->data, "addresses", arr);
	}
	json_object_array_add(arr, json_object_new_string(line));
}

static int answered(const probe_addr *a)
{
	return a->tcp == PROBE_TCP_OK && a->banner_code == 220;
}

static const char *why_not(const probe_addr *a, char *buf, size_t len)
{
	if (a->rate_limited)
		snprintf(buf, len, "rate limited (%s)", a->banner_code ? "421 at the greeting" : "connection closed at the greeting");
	else if (a->tcp != PROBE_TCP_OK)
		snprintf(buf, len, "%s on port 25", a->tcp == PROBE_TCP_TIMEOUT ? "no answer (timeout)" :
		    a->tcp == PROBE_TCP_REFUSED ? "connection refused" : probe_tcp_str(a->tcp));
	else if (a->banner_code == 0)
		snprintf(buf, len, "no greeting (%s)", a->timed_out_step ? "timeout" : "closed");
	else
		snprintf(buf, len, "greeting %d %s", a->banner_code, a->banner);
	return buf;
}

static void judge_reach(const probe *p, ready_item *it)
{
	size_t n = p->n_addr, ok = 0, n6 = 0, ok6 = 0, rl = 0, rl6 = 0, skipped = 0;
	char b[400];
	for (size_t h = 0; h < p->n_host; h++) {
		skipped += p->host[h].n_skipped;
		for (size_t k = 0; k < p->host[h].n_skipped; k++) {
			json_object *arr;
			if (!json_object_object_get_ex(it->data, "skipped", &arr)) {
				arr = json_object_new_array();
				json_object_object_add(it->data, "skipped", arr);
			}
			snprintf(b, sizeof b, "%s %s: not a global address, not probed", p->host[h].name,
			    p->host[h].skipped[k]);
			json_object_array_add(arr, json_object_new_string(b));
		}
	}
	if (p->dns_temp) {
		ready_set(it, CHK_TEMPERROR, "the MX or address lookups failed; nothing probed");
		return;
	}
	if (p->null_mx && p->n_host == 0) {
		ready_set(it, CHK_INFO, "null MX (RFC 7505): the domain receives no mail, nothing to probe");
		return;
	}
	if (n == 0) {
		ready_set(it, CHK_INFO, "no address to probe%s", skipped ? " (only non-global addresses, not probed)" : "");
		return;
	}
	if (!p->ran) {
		ready_set(it, CHK_TEMPERROR, "the probe could not run: %s", p->error);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const probe_addr *a = &p->addr[i];
		n6 += a->family == 6;
		rl += a->rate_limited;
		rl6 += a->rate_limited && a->family == 6;
		if (answered(a)) {
			ok++;
			ok6 += a->family == 6;
		} else
			note(it, a, "%s", why_not(a, b, sizeof b));
	}
	if (ok == n) {
		ready_set(it, CHK_PASS, "every address (%zu: %zu IPv6, %zu IPv4) answers on port 25 with 220", n, n6, n - n6);
		return;
	}
	if (ok == 0 || (n6 && ok6 == 0)) {
		/* Only rate limiting stood in the way: try again later. */
		if ((ok == 0 && rl == n) || (ok && rl6 == n6)) {
			ready_set(it, CHK_TEMPERROR, "rate limited: %zu of %zu addresses answered 421 or closed at the greeting", rl, n);
			return;
		}
		if (ok == 0)
			ready_set(it, CHK_FAIL, "no address of any MX answers on port 25 with 220 (%zu probed)", n);
		else
			ready_set(it, CHK_FAIL, "%zu IPv6 address(es) published, none answers on port 25 (IPv4: %zu of %zu)", n6, ok, n - n6);
		ready_hint(it, "Make every published address accept SMTP on port 25 (listener, firewall, routing), or remove the AAAA/A records of addresses that do not.");
		return;
	}
	ready_set(it, CHK_WARN, "%zu of %zu addresses do not answer on port 25 with 220", n - ok, n);
	ready_hint(it, "Open port 25 on every published address (both families) or withdraw the records of the addresses that do not answer.");
}

static void judge_starttls(const probe *p, ready_item *it)
{
	size_t reach = 0, ok = 0, bad = 0, unk = 0, inj = 0;
	for (size_t i = 0; i < p->n_addr; i++) {
		const probe_addr *a = &p->addr[i];
		if (!answered(a))
			continue;
		reach++;
		if (a->injection) {
			inj++;
			note(it, a, "bytes followed the 220 reply to STARTTLS (command injection flaw)");
		}
		switch (a->starttls) {
		case PROBE_TLS_OK: ok++; break;
		case PROBE_TLS_NOT_TRIED: unk++; note(it, a, "not tried (%s)", a->step[0] ? a->step : "session ended"); break;
		case PROBE_TLS_FAILED: bad++; note(it, a, "handshake failed: %s", a->tls_error); break;
		default: bad++; note(it, a, "STARTTLS %s", a->starttls == PROBE_TLS_REFUSED ? "refused" : "not offered"); break;
		}
	}
	if (reach == 0) {
		ready_set(it, CHK_INFO, "no address reachable");
		return;
	}
	if (bad || inj) {
		ready_set(it, CHK_FAIL, "%zu of %zu reachable addresses %s", bad ? bad : inj, reach,
		    bad ? "do not offer STARTTLS or fail the handshake" : "send bytes after the STARTTLS 220");
		ready_hint(it, inj && !bad ? "Upgrade the SMTP server: it must discard pipelined plaintext after STARTTLS (RFC 3207 5, CVE-2011-0411)." :
		    "Offer STARTTLS on every address with a working certificate (Postfix: smtpd_tls_security_level = may, smtpd_tls_chain_files).");
		return;
	}
	if (unk) {
		ready_set(it, CHK_TEMPERROR, "STARTTLS could not be tried on %zu of %zu reachable addresses", unk, reach);
		return;
	}
	ready_set(it, CHK_PASS, "every reachable address (%zu) offers STARTTLS and completes a handshake", reach);
}

static int tls_ok(const probe_addr *a)
{
	return answered(a) && a->starttls == PROBE_TLS_OK;
}

static void judge_version(const probe *p, ready_item *it)
{
	size_t n = 0, legacy = 0, unk = 0;
	for (size_t i = 0; i < p->n_addr; i++) {
		const probe_addr *a = &p->addr[i];
		if (!tls_ok(a))
			continue;
		n++;
		if (a->legacy[0] || a->legacy[1]) {
			legacy++;
			note(it, a, "accepts %s%s%s", a->legacy[0] ? "TLSv1" : "", a->legacy[0] && a->legacy[1] ? ", " : "",
			    a->legacy[1] ? "TLSv1.1" : "");
		} else if (a->legacy_unknown) {
			unk++;
			note(it, a, "the TLS 1.0/1.1 handshake could not be tried");
		}
	}
	if (n == 0) {
		ready_set(it, CHK_INFO, "no TLS");
		return;
	}
	if (legacy) {
		ready_set(it, CHK_FAIL, "%zu of %zu addresses accept TLS 1.0 or 1.1 (insufficient, NCSC 2025)", legacy, n);
		ready_hint(it, "Accept only TLS 1.2 and 1.3 (Postfix: smtpd_tls_protocols = >=TLSv1.2).");
		return;
	}
	if (unk) {
		ready_set(it, CHK_TEMPERROR, "TLS 1.0/1.1 could not be tried on %zu of %zu addresses", unk, n);
		return;
	}
	ready_set(it, CHK_PASS, "only TLS 1.2/1.3 accepted (%zu addresses)", n);
}

static void judge_cipher(const probe *p, ready_item *it)
{
	size_t n = 0, unk = 0;
	tlsgrade_level worst = TLSGRADE_GOOD;
	for (size_t i = 0; i < p->n_addr; i++) {
		const probe_addr *a = &p->addr[i];
		if (!tls_ok(a))
			continue;
		n++;
		tlsgrade_level l = tlsgrade_cipher(a->cipher);
		if (l >= TLSGRADE_PHASEOUT)
			note(it, a, "chose %s (%s)", a->cipher, tlsgrade_level_str(l));
		if (a->weak_cipher[0]) {
			l = TLSGRADE_INSUFFICIENT;
			note(it, a, "accepts %s (insufficient)", a->weak_cipher);
		} else if (a->weak_unknown) {
			unk++;
			note(it, a, "the insufficient-suites handshake could not be tried");
		}
		if (l > worst)
			worst = l;
	}
	if (n == 0) {
		ready_set(it, CHK_INFO, "no TLS");
		return;
	}
	if (worst == TLSGRADE_INSUFFICIENT) {
		ready_set(it, CHK_FAIL, "an insufficient cipher suite is accepted (NCSC 2025)");
		ready_hint(it, "Disable suites without forward secrecy, with SHA-1 MACs, 3DES, RC4 and NULL (Postfix: smtpd_tls_ciphers = high, smtpd_tls_exclude_ciphers = aNULL, kRSA, SHA1, 3DES, RC4).");
		return;
	}
	if (unk) {
		ready_set(it, CHK_TEMPERROR, "the insufficient suites could not be tried on %zu of %zu addresses", unk, n);
		return;
	}
	if (worst == TLSGRADE_PHASEOUT) {
		ready_set(it, CHK_WARN, "a phase-out cipher suite is chosen (NCSC 2025)");
		ready_hint(it, "Prefer ECDHE with AES-GCM or CHACHA20-POLY1305 (Postfix: tls_preempt_cipherlist = yes, smtpd_tls_ciphers = high).");
		return;
	}
	ready_set(it, CHK_PASS, "only good or sufficient cipher suites (%zu addresses)", n);
}

static void judge_kex(const probe *p, ready_item *it)
{
	size_t n = 0;
	tlsgrade_level worst = TLSGRADE_GOOD;
	for (size_t i = 0; i < p->n_addr; i++) {
		const probe_addr *a = &p->addr[i];
		if (!tls_ok(a))
			continue;
		n++;
		tlsgrade_level l = tlsgrade_group(a->group, a->dh_bits);
		if (l >= TLSGRADE_PHASEOUT)
			note(it, a, "key exchange %s (%s)", a->group[0] ? a->group : "RSA (no forward secrecy)", tlsgrade_level_str(l));
		if (a->dhe_group[0]) {
			tlsgrade_level d = tlsgrade_group(a->dhe_group, a->dhe_bits);
			if (d >= TLSGRADE_PHASEOUT)
				note(it, a, "DHE with %s (%s)", a->dhe_group, tlsgrade_level_str(d));
			if (d > l)
				l = d;
		}
		if (l > worst)
			worst = l;
	}
	if (n == 0) {
		ready_set(it, CHK_INFO, "no TLS");
		return;
	}
	if (worst == TLSGRADE_INSUFFICIENT) {
		ready_set(it, CHK_FAIL, "an insufficient key exchange is used (NCSC 2025)");
		ready_hint(it, "Use ECDHE (X25519, P-256/384) or RFC 7919 ffdhe3072+; drop custom DH parameters and RSA key exchange.");
	} else if (worst == TLSGRADE_PHASEOUT) {
		ready_set(it, CHK_WARN, "a phase-out key exchange group is used (P-224 or ffdhe3072+)");
		ready_hint(it, "Prefer X25519 or P-256/384 (Postfix: tls_eecdh_auto_curves).");
	} else
		ready_set(it, CHK_PASS, "ECDHE with a good group on every address (%zu)", n);
}

static void judge_cert(const probe *p, ready_item *it)
{
	size_t n = 0, bad = 0, phase = 0;
	for (size_t i = 0; i < p->n_addr; i++) {
		const probe_addr *a = &p->addr[i];
		if (!tls_ok(a))
			continue;
		n++;
		if (!a->have_cert) {
			bad++;
			note(it, a, "no certificate (anonymous suite)");
			continue;
		}
		const tlsgrade_cert *l = &a->chain[0];
		int b = 0;
		if (l->expired) {
			b = 1;
			note(it, a, "expired %s", l->not_after);
		}
		if (l->key_level == TLSGRADE_INSUFFICIENT) {
			b = 1;
			note(it, a, "leaf key %s %d bits (insufficient)", l->key_type, l->key_bits);
		}
		for (size_t k = 0; k < a->n_chain; k++)
			if (!a->chain[k].self_signed && a->chain[k].sig_level == TLSGRADE_INSUFFICIENT) {
				b = 1;
				note(it, a, "certificate %zu (%s) signed with %s", k, a->chain[k].subject, a->chain[k].sig_hash);
			}
		if (b) {
			bad++;
			continue;
		}
		int ph = l->key_level == TLSGRADE_PHASEOUT;
		if (ph)
			note(it, a, "leaf key %s %d bits (phase-out)", l->key_type, l->key_bits);
		for (size_t k = 0; k < a->n_chain; k++)
			if (!a->chain[k].self_signed && a->chain[k].sig_level == TLSGRADE_PHASEOUT) {
				ph = 1;
				note(it, a, "certificate %zu signed with %s (phase-out)", k, a->chain[k].sig_hash);
			}
		phase += ph;
		if (a->ecdsa_key[0])
			note(it, a, "offering only ECDSA, the server presents a %s key (deep)", a->ecdsa_key);
	}
	if (n == 0) {
		ready_set(it, CHK_INFO, "no TLS");
		return;
	}
	if (bad) {
		ready_set(it, CHK_FAIL, "%zu of %zu addresses present an expired or weak certificate", bad, n);
		ready_hint(it, "Install a current certificate with an RSA >= 3072 or ECDSA P-256/384 key, signed with SHA-256 or better (intermediates too).");
	} else if (phase) {
		ready_set(it, CHK_WARN, "%zu of %zu addresses use a phase-out key or signature (e.g. RSA 2048-3071)", phase, n);
		ready_hint(it, "Move to an RSA >= 3072 or ECDSA P-256/384 key at the next renewal (NCSC 2025 phase-out).");
	} else
		ready_set(it, CHK_PASS, "leaf keys and signatures sufficient, not expired (%zu addresses)", n);
}

static int usable_tlsa(const dns_answer *t)
{
	if (t == NULL || t->outcome != DNS_ANSWER || t->sec != DNS_SECURE)
		return 0;
	for (size_t i = 0; i < t->n; i++)
		if (t->rr[i].rdata && t->rr[i].rdlen >= 4 && (t->rr[i].rdata[0] == 2 || t->rr[i].rdata[0] == 3))
			return 1;
	return 0;
}

static void judge_dane(const probe *p, ready_item *it)
{
	size_t hosts = 0, ok = 0, bad = 0, temp = 0;
	for (size_t h = 0; h < p->n_host; h++) {
		const probe_host *ph = &p->host[h];
		const dns_answer *t = ph->tlsa;
		if (t && t->sec == DNS_BOGUS) {
			bad++;
			for (size_t i = 0; i < p->n_addr; i++)
				if (p->addr[i].host == ph->name) {
					note(it, &p->addr[i], "TLSA RRset bogus (%s)", t->why_bogus ? t->why_bogus : "DNSSEC");
					break;
				}
			continue;
		}
		if (t == NULL || t->outcome == DNS_TEMPERROR) {
			temp++;
			continue;
		}
		if (!usable_tlsa(t))
			continue;
		hosts++;
		for (size_t i = 0; i < p->n_addr; i++) {
			const probe_addr *a = &p->addr[i];
			if (a->host != ph->name || !answered(a))
				continue;
			if (a->dane == PROBE_DANE_VALIDATED) {
				ok++;
				note(it, a, "matches %s at depth %d", a->dane_record, a->dane_depth);
			} else {
				bad++;
				note(it, a, "%s", a->starttls != PROBE_TLS_OK ? "no TLS, so no DANE authentication" :
				    "the chain matches no TLSA record");
			}
		}
	}
	if (bad) {
		ready_set(it, CHK_FAIL, "DANE does not validate on %zu address(es)", bad);
		ready_hint(it, "Publish TLSA records that match the certificate the server presents (\"3 1 1\" of the current and the next key), in a zone that validates.");
		return;
	}
	if (temp) {
		ready_set(it, CHK_TEMPERROR, "the TLSA lookup of %zu host(s) failed", temp);
		return;
	}
	if (hosts == 0) {
		ready_set(it, CHK_INFO, "no DNSSEC-secure usable TLSA record (usage 2 or 3)");
		return;
	}
	if (ok == 0) {
		ready_set(it, CHK_INFO, "MX hosts with TLSA records were not reachable");
		return;
	}
	ready_set(it, CHK_PASS, "every MX with a secure TLSA record presents a matching chain (%zu addresses)", ok);
}

static void judge_postmaster(const probe *p, ready_item *it)
{
	size_t n = 0, perm = 0, tmp = 0, grey = 0;
	for (size_t i = 0; i < p->n_addr; i++) {
		const probe_addr *a = &p->addr[i];
		if (a->pm_code == 0)
			continue;
		n++;
		if (a->pm_code / 100 == 5) {
			perm++;
			grey += strcasestr(a->pm_text, "grey") != NULL || strcasestr(a->pm_text, "gray") != NULL;
		} else if (a->pm_code / 100 == 4)
			tmp++;
		if (a->pm_code / 100 != 2)
			note(it, a, "%s%d %s", a->pm_at_mail ? "MAIL FROM:<> " : "", a->pm_code, a->pm_text);
	}
	if (n == 0) {
		ready_set(it, CHK_INFO, "nothing reachable");
		return;
	}
	if (perm) {
		ready_set(it, CHK_FAIL, "postmaster@%s refused with 5xx on %zu of %zu addresses", p->domain, perm, n);
		if (grey)
			ready_hint(it, "Greylisting must answer 4xx (e.g. 450 4.2.0), never 5xx: a 5xx bounces the mail for good.");
		else
			ready_hint(it, "Accept mail for postmaster@%s from the null sender (RFC 5321 4.5.1, 4.5.5).", p->domain);
		return;
	}
	if (tmp) {
		ready_set(it, CHK_WARN, "postmaster@%s answered 4xx (temporary, e.g. greylisting) on %zu of %zu addresses", p->domain, tmp, n);
		ready_hint(it, "Make sure postmaster@%s is accepted when the sender retries (RFC 5321 4.5.1); exempt it from greylisting.", p->domain);
		return;
	}
	ready_set(it, CHK_PASS, "postmaster@%s accepted by every address asked (%zu)", p->domain, n);
}

void preport_judge(const probe *p, ready_item item[PREPORT_COUNT])
{
	for (int i = 0; i < PREPORT_COUNT; i++) {
		memset(&item[i], 0, sizeof item[i]);
		item[i].data = json_object_new_object();
	}
	judge_reach(p, &item[PREPORT_MX_REACH]);
	judge_starttls(p, &item[PREPORT_STARTTLS]);
	judge_version(p, &item[PREPORT_TLS_VERSION]);
	judge_cipher(p, &item[PREPORT_TLS_CIPHER]);
	judge_kex(p, &item[PREPORT_TLS_KEX]);
	judge_cert(p, &item[PREPORT_CERT]);
	judge_dane(p, &item[PREPORT_DANE_VALID]);
	judge_postmaster(p, &item[PREPORT_POSTMASTER]);
	/* Nothing to probe, or the probe could not run: the TLS checks say
	 * why instead of "no TLS". */
	if (item[PREPORT_MX_REACH].status == CHK_TEMPERROR)
		for (int i = 1; i < PREPORT_COUNT; i++)
			if (item[i].status == CHK_INFO)
				ready_set(&item[i], CHK_TEMPERROR, "not probed: %s", item[PREPORT_MX_REACH].summary);
}

static json_object *str_or_null(const char *s)
{
	return s && *s ? json_object_new_string(s) : NULL;
}

static json_object *cert_json(const probe_addr *a)
{
	if (!a->have_cert)
		return NULL;
	const tlsgrade_cert *c = &a->chain[0];
	json_object *o = json_object_new_object(), *san = json_object_new_array();
	const char *s = c->san;
	while (*s) {
		const char *e = strchr(s, ',');
		size_t l = e ? (size_t)(e - s) : strlen(s);
		json_object_array_add(san, json_object_new_string_len(s, (int)l));
		s += l + (e != NULL);
	}
	json_object_object_add(o, "subject", json_object_new_string(c->subject));
	json_object_object_add(o, "san", san);
	json_object_object_add(o, "issuer", json_object_new_string(c->issuer));
	json_object_object_add(o, "key_type", json_object_new_string(c->key_type));
	json_object_object_add(o, "key_bits", json_object_new_int(c->key_bits));
	json_object_object_add(o, "sig_hash", json_object_new_string(c->sig_hash));
	json_object_object_add(o, "not_after", json_object_new_string(c->not_after));
	json_object_object_add(o, "expired", json_object_new_boolean(c->expired));
	json_object_object_add(o, "trusted", json_object_new_boolean(a->trusted));
	json_object_object_add(o, "name_match", json_object_new_boolean(a->name_match));
	json_object_object_add(o, "spki_sha256", json_object_new_string(c->spki_sha256));
	return o;
}

static json_object *addr_json(const probe_addr *a)
{
	json_object *o = json_object_new_object(), *lv = json_object_new_array();
	json_object_object_add(o, "host", json_object_new_string(a->host));
	json_object_object_add(o, "preference", json_object_new_int((int)a->preference));
	json_object_object_add(o, "address", json_object_new_string(a->address));
	json_object_object_add(o, "family", json_object_new_int(a->family));
	json_object_object_add(o, "tcp", json_object_new_string(a->tcp == PROBE_TCP_NONE ? "error" : probe_tcp_str(a->tcp)));
	json_object_object_add(o, "connect_ms", a->connect_ms >= 0 ? json_object_new_int64(a->connect_ms) : NULL);
	json_object_object_add(o, "banner_code", a->banner_code ? json_object_new_int(a->banner_code) : NULL);
	json_object_object_add(o, "banner", str_or_null(a->banner));
	json_object_object_add(o, "starttls", a->starttls == PROBE_TLS_NOT_TRIED ? NULL : json_object_new_string(probe_tls_str(a->starttls)));
	json_object_object_add(o, "tls_version", a->tls_version ? json_object_new_string(tlsgrade_version_str(a->tls_version)) : NULL);
	json_object_object_add(o, "cipher", str_or_null(a->cipher));
	json_object_object_add(o, "group", str_or_null(a->group));
	if (a->legacy[0])
		json_object_array_add(lv, json_object_new_string("TLSv1"));
	if (a->legacy[1])
		json_object_array_add(lv, json_object_new_string("TLSv1.1"));
	json_object_object_add(o, "legacy_versions", lv);
	json_object_object_add(o, "cert", cert_json(a));
	json_object *d = json_object_new_object();
	json_object_object_add(d, "status", json_object_new_string(probe_dane_str(a->dane)));
	json_object_object_add(d, "record", str_or_null(a->dane_record));
	json_object_object_add(d, "depth", a->dane_depth >= 0 ? json_object_new_int(a->dane_depth) : NULL);
	json_object_object_add(o, "dane", d);
	json_object *pm = NULL;
	if (a->pm_code) {
		pm = json_object_new_object();
		json_object_object_add(pm, "code", json_object_new_int(a->pm_code));
		json_object_object_add(pm, "text", json_object_new_string(a->pm_text));
		json_object_object_add(pm, "class", json_object_new_string(a->pm_code / 100 == 2 ? "accepted" :
		    a->pm_code / 100 == 4 ? "temporary" : "permanent"));
	}
	json_object_object_add(o, "postmaster", pm);
	json_object_object_add(o, "rate_limited", json_object_new_boolean(a->rate_limited));
	json_object_object_add(o, "sessions", json_object_new_int(a->sessions));
	return o;
}

json_object *preport_json(const probe *p)
{
	json_object *o = json_object_new_object(), *arr = json_object_new_array();
	json_object_object_add(o, "tables", json_object_new_string(TLSGRADE_TABLES));
	json_object_object_add(o, "seconds", json_object_new_double(p->seconds));
	for (size_t i = 0; i < p->n_addr; i++)
		json_object_array_add(arr, addr_json(&p->addr[i]));
	json_object_object_add(o, "addresses", arr);
	return o;
}

void preport_lines(const probe *p, char *out, size_t outlen)
{
	size_t o = 0;
	char b[400];
	if (outlen == 0)
		return;
	out[0] = 0;
	for (size_t i = 0; i < p->n_addr && o + 1 < outlen; i++) {
		const probe_addr *a = &p->addr[i];
		const char *what = b;
		if (!answered(a))
			why_not(a, b, sizeof b);
		else if (a->starttls == PROBE_TLS_OK)
			snprintf(b, sizeof b, "answers, STARTTLS %s %s%s", tlsgrade_version_str(a->tls_version), a->cipher,
			    a->dane == PROBE_DANE_VALIDATED ? ", DANE validated" : a->dane == PROBE_DANE_FAILED ? ", DANE FAILED" : "");
		else
			snprintf(b, sizeof b, "answers, STARTTLS %s", probe_tls_str(a->starttls));
		int n = snprintf(out + o, outlen - o, "%s %s: %s\n", a->host, a->address, what);
		if (n < 0 || (size_t)n >= outlen - o) {
			out[o] = 0;
			break;
		}
		o += (size_t)n;
	}
	/* Server text went in: keep only printable bytes and line ends. */
	for (size_t i = 0; i < o; i++)
		if ((out[i] < 0x20 && out[i] != '\n') || out[i] == 0x7f)
			out[i] = '?';
}
