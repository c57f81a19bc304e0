/*
 * The OIDC keywords of meshsshd.conf, applied one line at a time and then
 * checked as a whole.  Pure: no file is opened here (the client secret file
 * and the CA bundle are read by oidc_client_new and libcurl).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oidc.h"

void
oidc_config_init(struct oidc_config *c)
{
	memset(c, 0, sizeof(*c));
	c->claim = OIDC_CLAIM_EMAIL;
	c->timeout_s = OIDC_HTTP_TOTAL_TIMEOUT_S_DEFAULT;
}

void
oidc_config_clear(struct oidc_config *c)
{
	if (c == NULL)
		return;
	free(c->issuer);
	free(c->client_id);
	free(c->client_secret_file);
	free(c->ca_bundle);
	free(c->check_cache_file);
	oidc_config_init(c);
}

bool
oidc_config_enabled(const struct oidc_config *c)
{
	return c != NULL && c->issuer != NULL;
}

static int
set_string(char **slot, const struct conf_line *l, struct mesh_error *err)
{
	char *s;

	int r;

	if ((r = conf_want_args(l, 1, false, err)) < 0)
		return r;
	if (strlen(l->args[0]) == 0 || strlen(l->args[0]) > OIDC_STRING_MAX)
		return mesh_error_set(
		    err, MESH_ERR_INVALID, l->line, 0, "%s: bad length", l->keyword);
	if ((s = strdup(l->args[0])) == NULL)
		return mesh_error_set(err, MESH_ERR_NOMEM, l->line, 0, "out of memory");
	free(*slot);
	*slot = s;
	return 0;
}

static int
set_path(char **slot, const struct conf_line *l, struct mesh_error *err)
{
	if (l->nargs == 1 && l->args[0][0] != '/')
		return mesh_error_set(err, MESH_ERR_INVALID, l->line, 0,
		    "%s: \"%s\" is not an absolute path", l->keyword, l->args[0]);
	return set_string(slot, l, err);
}

static int
set_timeout(unsigned *slot, const struct conf_line *l, struct mesh_error *err)
{
	uint64_t v = 0;
	int r;

	if ((r = conf_want_args(l, 1, false, err)) < 0 || (r = conf_arg_seconds(l, 0, &v, err)) < 0)
		return r;
	if (v < 1 || v > OIDC_HTTP_TOTAL_TIMEOUT_S_MAX)
		return mesh_error_set(err, MESH_ERR_INVALID, l->line, 0,
		    "%s: expected between 1s and %ds, got \"%s\"", l->keyword,
		    OIDC_HTTP_TOTAL_TIMEOUT_S_MAX, l->args[0]);
	*slot = (unsigned)v;
	return 0;
}

int
oidc_config_keyword(struct oidc_config *c, const struct conf_line *l, struct mesh_error *err)
{
	const char *k = l->keyword;

	if (strcasecmp(k, "OIDCIssuer") == 0) {
		int r = set_string(&c->issuer, l, err);

		/* one canonical spelling: discovery compares issuers byte for byte */
		if (r == 0 && strlen(c->issuer) > strlen("https://") &&
		    c->issuer[strlen(c->issuer) - 1] == '/')
			c->issuer[strlen(c->issuer) - 1] = '\0';
		return r;
	}
	if (strcasecmp(k, "OIDCClientID") == 0)
		return set_string(&c->client_id, l, err);
	if (strcasecmp(k, "OIDCClientSecretFile") == 0)
		return set_path(&c->client_secret_file, l, err);
	if (strcasecmp(k, "OIDCCABundle") == 0)
		return set_path(&c->ca_bundle, l, err);
	if (strcasecmp(k, "OIDCCheckCacheFile") == 0)
		return set_path(&c->check_cache_file, l, err);
	if (strcasecmp(k, "OIDCTimeout") == 0)
		return set_timeout(&c->timeout_s, l, err);
	if (strcasecmp(k, "OIDCClaim") == 0) {
		if (l->nargs != 1 || oidc_claim_parse(l->args[0], &c->claim) < 0)
			return mesh_error_set(err, MESH_ERR_INVALID, l->line, 0,
			    "%s: expected email, preferred_username or sub", k);
		return 0;
	}
	return MESH_ERR_NOTFOUND;
}

int
oidc_config_validate(const struct oidc_config *c, struct mesh_error *err)
{
	const char *iss = c->issuer;

	if (iss == NULL) {
		if (c->client_id || c->client_secret_file || c->ca_bundle || c->check_cache_file)
			return mesh_error_set(
			    err, MESH_ERR_INVALID, 0, 0, "OIDC settings given but no OIDCIssuer");
		return 0;
	}
	if (strncasecmp(iss, "https://", 8) != 0 || iss[8] == '\0' || iss[8] == '/')
		return mesh_error_set(
		    err, MESH_ERR_INVALID, 0, 0, "OIDCIssuer: \"%s\" must be an https URL", iss);
	if (strpbrk(iss, "?# \t") != NULL)
		return mesh_error_set(err, MESH_ERR_INVALID, 0, 0,
		    "OIDCIssuer: \"%s\" must not contain a query, fragment or space", iss);
	if (c->client_id == NULL)
		return mesh_error_set(
		    err, MESH_ERR_INVALID, 0, 0, "OIDCIssuer is set but OIDCClientID is missing");
	if (c->timeout_s < 1 || c->timeout_s > OIDC_HTTP_TOTAL_TIMEOUT_S_MAX)
		return mesh_error_set(err, MESH_ERR_INVALID, 0, 0, "OIDCTimeout out of range");
	return 0;
}
