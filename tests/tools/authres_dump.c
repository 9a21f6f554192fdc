/*
 * Test driver: parses Authentication-Results field values (RFC 8601) with
 * core/authres.c and prints what it read, for the differential test
 * against python3-authres (tests/tools/authres_diff.py, run by
 * tests/e2e/21_authres.sh).
 *   authres_dump ID <HEX-LINES
 * Each input line is one field value in hex (any octets).  Each output line
 * is one JSON object: {"ok": false} or {"ok": true, "id", "version",
 * "results": [{"method", "version", "result", "reason", "props":
 * [[ptype, property, value], ...]}, ...]}, plus "claims": whether
 * authres_claims_id() takes the field for one carrying ID.  Octets >= 0x80
 * are written as they are (read the output as Latin-1).
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "authres.h"

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	    c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static json_object *dump(const char *v, size_t n, const char *id)
{
	json_object *o = json_object_new_object(), *rs;
	authres_parsed *p;
	json_object_object_add(o, "claims", json_object_new_boolean(authres_claims_id(v, n, id)));
	if (authres_parse(v, n, &p) < 0) {
		json_object_object_add(o, "ok", json_object_new_boolean(0));
		return o;
	}
	json_object_object_add(o, "ok", json_object_new_boolean(1));
	json_object_object_add(o, "id", json_object_new_string(p->authserv_id));
	json_object_object_add(o, "version", json_object_new_int((int)p->version));
	rs = json_object_new_array();
	for (size_t i = 0; i < p->n_res; i++) {
		const authres_result *r = &p->res[i];
		json_object *ro = json_object_new_object(), *ps = json_object_new_array();
		json_object_object_add(ro, "method", json_object_new_string(r->method));
		json_object_object_add(ro, "version", json_object_new_int((int)r->version));
		json_object_object_add(ro, "result", json_object_new_string(r->result));
		json_object_object_add(ro, "reason", r->reason ? json_object_new_string(r->reason) : NULL);
		for (size_t k = 0; k < r->n_prop; k++) {
			json_object *t = json_object_new_array();
			json_object_array_add(t, json_object_new_string(r->prop[k].ptype));
			json_object_array_add(t, json_object_new_string(r->prop[k].property));
			json_object_array_add(t, json_object_new_string(r->prop[k].value));
			json_object_array_add(ps, t);
		}
		json_object_object_add(ro, "props", ps);
		json_object_array_add(rs, ro);
	}
	json_object_object_add(o, "results", rs);
	authres_parsed_free(p);
	return o;
}

int main(int argc, char **argv)
{
	char *line = NULL, *buf = NULL;
	size_t cap = 0;
	ssize_t len;
	if (argc != 2) {
		fprintf(stderr, "usage: authres_dump ID <HEX-LINES\n");
		return 2;
	}
	while ((len = getline(&line, &cap, stdin)) >= 0) {
		size_t n = 0;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		buf = realloc(buf, (size_t)len / 2 + 1);
		if (buf == NULL)
			return 2;
		for (ssize_t i = 0; i + 1 < len; i += 2) {
			int h = hexval(line[i]), l = hexval(line[i + 1]);
			if (h < 0 || l < 0) {
				fprintf(stderr, "authres_dump: not hex\n");
				return 2;
			}
			buf[n++] = (char)(h * 16 + l);
		}
		json_object *o = dump(buf, n, argv[1]);
		/* no escaping of '/', and octets >= 0x80 as they are */
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	}
	free(line);
	free(buf);
	return 0;
}
