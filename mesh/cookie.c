/*
 * mac1/mac2 and cookie replies (see cookie.h).
 */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "cookie.h"
#include "error.h"
#include "kdf.h"

#define MACS_LEN (2 * WG_MAC_LEN)

static void
label_key(uint8_t out[WG_HASH_LEN], const char *label, const uint8_t pub[WG_KEY_LEN])
{
	wg_hash2(out, label, strlen(label), pub, WG_KEY_LEN);
}

void
cookie_checker_init(struct cookie_checker *c, const uint8_t our_public[WG_KEY_LEN])
{
	sodium_memzero(c, sizeof(*c));
	label_key(c->mac1_key, WG_LABEL_MAC1, our_public);
	label_key(c->cookie_key, WG_LABEL_COOKIE, our_public);
}

void
cookie_maker_init(struct cookie_maker *m, const uint8_t peer_public[WG_KEY_LEN])
{
	sodium_memzero(m, sizeof(*m));
	label_key(m->mac1_key, WG_LABEL_MAC1, peer_public);
	label_key(m->cookie_key, WG_LABEL_COOKIE, peer_public);
}

static bool
secret_fresh(const struct cookie_checker *c, uint64_t now_ms)
{
	return c->has_secret && now_ms - c->secret_birth_ms < WG_COOKIE_REFRESH_TIME_MS;
}

static void
make_cookie(
    uint8_t out[WG_MAC_LEN], const struct cookie_checker *c, const uint8_t *src, size_t srclen)
{
	wg_mac(out, c->secret, sizeof(c->secret), src, srclen);
}

enum cookie_result
cookie_validate(const struct cookie_checker *c, const uint8_t *msg, size_t len, const uint8_t *src,
    size_t srclen, uint64_t now_ms)
{
	uint8_t mac[WG_MAC_LEN], cookie[WG_MAC_LEN];
	enum cookie_result r = COOKIE_MAC1_BAD;

	if (len < MACS_LEN)
		return COOKIE_MAC1_BAD;
	wg_mac(mac, c->mac1_key, sizeof(c->mac1_key), msg, len - MACS_LEN);
	if (sodium_memcmp(mac, msg + len - MACS_LEN, WG_MAC_LEN) != 0)
		goto out;
	r = COOKIE_MAC1_OK;
	if (!secret_fresh(c, now_ms))
		goto out;
	make_cookie(cookie, c, src, srclen);
	wg_mac(mac, cookie, sizeof(cookie), msg, len - WG_MAC_LEN);
	if (sodium_memcmp(mac, msg + len - WG_MAC_LEN, WG_MAC_LEN) == 0)
		r = COOKIE_MAC2_OK;
out:
	sodium_memzero(cookie, sizeof(cookie));
	return r;
}

int
cookie_create_reply(struct cookie_checker *c, const uint8_t *msg, size_t len, const uint8_t *src,
    size_t srclen, const uint8_t nonce[WG_COOKIE_NONCE_LEN],
    const uint8_t fresh_secret[WG_HASH_LEN], uint64_t now_ms, uint8_t out[WG_COOKIE_LEN])
{
	uint8_t cookie[WG_MAC_LEN];
	int r = 0;

	if (len < MACS_LEN + WG_INIT_OFF_EPHEMERAL)
		return MESH_ERR_PARSE;
	if (!secret_fresh(c, now_ms)) {
		memcpy(c->secret, fresh_secret, sizeof(c->secret));
		c->secret_birth_ms = now_ms;
		c->has_secret = true;
	}
	make_cookie(cookie, c, src, srclen);
	memset(out, 0, WG_COOKIE_LEN);
	wg_put_type(out, WG_MSG_COOKIE_REPLY);
	/* the sender index of an initiation and of a response share offset 4 */
	wg_put_le32(out + WG_COOKIE_OFF_RECEIVER, wg_get_le32(msg + WG_INIT_OFF_SENDER));
	memcpy(out + WG_COOKIE_OFF_NONCE, nonce, WG_COOKIE_NONCE_LEN);
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(out + WG_COOKIE_OFF_COOKIE, NULL, cookie,
		sizeof(cookie), msg + len - MACS_LEN, WG_MAC_LEN, NULL, nonce, c->cookie_key) != 0)
		r = MESH_ERR_CRYPTO;
	sodium_memzero(cookie, sizeof(cookie));
	return r;
}

void
cookie_add_macs(struct cookie_maker *m, uint8_t *msg, size_t len, uint64_t now_ms)
{
	uint8_t *mac1 = msg + len - MACS_LEN, *mac2 = msg + len - WG_MAC_LEN;

	wg_mac(mac1, m->mac1_key, sizeof(m->mac1_key), msg, len - MACS_LEN);
	memcpy(m->last_mac1, mac1, WG_MAC_LEN);
	m->has_last_mac1 = true;
	if (m->has_cookie &&
	    now_ms - m->cookie_birth_ms < WG_COOKIE_REFRESH_TIME_MS - COOKIE_SECRET_LATENCY_MS)
		wg_mac(mac2, m->cookie, sizeof(m->cookie), msg, len - WG_MAC_LEN);
	else
		memset(mac2, 0, WG_MAC_LEN);
}

int
cookie_consume_reply(struct cookie_maker *m, const uint8_t *msg, size_t len, uint64_t now_ms)
{
	uint8_t cookie[WG_MAC_LEN];

	if (len != WG_COOKIE_LEN || wg_get_le32(msg) != WG_MSG_COOKIE_REPLY)
		return MESH_ERR_PARSE;
	if (!m->has_last_mac1)
		return MESH_ERR_INVALID;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(cookie, NULL, NULL,
		msg + WG_COOKIE_OFF_COOKIE, WG_MAC_LEN + WG_AEAD_TAG_LEN, m->last_mac1, WG_MAC_LEN,
		msg + WG_COOKIE_OFF_NONCE, m->cookie_key) != 0)
		return MESH_ERR_CRYPTO;
	memcpy(m->cookie, cookie, sizeof(cookie));
	m->cookie_birth_ms = now_ms;
	m->has_cookie = true;
	m->has_last_mac1 = false;
	sodium_memzero(cookie, sizeof(cookie));
	return 0;
}
