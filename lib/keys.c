/*
 * WireGuard base64 keys and X25519 public key derivation (libsodium).
 */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "keys.h"

int
keys_from_base64(const char *b64, uint8_t key[KEYS_LEN])
{
	size_t n = 0;

	if (b64 == NULL || strlen(b64) != KEYS_B64_LEN || b64[KEYS_B64_LEN - 1] != '=')
		return MESH_ERR_PARSE;
	/* libsodium rejects bad characters, bad padding and non-zero trailing bits */
	if (sodium_base642bin(key, KEYS_LEN, b64, KEYS_B64_LEN, NULL, &n, NULL,
		sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    n != KEYS_LEN) {
		sodium_memzero(key, KEYS_LEN);
		return MESH_ERR_PARSE;
	}
	return MESH_OK;
}

void
keys_to_base64(const uint8_t key[KEYS_LEN], char out[KEYS_B64_LEN + 1])
{
	sodium_bin2base64(out, KEYS_B64_LEN + 1, key, KEYS_LEN, sodium_base64_VARIANT_ORIGINAL);
}

/* RFC 7748 clamping, as wg's curve25519_clamp_secret(). */
static void
keys_clamp(uint8_t k[KEYS_LEN])
{
	k[0] &= 248;
	k[31] = (uint8_t)((k[31] & 127) | 64);
}

int
keys_generate_private(uint8_t priv[KEYS_LEN])
{
	if (sodium_init() < 0)
		return MESH_ERR_CRYPTO;
	randombytes_buf(priv, KEYS_LEN);
	keys_clamp(priv);
	return MESH_OK;
}

int
keys_public_from_private(const uint8_t priv[KEYS_LEN], uint8_t pub[KEYS_LEN])
{
	uint8_t k[KEYS_LEN];
	int r = MESH_OK;

	if (sodium_init() < 0)
		return MESH_ERR_CRYPTO;
	memcpy(k, priv, KEYS_LEN);
	keys_clamp(k);
	if (crypto_scalarmult_curve25519_base(pub, k) != 0)
		r = MESH_ERR_CRYPTO;
	sodium_memzero(k, sizeof(k));
	return r;
}

bool
keys_equal(const uint8_t a[KEYS_LEN], const uint8_t b[KEYS_LEN])
{
	return sodium_memcmp(a, b, KEYS_LEN) == 0;
}
