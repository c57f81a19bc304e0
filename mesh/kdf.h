/*
 * The WireGuard whitepaper's symmetric constructions over BLAKE2s (libb2):
 * HASH (BLAKE2s-256), MAC (keyed BLAKE2s-128), HMAC-BLAKE2s (RFC 2104 with a
 * 64-byte block) and KDF1/2/3 (HKDF, RFC 5869, with HMAC-BLAKE2s).  Pure;
 * intermediate keys are wiped before returning.
 */
#ifndef MESH_KDF_H
#define MESH_KDF_H

#include <stddef.h>
#include <stdint.h>

#include "messages.h"

/* HASH(a || b); b may be NULL with blen 0. */
void wg_hash2(uint8_t out[WG_HASH_LEN], const void *a, size_t alen, const void *b, size_t blen);
/* MAC(key, in): keyed BLAKE2s with a 16-byte output. */
void wg_mac(
    uint8_t out[WG_MAC_LEN], const uint8_t *key, size_t keylen, const void *in, size_t inlen);
/* HMAC-BLAKE2s(key, in). */
void wg_hmac(
    uint8_t out[WG_HASH_LEN], const uint8_t *key, size_t keylen, const void *in, size_t inlen);
/*
 * KDFn(key, in): out1..out3 receive tau1..tau3; out2/out3 may be NULL for
 * KDF1/KDF2.  Outputs may alias key (the chaining key is updated in place).
 */
void wg_kdf(uint8_t *out1, uint8_t *out2, uint8_t *out3, const uint8_t key[WG_HASH_LEN],
    const void *in, size_t inlen);

#endif
