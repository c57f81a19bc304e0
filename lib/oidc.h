/*
 * The SSO check: an OpenID Connect client for the device authorization grant
 * (RFC 8628) that proves, in the person's browser, to the organisation's
 * identity provider (IdP) that they are the owner the netmap names.
 *
 * Three layers, one header:
 *  - configuration (meshsshd.conf keywords OIDCIssuer, OIDCClientID,
 *    OIDCClientSecretFile, OIDCClaim, OIDCCABundle, OIDCTimeout,
 *    OIDCCheckCacheFile);
 *  - pure cores, no I/O and no clock reads: parsers for the discovery
 *    document, the device authorization and token responses, the JWKS, and
 *    the ID token verifier (signature with cjose, alg allow-list, iss, aud,
 *    exp, iat with a skew bound, nonce) plus the owner match;
 *  - the HTTP shell (libcurl, https only, hard connect and total timeouts):
 *    discovery, a non-blocking step API for the flow (start, then poll_once
 *    at most every interval), and a JWKS cache refetched once on an unknown
 *    kid (key rotation), rate-limited.
 * Time is always a parameter (seconds since the epoch).
 */
#ifndef MESH_OIDC_H
#define MESH_OIDC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "conf.h"
#include "error.h"

/* HTTP bounds: an IdP that is down costs at most the total timeout per request. */
#define OIDC_HTTP_CONNECT_TIMEOUT_MS	  3000
#define OIDC_HTTP_TOTAL_TIMEOUT_S_DEFAULT 10
#define OIDC_HTTP_TOTAL_TIMEOUT_S_MAX	  120
#define OIDC_HTTP_MAX_BODY_BYTES	  (512u * 1024u)
/* ID token time checks. */
#define OIDC_CLOCK_SKEW_S    60
#define OIDC_TOKEN_MAX_AGE_S 600 /* iat older than this is not "fresh" */
/* Device flow (RFC 8628 section 3.5). */
#define OIDC_POLL_INTERVAL_DEFAULT_S 5
#define OIDC_POLL_INTERVAL_MIN_S     1
#define OIDC_POLL_INTERVAL_MAX_S     60
#define OIDC_SLOW_DOWN_STEP_S	     5
#define OIDC_POLL_TRANSIENT_MAX	     3	  /* consecutive unreachable/5xx polls before giving up */
#define OIDC_FLOW_MAX_S		     1800 /* cap on the IdP's expires_in */
/* After an unknown-kid refetch, the next one waits this long. */
#define OIDC_JWKS_REFETCH_MIN_S 60
/* The scopes asked for: openid plus what carries the mapped claims. */
#define OIDC_SCOPE	     "openid email profile"
#define OIDC_STRING_MAX	     2048 /* longest URL, code or claim value accepted */
#define OIDC_TOKEN_MAX_BYTES (64u * 1024u)

/* Which ID token claim names the person; compared with the netmap owner. */
enum oidc_claim {
	OIDC_CLAIM_EMAIL = 0,
	OIDC_CLAIM_PREFERRED_USERNAME,
	OIDC_CLAIM_SUB,
};

/* "email" | "preferred_username" | "sub" -> 0, else MESH_ERR_INVALID. */
int oidc_claim_parse(const char *name, enum oidc_claim *out);
const char *oidc_claim_name(enum oidc_claim claim);

/* ---- configuration ---------------------------------------------------- */

struct oidc_config {
	char *issuer;		  /* OIDCIssuer: https URL; NULL = OIDC off */
	char *client_id;	  /* OIDCClientID */
	char *client_secret_file; /* OIDCClientSecretFile: root-only file, optional */
	enum oidc_claim claim;	  /* OIDCClaim, default email */
	char *ca_bundle;	  /* OIDCCABundle: PEM file, default system store */
	unsigned timeout_s;	  /* OIDCTimeout: total per HTTP request */
	char *check_cache_file; /* OIDCCheckCacheFile: persist passed checks; NULL = memory only */
};

void oidc_config_init(struct oidc_config *c);
void oidc_config_clear(struct oidc_config *c);
bool oidc_config_enabled(const struct oidc_config *c);
/*
 * Apply one meshsshd.conf line.  Returns 0 when the keyword is an OIDC one
 * and was applied, MESH_ERR_NOTFOUND when it is not an OIDC keyword (the
 * caller tries its other keywords), or an error with err filled.  Pure.
 */
int oidc_config_keyword(struct oidc_config *c, const struct conf_line *l, struct mesh_error *err);
/* Whole-config checks (issuer is https, client id set when issuer is...).  Pure. */
int oidc_config_validate(const struct oidc_config *c, struct mesh_error *err);

/* ---- pure protocol cores ---------------------------------------------- */

struct oidc_discovery {
	char *issuer;
	char *device_authorization_endpoint;
	char *token_endpoint;
	char *jwks_uri;
};

/*
 * Parse /.well-known/openid-configuration.  issuer must equal
 * expected_issuer exactly (OIDC Discovery 4.3) and every endpoint must be
 * https.  A provider without a device_authorization_endpoint is refused.
 */
int oidc_discovery_parse(const uint8_t *buf, size_t len, const char *expected_issuer,
    struct oidc_discovery *out, struct mesh_error *err);
void oidc_discovery_clear(struct oidc_discovery *d);

struct oidc_device_auth {
	char *device_code; /* secret: wiped on clear */
	char *user_code;
	char *verification_uri;
	char *verification_uri_complete; /* may be NULL */
	int64_t expires_in_s;		 /* clamped to OIDC_FLOW_MAX_S */
	int64_t interval_s;		 /* clamped to [MIN, MAX] */
};

/* Parse the device authorization response (RFC 8628 3.2). */
int oidc_device_auth_parse(long http_status, const uint8_t *buf, size_t len,
    struct oidc_device_auth *out, struct mesh_error *err);
void oidc_device_auth_clear(struct oidc_device_auth *d);

enum oidc_token_status {
	OIDC_TOKEN_OK = 0,    /* *id_token set */
	OIDC_TOKEN_PENDING,   /* authorization_pending */
	OIDC_TOKEN_SLOW_DOWN, /* slow_down: add OIDC_SLOW_DOWN_STEP_S */
	OIDC_TOKEN_DENIED,    /* access_denied */
	OIDC_TOKEN_EXPIRED,   /* expired_token */
};

/*
 * Parse a token endpoint response.  Returns 0 with *status set (and
 * *id_token, to free, when OK), or an error for anything else, with the
 * IdP's error and error_description quoted in err.
 */
int oidc_token_response_parse(long http_status, const uint8_t *buf, size_t len,
    enum oidc_token_status *status, char **id_token, struct mesh_error *err);

/* A parsed JSON Web Key Set: the signature keys, by kid. */
struct oidc_jwks;

int oidc_jwks_parse(const uint8_t *buf, size_t len, struct oidc_jwks **out, struct mesh_error *err);
void oidc_jwks_free(struct oidc_jwks *keys);
size_t oidc_jwks_count(const struct oidc_jwks *keys);

struct oidc_verify_params {
	const char *issuer;    /* expected iss */
	const char *client_id; /* must be in aud; azp must match when aud has several */
	const char *nonce;     /* when set the token must carry it; NULL: not checked */
	int64_t now;
	int64_t skew_s;	   /* OIDC_CLOCK_SKEW_S */
	int64_t max_age_s; /* OIDC_TOKEN_MAX_AGE_S */
	enum oidc_claim claim;
};

struct oidc_identity {
	char *subject; /* sub: the IdP's stable subject, for audit */
	char *value;   /* the configured claim's value */
	char *kid;     /* key that signed the token (may be NULL) */
	int64_t iat;
	int64_t exp;
};

/*
 * Verify a compact JWS ID token against keys.  Pure.
 * Errors: MESH_ERR_PARSE (not a JWS/JSON), MESH_ERR_UNSUPPORTED (alg not in
 * the allow-list: RS256/384/512, PS256/384/512, ES256/384/512; never none or
 * HS*), MESH_ERR_NOTFOUND (kid not in keys: refetch the JWKS once),
 * MESH_ERR_SIGNATURE, MESH_ERR_EXPIRED (exp), MESH_ERR_INVALID (iss, aud,
 * azp, iat, nonce, missing claim, email_verified false).
 */
int oidc_token_verify(const char *jwt, size_t len, const struct oidc_jwks *keys,
    const struct oidc_verify_params *p, struct oidc_identity *out, struct mesh_error *err);
void oidc_identity_clear(struct oidc_identity *id);

/*
 * Does the verified identity name the node's owner?  email compares the
 * whole address ignoring ASCII case; preferred_username and sub compare
 * exactly.  MESH_ERR_DENIED with a one-line message otherwise.  Pure.
 */
int oidc_identity_match(const struct oidc_identity *id, enum oidc_claim claim, const char *owner,
    struct mesh_error *err);

/* ---- audit events ----------------------------------------------------- */

enum oidc_audit_kind {
	OIDC_AUDIT_STARTED = 0,
	OIDC_AUDIT_PASSED,
	OIDC_AUDIT_FAILED,
	OIDC_AUDIT_TIMED_OUT,
};

struct oidc_audit_info {
	const char *owner;     /* netmap owner login */
	const char *node;      /* source node name */
	const char *host_user; /* local account asked for */
	const char *issuer;
	const char *subject; /* the IdP's sub, when known */
	const char *reason;  /* failure text, or NULL */
	int64_t time;
};

/* One audit event object ({"type":"check.pass",...}) for the recorder; caller decrefs. */
json_t *oidc_audit_event(enum oidc_audit_kind kind, const struct oidc_audit_info *info);
const char *oidc_audit_kind_name(enum oidc_audit_kind kind);

/* ---- HTTP shell ------------------------------------------------------- */

struct oidc_client;

/* Reads the client secret file (MESH_FILE_SECRET) if configured.  No network. */
int oidc_client_new(
    const struct oidc_config *cfg, struct oidc_client **out, struct mesh_error *err);
void oidc_client_free(struct oidc_client *c);
/*
 * meshsshd -t: validate cfg, read the secret file, fetch the discovery
 * document and the JWKS.  0 or the first problem in err.
 */
int oidc_config_test(const struct oidc_config *cfg, int64_t now, struct mesh_error *err);
/* Fetch and check the discovery document and the JWKS. */
int oidc_client_discover(struct oidc_client *c, int64_t now, struct mesh_error *err);
const struct oidc_discovery *oidc_client_discovery(const struct oidc_client *c);
enum oidc_claim oidc_client_claim(const struct oidc_client *c);
const char *oidc_client_issuer(const struct oidc_client *c);

struct oidc_flow;

/* What the person is shown: go to verification_uri, enter user_code. */
struct oidc_flow_info {
	const char *user_code;
	const char *verification_uri;
	const char *verification_uri_complete; /* may be NULL */
	int64_t expires_at;
	int64_t interval_s;
};

/*
 * The text shown to the person (keyboard-interactive instruction or banner):
 * the URL, the code, and how long it stays valid.  Pure; MESH_ERR_RANGE if
 * buf is too small.  OIDC_INSTRUCTIONS_MAX always suffices.
 */
#define OIDC_INSTRUCTIONS_MAX (3 * OIDC_STRING_MAX + 256)
int oidc_flow_instructions(const struct oidc_flow_info *info, int64_t now, char *buf, size_t len);

/* Start a device authorization (discovers first if needed). */
int oidc_flow_start(
    struct oidc_client *c, int64_t now, struct oidc_flow **out, struct mesh_error *err);
const struct oidc_flow_info *oidc_flow_info(const struct oidc_flow *f);
/* Earliest time the next poll may go out (honours interval and slow_down). */
int64_t oidc_flow_next_poll(const struct oidc_flow *f);
/*
 * One step.  Returns MESH_ERR_AGAIN while pending (no request is made before
 * oidc_flow_next_poll()), 0 with *id filled by a verified ID token,
 * MESH_ERR_DENIED when the person refused, MESH_ERR_EXPIRED when the code
 * expired, MESH_ERR_TIMEOUT or MESH_ERR_IO when the IdP cannot be reached
 * OIDC_POLL_TRANSIENT_MAX polls in a row (a single failure is retried),
 * or a verification error.  Does not compare with the owner: see
 * oidc_identity_match().
 */
int oidc_flow_poll(struct oidc_client *c, struct oidc_flow *f, int64_t now,
    struct oidc_identity *id, struct mesh_error *err);
void oidc_flow_free(struct oidc_flow *f);

/* ---- the whole check, as meshsshd runs it ------------------------------ */

struct checkcache;

struct oidc_check_request {
	const char *owner;     /* netmap owner of the source node */
	const char *node;      /* source node name */
	const char *host_user; /* local account asked for */
	int64_t period_s;      /* the rule's checkPeriod; 0 = every time */
	/* OIDCCheckCacheFile: shared between forked connections; else the in-memory cache */
	const char *cache_file;
};

/* Receives each audit event (caller keeps a reference only if it increfs). */
typedef void (*oidc_audit_fn)(json_t *event, void *ctx);

struct oidc_check;

/*
 * Begin a check.  When the cache (req->cache_file, else cache; both may be
 * absent) holds a good check for the
 * triple, *cached is set and no flow starts (no audit event: nothing was
 * asked).  Otherwise a device flow starts (audit "started"); show the person
 * oidc_check_instructions() and call oidc_check_step() at
 * oidc_check_next_poll().  A failure to start is audited as "failed".
 */
int oidc_check_begin(struct oidc_client *c, struct checkcache *cache,
    const struct oidc_check_request *req, int64_t now, oidc_audit_fn audit, void *audit_ctx,
    struct oidc_check **out, bool *cached, struct mesh_error *err);
const char *oidc_check_instructions(const struct oidc_check *ch);
/* The running flow's URL, code and expiry (valid until oidc_check_free). */
const struct oidc_flow_info *oidc_check_flow_info(const struct oidc_check *ch);
int64_t oidc_check_next_poll(const struct oidc_check *ch);
/*
 * One step: MESH_ERR_AGAIN while pending; 0 when the IdP vouched for the
 * owner (audit "passed" with the subject, cache updated); otherwise the
 * error, audited as "timeout" (code expired) or "failed" with err's text.
 */
int oidc_check_step(struct oidc_check *ch, int64_t now, struct mesh_error *err);
/* The verified identity once step returned 0 (else NULL). */
const struct oidc_identity *oidc_check_identity(const struct oidc_check *ch);
void oidc_check_free(struct oidc_check *ch);

#endif
