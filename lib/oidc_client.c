/*
 * The HTTP shell of the SSO check: libcurl, https only, no redirects, a hard
 * connect timeout and a hard total timeout on every request, bodies capped.
 * An IdP that is down or silent therefore costs one bounded wait and a clear
 * error, never a hang.  The flow is a step API (start, then poll once per
 * interval) so meshsshd's event loop keeps control; each step is one bounded
 * request.  Everything that decides anything lives in the pure cores
 * (oidc_proto.c, oidc_jwt.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <sodium.h>

#include "fileio.h"
#include "log.h"
#include "oidc.h"

#define OIDC_SECRET_MAX_BYTES  4096
#define OIDC_DISCOVERY_PATH    "/.well-known/openid-configuration"
#define OIDC_GRANT_DEVICE_CODE "urn:ietf:params:oauth:grant-type:device_code"

struct oidc_client {
	char *issuer;
	char *client_id;
	char *secret; /* NULL for a public client; wiped on free */
	char *ca_bundle;
	enum oidc_claim claim;
	unsigned timeout_s;
	bool discovered;
	struct oidc_discovery disc;
	struct oidc_jwks *jwks;
	bool kid_refetched;	/* a refetch was triggered by an unknown kid ... */
	int64_t kid_refetch_at; /* ... at this time */
	CURL *curl;
};

struct oidc_flow {
	struct oidc_device_auth da;
	struct oidc_flow_info info;
	int64_t next_poll;
	unsigned transient_errors; /* consecutive failed polls */
	bool done;
};

struct http_body {
	uint8_t *buf;
	size_t len;
	size_t cap;
	bool too_big;
};

static size_t
http_write(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct http_body *b = ctx;
	size_t n = size * nmemb;

	if (n > OIDC_HTTP_MAX_BODY_BYTES - b->len) {
		b->too_big = true;
		return 0;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		uint8_t *nb;

		while (cap < b->len + n + 1)
			cap *= 2;
		/* grow by copy so a wiped body never leaves a stale copy behind */
		if ((nb = malloc(cap)) == NULL)
			return 0;
		if (b->buf) {
			memcpy(nb, b->buf, b->len);
			sodium_memzero(b->buf, b->cap);
			free(b->buf);
		}
		b->buf = nb;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, data, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return n;
}

static void
http_body_wipe(struct http_body *b)
{
	if (b->buf) {
		sodium_memzero(b->buf, b->cap);
		free(b->buf);
	}
	memset(b, 0, sizeof(*b));
}

static int
http_error(
    CURLcode cc, const char *errbuf, const char *url, unsigned timeout_s, struct mesh_error *err)
{
	const char *why = errbuf[0] ? errbuf : curl_easy_strerror(cc);

	switch (cc) {
	case CURLE_OPERATION_TIMEDOUT:
		return mesh_error_set(err, MESH_ERR_TIMEOUT, 0, 0,
		    "identity provider did not answer within %us: %s", timeout_s, url);
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
		return mesh_error_set(
		    err, MESH_ERR_IO, 0, 0, "cannot reach identity provider %s: %s", url, why);
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CACERT_BADFILE:
		return mesh_error_set(err, MESH_ERR_UNTRUSTED, 0, 0,
		    "TLS with identity provider %s failed: %s", url, why);
	default:
		return mesh_error_set(err, MESH_ERR_IO, 0, 0, "identity provider %s: %s", url, why);
	}
}

/* One bounded request.  post == NULL means GET. */
static int
http_do(struct oidc_client *c, const char *url, const char *post, long *status,
    struct http_body *body, struct mesh_error *err)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdrs = NULL;
	CURLcode cc;
	int r = 0;

	memset(body, 0, sizeof(*body));
	curl_easy_reset(c->curl);
	hdrs = curl_slist_append(NULL, "Accept: application/json");
	if (hdrs == NULL)
		return mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "out of memory");
	cc = curl_easy_setopt(c->curl, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
	cc |= curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "https");
#else
	cc |= curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
	cc |= curl_easy_setopt(c->curl, CURLOPT_FOLLOWLOCATION, 0L);
	cc |= curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	cc |= curl_easy_setopt(
	    c->curl, CURLOPT_CONNECTTIMEOUT_MS, (long)OIDC_HTTP_CONNECT_TIMEOUT_MS);
	cc |= curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, (long)c->timeout_s);
	cc |= curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	cc |= curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	cc |= curl_easy_setopt(c->curl, CURLOPT_MAXFILESIZE, (long)OIDC_HTTP_MAX_BODY_BYTES);
	cc |= curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, errbuf);
	cc |= curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, http_write);
	cc |= curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, body);
	cc |= curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hdrs);
	cc |= curl_easy_setopt(c->curl, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION);
	if (c->ca_bundle)
		cc |= curl_easy_setopt(c->curl, CURLOPT_CAINFO, c->ca_bundle);
	if (post) {
		cc |= curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, post);
		if (c->secret) {
			/* client_secret_basic (RFC 6749 2.3.1) */
			cc |= curl_easy_setopt(c->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
			cc |= curl_easy_setopt(c->curl, CURLOPT_USERNAME, c->client_id);
			cc |= curl_easy_setopt(c->curl, CURLOPT_PASSWORD, c->secret);
		}
	}
	if (cc != CURLE_OK) {
		r = mesh_error_set(err, MESH_ERR_INVALID, 0, 0, "libcurl refused an option");
		goto out;
	}
	log_debug2_f("%s %s", post ? "POST" : "GET", url);
	cc = curl_easy_perform(c->curl);
	if (body->too_big) {
		r = mesh_error_set(err, MESH_ERR_RANGE, 0, 0,
		    "identity provider %s: response larger than %u bytes", url,
		    OIDC_HTTP_MAX_BODY_BYTES);
		goto out;
	}
	if (cc != CURLE_OK) {
		r = http_error(cc, errbuf, url, c->timeout_s, err);
		goto out;
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, status);
out:
	/* the password option holds the secret; do not keep it in the handle */
	curl_easy_reset(c->curl);
	curl_slist_free_all(hdrs);
	if (r < 0)
		http_body_wipe(body);
	return r;
}

static int
read_secret(const char *path, char **out, struct mesh_error *err)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	*out = NULL;
	if ((r = mesh_file_read(path, OIDC_SECRET_MAX_BYTES, MESH_FILE_SECRET, &buf, &len, err)) <
	    0)
		return r;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	if (len == 0 || memchr(buf, '\0', len) != NULL || memchr(buf, '\n', len) != NULL) {
		sodium_memzero(buf, len);
		free(buf);
		return mesh_error_set(err, MESH_ERR_INVALID, 0, 0,
		    "%s: client secret must be one non-empty line", path);
	}
	*out = (char *)buf;
	return 0;
}

static char *
strdup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

int
oidc_client_new(const struct oidc_config *cfg, struct oidc_client **out, struct mesh_error *err)
{
	struct oidc_client *c;
	int r;

	*out = NULL;
	if ((r = oidc_config_validate(cfg, err)) < 0)
		return r;
	if (!oidc_config_enabled(cfg))
		return mesh_error_set(err, MESH_ERR_INVALID, 0, 0, "OIDCIssuer is not configured");
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "out of memory");
	c->claim = cfg->claim;
	c->timeout_s = cfg->timeout_s;
	c->issuer = strdup_or_null(cfg->issuer);
	c->client_id = strdup_or_null(cfg->client_id);
	c->ca_bundle = strdup_or_null(cfg->ca_bundle);
	if (!c->issuer || !c->client_id || (cfg->ca_bundle && !c->ca_bundle)) {
		r = mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "out of memory");
		goto fail;
	}
	if (cfg->client_secret_file &&
	    (r = read_secret(cfg->client_secret_file, &c->secret, err)) < 0)
		goto fail;
	if ((c->curl = curl_easy_init()) == NULL) {
		r = mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "cannot initialise libcurl");
		goto fail;
	}
	*out = c;
	return 0;
fail:
	oidc_client_free(c);
	return r;
}

void
oidc_client_free(struct oidc_client *c)
{
	if (c == NULL)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	if (c->secret) {
		sodium_memzero(c->secret, strlen(c->secret));
		free(c->secret);
	}
	free(c->issuer);
	free(c->client_id);
	free(c->ca_bundle);
	oidc_discovery_clear(&c->disc);
	oidc_jwks_free(c->jwks);
	free(c);
}

const struct oidc_discovery *
oidc_client_discovery(const struct oidc_client *c)
{
	return c && c->discovered ? &c->disc : NULL;
}

const char *
oidc_client_issuer(const struct oidc_client *c)
{
	return c->issuer;
}

enum oidc_claim
oidc_client_claim(const struct oidc_client *c)
{
	return c->claim;
}

static int
fetch_jwks(struct oidc_client *c, struct mesh_error *err)
{
	struct oidc_jwks *keys = NULL;
	struct http_body body;
	long status = 0;
	int r;

	if ((r = http_do(c, c->disc.jwks_uri, NULL, &status, &body, err)) < 0)
		return r;
	if (status != 200) {
		r = mesh_error_set(
		    err, MESH_ERR_PROTOCOL, 0, 0, "jwks %s: HTTP %ld", c->disc.jwks_uri, status);
		goto out;
	}
	if ((r = oidc_jwks_parse(body.buf, body.len, &keys, err)) < 0)
		goto out;
	if (oidc_jwks_count(keys) == 0) {
		oidc_jwks_free(keys);
		r = mesh_error_set(err, MESH_ERR_PROTOCOL, 0, 0,
		    "jwks %s: no RSA or EC signature key", c->disc.jwks_uri);
		goto out;
	}
	oidc_jwks_free(c->jwks);
	c->jwks = keys;
	log_debug_f("jwks: %zu keys from %s", oidc_jwks_count(keys), c->disc.jwks_uri);
out:
	http_body_wipe(&body);
	return r;
}

int
oidc_client_discover(struct oidc_client *c, int64_t now, struct mesh_error *err)
{
	struct oidc_discovery d;
	struct http_body body;
	char url[OIDC_STRING_MAX + sizeof(OIDC_DISCOVERY_PATH)];
	long status = 0;
	int n, r;

	n = snprintf(url, sizeof(url), "%s%s", c->issuer, OIDC_DISCOVERY_PATH);
	if (n < 0 || (size_t)n >= sizeof(url))
		return mesh_error_set(err, MESH_ERR_RANGE, 0, 0, "OIDCIssuer too long");
	if ((r = http_do(c, url, NULL, &status, &body, err)) < 0)
		return r;
	if (status != 200) {
		r = mesh_error_set(
		    err, MESH_ERR_PROTOCOL, 0, 0, "discovery %s: HTTP %ld", url, status);
		goto out;
	}
	if ((r = oidc_discovery_parse(body.buf, body.len, c->issuer, &d, err)) < 0)
		goto out;
	oidc_discovery_clear(&c->disc);
	c->disc = d;
	c->discovered = true;
	r = fetch_jwks(c, err);
out:
	http_body_wipe(&body);
	return r;
}

/* "k=v&k=v" with values escaped; NULL on failure. */
static void
form_free(char *s)
{
	if (s) {
		sodium_memzero(s, strlen(s));
		free(s);
	}
}

/* "k=v&k=v" with values escaped (they may hold the device code); NULL on failure. */
static char *
form_encode(CURL *curl, const char *const *kv, size_t n)
{
	size_t len = 1, off = 0, pairs = n / 2;
	char *out = NULL, *esc[8] = {0};
	bool failed = pairs > sizeof(esc) / sizeof(esc[0]);

	for (size_t i = 0; !failed && i < pairs; i++) {
		if ((esc[i] = curl_easy_escape(curl, kv[2 * i + 1], 0)) == NULL)
			failed = true;
		else
			len += strlen(kv[2 * i]) + 2 + strlen(esc[i]);
	}
	if (!failed && (out = calloc(1, len)) == NULL)
		failed = true;
	for (size_t i = 0; !failed && i < pairs; i++) {
		int w = snprintf(out + off, len - off, "%s%s=%s", i ? "&" : "", kv[2 * i], esc[i]);

		if (w < 0 || (size_t)w >= len - off)
			failed = true;
		else
			off += (size_t)w;
	}
	for (size_t i = 0; i < pairs && i < sizeof(esc) / sizeof(esc[0]); i++) {
		if (esc[i]) {
			sodium_memzero(esc[i], strlen(esc[i]));
			curl_free(esc[i]);
		}
	}
	if (failed) {
		form_free(out);
		return NULL;
	}
	return out;
}

int
oidc_flow_start(struct oidc_client *c, int64_t now, struct oidc_flow **out, struct mesh_error *err)
{
	const char *kv[] = {"client_id", c->client_id, "scope", OIDC_SCOPE};
	struct oidc_flow *f = NULL;
	struct http_body body = {0};
	char *form = NULL;
	long status = 0;
	int r;

	*out = NULL;
	if (!c->discovered && (r = oidc_client_discover(c, now, err)) < 0)
		return r;
	if ((form = form_encode(c->curl, kv, 4)) == NULL)
		return mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "out of memory");
	if ((f = calloc(1, sizeof(*f))) == NULL) {
		r = mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "out of memory");
		goto out;
	}
	if ((r = http_do(c, c->disc.device_authorization_endpoint, form, &status, &body, err)) < 0)
		goto out;
	if ((r = oidc_device_auth_parse(status, body.buf, body.len, &f->da, err)) < 0)
		goto out;
	f->info.user_code = f->da.user_code;
	f->info.verification_uri = f->da.verification_uri;
	f->info.verification_uri_complete = f->da.verification_uri_complete;
	f->info.interval_s = f->da.interval_s;
	f->info.expires_at = now + f->da.expires_in_s;
	f->next_poll = now + f->da.interval_s;
	*out = f;
	f = NULL;
out:
	oidc_flow_free(f);
	form_free(form);
	http_body_wipe(&body);
	return r;
}

const struct oidc_flow_info *
oidc_flow_info(const struct oidc_flow *f)
{
	return &f->info;
}

int64_t
oidc_flow_next_poll(const struct oidc_flow *f)
{
	return f->next_poll;
}

void
oidc_flow_free(struct oidc_flow *f)
{
	if (f == NULL)
		return;
	oidc_device_auth_clear(&f->da);
	free(f);
}

static int
verify_id_token(struct oidc_client *c, const char *jwt, int64_t now, struct oidc_identity *id,
    struct mesh_error *err)
{
	struct oidc_verify_params p = {
	    .issuer = c->issuer,
	    .client_id = c->client_id,
	    .nonce = NULL, /* the device grant carries no nonce (RFC 8628) */
	    .now = now,
	    .skew_s = OIDC_CLOCK_SKEW_S,
	    .max_age_s = OIDC_TOKEN_MAX_AGE_S,
	    .claim = c->claim,
	};
	int r;

	r = oidc_token_verify(jwt, strlen(jwt), c->jwks, &p, id, err);
	if (r != MESH_ERR_NOTFOUND)
		return r;
	/*
	 * Unknown kid: the provider rotated its keys.  Refetch; a kid that is
	 * still unknown afterwards may refetch again only after a pause.
	 */
	if (c->kid_refetched && now - c->kid_refetch_at < OIDC_JWKS_REFETCH_MIN_S)
		return r;
	c->kid_refetched = true;
	c->kid_refetch_at = now;
	log_info(
	    "oidc: %s; refetching %s", err ? err->text : "unknown signing key", c->disc.jwks_uri);
	if ((r = fetch_jwks(c, err)) < 0)
		return r;
	return oidc_token_verify(jwt, strlen(jwt), c->jwks, &p, id, err);
}

int
oidc_flow_poll(struct oidc_client *c, struct oidc_flow *f, int64_t now, struct oidc_identity *id,
    struct mesh_error *err)
{
	const char *kv[] = {"grant_type", OIDC_GRANT_DEVICE_CODE, "device_code", f->da.device_code,
	    "client_id", c->client_id};
	enum oidc_token_status st = OIDC_TOKEN_PENDING;
	struct http_body body = {0};
	char *form = NULL, *jwt = NULL;
	long status = 0;
	int r;

	memset(id, 0, sizeof(*id));
	if (f->done)
		return mesh_error_set(err, MESH_ERR_INVALID, 0, 0, "sso: check already finished");
	if (now >= f->info.expires_at) {
		f->done = true;
		return mesh_error_set(err, MESH_ERR_EXPIRED, 0, 0,
		    "sso: the code %s expired before it was approved", f->info.user_code);
	}
	if (now < f->next_poll)
		return MESH_ERR_AGAIN;
	if ((form = form_encode(c->curl, kv, 6)) == NULL)
		return mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "out of memory");
	f->next_poll = now + f->info.interval_s;
	r = http_do(c, c->disc.token_endpoint, form, &status, &body, err);
	if (r == 0 &&
	    (r = oidc_token_response_parse(status, body.buf, body.len, &st, &jwt, err)) < 0 &&
	    (status == 400 || status == 401 || status == 403)) {
		f->done = true; /* the IdP's definitive OAuth error */
		goto out;
	}
	if (r < 0) {
		/* unreachable, slow, 5xx, not JSON: try again, a bounded number of times */
		if (++f->transient_errors < OIDC_POLL_TRANSIENT_MAX) {
			log_warn("oidc: polling the token endpoint: %s; trying again",
			    err ? err->text : mesh_strerror(r));
			r = MESH_ERR_AGAIN;
		} else {
			f->done = true;
		}
		goto out;
	}
	f->transient_errors = 0;
	switch (st) {
	case OIDC_TOKEN_PENDING:
		r = MESH_ERR_AGAIN;
		break;
	case OIDC_TOKEN_SLOW_DOWN:
		f->info.interval_s += OIDC_SLOW_DOWN_STEP_S;
		if (f->info.interval_s > OIDC_POLL_INTERVAL_MAX_S)
			f->info.interval_s = OIDC_POLL_INTERVAL_MAX_S;
		f->next_poll = now + f->info.interval_s;
		r = MESH_ERR_AGAIN;
		break;
	case OIDC_TOKEN_DENIED:
		f->done = true;
		r = mesh_error_set(err, MESH_ERR_DENIED, 0, 0,
		    "sso: the sign-in was refused at the identity provider");
		break;
	case OIDC_TOKEN_EXPIRED:
		f->done = true;
		r = mesh_error_set(err, MESH_ERR_EXPIRED, 0, 0,
		    "sso: the identity provider says the code %s expired", f->info.user_code);
		break;
	case OIDC_TOKEN_OK:
		f->done = true;
		r = verify_id_token(c, jwt, now, id, err);
		break;
	}
out:
	if (jwt) {
		sodium_memzero(jwt, strlen(jwt));
		free(jwt);
	}
	form_free(form);
	http_body_wipe(&body);
	return r;
}

int
oidc_config_test(const struct oidc_config *cfg, int64_t now, struct mesh_error *err)
{
	struct oidc_client *c = NULL;
	int r;

	if (!oidc_config_enabled(cfg))
		return oidc_config_validate(cfg, err);
	if ((r = oidc_client_new(cfg, &c, err)) < 0)
		return r;
	r = oidc_client_discover(c, now, err);
	oidc_client_free(c);
	return r;
}
