/*
 * ID token verification, pure: a compact JWS, a JWKS and the expectations
 * (issuer, client id, nonce, now) in; a verified identity or one precise
 * error out.  Signatures are checked by cjose; this file only decides which
 * key may be used (kid, kty, alg allow-list) and checks the claims.
 * "alg":"none" and the HMAC algorithms are refused before any key is looked
 * at, so a token can never choose its own verification method.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <cjose/cjose.h>
#include <jansson.h>
#include <sodium.h>

#include "oidc.h"

struct oidc_jwk {
	cjose_jwk_t *jwk;
	char *kid; /* NULL when the key has none */
	char *alg; /* NULL when the key does not pin one */
	cjose_jwk_kty_t kty;
};

struct oidc_jwks {
	struct oidc_jwk *keys;
	size_t n;
};

/* Maximum keys kept from one JWKS; IdPs publish a handful. */
#define OIDC_JWKS_MAX_KEYS 64

struct alg_entry {
	const char *name;
	cjose_jwk_kty_t kty;
};

static const struct alg_entry alg_allowed[] = {
    {"RS256", CJOSE_JWK_KTY_RSA},
    {"RS384", CJOSE_JWK_KTY_RSA},
    {"RS512", CJOSE_JWK_KTY_RSA},
    {"PS256", CJOSE_JWK_KTY_RSA},
    {"PS384", CJOSE_JWK_KTY_RSA},
    {"PS512", CJOSE_JWK_KTY_RSA},
    {"ES256", CJOSE_JWK_KTY_EC},
    {"ES384", CJOSE_JWK_KTY_EC},
    {"ES512", CJOSE_JWK_KTY_EC},
};

static const struct alg_entry *
alg_lookup(const char *alg)
{
	for (size_t i = 0; i < sizeof(alg_allowed) / sizeof(alg_allowed[0]); i++)
		if (strcmp(alg, alg_allowed[i].name) == 0)
			return &alg_allowed[i];
	return NULL;
}

size_t
oidc_jwks_count(const struct oidc_jwks *keys)
{
	return keys ? keys->n : 0;
}

void
oidc_jwks_free(struct oidc_jwks *keys)
{
	if (keys == NULL)
		return;
	for (size_t i = 0; i < keys->n; i++) {
		cjose_jwk_release(keys->keys[i].jwk);
		free(keys->keys[i].kid);
		free(keys->keys[i].alg);
	}
	free(keys->keys);
	free(keys);
}

/*
 * cjose 0.6's base64url decoder asserts (aborts the process) on a length of
 * 1 mod 4, so nothing reaches cjose before this check: base64url alphabet
 * only, and a length an encoder can produce.
 */
static bool
b64url_ok(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			c == '-' || c == '_'))
			return false;
	}
	return len % 4 != 1;
}

/* The base64url members of RSA and EC public keys. */
static const char *const jwk_b64_members[] = {"n", "e", "x", "y"};

static bool
jwk_members_ok(json_t *k)
{
	for (size_t i = 0; i < sizeof(jwk_b64_members) / sizeof(jwk_b64_members[0]); i++) {
		json_t *v = json_object_get(k, jwk_b64_members[i]);

		if (v == NULL)
			continue;
		if (!json_is_string(v) || !b64url_ok(json_string_value(v), json_string_length(v)))
			return false;
	}
	return true;
}

/* A compact JWS: three base64url segments, the signature non-empty. */
static bool
jws_shape_ok(const char *jwt, size_t len)
{
	const char *p = jwt, *end = jwt + len, *dot;
	int seg = 0;

	if (memchr(jwt, '\0', len) != NULL)
		return false;
	for (;;) {
		dot = memchr(p, '.', (size_t)(end - p));
		if (dot == NULL)
			dot = end;
		seg++;
		/* an empty signature is left for the alg check to refuse by name */
		if ((dot == p && seg != 3) || !b64url_ok(p, (size_t)(dot - p)))
			return false;
		if (dot == end)
			break;
		p = dot + 1;
	}
	return seg == 3;
}

static char *
json_strdup_member(json_t *obj, const char *name)
{
	const char *s = json_string_value(json_object_get(obj, name));

	return s ? strdup(s) : NULL;
}

/* Import one JWK object; returns 1 if kept, 0 if skipped (not a signature key we use). */
static int
jwks_add(struct oidc_jwks *keys, json_t *k, size_t idx, struct mesh_error *err)
{
	const char *kty = json_string_value(json_object_get(k, "kty"));
	const char *use = json_string_value(json_object_get(k, "use"));
	struct oidc_jwk *e;
	cjose_err cerr;
	char *text = NULL;
	int r = 0;

	if (kty == NULL)
		return mesh_error_set(err, MESH_ERR_PARSE, 0, 0, "jwks: key %zu has no kty", idx);
	if (use != NULL && strcmp(use, "sig") != 0)
		return 0;
	if (strcmp(kty, "RSA") != 0 && strcmp(kty, "EC") != 0)
		return 0; /* oct keys are never trusted from a URL; OKP unsupported */
	/* private members in a public JWKS are a misconfiguration: refuse */
	if (json_object_get(k, "d") != NULL)
		return mesh_error_set(err, MESH_ERR_INVALID, 0, 0,
		    "jwks: key %zu contains private key material", idx);
	if (!jwk_members_ok(k))
		return mesh_error_set(
		    err, MESH_ERR_PARSE, 0, 0, "jwks: key %zu is not base64url", idx);
	if ((text = json_dumps(k, JSON_COMPACT)) == NULL)
		return mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "jwks: out of memory");
	e = &keys->keys[keys->n];
	memset(e, 0, sizeof(*e));
	e->jwk = cjose_jwk_import(text, strlen(text), &cerr);
	if (e->jwk == NULL) {
		r = mesh_error_set(err, MESH_ERR_PARSE, 0, 0, "jwks: key %zu: %s", idx,
		    cerr.message ? cerr.message : "cannot import");
		goto out;
	}
	e->kty = cjose_jwk_get_kty(e->jwk, &cerr);
	e->kid = json_strdup_member(k, "kid");
	e->alg = json_strdup_member(k, "alg");
	if ((json_object_get(k, "kid") && e->kid == NULL) ||
	    (json_object_get(k, "alg") && e->alg == NULL)) {
		cjose_jwk_release(e->jwk);
		free(e->kid);
		free(e->alg);
		r = mesh_error_set(err, MESH_ERR_PARSE, 0, 0, "jwks: key %zu: bad kid or alg", idx);
		goto out;
	}
	keys->n++;
	r = 1;
out:
	free(text);
	return r;
}

int
oidc_jwks_parse(const uint8_t *buf, size_t len, struct oidc_jwks **out, struct mesh_error *err)
{
	struct oidc_jwks *keys = NULL;
	json_error_t jerr;
	json_t *root = NULL, *arr, *k;
	size_t i;
	int r;

	*out = NULL;
	root = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return mesh_error_set(err, MESH_ERR_PARSE, (unsigned)jerr.line,
		    (unsigned)jerr.column, "jwks: %s", jerr.text);
	arr = json_object_get(root, "keys");
	if (!json_is_array(arr)) {
		r = mesh_error_set(err, MESH_ERR_PARSE, 0, 0, "jwks: no \"keys\" array");
		goto out;
	}
	if (json_array_size(arr) > OIDC_JWKS_MAX_KEYS) {
		r = mesh_error_set(
		    err, MESH_ERR_RANGE, 0, 0, "jwks: more than %d keys", OIDC_JWKS_MAX_KEYS);
		goto out;
	}
	if ((keys = calloc(1, sizeof(*keys))) == NULL ||
	    (keys->keys = calloc(json_array_size(arr) + 1, sizeof(*keys->keys))) == NULL) {
		r = mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "jwks: out of memory");
		goto out;
	}
	json_array_foreach (arr, i, k) {
		if (!json_is_object(k)) {
			r = mesh_error_set(
			    err, MESH_ERR_PARSE, 0, 0, "jwks: key %zu is not an object", i);
			goto out;
		}
		if ((r = jwks_add(keys, k, i, err)) < 0)
			goto out;
	}
	*out = keys;
	keys = NULL;
	r = 0;
out:
	oidc_jwks_free(keys);
	json_decref(root);
	return r;
}

void
oidc_identity_clear(struct oidc_identity *id)
{
	if (id == NULL)
		return;
	free(id->subject);
	free(id->value);
	free(id->kid);
	memset(id, 0, sizeof(*id));
}

/* The protected header, decoded without trusting it: only to read alg and kid. */
static int
jwt_header(const char *jwt, size_t len, json_t **out, struct mesh_error *err)
{
	const char *dot = memchr(jwt, '.', len);
	uint8_t *raw = NULL;
	size_t rawlen = 0;
	cjose_err cerr;
	json_error_t jerr;

	*out = NULL;
	if (dot == NULL || dot == jwt)
		return mesh_error_set(err, MESH_ERR_PARSE, 0, 0, "id token: not a compact JWS");
	if (!cjose_base64url_decode(jwt, (size_t)(dot - jwt), &raw, &rawlen, &cerr))
		return mesh_error_set(
		    err, MESH_ERR_PARSE, 0, 0, "id token: header is not base64url");
	*out = json_loadb((const char *)raw, rawlen, JSON_REJECT_DUPLICATES, &jerr);
	cjose_get_dealloc()(raw);
	if (*out == NULL || !json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return mesh_error_set(err, MESH_ERR_PARSE, 0, 0, "id token: header is not JSON");
	}
	return 0;
}

static bool
jwk_fits(const struct oidc_jwk *k, const struct alg_entry *alg)
{
	if (k->kty != alg->kty)
		return false;
	return k->alg == NULL || strcmp(k->alg, alg->name) == 0;
}

/* Check the signature with the key named by kid, or every fitting key if no kid. */
static int
jwt_check_signature(cjose_jws_t *jws, const struct oidc_jwks *keys, const char *kid,
    const struct alg_entry *alg, struct mesh_error *err)
{
	cjose_err cerr;
	bool found = false;

	for (size_t i = 0; keys != NULL && i < keys->n; i++) {
		const struct oidc_jwk *k = &keys->keys[i];

		if (kid != NULL && (k->kid == NULL || strcmp(k->kid, kid) != 0))
			continue;
		found = true;
		if (!jwk_fits(k, alg))
			continue;
		if (cjose_jws_verify(jws, k->jwk, &cerr))
			return 0;
	}
	if (kid != NULL && !found)
		return mesh_error_set(err, MESH_ERR_NOTFOUND, 0, 0,
		    "id token: signing key \"%s\" is not in the provider's JWKS", kid);
	return mesh_error_set(
	    err, MESH_ERR_SIGNATURE, 0, 0, "id token: signature does not verify (%s)", alg->name);
}

static int
claim_aud(json_t *claims, const char *client_id, struct mesh_error *err)
{
	json_t *aud = json_object_get(claims, "aud"), *v;
	const char *azp = json_string_value(json_object_get(claims, "azp"));
	bool hit = false;
	size_t i;

	if (json_is_string(aud)) {
		hit = strcmp(json_string_value(aud), client_id) == 0;
	} else if (json_is_array(aud)) {
		json_array_foreach (aud, i, v) {
			if (json_is_string(v) && strcmp(json_string_value(v), client_id) == 0)
				hit = true;
		}
		/* OIDC Core 3.1.3.7: several audiences need azp naming us */
		if (hit && json_array_size(aud) > 1 && azp == NULL)
			return mesh_error_set(
			    err, MESH_ERR_INVALID, 0, 0, "id token: several audiences and no azp");
	} else {
		return mesh_error_set(err, MESH_ERR_INVALID, 0, 0, "id token: no aud claim");
	}
	if (!hit)
		return mesh_error_set(err, MESH_ERR_INVALID, 0, 0,
		    "id token: audience is not this client (%s)", client_id);
	if (json_object_get(claims, "azp") != NULL && (azp == NULL || strcmp(azp, client_id) != 0))
		return mesh_error_set(
		    err, MESH_ERR_INVALID, 0, 0, "id token: authorized party is not this client");
	return 0;
}

static int
claim_int(json_t *claims, const char *name, bool required, int64_t *out, struct mesh_error *err)
{
	json_t *v = json_object_get(claims, name);

	if (v == NULL && !required)
		return 1;
	if (!json_is_integer(v))
		return mesh_error_set(err, MESH_ERR_INVALID, 0, 0,
		    "id token: %s claim missing or not a number", name);
	*out = (int64_t)json_integer_value(v);
	return 0;
}

static int
claim_times(json_t *claims, const struct oidc_verify_params *p, struct oidc_identity *id,
    struct mesh_error *err)
{
	int64_t nbf;
	int r;

	if ((r = claim_int(claims, "exp", true, &id->exp, err)) < 0 ||
	    (r = claim_int(claims, "iat", true, &id->iat, err)) < 0)
		return r;
	if (id->exp <= p->now - p->skew_s)
		return mesh_error_set(err, MESH_ERR_EXPIRED, 0, 0,
		    "id token: expired %lld seconds ago", (long long)(p->now - id->exp));
	if (id->iat > p->now + p->skew_s)
		return mesh_error_set(err, MESH_ERR_INVALID, 0, 0,
		    "id token: issued %lld seconds in the future (clock skew?)",
		    (long long)(id->iat - p->now));
	if (id->iat < p->now - p->max_age_s - p->skew_s)
		return mesh_error_set(err, MESH_ERR_INVALID, 0, 0,
		    "id token: issued %lld seconds ago, older than %lld",
		    (long long)(p->now - id->iat), (long long)p->max_age_s);
	if ((r = claim_int(claims, "nbf", false, &nbf, err)) < 0)
		return r;
	if (r == 0 && nbf > p->now + p->skew_s)
		return mesh_error_set(err, MESH_ERR_INVALID, 0, 0, "id token: not valid yet (nbf)");
	return 0;
}

static int
claim_string(json_t *claims, const char *name, char **out, struct mesh_error *err)
{
	const char *s = json_string_value(json_object_get(claims, name));

	if (s == NULL || *s == '\0')
		return mesh_error_set(err, MESH_ERR_INVALID, 0, 0,
		    "id token: no \"%s\" claim (is the scope granted?)", name);
	if (strlen(s) > OIDC_STRING_MAX)
		return mesh_error_set(
		    err, MESH_ERR_RANGE, 0, 0, "id token: \"%s\" claim too long", name);
	if ((*out = strdup(s)) == NULL)
		return mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "id token: out of memory");
	return 0;
}

static int
claims_check(json_t *claims, const struct oidc_verify_params *p, struct oidc_identity *id,
    struct mesh_error *err)
{
	const char *iss = json_string_value(json_object_get(claims, "iss"));
	json_t *verified;
	int r;

	if (iss == NULL || strcmp(iss, p->issuer) != 0)
		return mesh_error_set(err, MESH_ERR_INVALID, 0, 0,
		    "id token: issuer \"%s\" is not the configured \"%s\"", iss ? iss : "(none)",
		    p->issuer);
	if ((r = claim_aud(claims, p->client_id, err)) < 0)
		return r;
	if ((r = claim_times(claims, p, id, err)) < 0)
		return r;
	if (p->nonce != NULL) {
		const char *nonce = json_string_value(json_object_get(claims, "nonce"));

		if (nonce == NULL || strlen(nonce) != strlen(p->nonce) ||
		    sodium_memcmp(nonce, p->nonce, strlen(nonce)) != 0)
			return mesh_error_set(err, MESH_ERR_INVALID, 0, 0,
			    "id token: nonce does not match the request");
	}
	if ((r = claim_string(claims, "sub", &id->subject, err)) < 0)
		return r;
	if ((r = claim_string(claims, oidc_claim_name(p->claim), &id->value, err)) < 0)
		return r;
	verified = json_object_get(claims, "email_verified");
	if (p->claim == OIDC_CLAIM_EMAIL && json_is_false(verified))
		return mesh_error_set(err, MESH_ERR_INVALID, 0, 0,
		    "id token: email %s is not verified by the provider", id->value);
	return 0;
}

int
oidc_token_verify(const char *jwt, size_t len, const struct oidc_jwks *keys,
    const struct oidc_verify_params *p, struct oidc_identity *out, struct mesh_error *err)
{
	const struct alg_entry *alg;
	const char *alg_name, *kid;
	cjose_jws_t *jws = NULL;
	json_t *hdr = NULL, *claims = NULL;
	json_error_t jerr;
	uint8_t *plain = NULL;
	size_t plainlen = 0;
	cjose_err cerr;
	struct oidc_identity id = {0};
	int r;

	memset(out, 0, sizeof(*out));
	if (len == 0 || len > OIDC_TOKEN_MAX_BYTES)
		return mesh_error_set(
		    err, MESH_ERR_RANGE, 0, 0, "id token: size %zu out of range", len);
	if (!jws_shape_ok(jwt, len))
		return mesh_error_set(err, MESH_ERR_PARSE, 0, 0,
		    "id token: not a compact JWS (three base64url parts)");
	if ((r = jwt_header(jwt, len, &hdr, err)) < 0)
		return r;
	alg_name = json_string_value(json_object_get(hdr, "alg"));
	if (alg_name == NULL || (alg = alg_lookup(alg_name)) == NULL) {
		r = mesh_error_set(err, MESH_ERR_UNSUPPORTED, 0, 0,
		    "id token: signature algorithm \"%s\" is not allowed",
		    alg_name ? alg_name : "(none)");
		goto out;
	}
	if (json_object_get(hdr, "crit") != NULL) {
		r = mesh_error_set(err, MESH_ERR_UNSUPPORTED, 0, 0,
		    "id token: critical header extensions are not supported");
		goto out;
	}
	kid = json_string_value(json_object_get(hdr, "kid"));
	if ((jws = cjose_jws_import(jwt, len, &cerr)) == NULL) {
		r = mesh_error_set(err, MESH_ERR_PARSE, 0, 0, "id token: %s",
		    cerr.message ? cerr.message : "not a JWS");
		goto out;
	}
	if ((r = jwt_check_signature(jws, keys, kid, alg, err)) < 0)
		goto out;
	if (!cjose_jws_get_plaintext(jws, &plain, &plainlen, &cerr)) {
		r = mesh_error_set(err, MESH_ERR_PARSE, 0, 0, "id token: no payload");
		goto out;
	}
	claims = json_loadb((const char *)plain, plainlen, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(claims)) {
		r = mesh_error_set(
		    err, MESH_ERR_PARSE, 0, 0, "id token: payload is not a JSON object");
		goto out;
	}
	if ((r = claims_check(claims, p, &id, err)) < 0)
		goto out;
	if (kid != NULL && (id.kid = strdup(kid)) == NULL) {
		r = mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "id token: out of memory");
		goto out;
	}
	*out = id;
	memset(&id, 0, sizeof(id));
	r = 0;
out:
	oidc_identity_clear(&id);
	json_decref(claims);
	json_decref(hdr);
	cjose_jws_release(jws);
	return r;
}

static bool
ascii_casecmp_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a, y = *b;

		if (x >= 'A' && x <= 'Z')
			x = (char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (char)(y - 'A' + 'a');
		if (x != y)
			return false;
	}
	return *a == *b;
}

int
oidc_identity_match(const struct oidc_identity *id, enum oidc_claim claim, const char *owner,
    struct mesh_error *err)
{
	bool eq;

	if (id == NULL || id->value == NULL || owner == NULL)
		return mesh_error_set(err, MESH_ERR_DENIED, 0, 0, "sso: no identity to compare");
	eq = claim == OIDC_CLAIM_EMAIL ? ascii_casecmp_eq(id->value, owner)
				       : strcmp(id->value, owner) == 0;
	if (!eq)
		return mesh_error_set(err, MESH_ERR_DENIED, 0, 0,
		    "sso: the identity provider says you are %s, but this node belongs to %s",
		    id->value, owner);
	return 0;
}
