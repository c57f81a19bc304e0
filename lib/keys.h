/*
 * WireGuard keys as operators see them: 32-byte Curve25519 keys written in
 * standard base64 (44 characters, one '=' of padding), exactly as `wg genkey`
 * and `wg pubkey` print them.  Decoding is strict (length, alphabet, padding,
 * zero trailing bits) so one key has one spelling and can be compared as text.
 *
 * keys_public_from_private() clamps the scalar as wg does and is
 * byte-compatible with `wg pubkey`.  Private keys are wiped by the callers
 * with sodium_memzero() once used.
 */
#ifndef MESH_KEYS_H
#define MESH_KEYS_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

#define KEYS_LEN     32 /* Curve25519 key, bytes */
#define KEYS_B64_LEN 44 /* base64 of KEYS_LEN bytes, without the NUL */

/* Strict decode of a 44-character base64 key.  MESH_ERR_PARSE if malformed. */
int keys_from_base64(const char *b64, uint8_t key[KEYS_LEN]);

/* Encode into out (KEYS_B64_LEN + 1 bytes, NUL-terminated). */
void keys_to_base64(const uint8_t key[KEYS_LEN], char out[KEYS_B64_LEN + 1]);

/* A fresh private key: random, clamped (what `wg genkey` prints). */
int keys_generate_private(uint8_t priv[KEYS_LEN]);

/* X25519 public key of a private key (clamped first, as wg does). */
int keys_public_from_private(const uint8_t priv[KEYS_LEN], uint8_t pub[KEYS_LEN]);

/* Constant-time equality of two keys. */
bool keys_equal(const uint8_t a[KEYS_LEN], const uint8_t b[KEYS_LEN]);

#endif
