/*
 * mac1, mac2 and cookie replies: WireGuard's DoS mitigation (whitepaper 5.4.4,
 * 5.4.7).  Every handshake message carries mac1 = MAC(HASH("mac1----" ||
 * receiver's static public), msg up to mac1), so a node answers only those
 * who know its public key.  Under load a responder also wants mac2 =
 * MAC(cookie, msg up to mac2), where the cookie is MAC(secret, sender's IP
 * and port) and the secret changes every two minutes; without it the
 * responder sends a cookie reply (the cookie sealed with XChaCha20-Poly1305
 * under HASH("cookie--" || its public key), bound to the mac1 it answers).
 * Pure: time and randomness are parameters.
 */
#ifndef MESH_COOKIE_H
#define MESH_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "messages.h"

#define COOKIE_SECRET_LATENCY_MS 5000 /* a cookie is used this long less than it lives */
#define COOKIE_SOURCE_MAX	 18   /* IPv6 address + port */

/* Our side: validating macs on handshakes sent to us, minting cookies. */
struct cookie_checker {
	uint8_t mac1_key[WG_HASH_LEN];
	uint8_t cookie_key[WG_HASH_LEN];
	uint8_t secret[WG_HASH_LEN];
	uint64_t secret_birth_ms;
	bool has_secret;
};

/* Per peer: adding macs to handshakes we send, remembering its cookie. */
struct cookie_maker {
	uint8_t mac1_key[WG_HASH_LEN];
	uint8_t cookie_key[WG_HASH_LEN];
	uint8_t cookie[WG_MAC_LEN];
	uint64_t cookie_birth_ms;
	bool has_cookie;
	uint8_t last_mac1[WG_MAC_LEN];
	bool has_last_mac1;
};

enum cookie_result {
	COOKIE_MAC1_BAD = 0, /* drop silently */
	COOKIE_MAC1_OK,	     /* mac1 valid, mac2 absent or stale */
	COOKIE_MAC2_OK,	     /* both valid: the sender proved its address */
};

void cookie_checker_init(struct cookie_checker *c, const uint8_t our_public[WG_KEY_LEN]);
void cookie_maker_init(struct cookie_maker *m, const uint8_t peer_public[WG_KEY_LEN]);

/* msg is a whole initiation or response; src is the sender's address||port. */
enum cookie_result cookie_validate(const struct cookie_checker *c, const uint8_t *msg, size_t len,
    const uint8_t *src, size_t srclen, uint64_t now_ms);
/*
 * Build a cookie reply to msg into out[WG_COOKIE_LEN].  fresh_secret is used
 * if the current secret is older than WG_COOKIE_REFRESH_TIME_MS.
 */
int cookie_create_reply(struct cookie_checker *c, const uint8_t *msg, size_t len,
    const uint8_t *src, size_t srclen, const uint8_t nonce[WG_COOKIE_NONCE_LEN],
    const uint8_t fresh_secret[WG_HASH_LEN], uint64_t now_ms, uint8_t out[WG_COOKIE_LEN]);

/* Fill mac1 and mac2 of an outgoing handshake message (the last 32 bytes). */
void cookie_add_macs(struct cookie_maker *m, uint8_t *msg, size_t len, uint64_t now_ms);
/* Take the cookie out of a reply to our last handshake message. */
int cookie_consume_reply(struct cookie_maker *m, const uint8_t *msg, size_t len, uint64_t now_ms);

#endif
