/*
 * HASH, MAC, HMAC and HKDF over BLAKE2s as the WireGuard whitepaper (5.4)
 * defines them.  Only BLAKE2s itself comes from libb2; tested against Python's
 * hashlib/hmac as an independent oracle (tests/unit/test_wg_kdf.c).
 */
#include "config.h"

#include <string.h>

#include <blake2.h>
#include <sodium.h>

#include "kdf.h"

#define BLAKE2S_BLOCK_LEN 64
#define HMAC_IPAD	  0x36
#define HMAC_OPAD	  0x5c

void
wg_hash2(uint8_t out[WG_HASH_LEN], const void *a, size_t alen, const void *b, size_t blen)
{
	blake2s_state s;

	blake2s_init(&s, WG_HASH_LEN);
	blake2s_update(&s, a, alen);
	if (blen)
		blake2s_update(&s, b, blen);
	blake2s_final(&s, out, WG_HASH_LEN);
	sodium_memzero(&s, sizeof(s));
}

void
wg_mac(uint8_t out[WG_MAC_LEN], const uint8_t *key, size_t keylen, const void *in, size_t inlen)
{
	blake2s_state s;

	blake2s_init_key(&s, WG_MAC_LEN, key, keylen);
	blake2s_update(&s, in, inlen);
	blake2s_final(&s, out, WG_MAC_LEN);
	sodium_memzero(&s, sizeof(s));
}

void
wg_hmac(uint8_t out[WG_HASH_LEN], const uint8_t *key, size_t keylen, const void *in, size_t inlen)
{
	uint8_t k[BLAKE2S_BLOCK_LEN] = {0}, pad[BLAKE2S_BLOCK_LEN], inner[WG_HASH_LEN];
	blake2s_state s;
	size_t i;

	if (keylen > BLAKE2S_BLOCK_LEN)
		wg_hash2(k, key, keylen, NULL, 0);
	else
		memcpy(k, key, keylen);
	for (i = 0; i < sizeof(pad); i++)
		pad[i] = k[i] ^ HMAC_IPAD;
	blake2s_init(&s, WG_HASH_LEN);
	blake2s_update(&s, pad, sizeof(pad));
	blake2s_update(&s, in, inlen);
	blake2s_final(&s, inner, sizeof(inner));
	for (i = 0; i < sizeof(pad); i++)
		pad[i] = k[i] ^ HMAC_OPAD;
	blake2s_init(&s, WG_HASH_LEN);
	blake2s_update(&s, pad, sizeof(pad));
	blake2s_update(&s, inner, sizeof(inner));
	blake2s_final(&s, out, WG_HASH_LEN);
	sodium_memzero(&s, sizeof(s));
	sodium_memzero(k, sizeof(k));
	sodium_memzero(pad, sizeof(pad));
	sodium_memzero(inner, sizeof(inner));
}

void
wg_kdf(uint8_t *out1, uint8_t *out2, uint8_t *out3, const uint8_t key[WG_HASH_LEN], const void *in,
    size_t inlen)
{
	uint8_t prk[WG_HASH_LEN], t[WG_HASH_LEN + 1];

	/* extract: prk = HMAC(key, in); expand: t_i = HMAC(prk, t_{i-1} || i) */
	wg_hmac(prk, key, WG_HASH_LEN, in, inlen);
	t[0] = 1;
	wg_hmac(t, prk, sizeof(prk), t, 1);
	if (out2 || out3) {
		t[WG_HASH_LEN] = 2;
		memcpy(out1, t, WG_HASH_LEN);
		wg_hmac(t, prk, sizeof(prk), t, WG_HASH_LEN + 1);
		if (out3) {
			memcpy(out2, t, WG_HASH_LEN);
			t[WG_HASH_LEN] = 3;
			wg_hmac(t, prk, sizeof(prk), t, WG_HASH_LEN + 1);
			memcpy(out3, t, WG_HASH_LEN);
		} else {
			memcpy(out2, t, WG_HASH_LEN);
		}
	} else {
		memcpy(out1, t, WG_HASH_LEN);
	}
	sodium_memzero(prk, sizeof(prk));
	sodium_memzero(t, sizeof(t));
}
