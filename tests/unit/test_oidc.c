/*
 * The pure OIDC cores: ID tokens made here with cjose and test keys (good,
 * expired, bad signature, wrong aud/iss, unknown kid, alg none, HS256, alg
 * confusion), JWKS, discovery, device and token responses, config keywords,
 * the owner match and audit events.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <cjose/cjose.h>
#include <jansson.h>

#include "oidc.h"
#include "tap.h"

#define ISS    "https://idp.example.com/realms/corp"
#define CLIENT "meshsshd"
#define NOW    1800000000LL
#define HOUR   3600

static cjose_jwk_t *rsa_a, *rsa_b, *ec_c, *hmac_k;

static cjose_jwk_t *
make_key(cjose_jwk_t *k, const char *kid)
{
	cjose_err cerr;

	if (k && kid)
		cjose_jwk_set_kid(k, kid, strlen(kid), &cerr);
	return k;
}

/* A JWKS with the public halves of the given keys. */
static struct oidc_jwks *
jwks_of(cjose_jwk_t **keys, size_t n)
{
	struct oidc_jwks *out = NULL;
	struct mesh_error err;
	json_t *arr = json_array(), *root;
	cjose_err cerr;
	char *text;

	for (size_t i = 0; i < n; i++) {
		char *pub = cjose_jwk_to_json(keys[i], false, &cerr);

		json_array_append_new(arr, json_loads(pub, 0, NULL));
		cjose_get_dealloc()(pub);
	}
	root = json_pack("{s:o}", "keys", arr);
	text = json_dumps(root, JSON_COMPACT);
	if (oidc_jwks_parse((const uint8_t *)text, strlen(text), &out, &err) < 0)
		printf("# jwks_of: %s\n", err.text);
	free(text);
	json_decref(root);
	return out;
}

static json_t *
claims_good(void)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "iss", ISS, "aud", CLIENT, "sub",
	    "2J6szU8Q", "email", "alice@example.com", "iat", (json_int_t)(NOW - 5), "exp",
	    (json_int_t)(NOW + HOUR));
}

/* Sign claims with key under alg/kid; returns a malloc'd compact JWS. */
static char *
sign(cjose_jwk_t *key, const char *alg, const char *kid, json_t *claims)
{
	cjose_header_t *hdr;
	cjose_jws_t *jws;
	cjose_err cerr;
	const char *ser = NULL;
	char *payload = json_dumps(claims, JSON_COMPACT), *out = NULL;

	hdr = cjose_header_new(&cerr);
	cjose_header_set(hdr, CJOSE_HDR_ALG, alg, &cerr);
	if (kid)
		cjose_header_set(hdr, CJOSE_HDR_KID, kid, &cerr);
	jws = cjose_jws_sign(key, hdr, (const uint8_t *)payload, strlen(payload), &cerr);
	if (jws && cjose_jws_export(jws, &ser, &cerr))
		out = strdup(ser);
	else
		printf("# sign: %s\n", cerr.message);
	cjose_jws_release(jws);
	cjose_header_release(hdr);
	free(payload);
	json_decref(claims);
	return out;
}

static struct oidc_verify_params
params(void)
{
	struct oidc_verify_params p = {
	    .issuer = ISS,
	    .client_id = CLIENT,
	    .nonce = NULL,
	    .now = NOW,
	    .skew_s = OIDC_CLOCK_SKEW_S,
	    .max_age_s = OIDC_TOKEN_MAX_AGE_S,
	    .claim = OIDC_CLAIM_EMAIL,
	};
	return p;
}

/* Verify and return the code; the identity is cleared afterwards. */
static int
verify(const char *jwt, const struct oidc_jwks *keys, const struct oidc_verify_params *p,
    struct mesh_error *err)
{
	struct oidc_identity id;
	int r;

	if (jwt == NULL)
		return 999;
	r = oidc_token_verify(jwt, strlen(jwt), keys, p, &id, err);
	oidc_identity_clear(&id);
	return r;
}

static void
test_tokens(void)
{
	cjose_jwk_t *pub[] = {rsa_a, ec_c};
	struct oidc_jwks *keys = jwks_of(pub, 2);
	struct oidc_verify_params p = params();
	struct oidc_identity id;
	struct mesh_error err;
	json_t *c;
	char *t;
	int r;

	is_int(oidc_jwks_count(keys), 2, "jwks: two public keys imported");

	t = sign(rsa_a, "RS256", "key-a", claims_good());
	r = oidc_token_verify(t, strlen(t), keys, &p, &id, &err);
	is_int(r, 0, "RS256 token from the right key verifies");
	is_str(id.value, "alice@example.com", "email claim extracted");
	is_str(id.subject, "2J6szU8Q", "subject extracted");
	is_str(id.kid, "key-a", "kid reported");
	oidc_identity_clear(&id);

	/* a flipped byte in the payload */
	{
		char *dot = strchr(t, '.');

		dot[3] = dot[3] == 'A' ? 'B' : 'A';
		is_int(verify(t, keys, &p, &err), MESH_ERR_SIGNATURE, "tampered payload rejected");
		free(t);
	}

	t = sign(ec_c, "ES256", "key-c", claims_good());
	is_int(verify(t, keys, &p, &err), 0, "ES256 token verifies");
	free(t);

	t = sign(rsa_a, "PS256", NULL, claims_good());
	is_int(verify(t, keys, &p, &err), 0, "token without kid verifies against a fitting key");
	free(t);

	/* bad signature: another key claims key-a's kid */
	t = sign(rsa_b, "RS256", "key-a", claims_good());
	is_int(
	    verify(t, keys, &p, &err), MESH_ERR_SIGNATURE, "signature by a foreign key rejected");
	ok(strstr(err.text, "signature") != NULL, "bad signature message says signature");
	free(t);

	t = sign(rsa_b, "RS256", NULL, claims_good());
	is_int(verify(t, keys, &p, &err), MESH_ERR_SIGNATURE, "foreign key without kid rejected");
	free(t);

	t = sign(rsa_b, "RS256", "key-rotated", claims_good());
	is_int(verify(t, keys, &p, &err), MESH_ERR_NOTFOUND, "unknown kid -> NOTFOUND (refetch)");
	free(t);

	/* alg confusion: RS256 claimed, kid of the EC key */
	t = sign(rsa_a, "RS256", "key-c", claims_good());
	is_int(
	    verify(t, keys, &p, &err), MESH_ERR_SIGNATURE, "kid of a key of another type rejected");
	free(t);

	/* expired, and expiry within the skew */
	c = claims_good();
	json_object_set_new(c, "exp", json_integer(NOW - 2 * OIDC_CLOCK_SKEW_S));
	t = sign(rsa_a, "RS256", "key-a", c);
	is_int(verify(t, keys, &p, &err), MESH_ERR_EXPIRED, "expired token rejected");
	ok(strstr(err.text, "expired") != NULL, "expired message says expired");
	free(t);
	c = claims_good();
	json_object_set_new(c, "exp", json_integer(NOW - OIDC_CLOCK_SKEW_S / 2));
	t = sign(rsa_a, "RS256", "key-a", c);
	is_int(verify(t, keys, &p, &err), 0, "expiry within the clock skew accepted");
	free(t);

	c = claims_good();
	json_object_set_new(c, "iat", json_integer(NOW + 2 * OIDC_CLOCK_SKEW_S));
	t = sign(rsa_a, "RS256", "key-a", c);
	is_int(verify(t, keys, &p, &err), MESH_ERR_INVALID, "token issued in the future rejected");
	free(t);
	c = claims_good();
	json_object_set_new(
	    c, "iat", json_integer(NOW - OIDC_TOKEN_MAX_AGE_S - 2 * OIDC_CLOCK_SKEW_S));
	t = sign(rsa_a, "RS256", "key-a", c);
	is_int(verify(t, keys, &p, &err), MESH_ERR_INVALID, "stale token (old iat) rejected");
	free(t);
	c = claims_good();
	json_object_del(c, "exp");
	t = sign(rsa_a, "RS256", "key-a", c);
	is_int(verify(t, keys, &p, &err), MESH_ERR_INVALID, "token without exp rejected");
	free(t);

	c = claims_good();
	json_object_set_new(c, "aud", json_string("other-client"));
	t = sign(rsa_a, "RS256", "key-a", c);
	is_int(verify(t, keys, &p, &err), MESH_ERR_INVALID, "wrong audience rejected");
	free(t);
	c = claims_good();
	json_object_set_new(c, "aud", json_pack("[s,s]", "other", CLIENT));
	t = sign(rsa_a, "RS256", "key-a", c);
	is_int(
	    verify(t, keys, &p, &err), MESH_ERR_INVALID, "several audiences without azp rejected");
	free(t);
	c = claims_good();
	json_object_set_new(c, "aud", json_pack("[s,s]", "other", CLIENT));
	json_object_set_new(c, "azp", json_string(CLIENT));
	t = sign(rsa_a, "RS256", "key-a", c);
	is_int(verify(t, keys, &p, &err), 0, "several audiences with azp = us accepted");
	free(t);
	c = claims_good();
	json_object_set_new(c, "azp", json_string("other"));
	t = sign(rsa_a, "RS256", "key-a", c);
	is_int(verify(t, keys, &p, &err), MESH_ERR_INVALID, "azp naming another client rejected");
	free(t);

	c = claims_good();
	json_object_set_new(c, "iss", json_string("https://evil.example.com"));
	t = sign(rsa_a, "RS256", "key-a", c);
	is_int(verify(t, keys, &p, &err), MESH_ERR_INVALID, "wrong issuer rejected");
	ok(strstr(err.text, "evil.example.com") != NULL, "issuer message quotes the issuer");
	free(t);

	/* nonce */
	c = claims_good();
	json_object_set_new(c, "nonce", json_string("n-123"));
	t = sign(rsa_a, "RS256", "key-a", c);
	p.nonce = "n-123";
	is_int(verify(t, keys, &p, &err), 0, "matching nonce accepted");
	p.nonce = "n-124";
	is_int(verify(t, keys, &p, &err), MESH_ERR_INVALID, "different nonce rejected");
	free(t);
	t = sign(rsa_a, "RS256", "key-a", claims_good());
	is_int(verify(t, keys, &p, &err), MESH_ERR_INVALID, "missing nonce rejected when expected");
	p.nonce = NULL;
	free(t);

	/* claims */
	c = claims_good();
	json_object_del(c, "email");
	t = sign(rsa_a, "RS256", "key-a", c);
	is_int(verify(t, keys, &p, &err), MESH_ERR_INVALID, "missing email claim rejected");
	free(t);
	c = claims_good();
	json_object_set_new(c, "email_verified", json_false());
	t = sign(rsa_a, "RS256", "key-a", c);
	is_int(verify(t, keys, &p, &err), MESH_ERR_INVALID, "unverified email rejected");
	free(t);
	c = claims_good();
	json_object_set_new(c, "preferred_username", json_string("alice"));
	t = sign(rsa_a, "RS256", "key-a", c);
	p.claim = OIDC_CLAIM_PREFERRED_USERNAME;
	r = oidc_token_verify(t, strlen(t), keys, &p, &id, &err);
	is_int(r, 0, "preferred_username claim mapping");
	is_str(id.value, "alice", "preferred_username value");
	oidc_identity_clear(&id);
	p.claim = OIDC_CLAIM_SUB;
	r = oidc_token_verify(t, strlen(t), keys, &p, &id, &err);
	is_str(id.value, "2J6szU8Q", "sub claim mapping");
	oidc_identity_clear(&id);
	p.claim = OIDC_CLAIM_EMAIL;
	free(t);

	/* algorithms that must never be accepted */
	{
		static const char none_tok[] = "eyJhbGciOiJub25lIn0."
					       "eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlLmNvbSJ9.";

		is_int(verify(none_tok, keys, &p, &err), MESH_ERR_UNSUPPORTED, "alg none refused");
		ok(strstr(err.text, "none") != NULL, "alg none message names the alg");
	}
	t = sign(hmac_k, "HS256", "key-a", claims_good());
	is_int(verify(t, keys, &p, &err), MESH_ERR_UNSUPPORTED, "HS256 refused");
	free(t);
	is_int(verify("garbage", keys, &p, &err), MESH_ERR_PARSE, "garbage is a parse error");
	is_int(verify("e30.e30.AAAA", keys, &p, &err), MESH_ERR_UNSUPPORTED,
	    "header without alg refused");
	is_int(verify("e30.e30", keys, &p, &err), MESH_ERR_PARSE, "two parts refused");
	/* cjose's decoder aborts on 1-mod-4 lengths: these must come back as errors */
	is_int(verify("eyJhbGciOiJSUzI1NiJ9.e.AAAA", keys, &p, &err), MESH_ERR_PARSE,
	    "payload of 1 mod 4 length refused before cjose");
	is_int(verify("eyJhbGciOiJSUzI1NiJ9.e30.AAAAA", keys, &p, &err), MESH_ERR_PARSE,
	    "signature of 1 mod 4 length refused before cjose");
	is_int(verify("eyJhbGciOiJSUzI1NiJ9.e3+0.AAAA", keys, &p, &err), MESH_ERR_PARSE,
	    "non-base64url byte refused");
	t = sign(rsa_a, "RS256", "key-a", claims_good());
	is_int(verify(t, NULL, &p, &err), MESH_ERR_NOTFOUND, "no JWKS yet -> NOTFOUND");
	free(t);
	oidc_jwks_free(keys);
}

static void
test_jwks(void)
{
	static const char enc_only[] =
	    "{\"keys\":[{\"kty\":\"RSA\",\"use\":\"enc\",\"n\":\"AQAB\",\"e\":\"AQAB\"},"
	    "{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}]}";
	static const char priv[] = "{\"keys\":[{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\","
				   "\"d\":\"AQAB\"}]}";
	struct oidc_jwks *k = NULL;
	struct mesh_error err;

	is_int(oidc_jwks_parse((const uint8_t *)enc_only, strlen(enc_only), &k, &err), 0,
	    "jwks with only enc and oct keys parses");
	is_int(oidc_jwks_count(k), 0, "enc and oct keys are not used for signatures");
	oidc_jwks_free(k);
	is_int(oidc_jwks_parse((const uint8_t *)priv, strlen(priv), &k, &err), MESH_ERR_INVALID,
	    "jwks with private material refused");
	{
		static const char bad_n[] = "{\"keys\":[{\"kty\":\"RSA\",\"n\":\"AQABA\","
					    "\"e\":\"AQAB\"}]}";

		is_int(oidc_jwks_parse((const uint8_t *)bad_n, strlen(bad_n), &k, &err),
		    MESH_ERR_PARSE, "jwks modulus of 1 mod 4 length refused before cjose");
	}
	is_int(oidc_jwks_parse((const uint8_t *)"{\"keys\":3}", 10, &k, &err), MESH_ERR_PARSE,
	    "jwks without key array refused");
	is_int(oidc_jwks_parse((const uint8_t *)"[", 1, &k, &err), MESH_ERR_PARSE,
	    "jwks garbage refused");
	oidc_jwks_free(NULL);
}

static int
disc(const char *json, struct mesh_error *err)
{
	struct oidc_discovery d;
	int r = oidc_discovery_parse((const uint8_t *)json, strlen(json), ISS, &d, err);

	oidc_discovery_clear(&d);
	return r;
}

static void
test_discovery(void)
{
	static const char good[] =
	    "{\"issuer\":\"" ISS "\","
	    "\"device_authorization_endpoint\":\"" ISS "/device\","
	    "\"token_endpoint\":\"" ISS "/token\",\"jwks_uri\":\"" ISS "/jwks\",\"extra\":[1,2]}";
	struct oidc_discovery d;
	struct mesh_error err;

	is_int(oidc_discovery_parse((const uint8_t *)good, strlen(good), ISS, &d, &err), 0,
	    "discovery document parses");
	is_str(d.token_endpoint, ISS "/token", "token endpoint");
	is_str(d.jwks_uri, ISS "/jwks", "jwks uri");
	oidc_discovery_clear(&d);
	is_int(
	    disc("{\"issuer\":\"https://other\",\"device_authorization_endpoint\":\"https://x/d\","
		 "\"token_endpoint\":\"https://x/t\",\"jwks_uri\":\"https://x/j\"}",
		&err),
	    MESH_ERR_PROTOCOL, "issuer mismatch refused");
	is_int(disc("{\"issuer\":\"" ISS "\",\"token_endpoint\":\"https://x/t\","
		    "\"jwks_uri\":\"https://x/j\"}",
		   &err),
	    MESH_ERR_UNSUPPORTED, "provider without device grant refused");
	ok(strstr(err.text, "device") != NULL, "message names the device grant");
	is_int(disc("{\"issuer\":\"" ISS "\",\"device_authorization_endpoint\":\"https://x/d\","
		    "\"token_endpoint\":\"http://x/t\",\"jwks_uri\":\"https://x/j\"}",
		   &err),
	    MESH_ERR_PROTOCOL, "plain http endpoint refused");
	is_int(disc("{\"issuer\":\"" ISS "\",\"issuer\":\"" ISS "\"}", &err), MESH_ERR_PARSE,
	    "duplicate keys refused");
	is_int(disc("not json", &err), MESH_ERR_PARSE, "non-JSON discovery refused");
}

static void
test_device_and_token(void)
{
	static const char dev[] = "{\"device_code\":\"dc-secret\",\"user_code\":\"1PXH-DSUE\","
				  "\"verification_uri\":\"https://idp/device\",\"expires_in\":600}";
	static const char dev_fast[] = "{\"device_code\":\"d\",\"user_code\":\"u\","
				       "\"verification_uri\":\"https://idp/device\","
				       "\"expires_in\":99999,\"interval\":0}";
	static const char dev_http[] = "{\"device_code\":\"d\",\"user_code\":\"u\","
				       "\"verification_uri\":\"http://idp/device\","
				       "\"expires_in\":60}";
	static const char bad_client[] = "{\"error\":\"invalid_client\","
					 "\"error_description\":\"client unknown\"}";
	struct oidc_device_auth d;
	struct mesh_error err;
	enum oidc_token_status st;
	char *tok = NULL;

	is_int(oidc_device_auth_parse(200, (const uint8_t *)dev, strlen(dev), &d, &err), 0,
	    "device authorization response parses");
	is_str(d.user_code, "1PXH-DSUE", "user code");
	is_int(d.interval_s, OIDC_POLL_INTERVAL_DEFAULT_S, "interval defaults to 5s (RFC 8628)");
	is_int(d.expires_in_s, 600, "expires_in kept");
	oidc_device_auth_clear(&d);
	is_int(oidc_device_auth_parse(200, (const uint8_t *)dev_fast, strlen(dev_fast), &d, &err),
	    0, "device response with extreme values parses");
	is_int(d.interval_s, OIDC_POLL_INTERVAL_MIN_S, "interval 0 clamped up");
	is_int(d.expires_in_s, OIDC_FLOW_MAX_S, "huge expires_in clamped");
	oidc_device_auth_clear(&d);
	is_int(oidc_device_auth_parse(200, (const uint8_t *)dev_http, strlen(dev_http), &d, &err),
	    MESH_ERR_PROTOCOL, "http verification uri refused");
	{
		static const char esc[] = "{\"device_code\":\"d\",\"user_code\":\"AB\\u001b[2J\","
					  "\"verification_uri\":\"https://idp/device\","
					  "\"expires_in\":60}";

		is_int(oidc_device_auth_parse(200, (const uint8_t *)esc, strlen(esc), &d, &err),
		    MESH_ERR_PROTOCOL, "user code with a terminal escape refused");
	}
	{
		struct oidc_flow_info fi = {.user_code = "1PXH-DSUE",
		    .verification_uri = "https://idp/device",
		    .verification_uri_complete = NULL,
		    .expires_at = 1000 + 600,
		    .interval_s = 5};
		char text[OIDC_INSTRUCTIONS_MAX], tiny[16];

		is_int(oidc_flow_instructions(&fi, 1000, text, sizeof(text)), 0, "instructions");
		ok(strstr(text, "Go to https://idp/device and enter the code 1PXH-DSUE") != NULL,
		    "instructions show the URL and the code");
		ok(strstr(text, "within 10 minutes") != NULL, "instructions show the time left");
		fi.verification_uri_complete = "https://idp/device?code=1PXH-DSUE";
		is_int(oidc_flow_instructions(&fi, 1590, text, sizeof(text)), 0, "instructions");
		ok(strstr(text, "Open https://idp/device?code=1PXH-DSUE") != NULL,
		    "instructions offer the complete URL");
		ok(strstr(text, "within 1 minute,") != NULL, "singular minute");
		is_int(oidc_flow_instructions(&fi, 1000, tiny, sizeof(tiny)), MESH_ERR_RANGE,
		    "truncation reported");
	}
	is_int(
	    oidc_device_auth_parse(401, (const uint8_t *)bad_client, strlen(bad_client), &d, &err),
	    MESH_ERR_PROTOCOL, "IdP error refused");
	ok(strstr(err.text, "invalid_client: client unknown") != NULL, "IdP error text quoted");

#define TOKEN(status, body) \
	oidc_token_response_parse(status, (const uint8_t *)(body), strlen(body), &st, &tok, &err)
	is_int(TOKEN(400, "{\"error\":\"authorization_pending\"}"), 0, "pending parses");
	is_int(st, OIDC_TOKEN_PENDING, "pending status");
	is_int(TOKEN(400, "{\"error\":\"slow_down\"}"), 0, "slow_down parses");
	is_int(st, OIDC_TOKEN_SLOW_DOWN, "slow_down status");
	is_int(TOKEN(400, "{\"error\":\"access_denied\"}"), 0, "access_denied parses");
	is_int(st, OIDC_TOKEN_DENIED, "denied status");
	is_int(TOKEN(400, "{\"error\":\"expired_token\"}"), 0, "expired_token parses");
	is_int(st, OIDC_TOKEN_EXPIRED, "expired status");
	is_int(TOKEN(400, "{\"error\":\"invalid_grant\",\"error_description\":\"bad\"}"),
	    MESH_ERR_PROTOCOL, "other token error is an error");
	ok(strstr(err.text, "invalid_grant") != NULL, "token error quoted");
	is_int(TOKEN(502, "<html>bad gateway</html>"), MESH_ERR_PROTOCOL, "HTML 502 is an error");
	ok(strstr(err.text, "502") != NULL, "HTTP status quoted");
	is_int(TOKEN(200, "{\"access_token\":\"x\"}"), MESH_ERR_PROTOCOL, "200 without id_token");
	is_int(
	    TOKEN(200, "{\"id_token\":\"a.b.c\",\"access_token\":\"x\"}"), 0, "200 with id_token");
	is_int(st, OIDC_TOKEN_OK, "ok status");
	is_str(tok, "a.b.c", "id token returned");
	free(tok);
#undef TOKEN
}

static int
kw(struct oidc_config *c, const char *k, const char *arg, struct mesh_error *err)
{
	struct conf_line l = {.keyword = k, .nargs = arg ? 1 : 0, .line = 7};

	l.args[0] = arg;
	return oidc_config_keyword(c, &l, err);
}

static void
test_config(void)
{
	struct oidc_config c;
	struct mesh_error err;

	oidc_config_init(&c);
	ok(!oidc_config_enabled(&c), "OIDC off by default");
	is_int(oidc_config_validate(&c, &err), 0, "empty config valid");
	is_int(kw(&c, "Port", "22", &err), MESH_ERR_NOTFOUND, "non-OIDC keyword passed on");
	is_int(kw(&c, "oidcissuer", ISS "/", &err), 0, "OIDCIssuer (any case) accepted");
	is_str(c.issuer, ISS, "trailing slash removed from the issuer");
	is_int(
	    oidc_config_validate(&c, &err), MESH_ERR_INVALID, "issuer without client id invalid");
	ok(strstr(err.text, "OIDCClientID") != NULL, "message names OIDCClientID");
	is_int(kw(&c, "OIDCClientID", CLIENT, &err), 0, "OIDCClientID accepted");
	is_int(kw(&c, "OIDCClaim", "preferred_username", &err), 0, "OIDCClaim accepted");
	is_int(c.claim, OIDC_CLAIM_PREFERRED_USERNAME, "claim set");
	is_int(kw(&c, "OIDCClaim", "upn", &err), MESH_ERR_INVALID, "unknown claim refused");
	is_int(err.line, 7, "error carries the line");
	is_int(kw(&c, "OIDCCABundle", "relative.pem", &err), MESH_ERR_INVALID,
	    "relative CA path refused");
	is_int(kw(&c, "OIDCCABundle", "/etc/ssl/ca.pem", &err), 0, "absolute CA path accepted");
	is_int(kw(&c, "OIDCClientSecretFile", NULL, &err), MESH_ERR_PARSE, "missing argument");
	is_int(kw(&c, "OIDCTimeout", "5s", &err), 0, "OIDCTimeout 5s accepted");
	is_int(c.timeout_s, 5, "timeout set");
	is_int(kw(&c, "OIDCTimeout", "1m", &err), 0, "OIDCTimeout 1m accepted");
	is_int(c.timeout_s, 60, "1m is 60 seconds");
	is_int(kw(&c, "OIDCTimeout", "0", &err), MESH_ERR_INVALID, "OIDCTimeout 0 refused");
	is_int(
	    kw(&c, "OIDCTimeout", "99999999999", &err), MESH_ERR_INVALID, "huge timeout refused");
	is_int(kw(&c, "OIDCCheckCacheFile", "/var/lib/meshssh/sso-checks.json", &err), 0,
	    "OIDCCheckCacheFile accepted");
	is_str(c.check_cache_file, "/var/lib/meshssh/sso-checks.json", "cache file set");
	is_int(oidc_config_validate(&c, &err), 0, "complete config valid");
	ok(oidc_config_enabled(&c), "OIDC on with an issuer");
	is_int(kw(&c, "OIDCIssuer", "http://idp.example.com", &err), 0, "http issuer stored");
	is_int(oidc_config_validate(&c, &err), MESH_ERR_INVALID, "http issuer invalid");
	ok(strstr(err.text, "https") != NULL, "message asks for https");
	oidc_config_clear(&c);
	ok(c.issuer == NULL, "clear resets");
	oidc_config_clear(&c);
}

static void
test_match_and_audit(void)
{
	struct oidc_identity id = {.subject = "s-1", .value = "Alice@Example.com"};
	struct oidc_audit_info info = {.owner = "alice@example.com",
	    .node = "laptop",
	    .host_user = "alice",
	    .issuer = ISS,
	    .subject = "s-1",
	    .reason = NULL,
	    .time = NOW};
	struct mesh_error err;
	json_t *ev;

	is_int(oidc_identity_match(&id, OIDC_CLAIM_EMAIL, "alice@example.com", &err), 0,
	    "email match ignores ASCII case");
	is_int(oidc_identity_match(&id, OIDC_CLAIM_EMAIL, "bob@example.com", &err), MESH_ERR_DENIED,
	    "another person denied");
	ok(strstr(err.text, "Alice@Example.com") && strstr(err.text, "bob@example.com"),
	    "denial names both identities");
	is_int(oidc_identity_match(&id, OIDC_CLAIM_SUB, "alice@example.com", &err), MESH_ERR_DENIED,
	    "sub compares exactly");
	id.value = "alice@example.com.evil";
	is_int(oidc_identity_match(&id, OIDC_CLAIM_EMAIL, "alice@example.com", &err),
	    MESH_ERR_DENIED, "suffix is not a match");
	is_int(oidc_identity_match(NULL, OIDC_CLAIM_EMAIL, "alice@example.com", &err),
	    MESH_ERR_DENIED, "no identity denied");

	ev = oidc_audit_event(OIDC_AUDIT_PASSED, &info);
	is_str(json_string_value(json_object_get(ev, "type")), "check.pass", "audit type");
	is_str(json_string_value(json_object_get(ev, "subject")), "s-1", "audit carries subject");
	is_str(json_string_value(json_object_get(ev, "srcNodeUser")), "alice@example.com",
	    "audit carries owner");
	ok(json_object_get(ev, "reason") == NULL, "no reason on success");
	json_decref(ev);
	info.reason = "sso: expired";
	ev = oidc_audit_event(OIDC_AUDIT_TIMED_OUT, &info);
	is_str(json_string_value(json_object_get(ev, "type")), "check.timeout", "timeout type");
	is_str(json_string_value(json_object_get(ev, "reason")), "sso: expired", "reason kept");
	json_decref(ev);
	is_str(oidc_audit_kind_name(OIDC_AUDIT_STARTED), "check.start", "started name");
	is_str(oidc_audit_kind_name(OIDC_AUDIT_FAILED), "check.fail", "failed name");
}

int
main(void)
{
	static const uint8_t e[] = {1, 0, 1};
	cjose_err cerr;

	rsa_a = make_key(cjose_jwk_create_RSA_random(2048, e, sizeof(e), &cerr), "key-a");
	rsa_b = make_key(cjose_jwk_create_RSA_random(2048, e, sizeof(e), &cerr), "key-b");
	ec_c = make_key(cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_256, &cerr), "key-c");
	hmac_k = make_key(cjose_jwk_create_oct_random(32, &cerr), "key-a");
	if (!ok(rsa_a && rsa_b && ec_c && hmac_k, "test keys generated"))
		return tap_done();
	test_tokens();
	test_jwks();
	test_discovery();
	test_device_and_token();
	test_config();
	test_match_and_audit();
	cjose_jwk_release(rsa_a);
	cjose_jwk_release(rsa_b);
	cjose_jwk_release(ec_c);
	cjose_jwk_release(hmac_k);
	return tap_done();
}
