/*
 * The OIDC wire formats meshsshd reads, as pure parsers: the discovery
 * document, the device authorization response and the token endpoint
 * response (RFC 8628 sections 3.2 and 3.5).  Every URL the IdP hands us must
 * be https; every string is bounded; the IdP's own error text is quoted so
 * the operator sees what the provider said.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <sodium.h>

#include "oidc.h"

/* HTTP statuses that matter here. */
#define HTTP_OK		  200
#define HTTP_BAD_REQUEST  400
#define HTTP_UNAUTHORIZED 401
#define HTTP_FORBIDDEN	  403

static const char *const claim_names[] = {
    [OIDC_CLAIM_EMAIL] = "email",
    [OIDC_CLAIM_PREFERRED_USERNAME] = "preferred_username",
    [OIDC_CLAIM_SUB] = "sub",
};

int
oidc_claim_parse(const char *name, enum oidc_claim *out)
{
	for (size_t i = 0; i < sizeof(claim_names) / sizeof(claim_names[0]); i++) {
		if (strcmp(name, claim_names[i]) == 0) {
			*out = (enum oidc_claim)i;
			return 0;
		}
	}
	return MESH_ERR_INVALID;
}

const char *
oidc_claim_name(enum oidc_claim claim)
{
	if ((size_t)claim >= sizeof(claim_names) / sizeof(claim_names[0]))
		return "?";
	return claim_names[claim];
}

/* https://HOST... with no spaces or control characters. */
static bool
url_is_https(const char *s)
{
	size_t n = strlen(s);

	if (n <= strlen("https://") || n > OIDC_STRING_MAX || strncasecmp(s, "https://", 8) != 0)
		return false;
	if (s[8] == '/' || s[8] == '?' || s[8] == '#')
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return false;
	return true;
}

static json_t *
json_parse(const uint8_t *buf, size_t len, const char *what, struct mesh_error *err)
{
	json_error_t jerr;
	json_t *root;

	if (len > OIDC_HTTP_MAX_BODY_BYTES) {
		mesh_error_set(err, MESH_ERR_RANGE, 0, 0, "%s: response too large", what);
		return NULL;
	}
	root = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		mesh_error_set(err, MESH_ERR_PARSE, (unsigned)jerr.line, (unsigned)jerr.column,
		    "%s: not JSON: %s", what, jerr.text);
		return NULL;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		mesh_error_set(err, MESH_ERR_PARSE, 1, 1, "%s: not a JSON object", what);
		return NULL;
	}
	return root;
}

/* Copy a required (or optional) bounded string member. */
static int
member_string(json_t *obj, const char *what, const char *name, bool required, bool https,
    char **out, struct mesh_error *err)
{
	json_t *v = json_object_get(obj, name);
	const char *s = json_string_value(v);

	*out = NULL;
	if (v == NULL && !required)
		return 0;
	if (s == NULL || *s == '\0')
		return mesh_error_set(
		    err, MESH_ERR_PROTOCOL, 0, 0, "%s: missing \"%s\"", what, name);
	if (strlen(s) > OIDC_STRING_MAX)
		return mesh_error_set(err, MESH_ERR_RANGE, 0, 0, "%s: \"%s\" too long", what, name);
	if (https && !url_is_https(s))
		return mesh_error_set(err, MESH_ERR_PROTOCOL, 0, 0,
		    "%s: \"%s\" is not an https URL: %s", what, name, s);
	if ((*out = strdup(s)) == NULL)
		return mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "%s: out of memory", what);
	return 0;
}

void
oidc_discovery_clear(struct oidc_discovery *d)
{
	if (d == NULL)
		return;
	free(d->issuer);
	free(d->device_authorization_endpoint);
	free(d->token_endpoint);
	free(d->jwks_uri);
	memset(d, 0, sizeof(*d));
}

int
oidc_discovery_parse(const uint8_t *buf, size_t len, const char *expected_issuer,
    struct oidc_discovery *out, struct mesh_error *err)
{
	static const char what[] = "discovery";
	struct oidc_discovery d = {0};
	json_t *root;
	int r;

	memset(out, 0, sizeof(*out));
	if ((root = json_parse(buf, len, what, err)) == NULL)
		return err ? err->code : MESH_ERR_PARSE;
	if ((r = member_string(root, what, "issuer", true, true, &d.issuer, err)) < 0)
		goto out;
	if (strcmp(d.issuer, expected_issuer) != 0) {
		r = mesh_error_set(err, MESH_ERR_PROTOCOL, 0, 0,
		    "discovery: issuer \"%s\" differs from the configured \"%s\"", d.issuer,
		    expected_issuer);
		goto out;
	}
	if (json_object_get(root, "device_authorization_endpoint") == NULL) {
		r = mesh_error_set(err, MESH_ERR_UNSUPPORTED, 0, 0,
		    "discovery: the provider offers no device authorization grant "
		    "(device_authorization_endpoint)");
		goto out;
	}
	if ((r = member_string(root, what, "device_authorization_endpoint", true, true,
		 &d.device_authorization_endpoint, err)) < 0 ||
	    (r = member_string(root, what, "token_endpoint", true, true, &d.token_endpoint, err)) <
		0 ||
	    (r = member_string(root, what, "jwks_uri", true, true, &d.jwks_uri, err)) < 0)
		goto out;
	*out = d;
	memset(&d, 0, sizeof(d));
	r = 0;
out:
	oidc_discovery_clear(&d);
	json_decref(root);
	return r;
}

void
oidc_device_auth_clear(struct oidc_device_auth *d)
{
	if (d == NULL)
		return;
	if (d->device_code) {
		sodium_memzero(d->device_code, strlen(d->device_code));
		free(d->device_code);
	}
	free(d->user_code);
	free(d->verification_uri);
	free(d->verification_uri_complete);
	memset(d, 0, sizeof(*d));
}

/* Quote the IdP's error object as "error: description" into err. */
static int
idp_error(json_t *root, long http_status, const char *what, struct mesh_error *err)
{
	const char *e = root ? json_string_value(json_object_get(root, "error")) : NULL;
	const char *desc =
	    root ? json_string_value(json_object_get(root, "error_description")) : NULL;

	if (e == NULL)
		return mesh_error_set(err, MESH_ERR_PROTOCOL, 0, 0,
		    "%s: identity provider answered HTTP %ld", what, http_status);
	return mesh_error_set(err, MESH_ERR_PROTOCOL, 0, 0,
	    "%s: identity provider says %.64s%s%.160s", what, e, desc ? ": " : "",
	    desc ? desc : "");
}

static int64_t
clamp64(int64_t v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

int
oidc_device_auth_parse(long http_status, const uint8_t *buf, size_t len,
    struct oidc_device_auth *out, struct mesh_error *err)
{
	static const char what[] = "device authorization";
	struct oidc_device_auth d = {0};
	json_t *root, *v;
	int r;

	memset(out, 0, sizeof(*out));
	if ((root = json_parse(buf, len, what, err)) == NULL)
		return http_status != HTTP_OK
		    ? mesh_error_set(err, MESH_ERR_PROTOCOL, 0, 0,
			  "%s: identity provider answered HTTP %ld", what, http_status)
		    : (err ? err->code : MESH_ERR_PARSE);
	if (http_status != HTTP_OK) {
		r = idp_error(root, http_status, what, err);
		goto out;
	}
	if ((r = member_string(root, what, "device_code", true, false, &d.device_code, err)) < 0 ||
	    (r = member_string(root, what, "user_code", true, false, &d.user_code, err)) < 0 ||
	    (r = member_string(
		 root, what, "verification_uri", true, true, &d.verification_uri, err)) < 0 ||
	    (r = member_string(root, what, "verification_uri_complete", false, true,
		 &d.verification_uri_complete, err)) < 0)
		goto out;
	/* the code is shown on the person's terminal: no control sequences */
	for (const char *c = d.user_code; *c; c++) {
		if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f) {
			r = mesh_error_set(err, MESH_ERR_PROTOCOL, 0, 0,
			    "%s: \"user_code\" has non-printable characters", what);
			goto out;
		}
	}
	v = json_object_get(root, "expires_in");
	if (!json_is_integer(v) || json_integer_value(v) <= 0) {
		r = mesh_error_set(
		    err, MESH_ERR_PROTOCOL, 0, 0, "%s: missing or bad \"expires_in\"", what);
		goto out;
	}
	d.expires_in_s = clamp64((int64_t)json_integer_value(v), 1, OIDC_FLOW_MAX_S);
	v = json_object_get(root, "interval");
	d.interval_s =
	    json_is_integer(v) ? (int64_t)json_integer_value(v) : OIDC_POLL_INTERVAL_DEFAULT_S;
	d.interval_s = clamp64(d.interval_s, OIDC_POLL_INTERVAL_MIN_S, OIDC_POLL_INTERVAL_MAX_S);
	*out = d;
	memset(&d, 0, sizeof(d));
	r = 0;
out:
	oidc_device_auth_clear(&d);
	json_decref(root);
	return r;
}

struct token_error_map {
	const char *error;
	enum oidc_token_status status;
};

static const struct token_error_map token_errors[] = {
    {"authorization_pending", OIDC_TOKEN_PENDING},
    {"slow_down", OIDC_TOKEN_SLOW_DOWN},
    {"access_denied", OIDC_TOKEN_DENIED},
    {"expired_token", OIDC_TOKEN_EXPIRED},
};

int
oidc_token_response_parse(long http_status, const uint8_t *buf, size_t len,
    enum oidc_token_status *status, char **id_token, struct mesh_error *err)
{
	static const char what[] = "token";
	const char *e;
	json_t *root;
	int r;

	*id_token = NULL;
	if ((root = json_parse(buf, len, what, err)) == NULL)
		return http_status != HTTP_OK
		    ? mesh_error_set(err, MESH_ERR_PROTOCOL, 0, 0,
			  "%s: identity provider answered HTTP %ld", what, http_status)
		    : (err ? err->code : MESH_ERR_PARSE);
	if (http_status == HTTP_OK) {
		r = member_string(root, what, "id_token", true, false, id_token, err);
		if (r == 0)
			*status = OIDC_TOKEN_OK;
		goto out;
	}
	e = json_string_value(json_object_get(root, "error"));
	if (e != NULL &&
	    (http_status == HTTP_BAD_REQUEST || http_status == HTTP_UNAUTHORIZED ||
		http_status == HTTP_FORBIDDEN)) {
		for (size_t i = 0; i < sizeof(token_errors) / sizeof(token_errors[0]); i++) {
			if (strcmp(e, token_errors[i].error) == 0) {
				*status = token_errors[i].status;
				r = 0;
				goto out;
			}
		}
	}
	r = idp_error(root, http_status, what, err);
out:
	json_decref(root);
	return r;
}

int
oidc_flow_instructions(const struct oidc_flow_info *info, int64_t now, char *buf, size_t len)
{
	int64_t left_s = info->expires_at - now;
	int64_t left_min = (left_s + 59) / 60;
	int n;

	if (left_min < 1)
		left_min = 1;
	if (info->verification_uri_complete != NULL)
		n = snprintf(buf, len,
		    "This login needs a fresh sign-in with your organisation.\n"
		    "Open %s\n(or go to %s and enter the code %s)\n"
		    "within %lld minute%s, then come back here.\n",
		    info->verification_uri_complete, info->verification_uri, info->user_code,
		    (long long)left_min, left_min == 1 ? "" : "s");
	else
		n = snprintf(buf, len,
		    "This login needs a fresh sign-in with your organisation.\n"
		    "Go to %s and enter the code %s\n"
		    "within %lld minute%s, then come back here.\n",
		    info->verification_uri, info->user_code, (long long)left_min,
		    left_min == 1 ? "" : "s");
	if (n < 0 || (size_t)n >= len)
		return MESH_ERR_RANGE;
	return 0;
}
