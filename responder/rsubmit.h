#ifndef MXR_RSUBMIT_H
#define MXR_RSUBMIT_H
/*
 * Hands a finished message to the local Postfix over SMTP (RFC 5321) on a
 * loopback listener without milters (conf/master.cf.responder).  SMTP and
 * not sendmail(1): the responder runs as an unprivileged pipe(8) user, and
 * postdrop refuses non-default configuration directories for such users.
 */
#include <stddef.h>

#define RSUBMIT_TIMEOUT 30          /* seconds per SMTP step */

/* Sends msg (CRLF line ends) from `from` ("" = null sender) to `to` via
 * hostport ("127.0.0.1:10026", "[::1]:10026").  Returns 0 when accepted,
 * -1 on a temporary failure (connection, 4xx), -2 on a 5xx, with the
 * server's reply or the error in err. */
int rsubmit_send(const char *hostport, const char *from, const char *to,
	const char *msg, size_t len, char *err, size_t errlen);

#endif
