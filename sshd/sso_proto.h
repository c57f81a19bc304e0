/*
 * sshd/sso_proto: the line protocol between meshsshd and its OIDC helper
 * (meshssh-sso), reused unchanged between meshsshd and pam_mesh's sudo
 * check.  Keeping libcurl and cjose in a short-lived helper keeps them (and
 * the 30-odd libraries they pull in) out of every connection process.
 *
 * Request, meshsshd -> helper on its stdin, closed by EOF: meshsshd.conf
 * lines (the OIDC* keywords in force), then one verb line:
 *     Check OWNER NODE HOSTUSER      run one device flow for OWNER
 *     Test                           discovery + JWKS only (meshsshd -t)
 * Replies, one per line on the helper's stdout:
 *     show TEXT                      a line of instructions for the person
 *     started EXPIRES_AT             instructions complete (unix seconds)
 *     pass SUBJECT IDENTITY          the IdP vouched for OWNER
 *     fail SUBJECT REASON...         refused / IdP error (SUBJECT "-" if unknown)
 *     timeout SUBJECT REASON...      the device code expired unapproved
 *     ok TEXT                        Test succeeded
 * The same reply lines travel from meshsshd to pam_mesh over the check
 * socket.  Pure: formatting and parsing only.
 */
#ifndef MESH_SSHD_SSO_PROTO_H
#define MESH_SSHD_SSO_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "oidc.h"

#define SSO_PROTO_LINE_MAX    4096
#define SSO_PROTO_REQUEST_MAX 16384
#define SSO_PROTO_VERB_CHECK  "Check"
#define SSO_PROTO_VERB_TEST   "Test"
#define SSO_PROTO_NO_SUBJECT  "-"

enum sso_reply_kind {
	SSO_REPLY_SHOW = 0,
	SSO_REPLY_STARTED,
	SSO_REPLY_PASS,
	SSO_REPLY_FAIL,
	SSO_REPLY_TIMEOUT,
	SSO_REPLY_OK,
};

struct sso_reply {
	enum sso_reply_kind kind;
	int64_t expires_at;		  /* STARTED */
	char subject[SSO_PROTO_LINE_MAX]; /* PASS, FAIL, TIMEOUT ("" when unknown) */
	char text[SSO_PROTO_LINE_MAX];	  /* SHOW, PASS (identity), FAIL/TIMEOUT (reason), OK */
};

/*
 * The request for verb with its arguments, as meshsshd.conf lines, into buf.
 * Arguments must be non-empty printable text without '"'.  MESH_ERR_INVALID
 * (err filled) or MESH_ERR_RANGE when buf is too small.
 */
int sso_proto_request(const struct oidc_config *cfg, const char *verb, const char *const *args,
    size_t nargs, char *buf, size_t len, struct mesh_error *err);

/* One reply line (without the newline) into buf; control characters become '?'. */
int sso_proto_reply_format(const struct sso_reply *r, char *buf, size_t len);

/* Parse one reply line (no newline).  MESH_ERR_PARSE for anything else. */
int sso_proto_reply_parse(const char *line, size_t len, struct sso_reply *out);

/* The reply kind's verb ("show", "pass", ...). */
const char *sso_proto_reply_verb(enum sso_reply_kind kind);

#endif
