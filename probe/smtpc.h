#ifndef MXR_SMTPC_H
#define MXR_SMTPC_H
/*
 * The SMTP client's reply parser (RFC 5321 4.2 reply syntax, 4.5.3.1.5
 * reply-line limit, 4.1.1.1 EHLO keywords).  Server bytes are hostile:
 * every line is bounded, a multi-line reply is bounded, and what is kept
 * for output is printable ASCII only.
 */
#include <stddef.h>

#define SMTPC_LINE_MAX  512    /* RFC 5321 4.5.3.1.5: reply line with CRLF */
#define SMTPC_LINES_MAX 64     /* lines of one multi-line reply           */
#define SMTPC_TEXT_MAX  256    /* printable rendering kept for output     */

/* EHLO keywords the probe cares about (bits of smtpc_reply.ehlo). */
#define SMTPC_EHLO_STARTTLS 0x1u
#define SMTPC_EHLO_PIPELINING 0x2u
#define SMTPC_EHLO_8BITMIME 0x4u

typedef struct smtpc_reply {
	int code;                       /* 200..599 as the bytes carried it  */
	size_t nlines;
	char text[SMTPC_TEXT_MAX];      /* the lines' texts joined by " / ",
	                                 * printable, truncated              */
	unsigned ehlo;                  /* keywords of lines 2..n (EHLO)     */
} smtpc_reply;

typedef enum {
	SMTPC_MORE = 0,     /* no complete reply yet                       */
	SMTPC_DONE = 1,     /* a reply; *used bytes consumed               */
	SMTPC_BAD = -1      /* syntax error or a limit exceeded            */
} smtpc_status;

/* Parses one reply from the len bytes of buf.  Lines end in CRLF (a bare
 * LF is accepted); each is "DDD" or "DDD-text" (more follow) or "DDD text"
 * (last), the same code on every line, first digit 2-5.  On SMTPC_DONE *used
 * is the octets of the whole reply. */
smtpc_status smtpc_parse(const char *buf, size_t len, smtpc_reply *r, size_t *used);

/* Copies len bytes of in into out (outlen > 0, always terminated), every
 * byte outside printable ASCII replaced by '?', at most outlen-1 bytes. */
void smtpc_printable(char *out, size_t outlen, const char *in, size_t len);

#endif
