/*
 * sshd/sso_proto: request and reply lines of the SSO helper (see sso_proto.h).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sso_proto.h"

static const char *const sso_verbs[] = {
    [SSO_REPLY_SHOW] = "show",
    [SSO_REPLY_STARTED] = "started",
    [SSO_REPLY_PASS] = "pass",
    [SSO_REPLY_FAIL] = "fail",
    [SSO_REPLY_TIMEOUT] = "timeout",
    [SSO_REPLY_OK] = "ok",
};

#define SSO_VERB_COUNT (sizeof(sso_verbs) / sizeof(sso_verbs[0]))

const char *
sso_proto_reply_verb(enum sso_reply_kind kind)
{
	return (size_t)kind < SSO_VERB_COUNT ? sso_verbs[kind] : "?";
}

static bool
sso_arg_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (s == NULL || *s == '\0')
		return false;
	for (; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '"')
			return false;
	return true;
}

/* Append ` "value"` (or just `keyword` when value is NULL) to buf. */
static int
sso_put(char *buf, size_t len, size_t *off, const char *keyword, const char *value,
    struct mesh_error *err)
{
	int n;

	if (value != NULL && !sso_arg_ok(value))
		return mesh_error_set(err, MESH_ERR_INVALID, 0, 0,
		    "sso: %s: value is empty or has a quote or control character", keyword);
	if (value != NULL)
		n = snprintf(buf + *off, len - *off, "%s \"%s\"\n", keyword, value);
	else
		n = snprintf(buf + *off, len - *off, "%s\n", keyword);
	if (n < 0 || (size_t)n >= len - *off)
		return mesh_error_set(err, MESH_ERR_RANGE, 0, 0, "sso: request too long");
	*off += (size_t)n;
	return 0;
}

int
sso_proto_request(const struct oidc_config *cfg, const char *verb, const char *const *args,
    size_t nargs, char *buf, size_t len, struct mesh_error *err)
{
	char num[24];
	size_t off = 0, i;
	int r, n;

	if (len == 0)
		return MESH_ERR_RANGE;
	buf[0] = '\0';
	(void)snprintf(num, sizeof(num), "%u", cfg->timeout_s);
	if ((r = sso_put(buf, len, &off, "OIDCIssuer", cfg->issuer, err)) < 0 ||
	    (r = sso_put(buf, len, &off, "OIDCClientID", cfg->client_id, err)) < 0 ||
	    (r = sso_put(buf, len, &off, "OIDCClaim", oidc_claim_name(cfg->claim), err)) < 0 ||
	    (r = sso_put(buf, len, &off, "OIDCTimeout", num, err)) < 0 ||
	    (cfg->client_secret_file &&
		(r = sso_put(
		     buf, len, &off, "OIDCClientSecretFile", cfg->client_secret_file, err)) < 0) ||
	    (cfg->ca_bundle &&
		(r = sso_put(buf, len, &off, "OIDCCABundle", cfg->ca_bundle, err)) < 0))
		return r;
	n = snprintf(buf + off, len - off, "%s", verb);
	if (n < 0 || (size_t)n >= len - off)
		return mesh_error_set(err, MESH_ERR_RANGE, 0, 0, "sso: request too long");
	off += (size_t)n;
	for (i = 0; i < nargs; i++) {
		if (!sso_arg_ok(args[i]))
			return mesh_error_set(err, MESH_ERR_INVALID, 0, 0,
			    "sso: %s argument %zu is empty or has a quote or control character",
			    verb, i + 1);
		n = snprintf(buf + off, len - off, " \"%s\"", args[i]);
		if (n < 0 || (size_t)n >= len - off)
			return mesh_error_set(err, MESH_ERR_RANGE, 0, 0, "sso: request too long");
		off += (size_t)n;
	}
	if (off + 2 > len)
		return mesh_error_set(err, MESH_ERR_RANGE, 0, 0, "sso: request too long");
	buf[off++] = '\n';
	buf[off] = '\0';
	return 0;
}

/* Copy src into dst[len], control characters (and, if one_word, spaces) as '?'. */
static void
sso_clean(char *dst, size_t len, const char *src, bool one_word)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < len; i++) {
		unsigned char ch = (unsigned char)src[i];

		dst[i] = (ch < 0x20 || ch == 0x7f || (one_word && ch == ' ')) ? '?' : (char)ch;
	}
	dst[i] = '\0';
}

int
sso_proto_reply_format(const struct sso_reply *r, char *buf, size_t len)
{
	char subject[SSO_PROTO_LINE_MAX], text[SSO_PROTO_LINE_MAX];
	int n;

	sso_clean(
	    subject, sizeof(subject), r->subject[0] ? r->subject : SSO_PROTO_NO_SUBJECT, true);
	sso_clean(text, sizeof(text), r->text, r->kind == SSO_REPLY_PASS);
	switch (r->kind) {
	case SSO_REPLY_SHOW:
	case SSO_REPLY_OK:
		n = snprintf(buf, len, "%s %s", sso_proto_reply_verb(r->kind), text);
		break;
	case SSO_REPLY_STARTED:
		n = snprintf(buf, len, "started %" PRId64, r->expires_at);
		break;
	case SSO_REPLY_PASS:
	case SSO_REPLY_FAIL:
	case SSO_REPLY_TIMEOUT:
		n = snprintf(buf, len, "%s %s %s", sso_proto_reply_verb(r->kind), subject, text);
		break;
	default:
		return MESH_ERR_INVALID;
	}
	return n < 0 || (size_t)n >= len ? MESH_ERR_RANGE : 0;
}

int
sso_proto_reply_parse(const char *line, size_t len, struct sso_reply *out)
{
	char buf[SSO_PROTO_LINE_MAX];
	char *sp, *rest;
	size_t k;

	memset(out, 0, sizeof(*out));
	if (len >= sizeof(buf) || memchr(line, '\0', len) != NULL)
		return MESH_ERR_PARSE;
	memcpy(buf, line, len);
	buf[len] = '\0';
	sp = strchr(buf, ' ');
	rest = sp ? sp + 1 : buf + len;
	if (sp)
		*sp = '\0';
	for (k = 0; k < SSO_VERB_COUNT; k++)
		if (strcmp(buf, sso_verbs[k]) == 0)
			break;
	if (k == SSO_VERB_COUNT)
		return MESH_ERR_PARSE;
	out->kind = (enum sso_reply_kind)k;
	switch (out->kind) {
	case SSO_REPLY_SHOW:
	case SSO_REPLY_OK:
		sso_clean(out->text, sizeof(out->text), rest, false);
		return 0;
	case SSO_REPLY_STARTED: {
		char *end;
		long long v = strtoll(rest, &end, 10);

		if (end == rest || *end != '\0' || v <= 0)
			return MESH_ERR_PARSE;
		out->expires_at = (int64_t)v;
		return 0;
	}
	default:
		break;
	}
	/* pass / fail / timeout: SUBJECT then the rest */
	if (sp == NULL || *rest == '\0')
		return MESH_ERR_PARSE;
	sp = strchr(rest, ' ');
	if (sp)
		*sp = '\0';
	if (strcmp(rest, SSO_PROTO_NO_SUBJECT) != 0)
		sso_clean(out->subject, sizeof(out->subject), rest, true);
	sso_clean(out->text, sizeof(out->text), sp ? sp + 1 : "", false);
	if (out->kind == SSO_REPLY_PASS && out->text[0] == '\0')
		return MESH_ERR_PARSE;
	return 0;
}
