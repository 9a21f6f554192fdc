/*
 * Result keywords shared by every module, the CLI, the milter and the policy
 * service (RFC 8601 2.7 for the authentication results).
 */
#include <string.h>
#include "result.h"

static const char *const auth_names[] = {
	"none", "pass", "fail", "softfail", "neutral", "temperror", "permerror", "policy"
};
static const char *const chk_names[] = { "pass", "info", "warn", "fail", "temperror" };

const char *result_auth_str(auth_result r)
{
	if ((unsigned)r < sizeof auth_names / sizeof auth_names[0])
		return auth_names[r];
	return "none";
}

const char *result_chk_str(chk_status s)
{
	if ((unsigned)s < sizeof chk_names / sizeof chk_names[0])
		return chk_names[s];
	return "temperror";
}

int result_auth_parse(const char *s)
{
	for (size_t i = 0; i < sizeof auth_names / sizeof auth_names[0]; i++)
		if (strcmp(s, auth_names[i]) == 0)
			return (int)i;
	return -1;
}

int result_chk_parse(const char *s)
{
	for (size_t i = 0; i < sizeof chk_names / sizeof chk_names[0]; i++)
		if (strcmp(s, chk_names[i]) == 0)
			return (int)i;
	return -1;
}

static int chk_rank(chk_status s)
{
	switch (s) {
	case CHK_INFO: return 0;
	case CHK_PASS: return 1;
	case CHK_WARN: return 2;
	case CHK_FAIL: return 3;
	case CHK_TEMPERROR: return 4;
	}
	return 4;
}

chk_status result_chk_worst(chk_status a, chk_status b)
{
	return chk_rank(a) >= chk_rank(b) ? a : b;
}
