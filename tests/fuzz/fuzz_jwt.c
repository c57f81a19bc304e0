/*
 * Fuzz target for everything the identity provider sends meshsshd: the
 * discovery document, device authorization and token responses, the JWKS,
 * ID tokens (verified against a fixed EC key, so valid inputs reach the
 * claim checks) and, as a file meshsshd reads back, the check cache.  The
 * first byte picks the parser.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checkcache.h"
#include "oidc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ISSUER "https://idp.example.com"
#define FUZZ_CLIENT "meshsshd"
#define FUZZ_NOW    1800000100LL

static const char fuzz_jwks[] = "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"fz\","
				"\"x\":\"61jo8g12Gc0BVQPgF7thmFVfQpzMK98WNHcBo0bNU_g\","
				"\"y\":\"zqZVIwQ9ZvQ1FEqzmqwfEQqev41aFvleW9r0siMLxKk\"}]}";

static void
fuzz_verify(const uint8_t *data, size_t size)
{
	static struct oidc_jwks *keys;
	struct oidc_verify_params p = {
	    .issuer = FUZZ_ISSUER,
	    .client_id = FUZZ_CLIENT,
	    .now = FUZZ_NOW,
	    .skew_s = OIDC_CLOCK_SKEW_S,
	    .max_age_s = OIDC_TOKEN_MAX_AGE_S,
	    .claim = OIDC_CLAIM_EMAIL,
	};
	struct oidc_identity id;
	struct mesh_error err;
	char *jwt;

	if (keys == NULL &&
	    oidc_jwks_parse((const uint8_t *)fuzz_jwks, strlen(fuzz_jwks), &keys, &err) < 0)
		abort();
	if ((jwt = malloc(size + 1)) == NULL)
		return;
	memcpy(jwt, data, size);
	jwt[size] = '\0';
	if (oidc_token_verify(jwt, size, keys, &p, &id, &err) == 0) {
		if (id.value == NULL || id.subject == NULL)
			abort();
		oidc_identity_match(&id, p.claim, "alice@example.com", &err);
	}
	oidc_identity_clear(&id);
	free(jwt);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mesh_error err;

	if (size < 1)
		return 0;
	switch (data[0] % 6) {
	case 0: {
		struct oidc_discovery d;

		oidc_discovery_parse(data + 1, size - 1, FUZZ_ISSUER, &d, &err);
		oidc_discovery_clear(&d);
		break;
	}
	case 1: {
		struct oidc_device_auth d;

		oidc_device_auth_parse(200, data + 1, size - 1, &d, &err);
		oidc_device_auth_clear(&d);
		break;
	}
	case 2: {
		enum oidc_token_status st;
		char *tok = NULL;

		if (size < 2)
			return 0;
		oidc_token_response_parse(
		    data[1] % 2 ? 400 : 200, data + 2, size - 2, &st, &tok, &err);
		free(tok);
		break;
	}
	case 3: {
		struct oidc_jwks *k = NULL;

		if (oidc_jwks_parse(data + 1, size - 1, &k, &err) == 0)
			oidc_jwks_free(k);
		break;
	}
	case 4:
		fuzz_verify(data + 1, size - 1);
		break;
	case 5: {
		struct checkcache *c = checkcache_new();

		if (c && checkcache_parse(c, data + 1, size - 1, FUZZ_NOW, &err) == 0 &&
		    checkcache_count(c) > CHECKCACHE_MAX_ENTRIES)
			abort();
		checkcache_free(c);
		break;
	}
	}
	return 0;
}
