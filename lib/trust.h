/*
 * Trusted signing keys and detached Ed25519 signatures (libsodium).
 *
 * A document is trusted when a detached signature by one of the keys in the
 * trusted-keys file verifies over it.  The signed message is Ed25519ph
 * (RFC 8032 HashEdDSA, SHA-512 prehash) over a context string that names the
 * kind of document, a NUL byte, and the document's exact bytes, so a
 * signature over a netmap can never be replayed as a signature over anything
 * else.  Text formats (see meshssh-netmap(5)):
 *
 *   trusted keys   "ed25519 BASE64-PUBLIC-KEY [comment]" per line; '#' comments
 *   signature      "ed25519 BASE64-PUBLIC-KEY BASE64-SIGNATURE" (one line)
 *   secret key     "ed25519-secret BASE64-SEED" (one line, file mode 0600)
 *
 * Parsing and verification are pure; the *_load() helpers read files with
 * the owner and mode checks of lib/fileio.h.
 */
#ifndef MESH_TRUST_H
#define MESH_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define TRUST_PUBKEY_LEN     32 /* Ed25519 public key, bytes */
#define TRUST_SEED_LEN	     32 /* Ed25519 secret seed, bytes */
#define TRUST_SECRET_LEN     64 /* libsodium's expanded secret key, bytes */
#define TRUST_SIG_LEN	     64 /* Ed25519 signature, bytes */
#define TRUST_PUBKEY_B64_LEN 44
#define TRUST_SIG_B64_LEN    88
/* "ed25519 " + key: what `signing-key new` prints for the trusted-keys file */
#define TRUST_PUBKEY_TEXT_MAX (8 + TRUST_PUBKEY_B64_LEN + 1)

/* The set of keys whose signatures are accepted. */
struct trust_keys {
	uint8_t (*keys)[TRUST_PUBKEY_LEN];
	size_t nkeys;
};

/* A signing key: keep on the stack, wipe with trust_signing_key_wipe(). */
struct trust_signing_key {
	uint8_t secret[TRUST_SECRET_LEN];
	uint8_t pub[TRUST_PUBKEY_LEN];
};

/* Parse a trusted-keys file's text; errors carry line:col. */
int trust_keys_parse(
    const uint8_t *buf, size_t len, struct trust_keys **out, struct mesh_error *err);
/* Read and parse; the file must be root-owned (or ours) and not group/world-writable. */
int trust_keys_load(const char *path, struct trust_keys **out, struct mesh_error *err);
void trust_keys_free(struct trust_keys *tk);
bool trust_keys_contains(const struct trust_keys *tk, const uint8_t pub[TRUST_PUBKEY_LEN]);

/* "ed25519 BASE64" into out (TRUST_PUBKEY_TEXT_MAX bytes). */
void trust_pubkey_format(const uint8_t pub[TRUST_PUBKEY_LEN], char out[TRUST_PUBKEY_TEXT_MAX]);

int trust_signing_key_generate(struct trust_signing_key *key);
/* Secret key file text ("ed25519-secret SEED\n"); *out is sodium-wiped by trust_text_free(). */
int trust_signing_key_format(const struct trust_signing_key *key, char **out, size_t *len);
int trust_signing_key_parse(
    const uint8_t *buf, size_t len, struct trust_signing_key *key, struct mesh_error *err);
/* Read a secret key file; refused unless owned by us/root and mode 0600 or tighter. */
int trust_signing_key_load(const char *path, struct trust_signing_key *key, struct mesh_error *err);
void trust_signing_key_wipe(struct trust_signing_key *key);
/* Wipe and free text that held a secret. */
void trust_text_free(char *text, size_t len);

/*
 * Sign doc under context; *out is the signature file's text (one line,
 * NUL-terminated, caller frees).
 */
int trust_sign(const char *context, const uint8_t *doc, size_t len,
    const struct trust_signing_key *key, char **out, size_t *outlen);

/*
 * Verify a signature file's text over doc under context.  Returns
 * MESH_ERR_PARSE (malformed signature file), MESH_ERR_UNTRUSTED (signer not
 * in tk) or MESH_ERR_SIGNATURE (does not verify), with a one-line message.
 * signer (may be NULL) receives the signer's public key on success.
 */
int trust_verify(const char *context, const uint8_t *doc, size_t len, const uint8_t *sig,
    size_t siglen, const struct trust_keys *tk, uint8_t signer[TRUST_PUBKEY_LEN],
    struct mesh_error *err);

#endif
