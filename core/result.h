#ifndef MXR_RESULT_H
#define MXR_RESULT_H
/*
 * The one result vocabulary of the core.  Authentication methods (RFC 8601
 * 2.7) and readiness checks (internet.nl-style statuses) have their own
 * enums so a value of one can never be passed where the other is meant.
 */

typedef enum {
	AUTH_NONE = 0, AUTH_PASS, AUTH_FAIL, AUTH_SOFTFAIL, AUTH_NEUTRAL,
	AUTH_TEMPERROR, AUTH_PERMERROR, AUTH_POLICY
} auth_result;

typedef enum {
	CHK_PASS = 0, CHK_INFO, CHK_WARN, CHK_FAIL, CHK_TEMPERROR
} chk_status;

/* Lower-case keyword ("pass", "temperror", ...). */
const char *result_auth_str(auth_result r);
const char *result_chk_str(chk_status s);
/* Parses a keyword; returns -1 if unknown. */
int result_auth_parse(const char *s);
int result_chk_parse(const char *s);
/* The worse of two readiness statuses: temperror > fail > warn > pass;
 * info never outranks pass. */
chk_status result_chk_worst(chk_status a, chk_status b);

#endif
