/*
 * Trusted signing keys, signing key files and detached Ed25519ph signatures.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "fileio.h"
#include "trust.h"

#define TRUST_ALG	      "ed25519"
#define TRUST_SECRET_TAG      "ed25519-secret"
#define TRUST_FIELDS_MAX      3	     /* fields we look at on one line */
#define TRUST_KEYFILE_MAX     65536u /* trusted-keys file, bytes */
#define TRUST_SECRET_FILE_MAX 256    /* secret key file, bytes */
#define TRUST_SIG_FILE_MAX    1024   /* signature file, bytes */

/* One whitespace-separated field of a line, with its 1-based column. */
struct trust_field {
	const char *p;
	size_t len;
	unsigned col;
};

/*
 * Split line[0..len) into at most max fields; returns the number of fields
 * found (more than max means extra text).  A '#' at the start of a field
 * starts a comment.
 */
static size_t
trust_split(const char *line, size_t len, struct trust_field *f, size_t max)
{
	size_t i = 0, n = 0;

	while (i < len) {
		size_t start;

		while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
			i++;
		if (i >= len || line[i] == '#')
			break;
		start = i;
		while (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			i++;
		if (n < max) {
			f[n].p = line + start;
			f[n].len = i - start;
			f[n].col = (unsigned)start + 1;
		}
		n++;
	}
	return n;
}

static bool
trust_field_is(const struct trust_field *f, const char *s)
{
	return f->len == strlen(s) && memcmp(f->p, s, f->len) == 0;
}

/* Strict base64 of exactly outlen bytes. */
static int
trust_b64_decode(const struct trust_field *f, uint8_t *out, size_t outlen)
{
	size_t n = 0;

	if (f->len != sodium_base64_ENCODED_LEN(outlen, sodium_base64_VARIANT_ORIGINAL) - 1)
		return MESH_ERR_PARSE;
	if (sodium_base642bin(
		out, outlen, f->p, f->len, NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    n != outlen)
		return MESH_ERR_PARSE;
	return MESH_OK;
}

/* Later parse errors are reported against path. */
static void
trust_error_source(struct mesh_error *err, const char *path)
{
	if (err != NULL)
		(void)snprintf(err->source, sizeof(err->source), "%s", path);
}

void
trust_keys_free(struct trust_keys *tk)
{
	if (tk == NULL)
		return;
	free(tk->keys);
	free(tk);
}

bool
trust_keys_contains(const struct trust_keys *tk, const uint8_t pub[TRUST_PUBKEY_LEN])
{
	size_t i;

	for (i = 0; tk != NULL && i < tk->nkeys; i++)
		if (memcmp(tk->keys[i], pub, TRUST_PUBKEY_LEN) == 0)
			return true;
	return false;
}

static int
trust_keys_add(struct trust_keys *tk, const uint8_t pub[TRUST_PUBKEY_LEN])
{
	uint8_t(*nk)[TRUST_PUBKEY_LEN];

	if (trust_keys_contains(tk, pub))
		return MESH_OK;
	if ((nk = realloc(tk->keys, (tk->nkeys + 1) * sizeof(*nk))) == NULL)
		return MESH_ERR_NOMEM;
	tk->keys = nk;
	memcpy(tk->keys[tk->nkeys++], pub, TRUST_PUBKEY_LEN);
	return MESH_OK;
}

int
trust_keys_parse(const uint8_t *buf, size_t len, struct trust_keys **out, struct mesh_error *err)
{
	struct trust_keys *tk;
	const char *text = (const char *)buf;
	size_t off = 0;
	unsigned line = 0;
	int r;

	*out = NULL;
	if ((tk = calloc(1, sizeof(*tk))) == NULL)
		return mesh_error_set(err, MESH_ERR_NOMEM, 0, 0, "out of memory");
	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t llen = nl ? (size_t)(nl - (text + off)) : len - off;
		struct trust_field f[TRUST_FIELDS_MAX];
		uint8_t pub[TRUST_PUBKEY_LEN];
		size_t n;

		line++;
		if (memchr(text + off, '\0', llen) != NULL) {
			r = mesh_error_set(err, MESH_ERR_PARSE, line, 0, "NUL byte in line");
			goto fail;
		}
		n = trust_split(text + off, llen, f, TRUST_FIELDS_MAX);
		if (n == 0)
			goto next;
		if (!trust_field_is(&f[0], TRUST_ALG)) {
			r = mesh_error_set(err, MESH_ERR_PARSE, line, f[0].col,
			    "expected \"" TRUST_ALG " PUBLIC-KEY [comment]\"");
			goto fail;
		}
		if (n < 2) {
			r = mesh_error_set(err, MESH_ERR_PARSE, line, 0, "missing public key");
			goto fail;
		}
		if (trust_b64_decode(&f[1], pub, sizeof(pub)) != 0) {
			r = mesh_error_set(
			    err, MESH_ERR_PARSE, line, f[1].col, "not a base64 Ed25519 public key");
			goto fail;
		}
		if ((r = trust_keys_add(tk, pub)) != 0) {
			mesh_error_set(err, r, 0, 0, "out of memory");
			goto fail;
		}
next:
		off += llen + (nl ? 1 : 0);
	}
	*out = tk;
	return MESH_OK;
fail:
	trust_keys_free(tk);
	return r;
}

int
trust_keys_load(const char *path, struct trust_keys **out, struct mesh_error *err)
{
	uint8_t *buf = NULL;
	size_t len;
	int r;

	*out = NULL;
	trust_error_source(err, ""); /* file errors name their path themselves */
	if ((r = mesh_file_read(path, TRUST_KEYFILE_MAX, MESH_FILE_TRUSTED, &buf, &len, err)) != 0)
		return r;
	trust_error_source(err, path);
	r = trust_keys_parse(buf, len, out, err);
	free(buf);
	return r;
}

void
trust_pubkey_format(const uint8_t pub[TRUST_PUBKEY_LEN], char out[TRUST_PUBKEY_TEXT_MAX])
{
	char b64[TRUST_PUBKEY_B64_LEN + 1];

	sodium_bin2base64(b64, sizeof(b64), pub, TRUST_PUBKEY_LEN, sodium_base64_VARIANT_ORIGINAL);
	(void)snprintf(out, TRUST_PUBKEY_TEXT_MAX, TRUST_ALG " %s", b64);
}

void
trust_signing_key_wipe(struct trust_signing_key *key)
{
	sodium_memzero(key, sizeof(*key));
}

void
trust_text_free(char *text, size_t len)
{
	if (text == NULL)
		return;
	sodium_memzero(text, len);
	free(text);
}

int
trust_signing_key_generate(struct trust_signing_key *key)
{
	if (sodium_init() < 0)
		return MESH_ERR_CRYPTO;
	if (crypto_sign_ed25519_keypair(key->pub, key->secret) != 0)
		return MESH_ERR_CRYPTO;
	return MESH_OK;
}

int
trust_signing_key_format(const struct trust_signing_key *key, char **out, size_t *len)
{
	uint8_t seed[TRUST_SEED_LEN];
	char b64[TRUST_PUBKEY_B64_LEN + 1];
	size_t cap = sizeof(TRUST_SECRET_TAG) + sizeof(b64) + 1;
	char *text;
	int n;

	*out = NULL;
	if ((text = malloc(cap)) == NULL)
		return MESH_ERR_NOMEM;
	crypto_sign_ed25519_sk_to_seed(seed, key->secret);
	sodium_bin2base64(b64, sizeof(b64), seed, sizeof(seed), sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(text, cap, TRUST_SECRET_TAG " %s\n", b64);
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(b64, sizeof(b64));
	if (n < 0 || (size_t)n >= cap) {
		trust_text_free(text, cap);
		return MESH_ERR_RANGE;
	}
	*out = text;
	*len = (size_t)n;
	return MESH_OK;
}

int
trust_signing_key_parse(
    const uint8_t *buf, size_t len, struct trust_signing_key *key, struct mesh_error *err)
{
	struct trust_field f[TRUST_FIELDS_MAX];
	uint8_t seed[TRUST_SEED_LEN];
	const char *text = (const char *)buf;
	const char *nl = memchr(text, '\n', len);
	size_t llen = nl ? (size_t)(nl - text) : len;
	int r = MESH_OK;

	if (sodium_init() < 0)
		return mesh_error_set(err, MESH_ERR_CRYPTO, 0, 0, "libsodium failed to initialise");
	/* never echo any part of a secret in an error */
	if (memchr(text, '\0', len) != NULL || trust_split(text, llen, f, TRUST_FIELDS_MAX) != 2 ||
	    !trust_field_is(&f[0], TRUST_SECRET_TAG))
		return mesh_error_set(
		    err, MESH_ERR_PARSE, 1, 0, "expected \"" TRUST_SECRET_TAG " BASE64-SEED\"");
	if (nl != NULL && trust_split(nl + 1, len - llen - 1, f + 2, 1) != 0)
		return mesh_error_set(err, MESH_ERR_PARSE, 2, 0, "extra text after the key");
	if (trust_b64_decode(&f[1], seed, sizeof(seed)) != 0) {
		r = mesh_error_set(err, MESH_ERR_PARSE, 1, f[1].col, "not a base64 Ed25519 seed");
		goto out;
	}
	if (crypto_sign_ed25519_seed_keypair(key->pub, key->secret, seed) != 0)
		r = mesh_error_set(err, MESH_ERR_CRYPTO, 0, 0, "cannot derive the key pair");
out:
	sodium_memzero(seed, sizeof(seed));
	return r;
}

int
trust_signing_key_load(const char *path, struct trust_signing_key *key, struct mesh_error *err)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	trust_error_source(err, "");
	if ((r = mesh_file_read(path, TRUST_SECRET_FILE_MAX, MESH_FILE_SECRET, &buf, &len, err)) !=
	    0)
		return r;
	trust_error_source(err, path);
	r = trust_signing_key_parse(buf, len, key, err);
	trust_text_free((char *)buf, len);
	return r;
}

/* Ed25519ph over context || NUL || doc. */
static int
trust_state_init(crypto_sign_state *st, const char *context, const uint8_t *doc, size_t len)
{
	if (sodium_init() < 0 || crypto_sign_init(st) != 0)
		return MESH_ERR_CRYPTO;
	crypto_sign_update(st, (const unsigned char *)context, strlen(context) + 1);
	crypto_sign_update(st, doc, len);
	return MESH_OK;
}

int
trust_sign(const char *context, const uint8_t *doc, size_t len, const struct trust_signing_key *key,
    char **out, size_t *outlen)
{
	crypto_sign_state st;
	uint8_t sig[TRUST_SIG_LEN];
	char pub[TRUST_PUBKEY_TEXT_MAX], sig64[TRUST_SIG_B64_LEN + 1];
	size_t cap = sizeof(pub) + sizeof(sig64) + 2;
	char *text;
	int n, r;

	*out = NULL;
	if ((r = trust_state_init(&st, context, doc, len)) != 0)
		return r;
	if (crypto_sign_final_create(&st, sig, NULL, key->secret) != 0)
		return MESH_ERR_CRYPTO;
	trust_pubkey_format(key->pub, pub);
	sodium_bin2base64(sig64, sizeof(sig64), sig, sizeof(sig), sodium_base64_VARIANT_ORIGINAL);
	if ((text = malloc(cap)) == NULL)
		return MESH_ERR_NOMEM;
	n = snprintf(text, cap, "%s %s\n", pub, sig64);
	if (n < 0 || (size_t)n >= cap) {
		free(text);
		return MESH_ERR_RANGE;
	}
	*out = text;
	*outlen = (size_t)n;
	return MESH_OK;
}

int
trust_verify(const char *context, const uint8_t *doc, size_t len, const uint8_t *sig, size_t siglen,
    const struct trust_keys *tk, uint8_t signer[TRUST_PUBKEY_LEN], struct mesh_error *err)
{
	struct trust_field f[TRUST_FIELDS_MAX + 1];
	const char *text = (const char *)sig;
	const char *nl = memchr(text, '\n', siglen);
	size_t llen = nl ? (size_t)(nl - text) : siglen;
	uint8_t pub[TRUST_PUBKEY_LEN], s[TRUST_SIG_LEN];
	char pubtext[TRUST_PUBKEY_TEXT_MAX];
	crypto_sign_state st;
	int r;

	if (siglen > TRUST_SIG_FILE_MAX || memchr(text, '\0', siglen) != NULL ||
	    trust_split(text, llen, f, TRUST_FIELDS_MAX) != 3 || !trust_field_is(&f[0], TRUST_ALG))
		return mesh_error_set(err, MESH_ERR_PARSE, 1, 0,
		    "not a signature (want \"" TRUST_ALG " PUBLIC-KEY SIGNATURE\")");
	if (nl != NULL && trust_split(nl + 1, siglen - llen - 1, f + 3, 1) != 0)
		return mesh_error_set(err, MESH_ERR_PARSE, 2, 0, "extra text after the signature");
	if (trust_b64_decode(&f[1], pub, sizeof(pub)) != 0)
		return mesh_error_set(
		    err, MESH_ERR_PARSE, 1, f[1].col, "not a base64 Ed25519 public key");
	if (trust_b64_decode(&f[2], s, sizeof(s)) != 0)
		return mesh_error_set(
		    err, MESH_ERR_PARSE, 1, f[2].col, "not a base64 Ed25519 signature");
	trust_pubkey_format(pub, pubtext);
	if (!trust_keys_contains(tk, pub))
		return mesh_error_set(
		    err, MESH_ERR_UNTRUSTED, 0, 0, "signed by an untrusted key (%s)", pubtext);
	if ((r = trust_state_init(&st, context, doc, len)) != 0)
		return mesh_error_set(err, r, 0, 0, "libsodium failed");
	if (crypto_sign_final_verify(&st, s, pub) != 0)
		return mesh_error_set(err, MESH_ERR_SIGNATURE, 0, 0,
		    "bad signature: does not verify with %s", pubtext);
	if (signer != NULL)
		memcpy(signer, pub, TRUST_PUBKEY_LEN);
	return MESH_OK;
}
